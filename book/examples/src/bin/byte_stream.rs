//! TCP carries a stream of bytes, not messages: one `write` is not one `read`.
//!
//! Two experiments over 127.0.0.1, each with a writer thread and a reader:
//! 1. the writer writes "hello" and "world" in two writes; the reader gets
//!    both in ONE read, because the bytes waited together in its receive buffer;
//! 2. the writer writes "hello world" in one write; the reader, with a 4-byte
//!    buffer, needs several reads to get it.
//!
//! The chapter "IP and TCP" runs this program and explains its output.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// How long the reader waits after the writer has finished, so that every
/// byte is surely in the reader's receive buffer. On loopback the kernel
/// delivers a segment while `write` runs; the pause only removes any doubt.
const SETTLE: Duration = Duration::from_millis(50);

fn main() -> io::Result<()> {
    println!(r#"experiment 1: two writes ("hello", "world"), read buffer of 64 bytes"#);
    experiment(&[b"hello", b"world"], 64)?;
    println!(r#"experiment 2: one write ("hello world"), read buffer of 4 bytes"#);
    experiment(&[b"hello world"], 4)?;
    Ok(())
}

/// Sends `writes` over a fresh connection, one `write_all` each, and reads
/// them back with a buffer of `buf_size` bytes, printing what each read gave.
fn experiment(writes: &'static [&'static [u8]], buf_size: usize) -> io::Result<()> {
    // Port 0: the kernel picks a free (ephemeral) port for us.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    // ANCHOR: writer
    let writer = thread::spawn(move || -> io::Result<()> {
        let mut stream = TcpStream::connect(addr)?;
        for chunk in writes {
            // Each call is one send(2). TCP may put several into one segment
            // (Nagle's algorithm) or, on the way, split one into several.
            stream.write_all(chunk)?;
        }
        Ok(())
        // `stream` is dropped here: close(2) sends FIN, the end of the stream.
    });
    // ANCHOR_END: writer

    // ANCHOR: reader
    let (mut stream, _peer) = listener.accept()?;
    // Wait until every write has returned, then a little more: now all the
    // bytes sit in our receive buffer, with nothing marking where one write
    // ended and the next began.
    writer.join().expect("writer thread panicked")?;
    thread::sleep(SETTLE);

    let mut buf = vec![0u8; buf_size];
    let mut reads = 0;
    loop {
        // read(2) returns whatever is buffered, up to buf.len() bytes.
        let n = stream.read(&mut buf)?;
        reads += 1;
        if n == 0 {
            // 0 bytes: the peer sent FIN and we have read everything before it.
            println!("  read {reads}: 0 bytes (end of stream)");
            break;
        }
        let text = String::from_utf8_lossy(&buf[..n]);
        println!("  read {reads}: {n} bytes {text:?}");
    }
    // ANCHOR_END: reader
    Ok(())
}
