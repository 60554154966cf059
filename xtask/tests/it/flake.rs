//! The flake hunt (`cargo test -p xtask --test it flake:: -- --ignored
//! --nocapture`): the reference solutions graded again and again while the
//! machine is busy, two grades at once and a compile beside them, and not one
//! test may fail. A test that fails here only under load is a bug in the
//! grader (or the reference) to fix at its cause, not a timeout to raise.
//!
//! `SOCKET_LAB_FLAKE_ROUNDS` sets the rounds (default 50); each round grades
//! every exercise twice at once, so the default is 100 reference grades.
//! `SOCKET_LAB_FLAKE_EXERCISE=reliable-udp` grades that exercise alone. Each
//! round prints the machine's load average (Linux), to show the load was there.
//! Ignored by default: 50 rounds take about 20 minutes on a 2-core machine.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{grade, root};

/// A compile that runs the whole time: `cargo check` of the book's examples
/// in a scratch target directory, again and again, until dropped.
struct BusyCompile {
    child: Option<Child>,
    target: std::path::PathBuf,
    round: u32,
}

impl BusyCompile {
    fn start() -> BusyCompile {
        let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("flake-busy");
        let mut busy = BusyCompile {
            child: None,
            target,
            round: 0,
        };
        busy.restart_if_done();
        busy
    }

    /// A fresh compile when the last one finished (its output is thrown
    /// away, so each one does the whole work again).
    fn restart_if_done(&mut self) {
        let done = match &mut self.child {
            Some(child) => child.try_wait().ok().flatten().is_some(),
            None => true,
        };
        if done {
            let _ = std::fs::remove_dir_all(&self.target);
            self.round += 1;
            self.child = Command::new(env!("CARGO"))
                .current_dir(root())
                .args(["check", "-q", "-p", "book-examples", "--offline"])
                .env("CARGO_TARGET_DIR", &self.target)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok();
        }
    }
}

impl Drop for BusyCompile {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
#[ignore = "20 minutes of load; run by hand: cargo test -p xtask --test it flake:: -- --ignored --nocapture"]
fn reference_grades_under_load_never_fail() {
    let rounds: u32 = std::env::var("SOCKET_LAB_FLAKE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let exercise = std::env::var("SOCKET_LAB_FLAKE_EXERCISE").ok();
    let mut busy = BusyCompile::start();
    let mut loads = Vec::new();
    let start = Instant::now();
    let mut failures = Vec::new();
    let mut grades = 0;
    for round in 0..rounds {
        busy.restart_if_done();
        // Two grades at once, each of every exercise (themselves in
        // parallel): four processes' worth of tests on two cores.
        let runs: Vec<_> = (0..2)
            .map(|lane| {
                let exercise = exercise.clone();
                std::thread::spawn(move || {
                    let mut args = vec!["--solutions", "--lang", "en"];
                    args.extend(exercise.as_deref());
                    grade(&format!("flake-{lane}"), &args)
                })
            })
            .collect();
        for run in runs {
            let graded = run.join().expect("a grading thread");
            grades += 1;
            if graded.code != 0 {
                let seed = graded
                    .stdout
                    .lines()
                    .find_map(|l| l.split("--seed ").nth(1))
                    .unwrap_or("?")
                    .trim_end_matches(')')
                    .to_string();
                let failed = graded.failed();
                eprintln!("round {round}: seed {seed} failed {failed:?}");
                // The report now, not only at the end: a long hunt may be
                // stopped before it ends.
                for line in graded.stdout.lines().filter(|l| !l.contains("PASS  ")) {
                    eprintln!("    {line}");
                }
                failures.push((round, seed, failed, graded.stdout));
            }
        }
        let load = load_average();
        loads.extend(load);
        eprintln!(
            "round {}/{rounds}: {} failures so far ({:.0} s, {} compiles, load {})",
            round + 1,
            failures.len(),
            start.elapsed().as_secs_f64(),
            busy.round,
            load.map_or("?".to_string(), |l| format!("{l:.1}"))
        );
    }
    loads.sort_by(f64::total_cmp);
    eprintln!(
        "{grades} reference grades of {} under load in {:?}: {} failed; load average per round: min {}, median {}",
        exercise.as_deref().unwrap_or("every exercise"),
        Duration::from_secs(start.elapsed().as_secs()),
        failures.len(),
        loads.first().map_or("?".to_string(), |l| format!("{l:.1}")),
        loads
            .get(loads.len() / 2)
            .map_or("?".to_string(), |l| format!("{l:.1}")),
    );
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|(round, seed, failed, stdout)| format!(
                "round {round}, seed {seed}: {failed:?}\n{stdout}"
            ))
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// The one-minute load average (Linux), or `None`.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
