//! Hidden tests: kept in the instructor's repository, run by Classroom and the
//! gradebook, never shipped to students.
//!
//! Each exercise's hidden tests live in its module's `hidden.rs`
//! (`echo/hidden.rs`, named by `exercises::Exercise::hidden`). `cargo xtask
//! classroom export` writes those files empty (`tests` returns nothing) and
//! this one anew: `WITHHELD` says how many hidden tests (and points) each
//! exercise has, so the student's report can tell them; `WITHHELD_RULES`, how
//! many of them check each contract rule (the book says so).
//! Here, in the instructor's repository, every hidden test is present and
//! nothing is withheld.

/// Hidden tests whose code is absent here: (exercise, count, points).
pub const WITHHELD: &[(&str, usize, u32)] = &[];

/// Of those, how many check each contract rule: (exercise, rule, count).
pub const WITHHELD_RULES: &[(&str, &str, usize)] = &[];
