//! The file-transfer exercise's hidden tests: they run on submission
//! (Classroom) and in the instructor's gradebook, never in the student's
//! local grade. The student template has this file empty (see
//! grade/hidden.rs).

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::grade::cause::Kind;
use crate::grade::file_transfer::proto;
use crate::grade::file_transfer::server::{Conn, read_kind, start};
use crate::grade::lang::{Step, Text, tr};
use crate::grade::spec::{Ctx, Failure, TestSpec, Visibility};

pub fn tests() -> Vec<TestSpec> {
    let mut tests = vec![TestSpec {
        id: "ft.server.two_clients",
        points: 5,
        timeout: Duration::from_secs(15),
        visibility: Visibility::Hidden,
        rules: &["ft.server.concurrency"],
        title: Text {
            en: "a client that stalls mid-frame does not keep the next client from being served",
            ko: "프레임 도중 멈춘 클라이언트가 다음 클라이언트의 처리를 막지 않는다",
        },
        hint: Text {
            en: "Serve each connection on its own thread: thread::spawn right after accept().",
            ko: "연결마다 스레드를 따로 두세요. accept() 직후 thread::spawn하면 됩니다.",
        },
        run: |ctx| Box::pin(two_clients(ctx)),
    }];
    tests.extend(more_tests());
    tests
}

async fn two_clients(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let served = start(&ctx, &[("notes.txt", b"hello\n")]).await?;
    // The first client sends half a frame header, and then nothing.
    let mut stalled = Conn::open(&ctx, served.addr).await?;
    stalled
        .writer
        .write_all(&[0, 0])
        .await
        .map_err(|err| Failure::new(Step::Write, err.to_string()))?;
    // The second asks for the list: it must be answered all the same.
    let mut second = Conn::open(&ctx, served.addr).await?;
    second.send(&ctx, proto::LIST, b"").await?;
    loop {
        let frame = second.frame(&ctx, "ENTRY/STATUS").await.map_err(|f| {
            let message = tr!(
                lang,
                "{message} (another client is connected and stalled in the middle of a frame: is the server serving one connection at a time?)",
                "{message} (다른 클라이언트가 프레임 도중에 멈춘 채 연결되어 있습니다. 서버가 한 번에 연결 하나만 처리하나요?)",
                message = f.message
            );
            // Silence is what this test provokes: its hint (a thread per
            // connection) says why, not Kind::FtNoAnswer's.
            let kind = f.kind.filter(|&k| k != Kind::FtNoAnswer);
            Failure { message, kind, ..f }
        })?;
        if frame.kind == proto::STATUS {
            return Ok(());
        }
    }
}

fn more_tests() -> Vec<TestSpec> {
    #[allow(unused_mut)] // the symbolic-link test is Unix-only
    let mut tests = vec![
        TestSpec {
            id: "ft.server.malformed_drain",
            points: 4,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Hidden,
            rules: &["ft.error.malformed"],
            title: Text {
                en: "after STATUS MALFORMED the connection ends cleanly (FIN), even with bytes still unread",
                ko: "STATUS MALFORMED 뒤, 읽지 않은 바이트가 남아 있어도 연결이 깔끔하게(FIN) 끝난다",
            },
            hint: Text {
                en: "After MALFORMED: flush, shutdown(Write), read and discard what the client still sends (bounded in time), then close.",
                ko: "MALFORMED 뒤에는 flush하고 shutdown(Shutdown::Write)으로 절반 닫기를 한 다음, 클라이언트가 더 보내는 것을 (시간 제한을 두고) 읽어 버린 뒤 닫으세요.",
            },
            run: |ctx| Box::pin(malformed_drain(ctx)),
        },
        TestSpec {
            id: "ft.server.put_size",
            points: 4,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Hidden,
            rules: &["ft.error.malformed"],
            title: Text {
                en: "a PUT with more DATA than announced, or DONE too early: MALFORMED, no file",
                ko: "알린 크기보다 DATA가 많거나 DONE이 이른 PUT: MALFORMED, 파일 없음",
            },
            hint: Text {
                en: "Count the DATA bytes of a PUT: more than the announced size, or DONE before all of it, is MALFORMED.",
                ko: "PUT의 DATA 바이트를 세세요. 알린 크기를 넘거나 다 오기 전에 DONE이 오면 MALFORMED입니다.",
            },
            run: |ctx| Box::pin(put_size(ctx)),
        },
        TestSpec {
            id: "ft.server.disk_error",
            points: 4,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Hidden,
            rules: &["ft.error.server_error"],
            title: Text {
                en: "a PUT the file system cannot store (a folder has its name): SERVER_ERROR, connection stays usable",
                ko: "파일 시스템이 저장할 수 없는 PUT(같은 이름의 폴더가 있음): SERVER_ERROR, 연결은 계속 쓸 수 있다",
            },
            hint: Text {
                en: "A failed write or rename is not the client's fault: delete the temporary file, answer STATUS SERVER_ERROR, and keep serving the connection.",
                ko: "쓰기나 rename 실패는 클라이언트 잘못이 아닙니다. 임시 파일을 지우고 STATUS SERVER_ERROR로 답한 뒤 연결을 계속 처리하세요.",
            },
            run: |ctx| Box::pin(disk_error(ctx)),
        },
    ];
    #[cfg(unix)]
    tests.push(TestSpec {
        id: "ft.server.symlinks",
        points: 4,
        timeout: Duration::from_secs(15),
        visibility: Visibility::Hidden,
        rules: &["ft.server.files"],
        title: Text {
            en: "symbolic links out of the root are neither listed nor served (NOT_FOUND)",
            ko: "--root 폴더 밖을 가리키는 심볼릭 링크는 목록에도 없고 GET에도 NOT_FOUND다",
        },
        hint: Text {
            en: "Use metadata that does not follow links (DirEntry::metadata, fs::symlink_metadata): a link is not a regular file.",
            ko: "링크를 따라가지 않는 메타데이터(DirEntry::metadata, fs::symlink_metadata)를 쓰세요. 링크는 일반 파일이 아닙니다.",
        },
        run: |ctx| Box::pin(symlinks(ctx)),
    });
    #[cfg(unix)]
    tests.push(TestSpec {
        id: "ft.server.disk_full",
        points: 4,
        timeout: Duration::from_secs(15),
        visibility: Visibility::Hidden,
        rules: &["ft.error.server_error"],
        title: Text {
            en: "a PUT whose writes fail midway (the disk fills at 256 KiB): SERVER_ERROR at DONE, no file left, connection stays usable",
            ko: "쓰기가 도중에 실패하는 PUT(디스크가 256 KiB에서 가득 참): DONE에서 SERVER_ERROR, 파일은 남지 않고, 연결은 계속 쓸 수 있다",
        },
        hint: Text {
            en: "When a write to the temporary file fails, remember the error and keep reading the client's DATA until DONE (so the connection stays in step); then delete the temporary file and answer STATUS SERVER_ERROR.",
            ko: "임시 파일에 쓰기가 실패하면 그 오류를 기억해 두고 DONE까지 클라이언트의 DATA를 계속 읽으세요(그래야 연결의 순서가 어긋나지 않습니다). 그다음 임시 파일을 지우고 STATUS SERVER_ERROR로 답하세요.",
        },
        run: |ctx| Box::pin(disk_full(ctx)),
    });
    tests
}

/// A connection's next frame with a time limit: `Err` names what went wrong.
async fn next_frame<R: tokio::io::AsyncRead + Unpin>(
    reader: &mut R,
) -> Result<Option<proto::Frame>, std::io::Error> {
    tokio::time::timeout(crate::grade::wire::STALL, proto::read_frame(reader))
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

async fn malformed_drain(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let served = start(&ctx, &[]).await?;
    let stream = crate::grade::wire::connect(&ctx, served.addr).await?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = tokio::io::BufReader::new(reader);
    // A bad frame, and behind it 256 KiB the server may not have read when
    // it answers: closing over unread bytes sends RST instead of FIN. A
    // server with a big enough read buffer would have read them all, so the
    // client goes on sending after the STATUS too, as a real client still
    // streaming a file would: 64 KiB at once, then 1 KiB twice, 100 ms apart.
    // Into a socket that is closed (not draining), those bytes draw a reset,
    // and the later write fails. All of it stays under the 1 MiB a server
    // drains at most.
    let mut bytes = proto::encode(0x55, b"?");
    bytes.extend(vec![0u8; 256 * 1024]);
    let (answered, status_read) = tokio::sync::oneshot::channel::<()>();
    let sender = tokio::spawn(async move {
        writer.write_all(&bytes).await?;
        if status_read.await.is_err() {
            return Ok(()); // the test ended before the STATUS
        }
        writer.write_all(&[0u8; 64 * 1024]).await?;
        // Each write into a closed socket draws a reset; the next write (or
        // the socket's pending error) reports it.
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let Some(err) = writer.as_ref().take_error()? {
                return Err(err);
            }
            writer.write_all(&[0u8; 1024]).await?;
        }
        writer.shutdown().await
    });
    ctx.at(Step::Read);
    let what = &tr!(
        lang,
        "unknown kind 0x55 followed by 256 KiB",
        "알 수 없는 종류 0x55의 프레임과 그 뒤의 256 KiB"
    );
    let status = match next_frame(&mut reader).await {
        Ok(Some(frame)) => proto::parse_status(&frame).map_err(|err| {
            Failure::new(
                Step::Read,
                tr!(
                    lang,
                    "after {what}: {err}",
                    "{what} 다음: {err}",
                    err = err.describe(lang)
                ),
            )
            .with_kind(Kind::FtBadFrame)
        })?,
        Ok(None) => {
            return Err(Failure::new(
                Step::Close,
                tr!(
                    lang,
                    "after {what}, the server closed without STATUS MALFORMED",
                    "{what} 뒤 서버가 STATUS MALFORMED 없이 연결을 닫았습니다"
                ),
            )
            .with_kind(Kind::FtHungUp));
        }
        Err(err) => {
            let kind = match err.kind() {
                std::io::ErrorKind::TimedOut => Some(Kind::FtNoAnswer),
                _ => read_kind(&err),
            };
            return Err(Failure::new(
                Step::Read,
                tr!(
                    lang,
                    "after {what}, reading STATUS MALFORMED failed: {err}",
                    "{what} 뒤 STATUS MALFORMED를 읽지 못했습니다: {err}",
                    err = proto::io_text(lang, &err)
                ),
            )
            .with_kind(kind));
        }
    };
    crate::grade::file_transfer::server::expect_code(&ctx, &status, proto::MALFORMED, what)?;
    let _ = answered.send(());
    ctx.at(Step::Close);
    let end = next_frame(&mut reader).await;
    let sent = tokio::time::timeout(crate::grade::wire::STALL, sender).await;
    match end {
        Ok(None) => match sent {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(err))) => Err(Failure::new(
                Step::Shutdown,
                tr!(
                    lang,
                    "after STATUS MALFORMED the server stopped reading: what the client still sent was refused ({err}). It closed its socket instead of draining, so every byte that arrives afterwards draws a reset (RST), which can destroy the STATUS before a client reads it: shutdown(Write), then read and discard what the client still sends (bounded), then close",
                    "STATUS MALFORMED 뒤 서버가 읽기를 멈췄습니다: 클라이언트가 이어서 보낸 바이트가 거부되었습니다({err}). 서버가 버리며 읽지(drain) 않고 소켓을 닫아서, 그 뒤에 도착하는 바이트마다 리셋(RST)이 돌아가고, 리셋은 클라이언트가 읽기 전의 STATUS를 없앨 수 있습니다. shutdown(Shutdown::Write)으로 절반 닫기를 한 다음 클라이언트가 더 보내는 것을 (제한을 두고) 읽어 버리고 닫으세요"
                ),
            )),
            _ => Err(Failure::new(
                Step::Write,
                tr!(
                    lang,
                    "after STATUS MALFORMED the server stopped reading before its end of stream: the client could not send its last bytes within {secs} s",
                    "STATUS MALFORMED 뒤 서버가 스트림 끝 전에 읽기를 멈췄습니다: 클라이언트가 마지막 바이트를 {secs}초 안에 보내지 못했습니다",
                    secs = crate::grade::wire::STALL.as_secs()
                ),
            )),
        },
        Ok(Some(frame)) => Err(Failure::new(
            Step::Close,
            tr!(
                lang,
                "after STATUS MALFORMED the server sent another frame (kind 0x{kind:02x}) instead of closing",
                "STATUS MALFORMED 뒤 서버가 연결을 닫지 않고 프레임(종류 0x{kind:02x})을 더 보냈습니다",
                kind = frame.kind
            ),
        )),
        // A reset, but no Kind::Reset: the message and this test's hint
        // (shutdown, drain, close) say more than that kind's hint does.
        Err(err) => Err(Failure::new(
            Step::Shutdown,
            tr!(
                lang,
                "after STATUS MALFORMED the connection did not end with a clean end of stream: {err}. The server closed its socket with our bytes still unread, so the kernel sent a reset (RST), which can destroy the STATUS before a client reads it: shutdown(Write), then read and discard what the client still sends, then close",
                "STATUS MALFORMED 뒤 연결이 깔끔한 스트림 끝으로 끝나지 않았습니다: {err}. 서버가 우리가 보낸 바이트를 읽지 않은 채 소켓을 닫아 커널이 리셋(RST)을 보냈고, 리셋은 클라이언트가 읽기 전의 STATUS를 없앨 수 있습니다. shutdown(Shutdown::Write)으로 절반 닫기를 한 다음 클라이언트가 더 보내는 것을 읽어 버리고 닫으세요"
            ),
        )),
    }
}

async fn put_size(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let served = start(&ctx, &[]).await?;
    // (name, announced size, bytes of DATA actually sent)
    for (name, announced, sent) in [("over.bin", 10u64, 20usize), ("short.bin", 100, 50)] {
        let content = vec![b'x'; sent];
        let what = tr!(
            lang,
            "PUT {name} announcing {announced} bytes, then {sent} bytes of DATA and DONE",
            "{announced}바이트를 알린 PUT {name} 뒤 DATA {sent}바이트와 DONE"
        );
        let mut conn = Conn::open(&ctx, served.addr).await?;
        conn.send(
            &ctx,
            proto::PUT,
            &proto::size_and_name(announced, name.as_bytes()),
        )
        .await?;
        let status = conn.status(&ctx, &format!("PUT {name}")).await?;
        crate::grade::file_transfer::server::expect_code(
            &ctx,
            &status,
            proto::OK,
            &format!("PUT {name}"),
        )?;
        // The server may answer MALFORMED (and stop reading) at the DATA.
        let _ = proto::send_file(&mut conn.writer, &content, &proto::sha256(&content)).await;
        let status = conn.status(&ctx, &what).await?;
        crate::grade::file_transfer::server::expect_code(&ctx, &status, proto::MALFORMED, &what)?;
        drop(conn);
        let mut left = Vec::new();
        for _ in 0..20 {
            left = crate::grade::file_transfer::names_in(&served.root());
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !left.is_empty() {
            return Err(Failure::new(
                Step::Close,
                tr!(
                    lang,
                    "after {what}, --root should hold no file, it holds {left:?}",
                    "{what} 뒤에는 --root 폴더에 파일이 없어야 하는데 있는 파일은 {left:?}입니다"
                ),
            ));
        }
    }
    Ok(())
}

async fn disk_error(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let served = start(&ctx, &[]).await?;
    // A folder named like the upload: the final rename cannot replace it,
    // whoever the server runs as (root included).
    let taken = served.root().join("taken");
    std::fs::create_dir(&taken)
        .and_then(|()| std::fs::write(taken.join("keep.txt"), b"keep\n"))
        .map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    let content = vec![b'd'; 1000];
    let what = &tr!(
        lang,
        "PUT taken (a folder named `taken` is in the root)",
        "PUT taken(--root 폴더에 `taken`이라는 폴더가 있음)"
    );
    let context = |failure: Failure| Failure {
        message: tr!(
            lang,
            "{message} (a folder named `taken` stands in the root, so storing the upload fails: the server should answer STATUS SERVER_ERROR and go on serving the connection)",
            "{message} (--root 폴더에 `taken`이라는 폴더가 있어 업로드를 저장할 수 없습니다. 서버는 STATUS SERVER_ERROR로 답하고 연결을 계속 처리해야 합니다)",
            message = failure.message
        ),
        ..failure
    };
    server_error_then_next(&ctx, served.addr, b"taken", &content, what, context).await?;
    let left = crate::grade::file_transfer::names_in(&served.root());
    let kept = std::fs::read(taken.join("keep.txt")).unwrap_or_default();
    if left != ["next.txt", "taken"] || kept != b"keep\n" {
        return Err(Failure::new(
            Step::Close,
            tr!(
                lang,
                "after {what} and a PUT of next.txt, the root should hold `next.txt` and the folder `taken` (unchanged), it holds {left:?}",
                "{what} 요청과 PUT next.txt 뒤 --root 폴더에는 `next.txt`와 (그대로인) 폴더 `taken`만 있어야 하는데 있는 것은 {left:?}입니다"
            ),
        ));
    }
    Ok(())
}

/// A PUT of `name` that the server cannot store must get STATUS
/// SERVER_ERROR, and a PUT of `next.txt` on the same connection then OK.
async fn server_error_then_next(
    ctx: &Ctx,
    addr: std::net::SocketAddr,
    name: &[u8],
    content: &[u8],
    what: &str,
    context: impl Fn(Failure) -> Failure,
) -> Result<(), Failure> {
    let mut conn = Conn::open(ctx, addr).await?;
    let status = conn
        .put(ctx, name, content, &proto::sha256(content))
        .await
        .map_err(&context)?;
    crate::grade::file_transfer::server::expect_code(ctx, &status, proto::SERVER_ERROR, what)?;
    // The connection stays usable.
    let status = conn
        .put(ctx, b"next.txt", b"next\n", &proto::sha256(b"next\n"))
        .await
        .map_err(&context)?;
    crate::grade::file_transfer::server::expect_code(
        ctx,
        &status,
        proto::OK,
        &tr!(
            ctx.lang,
            "PUT next.txt after SERVER_ERROR",
            "SERVER_ERROR 뒤의 PUT next.txt"
        ),
    )
}

/// The disk fills while a PUT is stored: the server's writes fail with
/// EFBIG after 256 KiB (a full disk fails with ENOSPC; to the server both
/// are a failed write).
#[cfg(unix)]
async fn disk_full(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    const FULL_AT: u64 = 256 * 1024;
    let served = crate::grade::file_transfer::server::start_on(&ctx, &[], Some(FULL_AT)).await?;
    let mut rng = ctx.rng("ft.server.disk_full");
    let content: Vec<u8> = std::iter::repeat_with(|| rng.u8(..))
        .take(1024 * 1024)
        .collect();
    let what = &tr!(
        lang,
        "PUT big.bin (1 MiB; the disk fills at 256 KiB)",
        "PUT big.bin(1 MiB, 디스크는 256 KiB에서 가득 참)"
    );
    let context = |failure: Failure| Failure {
        message: tr!(
            lang,
            "{message} (the disk fills after 256 KiB of big.bin, so a write fails midway: the server should keep reading until DONE, delete the temporary file, answer STATUS SERVER_ERROR and go on serving the connection)",
            "{message} (big.bin을 256 KiB 쓴 뒤 디스크가 가득 차서 쓰기가 도중에 실패합니다. 서버는 DONE까지 계속 읽고, 임시 파일을 지우고, STATUS SERVER_ERROR로 답한 뒤 연결을 계속 처리해야 합니다)",
            message = failure.message
        ),
        ..failure
    };
    server_error_then_next(&ctx, served.addr, b"big.bin", &content, what, context).await?;
    let left = crate::grade::file_transfer::names_in(&served.root());
    if left != ["next.txt"] {
        return Err(Failure::new(
            Step::Close,
            tr!(
                lang,
                "after {what} and a PUT of next.txt, the root should hold only `next.txt` (no temporary file, no partial big.bin), it holds {left:?}",
                "{what} 요청과 PUT next.txt 뒤 --root 폴더에는 `next.txt`만 있어야 하는데(임시 파일도, 일부만 쓴 big.bin도 없어야 합니다) 있는 것은 {left:?}입니다"
            ),
        ));
    }
    Ok(())
}

/// The entries of a LIST, as "size name".
#[cfg(unix)]
async fn list_entries(ctx: &Ctx, conn: &mut Conn) -> Result<Vec<String>, Failure> {
    conn.send(ctx, proto::LIST, b"").await?;
    let mut entries = Vec::new();
    loop {
        let frame = conn.frame(ctx, "ENTRY/STATUS").await?;
        if frame.kind == proto::ENTRY && frame.payload.len() >= 8 {
            let size = u64::from_be_bytes(frame.payload[..8].try_into().unwrap());
            let name = String::from_utf8_lossy(&frame.payload[8..]);
            entries.push(format!("{size} {name}"));
            continue;
        }
        let status = proto::parse_status(&frame).map_err(|err| {
            Failure::new(Step::Read, err.describe(ctx.lang)).with_kind(Kind::FtBadFrame)
        })?;
        crate::grade::file_transfer::server::expect_code(ctx, &status, proto::OK, "LIST")?;
        return Ok(entries);
    }
}

#[cfg(unix)]
async fn symlinks(ctx: Ctx) -> Result<(), Failure> {
    use std::os::unix::fs::symlink;
    let lang = ctx.lang;
    let served = start(&ctx, &[("real.txt", b"real\n")]).await?;
    let (parent, root) = (served.parent.path(), served.root());
    let setup = std::fs::write(parent.join("secret.txt"), b"outside the root\n")
        .and_then(|()| symlink(parent.join("secret.txt"), root.join("secret.txt")))
        .and_then(|()| symlink("../secret.txt", root.join("relative.txt")))
        .and_then(|()| symlink(parent, root.join("up")));
    setup.map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    let mut conn = Conn::open(&ctx, served.addr).await?;
    let entries = list_entries(&ctx, &mut conn).await?;
    if entries != ["5 real.txt"] {
        return Err(Failure::new(
            Step::Read,
            tr!(
                lang,
                "the root holds real.txt and three symbolic links that point out of it (secret.txt, relative.txt, up): LIST should give only real.txt, it gave {entries:?}",
                "--root 폴더에는 real.txt와 그 밖을 가리키는 심볼릭 링크 세 개(secret.txt, relative.txt, up)가 있습니다. LIST는 real.txt만 보내야 하는데 보낸 것은 {entries:?}입니다"
            ),
        ));
    }
    for name in ["secret.txt", "relative.txt"] {
        let what = tr!(
            lang,
            "GET {name} (a symbolic link to a file outside the root)",
            "GET {name}(--root 폴더 밖의 파일을 가리키는 심볼릭 링크)"
        );
        match conn.get(&ctx, name.as_bytes()).await? {
            Err(status) => {
                crate::grade::file_transfer::server::expect_code(
                    &ctx,
                    &status,
                    proto::NOT_FOUND,
                    &what,
                )?;
            }
            Ok(_) => {
                return Err(Failure::new(
                    Step::Read,
                    tr!(
                        lang,
                        "{what} was answered with the file outside the root: a symbolic link is not a regular file, answer NOT_FOUND",
                        "{what} 요청에 --root 폴더 밖의 파일로 답했습니다. 심볼릭 링크는 일반 파일이 아니므로 NOT_FOUND로 답하세요"
                    ),
                ));
            }
        }
    }
    Ok(())
}
