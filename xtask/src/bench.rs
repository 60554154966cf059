//! `cargo xtask bench file-transfer`: throughput of the reference file
//! transfer beside a raw loopback copy, measured in the same run.
//!
//! `cargo xtask bench watch`: the student's loop, save → verdict on the watch
//! screen, beside a plain `cargo xtask grade` of the same crate (see [`watch`]).
//!
//! The baseline is the fastest a plain socket write/read loop moves bytes over
//! 127.0.0.1 on this machine; the reference adds framing, SHA-256 and file
//! I/O. A second line, the same loop hashing every byte with SHA-256 on both
//! ends, shows the ceiling that the protocol's digest sets. The files live on
//! a RAM disk where there is one (/dev/shm), so the disk is not what is measured.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(value_enum)]
    target: Target,
    /// How many MiB to transfer.
    #[arg(long, default_value_t = 1024)]
    mib: u64,
    /// Measure this crate instead of the reference solution (solutions/file-transfer,
    /// solutions/echo).
    #[arg(long, value_name = "DIR")]
    path: Option<PathBuf>,
    /// How many saves (and plain grades) `watch` measures.
    #[arg(long, default_value_t = 10)]
    saves: usize,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    /// 1 GiB GET with ft-server and ft-client, against a raw socket copy.
    FileTransfer,
    /// Save → verdict of `cargo xtask watch echo` (warm), against `cargo xtask grade echo`.
    Watch,
}

pub fn run(root: &Path, args: BenchArgs) -> Result<()> {
    match args.target {
        Target::FileTransfer => file_transfer(root, &args),
        Target::Watch => watch(root, &args),
    }
}

/// Kills the child when dropped: a bench never leaves a server running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn file_transfer(root: &Path, args: &BenchArgs) -> Result<()> {
    // The baselines run inside this process: in a debug build (what `cargo
    // xtask` is) they would measure the unoptimized loop, not the socket. So
    // the file-transfer bench always runs from an optimized build of xtask.
    if cfg!(debug_assertions) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        eprintln!("benchmarks run optimized: rebuilding xtask with --release");
        return cmd::run(
            Command::new(cargo)
                .current_dir(root)
                .args(["run", "--quiet", "--release", "--package", "xtask", "--"])
                .args(std::env::args_os().skip(1)),
        );
    }
    let crate_dir = args
        .path
        .clone()
        .unwrap_or_else(|| root.join("solutions/file-transfer"));
    let target_dir = root.join("target/bench");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    cmd::run(
        Command::new(cargo)
            .args(["build", "--quiet", "--release", "--bins", "--manifest-path"])
            .arg(crate_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target_dir),
    )?;
    let bin = |name: &str| {
        target_dir
            .join("release")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };
    let size = args.mib * 1024 * 1024;

    let shm = Path::new("/dev/shm");
    let work = if shm.is_dir() {
        tempfile::Builder::new()
            .prefix("socket-lab-bench-")
            .tempdir_in(shm)?
    } else {
        tempfile::Builder::new()
            .prefix("socket-lab-bench-")
            .tempdir()?
    };
    let served = work.path().join("served");
    std::fs::create_dir(&served)?;
    // A sparse file: reading it costs no disk.
    std::fs::File::create(served.join("big.bin"))?.set_len(size)?;

    let raw = raw_copy(size, false)?;
    let hashed = raw_copy(size, true)?;
    let reference = reference_get(
        &bin("ft-server"),
        &bin("ft-client"),
        &served,
        work.path(),
        size,
    )?;
    let mbps = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
    println!("file-transfer bench: {} MiB over 127.0.0.1", args.mib);
    let ratio = |d: Duration| 100.0 * raw.as_secs_f64() / d.as_secs_f64();
    let line = |what: &str, d: Duration| {
        let (speed, secs) = (mbps(d), d.as_secs_f64());
        println!(
            "  {what:<34} {speed:>6.0} MB/s  {secs:>5.2} s  {:>5.1} % of raw",
            ratio(d)
        );
    };
    line("raw socket copy (baseline)", raw);
    line("raw copy + SHA-256 on both ends", hashed);
    line("ft-server -> ft-client GET", reference);
    println!("  goal: the GET at >= 80 % of the raw copy");
    Ok(())
}

/// A plain write loop into a socket and a read loop out of it; with `hash`,
/// both ends also run every byte through SHA-256, as the protocol must.
fn raw_copy(size: u64, hash: bool) -> Result<Duration> {
    use sha2::{Digest, Sha256};
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let reader = std::thread::spawn(move || -> std::io::Result<u64> {
        let (mut stream, _) = listener.accept()?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0;
        let mut hasher = Sha256::new();
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                std::hint::black_box(hasher.finalize());
                return Ok(total);
            }
            if hash {
                hasher.update(&buf[..n]);
            }
            total += n as u64;
        }
    });
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr)?;
    let chunk = vec![0u8; 256 * 1024];
    let mut left = size;
    let mut hasher = Sha256::new();
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        if hash {
            hasher.update(&chunk[..n]);
        }
        stream.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    std::hint::black_box(hasher.finalize());
    drop(stream);
    let total = reader.join().expect("reader thread")?;
    let elapsed = start.elapsed();
    if total != size {
        bail!("raw copy moved {total} of {size} bytes");
    }
    Ok(elapsed)
}

/// `ft-client ADDR get big.bin` from a running `ft-server`.
fn reference_get(
    server: &Path,
    client: &Path,
    served: &Path,
    work: &Path,
    size: u64,
) -> Result<Duration> {
    let mut child = Command::new(server)
        .arg("--root")
        .arg(served)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("could not start {}", server.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let server_guard = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let Some(addr) = line.trim().strip_prefix("listening on ") else {
        bail!("ft-server printed {line:?} instead of `listening on <ip>:<port>`");
    };
    let out = work.join("copy.bin");
    let start = Instant::now();
    let status = Command::new(client)
        .args([addr, "get", "big.bin", "-o"])
        .arg(&out)
        .status()
        .with_context(|| format!("could not start {}", client.display()))?;
    let elapsed = start.elapsed();
    drop(server_guard);
    if !status.success() {
        bail!("ft-client failed: {status}");
    }
    let got = std::fs::metadata(&out)?.len();
    if got != size {
        bail!("ft-client saved {got} of {size} bytes");
    }
    Ok(elapsed)
}

/// How long one verdict (or one plain grade) may take before the bench gives up.
const VERDICT_TIMEOUT: Duration = Duration::from_secs(120);

/// `cargo xtask bench watch`: a copy of the workspace with the echo exercise
/// (the reference solution's sources, so every test passes) in a fixed folder
/// under target/bench/, so its build directory stays warm between runs. Runs
/// `watch echo` on it, then `saves` times rewrites echo-server.rs with one
/// more comment line and times the moment the verdict line is on watch's
/// stdout. The baseline, in the same run: a plain `grade echo` of the same
/// crate, after the same kind of save, in the same target directory.
fn watch(root: &Path, args: &BenchArgs) -> Result<()> {
    let sources = args
        .path
        .clone()
        .unwrap_or_else(|| root.join("solutions/echo"));
    let copy = root.join("target/bench/watch");
    let echo = copy.join("exercises/echo");
    // Everything but the build directory is written anew.
    for stale in [copy.join("exercises"), copy.join("target/grade/last.json")] {
        if stale.is_dir() {
            std::fs::remove_dir_all(&stale)?;
        } else if stale.exists() {
            std::fs::remove_file(&stale)?;
        }
    }
    std::fs::create_dir_all(echo.join("src/bin"))?;
    std::fs::write(
        copy.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/echo\"]\n\n[workspace.package]\nedition = \"2024\"\nlicense = \"MIT OR Apache-2.0\"\npublish = false\n",
    )?;
    std::fs::copy(
        root.join("exercises/echo/Cargo.toml"),
        echo.join("Cargo.toml"),
    )?;
    for bin in ["echo-server.rs", "echo-client.rs"] {
        let from = sources.join("src/bin").join(bin);
        std::fs::copy(&from, echo.join("src/bin").join(bin))
            .with_context(|| format!("could not copy {}", from.display()))?;
    }
    let server = echo.join("src/bin/echo-server.rs");
    let original = std::fs::read_to_string(&server)?;
    let mut saves = 0;
    // A harmless change that still makes cargo rebuild: one more comment line.
    let mut save = || -> Result<Instant> {
        saves += 1;
        let text = format!("{original}\n// bench save {saves}\n");
        std::fs::write(&server, text)?;
        Ok(Instant::now())
    };
    let exe = std::env::current_exe()?;
    println!("watch bench: {} saves of {}", args.saves, server.display());

    let mut child = Command::new(&exe)
        .args(["watch", "echo", "--lang", "en", "--root"])
        .arg(&copy)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {} watch", exe.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let stdin = child.stdin.take().expect("piped");
    let mut watcher = Quit {
        child: Running(child),
        stdin: Some(stdin),
    };
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    // The first grade builds the crate (warm-up, not measured).
    verdict(&lines)?;
    let mut times = Vec::new();
    for n in 1..=args.saves {
        // Let the watcher settle into waiting, as a student's pause would.
        std::thread::sleep(Duration::from_millis(300));
        while lines.try_recv().is_ok() {}
        let saved = save()?;
        let shown = verdict(&lines)?;
        let time = shown.duration_since(saved);
        println!("  save {n:>2}: verdict after {:.2} s", time.as_secs_f64());
        times.push(time);
    }
    watcher.quit();

    let mut grades = Vec::new();
    for n in 1..=args.saves {
        let start = save()?;
        let mut child = Running(
            Command::new(&exe)
                .args(["grade", "echo", "--lang", "en", "--path"])
                .arg(&echo)
                .arg("--target-dir")
                .arg(copy.join("target/grade"))
                .env("NO_COLOR", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        );
        let status = loop {
            if let Some(status) = child.0.try_wait()? {
                break status;
            }
            if start.elapsed() > VERDICT_TIMEOUT {
                bail!("`cargo xtask grade echo` took longer than {VERDICT_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let time = start.elapsed();
        if !status.success() {
            bail!(
                "`cargo xtask grade echo` of {} failed: {status}",
                echo.display()
            );
        }
        println!("  grade {n:>2}: report after {:.2} s", time.as_secs_f64());
        grades.push(time);
    }
    std::fs::write(&server, &original)?;

    let (watch, grade) = (median(&mut times), median(&mut grades));
    println!(
        "  median save -> verdict (watch)    {:>5.2} s",
        watch.as_secs_f64()
    );
    println!(
        "  median save -> report (grade)     {:>5.2} s  (baseline)",
        grade.as_secs_f64()
    );
    println!(
        "  watch / grade                     {:>5.2}",
        watch.as_secs_f64() / grade.as_secs_f64()
    );
    println!("  goal: save -> verdict <= 3 s");
    Ok(())
}

/// Waits for watch's verdict line, and returns when it arrived. The bench's
/// crate passes every test: a failure or a build error is an error here.
fn verdict(lines: &std::sync::mpsc::Receiver<(Instant, String)>) -> Result<Instant> {
    let deadline = Instant::now() + VERDICT_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((at, line)) = lines.recv_timeout(left) else {
            bail!("watch showed no verdict within {VERDICT_TIMEOUT:?}");
        };
        if line.starts_with("Every test passes") {
            return Ok(at);
        }
        if line.starts_with("First failure") || line.starts_with("Does not build") {
            bail!("watch's verdict is not a pass ({line}): the bench needs a crate that passes");
        }
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

/// `watch`, quit with `q` as a student would (so it stops its own children),
/// and killed if it does not quit in time.
struct Quit {
    child: Running,
    stdin: Option<std::process::ChildStdin>,
}

impl Quit {
    fn quit(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"q\n");
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Quit {
    fn drop(&mut self) {
        self.quit();
    }
}
