//! One client of the room: connects, joins, and counts what it reads (join
//! announcements, and the messages with their latency) into [`Shared`], the
//! tallies every client adds to.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio::time::{sleep, timeout};

use super::histogram::Histogram;

const CONNECT_ATTEMPTS: u32 = 8;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WELCOME_TIMEOUT: Duration = Duration::from_secs(30);
/// A server sends at most 1024 + 40 bytes a line; one read takes several.
const READ_BUFFER: usize = 4096;

/// What every client task adds to.
pub(super) struct Shared {
    start: Instant,
    pub(super) welcomed: AtomicUsize,
    pub(super) failed: AtomicUsize,
    /// Closed after the welcome.
    pub(super) dropped: AtomicUsize,
    pub(super) announcements: AtomicU64,
    /// Per client: its place in the join order plus the announcements it
    /// has read since its welcome (u64::MAX before its welcome and after it
    /// is gone). Every client's should reach the number of joins − 1.
    reach: Vec<AtomicU64>,
    pub(super) deliveries: AtomicU64,
    pub(super) last_delivery_us: AtomicU64,
    pub(super) latency: Histogram,
    /// Error texts with how often each came (at most [`ERROR_KINDS`]).
    pub(super) errors: Mutex<BTreeMap<String, usize>>,
    pub(super) server_gone: AtomicBool,
}

const ERROR_KINDS: usize = 12;

impl Shared {
    /// Nothing counted yet, for a room of `clients`; the clock starts now.
    pub(super) fn new(clients: usize) -> Shared {
        Shared {
            start: Instant::now(),
            welcomed: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            announcements: AtomicU64::new(0),
            reach: (0..clients).map(|_| AtomicU64::new(u64::MAX)).collect(),
            deliveries: AtomicU64::new(0),
            last_delivery_us: AtomicU64::new(0),
            latency: Histogram::new(),
            errors: Mutex::new(BTreeMap::new()),
            server_gone: AtomicBool::new(false),
        }
    }

    /// How many announcements the furthest-behind of the first `started`
    /// clients has yet to read (roughly: see
    /// [`JOIN_WINDOW`](super::load::JOIN_WINDOW)).
    pub(super) fn laggard(&self, started: usize) -> u64 {
        let joins = self.welcomed.load(Relaxed) as u64;
        let least = self.reach[..started]
            .iter()
            .map(|reach| reach.load(Relaxed))
            .min()
            .unwrap_or(u64::MAX);
        if least == u64::MAX {
            return 0;
        }
        joins.saturating_sub(1).saturating_sub(least)
    }

    pub(super) fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    pub(super) fn error(&self, what: String) {
        let mut errors = self.errors.lock().unwrap();
        let kinds = errors.len();
        match errors.get_mut(&what) {
            Some(count) => *count += 1,
            None if kinds < ERROR_KINDS => {
                errors.insert(what, 1);
            }
            None => *errors.entry("(other errors)".into()).or_default() += 1,
        }
    }
}

/// One client: connects (retrying transient errors), joins, then reads
/// until the server closes it or the bench ends. The first [`SENDERS`](super::SENDERS) hand
/// their writing half to the steady phase; the others keep theirs open.
pub(super) async fn client(
    index: usize,
    addr: SocketAddr,
    shared: Arc<Shared>,
    permit: OwnedSemaphorePermit,
    sender: Option<mpsc::UnboundedSender<OwnedWriteHalf>>,
) {
    let name = format!("c{:05}", index + 1);
    let Some(stream) = connect(addr, &shared).await else {
        shared.failed.fetch_add(1, Relaxed);
        return;
    };
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let mut conn = Conn {
        buffer: vec![0; READ_BUFFER],
        len: 0,
        welcome: format!("* welcome {name}").into_bytes(),
        welcomed: false,
        refused: None,
        slot: index,
        placed: false,
        after_welcome: 0,
    };
    let joined = async {
        writer.write_all(format!("{name}\n").as_bytes()).await?;
        while !conn.welcomed {
            if conn.read(&mut reader, &shared).await? == 0 {
                return Err(std::io::Error::other(match &conn.refused {
                    Some(line) => format!("closed before the welcome, after `{line}`"),
                    None => "closed before the welcome".into(),
                }));
            }
        }
        Ok(())
    };
    match timeout(WELCOME_TIMEOUT, joined).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            shared.error(format!("join: {err}"));
            shared.failed.fetch_add(1, Relaxed);
            return;
        }
        Err(_) => {
            shared.error(format!("join: no welcome within {WELCOME_TIMEOUT:?}"));
            shared.failed.fetch_add(1, Relaxed);
            return;
        }
    }
    let place = shared.welcomed.fetch_add(1, Relaxed) as u64;
    shared.reach[index].store(place + conn.after_welcome, Relaxed);
    conn.placed = true;
    drop(permit);
    let _kept = match sender {
        Some(senders) => {
            let _ = senders.send(writer);
            None
        }
        None => Some(writer),
    };
    loop {
        match conn.read(&mut reader, &shared).await {
            Ok(0) => {
                shared.error("dropped: the server closed the connection".into());
                break;
            }
            Ok(_) => {}
            Err(err) => {
                shared.error(format!("dropped: {err}"));
                break;
            }
        }
    }
    shared.reach[index].store(u64::MAX, Relaxed);
    shared.dropped.fetch_add(1, Relaxed);
}

async fn connect(addr: SocketAddr, shared: &Shared) -> Option<TcpStream> {
    let mut last = String::new();
    for attempt in 0..CONNECT_ATTEMPTS {
        match timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Some(stream),
            Ok(Err(err)) => last = format!("connect: {err}"),
            Err(_) => last = format!("connect: no answer within {CONNECT_TIMEOUT:?}"),
        }
        if shared.server_gone.load(Relaxed) {
            break;
        }
        sleep(Duration::from_millis(50 << attempt.min(5))).await;
    }
    shared.error(last);
    None
}

/// One client's read buffer and what its lines have told so far.
struct Conn {
    buffer: Vec<u8>,
    /// Bytes in `buffer`: the start of a line not complete yet.
    len: usize,
    welcome: Vec<u8>,
    welcomed: bool,
    /// A `! …` line from the server.
    refused: Option<String>,
    /// This client's index in [`Shared::reach`].
    slot: usize,
    /// Its reach is counted there (from just after the welcome).
    placed: bool,
    /// Announcements read after the welcome, until `placed`.
    after_welcome: u64,
}

impl Conn {
    /// One read; counts its complete lines into `shared`. 0 at end of stream.
    async fn read(
        &mut self,
        reader: &mut OwnedReadHalf,
        shared: &Shared,
    ) -> std::io::Result<usize> {
        if self.len == self.buffer.len() {
            return Err(std::io::Error::other(format!(
                "a line longer than {READ_BUFFER} bytes"
            )));
        }
        let n = reader.read(&mut self.buffer[self.len..]).await?;
        if n == 0 {
            return Ok(0);
        }
        let now = shared.now_us();
        self.len += n;
        let (mut announcements, mut deliveries, mut from) = (0, 0, 0);
        let mut after_welcome = 0;
        while let Some(end) = self.buffer[from..self.len].iter().position(|&b| b == b'\n') {
            let line = &self.buffer[from..from + end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            from += end + 1;
            match line.first() {
                Some(b'*') => {
                    if line.ends_with(b" joined") {
                        announcements += 1;
                        if self.welcomed {
                            after_welcome += 1;
                        }
                    } else if line == self.welcome.as_slice() {
                        self.welcomed = true;
                    }
                }
                Some(b'!') => self.refused = Some(String::from_utf8_lossy(line).into_owned()),
                _ => {
                    if let Some(sent) = sent_at(line) {
                        deliveries += 1;
                        shared.latency.record(now.saturating_sub(sent));
                    }
                }
            }
        }
        self.buffer.copy_within(from..self.len, 0);
        self.len -= from;
        if announcements > 0 {
            shared.announcements.fetch_add(announcements, Relaxed);
        }
        if self.placed {
            if after_welcome > 0 {
                shared.reach[self.slot].fetch_add(after_welcome, Relaxed);
            }
        } else {
            self.after_welcome += after_welcome;
        }
        if deliveries > 0 {
            shared.deliveries.fetch_add(deliveries, Relaxed);
            shared.last_delivery_us.fetch_max(now, Relaxed);
        }
        Ok(n)
    }
}

/// The send time in a relayed message line, `c00002: m 17 1234567`, padded
/// or not (`c00002: m 17 1234567 xxxx…`).
fn sent_at(line: &[u8]) -> Option<u64> {
    let colon = line.iter().position(|&b| b == b':')?;
    let text = line.get(colon + 2..)?.strip_prefix(b"m ")?;
    let space = text.iter().position(|&b| b == b' ')?;
    let time = text[space + 1..].split(|&b| b == b' ').next()?;
    std::str::from_utf8(time).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_lines_carry_their_send_time() {
        assert_eq!(sent_at(b"c00002: m 17 1234567"), Some(1_234_567));
        assert_eq!(sent_at(b"c00002: m 17 1234567 xxxx"), Some(1_234_567));
        assert_eq!(sent_at(b"c00002: hello"), None);
        assert_eq!(sent_at(b"* c00002 joined"), None);
    }
}
