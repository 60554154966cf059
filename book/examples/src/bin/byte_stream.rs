//! TCP carries a stream of bytes, not messages: one `write` is not one `read`.
//!
//! Two experiments over 127.0.0.1, each with a writer thread and a reader:
//! 1. the writer writes "hello" and "world" in two writes; the reader gets
//!    both in ONE read, because the bytes waited together in its receive buffer;
//! 2. the writer writes "hello world" in one write; the reader, with a 4-byte
//!    buffer, needs several reads to get it.
//!
//! The chapter "IP and TCP" runs this program and explains its output:
//! `cargo run -p book-examples --bin byte_stream` in English, with
//! `-- --lang ko` in Korean (the same numbers, line by line).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

/// How long the reader waits after the writer has finished, so that every
/// byte is surely in the reader's receive buffer. On loopback the kernel
/// delivers a segment while `write` runs; the pause only removes any doubt.
const SETTLE: Duration = Duration::from_millis(50);

/// The language of the output's words (the numbers are the same).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Ko,
}

/// `byte_stream [--lang en|ko]`: both experiments, in English (the default)
/// or Korean.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["--lang", "en"] => Lang::En,
        ["--lang", "ko"] => Lang::Ko,
        _ => {
            eprintln!("usage: byte_stream [--lang en|ko]");
            return ExitCode::from(2);
        }
    };
    let experiments: [(&[&[u8]], usize); 2] = [(&[b"hello", b"world"], 64), (&[b"hello world"], 4)];
    for (number, (writes, buf_size)) in experiments.into_iter().enumerate() {
        println!("{}", title(lang, number + 1, writes, buf_size));
        let reads = match experiment(writes, buf_size) {
            Ok(reads) => reads,
            Err(e) => {
                eprintln!("byte_stream: {e}");
                return ExitCode::FAILURE;
            }
        };
        for (i, bytes) in reads.iter().enumerate() {
            println!("  {}", read_line(lang, i + 1, bytes));
        }
    }
    ExitCode::SUCCESS
}

/// The line that opens an experiment.
fn title(lang: Lang, number: usize, writes: &[&[u8]], buf_size: usize) -> String {
    let quoted: Vec<String> = writes
        .iter()
        .map(|w| format!("{:?}", String::from_utf8_lossy(w)))
        .collect();
    let quoted = quoted.join(", ");
    match (lang, writes.len()) {
        (Lang::En, 1) => {
            format!("experiment {number}: one write ({quoted}), read buffer of {buf_size} bytes")
        }
        (Lang::En, n) => format!(
            "experiment {number}: {} writes ({quoted}), read buffer of {buf_size} bytes",
            if n == 2 {
                "two".to_string()
            } else {
                n.to_string()
            }
        ),
        (Lang::Ko, 1) => format!("실험 {number}: 쓰기 한 번({quoted}), {buf_size}바이트 읽기 버퍼"),
        (Lang::Ko, n) => format!(
            "실험 {number}: 쓰기 {}({quoted}), {buf_size}바이트 읽기 버퍼",
            if n == 2 {
                "두 번".to_string()
            } else {
                format!("{n}번")
            }
        ),
    }
}

/// What read number `i` gave: its bytes, or the end of the stream.
fn read_line(lang: Lang, i: usize, bytes: &[u8]) -> String {
    let n = bytes.len();
    let text = String::from_utf8_lossy(bytes);
    match (lang, n) {
        (Lang::En, 0) => format!("read {i}: 0 bytes (end of stream)"),
        (Lang::En, _) => format!("read {i}: {n} bytes {text:?}"),
        (Lang::Ko, 0) => format!("읽기 {i}: 0바이트(스트림 끝)"),
        (Lang::Ko, _) => format!("읽기 {i}: {n}바이트 {text:?}"),
    }
}

/// Sends `writes` over a fresh connection, one `write_all` each, and reads
/// them back with a buffer of `buf_size` bytes: what each read gave, the
/// last one empty (the end of the stream).
fn experiment(writes: &'static [&'static [u8]], buf_size: usize) -> io::Result<Vec<Vec<u8>>> {
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
    let mut reads = Vec::new();
    loop {
        // en: read(2) returns whatever is buffered, up to buf.len() bytes.
        // ko: read(2)는 버퍼에 있는 것을 buf.len()바이트까지 돌려줍니다.
        let n = stream.read(&mut buf)?;
        reads.push(buf[..n].to_vec());
        if n == 0 {
            // en: 0 bytes: the peer sent FIN and we have read everything before it.
            // ko: 0바이트: 상대가 FIN을 보냈고, 우리는 그 앞의 것을 모두 읽었습니다.
            break;
        }
    }
    // ANCHOR_END: reader
    Ok(reads)
}
