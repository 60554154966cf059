//! Running the student's `rdt-recv` and `rdt-send`: the receiver started
//! like a server (its readiness line names its port), the sender run to its
//! end, both bounded in time, and what they did checked.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::grade::josa::josa;
use crate::grade::lang::{Lang, Step, tr};
use crate::grade::process::{Proc, start_server};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript::stderr_lines;
use crate::grade::udp_proxy::UdpProxy;

use super::ending::two_generals;
use super::proto::{chunks, describe_en, describe_ko};

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

/// The end of the proxy's timeline, for a failure's transcript, with the
/// datagrams before it that did not arrive intact (a loss long before the
/// end may be what the end shows: a FIN re-sent because its ACK was lost).
pub fn timeline(ctx: &Ctx, proxy: Option<&UdpProxy>) -> Vec<String> {
    let Some(proxy) = proxy else {
        return Vec::new();
    };
    let lang = ctx.lang;
    let describe = match lang {
        Lang::En => describe_en,
        Lang::Ko => describe_ko,
    };
    let mut lines = proxy.timeline(lang, TIMELINE, describe);
    let events = proxy.events();
    let earlier = &events[..events.len().saturating_sub(TIMELINE)];
    // Runs of the same datagram with the same fate: "ACK 52 window 64 ×3".
    let mut missed: Vec<(String, usize)> = Vec::new();
    for event in earlier {
        if event.fate.intact() {
            continue;
        }
        let name = describe(&event.bytes);
        match missed.last_mut() {
            Some((last, n)) if *last == name => *n += 1,
            _ => missed.push((name, 1)),
        }
    }
    if !missed.is_empty() {
        const SHOWN: usize = 8;
        let mut list: Vec<String> = missed
            .iter()
            .take(SHOWN)
            .map(|(name, n)| match n {
                1 => name.clone(),
                n => format!("{name} ×{n}"),
            })
            .collect();
        if missed.len() > SHOWN {
            let more = missed.len() - SHOWN;
            list.push(tr!(lang, "{more} more", "{more}개 더"));
        }
        let list = list.join(", ");
        lines.insert(
            lines.len().min(1),
            tr!(
                lang,
                "  of those, not delivered intact: {list}",
                "  그중 온전히 전달되지 않은 것: {list}"
            ),
        );
    }
    lines
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
            "OUT이 보낸 파일과 오프셋 {at}(0부터 셈, 조각 {chunk})부터 다릅니다. 조각을 엉뚱한 자리에 썼거나, 두 번 썼거나, 손상된 조각을 썼습니다",
            chunk = at / super::proto::CHUNK
        ),
        None => tr!(
            lang,
            "OUT has {len} bytes, the file sent has {total}",
            "OUT은 {len}바이트인데 보낸 파일은 {total}바이트입니다"
        ),
    };
    Err(Failure::new(Step::Read, message).with_transcript(timeline(ctx, proxy)))
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
    let sent = match wait_exit(ctx, &mut sender, "rdt-send", sender_wait, Some(proxy)).await {
        // The spec's give-up when every final ACK was lost and the receiver
        // lingered for each FIN that reached it: no fault of either program
        // (the receiver must still have exited 0 with the file, below).
        Ok(status)
            if status.code() == Some(1)
                && two_generals(&proxy.events(), chunks(bytes.len() as u64)) =>
        {
            Ok(())
        }
        Ok(status) => expect_exit(ctx, &mut sender, "rdt-send", status, 0, Some(proxy)).await,
        Err(failure) => Err(failure),
    };
    let took = start.elapsed();
    if let Err(mut failure) = sent {
        // The sender is where it shows, but the receiver may be the cause
        // (it exited early, or refused the digest): say where it stands.
        let at = failure
            .transcript
            .iter()
            .take_while(|line| line.starts_with("stderr:"))
            .count();
        let other = other_side(ctx.lang, &mut receiver.proc, "rdt-recv").await;
        failure.transcript.splice(at..at, other);
        return Err(failure);
    }
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

/// Where the other program of a pair stands when this one failed: exited
/// (with its code) or still running, and the first lines of its stderr.
async fn other_side(lang: Lang, proc: &mut Proc, name: &str) -> Vec<String> {
    let mut lines = vec![match proc.wait_exit(Duration::ZERO).await {
        Some(status) => {
            let code = status.code().map_or("-".to_string(), |c| c.to_string());
            tr!(
                lang,
                "meanwhile `{name}` had exited with code {code}",
                "그사이 `{name}`: 종료 코드 {code_ro} 이미 끝났습니다",
                code_ro = josa(&code, "(으)로")
            )
        }
        None => tr!(
            lang,
            "meanwhile `{name}` was still running",
            "그사이 `{name}`: 아직 실행 중이었습니다"
        ),
    }];
    let stderr = proc.stderr_text();
    lines.extend(
        stderr_lines(
            stderr
                .lines()
                .filter(|line| !line.trim().is_empty())
                .take(2),
        )
        .into_iter()
        .map(|line| line.replacen("stderr: ", &format!("stderr: [{name}] "), 1)),
    );
    lines
}
