//! Mutant: unwraps socket I/O in the accept loop; a reset kills the server.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

#[path = "../../common.rs"]
mod common;
use common::open_listener;

fn main() {
    let listener = open_listener();
    for stream in listener.incoming() {
        echo(stream.unwrap());
    }
}

fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; 8192];
    loop {
        // MUTANT: a reset peer makes read or write fail, and unwrap() panics.
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        stream.write_all(&buf[..n]).unwrap();
    }
    stream.shutdown(Shutdown::Write).unwrap();
}
