//! Runs both line relays, `relay_threads` and `relay_tokio`, and checks what
//! the chapter "Concurrent server" says of them: a line from one client
//! reaches every other client and never its sender, a line split over two
//! writes arrives whole, and a client that leaves (closing, or with a reset)
//! does not disturb the others. Every wait is bounded, and the server is
//! killed when a test ends, pass or fail.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ChildStdout;
use std::thread;
use std::time::Duration;

const THREADS: &str = env!("CARGO_BIN_EXE_relay_threads");
const TOKIO: &str = env!("CARGO_BIN_EXE_relay_tokio");

/// How long a client waits for a line that should come.
const WAIT: Duration = Duration::from_secs(5);

/// How long a client listens for a line that must not come.
const QUIET: Duration = Duration::from_millis(300);

/// A running relay: the child (killed on drop), its stdout, and its address.
struct Relay {
    _server: support::Running,
    stdout: Option<BufReader<ChildStdout>>,
    addr: String,
}

impl Relay {
    fn start(program: &str) -> Relay {
        let (server, stdout) = support::start(program, &["127.0.0.1:0"]);
        let (first, stdout) = support::next_line(stdout);
        let addr = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        assert_ne!(addr, "127.0.0.1:0", "the relay must print the real port");
        Relay {
            _server: server,
            stdout: Some(stdout),
            addr,
        }
    }

    /// The relay's next line on stdout (bounded by `support::DEADLINE`).
    fn log_line(&mut self) -> String {
        let (line, stdout) = support::next_line(self.stdout.take().expect("stdout"));
        self.stdout = Some(stdout);
        line
    }

    /// Connects a client and waits until the relay says it joined the room:
    /// from then on it receives every line said.
    fn join(&mut self) -> Client {
        let stream = TcpStream::connect(&self.addr).expect("connect");
        let local = stream.local_addr().expect("local addr");
        assert_eq!(self.log_line(), format!("joined {local}"));
        stream.set_read_timeout(Some(WAIT)).expect("read timeout");
        stream.set_write_timeout(Some(WAIT)).expect("write timeout");
        Client {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            stream,
        }
    }
}

struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn say(&mut self, bytes: &str) {
        self.stream.write_all(bytes.as_bytes()).expect("write");
    }

    /// The next line, without its `\n`; panics if none comes within `WAIT`.
    fn hear(&mut self) -> String {
        self.reader.get_ref().set_read_timeout(Some(WAIT)).unwrap();
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(n) if n > 0 && line.ends_with('\n') => line.trim_end_matches('\n').to_string(),
            Ok(_) => panic!("the relay closed the connection (got {line:?})"),
            Err(e) => panic!("no line within {WAIT:?}: {e}"),
        }
    }

    /// Panics if any byte arrives within `QUIET`.
    fn hears_nothing(&mut self) {
        self.reader.get_ref().set_read_timeout(Some(QUIET)).unwrap();
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            other => panic!("expected silence, got {other:?} {line:?}"),
        }
    }
}

fn each_relay(test: fn(Relay)) {
    for program in [THREADS, TOKIO] {
        test(Relay::start(program));
    }
}

#[test]
fn a_line_reaches_every_other_client_and_not_its_sender() {
    each_relay(|mut relay| {
        let mut a = relay.join();
        let mut b = relay.join();
        let mut c = relay.join();
        b.say("hello from b\n");
        assert_eq!(a.hear(), "hello from b");
        assert_eq!(c.hear(), "hello from b");
        b.hears_nothing();
        // Lines of one sender arrive in the order sent, and anyone may talk.
        a.say("one\ntwo\n");
        for listener in [&mut b, &mut c] {
            assert_eq!(listener.hear(), "one");
            assert_eq!(listener.hear(), "two");
        }
        a.hears_nothing();
    });
}

#[test]
fn a_line_split_over_two_writes_arrives_whole() {
    each_relay(|mut relay| {
        let mut a = relay.join();
        let mut b = relay.join();
        a.say("hel");
        thread::sleep(Duration::from_millis(50));
        // Nothing is relayed before the `\n` has arrived.
        b.hears_nothing();
        a.say("lo\n");
        assert_eq!(b.hear(), "hello");
    });
}

#[test]
fn a_client_that_leaves_does_not_disturb_the_others() {
    each_relay(|mut relay| {
        let mut a = relay.join();
        let mut b = relay.join();
        let c = relay.join();
        let c_addr = c.stream.local_addr().unwrap();
        // c closes cleanly, with half a line the relay must drop.
        let mut c = c;
        c.say("unfinished");
        c.stream.shutdown(Shutdown::Both).unwrap();
        drop(c);
        assert_eq!(relay.log_line(), format!("left {c_addr}"));
        a.say("still here?\n");
        assert_eq!(b.hear(), "still here?");
        a.hears_nothing();

        // d leaves with a reset: closing a socket with unread data in its
        // receive buffer makes the kernel send RST instead of FIN.
        let d = relay.join();
        let d_addr = d.stream.local_addr().unwrap();
        b.say("for a and d\n");
        assert_eq!(a.hear(), "for a and d");
        thread::sleep(Duration::from_millis(50)); // let it reach d, unread
        drop(d.reader);
        drop(d.stream);
        assert_eq!(relay.log_line(), format!("left {d_addr}"));
        b.say("after the reset\n");
        assert_eq!(a.hear(), "after the reset");
        a.say("and back\n");
        assert_eq!(b.hear(), "and back");
    });
}
