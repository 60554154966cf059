//! The concurrent exercise's tests: the student's `chat-server`, with the
//! grader playing every client of the room (the book's "Concurrent server"
//! chapter is the contract).

pub(in crate::grade) mod client;
pub mod hidden;
mod limits;
mod room;

use std::net::SocketAddr;
use std::time::Duration;

use super::cli;
use super::lang::{Step, Text, tr};
use super::process::{Proc, start_server};
use super::spec::{Ctx, Failure, TestSpec, Visibility};

/// A chat server may log every join and leave to stderr; this is far above that.
const SERVER_OUTPUT_LIMIT: u64 = 8 * 1024 * 1024;

/// The rules of the contract (the book chapter's contract tables, one per
/// row) that tests check: every test names at least one, and each has a
/// test, public or hidden (`rules_and_tests_name_each_other`).
pub const RULES: &[&str] = &[
    "chat.args",
    "chat.default_addr",
    "chat.readiness",
    "chat.stderr",
    "chat.usage",
    "chat.concurrency",
    "chat.lifetime",
    "chat.signal_handlers",
    "chat.line.welcome",
    "chat.line.joined",
    "chat.line.message",
    "chat.line.left",
    "chat.line.invalid_name",
    "chat.line.name_taken",
    "chat.line.too_long",
    "chat.line.shutdown",
    "chat.rule.names",
    "chat.rule.joined",
    "chat.rule.empty",
    "chat.rule.whole_lines",
    "chat.rule.order",
    "chat.rule.left_once",
    "chat.rule.slow",
    "chat.rule.violations",
    "chat.rule.shutdown",
    "chat.rule.no_greeting",
];

pub fn tests() -> Vec<TestSpec> {
    #[allow(unused_mut)] // the SIGTERM test is Unix-only
    let mut tests = vec![
        TestSpec {
            id: "chat.ready",
            points: 5,
            timeout: Duration::from_secs(10),
            visibility: Visibility::Public,
            rules: &["chat.args", "chat.readiness"],
            title: Text {
                en: "prints `listening on <ip>:<port>` with the bound port",
                ko: "바인드한 포트로 `listening on <ip>:<port>`를 출력한다",
            },
            hint: Text {
                en: "Bind, then println!(\"listening on {}\", listener.local_addr()?) before the accept loop.",
                ko: "바인드한 뒤 accept 루프 전에 준비 완료 줄을 출력하세요: println!(\"listening on {}\", listener.local_addr()?).",
            },
            run: |ctx| Box::pin(limits::ready(ctx)),
        },
        TestSpec {
            id: "chat.two_clients",
            points: 10,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["chat.line.welcome", "chat.line.joined", "chat.line.message"],
            title: Text {
                en: "two clients join and see each other's lines; a sender never gets its own",
                ko: "두 클라이언트가 참여해 서로의 줄을 받고, 보낸 사람은 자기 줄을 받지 않는다",
            },
            hint: Text {
                en: "Welcome the newcomer, announce `* NAME joined` to the others, relay `NAME: TEXT` to everyone but the sender.",
                ko: "새 참여자에게 환영 줄을, 다른 사람에게 `* NAME joined`를 보내고, `NAME: TEXT`는 보낸 사람을 뺀 모두에게 전달하세요.",
            },
            run: |ctx| Box::pin(room::two_clients(ctx)),
        },
        TestSpec {
            id: "chat.hundred",
            points: 10,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["chat.concurrency", "chat.line.message"],
            title: Text {
                en: "100 clients connected at once all receive a broadcast",
                ko: "동시에 연결된 클라이언트 100개가 모두 브로드캐스트된 줄을 받는다",
            },
            hint: Text {
                en: "Serve every connection concurrently (a thread or a task each) and send each line to every joined client.",
                ko: "연결마다 스레드나 태스크를 두어 동시에 처리하고, 줄마다 참여한 모든 클라이언트에게 보내세요.",
            },
            run: |ctx| Box::pin(room::hundred(ctx)),
        },
        TestSpec {
            id: "chat.idle_client",
            points: 10,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &["chat.concurrency", "chat.rule.no_greeting"],
            title: Text {
                en: "a client that connects and says nothing does not keep others from joining",
                ko: "연결만 하고 아무 말도 없는 클라이언트가 다른 사람의 참여를 막지 않는다",
            },
            hint: Text {
                en: "accept() in a loop and hand each connection to its own thread or task at once; never read a name in the accept loop.",
                ko: "accept()를 반복하며 연결을 곧바로 각자의 스레드나 태스크에 넘기세요. accept 루프 안에서 이름을 읽지 마세요.",
            },
            run: |ctx| Box::pin(room::idle_client(ctx)),
        },
        TestSpec {
            id: "chat.slow_reader",
            points: 15,
            timeout: Duration::from_secs(40),
            visibility: Visibility::Public,
            rules: &["chat.line.left", "chat.rule.slow"],
            title: Text {
                en: "a client that stops reading is dropped; everyone else keeps receiving",
                ko: "읽지 않는 클라이언트는 내보내고, 나머지는 계속 받는다",
            },
            hint: Text {
                en: "Queue at most 1024 lines per client; when one more would not fit, drop that client and announce `* NAME left`. Never write to a socket while holding the room's lock.",
                ko: "클라이언트마다 최대 1024줄만 쌓아 두고, 더 넣을 수 없으면 그 클라이언트를 내보내고 `* NAME left`를 알리세요. 방의 락을 쥔 채 소켓에 쓰지 마세요.",
            },
            run: |ctx| Box::pin(limits::slow_reader(ctx)),
        },
        TestSpec {
            id: "chat.order",
            points: 10,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["chat.rule.order"],
            title: Text {
                en: "three senders at once: every line arrives, each sender's in order",
                ko: "세 명이 동시에 보내도 모든 줄이 오고, 보낸 사람별 순서가 지켜진다",
            },
            hint: Text {
                en: "Split the byte stream into lines yourself: one read may hold half a line or many lines.",
                ko: "바이트 스트림을 직접 줄로 나누세요. read 한 번에 반 줄이 올 수도, 여러 줄이 올 수도 있습니다.",
            },
            run: |ctx| Box::pin(room::order(ctx)),
        },
        TestSpec {
            id: "chat.disconnect",
            points: 10,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["chat.line.left", "chat.rule.left_once"],
            title: Text {
                en: "a client that quits or resets is announced `* NAME left` and its name is free again",
                ko: "나가거나 연결을 리셋한 클라이언트는 `* NAME left`로 알리고 그 이름을 다시 쓸 수 있다",
            },
            hint: Text {
                en: "When a read returns 0 or an error, remove the client (and its name) from the room, then announce `* NAME left`.",
                ko: "read가 0이나 오류를 돌려주면 그 클라이언트와 이름을 방에서 지운 뒤 `* NAME left`를 알리세요.",
            },
            run: |ctx| Box::pin(limits::disconnect(ctx)),
        },
        TestSpec {
            id: "chat.join_race",
            points: 5,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["chat.rule.joined"],
            title: Text {
                en: "a line sent the moment a join is announced reaches the newcomer",
                ko: "참여 알림 직후에 보낸 줄도 새 참여자에게 닿는다",
            },
            hint: Text {
                en: "Add the newcomer to the room (subscribe) before you send `* welcome` and announce the join.",
                ko: "`* welcome`을 보내고 참여를 알리기 전에 새 참여자를 방에 넣으세요(구독).",
            },
            run: |ctx| Box::pin(room::join_race(ctx)),
        },
        TestSpec {
            id: "chat.bad_name",
            points: 5,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &[
                "chat.line.invalid_name",
                "chat.line.name_taken",
                "chat.rule.names",
                "chat.rule.violations",
            ],
            title: Text {
                en: "invalid names get `! invalid name`, a taken one `! name taken`, then the connection closes",
                ko: "잘못된 이름에는 `! invalid name`, 쓰고 있는 이름에는 `! name taken`을 보내고 연결을 닫는다",
            },
            hint: Text {
                en: "A name is 1 to 32 ASCII letters, digits, '-' or '_', unique among joined clients.",
                ko: "이름은 ASCII 영문자, 숫자, '-', '_'로 된 1~32바이트이고, 참여한 클라이언트 사이에서 유일해야 합니다.",
            },
            run: |ctx| Box::pin(limits::bad_name(ctx)),
        },
        TestSpec {
            id: "chat.long_line",
            points: 5,
            timeout: Duration::from_secs(15),
            visibility: Visibility::Public,
            rules: &[
                "chat.line.left",
                "chat.line.too_long",
                "chat.rule.violations",
            ],
            title: Text {
                en: "a 1024-byte line is relayed; a 1025-byte one gets `! line too long` and a close",
                ko: "1024바이트 줄은 전달하고, 1025바이트 줄에는 `! line too long`을 보내고 닫는다",
            },
            hint: Text {
                en: "Read at most 1025 bytes looking for '\\n' (read_until on a reader limited with take); more means too long.",
                ko: "'\\n'을 찾으며 최대 1025바이트까지만 읽으세요(take()로 제한한 read_until()). 그보다 길면 너무 긴 줄입니다.",
            },
            run: |ctx| Box::pin(limits::long_line(ctx)),
        },
        TestSpec {
            id: "chat.fragmented",
            points: 5,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["chat.rule.whole_lines"],
            title: Text {
                en: "the whole room through a proxy that splits everything into 1 to 3-byte segments",
                ko: "모든 바이트를 1~3바이트 세그먼트로 쪼개는 프록시를 거쳐도 방이 동작한다",
            },
            hint: Text {
                en: "Keep each connection's unfinished line in a buffer until its '\\n' arrives.",
                ko: "연결마다 아직 끝나지 않은 줄을 버퍼에 두었다가 '\\n'이 오면 처리하세요.",
            },
            run: |ctx| Box::pin(room::fragmented(ctx)),
        },
        TestSpec {
            id: "chat.bad_args",
            points: 2,
            timeout: Duration::from_secs(20),
            visibility: Visibility::Public,
            rules: &["chat.usage"],
            title: Text {
                en: "on a bad argument prints usage on stderr and exits 2",
                ko: "잘못된 인자를 받으면 표준 오류에 사용법을 출력하고 종료 코드 2로 끝난다",
            },
            hint: Text {
                en: "Anything but `--listen ADDR` or `--listen=ADDR` is a usage error: eprintln!(\"usage: chat-server [--listen ADDR]\") and std::process::exit(2), before binding anything.",
                ko: "`--listen ADDR`나 `--listen=ADDR`가 아닌 인자는 모두 사용법 오류입니다. 아무것도 바인드하기 전에 eprintln!(\"usage: chat-server [--listen ADDR]\") 후 std::process::exit(2)를 호출하세요.",
            },
            run: |ctx| Box::pin(cli::chat_bad_args(ctx)),
        },
        TestSpec {
            id: "chat.default_listen",
            points: 2,
            timeout: Duration::from_secs(10),
            visibility: Visibility::Public,
            rules: &["chat.default_addr"],
            title: Text {
                en: "without --listen listens on 127.0.0.1:7880",
                ko: "--listen이 없으면 127.0.0.1:7880에서 리슨한다",
            },
            hint: Text {
                en: "Start from the default, `127.0.0.1:7880`, and let `--listen` replace it. (If another program holds port 7880, exiting 1 with `bind 127.0.0.1:7880: …` on stderr passes too.)",
                ko: "기본값 `127.0.0.1:7880`에서 시작해 `--listen`이 있으면 바꾸세요. (다른 프로그램이 7880 포트를 쓰고 있다면 표준 오류에 `bind 127.0.0.1:7880: …` 같은 줄을 출력하고 종료 코드 1로 끝나도 통과합니다.)",
            },
            run: |ctx| Box::pin(cli::chat_default(ctx)),
        },
        TestSpec {
            id: "chat.stderr_only",
            points: 2,
            timeout: Duration::from_secs(30),
            visibility: Visibility::Public,
            rules: &["chat.stderr"],
            title: Text {
                en: "a whole room's life leaves stdout with only the readiness line",
                ko: "방 하나가 굴러가는 동안에도 표준 출력에는 준비 완료 줄만 남는다",
            },
            hint: Text {
                en: "Log joins, departures and errors with eprintln!, or not at all, never println!: whoever started the server reads stdout for the `listening on` line alone.",
                ko: "참여, 떠남, 오류는 println!이 아니라 eprintln!으로 남기거나 아예 남기지 마세요. 서버를 실행한 쪽은 표준 출력에서 준비 완료 줄 `listening on` 하나만 읽습니다.",
            },
            run: |ctx| Box::pin(cli::chat_stdout(ctx)),
        },
    ];
    // Signals are a Unix thing: on Windows the test is not part of the grade
    // (its points are not in the maximum), and the chapter says what Ctrl-C does there.
    #[cfg(unix)]
    tests.push(TestSpec {
        id: "chat.sigterm",
        points: 10,
        timeout: Duration::from_secs(15),
        visibility: Visibility::Public,
        rules: &["chat.lifetime", "chat.line.shutdown", "chat.rule.shutdown"],
        title: Text {
            en: "SIGTERM: `* server shutting down` to everyone, connections closed, exit 0 within 2 s",
            ko: "SIGTERM을 받으면 모두에게 `* server shutting down`을 보내고 연결을 닫고 2초 안에 종료 코드 0으로 끝낸다",
        },
        hint: Text {
            en: "Wait for SIGTERM next to accept (tokio::signal::unix, or the ctrlc crate), tell every client, close, exit(0).",
            ko: "accept와 나란히 SIGTERM을 기다렸다가(tokio::signal::unix나 `ctrlc` 크레이트) 모두에게 알리고 닫은 뒤 exit(0)하세요.",
        },
        run: |ctx| Box::pin(limits::sigterm(ctx)),
    });
    tests
}

/// Starts `chat-server --listen 127.0.0.1:0` and waits for its address.
pub async fn start(ctx: &Ctx) -> Result<(Proc, SocketAddr), Failure> {
    let args = ["--listen".to_string(), "127.0.0.1:0".to_string()];
    start_server(ctx, "chat-server", &args, SERVER_OUTPUT_LIMIT).await
}

/// Starts `chat-server` and runs `test` against its address. A test that
/// fails because the server died meanwhile reports the death: a panic message
/// says more than the broken connection it caused.
pub async fn with_server<T>(
    ctx: &Ctx,
    test: impl AsyncFnOnce(SocketAddr) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let (mut server, addr) = start(ctx).await?;
    let failure = match test(addr).await {
        Ok(value) => return Ok(value),
        Err(failure) => failure,
    };
    if !server.exited() {
        return Err(failure);
    }
    let note = server.death_note(ctx.lang).await;
    Err(Failure::new(
        Step::Exit,
        tr!(
            ctx.lang,
            "chat-server exited during the test{note}",
            "테스트 도중 chat-server가 종료했습니다{note}"
        ),
    ))
}
