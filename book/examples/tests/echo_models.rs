//! One test, three servers: `echo_threads`, `echo_mio` and `echo_tokio` of
//! the chapter "I/O models" must behave the same on the wire. Each runs the
//! same checks (`check_echo_server`): many clients at once while one sits
//! idle, echo before the half-close, a payload large enough that the
//! server's writes come back partial, the half-close, and a client that
//! closes early without reading. A deliberately broken server, kept in this
//! file, proves the checks can fail: it drops what a partial write left.
//!
//! Loopback only, port 0, every socket with timeouts, every thread joined
//! within a deadline, every server killed when its test ends.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A client's reads and writes give up after this long.
const WAIT: Duration = Duration::from_secs(10);
/// Clients talking at once.
const CLIENTS: usize = 8;
/// Messages each of them sends, each echoed before the next is sent.
const ROUNDS: usize = 50;
/// The large payload: more than loopback's socket buffers on both sides
/// hold, so the server's writes must block or come back partial.
const LARGE: usize = 32 * 1024 * 1024;
/// The large payload's reader starts once the writer has made no progress
/// for this long: every buffer between them is full.
const STALL: Duration = Duration::from_millis(300);

type Check = Result<(), String>;

#[test]
fn echo_threads_passes() {
    run_against(env!("CARGO_BIN_EXE_echo_threads"));
}

#[test]
fn echo_mio_passes() {
    run_against(env!("CARGO_BIN_EXE_echo_mio"));
}

#[test]
fn echo_tokio_passes() {
    run_against(env!("CARGO_BIN_EXE_echo_tokio"));
}

/// The checks catch a server that loses the rest of a partial write.
#[test]
fn a_server_that_drops_a_partial_write_fails() {
    let server = BuggyServer::start();
    let result = check_echo_server(&server.addr);
    server.stop();
    let err = result.expect_err("the checks passed a server that drops bytes");
    assert!(err.contains("large payload"), "failed elsewhere: {err}");
}

/// All three take `--listen ADDR` and refuse anything else with exit code 2.
#[test]
fn the_three_share_their_command_line() {
    for program in [
        env!("CARGO_BIN_EXE_echo_threads"),
        env!("CARGO_BIN_EXE_echo_mio"),
        env!("CARGO_BIN_EXE_echo_tokio"),
    ] {
        let done = support::run(program, &["--listen"]);
        assert_eq!(done.status.code(), Some(2), "{program}: {}", done.stderr);
        assert!(done.stderr.contains("usage:"), "{program}: {}", done.stderr);
        assert!(done.stdout.is_empty(), "{program}: {}", done.stdout);
    }
}

fn run_against(program: &str) {
    let (_server, stdout) = support::start(program, &["--listen", "127.0.0.1:0"]);
    let (first, _stdout) = support::next_line(stdout);
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{program}: unexpected first line {first:?}"))
        .to_string();
    assert!(!addr.ends_with(":0"), "{program} must print the real port");
    if let Err(e) = check_echo_server(&addr) {
        panic!("{program}: {e}");
    }
}

/// Everything the chapter promises of an echo server.
fn check_echo_server(addr: &str) -> Check {
    many_clients_while_one_is_idle(addr)?;
    large_payload(addr)?;
    client_closing_early(addr)?;
    // The server survived all of the above and still answers.
    exchange(addr, 0, b"still there\n")
}

fn connect(addr: &str) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(WAIT))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(WAIT))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Sends `ROUNDS` messages, each read back before the next is sent (the
/// server echoes as bytes arrive, not after the half-close), then
/// half-closes and expects nothing more but the server's FIN.
fn exchange(addr: &str, client: usize, last: &[u8]) -> Check {
    let mut stream = connect(addr)?;
    for round in 0..ROUNDS {
        let message = format!("client {client} round {round}: {}\n", "x".repeat(round));
        stream
            .write_all(message.as_bytes())
            .map_err(|e| format!("client {client}: write: {e}"))?;
        let mut back = vec![0; message.len()];
        stream.read_exact(&mut back).map_err(|e| {
            format!("client {client}, round {round}: no echo before the half-close: {e}")
        })?;
        if back != message.as_bytes() {
            return Err(format!(
                "client {client}: sent {message:?}, got {:?}",
                String::from_utf8_lossy(&back)
            ));
        }
    }
    stream.write_all(last).map_err(|e| e.to_string())?;
    stream
        .shutdown(Shutdown::Write)
        .map_err(|e| format!("client {client}: shutdown: {e}"))?;
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .map_err(|e| format!("client {client}: after the half-close: {e}"))?;
    if rest != last {
        return Err(format!(
            "client {client}: after the half-close expected {:?} then EOF, got {:?}",
            String::from_utf8_lossy(last),
            String::from_utf8_lossy(&rest)
        ));
    }
    Ok(())
}

/// One client connects and says nothing; `CLIENTS` others talk at once and
/// must all be served meanwhile.
fn many_clients_while_one_is_idle(addr: &str) -> Check {
    let idle = connect(addr)?;
    let (tx, rx) = mpsc::channel();
    for client in 1..=CLIENTS {
        let (tx, addr) = (tx.clone(), addr.to_string());
        thread::spawn(move || {
            let _ = tx.send(exchange(
                &addr,
                client,
                format!("bye {client}\n").as_bytes(),
            ));
        });
    }
    drop(tx);
    let deadline = Instant::now() + 3 * WAIT;
    for _ in 0..CLIENTS {
        let left = deadline.saturating_duration_since(Instant::now());
        rx.recv_timeout(left)
            .map_err(|_| "many clients: not all were served in time".to_string())??;
    }
    drop(idle);
    Ok(())
}

/// `LARGE` seeded bytes, written on one thread while the reader waits until
/// the writer is stuck, so that the server's writes have met a full send
/// buffer; then everything must come back, exactly, before the server's FIN.
fn large_payload(addr: &str) -> Check {
    let payload: Arc<Vec<u8>> = Arc::new(seeded_bytes(LARGE, 0x9e37_79b9_7f4a_7c15));
    let mut stream = connect(addr)?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let sent = Arc::new(AtomicUsize::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    {
        let (payload, sent) = (payload.clone(), sent.clone());
        thread::spawn(move || {
            let mut result = Ok(());
            for piece in payload.chunks(64 * 1024) {
                if let Err(e) = writer.write_all(piece) {
                    result = Err(format!("large payload: write: {e}"));
                    break;
                }
                sent.fetch_add(piece.len(), Relaxed);
            }
            if result.is_ok() {
                result = writer
                    .shutdown(Shutdown::Write)
                    .map_err(|e| format!("large payload: shutdown: {e}"));
            }
            let _ = done_tx.send(result);
        });
    }
    // Wait until the writer stalls (or, on a system with huge buffers, ends).
    let mut last = (0, Instant::now());
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let now = sent.load(Relaxed);
        if now == LARGE {
            break;
        }
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > STALL {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    let mut back = Vec::with_capacity(LARGE);
    let read = stream.read_to_end(&mut back);
    let written = done_rx
        .recv_timeout(WAIT)
        .map_err(|_| "large payload: the writer did not finish".to_string())?;
    written?;
    read.map_err(|e| format!("large payload: read after {} bytes: {e}", back.len()))?;
    if back.len() != LARGE {
        return Err(format!(
            "large payload: sent {LARGE} bytes, got {} back before the server's FIN",
            back.len()
        ));
    }
    if let Some(at) = back.iter().zip(payload.iter()).position(|(a, b)| a != b) {
        return Err(format!(
            "large payload: byte {at} differs from what was sent"
        ));
    }
    Ok(())
}

/// A client sends a megabyte and closes without reading a byte: its kernel
/// answers the echo with a reset. The server must drop that connection,
/// and only that one.
fn client_closing_early(addr: &str) -> Check {
    let mut rude = connect(addr)?;
    rude.write_all(&seeded_bytes(1024 * 1024, 7))
        .map_err(|e| format!("early close: write: {e}"))?;
    drop(rude);
    thread::sleep(Duration::from_millis(100));
    exchange(addr, 99, b"after the reset\n")
        .map_err(|e| format!("after a client closed early: {e}"))
}

/// Pseudo-random bytes (xorshift64*): a dropped or repeated run shows.
fn seeded_bytes(len: usize, seed: u64) -> Vec<u8> {
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

/// An echo server with the classic mistake: it writes with a non-blocking
/// `write` and ignores how much was taken. Fine while the client reads
/// along; when the send buffer fills, the rest of the chunk is lost.
struct BuggyServer {
    addr: String,
    stop: Arc<AtomicBool>,
    accepter: thread::JoinHandle<()>,
}

impl BuggyServer {
    fn start() -> BuggyServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr").to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let accepter = thread::spawn(move || {
            let deadline = Instant::now() + 6 * WAIT;
            while !flag.load(Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        thread::spawn(move || buggy_echo(stream));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        BuggyServer {
            addr,
            stop,
            accepter,
        }
    }

    fn stop(self) {
        self.stop.store(true, Relaxed);
        let _ = self.accepter.join();
    }
}

fn buggy_echo(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(WAIT));
    let mut buf = vec![0; 16 * 1024];
    while let Ok(n @ 1..) = stream.read(&mut buf) {
        let _ = stream.set_nonblocking(true);
        // The mistake: a partial write's count (or WouldBlock) is ignored.
        let _ = stream.write(&buf[..n]);
        let _ = stream.set_nonblocking(false);
    }
    let _ = stream.shutdown(Shutdown::Write);
}
