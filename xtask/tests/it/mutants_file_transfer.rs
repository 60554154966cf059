//! The file-transfer mutants (xtask/mutants/file-transfer/mutants.json): each
//! is the reference with one classic mistake, written out as a crate here and
//! graded; it must fail the tests it names.

use std::sync::LazyLock;

use crate::common::{
    Background, Graded, Job, assert_every_mutant_listed, assert_failing, materialize, must_fail,
    mutant, mutants, root,
};
use serde_json::Value;

const EXERCISE: &str = "file-transfer";
/// Where the mutants are written out, under CARGO_TARGET_TMPDIR.
const FOLDER: &str = "ft-mutants";

/// The tests a mutant's grade runs besides those it must fail.
fn more(name: &str) -> &'static [&'static str] {
    match name {
        "panics-on-malformed" => &["ft.server.malformed_drain"],
        _ => &[],
    }
}

/// The tests mutant `name` must fail on this OS (none: it is not graded).
fn must_fail_here(mutant: &Value) -> Vec<&str> {
    must_fail(mutant)
        .into_iter()
        .filter(|id| !id.ends_with("memory") || cfg!(target_os = "linux"))
        .filter(|id| !matches!(*id, "ft.server.symlinks" | "ft.server.disk_full") || cfg!(unix))
        .collect()
}

/// Every mutant (written out as a crate) and the alternative, graded in
/// the background four at a time (most of a mutant's grade is waiting for
/// a timeout it runs into); each test checks its own.
static GRADES: LazyLock<Background> = LazyLock::new(|| {
    let mut jobs = Vec::new();
    let alternative = root().join("xtask/mutants/file-transfer/alternative");
    jobs.push(Job::new(
        "ft-alternative",
        &[
            EXERCISE,
            "--path",
            alternative.to_str().unwrap(),
            "--lang",
            "en",
        ],
    ));
    for mutant in mutants(EXERCISE) {
        let name = mutant["name"].as_str().unwrap();
        let must_fail = must_fail_here(&mutant);
        if must_fail.is_empty() {
            continue;
        }
        let dir = materialize(EXERCISE, FOLDER, &mutant);
        // Only the tests it must fail (the others would cost minutes, some
        // of them on timeouts).
        let only = [&must_fail[..], more(name)].concat().join(",");
        jobs.push(Job::new(
            &format!("ft-mutant-{name}"),
            &[
                EXERCISE,
                "--path",
                dir.to_str().unwrap(),
                "--only",
                &only,
                "--lang",
                "en",
            ],
        ));
    }
    Background::start(jobs, 4)
});

fn check(name: &str) -> Option<Graded> {
    check_with(name, &[])
}

/// [`check`], running the tests `more` as well as those it must fail.
fn check_with(name: &str, more: &[&str]) -> Option<Graded> {
    assert_eq!(
        more,
        self::more(name),
        "{name}: the grade runs self::more({name:?})"
    );
    let mutant = mutant(EXERCISE, name);
    let must_fail = must_fail_here(&mutant);
    if must_fail.is_empty() {
        return None; // its tests do not run on this OS
    }
    let key = format!("ft-mutant-{name}");
    Some(assert_failing(&key, GRADES.take(&key), &must_fail))
}

#[test]
fn every_mutant_has_a_test_here() {
    assert_every_mutant_listed(EXERCISE, MUTANTS);
}

const MUTANTS: &[&str] = &[
    "no-framing",
    "no-digest-check",
    "traversal-allowed",
    "partial-file-left",
    "whole-file-in-memory",
    "panics-on-malformed",
    "client-ignores-error-status",
    "serial-server",
    "put-in-memory",
    "follows-symlinks",
    "client-sends-before-ok",
    "no-drain-after-malformed",
    "no-size-check",
    "no-length-check",
    "client-truncation-exit-1",
    "closes-on-disk-error",
    "server-usage-exit-1",
    "root-not-checked",
    "logs-to-stdout",
    "echo-default-addr",
    "client-usage-exit-1",
    "drains-only-what-arrived",
    "server-error-mid-put",
];

#[test]
fn no_framing() {
    check("no-framing");
}

#[test]
fn no_digest_check() {
    check("no-digest-check");
}

#[test]
fn traversal_allowed() {
    check("traversal-allowed");
}

#[test]
fn partial_file_left() {
    check("partial-file-left");
}

#[test]
fn whole_file_in_memory() {
    check("whole-file-in-memory");
}

/// A panic in a connection's thread (the server lives on) breaks both
/// malformed-frame tests (the hidden one too): the report names it first,
/// once, with its message and place, and its hint once; each test it broke
/// says "same cause".
#[test]
fn panics_on_malformed_is_named_first_and_once() {
    let graded = check_with("panics-on-malformed", &["ft.server.malformed_drain"]).unwrap();
    let report = &graded.stdout;
    let section = &report[report.find("file-transfer (").expect("no section")..];
    let first_detail = section.lines().nth(1).unwrap_or_default();
    assert!(
        first_detail.starts_with("  CAUSE ft-server panicked in a thread at src/bin/ft-server.rs:")
            && first_detail.contains("bad frame"),
        "the panic is not named first:\n{report}"
    );
    let explains = section.lines().nth(2).unwrap_or_default();
    assert!(
        explains.contains("this made the 2 failed tests below fail"),
        "{report}"
    );
    assert_eq!(report.matches("bad frame").count(), 1, "{report}");
    let failed = graded.failed();
    assert_eq!(failed.len(), 2, "{report}");
    assert_eq!(
        report.matches("(same cause as above)").count(),
        failed.len(),
        "{report}"
    );
    // The panic's hint, once; no test's own.
    assert_eq!(report.matches("hint:").count(), 1, "{report}");
    // Each test in Classroom stands alone: its message names the panic.
    for id in &failed {
        let message = graded.test(id)["message"].as_str().unwrap();
        assert!(message.contains("bad frame"), "{id}: {message}");
    }
}

#[test]
fn client_ignores_error_status() {
    check("client-ignores-error-status");
}

#[test]
fn serial_server() {
    check("serial-server");
}

#[test]
fn put_in_memory() {
    check("put-in-memory");
}

#[test]
fn follows_symlinks() {
    check("follows-symlinks");
}

#[test]
fn client_sends_before_ok() {
    check("client-sends-before-ok");
}

#[test]
fn no_drain_after_malformed() {
    check("no-drain-after-malformed");
}

#[test]
fn no_size_check() {
    check("no-size-check");
}

#[test]
fn no_length_check() {
    check("no-length-check");
}

#[test]
fn client_truncation_exit_1() {
    check("client-truncation-exit-1");
}

#[test]
fn closes_on_disk_error() {
    check("closes-on-disk-error");
}

#[test]
fn server_usage_exit_1() {
    check("server-usage-exit-1");
}

#[test]
fn root_not_checked() {
    check("root-not-checked");
}

#[test]
fn logs_to_stdout() {
    check("logs-to-stdout");
}

#[test]
fn echo_default_addr() {
    check("echo-default-addr");
}

#[test]
fn client_usage_exit_1() {
    check("client-usage-exit-1");
}

/// The other side of the proof: an independent implementation written from
/// the chapter (xtask/mutants/file-transfer/alternative) must pass every
/// test, public and hidden. A test stricter than the chapter fails here.
#[test]
fn alternative_gets_full_marks() {
    let graded = GRADES.take("ft-alternative");
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    assert_eq!(graded.failed(), Vec::<String>::new(), "{}", graded.stdout);
    let (score, max) = graded.score();
    assert_eq!(score, max, "{}", graded.stdout);
    assert!(
        graded.stdout.contains("ft.server.two_clients"),
        "the hidden tests must run too:\n{}",
        graded.stdout
    );
}

#[test]
fn drains_only_what_arrived() {
    check("drains-only-what-arrived");
}

#[test]
fn server_error_mid_put() {
    check("server-error-mid-put");
}
