//! A line relay with threads: every line a client sends goes to every other
//! connected client. The chapter "Concurrent server" uses it to show the
//! design of the chat server's first stage on a smaller protocol.
//!
//! ```text
//! cargo run -p book-examples --bin relay_threads -- 127.0.0.1:7881
//! ```
//!
//! The first line on stdout is `listening on ADDRESS` (port 0 asks the kernel
//! for a free port); then one line per client that joins or leaves.
//!
//! The design: a thread per connection reads the client's lines; a second
//! thread per client writes to it what the others said. The room is a
//! `Mutex<HashMap>` of the queues in front of those writer threads.
//! Broadcasting takes the lock, puts the line in every other queue, and lets
//! go: it never writes to a socket while it holds the lock.
//!
//! What this relay leaves out, on purpose: names, a limit on the length of a
//! line, a limit on each queue (and what to do with a client that reaches
//! it), and a goodbye on shutdown. The chat exercise needs all of them.

use std::collections::HashMap;
use std::env;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The address used when none is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7881";

/// One line, `\n` included. Every receiver gets a clone of the `Arc`: a
/// pointer, not a copy of the bytes.
type Line = Arc<[u8]>;

// ANCHOR: room
/// The connected clients, by connection number: the sending end of the queue
/// in front of each one's writer thread. Every reader thread holds an `Arc`
/// of the same map; the `Mutex` lets one thread at a time look at it.
type Room = Arc<Mutex<HashMap<u64, Sender<Line>>>>;
// ANCHOR_END: room

fn main() -> ExitCode {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    // socket() + bind() + listen() in one call. From now on the kernel
    // completes handshakes on its own and queues the connections for us.
    let listener = match TcpListener::bind(&addr) {
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
    accept_loop(listener, Room::default());
    ExitCode::SUCCESS
}

// ANCHOR: accept
/// Accepts clients forever; each one gets a thread of its own at once.
fn accept_loop(listener: TcpListener, room: Room) {
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        let stream = match incoming {
            Ok(stream) => stream,
            Err(e) => {
                // One connection may fail (reset while it waited in the
                // queue), or every one for a while: "Too many open files"
                // lasts until some client leaves. Pause instead of spinning.
                eprintln!("accept: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        next_id += 1;
        let id = next_id;
        let room = Arc::clone(&room);
        // We do not read from the client here: that would block this loop
        // until the client speaks. The new thread waits for it instead, and
        // we are back in accept() before the client has sent a byte.
        let spawned = thread::Builder::new().spawn(move || serve(id, stream, &room));
        if let Err(e) = spawned {
            // No thread left (a system limit): drop this client, not the
            // server. Dropping the closure closes its socket.
            eprintln!("spawn: {e}");
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: reader
/// The reader thread: joins the room, relays the client's lines, and leaves.
fn serve(id: u64, stream: TcpStream, room: &Room) {
    let Ok(peer) = stream.peer_addr() else {
        return; // already reset by the client
    };
    // A second handle to the same socket, for the writer thread: one thread
    // blocks in read() while the other blocks in write().
    let Ok(to_client) = stream.try_clone() else {
        return;
    };
    let (tx, rx) = channel();
    let writer = thread::Builder::new().spawn(move || write_lines(to_client, rx));
    if writer.is_err() {
        return; // no thread for the writer: drop this client
    }

    // Join: from this moment every line said in the room is queued for us.
    room.lock().unwrap().insert(id, tx);
    println!("joined {peer}");

    // TCP delivers bytes, not lines: BufReader gathers them until the `\n`.
    // (No limit here: a client that never sends `\n` makes `line` grow.
    // The chat exercise limits every line.)
    let mut reader = BufReader::new(&stream);
    let mut line = Vec::new();
    loop {
        match reader.read_until(b'\n', &mut line) {
            // 0 bytes: end of stream, the client closed. An error: most
            // often a reset, or our own shutdown() below from the writer.
            Ok(0) | Err(_) => break,
            // A whole line: relay it. Without its `\n` it is the end of a
            // stream that stopped mid-line; the next call returns 0.
            Ok(_) if line.ends_with(b"\n") => {
                broadcast(room, id, &line);
                line.clear();
            }
            Ok(_) => {}
        }
    }

    // Leave: removing our queue from the map drops its sending end, so our
    // writer thread's recv() fails once the queue is empty.
    room.lock().unwrap().remove(&id);
    // A writer blocked on a client that no longer reads would wait forever:
    // shutdown() ends the connection at once, and that write fails.
    let _ = stream.shutdown(Shutdown::Both);
    println!("left {peer}");
}
// ANCHOR_END: reader

// ANCHOR: broadcast
/// Queues `line` for every client but its sender. The lock is held for a few
/// microseconds of memory work: `send` on an unbounded channel never waits,
/// and no socket is touched while the lock is held.
fn broadcast(room: &Room, from: u64, line: &[u8]) {
    let line: Line = line.into();
    let clients = room.lock().unwrap();
    for (&id, tx) in clients.iter() {
        if id != from {
            // Fails only if that writer thread has ended: its reader is
            // about to remove it from the map.
            let _ = tx.send(Arc::clone(&line));
        }
    }
    // The lock is released here, when `clients` goes out of scope.
}
// ANCHOR_END: broadcast

// ANCHOR: writer
/// The writer thread: writes each queued line to its client, in order.
/// This is the only blocking write in the program, and only this client
/// waits for it. Its queue has no limit: a client that stops reading makes
/// it grow for as long as the others talk.
fn write_lines(mut stream: TcpStream, rx: Receiver<Line>) {
    // recv() waits for the next line, and fails once the reader has removed
    // our queue from the room and the queue is empty.
    while let Ok(line) = rx.recv() {
        // write_all() returns once the kernel has taken every byte into the
        // socket's send buffer. A client that reads slowly fills that
        // buffer, and then write_all() waits: only this thread waits.
        if stream.write_all(&line).is_err() {
            // A reset, or the reader's shutdown(). Make sure the reader's
            // read() ends too, so that it leaves the room.
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
}
// ANCHOR_END: writer
