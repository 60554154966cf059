//! Tests of the student's `ft-server`: the grader is the client.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::names_in;
use super::proto::{self, FileError, Frame, Status};
use crate::grade::cause::Kind;
use crate::grade::josa::josa;
use crate::grade::lang::{Step, Text, tr};
use crate::grade::process::{Proc, start_server};
use crate::grade::proxy::{Counted, Faults, Proxy};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript::{LINE_MAX, escape, escape_line};
use crate::grade::wire::{self, STALL, binary_payload, connect};

const SERVER_OUTPUT_LIMIT: u64 = 1024 * 1024;
const MIB: usize = 1024 * 1024;

/// A running `ft-server` over a fresh root folder. The root sits inside a
/// parent folder of its own, so that a write outside the root shows.
pub struct Served {
    pub server: Proc,
    pub addr: SocketAddr,
    pub parent: tempfile::TempDir,
}

impl Served {
    pub fn root(&self) -> PathBuf {
        self.parent.path().join("root")
    }
}

fn fail(step: Step, message: String) -> Failure {
    Failure::new(step, message)
}

/// What a failed read of the server's frames saw: a reset, a frame cut
/// short by the close, or a length out of range.
pub(in crate::grade) fn read_kind(err: &std::io::Error) -> Option<Kind> {
    match err.kind() {
        _ if wire::is_reset(err) => Some(Kind::Reset),
        std::io::ErrorKind::UnexpectedEof => Some(Kind::FtHungUp),
        std::io::ErrorKind::InvalidData => Some(Kind::FtBadFrame),
        _ => None,
    }
}

/// Starts `ft-server --root <fresh dir with files> --listen 127.0.0.1:0`.
pub async fn start(ctx: &Ctx, files: &[(&str, &[u8])]) -> Result<Served, Failure> {
    start_on(ctx, files, None).await
}

/// Like [`start`], on a disk that is full once a file reaches `full_at`
/// bytes (Unix: RLIMIT_FSIZE; see `Proc::spawn_with_full_disk`).
pub async fn start_on(
    ctx: &Ctx,
    files: &[(&str, &[u8])],
    full_at: Option<u64>,
) -> Result<Served, Failure> {
    if let Some(failure) = ctx.startup_failure() {
        return Err(failure);
    }
    let io = |err: std::io::Error| fail(Step::Start, err.to_string());
    let parent = crate::sandbox::shared_tempdir("socket-lab-ft-").map_err(io)?;
    let root = parent.path().join("root");
    std::fs::create_dir(&root).map_err(io)?;
    for (name, content) in files {
        std::fs::write(root.join(name), content).map_err(io)?;
    }
    let args = [
        "--root".to_string(),
        root.display().to_string(),
        "--listen".to_string(),
        "127.0.0.1:0".to_string(),
    ];
    let (server, addr) = match full_at {
        #[cfg(unix)]
        Some(bytes) => {
            crate::grade::process::start_server_with_full_disk(
                ctx,
                "ft-server",
                &args,
                SERVER_OUTPUT_LIMIT,
                bytes,
            )
            .await?
        }
        _ => start_server(ctx, "ft-server", &args, SERVER_OUTPUT_LIMIT).await?,
    };
    Ok(Served {
        server,
        addr,
        parent,
    })
}

/// One client connection speaking the protocol.
pub struct Conn {
    reader: BufReader<OwnedReadHalf>,
    pub writer: Counted<OwnedWriteHalf>,
    /// Through a proxy: the bytes it has passed on to the server.
    proxied: Option<Arc<AtomicU64>>,
}

impl Conn {
    pub async fn open(ctx: &Ctx, addr: SocketAddr) -> Result<Conn, Failure> {
        let (reader, writer) = connect(ctx, addr).await?.into_split();
        Ok(Conn {
            reader: BufReader::with_capacity(256 * 1024, reader),
            writer: Counted::new(writer),
            proxied: None,
        })
    }

    /// A connection through `proxy`: the time the server gets to answer
    /// starts once the proxy has passed our request on to it.
    pub async fn through(ctx: &Ctx, proxy: &Proxy) -> Result<Conn, Failure> {
        let mut conn = Conn::open(ctx, proxy.addr).await?;
        conn.proxied = Some(proxy.forwarded());
        Ok(conn)
    }

    /// Through a proxy, waits (at most `STALL * 5`) until every byte we
    /// wrote has reached the server.
    async fn delivered(&self) {
        let Some(forwarded) = &self.proxied else {
            return;
        };
        let written = self.writer.written().load(Ordering::Relaxed);
        let give_up = tokio::time::Instant::now() + STALL * 5;
        while forwarded.load(Ordering::Relaxed) < written && tokio::time::Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub async fn send(&mut self, ctx: &Ctx, kind: u8, payload: &[u8]) -> Result<(), Failure> {
        ctx.at(Step::Write);
        let lang = ctx.lang;
        proto::write_frame(&mut self.writer, kind, payload)
            .await
            .map_err(|err| {
                let reset = wire::is_reset(&err).then_some(Kind::Reset);
                fail(
                    Step::Write,
                    tr!(
                        lang,
                        "sending a frame to the server failed: {err}",
                        "서버로 프레임을 보내지 못했습니다: {err}"
                    ),
                )
                .with_kind(reset)
            })
    }

    /// The next frame, or a failure naming what we waited for.
    pub async fn frame(&mut self, ctx: &Ctx, waiting_for: &str) -> Result<Frame, Failure> {
        self.delivered().await;
        ctx.at(Step::Read);
        let lang = ctx.lang;
        match tokio::time::timeout(STALL, proto::read_frame(&mut self.reader)).await {
            Ok(Ok(Some(frame))) => Ok(frame),
            Ok(Ok(None)) => Err(fail(
                Step::Close,
                tr!(
                    lang,
                    "the server closed the connection while we waited for {waiting_for}",
                    "{waiting_reul} 기다리는 동안 서버가 연결을 닫았습니다",
                    waiting_reul = josa(waiting_for, "을/를")
                ),
            )
            .with_kind(Kind::FtHungUp)),
            Ok(Err(err)) => Err(fail(
                Step::Read,
                tr!(
                    lang,
                    "reading {waiting_for} failed: {err}",
                    "{waiting_reul} 읽지 못했습니다: {err}",
                    err = proto::io_text(lang, &err),
                    waiting_reul = josa(waiting_for, "을/를")
                ),
            )
            .with_kind(read_kind(&err))),
            Err(_) => Err(fail(
                Step::Read,
                tr!(
                    lang,
                    "no {waiting_for} from the server within {secs} s",
                    "{secs}초 안에 서버에서 {waiting_ga} 오지 않았습니다",
                    secs = STALL.as_secs(),
                    waiting_ga = josa(waiting_for, "이/가")
                ),
            )
            .with_kind(Kind::FtNoAnswer)),
        }
    }

    pub async fn status(&mut self, ctx: &Ctx, after: &str) -> Result<Status, Failure> {
        let frame = self.frame(ctx, &format!("STATUS ({after})")).await?;
        proto::parse_status(&frame).map_err(|err| {
            fail(
                Step::Read,
                tr!(
                    ctx.lang,
                    "after {after}: {err}",
                    "{after} 다음: {err}",
                    err = err.describe(ctx.lang)
                ),
            )
            .with_kind(Kind::FtBadFrame)
        })
    }

    /// GET: the file's bytes, or the error status.
    pub async fn get(
        &mut self,
        ctx: &Ctx,
        name: &[u8],
    ) -> Result<Result<Vec<u8>, Status>, Failure> {
        let lang = ctx.lang;
        let what = format!("GET {}", String::from_utf8_lossy(name));
        self.send(ctx, proto::GET, name).await?;
        let status = self.status(ctx, &what).await?;
        if status.code != proto::OK {
            return Ok(Err(status));
        }
        ctx.at(Step::Read);
        let limit = status.value as usize;
        let (content, digest) =
            tokio::time::timeout(STALL * 10, proto::receive_file(&mut self.reader, limit))
                .await
                .map_err(|_| {
                    fail(
                        Step::Read,
                        tr!(
                            lang,
                            "{what}: the file did not arrive in time",
                            "{what}: 파일이 제때 오지 않았습니다"
                        ),
                    )
                })?
                .map_err(|err| {
                    let kind = match &err {
                        FileError::Frame(_) => Some(Kind::FtBadFrame),
                        FileError::Closed(_) => Some(Kind::FtHungUp),
                        FileError::Io(err) => read_kind(err),
                    };
                    fail(Step::Read, format!("{what}: {}", err.describe(lang))).with_kind(kind)
                })?;
        if content.len() as u64 != status.value {
            return Err(fail(
                Step::Read,
                tr!(
                    lang,
                    "{what}: STATUS OK announced {announced} bytes, but DATA carried {carried}",
                    "{what}: STATUS OK는 {announced}바이트라고 했는데 DATA는 {carried}바이트였습니다",
                    announced = status.value,
                    carried = content.len()
                ),
            )
            .with_kind(Kind::FtBadFrame));
        }
        if digest != proto::sha256(&content) {
            return Err(fail(
                Step::Read,
                tr!(
                    lang,
                    "{what}: DONE's digest is not the SHA-256 of the bytes sent",
                    "{what}: DONE의 다이제스트가 보낸 바이트의 SHA-256이 아닙니다"
                ),
            ));
        }
        Ok(Ok(content))
    }

    /// PUT: sends the announcement, and on OK the file and its digest; returns the final status.
    pub async fn put(
        &mut self,
        ctx: &Ctx,
        name: &[u8],
        content: &[u8],
        digest: &[u8; 32],
    ) -> Result<Status, Failure> {
        let what = format!("PUT {}", String::from_utf8_lossy(name));
        self.send(
            ctx,
            proto::PUT,
            &proto::size_and_name(content.len() as u64, name),
        )
        .await?;
        let status = self.status(ctx, &what).await?;
        if status.code != proto::OK {
            return Ok(status);
        }
        ctx.at(Step::Write);
        proto::send_file(&mut self.writer, content, digest)
            .await
            .map_err(|err| fail(Step::Write, format!("{what}: {err}")))?;
        self.status(ctx, &format!("{what} DONE")).await
    }
}

/// A file that came back with other bytes than the grader's: `what` is
/// the request (`GET big.bin`).
fn differs(ctx: &Ctx, what: &str) -> Failure {
    fail(
        Step::Read,
        tr!(
            ctx.lang,
            "{what}: the file's bytes differ from the ones the server holds",
            "{what}: 받은 파일의 바이트가 서버에 있는 파일과 다릅니다"
        ),
    )
}

/// The ENTRY frames a server sent, as the transcript shows them: each escaped
/// and cut (the student's server chose the bytes), the first ten.
fn quote_entries(entries: &[String]) -> String {
    let mut shown: Vec<String> = entries
        .iter()
        .take(10)
        .map(|entry| escape(entry.as_bytes(), 60))
        .collect();
    if entries.len() > 10 {
        shown.push("…".into());
    }
    format!("[{}]", shown.join(", "))
}

pub fn expect_code(ctx: &Ctx, status: &Status, code: u8, after: &str) -> Result<(), Failure> {
    if status.code == code {
        return Ok(());
    }
    let (want, got, message) = (
        proto::code_name(code),
        proto::code_name(status.code),
        escape_line(&status.message, LINE_MAX),
    );
    Err(fail(
        Step::Read,
        tr!(
            ctx.lang,
            "after {after}, expected STATUS {want}, got {got} (\"{message}\")",
            "{after} 다음에 STATUS {want_reul} 기대했는데 온 것은 STATUS {got}(\"{message}\")입니다",
            want_reul = josa(want, "을/를")
        ),
    ))
}

pub async fn ready(ctx: Ctx) -> Result<(), Failure> {
    let served = start(&ctx, &[]).await?;
    connect(&ctx, served.addr).await.map(drop)
}

pub async fn list(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let files: [(&str, &[u8]); 4] = [
        ("notes.txt", b"hello\n"),
        ("a.bin", &[0u8; 1000]),
        ("empty", b""),
        (".hidden", b"not listed"),
    ];
    let served = start(&ctx, &files).await?;
    std::fs::create_dir(served.root().join("subdir")).ok();
    let mut conn = Conn::open(&ctx, served.addr).await?;
    conn.send(&ctx, proto::LIST, b"").await?;
    let mut entries = Vec::new();
    loop {
        let frame = conn.frame(&ctx, "ENTRY/STATUS").await?;
        if frame.kind == proto::ENTRY && frame.payload.len() >= 8 {
            let size = u64::from_be_bytes(frame.payload[..8].try_into().unwrap());
            entries.push(format!(
                "{size} {}",
                String::from_utf8_lossy(&frame.payload[8..])
            ));
            continue;
        }
        let status = proto::parse_status(&frame)
            .map_err(|err| fail(Step::Read, err.describe(lang)).with_kind(Kind::FtBadFrame))?;
        expect_code(&ctx, &status, proto::OK, "LIST")?;
        if status.value != entries.len() as u64 {
            return Err(fail(
                Step::Read,
                tr!(
                    lang,
                    "LIST sent {sent} ENTRY frames but STATUS OK says {said}",
                    "LIST에 ENTRY 프레임이 {sent}개 왔는데 STATUS OK는 {said}개라고 합니다",
                    sent = entries.len(),
                    said = status.value
                ),
            ));
        }
        break;
    }
    let expected = ["1000 a.bin", "0 empty", "6 notes.txt"];
    if entries != expected {
        return Err(fail(
            Step::Read,
            tr!(
                lang,
                "LIST should give the regular files, sorted, without dotfiles or folders",
                "LIST는 점으로 시작하는 파일과 폴더를 빼고 일반 파일만 정렬해서 보내야 합니다"
            ),
        )
        .with_transcript(vec![
            format!("expected: {expected:?}"),
            format!("received: {}", quote_entries(&entries)),
        ]));
    }
    Ok(())
}

pub async fn get_sizes(ctx: Ctx) -> Result<(), Failure> {
    let big = binary_payload(&mut ctx.rng("ft.server.get"), MIB);
    let files: [(&str, &[u8]); 3] = [("empty.txt", b""), ("one.bin", b"\x00"), ("big.bin", &big)];
    let served = start(&ctx, &files).await?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    for (name, content) in files {
        match conn.get(&ctx, name.as_bytes()).await? {
            Ok(got) if got == content => {}
            Ok(got) => {
                return Err(differs(&ctx, &format!("GET {name}"))
                    .with_transcript(crate::grade::transcript::compare(ctx.lang, content, &got)));
            }
            Err(status) => expect_code(&ctx, &status, proto::OK, &format!("GET {name}"))?,
        }
    }
    Ok(())
}

pub async fn get_missing(ctx: Ctx) -> Result<(), Failure> {
    let served = start(&ctx, &[("here.txt", b"here\n")]).await?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    match conn.get(&ctx, b"missing.txt").await? {
        Err(status) => expect_code(&ctx, &status, proto::NOT_FOUND, "GET missing.txt")?,
        Ok(_) => {
            return Err(fail(
                Step::Read,
                tr!(
                    ctx.lang,
                    "GET missing.txt: STATUS OK for a file that does not exist",
                    "GET missing.txt: 없는 파일에 STATUS OK로 답했습니다"
                ),
            ));
        }
    }
    // The connection stays usable after an error status.
    match conn.get(&ctx, b"here.txt").await? {
        Ok(content) if content == b"here\n" => Ok(()),
        _ => Err(fail(
            Step::Read,
            tr!(
                ctx.lang,
                "after NOT_FOUND, the next GET on the same connection did not work",
                "NOT_FOUND 뒤, 같은 연결에서 다음 GET이 동작하지 않았습니다"
            ),
        )),
    }
}

/// PUTs each file, then checks the root holds exactly it, and no temporary file is left.
async fn put_and_check(
    ctx: &Ctx,
    served: &Served,
    conn: &mut Conn,
    name: &str,
    content: &[u8],
) -> Result<(), Failure> {
    let lang = ctx.lang;
    let status = conn
        .put(ctx, name.as_bytes(), content, &proto::sha256(content))
        .await?;
    expect_code(ctx, &status, proto::OK, &format!("PUT {name}"))?;
    let on_disk = std::fs::read(served.root().join(name)).unwrap_or_default();
    if on_disk != content {
        return Err(fail(
            Step::Read,
            tr!(
                lang,
                "after PUT {name}, the file in --root differs",
                "PUT {name} 뒤 --root의 파일이 다릅니다"
            ),
        )
        .with_transcript(crate::grade::transcript::compare(lang, content, &on_disk)));
    }
    Ok(())
}

pub async fn put_sizes(ctx: Ctx) -> Result<(), Failure> {
    let big = binary_payload(&mut ctx.rng("ft.server.put"), MIB);
    let served = start(&ctx, &[]).await?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    for (name, content) in [
        ("empty.txt", &b""[..]),
        ("one.bin", b"\xff"),
        ("big.bin", &big),
    ] {
        put_and_check(&ctx, &served, &mut conn, name, content).await?;
    }
    let left = names_in(&served.root());
    if left != ["big.bin", "empty.txt", "one.bin"] {
        return Err(fail(
            Step::Close,
            tr!(
                ctx.lang,
                "after three PUTs the root should hold exactly those three files, it holds {left:?}",
                "PUT 세 번 뒤 --root 폴더에는 그 세 파일만 있어야 하는데 있는 파일은 {left:?}입니다"
            ),
        ));
    }
    Ok(())
}

pub async fn large_64mib(ctx: Ctx) -> Result<(), Failure> {
    let content = binary_payload(&mut ctx.rng("ft.server.large"), 64 * MIB);
    let served = start(&ctx, &[]).await?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    put_and_check(&ctx, &served, &mut conn, "large.bin", &content).await?;
    match conn.get(&ctx, b"large.bin").await? {
        Ok(got) if got == content => Ok(()),
        Ok(got) => Err(differs(&ctx, "GET large.bin")
            .with_transcript(crate::grade::transcript::compare(ctx.lang, &content, &got))),
        Err(status) => expect_code(&ctx, &status, proto::OK, "GET large.bin"),
    }
}

pub async fn fragmented(ctx: Ctx) -> Result<(), Failure> {
    let mut rng = ctx.rng("ft.server.fragmented");
    let content = binary_payload(&mut rng, 1500);
    let served = start(&ctx, &[]).await?;
    let faults = Faults {
        max_segment: 3,
        max_delay: Duration::from_micros(300),
    };
    let proxy = Proxy::start(served.addr, faults, rng.u64(..))
        .await
        .map_err(|err| fail(Step::Start, err.to_string()))?;
    let mut conn = Conn::through(&ctx, &proxy).await?;
    put_and_check(&ctx, &served, &mut conn, "pieces.bin", &content).await?;
    match conn.get(&ctx, b"pieces.bin").await? {
        Ok(got) if got == content => Ok(()),
        Ok(got) => Err(differs(&ctx, "GET pieces.bin")
            .with_transcript(crate::grade::transcript::compare(ctx.lang, &content, &got))),
        Err(status) => expect_code(&ctx, &status, proto::OK, "GET pieces.bin"),
    }
}

pub async fn traversal(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let served = start(&ctx, &[]).await?;
    std::fs::write(
        served.parent.path().join("secret.txt"),
        b"outside the root\n",
    )
    .ok();
    let outside = served.parent.path().join("abs.txt");
    let mut names: Vec<Vec<u8>> = [
        "../x.txt",
        "../secret.txt",
        "a/b.txt",
        "a\\b.txt",
        "..",
        ".",
        "",
        "C:evil.txt",
        "..%2fencoded.txt",
        ".hidden",
    ]
    .iter()
    .map(|n| n.as_bytes().to_vec())
    .collect();
    names.push(outside.display().to_string().into_bytes());
    names.push(b"nul\0byte.txt".to_vec());
    names.push(vec![b'n'; 256]);
    let mut conn = Conn::open(&ctx, served.addr).await?;
    for name in &names {
        // The name in quotes as the student wrote it, `"a\b.txt"` with one
        // backslash (escape() writes a Rust literal, `"a\\b.txt"`); control
        // bytes (the NUL) still escaped, cut after 40 characters.
        let shown = format!("\"{}\"", escape_line(&String::from_utf8_lossy(name), 40));
        conn.send(&ctx, proto::PUT, &proto::size_and_name(5, name))
            .await?;
        let status = conn.status(&ctx, &format!("PUT {shown}")).await?;
        if status.code == proto::OK {
            // Finish the upload so a vulnerable server really writes, and we can see where.
            let _ = proto::send_file(&mut conn.writer, b"evil\n", &proto::sha256(b"evil\n")).await;
            let _ = conn.status(&ctx, "DONE").await;
        }
        expect_code(&ctx, &status, proto::BAD_NAME, &format!("PUT {shown}"))?;
        match conn.get(&ctx, name).await? {
            Err(status) => expect_code(&ctx, &status, proto::BAD_NAME, &format!("GET {shown}"))?,
            Ok(_) => {
                return Err(fail(
                    Step::Read,
                    tr!(
                        lang,
                        "GET {shown} was answered with a file",
                        "GET {shown}에 파일로 답했습니다"
                    ),
                ));
            }
        }
    }
    let (outside_files, inside) = (names_in(served.parent.path()), names_in(&served.root()));
    if outside_files != ["root", "secret.txt"] || !inside.is_empty() {
        // A file a vulnerable server wrote as `a\b.txt` is shown so, not as
        // Debug's `"a\\b.txt"`.
        let quoted = |names: &[String]| {
            let names: Vec<String> = names
                .iter()
                .map(|n| format!("\"{}\"", escape_line(n, 40)))
                .collect();
            format!("[{}]", names.join(", "))
        };
        let (outside_files, inside) = (quoted(&outside_files), quoted(&inside));
        return Err(fail(
            Step::Close,
            tr!(
                lang,
                "rejected names still wrote files: next to the root {outside_files}, in it {inside}",
                "거부해야 할 이름으로 파일이 써졌습니다. --root 폴더 옆에 {outside_files}, 안에 {inside}"
            ),
        ));
    }
    Ok(())
}

pub async fn unfinished_upload(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let served = start(&ctx, &[]).await?;
    // A client announces 1 MiB, sends 1000 bytes, and vanishes.
    let mut conn = Conn::open(&ctx, served.addr).await?;
    conn.send(
        &ctx,
        proto::PUT,
        &proto::size_and_name(MIB as u64, b"partial.bin"),
    )
    .await?;
    let status = conn.status(&ctx, "PUT partial.bin").await?;
    expect_code(&ctx, &status, proto::OK, "PUT partial.bin")?;
    conn.send(&ctx, proto::DATA, &[7u8; 1000]).await?;
    let _ = conn.writer.shutdown().await;
    drop(conn);
    // Give the server a moment to notice the EOF and clean up.
    let mut left = Vec::new();
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = names_in(&served.root());
        if left.is_empty() {
            break;
        }
    }
    if !left.is_empty() {
        return Err(fail(
            Step::Close,
            tr!(
                lang,
                "a client that announced 1 MiB, sent 1000 bytes and disconnected left files in --root: {left:?}",
                "1 MiB라고 알리고 1000바이트만 보낸 뒤 끊은 클라이언트가 --root에 파일을 남겼습니다: {left:?}"
            ),
        ));
    }
    // And the server serves the next client.
    let mut next = Conn::open(&ctx, served.addr).await?;
    put_and_check(&ctx, &served, &mut next, "next.txt", b"next client\n").await
}

pub async fn too_large(ctx: Ctx) -> Result<(), Failure> {
    let served = start(&ctx, &[]).await?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    conn.send(
        &ctx,
        proto::PUT,
        &proto::size_and_name(1 << 62, b"huge.bin"),
    )
    .await?;
    let what = tr!(
        ctx.lang,
        "PUT huge.bin (2^62 bytes)",
        "PUT huge.bin(2^62바이트)"
    );
    let status = conn.status(&ctx, &what).await?;
    expect_code(&ctx, &status, proto::TOO_LARGE, &what)?;
    put_and_check(&ctx, &served, &mut conn, "small.txt", b"fits\n").await
}

pub async fn bad_digest(ctx: Ctx) -> Result<(), Failure> {
    let served = start(&ctx, &[]).await?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    let content = b"these bytes do not match their digest\n";
    let mut wrong = proto::sha256(content);
    wrong[0] ^= 0xff;
    let status = conn.put(&ctx, b"tampered.txt", content, &wrong).await?;
    let what = tr!(
        ctx.lang,
        "PUT tampered.txt with a wrong digest",
        "다이제스트가 틀린 PUT tampered.txt"
    );
    expect_code(&ctx, &status, proto::BAD_DIGEST, &what)?;
    let left = names_in(&served.root());
    if !left.is_empty() {
        return Err(fail(
            Step::Close,
            tr!(
                ctx.lang,
                "after BAD_DIGEST, --root should hold no file, it holds {left:?}",
                "BAD_DIGEST 뒤에는 --root 폴더에 파일이 없어야 하는데 있는 파일은 {left:?}입니다"
            ),
        ));
    }
    put_and_check(&ctx, &served, &mut conn, "good.txt", b"good\n").await
}

pub async fn malformed(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let mut served = start(&ctx, &[("here.txt", b"here\n")]).await?;
    let cases: [(Text, Vec<u8>); 4] = [
        (
            Text {
                en: "unknown kind 0x55",
                ko: "알 수 없는 종류 0x55의 프레임",
            },
            proto::encode(0x55, b"?"),
        ),
        (
            Text {
                en: "frame length 0",
                ko: "길이 0의 프레임",
            },
            vec![0, 0, 0, 0],
        ),
        (
            Text {
                en: "frame length 0xffffffff",
                ko: "길이 0xffffffff의 프레임",
            },
            vec![0xff, 0xff, 0xff, 0xff, 0x02],
        ),
        (
            Text {
                en: "DATA outside a PUT",
                ko: "PUT 밖의 DATA",
            },
            proto::encode(proto::DATA, b"stray"),
        ),
    ];
    for (what, bytes) in cases {
        let what = what.get(lang);
        let mut conn = Conn::open(&ctx, served.addr).await?;
        conn.writer.write_all(&bytes).await.ok();
        let status = conn.status(&ctx, what).await?;
        expect_code(&ctx, &status, proto::MALFORMED, what)?;
        drop(conn);
        if served.server.exited() {
            let note = served.server.death_note(lang).await;
            return Err(fail(
                Step::Read,
                tr!(
                    lang,
                    "the server died after {what}{note}",
                    "{what} 뒤 서버가 죽었습니다{note}"
                ),
            ));
        }
    }
    let mut conn = Conn::open(&ctx, served.addr).await?;
    match conn.get(&ctx, b"here.txt").await? {
        Ok(_) => Ok(()),
        Err(status) => expect_code(
            &ctx,
            &status,
            proto::OK,
            &tr!(
                lang,
                "GET here.txt after malformed clients",
                "잘못된 클라이언트들 뒤의 GET here.txt"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::io::AsyncReadExt;

    use super::*;
    use crate::grade::lang::Lang;

    /// How the grader's stand-in for a student's server answers a LIST.
    #[derive(Clone, Copy)]
    enum Answer {
        /// These bytes, then silence with the connection open.
        Then(&'static [u8]),
        /// These bytes, then a close (FIN).
        Close(&'static [u8]),
        /// A reset (RST) instead of any answer.
        Reset,
    }

    /// Sends LIST to a server that answers as `answer` says, and returns
    /// the failure of waiting for its STATUS.
    async fn failure(answer: Answer) -> Failure {
        let ctx = Ctx::new(Lang::En, 1, Arc::default(), Arc::default());
        let (listener, addr) = wire::listen_loopback().await.unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 5];
            stream.read_exact(&mut request).await.unwrap();
            match answer {
                Answer::Then(bytes) => {
                    stream.write_all(bytes).await.unwrap();
                    tokio::time::sleep(STALL * 2).await;
                }
                Answer::Close(bytes) => stream.write_all(bytes).await.unwrap(),
                Answer::Reset => wire::reset(stream),
            }
        });
        let mut conn = Conn::open(&ctx, addr).await.unwrap();
        conn.send(&ctx, proto::LIST, b"").await.unwrap();
        let failure = conn.status(&ctx, "LIST").await.unwrap_err();
        server.abort();
        failure
    }

    /// What the socket saw of the server picks the kind (and so the hint):
    /// silence, a close before the answer or inside a frame, a frame out of
    /// format, a reset.
    #[tokio::test]
    async fn the_kind_of_a_failed_answer_is_what_the_socket_saw() {
        let entry = proto::encode(proto::ENTRY, &proto::size_and_name(1, b"a"));
        let entry: &'static [u8] = entry.leak();
        let cases = [
            (Answer::Then(b""), Kind::FtNoAnswer),
            (Answer::Then(&[0, 0, 0, 0]), Kind::FtBadFrame),
            (Answer::Then(entry), Kind::FtBadFrame),
            (Answer::Close(b""), Kind::FtHungUp),
            (Answer::Close(&[0, 0, 0, 9, proto::STATUS]), Kind::FtHungUp),
            (Answer::Reset, Kind::Reset),
        ];
        let seen = futures_all(cases.iter().map(|&(answer, _)| failure(answer))).await;
        for ((_, want), failure) in cases.iter().zip(seen) {
            assert_eq!(failure.kind, Some(*want), "{}", failure.message);
        }
    }

    /// Runs the futures at once (each waits up to STALL), in order of results.
    async fn futures_all<F: std::future::Future<Output = Failure> + Send + 'static>(
        futures: impl Iterator<Item = F>,
    ) -> Vec<Failure> {
        let handles: Vec<_> = futures.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    }
}
