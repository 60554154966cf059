//! The grader on the echo exercise: the reference scores full marks, the
//! starter only the argument tests (its argument parsing is given), and the
//! report, JSON and exit codes are what users rely on.

use crate::common::{grade, root};
use assert_cmd::Command;
use predicates::prelude::*;

#[test]
fn reference_solution_scores_full_marks() {
    let graded = grade("solution", &["echo", "--solutions", "--lang", "en"]);
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    let (score, max) = graded.score();
    assert_eq!(score, max, "{}", graded.stdout);
    assert!(max >= 100);
    assert_eq!(graded.json["status"], "pass");
    assert!(
        graded.stdout.contains(&format!("total: {max}/{max}")),
        "{}",
        graded.stdout
    );
}

/// The starter gives its argument parsing (a usage line, exit code 2): the
/// tests of bad arguments are the only ones it passes.
fn given_by_the_starter(id: &str) -> bool {
    id.ends_with(".bad_args")
}

#[test]
fn starter_scores_only_its_given_parts_and_says_where_to_start() {
    let graded = grade("starter", &["echo", "--lang", "en"]);
    assert_eq!(graded.code, 1);
    let (score, max) = graded.score();
    let given: u64 = graded.json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| given_by_the_starter(t["name"].as_str().unwrap().split(' ').next().unwrap()))
        .map(|t| t["max_score"].as_u64().unwrap())
        .sum();
    assert!(given > 0);
    assert_eq!(score, given, "{}", graded.stdout);
    assert!(max > given);
    assert!(
        graded.stdout.contains("still the starter code"),
        "{}",
        graded.stdout
    );
    assert!(
        graded.stdout.contains("src/bin/echo-server.rs"),
        "{}",
        graded.stdout
    );
    // Every other test's message names the socket step and the starter hint.
    for test in graded.json["tests"].as_array().unwrap() {
        let id = test["name"].as_str().unwrap().split(' ').next().unwrap();
        if given_by_the_starter(id) {
            assert_eq!(test["status"], "pass", "{test}");
            continue;
        }
        assert_eq!(test["status"], "fail");
        let message = test["message"].as_str().unwrap();
        assert!(message.contains("todo!()"), "{message}");
    }
}

#[test]
fn classroom_json_has_the_command_grader_shape() {
    let graded = grade(
        "starter-ko",
        &["echo", "--lang", "ko", "--seed", "1234abcd"],
    );
    let json = &graded.json;
    assert_eq!(json["version"], 1);
    assert_eq!(json["status"], "fail");
    let tests = json["tests"].as_array().unwrap();
    assert!(tests.len() >= 13);
    let mut max = 0;
    for test in tests {
        for key in ["name", "status", "message", "test_code", "filename"] {
            assert!(test[key].is_string(), "{key} in {test}");
        }
        for key in ["score", "max_score", "line_no", "duration"] {
            assert!(test[key].is_u64(), "{key} in {test}");
        }
        max += test["max_score"].as_u64().unwrap();
    }
    assert_eq!(json["max_score"], max);
    // Korean report: every message in Korean, and the seed is printed for replay.
    let (score, _) = graded.score();
    assert!(
        graded.stdout.contains(&format!("총점: {score}/")),
        "{}",
        graded.stdout
    );
    assert!(
        graded.stdout.contains("--seed 1234abcd"),
        "{}",
        graded.stdout
    );
    assert!(
        graded.test("echo.server.ready")["message"]
            .as_str()
            .unwrap()
            .contains("시작 코드")
    );
}

#[test]
fn unknown_exercise_lists_the_known_ones() {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["grade", "no-such-exercise"])
        // The tool's errors follow the locale (cmdline.rs): English here.
        .env("LC_ALL", "C")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("unknown exercise `no-such-exercise`")
                .and(predicate::str::contains("echo")),
        );
}

#[test]
fn missing_crate_says_where_it_looked() {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["grade", "echo", "--path", "/nonexistent/submission"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/submission"));
}

/// The flakiness check: 50 whole echo grades of the reference in a row, each
/// with a fresh seed, must all give full marks. Slow (about 5 minutes), so it
/// is run by hand: `cargo test -p xtask --test it grade_echo:: -- --ignored`.
#[test]
#[ignore = "slow: 50 full echo grades in a row"]
fn fifty_grades_in_a_row_all_full_marks() {
    let mut flaky = Vec::new();
    for run in 0..50 {
        let graded = grade("solution-repeat", &["echo", "--solutions", "--lang", "en"]);
        let (score, max) = graded.score();
        if score != max {
            flaky.push((run, graded.failed(), graded.stdout));
        }
    }
    assert!(flaky.is_empty(), "flaky runs: {flaky:#?}");
}
