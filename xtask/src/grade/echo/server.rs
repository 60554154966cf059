//! Tests of the student's `echo-server`: the grader is the client.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::grade::cause::Kind;
use crate::grade::lang::{Step, tr};
use crate::grade::process::{Proc, start_server};
use crate::grade::proxy::{Faults, Proxy};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript;
use crate::grade::wire::{self, End, Exchange, binary_payload, connect, describe_end, exchange};

const SHORT: &[u8] = b"hello, socket lab\n";
/// More echo than one read() of a server's buffer, so much that flow
/// control stopped its writes: a connection that ended during our read
/// pause after this much came back ended on the server's write side (a
/// write timeout, a write error ending the connection, a close before the
/// writer was done). Less came back from a server that read once and
/// closed (its read loop), which this leaves to the read side's hint.
const FLOW_STOPPED: usize = 64 * 1024;
const MIB: usize = 1024 * 1024;
/// An echo server prints one line to stdout and a few to stderr.
const SERVER_OUTPUT_LIMIT: u64 = 1024 * 1024;

/// Starts `echo-server --listen <listen>` and waits for its readiness line.
pub(in crate::grade) async fn start(
    ctx: &Ctx,
    listen: &str,
) -> Result<(Proc, SocketAddr), Failure> {
    let args = ["--listen".to_string(), listen.to_string()];
    start_server(ctx, "echo-server", &args, SERVER_OUTPUT_LIMIT).await
}

/// Sends `payload` as `ex` says and checks that exactly the same bytes came back.
async fn echo_once(
    ctx: &Ctx,
    server: &mut Proc,
    addr: SocketAddr,
    ex: Exchange<'_>,
) -> Result<(), Failure> {
    let stream = connect(ctx, addr).await?;
    ctx.at(Step::Write);
    let payload = ex.payload;
    let until_eof = ex.until_eof;
    let result = exchange(ctx, stream, ex).await;
    let write_side = result.ended_unread && result.received.len() >= FLOW_STOPPED;
    let verdict = check(
        ctx,
        server,
        payload,
        &result.received,
        &result.end,
        until_eof,
    )
    .await;
    verdict.map_err(|mut failure| {
        // Our own write failing means the server stopped reading (or reset).
        if let Some(err) = &result.write_error {
            // wire::exchange's own timeout, or the system's error.
            let err = match err.kind() {
                std::io::ErrorKind::TimedOut => tr!(
                    ctx.lang,
                    "our write did not finish within {secs} s",
                    "우리 쪽 쓰기가 {secs}초 안에 끝나지 않았습니다",
                    secs = wire::STALL.as_secs()
                ),
                _ => err.to_string(),
            };
            failure.message.push_str(&tr!(
                ctx.lang,
                "; sending to the server failed too: {err}",
                "; 서버로 보내기도 실패했습니다: {err}"
            ));
        }
        if write_side && failure.kind.is_some() {
            failure.kind = Some(Kind::StoppedWhileUnread);
        }
        failure
    })
}

/// Turns what came back into a verdict with a transcript.
async fn check(
    ctx: &Ctx,
    server: &mut Proc,
    payload: &[u8],
    received: &[u8],
    end: &End,
    until_eof: bool,
) -> Result<(), Failure> {
    let lang = ctx.lang;
    let (got, want) = (received.len(), payload.len());
    if matches!(end, End::Done) && received == payload {
        return Ok(());
    }
    let (step, kind, mut message) = match end {
        End::Done | End::TooMuch => match transcript::first_difference(payload, received) {
            Some(at) if at < got.min(want) => (
                Step::Read,
                Kind::Differs,
                tr!(
                    lang,
                    "the echo differs from what was sent from offset {at} on (counted from 0)",
                    "에코된 데이터가 보낸 것과 오프셋 {at}(0부터 셈)부터 다릅니다"
                ),
            ),
            _ => (
                Step::Read,
                Kind::TooMuch,
                describe_end(lang, end, got, want),
            ),
        },
        End::Stalled if until_eof && got == want => (
            Step::Close,
            Kind::NoClose,
            tr!(
                lang,
                "every byte came back, but the server did not close the connection within {secs} s of our half-close",
                "모든 바이트가 돌아왔지만, 우리가 절반 닫기를 한 뒤 {secs}초 안에 서버가 연결을 닫지 않았습니다",
                secs = wire::STALL.as_secs()
            ),
        ),
        // The answer never came: the step that failed is reading it.
        End::Stalled => (
            Step::Read,
            Kind::Stalled,
            describe_end(lang, end, got, want),
        ),
        End::Eof => (
            Step::Close,
            Kind::ClosedEarly,
            describe_end(lang, end, got, want),
        ),
        End::Error(_) => (Step::Read, Kind::Reset, describe_end(lang, end, got, want)),
    };
    // Only a reset is a reset; another read error says nothing the test's hint does not.
    let kind = match end {
        End::Error(err) if !wire::is_reset(err) => None,
        _ => Some(kind),
    };
    // A panic on the server's stderr (even in a thread), or its exit: the
    // cause, named once in the report; else how it ended, if it did.
    let note = server.death_note(lang).await;
    let cause = server.cause();
    if cause.is_none() {
        message.push_str(&note);
    }
    let failure = Failure::new(step, message)
        .with_transcript(transcript::compare(lang, payload, received))
        .with_cause(cause);
    let failure = match kind {
        Some(kind) => failure.with_kind(kind),
        None => failure,
    };
    Err(match server.starter_hint(lang) {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    })
}

pub async fn ready(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let (_server, addr) = start(&ctx, "127.0.0.1:0").await?;
    if addr.port() == 0 || !addr.ip().is_loopback() {
        return Err(Failure::new(
            Step::Listen,
            tr!(
                lang,
                "asked to listen on 127.0.0.1:0, it printed `listening on {addr}`; print the address the listener really got (TcpListener::local_addr)",
                "127.0.0.1:0에서 리슨하라고 했는데 `listening on {addr}`라고 출력했습니다. 리스너가 실제로 받은 주소(TcpListener::local_addr)를 출력하세요"
            ),
        ));
    }
    connect(&ctx, addr).await.map(drop)
}

pub async fn listen_addr(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    // The port is free when we look, but another test may bind it before the
    // student's server does: a failed start is the student's only if the
    // port is still free afterwards; otherwise try another port.
    let mut attempts = 0;
    let (asked, _server, addr) = loop {
        attempts += 1;
        let port = wire::free_port()
            .await
            .map_err(|err| Failure::new(Step::Bind, err.to_string()))?;
        let asked: SocketAddr = ([127, 0, 0, 1], port).into();
        match start(&ctx, &asked.to_string()).await {
            Ok((server, addr)) => break (asked, server, addr),
            Err(_) if attempts < 3 && wire::port_taken(port) => continue,
            Err(failure) => return Err(failure),
        }
    };
    if addr != asked {
        return Err(Failure::new(
            Step::Bind,
            tr!(
                lang,
                "asked to listen on {asked} (--listen {asked}), it printed `listening on {addr}`",
                "{asked}에서 리슨하라고(--listen {asked}) 했는데 `listening on {addr}`라고 출력했습니다"
            ),
        ));
    }
    connect(&ctx, addr).await.map(drop)
}

pub async fn short(ctx: Ctx) -> Result<(), Failure> {
    let (mut server, addr) = start(&ctx, "127.0.0.1:0").await?;
    let ex = Exchange {
        payload: SHORT,
        half_close: false,
        read_pause: Duration::ZERO,
        until_eof: false,
    };
    echo_once(&ctx, &mut server, addr, ex).await
}

pub async fn binary_1mib(ctx: Ctx) -> Result<(), Failure> {
    let payload = binary_payload(&mut ctx.rng("echo.server.binary_1mib"), MIB);
    let (mut server, addr) = start(&ctx, "127.0.0.1:0").await?;
    let ex = Exchange {
        payload: &payload,
        half_close: false,
        read_pause: Duration::ZERO,
        until_eof: false,
    };
    echo_once(&ctx, &mut server, addr, ex).await
}

pub async fn fragmented(ctx: Ctx) -> Result<(), Failure> {
    let mut rng = ctx.rng("echo.server.fragmented");
    // 504 bytes, each its own segment with a pause of up to 1 ms: a read
    // loop has hundreds of reads to get right, in well under a second.
    let mut payload = b"one read() is not one message: ".repeat(8);
    payload.extend(binary_payload(&mut rng, 256));
    let (mut server, addr) = start(&ctx, "127.0.0.1:0").await?;
    let faults = Faults {
        max_segment: 1,
        max_delay: Duration::from_millis(1),
    };
    let proxy = Proxy::start(addr, faults, rng.u64(..))
        .await
        .map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    let ex = Exchange {
        payload: &payload,
        half_close: false,
        read_pause: Duration::ZERO,
        until_eof: false,
    };
    echo_once(&ctx, &mut server, proxy.addr, ex).await
}

pub async fn half_close(ctx: Ctx) -> Result<(), Failure> {
    // Large enough that the echo cannot all sit in kernel buffers while we
    // pause: the server must keep writing after it has read our EOF.
    let payload = binary_payload(&mut ctx.rng("echo.server.half_close"), 8 * MIB);
    let (mut server, addr) = start(&ctx, "127.0.0.1:0").await?;
    let ex = Exchange {
        payload: &payload,
        half_close: true,
        read_pause: Duration::from_millis(300),
        until_eof: true,
    };
    echo_once(&ctx, &mut server, addr, ex).await
}

pub async fn slow_reader(ctx: Ctx) -> Result<(), Failure> {
    // 16 MiB does not fit in the kernel buffers between us: while we do not
    // read, the server's writes must wait (flow control), not fail or drop bytes.
    // The pause is long enough for the buffers to fill and a write timeout
    // (the mistake this catches; 100 ms in its mutant) to fire.
    let payload = binary_payload(&mut ctx.rng("echo.server.slow_reader"), 16 * MIB);
    let (mut server, addr) = start(&ctx, "127.0.0.1:0").await?;
    let ex = Exchange {
        payload: &payload,
        half_close: false,
        read_pause: Duration::from_millis(300),
        until_eof: false,
    };
    echo_once(&ctx, &mut server, addr, ex).await
}

pub async fn sequential(ctx: Ctx) -> Result<(), Failure> {
    let (mut server, addr) = start(&ctx, "127.0.0.1:0").await?;
    for n in 1..=3 {
        let payload = format!("client {n} of 3 says hello\n").into_bytes();
        let ex = Exchange {
            payload: &payload,
            half_close: true,
            read_pause: Duration::ZERO,
            until_eof: true,
        };
        echo_once(&ctx, &mut server, addr, ex)
            .await
            .map_err(|mut failure| {
                failure.message = tr!(
                    ctx.lang,
                    "client {n} of 3: {}",
                    "클라이언트 3개 중 {n}번째: {}",
                    failure.message
                );
                failure
            })?;
    }
    Ok(())
}

pub async fn reset(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let (mut server, addr) = start(&ctx, "127.0.0.1:0").await?;
    // Client A sends 64 KiB, reads a little of the echo, then aborts: with
    // unread data and SO_LINGER 0 its close sends RST while the server is
    // still reading and writing.
    let mut stream = connect(&ctx, addr).await?;
    ctx.at(Step::Write);
    let junk = vec![b'x'; 64 * 1024];
    let _ = tokio::time::timeout(wire::STALL, stream.write_all(&junk)).await;
    ctx.at(Step::Read);
    let mut first = [0u8; 1024];
    let _ = tokio::time::timeout(wire::STALL, stream.read(&mut first)).await;
    wire::reset(stream);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Client B must be served as if nothing happened.
    let payload = b"after the reset, still echoing\n";
    let ex = Exchange {
        payload,
        half_close: true,
        read_pause: Duration::ZERO,
        until_eof: true,
    };
    echo_once(&ctx, &mut server, addr, ex)
        .await
        .map_err(|mut failure| {
            failure.message = tr!(
                lang,
                "after a client reset its connection, the next client: {}",
                "앞 클라이언트가 연결을 리셋한 뒤, 다음 클라이언트: {}",
                failure.message
            );
            failure
        })
}
