//! Tests of the room itself: who receives what, in which order, with many
//! clients at once.

use std::collections::BTreeMap;
use std::time::Duration;

use super::client::{Client, Next, is_notice};
use super::with_server;
use crate::grade::josa::josa_code;
use crate::grade::lang::{Step, tr};
use crate::grade::proxy::{Faults, Proxy};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::transcript::escape;
use crate::grade::wire::{STALL, write_fragmented};

pub async fn two_clients(ctx: Ctx) -> Result<(), Failure> {
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        let mut bob = Client::join(&ctx, addr, "bob").await?;
        alice.expect(&ctx, "* bob joined", STALL).await?;
        bob.send(&ctx, "hi alice").await?;
        alice.expect(&ctx, "bob: hi alice", STALL).await?;
        alice.send(&ctx, "hello bob").await?;
        // Had bob's own line come back to him, it would arrive before this one.
        bob.expect(&ctx, "alice: hello bob", STALL).await?;
        bob.send(&ctx, "bye").await?;
        alice.expect(&ctx, "bob: bye", STALL).await
    })
    .await
}

pub async fn hundred(ctx: Ctx) -> Result<(), Failure> {
    const CLIENTS: usize = 100;
    let lang = ctx.lang;
    with_server(&ctx, async |addr| {
        let mut clients = Vec::with_capacity(CLIENTS);
        for i in 0..CLIENTS {
            let client = Client::join(&ctx, addr, &format!("c{i:03}"))
                .await
                .map_err(|failure| {
                    let message = tr!(
                        lang,
                        "client {nth} of {CLIENTS}: {message}",
                        "클라이언트 {CLIENTS}개 중 {nth}번째: {message}",
                        nth = i + 1,
                        message = failure.message
                    );
                    Failure { message, ..failure }
                })?;
            clients.push(client);
        }
        // Everyone is connected; one line must reach the 99 others.
        clients[0].send(&ctx, "hello everyone").await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        for client in &mut clients[1..] {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            client.expect(&ctx, "c000: hello everyone", left).await?;
        }
        clients[CLIENTS - 1].send(&ctx, "bye").await?;
        clients[0].expect(&ctx, "c099: bye", STALL).await
    })
    .await
}

pub async fn idle_client(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let serial = |failure: Failure| {
        failure.with_hint(
            lang.pick(
                "Two clients are connected and have not sent a whole name: one says nothing, one sent `ali` without a newline. A server that reads the name before its next accept() serves no one else meanwhile: give each connection its own thread or task.",
                "연결만 하고 이름을 다 보내지 않은 클라이언트가 둘 있습니다. 하나는 아무 말도 없고, 하나는 줄바꿈 없이 `ali`만 보냈습니다. 다음 accept() 전에 이름을 읽는 서버는 그동안 아무도 받지 못합니다. 연결마다 스레드나 태스크를 따로 두세요.",
            )
            .into(),
        )
    };
    with_server(&ctx, async |addr| {
        let mut idle = Client::connect(&ctx, addr).await?;
        let mut half = Client::connect(&ctx, addr).await?;
        half.send_raw(&ctx, b"ali").await?;
        let mut alice = Client::join(&ctx, addr, "alice").await.map_err(serial)?;
        let mut bob = Client::join(&ctx, addr, "bob").await.map_err(serial)?;
        alice.expect(&ctx, "* bob joined", STALL).await?;
        bob.send(&ctx, "anyone here?").await?;
        alice.expect(&ctx, "bob: anyone here?", STALL).await?;
        // Only joined clients are in the room.
        for client in [&mut idle, &mut half] {
            if let Next::Line(line) = client.next(&ctx, Duration::from_millis(200)).await {
                return Err(client.fail(
                    Step::Read,
                    tr!(
                        lang,
                        "a client that has not sent its name yet received `{line}`: only joined clients are in the room",
                        "아직 이름을 보내지 않은 클라이언트가 {line_reul} 받았습니다. 참여한 클라이언트만 방에 있습니다",
                        line = escape(line.as_bytes(), 80),
                        line_reul = josa_code(&escape(line.as_bytes(), 80), "을/를")
                    ),
                ));
            }
        }
        Ok(())
    })
    .await
}

pub async fn order(ctx: Ctx) -> Result<(), Failure> {
    const SENDERS: usize = 3;
    const LINES: usize = 300;
    let lang = ctx.lang;
    with_server(&ctx, async |addr| {
        let mut reader = Client::join(&ctx, addr, "reader").await?;
        let mut senders = Vec::new();
        for s in 1..=SENDERS {
            senders.push(Client::join(&ctx, addr, &format!("s{s}")).await?);
        }
        // All three write at once, each in random pieces that cut lines
        // anywhere (and hold several lines at a time).
        let mut tasks = tokio::task::JoinSet::new();
        for (i, mut sender) in senders.into_iter().enumerate() {
            let mut rng = ctx.rng(&format!("chat.order.{i}"));
            let text: String = (0..LINES).map(|n| format!("n {n:03}\n")).collect();
            tasks.spawn(async move {
                let sent =
                    write_fragmented(sender.writer(), text.as_bytes(), 80, Duration::ZERO, &mut rng)
                        .await;
                (sender, sent)
            });
        }
        let mut next_of: BTreeMap<String, usize> =
            (1..=SENDERS).map(|s| (format!("s{s}"), 0)).collect();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        let mut received = 0;
        while received < SENDERS * LINES {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let line = match reader.next(&ctx, left.min(STALL)).await {
                Next::Line(line) => line,
                other => {
                    return Err(reader
                        .fail(
                            Step::Read,
                            tr!(
                                lang,
                                "`reader` had {received} of {total} lines: {what}",
                                "`reader`가 {total}줄 중 {received}줄을 받았습니다: {what}",
                                total = SENDERS * LINES,
                                what = super::client::describe(lang, &other, STALL)
                            ),
                        )
                        .with_kind(super::client::kind_of(&other)));
                }
            };
            if is_notice(&line) {
                continue;
            }
            let parsed = line.split_once(": n ").and_then(|(who, n)| {
                let n: usize = n.parse().ok()?;
                next_of.contains_key(who).then(|| (who.to_string(), n))
            });
            let Some((who, n)) = parsed else {
                return Err(reader.unexpected(lang, &line, "sN: n NNN"));
            };
            let want = next_of[&who];
            if n != want {
                return Err(reader.fail(
                    Step::Read,
                    tr!(
                        lang,
                        "`reader` got `{line}` when `{who}: n {want:03}` was next: {who}'s lines must arrive all, in the order sent",
                        "`reader`가 `{who}: n {want:03}` 차례에 {line_reul} 받았습니다. `{who}`의 줄은 보낸 순서대로 빠짐없이 와야 합니다",
                        line_reul = josa_code(&line, "을/를")
                    ),
                ));
            }
            next_of.insert(who, want + 1);
            received += 1;
        }
        while let Some(joined) = tasks.join_next().await {
            if let Ok((sender, Err(err))) = joined {
                return Err(sender.fail(Step::Write, err.to_string()));
            }
        }
        Ok(())
    })
    .await
}

pub async fn join_race(ctx: Ctx) -> Result<(), Failure> {
    const ROUNDS: usize = 20;
    let lang = ctx.lang;
    with_server(&ctx, async |addr| {
        let mut alice = Client::join(&ctx, addr, "alice").await?;
        for round in 0..ROUNDS {
            let name = format!("new{round:02}");
            let mut newcomer = Client::connect(&ctx, addr).await?;
            newcomer.send(&ctx, &name).await?;
            // The moment alice hears of the newcomer, she talks to it.
            alice
                .expect(&ctx, &format!("* {name} joined"), STALL)
                .await?;
            let ping = format!("ping {round}");
            alice.send(&ctx, &ping).await?;
            newcomer.welcome(&ctx, &name).await?;
            let want = format!("alice: {ping}");
            if let Err(failure) = newcomer.expect(&ctx, &want, Duration::from_secs(2)).await {
                return Err(Failure {
                    message: tr!(
                        lang,
                        "round {nth}: `{name}` never received `{want}`, which alice sent as soon as `* {name} joined` reached her ({message})",
                        "{nth}번째: `alice`가 {joined_reul} 받자마자 보낸 {want_reul} {name_ga} 받지 못했습니다({message})",
                        nth = round + 1,
                        message = failure.message,
                        joined_reul = josa_code(&format!("* {name} joined"), "을/를"),
                        want_reul = josa_code(&want, "을/를"),
                        name_ga = josa_code(&name, "이/가")
                    ),
                    ..failure
                });
            }
            newcomer.close().await;
        }
        Ok(())
    })
    .await
}

pub async fn fragmented(ctx: Ctx) -> Result<(), Failure> {
    const LINES: usize = 30;
    let lang = ctx.lang;
    let faults = Faults {
        max_segment: 3,
        max_delay: Duration::from_millis(2),
    };
    with_server(&ctx, async |addr| {
        let proxy = Proxy::start(addr, faults, ctx.seed)
            .await
            .map_err(|err| Failure::new(Step::Start, err.to_string()))?;
        let mut alice = Client::join(&ctx, proxy.addr, "alice").await?;
        let mut bob = Client::join(&ctx, proxy.addr, "bob").await?;
        let mut carol = Client::join(&ctx, proxy.addr, "carol").await?;
        alice.expect(&ctx, "* carol joined", STALL).await?;
        let text: String = (0..LINES)
            .map(|n| format!("line {n} of {LINES}\n"))
            .collect();
        alice.send_raw(&ctx, text.as_bytes()).await?;
        for listener in [&mut bob, &mut carol] {
            for n in 0..LINES {
                let want = format!("alice: line {n} of {LINES}");
                listener
                    .expect(&ctx, &want, STALL)
                    .await
                    .map_err(|failure| {
                        failure.with_hint(
                            lang.pick(
                                "Through the proxy every line arrives in pieces of 1 to 3 bytes: keep the unfinished line until its '\\n' arrives.",
                                "프록시를 거치면 줄마다 1~3바이트 조각으로 옵니다. '\\n'이 올 때까지 끝나지 않은 줄을 모아 두세요.",
                            )
                            .into(),
                        )
                    })?;
            }
        }
        bob.send(&ctx, "got them all").await?;
        alice.expect(&ctx, "bob: got them all", STALL).await?;
        carol.expect(&ctx, "bob: got them all", STALL).await?;
        carol.close().await;
        alice.expect(&ctx, "* carol left", STALL).await?;
        bob.expect(&ctx, "* carol left", STALL).await
    })
    .await
}
