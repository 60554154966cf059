//! `rdt-recv` against datagrams made by hand: the receiver's rules one by
//! one (early chunks, duplicates, corrupt datagrams, the FIN, the linger),
//! and a wrong digest. Loopback only, every wait bounded.

mod common;

use std::fs;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::{Scratch, TIMEOUT, start_receiver};
use reliable_udp_solution::wire::Datagram;
use reliable_udp_solution::{LINGER, RECV_BUF, WINDOW};
use sha2::{Digest, Sha256};

/// A socket playing the sender, connected to the receiver at `addr`.
fn raw_sender(addr: &str) -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.connect(addr).unwrap();
    socket
}

/// The next datagram within `wait`, as (seq, window) of an ACK.
fn next_ack(socket: &UdpSocket, wait: Duration) -> Option<(u32, u16)> {
    socket.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; RECV_BUF];
    let n = socket.recv(&mut buf).ok()?;
    match Datagram::decode(&buf[..n]) {
        Ok(Datagram::Ack { seq, window }) => Some((seq, window)),
        other => panic!("expected an ACK, got {other:?}"),
    }
}

fn send(socket: &UdpSocket, datagram: Datagram) {
    socket.send(&datagram.encode()).unwrap();
}

fn fin(chunks: u32, content: &[u8]) -> Datagram<'static> {
    Datagram::Fin {
        chunks,
        size: content.len() as u64,
        digest: Sha256::digest(content).into(),
    }
}

#[test]
fn receiver_buffers_early_chunks_answers_duplicates_and_lingers() {
    let scratch = Scratch::new("rules");
    let out = scratch.path("out.txt");
    let (receiver, addr) = start_receiver(&out);
    let socket = raw_sender(&addr);
    let ack = |wait| next_ack(&socket, wait);
    let short = Duration::from_millis(300);

    // A corrupt datagram is dropped without an answer.
    let mut bad = Datagram::Data {
        seq: 0,
        payload: b"first ",
    }
    .encode();
    bad[12] ^= 0x20;
    socket.send(&bad).unwrap();
    assert_eq!(ack(short), None, "a corrupt datagram was answered");

    // Chunk 1 before chunk 0: kept, and the ACK still says 0.
    send(
        &socket,
        Datagram::Data {
            seq: 1,
            payload: b"second",
        },
    );
    assert_eq!(ack(TIMEOUT), Some((0, WINDOW)));
    // A FIN before every chunk: answered with the current ACK.
    let content = b"first second";
    send(&socket, fin(2, content));
    assert_eq!(ack(TIMEOUT), Some((0, WINDOW)));
    // Chunk 0 fills the gap: the ACK jumps over the buffered chunk 1.
    send(
        &socket,
        Datagram::Data {
            seq: 0,
            payload: b"first ",
        },
    );
    assert_eq!(ack(TIMEOUT), Some((2, WINDOW)));
    // A duplicate is acknowledged again.
    send(
        &socket,
        Datagram::Data {
            seq: 0,
            payload: b"first ",
        },
    );
    assert_eq!(ack(TIMEOUT), Some((2, WINDOW)));
    // Far past the window: dropped, and acknowledged.
    send(
        &socket,
        Datagram::Data {
            seq: 2 + u32::from(WINDOW),
            payload: b"x",
        },
    );
    assert_eq!(ack(TIMEOUT), Some((2, WINDOW)));

    send(&socket, fin(2, content));
    assert_eq!(ack(TIMEOUT), Some((3, WINDOW)));
    let done = Instant::now();
    assert_eq!(fs::read(&out).unwrap(), content);
    // Lingering: a re-sent FIN (our ACK was "lost") is answered again.
    send(&socket, fin(2, content));
    assert_eq!(ack(TIMEOUT), Some((3, WINDOW)));

    let (status, stderr) = receiver.wait(TIMEOUT);
    assert!(status.success(), "{status}: {stderr}");
    // It stayed 2 s after the last FIN, not much longer.
    let stayed = done.elapsed();
    assert!(stayed >= LINGER && stayed < LINGER * 3, "{stayed:?}");
}

#[test]
fn a_wrong_digest_exits_1_and_leaves_no_file() {
    let scratch = Scratch::new("digest");
    let out = scratch.path("out.txt");
    let (receiver, addr) = start_receiver(&out);
    let socket = raw_sender(&addr);
    send(
        &socket,
        Datagram::Data {
            seq: 0,
            payload: b"hello",
        },
    );
    assert_eq!(next_ack(&socket, TIMEOUT), Some((1, WINDOW)));
    send(&socket, fin(1, b"hellp"));

    let (status, stderr) = receiver.wait(TIMEOUT);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("digest"), "{stderr}");
    assert!(!out.exists(), "OUT exists after a bad digest");
    assert!(!scratch.path("out.txt.part").exists(), "OUT.part left");
    // And the FIN was not acknowledged.
    assert_eq!(next_ack(&socket, Duration::from_millis(200)), None);
}

#[test]
fn datagrams_from_a_second_sender_are_ignored() {
    let scratch = Scratch::new("third");
    let out = scratch.path("out.txt");
    let (receiver, addr) = start_receiver(&out);
    let first = raw_sender(&addr);
    let intruder = raw_sender(&addr);
    send(
        &first,
        Datagram::Data {
            seq: 0,
            payload: b"mine",
        },
    );
    assert_eq!(next_ack(&first, TIMEOUT), Some((1, WINDOW)));
    send(
        &intruder,
        Datagram::Data {
            seq: 1,
            payload: b"evil",
        },
    );
    assert_eq!(next_ack(&intruder, Duration::from_millis(300)), None);
    send(&first, fin(1, b"mine"));
    assert_eq!(next_ack(&first, TIMEOUT), Some((2, WINDOW)));
    let (status, stderr) = receiver.wait(TIMEOUT);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(fs::read(&out).unwrap(), b"mine");
}
