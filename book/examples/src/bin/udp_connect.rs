//! What `connect` means for a UDP socket: no handshake, no packet sent, only a
//! default peer. After it the kernel drops datagrams from any other address
//! (but not those already queued), and an ICMP "port unreachable" answering
//! one of our datagrams comes back as `ConnectionRefused` on a later `recv`.
//! An unconnected socket is never told.
//!
//! The chapter "Reliable transfer over UDP" runs this program.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// How long a `recv` waits before we conclude that nothing will come. On
/// loopback a datagram arrives in microseconds; 200 ms is ample.
const QUIET: Duration = Duration::from_millis(200);

/// An address where nothing listens: bind a socket to get a free port, then
/// drop it. (Another program could take the port meanwhile; on a test
/// machine that is rare enough.)
fn closed_port() -> io::Result<SocketAddr> {
    UdpSocket::bind("127.0.0.1:0")?.local_addr()
}

/// "timed out" or the error's kind and message.
fn outcome(result: io::Result<usize>) -> String {
    match result {
        Ok(n) => format!("{n} bytes"),
        // A read timeout is WouldBlock on Unix, TimedOut on Windows.
        Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => {
            "timed out".to_string()
        }
        Err(e) => format!("{:?} ({e})", e.kind()),
    }
}

fn main() -> io::Result<()> {
    // ANCHOR: filter
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(QUIET))?;
    let peer = UdpSocket::bind("127.0.0.1:0")?;
    let stranger = UdpSocket::bind("127.0.0.1:0")?;
    let to = receiver.local_addr()?;

    stranger.send_to(b"early", to)?;
    // en: From now on the kernel delivers to `receiver` only what comes from
    // `peer`'s address. Nothing goes over the wire: this is not TCP's connect.
    // ko: 이제부터 커널은 `peer`의 주소에서 온 것만 `receiver`에 넘깁니다. 네트워크로는
    // 아무것도 나가지 않습니다. TCP의 연결 요청과는 다릅니다.
    receiver.connect(peer.local_addr()?)?;
    stranger.send_to(b"late", to)?;
    peer.send_to(b"hello", to)?;

    let mut buf = [0u8; 64];
    for i in 1..=2 {
        let (n, from) = receiver.recv_from(&mut buf)?;
        let who = if from == peer.local_addr()? {
            "peer"
        } else {
            "stranger"
        };
        let text = String::from_utf8_lossy(&buf[..n]);
        println!("datagram {i}: {text:?} from the {who}");
    }
    // en: "late" never reached the socket's queue.
    // ko: "late"는 소켓의 큐에 들어오지도 못했습니다.
    println!("datagram 3: {}", outcome(receiver.recv(&mut buf)));
    // ANCHOR_END: filter

    // ANCHOR: refused
    let unconnected = UdpSocket::bind("127.0.0.1:0")?;
    unconnected.set_read_timeout(Some(QUIET))?;
    let sent = unconnected.send_to(b"anyone?", closed_port()?);
    println!(
        "unconnected: send_to {}, recv_from {}",
        outcome(sent),
        outcome(unconnected.recv_from(&mut buf).map(|(n, _)| n))
    );

    let connected = UdpSocket::bind("127.0.0.1:0")?;
    connected.set_read_timeout(Some(QUIET))?;
    connected.connect(closed_port()?)?;
    // en: The send succeeds: it only hands the datagram to the kernel. The
    // ICMP answer arrives later and waits in the socket as an error.
    // ko: 보내기는 성공합니다. 데이터그램을 커널에 넘겼을 뿐이기 때문입니다. ICMP 답은 나중에
    // 도착해 소켓에 오류로 남아 있습니다.
    let sent = connected.send(b"anyone?");
    println!(
        "connected: send {}, recv {}",
        outcome(sent),
        outcome(connected.recv(&mut buf))
    );
    // ANCHOR_END: refused
    Ok(())
}
