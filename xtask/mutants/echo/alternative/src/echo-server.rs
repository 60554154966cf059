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

fn open_listener(addr: &str) -> TcpListener {
    let listener = TcpListener::bind(addr).unwrap_or_else(|why| {
        eprintln!("bind {addr}: {why}");
        exit(1)
    });
    let bound = listener
        .local_addr()
        .expect("a bound socket knows its address");
    println!("listening on {bound}");
    listener
}

fn serve_forever(listener: TcpListener) {
    loop {
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(why) => {
                eprintln!("accept: {why}");
                continue;
            }
        };
        let outcome = echo(conn);
        outcome.unwrap_or_else(|why| eprintln!("{peer}: {why}"));
    }
}

/// Two handles on one socket: io::copy reads from one and writes into the
/// other until the client's FIN, then we send ours.
fn echo(stream: TcpStream) -> io::Result<()> {
    let mut from = stream.try_clone()?;
    let mut into = stream;
    io::copy(&mut from, &mut into)?;
    into.flush()?;
    into.shutdown(Shutdown::Write)
}

#[allow(dead_code)]
fn _uses(_: &dyn Read) {}
