//! Mutant: never half-closes, so the server never sees EOF.
use std::io::{self, Write};
use std::net::TcpStream;

#[path = "../../client_common.rs"]
mod client_common;

fn main() {
    client_common::main_with(run);
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
