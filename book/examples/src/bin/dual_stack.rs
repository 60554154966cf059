//! The chapter "Names and addresses": one IPv6 listening socket that, unless
//! IPV6_V6ONLY is set, also takes IPv4 clients, which it sees as
//! IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`).
//!
//! ```text
//! cargo run -p book-examples --bin dual_stack              # binds [::]:0
//! cargo run -p book-examples --bin dual_stack -- '[::ffff:127.0.0.1]:0'
//! ```
//!
//! The second form listens on loopback only (the tests use it): an IPv6
//! socket bound to a mapped IPv4 address, which takes IPv4 clients of
//! 127.0.0.1 and nothing else.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// A loopback connection is accepted at once or refused at once; this only
/// bounds a machine that drops it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "[::]:0".to_string());
    let Ok(bind_to) = arg.parse::<SocketAddr>() else {
        eprintln!("usage: dual_stack [IPV6-ADDR:PORT]  (default [::]:0)");
        return ExitCode::from(2);
    };
    match run(bind_to) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(bind_to: SocketAddr) -> Result<(), String> {
    // The system-wide default for new IPv6 sockets, on Linux (ipv6(7)).
    if let Ok(value) = std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only") {
        println!("/proc/sys/net/ipv6/bindv6only = {}", value.trim());
    }

    // ANCHOR: bind
    // en: std sets no IPV6_V6ONLY of its own: the socket keeps the system's
    // default (Linux: 0 unless bindv6only says 1; Windows: 1). With 0, one
    // socket on [::] takes IPv4 clients too.
    // ko: 표준 라이브러리는 IPV6_V6ONLY를 따로 정하지 않으므로, 소켓은 시스템
    // 기본값을 따릅니다(Linux는 bindv6only가 1이 아니면 0, Windows는 1). 0이면
    // [::]의 소켓 하나가 IPv4 클라이언트도 받습니다.
    let listener = TcpListener::bind(bind_to).map_err(|e| format!("bind {bind_to}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("getsockname: {e}"))?;
    // en: Reading the option after bind is fine; std deprecates the method
    // because setting it after bind is too late (Linux: EINVAL).
    // ko: bind 뒤에 옵션을 읽는 것은 괜찮습니다. 표준 라이브러리가 이 메서드를
    // 폐기 예정으로 둔 것은 bind 뒤에 설정하면 이미 늦기 때문입니다(Linux는 EINVAL).
    #[allow(deprecated)]
    let v6only = listener
        .only_v6()
        .map_err(|e| format!("getsockopt IPV6_V6ONLY: {e}"))?;
    println!("listening on {local}, IPV6_V6ONLY = {}", u8::from(v6only));
    // ANCHOR_END: bind

    // ANCHOR: accept
    // en: An IPv4 client. The kernel hands the IPv6 socket an IPv4
    // connection and writes its address as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
    // ko: IPv4 클라이언트입니다. 커널은 IPv4 연결을 IPv6 소켓에 넘기면서 그 주소를
    // ::ffff:a.b.c.d로 적습니다(RFC 4291 §2.5.5.2).
    let v4 = SocketAddr::from(([127, 0, 0, 1], local.port()));
    match TcpStream::connect_timeout(&v4, CONNECT_TIMEOUT) {
        Ok(_client) => {
            let (_conn, peer) = listener.accept().map_err(|e| format!("accept: {e}"))?;
            let original = match peer {
                SocketAddr::V6(v6) => v6.ip().to_ipv4_mapped().map(|ip| ip.to_string()),
                SocketAddr::V4(_) => None,
            };
            match original {
                Some(ip) => println!("IPv4 client {v4}: accepted as {peer} (IPv4 {ip})"),
                None => println!("IPv4 client {v4}: accepted as {peer}"),
            }
        }
        Err(e) => println!("IPv4 client {v4}: {e}"),
    }
    // ANCHOR_END: accept
    Ok(())
}
