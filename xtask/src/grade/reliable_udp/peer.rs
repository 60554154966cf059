//! The grader's own sender and receiver of the `rdt` protocol: a student's
//! program is tested against the other side played by the grader (which also
//! checks what it receives, datagram by datagram), and the grader's pair is
//! the baseline the efficiency test measures a student's pair against.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout};

use super::proto::{ACK, CHUNK, DATA, Datagram, FIN, MAX_DATAGRAM, chunks};

/// The window a sender assumes before the first ACK.
pub const INITIAL_WINDOW: u32 = 64;

/// How the grader's receiver behaves.
#[derive(Clone, Copy, Debug)]
pub struct RecvOptions {
    /// The window it advertises (DATA datagrams from the cumulative ACK on).
    pub window: u16,
    /// How long it answers re-sent FINs after acknowledging one.
    pub linger: Duration,
    /// How long it waits for the first datagram, and then for each next one.
    pub idle: Duration,
    /// Chunks whose first copy it takes as lost (no ACK, not kept): the
    /// cumulative ACK then stays below them while the sender fills its
    /// window, and a sender that overruns the window by one shows it.
    pub lose_first: &'static [u32],
}

impl Default for RecvOptions {
    fn default() -> RecvOptions {
        RecvOptions {
            window: 64,
            linger: Duration::from_millis(500),
            idle: Duration::from_secs(10),
            lose_first: &[],
        }
    }
}

/// What the grader's receiver saw.
#[derive(Debug, Default)]
pub struct Received {
    pub bytes: Vec<u8>,
    /// Datagrams from the sender, valid or not.
    pub datagrams: u32,
    /// Of those, the ones that broke a rule of the format.
    pub invalid: u32,
    /// DATA at or past the advertised window's end (the first burst apart).
    pub past_window: u32,
    /// The largest chunk number sent past the window (for the message).
    pub worst: Option<(u32, u32, u16)>,
}

/// Why the grader's side gave up.
#[derive(Debug, PartialEq, Eq)]
pub enum PeerError {
    /// Nothing came for this long.
    Silent(Duration),
    /// The FIN's size or digest did not match what arrived.
    Digest,
    /// The socket failed (an ICMP port unreachable shows here).
    Io(String),
}

/// Receives one file on `sock` as the spec's receiver does, returning it
/// after the linger.
pub async fn receive(sock: &UdpSocket, opts: RecvOptions) -> Result<Received, PeerError> {
    let mut got = Received::default();
    let mut sender: Option<SocketAddr> = None;
    let mut ack: u32 = 0;
    let mut buffered: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    let mut done_at: Option<Instant> = None;
    let mut lost: Vec<u32> = Vec::new();
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        let wait = match done_at {
            Some(_) => opts.linger,
            None => opts.idle,
        };
        let (n, from) = match timeout(wait, sock.recv_from(&mut buf)).await {
            Err(_) if done_at.is_some() => return Ok(got),
            Err(_) => return Err(PeerError::Silent(wait)),
            Ok(Err(err)) => return Err(PeerError::Io(err.to_string())),
            Ok(Ok(got)) => got,
        };
        if sender.is_some_and(|s| s != from) {
            continue;
        }
        got.datagrams += 1;
        let Ok(datagram) = Datagram::decode(&buf[..n]) else {
            got.invalid += 1;
            continue;
        };
        sender.get_or_insert(from);
        if datagram.kind == DATA
            && opts.lose_first.contains(&datagram.seq)
            && !lost.contains(&datagram.seq)
        {
            lost.push(datagram.seq);
            continue;
        }
        match datagram.kind {
            DATA if done_at.is_none() => {
                let end = ack.saturating_add(u32::from(opts.window));
                if datagram.seq >= end {
                    // Chunks below 64 may be the first burst, sent before any
                    // ACK told the sender our window (the spec's starting
                    // window is 64). Past that, the sender can only have sent
                    // chunk `seq` on an ACK `a` with seq < a + window, and our
                    // ACKs never go back: seq >= ack + window is a breach.
                    if datagram.seq >= INITIAL_WINDOW {
                        got.past_window += 1;
                        got.worst = got.worst.max(Some((datagram.seq, ack, opts.window)));
                    }
                } else if datagram.seq >= ack {
                    buffered.insert(datagram.seq, datagram.payload);
                    while let Some(chunk) = buffered.remove(&ack) {
                        got.bytes.extend_from_slice(&chunk);
                        ack += 1;
                    }
                }
            }
            FIN if done_at.is_none() && datagram.seq == ack => {
                let (size, digest) = datagram.fin_fields().expect("a valid FIN");
                let ours: [u8; 32] = Sha256::digest(&got.bytes).into();
                if size != got.bytes.len() as u64 || digest != ours {
                    return Err(PeerError::Digest);
                }
                ack += 1;
                done_at = Some(Instant::now());
            }
            DATA | FIN => {}
            _ => continue, // an ACK sent to a receiver: not ours to answer
        }
        let reply = Datagram::ack(ack, opts.window).encode();
        if let Err(err) = sock.send_to(&reply, from).await {
            return Err(PeerError::Io(err.to_string()));
        }
    }
}

/// How the grader's sender behaves.
#[derive(Clone, Copy, Debug)]
pub struct SendOptions {
    /// Its own limit on datagrams in flight.
    pub window: u32,
    /// Sends a FIN whose digest is wrong (to test a receiver's check).
    pub wrong_digest: bool,
    /// Gives up after this long without a valid ACK.
    pub give_up: Duration,
}

impl Default for SendOptions {
    fn default() -> SendOptions {
        SendOptions {
            window: 64,
            wrong_digest: false,
            give_up: Duration::from_secs(10),
        }
    }
}

/// What the grader's sender did.
#[derive(Debug, Default)]
pub struct Sent {
    /// DATA datagrams sent, first sends and retransmissions.
    pub data: u32,
    pub retransmitted: u32,
}

/// The retransmission timeout from measured round trips (RFC 6298's
/// estimator, clamped as the spec says).
struct Rto {
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
}

const RTO_MIN: Duration = Duration::from_millis(20);
const RTO_MAX: Duration = Duration::from_secs(1);

impl Rto {
    fn new() -> Rto {
        Rto {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: Duration::from_millis(200),
        }
    }

    fn sample(&mut self, rtt: Duration) {
        let srtt = match self.srtt {
            None => {
                self.rttvar = rtt / 2;
                rtt
            }
            Some(srtt) => {
                let diff = srtt.abs_diff(rtt);
                self.rttvar = self.rttvar * 3 / 4 + diff / 4;
                srtt * 7 / 8 + rtt / 8
            }
        };
        self.srtt = Some(srtt);
        self.rto = (srtt + self.rttvar * 4).clamp(RTO_MIN, RTO_MAX);
    }

    fn back_off(&mut self) {
        self.rto = (self.rto * 2).min(RTO_MAX);
    }

    /// New data acknowledged: the back-off ends (the timeout is the
    /// estimate again, or the initial one before any sample).
    fn progress(&mut self) {
        self.rto = match self.srtt {
            Some(srtt) => (srtt + self.rttvar * 4).clamp(RTO_MIN, RTO_MAX),
            None => Duration::from_millis(200),
        };
    }
}

/// Sends `bytes` on `sock` (connected to the receiver) as the spec's sender
/// does: a sliding window, cumulative ACKs, retransmission on a timeout and
/// on three duplicate ACKs, then FIN until it is acknowledged.
pub async fn send(sock: &UdpSocket, bytes: &[u8], opts: SendOptions) -> Result<Sent, PeerError> {
    let n = chunks(bytes.len() as u64);
    let chunk = |seq: u32| {
        let start = seq as usize * CHUNK;
        Datagram::data(seq, &bytes[start..(start + CHUNK).min(bytes.len())]).encode()
    };
    let mut digest: [u8; 32] = Sha256::digest(bytes).into();
    if opts.wrong_digest {
        digest[0] ^= 0xff;
    }
    let fin = Datagram::fin(n, bytes.len() as u64, &digest).encode();

    let mut sent = Sent::default();
    let mut rto = Rto::new();
    let (mut base, mut next) = (0u32, 0u32);
    let mut rwnd: u32 = 64;
    let mut dups = 0;
    // While recovering from a loss: the first chunk not yet sent when it
    // began. An ACK below it that still advances (a partial ACK) shows the
    // next hole, which is re-sent at once (RFC 6582's idea).
    let mut recover: Option<u32> = None;
    // When each chunk in flight was first sent; None once it was re-sent
    // (Karn's rule: no round-trip sample from a retransmitted datagram).
    let mut sent_at: BTreeMap<u32, Option<Instant>> = BTreeMap::new();
    let mut deadline = Instant::now() + rto.rto;
    let mut heard = Instant::now();
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        if base == n + 1 {
            return Ok(sent);
        }
        // Fill the window (the FIN goes once every chunk is acknowledged).
        while next < n && next < base + opts.window.min(rwnd.max(1)) {
            sock.send(&chunk(next))
                .await
                .map_err(|e| PeerError::Io(e.to_string()))?;
            sent.data += 1;
            if base == next {
                deadline = Instant::now() + rto.rto;
            }
            sent_at.insert(next, Some(Instant::now()));
            next += 1;
        }
        if base == n && next == n {
            sock.send(&fin)
                .await
                .map_err(|e| PeerError::Io(e.to_string()))?;
            next = n + 1;
            sent_at.insert(n, Some(Instant::now()));
            deadline = Instant::now() + rto.rto;
        }
        if heard.elapsed() > opts.give_up {
            return Err(PeerError::Silent(opts.give_up));
        }
        match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => {
                // The oldest datagram in flight is presumed lost.
                rto.back_off();
                let again = if base < n { chunk(base) } else { fin.clone() };
                sock.send(&again)
                    .await
                    .map_err(|e| PeerError::Io(e.to_string()))?;
                if base < n {
                    sent.data += 1;
                    sent.retransmitted += 1;
                }
                sent_at.insert(base, None);
                recover = Some(next);
                deadline = Instant::now() + rto.rto;
            }
            Ok(Err(err)) => return Err(PeerError::Io(err.to_string())),
            Ok(Ok(len)) => {
                let Ok(ack) = Datagram::decode(&buf[..len]) else {
                    continue;
                };
                if ack.kind != ACK {
                    continue;
                }
                heard = Instant::now();
                rwnd = u32::from(ack.window);
                if ack.seq > base && ack.seq <= next {
                    // A sample only when nothing newly acknowledged was re-sent:
                    // an ACK that fills a hole was caused by the re-sent datagram,
                    // and timing it from the first send would count the recovery.
                    let acked = sent_at.range(base..ack.seq);
                    if let Some(at) = acked.map(|(_, at)| *at).collect::<Option<Vec<_>>>()
                        && let Some(last) = at.last()
                    {
                        rto.sample(last.elapsed());
                    }
                    sent_at.retain(|&seq, _| seq >= ack.seq);
                    base = ack.seq;
                    dups = 0;
                    rto.progress();
                    deadline = Instant::now() + rto.rto;
                    match recover {
                        Some(end) if base < end && base < n => {
                            resend(sock, &chunk(base), &mut sent).await?;
                            sent_at.insert(base, None);
                        }
                        Some(_) => recover = None,
                        None => {}
                    }
                } else if ack.seq == base && base < next {
                    dups += 1;
                    if dups == 3 && base < n && recover.is_none() {
                        resend(sock, &chunk(base), &mut sent).await?;
                        sent_at.insert(base, None);
                        recover = Some(next);
                    }
                }
            }
        }
    }
}

/// Sends a chunk again.
async fn resend(sock: &UdpSocket, datagram: &[u8], sent: &mut Sent) -> Result<(), PeerError> {
    sock.send(datagram)
        .await
        .map_err(|e| PeerError::Io(e.to_string()))?;
    sent.data += 1;
    sent.retransmitted += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::udp_proxy::{Impair, Link, UdpProxy};

    async fn transfer(bytes: &[u8], link: Link, seed: u64) -> (Received, Sent) {
        let rx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let proxy = UdpProxy::start(rx.local_addr().unwrap(), link, seed)
            .await
            .unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        tx.connect(proxy.addr).await.unwrap();
        let receiving = async { receive(&rx, RecvOptions::default()).await };
        let sending = async { send(&tx, bytes, SendOptions::default()).await };
        let (got, sent) = tokio::time::timeout(Duration::from_secs(60), async {
            tokio::join!(receiving, sending)
        })
        .await
        .expect("the grader's pair finishes");
        (got.unwrap(), sent.unwrap())
    }

    #[tokio::test]
    async fn the_graders_pair_moves_files_over_a_clean_link() {
        let mut rng = fastrand::Rng::with_seed(5);
        for size in [0, 1, 1200, 1201, 300_000] {
            let bytes: Vec<u8> = (0..size).map(|_| rng.u8(..)).collect();
            let (got, sent) = transfer(&bytes, Link::default(), 1).await;
            assert_eq!(got.bytes, bytes, "size {size}");
            // Each chunk sent once, and on a clean link nothing again but
            // what a stall of this loaded machine (over the 20 ms floor of
            // the timeout) may re-send.
            let n = chunks(size as u64);
            assert_eq!(sent.data - sent.retransmitted, n, "size {size}");
            assert!(sent.retransmitted <= 2 + n / 100, "size {size}: {sent:?}");
            assert_eq!((got.invalid, got.past_window), (0, 0));
        }
    }

    #[tokio::test]
    async fn the_graders_pair_survives_a_bad_link() {
        let impair = Impair {
            loss: 0.2,
            duplicate: 0.05,
            reorder: 0.1,
            hold: Duration::from_millis(5),
            delay: Duration::from_millis(2),
            jitter: Duration::from_millis(2),
            corrupt: 0.05,
            ..Impair::default()
        };
        // 50 kB: about forty datagrams of data, so with these rates every
        // impairment happens (a lost one alone costs the pair a timeout, a
        // few hundred ms: the test is timer-bound, not CPU-bound).
        let bytes: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (got, sent) = transfer(&bytes, Link::both(impair), 11).await;
        assert_eq!(got.bytes, bytes);
        assert!(got.invalid > 0, "corrupted datagrams were seen and dropped");
        assert!(sent.retransmitted > 0);
    }

    #[tokio::test]
    async fn a_wrong_digest_is_refused() {
        let rx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        tx.connect(rx.local_addr().unwrap()).await.unwrap();
        let opts = SendOptions {
            wrong_digest: true,
            give_up: Duration::from_millis(500),
            ..SendOptions::default()
        };
        let (got, sent) = tokio::join!(
            receive(&rx, RecvOptions::default()),
            send(&tx, b"some bytes", opts)
        );
        assert_eq!(got.unwrap_err(), PeerError::Digest);
        assert!(sent.is_err(), "no ACK of the FIN: the sender gives up");
    }

    #[test]
    fn the_timeout_follows_measured_round_trips() {
        let mut rto = Rto::new();
        assert_eq!(rto.rto, Duration::from_millis(200));
        rto.sample(Duration::from_millis(10));
        // SRTT 10 ms, RTTVAR 5 ms: 10 + 4 × 5 = 30 ms.
        assert_eq!(rto.rto, Duration::from_millis(30));
        for _ in 0..50 {
            rto.sample(Duration::from_millis(1));
        }
        assert_eq!(rto.rto, RTO_MIN, "clamped below");
        for _ in 0..10 {
            rto.back_off();
        }
        assert_eq!(rto.rto, RTO_MAX, "clamped above");
    }
}
