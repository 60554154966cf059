//! `rdt-send FILE ADDR`: sends one file over UDP to `rdt-recv`.
//!
//! One event loop: send what the window allows, sleep until an ACK or the
//! retransmission deadline, read every ACK that came, repeat. The decisions
//! are `Window`'s; this file does the I/O and the exit codes: 0 once the
//! receiver acknowledged the FIN, 1 on a run-time failure, 2 on a bad
//! command line. Nothing goes to stdout.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use reliable_udp_alternative::GIVE_UP;
use reliable_udp_alternative::net::{Endpoint, is_refused};
use reliable_udp_alternative::source::Source;
use reliable_udp_alternative::window::{Transmit, Window};
use reliable_udp_alternative::wire::{self, ACK, DATA, HEADER, MAX_DATAGRAM, RECV_BUF};

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let (file, addr) = match &args[..] {
        [file, addr] if !file.to_string_lossy().starts_with('-') => match addr.to_str() {
            Some(addr) => (PathBuf::from(file), addr.to_string()),
            None => return usage(),
        },
        _ => return usage(),
    };
    match send(&file, &addr) {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("rdt-send: {message}");
            ExitCode::from(1)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: rdt-send FILE ADDR");
    ExitCode::from(2)
}

/// A socket connected to the receiver at `addr`.
fn connect(addr: &str) -> Result<Endpoint, String> {
    // A datagram protocol cannot try a name's addresses in turn as TCP's
    // connect does (nothing answers a UDP connect): the first one it is.
    let peer: SocketAddr = addr
        .to_socket_addrs()
        .map_err(|err| format!("resolve {addr}: {err}"))?
        .next()
        .ok_or_else(|| format!("resolve {addr}: no address"))?;
    let local = if peer.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(local).map_err(|err| format!("bind {local}: {err}"))?;
    // Sends nothing: it fixes the peer, filters everyone else out, and lets
    // an ICMP port unreachable come back to us as ConnectionRefused.
    socket
        .connect(peer)
        .map_err(|err| format!("connect {addr}: {err}"))?;
    Endpoint::new(socket).map_err(|err| format!("poll: {err}"))
}

fn send(path: &Path, addr: &str) -> Result<String, String> {
    let start = Instant::now();
    let mut source = Source::open(path)?;
    let mut net = connect(addr)?;
    let mut window = Window::new(source.chunks);
    let io_err = |step: &str, err: std::io::Error| {
        if is_refused(&err) {
            format!("{step} {addr}: nothing listens at that address ({err})")
        } else {
            format!("{step} {addr}: {err}")
        }
    };
    // The last valid ACK, or the start: 10 s after it, we give up.
    let mut heard = Instant::now();
    let mut inbox = [0u8; RECV_BUF];
    let mut outbox = [0u8; MAX_DATAGRAM];
    loop {
        // Every ACK that came, in order, before deciding anything.
        while let Some(len) = net
            .recv(&mut inbox)
            .map_err(|e| io_err("receive from", e))?
        {
            // Corrupt, or not an ACK: as if it never came.
            if let Ok(ack) = wire::parse(&inbox[..len])
                && ack.kind() == ACK
            {
                heard = Instant::now();
                window.on_ack(ack.seq(), ack.window(), heard);
            }
        }
        if window.is_finished() {
            break;
        }
        let now = Instant::now();
        if now >= heard + GIVE_UP {
            return Err(format!(
                "no ACK from {addr} for {} s, giving up",
                GIVE_UP.as_secs()
            ));
        }
        window.on_timer(now);
        while let Some(what) = window.transmit(now) {
            let datagram = match what {
                Transmit::Data(seq) => {
                    // Read from the file straight into the payload's place.
                    let len = source.read_chunk(seq, &mut outbox[HEADER..])?;
                    wire::seal(&mut outbox, DATA, 0, seq, len)
                }
                Transmit::Fin => wire::fin(&mut outbox, source.chunks, source.size, &source.digest),
            };
            net.send(datagram).map_err(|e| io_err("send to", e))?;
        }
        let give_up = heard + GIVE_UP;
        let wake = window.deadline().map_or(give_up, |at| at.min(give_up));
        net.wait(Some(wake)).map_err(|e| io_err("poll for", e))?;
    }
    let c = &window.counters;
    Ok(format!(
        "sent {} bytes in {} chunks to {addr} in {} ms: {} DATA datagrams, {} re-sent \
         ({} on timeout, {} fast, {} partial ACK), SRTT {} µs, RTO {} ms",
        source.size,
        source.chunks,
        start.elapsed().as_millis(),
        c.data,
        c.timeouts + c.fast + c.partial,
        c.timeouts,
        c.fast,
        c.partial,
        window.srtt().unwrap_or_default().as_micros(),
        window.rto().as_millis(),
    ))
}
