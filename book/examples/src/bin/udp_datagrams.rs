//! UDP, for contrast with `byte_stream`: each `send_to` is one datagram, and
//! each `recv_from` returns exactly one datagram, so message boundaries survive.
//! A datagram larger than the read buffer is cut, and the rest is lost.
//!
//! The chapter "IP and TCP" runs this program next to `byte_stream`.

use std::io;
use std::net::UdpSocket;
use std::time::Duration;

/// UDP gives no delivery guarantee: if a datagram were lost, `recv_from`
/// would wait forever. The timeout turns that into an error.
const RECV_TIMEOUT: Duration = Duration::from_secs(2);

fn main() -> io::Result<()> {
    // ANCHOR: udp
    // en: No connection, no handshake: two sockets, each with its own address.
    // ko: 연결도 핸드셰이크도 없습니다. 소켓 두 개가 저마다 자기 주소를 가질 뿐입니다.
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(RECV_TIMEOUT))?;
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    let to = receiver.local_addr()?;

    sender.send_to(b"hello", to)?; // datagram 1
    sender.send_to(b"world", to)?; // datagram 2
    sender.send_to(b"hello world", to)?; // datagram 3: 11 bytes

    // en: Two reads with room for 64 bytes: one datagram each, never merged.
    // ko: 64바이트 자리가 있는 읽기 두 번: 한 번에 데이터그램 하나씩, 절대 합쳐지지 않습니다.
    let mut buf = [0u8; 64];
    for i in 1..=2 {
        let (n, from) = receiver.recv_from(&mut buf)?;
        let text = String::from_utf8_lossy(&buf[..n]);
        println!("recv {i}: {n} bytes {text:?} from {}", from.ip());
    }

    // en: A 4-byte buffer for an 11-byte datagram: the kernel truncates it and
    // discards the other 7 bytes; the next read would wait for a new datagram.
    // ko: 11바이트 데이터그램에 4바이트 버퍼: 커널이 데이터그램을 잘라 나머지 7바이트를
    // 버립니다. 다음 읽기는 새 데이터그램을 기다릴 것입니다.
    let mut small = [0u8; 4];
    let (n, _) = receiver.recv_from(&mut small)?;
    let text = String::from_utf8_lossy(&small[..n]);
    println!("recv 3: {n} bytes {text:?} (the rest of the datagram is gone)");
    // ANCHOR_END: udp
    Ok(())
}
