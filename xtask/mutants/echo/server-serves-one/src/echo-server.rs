//! Mutant: serves one client, then exits.
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
