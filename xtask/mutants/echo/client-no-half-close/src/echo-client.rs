//! Mutant: never half-closes, so the server never sees EOF.
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

fn run(stream: TcpStream) -> io::Result<()> {
    let mut sending = stream.try_clone()?;
    let sender = std::thread::spawn(move || {
        // MUTANT: no sending.shutdown(Shutdown::Write) after the copy, and
        // the clone is kept alive, so no FIN is ever sent.
        let result = io::copy(&mut io::stdin().lock(), &mut sending);
        std::mem::forget(sending);
        result
    });
    let mut receiving = stream;
    io::copy(&mut receiving, &mut io::stdout().lock())?;
    io::stdout().flush()?;
    sender.join().expect("sender").map(drop)
}
