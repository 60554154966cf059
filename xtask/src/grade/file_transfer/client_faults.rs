//! Tests of the student's `ft-client` against a grader's server that follows
//! a script for one connection: it delays its answer, breaks a frame, or
//! drops the connection in the middle of a file.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::client::{run_within, workdir};
use super::{names_in, proto};
use crate::grade::lang::{Step, tr};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::wire::{self, binary_payload};

/// How long the grader's server waits before its STATUS OK to a PUT.
const OK_DELAY: Duration = Duration::from_millis(500);

/// A grader's server for one connection, running `script` on it.
struct Scripted<T> {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<T>>,
}

impl<T> Drop for Scripted<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn scripted<T, F, Fut>(script: F) -> Result<Scripted<T>, Failure>
where
    T: Send + 'static,
    F: FnOnce(BufReader<OwnedReadHalf>, OwnedWriteHalf) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<T>> + Send,
{
    let (listener, addr) = wire::listen_loopback().await?;
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let (reader, writer) = stream.into_split();
        script(BufReader::new(reader), writer).await
    });
    Ok(Scripted { addr, task })
}

fn status(code: u8, value: u64, message: &str) -> Vec<u8> {
    proto::encode(proto::STATUS, &proto::status_payload(code, value, message))
}

/// The request the client sent first (any frame).
async fn request(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<proto::Frame> {
    proto::read_frame(reader)
        .await?
        .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
}

/// What the grader's server saw of a `put`.
struct PutSeen {
    /// Bytes that arrived before our STATUS OK.
    early: usize,
    content: Vec<u8>,
}

pub async fn put_waits(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let content = binary_payload(&mut ctx.rng("ft.client.put_waits"), 100_000);
    let server = scripted(|mut reader, mut writer| async move {
        let put = request(&mut reader).await?;
        let size = match put.payload.get(..8) {
            Some(size) if put.kind == proto::PUT => u64::from_be_bytes(size.try_into().unwrap()),
            _ => return Ok(None),
        };
        // Hold the OK back, and watch for bytes the client sends meanwhile.
        let early = match tokio::time::timeout(OK_DELAY, reader.fill_buf()).await {
            Ok(Ok(bytes)) => bytes.len(),
            _ => 0,
        };
        writer.write_all(&status(proto::OK, 0, "send it")).await?;
        let Ok((content, digest)) = proto::receive_file(&mut reader, size as usize).await else {
            return Ok(Some(PutSeen {
                early,
                content: Vec::new(),
            }));
        };
        let code = if digest == proto::sha256(&content) {
            proto::OK
        } else {
            proto::BAD_DIGEST
        };
        writer.write_all(&status(code, size, "stored")).await?;
        Ok(Some(PutSeen { early, content }))
    })
    .await?;
    let dir = workdir()?;
    std::fs::write(dir.path().join("data.bin"), &content)
        .map_err(|e| Failure::new(Step::Start, e.to_string()))?;
    let what = "`ft-client ADDR put data.bin`";
    let wait = Duration::from_secs(15);
    let (exit, mut client) = run_within(
        &ctx,
        dir.path(),
        server.addr,
        &["put", "data.bin"],
        64 * 1024,
        wait,
    )
    .await?;
    let seen = tokio::time::timeout(Duration::from_secs(5), &mut { server }.task).await;
    if let Ok(Ok(Ok(Some(seen)))) = &seen
        && seen.early > 0
    {
        return Err(Failure::new(
            Step::Write,
            tr!(
                lang,
                "{what}: the grader's server held its STATUS OK back for {ms} ms, and the client sent {early} bytes before it: after PUT, wait for the server's answer (it may be BAD_NAME or TOO_LARGE) before sending DATA",
                "{what}: 채점기 서버가 STATUS OK를 {ms}ms 늦췄는데 클라이언트가 그 전에 {early}바이트를 보냈습니다. PUT 뒤에는 서버의 답을 기다린 다음 DATA를 보내세요. 답이 BAD_NAME이나 TOO_LARGE일 수도 있습니다",
                ms = OK_DELAY.as_millis(),
                early = seen.early
            ),
        ));
    }
    client.expect_exit_code(ctx.lang, what, exit, 0).await?;
    match seen {
        Ok(Ok(Ok(Some(seen)))) if seen.content == content => Ok(()),
        _ => Err(Failure::new(
            Step::Read,
            tr!(
                lang,
                "{what}: the grader's server did not receive the file's 100000 bytes and a matching DONE",
                "{what}: 채점기 서버가 파일의 100000바이트와 맞는 DONE을 받지 못했습니다"
            ),
        )),
    }
}

/// How the grader's server breaks a GET's data.
#[derive(Clone, Copy)]
enum Cut {
    /// Closes between two DATA frames.
    BetweenFrames,
    /// Closes in the middle of a DATA frame.
    MidFrame,
}

pub async fn truncated(ctx: Ctx) -> Result<(), Failure> {
    let content = binary_payload(&mut ctx.rng("ft.client.truncated"), 100_000);
    for cut in [Cut::BetweenFrames, Cut::MidFrame] {
        let sent = content.clone();
        let server = scripted(move |mut reader, mut writer| async move {
            request(&mut reader).await?;
            let mut out = status(proto::OK, sent.len() as u64, "sending");
            out.extend(proto::encode(proto::DATA, &sent[..proto::MAX_PAYLOAD]));
            let next = proto::encode(proto::DATA, &sent[proto::MAX_PAYLOAD..]);
            if let Cut::MidFrame = cut {
                out.extend(&next[..next.len() / 2]);
            }
            writer.write_all(&out).await?;
            writer.shutdown().await
        })
        .await?;
        let dir = workdir()?;
        let what = &match cut {
            Cut::BetweenFrames => tr!(
                ctx.lang,
                "`ft-client ADDR get photo.bin` (the server closes after 65536 of 100000 bytes, between two frames)",
                "`ft-client ADDR get photo.bin`(서버가 100000바이트 중 65536바이트를 보낸 뒤 두 프레임 사이에서 닫음)"
            ),
            Cut::MidFrame => tr!(
                ctx.lang,
                "`ft-client ADDR get photo.bin` (the server closes after 65536 of 100000 bytes and half a DATA frame)",
                "`ft-client ADDR get photo.bin`(서버가 100000바이트 중 65536바이트와 DATA 프레임 절반을 보낸 뒤 닫음)"
            ),
        };
        let wait = Duration::from_secs(15);
        let args = ["get", "photo.bin"];
        let (exit, mut client) =
            run_within(&ctx, dir.path(), server.addr, &args, 64 * 1024, wait).await?;
        client.expect_exit_code(ctx.lang, what, exit, 4).await?;
        let left = names_in(dir.path());
        if !left.is_empty() {
            return Err(Failure::new(
                Step::Close,
                tr!(
                    ctx.lang,
                    "{what}: the download is incomplete, yet files stayed behind: {left:?}",
                    "{what}: 내려받기가 끝나지 않았는데 파일이 남았습니다: {left:?}"
                ),
            ));
        }
    }
    Ok(())
}

pub async fn bad_frame(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    // (command, the bytes of the grader's answer, their length field)
    let cases: [(&[&str], &[u8], u32); 2] = [
        (&["list"], &[0xff, 0xff, 0xff, 0xff, 0x7f], u32::MAX),
        (&["get", "notes.txt"], &[0, 0, 0, 0], 0),
    ];
    for (args, answer, len) in cases {
        let shown = tr!(
            lang,
            "a frame length of {len} (valid: 1 to 65537)",
            "길이 {len}(올바른 값: 1~65537)"
        );
        let server = scripted(move |mut reader, mut writer| async move {
            request(&mut reader).await?;
            writer.write_all(answer).await?;
            // The connection stays open: a client that waits for the
            // announced bytes waits forever.
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        })
        .await?;
        let dir = workdir()?;
        let what = format!("`ft-client ADDR {}`", args.join(" "));
        let wait = Duration::from_secs(5);
        // The test's hint (check the length first) says why the client
        // hangs better than Kind::NoExit's does.
        let context = |failure: Failure| Failure {
            kind: None,
            message: tr!(
                lang,
                "{message} (the grader's server answered with {shown} and kept the connection open: the client must see from the 4 length bytes alone that the frame is malformed, and exit 1)",
                "{message} (채점기 서버가 {shown}의 프레임으로 답하고 연결을 열어 두었습니다. 클라이언트는 길이 4바이트만 보고 잘못된 프레임임을 알아채 종료 코드 1로 끝나야 합니다)",
                message = failure.message
            ),
            ..failure
        };
        let (exit, mut client) = run_within(&ctx, dir.path(), server.addr, args, 64 * 1024, wait)
            .await
            .map_err(context)?;
        client
            .expect_exit_code(ctx.lang, &what, exit, 1)
            .await
            .map_err(context)?;
        let left = names_in(dir.path());
        if !left.is_empty() {
            return Err(Failure::new(
                Step::Close,
                tr!(
                    lang,
                    "{what} answered with {shown}: no file may stay behind, found {left:?}",
                    "{what}에 {shown}의 프레임으로 답했는데 파일이 남았습니다: {left:?}"
                ),
            ));
        }
    }
    Ok(())
}
