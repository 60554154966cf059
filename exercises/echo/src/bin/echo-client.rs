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

/// Steps 1–2: **create** a socket and **connect** it to the server.
///
/// - `TcpStream::connect(addr)` does both (socket + connect).
/// - On error, call `fail(addr, "connect", err)`: one line on stderr, exit 1.
#[allow(unused_variables)]
fn connect(addr: &str) -> TcpStream {
    todo!("steps 1–2: TcpStream::connect(addr), or fail(addr, \"connect\", err)")
}

/// Step 3a: **send** all of stdin, then half-close.
///
/// - `io::copy(&mut io::stdin().lock(), &mut stream)` sends everything.
/// - Then `stream.shutdown(Shutdown::Write)`: the server reads end of stream,
///   and you can still receive its answer.
#[allow(unused_variables, unused_mut)]
fn send_stdin(mut stream: TcpStream) -> io::Result<()> {
    todo!("step 3a: io::copy stdin to the socket, then shutdown(Shutdown::Write)")
}

/// Step 3b: **receive** everything the server sends and print it to stdout.
///
/// - `io::copy(&mut stream, &mut io::stdout().lock())` reads until the
///   server closes (`read` returns 0). Flush stdout at the end.
#[allow(unused_variables, unused_mut)]
fn receive(mut stream: TcpStream) -> io::Result<()> {
    todo!("step 3b: io::copy the socket to stdout, then flush")
}

/// One line on stderr naming the address and the step, then exit code 1. (Given.)
fn fail(addr: &str, step: &str, err: io::Error) -> ! {
    eprintln!("{step} {addr}: {err}");
    exit(1);
}

// Keep the imports the solution needs; remove this line when you use them.
#[allow(dead_code)]
fn _uses(_: &dyn Write, _: Shutdown) {}
