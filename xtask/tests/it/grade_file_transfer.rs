//! The grader on the file-transfer exercise: the reference scores full marks,
//! the starter only the argument tests (its argument parsing is given).

use std::path::Path;

use crate::common::{
    assert_starter_scores_only_the_argument_tests, dependencies_compile_once, grade, rlibs,
};

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
    assert_starter_scores_only_the_argument_tests("ft-starter", "file-transfer");
}

/// sha2's tree compiles once for the exercise (see
/// `common::dependencies_compile_once`).
#[test]
fn the_dependencies_compile_once() {
    let cached = dependencies_compile_once("file-transfer", "file-transfer", "ft.server.bad_args");
    assert!(cached.contains_key("sha2"));
}

/// Sandboxed (a submission's grade, as in the gradebook), the build in the
/// jail starts from its private copy of the cache and compiles none of it:
/// the target dirs the grader keeps for the submission's next grade hold
/// only what its own build wrote.
#[cfg(target_os = "linux")]
#[test]
fn sandboxed_the_dependencies_compile_once() {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("bwrap").is_file()));
    if !on_path {
        assert!(std::env::var_os("CI").is_none(), "CI must have bubblewrap");
        eprintln!("skipped: bubblewrap (`bwrap`) is not on PATH");
        return;
    }
    let key = "ft-deps-sandbox";
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("grade")
        .join(key);
    let _ = std::fs::remove_dir_all(&target);
    let graded = grade(
        key,
        &[
            "file-transfer",
            "--sandbox",
            "--path",
            "solutions/file-transfer",
            "--only",
            "ft.server.bad_args",
            "--lang",
            "en",
        ],
    );
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    let saved: Vec<_> = std::fs::read_dir(target.join("cache"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(saved[0].join("debug/ft-server").is_file());
    assert!(!saved[0].join(".socket-lab-deps").exists());
    let built: Vec<String> = rlibs(&saved[0]).into_keys().collect();
    assert_eq!(built, ["file_transfer_solution"]);
}
