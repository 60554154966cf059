//! The server's peak memory (Linux: `VmHWM` in /proc/PID/status) while it
//! streams a large file: a GET and a PUT of 256 MiB, twice the limit. Neither side may
//! hold a whole file.

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::proto;
use super::server::{Conn, expect_code, start};
use crate::grade::cause::Kind;
use crate::grade::lang::{Step, tr};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::wire;

/// The limit on the server's peak memory, in MiB.
const LIMIT_MIB: u64 = 128;

fn fail(step: Step, message: String) -> Failure {
    Failure::new(step, message)
}

/// Peak memory of the server while it sends a 256 MiB file: twice the
/// limit, so a server that reads the file whole before it sends goes over.
pub async fn memory(ctx: Ctx) -> Result<(), Failure> {
    const SIZE: u64 = 256 << 20;
    let lang = ctx.lang;
    let served = start(&ctx, &[]).await?;
    // A sparse file: 256 MiB of zeros that costs no disk.
    let file = std::fs::File::create(served.root().join("huge.bin"))
        .map_err(|e| fail(Step::Start, e.to_string()))?;
    file.set_len(SIZE)
        .map_err(|e| fail(Step::Start, e.to_string()))?;
    drop(file);
    let mut conn = Conn::open(&ctx, served.addr).await?;
    conn.send(&ctx, proto::GET, b"huge.bin").await?;
    let status = conn.status(&ctx, "GET huge.bin").await?;
    expect_code(&ctx, &status, proto::OK, "GET huge.bin")?;
    let mut received = 0u64;
    loop {
        let frame = conn.frame(&ctx, "DATA or DONE").await?;
        match frame.kind {
            proto::DATA => received += frame.payload.len() as u64,
            proto::DONE => break,
            kind => {
                return Err(fail(
                    Step::Read,
                    tr!(
                        lang,
                        "GET huge.bin: unexpected kind 0x{kind:02x}",
                        "GET huge.bin: 예상하지 못한 종류 0x{kind:02x}의 프레임이 왔습니다"
                    ),
                )
                .with_kind(Kind::FtBadFrame));
            }
        }
    }
    let peak = served.server.peak_rss_kib().unwrap_or(0) / 1024;
    if received != SIZE {
        return Err(fail(
            Step::Read,
            tr!(
                lang,
                "GET huge.bin: {received} of {SIZE} bytes",
                "GET huge.bin: {SIZE}바이트 중 {received}바이트만 왔습니다"
            ),
        )
        .with_kind(Kind::FtBadFrame));
    }
    if peak > LIMIT_MIB {
        return Err(fail(
            Step::Read,
            tr!(
                lang,
                "sending a 256 MiB file, the server's memory peaked at {peak} MiB (limit {LIMIT_MIB} MiB): stream the file in chunks instead of reading it whole",
                "256 MiB 파일을 보내는 동안 서버 메모리가 최대 {peak} MiB였습니다(한도 {LIMIT_MIB} MiB). 파일을 통째로 읽지 말고 조각으로 흘려보내세요"
            ),
        ));
    }
    Ok(())
}

/// Peak memory of the server while it receives a 256 MiB upload: twice the
/// limit, so a server that gathers the upload in memory before it writes it
/// out goes over.
pub async fn put_memory(ctx: Ctx) -> Result<(), Failure> {
    const SIZE: u64 = 256 << 20;
    let lang = ctx.lang;
    let served = start(&ctx, &[]).await?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    let what = "PUT upload.bin (256 MiB)";
    conn.send(&ctx, proto::PUT, &proto::size_and_name(SIZE, b"upload.bin"))
        .await?;
    let status = conn.status(&ctx, what).await?;
    expect_code(&ctx, &status, proto::OK, what)?;
    // 256 MiB of zeros, one 64 KiB frame written over and over.
    ctx.at(Step::Write);
    let chunk = vec![0u8; proto::MAX_PAYLOAD];
    let frame = proto::encode(proto::DATA, &chunk);
    let mut hasher = Sha256::new();
    for _ in 0..SIZE / proto::MAX_PAYLOAD as u64 {
        hasher.update(&chunk);
        conn.writer.write_all(&frame).await.map_err(|err| {
            fail(
                Step::Write,
                tr!(
                    lang,
                    "{what}: sending DATA failed: {err}",
                    "{what}: DATA를 보내지 못했습니다: {err}"
                ),
            )
            .with_kind(wire::is_reset(&err).then_some(Kind::Reset))
        })?;
    }
    let digest: [u8; 32] = hasher.finalize().into();
    conn.send(&ctx, proto::DONE, &digest).await?;
    let status = conn.status(&ctx, &format!("{what} DONE")).await?;
    expect_code(&ctx, &status, proto::OK, &format!("{what} DONE"))?;
    let peak = served.server.peak_rss_kib().unwrap_or(0) / 1024;
    let stored = std::fs::metadata(served.root().join("upload.bin")).map_or(0, |m| m.len());
    if stored != SIZE {
        return Err(fail(
            Step::Close,
            tr!(
                lang,
                "{what}: STATUS OK, but the root holds {stored} bytes under upload.bin",
                "{what}: STATUS OK인데 --root 폴더의 upload.bin은 {stored}바이트입니다"
            ),
        ));
    }
    if peak > LIMIT_MIB {
        return Err(fail(
            Step::Read,
            tr!(
                lang,
                "receiving a 256 MiB upload, the server's memory peaked at {peak} MiB (limit {LIMIT_MIB} MiB): write each DATA frame to the temporary file as it arrives instead of gathering the file in memory",
                "256 MiB 업로드를 받는 동안 서버 메모리가 최대 {peak} MiB였습니다(한도 {LIMIT_MIB} MiB). 파일을 메모리에 모으지 말고 DATA 프레임이 올 때마다 임시 파일에 쓰세요"
            ),
        ));
    }
    Ok(())
}
