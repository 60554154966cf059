//! Helpers of the integration tests: the two programs as child processes
//! that are killed when a test ends, whatever happens, and bounded waits.

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Longest any one program may run before the test gives up on it.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A child process, killed and reaped on drop (a failed assertion included).
pub struct Running {
    child: Child,
    name: &'static str,
}

impl Running {
    /// Waits up to `limit` for the exit; returns its status and stderr.
    pub fn wait(mut self, limit: Duration) -> (ExitStatus, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                return (status, stderr);
            }
            assert!(
                start.elapsed() < limit,
                "{} still running after {limit:?}",
                self.name
            );
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `rdt-recv --listen 127.0.0.1:0 OUT` and reads its readiness line.
pub fn start_receiver(out: &Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdt-recv"))
        .args(["--listen", "127.0.0.1:0"])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rdt-recv");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running {
        child,
        name: "rdt-recv",
    };
    // On a thread, so that a receiver that never prints cannot hang us.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(TIMEOUT).expect("readiness line");
    let addr = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("readiness line: {line:?}"))
        .to_string();
    (running, addr)
}

/// Starts `rdt-send FILE ADDR`.
pub fn start_sender(file: &Path, addr: &str) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_rdt-send"))
        .arg(file)
        .arg(addr)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rdt-send");
    Running {
        child,
        name: "rdt-send",
    }
}

/// Runs one of the programs with `args` and returns its exit status.
pub fn run(program: &'static str, args: &[&str]) -> (ExitStatus, String) {
    let path = match program {
        "rdt-send" => env!("CARGO_BIN_EXE_rdt-send"),
        _ => env!("CARGO_BIN_EXE_rdt-recv"),
    };
    let child = Command::new(path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    Running {
        child,
        name: program,
    }
    .wait(TIMEOUT)
}

/// A fresh scratch folder for one test, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("rdt-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `len` pseudo-random bytes (xorshift64*): the same file on every run.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}
