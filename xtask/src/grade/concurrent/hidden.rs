//! The concurrent exercise's hidden tests: they run on submission (Classroom)
//! and in the instructor's gradebook, never in the student's local grade.
//! `cargo xtask classroom export` leaves this file out (see grade/hidden.rs).

use std::time::Duration;

use crate::grade::concurrent::client::Client;
use crate::grade::concurrent::with_server;
use crate::grade::lang::Text;
use crate::grade::spec::{Ctx, Failure, TestSpec, Visibility};
use crate::grade::wire::STALL;

pub fn tests() -> Vec<TestSpec> {
    vec![TestSpec {
        id: "chat.crlf",
        points: 5,
        timeout: Duration::from_secs(15),
        visibility: Visibility::Hidden,
        title: Text {
            en: "lines ending in \\r\\n (telnet, Windows) count without their \\r",
            ko: "\\r\\n으로 끝나는 줄(telnet, Windows)도 \\r을 뺀 내용으로 처리한다",
        },
        hint: Text {
            en: "Strip the '\\n', then one '\\r' before it, from every line: the name line too.",
            ko: "모든 줄에서 '\\n'과 그 앞의 '\\r' 하나를 떼어 내세요. 이름 줄도 마찬가지입니다.",
        },
        run: |ctx| Box::pin(crlf(ctx)),
    }]
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
