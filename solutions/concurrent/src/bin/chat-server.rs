//! Chat server (reference): one task per connection, and one
//! `tokio::sync::broadcast` channel that every joined client listens to.
//!
//! Usage: `chat-server [--listen ADDR]` (default `127.0.0.1:7880`).
//!
//! A client's first line is its name. After `* welcome NAME`, every line it
//! sends reaches everyone else as `NAME: TEXT`. Three places need care, and
//! each has a section below:
//!
//! - `join`: subscribe to the room *before* anyone learns that you joined,
//!   or you miss what they say in answer;
//! - `outbox`: a client that stops reading must not slow anyone down, so
//!   each connection queues what the room says and drops its client when
//!   the queue is full;
//! - `shutdown`: SIGTERM or Ctrl-C tells everyone, closes, and exits 0.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::io::{self, IoSlice};
use std::process::exit;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, timeout};

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7880";

/// The longest line we accept, in bytes before its `\n` (a `\r` counts).
const MAX_LINE: usize = 1024;

/// The longest name, in bytes.
const MAX_NAME: usize = 32;

/// How many lines may wait for one client beyond what the kernel's socket
/// buffers hold (rule 7). The broadcast channel has the same capacity.
const MAX_QUEUE: usize = 1024;

/// At most this many queued lines go to the kernel in one write.
const BATCH: usize = 64;

/// How long a connection may spend on its last words: an error line, or the
/// shutdown line, after whatever was still queued for it.
const LAST_WORDS: Duration = Duration::from_millis(500);

/// After an error line, how long we keep reading (and discarding) what the
/// client still sends before we close, and at most how many bytes.
const DRAIN_TIME: Duration = Duration::from_secs(1);
const DRAIN_LIMIT: u64 = 64 * 1024;

/// After SIGTERM, how long `main` waits for the connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

const TOO_LONG: &[u8] = b"! line too long\n";
const INVALID_NAME: &[u8] = b"! invalid name\n";
const NAME_TAKEN: &[u8] = b"! name taken\n";
const SHUTTING_DOWN: &[u8] = b"* server shutting down\n";

/// One line said in the room, as every receiver will write it.
#[derive(Clone)]
struct Message {
    /// The connection that said it: it must never get its own line back.
    from: u64,
    /// The whole line, `\n` included. The broadcast channel clones the
    /// message once per receiver: with an `Arc` that copies a pointer, not
    /// the bytes.
    line: Arc<[u8]>,
}

/// What all connections share.
struct Room {
    /// Names of the joined clients. A std `Mutex`, not tokio's: we only ever
    /// hold it for a lookup or an insert, never across an `.await`.
    names: Mutex<HashSet<String>>,
    /// Every joined client holds a `Receiver` of this channel.
    tx: broadcast::Sender<Message>,
}

impl Room {
    fn say(&self, from: u64, line: Vec<u8>) {
        // send() fails only when nobody listens: then there is nobody to tell.
        let _ = self.tx.send(Message {
            from,
            line: line.into(),
        });
    }
}

// #[tokio::main] starts a runtime (a thread per CPU core that runs the
// tasks) and runs this async `main` on it. When `main` returns, the runtime
// is dropped with whatever tasks are left, and the process exits with 0.
#[tokio::main]
async fn main() {
    let addr = listen_addr();
    // Catch the signals before we announce ourselves: whoever reads
    // `listening on` may send SIGTERM the very next moment.
    let signal = shutdown_signal().unwrap_or_else(|err| fail(&format!("signals: {err}")));
    let listener = open_listener(&addr).await;
    serve(listener, signal).await;
}

/// Reads `--listen ADDR` (or `--listen=ADDR`) from the command line.
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

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    exit(1);
}

/// Create, bind and listen; then announce the address the kernel gave us.
async fn open_listener(addr: &str) -> TcpListener {
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => fail(&format!("bind {addr}: {err}")),
    };
    match listener.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(err) => fail(&format!("listen {addr}: {err}")),
    }
    listener
}

// ANCHOR: shutdown
/// Installs the handlers for SIGTERM and SIGINT (Ctrl-C) now, and returns a
/// future that completes when one of them arrives.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    // signal() registers the handler at once; a signal that arrives before
    // anyone awaits recv() is kept, not lost, and does not kill the process.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Serves clients until `signal` completes; then says goodbye and returns.
async fn serve(listener: TcpListener, signal: impl Future<Output = ()>) {
    let room = Arc::new(Room {
        names: Mutex::new(HashSet::new()),
        tx: broadcast::channel(MAX_QUEUE).0,
    });
    // Every connection watches `stop`; every connection holds a clone of
    // `done_tx`, so `done_rx.recv()` returns None once the last one is gone.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    tokio::select! {
        () = accept_loop(listener, room, stop_rx, done_tx) => {}
        () = signal => {}
    }
    // The accept loop's future was dropped with the select!, and the
    // listener with it: from here on the kernel refuses new connections.
    let _ = stop_tx.send(true);
    // Each connection now writes `* server shutting down` and closes. A
    // client that reads nothing must not keep us: wait a bounded time.
    let _ = timeout(SHUTDOWN_GRACE, done_rx.recv()).await;
}
// ANCHOR_END: shutdown

/// Windows has no SIGTERM; Ctrl-C in the console does the same job.
#[cfg(windows)]
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        ctrl_c.recv().await;
    })
}

// ANCHOR: accept
/// Accepts clients forever; each gets its own task.
async fn accept_loop(
    listener: TcpListener,
    room: Arc<Room>,
    stop: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
) {
    let mut next_id: u64 = 0;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(err) => {
                // accept() fails for one connection (reset while queued), or
                // for every connection for a while: "too many open files"
                // when the process has used up its descriptors. Retrying at
                // once would spin; a short pause lets some clients leave.
                eprintln!("accept: {err}");
                sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        next_id += 1;
        let connection = Connection {
            id: next_id,
            room: Arc::clone(&room),
            stop: stop.clone(),
            _done: done.clone(),
        };
        // spawn() returns at once: the new task runs on its own, and we are
        // back in accept() before this client has said a word. A client that
        // never sends anything waits in its own task, not in ours (rule 10).
        tokio::spawn(connection.run(stream));
    }
}
// ANCHOR_END: accept

/// One client's connection, from accept to close.
struct Connection {
    /// Tells this connection's room messages from everyone else's.
    id: u64,
    room: Arc<Room>,
    /// Becomes `true` when the server shuts down.
    stop: watch::Receiver<bool>,
    /// Never used, only dropped: see `serve`.
    _done: mpsc::Sender<()>,
}

/// A joined client: its name, its subscription, and what waits for it.
struct Joined {
    name: String,
    rx: broadcast::Receiver<Message>,
    outbox: Outbox,
}

/// The two halves of a connection, and the line being read.
struct Halves<'a> {
    reader: BufReader<ReadHalf<'a>>,
    writer: WriteHalf<'a>,
    /// Lives as long as the connection: a read cancelled halfway leaves
    /// its bytes here (see `read_line`).
    line: Vec<u8>,
}

/// Why `connection_loop` ended.
enum Leave {
    /// End of stream, a reset, or any other read or write error.
    Gone,
    /// The client sent a line longer than `MAX_LINE`.
    TooLong,
    /// The client fell more than `MAX_QUEUE` lines behind.
    TooSlow,
    /// The server is shutting down.
    Stop,
}

impl Connection {
    async fn run(mut self, mut stream: TcpStream) {
        // Two halves of one socket, borrowed from it: a read and a write
        // can wait at the same time in a select!.
        let (reader, writer) = stream.split();
        let mut io = Halves {
            reader: BufReader::new(reader),
            writer,
            line: Vec::new(),
        };

        // The first line is the name.
        let first = tokio::select! {
            read = read_line(&mut io.reader, &mut io.line) => read,
            _ = self.stop.changed() => return,
        };
        let refusal = match first {
            Ok(Line::Complete) => match join(&self.room, self.id, content(&io.line)) {
                Ok(client) => return self.serve_joined(client, io).await,
                Err(refusal) => refusal,
            },
            Ok(Line::TooLong) => TOO_LONG,
            Ok(Line::Eof) | Err(_) => return,
        };
        last_words(&mut io.writer, Outbox::default(), refusal).await;
        drain(io.reader, &mut self.stop).await;
    }

    async fn serve_joined(mut self, mut client: Joined, mut io: Halves<'_>) {
        io.line.clear();
        let leave = self.connection_loop(&mut client, &mut io).await;

        // Free the name first, then say so: whoever reads `* alice left` may
        // join as alice at once (rule 6). The lock is released at the `;`.
        self.room.names.lock().unwrap().remove(&client.name);
        drop(client.rx);
        let left = format!("* {} left\n", client.name).into_bytes();
        match leave {
            Leave::Stop => {
                // No `left` lines while the room closes: everyone is leaving.
                last_words(&mut io.writer, client.outbox, SHUTTING_DOWN).await;
            }
            Leave::TooLong => {
                self.room.say(self.id, left);
                last_words(&mut io.writer, client.outbox, TOO_LONG).await;
                drain(io.reader, &mut self.stop).await;
            }
            Leave::Gone | Leave::TooSlow => {
                self.room.say(self.id, left);
                // Nothing more is sent: returning drops the socket, and the
                // kernel closes it without waiting for the client.
            }
        }
    }

    // ANCHOR: connection_loop
    /// Relays this client's lines to the room and the room's lines to this
    /// client, until one side ends the connection.
    async fn connection_loop(&mut self, client: &mut Joined, io: &mut Halves<'_>) -> Leave {
        loop {
            // select! polls the futures and runs the branch of the first to
            // finish; the others are dropped (cancelled), so each must lose
            // nothing when cancelled (see `read_line` and `outbox`).
            // `biased` polls in this order, not at random: stop first; then
            // output before input, so that lines do not pile up here while
            // we read more from our own client.
            tokio::select! {
                biased;
                _ = self.stop.changed() => return Leave::Stop,
                written = client.outbox.write_to(&mut io.writer), if !client.outbox.is_empty() => {
                    match written {
                        Ok(n) if n > 0 => client.outbox.advance(n),
                        _ => return Leave::Gone,
                    }
                }
                message = client.rx.recv() => match message {
                    Ok(message) if message.from == self.id => {}
                    Ok(message) => {
                        if !client.outbox.push(message.line) {
                            return Leave::TooSlow;
                        }
                    }
                    // The channel overwrote lines we had not received yet.
                    Err(RecvError::Lagged(_)) => return Leave::TooSlow,
                    // Cannot happen: the room keeps its Sender to the end.
                    Err(RecvError::Closed) => return Leave::Stop,
                },
                read = read_line(&mut io.reader, &mut io.line) => match read {
                    Ok(Line::Complete) => self.relay(&client.name, &mut io.line),
                    Ok(Line::TooLong) => return Leave::TooLong,
                    Ok(Line::Eof) | Err(_) => return Leave::Gone,
                },
            }
        }
    }
    // ANCHOR_END: connection_loop

    /// Sends a complete line from this client to the room, unless it is empty.
    fn relay(&self, name: &str, line: &mut Vec<u8>) {
        let text = content(line);
        if !text.is_empty() {
            let said = [name.as_bytes(), b": ", text, b"\n"].concat();
            self.room.say(self.id, said);
        }
        line.clear();
    }
}

// ANCHOR: join
/// Checks the name, claims it, and joins the room. On refusal, returns the
/// line to send before closing.
fn join(room: &Room, id: u64, name: &[u8]) -> Result<Joined, &'static [u8]> {
    let valid = (1..=MAX_NAME).contains(&name.len())
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    // Only ASCII passed the check, so this conversion cannot fail.
    let name = match std::str::from_utf8(name) {
        Ok(name) if valid => name.to_string(),
        _ => return Err(INVALID_NAME),
    };
    // Check and claim under one lock: two clients that ask for "alice" at
    // the same moment cannot both get her. insert() is false if taken.
    if !room.names.lock().unwrap().insert(name.clone()) {
        return Err(NAME_TAKEN);
    }
    // Subscribe BEFORE anyone can know we are here. A receiver gets every
    // message sent after subscribe(); announcing first would open a gap in
    // which an answer to `* alice joined` could be sent, and lost to alice.
    let rx = room.tx.subscribe();
    let mut outbox = Outbox::default();
    outbox.push(format!("* welcome {name}\n").into_bytes().into());
    room.say(id, format!("* {name} joined\n").into_bytes());
    Ok(Joined { name, rx, outbox })
}
// ANCHOR_END: join

// ANCHOR: outbox
/// Lines waiting for one client, oldest first, and how much of the oldest
/// the kernel has already taken. Why not `write_all` each line at once? A
/// client that stops reading fills its socket buffers, and `write_all`
/// then waits, maybe for ever, receiving nothing from the room meanwhile.
/// With an outbox the connection keeps receiving, and counts.
#[derive(Default)]
struct Outbox {
    lines: VecDeque<Arc<[u8]>>,
    written: usize,
}

impl Outbox {
    /// Queues a line. Returns false, and queues nothing, when `MAX_QUEUE`
    /// lines are waiting already: the client is too slow, drop it (rule 7).
    fn push(&mut self, line: Arc<[u8]>) -> bool {
        if self.lines.len() >= MAX_QUEUE {
            return false;
        }
        self.lines.push_back(line);
        true
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Offers the kernel up to `BATCH` waiting lines in one system call
    /// (writev): a client that fell behind catches up in a few calls, not
    /// one per line. Returns how many bytes the kernel took. Unlike
    /// `write_all`, `write_vectored` is cancel-safe: if another branch of
    /// select! wins, nothing was written. (select! builds this future even
    /// when its `if` guard is false: with no lines it writes nothing.)
    async fn write_to<W: AsyncWrite + Unpin>(&self, writer: &mut W) -> io::Result<usize> {
        let mut slices = [IoSlice::new(&[]); BATCH];
        let mut count = 0;
        for (slice, line) in slices.iter_mut().zip(&self.lines) {
            let from = if count == 0 { self.written } else { 0 };
            *slice = IoSlice::new(&line[from..]);
            count += 1;
        }
        writer.write_vectored(&slices[..count]).await
    }

    /// Records that the kernel took `n` bytes: the lines written whole
    /// leave the queue, and a line written in part is remembered.
    fn advance(&mut self, mut n: usize) {
        while let Some(line) = self.lines.front() {
            let left = line.len() - self.written;
            if n < left {
                self.written += n;
                return;
            }
            n -= left;
            self.lines.pop_front();
            self.written = 0;
        }
    }
}
// ANCHOR_END: outbox

/// What `read_line` found.
enum Line {
    /// A whole line, `\n` included, is in the buffer.
    Complete,
    /// More than `MAX_LINE` bytes came without a `\n`.
    TooLong,
    /// The client closed; bytes after its last `\n` are in the buffer.
    Eof,
}

/// Reads one line into `buf`, but never more than `MAX_LINE + 1` bytes:
/// a client that sends no `\n` cannot make us buffer without end.
///
/// Cancel-safe: if the future is dropped halfway, the bytes read so far
/// stay in `buf`, and the next call goes on from there. So `buf` must live
/// outside the loop, and be cleared only after a complete line.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, buf: &mut Vec<u8>) -> io::Result<Line> {
    // take() limits what this call may read. `buf` holds at most MAX_LINE
    // bytes here (one more and we would have answered TooLong).
    let limit = (MAX_LINE + 1 - buf.len()) as u64;
    reader.take(limit).read_until(b'\n', buf).await?;
    Ok(if buf.ends_with(b"\n") {
        Line::Complete
    } else if buf.len() > MAX_LINE {
        Line::TooLong
    } else {
        // read_until stopped without a `\n` and below the limit: end of stream.
        Line::Eof
    })
}

/// A line without its `\n` and without a `\r` before it.
fn content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Best effort: writes what is still queued, then `last`, then our FIN, all
/// within `LAST_WORDS`. A client that reads nothing gets nothing.
async fn last_words<W: AsyncWrite + Unpin>(writer: &mut W, mut outbox: Outbox, last: &[u8]) {
    let _ = timeout(LAST_WORDS, async {
        // Finish the line that is half written first, or `last` would land
        // in the middle of it.
        while !outbox.is_empty() {
            let n = outbox.write_to(writer).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            outbox.advance(n);
        }
        writer.write_all(last).await?;
        writer.shutdown().await
    })
    .await;
}

/// Reads and discards what the client still sends, until it closes too, for
/// a bounded time and number of bytes, or until the server stops. Closing a
/// socket with unread bytes in its receive buffer makes the kernel send RST
/// instead of FIN (RFC 1122, 4.2.2.13), and a client that receives RST may
/// lose our last line before it reads it.
async fn drain<R: AsyncRead + Unpin>(reader: R, stop: &mut watch::Receiver<bool>) {
    let mut rest = reader.take(DRAIN_LIMIT);
    let mut sink = tokio::io::sink();
    let discard = timeout(DRAIN_TIME, tokio::io::copy(&mut rest, &mut sink));
    tokio::select! {
        _ = discard => {}
        _ = stop.wait_for(|&stopped| stopped) => {}
    }
}
