//! Running the student's `rdt-recv` and `rdt-send`: the receiver started
//! like a server (its readiness line names its port), the sender run to its
//! end, both bounded in time, and what they did checked.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::grade::cause::Kind;
use crate::grade::lang::{Step, tr};
use crate::grade::process::{Proc, start_server};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::udp_proxy::UdpProxy;

use super::proto::describe;

/// What the programs may print, stdout and stderr together.
pub const OUTPUT_LIMIT: u64 = 1024 * 1024;
/// How long a receiver may take to exit after the sender did: its 2-second
/// linger, and room for a loaded machine.
pub const RECEIVER_EXIT: Duration = Duration::from_secs(8);
/// How many datagrams of the proxy's timeline a failure shows.
const TIMELINE: usize = 14;

/// A started receiver: its process, its address, and where it writes.
pub struct Receiver {
    pub proc: Proc,
    pub addr: SocketAddr,
    pub out: PathBuf,
    /// The folder of the file to send and of OUT (removed on drop).
    pub dir: tempfile::TempDir,
}

/// A fresh folder for a test's files (removed on drop).
pub fn workdir() -> Result<tempfile::TempDir, Failure> {
    crate::sandbox::shared_tempdir("socket-lab-rdt-")
        .map_err(|err| Failure::new(Step::Start, err.to_string()))
}

/// Starts `rdt-recv --listen 127.0.0.1:0 OUT` in a fresh folder.
pub async fn start_receiver(ctx: &Ctx) -> Result<Receiver, Failure> {
    let dir = workdir()?;
    let out = dir.path().join("received.bin");
    let args = [
        "--listen".to_string(),
        "127.0.0.1:0".to_string(),
        out.display().to_string(),
    ];
    let (proc, addr) = start_server(ctx, "rdt-recv", &args, OUTPUT_LIMIT).await?;
    // It exits after one file: its exit code is checked, not a cause.
    proc.runs_to_its_end();
    Ok(Receiver {
        proc,
        addr,
        out,
        dir,
    })
}

/// Writes `bytes` as the file to send, beside the receiver's OUT.
pub fn write_input(dir: &Path, bytes: &[u8]) -> Result<PathBuf, Failure> {
    let path = dir.join("to-send.bin");
    std::fs::write(&path, bytes).map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    Ok(path)
}

/// Starts `rdt-send FILE ADDR`.
pub fn spawn_sender(ctx: &Ctx, file: &Path, to: SocketAddr) -> Result<Proc, Failure> {
    let lang = ctx.lang;
    let args = [file.display().to_string(), to.to_string()];
    Proc::spawn(&ctx.bin("rdt-send"), &args, None, OUTPUT_LIMIT).map_err(|err| {
        Failure::new(
            Step::Start,
            tr!(
                lang,
                "could not start rdt-send: {err}",
                "`rdt-send`를 실행하지 못했습니다: {err}"
            ),
        )
    })
}

/// Waits for `proc` to exit within `wait`; a program still running fails,
/// with the proxy's timeline when there is one.
pub async fn wait_exit(
    ctx: &Ctx,
    proc: &mut Proc,
    name: &str,
    wait: Duration,
    proxy: Option<&UdpProxy>,
) -> Result<ExitStatus, Failure> {
    proc.exit_within(ctx.lang, Step::Exit, &format!("`{name}`"), wait)
        .await
        .map_err(|failure| failure.with_transcript(timeline(ctx, proxy)))
}

/// Fails unless `status` is the exit `code`; the failure quotes the
/// program's stderr and the end of the proxy's timeline.
pub async fn expect_exit(
    ctx: &Ctx,
    proc: &mut Proc,
    name: &str,
    status: ExitStatus,
    code: i32,
    proxy: Option<&UdpProxy>,
) -> Result<(), Failure> {
    proc.expect_exit_code(ctx.lang, &format!("`{name}`"), status, code)
        .await
        .map_err(|mut failure| {
            failure.transcript.extend(timeline(ctx, proxy));
            failure
        })
}

/// The end of the proxy's timeline, for a failure's transcript.
pub fn timeline(ctx: &Ctx, proxy: Option<&UdpProxy>) -> Vec<String> {
    proxy.map_or_else(Vec::new, |p| p.timeline(ctx.lang, TIMELINE, describe))
}

/// Fails unless OUT holds exactly `want`.
pub fn compare_output(
    ctx: &Ctx,
    out: &Path,
    want: &[u8],
    proxy: Option<&UdpProxy>,
) -> Result<(), Failure> {
    let lang = ctx.lang;
    let got = match std::fs::read(out) {
        Ok(got) => got,
        Err(_) => {
            return Err(Failure::new(
                Step::Read,
                tr!(
                    lang,
                    "both programs exited 0, but `rdt-recv` wrote no OUT file",
                    "두 프로그램이 모두 0으로 끝났지만 `rdt-recv`가 OUT 파일을 쓰지 않았습니다"
                ),
            )
            .with_transcript(timeline(ctx, proxy)));
        }
    };
    if got == want {
        return Ok(());
    }
    let (len, total) = (got.len(), want.len());
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    let message = match first {
        Some(at) => tr!(
            lang,
            "OUT differs from the file sent from byte {at} on (chunk {chunk}): a chunk written in the wrong place, twice, or corrupted",
            "OUT이 보낸 파일과 {at}번째 바이트(조각 {chunk})부터 다릅니다. 조각을 엉뚱한 자리에 썼거나, 두 번 썼거나, 손상된 조각을 썼습니다",
            chunk = at / super::proto::CHUNK
        ),
        None => tr!(
            lang,
            "OUT has {len} bytes, the file sent has {total}",
            "OUT은 {len}바이트인데 보낸 파일은 {total}바이트입니다"
        ),
    };
    Err(Failure::new(Step::Read, message)
        .with_kind(Kind::Differs)
        .with_transcript(timeline(ctx, proxy)))
}

/// Runs both programs through `proxy` (already in front of `receiver`) and
/// checks that both exit 0 and OUT is the file: the common case of the
/// transfer tests. Returns how long the sender took.
pub async fn transfer_through(
    ctx: &Ctx,
    mut receiver: Receiver,
    proxy: &UdpProxy,
    bytes: &[u8],
    sender_wait: Duration,
) -> Result<Duration, Failure> {
    let file = write_input(receiver.dir.path(), bytes)?;
    let start = Instant::now();
    ctx.at(Step::Write);
    let mut sender = spawn_sender(ctx, &file, proxy.addr)?;
    let status = wait_exit(ctx, &mut sender, "rdt-send", sender_wait, Some(proxy)).await?;
    let took = start.elapsed();
    expect_exit(ctx, &mut sender, "rdt-send", status, 0, Some(proxy)).await?;
    ctx.at(Step::Close);
    let status = wait_exit(
        ctx,
        &mut receiver.proc,
        "rdt-recv",
        RECEIVER_EXIT,
        Some(proxy),
    )
    .await?;
    expect_exit(ctx, &mut receiver.proc, "rdt-recv", status, 0, Some(proxy)).await?;
    compare_output(ctx, &receiver.out, bytes, Some(proxy))?;
    Ok(took)
}
