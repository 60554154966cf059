//! The grader on the concurrent exercise: both reference designs (tokio tasks,
//! and a thread per client) score full marks, the starter zero.

mod common;

use common::grade;

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

#[test]
fn starter_scores_zero() {
    let graded = grade("chat-starter", &["concurrent", "--lang", "en"]);
    assert_eq!(graded.code, 1);
    assert_eq!(graded.score().0, 0, "{}", graded.stdout);
    assert!(
        graded.stdout.contains("still the starter code"),
        "{}",
        graded.stdout
    );
}
