//! A line relay with tokio: every line a client sends goes to every other
//! connected client. The chapter "Concurrent server" uses it to show the
//! design of the chat server's second stage on a smaller protocol.
//!
//! ```text
//! cargo run -p book-examples --bin relay_tokio -- 127.0.0.1:7882
//! ```
//!
//! The first line on stdout is `listening on ADDRESS` (port 0 asks the kernel
//! for a free port); then one line per client that joins or leaves.
//!
//! The design: one task per connection, and one `tokio::sync::broadcast`
//! channel, the room, that every task sends to and receives from. Each task
//! waits for two things at once with `select!`: a line from its client, and
//! a line from the room.
//!
//! What this relay leaves out, on purpose: names, a limit on the length of a
//! line, an outbox that counts what waits for a slow client (and drops it),
//! and a goodbye on shutdown. The chat exercise needs all of them.

use std::env;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::sleep;

/// The address used when none is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7882";

/// How many lines the room keeps for its slowest receiver. A receiver that
/// falls further behind loses the oldest ones (`RecvError::Lagged`).
const ROOM_CAPACITY: usize = 256;

/// One line said in the room.
#[derive(Clone)]
struct Message {
    /// The connection that said it: it must not get its own line back.
    from: u64,
    /// The whole line, `\n` included. The channel clones the message once per
    /// receiver; with an `Arc` that copies a pointer, not the bytes.
    line: Arc<[u8]>,
}

// #[tokio::main] starts the runtime (worker threads that run the tasks, and
// the reactor that asks the OS which sockets are ready) and runs `main` on it.
#[tokio::main]
async fn main() -> ExitCode {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    // socket() + bind() + listen(), and the socket is made non-blocking: a
    // call that would wait returns to the runtime, which runs other tasks.
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(e) => {
            eprintln!("getsockname: {e}");
            return ExitCode::FAILURE;
        }
    }
    // ANCHOR: room
    // The room. `send` never waits for a receiver: when a receiver is
    // ROOM_CAPACITY lines behind, the oldest line is overwritten for it.
    // We keep no receiver here; each connection subscribes its own.
    let (room, _) = broadcast::channel::<Message>(ROOM_CAPACITY);
    // ANCHOR_END: room
    accept_loop(listener, room).await;
    ExitCode::SUCCESS
}

// ANCHOR: accept
/// Accepts clients forever; each one gets a task of its own at once.
async fn accept_loop(listener: TcpListener, room: broadcast::Sender<Message>) {
    let mut next_id: u64 = 0;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // As with threads: "Too many open files" lasts until some
                // client leaves, so pause instead of spinning.
                eprintln!("accept: {e}");
                sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        next_id += 1;
        // Subscribe now, before the task exists: the receiver gets every
        // line sent from this moment on, and none from before.
        let inbox = room.subscribe();
        // spawn() returns at once; the task runs on its own, and we are back
        // in accept() before this client has sent a byte. A task that
        // waits holds no thread: only its state and its buffers.
        tokio::spawn(connection(next_id, stream, room.clone(), inbox));
    }
}
// ANCHOR_END: accept

// ANCHOR: connection
/// One client, from accept to close: relays its lines to the room and the
/// room's lines to it.
async fn connection(
    id: u64,
    mut stream: TcpStream,
    room: broadcast::Sender<Message>,
    mut inbox: broadcast::Receiver<Message>,
) {
    let Ok(peer) = stream.peer_addr() else {
        return; // already reset by the client
    };
    println!("joined {peer}");
    // Two halves of one socket, borrowed from it, so that a read and a write
    // can both be pending in the same select!.
    let (reader, mut writer) = stream.split();
    let mut reader = BufReader::new(reader);
    // Outside the loop on purpose: see the read branch.
    let mut line = Vec::new();
    loop {
        // select! polls both futures and runs the branch of the first to
        // finish. The other future is dropped, cancelled wherever it was.
        tokio::select! {
            // Cancel safe: if the room wins while read_until has read half a
            // line, those bytes stay in `line` and the next call goes on.
            // (No limit here: the chat exercise limits every line.)
            read = reader.read_until(b'\n', &mut line) => match read {
                // End of stream (the client closed) or a reset.
                Ok(0) | Err(_) => break,
                Ok(_) if line.ends_with(b"\n") => {
                    // Fails only when nobody listens, and we ourselves do.
                    let _ = room.send(Message { from: id, line: line.as_slice().into() });
                    line.clear();
                }
                // The stream ended mid-line; the next call returns 0.
                Ok(_) => {}
            },
            // Cancel safe too: a recv() that loses the race takes nothing.
            message = inbox.recv() => match message {
                Ok(message) if message.from == id => {} // our own line
                Ok(message) => {
                    // Written here, in the branch, not raced in select!: a
                    // write_all cancelled halfway would leave half a line on
                    // the wire. While it waits for a slow client, this task
                    // reads neither its client nor the room; only this
                    // client's lines pile up in the channel.
                    if writer.write_all(&message.line).await.is_err() {
                        break; // reset, or the client is gone
                    }
                }
                // We fell more than ROOM_CAPACITY lines behind, and the
                // channel overwrote them. A relay can go on without them;
                // the chat protocol cannot say "you missed 12 lines".
                Err(RecvError::Lagged(missed)) => {
                    eprintln!("{peer}: too slow, missed {missed} lines");
                }
                // Cannot happen while `room` (our own Sender) is alive.
                Err(RecvError::Closed) => break,
            },
        }
    }
    // Returning drops the receiver (we leave the room) and the socket (the
    // kernel closes the connection). Nobody else is affected.
    println!("left {peer}");
}
// ANCHOR_END: connection
