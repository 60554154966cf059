//! The grader on the concurrent exercise: both reference designs (tokio tasks,
//! and a thread per client) score full marks, the starter only the argument
//! tests (its argument parsing is given).

use crate::common::{
    assert_starter_scores_only_the_argument_tests, dependencies_compile_once, grade,
};

#[test]
fn both_reference_designs_score_full_marks() {
    // One target directory, one after the other: the crate builds once.
    for bin in ["chat-server", "chat-server-threads"] {
        let rename = format!("chat-server={bin}");
        let graded = grade(
            "chat-solution",
            &[
                "concurrent",
                "--path",
                "solutions/concurrent",
                "--bin",
                &rename,
                "--lang",
                "en",
            ],
        );
        assert_eq!(
            graded.code, 0,
            "{bin}:\n{}\n{}",
            graded.stdout, graded.stderr
        );
        let (score, max) = graded.score();
        assert_eq!(score, max, "{bin}:\n{}", graded.stdout);
        assert!(max >= 90);
    }
    // A `--bin` that names no binary of the crate is the crate's failure, said plainly.
    let graded = grade(
        "chat-solution",
        &[
            "concurrent",
            "--path",
            "solutions/concurrent",
            "--bin",
            "chat-server=no-such-binary",
            "--lang",
            "en",
        ],
    );
    assert_eq!(graded.code, 1, "{}\n{}", graded.stdout, graded.stderr);
    assert!(
        graded.stdout.contains("no binary `no-such-binary`"),
        "{}",
        graded.stdout
    );
}

/// The starter gives its argument parsing (a usage line, exit code 2): the
/// tests of bad arguments are the only ones it passes.
#[test]
fn starter_scores_only_the_argument_tests() {
    assert_starter_scores_only_the_argument_tests("chat-starter", "concurrent");
}

/// tokio's tree compiles once for the exercise (see
/// `common::dependencies_compile_once`).
#[test]
fn the_dependencies_compile_once() {
    let cached = dependencies_compile_once("concurrent", "concurrent", "chat.bad_args");
    assert!(cached.contains_key("tokio") && cached.contains_key("ctrlc"));
}
