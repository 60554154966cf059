//! Tests of the student's `echo-client`: the grader runs the server (an echo
//! peer that answers in fragments, with delays) and feeds the client's stdin.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::grade::josa::josa;
use crate::grade::lang::{Step, tr};
use crate::grade::process::Proc;
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript::{self, stderr_lines};
use crate::grade::wire::{self, STALL, binary_payload, write_fragmented};

const MIB: usize = 1024 * 1024;
/// The grader's echo peer's receive buffer (Linux doubles it): with the
/// send buffers (4 MiB each at most here) and the client's receive buffer,
/// about 9 MiB can be in flight, below the 16 MiB of `echo.client.large`.
const PEER_RECV_BUFFER: u32 = 256 * 1024;

/// How the grader's echo peer answers.
#[derive(Clone, Copy)]
struct Peer {
    max_fragment: usize,
    max_delay: Duration,
    /// Read until the client's EOF before answering anything.
    after_eof: bool,
}

/// What the peer has seen, for the stall diagnosis.
#[derive(Default)]
struct PeerState {
    accepted: AtomicBool,
    received: AtomicU64,
    sent: AtomicU64,
    saw_eof: AtomicBool,
    writing: AtomicBool,
}

pub async fn echo(ctx: Ctx) -> Result<(), Failure> {
    let mut rng = ctx.rng("echo.client.echo");
    let mut payload = b"GET / HTTP/1.1 is not what we send: just these bytes\n".repeat(16);
    payload.extend(binary_payload(&mut rng, 640));
    let peer = Peer {
        max_fragment: 7,
        max_delay: Duration::from_micros(1500),
        after_eof: false,
    };
    run_client(&ctx, payload, peer, rng.u64(..)).await
}

pub async fn large(ctx: Ctx) -> Result<(), Failure> {
    let mut rng = ctx.rng("echo.client.large");
    let payload = binary_payload(&mut rng, 16 * MIB);
    let peer = Peer {
        max_fragment: 64 * 1024,
        max_delay: Duration::ZERO,
        after_eof: false,
    };
    run_client(&ctx, payload, peer, rng.u64(..)).await
}

pub async fn half_close(ctx: Ctx) -> Result<(), Failure> {
    let mut rng = ctx.rng("echo.client.half_close");
    let mut payload = b"this server answers only after your EOF\n".to_vec();
    payload.extend(binary_payload(&mut rng, 4096));
    let peer = Peer {
        max_fragment: 64,
        max_delay: Duration::from_micros(500),
        after_eof: true,
    };
    run_client(&ctx, payload, peer, rng.u64(..)).await
}

pub async fn refused(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    // Held until the test ends, so that no other listener takes the port.
    let refused = wire::refused_addr().map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    let addr = refused.addr;
    ctx.at(Step::Connect);
    let mut client = spawn_client(&ctx, addr, b"")?;
    let Some(status) = client.wait_exit(Duration::from_secs(5)).await else {
        return Err(Failure::new(
            Step::Connect,
            tr!(
                lang,
                "nothing listens on {addr}, yet the client did not exit within 5 s",
                "{addr}에는 아무도 리슨하지 않는데 클라이언트가 5초 안에 종료하지 않았습니다"
            ),
        ));
    };
    let stderr = client.stderr_text();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let code = status.code().map_or("-".to_string(), |c| c.to_string());
    let failure = if status.code() != Some(1) {
        Failure::new(
            Step::Connect,
            tr!(
                lang,
                "connecting to {addr} is refused (nothing listens there); the client should exit with code 1, it exited with {code}{note}",
                "{addr}에 대한 연결은 거부됩니다(아무도 리슨하지 않음). 클라이언트는 종료 코드 1로 끝나야 하는데 {code_ro} 끝났습니다{note}",
                note = client.note_after_code(lang).await,
                code_ro = josa(&code, "(으)로")
            ),
        )
    } else if lines.len() != 1 || !lines[0].contains(&addr.to_string()) {
        Failure::new(
            Step::Connect,
            tr!(
                lang,
                "on a refused connection, stderr should be one line naming {addr}; it was {count} line(s)",
                "연결이 거부되면 표준 오류에 주소 {addr_ga} 담긴 한 줄이 있어야 하는데 {count}줄이었습니다",
                count = lines.len(),
                addr_ga = josa(&addr, "이/가")
            ),
        )
        .with_transcript(stderr_lines(lines.iter().copied()))
    } else {
        return Ok(());
    };
    Err(match client.starter_hint(lang) {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    })
}

/// Starts `echo-client ADDR` with `stdin` as its standard input.
fn spawn_client(ctx: &Ctx, addr: SocketAddr, stdin: &[u8]) -> Result<Proc, Failure> {
    let lang = ctx.lang;
    // Room for the whole echo, a little more (to see extra bytes), and stderr.
    let limit = stdin.len() as u64 + 128 * 1024;
    Proc::spawn(
        &ctx.bin("echo-client"),
        &[addr.to_string()],
        Some(stdin),
        limit,
    )
    .map_err(|err| {
        Failure::new(
            Step::Start,
            tr!(
                lang,
                "could not start echo-client: {err}",
                "echo-client를 실행하지 못했습니다: {err}"
            ),
        )
    })
    // Its panic, if it panics, is the cause the report names once.
    .inspect(|client| ctx.watch(client.probe()))
}

/// Runs `echo-client` against the grader's peer with `payload` on stdin and
/// checks that stdout is exactly the payload and the exit code 0.
async fn run_client(ctx: &Ctx, payload: Vec<u8>, peer: Peer, seed: u64) -> Result<(), Failure> {
    let lang = ctx.lang;
    // A fixed receive buffer: a client that writes all of a large input
    // before it reads deadlocks every time, however far autotuning would
    // have grown the buffer (a mutant once got through that way).
    let (listener, addr) = wire::listen_loopback_with_recv_buffer(PEER_RECV_BUFFER).await?;
    let state = Arc::new(PeerState::default());
    let serve = tokio::spawn(serve(listener, peer, seed, state.clone()));
    let _stop_peer = AbortOnDrop(serve);

    ctx.at(Step::Connect);
    let mut client = spawn_client(ctx, addr, &payload)?;

    // Watch that bytes keep moving somewhere until the client exits.
    ctx.at(Step::Read);
    let progress = |client: &Proc| {
        state.received.load(Ordering::Relaxed)
            + state.sent.load(Ordering::Relaxed)
            + client.stdout_len()
    };
    let mut last = (progress(&client), Instant::now());
    while !client.exited() {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = progress(&client);
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() >= STALL {
            return Err(stalled(ctx, &state, &payload, addr, &mut client).await);
        }
    }
    let out = client.stdout(payload.len() as u64 + 64 * 1024);
    if out.len() > payload.len() {
        return Err(Failure::new(
            Step::Read,
            tr!(
                lang,
                "the client printed {printed} bytes, but the server sent only {sent}",
                "서버는 {sent}바이트만 보냈는데 클라이언트가 {printed}바이트를 출력했습니다",
                printed = out.len(),
                sent = payload.len()
            ),
        )
        .with_transcript(transcript::compare(lang, &payload, &out)));
    }

    ctx.at(Step::Close);
    let status = client
        .wait_exit(Duration::ZERO)
        .await
        .expect("the loop above saw it exit");
    if !status.success() {
        let note = client.death_note(lang).await;
        let failure = Failure::new(
            Step::Exit,
            tr!(
                lang,
                "the client exited unsuccessfully{note} after printing {printed} of {total} bytes",
                "클라이언트가 {total}바이트 중 {printed}바이트를 출력한 뒤 실패로 종료했습니다{note}",
                printed = out.len(),
                total = payload.len()
            ),
        );
        return Err(match client.starter_hint(lang) {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        });
    }
    if out != payload {
        return Err(Failure::new(
            Step::Read,
            tr!(
                lang,
                "what the client printed is not what the server sent",
                "클라이언트가 출력한 것이 서버가 보낸 것과 다릅니다"
            ),
        )
        .with_transcript(transcript::compare(lang, &payload, &out)));
    }
    Ok(())
}

/// No byte moved for `STALL`: say which side waits for which.
async fn stalled(
    ctx: &Ctx,
    state: &PeerState,
    payload: &[u8],
    addr: SocketAddr,
    client: &mut Proc,
) -> Failure {
    let lang = ctx.lang;
    let secs = STALL.as_secs();
    let total = payload.len() as u64;
    let received = state.received.load(Ordering::Relaxed);
    let note = client.death_note(lang).await;
    let failure = if !state.accepted.load(Ordering::Relaxed) {
        Failure::new(
            Step::Connect,
            tr!(
                lang,
                "the client never connected to {addr}{note}",
                "클라이언트가 {addr}에 연결하지 않았습니다{note}"
            ),
        )
    } else if state.writing.load(Ordering::Relaxed) && received < total {
        Failure::new(
            Step::Read,
            tr!(
                lang,
                "deadlock: nothing moved for {secs} s. The server had received {received} of {total} bytes when the client stopped reading the socket while it was still writing. The server's echo filled the client's receive buffer, so the server blocked in write and stopped reading; then the client's own writes blocked too. Both sides wait for each other forever.",
                "교착 상태(deadlock): {secs}초 동안 아무것도 움직이지 않았습니다. 서버가 {total}바이트 중 {received}바이트를 받았을 때, 클라이언트가 아직 쓰는 중에 소켓 읽기를 멈췄습니다. 서버의 에코가 클라이언트의 수신 버퍼를 채우자 서버는 write에서 막혀 읽기를 멈췄고, 이어서 클라이언트의 write도 막혔습니다. 두 쪽이 서로를 영원히 기다립니다."
            ),
        )
        .with_hint(
            lang.pick(
                "Read and write at the same time: copy stdin to the socket on a second thread (stream.try_clone()), while the main thread copies the socket to stdout.",
                "읽기와 쓰기를 동시에 하세요. 두 번째 스레드(stream.try_clone())에서 표준 입력을 소켓으로 복사하고, 메인 스레드는 소켓을 표준 출력으로 복사합니다.",
            )
            .into(),
        )
    } else if received == total && !state.saw_eof.load(Ordering::Relaxed) {
        Failure::new(
            Step::Shutdown,
            tr!(
                lang,
                "the client sent all {total} bytes but never half-closed: the server waits for EOF before it finishes, and the client waits for the server",
                "클라이언트가 {total}바이트를 모두 보냈지만 절반 닫기를 하지 않았습니다. 서버는 끝내기 전에 EOF를 기다리고, 클라이언트는 서버를 기다립니다"
            ),
        )
        .with_hint(
            lang.pick(
                "After the last byte of stdin, call stream.shutdown(Shutdown::Write): the server reads EOF, while you can still read its answer.",
                "표준 입력의 마지막 바이트를 보낸 뒤 stream.shutdown(Shutdown::Write)을 호출하세요. 서버는 EOF를 읽고, 여러분은 여전히 서버의 응답을 읽을 수 있습니다.",
            )
            .into(),
        )
    } else {
        let (got, sent) = (client.stdout_len(), state.sent.load(Ordering::Relaxed));
        Failure::new(
            Step::Read,
            tr!(
                lang,
                "nothing moved for {secs} s: of {total} bytes, the server received {received} and sent back {sent}, the client printed {got}{note}",
                "{secs}초 동안 아무것도 움직이지 않았습니다. {total}바이트 중 서버가 받은 것은 {received}바이트, 돌려보낸 것은 {sent}바이트, 클라이언트가 출력한 것은 {got}바이트입니다{note}"
            ),
        )
    };
    match client.starter_hint(lang) {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}

/// The grader's echo server for one client.
async fn serve(listener: TcpListener, peer: Peer, seed: u64, state: Arc<PeerState>) {
    let Ok((stream, _)) = listener.accept().await else {
        return;
    };
    state.accepted.store(true, Ordering::Relaxed);
    let _ = serve_one(stream, peer, seed, &state).await;
}

async fn serve_one(
    stream: TcpStream,
    peer: Peer,
    seed: u64,
    state: &PeerState,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut reader, mut writer) = stream.into_split();
    let mut buf = vec![0u8; 64 * 1024];
    let mut stash = Vec::new();
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            state.saw_eof.store(true, Ordering::Relaxed);
            break;
        }
        state.received.fetch_add(n as u64, Ordering::Relaxed);
        if peer.after_eof {
            stash.extend_from_slice(&buf[..n]);
        } else {
            // Echo before reading more: a bounded buffer, as a real server has.
            state.writing.store(true, Ordering::Relaxed);
            write_fragmented(
                &mut writer,
                &buf[..n],
                peer.max_fragment,
                peer.max_delay,
                &mut rng,
            )
            .await?;
            state.writing.store(false, Ordering::Relaxed);
            state.sent.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
    write_fragmented(
        &mut writer,
        &stash,
        peer.max_fragment,
        peer.max_delay,
        &mut rng,
    )
    .await?;
    state.sent.fetch_add(stash.len() as u64, Ordering::Relaxed);
    writer.shutdown().await
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
