//! The gradebook's sandbox against hostile submissions (xtask/fixtures/sandbox/,
//! whose README lists each attack): four gradebook runs, each in a fresh
//! work folder W.
//!
//! 1. Sandboxed, every fixture and the honest students: each attack is
//!    stopped (no marker, nothing on the test's listener, real rows only, no
//!    survivor, no file over 1 GiB), and the honest ones keep full marks.
//! 2. Sandboxed, `kill-others` and `victim` graded at the same time.
//! 3. `--no-sandbox`, every fixture but `resource-hog` (never run unconfined)
//!    and `kill-others`: each attack works, so this test can fail.
//! 4. `--no-sandbox`, `kill-others` and `victim` alone (it may kill anything of W).
//!
//! The gradebook runs from a copy of the xtask binary in W/bin (the
//! `grader` target: `workspace_root()` is fixed at compile time, so the copy
//! grades with this repository) with HOME=W/home. Each hostile submission
//! also gets its targets compiled in (`hardcoded-targets.txt`): in the
//! sandbox, where W/ATTACK_TARGETS cannot be seen, the attacks still aim.
//! `aaa-edit-victim` is graded first and `victim` last, after nine others
//! (run 3). The forger's detached child keeps its row in the CSV only if
//! the gradebook ends within the child's 18 s, so run 3 asks for its marker
//! (it wrote the CSV) or the row. A summary table goes to stderr; every
//! check is collected, so the table prints before a failure. Skipped, with
//! a message, where `bwrap` is not on PATH, except under CI.

#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{copy_dir, export_template, root};

/// The three fastest echo tests: 30 points for the reference solution.
const ONLY: &str = "echo.server.short,echo.server.sequential,echo.client.echo";
const FULL: u64 = 30;
/// One student's bound inside the gradebook.
const STUDENT_BOUND_SECS: u64 = 60;
/// Run 1 needs about 40 s on 2 cores, the others 10 to 30 s; a gradebook
/// that hangs fails here.
const RUN_BOUND: Duration = Duration::from_secs(200);
const GIB: u64 = 1 << 30;

/// Every hostile fixture (a folder of xtask/fixtures/sandbox/, or made here).
const HOSTILE: &[&str] = &[
    "aaa-edit-victim",
    "bin-path",
    "escape-write",
    "forge-results",
    "kill-others",
    "lingering",
    "network",
    "proc-snoop",
    "read-solutions",
    "resource-hog",
    "symlinks",
];
/// Their programs are the reference solution, copied before the overlay.
const WITH_SOLUTION: &[&str] = &["honest", "victim", "kill-others", "symlinks"];

#[test]
fn hostile_submissions_against_the_sandbox() {
    let Some(_bwrap) = find_on_path("bwrap") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have bubblewrap (`bwrap`) to test the sandbox"
        );
        eprintln!("skipped: bubblewrap (`bwrap`) is not on PATH");
        return;
    };
    let start = Instant::now();
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox");
    let template = base.join("template");
    export_template(&template);
    let mut v = Verdicts::default();

    // 1. Sandboxed, everyone.
    let mut everyone: Vec<&str> = HOSTILE.to_vec();
    everyone.extend(["honest", "victim"]);
    let lab1 = Lab::new(&base.join("1-sandbox"), &template, &everyone);
    let run1 = lab1.gradebook(true, 2);
    let run1_end = Instant::now();
    sandboxed_checks(&mut v, &lab1, &run1, &everyone);

    // 2. Sandboxed, kill-others beside its victim.
    let lab2 = Lab::new(
        &base.join("2-sandbox-kill"),
        &template,
        &["kill-others", "victim"],
    );
    let run2 = lab2.gradebook(true, 2);
    let csv2 = run2.csv();
    let killed = lab2.markers();
    v.check(
        run2.ok && csv2.score("victim") == Some(FULL) && csv2.score("kill-others").is_some(),
        "kill-others",
        true,
        format!(
            "victim {} graded beside it, both rows",
            csv2.points("victim")
        ),
    );
    v.check(
        killed.is_empty(),
        "kill-others",
        true,
        format!("markers {killed:?}"),
    );
    lab2.no_survivors(&mut v, "(survivors)", true);

    // Run 1's lingering children would have written by now (15 s).
    sleep_until(run1_end + Duration::from_secs(20));
    let late = lab1.markers();
    v.check(
        late.is_empty(),
        "lingering",
        true,
        format!("no marker 20 s after the gradebook: {late:?}"),
    );
    let csv1 = lab1.read_csv();
    v.check(
        !csv1.rows.contains_key("mallory"),
        "forge-results",
        true,
        "no forged row 20 s after the gradebook".into(),
    );
    // The 1 GiB file of resource-hog's build script has been measured.
    let _ = fs::remove_dir_all(lab1.work.join("gradebook/resource-hog/build"));

    // 3. Without the sandbox: the attacks work.
    let plain: Vec<&str> = everyone
        .iter()
        .copied()
        .filter(|s| !["resource-hog", "kill-others"].contains(s))
        .collect();
    let lab3 = Lab::new(&base.join("3-plain"), &template, &plain);
    let run3 = lab3.gradebook(false, 2);
    let run3_end = Instant::now();
    // Right after the gradebook: who is still running?
    let lingering_alive: Vec<String> = processes_of(&lab3.work)
        .into_iter()
        .filter(|(_, line)| line.contains("/lingering/"))
        .map(|(pid, _)| pid.to_string())
        .collect();
    unsandboxed_checks(&mut v, &lab3, &run3);

    // 4. Without the sandbox, kill-others beside its victim.
    let lab4 = Lab::new(
        &base.join("4-plain-kill"),
        &template,
        &["kill-others", "victim"],
    );
    let run4 = lab4.gradebook(false, 2);
    let csv4 = run4.csv();
    let killed = lab4.markers();
    let victim = csv4.score("victim");
    v.check(
        !run4.ok || victim.is_none_or(|s| s < FULL),
        "kill-others",
        false,
        format!(
            "victim {} ({}), gradebook {}, marker {}",
            csv4.points("victim"),
            csv4.flags("victim"),
            if run4.ok { "survived" } else { "died" },
            killed.join(" ")
        ),
    );
    lab4.wait_for_children(Duration::from_secs(20));
    lab4.no_survivors(&mut v, "(survivors)", false);

    // Run 3's late attacks: the forger's detached child, the lingering ones.
    let deadline = run3_end + Duration::from_secs(20);
    let mut markers = lab3.markers();
    while Instant::now() < deadline
        && !(markers.iter().any(|m| m.starts_with("lingering-spin"))
            && markers.iter().any(|m| m == "forge-results-late"))
    {
        std::thread::sleep(Duration::from_millis(200));
        markers = lab3.markers();
    }
    let lingering: Vec<&String> = markers
        .iter()
        .filter(|m| m.starts_with("lingering-"))
        .collect();
    v.check(
        !lingering_alive.is_empty() || !lingering.is_empty(),
        "lingering",
        false,
        format!(
            "{} processes alive after the gradebook, markers {lingering:?}",
            lingering_alive.len()
        ),
    );
    let csv3 = lab3.read_csv();
    let late = fs::read_to_string(lab3.work.join("markers/forge-results-late"));
    let kept = csv3.rows.contains_key("mallory");
    v.check(
        late.is_ok() || kept,
        "forge-results",
        false,
        format!(
            "its detached child forged the CSV again: {}; the final CSV keeps the row: {kept}",
            late.as_deref().map_or("no", |text| text
                .split_once("(")
                .map_or(text, |(_, after)| after.trim_end_matches(")")))
        ),
    );
    lab3.wait_for_children(Duration::from_secs(25));
    lab3.no_survivors(&mut v, "(survivors)", false);

    let elapsed = start.elapsed();
    v.print(elapsed);
    assert!(v.failures.is_empty(), "{}", v.failures.join("\n"));
    for lab in [&lab1, &lab2, &lab3, &lab4] {
        common::assert_no_survivors(&lab.work);
    }
}

/// Run 1's checks: every attack stopped.
fn sandboxed_checks(v: &mut Verdicts, lab: &Lab, run: &Run, everyone: &[&str]) {
    let csv = run.csv();
    let markers = lab.markers();
    let received = lab.listener.take();
    v.check(run.ok, "(gradebook)", true, run.summary());
    lab.no_survivors(v, "(survivors)", true);
    v.check(
        markers.is_empty(),
        "(markers)",
        true,
        format!("none written: {markers:?}"),
    );
    for student in ["honest", "victim"] {
        v.check(
            csv.score(student) == Some(FULL),
            student,
            true,
            csv.points(student),
        );
    }

    // forge-results: only the real rows, its own real score, no forged report.
    let mut want: Vec<&str> = everyone.to_vec();
    want.sort();
    let rows: Vec<&str> = csv.rows.keys().map(String::as_str).collect();
    let forged = forged_reports(&lab.work);
    v.check(
        rows == want && csv.score("forge-results") == Some(0) && forged.is_empty(),
        "forge-results",
        true,
        format!(
            "{} real rows, its own {}, forged reports {forged:?}",
            rows.len(),
            csv.points("forge-results")
        ),
    );

    // escape-write: nothing outside its copy.
    let escaped = escape_files(lab);
    v.check(
        escaped.is_empty(),
        "escape-write",
        true,
        format!("files written outside: {escaped:?}"),
    );

    // read-solutions: the starter's marks, flagged build-script:.
    v.check(
        csv.score("read-solutions") == Some(0)
            && csv.flags("read-solutions").contains("build-script:"),
        "read-solutions",
        true,
        format!(
            "{}, {}",
            csv.points("read-solutions"),
            csv.flags("read-solutions")
        ),
    );

    // bin-path: the paths are not in the jail.
    v.check(
        csv.score("bin-path") == Some(0) && csv.flags("bin-path").contains("path-outside:"),
        "bin-path",
        true,
        format!("{}, {}", csv.points("bin-path"), csv.flags("bin-path")),
    );

    // kill-others: nobody killed (it ran beside whoever was graded with it).
    v.check(
        run.ok && csv.score("kill-others") == Some(FULL) && csv.rows.len() == everyone.len(),
        "kill-others",
        true,
        format!("itself {}, every row written", csv.points("kill-others")),
    );

    // network: nothing reached the listener.
    v.check(
        received.is_empty(),
        "network",
        true,
        format!("listener got {} bytes", received.len()),
    );

    // proc-snoop: it saw only its own sandbox.
    let snoop = lab.report("proc-snoop");
    v.check(
        snoop.contains("0 of them another's")
            && !markers.iter().any(|m| m.starts_with("proc-snoop")),
        "proc-snoop",
        true,
        quote(&snoop, "proc-snoop: "),
    );

    // symlinks: finished, flagged, full marks.
    v.check(
        csv.score("symlinks") == Some(FULL) && csv.flags("symlinks").contains("symlink"),
        "symlinks",
        true,
        format!(
            "{} in {}, {}",
            csv.points("symlinks"),
            run.student_time("symlinks"),
            csv.flags("symlinks")
        ),
    );

    // aaa-edit-victim: the victim's file is untouched.
    let victim_server = fs::read(
        lab.work
            .join("submissions/victim/exercises/echo/src/bin/echo-server.rs"),
    )
    .unwrap();
    let reference = fs::read(root().join("solutions/echo/src/bin/echo-server.rs")).unwrap();
    v.check(
        victim_server == reference && csv.score("victim") == Some(FULL),
        "aaa-edit-victim",
        true,
        format!("victim's file unchanged, victim {}", csv.points("victim")),
    );

    // resource-hog: a row, its server refused memory at the limit, no huge file.
    let hog = lab.report("resource-hog");
    let refused_at: Option<u64> = hog
        .split("memory refused after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|mib| mib.parse().ok());
    // Its client: /tmp and the scratch dir are tmpfs mounts with a size.
    let took = |what: &str| -> Option<u64> {
        hog.split(what)
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|mib| mib.parse().ok())
    };
    let (tmp, scratch) = (took("/tmp took "), took("the scratch dir took "));
    v.check(
        tmp.is_some_and(|mib| mib <= 256) && scratch.is_some_and(|mib| mib <= 1024),
        "resource-hog",
        true,
        format!(
            "client: /tmp took {tmp:?} MiB, the scratch dir {scratch:?} MiB (bounds 256, 1024)"
        ),
    );
    let biggest = largest_file(&lab.work);
    v.check(
        csv.score("resource-hog") == Some(0) && refused_at.is_some_and(|mib| mib <= 4096),
        "resource-hog",
        true,
        format!("0/{FULL}: {}", quote(&hog, "resource-hog: ")),
    );
    v.check(
        biggest.0 <= GIB,
        "resource-hog",
        true,
        format!(
            "largest file under W: {} MiB ({})",
            biggest.0 >> 20,
            biggest.1.display()
        ),
    );
}

/// Run 3's checks: every attack works without the sandbox.
fn unsandboxed_checks(v: &mut Verdicts, lab: &Lab, run: &Run) {
    let csv = run.csv();
    let markers = lab.markers();
    let received = String::from_utf8_lossy(&lab.listener.take()).into_owned();
    v.check(run.ok, "(gradebook)", false, run.summary());
    let marked = |prefix: &str| markers.iter().any(|m| m.starts_with(prefix));

    let forged = forged_reports(&lab.work);
    v.check(
        marked("forge-results-csv") && marked("forge-results-report") && !forged.is_empty(),
        "forge-results",
        false,
        format!("CSV appended to, reports forged: {}", forged.join(" ")),
    );
    let escaped = escape_files(lab);
    v.check(
        ["home", "template", "victim", "bin"]
            .iter()
            .all(|place| escaped.iter().any(|f| f.starts_with(place))),
        "escape-write",
        false,
        format!("{} files: {}", escaped.len(), escaped.join(" ")),
    );
    v.check(
        csv.score("read-solutions") == Some(FULL) && marked("read-solutions-copied"),
        "read-solutions",
        false,
        format!("{} with the starter", csv.points("read-solutions")),
    );
    v.check(
        csv.score("bin-path") == Some(FULL),
        "bin-path",
        false,
        format!("{} with the starter", csv.points("bin-path")),
    );
    v.check(
        received.contains("exfil:network"),
        "network",
        false,
        format!("listener got {:?}", received.trim()),
    );
    let snooped = fs::read_to_string(lab.work.join("markers/proc-snoop-seen")).unwrap_or_default();
    v.check(
        snooped.contains(" gradebook "),
        "proc-snoop",
        false,
        format!(
            "read {} other processes, the gradebook's command line and environment among them",
            snooped.lines().filter(|l| !l.starts_with(' ')).count()
        ),
    );
    v.check(
        csv.score("symlinks") == Some(FULL) && csv.flags("symlinks").contains("symlink"),
        "symlinks",
        false,
        format!("{}, {}", csv.points("symlinks"), csv.flags("symlinks")),
    );
    v.check(
        marked("aaa-edit-victim-edited") && csv.flags("victim").contains("does-not-build"),
        "aaa-edit-victim",
        false,
        format!("victim {}, {}", csv.points("victim"), csv.flags("victim")),
    );
}

/// The verdicts of every attack, and what failed.
#[derive(Default)]
struct Verdicts {
    /// attack → (sandbox, no sandbox)
    table: BTreeMap<String, (Vec<String>, Vec<String>)>,
    failures: Vec<String>,
}

impl Verdicts {
    fn check(&mut self, ok: bool, attack: &str, sandboxed: bool, what: String) {
        let mode = if sandboxed { "sandbox" } else { "no sandbox" };
        let line = format!("{}{what}", if ok { "" } else { "FAILED: " });
        let entry = self.table.entry(attack.to_string()).or_default();
        if sandboxed {
            entry.0.push(line);
        } else {
            entry.1.push(line);
        }
        if !ok {
            self.failures.push(format!("{attack} ({mode}): {what}"));
        }
    }

    fn print(&self, elapsed: Duration) {
        eprintln!("\n{:<16} | {:<70} | no sandbox", "attack", "sandbox");
        eprintln!("{}", "-".repeat(120));
        for (attack, (sandboxed, plain)) in &self.table {
            let rows = sandboxed.len().max(plain.len());
            for i in 0..rows {
                eprintln!(
                    "{:<16} | {:<70} | {}",
                    if i == 0 { attack.as_str() } else { "" },
                    sandboxed.get(i).map_or("", String::as_str),
                    plain.get(i).map_or("", String::as_str)
                );
            }
        }
        eprintln!("\nthe sandbox test took {:.1} s", elapsed.as_secs_f64());
    }
}

/// One work folder W with its submissions and listener.
struct Lab {
    work: PathBuf,
    listener: Listener,
}

impl Lab {
    fn new(work: &Path, template: &Path, students: &[&str]) -> Lab {
        let _ = fs::remove_dir_all(work);
        for dir in ["home", "markers", "bin", "submissions"] {
            fs::create_dir_all(work.join(dir)).unwrap();
        }
        fs::copy(env!("CARGO_BIN_EXE_xtask"), work.join("bin/xtask")).unwrap();
        copy_dir(template, &work.join("template"));
        let listener = Listener::start(Duration::from_secs(300));
        let w = |p: &str| work.join(p).display().to_string();
        let targets = [
            ("home", w("home")),
            ("markers", w("markers")),
            ("listener", listener.addr.clone()),
            ("victim", w("submissions/victim")),
            ("template", w("template")),
            ("solutions", root().join("solutions").display().to_string()),
            ("grader", w("bin/xtask")),
            ("csv", w("gradebook.csv")),
            ("gradebook", w("gradebook")),
            ("work", work.display().to_string()),
        ];
        let targets: String = targets.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        fs::write(work.join("ATTACK_TARGETS"), &targets).unwrap();
        let fixtures = root().join("xtask/fixtures/sandbox");
        for student in students {
            let dir = work.join("submissions").join(student);
            let echo = dir.join("exercises/echo");
            copy_dir(template, &dir);
            if WITH_SOLUTION.contains(student) {
                copy_dir(
                    &root().join("solutions/echo/src/bin"),
                    &echo.join("src/bin"),
                );
            }
            let overlay = fixtures.join(student);
            if overlay.is_dir() {
                copy_dir(&overlay, &dir);
                fs::copy(fixtures.join("attack.rs"), echo.join("attack.rs")).unwrap();
                fs::write(echo.join("hardcoded-targets.txt"), &targets).unwrap();
            }
            if echo.join("hostile.rs").is_file() {
                hook_server(&echo.join("src/bin/echo-server.rs"));
            }
            match *student {
                "bin-path" => {
                    let manifest = fs::read_to_string(echo.join("Cargo.toml")).unwrap();
                    let solutions = root().join("solutions/echo/src/bin");
                    let mut changed = manifest.clone();
                    for bin in ["echo-server", "echo-client"] {
                        let path = solutions.join(format!("{bin}.rs"));
                        changed = changed.replace(
                            &format!("path = \"src/bin/{bin}.rs\""),
                            &format!("path = \"{}\"", path.display()),
                        );
                    }
                    assert_eq!(changed.matches("/solutions/echo/").count(), 2, "{manifest}");
                    fs::write(echo.join("Cargo.toml"), changed).unwrap();
                }
                "symlinks" => {
                    use std::os::unix::fs::symlink;
                    symlink("b", echo.join("a")).unwrap();
                    symlink("a", echo.join("b")).unwrap();
                    symlink("/dev/zero", echo.join("zero")).unwrap();
                    symlink("/dev/zero", dir.join("xtask/big")).unwrap();
                }
                _ => {}
            }
        }
        Lab {
            work: work.to_path_buf(),
            listener,
        }
    }

    /// Runs the gradebook on every submission, bounded.
    fn gradebook(&self, sandbox: bool, jobs: usize) -> Run {
        let w = &self.work;
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let mut command = Command::new(w.join("bin/xtask"));
        command
            .current_dir(w)
            .env("HOME", w.join("home"))
            // The toolchain and the registry stay where they are.
            .env(
                "CARGO_HOME",
                std::env::var_os("CARGO_HOME").map_or(home.join(".cargo"), PathBuf::from),
            )
            .arg("gradebook")
            .arg(w.join("submissions"))
            .arg("--template")
            .arg(w.join("template"))
            .arg("--csv")
            .arg(w.join("gradebook.csv"))
            .arg("--target-dir")
            .arg(w.join("gradebook"))
            .args(["--exercise", "echo", "--seed", "1234abcd"])
            .args(["--jobs", &jobs.to_string(), "--only", ONLY])
            .args(["--timeout", &STUDENT_BOUND_SECS.to_string()])
            .timeout(RUN_BOUND);
        let rustup = std::env::var_os("RUSTUP_HOME").map_or(home.join(".rustup"), PathBuf::from);
        if rustup.is_dir() {
            command.env("RUSTUP_HOME", rustup);
        }
        if !sandbox {
            command.arg("--no-sandbox");
        }
        let start = Instant::now();
        let output = command.output().unwrap();
        let elapsed = start.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        eprintln!("{}: {stderr}gradebook took {elapsed:.1?}", w.display());
        Run {
            ok: output.status.success() && elapsed < RUN_BOUND,
            stderr,
            elapsed,
            csv: fs::read_to_string(w.join("gradebook.csv")).unwrap_or_default(),
        }
    }

    fn read_csv(&self) -> Csv {
        Csv::parse(&fs::read_to_string(self.work.join("gradebook.csv")).unwrap_or_default())
    }

    /// The names in W/markers.
    fn markers(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.work.join("markers"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// A student's report.txt (the grader's stderr, kept by the gradebook).
    fn report(&self, student: &str) -> String {
        fs::read_to_string(self.work.join("gradebook").join(student).join("report.txt"))
            .unwrap_or_default()
    }

    /// Waits (bounded) for the processes of W to end by themselves, then
    /// kills any left (all started by this test's gradebook).
    fn wait_for_children(&self, bound: Duration) {
        let deadline = Instant::now() + bound;
        while !processes_of(&self.work).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        for (pid, line) in processes_of(&self.work) {
            eprintln!("killing {pid}, still running after {bound:?}: {line}");
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }

    /// No process of W within 5 s (a killed one may take a moment to be reaped).
    fn no_survivors(&self, v: &mut Verdicts, attack: &str, sandboxed: bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut left = processes_of(&self.work);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            left = processes_of(&self.work);
        }
        v.check(
            left.is_empty(),
            attack,
            sandboxed,
            format!("no process of W left: {left:?}"),
        );
    }
}

/// One gradebook run.
struct Run {
    ok: bool,
    stderr: String,
    elapsed: Duration,
    csv: String,
}

impl Run {
    fn csv(&self) -> Csv {
        Csv::parse(&self.csv)
    }

    /// How long the gradebook says a student's grade took ("  NAME … 3.2 s").
    fn student_time(&self, student: &str) -> String {
        self.stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{student} … ")))
            .and_then(|rest| rest.split(" s").next())
            .map_or("?".into(), |secs| format!("{secs} s"))
    }

    fn summary(&self) -> String {
        let first_error = self.stderr.lines().find(|l| l.starts_with("error"));
        format!(
            "finished in {:.1} s{}",
            self.elapsed.as_secs_f64(),
            first_error.map_or(String::new(), |e| format!(": {e}"))
        )
    }
}

/// The gradebook's CSV: student → column → cell.
struct Csv {
    rows: BTreeMap<String, BTreeMap<String, String>>,
}

impl Csv {
    fn parse(text: &str) -> Csv {
        let mut lines = split_records(text).into_iter();
        let header = lines.next().unwrap_or_default();
        let mut rows = BTreeMap::new();
        for cells in lines {
            let row: BTreeMap<String, String> =
                header.iter().cloned().zip(cells.iter().cloned()).collect();
            if let Some(student) = row.get("student") {
                rows.insert(student.clone(), row);
            }
        }
        Csv { rows }
    }

    /// "30/30", or why there is no score.
    fn points(&self, student: &str) -> String {
        match (self.rows.get(student), self.score(student)) {
            (None, _) => "no row".into(),
            (_, None) => "no score".into(),
            (_, Some(score)) => format!("{score}/{FULL}"),
        }
    }

    /// The `echo` total, when the grade went through.
    fn score(&self, student: &str) -> Option<u64> {
        self.rows.get(student)?.get("echo")?.parse().ok()
    }

    fn flags(&self, student: &str) -> String {
        self.rows
            .get(student)
            .and_then(|r| r.get("flags"))
            .cloned()
            .unwrap_or_else(|| "(no row)".into())
    }
}

/// RFC 4180 records: quoted cells may hold commas, quotes and line breaks.
fn split_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut cell) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records
}

/// A listener on 127.0.0.1 that keeps every byte it receives, until taken
/// or for at most `bound`.
struct Listener {
    addr: String,
    received: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
}

impl Listener {
    fn start(bound: Duration) -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let addr = socket.local_addr().unwrap().to_string();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (into, stopped) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + bound;
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                let Ok((stream, _)) = socket.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut bytes = Vec::new();
                let _ = stream.take(64 * 1024).read_to_end(&mut bytes);
                into.lock().unwrap().extend(bytes);
            }
        });
        Listener {
            addr,
            received,
            stop,
        }
    }

    /// What it received so far; it stops listening.
    fn take(&self) -> Vec<u8> {
        // Let a connection accepted just now be read.
        std::thread::sleep(Duration::from_millis(300));
        self.stop.store(true, Ordering::Relaxed);
        std::mem::take(&mut *self.received.lock().unwrap())
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Processes (other than this one) whose executable lives under `dir` or
/// whose command line mentions it: (pid, command line).
fn processes_of(dir: &Path) -> Vec<(u32, String)> {
    let me = std::process::id();
    let mention = format!("{}/", dir.display());
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == me {
            continue;
        }
        // A zombie has no exe link and an empty command line: dead already.
        let exe = fs::read_link(entry.path().join("exe")).ok();
        let cmdline = fs::read(entry.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        if exe.is_some_and(|e| e.starts_with(dir)) || cmdline.contains(&mention) {
            found.push((pid, cmdline));
        }
    }
    found
}

/// The students whose report.txt says FORGED.
fn forged_reports(work: &Path) -> Vec<String> {
    let mut forged = Vec::new();
    for entry in fs::read_dir(work.join("gradebook"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let text = fs::read_to_string(entry.path().join("report.txt")).unwrap_or_default();
        if text.contains("FORGED") {
            forged.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    forged.sort();
    forged
}

/// escape-write's files, as `<place>/<name>`.
fn escape_files(lab: &Lab) -> Vec<String> {
    let mut found = Vec::new();
    for place in ["home", "template", "submissions/victim", "bin"] {
        for entry in fs::read_dir(lab.work.join(place))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("escape-write") {
                let short = place.trim_start_matches("submissions/");
                found.push(format!("{short}/{name}"));
            }
        }
    }
    found
}

/// The largest regular file under `dir`, never following a link.
fn largest_file(dir: &Path) -> (u64, PathBuf) {
    let mut largest = (0, PathBuf::new());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(meta) = fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() && meta.len() > largest.0 {
                largest = (meta.len(), entry.path());
            }
        }
    }
    largest
}

/// The line of `text` that holds `needle`, from there on, cut.
fn quote(text: &str, needle: &str) -> String {
    let line = text
        .lines()
        .find_map(|l| l.find(needle).map(|at| &l[at..]))
        .unwrap_or("(not in the report)");
    line.chars().take(100).collect()
}

fn sleep_until(when: Instant) {
    let now = Instant::now();
    if when > now {
        std::thread::sleep(when - now);
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Makes the server (the starter's, or the reference's for the fixtures in
/// `WITH_SOLUTION`) run the fixture's `hostile.rs` first thing in `main`.
fn hook_server(path: &Path) {
    let text = fs::read_to_string(path).unwrap();
    if text.contains("mod hostile;") {
        return; // the fixture brought its own server
    }
    assert_eq!(
        text.matches("\nfn main() {\n").count(),
        1,
        "{}",
        path.display()
    );
    let hooked = text.replacen(
        "\nfn main() {\n",
        "\n#[path = \"../../attack.rs\"]\nmod attack;\n#[path = \"../../hostile.rs\"]\nmod hostile;\n\nfn main() {\n    hostile::run(\"echo-server\");\n",
        1,
    );
    fs::write(path, hooked).unwrap();
}
