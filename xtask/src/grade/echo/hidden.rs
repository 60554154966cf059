//! The echo exercise's hidden tests: they run on submission (Classroom) and in
//! the instructor's gradebook, never in the student's local grade. In the
//! student template `cargo xtask classroom export` writes this file empty,
//! and grade/hidden.rs with only the count and points of these tests.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::grade::cause::Kind;
use crate::grade::echo::server::start;
use crate::grade::josa::{josa, josa_code};
use crate::grade::lang::{Step, Text, tr};
use crate::grade::spec::{Ctx, Failure, TestSpec, Visibility};
use crate::grade::transcript::{LINE_MAX, escape, escape_line};
use crate::grade::wire::{self, connect};

pub fn tests() -> Vec<TestSpec> {
    vec![
        TestSpec {
            id: "echo.server.ipv6",
            points: 5,
            timeout: Duration::from_secs(10),
            visibility: Visibility::Hidden,
            rules: &["echo.server.args", "echo.server.echo"],
            title: Text {
                en: "listens on an IPv6 address given with --listen [::1]:0 and echoes",
                ko: "--listen [::1]:0으로 받은 IPv6 주소에서 리슨하고 에코한다",
            },
            hint: Text {
                en: "Parse --listen as a std::net::SocketAddr (or pass the text to TcpListener::bind): it covers both IPv4 and IPv6.",
                ko: "--listen 값을 std::net::SocketAddr로 파싱하세요(또는 문자열 그대로 TcpListener::bind에 넘기세요). IPv4와 IPv6를 모두 다룹니다.",
            },
            run: |ctx| Box::pin(ipv6(ctx)),
        },
        TestSpec {
            id: "echo.server.interactive",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Hidden,
            rules: &["echo.server.echo"],
            title: Text {
                en: "echoes each line as it arrives, before the client half-closes",
                ko: "클라이언트가 절반 닫기를 하기 전에도 도착한 줄을 바로 에코한다",
            },
            hint: Text {
                en: "Write back what each read() returned right away; do not collect the whole stream (read_to_end) before echoing.",
                ko: "read()가 돌려준 만큼 바로 돌려보내세요. 스트림 전체를 모은 뒤(read_to_end) 에코하지 마세요.",
            },
            run: |ctx| Box::pin(interactive(ctx)),
        },
    ]
}

/// Sends `line`, then reads until exactly its bytes came back (or a stall).
async fn round_trip(
    ctx: &Ctx,
    stream: &mut tokio::net::TcpStream,
    line: &[u8],
) -> Result<(), Failure> {
    let lang = ctx.lang;
    ctx.at(Step::Write);
    tokio::time::timeout(wire::STALL, stream.write_all(line))
        .await
        .map_err(|_| {
            Failure::new(
                Step::Write,
                lang.pick(
                    "the server stopped reading: our write did not finish",
                    "서버가 읽기를 멈췄습니다. 우리 쪽 쓰기가 끝나지 않았습니다",
                )
                .to_string(),
            )
            .with_kind(Kind::Stalled)
        })?
        .map_err(|err| io_failure(Step::Write, &err))?;
    ctx.at(Step::Read);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // Quoted in a sentence: escaped and cut, however long the line.
    let text = escape_line(String::from_utf8_lossy(line).trim_end(), LINE_MAX);
    while got.len() < line.len() {
        let n = match tokio::time::timeout(wire::STALL, stream.read(&mut buf)).await {
            Err(_) => {
                return Err(Failure::new(
                    Step::Read,
                    tr!(
                        lang,
                        "sent `{text}` without half-closing; after {secs} s only {got} of its {total} bytes had come back",
                        "절반 닫기 없이 {text_reul} 보냈는데 {secs}초 뒤에도 {total}바이트 중 {got}바이트만 돌아왔습니다",
                        text_reul = josa_code(&text, "을/를"),
                        secs = wire::STALL.as_secs(),
                        got = got.len(),
                        total = line.len()
                    ),
                )
                .with_kind(Kind::Stalled));
            }
            Ok(Err(err)) => return Err(io_failure(Step::Read, &err)),
            Ok(Ok(0)) => {
                return Err(Failure::new(
                    Step::Close,
                    tr!(
                        lang,
                        "sent `{text}`; the server closed the connection before echoing it",
                        "{text_reul} 보냈는데 서버가 에코하기 전에 연결을 닫았습니다",
                        text_reul = josa_code(&text, "을/를")
                    ),
                )
                .with_kind(Kind::ClosedEarly));
            }
            Ok(Ok(n)) => n,
        };
        got.extend_from_slice(&buf[..n]);
    }
    if got != line {
        return Err(Failure::new(
            Step::Read,
            tr!(
                lang,
                "the echo of {sent} came back as {echo}",
                "{sent}의 에코가 {echo_ro} 돌아왔습니다",
                sent = escape(line, SHOWN),
                echo = escape(&got, SHOWN),
                echo_ro = josa(&escape(&got, SHOWN), "(으)로")
            ),
        )
        .with_kind(Kind::Differs));
    }
    Ok(())
}

/// How many bytes of a line and its echo a message quotes.
const SHOWN: usize = 80;

/// A socket error as a failure: a reset is a kind of its own.
fn io_failure(step: Step, err: &std::io::Error) -> Failure {
    let failure = Failure::new(step, escape_line(&err.to_string(), LINE_MAX));
    if wire::is_reset(err) {
        failure.with_kind(Kind::Reset)
    } else {
        failure
    }
}

async fn ipv6(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    // A machine without IPv6 loopback cannot run this test: say so plainly
    // rather than blame the student's code.
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        return Err(Failure::new(
            Step::Start,
            lang.pick(
                "this machine has no IPv6 loopback (::1); the grader cannot run this test here",
                "이 컴퓨터에는 IPv6 루프백(::1)이 없어 채점기가 이 테스트를 실행할 수 없습니다",
            )
            .to_string(),
        ));
    }
    let (_server, addr) = start(&ctx, "[::1]:0").await?;
    if !addr.is_ipv6() || !addr.ip().is_loopback() || addr.port() == 0 {
        return Err(Failure::new(
            Step::Bind,
            tr!(
                lang,
                "asked to listen on [::1]:0, it printed `listening on {addr}`",
                "[::1]:0에서 리슨하라고 했는데 `listening on {addr}`라고 출력했습니다"
            ),
        ));
    }
    let mut stream = connect(&ctx, addr).await?;
    round_trip(&ctx, &mut stream, b"hello over IPv6\n").await
}

async fn interactive(ctx: Ctx) -> Result<(), Failure> {
    let (_server, addr) = start(&ctx, "127.0.0.1:0").await?;
    let mut stream = connect(&ctx, addr).await?;
    for n in 1..=3 {
        let line = format!("ping {n} of 3\n");
        round_trip(&ctx, &mut stream, line.as_bytes()).await?;
    }
    Ok(())
}
