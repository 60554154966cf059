//! `cargo xtask bench file-transfer`: throughput of the reference file
//! transfer beside a raw loopback copy, measured in the same run.
//!
//! The baseline is the fastest a plain socket write/read loop moves bytes over
//! 127.0.0.1 on this machine; the reference adds framing, SHA-256 and file
//! I/O. Three more lines show the ceilings that this work sets, each the same
//! loop doing part of it: SHA-256 of every byte on both ends; reading the
//! served file and writing the received one; both. The files live on a RAM
//! disk where there is one (/dev/shm), so the disk is not what is measured.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{BenchArgs, Running, rerun_release};
use crate::cmd;

pub(super) fn file_transfer(root: &Path, args: &BenchArgs) -> Result<()> {
    // The baselines run inside this process: in a debug build (what `cargo
    // xtask` is) they would measure the unoptimized loop, not the socket. So
    // the file-transfer bench always runs from an optimized build of xtask.
    if cfg!(debug_assertions) {
        return rerun_release(root);
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

    let source = served.join("big.bin");
    let copy = work.path().join("raw-copy.bin");
    let files = Some((source.as_path(), copy.as_path()));
    let raw = raw_copy(size, false, None)?;
    let hashed = raw_copy(size, true, None)?;
    let with_files = raw_copy(size, false, files)?;
    let with_both = raw_copy(size, true, files)?;
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
    line("raw copy + file read, file write", with_files);
    line("raw copy + files + SHA-256", with_both);
    line("ft-server -> ft-client GET", reference);
    println!(
        "  the GET does {:.1} % as well as the plain loop doing the same work (files + SHA-256)",
        100.0 * with_both.as_secs_f64() / reference.as_secs_f64()
    );
    println!("  goal: the GET at >= 80 % of the raw copy");
    Ok(())
}

/// A plain write loop into a socket and a read loop out of it; with `hash`,
/// both ends also run every byte through SHA-256, as the protocol must; with
/// `files` (source, copy), the writer reads the source file and the reader
/// writes the copy, as a GET does.
fn raw_copy(size: u64, hash: bool, files: Option<(&Path, &Path)>) -> Result<Duration> {
    use sha2::{Digest, Sha256};
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut copy = match files {
        Some((_, copy)) => Some(std::fs::File::create(copy)?),
        None => None,
    };
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
            if let Some(copy) = &mut copy {
                copy.write_all(&buf[..n])?;
            }
            total += n as u64;
        }
    });
    let mut source = match files {
        Some((source, _)) => Some(std::fs::File::open(source)?),
        None => None,
    };
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr)?;
    let mut chunk = vec![0u8; 256 * 1024];
    let mut left = size;
    let mut hasher = Sha256::new();
    while left > 0 {
        let mut n = left.min(chunk.len() as u64) as usize;
        if let Some(source) = &mut source {
            n = source.read(&mut chunk[..n])?;
            if n == 0 {
                bail!("the source file ended early");
            }
        }
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
