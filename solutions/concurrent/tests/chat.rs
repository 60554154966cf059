//! Both chat servers, `chat-server` (tokio) and `chat-server-threads`, over
//! 127.0.0.1. Every test starts its own server on port 0, bounds every wait
//! with a read timeout, and kills the server when it ends, even on failure.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// The two binaries that must meet the same contract.
const SERVERS: [&str; 2] = [
    env!("CARGO_BIN_EXE_chat-server"),
    env!("CARGO_BIN_EXE_chat-server-threads"),
];

/// Longest wait for any one line.
const TIMEOUT: Duration = Duration::from_secs(5);

/// A running server, killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(bin: &str) -> Server {
        let mut child = Command::new(bin)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        // Read the readiness line on a thread, so a silent server cannot
        // hang the test.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = Server {
            child,
            addr: String::new(),
        };
        let line = rx.recv_timeout(TIMEOUT).expect("listening line");
        server.addr = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("readiness line: {line:?}"))
            .to_string();
        server
    }

    fn connect(&self) -> Client {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Client { stream, reader }
    }

    /// Connects, sends the name, and checks the welcome.
    fn join(&self, name: &str) -> Client {
        let mut client = self.connect();
        client.send(name);
        client.expect(&format!("* welcome {name}"));
        client
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    /// The next line without its `\n`, or None at end of stream.
    fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(
                line.strip_suffix('\n')
                    .expect("line ends with \\n")
                    .to_string(),
            ),
            // A reset after the last line counts as the end, too.
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => None,
            Err(err) => panic!("read: {err}"),
        }
    }

    fn expect(&mut self, want: &str) {
        assert_eq!(self.line().as_deref(), Some(want));
    }

    fn expect_eof(&mut self) {
        assert_eq!(self.line(), None);
    }
}

#[test]
fn usage_error_exits_2() {
    for bin in SERVERS {
        let out = Command::new(bin).arg("--port").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bin}");
    }
}

#[test]
fn two_clients_talk() {
    for bin in SERVERS {
        let server = Server::start(bin);
        // Connected, silent: must not keep anyone from joining or talking.
        let _idle = server.connect();
        let mut alice = server.join("alice");
        let mut bob = server.join("bob");
        alice.expect("* bob joined");
        bob.send("hi alice");
        alice.expect("bob: hi alice");
        // Empty lines are ignored; `\r\n` is accepted.
        alice.send("");
        alice.stream.write_all(b"hello bob\r\n").unwrap();
        // Bob's next line is Alice's: he never gets his own back.
        bob.expect("alice: hello bob");
        drop(bob);
        alice.expect("* bob left");
        // The name is free again.
        let _bob = server.join("bob");
        alice.expect("* bob joined");
    }
}

#[test]
fn violations_close_the_connection() {
    for bin in SERVERS {
        let server = Server::start(bin);
        let mut alice = server.join("alice");
        for name in ["", "a b", &"x".repeat(33), "../x"] {
            let mut client = server.connect();
            client.send(name);
            client.expect("! invalid name");
            client.expect_eof();
        }
        let mut taken = server.connect();
        taken.send("alice");
        taken.expect("! name taken");
        taken.expect_eof();

        let mut long = server.join("long");
        alice.expect("* long joined");
        // 1024 bytes is the longest line; 1025 is one too many.
        long.send(&"y".repeat(1024));
        alice.expect(&format!("long: {}", "y".repeat(1024)));
        long.send(&"z".repeat(1025));
        long.expect("! line too long");
        long.expect_eof();
        alice.expect("* long left");
        // The room carries on.
        let _bob = server.join("bob");
        alice.expect("* bob joined");
    }
}

#[test]
fn a_newcomer_hears_the_answer_to_its_join() {
    for bin in SERVERS {
        let server = Server::start(bin);
        let mut alice = server.join("alice");
        for round in 0..20 {
            let name = format!("n{round}");
            let mut newcomer = server.connect();
            newcomer.send(&name);
            alice.expect(&format!("* {name} joined"));
            alice.send(&format!("hello {name}"));
            newcomer.expect(&format!("* welcome {name}"));
            newcomer.expect(&format!("alice: hello {name}"));
            drop(newcomer);
            alice.expect(&format!("* {name} left"));
        }
    }
}

#[test]
fn a_client_that_never_reads_is_dropped() {
    for bin in SERVERS {
        let server = Server::start(bin);
        let _slow = server.join("slow");
        let mut fast = server.join("fast");
        let mut talker = server.join("talker");
        fast.expect("* talker joined");

        // Fast reads everything on a thread; the talker stops talking once
        // fast has seen slow leave. The talker waits for fast to keep up
        // within a few hundred lines: the server queues at most 1024 lines
        // for anyone, and this test is about slow, not about throughput.
        let slow_left = Arc::new(AtomicBool::new(false));
        let received = Arc::new(AtomicUsize::new(0));
        let (seen, count) = (Arc::clone(&slow_left), Arc::clone(&received));
        let reader = thread::spawn(move || {
            let mut next = 0;
            loop {
                match fast.line().expect("fast is never dropped").as_str() {
                    "* slow left" => seen.store(true, Ordering::SeqCst),
                    "talker: done" => return next,
                    line => {
                        let number = line
                            .strip_prefix("talker: ")
                            .and_then(|rest| rest.split(' ').next())
                            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
                        assert_eq!(number, next.to_string(), "lines out of order");
                        next += 1;
                        count.store(next, Ordering::SeqCst);
                    }
                }
            }
        });
        let payload = "p".repeat(1000);
        let start = Instant::now();
        let mut sent = 0;
        while !slow_left.load(Ordering::SeqCst) {
            assert!(sent < 50_000, "{bin}: slow was never dropped");
            assert!(start.elapsed() < Duration::from_secs(15), "{bin}: too slow");
            if sent - received.load(Ordering::SeqCst) > 300 {
                thread::sleep(Duration::from_millis(1));
                continue;
            }
            for _ in 0..100 {
                talker.send(&format!("{sent} {payload}"));
                sent += 1;
            }
        }
        talker.send("done");
        assert_eq!(reader.join().unwrap(), sent, "fast missed lines");
        eprintln!("{bin}: slow dropped after {sent} lines of 1 KB");
    }
}

#[cfg(unix)]
#[test]
fn sigterm_says_goodbye_and_exits_0() {
    for bin in SERVERS {
        let mut server = Server::start(bin);
        let mut alice = server.join("alice");
        let mut bob = server.join("bob");
        alice.expect("* bob joined");
        let _unnamed = server.connect();
        let start = Instant::now();
        let kill = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        for client in [&mut alice, &mut bob] {
            client.expect("* server shutting down");
            client.expect_eof();
        }
        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "{bin}: still running"
            );
            thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(status.code(), Some(0), "{bin}");
    }
}
