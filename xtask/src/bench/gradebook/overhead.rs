//! `cargo xtask bench gradebook --sandbox-overhead`: what the sandbox costs. The same class is
//! re-graded with the sandbox and with `--no-sandbox`, alternately, in the
//! same run; the report is the ratio of the two wall times.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::{BenchArgs, Running, median};
use crate::classroom::copy_tree;

/// One gradebook run of the bench's class may take this long.
const RUN_TIMEOUT: Duration = Duration::from_secs(900);

pub(super) fn gradebook(root: &Path, args: &BenchArgs) -> Result<()> {
    let work = root.join("target/bench/gradebook");
    let (template, class) = (work.join("template"), work.join("class"));
    for stale in [&template, &class] {
        if stale.exists() {
            std::fs::remove_dir_all(stale)?;
        }
    }
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let status = Command::new(&exe)
        .current_dir(root)
        .args(["classroom", "export"])
        .arg(&template)
        .status()?;
    if !status.success() {
        bail!("could not export the student template");
    }
    // Half the class solved every exercise (every test runs to the end),
    // half handed in the starters (every test fails at once).
    let students = args.students.unwrap_or(4).max(2);
    for n in 0..students {
        let solved = n.is_multiple_of(2);
        let dir = class.join(format!(
            "student-{n:02}-{}",
            if solved { "solved" } else { "starter" }
        ));
        copy_tree(&template, &dir)?;
        if solved {
            for exercise in crate::grade::catalog() {
                let from = root.join("solutions").join(exercise.dir).join("src");
                copy_tree(&from, &dir.join("exercises").join(exercise.dir).join("src"))?;
            }
            // The reference's library is `file_transfer_solution`; the exercise's is `file_transfer`.
            for bin in ["ft-server.rs", "ft-client.rs"] {
                let path = dir.join("exercises/file-transfer/src/bin").join(bin);
                let text = std::fs::read_to_string(&path)?;
                std::fs::write(
                    &path,
                    text.replace("file_transfer_solution", "file_transfer"),
                )?;
            }
        }
    }

    let rounds = args.rounds.max(1);
    let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    eprintln!(
        "gradebook of {students} students (half solved), every exercise, 2 at a time; {rounds} rounds, each mode once per round, alternating"
    );
    for round in 0..rounds {
        // Alternate which mode goes first, so neither always meets a warmer cache.
        let order: [bool; 2] = if round.is_multiple_of(2) {
            [true, false]
        } else {
            [false, true]
        };
        for sandboxed in order {
            let took = run_once(&exe, root, &work, &template, &class, sandboxed)?;
            let name = if sandboxed { "sandbox" } else { "no sandbox" };
            eprintln!(
                "  round {}: {name:<10} {:6.1} s",
                round + 1,
                took.as_secs_f64()
            );
            times[usize::from(!sandboxed)].push(took);
        }
    }
    let first = (times[0][0], times[1][0]);
    let (sandbox, plain) = (
        median(&mut times[0]).as_secs_f64(),
        median(&mut times[1]).as_secs_f64(),
    );
    println!("gradebook, {students} students, median of {rounds} rounds:");
    println!("  --no-sandbox  {plain:7.1} s  (baseline)");
    println!(
        "  sandbox       {sandbox:7.1} s  ({:+.1} % overhead, goal ≤ 10 %)",
        (sandbox / plain - 1.0) * 100.0
    );
    if rounds > 1 {
        println!(
            "  first round (cold builds): sandbox {:.1} s, no sandbox {:.1} s",
            first.0.as_secs_f64(),
            first.1.as_secs_f64()
        );
    }
    Ok(())
}

fn run_once(
    exe: &Path,
    root: &Path,
    work: &Path,
    template: &Path,
    class: &Path,
    sandboxed: bool,
) -> Result<Duration> {
    let mode = if sandboxed { "sandbox" } else { "plain" };
    let mut command = Command::new(exe);
    command
        .current_dir(root)
        .arg("gradebook")
        .arg(class)
        .arg("--template")
        .arg(template)
        .arg("--csv")
        .arg(work.join(format!("{mode}.csv")))
        .arg("--target-dir")
        .arg(work.join(format!("target-{mode}")))
        .args(["--jobs", "2", "--seed", "5eed"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if !sandboxed {
        command.arg("--no-sandbox");
    }
    let start = Instant::now();
    // Killed on drop: at the bound, or if waiting fails.
    let mut child = Running(command.spawn()?);
    let status = loop {
        if let Some(status) = child.0.try_wait()? {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            bail!("the {mode} gradebook took over {} s", RUN_TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if !status.success() {
        bail!("the {mode} gradebook failed ({status})");
    }
    Ok(start.elapsed())
}
