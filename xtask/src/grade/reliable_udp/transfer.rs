//! Tests of the student's pair, `rdt-send` to `rdt-recv`, through the lossy
//! proxy: from a clean link to loss, reordering, duplication and corruption,
//! the lost last ACK, and the efficiency against the grader's own pair.

use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use super::peer::{self, RecvOptions, SendOptions};
use super::proto::{ACK, DATA, Datagram, chunks};
use super::run::{Receiver, start_receiver, transfer_through};
use crate::grade::lang::{Step, tr};
use crate::grade::spec::{Ctx, Failure};
use crate::grade::udp_proxy::{Dir, Event, Impair, Link, UdpProxy};
use crate::grade::wire::binary_payload;

/// A test's file: `size` random bytes from the test's seed.
fn payload(ctx: &Ctx, id: &str, size: usize) -> Vec<u8> {
    binary_payload(&mut ctx.rng(id), size)
}

/// The proxy in front of a started receiver, seeded from the test.
async fn proxy(ctx: &Ctx, receiver: &Receiver, link: Link, id: &str) -> Result<UdpProxy, Failure> {
    UdpProxy::start(receiver.addr, link, ctx.rng(id).u64(..))
        .await
        .map_err(|err| Failure::new(Step::Start, err.to_string()))
}

/// One file through a link, every check of [`transfer_through`].
pub(super) async fn through(
    ctx: &Ctx,
    id: &str,
    size: usize,
    link: Link,
    wait: Duration,
) -> Result<(), Failure> {
    let bytes = payload(ctx, id, size);
    let receiver = start_receiver(ctx).await?;
    let proxy = proxy(ctx, &receiver, link, id).await?;
    transfer_through(ctx, receiver, &proxy, &bytes, wait).await?;
    Ok(())
}

pub async fn clean(ctx: Ctx) -> Result<(), Failure> {
    through(
        &ctx,
        "clean",
        200 * 1024,
        Link::default(),
        Duration::from_secs(20),
    )
    .await
}

/// Four files at once, each with its own pair: every transfer ends with
/// the receiver's 2 s linger, so one after another they took 8 s. The
/// smallest size that fails is the one reported, as it was in turn.
pub async fn sizes(ctx: Ctx) -> Result<(), Failure> {
    let one = |size| {
        through(
            &ctx,
            "sizes",
            size,
            Link::default(),
            Duration::from_secs(15),
        )
    };
    let (empty, byte, chunk, chunk_and_byte) = tokio::join!(one(0), one(1), one(1200), one(1201));
    empty.and(byte).and(chunk).and(chunk_and_byte)
}

pub async fn loss(ctx: Ctx) -> Result<(), Failure> {
    let link = Link::both(Impair {
        loss: 0.1,
        ..Impair::default()
    });
    through(&ctx, "loss", 300 * 1024, link, Duration::from_secs(40)).await
}

pub async fn reorder(ctx: Ctx) -> Result<(), Failure> {
    let link = Link::both(Impair {
        duplicate: 0.1,
        reorder: 0.15,
        hold: Duration::from_millis(15),
        delay: Duration::from_millis(2),
        jitter: Duration::from_millis(4),
        ..Impair::default()
    });
    through(&ctx, "reorder", 300 * 1024, link, Duration::from_secs(40)).await
}

pub async fn corrupt(ctx: Ctx) -> Result<(), Failure> {
    let link = Link::both(Impair {
        corrupt: 0.05,
        ..Impair::default()
    });
    through(&ctx, "corrupt", 200 * 1024, link, Duration::from_secs(40)).await
}

/// The receiver's first three ACKs of the FIN are lost: the sender must
/// re-send its FIN, and the lingering receiver answer it again.
pub async fn last_ack_lost(ctx: Ctx) -> Result<(), Failure> {
    let size = 50 * 1200 + 17;
    let end = chunks(size as u64) + 1;
    let link = Link {
        forward: Impair::default(),
        back: Impair {
            drop_first: Some((ACK, end, 3)),
            ..Impair::default()
        },
    };
    through(&ctx, "last_ack_lost", size, link, Duration::from_secs(20)).await
}

/// Goodput on a 10 %-loss link, against the grader's own pair on the same
/// link in the same run, and the datagrams sent against the fewest possible.
pub async fn efficiency(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let size = 512 * 1024;
    let bytes = payload(&ctx, "efficiency", size);
    // A few milliseconds of delay: a timeout far below the round trip
    // re-sends what is still in flight, and shows in the datagrams counted.
    let link = Link::both(Impair {
        loss: 0.1,
        delay: Duration::from_millis(5),
        jitter: Duration::from_millis(2),
        ..Impair::default()
    });
    let (mut ours, (mut theirs, proxy)) = both_pairs(&ctx, &bytes, link).await?;
    let n = chunks(size as u64) as usize;
    let sent = proxy.count(Dir::Forward, DATA);
    // At 10 % loss a chunk needs 1/0.9 sends on average; twice that is the bound.
    let bound = n * 2 * 10 / 9;
    // Stop-and-wait is told by what crossed the link, not by the clock: its
    // time against the grader's pair's varies with the losses (a spec
    // sender whose every ACK fills a re-sent hole never takes a round-trip
    // sample and keeps the 200 ms initial timeout: 0.6-5 s for the same
    // file), and a slow round of the grader's pair once let it pass.
    let events = proxy.events();
    let (most, window) = most_in_flight(&events);
    if most <= 1 {
        let why = if window <= 1 {
            tr!(
                lang,
                "`rdt-recv` offered a window of at most {window} chunk, so its sender could never have more than one chunk in flight. Offer the free room of its buffer (64 chunks)",
                "`rdt-recv`가 알린 윈도가 최대 {window}조각이어서 송신자는 한 번에 조각을 하나까지만 보낼 수 있었습니다. 버퍼의 빈 자리(64조각)를 알리세요"
            )
        } else {
            tr!(
                lang,
                "`rdt-send` never had more than one chunk in flight (the receiver offered a window of {window}): it waits for each ACK before it sends the next chunk (stop-and-wait). Keep the window's chunks in flight",
                "`rdt-send`가 조각을 한 번에 하나씩만 보냈습니다(수신자가 알린 윈도는 {window}조각). ACK을 받아야 다음 조각을 보내는 정지-대기 방식입니다. 윈도만큼 조각을 보내 두세요"
            )
        };
        return Err(Failure::new(Step::Write, why)
            .with_transcript(super::run::timeline(&ctx, Some(&proxy))));
    }
    // Too slow? A stall of the machine may have hit one pair and not the
    // other: both run once more, and the better round counts.
    if speed(ours, theirs) < MIN_RATIO {
        let (again_ours, (again_theirs, _)) = both_pairs(&ctx, &bytes, link).await?;
        if speed(again_ours, again_theirs) > speed(ours, theirs) {
            (ours, theirs) = (again_ours, again_theirs);
        }
    }
    let (ours_s, theirs_s) = (ours.as_secs_f64(), theirs.as_secs_f64());
    let ratio = speed(ours, theirs);
    if sent > bound {
        return Err(Failure::new(
            Step::Write,
            tr!(
                lang,
                "`rdt-send` sent {sent} DATA datagrams for {n} chunks on a 10 % loss link (at most {bound}): it re-sends too much (a timeout too short, or the whole window on each loss)",
                "`rdt-send`가 손실률 10 % 링크에서 조각 {n}개에 DATA 데이터그램을 {sent}개 보냈습니다(최대 {bound}개). 재전송이 너무 많습니다(너무 짧은 타임아웃, 또는 손실마다 윈도 전체를 다시 보냄)"
            ),
        )
        .with_transcript(super::run::timeline(&ctx, Some(&proxy))));
    }
    if ratio < MIN_RATIO {
        let percent = (ratio * 100.0).round() as u32;
        return Err(Failure::new(
            Step::Write,
            tr!(
                lang,
                "512 KiB over a 10 % loss link took {theirs_s:.2} s, the grader's own pair {ours_s:.2} s: {percent} % of its speed (at least 40 %). Keep a window of datagrams in flight, and recover a loss by fast retransmit rather than waiting for the timeout",
                "손실률 10 % 링크로 512 KiB를 보내는 데 {theirs_s:.2}초 걸렸고 채점기 자신의 구현은 {ours_s:.2}초 걸렸습니다. 속도가 {percent} %입니다(최소 40 %). 윈도만큼 데이터그램을 보내 두고, 손실은 타임아웃을 기다리지 말고 빠른 재전송으로 복구하세요"
            ),
        ));
    }
    let spurious = spurious(&events);
    let spurious_bound = (n / 20).max(10);
    if spurious > spurious_bound {
        return Err(Failure::new(
            Step::Write,
            tr!(
                lang,
                "`rdt-send` re-sent {spurious} chunks that had already arrived (at most {spurious_bound}): its timeout is shorter than the round trip. Take it from measured round trips (RFC 6298), not a fixed guess",
                "`rdt-send`가 이미 도착한 조각을 {spurious}번 다시 보냈습니다(최대 {spurious_bound}번). 타임아웃이 왕복 시간보다 짧습니다. 어림값이 아니라 측정한 왕복 시간으로 정하세요(RFC 6298)"
            ),
        )
        .with_transcript(super::run::timeline(&ctx, Some(&proxy))));
    }
    Ok(())
}

/// The most chunks `rdt-send` had in flight at once, as the proxy saw the
/// link: at each DATA, its chunk number less the highest ACK the sender had
/// been given, plus one. And the largest window the receiver offered.
fn most_in_flight(events: &[Event]) -> (u32, u16) {
    let (mut acked, mut most, mut window) = (0u32, 0u32, 0u16);
    for event in events {
        let Ok(datagram) = Datagram::decode(&event.bytes) else {
            continue;
        };
        match (event.dir, datagram.kind) {
            (Dir::Back, ACK) if event.fate.intact() => {
                acked = acked.max(datagram.seq);
                window = window.max(datagram.window);
            }
            (Dir::Forward, DATA) => {
                most = most.max((datagram.seq + 1).saturating_sub(acked));
            }
            _ => {}
        }
    }
    (most, window)
}

/// How many DATA datagrams the proxy saw for a chunk it had already
/// delivered intact: re-sent although it had arrived (a lost ACK aside,
/// which the next cumulative ACK makes up for).
fn spurious(events: &[Event]) -> usize {
    let mut delivered = std::collections::HashSet::new();
    let mut count = 0;
    for event in events {
        if event.dir != Dir::Forward || event.bytes.first() != Some(&DATA) || event.bytes.len() < 8
        {
            continue;
        }
        let seq = u32::from_be_bytes([
            event.bytes[4],
            event.bytes[5],
            event.bytes[6],
            event.bytes[7],
        ]);
        let intact = event.fate.intact();
        if delivered.contains(&seq) {
            count += 1;
        } else if intact {
            delivered.insert(seq);
        }
    }
    count
}

/// The grader's pair and the student's, side by side, each through its own
/// proxy with the same link and the same seed (so the same datagrams are
/// lost): whatever else the machine does slows both alike, and the test
/// takes one transfer's time instead of two. Returns the grader's time,
/// the student's, and the student's proxy (what it counted).
async fn both_pairs(
    ctx: &Ctx,
    bytes: &[u8],
    link: Link,
) -> Result<(Duration, (Duration, UdpProxy)), Failure> {
    let theirs = async {
        let receiver = start_receiver(ctx).await?;
        let proxy = proxy(ctx, &receiver, link, "efficiency").await?;
        let took = transfer_through(ctx, receiver, &proxy, bytes, Duration::from_secs(60)).await?;
        Ok::<_, Failure>((took, proxy))
    };
    let (ours, theirs) = tokio::join!(graders_pair(ctx, bytes, link), theirs);
    Ok((ours?, theirs?))
}

/// The student's pair's speed as a share of the grader's pair's: the
/// grader's time over theirs.
fn speed(ours: Duration, theirs: Duration) -> f64 {
    ours.as_secs_f64() / theirs.as_secs_f64().max(1e-3)
}

/// The student's pair must reach this share of the grader's pair's goodput.
const MIN_RATIO: f64 = 0.4;

/// The grader's own sender and receiver through the same kind of link.
async fn graders_pair(ctx: &Ctx, bytes: &[u8], link: Link) -> Result<Duration, Failure> {
    let io = |err: std::io::Error| Failure::new(Step::Start, err.to_string());
    let rx = UdpSocket::bind("127.0.0.1:0").await.map_err(io)?;
    let proxy = UdpProxy::start(
        rx.local_addr().map_err(io)?,
        link,
        ctx.rng("efficiency").u64(..),
    )
    .await
    .map_err(io)?;
    let tx = UdpSocket::bind("127.0.0.1:0").await.map_err(io)?;
    tx.connect(proxy.addr).await.map_err(io)?;
    let start = Instant::now();
    // The spec's 2 s linger, not the default 500 ms: beside the student's
    // pair and the other tests, a busy machine's round trips can stretch
    // the sender's timeout past 500 ms, and a receiver gone before the
    // re-sent FIN leaves the grader's sender without its last ACK.
    let linger = Duration::from_secs(2);
    let receiving = peer::receive(
        &rx,
        RecvOptions {
            linger,
            ..RecvOptions::default()
        },
    );
    let sending = async {
        let sent = peer::send(&tx, bytes, SendOptions::default()).await;
        (sent, start.elapsed())
    };
    let (got, (sent, took)) = tokio::join!(receiving, sending);
    match (got, sent) {
        (Ok(got), Ok(_)) if got.bytes == bytes => Ok(took),
        (got, sent) => {
            let why = format!("{:?} {:?}", got.err(), sent.err());
            Err(Failure::new(
                Step::Start,
                tr!(
                    ctx.lang,
                    "the grader's own pair failed on this link ({why}): report this to your instructor",
                    "이 링크에서 채점기 자신의 송수신이 실패했습니다({why}). 교수자에게 알려 주세요"
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::udp_proxy::Fate;

    fn event(dir: Dir, datagram: Datagram, fate: Fate) -> Event {
        Event {
            at: Duration::ZERO,
            dir,
            bytes: datagram.encode(),
            fate,
        }
    }

    fn data(seq: u32) -> Event {
        event(Dir::Forward, Datagram::data(seq, b"x"), Fate::Delivered)
    }

    fn ack(seq: u32, fate: Fate) -> Event {
        event(Dir::Back, Datagram::ack(seq, 64), fate)
    }

    #[test]
    fn stop_and_wait_has_one_chunk_in_flight_even_when_it_re_sends() {
        let events = [
            data(0),
            ack(1, Fate::Delivered),
            data(1),
            ack(2, Fate::Lost),
            data(1),
            ack(2, Fate::Delivered),
            data(2),
        ];
        assert_eq!(most_in_flight(&events), (1, 64));
    }

    #[test]
    fn a_window_counts_from_the_last_ack_the_sender_was_given() {
        let mut events: Vec<Event> = (0..4).map(data).collect();
        // Lost and corrupted ACKs told the sender nothing.
        events.push(ack(3, Fate::Lost));
        events.push(ack(3, Fate::Corrupted));
        events.push(ack(1, Fate::Delivered));
        events.extend((4..7).map(data));
        assert_eq!(most_in_flight(&events), (6, 64));
    }

    #[test]
    fn the_receivers_window_is_the_largest_it_offered() {
        let events = [
            data(0),
            event(Dir::Back, Datagram::ack(1, 1), Fate::Delivered),
            data(1),
        ];
        assert_eq!(most_in_flight(&events), (1, 1));
    }
}
