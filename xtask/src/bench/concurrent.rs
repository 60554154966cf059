//! `cargo xtask bench concurrent`: one chat room, thousands of clients.
//!
//! The load generator runs in this process, on tokio. It starts the chat
//! server with `--listen 127.0.0.1:0`, then:
//!
//! 1. The ramp: N clients connect (at most [`CONNECTS_IN_FLIGHT`] at a time)
//!    and join as `c00001`, `c00002`, …, each waiting for its `* welcome`.
//!    Every join is announced to everyone already in the room, so the ramp
//!    alone delivers N·(N−1)/2 lines. The ramp is paced: a new client starts
//!    only while every joined client has read the announcements of all but
//!    the last [`JOIN_WINDOW`] joins, so none falls far behind (a server
//!    drops a client 1024 lines behind: that would be the bench's fault).
//! 2. The steady phase: R messages a second for S seconds, evenly spaced,
//!    from [`SENDERS`] of the clients. Each text carries its send time (µs
//!    since the bench started, one [`Instant`]); every client that reads it
//!    adds now − then to a histogram.
//!
//! Clients read into a buffer and count lines; only message lines are parsed.
//! A delivery is one message reaching one client; a run expects
//! messages × (held − 1). A delivery that never arrives counts as infinitely
//! late, so a server that loses over 1 % of them has no p99 ("beyond the run").
//!
//! `--path DIR` measures a student's crate beside the reference in the same
//! run; `--sweep` measures both reference designs (tokio, thread per client)
//! from 100 to 10 000 clients and saves the figures to JSON for [`super::plot`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
#[cfg(windows)]
use process_wrap::tokio::JobObject;
#[cfg(unix)]
use process_wrap::tokio::ProcessGroup;
use process_wrap::tokio::{ChildWrapper, CommandWrap};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{sleep, sleep_until, timeout, timeout_at};

use super::{BenchArgs, plot, rerun_release};
use crate::cmd;

/// Room sizes of `--sweep`.
const SWEEP: [usize; 5] = [100, 1000, 2000, 5000, 10_000];
/// The reference's two designs, in the order the book tells them.
const DESIGNS: [&str; 2] = ["chat-server", "chat-server-threads"];
/// How many clients send the steady phase's messages (in turn).
const SENDERS: usize = 4;
/// Connections being opened and joined at once during the ramp.
const CONNECTS_IN_FLIGHT: usize = 128;
/// How many joins' announcements one client may still have to read when the
/// next client starts. With the joins in flight (whose order the bench only
/// knows roughly), still well under the 1024 lines a server queues for a client.
const JOIN_WINDOW: u64 = 256;
const CONNECT_ATTEMPTS: u32 = 8;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WELCOME_TIMEOUT: Duration = Duration::from_secs(30);
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Without progress for this long, the ramp stops waiting for announcements.
const STALL: Duration = Duration::from_secs(5);
/// After the last client started: how long its join and the announcements
/// still on their way may take, at most.
const SETTLE: Duration = Duration::from_secs(60);
/// After the last message: how long deliveries may keep arriving, at most,
/// and how long without a new one ends the wait.
const DRAIN: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_secs(2);
/// A server sends at most 1024 + 40 bytes a line; one read takes several.
const READ_BUFFER: usize = 4096;
/// The latency goal of the reference, in ms.
const GOAL_P99_MS: f64 = 50.0;
/// Up to this share of deliveries may be missing before p99 is "beyond the run".
const LOST_FOR_P99: f64 = 0.01;

/// The ramp's bound: one minute, plus 30 ms per client (6 min at 10 000).
fn ramp_limit(clients: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(30) * clients as u32
}

/// One measured server at one room size: what `concurrent.json` holds.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[serde(default)]
pub(super) struct Run {
    /// The binary's name (`chat-server`, `chat-server-threads`).
    pub design: String,
    pub clients: usize,
    pub rate: u32,
    pub secs: u64,
    /// Joined and still connected at the end.
    pub held: usize,
    /// Could not connect, or closed or silent before `* welcome`.
    pub failed: usize,
    /// Not started: the ramp ran out of time first.
    pub unstarted: usize,
    /// Closed by the server after `* welcome`.
    pub dropped: usize,
    pub ramp_secs: f64,
    /// Every client joined and every announcement arrived within the bound.
    pub ramp_complete: bool,
    pub messages: u64,
    pub deliveries: u64,
    pub expected: u64,
    pub deliveries_per_sec: f64,
    /// None: over 1 % of the deliveries never arrived.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// The server's VmHWM (Linux).
    pub peak_rss_kib: Option<u64>,
    /// The most threads the server had at once (Linux).
    pub peak_threads: Option<u64>,
    /// CPU time during the steady phase (and its drain), in % of one CPU:
    /// the server's, and this load generator's (Linux).
    pub server_cpu_pct: Option<f64>,
    pub loadgen_cpu_pct: Option<f64>,
    /// What went wrong, each with how often: the first errors, a server exit.
    pub notes: Vec<String>,
}

impl Run {
    fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.deliveries)
    }

    /// The line a script (or a CI test) greps.
    fn summary(&self) -> String {
        let ms = |v: Option<f64>| match v {
            Some(v) => format!("{v:.2}ms"),
            None if self.expected == 0 => "none".into(),
            None => "beyond-the-run".into(),
        };
        format!(
            "{}: N={} held={}/{} ramp={:.1}s deliveries/s={:.0} lost={} p50={} p99={} max={} rss={}",
            self.design,
            self.clients,
            self.held,
            self.clients,
            self.ramp_secs,
            self.deliveries_per_sec,
            self.lost(),
            ms(self.p50_ms),
            ms(self.p99_ms),
            ms(self.max_ms),
            self.peak_rss_kib
                .map_or("?".into(), |k| format!("{}MiB", k / 1024)),
        )
    }

    fn goals(&self) -> [(String, bool); 3] {
        let target = self.rate as f64 * self.clients.saturating_sub(1) as f64;
        [
            (format!("{} held", self.clients), self.held == self.clients),
            (
                format!(">= {target:.0} deliveries/s"),
                self.deliveries_per_sec >= 0.99 * target && self.lost() == 0,
            ),
            (
                format!("p99 <= {GOAL_P99_MS} ms"),
                self.p99_ms.is_some_and(|p| p <= GOAL_P99_MS),
            ),
        ]
    }
}

/// `target/bench/concurrent.json`.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
pub(super) struct Sweep {
    pub cpus: usize,
    /// /proc/loadavg before the sweep: others' builds show here.
    pub load_average: String,
    pub rate: u32,
    pub secs: u64,
    pub runs: Vec<Run>,
}

#[derive(Clone, Copy)]
struct Load {
    clients: usize,
    rate: u32,
    secs: u64,
}

pub(super) fn concurrent(root: &Path, args: &BenchArgs) -> Result<()> {
    let json = args
        .json
        .clone()
        .unwrap_or_else(|| root.join("target/bench/concurrent.json"));
    let book = args.book.clone().unwrap_or_else(|| root.join("book"));
    if args.plot && !args.sweep {
        return plot::write(&json, &book);
    }
    // The load generator runs in this process: optimized, or it measures itself.
    if cfg!(debug_assertions) && !args.smoke {
        return rerun_release(root);
    }
    let load = Load {
        clients: args.clients.unwrap_or(if args.smoke { 50 } else { 10_000 }),
        rate: args.rate.unwrap_or(20),
        secs: args.secs.unwrap_or(if args.smoke { 2 } else { 10 }),
    };
    if load.clients < 2 || load.rate == 0 || load.secs == 0 {
        bail!("the bench needs --clients 2 or more, and a --rate and --secs above 0");
    }
    let most = if args.sweep {
        SWEEP[SWEEP.len() - 1]
    } else {
        load.clients
    };
    raise_fd_limit(most);

    let reference = root.join("solutions/concurrent");
    let work = root.join("target/bench/concurrent");
    std::fs::create_dir_all(&work)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let profile = if args.smoke { "a debug" } else { "a release" };

    if args.sweep {
        let bins = build(root, &reference, &DESIGNS, args.smoke, "reference")?;
        let mut sweep = Sweep {
            cpus: cpus(),
            load_average: load_average(),
            rate: load.rate,
            secs: load.secs,
            runs: Vec::new(),
        };
        println!(
            "concurrent bench sweep: {} msg/s for {} s, {profile} build, {} CPUs, load {}",
            load.rate, load.secs, sweep.cpus, sweep.load_average
        );
        for (design, bin) in DESIGNS.iter().zip(&bins) {
            for clients in SWEEP {
                let load = Load { clients, ..load };
                let run = interruptible(&runtime, measure(bin, design, load, &work))?;
                println!("  {}", run.summary());
                for note in &run.notes {
                    println!("    {note}");
                }
                sweep.runs.push(run);
                // Saved after every run: a sweep cut short keeps what it measured.
                if let Some(dir) = json.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(&json, serde_json::to_string_pretty(&sweep)?)?;
            }
        }
        println!();
        print_sweep(&sweep);
        println!("  saved {}", json.display());
        if args.plot {
            plot::write(&json, &book)?;
        }
        return Ok(());
    }

    let mut servers = Vec::new();
    let reference_bin = if args.path.is_some() {
        "chat-server"
    } else {
        args.bin.as_str()
    };
    let bins = build(root, &reference, &[reference_bin], args.smoke, "reference")?;
    servers.push((
        format!("{reference_bin} (reference)"),
        reference_bin,
        bins[0].clone(),
    ));
    if let Some(dir) = &args.path {
        let bins = build(root, dir, &[args.bin.as_str()], args.smoke, "yours")?;
        servers.push((
            format!("{} (yours)", args.bin),
            args.bin.as_str(),
            bins[0].clone(),
        ));
    }
    println!(
        "concurrent bench: {} clients, {} msg/s for {} s from {SENDERS} senders, {profile} build, {} CPUs, load {}",
        load.clients,
        load.rate,
        load.secs,
        cpus(),
        load_average()
    );
    let mut runs = Vec::new();
    for (label, design, bin) in &servers {
        let mut run = interruptible(&runtime, measure(bin, design, load, &work))?;
        run.design = label.clone();
        println!("  {}", run.summary());
        for note in &run.notes {
            println!("    {note}");
        }
        runs.push(run);
    }
    println!();
    print_side_by_side(&runs);
    Ok(())
}

/// Runs `measure` until it ends or Ctrl-C. The server is in a process group
/// of its own, out of the terminal's reach: on Ctrl-C, dropping the
/// measurement kills it (and closes the clients) before the bench exits.
fn interruptible(
    runtime: &tokio::runtime::Runtime,
    measure: impl Future<Output = Run>,
) -> Result<Run> {
    runtime.block_on(async {
        tokio::select! {
            run = measure => Ok(run),
            _ = tokio::signal::ctrl_c() => bail!("interrupted"),
        }
    })
}

/// Builds `bins` of the crate at `dir` into target/bench, and copies each
/// to target/bench/concurrent/`label`-NAME: a student's `chat-server` and
/// the reference's have the same file name.
fn build(root: &Path, dir: &Path, bins: &[&str], debug: bool, label: &str) -> Result<Vec<PathBuf>> {
    let target_dir = root.join("target/bench");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command.args(["build", "--quiet", "--bins"]);
    if !debug {
        command.arg("--release");
    }
    cmd::run(
        command
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target_dir),
    )?;
    let profile = if debug { "debug" } else { "release" };
    let exe = std::env::consts::EXE_SUFFIX;
    bins.iter()
        .map(|name| {
            let built = target_dir.join(profile).join(format!("{name}{exe}"));
            let copy = target_dir
                .join("concurrent")
                .join(format!("{label}-{name}{exe}"));
            std::fs::create_dir_all(copy.parent().expect("has a parent"))?;
            std::fs::copy(&built, &copy).with_context(|| {
                format!(
                    "{} has no binary {name} ({})",
                    dir.display(),
                    built.display()
                )
            })?;
            Ok(copy)
        })
        .collect()
}

/// Raises this process's soft limit on open files to the hard limit; the
/// server inherits it. Each client is one file here and one in the server.
#[cfg(unix)]
fn raise_fd_limit(clients: usize) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given; nothing else is shared.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    let old = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: as above. macOS refuses an infinite hard limit: try its usual cap.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            limit.rlim_cur = limit.rlim_max.min(24_576);
            // SAFETY: as above.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
                limit.rlim_cur = old;
            }
        }
    }
    let now = limit.rlim_cur;
    eprintln!(
        "open files: soft limit {old} -> {now} (hard {})",
        limit.rlim_max
    );
    if (now as u128) < clients as u128 + 100 {
        eprintln!(
            "warning: {clients} clients need more open files than {now}: expect connect failures (raise the hard limit: ulimit -Hn)"
        );
    }
}

#[cfg(not(unix))]
fn raise_fd_limit(_clients: usize) {}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}

/// Latencies in µs, counted in buckets 1/64 of a power of two wide (HDR
/// histogram style: at most 1.6 % off at any size), shared by every client.
struct Histogram {
    buckets: Vec<AtomicU64>,
    max: AtomicU64,
}

const SUB_BITS: u32 = 6;

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            buckets: (0..(64 - SUB_BITS as usize + 1) << SUB_BITS)
                .map(|_| AtomicU64::new(0))
                .collect(),
            max: AtomicU64::new(0),
        }
    }

    fn index(us: u64) -> usize {
        if us < 1 << SUB_BITS {
            return us as usize;
        }
        let top = 63 - us.leading_zeros();
        let shift = top - SUB_BITS;
        (((shift + 1) << SUB_BITS) as u64 + ((us >> shift) & ((1 << SUB_BITS) - 1))) as usize
    }

    /// The middle of a bucket, in µs.
    fn value(index: usize) -> f64 {
        let sub = 1usize << SUB_BITS;
        if index < sub {
            return index as f64;
        }
        let shift = (index >> SUB_BITS) as u32 - 1;
        let low = ((sub + (index & (sub - 1))) as u64) << shift;
        low as f64 + ((1u64 << shift) as f64 - 1.0) / 2.0
    }

    fn record(&self, us: u64) {
        self.buckets[Histogram::index(us)].fetch_add(1, Relaxed);
        self.max.fetch_max(us, Relaxed);
    }

    /// The `q` quantile in ms of `total` deliveries, those not recorded
    /// counting as later than any: None if it falls among them.
    fn quantile_ms(&self, q: f64, total: u64) -> Option<f64> {
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Relaxed);
            if seen >= rank {
                return Some(Histogram::value(index) / 1000.0);
            }
        }
        None
    }
}

/// What every client task adds to.
struct Shared {
    start: Instant,
    welcomed: AtomicUsize,
    failed: AtomicUsize,
    /// Closed after the welcome.
    dropped: AtomicUsize,
    announcements: AtomicU64,
    /// Per client: its place in the join order plus the announcements it
    /// has read since its welcome (u64::MAX before its welcome and after it
    /// is gone). Every client's should reach the number of joins − 1.
    reach: Vec<AtomicU64>,
    deliveries: AtomicU64,
    last_delivery_us: AtomicU64,
    latency: Histogram,
    /// Error texts with how often each came (at most [`ERROR_KINDS`]).
    errors: Mutex<BTreeMap<String, usize>>,
    server_gone: AtomicBool,
}

const ERROR_KINDS: usize = 12;

impl Shared {
    /// How many announcements the furthest-behind of the first `started`
    /// clients has yet to read (roughly: see [`JOIN_WINDOW`]).
    fn laggard(&self, started: usize) -> u64 {
        let joins = self.welcomed.load(Relaxed) as u64;
        let least = self.reach[..started]
            .iter()
            .map(|reach| reach.load(Relaxed))
            .min()
            .unwrap_or(u64::MAX);
        if least == u64::MAX {
            return 0;
        }
        joins.saturating_sub(1).saturating_sub(least)
    }

    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn error(&self, what: String) {
        let mut errors = self.errors.lock().unwrap();
        let kinds = errors.len();
        match errors.get_mut(&what) {
            Some(count) => *count += 1,
            None if kinds < ERROR_KINDS => {
                errors.insert(what, 1);
            }
            None => *errors.entry("(other errors)".into()).or_default() += 1,
        }
    }
}

/// The chat server under test, in its own process group (a job object on
/// Windows): killed with everything it started when this is dropped.
struct Server {
    child: Arc<Mutex<Box<dyn ChildWrapper>>>,
    pid: Option<u32>,
    stderr: PathBuf,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.start_kill();
        }
    }
}

impl Server {
    async fn start(bin: &Path, stderr: PathBuf) -> Result<Server> {
        let log = std::fs::File::create(&stderr)?;
        let mut command = CommandWrap::with_new(bin, |command| {
            command
                .args(["--listen", "127.0.0.1:0"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(log)
                .env("RUST_BACKTRACE", "0")
                .kill_on_drop(true);
        });
        #[cfg(unix)]
        command.wrap(ProcessGroup::leader());
        #[cfg(windows)]
        command.wrap(JobObject);
        let mut child = command
            .spawn()
            .with_context(|| format!("could not start {}", bin.display()))?;
        let stdout = child.stdout().take().expect("piped");
        let pid = child.id();
        let mut server = Server {
            child: Arc::new(Mutex::new(child)),
            pid,
            stderr,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let mut lines = BufReader::new(stdout).lines();
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        // Bounded: up to 100 lines before the readiness line.
        for _ in 0..100 {
            match timeout_at(deadline, lines.next_line()).await {
                Ok(Ok(Some(line))) => {
                    if let Some(addr) = line.trim_end().strip_prefix("listening on ") {
                        server.addr = addr
                            .parse()
                            .with_context(|| format!("`{line}` does not name an address"))?;
                        // The rest of stdout is read and thrown away: a full pipe must not block it.
                        tokio::spawn(async move {
                            let mut rest = lines.into_inner();
                            let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
                        });
                        return Ok(server);
                    }
                }
                Ok(_) => {
                    sleep(Duration::from_millis(200)).await;
                    bail!(
                        "the server exited before `listening on <ip>:<port>`{}",
                        server.exit_note()
                    );
                }
                Err(_) => break,
            }
        }
        bail!("no `listening on <ip>:<port>` line within {READY_TIMEOUT:?}")
    }

    /// " (exit status …): last stderr lines" once it has exited, else "".
    fn exit_note(&self) -> String {
        let status = match self.child.lock().map(|mut child| child.try_wait()) {
            Ok(Ok(Some(status))) => status,
            _ => return String::new(),
        };
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        if tail.is_empty() {
            format!(" ({status})")
        } else {
            format!(" ({status}); its stderr ends: {}", tail.join(" | "))
        }
    }

    /// A field of /proc/PID/status in its unit (kB for memory), Linux only.
    fn status_field(&self, field: &str) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = text.lines().find(|line| line.starts_with(field))?;
        line[field.len()..].split_whitespace().next()?.parse().ok()
    }
}

/// Starts the server, fills the room, sends the messages, and measures.
/// Errors end up in the run's notes: a server that falls over is a result.
async fn measure(bin: &Path, design: &str, load: Load, work: &Path) -> Run {
    let mut run = Run {
        design: design.to_string(),
        clients: load.clients,
        rate: load.rate,
        secs: load.secs,
        // Until the ramp says otherwise: a server that does not start starts no client.
        unstarted: load.clients,
        ..Run::default()
    };
    // Named after the copied binary: `reference-chat-server-10000.stderr`.
    let stem = bin.file_stem().unwrap_or_default().to_string_lossy();
    let stderr = work.join(format!("{stem}-{}.stderr", load.clients));
    eprintln!(
        "{design}: {} clients (server stderr: {})",
        load.clients,
        stderr.display()
    );
    if let Err(err) = room(bin, load, stderr, &mut run).await {
        run.notes.push(format!("{err:#}"));
    }
    run
}

async fn room(bin: &Path, load: Load, stderr: PathBuf, run: &mut Run) -> Result<()> {
    let server = Server::start(bin, stderr).await?;
    let shared = Arc::new(Shared {
        start: Instant::now(),
        welcomed: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        dropped: AtomicUsize::new(0),
        announcements: AtomicU64::new(0),
        reach: (0..load.clients)
            .map(|_| AtomicU64::new(u64::MAX))
            .collect(),
        deliveries: AtomicU64::new(0),
        last_delivery_us: AtomicU64::new(0),
        latency: Histogram::new(),
        errors: Mutex::new(BTreeMap::new()),
        server_gone: AtomicBool::new(false),
    });
    // Watches the server: its thread count, and whether it is still there.
    let peak_threads = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (child, shared, peak) = (server.child.clone(), shared.clone(), peak_threads.clone());
        let pid = server.pid;
        tokio::spawn(async move {
            loop {
                if let Some(threads) = pid
                    .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
                    .and_then(|text| {
                        text.lines()
                            .find_map(|line| line.strip_prefix("Threads:"))
                            .and_then(|n| n.trim().parse().ok())
                    })
                {
                    peak.fetch_max(threads, Relaxed);
                }
                if let Ok(Ok(Some(_))) = child.lock().map(|mut child| child.try_wait()) {
                    shared.server_gone.store(true, Relaxed);
                    return;
                }
                sleep(Duration::from_millis(200)).await;
            }
        })
    };

    // The ramp.
    let mut tasks = JoinSet::new();
    let (senders_tx, mut senders_rx) = mpsc::unbounded_channel();
    let in_flight = Arc::new(Semaphore::new(CONNECTS_IN_FLIGHT));
    let start = tokio::time::Instant::now();
    let limit = start + ramp_limit(load.clients);
    let mut pacing = true;
    let mut progress = ((0, 0), tokio::time::Instant::now());
    let mut started = 0;
    'ramp: for index in 0..load.clients {
        // Every client has read all announcements but the last JOIN_WINDOW.
        loop {
            let welcomed = shared.welcomed.load(Relaxed);
            let seen = shared.announcements.load(Relaxed);
            if !pacing || shared.laggard(index) <= JOIN_WINDOW {
                break;
            }
            if shared.server_gone.load(Relaxed) || tokio::time::Instant::now() > limit {
                break 'ramp;
            }
            if (welcomed, seen) != progress.0 {
                progress = ((welcomed, seen), tokio::time::Instant::now());
            } else if progress.1.elapsed() > STALL {
                pacing = false;
                run.notes.push(format!(
                    "ramp: no announcement for {STALL:?} at {seen} of {}: pacing off",
                    pairs(welcomed)
                ));
            }
            sleep(Duration::from_millis(1)).await;
        }
        if shared.server_gone.load(Relaxed) {
            break;
        }
        let Ok(Ok(permit)) = timeout_at(limit, in_flight.clone().acquire_owned()).await else {
            break;
        };
        let sender = (index < SENDERS).then(|| senders_tx.clone());
        tasks.spawn(client(index, server.addr, shared.clone(), permit, sender));
        started += 1;
    }
    drop(senders_tx);
    // Every join answered, and every announcement in (or no progress for
    // STALL): the steady phase starts in a quiet room, even after a ramp
    // cut short.
    let settle = tokio::time::Instant::now() + SETTLE;
    let mut progress = ((0, 0), tokio::time::Instant::now());
    run.ramp_complete = loop {
        let welcomed = shared.welcomed.load(Relaxed);
        let done = welcomed + shared.failed.load(Relaxed);
        let seen = shared.announcements.load(Relaxed);
        if done == started && seen >= pairs(welcomed) {
            break started == load.clients && welcomed == load.clients;
        }
        if shared.server_gone.load(Relaxed) || tokio::time::Instant::now() > settle {
            break false;
        }
        if (done, seen) != progress.0 {
            progress = ((done, seen), tokio::time::Instant::now());
        } else if progress.1.elapsed() > STALL && done == started {
            run.notes.push(format!(
                "ramp: {seen} of {} join announcements arrived",
                pairs(welcomed)
            ));
            break false;
        }
        sleep(Duration::from_millis(5)).await;
    };
    run.ramp_secs = start.elapsed().as_secs_f64();
    run.unstarted = load.clients - started;
    if started < load.clients {
        run.notes.push(format!(
            "ramp: {started} of {} clients started within its bound of {:.0} s",
            load.clients,
            ramp_limit(load.clients).as_secs_f64()
        ));
    }

    // The steady phase.
    let mut senders = Vec::new();
    while let Ok(writer) = senders_rx.try_recv() {
        senders.push(writer);
    }
    let steady = tokio::time::Instant::now();
    let cpu_before = (cpu_secs(server.pid), cpu_secs(Some(std::process::id())));
    let steady_us = shared.now_us();
    let total = u64::from(load.rate) * load.secs;
    let gap = Duration::from_secs(1) / load.rate;
    let mut sent = 0u64;
    if senders.is_empty() {
        run.notes.push("no sender joined: no messages".into());
    }
    for seq in 0..total {
        if senders.is_empty() || shared.server_gone.load(Relaxed) {
            break;
        }
        sleep_until(steady + gap * seq as u32).await;
        let which = seq as usize % senders.len();
        let line = format!("m {seq} {}\n", shared.now_us());
        match timeout(
            Duration::from_secs(1),
            senders[which].write_all(line.as_bytes()),
        )
        .await
        {
            Ok(Ok(())) => sent += 1,
            Ok(Err(err)) => {
                shared.error(format!("send: {err}"));
                senders.swap_remove(which);
            }
            // Part of the line may have gone: this sender says no more.
            Err(_) => {
                shared.error("send: blocked for over 1 s".into());
                senders.swap_remove(which);
            }
        }
    }
    // Deliveries still on their way.
    let drain = tokio::time::Instant::now();
    let lines = || shared.deliveries.load(Relaxed) + shared.announcements.load(Relaxed);
    let mut last = (lines(), drain);
    loop {
        let held = shared.welcomed.load(Relaxed) - shared.dropped.load(Relaxed);
        let deliveries = shared.deliveries.load(Relaxed);
        if deliveries >= sent * held.saturating_sub(1) as u64
            || drain.elapsed() > DRAIN
            || shared.server_gone.load(Relaxed)
        {
            break;
        }
        if lines() != last.0 {
            last = (lines(), tokio::time::Instant::now());
        } else if last.1.elapsed() > QUIET {
            break;
        }
        sleep(Duration::from_millis(10)).await;
    }

    // The figures, before the server goes.
    let wall = steady.elapsed().as_secs_f64();
    let percent = |before: Option<f64>, after: Option<f64>| Some(100.0 * (after? - before?) / wall);
    run.server_cpu_pct = percent(cpu_before.0, cpu_secs(server.pid));
    run.loadgen_cpu_pct = percent(cpu_before.1, cpu_secs(Some(std::process::id())));
    let welcomed = shared.welcomed.load(Relaxed);
    run.dropped = shared.dropped.load(Relaxed);
    run.held = welcomed - run.dropped;
    run.failed = shared.failed.load(Relaxed);
    run.messages = sent;
    run.deliveries = shared.deliveries.load(Relaxed);
    run.expected = sent * run.held.saturating_sub(1) as u64;
    let last_us = shared.last_delivery_us.load(Relaxed);
    let span = (last_us.saturating_sub(steady_us) as f64 / 1e6).max(load.secs as f64);
    run.deliveries_per_sec = run.deliveries as f64 / span;
    let total = run.expected.max(run.deliveries);
    let beyond = run.lost() as f64 > LOST_FOR_P99 * total as f64;
    run.p50_ms = shared.latency.quantile_ms(0.50, total);
    run.p99_ms = if beyond {
        None
    } else {
        shared.latency.quantile_ms(0.99, total)
    };
    run.max_ms = (run.deliveries > 0 && run.lost() == 0)
        .then(|| shared.latency.max.load(Relaxed) as f64 / 1000.0);
    run.peak_rss_kib = server.status_field("VmHWM:");
    let threads = peak_threads.load(Relaxed);
    run.peak_threads = (threads > 0).then_some(threads);
    if shared.server_gone.load(Relaxed) {
        run.notes.push(format!(
            "the server exited during the run{}",
            server.exit_note()
        ));
    }
    for (what, count) in shared.errors.lock().unwrap().iter() {
        run.notes.push(format!("{count} x {what}"));
    }

    // Server first (its group killed), then the clients.
    watcher.abort();
    let child = server.child.clone();
    drop(server);
    let _ = timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(Ok(Some(_))) = child.lock().map(|mut child| child.try_wait()) {
                return;
            }
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    tasks.abort_all();
    let _ = timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// User plus system CPU time of a process so far, in seconds (Linux: /proc/PID/stat).
fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clock_ticks())
}

#[cfg(unix)]
fn clock_ticks() -> f64 {
    // SAFETY: sysconf reads a constant of the system.
    match unsafe { libc::sysconf(libc::_SC_CLK_TCK) } {
        ticks if ticks > 0 => ticks as f64,
        _ => 100.0,
    }
}

#[cfg(not(unix))]
fn clock_ticks() -> f64 {
    100.0
}

/// How many join announcements the first `joined` clients receive in all:
/// one for every pair (the earlier of the two hears of the later).
fn pairs(joined: usize) -> u64 {
    let n = joined as u64;
    n * n.saturating_sub(1) / 2
}

/// One client: connects (retrying transient errors), joins, then reads
/// until the server closes it or the bench ends. The first [`SENDERS`] hand
/// their writing half to the steady phase; the others keep theirs open.
async fn client(
    index: usize,
    addr: SocketAddr,
    shared: Arc<Shared>,
    permit: OwnedSemaphorePermit,
    sender: Option<mpsc::UnboundedSender<OwnedWriteHalf>>,
) {
    let name = format!("c{:05}", index + 1);
    let Some(stream) = connect(addr, &shared).await else {
        shared.failed.fetch_add(1, Relaxed);
        return;
    };
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let mut conn = Conn {
        buffer: vec![0; READ_BUFFER],
        len: 0,
        welcome: format!("* welcome {name}").into_bytes(),
        welcomed: false,
        refused: None,
        slot: index,
        placed: false,
        after_welcome: 0,
    };
    let joined = async {
        writer.write_all(format!("{name}\n").as_bytes()).await?;
        while !conn.welcomed {
            if conn.read(&mut reader, &shared).await? == 0 {
                return Err(std::io::Error::other(match &conn.refused {
                    Some(line) => format!("closed before the welcome, after `{line}`"),
                    None => "closed before the welcome".into(),
                }));
            }
        }
        Ok(())
    };
    match timeout(WELCOME_TIMEOUT, joined).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            shared.error(format!("join: {err}"));
            shared.failed.fetch_add(1, Relaxed);
            return;
        }
        Err(_) => {
            shared.error(format!("join: no welcome within {WELCOME_TIMEOUT:?}"));
            shared.failed.fetch_add(1, Relaxed);
            return;
        }
    }
    let place = shared.welcomed.fetch_add(1, Relaxed) as u64;
    shared.reach[index].store(place + conn.after_welcome, Relaxed);
    conn.placed = true;
    drop(permit);
    let _kept = match sender {
        Some(senders) => {
            let _ = senders.send(writer);
            None
        }
        None => Some(writer),
    };
    loop {
        match conn.read(&mut reader, &shared).await {
            Ok(0) => {
                shared.error("dropped: the server closed the connection".into());
                break;
            }
            Ok(_) => {}
            Err(err) => {
                shared.error(format!("dropped: {err}"));
                break;
            }
        }
    }
    shared.reach[index].store(u64::MAX, Relaxed);
    shared.dropped.fetch_add(1, Relaxed);
}

async fn connect(addr: SocketAddr, shared: &Shared) -> Option<TcpStream> {
    let mut last = String::new();
    for attempt in 0..CONNECT_ATTEMPTS {
        match timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Some(stream),
            Ok(Err(err)) => last = format!("connect: {err}"),
            Err(_) => last = format!("connect: no answer within {CONNECT_TIMEOUT:?}"),
        }
        if shared.server_gone.load(Relaxed) {
            break;
        }
        sleep(Duration::from_millis(50 << attempt.min(5))).await;
    }
    shared.error(last);
    None
}

/// One client's read buffer and what its lines have told so far.
struct Conn {
    buffer: Vec<u8>,
    /// Bytes in `buffer`: the start of a line not complete yet.
    len: usize,
    welcome: Vec<u8>,
    welcomed: bool,
    /// A `! …` line from the server.
    refused: Option<String>,
    /// This client's index in [`Shared::reach`].
    slot: usize,
    /// Its reach is counted there (from just after the welcome).
    placed: bool,
    /// Announcements read after the welcome, until `placed`.
    after_welcome: u64,
}

impl Conn {
    /// One read; counts its complete lines into `shared`. 0 at end of stream.
    async fn read(
        &mut self,
        reader: &mut OwnedReadHalf,
        shared: &Shared,
    ) -> std::io::Result<usize> {
        if self.len == self.buffer.len() {
            return Err(std::io::Error::other(format!(
                "a line longer than {READ_BUFFER} bytes"
            )));
        }
        let n = reader.read(&mut self.buffer[self.len..]).await?;
        if n == 0 {
            return Ok(0);
        }
        let now = shared.now_us();
        self.len += n;
        let (mut announcements, mut deliveries, mut from) = (0, 0, 0);
        let mut after_welcome = 0;
        while let Some(end) = self.buffer[from..self.len].iter().position(|&b| b == b'\n') {
            let line = &self.buffer[from..from + end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            from += end + 1;
            match line.first() {
                Some(b'*') => {
                    if line.ends_with(b" joined") {
                        announcements += 1;
                        if self.welcomed {
                            after_welcome += 1;
                        }
                    } else if line == self.welcome.as_slice() {
                        self.welcomed = true;
                    }
                }
                Some(b'!') => self.refused = Some(String::from_utf8_lossy(line).into_owned()),
                _ => {
                    if let Some(sent) = sent_at(line) {
                        deliveries += 1;
                        shared.latency.record(now.saturating_sub(sent));
                    }
                }
            }
        }
        self.buffer.copy_within(from..self.len, 0);
        self.len -= from;
        if announcements > 0 {
            shared.announcements.fetch_add(announcements, Relaxed);
        }
        if self.placed {
            if after_welcome > 0 {
                shared.reach[self.slot].fetch_add(after_welcome, Relaxed);
            }
        } else {
            self.after_welcome += after_welcome;
        }
        if deliveries > 0 {
            shared.deliveries.fetch_add(deliveries, Relaxed);
            shared.last_delivery_us.fetch_max(now, Relaxed);
        }
        Ok(n)
    }
}

/// The send time in a relayed message line, `c00002: m 17 1234567`.
fn sent_at(line: &[u8]) -> Option<u64> {
    let colon = line.iter().position(|&b| b == b':')?;
    let text = line.get(colon + 2..)?.strip_prefix(b"m ")?;
    let space = text.iter().position(|&b| b == b' ')?;
    std::str::from_utf8(&text[space + 1..]).ok()?.parse().ok()
}

fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
        None => "beyond".into(),
    }
}

/// A latency of `run`: "-" when it expected no delivery at all.
fn latency(run: &Run, value: Option<f64>) -> String {
    if run.expected == 0 && value.is_none() {
        "-".into()
    } else {
        ms(value)
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

/// Rows of figures, one column per run; with two, their ratio.
fn print_side_by_side(runs: &[Run]) {
    let width = runs
        .iter()
        .map(|r| r.design.len())
        .max()
        .unwrap_or(0)
        .max(12);
    let mut header = format!("  {:<26}", "");
    for run in runs {
        header.push_str(&format!(" {:>width$}", run.design));
    }
    if runs.len() == 2 {
        header.push_str(&format!(" {:>10}", "yours/ref"));
    }
    println!("{header}");
    type Figure = fn(&Run) -> (String, Option<f64>);
    let rows: [(&str, Figure); 15] = [
        ("held", |r| (r.held.to_string(), Some(r.held as f64))),
        ("failed to join", |r| (r.failed.to_string(), None)),
        ("not started (ramp bound)", |r| {
            (r.unstarted.to_string(), None)
        }),
        ("dropped after joining", |r| (r.dropped.to_string(), None)),
        ("ramp (s)", |r| {
            let text = format!(
                "{:.1}{}",
                r.ramp_secs,
                if r.ramp_complete { "" } else { " !" }
            );
            (text, Some(r.ramp_secs))
        }),
        ("messages", |r| (r.messages.to_string(), None)),
        ("deliveries", |r| {
            (r.deliveries.to_string(), Some(r.deliveries as f64))
        }),
        ("expected deliveries", |r| (r.expected.to_string(), None)),
        ("deliveries/s", |r| {
            (
                format!("{:.0}", r.deliveries_per_sec),
                Some(r.deliveries_per_sec),
            )
        }),
        ("p50 latency (ms)", |r| (latency(r, r.p50_ms), r.p50_ms)),
        ("p99 latency (ms)", |r| (latency(r, r.p99_ms), r.p99_ms)),
        ("max latency (ms)", |r| (latency(r, r.max_ms), r.max_ms)),
        ("server CPU, steady (%)", |r| {
            let text = r.server_cpu_pct.map_or("?".into(), |p| format!("{p:.0}"));
            (text, r.server_cpu_pct)
        }),
        ("load generator CPU (%)", |r| {
            let text = r.loadgen_cpu_pct.map_or("?".into(), |p| format!("{p:.0}"));
            (text, None)
        }),
        ("server peak RSS (MiB)", |r| {
            (mib(r.peak_rss_kib), r.peak_rss_kib.map(|k| k as f64))
        }),
    ];
    for (what, figure) in rows {
        let mut line = format!("  {what:<26}");
        let values: Vec<_> = runs.iter().map(figure).collect();
        for (text, _) in &values {
            line.push_str(&format!(" {text:>width$}"));
        }
        if let [(_, Some(reference)), (_, Some(yours))] = values.as_slice()
            && *reference > 0.0
        {
            line.push_str(&format!(" {:>10.2}", yours / reference));
        }
        println!("{line}");
    }
    let threads: Vec<String> = runs
        .iter()
        .map(|r| r.peak_threads.map_or("?".into(), |t| t.to_string()))
        .collect();
    let mut line = format!("  {:<26}", "server threads (peak)");
    for text in threads {
        line.push_str(&format!(" {text:>width$}"));
    }
    println!("{line}");
    println!(
        "  goal, at {} clients and {} msg/s:",
        runs[0].clients, runs[0].rate
    );
    for (row, (what, _)) in runs[0].goals().iter().enumerate() {
        let mut line = format!("    {what:<24}");
        for run in runs {
            let holds = if run.goals()[row].1 { "yes" } else { "no" };
            line.push_str(&format!(" {holds:>width$}"));
        }
        println!("{line}");
    }
    println!(
        "  (deliveries/s within 1 %, none lost; the reference's goal at the defaults: 10 000 held, 200 000 deliveries/s, p99 <= 50 ms)"
    );
}

fn print_sweep(sweep: &Sweep) {
    println!(
        "  {:<20} {:>7} {:>7} {:>6} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9}",
        "design",
        "clients",
        "held",
        "failed",
        "dropped",
        "ramp s",
        "deliv/s",
        "p50 ms",
        "p99 ms",
        "RSS MiB",
        "threads",
        "CPU% s/g"
    );
    let pct = |p: Option<f64>| p.map_or("?".into(), |p| format!("{p:.0}"));
    for run in &sweep.runs {
        println!(
            "  {:<20} {:>7} {:>7} {:>6} {:>7} {:>7.1} {:>9.0} {:>8} {:>8} {:>8} {:>7} {:>9}",
            run.design,
            run.clients,
            run.held,
            run.failed,
            run.dropped,
            run.ramp_secs,
            run.deliveries_per_sec,
            latency(run, run.p50_ms),
            latency(run, run.p99_ms),
            mib(run.peak_rss_kib),
            run.peak_threads.map_or("?".into(), |t| t.to_string()),
            format!("{}/{}", pct(run.server_cpu_pct), pct(run.loadgen_cpu_pct)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_within_two_percent() {
        for us in [
            0,
            1,
            63,
            64,
            65,
            127,
            128,
            1000,
            4_999,
            50_000,
            1_234_567,
            10_000_000_000,
        ] {
            let value = Histogram::value(Histogram::index(us));
            let off = (value - us as f64).abs();
            assert!(off <= 0.016 * us as f64 + 0.5, "{us} -> {value}");
        }
        // Indexes grow with the value, without gaps or overlaps.
        let mut last = 0;
        for us in 0..100_000u64 {
            let index = Histogram::index(us);
            assert!(index == last || index == last + 1, "{us}");
            last = index;
        }
    }

    #[test]
    fn missing_deliveries_count_as_late() {
        let histogram = Histogram::new();
        for us in 1..=98 {
            histogram.record(us * 1000);
        }
        // 98 of 100 arrived: p50 is there, p99 is not.
        assert!(histogram.quantile_ms(0.5, 100).unwrap() < 51.0);
        assert_eq!(histogram.quantile_ms(0.99, 100), None);
        assert!(histogram.quantile_ms(0.99, 98).unwrap() > 95.0);
    }

    #[test]
    fn message_lines_carry_their_send_time() {
        assert_eq!(sent_at(b"c00002: m 17 1234567"), Some(1_234_567));
        assert_eq!(sent_at(b"c00002: hello"), None);
        assert_eq!(sent_at(b"* c00002 joined"), None);
        assert_eq!(pairs(4), 6);
    }
}
