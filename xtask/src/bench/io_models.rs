//! `cargo xtask bench io-models`: the three echo servers of the book's
//! chapter "I/O models" (`book/examples`: `echo_threads`, `echo_mio`,
//! `echo_tokio`) under the same load, side by side in one run.
//!
//! For each number of clients (100 and 5 000; `--clients N` for one other):
//!
//! 1. The clients connect, at most [`CONNECTS_IN_FLIGHT`] at a time, and each
//!    has one message echoed: a connection counts once the server has
//!    answered on it (the kernel completes a handshake before any `accept`).
//! 2. Then every client, all at once, sends [`MESSAGES`] messages of
//!    [`MESSAGE_LEN`] bytes, one at a time, each read back before the next.
//!    The time from a message's write to its whole echo is its latency.
//!
//! Reported: the connections held (answered, and through all messages
//! without an error), echoed messages per second over the second phase, the
//! p99 latency (a message that never came back counts as infinitely late),
//! and the server's peak threads and peak RSS (`VmHWM`; Linux). A server
//! that cannot hold every client is a result, not an error: the table says
//! how many it held and the notes what went wrong.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use anyhow::{Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};

use super::concurrent::histogram::Histogram;
use super::concurrent::server::Server;
use super::concurrent::{build, raise_fd_limit};
use super::machine::{cpus, load_average};
use super::{BenchArgs, rerun_release};

/// The three servers, in the chapter's order.
const SERVERS: [&str; 3] = ["echo_threads", "echo_mio", "echo_tokio"];
/// Client counts measured by default.
const SIZES: [usize; 2] = [100, 5000];
/// Messages each client sends in the timed phase (5 with `--smoke`).
const MESSAGES: usize = 50;
/// A small message: a line of chat, a request header.
const MESSAGE_LEN: usize = 64;
/// Connections being opened (and answered) at once.
const CONNECTS_IN_FLIGHT: usize = 128;
/// One write or read of one client may take this long, at most.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole connect phase may take one minute plus 20 ms per client.
fn connect_limit(clients: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(20) * clients as u32
}
/// Up to this share of the messages may be missing before p99 is "beyond the run".
const LOST_FOR_P99: f64 = 0.01;

/// One server at one number of clients.
#[derive(Default)]
struct Run {
    server: String,
    clients: usize,
    /// Answered at connect time, then echoed every message.
    held: usize,
    /// Answered at connect time: open at once before the timed phase.
    connected: usize,
    echoed: u64,
    expected: u64,
    per_sec: f64,
    p99_ms: Option<f64>,
    peak_threads: Option<u64>,
    peak_rss_kib: Option<u64>,
    notes: Vec<String>,
}

impl Run {
    /// The line a script (or the smoke test) greps.
    fn summary(&self) -> String {
        format!(
            "{}: N={} held={}/{} msgs/s={:.0} p99={} threads={} rss={}",
            self.server,
            self.clients,
            self.held,
            self.clients,
            self.per_sec,
            p99(self.p99_ms, self.expected),
            self.peak_threads.map_or("?".into(), |n| n.to_string()),
            self.peak_rss_kib
                .map_or("?".into(), |k| format!("{}KiB", k)),
        )
    }
}

fn p99(ms: Option<f64>, expected: u64) -> String {
    match ms {
        Some(ms) => format!("{ms:.2}ms"),
        None if expected == 0 => "none".into(),
        None => "beyond-the-run".into(),
    }
}

pub(super) fn io_models(root: &Path, args: &BenchArgs) -> Result<()> {
    // The clients run in this process: optimized, or they measure themselves.
    if cfg!(debug_assertions) && !args.smoke {
        return rerun_release(root);
    }
    let sizes: Vec<usize> = match (args.clients, args.smoke) {
        (Some(n), _) => vec![n],
        (None, true) => vec![20],
        (None, false) => SIZES.to_vec(),
    };
    let messages = if args.smoke { 5 } else { MESSAGES };
    if sizes.contains(&0) {
        bail!("the bench needs --clients 1 or more");
    }
    raise_fd_limit(sizes.iter().copied().max().unwrap_or(0));
    let bins = build(
        root,
        &root.join("book/examples"),
        &SERVERS,
        args.smoke,
        "io-models",
    )?;
    let work = root.join("target/bench/io-models");
    std::fs::create_dir_all(&work)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "io-models bench: {messages} messages of {MESSAGE_LEN} bytes per client, {} build, {} CPUs, load {}",
        if args.smoke { "a debug" } else { "a release" },
        cpus(),
        load_average()
    );
    let mut runs = Vec::new();
    for &clients in &sizes {
        for (name, bin) in SERVERS.iter().zip(&bins) {
            let stderr = work.join(format!("{name}-{clients}.stderr"));
            eprintln!(
                "{name}: {clients} clients (server stderr: {})",
                stderr.display()
            );
            let run = runtime.block_on(async {
                tokio::select! {
                    run = measure(bin, name, clients, messages, stderr) => Ok(run),
                    _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
                }
            })?;
            println!("  {}", run.summary());
            for note in &run.notes {
                println!("    {note}");
            }
            runs.push(run);
        }
    }
    println!();
    print_table(&sizes, &runs);
    Ok(())
}

/// Starts the server, connects the clients, runs the timed phase. Errors end
/// up in the run's notes.
async fn measure(bin: &Path, name: &str, clients: usize, messages: usize, stderr: PathBuf) -> Run {
    let mut run = Run {
        server: name.to_string(),
        clients,
        expected: (clients * messages) as u64,
        ..Run::default()
    };
    if let Err(err) = measure_into(bin, messages, stderr, &mut run).await {
        run.notes.push(format!("{err:#}"));
    }
    run
}

async fn measure_into(bin: &Path, messages: usize, stderr: PathBuf, run: &mut Run) -> Result<()> {
    let server = Server::start(bin, stderr).await?;
    let addr = server.addr;
    // The server's thread count, sampled while the clients work.
    let peak_threads = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (pid, peak) = (server.pid, peak_threads.clone());
        tokio::spawn(async move {
            loop {
                if let Some(threads) = threads_of(pid) {
                    peak.fetch_max(threads, Relaxed);
                }
                sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let errors = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let note = |errors: &std::sync::Mutex<Vec<String>>, what: String| {
        let mut errors = errors.lock().unwrap();
        if errors.len() < 3 {
            errors.push(what);
        }
    };

    // 1. Connect every client and have one message echoed on each.
    let in_flight = Arc::new(Semaphore::new(CONNECTS_IN_FLIGHT));
    let deadline = Instant::now() + connect_limit(run.clients);
    let mut connecting = JoinSet::new();
    for index in 0..run.clients {
        let Ok(Ok(permit)) =
            tokio::time::timeout_at(deadline, in_flight.clone().acquire_owned()).await
        else {
            break;
        };
        connecting.spawn(async move {
            let result = connect(addr, index).await;
            drop(permit);
            result
        });
    }
    let mut streams = Vec::new();
    while let Some(joined) = connecting.join_next().await {
        match joined {
            Ok(Ok(stream)) => streams.push(stream),
            Ok(Err(err)) => note(&errors, format!("connect: {err:#}")),
            Err(err) => note(&errors, format!("connect task: {err}")),
        }
    }
    run.connected = streams.len();
    let connect_failures = run.clients - run.connected;
    // Every connection is open now: a thread per client shows here.
    if let Some(threads) = threads_of(server.pid) {
        peak_threads.fetch_max(threads, Relaxed);
    }

    // 2. The timed phase: every client at once.
    let histogram = Arc::new(Histogram::new());
    let echoed = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut talking = JoinSet::new();
    for (index, stream) in streams.into_iter().enumerate() {
        let (histogram, echoed) = (histogram.clone(), echoed.clone());
        talking.spawn(async move { talk(stream, index, messages, &histogram, &echoed).await });
    }
    // Kept open until the figures are taken.
    let mut held = Vec::new();
    while let Some(joined) = talking.join_next().await {
        match joined {
            Ok(Ok(stream)) => held.push(stream),
            Ok(Err(err)) => note(&errors, format!("echo: {err:#}")),
            Err(err) => note(&errors, format!("echo task: {err}")),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    run.held = held.len();

    // The figures, before the server goes.
    if let Some(threads) = threads_of(server.pid) {
        peak_threads.fetch_max(threads, Relaxed);
    }
    watcher.abort();
    run.echoed = echoed.load(Relaxed) as u64;
    run.per_sec = if secs > 0.0 {
        run.echoed as f64 / secs
    } else {
        0.0
    };
    let lost = run.expected - run.echoed;
    run.p99_ms = if lost as f64 > LOST_FOR_P99 * run.expected as f64 {
        None
    } else {
        histogram.quantile_ms(0.99, run.expected)
    };
    run.peak_rss_kib = server.status_field("VmHWM:");
    let threads = peak_threads.load(Relaxed);
    run.peak_threads = (threads > 0).then_some(threads);
    if connect_failures > 0 {
        run.notes.push(format!(
            "{connect_failures} of {} clients were never answered",
            run.clients
        ));
    }
    run.notes.extend(errors.lock().unwrap().drain(..));
    let exit = server.exit_note();
    if !exit.is_empty() {
        run.notes
            .push(format!("the server exited during the run{exit}"));
    }
    drop(held);
    Ok(())
}

/// Connects and has one message echoed: proof the server serves this
/// connection, not just that the kernel queued it.
async fn connect(addr: std::net::SocketAddr, index: usize) -> Result<TcpStream> {
    let mut stream = timeout(IO_TIMEOUT, TcpStream::connect(addr)).await??;
    stream.set_nodelay(true)?;
    round_trip(&mut stream, &message(index, 0)).await?;
    Ok(stream)
}

/// One client's timed phase.
async fn talk(
    mut stream: TcpStream,
    index: usize,
    messages: usize,
    histogram: &Histogram,
    echoed: &AtomicUsize,
) -> Result<TcpStream> {
    for seq in 1..=messages {
        let start = Instant::now();
        round_trip(&mut stream, &message(index, seq)).await?;
        histogram.record(start.elapsed().as_micros() as u64);
        echoed.fetch_add(1, Relaxed);
    }
    Ok(stream)
}

/// Writes `message`, reads as many bytes back, and checks they are the same.
async fn round_trip(stream: &mut TcpStream, message: &[u8]) -> Result<()> {
    timeout(IO_TIMEOUT, stream.write_all(message)).await??;
    let mut back = [0; MESSAGE_LEN];
    timeout(IO_TIMEOUT, stream.read_exact(&mut back)).await??;
    if back[..] != message[..] {
        bail!("the echo differs from the message");
    }
    Ok(())
}

/// `MESSAGE_LEN` bytes naming the client and the message, ending in `\n`.
fn message(index: usize, seq: usize) -> [u8; MESSAGE_LEN] {
    let mut bytes = [b'.'; MESSAGE_LEN];
    let text = format!("client {index} message {seq} ");
    bytes[..text.len()].copy_from_slice(text.as_bytes());
    bytes[MESSAGE_LEN - 1] = b'\n';
    bytes
}

/// The `Threads:` line of /proc/PID/status (Linux).
fn threads_of(pid: Option<u32>) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// The three servers side by side, one block per number of clients.
fn print_table(sizes: &[usize], runs: &[Run]) {
    let width = 16;
    print!("{:<22}", "");
    for name in SERVERS {
        print!("{name:>width$}");
    }
    println!();
    for &clients in sizes {
        println!("{clients} clients");
        let row = |label: &str, cell: &dyn Fn(&Run) -> String| {
            print!("  {label:<20}");
            for name in SERVERS {
                let text = runs
                    .iter()
                    .find(|run| run.server == name && run.clients == clients)
                    .map_or("-".into(), cell);
                print!("{text:>width$}");
            }
            println!();
        };
        row("connections held", &|run| {
            format!("{}/{}", run.held, run.clients)
        });
        row("messages/s", &|run| format!("{:.0}", run.per_sec));
        row("p99 latency", &|run| p99(run.p99_ms, run.expected));
        row("server threads", &|run| {
            run.peak_threads.map_or("?".into(), |n| n.to_string())
        });
        row("server RSS (peak)", &|run| {
            run.peak_rss_kib
                .map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_distinct_lines_of_the_same_length() {
        let a = message(4999, 20);
        let b = message(4999, 2);
        assert_eq!(a.len(), MESSAGE_LEN);
        assert_eq!(a[MESSAGE_LEN - 1], b'\n');
        assert_ne!(a, b);
    }
}
