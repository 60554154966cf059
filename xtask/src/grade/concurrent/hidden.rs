//! The concurrent exercise's hidden tests: they run on submission (Classroom)
//! and in the instructor's gradebook, never in the student's local grade.
//! The student template has this file empty (see grade/hidden.rs).

use std::time::Duration;

use crate::grade::concurrent::client::Client;
use crate::grade::concurrent::with_server;
use crate::grade::josa::josa;
use crate::grade::lang::{Lang, Step, Text, tr};
use crate::grade::spec::{Ctx, Failure, TestSpec, Visibility};
use crate::grade::wire::STALL;

/// How soon a departure, or a close, must come.
const LEAVE_WITHIN: Duration = Duration::from_secs(2);

pub fn tests() -> Vec<TestSpec> {
    #[allow(unused_mut)] // the SIGTERM test is Unix-only
    let mut tests = vec![
        TestSpec {
            id: "chat.crlf",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Hidden,
            rules: &["chat.rule.empty", "chat.rule.whole_lines"],
            title: Text {
                en: "lines ending in \\r\\n (telnet, Windows) count without their \\r",
                ko: "\\r\\n으로 끝나는 줄(telnet, Windows)도 \\r을 뺀 내용으로 처리한다",
            },
            hint: Text {
                en: "Strip the '\\n', then one '\\r' before it, from every line: the name line too.",
                ko: "모든 줄에서 '\\n'과 그 앞의 '\\r' 하나를 떼어 내세요. 이름 줄도 마찬가지입니다.",
            },
            run: |ctx| Box::pin(crlf(ctx)),
        },
        TestSpec {
            id: "chat.crlf_limit",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Hidden,
            rules: &["chat.line.too_long"],
            title: Text {
                en: "the 1024-byte limit counts a line's \\r: 1023 bytes + \\r\\n are relayed, 1024 + \\r\\n are too long",
                ko: "1024바이트 제한에는 \\r도 들어간다: 1023바이트 + \\r\\n은 전달하고, 1024바이트 + \\r\\n은 너무 긴 줄이다",
            },
            hint: Text {
                en: "Count every byte before the '\\n', a '\\r' included, then strip the '\\r'.",
                ko: "'\\n' 앞의 바이트를 '\\r'까지 모두 센 다음에 '\\r'을 떼어 내세요.",
            },
            run: |ctx| Box::pin(crlf_limit(ctx)),
        },
        TestSpec {
            id: "chat.name_case",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Hidden,
            rules: &["chat.rule.names"],
            title: Text {
                en: "names are case-sensitive: `Alice` and `alice` are two people, each kept as sent",
                ko: "이름은 대소문자를 구분한다: `Alice`와 `alice`는 서로 다른 사람이고, 보낸 그대로 쓴다",
            },
            hint: Text {
                en: "Compare names byte for byte (a HashSet<String> does), and never change their case.",
                ko: "이름은 바이트 단위로 비교하고(HashSet<String>이 그렇게 합니다) 대소문자를 바꾸지 마세요.",
            },
            run: |ctx| Box::pin(name_case(ctx)),
        },
    ];
    #[cfg(unix)]
    tests.push(TestSpec {
        id: "chat.sigterm_at_once",
        points: 5,
        timeout: Duration::from_secs(45),
        visibility: Visibility::Hidden,
        rules: &["chat.signal_handlers", "chat.rule.shutdown"],
        title: Text {
            en: "SIGTERM right after the readiness line: exit 0 within 2 s, 10 times out of 10",
            ko: "준비 완료 줄 직후의 SIGTERM에도 2초 안에 종료 코드 0으로 끝난다(10번 모두)",
        },
        hint: Text {
            en: "Install the signal handlers before you print `listening on`: whoever reads that line may send SIGTERM the next moment.",
            ko: "`listening on`을 출력하기 전에 시그널 핸들러를 설치하세요. 그 줄을 읽은 쪽이 바로 다음 순간 SIGTERM을 보낼 수 있습니다.",
        },
        run: |ctx| Box::pin(sigterm_at_once(ctx)),
    });
    tests
}

async fn crlf(ctx: Ctx) -> Result<(), Failure> {
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        let mut bob = Client::connect(&ctx, addr).await?;
        bob.send_raw(&ctx, b"bob\r\n").await?;
        bob.welcome(&ctx, "bob").await?;
        alice.expect(&ctx, "* bob joined", STALL).await?;
        // An empty line is ignored with or without its \r.
        bob.send_raw(&ctx, b"\r\nhi there\r\n").await?;
        alice.expect_next(&ctx, "bob: hi there", STALL).await
    })
    .await
}

async fn crlf_limit(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let counted = |failure: Failure| {
        failure.with_hint(lang.pick(
            "The limit is 1024 bytes before the '\\n', and a '\\r' is one of them: 1023 bytes + \\r\\n fit, 1024 bytes + \\r\\n are one byte too many.",
            "제한은 '\\n' 앞의 1024바이트이고 '\\r'도 그중 한 바이트입니다. 1023바이트 + \\r\\n은 들어가고, 1024바이트 + \\r\\n은 한 바이트 넘칩니다.",
        ).into())
    };
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        let mut bob = Client::join(&ctx, addr, "bob").await?;
        alice.expect(&ctx, "* bob joined", STALL).await?;
        // 1023 bytes and the \r: 1024 before the \n, the longest line.
        let fits = "y".repeat(1023);
        bob.send_raw(&ctx, format!("{fits}\r\n").as_bytes()).await?;
        alice
            .expect_next(&ctx, &format!("bob: {fits}"), STALL)
            .await
            .map_err(|f| context(lang, f, 1023))
            .map_err(counted)?;
        // 1024 bytes and the \r: 1025 before the \n, one too many.
        let over = "z".repeat(1024);
        bob.send_raw(&ctx, format!("{over}\r\n").as_bytes()).await?;
        bob.expect_next(&ctx, "! line too long", STALL)
            .await
            .map_err(|f| context(lang, f, 1024))
            .map_err(counted)?;
        bob.expect_closed(&ctx, LEAVE_WITHIN).await?;
        alice.expect_next(&ctx, "* bob left", LEAVE_WITHIN).await
    })
    .await
}

/// Names the line a failure of `crlf_limit` is about.
fn context(lang: Lang, failure: Failure, bytes: usize) -> Failure {
    Failure {
        message: tr!(
            lang,
            "`bob` sent {bytes} bytes, then \\r\\n: {message}",
            "`bob`이 {bytes}바이트 뒤에 \\r\\n을 보냈습니다: {message}",
            message = failure.message
        ),
        ..failure
    }
}

async fn name_case(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let case = |failure: Failure| {
        failure.with_hint(lang.pick(
            "Names are case-sensitive (rule 1): `Alice` and `alice` are two different names. Keep a name exactly as the client sent it, and compare names byte for byte.",
            "이름은 대소문자를 구분합니다(규칙 1). `Alice`와 `alice`는 서로 다른 이름입니다. 클라이언트가 보낸 그대로 간직하고 바이트 단위로 비교하세요.",
        ).into())
    };
    with_server(&ctx, async |addr| {
        let mut upper = Client::join(&ctx, addr, "Alice").await.map_err(case)?;
        let mut lower = Client::join(&ctx, addr, "alice").await.map_err(case)?;
        upper
            .expect_next(&ctx, "* alice joined", STALL)
            .await
            .map_err(case)?;
        // The very same name is taken, of course.
        let mut again = Client::connect(&ctx, addr).await?;
        again.send(&ctx, "Alice").await?;
        again
            .expect_next(&ctx, "! name taken", STALL)
            .await
            .map_err(|f| Failure {
                message: tr!(
                    lang,
                    "a second `Alice` while `Alice` is in the room: {}",
                    "`Alice`가 방에 있는데 `Alice`가 또 왔습니다: {}",
                    f.message
                ),
                ..f
            })?;
        again.expect_closed(&ctx, LEAVE_WITHIN).await?;
        lower.send(&ctx, "hi").await?;
        upper
            .expect_next(&ctx, "alice: hi", STALL)
            .await
            .map_err(case)?;
        upper.send(&ctx, "hello").await?;
        lower
            .expect_next(&ctx, "Alice: hello", STALL)
            .await
            .map_err(case)
    })
    .await
}

/// Starts the server and sends SIGTERM the moment its readiness line is read,
/// ten times: a handler installed after the line leaves a window in which
/// SIGTERM kills the process.
#[cfg(unix)]
async fn sigterm_at_once(ctx: Ctx) -> Result<(), Failure> {
    const ROUNDS: usize = 10;
    const WITHIN: Duration = Duration::from_secs(2);
    // The grader polls the process every 10 ms; allow for that and a busy machine.
    const SLACK: Duration = Duration::from_millis(300);
    let lang = ctx.lang;
    let hint = || {
        lang.pick(
            "Install the handlers for SIGTERM and SIGINT before you print `listening on`: whoever reads that line may send SIGTERM the next moment, and until a handler is installed SIGTERM's default action kills the process.",
            "`listening on`을 출력하기 전에 SIGTERM과 SIGINT 핸들러를 설치하세요. 그 줄을 읽은 쪽이 바로 다음 순간 SIGTERM을 보낼 수 있고, 핸들러가 없는 동안 SIGTERM의 기본 동작은 프로세스를 죽이는 것입니다.",
        )
        .to_string()
    };
    for round in 1..=ROUNDS {
        let (mut server, _addr) = crate::grade::concurrent::start(&ctx).await?;
        ctx.at(Step::Exit);
        server
            .terminate()
            .map_err(|err| Failure::new(Step::Exit, err.to_string()))?;
        let message = match server.wait_exit(WITHIN + SLACK).await {
            Some(status) if status.code() == Some(0) => continue,
            Some(status) => match status.code() {
                Some(code) => tr!(
                    lang,
                    "round {round} of {ROUNDS}: SIGTERM sent right after `listening on`; chat-server exited with code {code}, not 0",
                    "{ROUNDS}번 중 {round}번째: `listening on` 직후 SIGTERM을 보냈더니 chat-server가 종료 코드 0이 아니라 {code_ro} 끝났습니다",
                    code_ro = josa(&code, "(으)로")
                ),
                None => tr!(
                    lang,
                    "round {round} of {ROUNDS}: SIGTERM sent right after `listening on` killed chat-server: its handler was not installed yet",
                    "{ROUNDS}번 중 {round}번째: `listening on` 직후 보낸 SIGTERM에 chat-server가 죽었습니다. 핸들러가 아직 설치되지 않았습니다"
                ),
            },
            None => tr!(
                lang,
                "round {round} of {ROUNDS}: chat-server was still running {:.1} s after SIGTERM (sent right after `listening on`)",
                "{ROUNDS}번 중 {round}번째: `listening on` 직후 SIGTERM을 보내고 {:.1}초가 지나도 chat-server가 실행 중이었습니다",
                (WITHIN + SLACK).as_secs_f64()
            ),
        };
        return Err(Failure::new(Step::Exit, message).with_hint(hint()));
    }
    Ok(())
}
