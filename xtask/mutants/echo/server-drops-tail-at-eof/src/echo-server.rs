//! Mutant: echoes through a writer thread; at EOF the reader shuts the socket
//! down while the writer still has data queued.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

#[path = "../../common.rs"]
mod common;
use common::open_listener;

fn main() {
    let listener = open_listener();
    for stream in listener.incoming().flatten() {
        let _ = echo(stream);
    }
}

fn echo(mut stream: TcpStream) -> std::io::Result<()> {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut out = stream.try_clone()?;
    let writer = std::thread::spawn(move || {
        for chunk in rx {
            if out.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            // MUTANT: "the client is done, so are we": closes both directions
            // while the writer thread still has echo data queued.
            stream.shutdown(Shutdown::Both)?;
            break;
        }
        tx.send(buf[..n].to_vec()).expect("writer alive");
    }
    drop(tx);
    let _ = writer.join();
    Ok(())
}
