//! Every mutant (a crate with one classic mistake, in xtask/mutants/) must
//! fail the tests its Cargo.toml names, and so score below full marks: proof
//! that those tests catch the mistake through behaviour on the wire.

mod common;

use std::path::Path;

use common::{grade, root};

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

fn check(mutant: &str) {
    let dir = root().join("xtask/mutants/echo").join(mutant);
    let expected = must_fail(&dir.join("Cargo.toml"));
    assert!(!expected.is_empty());
    let graded = grade(
        &format!("mutant-{mutant}"),
        &["echo", "--path", dir.to_str().unwrap(), "--lang", "en"],
    );
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
    here.sort();
    assert_eq!(on_disk, here);
}

const MUTANTS: &[&str] = &[
    "server-first-read-only",
    "server-ignores-short-writes",
    "server-drops-tail-at-eof",
    "server-serves-one",
    "server-panics-on-reset",
    "client-no-half-close",
    "client-writes-all-first",
];

#[test]
fn server_first_read_only() {
    check("server-first-read-only");
}

#[test]
fn server_ignores_short_writes() {
    check("server-ignores-short-writes");
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

#[test]
fn client_no_half_close() {
    check("client-no-half-close");
}

#[test]
fn client_writes_all_first() {
    check("client-writes-all-first");
}
