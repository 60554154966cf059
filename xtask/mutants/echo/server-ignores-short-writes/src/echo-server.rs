//! Mutant: write() instead of write_all(), with a write timeout.
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
