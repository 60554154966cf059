//! # Exercise 1 · Echo server
//!
//! A client connects and sends bytes. Your server writes every byte back, in
//! order, until the client half-closes (sends no more); then it finishes
//! writing and closes. Then it serves the next client.
//!
//! Usage: `echo-server [--listen ADDR]` (default `127.0.0.1:7878`). Once it
//! is ready for clients, it prints exactly one line to stdout:
//! `listening on <ip>:<port>`. Diagnostics go to stderr (`eprintln!`).
//!
//! The server's socket lifecycle: **create → bind → listen → accept →
//! read/write → close**. Fill in the `todo!()`s from top to bottom; grade
//! with `cargo xtask grade echo`. Chapter "Echo" of the book has the details.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::exit;

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// How many bytes one `read` may return (any size is correct).
#[allow(dead_code)] // used by `echo`
const BUF_SIZE: usize = 8 * 1024;

fn main() {
    let addr = listen_addr();
    let listener = open_listener(&addr);
    serve_forever(listener);
}

/// Reads `--listen ADDR` (or `--listen=ADDR`) from the command line. (Given.)
fn listen_addr() -> String {
    let mut args = std::env::args().skip(1);
    let mut addr = DEFAULT_LISTEN.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(value) => addr = value,
                None => usage(),
            },
            _ => match arg.strip_prefix("--listen=") {
                Some(value) => addr = value.to_string(),
                None => usage(),
            },
        }
    }
    addr
}

fn usage() -> ! {
    eprintln!("usage: echo-server [--listen ADDR]");
    exit(2);
}

/// Steps 1–3: **create** a socket, **bind** it to `addr`, and **listen**.
///
/// - `TcpListener::bind(addr)` does all three (socket, bind, listen).
/// - On error, print `bind <addr>: <error>` to stderr and `exit(1)`.
/// - Then print `listening on <ip>:<port>` with `listener.local_addr()`: with
///   port 0 the kernel picks the port, and only the socket knows which.
#[allow(unused_variables)]
fn open_listener(addr: &str) -> TcpListener {
    todo!("steps 1–3: TcpListener::bind, then println!(\"listening on {{}}\", local_addr)")
}

/// Step 4: **accept** clients one after another, forever.
///
/// - `for incoming in listener.incoming()` calls accept() each time round.
/// - Each `Ok(stream)` is a new socket connected to one client: pass it to
///   `echo`. If `echo` returns an error, print it with `eprintln!` and go on:
///   one broken client must not stop the server.
#[allow(unused_variables)]
fn serve_forever(listener: TcpListener) {
    todo!("step 4: loop over listener.incoming() and call echo(stream)")
}

/// Steps 5–6: **read/write** until the client half-closes, then **close**.
///
/// - `stream.read(&mut buf)` returns how many bytes arrived (any number!);
///   `Ok(0)` means end of stream: the client will send nothing more.
/// - Write back exactly `buf[..n]` with `write_all` (plain `write` may take
///   fewer bytes than you give it).
/// - At end of stream, `stream.shutdown(Shutdown::Write)`: your FIN goes out
///   after the echoed bytes. Returning drops the stream: that is close.
#[allow(unused_variables, unused_mut, dead_code)] // dead until serve_forever calls it
fn echo(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; BUF_SIZE];
    todo!("steps 5–6: read until Ok(0), write_all each piece, then shutdown(Write)")
}

// Keep the imports the solution needs; remove this line when you use them.
#[allow(dead_code)]
fn _uses(_: &dyn Read, _: &dyn Write, _: Shutdown) {}
