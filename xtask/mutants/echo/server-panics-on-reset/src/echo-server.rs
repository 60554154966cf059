//! Mutant: unwraps socket I/O in the accept loop; a reset kills the server.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

fn listen_addr() -> String {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--listen") {
        Some(i) => args[i + 1].clone(),
        None => "127.0.0.1:7878".to_string(),
    }
}

fn open_listener() -> TcpListener {
    let listener = TcpListener::bind(listen_addr()).expect("bind");
    println!("listening on {}", listener.local_addr().expect("local_addr"));
    listener
}

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
