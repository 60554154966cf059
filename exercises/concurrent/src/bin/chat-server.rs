//! en:
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
//!
//! ko:
//! # 실습 3 · 채팅 서버
//!
//! 클라이언트 여럿이 한꺼번에 연결합니다. 각 클라이언트는 첫 줄로 이름을 보내고
//! `* welcome NAME`을 받습니다. 그 뒤로 그 클라이언트가 보내는 줄은 모두 나머지 모두에게
//! `NAME: TEXT`로 전달되고, 대화방은 `* NAME joined`와 `* NAME left`를 듣습니다. 읽기를 멈춘
//! 클라이언트 때문에 누구도 느려지면 안 됩니다. 서버는 그 클라이언트에게 최대 1024줄까지만
//! 쌓아 두고, 그다음에는 내보냅니다. SIGTERM이나 Ctrl-C를 받으면 서버는 모두에게
//! `* server shutting down`을 알리고, 연결을 닫고, 0으로 종료합니다.
//!
//! 사용법: `chat-server [--listen ADDR]`(기본값 `127.0.0.1:7880`). 연결을 받을 준비가 되면
//! 표준 출력(stdout)에 정확히 한 줄을 찍습니다: `listening on <ip>:<port>`. 진단 메시지는
//! 표준 오류(stderr)로 보냅니다(`eprintln!`).
//!
//! 이 파일은 tokio 버전입니다. 클라이언트마다 태스크(task) 하나, 대화방에는
//! `tokio::sync::broadcast` 채널 하나를 둡니다. 표준 라이브러리 스레드 버전을 먼저 만들어도
//! 됩니다(클라이언트마다 읽는 스레드와 쓰는 스레드, 클라이언트들을 담은 `Mutex<HashMap>`,
//! 클라이언트마다 크기가 정해진 `std::sync::mpsc::sync_channel`). 같은 계약을 지키고 같은
//! 점수를 받습니다. 책의 '동시성 서버' 장이 두 버전을 모두 다룹니다. `todo!()`를 위에서부터
//! 차례로 채우고 `cargo xtask grade concurrent`로 채점하세요.

// en: Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
// ko: `todo!()`를 채우기 전까지는 이 파일의 많은 부분이 쓰이지 않습니다. 다 채우면 이 줄을
// 지우세요. 그러면 컴파일러가 남은 것을 짚어 줍니다.
#![allow(dead_code, unused_imports)]

use std::collections::{HashSet, VecDeque};
use std::io;
use std::process::exit;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

/// en: Where the server listens unless `--listen` says otherwise.
/// ko: `--listen`으로 따로 정하지 않을 때 서버가 리슨(listen)하는 주소입니다.
const DEFAULT_LISTEN: &str = "127.0.0.1:7880";

/// en: The longest line, in bytes before its `\n`: one byte more is a violation.
/// A `\r` before the `\n` counts: 1024 bytes and `\r\n` are too long.
/// ko: 가장 긴 줄의 길이(`\n` 앞의 바이트 수)입니다. 한 바이트라도 더 길면 규칙 위반입니다.
/// `\n` 앞의 `\r`도 셉니다. 1024바이트에 `\r\n`이 붙으면 너무 깁니다.
const MAX_LINE: usize = 1024;

/// en: The longest name, in bytes.
/// ko: 가장 긴 이름의 길이(바이트)입니다.
const MAX_NAME: usize = 32;

/// en: How many lines may wait for one client beyond what the kernel's socket
/// buffers hold. One more, and that client is dropped. Also a good
/// capacity for the broadcast channel.
/// ko: 커널의 소켓(socket) 버퍼에 들어간 것 말고 클라이언트 하나에게 쌓아 둘 수 있는 줄 수입니다. 한
/// 줄이라도 더 쌓아야 하면 그 클라이언트를 내보냅니다. 브로드캐스트 채널의 용량으로도
/// 알맞습니다.
const MAX_QUEUE: usize = 1024;

/// en: One line said in the room.
/// ko: 대화방에서 나온 한 줄입니다.
#[derive(Clone)]
struct Message {
    /// en: Who said it (a number per connection): never send it back to them.
    /// ko: 누가 말했는지(연결마다 붙는 번호)입니다. 말한 사람에게는 절대 돌려보내지 않습니다.
    from: u64,
    /// en: The whole line, `\n` included, as every receiver will get it.
    /// ko: 받는 사람 모두가 받을 그대로의 줄 전체입니다(`\n` 포함).
    line: Arc<[u8]>,
}

/// en: What all connections share.
/// ko: 모든 연결이 함께 쓰는 것입니다.
struct Room {
    /// en: Names of the joined clients. A std `Mutex`: lock it for a lookup or
    /// an insert, never across an `.await`.
    /// ko: 입장한 클라이언트들의 이름입니다. 표준 라이브러리의 `Mutex`이므로 찾거나 넣을
    /// 때만 잠그고, 잠근 채 `.await`을 넘기지 마세요.
    names: Mutex<HashSet<String>>,
    /// en: `tx.subscribe()` gives each joined client its own `Receiver`.
    /// ko: `tx.subscribe()`가 입장한 클라이언트마다 자기 `Receiver`를 줍니다.
    tx: broadcast::Sender<Message>,
}

/// en: What `read_line` found.
/// ko: `read_line`이 찾은 것입니다.
enum Line {
    /// en: A whole line, `\n` included, is in the buffer.
    /// ko: 줄 하나 전체가(`\n` 포함) 버퍼에 있습니다.
    Complete,
    /// en: More than `MAX_LINE` bytes came without a `\n`.
    /// ko: `\n` 없이 `MAX_LINE`바이트보다 많이 왔습니다.
    TooLong,
    /// en: The client closed (bytes after its last `\n` do not count).
    /// ko: 클라이언트가 닫았습니다(마지막 `\n` 뒤의 바이트는 세지 않습니다).
    Eof,
}

#[tokio::main]
async fn main() {
    let addr = listen_addr();
    // en: The signal handlers come first, before the readiness line: whoever
    // reads `listening on` may send SIGTERM the very next moment, and
    // until a handler is installed SIGTERM kills the process.
    // ko: 시그널 처리기가 준비 완료 줄보다 먼저입니다. `listening on`을 읽은 쪽은 바로
    // 다음 순간 SIGTERM을 보낼 수 있고, 처리기를 설치하기 전의 SIGTERM은 프로세스를 죽입니다.
    let signals = Signals::install();
    let listener = open_listener(&addr).await;
    serve(listener, signals).await;
}

/// en: Reads `--listen ADDR` (or `--listen=ADDR`) from the command line. (Given.)
/// ko: 명령줄에서 `--listen ADDR`(또는 `--listen=ADDR`)을 읽습니다. (주어진 코드입니다.)
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

/// en: Steps 1–3: **create** a socket, **bind** it to `addr`, and **listen**.
///
/// - `TcpListener::bind(addr).await` (tokio's) does all three.
/// - On error, print `bind <addr>: <error>` to stderr and `exit(1)`.
/// - Then print `listening on <ip>:<port>` with `listener.local_addr()`.
///
/// ko: 1–3단계: 소켓을 **생성**하고, `addr`에 **바인드**(bind)하고, **리슨**합니다.
///
/// - (tokio의) `TcpListener::bind(addr).await` 하나가 세 가지를 모두 합니다.
/// - 오류가 나면 표준 오류에 `bind <addr>: <error>`를 찍고 `exit(1)`합니다.
/// - 그다음 `listener.local_addr()`로 `listening on <ip>:<port>`를 찍습니다.
#[allow(unused_variables)]
async fn open_listener(addr: &str) -> TcpListener {
    // ko: 1–3단계: TcpListener::bind(addr).await 다음 println!("listening on {}", local_addr)
    todo!(
        "steps 1–3: TcpListener::bind(addr).await, then println!(\"listening on {{}}\", local_addr)"
    )
}

/// en: The handlers for SIGTERM and SIGINT (Ctrl-C), once installed.
/// ko: 설치한 SIGTERM과 SIGINT(Ctrl-C) 처리기입니다.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Signals {
    /// en: Step 0 (`main` calls it first): **install** the handlers now.
    ///
    /// - `tokio::signal::unix::signal(SignalKind::terminate())` and
    ///   `signal(SignalKind::interrupt())` register them at once (on error,
    ///   print it and `exit(1)`). From then on a signal does not kill the
    ///   process: it is kept until someone awaits `recv()`, not lost.
    /// - On Windows, `tokio::signal::windows::ctrl_c()`.
    ///
    /// ko: 0단계(`main`이 가장 먼저 부릅니다): 지금 처리기를 **설치**합니다.
    ///
    /// - `tokio::signal::unix::signal(SignalKind::terminate())`와
    ///   `signal(SignalKind::interrupt())`가 곧바로 등록합니다(오류가 나면 찍고 `exit(1)`).
    ///   그때부터 시그널은 프로세스를 죽이지 않습니다. 누군가 `recv()`를 await할 때까지
    ///   사라지지 않고 남아 있습니다.
    /// - Windows에서는 `tokio::signal::windows::ctrl_c()`.
    fn install() -> Signals {
        // ko: 0단계: signal(SignalKind::terminate())와 signal(SignalKind::interrupt())
        todo!("step 0: signal(SignalKind::terminate()) and signal(SignalKind::interrupt())")
    }

    /// en: Waits for either signal: `tokio::select!` over `term.recv()` and
    /// `int.recv()` (on Windows, `ctrl_c.recv()`).
    /// ko: 두 시그널 중 하나를 기다립니다: `term.recv()`와 `int.recv()`에 대한
    /// `tokio::select!`(Windows에서는 `ctrl_c.recv()`).
    async fn recv(&mut self) {
        // ko: 0단계: 두 recv()에 대한 select!
        todo!("step 0: select! over the two recv()s")
    }
}

/// en: Step 4: **accept** clients, each on its own task, until `signals.recv()`
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
///
/// ko: 4단계: `signals.recv()`가 돌아올 때까지(SIGTERM이나 Ctrl-C. 처리기는 이미
/// 설치되어 있습니다) 클라이언트를 **수락**(accept)하고, 클라이언트마다 태스크를 하나씩 둡니다.
///
/// - 대화방을 만드세요: `broadcast::channel(MAX_QUEUE)`와 빈 이름 집합을 모두 `Arc`에 담아
///   모든 태스크가 쥘 수 있게 합니다.
/// - 모든 태스크가 지켜볼 수 있는 멈춤 신호를 만드세요: `watch::channel(false)`.
/// - `listener.accept().await`를 반복하는 루프(클라이언트마다 새 id를 주고
///   `tokio::spawn(handle_client(...))`. 이 루프 안에서 클라이언트를 직접 처리하지 마세요)와
///   `signals.recv()` 사이에서 `tokio::select!`.
/// - 시그널을 받은 뒤: 리스너를 drop하고, `stop_tx.send(true)`, 그리고 태스크들이 작별
///   인사를 할 시간을 잠깐 줍니다(`tokio::time::sleep`, 2 s보다 한참 짧게).
#[allow(unused_variables)]
async fn serve(listener: TcpListener, signals: Signals) {
    // ko: 4단계: 대화방, select! { accept 루프 + tokio::spawn, 시그널 }, 그다음 멈춤
    todo!("step 4: room, select! {{ accept loop + tokio::spawn, signal }}, then stop")
}

/// en: Step 5: one client, from its first line to its close.
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
///
/// ko: 5단계: 클라이언트 하나를 첫 줄부터 닫을 때까지 맡습니다.
///
/// - `stream.split()`이 읽는 쪽 반과 쓰는 쪽 반을 줍니다. 읽는 쪽을 `BufReader`로 감싸세요.
///   줄 버퍼(`Vec<u8>`)는 연결 전체에 하나만 둡니다.
/// - 첫 줄이 이름입니다(`read_line`, `\n`과 `\r` 하나를 떼어 냅니다). 올바르지 않으면 →
///   `! invalid name`을 쓰고 닫습니다. 이미 쓰는 이름이면(집합에 `insert`가 false를
///   돌려줌) → `! name taken`을 쓰고 닫습니다. 이름은 대소문자를 구별합니다. 보낸 그대로
///   두세요(`Alice`와 `alice`는 다른 사람입니다). 너무 길면 → `! line too long`.
/// - **먼저 구독**(`room.tx.subscribe()`)하고, 그다음 이 클라이언트에게 보낼
///   `* welcome NAME`을 큐에 넣고, 그다음 대화방에 `* NAME joined`를 보냅니다. 순서가
///   반대면 입장에 재빨리 답한 줄이 사라집니다.
/// - 그다음 `tokio::select!`를 반복하며 기다립니다: 클라이언트가 보낸 줄(`read_line`:
///   `NAME: TEXT`로 전달하고 빈 줄은 건너뜀), 대화방의 메시지(`rx.recv()`: 자기 것은
///   건너뛰고 나머지는 `VecDeque`에 쌓음. `MAX_QUEUE`보다 많이 쌓이거나 `RecvError::Lagged`
///   → 그 클라이언트를 내보냄), 큐의 첫 줄 쓰기(`write_all`이 **아니라** `writer.write(..)`,
///   `if !queue.is_empty()`일 때만), 그리고 멈춤 신호.
/// - 떠날 때: 이름을 지우고, **그다음** `* NAME left`를 보냅니다. 무엇이 루프를 끝냈든 루프
///   뒤의 한 곳에서 정확히 한 번입니다. 멈출 때는 `left`를 보내지 않습니다(모두 떠나니까요).
///   쌓인 것을 쓰고, 그다음 `* server shutting down`, 그다음 닫습니다
///   (`tokio::time::timeout`으로 시간을 제한합니다).
#[allow(unused_variables)]
async fn handle_client(stream: TcpStream, id: u64, room: Arc<Room>, stop: watch::Receiver<bool>) {
    // ko: 5단계: 이름, 구독, welcome, joined, select! 루프, left
    todo!("step 5: name, subscribe, welcome, joined, select! loop, left")
}

/// en: Reads one line into `buf`, but never more than `MAX_LINE + 1` bytes.
///
/// - `reader.take(limit).read_until(b'\n', buf).await` stops at `\n`, at
///   end of stream, or after `limit` bytes. `limit` is
///   `MAX_LINE + 1 - buf.len()`: `buf` may already hold the start of this
///   line if an earlier call was cancelled by `select!`.
/// - Then: ends with `\n` → `Complete`; longer than `MAX_LINE` → `TooLong`;
///   otherwise the stream ended → `Eof`.
/// - Never `lines()`: a client that sends no `\n` would make it buffer
///   without end.
///
/// (`clippy::ptr_arg` is allowed: `read_until` appends to a `Vec`, a slice
/// will not do.)
///
/// ko: `buf`에 한 줄을 읽되, 절대 `MAX_LINE + 1`바이트보다 많이 읽지 않습니다.
///
/// - `reader.take(limit).read_until(b'\n', buf).await`는 `\n`에서, 스트림 끝에서, 또는
///   `limit`바이트 뒤에 멈춥니다. `limit`는 `MAX_LINE + 1 - buf.len()`입니다. 앞선 호출이
///   `select!`에 취소되었다면 `buf`에 이 줄의 앞부분이 이미 있을 수 있습니다.
/// - 그다음: `\n`으로 끝나면 → `Complete`, `MAX_LINE`보다 길면 → `TooLong`, 둘 다 아니면
///   스트림이 끝난 것 → `Eof`.
/// - `lines()`는 절대 쓰지 마세요. `\n`을 보내지 않는 클라이언트가 있으면 끝없이 버퍼에
///   쌓습니다.
///
/// (`clippy::ptr_arg`를 허용합니다. `read_until`은 `Vec`에 덧붙이므로 슬라이스로는 안 됩니다.)
#[allow(unused_variables, clippy::ptr_arg)]
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, buf: &mut Vec<u8>) -> io::Result<Line> {
    // ko: read_line: take(MAX_LINE + 1 - buf.len()), read_until(b'\n'), 그다음 분류
    todo!("read_line: take(MAX_LINE + 1 - buf.len()), read_until(b'\\n'), then classify")
}

/// en: A valid name: 1 to `MAX_NAME` bytes, each an ASCII letter, digit, `-`
/// or `_` (`u8::is_ascii_alphanumeric`).
/// ko: 올바른 이름: 1~`MAX_NAME`바이트이고, 각 바이트가 ASCII 영문자, 숫자, `-`, `_` 중
/// 하나입니다(`u8::is_ascii_alphanumeric`).
#[allow(unused_variables)]
fn valid_name(name: &[u8]) -> bool {
    // ko: valid_name: 길이를 확인하고, 그다음 모든 바이트
    todo!("valid_name: check the length, then every byte")
}
