//! The two programs over 127.0.0.1: files of every awkward size arrive
//! byte for byte, also through a relay that loses datagrams; the failures
//! exit with the spec's codes. Every test starts its own receiver on port 0,
//! bounds every wait, and kills what it started when it ends.

mod common;

use std::fs;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::{Scratch, TIMEOUT, random_bytes, run, start_receiver, start_sender};

/// Sends `bytes` from `rdt-send` to `rdt-recv` through `relay` (or
/// directly) and checks both exit 0 and OUT holds exactly `bytes`.
fn transfer(test: &str, bytes: &[u8], relay: Option<u32>) {
    let scratch = Scratch::new(test);
    let (input, out) = (scratch.path("in.bin"), scratch.path("out.bin"));
    fs::write(&input, bytes).unwrap();
    let (receiver, addr) = start_receiver(&out);
    let relay = relay.map(|every| Relay::start(addr.parse().unwrap(), every));
    let target = relay.as_ref().map_or(addr, |r| r.front.to_string());

    let (status, stderr) = start_sender(&input, &target).wait(TIMEOUT);
    assert!(status.success(), "rdt-send: {status}: {stderr}");
    // Shown with `--nocapture`: how many chunks were re-sent, and why.
    eprint!("{test}: {stderr}");
    let (status, stderr) = receiver.wait(TIMEOUT);
    assert!(status.success(), "rdt-recv: {status}: {stderr}");

    let got = fs::read(&out).expect("OUT exists");
    assert_eq!(got.len(), bytes.len(), "size of OUT");
    assert!(got == bytes, "OUT differs from the file sent");
    assert!(
        !scratch.path("out.bin.part").exists(),
        "OUT.part left behind"
    );
    if let Some(relay) = relay {
        let (up, down) = relay.stop();
        // The relay really lost datagrams both ways: the test proves recovery.
        assert!(up.dropped > 10 && down.dropped > 10, "{up:?} {down:?}");
    }
}

#[test]
fn a_300_kib_file_arrives_byte_identical() {
    transfer("300k", &random_bytes(300 * 1024, 1), None);
}

#[test]
fn an_empty_file_arrives_as_an_empty_file() {
    transfer("empty", &[], None);
}

#[test]
fn one_full_chunk_and_one_byte_more() {
    transfer("1200", &random_bytes(1200, 2), None);
    transfer("1201", &random_bytes(1201, 3), None);
}

#[test]
fn the_transfer_survives_losing_every_7th_datagram_each_way() {
    transfer("lossy", &random_bytes(300 * 1024, 4), Some(7));
}

#[test]
fn nothing_listening_exits_1_within_3_s() {
    let scratch = Scratch::new("refused");
    let input = scratch.path("in.bin");
    fs::write(&input, random_bytes(5000, 5)).unwrap();
    // A port that was free a moment ago: bound, read, closed.
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = Instant::now();
    let (status, stderr) = start_sender(&input, &format!("127.0.0.1:{port}")).wait(TIMEOUT);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(stderr.contains("nothing listens"), "{stderr}");
}

#[test]
fn bad_command_lines_exit_2() {
    for args in [&[][..], &["only-file"], &["a", "b", "c"], &["--help", "x"]] {
        let (status, stderr) = run("rdt-send", args);
        assert_eq!(status.code(), Some(2), "rdt-send {args:?}: {stderr}");
        assert!(stderr.contains("usage"), "{stderr}");
    }
    for args in [&[][..], &["--listen"], &["--bogus", "out"], &["a", "b"]] {
        let (status, stderr) = run("rdt-recv", args);
        assert_eq!(status.code(), Some(2), "rdt-recv {args:?}: {stderr}");
    }
}

#[test]
fn a_missing_file_exits_1() {
    let (status, stderr) = run("rdt-send", &["/nonexistent/rdt-input", "127.0.0.1:9"]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("/nonexistent/rdt-input"), "{stderr}");
}

/// How many datagrams one direction of the relay saw and dropped.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    seen: u32,
    dropped: u32,
}

/// A lossy link in a thread pair: the sender talks to `front`, the relay
/// forwards to the receiver from its `back` socket, and drops every
/// `every`-th datagram in each direction, the same ones on every run.
struct Relay {
    front: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<Counts>>,
}

impl Relay {
    fn start(receiver: SocketAddr, every: u32) -> Relay {
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.connect(receiver).unwrap();
        // Short read timeouts, so that each thread sees `stop` soon.
        for socket in [&front, &back] {
            socket
                .set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let sender: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let addr = front.local_addr().unwrap();

        let up = {
            let (front, back) = (front.try_clone().unwrap(), back.try_clone().unwrap());
            let (stop, sender) = (stop.clone(), sender.clone());
            thread::spawn(move || {
                pump(
                    &stop,
                    every,
                    |buf| {
                        let (n, from) = front.recv_from(buf).ok()?;
                        *sender.lock().unwrap() = Some(from);
                        Some(n)
                    },
                    |bytes| {
                        let _ = back.send(bytes);
                    },
                )
            })
        };
        let down = {
            let stop = stop.clone();
            thread::spawn(move || {
                pump(
                    &stop,
                    every,
                    |buf| back.recv(buf).ok(),
                    |bytes| {
                        if let Some(to) = *sender.lock().unwrap() {
                            let _ = front.send_to(bytes, to);
                        }
                    },
                )
            })
        };
        Relay {
            front: addr,
            stop,
            threads: vec![up, down],
        }
    }

    /// Stops both threads; returns what each direction saw (up, down).
    fn stop(mut self) -> (Counts, Counts) {
        self.stop.store(true, Ordering::Relaxed);
        let down = self.threads.pop().unwrap().join().unwrap();
        let up = self.threads.pop().unwrap().join().unwrap();
        (up, down)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// One direction: receive, count, drop every `every`-th, forward the rest.
/// Bounded by `stop` and by the test's overall timeout.
fn pump(
    stop: &AtomicBool,
    every: u32,
    mut recv: impl FnMut(&mut [u8]) -> Option<usize>,
    mut forward: impl FnMut(&[u8]),
) -> Counts {
    let mut counts = Counts::default();
    let mut buf = [0u8; 2048];
    let start = Instant::now();
    while !stop.load(Ordering::Relaxed) && start.elapsed() < TIMEOUT {
        // None: a read timeout (or an ICMP error once a side has exited).
        let Some(n) = recv(&mut buf) else { continue };
        counts.seen += 1;
        if counts.seen % every == 0 {
            counts.dropped += 1;
        } else {
            forward(&buf[..n]);
        }
    }
    counts
}
