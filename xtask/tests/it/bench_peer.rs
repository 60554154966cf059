//! `cargo xtask bench concurrent --peer`: the peer in the design of tokio's
//! chat example speaks the course's chat protocol (so the comparison with the
//! reference is fair), and a tiny side-by-side run with a stalled reader
//! prints both servers' figures. Nothing here asserts on speed.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::Duration;

use crate::common::{concurrent_bench_turn, root};
use assert_cmd::Command;

/// Every read of the protocol test waits this long at most.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The tiny run: the reference's debug build (usually built already), 5
/// clients for 1 s, then 1 s with a stalled reader, for each server.
const SMOKE_BOUND: Duration = Duration::from_secs(300);

/// The peer's process, killed when the test ends, passed or not.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One chat client over a std socket, reading line by line.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn join(addr: &str, name: &str) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        let mut client = Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        client.say(name);
        client
    }

    fn say(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
    }

    /// The next line without its line end; "" at the end of stream.
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line.trim_end_matches(['\r', '\n']).to_string()
    }
}

#[test]
fn the_tokio_chat_peer_speaks_the_chat_protocol() {
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["bench", "tokio-chat-peer", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _peer = Peer(child);
    let mut ready = String::new();
    BufReader::new(stdout).read_line(&mut ready).unwrap();
    let addr = ready
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("not a readiness line: {ready:?}"))
        .to_string();

    let mut alice = Client::join(&addr, "alice");
    assert_eq!(alice.line(), "* welcome alice");
    let mut bob = Client::join(&addr, "bob");
    assert_eq!(bob.line(), "* welcome bob");
    assert_eq!(alice.line(), "* bob joined");

    // A line reaches everyone else, never its sender; an empty one no one.
    alice.say("");
    alice.say("hello bob");
    assert_eq!(bob.line(), "alice: hello bob");
    bob.say("hi alice");
    assert_eq!(alice.line(), "bob: hi alice");

    // Refusals: a name the protocol forbids, a name in use; then the close.
    let mut spaced = Client::join(&addr, "a b");
    assert_eq!(spaced.line(), "! invalid name");
    assert_eq!(spaced.line(), "");
    let mut again = Client::join(&addr, "alice");
    assert_eq!(again.line(), "! name taken");
    assert_eq!(again.line(), "");

    // Leaving is announced, and frees the name.
    drop(bob);
    assert_eq!(alice.line(), "* bob left");
    let mut bob = Client::join(&addr, "bob");
    assert_eq!(bob.line(), "* welcome bob");
    assert_eq!(alice.line(), "* bob joined");
}

#[test]
fn a_tiny_peer_run_measures_both_servers() {
    let _turn = concurrent_bench_turn();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["bench", "concurrent", "--peer", "--smoke"])
        .args(["--clients", "5", "--secs", "1", "--stall-secs", "1"])
        .timeout(SMOKE_BOUND)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // Every delivery, from both servers, in the room of 5 and in the stalled run.
    for server in ["tokio-chat (peer)", "chat-server (reference)"] {
        let runs: Vec<&str> = stdout
            .lines()
            .filter(|line| line.trim_start().starts_with(&format!("{server}: N=5 ")))
            .collect();
        assert_eq!(runs.len(), 2, "{server} in {stdout}");
        for run in runs {
            assert!(run.contains("held=5/5"), "{run}");
            assert!(run.contains("lost=0"), "{run}");
        }
        assert!(
            stdout.contains(&format!("{server}: the stalled reader was")),
            "{stdout}"
        );
    }
    assert!(stdout.contains("reference/peer at 5 clients"), "{stdout}");
    if cfg!(target_os = "linux") {
        assert!(stdout.contains("sampled every second"), "{stdout}");
    }
}
