//! Mutant: one thread per connection that expects text. Binary data makes
//! `String::from_utf8(..).expect(..)` panic in that thread: the connection
//! dies, the process lives on and keeps accepting (so only the grader's
//! reading of stderr can say why).
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

#[path = "../../common.rs"]
mod common;
use common::open_listener;

fn main() {
    let listener = open_listener();
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                std::thread::spawn(move || echo(stream));
            }
            Err(err) => eprintln!("accept: {err}"),
        }
    }
}

fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; 8192];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) => {
                eprintln!("read: {err}");
                return;
            }
        };
        // MUTANT: the data is bytes, not text; a byte that is not UTF-8 panics here.
        let text = String::from_utf8(buf[..n].to_vec()).expect("echo expects text");
        if let Err(err) = stream.write_all(text.as_bytes()) {
            eprintln!("write: {err}");
            return;
        }
    }
    let _ = stream.shutdown(Shutdown::Write);
}
