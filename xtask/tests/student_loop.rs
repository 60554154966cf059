//! The student's loop as a student runs it: `hint`, `status` and `watch`,
//! their exit codes and errors, and watch re-grading a saved file.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use predicates::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn xtask() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("xtask").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A checkout with an exercises folder and a cached last grade of echo in
/// which `echo.server.sequential` is the first test that failed.
fn checkout_with_cache() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("exercises")).unwrap();
    std::fs::create_dir_all(dir.path().join("target/grade")).unwrap();
    let last = r#"{"exercises":{"echo":{"graded_at":1795704300,"build_error":false,"tests":[
        {"id":"echo.server.ready","status":"pass","points":5,"max":5},
        {"id":"echo.server.sequential","status":"fail","points":0,"max":10}]}}}"#;
    std::fs::write(dir.path().join("target/grade/last.json"), last).unwrap();
    dir
}

#[test]
fn hint_unknown_exercise_lists_the_known_ones() {
    xtask()
        .args(["hint", "echoo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown exercise `echoo`"))
        .stderr(predicate::str::contains("echo, file-transfer"));
}

#[test]
fn hint_unknown_test_lists_the_tests() {
    xtask()
        .args(["hint", "echo", "echo.server.nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown test `echo.server.nope`"))
        .stderr(predicate::str::contains("echo.server.half_close"));
}

#[test]
fn hint_without_test_picks_the_first_failure_of_the_last_grade() {
    let dir = checkout_with_cache();
    let root = dir.path().to_str().unwrap();
    xtask()
        .args(["hint", "echo", "--lang", "en", "--root", root])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "Hints for echo.server.sequential",
        ));
    xtask()
        .args(["hint", "file-transfer", "--lang", "ko", "--root", root])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("ft.server.ready 힌트"));
}

#[test]
fn status_answers_from_the_cache() {
    let dir = checkout_with_cache();
    xtask()
        .args([
            "status",
            "--lang",
            "en",
            "--root",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2026-11-26 14:45 UTC"))
        .stdout(predicate::str::contains("fix echo.server.sequential"))
        .stdout(predicate::str::contains("never"));
}

#[test]
fn without_an_exercises_folder_status_and_watch_say_where_they_looked() {
    let dir = tempfile::tempdir().unwrap();
    let looked = dir.path().join("exercises");
    for command in ["status", "watch"] {
        xtask()
            .args([command, "--root", dir.path().to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("no exercises folder"))
            .stderr(predicate::str::contains(looked.display().to_string()));
    }
}

#[test]
fn watch_unknown_exercise_lists_the_known_ones() {
    xtask()
        .args(["watch", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("echo, file-transfer"));
}

/// Kills the watch process if the test ends early (a failed assertion).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for a line of watch's output that `want` accepts.
fn wait_for(
    lines: &mpsc::Receiver<String>,
    deadline: Instant,
    what: &str,
    want: impl Fn(&str) -> bool,
) {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if want(&line) => return,
            Ok(_) => {}
            Err(_) => panic!("watch did not show {what} in time"),
        }
    }
}

#[test]
fn watch_regrades_when_a_starter_file_is_saved() {
    // A copy of the workspace with the echo starter only.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path();
    std::fs::write(
        copy.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/echo\"]\n\n[workspace.package]\nedition = \"2024\"\nlicense = \"MIT OR Apache-2.0\"\npublish = false\n",
    )
    .unwrap();
    let echo = copy.join("exercises/echo");
    std::fs::create_dir_all(echo.join("src/bin")).unwrap();
    let starter = root().join("exercises/echo");
    std::fs::copy(starter.join("Cargo.toml"), echo.join("Cargo.toml")).unwrap();
    for bin in ["echo-server.rs", "echo-client.rs"] {
        std::fs::copy(
            starter.join("src/bin").join(bin),
            echo.join("src/bin").join(bin),
        )
        .unwrap();
    }

    let deadline = Instant::now() + Duration::from_secs(300);
    let mut child = Killed(
        Command::new(assert_cmd::cargo::cargo_bin("xtask"))
            .args([
                "watch",
                "echo",
                "--lang",
                "en",
                "--root",
                copy.to_str().unwrap(),
            ])
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    // The starter fails its first test.
    wait_for(&lines, deadline, "the starter's verdict", |l| {
        l.contains("FAIL") && l.contains("echo.server.ready")
    });
    wait_for(&lines, deadline, "the first failure", |l| {
        l.starts_with("First failure: echo.server.ready")
    });
    // Save the solution's server over the starter's: watch re-grades by itself.
    let solution = std::fs::read(root().join("solutions/echo/src/bin/echo-server.rs")).unwrap();
    std::fs::write(echo.join("src/bin/echo-server.rs"), solution).unwrap();
    wait_for(&lines, deadline, "a re-grade", |l| {
        l.starts_with("grading echo")
    });
    wait_for(&lines, deadline, "the solved server's verdict", |l| {
        l.contains("PASS") && l.contains("echo.server.ready")
    });
    // And the cache saw it.
    let last = std::fs::read_to_string(copy.join("target/grade/last.json")).unwrap();
    assert!(last.contains("\"pass\""), "{last}");

    // `q` quits, exit 0.
    let mut stdin = child.0.stdin.take().unwrap();
    stdin.write_all(b"q\n").unwrap();
    drop(stdin);
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success(), "watch exited with {status}");
            break;
        }
        assert!(Instant::now() < deadline, "watch did not quit on `q`");
        std::thread::sleep(Duration::from_millis(100));
    }
}
