//! `cargo xtask bench gradebook`: a class re-graded at class size, beside
//! the way before the shared dependency cache, in the same run.
//!
//! The class is generated (`class.rs`): N students (default 100), each
//! handing in echo, file-transfer and concurrent, each solved, partially
//! solved (a mutant) or the starter. The gradebook grades it with the
//! sandbox on at its default parallelism, every submission's build starting
//! from its exercise's shared dependency cache; `measure.rs` samples wall
//! time, CPU and the peak disk of its target dir. Grading the whole class
//! the old way (each submission builds its dependencies in its own target
//! dir: `gradebook --own-deps`) would take hours, so a sample of the same
//! students is graded that way too, and the ratio is per submission. The
//! sample is graded a third time building only (`--only` matching no test):
//! where a submission's time goes, build and sandbox against tests. The
//! sample's two runs keep their build folders (`--keep-builds`): the disk
//! ratio is that of one submission's build folder.
//!
//! `--sandbox-overhead` measures the sandbox instead (`overhead.rs`).

mod class;
mod measure;
mod overhead;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::BenchArgs;
use class::{EXERCISES, Kind};
use measure::{disk_usage, percentile};

/// The goals for 100 submissions × 3 exercises.
const GOAL_WALL: Duration = Duration::from_secs(15 * 60);
const GOAL_DISK: u64 = 30_000_000_000;
const AIM_DISK: u64 = 2_000_000_000;
/// One gradebook run of the bench may take this long.
const RUN_BOUND: Duration = Duration::from_secs(2 * 3600);
/// `--only` text that matches no test: the grade builds and runs nothing.
const BUILD_ONLY: &str = "(no test: the build alone)";

pub(super) fn gradebook(root: &Path, args: &BenchArgs) -> Result<()> {
    if args.sandbox_overhead {
        return overhead::gradebook(root, args);
    }
    let n = args.students.unwrap_or(if args.smoke { 3 } else { 100 });
    let k = args.old_sample.unwrap_or(if args.smoke { 1 } else { 4 });
    let k = k.clamp(1, n.max(1));
    let work = match &args.work_dir {
        Some(dir) => std::path::absolute(dir)?,
        None => root.join("target/bench/gradebook"),
    };
    std::fs::create_dir_all(&work)?;
    // The runs use a copy of this binary: a `cargo build` in the tree while
    // they last (a long one) replaces target/debug/xtask under them.
    let exe = work.join("xtask");
    let _ = std::fs::remove_file(&exe);
    std::fs::copy(std::env::current_exe()?, &exe).context("copying the xtask binary")?;
    let template = export_template(&exe, root, &work)?;
    let class_dir = work.join("class");
    let students = class::generate(root, &template, &class_dir, n)?;
    // The smoke run: one exercise with dependencies, one quick test.
    let (exercises, only) = if args.smoke {
        ("file-transfer".to_string(), Some("ft.server.ready"))
    } else {
        (EXERCISES.join(","), None)
    };
    let count = |kind| {
        let all = students.iter().flat_map(|s| &s.work);
        all.filter(|(k, _)| *k == kind).count()
    };
    println!(
        "gradebook of {n} students × {} exercises ({exercises}; reliable-udp left out: its grade waits on lossy-link timers, 4-7 s), sandbox on, class seed {:x}{}",
        exercises.split(',').count(),
        class::SEED,
        if args.smoke { ", smoke: one test" } else { "" }
    );
    println!(
        "  handed in (of all three): {} solved, {} partially solved (a mutant; echo: one side), {} starters",
        count(Kind::Solved),
        count(Kind::Partial),
        count(Kind::Starter)
    );

    let deps = root.join("target/grade-deps");
    let deps_before = disk_usage(&deps);
    let gradebook = |class: &Path, name: &str, extra: &[&str]| -> Result<measure::Run> {
        let target = work.join(format!("target-{name}"));
        if target.exists() {
            std::fs::remove_dir_all(&target)?;
        }
        let mut command = Command::new(&exe);
        command
            .current_dir(root)
            .arg("gradebook")
            .arg(class)
            .arg("--template")
            .arg(&template)
            .arg("--csv")
            .arg(work.join(format!("{name}.csv")))
            .arg("--target-dir")
            .arg(&target)
            .args(["--seed", "5eed", "--exercise", &exercises])
            .args(extra);
        if let Some(only) = only.filter(|_| !extra.contains(&"--only")) {
            command.args(["--only", only]);
        }
        eprintln!("  grading: {name} …");
        let log = work.join(format!("{name}.log"));
        measure::run(command, &[target], &log, RUN_BOUND)
            .with_context(|| format!("the {name} gradebook (its log: {})", log.display()))
    };

    let shared = gradebook(&class_dir, "shared", &[])?;
    let deps_after = disk_usage(&deps);
    if shared.per_student.len() != n {
        bail!(
            "the gradebook graded {} of {n} students",
            shared.per_student.len()
        );
    }
    let jobs = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(n);
    println!("shared dependency cache (the gradebook today), {jobs} at a time:");
    print_run(&shared, n);
    print_exercises(
        "per exercise (build and tests; a grade runs its exercises side by side)",
        &work.join("target-shared"),
    );
    println!(
        "  + dependency caches {} (target/grade-deps, every exercise and version; {} written in this run)",
        size(deps_after),
        size(deps_after.saturating_sub(deps_before))
    );
    // Another class size is scaled to 100 students, linearly.
    let scale = 100.0 / n as f64;
    let (wall_100, disk_100) = (
        shared.wall.mul_f64(scale),
        (shared.peak_disk as f64 * scale) as u64,
    );
    let wall_goal = if wall_100 <= GOAL_WALL {
        "met"
    } else {
        "missed"
    };
    let disk_goal = match disk_100 {
        d if d <= AIM_DISK => "met, and the aim",
        d if d <= GOAL_DISK => "met; over the aim",
        _ => "missed",
    };
    println!(
        "  goals at 100 students{}: ≤ 15 min wall: {wall_goal} ({:.1} min); ≤ 30 GB disk (aim ≤ 2 GB): {disk_goal} ({:.2} GB)",
        if n == 100 {
            ""
        } else {
            ", scaled from this class"
        },
        wall_100.as_secs_f64() / 60.0,
        disk_100 as f64 / 1e9
    );

    // The same students, the old way, and building only.
    // The middle of each k-th of the class: not the first students, whose
    // grades also wait for the shared cache when it has to be built.
    let sample: Vec<&class::Student> = (0..k)
        .map(|j| &students[(2 * j + 1) * n / (2 * k)])
        .collect();
    let sample_dir = work.join("sample");
    if sample_dir.exists() {
        std::fs::remove_dir_all(&sample_dir)?;
    }
    for student in &sample {
        crate::classroom::copy_tree(
            &class_dir.join(&student.name),
            &sample_dir.join(&student.name),
        )?;
    }
    // Both sample runs keep each submission's build folder, so that the disk
    // of one build is measured: the gradebook removes it after the grade.
    let own = gradebook(&sample_dir, "own", &["--own-deps", "--keep-builds"])?;
    let built = gradebook(
        &sample_dir,
        "build-only",
        &["--only", BUILD_ONLY, "--keep-builds"],
    )?;
    println!(
        "own target dir per student (the old way, `gradebook --own-deps`), a sample of {k} graded both ways, {} at a time:",
        jobs.min(k)
    );
    for student in &sample {
        println!("  {student}");
    }
    print_run(&own, k);
    print_exercises("per exercise, the old way", &work.join("target-own"));
    print_exercises(
        "per exercise, building only (shared cache)",
        &work.join("target-build-only"),
    );

    let of_sample = |run: &measure::Run| -> f64 {
        let mine = run.per_student.iter();
        mine.filter(|(name, _)| sample.iter().any(|s| &s.name == name))
            .map(|(_, secs)| secs)
            .sum::<f64>()
            / k as f64
    };
    let (new_secs, old_secs, build_secs) = (of_sample(&shared), of_sample(&own), of_sample(&built));
    // A submission's build folder, the old way against the shared cache's
    // (the same students, builds kept).
    let (new_disk, old_disk) = (
        built.peak_disk as f64 / k as f64,
        own.peak_disk as f64 / k as f64,
    );
    let cpu = |run: &measure::Run, of: usize| {
        run.cpu_own.map_or(String::new(), |cpu| {
            format!(" ({:.1} CPU-s)", cpu.as_secs_f64() / of as f64)
        })
    };
    println!(
        "  where a submission's time goes (the sample, shared cache): build and sandbox {build_secs:.1} s{}, tests {:.1} s, of {new_secs:.1} s{}",
        cpu(&built, k),
        (new_secs - build_secs).max(0.0),
        cpu(&shared, n)
    );
    println!(
        "ratio old way / shared cache, per submission (the same {k}): time {:.1}× ({old_secs:.1} s / {new_secs:.1} s), disk of its build folder {:.1}× ({} / {}); the whole class the old way ≈ {:.0} min and {} of build folders kept (extrapolated from the sample; the gradebook removes each once graded unless --keep-builds)",
        old_secs / new_secs.max(0.001),
        old_disk / new_disk.max(1.0),
        size(old_disk as u64),
        size(new_disk as u64),
        own.wall.as_secs_f64() / k as f64 * n as f64 / 60.0,
        size((old_disk * n as f64) as u64),
    );
    Ok(())
}

fn print_run(run: &measure::Run, n: usize) {
    let mut secs: Vec<f64> = run.per_student.iter().map(|(_, s)| *s).collect();
    secs.sort_by(f64::total_cmp);
    println!(
        "  wall {:.1} s ({:.1} min); per submission p50 {:.1} s, p90 {:.1} s, max {:.1} s",
        run.wall.as_secs_f64(),
        run.wall.as_secs_f64() / 60.0,
        percentile(&secs, 50),
        percentile(&secs, 90),
        secs.last().copied().unwrap_or(0.0)
    );
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let own = run.cpu_own.map_or("not counted (no cgroup)".into(), |cpu| {
        let secs = cpu.as_secs_f64();
        format!(
            "{secs:.0} CPU-s ({:.1} per submission, {:.0} % of {cpus} CPUs over the wall; alone on them, no less than {:.1} min)",
            secs / n.max(1) as f64,
            secs / run.wall.as_secs_f64() / cpus as f64 * 100.0,
            secs / cpus as f64 / 60.0
        )
    });
    println!(
        "  CPU: grading {own}; the machine {} busy (others' work included); load {} → {}",
        run.cpu_busy
            .map_or("?".into(), |b| format!("{:.0} %", b * 100.0)),
        run.load.0,
        run.load.1
    );
    for process in &run.survivors {
        println!("  warning: outlived the gradebook (killed now): {process:.200}");
    }
    println!(
        "  disk peak {} under its target dir ({} per submission; the builds themselves run in memory-backed file systems)",
        size(run.peak_disk),
        size(run.peak_disk / n.max(1) as u64)
    );
}

fn print_exercises(title: &str, target: &Path) {
    let times = measure::exercise_times(target);
    let each: Vec<String> = times
        .iter()
        .map(|(exercise, secs)| {
            format!(
                "{exercise} p50 {:.1} s, max {:.1} s",
                percentile(secs, 50),
                secs.last().copied().unwrap_or(0.0)
            )
        })
        .collect();
    println!("  {title}: {}", each.join("; "));
}

/// Exports the student template into `work/template`, afresh.
fn export_template(exe: &Path, root: &Path, work: &Path) -> Result<PathBuf> {
    let template = work.join("template");
    if template.exists() {
        std::fs::remove_dir_all(&template)?;
    }
    let status = Command::new(exe)
        .current_dir(root)
        .args(["classroom", "export"])
        .arg(&template)
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("could not export the student template");
    }
    Ok(template)
}

/// The 1-minute load average, from /proc/loadavg.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64),
        b => format!("{:.0} MiB", b as f64 / (1u64 << 20) as f64),
    }
}
