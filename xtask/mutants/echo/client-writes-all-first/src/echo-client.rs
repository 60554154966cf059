//! Mutant: writes all of stdin before reading anything.
use std::io::{self, Write};
use std::net::TcpStream;

#[path = "../../client_common.rs"]
mod client_common;

fn main() {
    client_common::main_with(run);
}

fn run(mut stream: TcpStream) -> io::Result<()> {
    // MUTANT: with a large input, the echo fills our receive buffer while we
    // are still writing; the server then blocks, and so do we.
    io::copy(&mut io::stdin().lock(), &mut stream)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    io::copy(&mut stream, &mut io::stdout().lock())?;
    io::stdout().flush()
}
