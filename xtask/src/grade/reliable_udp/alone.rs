//! Tests of one side at a time: the student's `rdt-recv` answering datagrams
//! the grader writes one by one, the student's `rdt-send` talking to the
//! grader's receiver (which checks every datagram and the window), a wrong
//! digest, and nothing listening (a datagram from a stranger: hidden.rs).

use std::net::SocketAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::net::UdpSocket;
use tokio::time::timeout;

use super::peer::{self, PeerError, RecvOptions, SendOptions};
use super::proto::{ACK, CHUNK, Datagram, MAX_DATAGRAM, describe, label};
use super::run::{
    RECEIVER_EXIT, compare_output, expect_exit, spawn_sender, start_receiver, wait_exit, workdir,
    write_input,
};
use crate::grade::lang::{Lang, Step, tr};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::wire::binary_payload;

fn io(err: std::io::Error) -> Failure {
    Failure::new(Step::Start, err.to_string())
}

/// The grader as a sender, one datagram at a time.
struct Script {
    sock: UdpSocket,
    /// What was sent and answered so far, for the failure's transcript.
    log: Vec<String>,
    lang: Lang,
}

impl Script {
    async fn to(addr: SocketAddr, lang: Lang) -> Result<Script, Failure> {
        let sock = UdpSocket::bind("127.0.0.1:0").await.map_err(io)?;
        sock.connect(addr).await.map_err(io)?;
        Ok(Script {
            sock,
            log: Vec::new(),
            lang,
        })
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.log.push(format!("-> {}", describe(self.lang, bytes)));
        self.sock.send(bytes).await.map_err(io)?;
        Ok(())
    }

    /// The next valid ACK within `wait`, if one comes.
    async fn ack(&mut self, wait: Duration) -> Option<Datagram> {
        let mut buf = [0u8; MAX_DATAGRAM + 1];
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let n = match tokio::time::timeout_at(deadline, self.sock.recv(&mut buf)).await {
                Ok(Ok(n)) => n,
                _ => return None,
            };
            self.log
                .push(format!("<- {}", describe(self.lang, &buf[..n])));
            if let Ok(d) = Datagram::decode(&buf[..n])
                && d.kind == ACK
            {
                return Some(d);
            }
        }
    }
}

/// The student's receiver answers each datagram as the spec says: a
/// cumulative ACK, chunks out of order buffered, a duplicate acknowledged
/// again, a corrupted datagram ignored, the FIN acknowledged with n + 1.
pub async fn recv_acks(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let mut receiver = start_receiver(&ctx).await?;
    let bytes = binary_payload(&mut ctx.rng("recv_acks"), 3 * CHUNK - 100);
    let chunk = |k: usize| {
        Datagram::data(
            k as u32,
            &bytes[k * CHUNK..((k + 1) * CHUNK).min(bytes.len())],
        )
    };
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    let mut script = Script::to(receiver.addr, lang).await?;
    let wait = Duration::from_secs(2);
    let mut corrupted = chunk(2).encode();
    corrupted[20] ^= 0x10;
    // (what to send, the ACK it must bring: None for no answer)
    let steps: [(Vec<u8>, Option<u32>); 6] = [
        (chunk(1).encode(), Some(0)),
        (chunk(0).encode(), Some(2)),
        (chunk(0).encode(), Some(2)),
        (corrupted, None),
        (chunk(2).encode(), Some(3)),
        (
            Datagram::fin(3, bytes.len() as u64, &digest).encode(),
            Some(4),
        ),
    ];
    ctx.at(Step::Read);
    for (datagram, want) in steps {
        script.send(&datagram).await?;
        let got = script
            .ack(if want.is_some() {
                wait
            } else {
                Duration::from_millis(400)
            })
            .await;
        let ok = match (&got, want) {
            (Some(ack), Some(want)) => ack.seq == want && ack.window > 0,
            (None, None) => true,
            _ => false,
        };
        if ok {
            continue;
        }
        let sent = label(lang, &datagram);
        let message = match (got, want) {
            (None, Some(want)) => tr!(
                lang,
                "after {sent}, no ACK came within {secs} s (expected ACK {want})",
                "{sent} 뒤 {secs}초 안에 ACK이 오지 않았습니다(기대한 것: ACK {want})",
                secs = wait.as_secs()
            ),
            (Some(ack), None) => tr!(
                lang,
                "{sent} had its checksum broken, yet it was answered with ACK {seq}: check the checksum and drop such a datagram without an answer",
                "{sent}의 체크섬이 틀렸는데도 답했습니다(ACK {seq}). 체크섬을 확인하고 그런 데이터그램은 답하지 말고 버리세요",
                seq = ack.seq
            ),
            (Some(ack), Some(want)) => tr!(
                lang,
                "after {sent} the ACK says {seq} with window {window}; expected {want} with a window above 0 (the number of the first chunk not yet received)",
                "{sent} 뒤 받은 ACK: `seq` {seq}, 윈도 {window}. 기대한 ACK: `seq` {want}(아직 받지 못한 첫 조각의 번호), 0보다 큰 윈도",
                seq = ack.seq,
                window = ack.window
            ),
            (None, None) => unreachable!("an expected silence is ok"),
        };
        return Err(Failure::new(Step::Read, message).with_transcript(script.log.clone()));
    }
    ctx.at(Step::Close);
    let status = wait_exit(&ctx, &mut receiver.proc, "rdt-recv", RECEIVER_EXIT, None).await?;
    expect_exit(&ctx, &mut receiver.proc, "rdt-recv", status, 0, None).await?;
    compare_output(&ctx, &receiver.out, &bytes, None)
}

/// The student's sender against the grader's receiver, which advertises a
/// small window and checks every datagram.
pub async fn send_window(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let dir = workdir()?;
    let bytes = binary_payload(&mut ctx.rng("send_window"), 150 * 1024);
    let file = write_input(dir.path(), &bytes)?;
    let rx = UdpSocket::bind("127.0.0.1:0").await.map_err(io)?;
    let window = 8;
    let opts = RecvOptions {
        window,
        // A lost chunk holds the cumulative ACK while the sender fills its
        // window: only then does a window overrun by one reach the receiver
        // before the ACK has moved on.
        lose_first: &[70, 90, 110],
        ..RecvOptions::default()
    };
    ctx.at(Step::Write);
    let mut sender = spawn_sender(&ctx, &file, rx.local_addr().map_err(io)?)?;
    let got = timeout(Duration::from_secs(30), peer::receive(&rx, opts)).await;
    let status = wait_exit(&ctx, &mut sender, "rdt-send", Duration::from_secs(10), None).await?;
    let got = match got {
        Ok(Ok(got)) => got,
        Ok(Err(PeerError::Silent(wait))) => {
            // A sender that failed (a panic, a wrong exit) says why itself.
            expect_exit(&ctx, &mut sender, "rdt-send", status, 0, None).await?;
            let secs = wait.as_secs();
            return Err(Failure::new(
                Step::Write,
                tr!(
                    lang,
                    "the grader's receiver heard nothing from `rdt-send` for {secs} s",
                    "채점기의 수신자가 {secs}초 동안 `rdt-send`에게서 아무것도 받지 못했습니다"
                ),
            ));
        }
        Ok(Err(why)) => {
            let why = format!("{why:?}");
            return Err(Failure::new(
                Step::Write,
                tr!(
                    lang,
                    "the grader's receiver stopped: {why}",
                    "채점기의 수신자가 멈췄습니다: {why}"
                ),
            ));
        }
        Err(_) => {
            return Err(Failure::new(
                Step::Write,
                tr!(
                    lang,
                    "the transfer to the grader's receiver did not end within 30 s",
                    "채점기의 수신자에게 보내는 전송이 30초 안에 끝나지 않았습니다"
                ),
            ));
        }
    };
    expect_exit(&ctx, &mut sender, "rdt-send", status, 0, None).await?;
    if got.invalid > 0 {
        let (invalid, total) = (got.invalid, got.datagrams);
        return Err(Failure::new(
            Step::Write,
            tr!(
                lang,
                "{invalid} of the {total} datagrams from `rdt-send` break the format (length field, checksum, kind or payload size)",
                "`rdt-send`가 보낸 데이터그램 {total}개 중 {invalid}개가 형식에 맞지 않습니다(길이 필드, 체크섬, 종류 또는 페이로드 크기)"
            ),
        ));
    }
    if let Some((seq, ack, window)) = got.worst {
        let count = got.past_window;
        return Err(Failure::new(
            Step::Write,
            tr!(
                lang,
                "`rdt-send` sent {count} DATA datagrams past the receiver's window, e.g. chunk {seq} when the last ACK was {ack} with window {window}: send only chunks below ACK + window",
                "`rdt-send`가 수신자의 윈도를 넘는 DATA 데이터그램을 {count}개 보냈습니다. 예: 마지막 ACK `seq` {ack}, 윈도 {window}일 때 보낸 조각 {seq}. ACK + 윈도보다 작은 번호의 조각만 보내세요"
            ),
        ));
    }
    if got.bytes != bytes {
        let (len, total) = (got.bytes.len(), bytes.len());
        return Err(Failure::new(
            Step::Write,
            tr!(
                lang,
                "the grader's receiver got {len} bytes in order; the file has {total}",
                "채점기의 수신자가 순서대로 받은 것은 {len}바이트인데 파일은 {total}바이트입니다"
            ),
        ));
    }
    Ok(())
}

/// A FIN whose digest does not match: the receiver exits 1 and leaves no OUT.
pub async fn bad_digest(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let mut receiver = start_receiver(&ctx).await?;
    let bytes = binary_payload(&mut ctx.rng("bad_digest"), 20 * CHUNK + 5);
    let tx = UdpSocket::bind("127.0.0.1:0").await.map_err(io)?;
    tx.connect(receiver.addr).await.map_err(io)?;
    let opts = SendOptions {
        wrong_digest: true,
        give_up: Duration::from_secs(3),
        ..SendOptions::default()
    };
    ctx.at(Step::Read);
    let sent = timeout(Duration::from_secs(20), peer::send(&tx, &bytes, opts)).await;
    let status = wait_exit(&ctx, &mut receiver.proc, "rdt-recv", RECEIVER_EXIT, None).await?;
    expect_exit(&ctx, &mut receiver.proc, "rdt-recv", status, 1, None).await?;
    if matches!(sent, Ok(Ok(_))) {
        return Err(Failure::new(
            Step::Read,
            tr!(
                lang,
                "`rdt-recv` acknowledged a FIN whose SHA-256 does not match the bytes received",
                "`rdt-recv`가 받은 바이트와 SHA-256이 맞지 않는 FIN에 확인 응답을 보냈습니다"
            ),
        ));
    }
    let part = receiver.out.with_extension("bin.part");
    for left in [&receiver.out, &part] {
        if left.exists() {
            let name = left
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            return Err(Failure::new(
                Step::Close,
                tr!(
                    lang,
                    "after a digest that does not match, `{name}` is still there: remove the partial file",
                    "다이제스트가 맞지 않았는데 `{name}` 파일이 남아 있습니다. 받다 만 파일은 지우세요"
                ),
            ));
        }
    }
    Ok(())
}

/// Nothing listens at ADDR: `rdt-send` exits 1 soon (ICMP port unreachable
/// comes back as an error on its connected socket).
pub async fn refused(ctx: Ctx) -> Result<(), Failure> {
    let dir = workdir()?;
    let file = write_input(dir.path(), b"nobody is there")?;
    let addr = {
        let taken = UdpSocket::bind("127.0.0.1:0").await.map_err(io)?;
        taken.local_addr().map_err(io)?
    };
    ctx.at(Step::Connect);
    let mut sender = spawn_sender(&ctx, &file, addr)?;
    let status = wait_exit(&ctx, &mut sender, "rdt-send", Duration::from_secs(5), None).await?;
    expect_exit(&ctx, &mut sender, "rdt-send", status, 1, None).await
}
