//! One measured transfer of the bench's file by the rdt pair (or, in
//! [`super::tcp`], by a TCP copy with SHA-256 on both ends). The clock runs from the sender's start to the
//! moment it learns that the file arrived whole (rdt-send's exit 0; the
//! TCP receiver's answer after it checked the digest), never longer than
//! the run's bound.
//!
//! Where: both ends in the [`Link`]'s namespaces, or on 127.0.0.1, the rdt
//! pair then through the grader's UDP proxy and TCP with nothing between.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::link::{Link, RECV_ADDR, within};
use crate::bench::Running;
use crate::grade::udp_proxy::{self, Impair, UdpProxy};

/// How a run ended.
pub(super) enum Outcome {
    /// The sender learnt that the whole file arrived, after this long.
    Done(Duration),
    /// The bound passed; this many bytes had arrived in order (TCP), or
    /// were in the receiver's `OUT.part` (rdt: up to its buffer behind).
    Cut {
        bytes: u64,
        after: Duration,
    },
    Failed(String),
}

impl Outcome {
    /// MiB a second that arrived, checked (`None`: no measurement).
    pub(super) fn goodput(&self, size: u64) -> Option<f64> {
        let mib = |bytes: u64, time: Duration| bytes as f64 / 1_048_576.0 / time.as_secs_f64();
        match *self {
            Outcome::Done(time) => Some(mib(size, time)),
            Outcome::Cut { bytes, after } if bytes > 0 => Some(mib(bytes, after)),
            Outcome::Cut { .. } | Outcome::Failed(_) => None,
        }
    }
}

/// Where the two ends run.
pub(super) enum Net<'a> {
    Link(&'a Link),
    /// 127.0.0.1; rdt through the proxy, seeded, on this runtime.
    Loopback {
        impair: Impair,
        seed: u64,
        runtime: &'a tokio::runtime::Runtime,
    },
}

/// The file every run sends, its digest, and the folder for the copies.
pub(super) struct Files {
    pub(super) input: PathBuf,
    pub(super) size: u64,
    pub(super) digest: [u8; 32],
    pub(super) dir: PathBuf,
    /// The folder, removed with the files.
    pub(super) _temp: tempfile::TempDir,
}

/// `rdt-send` and `rdt-recv` of one crate.
pub(super) struct Pair {
    pub(super) send: PathBuf,
    pub(super) recv: PathBuf,
}

pub(super) fn rdt(pair: &Pair, net: &Net, files: &Files, bound: Duration) -> Result<Outcome> {
    let out = files.dir.join("rdt-out.bin");
    let _ = std::fs::remove_file(&out);
    let (recv_err, send_err) = (
        files.dir.join("rdt-recv.err"),
        files.dir.join("rdt-send.err"),
    );
    let listen = match net {
        Net::Link(_) => format!("{RECV_ADDR}:0"),
        Net::Loopback { .. } => "127.0.0.1:0".into(),
    };
    let mut command = Command::new(&pair.recv);
    command
        .args(["--listen", &listen])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(File::create(&recv_err)?);
    let mut receiver = Running(match net {
        Net::Link(link) => within(&link.recv_ns, || command.spawn())?,
        Net::Loopback { .. } => command.spawn()?,
    });
    let Some(addr) = readiness(&mut receiver.0)? else {
        return Ok(Outcome::Failed(format!(
            "rdt-recv printed no readiness line within 5 s{}",
            last_line(&recv_err)
        )));
    };
    let (to, _proxy) = match net {
        Net::Link(_) => (addr, None),
        Net::Loopback {
            impair,
            seed,
            runtime,
        } => {
            let link = udp_proxy::Link::both(*impair);
            let proxy = runtime.block_on(UdpProxy::start(addr, link, *seed))?;
            (proxy.addr, Some(proxy))
        }
    };
    let mut command = Command::new(&pair.send);
    command
        .arg(&files.input)
        .arg(to.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&send_err)?);
    let start = Instant::now();
    let mut sender = Running(match net {
        Net::Link(link) => within(&link.send_ns, || command.spawn())?,
        Net::Loopback { .. } => command.spawn()?,
    });
    let status = wait(&mut sender.0, start + bound)?;
    let time = start.elapsed();
    // Its exit 0 says the receiver acknowledged the checked file: OUT is
    // there. The receiver's 2-second linger is not waited for.
    drop(receiver);
    Ok(match status {
        // What the receiver had written, in order, to `OUT.part`.
        None => Outcome::Cut {
            bytes: std::fs::metadata(files.dir.join("rdt-out.bin.part")).map_or(0, |m| m.len()),
            after: bound,
        },
        Some(status) if !status.success() => {
            Outcome::Failed(format!("rdt-send: {status}{}", last_line(&send_err)))
        }
        Some(_) if sha256_of(&out).ok() != Some(files.digest) => {
            Outcome::Failed("rdt-send exited 0 but OUT is not the file sent".into())
        }
        Some(_) => Outcome::Done(time),
    })
}

/// The address of the readiness line `listening on ADDR`, within 5 s.
fn readiness(child: &mut Child) -> Result<Option<SocketAddr>> {
    let stdout = child.stdout.take().context("stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        // Whatever else it prints is read, so that it never blocks on it.
        let _ = io::copy(&mut reader, &mut io::sink());
    });
    let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) else {
        return Ok(None);
    };
    Ok(line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|addr| addr.parse().ok()))
}

/// The exit status, or `None` once `deadline` passes.
fn wait(child: &mut Child, deadline: Instant) -> Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        if interrupted() {
            bail!("interrupted");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// ": " and the last line of a program's stderr, if it wrote one.
fn last_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    match text.lines().rev().find(|line| !line.trim().is_empty()) {
        Some(line) => format!(": {}", line.trim()),
        None => String::new(),
    }
}

fn sha256_of(path: &Path) -> io::Result<[u8; 32]> {
    Ok(Sha256::digest(std::fs::read(path)?).into())
}

/// The file to send: random bytes on a RAM disk where there is one, in a
/// folder removed with the [`Files`].
pub(super) fn files(size: u64) -> Result<Files> {
    let shm = Path::new("/dev/shm");
    let parent: PathBuf = if shm.is_dir() {
        shm.into()
    } else {
        std::env::temp_dir()
    };
    let temp = tempfile::Builder::new()
        .prefix("socket-lab-rdt-bench-")
        .tempdir_in(parent)?;
    let dir = temp.path().to_path_buf();
    let mut rng = fastrand::Rng::with_seed(17);
    let bytes: Vec<u8> = (0..size).map(|_| rng.u8(..)).collect();
    let input = dir.join("input.bin");
    std::fs::write(&input, &bytes)?;
    Ok(Files {
        input,
        size,
        digest: Sha256::digest(&bytes).into(),
        dir,
        _temp: temp,
    })
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

/// Ctrl-C (or a TERM) ends the run in progress: its processes are killed
/// and its link closed by their guards before the bench exits.
#[cfg(unix)]
pub(super) fn catch_interrupts() {
    let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

#[cfg(not(unix))]
pub(super) fn catch_interrupts() {}

pub(super) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}
