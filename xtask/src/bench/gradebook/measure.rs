//! What one gradebook run of the bench costs, sampled from outside while it
//! runs: wall time, the machine's CPU use, the peak of what it writes to
//! disk, and each submission's time (from the gradebook's own lines).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::bench::Running;

/// How often the disk and the CPU are sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(2);

pub struct Run {
    pub wall: Duration,
    /// Student → seconds, as the gradebook printed them.
    pub per_student: Vec<(String, f64)>,
    /// The largest the watched folders were together (bytes on disk).
    pub peak_disk: u64,
    /// Busy share of all CPUs over the run, machine-wide (others' work included).
    pub cpu_busy: Option<f64>,
    /// CPU time of the gradebook and everything it started (jails
    /// included), where a cgroup could count it.
    pub cpu_own: Option<Duration>,
    /// Processes of the gradebook's still alive once it had ended (killed
    /// then), where a cgroup could see them: the gradebook promises none.
    pub survivors: Vec<String>,
    pub load: (String, String),
}

/// Runs `command` (a gradebook) to its end within `bound`, sampling the
/// size of the `watched` folders; its stderr goes to `log`.
pub fn run(mut command: Command, watched: &[PathBuf], log: &Path, bound: Duration) -> Result<Run> {
    let load_before = super::load();
    let cpu_before = cpu_times();
    command
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?);
    let start = Instant::now();
    let done = AtomicBool::new(false);
    let (status, peak_disk) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak = 0;
            loop {
                peak = peak.max(watched.iter().map(|dir| disk_usage(dir)).sum());
                for _ in 0..SAMPLE_EVERY.as_millis() / 100 {
                    if done.load(Ordering::Relaxed) {
                        // And what it left.
                        return peak.max(watched.iter().map(|dir| disk_usage(dir)).sum());
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        });
        let status = (|| -> Result<_> {
            // Killed on drop: at the bound, or if waiting fails.
            let mut child = Running(command.spawn()?);
            let group = CpuGroup::join(child.0.id());
            loop {
                if let Some(status) = child.0.try_wait()? {
                    let survivors = group.as_ref().map(CpuGroup::survivors).unwrap_or_default();
                    return Ok((status, group.and_then(CpuGroup::finish), survivors));
                }
                if start.elapsed() > bound {
                    bail!("the gradebook took over {} s", bound.as_secs());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })();
        done.store(true, Ordering::Relaxed);
        (status, sampler.join().unwrap_or(0))
    });
    let wall = start.elapsed();
    let (status, cpu_own, survivors) = status?;
    let text = std::fs::read_to_string(log).unwrap_or_default();
    if !status.success() {
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        bail!("the gradebook failed ({status}): {}", tail.join(" | "));
    }
    let cpu_busy = match (cpu_before, cpu_times()) {
        (Some((busy0, all0)), Some((busy1, all1))) if all1 > all0 => {
            Some((busy1 - busy0) as f64 / (all1 - all0) as f64)
        }
        _ => None,
    };
    Ok(Run {
        wall,
        per_student: per_student(&text),
        peak_disk,
        cpu_busy,
        cpu_own,
        survivors,
        load: (load_before, super::load()),
    })
}

/// The gradebook's `  <student> … 12.3 s <flags>` lines.
fn per_student(log: &str) -> Vec<(String, f64)> {
    log.lines()
        .filter_map(|line| {
            let (student, rest) = line.trim_start().split_once(" … ")?;
            let secs = rest.split_once(" s")?.0.parse().ok()?;
            Some((student.to_string(), secs))
        })
        .collect()
}

/// Exercise → each submission's grade of it (build and tests), in
/// seconds, from the reports under a gradebook's target dir (the grader's
/// `<exercise>: N of M tests passed (12.3 s)` lines).
pub fn exercise_times(target: &Path) -> BTreeMap<String, Vec<f64>> {
    let mut times: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let students = std::fs::read_dir(target).into_iter().flatten().flatten();
    for student in students {
        let report = std::fs::read_to_string(student.path().join("report.txt"));
        for line in report.unwrap_or_default().lines().take(8) {
            let Some((exercise, rest)) = line.split_once(": ") else {
                continue;
            };
            let secs = rest
                .rsplit_once(" (")
                .and_then(|(_, t)| t.strip_suffix(" s)"))
                .and_then(|t| t.parse().ok());
            if let Some(secs) = secs.filter(|_| !exercise.contains(' ')) {
                times.entry(exercise.to_string()).or_default().push(secs);
            }
        }
    }
    for secs in times.values_mut() {
        secs.sort_by(f64::total_cmp);
    }
    times
}

/// Bytes on disk under `dir` (allocated blocks, as `du`; a hard link once).
pub fn disk_usage(dir: &Path) -> u64 {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            }
            total += allocated(&meta, &mut seen);
        }
    }
    total
}

#[cfg(unix)]
fn allocated(meta: &std::fs::Metadata, seen: &mut std::collections::HashSet<(u64, u64)>) -> u64 {
    use std::os::unix::fs::MetadataExt;
    if meta.nlink() > 1 && !meta.is_dir() && !seen.insert((meta.dev(), meta.ino())) {
        return 0;
    }
    meta.blocks() * 512
}

#[cfg(not(unix))]
fn allocated(meta: &std::fs::Metadata, _: &mut std::collections::HashSet<(u64, u64)>) -> u64 {
    meta.len()
}

/// A cgroup of the gradebook's processes, for their CPU time: every
/// process it starts, jailed or not, stays in it (a PID namespace hides them
/// from their ancestors' resource usage, not from their cgroup). Linux, and
/// only where this user may make one (cgroup v1's cpuacct, or v2).
struct CpuGroup {
    dir: PathBuf,
    /// The file of its CPU time, and whether it counts µs (v2) or ns (v1).
    usage: (PathBuf, bool),
}

impl CpuGroup {
    fn join(pid: u32) -> Option<CpuGroup> {
        // One per run: a run whose group could not be removed (a process
        // left in it) does not keep the next from counting.
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let name = format!("socket-lab-bench-{}-{run}", std::process::id());
        let candidates = [
            ("/sys/fs/cgroup/cpuacct", "cpuacct.usage", false),
            ("/sys/fs/cgroup", "cpu.stat", true),
        ];
        candidates.into_iter().find_map(|(base, file, v2)| {
            let dir = Path::new(base).join(&name);
            if !Path::new(base).join(file).exists() || std::fs::create_dir(&dir).is_err() {
                return None;
            }
            let group = CpuGroup {
                usage: (dir.join(file), v2),
                dir,
            };
            match std::fs::write(group.dir.join("cgroup.procs"), pid.to_string()) {
                Ok(()) => Some(group),
                Err(_) => None, // dropped: removed
            }
        })
    }

    /// The processes left in the group once the gradebook has ended (after
    /// a grace of a few seconds), each killed: their command lines.
    fn survivors(&self) -> Vec<String> {
        let procs = || std::fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default();
        for _ in 0..30 {
            if procs().trim().is_empty() {
                return Vec::new();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut left = Vec::new();
        for pid in procs().split_whitespace() {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            left.push(format!("{pid} {}", cmdline.trim()));
            if let Ok(pid) = pid.parse::<i32>() {
                // SAFETY: kill has no memory preconditions; the pid is in our own group.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        left
    }

    /// The group's CPU time, once its processes have ended.
    fn finish(self) -> Option<Duration> {
        let text = std::fs::read_to_string(&self.usage.0).ok()?;
        if self.usage.1 {
            let usec = text.lines().find_map(|l| l.strip_prefix("usage_usec "))?;
            Some(Duration::from_micros(usec.trim().parse().ok()?))
        } else {
            Some(Duration::from_nanos(text.trim().parse().ok()?))
        }
    }
}

impl Drop for CpuGroup {
    fn drop(&mut self) {
        // Empty once its processes have ended; a process left in it keeps it.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// (busy, total) jiffies of all CPUs, from /proc/stat (Linux only).
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    let total: u64 = fields.iter().take(8).sum();
    Some((total - idle, total))
}

/// The p-th percentile (0-100) of sorted values.
pub fn percentile(sorted: &[f64], p: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) * p).div_ceil(100)]
}
