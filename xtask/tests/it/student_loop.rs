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
    // The tool's errors follow the locale (cmdline.rs): these tests read English.
    cmd.env("LC_ALL", "C");
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
        // Graded at 1795704300 (2026-11-26): days ago, however late this runs.
        .stdout(predicate::str::is_match(r"echo +\d+/\d+ +\d+ d ago").unwrap())
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

/// A copy of the workspace with the echo starter only.
fn starter_checkout() -> tempfile::TempDir {
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
    dir
}

#[test]
fn watch_regrades_when_a_starter_file_is_saved() {
    let dir = starter_checkout();
    let copy = dir.path();
    let echo = copy.join("exercises/echo");
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

/// `watch` in a pseudo-terminal, as a student's terminal runs it: `h` and `q`
/// work without Enter, Ctrl-C quits with 130, and either way the terminal's
/// settings (line editing, echo, signal keys) come back.
#[cfg(unix)]
#[test]
fn watch_reads_single_keys_in_a_terminal_and_restores_it() {
    use rustix::termios::{LocalModes, tcgetattr};

    let dir = starter_checkout();
    let deadline = Instant::now() + Duration::from_secs(300);
    let pty = terminal::Pty::open();
    let cooked = tcgetattr(&pty.slave).unwrap().local_modes;
    assert!(cooked.contains(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG));

    for (keys, code) in [(&b"hq"[..], 0), (&[3u8][..], 130)] {
        let mut watch = pty.spawn(
            Command::new(assert_cmd::cargo::cargo_bin("xtask"))
                .args(["watch", "echo", "--lang", "en", "--root"])
                .arg(dir.path())
                .env("NO_COLOR", "1"),
        );
        pty.wait_for(
            deadline,
            "the first failure",
            "First failure: echo.server.ready",
        );
        let raw = tcgetattr(&pty.slave).unwrap().local_modes;
        assert!(
            !raw.intersects(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG),
            "watch left the terminal in line mode: {raw:?}"
        );
        for &key in keys {
            // One byte, no Enter: what a key press sends.
            pty.press(key);
            if key == b'h' {
                pty.wait_for(deadline, "the first hint after `h`", "hint 1/");
            }
        }
        let quit_by = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = watch.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < quit_by, "watch did not quit on {keys:?}");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(code), "after {keys:?}");
        let after = tcgetattr(&pty.slave).unwrap().local_modes;
        assert_eq!(after, cooked, "watch did not restore the terminal");
        pty.forget_output();
    }
}

/// A pseudo-terminal for a child: the child's stdin, stdout and stderr are
/// its slave side, and its controlling terminal; the test reads the screen
/// and types keys on the master side.
#[cfg(unix)]
mod terminal {
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::{AsFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};

    use super::Killed;

    pub struct Pty {
        master: File,
        pub slave: OwnedFd,
        /// Everything the child wrote since the last `forget_output`.
        screen: Arc<Mutex<Vec<u8>>>,
    }

    impl Pty {
        pub fn open() -> Pty {
            let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
            grantpt(&master).unwrap();
            unlockpt(&master).unwrap();
            let name = ptsname(&master, Vec::new()).unwrap();
            let slave: OwnedFd = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(name.to_str().unwrap())
                .unwrap()
                .into();
            let master = File::from(master);
            let screen = Arc::new(Mutex::new(Vec::new()));
            let mut reader = master.try_clone().unwrap();
            let sink = screen.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                // Ends when the master is closed (the test is over).
                while let Ok(n @ 1..) = reader.read(&mut buf) {
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
            Pty {
                master,
                slave,
                screen,
            }
        }

        pub fn spawn(&self, command: &mut Command) -> Killed {
            let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
            command
                .stdin(io(&self.slave))
                .stdout(io(&self.slave))
                .stderr(io(&self.slave));
            // SAFETY: setsid and the TIOCSCTTY ioctl are single system calls,
            // safe between fork and exec.
            unsafe {
                command.pre_exec(|| {
                    rustix::process::setsid()?;
                    rustix::process::ioctl_tiocsctty(std::io::stdin().as_fd())?;
                    Ok(())
                });
            }
            Killed(command.spawn().unwrap())
        }

        pub fn press(&self, key: u8) {
            (&self.master).write_all(&[key]).unwrap();
        }

        /// Waits until the screen shows `text`.
        pub fn wait_for(&self, deadline: Instant, what: &str, text: &str) {
            loop {
                let screen = String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned();
                if screen.contains(text) {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "watch did not show {what} in time; the screen:\n{screen}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }

        pub fn forget_output(&self) {
            self.screen.lock().unwrap().clear();
        }
    }
}
