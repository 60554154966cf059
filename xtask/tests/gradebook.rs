//! `cargo xtask gradebook` over a folder of student repositories built from
//! the fixtures in xtask/fixtures/gradebook/ (full, partial, not compiling,
//! hanging, tampered): the CSV is what the snapshot says, the whole run stays
//! within its bound, and no student process survives it.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{assert_no_survivors, root};

/// One submission's bound: the hanging build is stopped here. The others
/// need under 15 s each on a 2-core machine.
const STUDENT_BOUND_SECS: u64 = 25;
/// The whole gradebook: five submissions, two at a time, the slowest stopped
/// at its bound (plus up to 10 s of grace to stop).
const GRADEBOOK_BOUND: Duration = Duration::from_secs(180);

const STUDENTS: &[&str] = &["full", "hanging", "not-compiling", "partial", "tampered"];

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if entry.file_name() == "target" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn gradebook_of_the_fixture_submissions() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gradebook");
    let template = work.join("template");
    let submissions = work.join("submissions");
    let _ = fs::remove_dir_all(&template);
    let _ = fs::remove_dir_all(&submissions);
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["classroom", "export"])
        .arg(&template)
        .args(["--grader-repo", "socket-lab-course/socket-lab"])
        .args(["--grader-ref", "v1"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();

    let fixtures = root().join("xtask/fixtures/gradebook");
    let solution = root().join("solutions/echo/src/bin");
    for student in STUDENTS {
        let dir = submissions.join(format!("echo-{student}"));
        copy_dir(&template, &dir);
        if ["full", "tampered"].contains(student) {
            copy_dir(&solution, &dir.join("exercises/echo/src/bin"));
        }
        let overlay = fixtures.join(student);
        if overlay.is_dir() {
            copy_dir(&overlay, &dir);
        }
    }

    let csv = work.join("gradebook.csv");
    let target = work.join("target");
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .arg("gradebook")
        .arg(&submissions)
        .arg("--template")
        .arg(&template)
        .arg("--csv")
        .arg(&csv)
        .arg("--target-dir")
        .arg(&target)
        .args(["--exercise", "echo", "--seed", "1234abcd", "--jobs", "2"])
        .args(["--timeout", &STUDENT_BOUND_SECS.to_string()])
        // The sandbox is Linux's (bubblewrap); tests/sandbox.rs proves it.
        .args(if cfg!(target_os = "linux") {
            &[][..]
        } else {
            &["--no-sandbox"][..]
        })
        .timeout(GRADEBOOK_BOUND)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(elapsed < GRADEBOOK_BOUND, "{elapsed:?}");
    assert_no_survivors(&target);
    eprintln!("{stderr}gradebook took {elapsed:?}");

    let csv = fs::read_to_string(&csv).unwrap();
    insta::assert_snapshot!(csv);
}
