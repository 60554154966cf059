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
/// en: Installs the handlers for SIGTERM and SIGINT (Ctrl-C) now, and returns a
/// future that completes when one of them arrives.
/// ko: SIGTERM과 SIGINT(Ctrl-C)의 핸들러를 지금 설치하고, 둘 중 하나가 오면 끝나는 퓨처를
/// 돌려줍니다.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    // en: signal() registers the handler at once; a signal that arrives before
    // anyone awaits recv() is kept, not lost, and does not kill the process.
    // ko: signal()은 핸들러를 곧바로 등록합니다. 누가 recv()를 기다리기 전에 온 시그널도 잃지 않고
    // 보관되며, 프로세스를 죽이지 않습니다.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// en: Serves clients until `signal` completes; then says goodbye and returns.
/// ko: `signal`이 끝날 때까지 클라이언트를 서비스하고, 그다음 작별 인사를 하고 돌아옵니다.
async fn serve(listener: TcpListener, signal: impl Future<Output = ()>) {
    let room = Arc::new(Room {
        names: Mutex::new(HashSet::new()),
        tx: broadcast::channel(MAX_QUEUE).0,
    });
    // en: Every connection watches `stop`; every connection holds a clone of
    // `done_tx`, so `done_rx.recv()` returns None once the last one is gone.
    // ko: 모든 연결이 `stop`을 지켜보고, 모든 연결이 `done_tx`의 복제본을 쥡니다. 그래서 마지막
    // 연결이 사라지면 `done_rx.recv()`가 None을 돌려줍니다.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    tokio::select! {
        () = accept_loop(listener, room, stop_rx, done_tx) => {}
        () = signal => {}
    }
    // en: The accept loop's future was dropped with the select!, and the
    // listener with it: from here on the kernel refuses new connections.
    // ko: 수락 반복문의 퓨처는 select!와 함께 drop되었고, 리스닝 소켓도 함께 drop되었습니다.
    // 이제부터 커널은 새 연결을 거절합니다.
    let _ = stop_tx.send(true);
    // en: Each connection now writes `* server shutting down` and closes. A
    // client that reads nothing must not keep us: wait a bounded time.
    // ko: 이제 연결마다 `* server shutting down`을 쓰고 닫습니다. 아무것도 읽지 않는 클라이언트가
    // 우리를 붙잡아서는 안 되므로, 정해진 시간까지만 기다립니다.
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
/// en: Accepts clients forever; each gets its own task.
/// ko: 클라이언트를 끝없이 수락합니다. 클라이언트마다 자기 태스크가 생깁니다.
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
                // en: accept() fails for one connection (reset while queued), or
                // for every connection for a while: "too many open files"
                // when the process has used up its descriptors. Retrying at
                // once would spin; a short pause lets some clients leave.
                // ko: accept()는 연결 하나 때문에(큐에 있는 동안 리셋됨), 또는 한동안 모든 연결에
                // 대해 실패합니다. 프로세스가 파일 디스크립터를 다 써 버리면 "too many open
                // files"입니다. 곧바로 다시 시도하면 헛돌 뿐이므로, 잠깐 쉬어 클라이언트 몇이
                // 떠나게 합니다.
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
        // en: spawn() returns at once: the new task runs on its own, and we are
        // back in accept() before this client has said a word. A client that
        // never sends anything waits in its own task, not in ours (rule 10).
        // ko: spawn()은 곧바로 돌아옵니다. 새 태스크는 혼자 돌고, 우리는 이 클라이언트가 한마디
        // 하기도 전에 accept()로 돌아와 있습니다. 아무것도 보내지 않는 클라이언트는 우리 태스크가
        // 아니라 자기 태스크에서 기다립니다(규칙 10).
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
    /// en: Relays this client's lines to the room and the room's lines to this
    /// client, until one side ends the connection.
    /// ko: 한쪽이 연결을 끝낼 때까지, 이 클라이언트의 줄을 방으로, 방의 줄을 이 클라이언트에게
    /// 중계합니다.
    async fn connection_loop(&mut self, client: &mut Joined, io: &mut Halves<'_>) -> Leave {
        loop {
            // en: select! polls the futures and runs the branch of the first to
            // finish; the others are dropped (cancelled), so each must lose
            // nothing when cancelled (see `read_line` and `outbox`).
            // `biased` polls in this order, not at random: stop first; then
            // output before input, so that lines do not pile up here while
            // we read more from our own client.
            // ko: select!는 퓨처들을 폴링해서 먼저 끝난 것의 분기를 실행합니다. 나머지는
            // drop되므로(취소), 각 퓨처는 취소되어도 아무것도 잃지 않아야 합니다(`read_line`과
            // `outbox`를 보세요). `biased`는 무작위가 아니라 이 순서로 폴링합니다. 멈춤이 먼저이고,
            // 그다음 입력보다 출력을 먼저 봅니다. 그래야 우리 클라이언트에게서 더 읽는 동안 여기에
            // 줄이 쌓이지 않습니다.
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
                    // en: The channel overwrote lines we had not received yet.
                    // ko: 채널이 우리가 아직 받지 않은 줄을 덮어썼습니다.
                    Err(RecvError::Lagged(_)) => return Leave::TooSlow,
                    // en: Cannot happen: the room keeps its Sender to the end.
                    // ko: 일어날 수 없습니다. 방은 끝까지 자기 Sender를 쥐고 있습니다.
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
/// en: Checks the name, claims it, and joins the room. On refusal, returns the
/// line to send before closing.
/// ko: 이름을 검사하고, 차지하고, 방에 참여합니다. 거절할 때는 닫기 전에 보낼 줄을 돌려줍니다.
fn join(room: &Room, id: u64, name: &[u8]) -> Result<Joined, &'static [u8]> {
    let valid = (1..=MAX_NAME).contains(&name.len())
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    // en: Only ASCII passed the check, so this conversion cannot fail.
    // ko: 검사를 통과한 것은 ASCII뿐이므로 이 변환은 실패할 수 없습니다.
    let name = match std::str::from_utf8(name) {
        Ok(name) if valid => name.to_string(),
        _ => return Err(INVALID_NAME),
    };
    // en: Check and claim under one lock: two clients that ask for "alice" at
    // the same moment cannot both get her. insert() is false if taken.
    // ko: 검사와 차지를 락 하나 아래에서 합니다. 같은 순간에 "alice"를 달라는 두 클라이언트가 둘 다
    // 그 이름을 얻을 수는 없습니다. 이미 쓰이는 이름이면 insert()가 false입니다.
    if !room.names.lock().unwrap().insert(name.clone()) {
        return Err(NAME_TAKEN);
    }
    // en: Subscribe BEFORE anyone can know we are here. A receiver gets every
    // message sent after subscribe(); announcing first would open a gap in
    // which an answer to `* alice joined` could be sent, and lost to alice.
    // ko: 누가 우리가 여기 있다는 것을 알기 *전에* 구독합니다. 받는 쪽은 subscribe() 뒤에 보낸
    // 메시지를 모두 받습니다. 먼저 알리면 틈이 생기고, 그 틈에 `* alice joined`에 대한 답이
    // 보내지면 alice는 그 답을 잃습니다.
    let rx = room.tx.subscribe();
    let mut outbox = Outbox::default();
    outbox.push(format!("* welcome {name}\n").into_bytes().into());
    room.say(id, format!("* {name} joined\n").into_bytes());
    Ok(Joined { name, rx, outbox })
}
// ANCHOR_END: join

// ANCHOR: outbox
/// en: Lines waiting for one client, oldest first, and how much of the oldest
/// the kernel has already taken. Why not `write_all` each line at once? A
/// client that stops reading fills its socket buffers, and `write_all`
/// then waits, maybe for ever, receiving nothing from the room meanwhile.
/// With an outbox the connection keeps receiving, and counts.
/// ko: 클라이언트 하나를 기다리는 줄들(오래된 것부터)과, 가장 오래된 줄 가운데 커널이 이미 가져간
/// 양입니다. 왜 줄마다 곧바로 `write_all`하지 않을까요? 읽기를 멈춘 클라이언트는 소켓 버퍼를
/// 채우고, 그러면 `write_all`은 어쩌면 영원히 기다리며 그동안 방에서 아무것도 받지 못합니다. 송신
/// 대기열이 있으면 연결은 계속 받으면서 쌓인 줄을 셉니다.
#[derive(Default)]
struct Outbox {
    lines: VecDeque<Arc<[u8]>>,
    written: usize,
}

impl Outbox {
    /// en: Queues a line. Returns false, and queues nothing, when `MAX_QUEUE`
    /// lines are waiting already: the client is too slow, drop it (rule 7).
    /// ko: 줄 하나를 큐에 넣습니다. 이미 `MAX_QUEUE`줄이 기다리고 있으면 아무것도 넣지 않고 false를
    /// 돌려줍니다. 너무 느린 클라이언트이니 끊습니다(규칙 7).
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

    /// en: Offers the kernel up to `BATCH` waiting lines in one system call
    /// (writev): a client that fell behind catches up in a few calls, not
    /// one per line. Returns how many bytes the kernel took. Unlike
    /// `write_all`, `write_vectored` is cancel-safe: if another branch of
    /// select! wins, nothing was written. (select! builds this future even
    /// when its `if` guard is false: with no lines it writes nothing.)
    /// ko: 기다리는 줄을 `BATCH`개까지 시스템 호출 한 번(writev)으로 커널에 내놓습니다. 뒤처진
    /// 클라이언트는 줄마다 한 번이 아니라 몇 번의 호출로 따라잡습니다. 커널이 가져간 바이트 수를
    /// 돌려줍니다. `write_all`과 달리 `write_vectored`는 취소 안전합니다. select!의 다른 분기가
    /// 이기면 아무것도 쓰이지 않은 것입니다. (select!는 `if` 조건이 거짓일 때도 이 퓨처를 만듭니다.
    /// 줄이 없으면 아무것도 쓰지 않습니다.)
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

    /// en: Records that the kernel took `n` bytes: the lines written whole
    /// leave the queue, and a line written in part is remembered.
    /// ko: 커널이 `n`바이트를 가져갔다고 기록합니다. 통째로 쓰인 줄은 큐에서 빠지고, 일부만 쓰인
    /// 줄은 어디까지 썼는지 기억합니다.
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
