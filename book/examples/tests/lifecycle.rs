//! Runs `lifecycle_server` and `lifecycle_client` against each other over
//! 127.0.0.1 and checks what each one does, as the chapter describes it.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

const SERVER: &str = env!("CARGO_BIN_EXE_lifecycle_server");
const CLIENT: &str = env!("CARGO_BIN_EXE_lifecycle_client");

/// Starts the server on a port the kernel picks and returns it with the
/// address it printed on its first line.
fn start_server() -> (
    support::Running,
    std::io::BufReader<std::process::ChildStdout>,
    String,
) {
    let (server, stdout) = support::start(SERVER, &["127.0.0.1:0"]);
    let (first, stdout) = support::next_line(stdout);
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    assert_ne!(addr, "127.0.0.1:0", "the server must print the real port");
    (server, stdout, addr)
}

#[test]
fn client_gets_the_greeting_and_exits_zero() {
    let (_server, stdout, addr) = start_server();

    let done = support::run(CLIENT, &[&addr]);
    assert!(done.status.success(), "client stderr: {}", done.stderr);
    let mut lines = done.stdout.lines();
    let connected = lines.next().expect("a 'connected' line");
    // "connected 127.0.0.1:EPHEMERAL -> 127.0.0.1:PORT"
    let local = connected
        .strip_prefix("connected ")
        .and_then(|rest| rest.strip_suffix(&format!(" -> {addr}")))
        .unwrap_or_else(|| panic!("unexpected line {connected:?}"));
    assert_eq!(
        lines.next(),
        Some(format!("server says: welcome, {local}").as_str())
    );

    // The server saw the same 4-tuple from its side.
    let (accepted, stdout) = support::next_line(stdout);
    assert_eq!(accepted, format!("accepted {local}"));
    let (said, _) = support::next_line(stdout);
    assert_eq!(said, format!("{local} says \"hello\""));
}

#[test]
fn server_keeps_listening_after_a_client() {
    let (_server, _stdout, addr) = start_server();
    // accept() returned a new socket for each client; the listening socket
    // stayed open, so a second and third client are served too.
    for _ in 0..3 {
        let done = support::run(CLIENT, &[&addr]);
        assert!(done.status.success(), "client stderr: {}", done.stderr);
        assert!(done.stdout.contains("server says: welcome, 127.0.0.1:"));
    }
}

#[test]
fn server_answers_a_greeting_split_over_two_writes() {
    let (_server, _stdout, addr) = start_server();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream.write_all(b"hel").expect("first write");
    stream.flush().expect("flush");
    std::thread::sleep(std::time::Duration::from_millis(50));
    stream.write_all(b"lo\n").expect("second write");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read reply");
    let local = stream.local_addr().expect("local addr");
    assert_eq!(reply, format!("welcome, {local}\n"));
}

#[test]
fn client_reports_connection_refused_and_exits_nonzero() {
    // A socket bound to a port but never listening: the kernel answers a SYN
    // to it with RST. It stays bound while the client runs, so the port
    // cannot go to another test's server in between (closing a listener
    // freed it, and a server of a test beside this one once took it).
    let bound =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("an address");
    bound.bind(&any.into()).expect("bind");
    let addr = bound
        .local_addr()
        .expect("local addr")
        .as_socket()
        .expect("an IP address")
        .to_string();
    let done = support::run(CLIENT, &[&addr]);
    drop(bound);
    assert!(!done.status.success());
    assert!(
        done.stderr.contains(&format!("connect {addr}:")) && done.stderr.contains("refused"),
        "stderr: {}",
        done.stderr
    );
}

#[test]
fn server_reports_address_in_use_and_exits_nonzero() {
    // While one server listens on a port, a second cannot bind it.
    let (_server, _stdout, addr) = start_server();
    let done = support::run(SERVER, &[&addr]);
    assert!(!done.status.success());
    assert!(
        done.stderr.contains(&format!("bind {addr}:")) && done.stderr.contains("in use"),
        "stderr: {}",
        done.stderr
    );
}
