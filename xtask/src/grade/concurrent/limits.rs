//! Tests of the room's edges: startup, bad input, slow and vanishing clients,
//! and shutdown.

use std::time::Duration;

use super::client::{Client, Next, is_notice};
use super::{start, with_server};
use crate::grade::josa::{josa, josa_code};
use crate::grade::lang::{Lang, Step, tr};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript::{escape, first_difference};
use crate::grade::wire::{STALL, connect};

/// How soon a departure must be announced.
const LEAVE_WITHIN: Duration = Duration::from_secs(2);

pub async fn ready(ctx: Ctx) -> Result<(), Failure> {
    let (_server, addr) = start(&ctx).await?;
    connect(&ctx, addr).await.map(drop)
}

pub async fn slow_reader(ctx: Ctx) -> Result<(), Failure> {
    // 20 000 lines of 1000 bytes: 20 MB, far more than the kernel's socket
    // buffers and the 1024 queued lines the policy allows for `slow`.
    const LINES: usize = 20_000;
    const WIDTH: usize = 1000;
    /// Alice writes about this many bytes at a time…
    const CHUNK: usize = 32 * 1024;
    /// …and waits while bob is more than this many lines behind her.
    const WINDOW: usize = 256;
    let lang = ctx.lang;
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        let mut bob = Client::join(&ctx, addr, "bob").await?;
        let slow = Client::join(&ctx, addr, "slow").await?;
        bob.expect(&ctx, "* slow joined", STALL).await?;
        alice.expect(&ctx, "* slow joined", STALL).await?;
        // From here on `slow` never reads. Alice talks on her own task, so
        // that bob reads while she writes; she never gets more than WINDOW
        // lines ahead of him, so bob is a reader who keeps up (the policy
        // may drop a client that falls 1024 lines behind: bob never does).
        let (received_tx, mut received) = tokio::sync::watch::channel(0usize);
        let writer = tokio::spawn({
            let ctx = ctx.clone();
            async move {
                let mut text = Vec::with_capacity(64 * 1024);
                for n in 0..LINES {
                    text.extend_from_slice(line(n, WIDTH).as_bytes());
                    text.push(b'\n');
                    if text.len() >= CHUNK || n == LINES - 1 {
                        let sent = n + 1;
                        // Err: bob's side has ended (it reports why).
                        let _ = received.wait_for(|&got| sent <= got + WINDOW).await;
                        alice.send_raw(&ctx, &text).await?;
                        text.clear();
                    }
                }
                Ok::<Client, Failure>(alice)
            }
        });
        let mut slow_left = false;
        let mut n = 0;
        while n < LINES {
            match bob.next(&ctx, STALL).await {
                Next::Line(got) if got == "* slow left" => slow_left = true,
                Next::Line(got) if is_notice(&got) => {}
                Next::Line(got) => {
                    let want = format!("alice: {}", line(n, WIDTH));
                    if got != want {
                        return Err(damaged(lang, &bob, n, &got, &want));
                    }
                    n += 1;
                    received_tx.send_replace(n);
                }
                other => {
                    writer.abort();
                    let mut failure = bob.fail(
                        Step::Read,
                        tr!(
                            lang,
                            "`bob` got {n} of alice's {LINES} lines, then {what}, while `slow` was not reading: one client's full socket held up the room",
                            "`bob`이 `alice`의 {LINES}줄 중 {n}줄을 받은 뒤 {what}. 그동안 `slow`는 읽지 않았습니다. 한 클라이언트의 꽉 찬 소켓이 방 전체를 막았습니다",
                            what = super::client::describe(lang, &other, STALL)
                        ),
                    );
                    failure.hint = Some(lang.pick(
                        "A write to a client that does not read blocks once its socket buffers are full. Never write while holding the room's lock, and never let one client's write wait hold up the others: give each client its own queue (at most 1024 lines) and writer.",
                        "읽지 않는 클라이언트에게 쓰면 소켓 버퍼가 찬 뒤 write가 멈춥니다. 방의 락을 쥔 채 쓰지 말고, 한 클라이언트의 write 대기가 다른 사람을 막지 않게 하세요. 클라이언트마다 큐(최대 1024줄)와 쓰는 쪽을 따로 두세요.",
                    ).into());
                    return Err(failure);
                }
            }
        }
        let mut alice = match writer.await {
            Ok(Ok(alice)) => alice,
            Ok(Err(failure)) => return Err(failure),
            Err(err) => return Err(Failure::new(Step::Write, err.to_string())),
        };
        if !slow_left
            && let Err(failure) = bob.expect(&ctx, "* slow left", LEAVE_WITHIN).await
        {
            let mib = LINES * (WIDTH + 8) / (1024 * 1024);
            return Err(Failure {
                message: tr!(
                    lang,
                    "`slow` stopped reading, and {mib} MiB later it was still in the room ({message}): queue at most 1024 lines for a client, then drop it",
                    "`slow`가 읽기를 멈추고 {mib} MiB가 더 오간 뒤에도 방에 남아 있었습니다({message}). 클라이언트마다 최대 1024줄까지만 쌓고, 넘치면 내보내세요",
                    message = failure.message
                ),
                ..failure
            });
        }
        // The room still works after the drop.
        bob.send(&ctx, "still here").await?;
        alice.expect(&ctx, "bob: still here", STALL).await?;
        drop(slow);
        Ok(())
    })
    .await
}

/// A line that arrived, but not as sent.
fn damaged(lang: Lang, bob: &Client, n: usize, got: &str, want: &str) -> Failure {
    let at = first_difference(want.as_bytes(), got.as_bytes()).unwrap_or(0);
    let (got_len, want_len) = (got.len(), want.len());
    let message = if at >= got_len {
        tr!(
            lang,
            "alice's line {n} reached `bob` cut short: {got_len} of its {want_len} bytes, then a newline: part of a line was lost",
            "`alice`의 {n}번째 줄이 `bob`에게 잘린 채 도착했습니다. {want_len}바이트 가운데 {got_len}바이트 뒤에 바로 줄바꿈이 왔습니다. 줄의 일부가 사라졌습니다"
        )
    } else {
        let from_there = escape(&got.as_bytes()[at..], 40);
        tr!(
            lang,
            "alice's line {n} reached `bob` damaged: {got_len} bytes instead of {want_len}, different from offset {at} on (counted from 0: `{from_there}`): lines were cut or spliced",
            "`alice`의 {n}번째 줄이 `bob`에게 망가진 채 도착했습니다. {want_len}바이트여야 하는데 {got_len}바이트이고, 오프셋 {at}부터 다릅니다(0부터 셈: `{from_there}`). 줄이 잘리거나 섞였습니다"
        )
    };
    bob.fail(Step::Read, message)
}

/// Alice's n-th line in the slow-reader test: its number, then filler to `width` bytes.
fn line(n: usize, width: usize) -> String {
    let mut text = format!("{n:05} ");
    let fill = b'a' + (n % 26) as u8;
    text.extend(std::iter::repeat_n(fill as char, width - text.len()));
    text
}

pub async fn disconnect(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        let bob = Client::join(&ctx, addr, "bob").await?;
        let carol = Client::join(&ctx, addr, "carol").await?;
        alice.expect(&ctx, "* carol joined", STALL).await?;
        // Bob quits politely (FIN); carol's machine resets the connection (RST).
        bob.close().await;
        // expect_next from here on: a second `* bob left` (said on the read
        // error and again on cleanup) arrives where the next line should be.
        alice.expect_next(&ctx, "* bob left", LEAVE_WITHIN).await.map_err(|f| {
            f.with_hint(lang.pick(
                "bob closed his connection: read() returned 0. Remove him from the room and announce `* bob left`.",
                "`bob`이 연결을 닫아 read()가 0을 돌려주었습니다. 방에서 지우고 `* bob left`를 알리세요.",
            ).into())
        })?;
        carol.reset();
        alice.expect_next(&ctx, "* carol left", LEAVE_WITHIN).await.map_err(|f| {
            if f.message.contains("\"* bob left\"") {
                return once_hint(lang, f, "bob");
            }
            f.with_hint(lang.pick(
                "carol's connection was reset: read() failed with ConnectionReset. An error ends the client just like EOF: remove her and announce `* carol left`.",
                "`carol`의 연결이 리셋되어 read()가 ConnectionReset으로 실패했습니다. 오류도 EOF처럼 클라이언트의 끝입니다. 방에서 지우고 `* carol left`를 알리세요.",
            ).into())
        })?;
        // The name is free again, and nothing is announced twice.
        let mut bob = Client::join(&ctx, addr, "bob").await.map_err(|f| {
            f.with_hint(lang.pick(
                "By the time `* bob left` is announced, the name bob must be free again: remove it from the set of names first.",
                "`* bob left`를 알릴 때에는 `bob`이라는 이름을 다시 쓸 수 있어야 합니다. 이름 목록에서 먼저 지우세요.",
            ).into())
        })?;
        alice
            .expect_next(&ctx, "* bob joined", STALL)
            .await
            .map_err(|f| match f.message.contains("\"* carol left\"") {
                true => once_hint(lang, f, "carol"),
                false => f,
            })?;
        bob.send(&ctx, "back again").await?;
        alice.expect_next(&ctx, "bob: back again", STALL).await
    })
    .await
}

/// A `* NAME left` that came a second time.
fn once_hint(lang: Lang, failure: Failure, name: &str) -> Failure {
    Failure {
        message: tr!(
            lang,
            "`* {name} left` came twice: {message}",
            "{left_ga} 두 번 왔습니다: {message}",
            left_ga = josa_code(&format!("* {name} left"), "이/가"),
            message = failure.message
        ),
        ..failure
    }
    .with_hint(lang.pick(
        "Announce a departure in one place only: every way out of a client's loop (EOF, error, too long, too slow) returns a reason, and the code after the loop frees the name and says `* NAME left` once.",
        "떠남은 한 곳에서만 알리세요. 클라이언트 루프를 빠져나가는 모든 길(EOF, 오류, 너무 긴 줄, 너무 느림)이 이유를 돌려주고, 루프 뒤의 코드가 이름을 풀고 `* NAME left`를 한 번 보냅니다.",
    ).into())
}

pub async fn bad_name(ctx: Ctx) -> Result<(), Failure> {
    let longest = "abcdefghijklmnopqrstuvwxyz-_0123"; // 32 bytes: the longest valid name
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        let too_long = "x".repeat(33);
        for name in ["", "a b", too_long.as_str(), "../x", "bob!", "한글"] {
            refused(&ctx, addr, name, "! invalid name").await?;
        }
        let _longest = Client::join(&ctx, addr, longest).await?;
        refused(&ctx, addr, "alice", "! name taken").await?;
        let mut bob = Client::join(&ctx, addr, "bob").await?;
        // Refused clients were never in the room: alice heard of these two only.
        alice
            .expect_next(&ctx, &format!("* {longest} joined"), STALL)
            .await?;
        alice.expect_next(&ctx, "* bob joined", STALL).await?;
        bob.send(&ctx, "hi").await?;
        alice.expect_next(&ctx, "bob: hi", STALL).await
    })
    .await
}

/// Sends `name` as a first line and expects `answer`, then the server closing.
async fn refused(
    ctx: &Ctx,
    addr: std::net::SocketAddr,
    name: &str,
    answer: &str,
) -> Result<(), Failure> {
    let lang = ctx.lang;
    let mut client = Client::connect(ctx, addr).await?;
    client.send(ctx, name).await?;
    let shown = escape(name.as_bytes(), 40);
    client
        .expect_next(ctx, answer, STALL)
        .await
        .map_err(|failure| Failure {
            message: tr!(
                lang,
                "name `{shown}`: {}",
                "이름 `{shown}`: {}",
                failure.message
            ),
            ..failure
        })?;
    client.expect_closed(ctx, LEAVE_WITHIN).await
}

pub async fn long_line(ctx: Ctx) -> Result<(), Failure> {
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        let mut bob = Client::join(&ctx, addr, "bob").await?;
        alice.expect(&ctx, "* bob joined", STALL).await?;
        let longest = "y".repeat(1024);
        bob.send(&ctx, &longest).await?;
        alice
            .expect_next(&ctx, &format!("bob: {longest}"), STALL)
            .await?;
        bob.send(&ctx, &"z".repeat(1025)).await?;
        bob.expect_next(&ctx, "! line too long", STALL).await?;
        bob.expect_closed(&ctx, LEAVE_WITHIN).await?;
        alice.expect_next(&ctx, "* bob left", LEAVE_WITHIN).await?;
        let _carol = Client::join(&ctx, addr, "carol").await?;
        alice.expect_next(&ctx, "* carol joined", STALL).await
    })
    .await
}

#[cfg(unix)]
pub async fn sigterm(ctx: Ctx) -> Result<(), Failure> {
    const WITHIN: Duration = Duration::from_secs(2);
    // The grader polls the process every 10 ms; allow for that and a busy machine.
    const SLACK: Duration = Duration::from_millis(300);
    let lang = ctx.lang;
    let (mut server, addr) = start(&ctx).await?;
    let mut alice = Client::join(&ctx, addr, "alice").await?;
    let mut bob = Client::join(&ctx, addr, "bob").await?;
    let mut idle = Client::connect(&ctx, addr).await?;
    alice.expect(&ctx, "* bob joined", STALL).await?;
    ctx.at(Step::Exit);
    server
        .terminate()
        .map_err(|err| Failure::new(Step::Exit, err.to_string()))?;
    let signalled = tokio::time::Instant::now();
    let killed_hint = lang.pick(
        "The default action of SIGTERM ends the process at once, without a word to anyone. Catch it (tokio::signal::unix::signal(SignalKind::terminate()) or the ctrlc crate with its \"termination\" feature) and shut down yourself.",
        "SIGTERM의 기본 동작은 아무에게도 알리지 않고 프로세스를 바로 끝내는 것입니다. 시그널을 잡아서(tokio::signal::unix::signal(SignalKind::terminate())이나 \"termination\" 기능을 켠 `ctrlc` 크레이트) 직접 종료 절차를 밟으세요.",
    );
    for client in [&mut alice, &mut bob] {
        let left = (WITHIN + SLACK).saturating_sub(signalled.elapsed());
        // The very next line: no `* NAME left` while the room closes (rule 9).
        if let Err(failure) = goodbye(&ctx, client, left).await {
            let killed = server
                .wait_exit(Duration::ZERO)
                .await
                .is_some_and(|s| s.code().is_none());
            return Err(if killed {
                failure.with_hint(killed_hint.into())
            } else {
                failure
            });
        }
        let left = (WITHIN + SLACK).saturating_sub(signalled.elapsed());
        closed_after_goodbye(&ctx, client, left).await?;
    }
    let left = (WITHIN + SLACK).saturating_sub(signalled.elapsed());
    idle.expect_closed(&ctx, left).await?;
    let left = (WITHIN + SLACK).saturating_sub(signalled.elapsed());
    match server.wait_exit(left).await {
        Some(status) if status.code() == Some(0) => Ok(()),
        Some(status) => Err(Failure::new(
            Step::Exit,
            match status.code() {
                Some(code) => tr!(
                    lang,
                    "after SIGTERM chat-server exited with code {code}, not 0",
                    "SIGTERM을 받은 chat-server가 종료 코드 0이 아니라 {code_ro} 끝났습니다",
                    code_ro = josa(&code, "(으)로")
                ),
                None => lang
                    .pick(
                        "chat-server was killed by SIGTERM instead of shutting down",
                        "chat-server가 스스로 종료하지 않고 SIGTERM에 죽었습니다",
                    )
                    .into(),
            },
        )
        .with_hint(killed_hint.into())),
        None => Err(Failure::new(
            Step::Exit,
            tr!(
                lang,
                "chat-server was still running {secs:.1} s after SIGTERM",
                "SIGTERM을 받고 {secs:.1}초가 지나도 chat-server가 실행 중이었습니다",
                secs = signalled.elapsed().as_secs_f64()
            ),
        )
        .with_hint(lang.pick(
            "After telling the clients, stop: return from main or std::process::exit(0). Threads or tasks still blocked in read or accept would keep the process alive.",
            "클라이언트에게 알린 뒤 끝내세요. main에서 돌아가거나 std::process::exit(0)를 부르면 됩니다. read나 accept에 막힌 스레드나 태스크가 프로세스를 붙잡고 있을 수 있습니다.",
        ).into())),
    }
}

/// After SIGTERM a joined client's next line is `* server shutting down`.
#[cfg(unix)]
async fn goodbye(ctx: &Ctx, client: &mut Client, within: Duration) -> Result<(), Failure> {
    const BYE: &str = "* server shutting down";
    let lang = ctx.lang;
    match client.next(ctx, within).await {
        Next::Line(line) if line == BYE => Ok(()),
        Next::Line(line) if line.ends_with(" left") => Err(client
            .unexpected(lang, &line, BYE)
            .with_hint(at_shutdown_hint(lang))),
        Next::Line(line) => Err(client.unexpected(lang, &line, BYE)),
        other => Err(client.fail(
            Step::Read,
            tr!(
                lang,
                "after SIGTERM, no `{BYE}`: {what}",
                "SIGTERM 뒤에 {bye_ga} 오지 않았습니다: {what}",
                bye_ga = josa_code(BYE, "이/가"),
                what = super::client::describe(lang, &other, within)
            ),
        )),
    }
}

/// After the goodbye, the server closes the connection and sends nothing more.
#[cfg(unix)]
async fn closed_after_goodbye(
    ctx: &Ctx,
    client: &mut Client,
    within: Duration,
) -> Result<(), Failure> {
    let lang = ctx.lang;
    ctx.at(Step::Close);
    match client.next(ctx, within).await {
        Next::Closed | Next::Broken { .. } => Ok(()),
        Next::Line(line) => {
            let shown = escape(line.as_bytes(), 80);
            Err(client
                .fail(
                    Step::Close,
                    tr!(
                        lang,
                        "after `* server shutting down` came `{shown}`: the goodbye must be the last line before the close",
                        "`* server shutting down` 뒤에 {shown_ga} 왔습니다. 작별 줄 다음에는 연결을 닫기만 해야 합니다",
                        shown_ga = josa_code(&shown, "이/가")
                    ),
                )
                .with_hint(at_shutdown_hint(lang)))
        }
        Next::Silent => Err(client.fail(
            Step::Close,
            tr!(
                lang,
                "after `* server shutting down` the server did not close the connection within {:.1} s",
                "`* server shutting down` 뒤 {:.1}초 안에 서버가 연결을 닫지 않았습니다",
                within.as_secs_f64()
            ),
        )),
    }
}

#[cfg(unix)]
fn at_shutdown_hint(lang: Lang) -> String {
    lang.pick(
        "At shutdown everyone is leaving: send no `* NAME left` lines then. A connection that stops because the server stops says `* server shutting down` and closes, nothing else.",
        "종료할 때는 모두가 떠나므로 `* NAME left`를 보내지 않습니다. 서버가 멈춰서 끝나는 연결은 `* server shutting down`만 보내고 닫습니다.",
    )
    .into()
}
