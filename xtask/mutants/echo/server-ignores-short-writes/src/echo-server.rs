//! Mutant: write() instead of write_all(), with a write timeout.
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

#[allow(clippy::unused_io_amount)]
fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    // "Don't hang forever on a dead client": a reasonable habit...
    stream.set_write_timeout(Some(std::time::Duration::from_millis(100)))?;
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // MUTANT: ...but write() may take fewer bytes than asked (here, when
        // the timeout hits while the client is not reading), and the rest is lost.
        stream.write(&buf[..n])?;
    }
    stream.shutdown(Shutdown::Write)
}
