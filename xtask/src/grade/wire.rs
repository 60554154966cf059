//! The grader's side of the wire: connecting, exchanging bytes with deadlines,
//! writing in small fragments, and resetting connections.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use super::lang::{Lang, Step, tr};
use super::spec::{Ctx, Failure};

/// How long the grader waits for the next byte before it calls a connection stalled.
pub const STALL: Duration = Duration::from_secs(3);
/// How long a connect may take on loopback before it is a failure.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connects to the student's server.
pub async fn connect(ctx: &Ctx, addr: SocketAddr) -> Result<TcpStream, Failure> {
    ctx.at(Step::Connect);
    let lang = ctx.lang;
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => {
            stream.set_nodelay(true).ok();
            Ok(stream)
        }
        Ok(Err(err)) => Err(Failure::new(
            Step::Connect,
            tr!(
                lang,
                "could not connect to {addr}: {err}",
                "{addr}에 연결하지 못했습니다: {err}"
            ),
        )),
        Err(_) => Err(Failure::new(
            Step::Connect,
            tr!(
                lang,
                "connecting to {addr} took over {} s: is the server still accepting?",
                "{addr}에 연결하는 데 {}초가 넘게 걸렸습니다. 서버가 아직 연결을 받고 있나요?",
                CONNECT_TIMEOUT.as_secs()
            ),
        )),
    }
}

/// A listener of the grader's own (a peer for the student's client) on
/// 127.0.0.1 with an ephemeral port, and its address.
pub async fn listen_loopback() -> Result<(TcpListener, SocketAddr), Failure> {
    let bind = |err: io::Error| Failure::new(Step::Bind, err.to_string());
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(bind)?;
    let addr = listener.local_addr().map_err(bind)?;
    Ok((listener, addr))
}

/// [`listen_loopback`] with a receive buffer of `bytes` (Linux doubles it)
/// on every connection it accepts, which turns the kernel's autotuning off
/// for them. On loopback autotuning grows a busy reader's buffer up to
/// `tcp_rmem`'s maximum (32 MiB here): a peer that reads fast at first could
/// then hold a whole large upload, and a client that writes all of it before
/// reading anything would get away with it only now and then.
pub async fn listen_loopback_with_recv_buffer(
    bytes: u32,
) -> Result<(TcpListener, SocketAddr), Failure> {
    let bind = |err: io::Error| Failure::new(Step::Bind, err.to_string());
    let socket = TcpSocket::new_v4().map_err(bind)?;
    socket.set_recv_buffer_size(bytes).map_err(bind)?;
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .map_err(bind)?;
    let listener = socket.listen(128).map_err(bind)?;
    let addr = listener.local_addr().map_err(bind)?;
    Ok((listener, addr))
}

/// A free loopback port right now: bind port 0, read the port, close. Another
/// test may take it before the student's program binds it, since grades run
/// side by side: a caller that sees the bind fail asks [`port_taken`] before
/// it blames the student. For an address that must stay refused, use
/// [`refused_addr`] instead.
pub async fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}

/// Whether something else holds `port` on loopback now (we cannot bind it).
pub fn port_taken(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
}

/// A loopback address where nothing listens, and where nothing can start to
/// listen while this guard lives: a TCP socket bound to the port but never
/// listening. The kernel answers a SYN to it with a reset, so a connection
/// is refused. (Closing a probe listener to free its port would not do: the
/// next test's listener may get the same port, and the student's client is
/// then accepted, or reset, instead of refused.)
pub struct RefusedAddr {
    _bound: TcpSocket,
    pub addr: SocketAddr,
}

pub fn refused_addr() -> io::Result<RefusedAddr> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = socket.local_addr()?;
    Ok(RefusedAddr {
        _bound: socket,
        addr,
    })
}

/// One exchange with an echo server: what to send and how to behave.
pub struct Exchange<'a> {
    pub payload: &'a [u8],
    /// Shut down our write side once everything is written.
    pub half_close: bool,
    /// Wait this long before reading anything (a slow reader).
    pub read_pause: Duration,
    /// Read until the server closes (else until `payload.len()` bytes arrived).
    pub until_eof: bool,
}

/// How the reading side ended.
#[derive(Debug)]
pub enum End {
    /// Got what we waited for (and, with `until_eof`, the server closed).
    Done,
    /// The server closed before we had everything.
    Eof,
    /// No byte for `STALL`.
    Stalled,
    /// More bytes than were sent.
    TooMuch,
    Error(io::Error),
}

pub struct Exchanged {
    pub received: Vec<u8>,
    pub end: End,
    pub write_error: Option<io::Error>,
    /// With a read pause: the connection had already ended (closed or
    /// reset) when we began to read, so the server stopped while we were
    /// not reading; our reads only drained what the kernel still held.
    pub ended_unread: bool,
}

/// How long draining what the kernel holds may take for the end to count as
/// already there when we began to read ([`Exchanged::ended_unread`]): a
/// few MiB of loopback buffers take milliseconds.
const DRAIN: Duration = Duration::from_millis(200);

/// Writes the payload and reads the echo at the same time, as a well-behaved
/// peer does (writing everything first could deadlock a correct server).
pub async fn exchange(ctx: &Ctx, stream: TcpStream, ex: Exchange<'_>) -> Exchanged {
    let (mut reader, mut writer) = stream.into_split();
    let payload = ex.payload.to_vec();
    let half_close = ex.half_close;
    let write = tokio::spawn(async move {
        writer.write_all(&payload).await?;
        if half_close {
            writer.shutdown().await?;
        }
        // Keep the write half alive until the read side is done: dropping an
        // OwnedWriteHalf shuts the write side down.
        Ok::<_, io::Error>(writer)
    });
    if !ex.read_pause.is_zero() {
        tokio::time::sleep(ex.read_pause).await;
    }
    ctx.at(Step::Read);
    let began = std::time::Instant::now();
    let want = ex.payload.len();
    let mut received = Vec::with_capacity(want);
    let mut chunk = vec![0u8; 64 * 1024];
    let end = loop {
        if !ex.until_eof && received.len() >= want {
            break if received.len() > want {
                End::TooMuch
            } else {
                End::Done
            };
        }
        if received.len() > want {
            break End::TooMuch;
        }
        match tokio::time::timeout(STALL, reader.read(&mut chunk)).await {
            Err(_) => break End::Stalled,
            Ok(Ok(0)) if ex.until_eof && received.len() == want => break End::Done,
            Ok(Ok(0)) => break End::Eof,
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
            Ok(Err(err)) => break End::Error(err),
        }
    };
    let write_error = match tokio::time::timeout(STALL, write).await {
        Ok(Ok(Ok(_writer))) => None,
        Ok(Ok(Err(err))) => Some(err),
        Ok(Err(_)) | Err(_) => Some(io::Error::new(
            io::ErrorKind::TimedOut,
            "write did not finish",
        )),
    };
    let ended_unread = !ex.read_pause.is_zero()
        && matches!(end, End::Eof | End::Error(_))
        && began.elapsed() < DRAIN;
    Exchanged {
        received,
        end,
        write_error,
        ended_unread,
    }
}

/// Writes `data` in fragments of 1..=`max_fragment` bytes, sleeping up to
/// `max_delay` between them, with Nagle off so each fragment is its own segment.
pub async fn write_fragmented<W: AsyncWrite + Unpin>(
    out: &mut W,
    data: &[u8],
    max_fragment: usize,
    max_delay: Duration,
    rng: &mut fastrand::Rng,
) -> io::Result<()> {
    let mut rest = data;
    while !rest.is_empty() {
        let size = rng.usize(1..=max_fragment.min(rest.len()));
        out.write_all(&rest[..size]).await?;
        out.flush().await?;
        rest = &rest[size..];
        if !max_delay.is_zero() {
            let micros = rng.u64(0..=max_delay.as_micros() as u64);
            pause(Duration::from_micros(micros)).await;
        }
    }
    Ok(())
}

/// Below this, a pause sleeps on a thread of tokio's blocking pool.
const FINE_PAUSE: Duration = Duration::from_millis(2);

/// Sleeps for `delay`, to the tens of microseconds. tokio's timer counts
/// whole milliseconds and rounds a deadline up to the next one, so its
/// `sleep` of 0 to 1.5 ms lasts 1 to 2.5 ms: a 1-byte trickle of 1256 bytes
/// took 2.6 s instead of the 0.9 s its delays add up to. A thread's sleep
/// (nanosleep) keeps the delays a test asks for.
async fn pause(delay: Duration) {
    if delay.is_zero() {
        return;
    }
    if delay >= FINE_PAUSE {
        return tokio::time::sleep(delay).await;
    }
    // Dropped early (its test ended), the thread finishes its short sleep alone.
    let _ = tokio::task::spawn_blocking(move || std::thread::sleep(delay)).await;
}

/// Aborts a connection: SO_LINGER 0 makes close send RST instead of FIN.
pub fn reset(stream: TcpStream) {
    stream.set_zero_linger().ok();
    drop(stream);
}

/// Did the peer reset the connection (RST), as `err` says?
pub fn is_reset(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// Describes how a read ended, for a failure message.
pub fn describe_end(lang: Lang, end: &End, got: usize, want: usize) -> String {
    match end {
        End::Done => String::new(),
        End::Eof => tr!(
            lang,
            "the connection was closed after {got} of {want} bytes came back",
            "{want}바이트 중 {got}바이트만 돌아온 뒤 연결이 닫혔습니다"
        ),
        End::Stalled => tr!(
            lang,
            "{got} of {want} bytes came back, then nothing for {} s",
            "{want}바이트 중 {got}바이트가 돌아온 뒤 {}초 동안 아무것도 오지 않았습니다",
            STALL.as_secs()
        ),
        End::TooMuch => tr!(
            lang,
            "{got} bytes came back, but only {want} were sent",
            "{want}바이트를 보냈는데 {got}바이트가 돌아왔습니다"
        ),
        End::Error(err) => tr!(
            lang,
            "reading the echo failed after {got} of {want} bytes: {err}",
            "{want}바이트 중 {got}바이트를 받은 뒤 읽기가 실패했습니다: {err}"
        ),
    }
}

/// A random payload of `len` bytes that holds every byte value 0..=255.
pub fn binary_payload(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    let mut data = vec![0u8; len];
    rng.fill(&mut data);
    let mut all: Vec<u8> = (0..=255).collect();
    rng.shuffle(&mut all);
    let n = all.len().min(len);
    data[..n].copy_from_slice(&all[..n]);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_addr_refuses_and_keeps_its_port_while_held() {
        let refused = refused_addr().unwrap();
        let err = TcpStream::connect(refused.addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        // No listener can take the port while the guard lives.
        assert!(port_taken(refused.addr.port()));
        assert!(TcpListener::bind(refused.addr).await.is_err());
    }

    #[tokio::test]
    async fn port_taken_sees_a_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(port_taken(port));
        drop(listener);
        assert!(!port_taken(port));
    }
}
