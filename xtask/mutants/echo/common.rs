//! What every echo server mutant does right: read `--listen` (a usage error
//! otherwise), bind (a failed bind is one stderr line and exit code 1), print
//! the readiness line, and, for the mutants whose mistake is elsewhere, accept
//! and echo as the reference does. Included with `#[path]`, so each mutant's
//! own file holds only the part with its mistake.
#![allow(dead_code)] // each mutant uses its own part of this

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::exit;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// `--listen ADDR` or `--listen=ADDR`, else `default`; anything else: `usage()`.
pub fn listen_addr_or(default: &str, usage: fn() -> !) -> String {
    let mut args = std::env::args().skip(1);
    let mut addr = default.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => addr = args.next().unwrap_or_else(|| usage()),
            _ => match arg.strip_prefix("--listen=") {
                Some(value) => addr = value.to_string(),
                None => usage(),
            },
        }
    }
    addr
}

pub fn usage() -> ! {
    eprintln!("usage: echo-server [--listen ADDR]");
    exit(2);
}

/// Binds `addr` and prints the readiness line; a failed bind is one line on
/// stderr and exit code 1.
pub fn bind(addr: &str) -> TcpListener {
    let listener = TcpListener::bind(addr).unwrap_or_else(|err| {
        eprintln!("bind {addr}: {err}");
        exit(1)
    });
    println!("listening on {}", listener.local_addr().expect("local_addr"));
    listener
}

pub fn open_listener() -> TcpListener {
    bind(&listen_addr_or(DEFAULT_LISTEN, usage))
}

/// The reference's accept loop: one client after another, errors on stderr.
pub fn serve(listener: TcpListener) {
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => {
                if let Err(err) = echo(stream) {
                    eprintln!("echo: {err}");
                }
            }
            Err(err) => eprintln!("accept: {err}"),
        }
    }
}

/// The reference's echo: every byte back until EOF, then close.
pub fn echo(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        stream.write_all(&buf[..n])?;
    }
    stream.shutdown(Shutdown::Write)
}
