//! Mutant: echoes only what its first read() returned, then closes.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

#[path = "../../common.rs"]
mod common;
use common::open_listener;

fn main() {
    let listener = open_listener();
    for stream in listener.incoming().flatten() {
        let _ = echo(stream);
    }
}

fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = [0u8; 8192];
    // MUTANT: assumes one read() is one whole message.
    let n = stream.read(&mut buf)?;
    stream.write_all(&buf[..n])?;
    stream.shutdown(Shutdown::Write)
}
