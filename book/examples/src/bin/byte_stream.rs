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
            // en: Each call is one send(2). TCP may put several into one segment
            // (Nagle's algorithm) or, on the way, split one into several.
            // ko: 호출 한 번이 send(2) 한 번입니다. TCP는 여러 번의 쓰기를 세그먼트 하나에 담기도 하고
            // (네이글 알고리즘), 가는 길에 하나를 여럿으로 나누기도 합니다.
            stream.write_all(chunk)?;
        }
        Ok(())
        // en: `stream` is dropped here: close(2) sends FIN, the end of the stream.
        // ko: 여기서 `stream`이 drop됩니다. close(2)가 스트림의 끝인 FIN을 보냅니다.
    });
    // ANCHOR_END: writer

    // ANCHOR: reader
    let (mut stream, _peer) = listener.accept()?;
    // en: Wait until every write has returned, then a little more: now all the
    // bytes sit in our receive buffer, with nothing marking where one write
    // ended and the next began.
    // ko: 모든 쓰기가 돌아올 때까지, 그리고 조금 더 기다립니다. 이제 모든 바이트가 우리 수신
    // 버퍼에 있고, 어디서 쓰기 하나가 끝나고 다음 쓰기가 시작되었는지 표시하는 것은 없습니다.
    writer.join().expect("writer thread panicked")?;
    thread::sleep(SETTLE);

    let mut buf = vec![0u8; buf_size];
    let mut reads = 0;
    loop {
        // en: read(2) returns whatever is buffered, up to buf.len() bytes.
        // ko: read(2)는 버퍼에 있는 것을 buf.len()바이트까지 돌려줍니다.
        let n = stream.read(&mut buf)?;
        reads += 1;
        if n == 0 {
            // en: 0 bytes: the peer sent FIN and we have read everything before it.
            // ko: 0바이트: 상대가 FIN을 보냈고, 우리는 그 앞의 것을 모두 읽었습니다.
            println!("  read {reads}: 0 bytes (end of stream)");
            break;
        }
        let text = String::from_utf8_lossy(&buf[..n]);
        println!("  read {reads}: {n} bytes {text:?}");
    }
    // ANCHOR_END: reader
    Ok(())
}
