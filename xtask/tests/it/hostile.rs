//! Broken and hostile crates (xtask/fixtures/echo/): each is graded, its
//! failure explained, the grader finishes within its bound, and no process
//! survives (checked in `common::grade_tied_to_thread`).
//!
//! The fixtures are graded all at once in the background (a grade of a
//! hanging crate is a minute of waiting on timeouts, with the CPU idle);
//! each test checks its fixture's grade.

use std::sync::LazyLock;

use crate::common::{Background, Graded, Job, root};

/// Every fixture graded here, the longest grades first.
const FIXTURES: &[&str] = &[
    "hangs",
    "spawns-children",
    "silent",
    "fixed-port",
    "floods",
    "panics",
    "exits-at-once",
    "does-not-compile",
];

static GRADES: LazyLock<Background> = LazyLock::new(|| {
    let jobs = FIXTURES
        .iter()
        .map(|name| {
            let dir = root().join("xtask/fixtures/echo").join(name);
            Job::new(
                &format!("fixture-{name}"),
                &["echo", "--path", dir.to_str().unwrap(), "--lang", "en"],
            )
        })
        .collect();
    Background::start(jobs, FIXTURES.len())
});

fn grade_fixture(name: &str) -> Graded {
    let graded = GRADES.take(&format!("fixture-{name}"));
    assert_eq!(graded.code, 1, "{}\n{}", graded.stdout, graded.stderr);
    graded
}

/// The echo tests after readiness all fail, explained by `text`. (A server
/// that hangs after printing its line passes `echo.server.ready`: the kernel
/// accepts connections into the backlog without it.)
fn server_tests_fail_with(graded: &Graded, text: &str) {
    for id in [
        "echo.server.short",
        "echo.server.binary_1mib",
        "echo.server.sequential",
        "echo.server.reset",
    ] {
        let test = graded.test(id);
        assert_eq!(test["score"], 0, "{id}");
        assert!(
            test["message"].as_str().unwrap().contains(text),
            "{id}: {test}"
        );
    }
}

#[test]
fn does_not_compile() {
    let graded = grade_fixture("does-not-compile");
    assert!(
        graded.stdout.contains("does not compile"),
        "{}",
        graded.stdout
    );
    assert!(graded.stdout.contains("error[E0308]"), "{}", graded.stdout);
    assert!(
        graded.json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "error" && t["score"] == 0)
    );
    assert_eq!(graded.json["status"], "error");
}

#[test]
fn never_prints_the_readiness_line() {
    let graded = grade_fixture("silent");
    let sentence = "echo-server did not print `listening on <ip>:<port>` within 5 s";
    server_tests_fail_with(&graded, sentence);
    assert_eq!(graded.test("echo.server.ready")["score"], 0);
    // One cause: said once, first, with its hint once; every server test
    // under it says "same cause" instead of the sentence again.
    let report = &graded.stdout;
    assert_eq!(report.matches(sentence).count(), 1, "{report}");
    assert!(
        report.find(sentence) < report.find("echo.server.ready"),
        "{report}"
    );
    // Only the command-line tests with a bad argument or a taken address
    // fail for a reason of their own: this server ignores its arguments.
    let own = ["echo.server.bad_args", "echo.server.bind_taken"];
    for id in own {
        assert_eq!(graded.test(id)["status"], "fail", "{report}");
    }
    assert_eq!(report.matches("hint:").count(), 1 + own.len(), "{report}");
    assert_eq!(
        report.matches("(same cause as above)").count(),
        graded.failed().len() - own.len(),
        "{report}"
    );
    // In Classroom each test stands alone: the sentence once in each.
    let message = graded.test("echo.server.short")["message"]
        .as_str()
        .unwrap();
    assert_eq!(message.matches(sentence).count(), 1, "{message}");
    // Its client is the reference one: those tests still pass.
    assert_eq!(graded.test("echo.client.echo")["status"], "pass");
}

#[test]
fn exits_at_once() {
    let graded = grade_fixture("exits-at-once");
    server_tests_fail_with(&graded, "exited before printing");
    assert_eq!(graded.score().0, 0);
}

#[test]
fn panics() {
    let graded = grade_fixture("panics");
    // The cause names the panic, its place and its message.
    server_tests_fail_with(
        &graded,
        "echo-server panicked at src/echo-server.rs:3:5: `boom: this server gave up`",
    );
    assert!(
        graded.test("echo.client.echo")["message"]
            .as_str()
            .unwrap()
            .contains("boom: this client gave up")
    );
    assert_eq!(graded.score().0, 0);
}

#[test]
fn hangs() {
    let graded = grade_fixture("hangs");
    server_tests_fail_with(&graded, "nothing for 3 s");
    assert!(
        graded.test("echo.client.echo")["message"]
            .as_str()
            .unwrap()
            .contains("never connected")
    );
    assert!(
        graded.test("echo.client.refused")["message"]
            .as_str()
            .unwrap()
            .contains("did not exit")
    );
}

#[test]
fn floods_stdout() {
    let graded = grade_fixture("floods");
    server_tests_fail_with(&graded, "wrote over 64 KiB to stdout");
    assert_eq!(graded.score().0, 0);
}

#[test]
fn ignores_listen_and_binds_a_fixed_port() {
    let graded = grade_fixture("fixed-port");
    let test = graded.test("echo.server.listen_addr");
    assert_eq!(test["score"], 0);
    assert!(
        test["message"].as_str().unwrap().contains("47878"),
        "{test}"
    );
}

#[test]
fn spawns_children() {
    // The server starts two children that sleep forever, the client one;
    // `grade` checks that none of them survives.
    let graded = grade_fixture("spawns-children");
    server_tests_fail_with(&graded, "nothing for 3 s");
}

/// Ctrl-C in the middle of a grade: the grader exits 130 (128 + SIGINT, as a
/// shell reports a program that Ctrl-C ended) and kills every program it started.
#[cfg(target_os = "linux")]
#[test]
fn interrupted_grade_exits_130_and_leaves_nothing() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("grade/interrupted");
    let dir = root().join("xtask/fixtures/echo/hangs");
    let mut grader = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["grade", "echo", "--lang", "en", "--path"])
        .arg(&dir)
        .arg("--target-dir")
        .arg(&target)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until a student program runs: the build is over and a test is under way.
    let deadline = Instant::now() + Duration::from_secs(300);
    while crate::common::processes_under(&target).is_empty() {
        assert!(Instant::now() < deadline, "no student program started");
        assert!(
            grader.try_wait().unwrap().is_none(),
            "the grade ended first"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on the child we spawned and have not yet reaped.
    assert_eq!(unsafe { libc::kill(grader.id() as i32, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = grader.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = grader.kill();
            panic!("the grader did not stop within 20 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130), "{status:?}");
    crate::common::assert_no_survivors(&target);
}
