//! `cargo xtask bench`: each measurement beside a baseline taken in the same run.
//!
//! - `file-transfer` ([`file_transfer`]): throughput of the reference file
//!   transfer beside a raw loopback copy, the same work in a plain loop, and
//!   integrity-checked copies made of standard tools (socat, openssl, sha256sum).
//! - `watch` ([`watch`]): the student's loop, save → verdict on the watch
//!   screen, beside a plain `cargo xtask grade` of the same crate.
//! - `concurrent` ([`concurrent`]): a chat room of thousands of clients, its
//!   delivery rate and latency; a student's server beside the reference, or
//!   both reference designs over a range of room sizes (`--sweep`), drawn as
//!   the book's figure ([`plot`]); or the reference beside a peer in the
//!   design of tokio's chat example (`--peer`), with a stalled reader.
//! - `gradebook` ([`gradebook`]): a generated class of 100 re-graded in the
//!   sandbox, beside a sample of it graded the way before the shared
//!   dependency cache; or (`--sandbox-overhead`) beside `--no-sandbox`.
//! - `io-models` ([`io_models`]): the book's three echo servers (threads, a
//!   mio event loop, tokio) at 100 and 5 000 clients, side by side.
//! - `reliable-udp` ([`reliable_udp`]): the rdt pair's goodput against the
//!   loss rate, beside TCP through the same lossy link, and its figure.

mod concurrent;
mod file_transfer;
mod gradebook;
mod io_models;
mod machine;
mod plot;
mod reliable_udp;
mod watch;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use anyhow::Result;

use crate::cmd;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(value_enum)]
    target: Target,
    /// How many MiB to transfer [default: 1024; reliable-udp: 8 a run].
    #[arg(long)]
    mib: Option<u64>,
    /// Measure this crate instead of the reference solution (solutions/file-transfer,
    /// solutions/echo); `concurrent` and `reliable-udp` measure it beside the reference.
    #[arg(long, value_name = "DIR")]
    path: Option<PathBuf>,
    /// How many saves (and plain grades) `watch` measures.
    #[arg(long, default_value_t = 10)]
    saves: usize,
    /// `concurrent`: the chat server binary of the crate.
    #[arg(long, value_name = "NAME", default_value = "chat-server")]
    bin: String,
    /// `concurrent`: how many clients join the room [default: 10000; 50 with --smoke];
    /// `io-models`: measure this many clients only [default: 100, then 5000; 20 with --smoke].
    #[arg(long, value_name = "N")]
    clients: Option<usize>,
    /// `concurrent`: messages per second sent into the room [default: 20].
    #[arg(long, value_name = "R")]
    rate: Option<u32>,
    /// `concurrent`: seconds of steady traffic once everyone has joined [default: 10; 2 with --smoke];
    /// `reliable-udp`: the longest a run may take [default: 60; 20 with --smoke].
    #[arg(long, value_name = "S")]
    secs: Option<u64>,
    /// `concurrent`: both reference designs (tokio, threads) at 100 to 10 000
    /// clients, saved to target/bench/concurrent.json.
    #[arg(long, conflicts_with_all = ["path", "clients"])]
    sweep: bool,
    /// `concurrent`: draw the book's figures from the sweep's JSON (after the
    /// sweep with --sweep; from the last saved sweep without it);
    /// `reliable-udp`: draw the book's figures from the last saved run.
    #[arg(long)]
    plot: bool,
    /// `concurrent`, `io-models`: a tiny run for CI (a few clients, a debug build of the servers);
    /// `gradebook`: 3 students, file-transfer only, one test each;
    /// `reliable-udp`: 256 KiB at 0 and 5 % loss, one run each, debug builds.
    #[arg(long)]
    smoke: bool,
    /// `concurrent`: the sweep's JSON [default: target/bench/concurrent.json];
    /// `reliable-udp`: the run's [default: target/bench/reliable-udp.json].
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// `concurrent`: the reference beside a chat server in the design of tokio's
    /// chat example, at 2000 and 10000 clients (or --clients), then the
    /// stalled-reader run: both servers' RSS while one client reads nothing.
    #[arg(long, conflicts_with_all = ["path", "sweep", "plot"])]
    peer: bool,
    /// `concurrent --peer`: seconds of the stalled-reader run [default: 60; 2 with --smoke; 0 skips it].
    #[arg(long, value_name = "S")]
    stall_secs: Option<u64>,
    /// `tokio-chat-peer` (started by `concurrent --peer`): the address to listen on.
    #[arg(long, value_name = "ADDR", hide = true, default_value = "127.0.0.1:0")]
    listen: String,
    /// `concurrent --plot`, `reliable-udp --plot`: the book whose src/images/ get the figures [default: book].
    #[arg(long, value_name = "DIR")]
    book: Option<PathBuf>,
    /// `reliable-udp`: write the figure (goodput against loss) to FILE, in the locale's language.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// `gradebook`: students in the generated class [default: 100; 3 with --smoke;
    /// 4 with --sandbox-overhead, half solved, half starters].
    #[arg(long, value_name = "N")]
    students: Option<usize>,
    /// `gradebook`: students graded the old way too, each building its own
    /// dependencies [default: 4; 1 with --smoke].
    #[arg(long, value_name = "K")]
    old_sample: Option<usize>,
    /// `gradebook`: where the class, its target dirs and the logs go (about 3 GB
    /// for 100 students) [default: target/bench/gradebook].
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// `gradebook`: the sandbox's overhead instead: a small class graded with
    /// and without it, alternately.
    #[arg(long)]
    sandbox_overhead: bool,
    /// `gradebook`: rounds (each grades the class once in each mode);
    /// `file-transfer`, `reliable-udp`: rounds (each measures everything once; the order alternates).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    /// 1 GiB GET with ft-server and ft-client, against a raw socket copy, the
    /// same work in a plain loop, and socat copies checked with openssl or sha256sum.
    FileTransfer,
    /// Save → verdict of `cargo xtask watch echo` (warm), against `cargo xtask grade echo`.
    Watch,
    /// Thousands of clients in one chat room: held connections, deliveries/s, p99 latency
    /// (--peer: beside tokio's chat example's design, and RSS with a stalled reader).
    Concurrent,
    /// A generated class of 100 re-graded in the sandbox: wall, CPU, disk, and the ratio to each
    /// student building its own dependencies (--sandbox-overhead: beside --no-sandbox).
    Gradebook,
    /// The book's echo servers (threads, mio, tokio) at 100 and 5 000 clients: held, msgs/s, p99, threads, RSS.
    IoModels,
    /// rdt-send to rdt-recv at 0 to 20 % loss, beside TCP through the same lossy link: goodput, figure.
    ReliableUdp,
    /// The chat server `concurrent --peer` measures (tokio's chat example's design).
    #[value(hide = true)]
    TokioChatPeer,
}

pub fn run(root: &Path, args: BenchArgs) -> Result<()> {
    match args.target {
        Target::FileTransfer => file_transfer::file_transfer(root, &args),
        Target::Watch => watch::watch(root, &args),
        Target::Concurrent => concurrent::concurrent(root, &args),
        Target::Gradebook => gradebook::gradebook(root, &args),
        Target::IoModels => io_models::io_models(root, &args),
        Target::ReliableUdp => reliable_udp::reliable_udp(root, &args),
        Target::TokioChatPeer => concurrent::peer_tokio_chat::serve(&args.listen),
    }
}

/// Runs this same command again from an optimized build of xtask. Baselines
/// and load generators that run inside this process would measure unoptimized
/// code in a debug build (what `cargo xtask` is), not the sockets.
fn rerun_release(root: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("benchmarks run optimized: rebuilding xtask with --release");
    cmd::run(
        Command::new(cargo)
            .current_dir(root)
            .args(["run", "--quiet", "--release", "--package", "xtask", "--"])
            .args(std::env::args_os().skip(1)),
    )
}

/// The middle value (the mean of the two middle ones for an even count).
pub(super) fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
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
