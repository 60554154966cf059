//! Runs `resolve` (and, on Linux, `dual_stack`) against servers on loopback
//! and checks what the chapter "Names and addresses" says: every address is
//! printed in the resolver's order, a refused one is skipped, and the first
//! that listens answers. No test needs DNS: the names are address literals
//! and `localhost`, which /etc/hosts (or the system) answers.

mod support;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

const RESOLVE: &str = env!("CARGO_BIN_EXE_resolve");

/// How many times a test picks a fresh port when, by chance, something
/// else already listens on it at one of the addresses that must refuse.
const PORT_TRIES: usize = 5;

/// Binds `listen_on` with port 0 and returns the listener and its port,
/// choosing a port at which none of `must_refuse` (their ports ignored)
/// accepts a connection.
fn server_alone_on(listen_on: SocketAddr, must_refuse: &[SocketAddr]) -> (TcpListener, u16) {
    for _ in 0..PORT_TRIES {
        let listener = TcpListener::bind(with_port(listen_on, 0))
            .unwrap_or_else(|e| panic!("bind {listen_on} port 0: {e}"));
        let port = listener.local_addr().unwrap().port();
        let free = must_refuse.iter().all(|addr| {
            TcpStream::connect_timeout(&with_port(*addr, port), Duration::from_secs(1)).is_err()
        });
        if free {
            return (listener, port);
        }
    }
    panic!("no port free at {must_refuse:?} in {PORT_TRIES} tries");
}

/// `addr` with another port (a link-local address keeps its scope).
fn with_port(mut addr: SocketAddr, port: u16) -> SocketAddr {
    addr.set_port(port);
    addr
}

/// Accepts the one connection the program made, or panics after the
/// deadline: proof that the address it says answered really did.
fn accepted_one(listener: &TcpListener) -> SocketAddr {
    listener.set_nonblocking(true).unwrap();
    let start = Instant::now();
    loop {
        match listener.accept() {
            Ok((_, peer)) => return peer,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    start.elapsed() < support::DEADLINE,
                    "no connection reached the server"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// The `trying ...` lines of a run, in order.
fn attempts(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("trying "))
        .collect()
}

#[test]
fn falls_through_a_refused_ipv6_address_to_ipv4() {
    let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
    let (listener, port) = server_alone_on(v4, &[v6]);
    let first = format!("[::1]:{port}");
    let second = format!("127.0.0.1:{port}");

    let done = support::run(RESOLVE, &[&first, &second]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let tries = attempts(&done.stdout);
    assert_eq!(tries.len(), 2, "two attempts expected:\n{}", done.stdout);
    assert!(
        tries[0].starts_with(&format!("trying {first} ... failed after ")),
        "{}",
        tries[0]
    );
    assert!(
        tries[1].starts_with(&format!("trying {second} ... connected from 127.0.0.1:")),
        "{}",
        tries[1]
    );
    assert!(accepted_one(&listener).ip().is_loopback());
}

#[test]
fn falls_through_a_refused_ipv4_address_to_ipv6() {
    let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
    let (listener, port) = server_alone_on(v6, &[v4]);
    let first = format!("127.0.0.1:{port}");
    let second = format!("[::1]:{port}");

    let done = support::run(RESOLVE, &[&first, &second]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let tries = attempts(&done.stdout);
    assert_eq!(tries.len(), 2, "{}", done.stdout);
    assert!(tries[0].contains("... failed after "), "{}", tries[0]);
    assert!(
        tries[1].starts_with(&format!("trying {second} ... connected from [::1]:")),
        "{}",
        tries[1]
    );
    assert_eq!(accepted_one(&listener).ip(), v6.ip());
}

#[test]
fn localhost_is_tried_in_the_resolvers_order_until_one_listens() {
    // What this machine's resolver says localhost is (often [::1] then
    // 127.0.0.1; a container's /etc/hosts may list only 127.0.0.1).
    let addrs: Vec<SocketAddr> = ("localhost", 0)
        .to_socket_addrs()
        .expect("localhost resolves")
        .collect();
    // The server listens only on the last loopback address (an old macOS
    // also lists fe80::1 on its loopback interface): every address before
    // it must be tried, refuse, and be skipped.
    let answered = addrs
        .iter()
        .rposition(|a| a.ip().is_loopback())
        .unwrap_or_else(|| panic!("localhost has no loopback address: {addrs:?}"));
    let last = addrs[answered];
    let earlier: Vec<SocketAddr> = addrs[..answered]
        .iter()
        .copied()
        .filter(|a| *a != last)
        .collect();
    let (listener, port) = server_alone_on(last, &earlier);
    eprintln!("localhost resolves to {addrs:?}; the server listens on {last} only");

    let target = format!("localhost:{port}");
    let done = support::run(RESOLVE, &[&target]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let mut lines = done.stdout.lines();
    let noun = if addrs.len() == 1 {
        "address"
    } else {
        "addresses"
    };
    assert_eq!(
        lines.next(),
        Some(format!("{target} resolves to {} {noun}:", addrs.len()).as_str())
    );
    for addr in &addrs {
        let listed = format!("  {}", with_port(*addr, port));
        assert_eq!(lines.next(), Some(listed.as_str()), "{}", done.stdout);
    }
    // The first address equal to `last` answers (a list may repeat one).
    let first_answer = addrs.iter().position(|a| *a == last).unwrap();
    let tries = attempts(&done.stdout);
    assert_eq!(tries.len(), first_answer + 1, "{}", done.stdout);
    for (i, line) in tries.iter().enumerate() {
        let addr = with_port(addrs[i], port);
        let outcome = if i == first_answer {
            "connected from"
        } else {
            "failed after"
        };
        assert!(
            line.starts_with(&format!("trying {addr} ... {outcome} ")),
            "{line}"
        );
    }
    accepted_one(&listener);
}

#[test]
fn no_address_answers_exit_one() {
    let port = {
        let gone = TcpListener::bind("127.0.0.1:0").unwrap();
        gone.local_addr().unwrap().port()
    };
    let target = format!("127.0.0.1:{port}");
    let done = support::run(RESOLVE, &[&target]);
    assert_eq!(done.status.code(), Some(1), "stdout: {}", done.stdout);
    assert_eq!(attempts(&done.stdout).len(), 1, "{}", done.stdout);
    assert!(done.stdout.contains("... failed after "), "{}", done.stdout);
    assert_eq!(
        done.stderr.trim_end(),
        "connect: none of the 1 addresses answered"
    );
}

#[test]
fn a_target_without_a_port_and_no_target_are_refused() {
    // "127.0.0.1" has no port: ToSocketAddrs refuses it without a lookup.
    let done = support::run(RESOLVE, &["127.0.0.1"]);
    assert_eq!(done.status.code(), Some(1));
    assert!(
        done.stderr.starts_with("resolve 127.0.0.1: "),
        "{}",
        done.stderr
    );
    assert!(done.stdout.is_empty(), "{}", done.stdout);

    let done = support::run(RESOLVE, &[]);
    assert_eq!(done.status.code(), Some(2));
    assert!(
        done.stderr.starts_with("usage: resolve "),
        "{}",
        done.stderr
    );
}

/// On Linux, an IPv6 socket takes IPv4 clients unless IPV6_V6ONLY is set,
/// and the default comes from /proc/sys/net/ipv6/bindv6only. The program
/// binds the IPv4-mapped loopback address, so nothing beyond this machine
/// can reach it.
#[cfg(target_os = "linux")]
#[test]
fn an_ipv6_socket_takes_ipv4_clients_unless_v6only() {
    const DUAL: &str = env!("CARGO_BIN_EXE_dual_stack");
    let default = std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only")
        .expect("read bindv6only")
        .trim()
        .to_string();
    let done = support::run(DUAL, &["[::ffff:127.0.0.1]:0"]);
    if default == "0" {
        assert!(done.status.success(), "stderr: {}", done.stderr);
        assert!(done.stdout.contains("IPV6_V6ONLY = 0"), "{}", done.stdout);
        assert!(
            done.stdout.contains(": accepted as [::ffff:127.0.0.1]:"),
            "{}",
            done.stdout
        );
        assert!(done.stdout.contains("(IPv4 127.0.0.1)"), "{}", done.stdout);
    } else {
        // A v6-only socket cannot bind an IPv4-mapped address.
        assert_eq!(done.status.code(), Some(1), "{}", done.stdout);
        assert!(done.stderr.starts_with("bind "), "{}", done.stderr);
    }

    // A socket on ::1 alone never takes 127.0.0.1's clients.
    let done = support::run(DUAL, &["[::1]:0"]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let line = done
        .stdout
        .lines()
        .find(|l| l.starts_with("IPv4 client "))
        .unwrap_or_else(|| panic!("{}", done.stdout));
    assert!(line.contains("refused"), "{line}");
}
