//! What the bench measured (what the JSON holds and the figure draws), and
//! the table printed from it.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub(super) struct Results {
    pub(super) size: u64,
    pub(super) delay_ms: u64,
    pub(super) rounds: usize,
    pub(super) bound_secs: u64,
    pub(super) cpus: usize,
    pub(super) load_average: String,
    /// TCP crossed the same link; else it ran on 127.0.0.1 without loss.
    pub(super) tcp_through_link: bool,
    pub(super) senders: Vec<Sender>,
    pub(super) points: Vec<Point>,
}

/// One line of the figure, one column of the table.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Sender {
    /// `reference`, `yours`; for TCP its congestion control (`cubic`,
    /// `bbr`), or `default` when the system's was not changed.
    pub(super) name: String,
    pub(super) tcp: bool,
}

impl Sender {
    /// The name as the book writes it: `CUBIC`, `BBR`, `reference`.
    pub(super) fn display(&self) -> String {
        match self.tcp {
            true => self.name.to_uppercase(),
            false => self.name.clone(),
        }
    }

    pub(super) fn label(&self) -> String {
        if self.tcp {
            format!("TCP {}", self.display())
        } else {
            self.name.clone()
        }
    }
}

/// One loss rate: each sender's median goodput in MiB/s (`None`: no run
/// got anything through), and whether a run was cut at the bound.
#[derive(Serialize, Deserialize)]
pub(super) struct Point {
    pub(super) loss: u32,
    pub(super) goodput: Vec<Option<f64>>,
    pub(super) cut: Vec<bool>,
}

impl Results {
    /// (rdt sender, TCP sender, rdt's goodput / TCP's) at `loss`.
    pub(super) fn ratios(&self, loss: u32) -> Vec<(&Sender, &Sender, f64)> {
        let Some(point) = self.points.iter().find(|p| p.loss == loss) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, rdt) in self.senders.iter().enumerate().filter(|(_, s)| !s.tcp) {
            for (j, tcp) in self.senders.iter().enumerate().filter(|(_, s)| s.tcp) {
                if let (Some(a), Some(b)) = (point.goodput[i], point.goodput[j])
                    && b > 0.0
                {
                    out.push((rdt, tcp, a / b));
                }
            }
        }
        out
    }
}

pub(super) fn print_table(results: &Results) {
    let senders = &results.senders;
    let pairs = pairs(senders);
    // The columns' names: the senders' goodputs, then the ratios.
    let mut names: Vec<String> = (senders.iter())
        .map(|sender| match (sender.tcp, results.tcp_through_link) {
            (true, false) => "TCP (lo, no loss)".to_string(),
            _ => sender.label(),
        })
        .collect();
    names.extend(
        (pairs.iter()).map(|&(i, j)| format!("{}/{}", short(&senders[i]), short(&senders[j]))),
    );
    let widths: Vec<usize> = names.iter().map(|name| name.len().max(9)).collect();
    let mut header = format!("  {:>6}", "loss");
    for (name, width) in names.iter().zip(&widths) {
        header += &format!("  {name:>width$}");
    }
    println!("{header}   (goodput in MiB/s)");
    for point in &results.points {
        let mut cells: Vec<String> = (point.goodput.iter().zip(&point.cut))
            .map(|(value, cut)| {
                let cell = value.map_or("-".to_string(), |v| format!("{v:.2}"));
                cell + if *cut { "*" } else { "" }
            })
            .collect();
        cells.extend(
            pairs
                .iter()
                .map(|&(i, j)| match (point.goodput[i], point.goodput[j]) {
                    (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
                    _ => "-".into(),
                }),
        );
        let mut row = format!("  {:>4} %", point.loss);
        for (cell, width) in cells.iter().zip(&widths) {
            row += &format!("  {cell:>width$}");
        }
        println!("{row}");
    }
    if results.points.iter().any(|p| p.cut.contains(&true)) {
        println!(
            "  *: a run was cut at {} s; its goodput is of the bytes that had arrived by then",
            results.bound_secs
        );
    }
    let ratios = results.ratios(5);
    if !ratios.is_empty() {
        let said: Vec<String> = ratios
            .iter()
            .map(|(rdt, tcp, ratio)| {
                format!(
                    "{} {ratio:.2}x {}'s ({})",
                    rdt.label(),
                    tcp.label(),
                    if *ratio >= 0.5 { "yes" } else { "no" }
                )
            })
            .collect();
        println!(
            "  at 5 % loss, goodput: {}; goal: the reference within 2x of TCP (0.5x or more){}",
            said.join(", "),
            if results.tcp_through_link {
                ""
            } else {
                " (here TCP had no loss: not the goal's comparison)"
            }
        );
    }
}

/// Every (rdt sender, TCP sender) pair, by index.
fn pairs(senders: &[Sender]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, _) in senders.iter().enumerate().filter(|(_, s)| !s.tcp) {
        for (j, _) in senders.iter().enumerate().filter(|(_, s)| s.tcp) {
            out.push((i, j));
        }
    }
    out
}

fn short(sender: &Sender) -> String {
    match sender.name.as_str() {
        "reference" => "ref".into(),
        _ => sender.display(),
    }
}

/// The middle value (the mean of the two middle ones); `None` for none.
pub(super) fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[n / 2]),
        n => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}
