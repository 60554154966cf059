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
//! [`CONNECTS_IN_FLIGHT`]: load::CONNECTS_IN_FLIGHT
//! [`JOIN_WINDOW`]: load::JOIN_WINDOW
//! [`Instant`]: std::time::Instant
//!
//! Clients read into a buffer and count lines; only message lines are parsed.
//! A delivery is one message reaching one client; a run expects
//! messages × (held − 1). A delivery that never arrives counts as infinitely
//! late, so a server that loses over 1 % of them has no p99 ("beyond the run").
//!
//! `--path DIR` measures a student's crate beside the reference in the same
//! run; `--sweep` measures both reference designs (tokio, thread per client)
//! from 100 to 10 000 clients and saves the figures to JSON for [`super::plot`].
//! `--peer` measures the reference beside a real peer, [`peer_tokio_chat`] (the
//! design of tokio's chat example), at 2 000 and 10 000 clients, then runs
//! both with a stalled reader: [`STALL_CLIENTS`] clients chat at
//! [`STALL_RATE`] lines a second of [`STALL_PAD`] bytes for `--stall-secs`
//! while one more client reads nothing, and each server's RSS is sampled
//! every second.
//!
//! Here: the command (building the servers, the open-files limit, each
//! measurement in turn). The rest, by what it does:
//!
//! - [`load`]: the load generator: the ramp, the steady phase, the drain,
//!   and the run's figures.
//! - [`client`]: one client's connection and reads, and the tallies every
//!   client adds to.
//! - [`histogram`]: the latencies and their quantiles.
//! - [`server`]: the chat server under test, and what /proc tells of it
//!   (also the echo servers of `io-models`).
//! - [`report`]: a run's figures (what `concurrent.json` holds) and the
//!   tables printed from them.
//! - [`peer_tokio_chat`]: the peer of `--peer`, run as `xtask bench
//!   tokio-chat-peer` in a process of its own.

mod client;
pub(super) mod histogram;
mod load;
pub(super) mod peer_tokio_chat;
mod report;
pub(super) mod server;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::machine::{cpus, load_average};
use super::{BenchArgs, plot, rerun_release};
use crate::cmd;
use load::measure;
pub(super) use report::{Run, Sweep};
use report::{print_goals, print_peer_verdict, print_side_by_side, print_stall, print_sweep};

/// Room sizes of `--sweep`.
const SWEEP: [usize; 5] = [100, 1000, 2000, 5000, 10_000];
/// The reference's two designs, in the order the book tells them.
const DESIGNS: [&str; 2] = ["chat-server", "chat-server-threads"];
/// How many clients send the steady phase's messages (in turn).
const SENDERS: usize = 4;
/// Room sizes of `--peer`.
const PEER_SIZES: [usize; 2] = [2000, 10_000];
/// The stalled-reader run of `--peer`: a small room that talks fast, in long
/// lines, so that what waits for the stalled reader outgrows the kernel's
/// socket buffers (a few MiB on loopback) within seconds: about 1 MB a second.
const STALL_CLIENTS: usize = 20;
const STALL_RATE: u32 = 1000;
/// Bytes added to each message's text (a line stays under the protocol's 1024).
const STALL_PAD: usize = 900;

#[derive(Clone, Copy)]
struct Load {
    clients: usize,
    rate: u32,
    secs: u64,
    /// Bytes of padding in each message's text (0: none).
    pad: usize,
    /// One more client joins after the ramp and never reads again.
    stalled_reader: bool,
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
        pad: 0,
        stalled_reader: false,
    };
    if load.clients < 2 || load.rate == 0 || load.secs == 0 {
        bail!("the bench needs --clients 2 or more, and a --rate and --secs above 0");
    }
    let most = if args.sweep {
        SWEEP[SWEEP.len() - 1]
    } else if args.peer && args.clients.is_none() && !args.smoke {
        PEER_SIZES[PEER_SIZES.len() - 1]
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

    if args.peer {
        return peer_comparison(root, args, load, &runtime, &work);
    }
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
                let run = interruptible(&runtime, measure(bin, &[], design, load, &work))?;
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
        let mut run = interruptible(&runtime, measure(bin, &[], design, load, &work))?;
        run.design = label.clone();
        println!("  {}", run.summary());
        for note in &run.notes {
            println!("    {note}");
        }
        runs.push(run);
    }
    println!();
    print_side_by_side(&runs, "yours/ref");
    print_goals(&runs);
    Ok(())
}

/// `--peer`: the reference beside [`peer_tokio_chat`] at each size, then
/// both with a stalled reader.
fn peer_comparison(
    root: &Path,
    args: &BenchArgs,
    load: Load,
    runtime: &tokio::runtime::Runtime,
    work: &Path,
) -> Result<()> {
    let reference = build(
        root,
        &root.join("solutions/concurrent"),
        &["chat-server"],
        args.smoke,
        "reference",
    )?;
    // The peer is this very program, in a process of its own: its memory,
    // threads and CPU are measured apart from the load generator's.
    let xtask = std::env::current_exe()?;
    let peer_args = vec!["bench".to_string(), "tokio-chat-peer".to_string()];
    let servers = [
        ("tokio-chat (peer)", xtask.as_path(), peer_args.as_slice()),
        ("chat-server (reference)", reference[0].as_path(), &[][..]),
    ];
    let sizes = match args.clients {
        Some(clients) => vec![clients],
        None if args.smoke => vec![load.clients],
        None => PEER_SIZES.to_vec(),
    };
    let profile = if args.smoke { "a debug" } else { "a release" };
    for (round, clients) in sizes.into_iter().enumerate() {
        let load = Load { clients, ..load };
        println!(
            "concurrent bench, reference beside tokio's chat design: {clients} clients, {} msg/s for {} s from {SENDERS} senders, {profile} build, {} CPUs, load {}",
            load.rate,
            load.secs,
            cpus(),
            load_average()
        );
        let runs = run_both(&servers, round, load, runtime, work)?;
        println!();
        print_side_by_side(&runs, "ref/peer");
        print_peer_verdict(&runs);
        println!();
    }
    let stall_secs = args.stall_secs.unwrap_or(if args.smoke { 2 } else { 60 });
    if stall_secs == 0 {
        return Ok(());
    }
    let load = Load {
        clients: if args.smoke { 5 } else { STALL_CLIENTS },
        rate: if args.smoke { 100 } else { STALL_RATE },
        secs: stall_secs,
        pad: STALL_PAD,
        stalled_reader: true,
    };
    println!(
        "stalled reader: {} clients chat, {} msg/s of {}-byte texts for {} s from {SENDERS} senders, while 1 more client reads nothing after its welcome; load {}",
        load.clients,
        load.rate,
        STALL_PAD + 20,
        load.secs,
        load_average()
    );
    let runs = run_both(&servers, 0, load, runtime, work)?;
    println!();
    print_stall(&runs);
    Ok(())
}

/// Measures each server under `load`, the peer first in even rounds and the
/// reference first in odd ones; the runs come back in `servers`' order.
fn run_both(
    servers: &[(&str, &Path, &[String]); 2],
    round: usize,
    load: Load,
    runtime: &tokio::runtime::Runtime,
    work: &Path,
) -> Result<Vec<Run>> {
    let order = if round.is_multiple_of(2) {
        [0, 1]
    } else {
        [1, 0]
    };
    let mut runs = vec![Run::default(), Run::default()];
    for index in order {
        let (label, bin, args) = servers[index];
        let mut run = interruptible(runtime, measure(bin, args, label, load, work))?;
        run.design = label.to_string();
        println!("  {}", run.summary());
        for note in &run.notes {
            println!("    {note}");
        }
        if let Some(stalled) = &run.stalled {
            println!("    stalled reader: {stalled}");
        }
        runs[index] = run;
    }
    Ok(runs)
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
pub(super) fn build(
    root: &Path,
    dir: &Path,
    bins: &[&str],
    debug: bool,
    label: &str,
) -> Result<Vec<PathBuf>> {
    let target_dir = match exercise_of(bins) {
        // A debug build (`--smoke`) of an exercise's programs starts from the
        // grader's dependency cache of that exercise, in a target dir of its
        // own (a cache seeds a dir once): tokio's tree is not compiled again.
        Some(exercise) if debug => {
            let target_dir = root
                .join("target/bench")
                .join(format!("debug-{}", exercise.dir));
            seed(exercise.dir, dir, &target_dir)?;
            target_dir
        }
        _ => root.join("target/bench"),
    };
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

/// The exercise whose programs `bins` are, if they are one's.
fn exercise_of(bins: &[&str]) -> Option<crate::grade::exercises::Exercise> {
    crate::grade::exercises::all()
        .into_iter()
        .find(|exercise| bins.iter().any(|bin| exercise.binaries.contains(bin)))
}

/// Seeds `target_dir` with `exercise`'s dependency cache (built first if no
/// grade has built it yet). The benches build before they start their own
/// runtime, so this one is not inside another.
fn seed(exercise: &'static str, dir: &Path, target_dir: &Path) -> Result<()> {
    let items = vec![(exercise, dir.to_path_buf(), target_dir.to_path_buf())];
    let lang = crate::grade::lang::Lang::from_env();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(crate::grade::deps::seed_all(lang, items));
    Ok(())
}

/// Raises this process's soft limit on open files to the hard limit; the
/// server inherits it. Each client is one file here and one in the server.
#[cfg(unix)]
pub(super) fn raise_fd_limit(clients: usize) {
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
pub(super) fn raise_fd_limit(_clients: usize) {}
