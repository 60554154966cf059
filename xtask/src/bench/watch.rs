//! `cargo xtask bench watch`: the student's loop, save → verdict on the watch
//! screen, beside a plain `cargo xtask grade` of the same crate, in the same
//! run; then a warm grade of each reference solution, with its slowest tests.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{BenchArgs, Running, median};

/// How long one verdict (or one plain grade) may take before the bench gives up.
const VERDICT_TIMEOUT: Duration = Duration::from_secs(120);
/// The reference solutions whose warm grade is timed. reliable-udp's grade
/// includes its hidden tests here (this repository has them; a student's
/// copy does not) and waits on timers: its transfers through the lossy link
/// end with the receiver's 2 s linger, and a lost retransmission doubles the
/// sender's timeout, so it varies most from run to run.
const SOLUTIONS: &[&str] = &["echo", "file-transfer", "concurrent", "reliable-udp"];
/// Timed warm grades of each, after one that warms it up.
const GRADE_ROUNDS: usize = 3;

/// `cargo xtask bench watch`: a copy of the workspace with the echo exercise
/// (the reference solution's sources, so every test passes) in a fixed folder
/// under target/bench/, so its build directory stays warm between runs. Runs
/// `watch echo` on it, then `saves` times rewrites echo-server.rs with one
/// more comment line and times the moment the verdict line is on watch's
/// stdout. The baseline, in the same run: a plain `grade echo` of the same
/// crate, after the same kind of save, in the same target directory.
pub(super) fn watch(root: &Path, args: &BenchArgs) -> Result<()> {
    let sources = args
        .path
        .clone()
        .unwrap_or_else(|| root.join("solutions/echo"));
    let copy = root.join("target/bench/watch");
    let echo = copy.join("exercises/echo");
    // Everything but the build directory is written anew.
    for stale in [copy.join("exercises"), copy.join("target/grade/last.json")] {
        if stale.is_dir() {
            std::fs::remove_dir_all(&stale)?;
        } else if stale.exists() {
            std::fs::remove_file(&stale)?;
        }
    }
    std::fs::create_dir_all(echo.join("src/bin"))?;
    std::fs::write(
        copy.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/echo\"]\n\n[workspace.package]\nedition = \"2024\"\nlicense = \"MIT OR Apache-2.0\"\npublish = false\n",
    )?;
    std::fs::copy(
        root.join("exercises/echo/Cargo.toml"),
        echo.join("Cargo.toml"),
    )?;
    for bin in ["echo-server.rs", "echo-client.rs"] {
        let from = sources.join("src/bin").join(bin);
        std::fs::copy(&from, echo.join("src/bin").join(bin))
            .with_context(|| format!("could not copy {}", from.display()))?;
    }
    let server = echo.join("src/bin/echo-server.rs");
    let original = std::fs::read_to_string(&server)?;
    let mut saves = 0;
    // A harmless change that still makes cargo rebuild: one more comment line.
    let mut save = || -> Result<Instant> {
        saves += 1;
        let text = format!("{original}\n// bench save {saves}\n");
        std::fs::write(&server, text)?;
        Ok(Instant::now())
    };
    let exe = std::env::current_exe()?;
    println!("watch bench: {} saves of {}", args.saves, server.display());

    let mut child = Command::new(&exe)
        .args(["watch", "echo", "--lang", "en", "--root"])
        .arg(&copy)
        .env("NO_COLOR", "1")
        // A student's rebuilds are incremental (cargo's default), whatever
        // this repository's .cargo/config.toml sets for its tests.
        .env_remove("CARGO_INCREMENTAL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("could not start {} watch", exe.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let stdin = child.stdin.take().expect("piped");
    let mut watcher = Quit {
        child: Running(child),
        stdin: Some(stdin),
    };
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    // The first grade builds the crate (warm-up, not measured).
    verdict(&lines)?;
    let mut times = Vec::new();
    for n in 1..=args.saves {
        // Let the watcher settle into waiting, as a student's pause would.
        std::thread::sleep(Duration::from_millis(300));
        while lines.try_recv().is_ok() {}
        let saved = save()?;
        let shown = verdict(&lines)?;
        let time = shown.duration_since(saved);
        println!("  save {n:>2}: verdict after {:.2} s", time.as_secs_f64());
        times.push(time);
    }
    watcher.quit();

    let mut grades = Vec::new();
    for n in 1..=args.saves {
        let start = save()?;
        let mut child = Running(
            Command::new(&exe)
                .args(["grade", "echo", "--lang", "en", "--path"])
                .arg(&echo)
                .arg("--target-dir")
                .arg(copy.join("target/grade"))
                .env("NO_COLOR", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        );
        let status = loop {
            if let Some(status) = child.0.try_wait()? {
                break status;
            }
            if start.elapsed() > VERDICT_TIMEOUT {
                bail!("`cargo xtask grade echo` took longer than {VERDICT_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let time = start.elapsed();
        if !status.success() {
            bail!(
                "`cargo xtask grade echo` of {} failed: {status}",
                echo.display()
            );
        }
        println!("  grade {n:>2}: report after {:.2} s", time.as_secs_f64());
        grades.push(time);
    }
    std::fs::write(&server, &original)?;

    let (watch, grade) = (median(&mut times), median(&mut grades));
    println!(
        "  median save -> verdict (watch)    {:>5.2} s",
        watch.as_secs_f64()
    );
    println!(
        "  median save -> report (grade)     {:>5.2} s  (baseline)",
        grade.as_secs_f64()
    );
    println!(
        "  watch / grade                     {:>5.2}",
        watch.as_secs_f64() / grade.as_secs_f64()
    );
    println!("  goal: save -> verdict <= 1.5 s");
    warm_grades(root, &exe)
}

/// A warm `grade --solutions` of each of [`SOLUTIONS`]: the median of
/// [`GRADE_ROUNDS`], the load average, and the slowest tests of the last.
fn warm_grades(root: &Path, exe: &Path) -> Result<()> {
    println!("warm grade of each reference solution ({GRADE_ROUNDS} rounds after a first):");
    for name in SOLUTIONS {
        let json = root.join("target/bench").join(format!("grade-{name}.json"));
        let mut times = Vec::new();
        for round in 0..=GRADE_ROUNDS {
            let start = Instant::now();
            let status = Command::new(exe)
                .args(["grade", name, "--solutions", "--lang", "en", "--json"])
                .arg(&json)
                .env("NO_COLOR", "1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()?;
            if !status.success() {
                bail!("`cargo xtask grade {name} --solutions` failed: {status}");
            }
            if round > 0 {
                times.push(start.elapsed());
            }
        }
        let shown: Vec<String> = times
            .iter()
            .map(|t| format!("{:.2}", t.as_secs_f64()))
            .collect();
        println!(
            "  {name:<14} median {:>5.2} s  (rounds {} s; load {})",
            median(&mut times).as_secs_f64(),
            shown.join(", "),
            super::machine::load_average()
        );
        println!("    slowest tests: {}", slowest(&json)?);
    }
    println!("  goal: a warm grade of each <= 5 s");
    Ok(())
}

/// The five slowest tests of a grade's JSON, with their seconds.
fn slowest(json: &Path) -> Result<String> {
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json)?)?;
    let mut tests: Vec<(String, f64)> = value["tests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|test| {
            let name = test["name"].as_str().unwrap_or("?");
            let id = name.split_whitespace().next().unwrap_or(name).to_string();
            (id, test["duration"].as_f64().unwrap_or(0.0) / 1000.0)
        })
        .collect();
    tests.sort_by(|a, b| b.1.total_cmp(&a.1));
    let shown: Vec<String> = tests
        .iter()
        .take(5)
        .map(|(id, secs)| format!("{id} {secs:.2}"))
        .collect();
    Ok(shown.join(", "))
}

/// Waits for watch's verdict line, and returns when it arrived. The bench's
/// crate passes every test: a failure or a build error is an error here.
fn verdict(lines: &std::sync::mpsc::Receiver<(Instant, String)>) -> Result<Instant> {
    let deadline = Instant::now() + VERDICT_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((at, line)) = lines.recv_timeout(left) else {
            bail!("watch showed no verdict within {VERDICT_TIMEOUT:?}");
        };
        if line.starts_with("Every test passes") {
            return Ok(at);
        }
        if line.starts_with("First failure") || line.starts_with("Does not build") {
            bail!("watch's verdict is not a pass ({line}): the bench needs a crate that passes");
        }
    }
}

/// `watch`, quit with `q` as a student would (so it stops its own children),
/// and killed if it does not quit in time.
struct Quit {
    child: Running,
    stdin: Option<std::process::ChildStdin>,
}

impl Quit {
    fn quit(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"q\n");
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Quit {
    fn drop(&mut self) {
        self.quit();
    }
}
