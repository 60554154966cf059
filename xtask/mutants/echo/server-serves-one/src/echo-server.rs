//! Mutant: serves one client, then exits.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

#[path = "../../common.rs"]
mod common;
use common::open_listener;

fn main() {
    let listener = open_listener();
    // MUTANT: accept() once instead of in a loop.
    if let Ok((stream, _)) = listener.accept() {
        let _ = echo(stream);
    }
}

fn echo(mut stream: TcpStream) -> std::io::Result<()> {
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
