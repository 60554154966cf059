//! Hidden tests: kept in the instructor's repository, run by Classroom and the
//! gradebook, never shipped to students.
//!
//! Each exercise's hidden tests live in a file of their own (`echo/hidden.rs`).
//! `cargo xtask classroom export` leaves those files out and writes this file
//! anew: `tests` returns nothing and `WITHHELD` says how many hidden tests
//! (and points) each exercise has, so the student's report can tell them;
//! `WITHHELD_RULES`, how many of them check each contract rule (the book says
//! so).
//! Here, in the instructor's repository, every hidden test is present and
//! nothing is withheld.

use super::spec::TestSpec;

#[path = "concurrent/hidden.rs"]
mod concurrent;
#[path = "echo/hidden.rs"]
mod echo;
#[path = "file_transfer/hidden.rs"]
mod file_transfer;

/// The hidden tests of `exercise`.
pub fn tests(exercise: &str) -> Vec<TestSpec> {
    match exercise {
        "echo" => echo::tests(),
        "file-transfer" => file_transfer::tests(),
        "concurrent" => concurrent::tests(),
        _ => Vec::new(),
    }
}

/// Hidden tests whose code is absent here: (exercise, count, points).
pub const WITHHELD: &[(&str, usize, u32)] = &[];

/// Of those, how many check each contract rule: (exercise, rule, count).
pub const WITHHELD_RULES: &[(&str, &str, usize)] = &[];

/// Every file of hidden-test code, relative to xtask/src/grade/: the export
/// leaves these out of the student template.
pub const FILES: &[&str] = &[
    "echo/hidden.rs",
    "file_transfer/hidden.rs",
    "concurrent/hidden.rs",
];
