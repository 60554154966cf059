//! What every echo client mutant does right: take exactly one argument (a
//! usage error otherwise), connect, report a refused connection, exit 1 on
//! errors. Each mutant's own file holds `run`, or its own argument handling.
#![allow(dead_code)] // each mutant uses its own part of this

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::process::exit;

pub fn main_with(run: fn(TcpStream) -> io::Result<()>) {
    main_at(server_addr(), run);
}

/// The one argument: the server's address.
pub fn server_addr() -> String {
    let mut args = std::env::args().skip(1);
    match (args.next(), args.next()) {
        (Some(addr), None) => addr,
        _ => {
            eprintln!("usage: echo-client ADDR");
            exit(2);
        }
    }
}

pub fn main_at(addr: String, run: fn(TcpStream) -> io::Result<()>) {
    let stream = match TcpStream::connect(&addr) {
        Ok(stream) => stream,
        Err(err) => {
            eprintln!("connect {addr}: {err}");
            exit(1);
        }
    };
    if let Err(err) = run(stream) {
        eprintln!("{addr}: {err}");
        exit(1);
    }
}

/// The reference's way: stdin to the socket on a second thread, then
/// half-close; the socket to stdout here, until the server closes.
pub fn run_both_ways(stream: TcpStream) -> io::Result<()> {
    let mut sending = stream.try_clone()?;
    let sender = std::thread::spawn(move || -> io::Result<()> {
        io::copy(&mut io::stdin().lock(), &mut sending)?;
        sending.shutdown(Shutdown::Write)
    });
    let mut receiving = stream;
    io::copy(&mut receiving, &mut io::stdout().lock())?;
    io::stdout().flush()?;
    sender
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the sending thread panicked")))
}
