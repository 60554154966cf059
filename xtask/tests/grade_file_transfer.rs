//! The grader on the file-transfer exercise: the reference scores full marks,
//! the starter zero.

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

#[test]
fn starter_scores_zero() {
    let graded = grade("ft-starter", &["file-transfer", "--lang", "en"]);
    assert_eq!(graded.code, 1);
    assert_eq!(graded.score().0, 0, "{}", graded.stdout);
    assert!(
        graded.stdout.contains("still the starter code"),
        "{}",
        graded.stdout
    );
}
