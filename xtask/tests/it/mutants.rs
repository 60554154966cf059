//! Every mutant (a crate with one classic mistake, in xtask/mutants/) must
//! fail the tests its Cargo.toml names, and so score below full marks: proof
//! that those tests catch the mistake through behaviour on the wire.

use std::path::Path;
use std::sync::LazyLock;

use crate::common::{Background, Job, root};

/// Every mutant and the alternative, graded in the background four at a
/// time (a grade mostly waits on sockets and timeouts); each test checks
/// its own.
static GRADES: LazyLock<Background> = LazyLock::new(|| {
    let mut jobs: Vec<Job> = MUTANTS
        .iter()
        .map(|mutant| {
            let dir = root().join("xtask/mutants/echo").join(mutant);
            Job::new(
                &format!("mutant-{mutant}"),
                &["echo", "--path", dir.to_str().unwrap(), "--lang", "en"],
            )
        })
        .collect();
    let dir = root().join("xtask/mutants/echo").join(ALTERNATIVE);
    jobs.insert(
        0,
        Job::new(
            "echo-alternative",
            &["echo", "--path", dir.to_str().unwrap(), "--lang", "en"],
        ),
    );
    // The longest grade first.
    jobs.sort_by_key(|job| job.key != "mutant-client-no-half-close");
    Background::start(jobs, 4)
});

/// The `must_fail = [...]` list of a mutant's `[package.metadata.mutant]`.
fn must_fail(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with("must_fail"))
        .unwrap_or_else(|| panic!("{} names no must_fail", manifest.display()));
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn check(mutant: &str) -> crate::common::Graded {
    let dir = root().join("xtask/mutants/echo").join(mutant);
    let expected = must_fail(&dir.join("Cargo.toml"));
    assert!(!expected.is_empty());
    let graded = GRADES.take(&format!("mutant-{mutant}"));
    assert_eq!(graded.code, 1, "{}", graded.stdout);
    let failed = graded.failed();
    for id in &expected {
        assert!(
            failed.contains(id),
            "mutant {mutant} should fail {id}; it failed {failed:?}\n{}",
            graded.stdout
        );
    }
    let (score, max) = graded.score();
    assert!(score < max);
    graded
}

#[test]
fn every_mutant_has_a_test_here() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("xtask/mutants/echo"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut here = MUTANTS.to_vec();
    here.push(ALTERNATIVE);
    here.sort();
    assert_eq!(on_disk, here);
}

const MUTANTS: &[&str] = &[
    "server-first-read-only",
    "server-ignores-short-writes",
    "server-drops-tail-at-eof",
    "server-serves-one",
    "server-panics-on-reset",
    "server-panics-in-thread",
    "client-no-half-close",
    "client-writes-all-first",
    "server-usage-exit-1",
    "server-unwraps-bind",
    "server-logs-to-stdout",
    "server-wrong-default",
    "client-panics-on-bad-args",
];

/// Not a mutant: a correct server and client in another style than the
/// reference (see its Cargo.toml). It keeps full marks, hidden tests
/// included, or a test is stricter than the chapter.
const ALTERNATIVE: &str = "alternative";

#[test]
fn the_alternative_implementation_keeps_full_marks() {
    let graded = GRADES.take("echo-alternative");
    let (score, max) = graded.score();
    assert_eq!(graded.code, 0, "{}", graded.stdout);
    assert_eq!(score, max, "{}", graded.stdout);
    // The hidden tests ran too (this repository has them).
    assert!(
        graded.stdout.contains("echo.server.ipv6"),
        "{}",
        graded.stdout
    );
}

/// The `hint:` line the report prints under the failed test `id`.
fn hint_of(report: &str, id: &str) -> String {
    let at = report
        .find(&format!("FAIL  {id} "))
        .unwrap_or_else(|| panic!("{id} did not fail:\n{report}"));
    report[at..]
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("      "))
        .find_map(|line| line.trim_start().strip_prefix("hint: "))
        .unwrap_or_else(|| panic!("no hint under {id}:\n{report}"))
        .to_string()
}

/// A server that echoes its first read only loses the connection on the
/// read side: the slow reader's hint speaks of the read loop.
#[test]
fn server_first_read_only() {
    let graded = check("server-first-read-only");
    let hint = hint_of(&graded.stdout, "echo.server.slow_reader");
    assert!(
        hint.contains("one read() is not the whole stream"),
        "{hint}"
    );
}

/// A server with a write timeout ends the connection while the slow reader
/// is not reading: the hint names the write side, not the read loop.
#[test]
fn server_ignores_short_writes() {
    let graded = check("server-ignores-short-writes");
    let hint = hint_of(&graded.stdout, "echo.server.slow_reader");
    assert!(hint.contains("set no write timeout"), "{hint}");
    assert!(!hint.contains("one read() is not"), "{hint}");
}

#[test]
fn server_drops_tail_at_eof() {
    check("server-drops-tail-at-eof");
}

#[test]
fn server_serves_one() {
    check("server-serves-one");
}

#[test]
fn server_panics_on_reset() {
    check("server-panics-on-reset");
}

/// A panic in a connection's thread (the process lives on) is named first,
/// once, with its message and place; the tests it broke say "same cause".
#[test]
fn server_panics_in_thread_is_named_first() {
    let mutant = "server-panics-in-thread";
    let graded = check(mutant);
    let report = &graded.stdout;
    let section = &report[report.find("echo (").expect("no echo section")..];
    let first_detail = section.lines().nth(1).unwrap_or_default();
    assert!(
        first_detail.starts_with("  CAUSE echo-server panicked in a thread at src/echo-server.rs:")
            && first_detail.contains("echo expects text"),
        "the panic is not named first:\n{report}"
    );
    assert_eq!(report.matches("echo expects text").count(), 1, "{report}");
    let failed = graded.failed().len();
    assert_eq!(
        report.matches("(same cause as above)").count(),
        failed,
        "{report}"
    );
    // No test's generic hint: the panic's own, once.
    assert_eq!(report.matches("hint:").count(), 1, "{report}");
    // Each test in Classroom stands alone: its message names the panic.
    for id in graded.failed() {
        let message = graded.test(&id)["message"].as_str().unwrap().to_string();
        assert!(message.contains("echo expects text"), "{id}: {message}");
    }
}

#[test]
fn client_no_half_close() {
    check("client-no-half-close");
}

#[test]
fn client_writes_all_first() {
    check("client-writes-all-first");
}

#[test]
fn server_usage_exit_1() {
    check("server-usage-exit-1");
}

#[test]
fn server_unwraps_bind() {
    check("server-unwraps-bind");
}

#[test]
fn server_logs_to_stdout() {
    check("server-logs-to-stdout");
}

#[test]
fn server_wrong_default() {
    check("server-wrong-default");
}

#[test]
fn client_panics_on_bad_args() {
    check("client-panics-on-bad-args");
}
