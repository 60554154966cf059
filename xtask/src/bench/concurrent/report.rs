//! What a run measured ([`Run`]; a sweep's runs are `concurrent.json`,
//! [`Sweep`]), and the tables printed from it.

use serde::{Deserialize, Serialize};

/// The latency goal of the reference, in ms.
const GOAL_P99_MS: f64 = 50.0;

/// One measured server at one room size: what `concurrent.json` holds.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[serde(default)]
pub(in crate::bench) struct Run {
    /// The binary's name (`chat-server`, `chat-server-threads`).
    pub design: String,
    pub clients: usize,
    pub rate: u32,
    pub secs: u64,
    /// Joined and still connected at the end.
    pub held: usize,
    /// Could not connect, or closed or silent before `* welcome`.
    pub failed: usize,
    /// Not started: the ramp ran out of time first.
    pub unstarted: usize,
    /// Closed by the server after `* welcome`.
    pub dropped: usize,
    pub ramp_secs: f64,
    /// Every client joined and every announcement arrived within the bound.
    pub ramp_complete: bool,
    pub messages: u64,
    pub deliveries: u64,
    pub expected: u64,
    pub deliveries_per_sec: f64,
    /// None: over 1 % of the deliveries never arrived.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// The server's VmHWM (Linux).
    pub peak_rss_kib: Option<u64>,
    /// The most threads the server had at once (Linux).
    pub peak_threads: Option<u64>,
    /// CPU time during the steady phase (and its drain), in % of one CPU:
    /// the server's, and this load generator's (Linux).
    pub server_cpu_pct: Option<f64>,
    pub loadgen_cpu_pct: Option<f64>,
    /// The share of the server's CPU time spent in the kernel (system time),
    /// in %: sockets, TCP, the scheduler (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_kernel_pct: Option<f64>,
    /// What went wrong, each with how often: the first errors, a server exit.
    pub notes: Vec<String>,
    /// The server's VmRSS once a second through the steady phase, in KiB
    /// (the stalled-reader run of `--peer`; Linux).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rss_kib_series: Vec<u64>,
    /// What became of the client that stopped reading (`--peer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalled: Option<String>,
}

impl Run {
    pub(super) fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.deliveries)
    }

    /// The line a script (or a CI test) greps.
    pub(super) fn summary(&self) -> String {
        let ms = |v: Option<f64>| match v {
            Some(v) => format!("{v:.2}ms"),
            None if self.expected == 0 => "none".into(),
            None => "beyond-the-run".into(),
        };
        format!(
            "{}: N={} held={}/{} ramp={:.1}s deliveries/s={:.0} lost={} p50={} p99={} max={} rss={}",
            self.design,
            self.clients,
            self.held,
            self.clients,
            self.ramp_secs,
            self.deliveries_per_sec,
            self.lost(),
            ms(self.p50_ms),
            ms(self.p99_ms),
            ms(self.max_ms),
            self.peak_rss_kib
                .map_or("?".into(), |k| format!("{}MiB", k / 1024)),
        )
    }

    fn goals(&self) -> [(String, bool); 3] {
        let target = self.rate as f64 * self.clients.saturating_sub(1) as f64;
        [
            (format!("{} held", self.clients), self.held == self.clients),
            (
                format!(">= {target:.0} deliveries/s"),
                self.deliveries_per_sec >= 0.99 * target && self.lost() == 0,
            ),
            (
                format!("p99 <= {GOAL_P99_MS} ms"),
                self.p99_ms.is_some_and(|p| p <= GOAL_P99_MS),
            ),
        ]
    }
}

/// `target/bench/concurrent.json`.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
pub(in crate::bench) struct Sweep {
    pub cpus: usize,
    /// /proc/loadavg before the sweep: others' builds show here.
    pub load_average: String,
    pub rate: u32,
    pub secs: u64,
    pub runs: Vec<Run>,
}

fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
        None => "beyond".into(),
    }
}

/// A latency of `run`: "-" when it expected no delivery at all.
fn latency(run: &Run, value: Option<f64>) -> String {
    if run.expected == 0 && value.is_none() {
        "-".into()
    } else {
        ms(value)
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

/// Rows of figures, one column per run; with two, their ratio (the second's
/// figure over the first's), headed `ratio`.
pub(super) fn print_side_by_side(runs: &[Run], ratio: &str) {
    let width = runs
        .iter()
        .map(|r| r.design.len())
        .max()
        .unwrap_or(0)
        .max(12);
    let mut header = format!("  {:<26}", "");
    for run in runs {
        header.push_str(&format!(" {:>width$}", run.design));
    }
    if runs.len() == 2 {
        header.push_str(&format!(" {ratio:>10}"));
    }
    println!("{header}");
    type Figure = fn(&Run) -> (String, Option<f64>);
    let rows: [(&str, Figure); 17] = [
        ("held", |r| (r.held.to_string(), Some(r.held as f64))),
        ("failed to join", |r| (r.failed.to_string(), None)),
        ("not started (ramp bound)", |r| {
            (r.unstarted.to_string(), None)
        }),
        ("dropped after joining", |r| (r.dropped.to_string(), None)),
        ("ramp (s)", |r| {
            let text = format!(
                "{:.1}{}",
                r.ramp_secs,
                if r.ramp_complete { "" } else { " !" }
            );
            (text, Some(r.ramp_secs))
        }),
        ("messages", |r| (r.messages.to_string(), None)),
        ("deliveries", |r| {
            (r.deliveries.to_string(), Some(r.deliveries as f64))
        }),
        ("expected deliveries", |r| (r.expected.to_string(), None)),
        ("deliveries/s", |r| {
            (
                format!("{:.0}", r.deliveries_per_sec),
                Some(r.deliveries_per_sec),
            )
        }),
        ("p50 latency (ms)", |r| (latency(r, r.p50_ms), r.p50_ms)),
        ("p99 latency (ms)", |r| (latency(r, r.p99_ms), r.p99_ms)),
        ("max latency (ms)", |r| (latency(r, r.max_ms), r.max_ms)),
        ("server CPU, steady (%)", |r| {
            let text = r.server_cpu_pct.map_or("?".into(), |p| format!("{p:.0}"));
            (text, r.server_cpu_pct)
        }),
        ("server CPU in the kernel (%)", |r| {
            let text = r
                .server_kernel_pct
                .map_or("?".into(), |p| format!("{p:.0}"));
            (text, r.server_kernel_pct)
        }),
        // What a busy machine changes least: deliveries per second of the
        // server's own CPU time.
        ("deliveries per CPU second", |r| {
            let per = r
                .server_cpu_pct
                .filter(|&p| p > 0.0)
                .map(|p| r.deliveries_per_sec / (p / 100.0));
            (per.map_or("?".into(), |v| format!("{v:.0}")), per)
        }),
        ("load generator CPU (%)", |r| {
            let text = r.loadgen_cpu_pct.map_or("?".into(), |p| format!("{p:.0}"));
            (text, None)
        }),
        ("server peak RSS (MiB)", |r| {
            (mib(r.peak_rss_kib), r.peak_rss_kib.map(|k| k as f64))
        }),
    ];
    for (what, figure) in rows {
        let mut line = format!("  {what:<26}");
        let values: Vec<_> = runs.iter().map(figure).collect();
        for (text, _) in &values {
            line.push_str(&format!(" {text:>width$}"));
        }
        if let [(_, Some(reference)), (_, Some(yours))] = values.as_slice()
            && *reference > 0.0
        {
            line.push_str(&format!(" {:>10.2}", yours / reference));
        }
        println!("{line}");
    }
    let threads: Vec<String> = runs
        .iter()
        .map(|r| r.peak_threads.map_or("?".into(), |t| t.to_string()))
        .collect();
    let mut line = format!("  {:<26}", "server threads (peak)");
    for text in threads {
        line.push_str(&format!(" {text:>width$}"));
    }
    println!("{line}");
}

/// The reference's goals, and which run meets each.
pub(super) fn print_goals(runs: &[Run]) {
    let width = runs
        .iter()
        .map(|r| r.design.len())
        .max()
        .unwrap_or(0)
        .max(12);
    println!(
        "  goal, at {} clients and {} msg/s:",
        runs[0].clients, runs[0].rate
    );
    for (row, (what, _)) in runs[0].goals().iter().enumerate() {
        let mut line = format!("    {what:<24}");
        for run in runs {
            let holds = if run.goals()[row].1 { "yes" } else { "no" };
            line.push_str(&format!(" {holds:>width$}"));
        }
        println!("{line}");
    }
    println!(
        "  (deliveries/s within 1 %, none lost; the reference's goal at the defaults: 10 000 held, 200 000 deliveries/s, p99 <= 50 ms)"
    );
}

pub(super) fn print_sweep(sweep: &Sweep) {
    println!(
        "  {:<20} {:>7} {:>7} {:>6} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9}",
        "design",
        "clients",
        "held",
        "failed",
        "dropped",
        "ramp s",
        "deliv/s",
        "p50 ms",
        "p99 ms",
        "RSS MiB",
        "threads",
        "CPU% s/g"
    );
    let pct = |p: Option<f64>| p.map_or("?".into(), |p| format!("{p:.0}"));
    for run in &sweep.runs {
        println!(
            "  {:<20} {:>7} {:>7} {:>6} {:>7} {:>7.1} {:>9.0} {:>8} {:>8} {:>8} {:>7} {:>9}",
            run.design,
            run.clients,
            run.held,
            run.failed,
            run.dropped,
            run.ramp_secs,
            run.deliveries_per_sec,
            latency(run, run.p50_ms),
            latency(run, run.p99_ms),
            mib(run.peak_rss_kib),
            run.peak_threads.map_or("?".into(), |t| t.to_string()),
            format!("{}/{}", pct(run.server_cpu_pct), pct(run.loadgen_cpu_pct)),
        );
    }
}

/// `--peer`'s goal at one size: the reference (`runs[1]`) delivers at least
/// [`PEER_GOAL`] times what the peer (`runs[0]`) does, at an equal or better p99.
pub(super) fn print_peer_verdict(runs: &[Run]) {
    let [peer, reference] = runs else { return };
    let yes = |holds: bool| if holds { "yes" } else { "no" };
    let ratio = if peer.deliveries_per_sec > 0.0 {
        reference.deliveries_per_sec / peer.deliveries_per_sec
    } else {
        f64::INFINITY
    };
    let p99 = match (reference.p99_ms, peer.p99_ms) {
        (Some(r), Some(p)) => Some(r <= p),
        (Some(_), None) => Some(true),
        _ => None,
    };
    let offered = reference.rate as f64 * reference.clients.saturating_sub(1) as f64;
    println!(
        "  reference/peer at {} clients: deliveries/s {ratio:.2}x (goal >= {PEER_GOAL}x: {}); p99 {} ms vs {} ms (goal: equal or better: {})",
        reference.clients,
        yes(ratio >= PEER_GOAL),
        latency(reference, reference.p99_ms),
        latency(peer, peer.p99_ms),
        p99.map_or("no", yes),
    );
    // The kernel's part of each delivery (its send, TCP, loopback) is the
    // same whatever the design: one with no user-space work at all would
    // spend only that, and deliver at most this much more per CPU second.
    if let Some(kernel) = reference.server_kernel_pct.filter(|&k| k > 0.0) {
        println!(
            "  the reference spends {kernel:.0} % of its CPU in the kernel: even with no work of its own in user space, a server sending the same way would deliver at most {:.2}x as much per CPU second",
            100.0 / kernel
        );
    }
    let kept_up = |run: &Run| run.lost() == 0 && run.deliveries_per_sec >= 0.99 * offered;
    if kept_up(peer) && kept_up(reference) {
        println!(
            "  (both kept up with the offered {offered:.0} deliveries/s: their ratio is 1 by construction; p99 and CPU tell them apart)"
        );
    } else if peer.deliveries_per_sec > 0.0 {
        // Neither can deliver more than is offered: the ratio's ceiling.
        println!(
            "  (offered: {offered:.0} deliveries/s, so the ratio can reach {:.2}x at most at this --rate)",
            offered / peer.deliveries_per_sec
        );
    }
}

/// `--peer`'s goal for deliveries/s.
const PEER_GOAL: f64 = 1.5;

/// The stalled-reader run: each server's RSS series (start, max, end).
pub(super) fn print_stall(runs: &[Run]) {
    let width = runs
        .iter()
        .map(|r| r.design.len())
        .max()
        .unwrap_or(0)
        .max(12);
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "  {:<width$} {:>9} {:>9} {:>9} {:>8}  server RSS (MiB), sampled every second",
        "", "start", "max", "end", "samples"
    );
    for run in runs {
        let series = &run.rss_kib_series;
        match (series.first(), series.iter().max(), series.last()) {
            (Some(&start), Some(&max), Some(&end)) => println!(
                "  {:<width$} {:>9.1} {:>9.1} {:>9.1} {:>8}",
                run.design,
                mib(start),
                mib(max),
                mib(end),
                series.len()
            ),
            _ => println!("  {:<width$} no RSS samples (Linux only)", run.design),
        }
    }
    for run in runs {
        let every = (run.rss_kib_series.len() / 12).max(1);
        let sampled: Vec<String> = run
            .rss_kib_series
            .iter()
            .step_by(every)
            .map(|&kib| format!("{:.0}", mib(kib)))
            .collect();
        if !sampled.is_empty() {
            println!(
                "  {}: every {every} s: {} MiB",
                run.design,
                sampled.join(" ")
            );
        }
        let fate = run.stalled.as_deref().unwrap_or("did not join");
        println!("  {}: the stalled reader was {fate}", run.design);
    }
    if let [peer, reference] = runs
        && let (Some(&p), Some(&r)) = (peer.rss_kib_series.last(), reference.rss_kib_series.last())
    {
        let grew = |run: &Run| {
            let series = &run.rss_kib_series;
            mib(series[series.len() - 1]) - mib(series[0])
        };
        println!(
            "  at the end: the peer holds {:.1} MiB, the reference {:.1} MiB (grown by {:.1} and {:.1} MiB since the start)",
            mib(p),
            mib(r),
            grew(peer),
            grew(reference)
        );
    }
}
