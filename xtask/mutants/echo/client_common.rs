//! What every echo client mutant does right: connect, report a refused
//! connection, exit 1 on errors. Each mutant's own file holds `run`.

use std::io;
use std::net::TcpStream;

pub fn main_with(run: fn(TcpStream) -> io::Result<()>) {
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
