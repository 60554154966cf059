//! Helpers shared by the tests: run the book's programs for real, never for
//! longer than a deadline, and never leave one running after a test.

#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// No program in the book takes longer than this on loopback.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// What a finished program left behind.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// A child process that is killed when this guard is dropped, so a failing
/// assertion (a panic) cannot leave a server running.
pub struct Running {
    pub child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `program` with `args` to completion, or panics after `DEADLINE`.
pub fn run(program: &str, args: &[&str]) -> Finished {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    let mut running = Running { child };
    let mut stdout = running.child.stdout.take().expect("piped stdout");
    let mut stderr = running.child.stderr.take().expect("piped stderr");
    // Drain both pipes on threads, so a chatty program cannot block on a
    // full pipe while we wait for it to exit.
    let out = thread::spawn(move || read_all(&mut stdout));
    let err = thread::spawn(move || read_all(&mut stderr));

    let start = Instant::now();
    let status = loop {
        if let Some(status) = running.child.try_wait().expect("try_wait") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            panic!("{program} {args:?} still running after {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Finished {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

fn read_all(pipe: &mut impl Read) -> String {
    let mut text = String::new();
    let _ = pipe.read_to_string(&mut text);
    text
}

/// Starts `program` with `args` and returns it with its stdout as lines.
/// The caller reads lines with `next_line`; the guard kills it at the end.
pub fn start(program: &str, args: &[&str]) -> (Running, BufReader<ChildStdout>) {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    let mut running = Running { child };
    let stdout = BufReader::new(running.child.stdout.take().expect("piped stdout"));
    (running, stdout)
}

/// Reads one line from a running program's stdout, or panics after
/// `DEADLINE`. The read happens on a thread, so a silent program cannot
/// hang the test; the thread hands the reader back with the line.
pub fn next_line(stdout: BufReader<ChildStdout>) -> (String, BufReader<ChildStdout>) {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut stdout = stdout;
        let mut line = String::new();
        let result = stdout.read_line(&mut line).map(|_| line);
        let _ = tx.send((result, stdout));
    });
    match rx.recv_timeout(DEADLINE) {
        Ok((Ok(line), stdout)) => (line.trim_end().to_string(), stdout),
        Ok((Err(e), _)) => panic!("reading the program's stdout: {e}"),
        Err(_) => panic!("no line from the program within {DEADLINE:?}"),
    }
}
