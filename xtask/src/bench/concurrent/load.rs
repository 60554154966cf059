//! The load generator: starts the server, fills the room (the ramp), sends
//! the steady phase's messages, waits for the deliveries still on their way
//! (the drain), and takes the run's figures.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use anyhow::Result;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{sleep, sleep_until, timeout, timeout_at};

use super::client::{Shared, client};
use super::report::Run;
use super::server::Server;
use super::{Load, SENDERS};
use crate::bench::machine::{cpu_secs, cpu_split_secs};

/// Connections being opened and joined at once during the ramp.
pub(super) const CONNECTS_IN_FLIGHT: usize = 128;
/// How many joins' announcements one client may still have to read when the
/// next client starts. With the joins in flight (whose order the bench only
/// knows roughly), still well under the 1024 lines a server queues for a client.
pub(super) const JOIN_WINDOW: u64 = 256;
/// Without progress for this long, the ramp stops waiting for announcements.
const STALL: Duration = Duration::from_secs(5);
/// After the last client started: how long its join and the announcements
/// still on their way may take, at most.
const SETTLE: Duration = Duration::from_secs(60);
/// After the last message: how long deliveries may keep arriving, at most,
/// and how long without a new one ends the wait.
const DRAIN: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_secs(2);
/// Up to this share of deliveries may be missing before p99 is "beyond the run".
const LOST_FOR_P99: f64 = 0.01;
/// The stalled reader's name: not one of the load's `c00001`, … names.
const STALLED_NAME: &str = "stalled";
/// After the steady phase, the stalled reader reads what is left for it, to
/// learn whether the server closed it: until the end of stream, or nothing
/// for [`STALLED_QUIET`], or [`STALLED_FATE`] in all.
const STALLED_FATE: Duration = Duration::from_secs(20);
const STALLED_QUIET: Duration = Duration::from_millis(500);

/// The ramp's bound: one minute, plus 30 ms per client (6 min at 10 000).
fn ramp_limit(clients: usize) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(30) * clients as u32
}

/// Starts the server (`bin`, with `args` before `--listen`), fills the room,
/// sends the messages, and measures. Errors end up in the run's notes: a
/// server that falls over is a result.
pub(super) async fn measure(
    bin: &Path,
    args: &[String],
    design: &str,
    load: Load,
    work: &Path,
) -> Run {
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
    let stall = if load.stalled_reader { "-stalled" } else { "" };
    let stderr = work.join(format!("{stem}-{}{stall}.stderr", load.clients));
    eprintln!(
        "{design}: {} clients (server stderr: {})",
        load.clients,
        stderr.display()
    );
    if let Err(err) = room(bin, args, load, stderr, &mut run).await {
        run.notes.push(format!("{err:#}"));
    }
    run
}

async fn room(
    bin: &Path,
    args: &[String],
    load: Load,
    stderr: PathBuf,
    run: &mut Run,
) -> Result<()> {
    let server = Server::start_with(bin, args, stderr).await?;
    let shared = Arc::new(Shared::new(load.clients));
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

    // With `stalled_reader`: one more client joins, then never reads again.
    let mut stalled = None;
    if load.stalled_reader {
        match stalled_reader(server.addr).await {
            Ok(stream) => stalled = Some(stream),
            Err(err) => run.notes.push(format!("stalled reader: {err}")),
        }
    }
    // Its RSS once a second through the steady phase (VmRSS, Linux).
    let rss_series = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sampler = load.stalled_reader.then(|| {
        let (series, pid) = (rss_series.clone(), server.pid);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Some(kib) = pid.and_then(|pid| status_kib(pid, "VmRSS:")) {
                    series.lock().unwrap().push(kib);
                }
            }
        })
    });

    // The steady phase.
    let mut senders = Vec::new();
    while let Ok(writer) = senders_rx.try_recv() {
        senders.push(writer);
    }
    let steady = tokio::time::Instant::now();
    let cpu_before = (
        cpu_split_secs(server.pid),
        cpu_secs(Some(std::process::id())),
    );
    let steady_us = shared.now_us();
    let total = u64::from(load.rate) * load.secs;
    let gap = Duration::from_secs(1) / load.rate;
    let mut sent = 0u64;
    // Longer lines, when asked: a space, then `x`s.
    let padding = if load.pad > 0 {
        format!(" {}", "x".repeat(load.pad - 1))
    } else {
        String::new()
    };
    if senders.is_empty() {
        run.notes.push("no sender joined: no messages".into());
    }
    for seq in 0..total {
        if senders.is_empty() || shared.server_gone.load(Relaxed) {
            break;
        }
        sleep_until(steady + gap * seq as u32).await;
        let which = seq as usize % senders.len();
        let line = format!("m {seq} {}{}\n", shared.now_us(), padding);
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
    if let Some(sampler) = sampler {
        sampler.abort();
        run.rss_kib_series = rss_series.lock().unwrap().clone();
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
    let server_cpu = cpu_before
        .0
        .zip(cpu_split_secs(server.pid))
        .map(|((user0, sys0), (user1, sys1))| (user1 - user0, sys1 - sys0));
    run.server_cpu_pct = server_cpu.map(|(user, sys)| 100.0 * (user + sys) / wall);
    run.server_kernel_pct = server_cpu
        .filter(|(user, sys)| user + sys > 0.0)
        .map(|(user, sys)| 100.0 * sys / (user + sys));
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

    if let Some(stream) = stalled {
        run.stalled = Some(stalled_fate(stream).await);
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

/// A client that joins as [`STALLED_NAME`], reads up to its welcome, and is
/// handed back to be held without reading.
async fn stalled_reader(addr: std::net::SocketAddr) -> Result<TcpStream> {
    let welcome = format!("* welcome {STALLED_NAME}\n");
    let joined = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(format!("{STALLED_NAME}\n").as_bytes())
            .await?;
        let mut seen = Vec::new();
        let mut buf = [0; 4096];
        // Bounded: the welcome comes first, within a few lines.
        while seen.len() < 64 * 1024 {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                anyhow::bail!("closed before the welcome");
            }
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(welcome.len()).any(|w| w == welcome.as_bytes()) {
                return Ok(stream);
            }
        }
        anyhow::bail!("no welcome in the first 64 KiB")
    };
    timeout(Duration::from_secs(10), joined)
        .await
        .unwrap_or_else(|_| anyhow::bail!("no welcome within 10 s"))
}

/// Reads what is left for the stalled reader: did the server close it, and
/// how much had it kept for it?
async fn stalled_fate(mut stream: TcpStream) -> String {
    let mut buf = vec![0; 256 * 1024];
    let mut total = 0u64;
    let end = tokio::time::Instant::now() + STALLED_FATE;
    let closed = loop {
        match timeout_at(
            end.min(tokio::time::Instant::now() + STALLED_QUIET),
            stream.read(&mut buf),
        )
        .await
        {
            Ok(Ok(0)) => break Some(String::new()),
            Ok(Ok(n)) => total += n as u64,
            Ok(Err(err)) => break Some(format!(" ({err})")),
            Err(_) => break None,
        }
    };
    let mib = total as f64 / (1024.0 * 1024.0);
    match closed {
        Some(how) => format!("closed by the server{how}; {mib:.1} MiB were still on their way"),
        None => format!("still connected: {mib:.1} MiB were waiting for it"),
    }
}

/// A memory field of /proc/PID/status, in KiB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|line| line.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// How many join announcements the first `joined` clients receive in all:
/// one for every pair (the earlier of the two hears of the later).
fn pairs(joined: usize) -> u64 {
    let n = joined as u64;
    n * n.saturating_sub(1) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_of_clients_is_one_announcement() {
        assert_eq!(pairs(4), 6);
    }
}
