//! UDP, for contrast with `byte_stream`: each `send_to` is one datagram, and
//! each `recv_from` returns exactly one datagram, so message boundaries survive.
//! A datagram larger than the read buffer is cut, and the rest is lost.
//!
//! The chapter "IP and TCP" runs this program next to `byte_stream`:
//! `cargo run -p book-examples --bin udp_datagrams` in English, with
//! `-- --lang ko` in Korean (the same numbers, line by line).

use std::io;
use std::net::{IpAddr, UdpSocket};
use std::time::Duration;

/// UDP gives no delivery guarantee: if a datagram were lost, `recv_from`
/// would wait forever. The timeout turns that into an error.
const RECV_TIMEOUT: Duration = Duration::from_secs(2);

/// The language of the output's words (the numbers are the same).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Ko,
}

/// The line for datagram number `i`: its bytes and who sent it.
fn received(lang: Lang, i: usize, bytes: &[u8], from: IpAddr) -> String {
    let (n, text) = (bytes.len(), String::from_utf8_lossy(bytes));
    match lang {
        Lang::En => format!("recv {i}: {n} bytes {text:?} from {from}"),
        Lang::Ko => format!("수신 {i}: {n}바이트 {text:?}, 보낸 쪽 {from}"),
    }
}

/// The line for datagram number `i`, cut to the buffer's size.
fn truncated(lang: Lang, i: usize, bytes: &[u8]) -> String {
    let (n, text) = (bytes.len(), String::from_utf8_lossy(bytes));
    match lang {
        Lang::En => format!("recv {i}: {n} bytes {text:?} (the rest of the datagram is gone)"),
        Lang::Ko => format!("수신 {i}: {n}바이트 {text:?}(데이터그램의 나머지는 버려짐)"),
    }
}

/// `udp_datagrams [--lang en|ko]`: the datagrams it received, in English
/// (the default) or Korean.
fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["--lang", "en"] => Lang::En,
        ["--lang", "ko"] => Lang::Ko,
        _ => {
            eprintln!("usage: udp_datagrams [--lang en|ko]");
            std::process::exit(2);
        }
    };
    // ANCHOR: udp
    // en: No connection, no handshake: two sockets, each with its own address.
    // ko: 연결도 핸드셰이크도 없습니다. 소켓 두 개가 저마다 자기 주소를 가질 뿐입니다.
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(RECV_TIMEOUT))?;
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    let to = receiver.local_addr()?;

    // en: Three datagrams: "hello", "world", and "hello world" (11 bytes).
    // ko: 데이터그램 세 개: "hello", "world", 그리고 "hello world"(11바이트).
    sender.send_to(b"hello", to)?;
    sender.send_to(b"world", to)?;
    sender.send_to(b"hello world", to)?;

    // en: Two reads with room for 64 bytes: one datagram each, never merged.
    // ko: 64바이트 자리가 있는 읽기 두 번: 한 번에 데이터그램 하나씩, 절대 합쳐지지 않습니다.
    let mut buf = [0u8; 64];
    for i in 1..=2 {
        let (n, from) = receiver.recv_from(&mut buf)?;
        println!("{}", received(lang, i, &buf[..n], from.ip()));
    }

    // en: A 4-byte buffer for an 11-byte datagram: the kernel truncates it and
    // discards the other 7 bytes; the next read would wait for a new datagram.
    // ko: 11바이트 데이터그램에 4바이트 버퍼: 커널이 데이터그램을 잘라 나머지 7바이트를
    // 버립니다. 다음 읽기는 새 데이터그램을 기다릴 것입니다.
    let mut small = [0u8; 4];
    let (n, _) = receiver.recv_from(&mut small)?;
    println!("{}", truncated(lang, 3, &small[..n]));
    // ANCHOR_END: udp
    Ok(())
}
