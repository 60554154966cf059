//! `cargo xtask bench file-transfer`: throughput of the reference file
//! transfer beside a raw loopback copy, measured in the same run.
//!
//! The baseline is the fastest a plain socket write/read loop moves bytes over
//! 127.0.0.1 on this machine; the reference adds framing, SHA-256 and file
//! I/O. Three more lines show the ceilings that this work sets, each the same
//! loop doing part of it: SHA-256 of every byte on both ends; reading the
//! served file and writing the received one; both. The files live on a RAM
//! disk where there is one (/dev/shm), so the disk is not what is measured.
//!
//! Then the real peers ([`pipelines`]): the same file copied by socat and
//! checked with `openssl dgst -sha256` or `sha256sum` on both ends, after the
//! copy or during it. A pipeline whose tool is missing is skipped with a line
//! that says so. Every measurement runs `--rounds` times, in the opposite
//! order every other round, and the median is printed.

mod pipelines;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use pipelines::{Digest, Tool};

use super::machine::{cpus, load_average, own_and_children_cpu_secs};
use super::{BenchArgs, Running, median, rerun_release};
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
    let mib = args.mib.unwrap_or(1024);
    let size = mib * 1024 * 1024;

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
    let (server, client) = (bin("ft-server"), bin("ft-client"));
    let get = || reference_get(&server, &client, &served, work.path(), size);

    // What each measurement is, in the order of the table; the pipelines
    // whose tools are missing are left out (and say so).
    let mut skipped = Vec::new();
    let mut measures: Vec<(String, Measure)> = vec![
        (
            "raw socket copy (baseline)".into(),
            Measure::Raw(false, false),
        ),
        (
            "raw copy + SHA-256 on both ends".into(),
            Measure::Raw(true, false),
        ),
        (
            "raw copy + file read, file write".into(),
            Measure::Raw(false, true),
        ),
        (
            "raw copy + files + SHA-256".into(),
            Measure::Raw(true, true),
        ),
        ("ft-server -> ft-client GET".into(), Measure::Get),
    ];
    for digest in PIPELINES {
        let missing = digest.missing();
        if missing.is_empty() {
            measures.push((digest.label(), Measure::Pipeline(digest)));
        } else {
            skipped.push(format!(
                "  {:<44} skipped: {} not found on PATH",
                digest.label(),
                missing.join(", ")
            ));
        }
    }
    let rounds = args.rounds.max(1);
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); measures.len()];
    // CPU seconds of the same-work loop (this process's threads) and of the
    // GET (its two processes), for the floor that two cores set.
    let (mut loop_cpu, mut get_cpu) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        eprintln!("file-transfer bench: round {} of {rounds}", round + 1);
        let mut order: Vec<usize> = (0..measures.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let time = match measures[index].1 {
                // Every copy is removed after its measurement, outside the
                // timing: each one starts with no file where it writes. (A
                // GET that renamed its file over the last round's 1 GiB copy
                // paid for freeing it; the plain loop's File::create
                // truncated its old copy before its clock started.)
                Measure::Raw(hash, with_files) => {
                    let before = own_and_children_cpu_secs();
                    let time = raw_copy(size, hash, files.filter(|_| with_files))?;
                    if let (Some((a, _)), Some((b, _))) = (before, own_and_children_cpu_secs())
                        && hash
                        && with_files
                    {
                        loop_cpu.push(Duration::from_secs_f64(b - a));
                    }
                    let _ = std::fs::remove_file(&copy);
                    time
                }
                Measure::Get => {
                    let before = own_and_children_cpu_secs();
                    let time = get()?;
                    if let (Some((_, a)), Some((_, b))) = (before, own_and_children_cpu_secs()) {
                        get_cpu.push(Duration::from_secs_f64(b - a));
                    }
                    let _ = std::fs::remove_file(work.path().join(GET_COPY));
                    time
                }
                Measure::Pipeline(digest) => {
                    let copy = work.path().join("tool-copy.bin");
                    let time = pipelines::run(&source, &copy, size, digest, round == 0)?;
                    let _ = std::fs::remove_file(&copy);
                    time
                }
            };
            times[index].push(time);
        }
    }
    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    let time_of = |wanted: &dyn Fn(&Measure) -> bool| {
        measures
            .iter()
            .zip(&medians)
            .find(|((_, m), _)| wanted(m))
            .map(|(_, &d)| d)
    };
    let raw = time_of(&|m| matches!(m, Measure::Raw(false, false))).expect("measured");
    let with_both = time_of(&|m| matches!(m, Measure::Raw(true, true))).expect("measured");
    let reference = time_of(&|m| matches!(m, Measure::Get)).expect("measured");

    let mbps = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
    println!(
        "file-transfer bench: {} MiB over 127.0.0.1, median of {rounds} rounds (the order alternates), {} CPUs, load {}",
        mib,
        cpus(),
        load_average()
    );
    let ratio = |d: Duration| 100.0 * raw.as_secs_f64() / d.as_secs_f64();
    for (((what, measure), &d), all) in measures.iter().zip(&medians).zip(&times) {
        if matches!(measure, Measure::Pipeline(Digest::None)) {
            println!("  standard tools (socat over 127.0.0.1; digests of both ends compared):");
        }
        let (speed, secs) = (mbps(d), d.as_secs_f64());
        let low = all.iter().min().map_or(0.0, Duration::as_secs_f64);
        let high = all.iter().max().map_or(0.0, Duration::as_secs_f64);
        println!(
            "  {what:<44} {speed:>6.0} MB/s  {secs:>5.2} s  {:>5.1} % of raw  (rounds: {low:.2}-{high:.2} s)",
            ratio(d)
        );
    }
    for line in &skipped {
        println!("{line}");
    }
    let same_work = with_both.as_secs_f64() / reference.as_secs_f64();
    println!(
        "  the GET does {:.1} % as well as the plain loop doing the same work (files + SHA-256); goal >= 90 %: {}",
        100.0 * same_work,
        if same_work >= 0.9 { "yes" } else { "no" }
    );
    // What two cores allow: the GET's processes need this much CPU, and
    // cannot finish sooner than that CPU time spread over every core.
    let get_cpu = (!get_cpu.is_empty()).then(|| median(&mut get_cpu).as_secs_f64());
    let floor = get_cpu.map(|cpu| cpu / cpus() as f64);
    if let (Some(get_cpu), Some(floor)) = (get_cpu, floor)
        && !loop_cpu.is_empty()
    {
        let loop_cpu = median(&mut loop_cpu).as_secs_f64();
        println!(
            "  CPU (medians): the same-work loop {loop_cpu:.2} CPU-s, the GET {get_cpu:.2} CPU-s (ft-server + ft-client); on {} CPUs the GET cannot take less than {floor:.2} s: it takes {:.2}x that floor",
            cpus(),
            reference.as_secs_f64() / floor
        );
    }
    // The best integrity-checked pipeline: the fastest one that compares digests.
    let best = measures
        .iter()
        .zip(&medians)
        .filter(|((_, m), _)| matches!(m, Measure::Pipeline(d) if *d != Digest::None))
        .min_by_key(|(_, d)| **d);
    match best {
        Some(((what, _), &d)) => {
            let faster = d.as_secs_f64() / reference.as_secs_f64();
            println!(
                "  the GET is {faster:.2}x as fast as the best checked pipeline ({what}); goal >= 1.5x: {}",
                if faster >= 1.5 { "yes" } else { "no" }
            );
            if let Some(floor) = floor {
                println!(
                    "  at its CPU floor the GET would be {:.2}x as fast as that pipeline: the most the cores allow for this much work",
                    d.as_secs_f64() / floor
                );
            }
        }
        None => println!("  no checked pipeline ran: no ratio against standard tools"),
    }
    Ok(())
}

/// The pipelines of standard tools, in the table's order.
const PIPELINES: [Digest; 5] = [
    Digest::None,
    Digest::After(Tool::Openssl),
    Digest::During(Tool::Openssl),
    Digest::During(Tool::Sha256sum),
    Digest::After(Tool::Sha256sum),
];

/// One line of the table.
#[derive(Clone, Copy)]
enum Measure {
    /// The plain loop: (SHA-256 on both ends, file read and write).
    Raw(bool, bool),
    /// The reference's GET.
    Get,
    Pipeline(Digest),
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

/// Where the GET saves its copy, in the bench's work folder.
const GET_COPY: &str = "copy.bin";

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
    let out = work.join(GET_COPY);
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
