//! The grader on the file-transfer exercise: the reference scores full marks,
//! the starter only the argument tests (its argument parsing is given).

mod common;

use common::grade;

#[test]
fn reference_solution_scores_full_marks() {
    let graded = grade(
        "ft-solution",
        &["file-transfer", "--solutions", "--lang", "en"],
    );
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    let (score, max) = graded.score();
    assert_eq!(score, max, "{}", graded.stdout);
    assert!(max >= 95);
}

/// The starter gives its argument parsing (a usage line, exit code 2): the
/// tests of bad arguments are the only ones it passes.
#[test]
fn starter_scores_only_the_argument_tests() {
    let graded = grade("ft-starter", &["file-transfer", "--lang", "en"]);
    assert_eq!(graded.code, 1);
    let tests = graded.json["tests"].as_array().unwrap();
    let given = |t: &&serde_json::Value| t["name"].as_str().unwrap().contains(".bad_args ");
    let points: u64 = tests
        .iter()
        .filter(given)
        .map(|t| t["max_score"].as_u64().unwrap())
        .sum();
    assert!(points > 0);
    assert!(
        tests.iter().filter(given).all(|t| t["status"] == "pass"),
        "{}",
        graded.stdout
    );
    assert_eq!(graded.score().0, points, "{}", graded.stdout);
    assert!(
        graded.stdout.contains("still the starter code"),
        "{}",
        graded.stdout
    );
}
