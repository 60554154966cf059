//! Mutant: writes all of stdin before reading anything.
use std::io::{self, Write};
use std::net::TcpStream;

fn main() {
    let addr = std::env::args().nth(1).expect("usage: echo-client ADDR");
    let stream = match TcpStream::connect(&addr) {
        Ok(stream) => stream,
        Err(err) => {
            eprintln!("connect {addr}: {err}");
            std::process::exit(1);
        }
    };
    if let Err(err) = run(stream) {
        eprintln!("{addr}: {err}");
        std::process::exit(1);
    }
}

fn run(mut stream: TcpStream) -> io::Result<()> {
    // MUTANT: with a large input, the echo fills our receive buffer while we
    // are still writing; the server then blocks, and so do we.
    io::copy(&mut io::stdin().lock(), &mut stream)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    io::copy(&mut stream, &mut io::stdout().lock())?;
    io::stdout().flush()
}
