//! Reliable-transfer receiver: receives one file over UDP from `rdt-send`.
//!
//! Usage: `rdt-recv [--listen ADDR] OUT` (default `127.0.0.1:7881`).
//!
//! It binds one UDP socket, prints `listening on <ip>:<port>`, and answers
//! every valid DATA and FIN with a cumulative ACK. Chunks that arrive early
//! wait in a buffer until the gap before them fills. The bytes go to
//! `OUT.part`, renamed to OUT only when the FIN's size and SHA-256 match.
//! Exit codes: 0 the file arrived and was verified, 1 a run-time failure,
//! 2 a bad command line.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::time::{Duration, Instant};

use reliable_udp_solution::wire::{DIGEST_LEN, Datagram};
use reliable_udp_solution::{GIVE_UP, LINGER, RECV_BUF, WINDOW, hex, is_refused, is_timeout};
use sha2::{Digest, Sha256};

/// Where the receiver listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7881";

/// Buffer between us and `OUT.part`: 64 KiB, some fifty chunks per write().
const FILE_BUF: usize = 64 * 1024;

fn main() {
    let (listen, out) = parse_args();
    let socket = open_socket(&listen);
    // `run` returns before we exit: its `PartFile` is dropped (and
    // `OUT.part` removed) on every failure. `exit` would skip destructors.
    match run(&socket, &out) {
        Ok(stats) => {
            eprintln!(
                "received {} bytes in {} chunks ({} duplicates, {} early, {} invalid) into {}",
                stats.bytes,
                stats.chunks,
                stats.duplicates,
                stats.early,
                stats.invalid,
                out.display()
            );
            exit(0);
        }
        Err(message) => {
            eprintln!("{message}");
            exit(1);
        }
    }
}

/// Reads `[--listen ADDR] OUT` (or `--listen=ADDR`).
fn parse_args() -> (String, PathBuf) {
    let mut listen = DEFAULT_LISTEN.to_string();
    let mut out = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--listen") => match args.next().and_then(|a| a.into_string().ok()) {
                Some(value) => listen = value,
                None => usage(),
            },
            Some(text) if text.starts_with("--listen=") => {
                listen = text["--listen=".len()..].to_string();
            }
            Some(text) if text.starts_with('-') && text != "-" => usage(),
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => usage(),
        }
    }
    (listen, out.unwrap_or_else(|| usage()))
}

fn usage() -> ! {
    eprintln!("usage: rdt-recv [--listen ADDR] OUT");
    exit(2);
}

// ANCHOR: open_socket
/// Creates the socket, binds it to `addr`, and prints the readiness line.
fn open_socket(addr: &str) -> UdpSocket {
    // socket() and bind() and nothing else: UDP has no listen() and no
    // accept(). From this moment the kernel queues every datagram sent to
    // this port, from anyone, in the socket's receive buffer.
    let socket = match UdpSocket::bind(addr) {
        Ok(socket) => socket,
        Err(err) => {
            eprintln!("bind {addr}: {err}");
            exit(1);
        }
    };
    // With port 0 the kernel picked the port: say which one.
    match socket.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(err) => {
            eprintln!("bind {addr}: {err}");
            exit(1);
        }
    }
    socket
}
// ANCHOR_END: open_socket

/// What the receiver counts, for its last line on stderr.
#[derive(Default)]
struct Stats {
    bytes: u64,
    chunks: u32,
    /// DATA we already had: the sender re-sent it because an ACK was lost
    /// or late, or the network doubled it.
    duplicates: u32,
    /// DATA that arrived before a chunk below it: buffered.
    early: u32,
    /// Datagrams that broke a rule of the format, dropped unanswered.
    invalid: u32,
}

/// Receives the file, verifies it, acknowledges the FIN and lingers.
fn run(socket: &UdpSocket, out: &Path) -> Result<Stats, String> {
    let mut part = PartFile::create(out)?;
    let mut rx = Receiver {
        socket,
        sender: None,
        ack: 0,
        early: BTreeMap::new(),
        stats: Stats::default(),
    };
    let (chunks, size, digest) = rx.receive_chunks(&mut part)?;
    let ours = part.digest();
    if size != part.written || digest != ours {
        // No ACK: the sender keeps re-sending its FIN until it gives up,
        // and nobody mistakes this file for a good one.
        return Err(format!(
            "digest mismatch: the FIN announces {size} bytes with SHA-256 {}, \
             we wrote {} bytes with SHA-256 {}; {} removed",
            hex(&digest),
            part.written,
            hex(&ours),
            part.path.display()
        ));
    }
    rx.stats.bytes = part.written;
    rx.stats.chunks = chunks;
    part.commit(out)?;
    // Only now does ACK n + 1 leave: the file is in place under its name.
    rx.ack = chunks + 1;
    rx.send_ack()?;
    rx.linger()?;
    Ok(rx.stats)
}

/// The receiver's state between datagrams.
struct Receiver<'a> {
    socket: &'a UdpSocket,
    /// The source of the first valid datagram: the one sender we serve.
    sender: Option<SocketAddr>,
    /// The cumulative ACK: the first chunk we do not have yet.
    ack: u32,
    /// Chunks from `ack + 1` to `ack + WINDOW - 1` that arrived early.
    early: BTreeMap<u32, Vec<u8>>,
    stats: Stats,
}

/// What one wait on the socket brought.
enum Event {
    /// `len` bytes from the sender, already checked to be the sender.
    Datagram(usize),
    /// The deadline passed with nothing valid from the sender.
    Deadline,
    /// An ICMP "port unreachable" came back for one of our ACKs.
    Refused,
}

impl Receiver<'_> {
    // ANCHOR: receive_chunks
    /// Receives DATA until a FIN arrives with every chunk below it; returns
    /// the FIN's chunk count, size and digest.
    fn receive_chunks(
        &mut self,
        part: &mut PartFile,
    ) -> Result<(u32, u64, [u8; DIGEST_LEN]), String> {
        let mut buf = [0u8; RECV_BUF];
        // No deadline until the first datagram: a receiver waits for its
        // sender as long as it takes. After that, 10 s of silence is the end.
        let mut deadline = None;
        loop {
            let n = match self.wait(&mut buf, deadline)? {
                Event::Datagram(n) => n,
                Event::Deadline => {
                    return Err(format!(
                        "receive: no valid datagram for {} s, giving up; {} removed",
                        GIVE_UP.as_secs(),
                        part.path.display()
                    ));
                }
                // The sender has gone (it may have crashed). It may also be
                // a stale message: keep waiting, the deadline decides.
                Event::Refused => continue,
            };
            let Ok(datagram) = Datagram::decode(&buf[..n]) else {
                self.stats.invalid += 1;
                continue;
            };
            deadline = Some(Instant::now() + GIVE_UP);
            match datagram {
                Datagram::Data { seq, payload } => self.on_data(seq, payload, part)?,
                // Every chunk below the FIN's count has arrived: done. (A FIN
                // whose count is above `ack` came early, or overtook a chunk:
                // the ACK below tells the sender what is still missing.)
                Datagram::Fin {
                    chunks,
                    size,
                    digest,
                } if chunks == self.ack => return Ok((chunks, size, digest)),
                Datagram::Fin { .. } => {}
                // An ACK is for a sender; ours never sends one. Not answered.
                Datagram::Ack { .. } => continue,
            }
            // One ACK per DATA or FIN, duplicates included: if our last ACK
            // was lost, this one carries the same news.
            self.send_ack()?;
        }
    }
    // ANCHOR_END: receive_chunks

    // ANCHOR: on_data
    /// Keeps chunk `seq`: writes it if it is the next one (and every buffered
    /// chunk it unblocks), buffers it if it is early but inside the window.
    fn on_data(&mut self, seq: u32, payload: &[u8], part: &mut PartFile) -> Result<(), String> {
        if seq < self.ack || self.early.contains_key(&seq) {
            // We have it: the sender never saw our ACK for it. Answering
            // again is the whole cure.
            self.stats.duplicates += 1;
        } else if seq == self.ack {
            part.append(payload)?;
            self.ack += 1;
            // The gap is filled: everything buffered right after it follows.
            while let Some(chunk) = self.early.remove(&self.ack) {
                part.append(&chunk)?;
                self.ack += 1;
            }
        } else if seq - self.ack < u32::from(WINDOW) {
            // A chunk before it was lost or overtaken. Keeping this one
            // means the sender re-sends only the missing chunk, not all
            // that followed it (what "go-back-N" would do).
            self.stats.early += 1;
            self.early.insert(seq, payload.to_vec());
        }
        // Past the window: dropped, so that a sender cannot make us buffer
        // without limit. The ACK still goes out and shows where we are.
        Ok(())
    }
    // ANCHOR_END: on_data

    // ANCHOR: linger
    /// After ACK n + 1: answers every re-sent FIN (and late DATA) with ACK
    /// n + 1 until 2 s pass with no valid datagram. Our ACK may be lost; the
    /// sender's FIN then comes again, and if we had exited, nobody would
    /// answer, and the sender would give up on a transfer that succeeded.
    /// TCP's TIME-WAIT state is the same idea.
    fn linger(&mut self) -> Result<(), String> {
        let mut buf = [0u8; RECV_BUF];
        let mut deadline = Instant::now() + LINGER;
        loop {
            let n = match self.wait(&mut buf, Some(deadline))? {
                Event::Datagram(n) => n,
                Event::Deadline => return Ok(()),
                // The sender got our ACK and exited before a copy of it
                // arrived: its port is closed, so no FIN can come again.
                Event::Refused => return Ok(()),
            };
            match Datagram::decode(&buf[..n]) {
                Ok(Datagram::Data { .. } | Datagram::Fin { .. }) => {
                    deadline = Instant::now() + LINGER;
                    self.send_ack()?;
                }
                Ok(Datagram::Ack { .. }) => deadline = Instant::now() + LINGER,
                Err(_) => self.stats.invalid += 1,
            }
        }
    }
    // ANCHOR_END: linger

    // ANCHOR: wait
    /// Waits for the next datagram from our sender until `deadline` (`None`:
    /// for ever). Datagrams from anyone else are skipped.
    fn wait(&mut self, buf: &mut [u8], deadline: Option<Instant>) -> Result<Event, String> {
        loop {
            let timeout = match deadline {
                None => None,
                Some(at) => match at.checked_duration_since(Instant::now()) {
                    // set_read_timeout refuses a zero duration: the deadline
                    // is simply over.
                    Some(left) if left > Duration::ZERO => Some(left),
                    _ => return Ok(Event::Deadline),
                },
            };
            self.socket
                .set_read_timeout(timeout)
                .map_err(|err| format!("receive: set_read_timeout: {err}"))?;
            // One recv_from is one datagram, whatever its size: a datagram
            // longer than `buf` is cut to fit and the rest is lost, which is
            // why `buf` has one byte more than the largest valid datagram.
            let (n, from) = match self.socket.recv_from(buf) {
                Ok(got) => got,
                // A signal interrupted the wait (EINTR): wait again.
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                // The timeout passed: the loop finds the deadline over.
                Err(err) if is_timeout(&err) => continue,
                Err(err) if is_refused(&err) => return Ok(Event::Refused),
                Err(err) => return Err(format!("receive: {err}")),
            };
            match self.sender {
                Some(sender) if sender != from => continue,
                Some(_) => return Ok(Event::Datagram(n)),
                None => {
                    // Only a valid datagram picks the sender: a stray or
                    // corrupt one must not lock us onto the wrong peer.
                    if Datagram::decode(&buf[..n]).is_err() {
                        self.stats.invalid += 1;
                        continue;
                    }
                    self.sender = Some(from);
                    // connect() on UDP sends nothing: it records the peer, so
                    // the kernel now drops datagrams from anyone else, `send`
                    // needs no address, and an ICMP error about our ACKs
                    // reaches us. Datagrams already queued from others stay
                    // queued, which is why `sender` is still checked above.
                    self.socket
                        .connect(from)
                        .map_err(|err| format!("connect {from}: {err}"))?;
                    return Ok(Event::Datagram(n));
                }
            }
        }
    }
    // ANCHOR_END: wait

    /// Sends the cumulative ACK: one datagram, one `send`.
    fn send_ack(&self) -> Result<(), String> {
        let ack = Datagram::Ack {
            seq: self.ack,
            window: WINDOW,
        };
        match self.socket.send(&ack.encode()) {
            Ok(_) => Ok(()),
            // An earlier ACK met a closed port; this one is lost, as
            // datagrams may be. The sender's next datagram gets another.
            Err(err) if is_refused(&err) => Ok(()),
            Err(err) => Err(format!("send ACK {}: {err}", self.ack)),
        }
    }
}

/// `OUT.part`: the file being received, beside OUT so that the final
/// rename() stays within one folder (atomic: readers see no file or the
/// whole file). Dropped without [`commit`](PartFile::commit), it is removed.
struct PartFile {
    path: PathBuf,
    /// `None` once closed by `commit`.
    file: Option<BufWriter<File>>,
    hasher: Sha256,
    written: u64,
    committed: bool,
}

impl PartFile {
    fn create(out: &Path) -> Result<PartFile, String> {
        let mut path = OsString::from(out.as_os_str());
        path.push(".part");
        let path = PathBuf::from(path);
        let file =
            File::create(&path).map_err(|err| format!("create {}: {err}", path.display()))?;
        Ok(PartFile {
            path,
            file: Some(BufWriter::with_capacity(FILE_BUF, file)),
            hasher: Sha256::new(),
            written: 0,
            committed: false,
        })
    }

    /// Writes the next chunk, in order, and hashes it.
    fn append(&mut self, chunk: &[u8]) -> Result<(), String> {
        let file = self.file.as_mut().expect("open until commit");
        file.write_all(chunk)
            .map_err(|err| format!("write {}: {err}", self.path.display()))?;
        self.hasher.update(chunk);
        self.written += chunk.len() as u64;
        Ok(())
    }

    /// The SHA-256 of everything written so far.
    fn digest(&self) -> [u8; DIGEST_LEN] {
        self.hasher.clone().finalize().into()
    }

    /// Writes out the buffer and renames the file to `out`.
    fn commit(&mut self, out: &Path) -> Result<(), String> {
        let step = |err: io::Error| format!("write {}: {err}", self.path.display());
        if let Some(file) = self.file.take() {
            file.into_inner().map_err(|err| step(err.into_error()))?;
        }
        fs::rename(&self.path, out)
            .map_err(|err| format!("rename {} to {}: {err}", self.path.display(), out.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        // Close without writing out the buffer: nobody will read those bytes.
        if let Some(file) = self.file.take() {
            drop(file.into_parts());
        }
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
