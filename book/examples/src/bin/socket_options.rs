//! Socket options that std does not expose, through socket2: the kernel
//! buffer sizes (SO_RCVBUF, SO_SNDBUF) and TCP keep-alive.
//!
//! It asks for 64 KiB buffers on a connected socket and prints what the
//! kernel gave (Linux doubles the value, socket(7)), then turns keep-alive on
//! with its own timing. The chapter "Socket options" runs it.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use socket2::{Domain, SockRef, Socket, TcpKeepalive, Type};

/// The buffer size we ask for, in bytes.
const ASKED: usize = 64 * 1024;

/// Keep-alive: the first probe after this long without traffic (Linux's
/// default is 2 hours, tcp_keepalive_time), ...
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
/// ... then a probe every this long (default 75 s) ...
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// ... and after this many unanswered probes the connection is dead (default 9).
const KEEPALIVE_PROBES: u32 = 5;

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    // ANCHOR: buffers
    // en: socket(2) without connect(2): the options below must be set before
    // the handshake, which std's TcpStream::connect does in the same call.
    // ko: connect(2) 없이 socket(2)만 합니다. 아래 옵션은 핸드셰이크 전에 정해야 하는데,
    // std의 TcpStream::connect는 호출 한 번에 핸드셰이크까지 합니다.
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    let rcv_default = socket.recv_buffer_size()?;
    let snd_default = socket.send_buffer_size()?;
    // en: The receive buffer decides the window scale offered in the SYN,
    // which cannot change later. Setting SO_RCVBUF also turns off Linux's
    // automatic tuning of that buffer for this socket.
    // ko: 수신 버퍼가 SYN에서 제안하는 윈도 배율을 정하고, 그 값은 나중에 바꿀 수
    // 없습니다. SO_RCVBUF를 정하면 이 소켓에서는 Linux의 수신 버퍼 자동 조정도 꺼집니다.
    socket.set_recv_buffer_size(ASKED)?;
    socket.set_send_buffer_size(ASKED)?;
    socket.connect(&addr.into())?;
    println!(
        "SO_RCVBUF: default {rcv_default}, asked for {ASKED}, got {}",
        socket.recv_buffer_size()?
    );
    println!(
        "SO_SNDBUF: default {snd_default}, asked for {ASKED}, got {}",
        socket.send_buffer_size()?
    );
    // en: From here on it is an ordinary std stream.
    // ko: 여기부터는 평범한 std 스트림입니다.
    let stream = TcpStream::from(socket);
    // ANCHOR_END: buffers

    // ANCHOR: keepalive
    // en: SockRef borrows the std stream's descriptor, so socket2 can make
    // the setsockopt(2) calls std has no method for.
    // ko: SockRef는 std 스트림의 디스크립터를 빌립니다. 그래서 std에 메서드가 없는
    // setsockopt(2) 호출을 socket2로 할 수 있습니다.
    let socket = SockRef::from(&stream);
    let before = socket.keepalive()?;
    // en: SO_KEEPALIVE: after KEEPALIVE_IDLE without a byte either way, the
    // kernel sends an empty probe; a peer that is gone answers with RST or
    // not at all, and the next read() fails instead of waiting forever.
    // ko: SO_KEEPALIVE: 어느 방향으로도 바이트가 오가지 않은 채 KEEPALIVE_IDLE이 지나면
    // 커널이 빈 탐색 세그먼트를 보냅니다. 사라진 상대는 RST로 답하거나 아예 답하지 않고,
    // 다음 read()는 영원히 기다리는 대신 실패합니다.
    let keepalive = TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_PROBES);
    socket.set_tcp_keepalive(&keepalive)?;
    println!(
        "SO_KEEPALIVE: {} by default; now {}, first probe after {} s idle, then every {} s, {} probes",
        if before { "on" } else { "off" },
        if socket.keepalive()? { "on" } else { "off" },
        socket.tcp_keepalive_time()?.as_secs(),
        socket.tcp_keepalive_interval()?.as_secs(),
        socket.tcp_keepalive_retries()?,
    );
    // ANCHOR_END: keepalive
    Ok(())
}
