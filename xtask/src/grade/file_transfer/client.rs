//! Tests of the student's `ft-client`: the grader is the server, with files in
//! memory, answering in whole frames or in tiny fragments.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{names_in, proto};
use crate::grade::cause::Kind;
use crate::grade::josa::josa;
use crate::grade::lang::{Step, tr};
use crate::grade::process::Proc;
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript::stderr_lines;
use crate::grade::wire::{self, binary_payload, write_fragmented};

const MIB: usize = 1024 * 1024;

type Files = BTreeMap<Vec<u8>, Vec<u8>>;

/// How the grader's server misbehaves, on purpose.
#[derive(Clone, Copy, Default)]
struct Behaviour {
    /// Write in segments of at most this many bytes, with small delays (0: whole frames).
    max_segment: usize,
    /// Send a wrong digest in DONE.
    corrupt_digest: bool,
}

/// The grader's server: serves every connection from `files`; uploads land there too.
struct Server {
    addr: SocketAddr,
    files: Arc<Mutex<Files>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    files: &[(&str, &[u8])],
    behaviour: Behaviour,
    seed: u64,
) -> Result<Server, Failure> {
    let (listener, addr) = wire::listen_loopback().await?;
    let files: Files = files
        .iter()
        .map(|(n, c)| (n.as_bytes().to_vec(), c.to_vec()))
        .collect();
    let files = Arc::new(Mutex::new(files));
    let shared = files.clone();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        let mut seed = seed;
        while let Ok((stream, _)) = listener.accept().await {
            seed = seed.wrapping_add(1);
            connections.spawn(serve_one(stream, shared.clone(), behaviour, seed));
        }
    });
    Ok(Server { addr, files, task })
}

async fn serve_one(
    stream: TcpStream,
    files: Arc<Mutex<Files>>,
    behaviour: Behaviour,
    seed: u64,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut send = async |bytes: Vec<u8>| -> std::io::Result<()> {
        if behaviour.max_segment > 0 {
            write_fragmented(
                &mut writer,
                &bytes,
                behaviour.max_segment,
                Duration::from_micros(300),
                &mut rng,
            )
            .await
        } else {
            writer.write_all(&bytes).await
        }
    };
    while let Some(frame) = proto::read_frame(&mut reader).await? {
        let status = |code, value, message: &str| {
            proto::encode(proto::STATUS, &proto::status_payload(code, value, message))
        };
        match frame.kind {
            proto::LIST => {
                let entries: Vec<(Vec<u8>, u64)> = files
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(n, c)| (n.clone(), c.len() as u64))
                    .collect();
                let mut out = Vec::new();
                for (name, size) in &entries {
                    out.extend(proto::encode(
                        proto::ENTRY,
                        &proto::size_and_name(*size, name),
                    ));
                }
                out.extend(status(proto::OK, entries.len() as u64, "listed"));
                send(out).await?;
            }
            proto::GET => {
                let content = files.lock().unwrap().get(&frame.payload).cloned();
                let Some(content) = content else {
                    send(status(proto::NOT_FOUND, 0, "no such file")).await?;
                    continue;
                };
                let mut digest = proto::sha256(&content);
                if behaviour.corrupt_digest {
                    digest[0] ^= 0xff;
                }
                let mut out = status(proto::OK, content.len() as u64, "sending");
                for chunk in content.chunks(proto::MAX_PAYLOAD) {
                    out.extend(proto::encode(proto::DATA, chunk));
                    if out.len() > 4 * MIB {
                        send(std::mem::take(&mut out)).await?;
                    }
                }
                out.extend(proto::encode(proto::DONE, &digest));
                send(out).await?;
            }
            proto::PUT if frame.payload.len() > 8 => {
                let size = u64::from_be_bytes(frame.payload[..8].try_into().unwrap()) as usize;
                let name = frame.payload[8..].to_vec();
                send(status(proto::OK, 0, "send it")).await?;
                let Ok((content, digest)) = proto::receive_file(&mut reader, size).await else {
                    return Ok(());
                };
                if content.len() != size || digest != proto::sha256(&content) {
                    send(status(proto::BAD_DIGEST, 0, "digest mismatch")).await?;
                    continue;
                }
                files.lock().unwrap().insert(name, content);
                send(status(proto::OK, size as u64, "stored")).await?;
            }
            _ => {
                send(status(proto::MALFORMED, 0, "malformed frame")).await?;
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Runs `ft-client ADDR <args>` in `cwd` and waits (30 s) for it to exit.
async fn run(
    ctx: &Ctx,
    cwd: &Path,
    addr: SocketAddr,
    args: &[&str],
    limit: u64,
) -> Result<(ExitStatus, Proc), Failure> {
    run_within(ctx, cwd, addr, args, limit, Duration::from_secs(30)).await
}

/// [`run`], waiting at most `wait` for the client to exit.
pub(super) async fn run_within(
    ctx: &Ctx,
    cwd: &Path,
    addr: SocketAddr,
    args: &[&str],
    limit: u64,
    wait: Duration,
) -> Result<(ExitStatus, Proc), Failure> {
    let lang = ctx.lang;
    let mut argv = vec![addr.to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let shown = format!("ft-client {}", argv.join(" "));
    ctx.at(Step::Connect);
    let mut client =
        Proc::spawn_in(Some(cwd), &ctx.bin("ft-client"), &argv, None, limit).map_err(|err| {
            Failure::new(
                Step::Start,
                tr!(
                    lang,
                    "could not start ft-client: {err}",
                    "ft-client를 실행하지 못했습니다: {err}"
                ),
            )
        })?;
    ctx.at(Step::Read);
    let status = client
        .exit_within(lang, Step::Read, &format!("`{shown}`"), wait)
        .await
        .map_err(|failure| failure.with_kind(Kind::NoExit))?;
    Ok((status, client))
}

pub(super) fn workdir() -> Result<tempfile::TempDir, Failure> {
    crate::sandbox::shared_tempdir("socket-lab-ft-client-")
        .map_err(|err| Failure::new(Step::Start, err.to_string()))
}

fn compare_file(ctx: &Ctx, what: &str, path: &Path, want: &[u8]) -> Result<(), Failure> {
    let got = std::fs::read(path).unwrap_or_default();
    if got == want {
        return Ok(());
    }
    Err(Failure::new(
        Step::Read,
        tr!(
            ctx.lang,
            "after {what}, the saved file differs",
            "{what} 뒤 저장된 파일이 다릅니다"
        ),
    )
    .with_transcript(crate::grade::transcript::compare(ctx.lang, want, &got)))
}

pub async fn list(ctx: Ctx) -> Result<(), Failure> {
    let files: [(&str, &[u8]); 3] = [
        ("notes.txt", b"hello\n"),
        ("a.bin", &[0u8; 1000]),
        ("empty", b""),
    ];
    let server = serve(&files, Behaviour::default(), 1).await?;
    let dir = workdir()?;
    let (status, mut client) = run(&ctx, dir.path(), server.addr, &["list"], 64 * 1024).await?;
    client
        .expect_exit_code(ctx.lang, "`ft-client ADDR list`", status, 0)
        .await?;
    let out = client.stdout(64 * 1024);
    let want = b"1000\ta.bin\n0\tempty\n6\tnotes.txt\n";
    if out != want {
        return Err(Failure::new(
            Step::Read,
            tr!(
                ctx.lang,
                "`list` should print `<size>\\t<name>` per file, in the server's order",
                "`list`는 파일마다 `<크기>\\t<이름>`을 서버가 보낸 순서대로 출력해야 합니다"
            ),
        )
        .with_transcript(crate::grade::transcript::compare(ctx.lang, want, &out)));
    }
    Ok(())
}

async fn get_case(ctx: &Ctx, behaviour: Behaviour, size: usize, key: &str) -> Result<(), Failure> {
    let content = binary_payload(&mut ctx.rng(key), size);
    let files: [(&str, &[u8]); 2] = [("photo.bin", &content), ("notes.txt", b"hello\n")];
    let server = serve(&files, behaviour, ctx.rng(key).u64(..)).await?;
    let dir = workdir()?;
    let what = "`ft-client ADDR get photo.bin -o copy.bin`";
    let (status, mut client) = run(
        ctx,
        dir.path(),
        server.addr,
        &["get", "photo.bin", "-o", "copy.bin"],
        64 * 1024,
    )
    .await?;
    client.expect_exit_code(ctx.lang, what, status, 0).await?;
    compare_file(ctx, what, &dir.path().join("copy.bin"), &content)?;
    // Without -o, the file lands under its own name in the working folder.
    let what = "`ft-client ADDR get notes.txt`";
    let (status, mut client) = run(
        ctx,
        dir.path(),
        server.addr,
        &["get", "notes.txt"],
        64 * 1024,
    )
    .await?;
    client.expect_exit_code(ctx.lang, what, status, 0).await?;
    compare_file(ctx, what, &dir.path().join("notes.txt"), b"hello\n")
}

pub async fn get(ctx: Ctx) -> Result<(), Failure> {
    get_case(&ctx, Behaviour::default(), MIB, "ft.client.get").await
}

pub async fn get_fragmented(ctx: Ctx) -> Result<(), Failure> {
    let behaviour = Behaviour {
        max_segment: 3,
        ..Behaviour::default()
    };
    get_case(&ctx, behaviour, 3000, "ft.client.get_fragmented").await
}

pub async fn large(ctx: Ctx) -> Result<(), Failure> {
    get_case(&ctx, Behaviour::default(), 64 * MIB, "ft.client.large").await
}

pub async fn put(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let content = binary_payload(&mut ctx.rng("ft.client.put"), MIB);
    let server = serve(&[], Behaviour::default(), 3).await?;
    let dir = workdir()?;
    std::fs::write(dir.path().join("data.bin"), &content)
        .map_err(|e| Failure::new(Step::Start, e.to_string()))?;
    std::fs::write(dir.path().join("notes.txt"), b"hello\n")
        .map_err(|e| Failure::new(Step::Start, e.to_string()))?;
    for (args, name, want) in [
        (
            &["put", "data.bin", "--as", "uploaded.bin"][..],
            "uploaded.bin",
            &content[..],
        ),
        (&["put", "notes.txt"][..], "notes.txt", b"hello\n"),
    ] {
        let what = format!("`ft-client ADDR {}`", args.join(" "));
        let (status, mut client) = run(&ctx, dir.path(), server.addr, args, 64 * 1024).await?;
        client.expect_exit_code(ctx.lang, &what, status, 0).await?;
        let stored = server.files.lock().unwrap().get(name.as_bytes()).cloned();
        match stored {
            Some(got) if got == want => {}
            Some(got) => {
                return Err(Failure::new(
                    Step::Write,
                    tr!(
                        lang,
                        "after {what}, the server stored different bytes",
                        "{what} 뒤 서버에 다른 바이트가 저장됐습니다"
                    ),
                )
                .with_transcript(crate::grade::transcript::compare(lang, want, &got)));
            }
            None => {
                return Err(Failure::new(
                    Step::Write,
                    tr!(
                        lang,
                        "after {what}, the server holds no file named {name} (a PUT with a valid digest stores it)",
                        "{what} 뒤 서버에 {name} 파일이 없습니다(다이제스트가 맞는 PUT이면 저장됩니다)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

pub async fn not_found(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let server = serve(&[], Behaviour::default(), 4).await?;
    let dir = workdir()?;
    let what = "`ft-client ADDR get missing.txt`";
    let (status, mut client) = run(
        &ctx,
        dir.path(),
        server.addr,
        &["get", "missing.txt"],
        64 * 1024,
    )
    .await?;
    client.expect_exit_code(ctx.lang, what, status, 3).await?;
    let stderr = client.stderr_text();
    let left = names_in(dir.path());
    if !stderr.contains("NOT_FOUND") || !left.is_empty() {
        return Err(Failure::new(
            Step::Read,
            tr!(
                lang,
                "on STATUS NOT_FOUND the client should say `NOT_FOUND` on stderr and create no file (files: {left:?})",
                "STATUS NOT_FOUND를 받으면 표준 오류에 `NOT_FOUND`를 알리고 파일을 만들지 않아야 합니다(파일: {left:?})"
            ),
        )
        .with_transcript(stderr_lines(stderr.lines())));
    }
    Ok(())
}

pub async fn bad_digest(ctx: Ctx) -> Result<(), Failure> {
    let content = binary_payload(&mut ctx.rng("ft.client.bad_digest"), 100_000);
    let behaviour = Behaviour {
        corrupt_digest: true,
        ..Behaviour::default()
    };
    let server = serve(&[("photo.bin", &content)], behaviour, 5).await?;
    let dir = workdir()?;
    let what = &tr!(
        ctx.lang,
        "`ft-client ADDR get photo.bin` (wrong digest)",
        "`ft-client ADDR get photo.bin`(다이제스트가 틀림)"
    );
    let (status, mut client) = run(
        &ctx,
        dir.path(),
        server.addr,
        &["get", "photo.bin"],
        64 * 1024,
    )
    .await?;
    client.expect_exit_code(ctx.lang, what, status, 4).await?;
    let left = names_in(dir.path());
    if !left.is_empty() {
        return Err(Failure::new(
            Step::Close,
            tr!(
                ctx.lang,
                "when the digest does not match, no file may stay behind (temporary or final); found {left:?}",
                "다이제스트가 맞지 않으면 임시 파일도 최종 파일도 남으면 안 됩니다. 남은 파일: {left:?}"
            ),
        ));
    }
    Ok(())
}

pub async fn refused(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    // Held until the test ends, so that no other listener takes the port.
    let refused = wire::refused_addr().map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    let addr = refused.addr;
    let dir = workdir()?;
    let (status, mut client) = run(&ctx, dir.path(), addr, &["list"], 64 * 1024).await?;
    let what = tr!(
        lang,
        "`ft-client ADDR list` (nothing listens)",
        "`ft-client ADDR list`(아무도 리슨하지 않음)"
    );
    client.expect_exit_code(ctx.lang, &what, status, 1).await?;
    let stderr = client.stderr_text();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() != 1 || !lines[0].contains(&addr.to_string()) {
        return Err(Failure::new(
            Step::Connect,
            tr!(
                lang,
                "on a refused connection, stderr should be one line naming {addr}",
                "연결이 거부되면 표준 오류에 주소 {addr_ga} 담긴 한 줄이 있어야 합니다",
                addr_ga = josa(&addr, "이/가")
            ),
        )
        .with_transcript(stderr_lines(lines.iter().copied())));
    }
    Ok(())
}
