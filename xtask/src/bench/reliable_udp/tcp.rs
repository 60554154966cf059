//! The TCP copy beside the rdt pair: the size (8 bytes), the file, its
//! SHA-256; the receiver, a thread of this process, writes the file,
//! hashes what it read and answers one byte, 1 if the digests match. The
//! sender is the calling thread. With a [`Link`], each end's socket is made
//! in its side's namespace.
//!
//! [`Link`]: super::link::Link

use std::fs::File;
use std::io::{self, BufWriter, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::link::{RECV_ADDR, within};
use super::runs::interrupted;
use super::runs::{Files, Net, Outcome};

/// One copy of the file; `cc`: the sender's congestion control (else the
/// system's).
pub(super) fn tcp(net: &Net, files: &Files, cc: Option<&str>, bound: Duration) -> Result<Outcome> {
    let listener = match net {
        Net::Link(link) => within(&link.recv_ns, || TcpListener::bind((RECV_ADDR, 0)))?,
        Net::Loopback { .. } => TcpListener::bind("127.0.0.1:0")?,
    };
    let addr = listener.local_addr()?;
    let out = files.dir.join("tcp-out.bin");
    let received = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let deadline = start + bound;
    let ends = Ends {
        deadline,
        done: &done,
    };
    std::thread::scope(|scope| {
        // The receiver waits a little longer: at the bound, the sender stops.
        let late = Ends {
            deadline: deadline + Duration::from_secs(1),
            ..ends
        };
        let (listener, out, received) = (&listener, &out, &received);
        let receiver = scope.spawn(move || receive(listener, out, received, late));
        let sent = send(net, addr, files, cc, ends);
        let time = start.elapsed();
        done.store(true, Ordering::Relaxed);
        let received_ok = receiver.join().expect("the receiver does not panic");
        if interrupted() {
            bail!("interrupted");
        }
        Ok(match (sent, received_ok) {
            (Ok(Some(true)), Ok(Some(true))) => Outcome::Done(time),
            (Ok(Some(_)), _) => Outcome::Failed("TCP: the digests differ".into()),
            // At the bound either end may stop first (and the other one
            // then find the connection reset).
            _ if time >= bound => Outcome::Cut {
                bytes: received.load(Ordering::Relaxed),
                after: bound,
            },
            // A run that failed is reported, and the bench goes on.
            (sender, receiver) => Outcome::Failed(format!(
                "TCP stopped after {:.1} s, {} bytes received; the sender: {}; the receiver: {}",
                time.as_secs_f64(),
                received.load(Ordering::Relaxed),
                said(sender),
                said(receiver)
            )),
        })
    })
}

/// How an end finished, for a failed run's message.
fn said(end: Result<Option<bool>>) -> String {
    match end {
        Ok(Some(true)) => "done".into(),
        Ok(Some(false)) => "the digests differ".into(),
        Ok(None) => "stopped".into(),
        Err(err) => format!("{err:#}"),
    }
}

/// When each end gives up: at the deadline, or when the other end is done.
#[derive(Clone, Copy)]
struct Ends<'a> {
    deadline: Instant,
    done: &'a AtomicBool,
}

impl Ends<'_> {
    fn over(&self) -> bool {
        Instant::now() >= self.deadline || self.done.load(Ordering::Relaxed) || interrupted()
    }
}

const POLL: Duration = Duration::from_millis(50);

/// `Some(answer)` once the receiver answered; `None` if the run ended first.
fn send(
    net: &Net,
    addr: SocketAddr,
    files: &Files,
    cc: Option<&str>,
    ends: Ends,
) -> Result<Option<bool>> {
    let connect = || TcpStream::connect_timeout(&addr, Duration::from_secs(5));
    let mut stream = match net {
        Net::Link(link) => within(&link.send_ns, connect).context("connect")?,
        Net::Loopback { .. } => connect().context("connect")?,
    };
    stream.set_write_timeout(Some(POLL))?;
    stream.set_read_timeout(Some(POLL))?;
    if let Some(cc) = cc {
        congestion_control(&stream, cc)?;
    }
    let mut file = File::open(&files.input)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    if !write_all(&mut stream, &files.size.to_be_bytes(), ends)? {
        return Ok(None);
    }
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if !write_all(&mut stream, &buf[..n], ends)? {
            return Ok(None);
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    let mut answer = [0u8];
    if !write_all(&mut stream, &digest, ends)? || !read_all(&mut stream, &mut answer, ends)? {
        return Ok(None);
    }
    Ok(Some(answer[0] == 1))
}

/// `Some(digests match)`, `None` if the run ended first.
fn receive(
    listener: &TcpListener,
    out: &Path,
    received: &AtomicU64,
    ends: Ends,
) -> Result<Option<bool>> {
    listener.set_nonblocking(true)?;
    let mut stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(err) if err.kind() == ErrorKind::WouldBlock && !ends.over() => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(None),
            Err(err) => return Err(anyhow::Error::from(err).context("accept")),
        }
    };
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(POLL))?;
    let mut size = [0u8; 8];
    if !read_all(&mut stream, &mut size, ends)? {
        return Ok(None);
    }
    let mut left = u64::from_be_bytes(size);
    let mut file = BufWriter::new(File::create(out)?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = buf.len().min(left as usize);
        match stream.read(&mut buf[..want]) {
            Ok(0) => bail!(
                "the sender closed after {} bytes",
                received.load(Ordering::Relaxed)
            ),
            Ok(n) => {
                hasher.update(&buf[..n]);
                file.write_all(&buf[..n])?;
                left -= n as u64;
                received.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(err) if waits(&err) && !ends.over() => {}
            Err(err) if waits(&err) => return Ok(None),
            Err(err) => return Err(anyhow::Error::from(err).context("read")),
        }
    }
    file.flush()?;
    let mut digest = [0u8; 32];
    if !read_all(&mut stream, &mut digest, ends)? {
        return Ok(None);
    }
    let same = digest == <[u8; 32]>::from(hasher.finalize());
    write_all(&mut stream, &[u8::from(same)], ends)?;
    Ok(Some(same))
}

fn waits(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

/// Writes all of `bytes`; `false` if the run ended first.
fn write_all(stream: &mut TcpStream, mut bytes: &[u8], ends: Ends) -> Result<bool> {
    while !bytes.is_empty() {
        match stream.write(bytes) {
            Ok(0) => bail!("write: the connection closed"),
            Ok(n) => bytes = &bytes[n..],
            Err(err) if waits(&err) && !ends.over() => {}
            Err(err) if waits(&err) => return Ok(false),
            Err(err) => return Err(anyhow::Error::from(err).context("write")),
        }
    }
    Ok(true)
}

/// Fills `buf`; `false` if the run ended first.
fn read_all(stream: &mut TcpStream, buf: &mut [u8], ends: Ends) -> Result<bool> {
    let mut at = 0;
    while at < buf.len() {
        match stream.read(&mut buf[at..]) {
            Ok(0) => bail!("read: the connection closed"),
            Ok(n) => at += n,
            Err(err) if waits(&err) && !ends.over() => {}
            Err(err) if waits(&err) => return Ok(false),
            Err(err) => return Err(anyhow::Error::from(err).context("read")),
        }
    }
    Ok(true)
}

/// Sets the sender's congestion control (`cubic`, `bbr`): before its
/// first byte of data, so the whole transfer runs under it.
#[cfg(target_os = "linux")]
fn congestion_control(stream: &TcpStream, name: &str) -> Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the name outlives the call, which reads `len` bytes of it.
    let done = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CONGESTION,
            name.as_ptr().cast(),
            name.len() as libc::socklen_t,
        )
    };
    if done != 0 {
        bail!(
            "TCP congestion control {name}: {}",
            io::Error::last_os_error()
        );
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn congestion_control(_stream: &TcpStream, name: &str) -> Result<()> {
    bail!("TCP congestion control {name}: chosen only on Linux")
}
