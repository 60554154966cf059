//! A lossy network between two UDP programs, seeded and replayable like the
//! TCP proxy (`proxy.rs`): the sender talks to the proxy's front socket, the
//! proxy talks to the receiver from a socket of its own, and each datagram, in
//! each direction, may be lost, duplicated, held back (reordered), delayed
//! with jitter, corrupted (one bit flipped, which the checksum must catch) or
//! queued behind a rate limit. The fate of the n-th datagram of a direction
//! depends only on the seed, so a failing run can be replayed.
//!
//! Every datagram and its fate is logged: the feedback shows the end of that
//! timeline (sent, dropped by the proxy, delivered, acknowledged).

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::lang::{Lang, tr};

/// What one direction of the link does to datagrams.
#[derive(Clone, Copy, Debug, Default)]
pub struct Impair {
    /// The probability that a datagram is lost.
    pub loss: f64,
    /// The probability that a datagram is delivered twice.
    pub duplicate: f64,
    /// The probability that a datagram is held back by `hold` (the ones
    /// behind it overtake it).
    pub reorder: f64,
    pub hold: Duration,
    /// Every datagram's delay, plus a uniform random part below `jitter`.
    pub delay: Duration,
    pub jitter: Duration,
    /// The probability that one bit of a datagram is flipped.
    pub corrupt: f64,
    /// Bytes per second the link carries (0: no limit), and how long a
    /// datagram may wait in its queue before the link drops it.
    pub rate: u64,
    pub queue: Duration,
    /// Drops the first `count` datagrams whose first byte is `kind` and whose
    /// bytes 4..8 (big-endian) are `seq`: a chosen datagram lost, such as the
    /// acknowledgement of the end of a transfer.
    pub drop_first: Option<(u8, u32, u32)>,
}

/// The two directions: `forward` from the sender (who talks to the front
/// socket) to the receiver, `back` the other way.
#[derive(Clone, Copy, Debug, Default)]
pub struct Link {
    pub forward: Impair,
    pub back: Impair,
}

impl Link {
    /// The same impairments both ways.
    pub fn both(impair: Impair) -> Link {
        Link {
            forward: impair,
            back: impair,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Forward,
    Back,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    Lost,
    Duplicated,
    Reordered,
    Corrupted,
    /// Dropped by the rate limit's full queue.
    Queued,
    /// Dropped on purpose (`drop_first`).
    Dropped,
}

impl Fate {
    /// Whether the datagram reached the other side as it was sent.
    pub fn intact(self) -> bool {
        matches!(self, Fate::Delivered | Fate::Duplicated | Fate::Reordered)
    }
}

/// One datagram that reached the proxy.
#[derive(Clone, Debug)]
pub struct Event {
    pub at: Duration,
    pub dir: Dir,
    pub bytes: Vec<u8>,
    pub fate: Fate,
}

/// What went through, for the tests' checks.
#[derive(Default)]
struct Log {
    events: Vec<Event>,
}

/// The events kept for the timeline (the first ones and the last ones are
/// what a student needs; a transfer may have tens of thousands).
const LOG_LIMIT: usize = 200_000;

pub struct UdpProxy {
    /// Where the sender sends.
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for UdpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl UdpProxy {
    /// A proxy in front of `upstream` (the receiver), on the same loopback
    /// family.
    pub async fn start(upstream: SocketAddr, link: Link, seed: u64) -> io::Result<UdpProxy> {
        let any: SocketAddr = if upstream.is_ipv6() {
            (Ipv6Addr::LOCALHOST, 0).into()
        } else {
            (Ipv4Addr::LOCALHOST, 0).into()
        };
        let front = Arc::new(UdpSocket::bind(any).await?);
        let back = Arc::new(UdpSocket::bind(any).await?);
        back.connect(upstream).await?;
        let addr = front.local_addr()?;
        let log = Arc::new(Mutex::new(Log::default()));
        let task = tokio::spawn(relay(front, back, link, seed, log.clone()));
        Ok(UdpProxy { addr, log, task })
    }

    /// Every datagram so far, in the order it reached the proxy.
    pub fn events(&self) -> Vec<Event> {
        self.log.lock().unwrap().events.clone()
    }

    /// How many datagrams of `kind` went `dir` (whatever their fate).
    pub fn count(&self, dir: Dir, kind: u8) -> usize {
        let log = self.log.lock().unwrap();
        log.events
            .iter()
            .filter(|e| e.dir == dir && e.bytes.first() == Some(&kind))
            .count()
    }

    /// The last `n` events as lines for a report, with `describe` naming
    /// each datagram.
    pub fn timeline(&self, lang: Lang, n: usize, describe: fn(&[u8]) -> String) -> Vec<String> {
        let events = self.events();
        let skip = events.len().saturating_sub(n);
        let mut lines = Vec::new();
        if skip > 0 {
            lines.push(tr!(
                lang,
                "… {skip} datagrams before these",
                "… 앞선 데이터그램 {skip}개 생략"
            ));
        }
        for event in &events[skip..] {
            let (arrow, fate) = (
                match event.dir {
                    Dir::Forward => lang.pick("sender → receiver", "송신자 → 수신자"),
                    Dir::Back => lang.pick("receiver → sender", "수신자 → 송신자"),
                },
                fate_name(lang, event.fate),
            );
            lines.push(format!(
                "{:>8.3} s  {arrow}  {:<18} {fate}",
                event.at.as_secs_f64(),
                describe(&event.bytes)
            ));
        }
        lines
    }
}

fn fate_name(lang: Lang, fate: Fate) -> &'static str {
    match fate {
        Fate::Delivered => lang.pick("delivered", "전달"),
        Fate::Lost => lang.pick("lost", "유실"),
        Fate::Duplicated => lang.pick("delivered twice", "두 번 전달"),
        Fate::Reordered => lang.pick("held back (reordered)", "늦게 전달(순서 바뀜)"),
        Fate::Corrupted => lang.pick("delivered with a bit flipped", "비트 하나가 바뀐 채 전달"),
        Fate::Queued => lang.pick("dropped: link queue full", "유실: 링크 큐가 가득 참"),
        Fate::Dropped => lang.pick("dropped on purpose", "일부러 버림"),
    }
}

/// One direction's state: its randomness, its rate limit's queue, and how
/// many chosen datagrams it has dropped.
pub(crate) struct Way {
    impair: Impair,
    rng: fastrand::Rng,
    /// When the link is free again (rate limit).
    free_at: Instant,
    dropped: u32,
}

impl Way {
    pub(crate) fn new(impair: Impair, seed: u64) -> Way {
        Way {
            impair,
            rng: fastrand::Rng::with_seed(seed),
            free_at: Instant::now(),
            dropped: 0,
        }
    }

    /// The fate of one datagram, and when each copy of it leaves (none: lost).
    /// Every random number is drawn whatever the outcome, so the n-th
    /// datagram's fate does not depend on the ones before it.
    pub(crate) fn decide(&mut self, bytes: &mut [u8], now: Instant) -> (Fate, Vec<Instant>) {
        let i = self.impair;
        let (lose, dup, hold, flip) = (
            self.rng.f64(),
            self.rng.f64(),
            self.rng.f64(),
            self.rng.f64(),
        );
        let bit = self.rng.usize(..bytes.len().max(1) * 8);
        let jitter = i.jitter.mul_f64(self.rng.f64());
        let dup_jitter = i.jitter.mul_f64(self.rng.f64());
        if let Some((kind, seq, count)) = i.drop_first
            && self.dropped < count
            && bytes.len() >= 8
            && bytes[0] == kind
            && u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) == seq
        {
            self.dropped += 1;
            return (Fate::Dropped, Vec::new());
        }
        if lose < i.loss {
            return (Fate::Lost, Vec::new());
        }
        let mut leave = now;
        if i.rate > 0 {
            let start = self.free_at.max(now);
            if start - now > i.queue {
                return (Fate::Queued, Vec::new());
            }
            self.free_at = start + Duration::from_secs_f64(bytes.len() as f64 / i.rate as f64);
            leave = self.free_at;
        }
        let mut at = leave + i.delay + jitter;
        let mut fate = Fate::Delivered;
        if hold < i.reorder {
            at += i.hold;
            fate = Fate::Reordered;
        }
        if flip < i.corrupt && !bytes.is_empty() {
            bytes[bit / 8] ^= 1 << (bit % 8);
            fate = Fate::Corrupted;
        }
        let mut times = vec![at];
        if dup < i.duplicate {
            times.push(leave + i.delay + dup_jitter + Duration::from_micros(200));
            if fate == Fate::Delivered {
                fate = Fate::Duplicated;
            }
        }
        (fate, times)
    }
}

/// Datagrams waiting for their time to leave, in order of that time.
type Queue = VecDeque<(Instant, Dir, Vec<u8>)>;

async fn relay(
    front: Arc<UdpSocket>,
    back: Arc<UdpSocket>,
    link: Link,
    seed: u64,
    log: Arc<Mutex<Log>>,
) {
    let start = Instant::now();
    let mut forward = Way::new(link.forward, seed);
    let mut backward = Way::new(link.back, seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut sender: Option<SocketAddr> = None;
    let mut queue = Queue::new();
    let mut front_buf = vec![0u8; 65_536];
    let mut back_buf = vec![0u8; 65_536];
    loop {
        let next = queue.front().map(|(at, _, _)| *at);
        let wake = async {
            match next {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            got = front.recv_from(&mut front_buf) => {
                // An error here is an ICMP message about an earlier datagram
                // (the sender has exited): nothing to forward.
                let Ok((n, from)) = got else { continue };
                sender.get_or_insert(from);
                let bytes = front_buf[..n].to_vec();
                pass(&mut forward, Dir::Forward, bytes, start, &log, &mut queue);
            }
            got = back.recv(&mut back_buf) => {
                let Ok(n) = got else { continue };
                let bytes = back_buf[..n].to_vec();
                pass(&mut backward, Dir::Back, bytes, start, &log, &mut queue);
            }
            () = wake => {
                let now = Instant::now();
                while queue.front().is_some_and(|(at, _, _)| *at <= now) {
                    let (_, dir, bytes) = queue.pop_front().expect("checked");
                    // A send error means the other side is gone: the datagram
                    // is lost, as on a real network.
                    match dir {
                        Dir::Forward => {
                            let _ = back.send(&bytes).await;
                        }
                        Dir::Back => {
                            if let Some(to) = sender {
                                let _ = front.send_to(&bytes, to).await;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Logs one datagram and queues its copies.
fn pass(
    way: &mut Way,
    dir: Dir,
    mut bytes: Vec<u8>,
    start: Instant,
    log: &Mutex<Log>,
    queue: &mut Queue,
) {
    let now = Instant::now();
    let original = bytes.clone();
    let (fate, times) = way.decide(&mut bytes, now);
    {
        let mut log = log.lock().unwrap();
        if log.events.len() < LOG_LIMIT {
            log.events.push(Event {
                at: now - start,
                dir,
                bytes: original,
                fate,
            });
        }
    }
    for at in times {
        let index = queue.partition_point(|(t, _, _)| *t <= at);
        queue.insert(index, (at, dir, bytes.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A receiver that echoes every datagram back, and a client socket.
    async fn echo_pair(
        link: Link,
        seed: u64,
    ) -> (UdpProxy, UdpSocket, tokio::task::JoinHandle<()>) {
        let echo = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let upstream = echo.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((n, from)) = echo.recv_from(&mut buf).await {
                let _ = echo.send_to(&buf[..n], from).await;
            }
        });
        let proxy = UdpProxy::start(upstream, link, seed).await.unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(proxy.addr).await.unwrap();
        (proxy, client, task)
    }

    /// Sends `n` numbered datagrams and collects what comes back within a
    /// quiet period (read as they come: a socket buffer that overflows would
    /// lose datagrams the proxy did not).
    async fn round(link: Link, seed: u64, n: u32) -> (Vec<u32>, UdpProxy) {
        let (proxy, client, echo) = echo_pair(link, seed).await;
        let client = Arc::new(client);
        let reader = client.clone();
        let collect = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 16];
            while let Ok(Ok(len)) =
                tokio::time::timeout(Duration::from_millis(300), reader.recv(&mut buf)).await
            {
                match len {
                    4 => got.push(u32::from_be_bytes(buf[..4].try_into().unwrap())),
                    _ => got.push(u32::MAX),
                }
            }
            got
        });
        for i in 0..n {
            client.send(&i.to_be_bytes()).await.unwrap();
            if i % 20 == 19 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        let got = collect.await.unwrap();
        echo.abort();
        (got, proxy)
    }

    #[tokio::test]
    async fn a_clean_link_delivers_everything_in_order() {
        let (got, proxy) = round(Link::default(), 1, 500).await;
        assert_eq!(got, (0..500).collect::<Vec<_>>());
        assert_eq!(proxy.events().len(), 1000);
    }

    #[tokio::test]
    async fn loss_is_near_its_rate_and_the_same_for_the_same_seed() {
        let link = Link {
            forward: Impair {
                loss: 0.2,
                ..Impair::default()
            },
            back: Impair::default(),
        };
        let (first, _) = round(link, 7, 1000).await;
        let (again, _) = round(link, 7, 1000).await;
        let (other, _) = round(link, 8, 1000).await;
        let lost = 1000 - first.len();
        assert!((140..=260).contains(&lost), "lost {lost} of 1000 at 20 %");
        assert_eq!(first, again, "same seed, same fates");
        assert_ne!(first, other, "another seed, other fates");
    }

    #[tokio::test]
    async fn duplication_reordering_and_corruption_happen() {
        let impair = Impair {
            duplicate: 0.1,
            reorder: 0.1,
            hold: Duration::from_millis(20),
            corrupt: 0.1,
            ..Impair::default()
        };
        let link = Link {
            forward: impair,
            back: Impair::default(),
        };
        let (got, proxy) = round(link, 3, 400).await;
        let mut sorted = got.clone();
        sorted.sort_unstable();
        let originals = sorted.iter().filter(|&&v| v < 400).count();
        assert!(got.len() > 400, "duplicates: {} received", got.len());
        assert_ne!(got, sorted, "some arrived out of order");
        let corrupted = proxy
            .events()
            .iter()
            .filter(|e| e.fate == Fate::Corrupted)
            .count();
        assert!(corrupted > 10, "{corrupted} corrupted");
        assert!(originals >= 400 - corrupted, "nothing lost but corrupted");
    }

    #[tokio::test]
    async fn drop_first_drops_only_the_chosen_datagrams() {
        let link = Link {
            forward: Impair {
                drop_first: Some((0, 5, 1)),
                ..Impair::default()
            },
            back: Impair::default(),
        };
        // Datagram 5 is [0, 0, 0, 5]: kind 0 and, in bytes 4..8, nothing;
        // use 8-byte datagrams to match the header layout.
        let (proxy, client, echo) = echo_pair(link, 1).await;
        for i in 0u32..10 {
            let mut d = [0u8; 8];
            d[4..].copy_from_slice(&(i % 6).to_be_bytes());
            client.send(&d).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        echo.abort();
        let dropped: Vec<_> = proxy
            .events()
            .into_iter()
            .filter(|e| e.fate == Fate::Dropped)
            .collect();
        assert_eq!(dropped.len(), 1);
        assert_eq!(proxy.count(Dir::Forward, 0), 10);
        // The timeline: the last datagrams with their fates, in order.
        let lines = proxy.timeline(Lang::En, 4, |b| format!("seq {}", b[7]));
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert!(lines[0].contains("15 datagrams before these"), "{lines:?}");
        assert!(lines[4].contains("receiver → sender  seq 3"), "{lines:?}");
        let all = proxy.timeline(Lang::Ko, 100, |b| format!("seq {}", b[7]));
        let at = |line: &String| {
            line.split(" s ")
                .next()
                .unwrap()
                .trim()
                .parse::<f64>()
                .unwrap()
        };
        assert!(all.windows(2).all(|w| at(&w[0]) <= at(&w[1])), "{all:?}");
        assert_eq!(all.iter().filter(|l| l.contains("일부러 버림")).count(), 1);
    }

    #[tokio::test]
    async fn a_rate_limit_spaces_datagrams_and_drops_past_its_queue() {
        let link = Link {
            forward: Impair {
                rate: 100_000,
                queue: Duration::from_millis(50),
                ..Impair::default()
            },
            back: Impair::default(),
        };
        let (proxy, client, echo) = echo_pair(link, 1).await;
        let start = Instant::now();
        for i in 0..200 {
            client.send(&[1u8; 1000]).await.unwrap();
            if i % 20 == 19 {
                // Paced, so that the proxy's socket buffer never overflows:
                // every datagram reaches the proxy and its rate limit.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        let mut buf = [0u8; 2048];
        let mut got = 0;
        while let Ok(Ok(_)) =
            tokio::time::timeout(Duration::from_millis(300), client.recv(&mut buf)).await
        {
            got += 1;
        }
        echo.abort();
        // 100 kB/s with a 50 ms queue holds about 5 datagrams of 1000 bytes.
        assert!((3..=12).contains(&got), "{got} passed the rate limit");
        assert!(start.elapsed() >= Duration::from_millis(40));
        let queued = proxy
            .events()
            .iter()
            .filter(|e| e.fate == Fate::Queued)
            .count();
        assert_eq!(proxy.count(Dir::Forward, 1), 200);
        assert_eq!(queued + got, 200);
    }
}
