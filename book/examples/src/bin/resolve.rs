//! The chapter "Names and addresses": turn a name into every address it
//! has, then try them one after another, each with a short timeout, until
//! one answers. `TcpStream::connect` does the same walk, but without a
//! timeout of its own and without telling you what it tried.
//!
//! ```text
//! cargo run -p book-examples --bin resolve -- localhost:7878
//! cargo run -p book-examples --bin resolve -- '[::1]:7878' 127.0.0.1:7878
//! ```
//!
//! Several arguments are resolved in order and tried as one list, as if one
//! name had all their addresses. Exit status: 0 when an address answered, 1
//! when the name did not resolve or no address answered, 2 for bad arguments.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long one address may take to answer before the next one is tried.
/// A refused connection (RST) fails at once; this bounds the other case, a
/// SYN that is dropped, where `connect` alone waits about two minutes on
/// Linux (tcp_syn_retries = 6). One second is long for a LAN and short for
/// a satellite link; RFC 8305 waits 250 ms before *starting* the next
/// attempt, without giving up on the first.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let targets: Vec<String> = std::env::args().skip(1).collect();
    if targets.is_empty() || targets.iter().any(|t| t.starts_with('-')) {
        eprintln!("usage: resolve HOST:PORT [HOST:PORT ...]");
        return ExitCode::from(2);
    }
    let mut addrs = Vec::new();
    for target in &targets {
        match resolve(target) {
            Ok(found) => addrs.extend(found),
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::FAILURE;
            }
        }
    }
    match first_that_answers(&addrs) {
        Some(_) => ExitCode::SUCCESS,
        None => {
            eprintln!("connect: none of the {} addresses answered", addrs.len());
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: resolve
/// en: getaddrinfo() behind ToSocketAddrs: a literal address comes back as
/// it is; a name is looked up in /etc/hosts, then DNS (as /etc/nsswitch.conf
/// orders them), and may give several addresses, IPv6 and IPv4, already
/// sorted by the system's preference (RFC 6724).
/// ko: ToSocketAddrs 뒤에서 getaddrinfo()가 일합니다. 주소 리터럴은 그대로
/// 돌아오고, 이름은 /etc/hosts를 본 다음 DNS에 묻습니다(순서는
/// /etc/nsswitch.conf가 정함). 주소가 여럿, IPv6와 IPv4가 함께 나올 수 있고,
/// 이미 시스템의 선호 순서(RFC 6724)대로 놓여 있습니다.
fn resolve(target: &str) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = target
        .to_socket_addrs()
        .map_err(|e| format!("resolve {target}: {e}"))?
        .collect();
    let count = addrs.len();
    let noun = if count == 1 { "address" } else { "addresses" };
    println!("{target} resolves to {count} {noun}:");
    for addr in &addrs {
        println!("  {addr}");
    }
    Ok(addrs)
}
// ANCHOR_END: resolve

// ANCHOR: connect
/// en: Tries each address in the order the resolver gave, one at a time.
/// A refused address (nothing listens there: the host answers with RST)
/// fails at once; a silent one costs CONNECT_TIMEOUT. The first connection
/// that completes wins.
/// ko: 리졸버가 준 순서대로 주소를 하나씩 시도합니다. 거절하는 주소(그곳에서
/// 리슨하는 소켓이 없어 호스트가 RST로 답함)는 곧바로 실패하고, 아무 답이 없는
/// 주소는 CONNECT_TIMEOUT만큼 시간을 씁니다. 처음 완성된 연결이 이깁니다.
fn first_that_answers(addrs: &[SocketAddr]) -> Option<TcpStream> {
    for addr in addrs {
        let started = Instant::now();
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
            Ok(stream) => {
                let local = stream
                    .local_addr()
                    .map_or_else(|e| format!("? ({e})"), |a| a.to_string());
                println!(
                    "trying {addr} ... connected from {local} in {} ms",
                    started.elapsed().as_millis()
                );
                return Some(stream);
            }
            Err(e) => println!(
                "trying {addr} ... failed after {} ms: {e}",
                started.elapsed().as_millis()
            ),
        }
    }
    None
}
// ANCHOR_END: connect
