//! `rdt-recv [--listen ADDR] OUT`: receives one file over UDP from `rdt-send`.
//!
//! It binds one socket (default `127.0.0.1:7881`), prints
//! `listening on <ip>:<port>` on stdout, and answers every valid DATA and FIN
//! from its sender with a cumulative ACK. Each new chunk is written at its
//! offset in `OUT.part` at once; the FIN's size and SHA-256 are checked
//! against the file read back, and only then is it renamed to OUT and the FIN
//! acknowledged. Then it lingers, answering re-sent FINs, until 2 quiet
//! seconds pass. Exit codes: 0 the file arrived and was verified, 1 a
//! run-time failure, 2 a bad command line.

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use reliable_udp_alternative::net::{Endpoint, is_refused};
use reliable_udp_alternative::part::PartFile;
use reliable_udp_alternative::reassembly::{Offer, Reassembly};
use reliable_udp_alternative::wire::{self, DATA, Datagram, FIN, MAX_DATAGRAM, RECV_BUF};
use reliable_udp_alternative::{GIVE_UP, LINGER, WINDOW};

const DEFAULT_LISTEN: &str = "127.0.0.1:7881";

fn main() -> ExitCode {
    let Some((listen, out)) = parse_args() else {
        eprintln!("usage: rdt-recv [--listen ADDR] OUT");
        return ExitCode::from(2);
    };
    // `receive` returns before main does: whatever it opened, `OUT.part`
    // included, is dropped (and removed) on every failure.
    match bind(&listen).and_then(|socket| receive(socket, &out)) {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rdt-recv: {message}");
            ExitCode::from(1)
        }
    }
}

/// `[--listen ADDR] OUT` (or `--listen=ADDR`); `None` for a bad command line.
fn parse_args() -> Option<(String, PathBuf)> {
    let mut listen = DEFAULT_LISTEN.to_string();
    let mut out = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--listen") => listen = args.next()?.into_string().ok()?,
            Some(text) if text.starts_with("--listen=") => {
                listen = text["--listen=".len()..].to_string();
            }
            Some(text) if text.starts_with('-') && text != "-" => return None,
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => return None,
        }
    }
    Some((listen, out?))
}

/// Binds the socket and prints the readiness line.
fn bind(listen: &str) -> Result<Endpoint, String> {
    let socket = UdpSocket::bind(listen).map_err(|err| format!("bind {listen}: {err}"))?;
    let net = Endpoint::new(socket).map_err(|err| format!("poll: {err}"))?;
    let local = net
        .local_addr()
        .map_err(|err| format!("bind {listen}: {err}"))?;
    // With port 0 the kernel chose the port: this line is how anyone learns it.
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {local}")
        .and_then(|_| stdout.flush())
        .map_err(|err| format!("stdout: {err}"))?;
    Ok(net)
}

/// Where the transfer stands.
enum Stage {
    /// Chunks are coming, written into `OUT.part`.
    Receiving { part: PartFile, chunks: Reassembly },
    /// The FIN was verified, OUT is in place, and `final_ack` (n + 1) went
    /// out: it is repeated to every re-sent FIN, since it may have been lost.
    Lingering { final_ack: u32 },
}

/// What the summary line counts.
#[derive(Default)]
struct Counters {
    bytes: u64,
    chunks: u32,
    duplicates: u32,
    beyond: u32,
    invalid: u32,
    strangers: u32,
}

struct Receiver {
    net: Endpoint,
    out: PathBuf,
    stage: Stage,
    /// The source of the first valid datagram: the one sender we serve.
    sender: Option<SocketAddr>,
    /// When the last valid datagram from the sender came; `None` before the
    /// first, when the receiver waits as long as it takes.
    last_valid: Option<Instant>,
    counters: Counters,
}

fn receive(net: Endpoint, out: &Path) -> Result<String, String> {
    let mut rx = Receiver {
        net,
        out: out.to_path_buf(),
        stage: Stage::Receiving {
            part: PartFile::create(out)?,
            chunks: Reassembly::new(WINDOW),
        },
        sender: None,
        last_valid: None,
        counters: Counters::default(),
    };
    let mut buf = [0u8; RECV_BUF];
    loop {
        // Everything queued, to the end (the socket is edge-triggered).
        loop {
            match rx.net.recv_from(&mut buf) {
                Ok(Some((len, from))) => rx.on_datagram(&buf[..len], from)?,
                Ok(None) => break,
                // An ICMP port unreachable about one of our ACKs: the sender
                // has exited. While lingering that means it got the last ACK.
                // Before, it may be stale news: the silence deadline decides.
                Err(err) if is_refused(&err) => {
                    if let Stage::Lingering { .. } = rx.stage {
                        return Ok(rx.summary());
                    }
                }
                Err(err) => return Err(format!("receive: {err}")),
            }
        }
        let deadline = rx.deadline();
        if deadline.is_some_and(|at| Instant::now() >= at) {
            return match &rx.stage {
                Stage::Lingering { .. } => Ok(rx.summary()),
                Stage::Receiving { part, .. } => Err(format!(
                    "no valid datagram for {} s, giving up; {} removed",
                    GIVE_UP.as_secs(),
                    part.path().display()
                )),
            };
        }
        rx.net
            .wait(deadline)
            .map_err(|err| format!("poll: {err}"))?;
    }
}

impl Receiver {
    /// Silence ends the receiver: 10 s while receiving, 2 s while lingering.
    fn deadline(&self) -> Option<Instant> {
        let quiet = match self.stage {
            Stage::Receiving { .. } => GIVE_UP,
            Stage::Lingering { .. } => LINGER,
        };
        self.last_valid.map(|at| at + quiet)
    }

    fn on_datagram(&mut self, bytes: &[u8], from: SocketAddr) -> Result<(), String> {
        if self.sender.is_some_and(|sender| sender != from) {
            // Queued before we connected, or the socket is not connected.
            self.counters.strangers += 1;
            return Ok(());
        }
        let Ok(datagram) = wire::parse(bytes) else {
            self.counters.invalid += 1;
            return Ok(());
        };
        if self.sender.is_none() {
            // Only a valid datagram may choose the sender: a stray or
            // corrupt one must not lock us onto the wrong peer.
            self.sender = Some(from);
            self.net
                .connect(from)
                .map_err(|err| format!("connect {from}: {err}"))?;
        }
        self.last_valid = Some(Instant::now());
        let answer = match datagram.kind() {
            DATA => Some(self.on_data(datagram)?),
            FIN => Some(self.on_fin(datagram)?),
            // An ACK is the sender's business: never answered.
            _ => None,
        };
        // One ACK for every DATA and FIN, duplicates included: if an earlier
        // ACK was lost, this one says the same and more.
        if let Some(seq) = answer {
            self.send_ack(seq)?;
        }
        Ok(())
    }

    /// Keeps a DATA; returns the ACK to answer.
    fn on_data(&mut self, data: Datagram) -> Result<u32, String> {
        let (part, chunks) = match &mut self.stage {
            Stage::Receiving { part, chunks } => (part, chunks),
            Stage::Lingering { final_ack } => return Ok(*final_ack),
        };
        match chunks.offer(data.seq()) {
            Offer::New => part.write_chunk(data.seq(), data.payload())?,
            Offer::Duplicate => self.counters.duplicates += 1,
            Offer::Beyond => self.counters.beyond += 1,
        }
        Ok(chunks.ack())
    }

    /// A FIN: accepted once every chunk below its count arrived, then
    /// verified, renamed and acknowledged with n + 1. Returns the ACK.
    fn on_fin(&mut self, fin: Datagram) -> Result<u32, String> {
        let (part, chunks) = match &mut self.stage {
            Stage::Receiving { part, chunks } => (part, chunks),
            Stage::Lingering { final_ack } => return Ok(*final_ack),
        };
        if fin.seq() != chunks.ack() {
            // Early: a chunk is still missing, and our ACK names it.
            return Ok(chunks.ack());
        }
        // A mismatch is an error: no ACK, and OUT.part goes with the Receiver.
        part.verify(fin.fin_size(), &fin.fin_digest())?;
        let final_ack = fin.seq().saturating_add(1);
        let done = std::mem::replace(&mut self.stage, Stage::Lingering { final_ack });
        if let Stage::Receiving { part, .. } = done {
            part.commit(&self.out)?;
        }
        self.counters.bytes = fin.fin_size();
        self.counters.chunks = fin.seq();
        Ok(final_ack)
    }

    fn send_ack(&self, seq: u32) -> Result<(), String> {
        let mut buf = [0u8; MAX_DATAGRAM];
        match self.net.send(wire::ack(&mut buf, seq, WINDOW)) {
            Ok(()) => Ok(()),
            // An earlier ACK met a closed port: this one is lost, as
            // datagrams may be. If the sender is alive, it asks again.
            Err(err) if is_refused(&err) => Ok(()),
            Err(err) => Err(format!("send ACK {seq}: {err}")),
        }
    }

    fn summary(&self) -> String {
        let c = &self.counters;
        format!(
            "received {} bytes in {} chunks into {} ({} duplicates, {} past the window, \
             {} invalid, {} from other addresses)",
            c.bytes,
            c.chunks,
            self.out.display(),
            c.duplicates,
            c.beyond,
            c.invalid,
            c.strangers
        )
    }
}
