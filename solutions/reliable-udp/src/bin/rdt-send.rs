//! Reliable-transfer sender: sends one file over UDP to `rdt-recv`.
//!
//! Usage: `rdt-send FILE ADDR`.
//!
//! A sliding window: up to 64 DATA datagrams in flight beyond the last
//! cumulative ACK. A chunk is re-sent when its timer runs out (the timeout
//! follows the measured round trip) or at once on three duplicate ACKs.
//! When every chunk is acknowledged, a FIN carries the size and SHA-256.
//! Exit codes: 0 the receiver acknowledged the FIN, 1 a run-time failure,
//! 2 a bad command line. Nothing goes to stdout.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::time::{Duration, Instant};

use reliable_udp_solution::rto::RtoEstimator;
use reliable_udp_solution::wire::Datagram;
use reliable_udp_solution::{
    CHUNK, GIVE_UP, RECV_BUF, WINDOW, chunk_count, is_refused, is_timeout,
};
use sha2::{Digest, Sha256};

/// Duplicate ACKs that trigger a fast retransmit. One or two can come from
/// mere reordering (a later chunk overtook an earlier one); three in a row
/// almost always mean the chunk is lost. TCP uses the same number (RFC 5681).
const DUP_ACKS: u32 = 3;

fn main() {
    let (path, addr) = parse_args();
    match run(&path, &addr) {
        Ok(stats) => {
            eprintln!(
                "sent {} bytes in {} chunks to {addr} in {} ms: {} DATA datagrams, {} re-sent \
                 ({} on timeout, {} fast), RTO {} ms",
                stats.bytes,
                stats.chunks,
                stats.elapsed.as_millis(),
                stats.sent,
                stats.timeouts + stats.fast,
                stats.timeouts,
                stats.fast,
                stats.rto.as_millis()
            );
        }
        Err(message) => {
            eprintln!("{message}");
            exit(1);
        }
    }
}

/// Reads `FILE ADDR`.
fn parse_args() -> (PathBuf, String) {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    match &args[..] {
        [file, addr] if !file.to_string_lossy().starts_with('-') => match addr.to_str() {
            Some(addr) => (PathBuf::from(file), addr.to_string()),
            None => usage(),
        },
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: rdt-send FILE ADDR");
    exit(2);
}

/// What the sender counts, for its last line on stderr.
#[derive(Default)]
struct Stats {
    bytes: u64,
    chunks: u32,
    /// DATA datagrams sent, first copies and re-sent ones.
    sent: u32,
    timeouts: u32,
    fast: u32,
    rto: Duration,
    elapsed: Duration,
}

fn run(path: &Path, addr: &str) -> Result<Stats, String> {
    let start = Instant::now();
    let source = Source::open(path)?;
    let socket = open_socket(addr)?;
    let mut tx = Sender {
        socket,
        addr: addr.to_string(),
        chunks: source.chunks,
        source,
        base: 0,
        in_flight: VecDeque::new(),
        peer_window: WINDOW,
        rto: RtoEstimator::default(),
        timer: None,
        dup_acks: 0,
        recover: None,
        last_ack: Instant::now(),
        stats: Stats::default(),
    };
    tx.send_chunks()?;
    tx.send_fin()?;
    tx.stats.bytes = tx.source.size;
    tx.stats.chunks = tx.chunks;
    tx.stats.rto = tx.rto.rto();
    tx.stats.elapsed = start.elapsed();
    Ok(tx.stats)
}

// ANCHOR: open_socket
/// Creates a socket for the receiver at `addr` and connects it.
fn open_socket(addr: &str) -> Result<UdpSocket, String> {
    // A name may give several addresses; a datagram protocol cannot try
    // them in turn as TCP's connect() does, so we take the first.
    let peer: SocketAddr = addr
        .to_socket_addrs()
        .map_err(|err| format!("resolve {addr}: {err}"))?
        .next()
        .ok_or_else(|| format!("resolve {addr}: no address"))?;
    // Any local address of the peer's family, a port the kernel picks.
    let local = if peer.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(local).map_err(|err| format!("bind {local}: {err}"))?;
    // connect() on UDP sends nothing and waits for nothing: no handshake
    // tells us whether anyone listens. It records the peer, so that `send`
    // needs no address, the kernel drops datagrams from anyone else, and an
    // ICMP "port unreachable" about our datagrams comes back to us as an
    // error on the next `recv`. An unconnected socket never sees it.
    socket
        .connect(peer)
        .map_err(|err| format!("connect {addr}: {err}"))?;
    Ok(socket)
}
// ANCHOR_END: open_socket

/// The file, read chunk by chunk in order, and hashed on the way.
struct Source {
    path: PathBuf,
    file: File,
    size: u64,
    chunks: u32,
    hasher: Sha256,
    left: u64,
    buf: [u8; CHUNK],
}

impl Source {
    fn open(path: &Path) -> Result<Source, String> {
        let err = |err: io::Error| format!("open {}: {err}", path.display());
        let file = File::open(path).map_err(err)?;
        let meta = file.metadata().map_err(err)?;
        if !meta.is_file() {
            return Err(format!("open {}: not a file", path.display()));
        }
        let size = meta.len();
        let chunks = u32::try_from(chunk_count(size))
            .map_err(|_| format!("open {}: {size} bytes is too large", path.display()))?;
        Ok(Source {
            path: path.to_path_buf(),
            file,
            size,
            chunks,
            hasher: Sha256::new(),
            left: size,
            buf: [0; CHUNK],
        })
    }

    /// The next chunk: 1200 bytes, or what is left for the last one.
    fn next_chunk(&mut self) -> Result<&[u8], String> {
        let n = self.left.min(CHUNK as u64) as usize;
        self.file.read_exact(&mut self.buf[..n]).map_err(|err| {
            if err.kind() == io::ErrorKind::UnexpectedEof {
                format!(
                    "read {}: the file shrank while being sent",
                    self.path.display()
                )
            } else {
                format!("read {}: {err}", self.path.display())
            }
        })?;
        self.left -= n as u64;
        self.hasher.update(&self.buf[..n]);
        Ok(&self.buf[..n])
    }
}

/// A DATA datagram sent and not yet acknowledged.
struct InFlight {
    /// The encoded datagram, kept to re-send it byte for byte.
    bytes: Vec<u8>,
    /// When its latest copy left.
    sent_at: Instant,
    /// Sent more than once: its ACK gives no RTT sample (Karn's rule).
    resent: bool,
}

struct Sender {
    socket: UdpSocket,
    addr: String,
    source: Source,
    chunks: u32,
    /// The oldest unacknowledged chunk: the last cumulative ACK.
    base: u32,
    /// Chunks `base ..` sent and not acknowledged, oldest first.
    in_flight: VecDeque<InFlight>,
    /// The receiver's last advertised window.
    peer_window: u16,
    rto: RtoEstimator,
    /// When the oldest unacknowledged datagram is declared lost; `None`
    /// while nothing is in flight. One timer for the window, as in TCP.
    timer: Option<Instant>,
    /// ACKs in a row that repeated `base`.
    dup_acks: u32,
    /// While recovering from a loss: the first chunk not yet sent when the
    /// recovery began. See `on_ack`.
    recover: Option<u32>,
    /// When the last valid ACK arrived (or the transfer began).
    last_ack: Instant,
    stats: Stats,
}

impl Sender {
    // ANCHOR: send_chunks
    /// Sends every chunk and returns once every one is acknowledged.
    fn send_chunks(&mut self) -> Result<(), String> {
        while self.base < self.chunks {
            self.fill_window()?;
            if let Some((seq, window)) = self.wait_for_ack()? {
                self.on_ack(seq, window)?;
            }
            if self.timer.is_some_and(|at| Instant::now() >= at) {
                // The oldest chunk's time is up: presumed lost. Re-send it
                // alone (the others may well have arrived, and the next ACK
                // will say so) and wait twice as long for it.
                self.rto.back_off();
                self.stats.timeouts += 1;
                self.resend_oldest()?;
                self.recover = Some(self.base + self.in_flight.len() as u32);
            }
        }
        Ok(())
    }
    // ANCHOR_END: send_chunks

    /// Sends new chunks while the window has room.
    fn fill_window(&mut self) -> Result<(), String> {
        // A window of 0 counts as 1: with nothing in flight, no ACK would
        // ever come to open it again.
        let limit = WINDOW.min(self.peer_window).max(1) as usize;
        let mut next = self.base + self.in_flight.len() as u32;
        while next < self.chunks && self.in_flight.len() < limit {
            let payload = self.source.next_chunk()?;
            let bytes = Datagram::Data { seq: next, payload }.encode();
            self.send(&bytes)?;
            self.stats.sent += 1;
            self.in_flight.push_back(InFlight {
                bytes,
                sent_at: Instant::now(),
                resent: false,
            });
            self.timer
                .get_or_insert_with(|| Instant::now() + self.rto.rto());
            next += 1;
        }
        Ok(())
    }

    // ANCHOR: on_ack
    /// A cumulative ACK: every chunk below `seq` has arrived.
    fn on_ack(&mut self, seq: u32, window: u16) -> Result<(), String> {
        let sent = self.base + self.in_flight.len() as u32;
        if seq > self.base && seq <= sent {
            // New ground: these chunks are done.
            let acked: Vec<InFlight> = self.in_flight.drain(..(seq - self.base) as usize).collect();
            // Karn's rule: if any chunk this ACK covers was re-sent, the
            // ACK may answer the re-sent copy (it filled the hole), and the
            // time since the first copy is no round trip at all.
            if acked.iter().all(|chunk| !chunk.resent) {
                let newest = acked.last().expect("at least one chunk");
                self.rto.sample(newest.sent_at.elapsed());
            }
            self.base = seq;
            self.peer_window = window;
            self.dup_acks = 0;
            self.rto.end_back_off();
            // The timer now guards the new oldest chunk, with a fresh RTO.
            self.timer = (!self.in_flight.is_empty()).then(|| Instant::now() + self.rto.rto());
            match self.recover {
                // A partial ACK: the re-sent chunk filled one hole, and the
                // ACK stops at the next one, below what was in flight when the
                // loss was found. That chunk was lost too: re-send it now
                // rather than wait for three more duplicates (RFC 6582's idea).
                Some(end) if seq < end => {
                    self.stats.fast += 1;
                    self.resend_oldest()?;
                }
                Some(_) => self.recover = None,
                None => {}
            }
        } else if seq == self.base && !self.in_flight.is_empty() {
            // A duplicate: something after `base` arrived, `base` did not.
            self.peer_window = window;
            self.dup_acks += 1;
            // Once per loss: more duplicates follow from chunks that were
            // already in flight, and say nothing new.
            if self.dup_acks == DUP_ACKS && self.recover.is_none() {
                self.stats.fast += 1;
                self.resend_oldest()?;
                self.recover = Some(sent);
            }
        }
        // An ACK below `base` is old news overtaken by a newer one (UDP may
        // reorder); one above what we sent is nonsense. Both are ignored.
        Ok(())
    }
    // ANCHOR_END: on_ack

    /// Re-sends chunk `base` and restarts the timer.
    fn resend_oldest(&mut self) -> Result<(), String> {
        let oldest = self.in_flight.front_mut().expect("a chunk in flight");
        oldest.resent = true;
        oldest.sent_at = Instant::now();
        let bytes = oldest.bytes.clone();
        self.send(&bytes)?;
        self.stats.sent += 1;
        self.timer = Some(Instant::now() + self.rto.rto());
        Ok(())
    }

    // ANCHOR: send_fin
    /// Sends the FIN until the receiver answers ACK n + 1.
    fn send_fin(&mut self) -> Result<(), String> {
        let fin = Datagram::Fin {
            chunks: self.chunks,
            size: self.source.size,
            digest: self.source.hasher.clone().finalize().into(),
        }
        .encode();
        self.send(&fin)?;
        self.timer = Some(Instant::now() + self.rto.rto());
        loop {
            if let Some((seq, _)) = self.wait_for_ack()?
                && seq == self.chunks + 1
            {
                return Ok(());
            }
            if self.timer.is_some_and(|at| Instant::now() >= at) {
                // The FIN or its ACK was lost. A receiver that already
                // acknowledged it is lingering, and answers the copy.
                self.rto.back_off();
                self.send(&fin)?;
                self.timer = Some(Instant::now() + self.rto.rto());
            }
        }
    }
    // ANCHOR_END: send_fin

    // ANCHOR: wait_for_ack
    /// Waits until the next valid ACK (`seq`, `window`), or until the timer
    /// fires (`None`). Gives up after 10 s without a valid ACK.
    fn wait_for_ack(&mut self) -> Result<Option<(u32, u16)>, String> {
        let mut buf = [0u8; RECV_BUF];
        loop {
            let give_up = self.last_ack + GIVE_UP;
            let now = Instant::now();
            if now >= give_up {
                return Err(format!(
                    "receive from {}: no ACK for {} s, giving up",
                    self.addr,
                    GIVE_UP.as_secs()
                ));
            }
            let until = self.timer.map_or(give_up, |at| at.min(give_up));
            let Some(left) = until.checked_duration_since(now).filter(|d| !d.is_zero()) else {
                return Ok(None);
            };
            // The read timeout is how a blocking socket waits "for a
            // datagram or this long, whichever comes first".
            self.socket
                .set_read_timeout(Some(left))
                .map_err(|err| format!("set_read_timeout: {err}"))?;
            // `recv`: connected, so only the receiver's datagrams come here.
            let n = match self.socket.recv(&mut buf) {
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if is_timeout(&err) => return Ok(None),
                Err(err) if is_refused(&err) => return Err(self.refused("receive ACK", err)),
                Err(err) => return Err(format!("receive from {}: {err}", self.addr)),
            };
            match Datagram::decode(&buf[..n]) {
                Ok(Datagram::Ack { seq, window }) => {
                    self.last_ack = Instant::now();
                    return Ok(Some((seq, window)));
                }
                // Corrupt, or not an ACK: as if it never came.
                _ => continue,
            }
        }
    }
    // ANCHOR_END: wait_for_ack

    /// Sends one datagram: one `send`, one datagram on the wire, never
    /// merged with another or split (it is at most 1212 bytes).
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        match self.socket.send(bytes) {
            Ok(_) => Ok(()),
            // Linux also reports a pending ICMP error on the next send.
            Err(err) if is_refused(&err) => Err(self.refused("send", err)),
            Err(err) => Err(format!("send to {}: {err}", self.addr)),
        }
    }

    fn refused(&self, step: &str, err: io::Error) -> String {
        format!(
            "{step} {}: nothing listens at that address (ICMP port unreachable: {err})",
            self.addr
        )
    }
}
