//! Chat server, first stage: std threads, two per client. The reader thread
//! reads the client's lines and broadcasts them; the writer thread writes
//! what the room says to the client. Same protocol and contract as
//! `chat-server`, the tokio version.
//!
//! Usage: `chat-server-threads [--listen ADDR]` (default `127.0.0.1:7880`).
//!
//! The room is a `Mutex<HashMap>` of clients, each with a bounded queue
//! (`sync_channel`) in front of its writer thread. Broadcasting takes the
//! lock and *tries* to put the line in every queue: it never waits for a
//! client, and never writes to a socket while holding the lock.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::exit;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7880";

/// The longest line we accept, in bytes before its `\n` (a `\r` counts).
const MAX_LINE: usize = 1024;

/// The longest name, in bytes.
const MAX_NAME: usize = 32;

/// How many lines may wait for one client beyond what the kernel's socket
/// buffers hold (rule 7): the capacity of its `sync_channel`.
const MAX_QUEUE: usize = 1024;

/// Stack for each thread. Rust gives a new thread 2 MiB unless told
/// otherwise, reserved when the thread starts; two threads per client make
/// 4 MiB per client, 4 GiB for a thousand. Ours need a few KiB: buffers
/// live on the heap.
const STACK_SIZE: usize = 64 * 1024;

/// After an error line, how long we keep reading (and discarding) what the
/// client still sends before we close.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// After SIGTERM, how long we give the writer threads to flush.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

const TOO_LONG: &[u8] = b"! line too long\n";
const INVALID_NAME: &[u8] = b"! invalid name\n";
const NAME_TAKEN: &[u8] = b"! name taken\n";
const SHUTTING_DOWN: &[u8] = b"* server shutting down\n";

/// A whole line, `\n` included, shared by all its receivers.
type Message = Arc<[u8]>;

/// What the room knows of one joined client.
struct ClientHandle {
    name: String,
    /// The queue in front of its writer thread.
    tx: SyncSender<Message>,
    /// A clone of its socket, to cut it off when it is too slow.
    stream: TcpStream,
    /// Its writer thread, to wait for at shutdown.
    writer: JoinHandle<()>,
}

/// The joined clients by connection id.
type Clients = Mutex<HashMap<u64, ClientHandle>>;

fn main() {
    let addr = listen_addr();
    let clients: Arc<Clients> = Arc::default();
    // Install the handler before we announce ourselves: whoever reads
    // `listening on` may send SIGTERM the very next moment.
    on_shutdown(Arc::clone(&clients));
    let listener = open_listener(&addr);
    accept_loop(listener, clients);
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
    eprintln!("usage: chat-server-threads [--listen ADDR]");
    exit(2);
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    exit(1);
}

/// Create, bind and listen; then announce the address the kernel gave us.
fn open_listener(addr: &str) -> TcpListener {
    let listener =
        TcpListener::bind(addr).unwrap_or_else(|err| fail(&format!("bind {addr}: {err}")));
    match listener.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(err) => fail(&format!("listen {addr}: {err}")),
    }
    listener
}

// ANCHOR: accept
/// en: Accepts clients forever; each gets a reader thread (and, once it has
/// joined, a writer thread).
/// ko: 클라이언트를 끝없이 수락합니다. 클라이언트마다 읽는 스레드가 하나씩 생깁니다(참여하고 나면
/// 쓰는 스레드도).
fn accept_loop(listener: TcpListener, clients: Arc<Clients>) {
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        let stream = match incoming {
            Ok(stream) => stream,
            Err(err) => {
                // en: "Too many open files" lasts until some client leaves:
                // pause instead of spinning.
                // ko: "Too many open files"는 어느 클라이언트가 떠날 때까지 계속됩니다. 헛돌지 말고
                // 잠시 쉽니다.
                eprintln!("accept: {err}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        next_id += 1;
        let id = next_id;
        let clients = Arc::clone(&clients);
        // en: The thread runs on its own; we are back in accept() at once, so a
        // client that never says a word blocks nobody but itself (rule 10).
        // ko: 스레드는 혼자 돕니다. 우리는 곧바로 accept()로 돌아오므로, 한마디도 하지 않는
        // 클라이언트는 자기 자신 말고는 아무도 막지 않습니다(규칙 10).
        let spawned = thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || serve_client(id, stream, &clients));
        if let Err(err) = spawned {
            // en: Out of threads or memory: this client is dropped, not the server.
            // ko: 스레드나 메모리가 바닥났습니다. 서버가 아니라 이 클라이언트를 버립니다.
            eprintln!("spawn: {err}");
        }
    }
}
// ANCHOR_END: accept

/// The reader thread: the name, the join, then the client's lines.
fn serve_client(id: u64, stream: TcpStream, clients: &Clients) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    let name = match read_line(&mut reader, &mut line) {
        Ok(Line::Complete) => content(&line).to_vec(),
        Ok(Line::TooLong) => return refuse(reader, &mut writer, TOO_LONG),
        Ok(Line::Eof) | Err(_) => return,
    };
    let name = match join(id, &name, &writer, clients) {
        Ok(name) => name,
        Err(refusal) => return refuse(reader, &mut writer, refusal),
    };
    let too_long = loop {
        line.clear();
        match read_line(&mut reader, &mut line) {
            Ok(Line::Complete) => {}
            Ok(Line::TooLong) => break true,
            Ok(Line::Eof) | Err(_) => break false,
        }
        let text = content(&line);
        if !text.is_empty() {
            let said = [name.as_bytes(), b": ", text, b"\n"].concat();
            broadcast(&mut clients.lock().unwrap(), id, said);
        }
    };
    // Leave. Whoever removes the handle from the map announces the leave:
    // us here, or a broadcast that found us too slow. So exactly once.
    let handle = {
        let mut clients = clients.lock().unwrap();
        let handle = clients.remove(&id);
        if let Some(handle) = &handle {
            broadcast(
                &mut clients,
                id,
                format!("* {} left\n", handle.name).into_bytes(),
            );
        }
        handle
    };
    if let (true, Some(handle)) = (too_long, handle) {
        // The writer sends what is queued, then this line, then FIN.
        let _ = handle.tx.try_send(TOO_LONG.into());
        drop(handle.tx);
        drain(reader);
    }
    // Cut the socket off: a writer blocked on a full socket fails and ends.
    let _ = writer.shutdown(Shutdown::Both);
}

// ANCHOR: join
/// en: Checks the name, claims it, and joins the room. On refusal, returns the
/// line to send before closing (empty if we could not start a thread).
/// ko: 이름을 검사하고, 차지하고, 방에 참여합니다. 거절할 때는 닫기 전에 보낼 줄을
/// 돌려줍니다(스레드를 시작하지 못했으면 빈 줄).
fn join(
    id: u64,
    name: &[u8],
    stream: &TcpStream,
    clients: &Clients,
) -> Result<String, &'static [u8]> {
    let valid = (1..=MAX_NAME).contains(&name.len())
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let name = match std::str::from_utf8(name) {
        Ok(name) if valid => name.to_string(),
        _ => return Err(INVALID_NAME),
    };
    let (Ok(writer_stream), Ok(cut_off)) = (stream.try_clone(), stream.try_clone()) else {
        return Err(b"");
    };
    let mut room = clients.lock().unwrap();
    if room.values().any(|client| client.name == name) {
        return Err(NAME_TAKEN);
    }
    let (tx, rx) = sync_channel(MAX_QUEUE);
    // en: The queue is empty: this cannot fail.
    // ko: 큐가 비어 있으므로 실패할 수 없습니다.
    let _ = tx.try_send(format!("* welcome {name}\n").into_bytes().into());
    let Ok(writer) = thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || write_lines(writer_stream, rx))
    else {
        return Err(b"");
    };
    // en: Insert, then announce, under one lock: every broadcast from now on
    // finds us in the map. That is "subscribe before announcing" (rule 2).
    // ko: 락 하나 아래에서 넣고 나서 알립니다. 이제부터 모든 브로드캐스트가 맵에서 우리를 찾습니다.
    // 이것이 "알리기 전에 구독하기"입니다(규칙 2).
    let handle = ClientHandle {
        name: name.clone(),
        tx,
        stream: cut_off,
        writer,
    };
    room.insert(id, handle);
    broadcast(&mut room, id, format!("* {name} joined\n").into_bytes());
    Ok(name)
}
// ANCHOR_END: join

// ANCHOR: broadcast
/// en: Puts `line` in the queue of every joined client but `from`. Runs with the
/// lock held, so it must never wait: `try_send` either queues the line at
/// once or says the queue is full. A full queue means 1024 lines wait for a
/// client that does not read: drop it (rule 7), and announce that, too.
/// ko: `from`을 뺀, 참여한 모든 클라이언트의 큐에 `line`을 넣습니다. 락을 쥔 채 돌므로 절대
/// 기다려서는 안 됩니다. `try_send`는 줄을 곧바로 큐에 넣거나 큐가 가득 찼다고 알려 줍니다. 큐가
/// 가득 찼다는 것은 읽지 않는 클라이언트를 1024줄이 기다린다는 뜻입니다. 그 클라이언트를 끊고(규칙
/// 7), 그것도 알립니다.
fn broadcast(clients: &mut HashMap<u64, ClientHandle>, from: u64, line: Vec<u8>) {
    let mut pending = vec![(from, Message::from(line))];
    while let Some((from, line)) = pending.pop() {
        let mut slow = Vec::new();
        for (&id, client) in clients.iter() {
            if id == from {
                continue;
            }
            match client.tx.try_send(Arc::clone(&line)) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => slow.push(id),
                // en: Its writer thread has ended; its reader is leaving.
                // ko: 그 클라이언트의 쓰는 스레드는 끝났고, 읽는 스레드는 떠나는 중입니다.
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
        for id in slow {
            if let Some(client) = clients.remove(&id) {
                // en: shutdown() does not wait for the client: it ends the
                // connection, and the blocked read and write of that
                // client's threads return at once. Dropping `client`
                // drops the queue: its writer thread sees the end.
                // ko: shutdown()은 클라이언트를 기다리지 않습니다. 연결을 끝내고, 그 클라이언트의
                // 스레드들이 블록해 있던 읽기와 쓰기는 곧바로 돌아옵니다. `client`를 drop하면 큐가
                // drop되고, 쓰는 스레드는 끝을 봅니다.
                let _ = client.stream.shutdown(Shutdown::Both);
                let left = format!("* {} left\n", client.name).into_bytes();
                pending.push((id, left.into()));
            }
        }
    }
}
// ANCHOR_END: broadcast

// ANCHOR: writer
/// en: The writer thread: writes each queued line to the client, in order.
/// Blocking here is fine: only this client waits, while its queue fills.
/// ko: 쓰는 스레드: 큐에 쌓인 줄을 차례대로 클라이언트에게 씁니다. 여기서 블록해도 괜찮습니다.
/// 기다리는 것은 이 클라이언트뿐이고, 그동안 큐가 찹니다.
fn write_lines(mut stream: TcpStream, rx: Receiver<Message>) {
    // en: recv() waits for the next line; it fails once every sender is
    // dropped (the client left the map) and the queue is empty.
    // ko: recv()는 다음 줄을 기다립니다. 보내는 쪽이 모두 drop되고(클라이언트가 맵에서 빠짐) 큐가
    // 비면 실패합니다.
    while let Ok(line) = rx.recv() {
        if stream.write_all(&line).is_err() {
            // en: Reset or cut off. Wake the reader thread too (its read
            // returns end of stream), so it cleans up.
            // ko: 리셋되었거나 끊겼습니다. 읽는 스레드도 깨워(그 스레드의 read가 스트림의 끝을
            // 돌려줌) 뒷정리를 하게 합니다.
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
    // en: Everything queued is written: send our FIN after it.
    // ko: 큐에 있던 것을 모두 썼습니다. 그 뒤에 우리 FIN을 보냅니다.
    let _ = stream.shutdown(Shutdown::Write);
}
// ANCHOR_END: writer

// ANCHOR: shutdown
/// en: On SIGTERM, SIGINT or Ctrl-C (the ctrlc crate runs this on a thread of
/// its own): queue the shutdown line for every client, give the writer
/// threads a moment to send it, and exit 0.
/// ko: SIGTERM, SIGINT, Ctrl-C를 받으면(ctrlc 크레이트가 이 함수를 따로 만든 스레드에서 실행합니다)
/// 모든 클라이언트의 큐에 종료 줄을 넣고, 쓰는 스레드들이 그 줄을 보낼 시간을 잠시 준 뒤 종료 코드
/// 0으로 끝납니다.
fn on_shutdown(clients: Arc<Clients>) {
    let handler = move || {
        // en: Take the lock and keep it until we exit: nobody can join or
        // broadcast any more. We never write to a socket ourselves: the
        // writer threads do, and they do not need the lock. (A thread that
        // panicked while holding it would leave it "poisoned": go on anyway.)
        // ko: 락을 잡고 끝날 때까지 놓지 않습니다. 이제 아무도 참여하거나 브로드캐스트할 수
        // 없습니다. 소켓에는 우리가 직접 쓰지 않습니다. 쓰는 스레드들이 쓰고, 그 스레드들에는 락이
        // 필요 없습니다. (락을 쥔 채 패닉한 스레드가 있으면 락이 "오염"되지만, 그래도 계속합니다.)
        let mut room = clients.lock().unwrap_or_else(PoisonError::into_inner);
        let mut writers = Vec::new();
        for (_, client) in room.drain() {
            // en: Full queue: that client reads nothing anyway.
            // ko: 큐가 가득 찼습니다. 어차피 아무것도 읽지 않는 클라이언트입니다.
            let _ = client.tx.try_send(SHUTTING_DOWN.into());
            // en: Dropping `client.tx` here ends its writer after the line.
            // ko: 여기서 `client.tx`를 drop하면 쓰는 스레드가 그 줄 다음에 끝납니다.
            writers.push(client.writer);
        }
        // en: Best effort: a writer stuck on a full socket is not waited for.
        // ko: 할 수 있는 만큼만 합니다. 가득 찬 소켓에 막힌 쓰는 스레드는 기다리지 않습니다.
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        while Instant::now() < deadline && !writers.iter().all(JoinHandle::is_finished) {
            thread::sleep(Duration::from_millis(10));
        }
        // en: exit() closes every socket; the kernel sends what is buffered.
        // ko: exit()가 모든 소켓을 닫고, 커널은 버퍼에 있는 것을 보냅니다.
        exit(0);
    };
    if let Err(err) = ctrlc::set_handler(handler) {
        fail(&format!("signal handler: {err}"));
    }
}
// ANCHOR_END: shutdown

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
fn read_line<R: BufRead>(reader: &mut R, buf: &mut Vec<u8>) -> io::Result<Line> {
    (&mut *reader)
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)?;
    Ok(if buf.ends_with(b"\n") {
        Line::Complete
    } else if buf.len() > MAX_LINE {
        Line::TooLong
    } else {
        Line::Eof
    })
}

/// A line without its `\n` and without a `\r` before it.
fn content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Refuses a client that has not joined: the error line, FIN, then close.
/// Nothing was sent to it before, so this short write cannot block.
fn refuse(reader: BufReader<TcpStream>, writer: &mut TcpStream, line: &[u8]) {
    let _ = writer.write_all(line);
    let _ = writer.shutdown(Shutdown::Write);
    drain(reader);
}

/// Reads and discards what the client still sends, until it closes too, for
/// at most `DRAIN_TIME`. Closing a socket with unread bytes in its receive
/// buffer makes the kernel send RST instead of FIN (RFC 1122, 4.2.2.13), and
/// a client that receives RST may lose our last line before it reads it.
fn drain(mut reader: BufReader<TcpStream>) {
    let deadline = Instant::now() + DRAIN_TIME;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || reader.get_ref().set_read_timeout(Some(left)).is_err() {
            return;
        }
        match reader.read(&mut buf) {
            Ok(n) if n > 0 => {}
            _ => return,
        }
    }
}
