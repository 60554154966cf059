//! `cargo xtask bench reliable-udp`: the goodput of the rdt pair of
//! exercise 4 against the loss rate (0 to 20 %), beside TCP through the same
//! loss, and the chapter's figure of it.
//!
//! Every run sends one file (8 MiB of random bytes; `--mib`) across a link
//! with 5 ms of delay each way (a round trip of 10 ms) and the loss in both
//! directions. The link ([`link`]) is two network namespaces joined by this
//! process, which passes every IP packet through the grader's seeded model
//! of a lossy link (`udp_proxy`'s): TCP and the rdt pair cross the same
//! link, and within one round the n-th packet of each direction meets the
//! same fate for each of them. (Linux's netem would impair packets in the
//! kernel, but not every kernel has it; TUN devices need only root.) TCP
//! runs twice, with each of Linux's two common congestion controls: CUBIC
//! (most distributions' default; it shrinks its window on every loss) and
//! BBR (it paces to its estimate of the path, and a random loss barely
//! slows it), when the kernel has them.
//!
//! Without root the rdt pair goes through the grader's UDP proxy on
//! 127.0.0.1 (the same model), and TCP can only be measured on 127.0.0.1
//! without loss or delay: the output says so.
//!
//! Each point is the median of `--rounds` runs (3), whose order alternates.
//! A run longer than `--secs` (60) is stopped, and its goodput is of what
//! had arrived. `--path DIR` measures a student's crate beside the
//! reference. The table goes to stdout and the JSON to
//! target/bench/reliable-udp.json; `--svg FILE` draws the figure (in the
//! locale's language); `--plot` draws the book's two from the saved JSON
//! (book/{en,ko}/src/images/rdt-goodput.svg) without measuring.
//! `--smoke`: 256 KiB at 0 and 5 %, one run each, debug builds.

mod figure;
#[cfg(target_os = "linux")]
mod link;
#[cfg(not(target_os = "linux"))]
#[path = "no_link.rs"]
mod link;
mod report;
mod runs;
mod tcp;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use super::concurrent::build;
use super::machine::{cpus, load_average};
use super::{BenchArgs, rerun_release};
use crate::grade::lang::Lang;
use crate::grade::udp_proxy::Impair;
use link::Link;
use report::{Point, Results, Sender, median, print_table};
use runs::{Net, Outcome, Pair, catch_interrupts, files};

const LOSSES: [u32; 7] = [0, 1, 2, 5, 10, 15, 20];
const SMOKE_LOSSES: [u32; 2] = [0, 5];
const DELAY: Duration = Duration::from_millis(5);
/// TCP's congestion controls, each measured when the kernel has it.
const CONGESTION_CONTROLS: [&str; 2] = ["cubic", "bbr"];

pub(super) fn reliable_udp(root: &Path, args: &BenchArgs) -> Result<()> {
    let json = args
        .json
        .clone()
        .unwrap_or_else(|| root.join("target/bench/reliable-udp.json"));
    if args.plot {
        let text = std::fs::read_to_string(&json).with_context(|| {
            format!(
                "no saved run at {}: run `cargo xtask bench reliable-udp` first",
                json.display()
            )
        })?;
        let results: Results = serde_json::from_str(&text)?;
        let book = args.book.clone().unwrap_or_else(|| root.join("book"));
        for lang in [Lang::En, Lang::Ko] {
            let path = book
                .join(lang.pick("en", "ko"))
                .join("src/images")
                .join(figure::FILE);
            std::fs::write(&path, figure::figure(&results, lang))?;
            println!("  wrote {}", path.display());
        }
        return write_svg(args, &results);
    }
    // The TCP ends and the link run in this process: optimized.
    if cfg!(debug_assertions) && !args.smoke {
        return rerun_release(root);
    }
    let smoke = args.smoke;
    let size = match args.mib {
        _ if smoke => 256 * 1024,
        Some(mib) => mib * 1024 * 1024,
        None => 8 * 1024 * 1024,
    };
    let losses: &[u32] = if smoke { &SMOKE_LOSSES } else { &LOSSES };
    let rounds = if smoke { 1 } else { args.rounds.max(1) };
    let bound = Duration::from_secs(args.secs.unwrap_or(if smoke { 20 } else { 60 }));

    let mut pairs = vec![build_pair(
        root,
        &root.join("solutions/reliable-udp"),
        smoke,
        "reference",
    )?];
    if let Some(dir) = &args.path {
        pairs.push(build_pair(root, dir, smoke, "yours")?);
    }
    let files = files(size)?;
    catch_interrupts();
    // The link, tried once: without it, the proxy and TCP without loss.
    let (tcp_through_link, ccs) = match Link::new(Impair::default(), 0) {
        Ok(link) => (true, congestion_controls(&link)),
        Err(err) => {
            println!(
                "skipped: TCP through the lossy link ({err:#}); TCP runs on 127.0.0.1 without loss or delay, the rdt pair through the grader's UDP proxy"
            );
            (false, Vec::new())
        }
    };
    let mut senders: Vec<Sender> = pairs
        .iter()
        .map(|(name, _)| Sender {
            name: name.to_string(),
            tcp: false,
        })
        .collect();
    let tcps: Vec<Option<&str>> = match ccs.is_empty() {
        true => vec![None],
        false => ccs.iter().map(|cc| Some(*cc)).collect(),
    };
    senders.extend(tcps.iter().map(|cc| Sender {
        name: cc.unwrap_or("default").to_string(),
        tcp: true,
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut results = Results {
        size,
        delay_ms: DELAY.as_millis() as u64,
        rounds,
        bound_secs: bound.as_secs(),
        cpus: cpus(),
        load_average: load_average(),
        tcp_through_link,
        senders: senders.clone(),
        points: Vec::new(),
    };
    println!(
        "reliable-udp bench: {} KiB a run, {} ms of delay each way and the loss in both directions, {}; {}, {} build, {} CPUs, load {}",
        size / 1024,
        results.delay_ms,
        if tcp_through_link {
            "the rdt pair and TCP through the same link (two network namespaces, packets carried by this process)"
        } else {
            "the rdt pair through the grader's UDP proxy, TCP on 127.0.0.1 without loss"
        },
        match rounds {
            1 => "one run each".to_string(),
            n => format!("median of {n} runs"),
        },
        if smoke { "a debug" } else { "a release" },
        results.cpus,
        results.load_average
    );
    let mut notes = Vec::new();
    for &loss in losses {
        let impair = Impair {
            loss: f64::from(loss) / 100.0,
            delay: DELAY,
            ..Impair::default()
        };
        let mut goodputs = vec![Vec::new(); senders.len()];
        let mut cut = vec![false; senders.len()];
        for round in 0..rounds {
            let seed = 0x5eed_0000 + u64::from(loss) * 100 + round as u64;
            let mut order: Vec<usize> = (0..senders.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for who in order {
                // A fresh link for each run: the same seed, the same fates.
                let link = match tcp_through_link {
                    true => Some(Link::new(impair, seed)?),
                    false => None,
                };
                let net = match &link {
                    Some(link) => Net::Link(link),
                    None => Net::Loopback {
                        impair,
                        seed,
                        runtime: &runtime,
                    },
                };
                let outcome = match pairs.get(who) {
                    Some((_, pair)) => runs::rdt(pair, &net, &files, bound)?,
                    None => tcp::tcp(&net, &files, tcps[who - pairs.len()], bound)?,
                };
                let goodput = outcome.goodput(size);
                let label = senders[who].label();
                eprintln!(
                    "  {loss:>2} % loss, run {}: {label}: {}",
                    round + 1,
                    match (&outcome, goodput) {
                        (Outcome::Failed(why), _) => why.clone(),
                        (Outcome::Cut { .. }, Some(g)) => format!("{g:.2} MiB/s (cut)"),
                        (_, Some(g)) => format!("{g:.2} MiB/s"),
                        (_, None) => "nothing arrived".into(),
                    }
                );
                match &outcome {
                    Outcome::Failed(why) => notes.push(format!("{loss} % loss, {label}: {why}")),
                    Outcome::Cut { .. } => cut[who] = true,
                    Outcome::Done(_) => {}
                }
                goodputs[who].extend(goodput);
            }
        }
        results.points.push(Point {
            loss,
            goodput: goodputs.iter_mut().map(|g| median(g)).collect(),
            cut,
        });
    }
    println!();
    print_table(&results);
    for note in &notes {
        println!("  note: {note}");
    }
    // A smoke run does not replace the saved run the book's figure is drawn from.
    if !smoke || args.json.is_some() {
        if let Some(dir) = json.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&json, serde_json::to_string_pretty(&results)?)?;
        println!("  saved {}", json.display());
    }
    write_svg(args, &results)
}

/// Builds `rdt-send` and `rdt-recv` of the crate at `dir`.
fn build_pair(
    root: &Path,
    dir: &Path,
    debug: bool,
    name: &'static str,
) -> Result<(&'static str, Pair)> {
    let label = format!("rdt-{name}");
    let mut bins = build(root, dir, &["rdt-send", "rdt-recv"], debug, &label)?.into_iter();
    let mut next = || bins.next().expect("two binaries");
    let send = next();
    Ok((name, Pair { send, recv: next() }))
}

/// The congestion controls of [`CONGESTION_CONTROLS`] the kernel has.
fn congestion_controls(link: &Link) -> Vec<&'static str> {
    let available = link::within(&link.send_ns, || {
        std::fs::read_to_string("/proc/sys/net/ipv4/tcp_available_congestion_control")
    })
    .unwrap_or_default();
    let available: Vec<&str> = available.split_whitespace().collect();
    CONGESTION_CONTROLS
        .into_iter()
        .filter(|cc| available.contains(cc))
        .collect()
}

fn write_svg(args: &BenchArgs, results: &Results) -> Result<()> {
    if let Some(path) = &args.svg {
        std::fs::write(path, figure::figure(results, Lang::from_env()))?;
        println!("  wrote {}", path.display());
    }
    Ok(())
}
