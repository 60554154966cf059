//! # Exercise 1 · Echo client
//!
//! Your client connects to an echo server, sends all of stdin, and prints
//! everything the server sends back, until the server closes.
//!
//! Usage: `echo-client ADDR` (for example `echo-client 127.0.0.1:7878`).
//! If the connection fails, print one line naming the address to stderr,
//! e.g. `connect 127.0.0.1:7878: Connection refused`, and exit with code 1.
//!
//! The client's socket lifecycle: **create → connect → send/recv → close**.
//! Fill in the `todo!()`s; grade with `cargo xtask grade echo`.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::process::exit;
use std::thread;

fn main() {
    let addr = server_addr();
    let stream = connect(&addr);
    // A second handle to the *same* socket, for the sending thread.
    let sending = match stream.try_clone() {
        Ok(clone) => clone,
        Err(err) => fail(&addr, "clone", err),
    };
    // Send and receive at the same time: see the chapter for why sending
    // everything first, then reading, can hang forever on a large input.
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

/// The one argument: the server's address. (Given.)
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

fn connect(addr: &str) -> TcpStream {
    TcpStream::connect(addr).unwrap_or_else(|why| fail(addr, "connect", why))
}

fn send_stdin(mut stream: TcpStream) -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut block = vec![0; 16 * 1024];
    loop {
        let len = std::io::Read::read(&mut input, &mut block)?;
        if len == 0 {
            return stream.shutdown(Shutdown::Write);
        }
        stream.write_all(&block[..len])?;
    }
}

fn receive(mut stream: TcpStream) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut block = vec![0; 16 * 1024];
    while let len @ 1.. = std::io::Read::read(&mut stream, &mut block)? {
        out.write_all(&block[..len])?;
    }
    out.flush()
}

/// One line on stderr naming the address and the step, then exit code 1. (Given.)
fn fail(addr: &str, step: &str, err: io::Error) -> ! {
    eprintln!("{step} {addr}: {err}");
    exit(1);
}

