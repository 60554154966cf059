//! The peer of `bench concurrent --peer`: a chat server in the design of
//! tokio's own chat example (tokio/examples/chat.rs), speaking this course's
//! chat protocol so that the same load generator drives it and the reference.
//!
//! The design, as the example has it: one task per client; a shared map,
//! behind one async mutex, from each client's address to the sending half of
//! an *unbounded* channel; a line said in the room is sent into every other
//! client's channel (one `String` per receiver), and each client's task
//! writes, one line per write, whatever its channel yields. Lines are read
//! with `BufReader::lines`, like the example's `LinesCodec`: no length limit.
//!
//! What it leaves out, as the example does: no bound on what waits for a
//! client (rule 7). A client that stops reading blocks its own task in
//! `write_all` once the kernel's buffers are full, and everything said after
//! that piles up in its channel: memory grows for as long as the room talks.
//! The bench's stalled-reader run measures exactly that.
//!
//! Run as `cargo xtask bench tokio-chat-peer --listen ADDR` (hidden: the
//! bench starts it), it prints `listening on ADDR` like the exercise's server.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};

/// The longest name, in bytes (the protocol's rule).
const MAX_NAME: usize = 32;

type Tx = mpsc::UnboundedSender<String>;

/// What every client task shares: the example's `Shared`, plus the names
/// this protocol keeps unique.
#[derive(Default)]
struct Room {
    peers: HashMap<SocketAddr, Tx>,
    names: HashSet<String>,
}

impl Room {
    /// Sends `line` into every channel but the sender's. A send fails only
    /// when that client's task has ended; it is about to leave the map.
    fn broadcast(&self, from: SocketAddr, line: &str) {
        for (addr, tx) in &self.peers {
            if *addr != from {
                let _ = tx.send(line.to_string());
            }
        }
    }
}

/// Serves on `listen` until the process is killed (the bench kills it).
pub(in crate::bench) fn serve(listen: &str) -> Result<()> {
    // A multi-threaded runtime with a worker per core, as `#[tokio::main]`
    // gives the reference.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("bind {listen}"))?;
        println!("listening on {}", listener.local_addr()?);
        let room = Arc::new(Mutex::new(Room::default()));
        loop {
            let (stream, addr) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors, most likely: let some clients leave.
                    eprintln!("accept: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            tokio::spawn(client(room.clone(), stream, addr));
        }
    })
}

/// One client, from its name line to its end of stream.
async fn client(room: Arc<Mutex<Room>>, stream: TcpStream, addr: SocketAddr) {
    // No TCP_NODELAY: neither the example nor the reference sets it.
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let Ok(Some(name)) = lines.next_line().await else {
        return;
    };
    let name = name.strip_suffix('\r').unwrap_or(&name).to_string();
    let valid = (1..=MAX_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        let _ = writer.write_all(b"! invalid name\n").await;
        return;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    {
        let mut room = room.lock().await;
        if !room.names.insert(name.clone()) {
            drop(room);
            let _ = writer.write_all(b"! name taken\n").await;
            return;
        }
        // The welcome goes first into our own channel: whatever the room
        // says from now on comes after it.
        let _ = tx.send(format!("* welcome {name}\n"));
        room.broadcast(addr, &format!("* {name} joined\n"));
        room.peers.insert(addr, tx);
    }
    loop {
        tokio::select! {
            // A line for this client: written before anything else happens
            // in this task. While the write waits for a full socket, this
            // client's own lines wait too, and its channel keeps growing.
            Some(line) = rx.recv() => {
                if writer.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
            }
            // `next_line` is cancel-safe: a line half read when the other
            // branch wins stays in the BufReader.
            read = lines.next_line() => match read {
                Ok(Some(text)) => {
                    let text = text.strip_suffix('\r').unwrap_or(&text);
                    if !text.is_empty() {
                        room.lock().await.broadcast(addr, &format!("{name}: {text}\n"));
                    }
                }
                // End of stream, a reset, or a line that is not UTF-8.
                _ => break,
            },
        }
    }
    let mut room = room.lock().await;
    room.peers.remove(&addr);
    room.names.remove(&name);
    room.broadcast(addr, &format!("* {name} left\n"));
}
