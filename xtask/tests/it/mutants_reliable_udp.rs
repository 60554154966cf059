//! The reliable-UDP mutants (xtask/mutants/reliable-udp/mutants.json): each
//! is the reference with one classic mistake, written out as a crate here and
//! graded on the tests it names (only those: the others would pass, or fail
//! after their time limit, at no profit). It must fail every one of them.

use crate::common::{
    Graded, assert_every_mutant_listed, grade, grade_failing, materialize, must_fail, mutant,
    mutants, root,
};

const EXERCISE: &str = "reliable-udp";
/// Where the mutants are written out, under CARGO_TARGET_TMPDIR.
const FOLDER: &str = "rdt-mutants";

fn check(name: &str) -> Graded {
    let mutant = mutant(EXERCISE, name);
    let dir = materialize(EXERCISE, FOLDER, &mutant);
    let must_fail = must_fail(&mutant);
    grade_failing(
        EXERCISE,
        &format!("rdt-mutant-{name}"),
        &dir,
        &must_fail,
        &must_fail,
    )
}

/// The report's lines for test `id`: its FAIL line and the details under it.
fn section<'a>(report: &'a str, id: &str) -> &'a str {
    let start = report
        .find(&format!("FAIL  {id} "))
        .unwrap_or_else(|| panic!("{id} did not fail:\n{report}"));
    let rest = &report[start..];
    let end = rest[1..]
        .find("\n  FAIL  ")
        .or_else(|| rest[1..].find("\n  PASS  "))
        .map_or(rest.len(), |at| at + 1);
    &rest[..end]
}

#[test]
fn every_mutant_has_a_test_here() {
    assert_every_mutant_listed(EXERCISE, MUTANTS);
}

const MUTANTS: &[&str] = &[
    "stop-and-wait",
    "no-timeout",
    "no-duplicate-detection",
    "no-checksum-check",
    "window-off-by-one",
    "reordering-as-loss",
    "no-linger",
    "fin-sent-once",
    "fixed-tiny-timeout",
    "no-digest-check",
];

/// One chunk in flight: correct, and far too slow on a lossy link. The
/// report says so from what crossed the link, whatever the clock said (a
/// slow round of the grader's own pair once brought it to 40 % of its
/// speed, and the report then blamed its timeout).
#[test]
fn stop_and_wait() {
    let graded = check("stop-and-wait");
    let report = section(&graded.stdout, "rdt.efficiency");
    assert!(
        report.contains(
            "never had more than one chunk in flight (the receiver offered a window of 64)"
        ),
        "{report}"
    );
}

/// A blocking `recv` with no timeout: the grader stops the hung programs at
/// the test's time limit, and the report says which side hung.
#[test]
fn no_timeout() {
    let graded = check("no-timeout");
    let report = section(&graded.stdout, "rdt.last_ack_lost");
    assert!(report.contains("rdt-send"), "{report}");
}

#[test]
fn no_duplicate_detection() {
    check("no-duplicate-detection");
}

#[test]
fn no_checksum_check() {
    let graded = check("no-checksum-check");
    let report = section(&graded.stdout, "rdt.recv.one_by_one");
    assert!(report.contains("checksum"), "{report}");
}

#[test]
fn window_off_by_one() {
    check("window-off-by-one");
}

#[test]
fn reordering_as_loss() {
    check("reordering-as-loss");
}

#[test]
fn no_linger() {
    check("no-linger");
}

/// A FIN sent once: its answer is lost, and the sender gives up after its
/// silence with exit 1. That is not the two generals' ending the grader
/// excuses (the receiver was still there to answer a re-sent FIN).
#[test]
fn fin_sent_once() {
    let graded = check("fin-sent-once");
    let report = section(&graded.stdout, "rdt.last_ack_lost");
    assert!(
        report.contains("`rdt-send` should exit with code 0"),
        "{report}"
    );
}

/// A 2 ms timeout under a 10 ms round trip re-sends what is still in
/// flight: the report counts the datagrams against the bound.
#[test]
fn fixed_tiny_timeout() {
    let graded = check("fixed-tiny-timeout");
    let report = section(&graded.stdout, "rdt.efficiency");
    assert!(report.contains("re-sen"), "{report}");
}

#[test]
fn no_digest_check() {
    check("no-digest-check");
}

/// The chapter's table of mutants (both languages) is this file's list:
/// every mutant in a row of its own, with exactly the tests it must fail.
#[test]
fn the_chapter_lists_every_mutant_with_its_tests() {
    for lang in ["en", "ko"] {
        let path = root().join(format!("book/{lang}/src/exercises/reliable-udp.md"));
        let chapter = std::fs::read_to_string(&path).unwrap();
        let rows: Vec<&str> = chapter
            .lines()
            .filter(|line| line.starts_with("| `") && !line.starts_with("| `rdt."))
            .collect();
        let mutants = mutants(EXERCISE);
        assert_eq!(rows.len(), mutants.len(), "{lang}: {rows:#?}");
        for mutant in &mutants {
            let name = mutant["name"].as_str().unwrap();
            let row = rows
                .iter()
                .find(|row| row.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("{lang}: no row for mutant {name}"));
            let tests = row.rsplit('|').nth(1).unwrap();
            let mut listed: Vec<&str> = tests
                .split('`')
                .filter(|part| part.starts_with("rdt."))
                .collect();
            let mut want = must_fail(mutant);
            listed.sort();
            want.sort();
            assert_eq!(listed, want, "{lang}: the row of {name}");
        }
    }
}

/// Not a mutant: a correct `rdt-send` and `rdt-recv` written from the chapter
/// in another style and with another window and timer design than the
/// reference (xtask/mutants/reliable-udp/alternative: a mio event loop around
/// a sans-I/O window that starts small and grows like slow start, a timeout
/// that runs from the oldest datagram's send time, chunks written at their
/// offsets). It keeps full marks, hidden tests included, or a test is
/// stricter than the chapter.
#[test]
fn the_alternative_implementation_keeps_full_marks() {
    let dir = root().join("xtask/mutants/reliable-udp/alternative");
    // rdt.efficiency times the pair against the grader's own, beside other
    // grades: it times its own pair again when the student's was slower, so
    // a machine busier during one of the two does not decide.
    let graded = grade(
        "rdt-alternative",
        &[EXERCISE, "--path", dir.to_str().unwrap(), "--lang", "en"],
    );
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    assert!(graded.failed().is_empty(), "{}", graded.stdout);
    let (score, max) = graded.score();
    assert_eq!(score, max, "{}", graded.stdout);
    // The hidden tests ran too (this repository has them), and passed.
    assert_eq!(graded.test("rdt.heavy")["status"], "pass");
    assert_eq!(graded.test("rdt.recv.stranger")["status"], "pass");
}
