//! The file-transfer exercise's hidden tests: they run on submission
//! (Classroom) and in the instructor's gradebook, never in the student's
//! local grade. `cargo xtask classroom export` leaves this file out (see
//! grade/hidden.rs).

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::grade::file_transfer::proto;
use crate::grade::file_transfer::server::{Conn, start};
use crate::grade::lang::{Step, Text, tr};
use crate::grade::spec::{Ctx, Failure, TestSpec, Visibility};

pub fn tests() -> Vec<TestSpec> {
    vec![TestSpec {
        id: "ft.server.two_clients",
        points: 5,
        timeout: Duration::from_secs(15),
        visibility: Visibility::Hidden,
        title: Text {
            en: "a client that stalls mid-frame does not keep the next client from being served",
            ko: "프레임 도중 멈춘 클라이언트가 다음 클라이언트의 처리를 막지 않는다",
        },
        hint: Text {
            en: "Serve each connection on its own thread: thread::spawn right after accept().",
            ko: "연결마다 스레드를 따로 두세요. accept() 직후 thread::spawn하면 됩니다.",
        },
        run: |ctx| Box::pin(two_clients(ctx)),
    }]
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
        let frame = second.frame(&ctx, "ENTRY or STATUS").await.map_err(|f| {
            let message = tr!(
                lang,
                "{} (another client is connected and stalled in the middle of a frame: is the server serving one connection at a time?)",
                "{} (다른 클라이언트가 프레임 도중에 멈춘 채 연결되어 있습니다. 서버가 한 번에 연결 하나만 처리하나요?)",
                f.message
            );
            Failure { message, ..f }
        })?;
        if frame.kind == proto::STATUS {
            return Ok(());
        }
    }
}
