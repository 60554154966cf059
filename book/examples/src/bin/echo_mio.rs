//! An echo server as one event loop on mio: the second of the three servers
//! of the chapter "I/O models". One thread, non-blocking sockets, and the
//! kernel's readiness notifications (epoll on Linux, kqueue on macOS).
//!
//! ```text
//! cargo run -p book-examples --bin echo_mio -- --listen 127.0.0.1:7883
//! ```
//!
//! Same contract as `echo_threads` and `echo_tokio`: every byte back, in
//! order; after the client's half-close, finish writing and close.

#[path = "../echo_common.rs"]
mod echo_common;

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::process::ExitCode;
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token};

/// The listening socket's token; connections count up from 1.
const LISTENER: Token = Token(0);

/// How many events one `poll` may return. More ready sockets than this wait
/// for the next turn of the loop; nothing is lost.
const EVENTS: usize = 1024;

/// How much one `read` may return.
const CHUNK: usize = 16 * 1024;

/// The most bytes a connection may have read and not yet written. At the
/// limit we stop reading it: its bytes wait in the kernel, its window
/// closes, and the client slows down. Without a limit, a client that sends
/// and never reads would grow this buffer until the server runs out of memory.
const MAX_PENDING: usize = 64 * 1024;

/// After a failed accept (out of file descriptors), try again this soon.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

// ANCHOR: conn
/// en: What the loop keeps for one client between two events: the socket,
/// the bytes read and not yet written, and whether the client has half-closed.
/// A thread kept all this on its stack; here it is the whole state.
/// ko: 두 이벤트 사이에 루프가 클라이언트 하나에 대해 간직하는 것: 소켓, 읽었지만 아직 쓰지
/// 않은 바이트, 클라이언트가 절반 닫기를 했는지. 스레드는 이것을 스택에 두었지만, 여기서는
/// 이것이 상태의 전부입니다.
struct Conn {
    stream: TcpStream,
    /// en: Bytes to echo; `pending[written..]` is still owed to the client.
    /// ko: 되돌려 보낼 바이트. `pending[written..]`은 아직 클라이언트에게 줄 몫입니다.
    pending: Vec<u8>,
    written: usize,
    /// en: read() returned 0: the client sends nothing more.
    /// ko: read()가 0을 돌려주었습니다. 클라이언트는 더 보내지 않습니다.
    eof: bool,
    /// en: What we are registered for, to skip needless reregister calls.
    /// ko: 지금 등록해 둔 관심사. 쓸데없는 재등록 호출을 건너뛰려고 둡니다.
    interest: Interest,
}
// ANCHOR_END: conn

fn main() -> ExitCode {
    let addr = match echo_common::listen_addr("echo_mio") {
        Ok(addr) => addr,
        Err(code) => return code,
    };
    let listener = match echo_common::bind(&addr) {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    match event_loop(listener) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("event loop: {e}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: setup
fn event_loop(listener: std::net::TcpListener) -> io::Result<()> {
    // en: From now on accept() on this socket never waits: with nothing queued
    // it fails at once with EAGAIN, which Rust calls ErrorKind::WouldBlock.
    // ko: 이제부터 이 소켓의 accept()는 절대 기다리지 않습니다. 큐가 비어 있으면 곧바로
    // EAGAIN으로 실패하고, Rust는 이를 ErrorKind::WouldBlock이라고 부릅니다.
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    // en: epoll_create1() on Linux: the kernel object that watches our sockets.
    // ko: Linux에서는 epoll_create1(): 우리 소켓들을 지켜보는 커널 객체입니다.
    let mut poll = Poll::new()?;
    // en: epoll_ctl(ADD): tell us when a connection is queued. mio registers
    // edge-triggered: one event per change, not one per poll while it lasts.
    // ko: epoll_ctl(ADD): 연결이 큐에 들어오면 알려 달라고 합니다. mio는 에지 트리거로
    // 등록합니다. 상태가 이어지는 동안 폴마다 한 번이 아니라, 바뀔 때마다 한 번 알립니다.
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(EVENTS);
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next_token = 1;
    let mut accept_failed = false;
    // ANCHOR_END: setup
    // ANCHOR: loop
    loop {
        // en: The only place this thread sleeps: epoll_wait() until at least one
        // registered socket changed. After a failed accept, wake in 100 ms
        // anyway: the queued connection will bring no new edge.
        // ko: 이 스레드가 잠드는 유일한 곳입니다. 등록한 소켓 중 하나라도 바뀔 때까지
        // epoll_wait()에서 기다립니다. accept가 실패했다면 어쨌든 100ms 뒤에 깨어납니다.
        // 큐에 남은 연결은 새 에지를 가져오지 않기 때문입니다.
        let timeout = accept_failed.then_some(ACCEPT_RETRY);
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() == ErrorKind::Interrupted {
                // en: A signal arrived; nothing is lost.
                // ko: 시그널이 왔을 뿐, 잃은 것은 없습니다.
                continue;
            }
            return Err(e);
        }
        if accept_failed {
            accept_failed =
                !accept_all(&mut listener, poll.registry(), &mut conns, &mut next_token);
        }
        for event in events.iter() {
            match event.token() {
                LISTENER => {
                    accept_failed =
                        !accept_all(&mut listener, poll.registry(), &mut conns, &mut next_token);
                }
                token => {
                    // en: An event may name a connection closed earlier in this batch.
                    // ko: 이벤트가 같은 묶음에서 앞서 닫은 연결을 가리킬 수도 있습니다.
                    let Some(conn) = conns.get_mut(&token) else {
                        continue;
                    };
                    let finished = match conn.drive(poll.registry(), token) {
                        Ok(finished) => finished,
                        Err(e) => {
                            eprintln!("{token:?}: {e}");
                            true
                        }
                    };
                    if finished {
                        // en: Dropping the stream deregisters it and calls close().
                        // ko: 스트림을 drop하면 등록이 풀리고 close()가 호출됩니다.
                        conns.remove(&token);
                    }
                }
            }
        }
    }
    // ANCHOR_END: loop
}

// ANCHOR: accept
/// en: Accepts until the queue is empty (WouldBlock): an edge-triggered
/// event said "something arrived", not how many. Returns false when accept
/// failed otherwise, e.g. EMFILE, out of file descriptors.
/// ko: 큐가 빌 때까지(WouldBlock) 수락합니다. 에지 트리거 이벤트는 "무언가 왔다"고만 할 뿐
/// 몇 개인지는 말하지 않습니다. 다른 이유로, 예를 들어 파일 디스크립터가 바닥나서(EMFILE)
/// accept가 실패하면 false를 돌려줍니다.
fn accept_all(
    listener: &mut TcpListener,
    registry: &Registry,
    conns: &mut HashMap<Token, Conn>,
    next_token: &mut usize,
) -> bool {
    loop {
        let mut stream = match listener.accept() {
            Ok((stream, _peer)) => stream,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionAborted => continue,
            Err(e) => {
                eprintln!("accept: {e}");
                return false;
            }
        };
        let token = Token(*next_token);
        *next_token += 1;
        // en: mio's accept() hands back a socket that is already non-blocking.
        // ko: mio의 accept()는 이미 논블로킹인 소켓을 돌려줍니다.
        if let Err(e) = registry.register(&mut stream, token, Interest::READABLE) {
            eprintln!("register: {e}");
            // en: Dropping `stream` closes it.
            // ko: `stream`을 drop하면 닫힙니다.
            continue;
        }
        let conn = Conn {
            stream,
            pending: Vec::new(),
            written: 0,
            eof: false,
            interest: Interest::READABLE,
        };
        conns.insert(token, conn);
    }
}
// ANCHOR_END: accept

impl Conn {
    // ANCHOR: drive
    /// en: Does all the work the socket allows right now, then says what to
    /// wait for next. Returns true when the connection is finished.
    /// ko: 소켓이 지금 허락하는 일을 모두 하고, 다음에 무엇을 기다릴지 정합니다. 연결이
    /// 끝났으면 true를 돌려줍니다.
    fn drive(&mut self, registry: &Registry, token: Token) -> io::Result<bool> {
        let mut chunk = [0; CHUNK];
        loop {
            // en: First pay what we owe. write() takes what fits in the send
            // buffer, perhaps only part; the rest stays in `pending`.
            // ko: 먼저 갚을 것부터 갚습니다. write()는 송신 버퍼에 들어가는 만큼만,
            // 어쩌면 일부만 가져갑니다. 나머지는 `pending`에 남습니다.
            while self.written < self.pending.len() {
                match self.stream.write(&self.pending[self.written..]) {
                    Ok(0) => return Err(ErrorKind::WriteZero.into()),
                    Ok(n) => self.written += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if self.written == self.pending.len() {
                self.pending.clear();
                self.written = 0;
            }
            if self.eof && self.pending.is_empty() {
                // en: The client half-closed and has everything back: our FIN.
                // ko: 클라이언트가 절반 닫기를 했고 모든 것을 돌려받았습니다. 이제 우리 FIN입니다.
                let _ = self.stream.shutdown(Shutdown::Write);
                return Ok(true);
            }
            // en: Too much owed, or nothing more will come: stop reading for now.
            // ko: 갚을 것이 너무 많거나 더 올 것이 없으면, 지금은 읽기를 멈춥니다.
            if self.eof || self.pending.len() >= MAX_PENDING {
                break;
            }
            // en: Then read until WouldBlock: mio's edge-triggered contract. Stop
            // earlier and the bytes left in the kernel bring no new event.
            // ko: 그다음 WouldBlock이 나올 때까지 읽습니다. mio의 에지 트리거 약속입니다. 더 일찍
            // 멈추면 커널에 남은 바이트는 새 이벤트를 가져오지 않습니다.
            match self.stream.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.wait_for(registry, token)?;
        Ok(false)
    }
    // ANCHOR_END: drive

    // ANCHOR: interest
    /// en: READABLE while we take more bytes; WRITABLE only while we owe some.
    /// A socket with room in its send buffer is writable nearly always: ask
    /// for it with nothing to write, and the loop wakes for nothing.
    /// ko: 바이트를 더 받는 동안은 READABLE, 갚을 바이트가 있는 동안만 WRITABLE. 송신 버퍼에
    /// 빈자리가 있는 소켓은 거의 언제나 쓰기 가능합니다. 쓸 것이 없는데 이것을 요청하면 루프는
    /// 헛되이 깨어납니다.
    fn wait_for(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let read = !self.eof && self.pending.len() < MAX_PENDING;
        let write = !self.pending.is_empty();
        let interest = match (read, write) {
            (true, true) => Interest::READABLE | Interest::WRITABLE,
            (true, false) => Interest::READABLE,
            (false, true) => Interest::WRITABLE,
            (false, false) => unreachable!("drive() returns before this"),
        };
        if interest != self.interest {
            // en: epoll_ctl(MOD): the kernel checks the socket again, so a change
            // that happened meanwhile is reported, not lost.
            // ko: epoll_ctl(MOD): 커널이 소켓을 다시 살피므로, 그사이 일어난 변화도 잃지 않고
            // 알려 줍니다.
            registry.reregister(&mut self.stream, token, interest)?;
            self.interest = interest;
        }
        Ok(())
    }
    // ANCHOR_END: interest
}
