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
//!
//! A test binary of its own, not a module of `it`: `cargo test` runs it
//! after `it`, alone. Its attacks race the others' grades (kill-others must
//! find the victim still building), and beside five other tests the victim
//! was done before kill-others' build script started (CI, 11c0023); alone
//! too, once grades got faster (CI, c2c96f2), so the victim's build script
//! sleeps 3 s (lab.rs).

#![cfg(target_os = "linux")]

#[path = "it/common/mod.rs"]
mod common;
#[path = "sandbox/lab.rs"]
mod lab;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{copy_dir, export_template, processes_of, root};
use assert_cmd::Command;
use lab::*;

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
    let run1 = lab1.gradebook(true, 3);
    let run1_end = Instant::now();
    sandboxed_checks(&mut v, &lab1, &run1, &everyone);
    // The 1 GiB file of resource-hog's build script has been measured.
    let _ = fs::remove_dir_all(lab1.work.join("gradebook/resource-hog/build"));

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

    // 3. Without the sandbox: the attacks work.
    let plain: Vec<&str> = everyone
        .iter()
        .copied()
        .filter(|s| !["resource-hog", "kill-others"].contains(s))
        .collect();
    let lab3 = Lab::new(&base.join("3-plain"), &template, &plain);
    let run3 = lab3.gradebook(false, 3);
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

    // Run 1's lingering children would have written by now (15 s): runs 2
    // to 4 took that wait.
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
        crate::common::assert_no_survivors(&lab.work);
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
