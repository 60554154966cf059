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
/// en: The connected clients, by connection number: the sending end of the queue
/// in front of each one's writer thread. Every reader thread holds an `Arc`
/// of the same map; the `Mutex` lets one thread at a time look at it.
/// ko: 연결된 클라이언트들, 연결 번호별로: 각 클라이언트의 쓰는 스레드 앞에 있는 큐의 보내는 쪽.
/// 모든 읽는 스레드가 같은 맵의 `Arc`를 쥐고, `Mutex`는 한 번에 한 스레드만 맵을 보게 합니다.
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
/// en: Accepts clients forever; each one gets a thread of its own at once.
/// ko: 클라이언트를 끝없이 수락하고, 저마다에게 곧바로 자기 스레드를 줍니다.
fn accept_loop(listener: TcpListener, room: Room) {
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        let stream = match incoming {
            Ok(stream) => stream,
            Err(e) => {
                // en: One connection may fail (reset while it waited in the
                // queue), or every one for a while: "Too many open files"
                // lasts until some client leaves. Pause instead of spinning.
                // ko: 연결 하나가 실패할 수도 있고(큐에서 기다리다 리셋됨), 한동안 모두 실패할 수도
                // 있습니다. "Too many open files"는 어느 클라이언트가 떠날 때까지 계속됩니다. 헛돌지 말고
                // 잠시 쉽니다.
                eprintln!("accept: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        next_id += 1;
        let id = next_id;
        let room = Arc::clone(&room);
        // en: We do not read from the client here: that would block this loop
        // until the client speaks. The new thread waits for it instead, and
        // we are back in accept() before the client has sent a byte.
        // ko: 여기서는 클라이언트에게서 읽지 않습니다. 그러면 클라이언트가 말할 때까지 이 반복문이
        // 블록합니다. 대신 새 스레드가 클라이언트를 기다리고, 우리는 클라이언트가 한 바이트도
        // 보내기 전에 accept()로 돌아와 있습니다.
        let spawned = thread::Builder::new().spawn(move || serve(id, stream, &room));
        if let Err(e) = spawned {
            // en: No thread left (a system limit): drop this client, not the
            // server. Dropping the closure closes its socket.
            // ko: 남은 스레드가 없습니다(시스템 한도). 서버가 아니라 이 클라이언트를 버립니다.
            // 클로저를 drop하면 그 소켓이 닫힙니다.
            eprintln!("spawn: {e}");
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: reader
/// en: The reader thread: joins the room, relays the client's lines, and leaves.
/// ko: 읽는 스레드: 방에 참여하고, 클라이언트의 줄을 중계하고, 떠납니다.
fn serve(id: u64, stream: TcpStream, room: &Room) {
    let Ok(peer) = stream.peer_addr() else {
        // en: Already reset by the client.
        // ko: 클라이언트가 이미 리셋했습니다.
        return;
    };
    // en: A second handle to the same socket, for the writer thread: one thread
    // blocks in read() while the other blocks in write().
    // ko: 쓰는 스레드가 쓸 같은 소켓의 두 번째 핸들: 한 스레드는 read()에서, 다른 스레드는
    // write()에서 블록합니다.
    let Ok(to_client) = stream.try_clone() else {
        return;
    };
    let (tx, rx) = channel();
    let writer = thread::Builder::new().spawn(move || write_lines(to_client, rx));
    if writer.is_err() {
        // en: No thread for the writer: drop this client.
        // ko: 쓰는 스레드를 만들 수 없습니다. 이 클라이언트는 버립니다.
        return;
    }

    // en: Join: from this moment every line said in the room is queued for us.
    // ko: 참여: 이 순간부터 방에서 나오는 모든 줄이 우리 큐에 쌓입니다.
    room.lock().unwrap().insert(id, tx);
    println!("joined {peer}");

    // en: TCP delivers bytes, not lines: BufReader gathers them until the `\n`.
    // (No limit here: a client that never sends `\n` makes `line` grow.
    // The chat exercise limits every line.)
    // ko: TCP는 줄이 아니라 바이트를 나릅니다. BufReader가 `\n`까지 바이트를 모읍니다.
    // (여기에는 한도가 없습니다. `\n`을 보내지 않는 클라이언트는 `line`을 끝없이 키웁니다.
    // 채팅 실습은 모든 줄에 한도를 둡니다.)
    let mut reader = BufReader::new(&stream);
    let mut line = Vec::new();
    loop {
        match reader.read_until(b'\n', &mut line) {
            // en: 0 bytes: end of stream, the client closed. An error: most
            // often a reset, or our own shutdown() below from the writer.
            // ko: 0바이트: 스트림 끝, 클라이언트가 닫았습니다. 오류: 대개 리셋이거나, 아래에서 쓰는
            // 스레드가 부른 우리 자신의 shutdown()입니다.
            Ok(0) | Err(_) => break,
            // en: A whole line: relay it. Without its `\n` it is the end of a
            // stream that stopped mid-line; the next call returns 0.
            // ko: 줄 하나가 다 왔습니다. 중계합니다. `\n`이 없다면 줄 중간에 멈춘 스트림의 끝이고,
            // 다음 호출은 0을 돌려줍니다.
            Ok(_) if line.ends_with(b"\n") => {
                broadcast(room, id, &line);
                line.clear();
            }
            Ok(_) => {}
        }
    }

    // en: Leave: removing our queue from the map drops its sending end, so our
    // writer thread's recv() fails once the queue is empty.
    // ko: 떠나기: 맵에서 우리 큐를 지우면 그 보내는 쪽이 drop되어, 큐가 비는 대로 우리 쓰는
    // 스레드의 recv()가 실패합니다.
    room.lock().unwrap().remove(&id);
    // en: A writer blocked on a client that no longer reads would wait forever:
    // shutdown() ends the connection at once, and that write fails.
    // ko: 더는 읽지 않는 클라이언트에게 막힌 쓰는 스레드는 영원히 기다릴 것입니다.
    // shutdown()이 연결을 곧바로 끝내고, 그 쓰기는 실패합니다.
    let _ = stream.shutdown(Shutdown::Both);
    println!("left {peer}");
}
// ANCHOR_END: reader

// ANCHOR: broadcast
/// en: Queues `line` for every client but its sender. The lock is held for a few
/// microseconds of memory work: `send` on an unbounded channel never waits,
/// and no socket is touched while the lock is held.
/// ko: 보낸 쪽을 뺀 모든 클라이언트의 큐에 `line`을 넣습니다. 락은 몇 마이크로초짜리 메모리
/// 작업 동안만 잡혀 있습니다. 한도 없는 채널의 `send`는 절대 기다리지 않고, 락을 쥔 동안
/// 어떤 소켓도 건드리지 않습니다.
fn broadcast(room: &Room, from: u64, line: &[u8]) {
    let line: Line = line.into();
    let clients = room.lock().unwrap();
    for (&id, tx) in clients.iter() {
        if id != from {
            // en: Fails only if that writer thread has ended: its reader is
            // about to remove it from the map.
            // ko: 그 쓰는 스레드가 끝났을 때만 실패합니다. 그 클라이언트의 읽는 스레드가 곧 맵에서
            // 지울 것입니다.
            let _ = tx.send(Arc::clone(&line));
        }
    }
    // en: The lock is released here, when `clients` goes out of scope.
    // ko: `clients`가 범위를 벗어나는 여기서 락이 풀립니다.
}
// ANCHOR_END: broadcast

// ANCHOR: writer
/// en: The writer thread: writes each queued line to its client, in order.
/// This is the only blocking write in the program, and only this client
/// waits for it. Its queue has no limit: a client that stops reading makes
/// it grow for as long as the others talk.
/// ko: 쓰는 스레드: 큐에 쌓인 줄을 차례로 자기 클라이언트에게 씁니다.
/// 프로그램에서 블록하는 쓰기는 이것뿐이고, 그 쓰기를 기다리는 것은 이 클라이언트뿐입니다.
/// 큐에는 한도가 없습니다. 읽기를 멈춘 클라이언트가 있으면 다른 사람들이 말하는 동안
/// 큐가 계속 자랍니다.
fn write_lines(mut stream: TcpStream, rx: Receiver<Line>) {
    // en: recv() waits for the next line, and fails once the reader has removed
    // our queue from the room and the queue is empty.
    // ko: recv()는 다음 줄을 기다리고, 읽는 스레드가 방에서 우리 큐를 지우고 큐가 비면
    // 실패합니다.
    while let Ok(line) = rx.recv() {
        // en: write_all() returns once the kernel has taken every byte into the
        // socket's send buffer. A client that reads slowly fills that
        // buffer, and then write_all() waits: only this thread waits.
        // ko: write_all()은 커널이 모든 바이트를 소켓의 송신 버퍼로 가져가면 돌아옵니다. 느리게
        // 읽는 클라이언트는 그 버퍼를 채우고, 그러면 write_all()이 기다립니다. 기다리는 것은 이
        // 스레드뿐입니다.
        if stream.write_all(&line).is_err() {
            // en: A reset, or the reader's shutdown(). Make sure the reader's
            // read() ends too, so that it leaves the room.
            // ko: 리셋이거나 읽는 스레드의 shutdown()입니다. 읽는 스레드의 read()도 끝나게 해서,
            // 읽는 스레드가 방을 떠나게 합니다.
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
}
// ANCHOR_END: writer
