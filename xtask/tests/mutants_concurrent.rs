//! The concurrent exercise's mutants (xtask/mutants/concurrent/mutants.json):
//! each is one of the reference servers with one classic mistake. They are
//! written out as extra binaries of ONE copy of the reference crate (so tokio
//! is compiled once, not once per mutant), and each is graded in place of
//! `chat-server` (`--bin chat-server=mutant-<name>`): it must fail the tests
//! it names (only those run: the others would pass or fail at no profit,
//! some after timeouts).

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use common::{Graded, apply_patch, grade, must_fail, mutants, root, standalone_copy};
use serde_json::Value;

/// The reference crate plus `src/bin/mutant-<name>.rs` for every mutant.
fn materialize(mutants: &[Value]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chat-mutants");
    let mut bins = String::new();
    for mutant in mutants {
        let name = mutant["name"].as_str().unwrap();
        write!(
            bins,
            "\n[[bin]]\nname = \"mutant-{name}\"\npath = \"src/bin/mutant-{name}.rs\"\n"
        )
        .unwrap();
    }
    // [[bin]] tables belong to [package]: insert them before `[workspace]`.
    standalone_copy(&root().join("solutions/concurrent"), &dir);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace("\n[workspace]\n", &format!("{bins}\n[workspace]\n"));
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    for mutant in mutants {
        let name = mutant["name"].as_str().unwrap();
        let original = dir.join(mutant["file"].as_str().unwrap());
        let text = std::fs::read_to_string(&original).unwrap();
        std::fs::write(
            dir.join(format!("src/bin/mutant-{name}.rs")),
            apply_patch(mutant, &text),
        )
        .unwrap();
    }
    dir
}

/// The crate with every mutant, written once for the tests here, and the
/// right to grade it: they share one target directory (the crate builds
/// once), so they grade one at a time (a grade checks that no program built
/// there outlives it).
fn mutants_crate() -> (&'static Path, MutexGuard<'static, ()>) {
    static CRATE: OnceLock<PathBuf> = OnceLock::new();
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = CRATE.get_or_init(|| materialize(&mutants("concurrent")));
    (dir, turn)
}

/// Grades mutant `name` in place of `chat-server`, running only the tests `only`.
fn grade_mutant(dir: &Path, name: &str, only: &str) -> Graded {
    let rename = format!("chat-server=mutant-{name}");
    grade(
        "chat-mutants",
        &[
            "concurrent",
            "--path",
            dir.to_str().unwrap(),
            "--bin",
            &rename,
            "--only",
            only,
            "--lang",
            "en",
        ],
    )
}

/// Every mutant, one after another in one target directory (the crate builds
/// once); all misses are reported together.
#[test]
fn every_mutant_fails_the_tests_named_for_it() {
    let mutants = mutants("concurrent");
    assert!(mutants.len() >= 7);
    let (dir, _turn) = mutants_crate();
    let mut misses = Vec::new();
    for mutant in &mutants {
        let name = mutant["name"].as_str().unwrap();
        // A mutant whose tests are Unix-only (signals) has nothing to fail elsewhere.
        if mutant["unix_only"].as_bool().unwrap_or(false) && !cfg!(unix) {
            continue;
        }
        // Only the tests it must fail: a mutant fails others too, and some
        // of those wait for timeouts.
        let must_fail = must_fail(mutant);
        let graded = grade_mutant(dir, name, &must_fail.join(","));
        if graded.code != 1 {
            misses.push(format!(
                "mutant {name}: exit code {}, not 1\n{}\n{}",
                graded.code, graded.stdout, graded.stderr
            ));
            continue;
        }
        let failed = graded.failed();
        for id in must_fail {
            if !failed.iter().any(|f| f == id) {
                misses.push(format!(
                    "mutant {name} should fail {id}; it failed {failed:?}\n{}",
                    graded.stdout
                ));
            }
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n\n"));
}

/// A server that serves its first client in the accept loop never answers
/// the second one's name: chat.two_clients shows the hint of what the socket
/// saw (no answer, the connection open: nobody serves it, or nothing was
/// flushed), not the test's own hint about which lines to send.
#[test]
fn a_server_that_never_answers_a_name_gets_that_kinds_hint() {
    let (dir, _turn) = mutants_crate();
    let graded = grade_mutant(dir, "serial-accept", "chat.two_clients");
    let report = &graded.stdout;
    assert_eq!(graded.failed(), ["chat.two_clients"], "{report}");
    let message = graded.test("chat.two_clients")["message"].as_str().unwrap();
    assert!(
        message.contains("after sending the name `bob`, no `* welcome bob`"),
        "{message}"
    );
    let kind_hint =
        "hint: The server answered nothing to this client's name, and the connection stayed open";
    assert_eq!(report.matches(kind_hint).count(), 1, "{report}");
    assert!(
        !report.contains("Welcome the newcomer, announce"),
        "the test's own hint instead of the kind's:\n{report}"
    );
}

/// Not a mutant: a correct server in a third design (one thread, one `mio`
/// event loop, no locks), written from the chapter alone. Every test, public
/// and hidden, must give it full marks: a test that fails it asks for more
/// than the contract says, or for the references' way of doing things.
#[test]
fn the_event_loop_alternative_scores_full_marks() {
    let dir = root().join("xtask/mutants/concurrent/alternative");
    let graded = grade(
        "chat-alternative",
        &[
            "concurrent",
            "--path",
            dir.to_str().unwrap(),
            "--lang",
            "en",
        ],
    );
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    assert!(graded.failed().is_empty(), "{}", graded.stdout);
    let (score, max) = graded.score();
    assert_eq!(score, max, "{}", graded.stdout);
    // The hidden tests ran too (the instructor's grader has them all).
    assert!(
        graded.stdout.contains("chat.name_case"),
        "{}",
        graded.stdout
    );
}
