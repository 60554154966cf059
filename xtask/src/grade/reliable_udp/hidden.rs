//! The reliable-UDP exercise's hidden tests: they run on submission
//! (Classroom) and in the instructor's gradebook, never in the student's
//! local grade. The student template has this file empty (see
//! grade/hidden.rs), so what they do is here too.

use std::time::Duration;

use tokio::net::UdpSocket;

use super::proto::{ACK, CHUNK, Datagram, chunks};
use super::run::{
    RECEIVER_EXIT, compare_output, expect_exit, spawn_sender, start_receiver, wait_exit,
    write_input,
};
use super::transfer::through;
use crate::grade::lang::{Step, Text};
use crate::grade::spec::{Ctx, Failure, TestSpec, Visibility};
use crate::grade::udp_proxy::{Dir, Impair, Link, UdpProxy};
use crate::grade::wire::binary_payload;

pub fn tests() -> Vec<TestSpec> {
    let hidden = |spec: TestSpec| TestSpec {
        visibility: Visibility::Hidden,
        ..spec
    };
    vec![
        hidden(super::public(
            "rdt.heavy",
            10,
            90,
            &["rdt.send.timeout", "rdt.recv.acks"],
            Text {
                en: "128 KiB through 20 % loss with reordering, duplication, jitter and corruption",
                ko: "순서 바뀜, 복제, 지터, 손상이 있는 손실률 20 % 링크로 128 KiB를 보낸다",
            },
            Text {
                en: "Every mechanism at once: checksum, buffering, duplicates, timeouts with back-off, fast retransmit.",
                ko: "모든 장치가 한꺼번에 필요합니다. 체크섬, 보관, 중복 처리, 늘어나는 타임아웃, 빠른 재전송입니다.",
            },
            |ctx| Box::pin(heavy(ctx)),
        )),
        hidden(super::public(
            "rdt.recv.stranger",
            5,
            40,
            &["rdt.recv.sender"],
            Text {
                en: "DATA from a third address during a transfer is ignored",
                ko: "전송 중에 다른 주소에서 온 DATA는 무시한다",
            },
            Text {
                en: "The first valid datagram fixes the sender: connect() the socket to its address, or drop datagrams from any other.",
                ko: "처음 받은 올바른 데이터그램이 송신자를 정합니다. 소켓을 그 주소로 connect()하거나, 다른 주소에서 온 데이터그램은 버리세요.",
            },
            |ctx| Box::pin(stranger(ctx)),
        )),
    ]
}

fn io(err: std::io::Error) -> Failure {
    Failure::new(Step::Start, err.to_string())
}

/// Every impairment of the public tests at once on one link, and more loss.
async fn heavy(ctx: Ctx) -> Result<(), Failure> {
    let link = Link::both(Impair {
        loss: 0.2,
        duplicate: 0.05,
        reorder: 0.1,
        hold: Duration::from_millis(10),
        delay: Duration::from_millis(2),
        jitter: Duration::from_millis(3),
        corrupt: 0.02,
        ..Impair::default()
    });
    through(&ctx, "heavy", 128 * 1024, link, Duration::from_secs(60)).await
}

/// A stranger sends DATA to the receiver during a transfer: ignored.
async fn stranger(ctx: Ctx) -> Result<(), Failure> {
    let mut receiver = start_receiver(&ctx).await?;
    let bytes = binary_payload(&mut ctx.rng("stranger"), 100 * CHUNK);
    let proxy = UdpProxy::start(receiver.addr, Link::default(), 1)
        .await
        .map_err(io)?;
    let file = write_input(receiver.dir.path(), &bytes)?;
    ctx.at(Step::Write);
    let mut sender = spawn_sender(&ctx, &file, proxy.addr)?;
    // As soon as the transfer has begun, a stranger offers every chunk,
    // filled with garbage. "Begun" is the receiver's first ACK through the
    // proxy: it has taken the sender's address by then. (A DATA the proxy
    // forwarded may still wait in the receiver's socket behind the
    // stranger's, and the spec lets the first valid datagram choose.)
    let stranger = UdpSocket::bind("127.0.0.1:0").await.map_err(io)?;
    for _ in 0..2000 {
        if proxy.count(Dir::Back, ACK) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for k in 0..chunks(bytes.len() as u64) {
        let junk = Datagram::data(k, &[0x5a; CHUNK]).encode();
        let _ = stranger.send_to(&junk, receiver.addr).await;
    }
    let status = wait_exit(
        &ctx,
        &mut sender,
        "rdt-send",
        Duration::from_secs(20),
        Some(&proxy),
    )
    .await?;
    expect_exit(&ctx, &mut sender, "rdt-send", status, 0, Some(&proxy)).await?;
    let status = wait_exit(
        &ctx,
        &mut receiver.proc,
        "rdt-recv",
        RECEIVER_EXIT,
        Some(&proxy),
    )
    .await?;
    expect_exit(
        &ctx,
        &mut receiver.proc,
        "rdt-recv",
        status,
        0,
        Some(&proxy),
    )
    .await?;
    compare_output(&ctx, &receiver.out, &bytes, Some(&proxy))
}
