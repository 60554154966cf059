//! `cargo xtask bench file-transfer`: throughput of the reference file
//! transfer beside a raw loopback copy, measured in the same run.
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
    /// Measure this crate instead of solutions/file-transfer.
    #[arg(long, value_name = "DIR")]
    path: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    /// 1 GiB GET with ft-server and ft-client, against a raw socket copy.
    FileTransfer,
}

pub fn run(root: &Path, args: BenchArgs) -> Result<()> {
    match args.target {
        Target::FileTransfer => file_transfer(root, &args),
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
