//! Echo client: sends all of stdin to the server, half-closes, and copies
//! everything the server sends back to stdout until the server closes.
//!
//! Usage: `echo-client ADDR` (for example `echo-client 127.0.0.1:7878`).
//!
//! The client's socket lifecycle is: create, connect, send/recv, close.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::process::exit;
use std::thread;

// ANCHOR: main
fn main() {
    let addr = server_addr();
    let stream = connect(&addr);
    // A second handle to the *same* socket, for the sending thread.
    let sending = match stream.try_clone() {
        Ok(clone) => clone,
        Err(err) => fail(&addr, "clone", err),
    };
    // Send and receive at the same time. If we first sent all of stdin and
    // only then read, a large input would deadlock: the server's echo fills
    // our receive buffer, the server blocks writing and stops reading, and
    // then our own writes block too.
    let sender = thread::spawn(move || send_stdin(sending));
    if let Err(err) = receive(stream) {
        fail(&addr, "read", err);
    }
    match sender.join() {
        Ok(Ok(())) => {}
        Ok(Err(err)) => fail(&addr, "write", err),
        Err(_) => fail(
            &addr,
            "write",
            io::Error::other("the sending thread panicked"),
        ),
    }
    // Step 4: close. Both handles are dropped by now, which closes the socket.
}
// ANCHOR_END: main

/// The one argument: the server's address.
fn server_addr() -> String {
    let mut args = std::env::args().skip(1);
    match (args.next(), args.next()) {
        (Some(addr), None) => addr,
        _ => {
            eprintln!("usage: echo-client ADDR");
            exit(2);
        }
    }
}

// ANCHOR: connect
/// Steps 1–2: create a socket and connect it to the server.
fn connect(addr: &str) -> TcpStream {
    // `TcpStream::connect` is socket() + connect(): the kernel picks an
    // ephemeral local port and runs the three-way handshake. If nothing
    // listens there, the peer answers with RST: "connection refused".
    match TcpStream::connect(addr) {
        Ok(stream) => stream,
        Err(err) => fail(addr, "connect", err),
    }
}
// ANCHOR_END: connect

// ANCHOR: send_stdin
/// Step 3a: send all of stdin, then half-close.
fn send_stdin(mut stream: TcpStream) -> io::Result<()> {
    // io::copy loops read-from-stdin / write_all-to-socket until stdin ends.
    io::copy(&mut io::stdin().lock(), &mut stream)?;
    // Half-close: send FIN, so the server's read() returns 0, while our
    // receiving side stays open for the rest of the echo.
    stream.shutdown(Shutdown::Write)
}
// ANCHOR_END: send_stdin

// ANCHOR: receive
/// Step 3b: copy everything the server sends to stdout, until it closes.
fn receive(mut stream: TcpStream) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    // The echo arrives in pieces of any size; io::copy keeps reading until
    // read() returns 0, the server's FIN.
    io::copy(&mut stream, &mut stdout)?;
    stdout.flush()
}
// ANCHOR_END: receive

/// One line on stderr naming the address and the step, then exit code 1.
fn fail(addr: &str, step: &str, err: io::Error) -> ! {
    eprintln!("{step} {addr}: {err}");
    exit(1);
}
