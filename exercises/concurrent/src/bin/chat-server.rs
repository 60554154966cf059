//! # Exercise 3 · Chat server
//!
//! Many clients connect at once. Each sends its name as its first line and
//! gets `* welcome NAME`; from then on every line it sends reaches everyone
//! else as `NAME: TEXT`, and the room hears `* NAME joined` and `* NAME left`.
//! A client that stops reading must not slow anyone down: the server queues
//! at most 1024 lines for it, then drops it. On SIGTERM or Ctrl-C the server
//! tells everyone `* server shutting down`, closes, and exits 0.
//!
//! Usage: `chat-server [--listen ADDR]` (default `127.0.0.1:7880`). Once it
//! accepts connections it prints exactly one line to stdout: `listening on
//! <ip>:<port>`. Diagnostics go to stderr (`eprintln!`).
//!
//! This file is the tokio version: one task per client, a
//! `tokio::sync::broadcast` channel for the room. You may write the std
//! threads version first (a reader and a writer thread per client, a
//! `Mutex<HashMap>` of clients, a bounded `std::sync::mpsc::sync_channel`
//! each): it meets the same contract and scores the same. The book's chapter
//! "Concurrent server" walks through both. Fill in the `todo!()`s from top
//! to bottom; grade with `cargo xtask grade concurrent`.

// Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
#![allow(dead_code, unused_imports)]

use std::collections::{HashSet, VecDeque};
use std::io;
use std::process::exit;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7880";

/// The longest line, in bytes before its `\n`: one byte more is a violation.
/// A `\r` before the `\n` counts: 1024 bytes and `\r\n` are too long.
const MAX_LINE: usize = 1024;

/// The longest name, in bytes.
const MAX_NAME: usize = 32;

/// How many lines may wait for one client beyond what the kernel's socket
/// buffers hold. One more, and that client is dropped. Also a good
/// capacity for the broadcast channel.
const MAX_QUEUE: usize = 1024;

/// One line said in the room.
#[derive(Clone)]
struct Message {
    /// Who said it (a number per connection): never send it back to them.
    from: u64,
    /// The whole line, `\n` included, as every receiver will get it.
    line: Arc<[u8]>,
}

/// What all connections share.
struct Room {
    /// Names of the joined clients. A std `Mutex`: lock it for a lookup or
    /// an insert, never across an `.await`.
    names: Mutex<HashSet<String>>,
    /// `tx.subscribe()` gives each joined client its own `Receiver`.
    tx: broadcast::Sender<Message>,
}

/// What `read_line` found.
enum Line {
    /// A whole line, `\n` included, is in the buffer.
    Complete,
    /// More than `MAX_LINE` bytes came without a `\n`.
    TooLong,
    /// The client closed (bytes after its last `\n` do not count).
    Eof,
}

#[tokio::main]
async fn main() {
    let addr = listen_addr();
    // The signal handlers come first, before the readiness line: whoever
    // reads `listening on` may send SIGTERM the very next moment, and
    // until a handler is installed SIGTERM kills the process.
    let signals = Signals::install();
    let listener = open_listener(&addr).await;
    serve(listener, signals).await;
}

/// Reads `--listen ADDR` (or `--listen=ADDR`) from the command line. (Given.)
fn listen_addr() -> String {
    let mut args = std::env::args().skip(1);
    let mut addr = DEFAULT_LISTEN.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(value) => addr = value,
                None => usage(),
            },
            _ => match arg.strip_prefix("--listen=") {
                Some(value) => addr = value.to_string(),
                None => usage(),
            },
        }
    }
    addr
}

fn usage() -> ! {
    eprintln!("usage: chat-server [--listen ADDR]");
    exit(2);
}

/// Steps 1–3: **create** a socket, **bind** it to `addr`, and **listen**.
///
/// - `TcpListener::bind(addr).await` (tokio's) does all three.
/// - On error, print `bind <addr>: <error>` to stderr and `exit(1)`.
/// - Then print `listening on <ip>:<port>` with `listener.local_addr()`.
#[allow(unused_variables)]
async fn open_listener(addr: &str) -> TcpListener {
    todo!(
        "steps 1–3: TcpListener::bind(addr).await, then println!(\"listening on {{}}\", local_addr)"
    )
}

/// The handlers for SIGTERM and SIGINT (Ctrl-C), once installed.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Signals {
    /// Step 0 (`main` calls it first): **install** the handlers now.
    ///
    /// - `tokio::signal::unix::signal(SignalKind::terminate())` and
    ///   `signal(SignalKind::interrupt())` register them at once (on error,
    ///   print it and `exit(1)`). From then on a signal does not kill the
    ///   process: it is kept until someone awaits `recv()`, not lost.
    /// - On Windows, `tokio::signal::windows::ctrl_c()`.
    fn install() -> Signals {
        todo!("step 0: signal(SignalKind::terminate()) and signal(SignalKind::interrupt())")
    }

    /// Waits for either signal: `tokio::select!` over `term.recv()` and
    /// `int.recv()` (on Windows, `ctrl_c.recv()`).
    async fn recv(&mut self) {
        todo!("step 0: select! over the two recv()s")
    }
}

/// Step 4: **accept** clients, each on its own task, until `signals.recv()`
/// returns (SIGTERM or Ctrl-C: the handlers are installed already).
///
/// - Make the room: `broadcast::channel(MAX_QUEUE)`, an empty set of names,
///   all in an `Arc` so every task can hold it.
/// - Make a stop signal every task can watch: `watch::channel(false)`.
/// - `tokio::select!` between a loop of `listener.accept().await` (give each
///   client a new id and `tokio::spawn(handle_client(...))`: never serve a
///   client in this loop) and `signals.recv()`.
/// - After a signal: drop the listener, `stop_tx.send(true)`, and give the
///   tasks a moment (`tokio::time::sleep`, well under 2 s) to say goodbye.
#[allow(unused_variables)]
async fn serve(listener: TcpListener, signals: Signals) {
    todo!("step 4: room, select! {{ accept loop + tokio::spawn, signal }}, then stop")
}

/// Step 5: one client, from its first line to its close.
///
/// - `stream.split()` gives a read half and a write half; wrap the read half
///   in `BufReader`. Keep one line buffer (`Vec<u8>`) for the whole
///   connection.
/// - The first line is the name (`read_line`, strip `\n` and a `\r`).
///   Invalid → write `! invalid name`, close. Taken (`insert` into the set
///   returns false) → `! name taken`, close. Names are case-sensitive:
///   keep them as sent (`Alice` and `alice` are two people). Too long → `! line too long`.
/// - **Subscribe first** (`room.tx.subscribe()`), then queue
///   `* welcome NAME` for this client, then send `* NAME joined` to the
///   room. The other way round, a quick answer to the join is lost.
/// - Then loop on `tokio::select!` over: a line from the client
///   (`read_line`: relay `NAME: TEXT`, skip empty lines), a message from the
///   room (`rx.recv()`: skip your own, queue the rest in a `VecDeque`; more
///   than `MAX_QUEUE` queued, or `RecvError::Lagged` → drop the client), a
///   write of the queue's first line (`writer.write(..)`, **not**
///   `write_all`, guarded by `if !queue.is_empty()`), and the stop signal.
/// - Leaving: remove the name, **then** send `* NAME left`, exactly once,
///   from one place after the loop, whatever ended it. On stop, send no
///   `left` (everyone is leaving): write what is queued, then
///   `* server shutting down`, then close (bounded by `tokio::time::timeout`).
#[allow(unused_variables)]
async fn handle_client(stream: TcpStream, id: u64, room: Arc<Room>, stop: watch::Receiver<bool>) {
    todo!("step 5: name, subscribe, welcome, joined, select! loop, left")
}

/// Reads one line into `buf`, but never more than `MAX_LINE + 1` bytes.
///
/// - `reader.take(limit).read_until(b'\n', buf).await` stops at `\n`, at
///   end of stream, or after `limit` bytes. `limit` is
///   `MAX_LINE + 1 - buf.len()`: `buf` may already hold the start of this
///   line if an earlier call was cancelled by `select!`.
/// - Then: ends with `\n` → `Complete`; longer than `MAX_LINE` → `TooLong`;
///   otherwise the stream ended → `Eof`.
/// - Never `lines()`: a client that sends no `\n` would make it buffer
///   without end.
#[allow(unused_variables, clippy::ptr_arg)] // read_until appends to a Vec: a slice will not do
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, buf: &mut Vec<u8>) -> io::Result<Line> {
    todo!("read_line: take(MAX_LINE + 1 - buf.len()), read_until(b'\\n'), then classify")
}

/// A valid name: 1 to `MAX_NAME` bytes, each an ASCII letter, digit, `-`
/// or `_` (`u8::is_ascii_alphanumeric`).
#[allow(unused_variables)]
fn valid_name(name: &[u8]) -> bool {
    todo!("valid_name: check the length, then every byte")
}
