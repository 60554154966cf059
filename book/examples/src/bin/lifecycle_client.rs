//! The client's side of the socket lifecycle: create, connect, send,
//! receive, close.
//!
//! The chapter "The client's and the server's flow" includes each step and
//! shows the system call it makes. Start `lifecycle_server` first, then:
//!
//! ```text
//! cargo run -p book-examples --bin lifecycle_client -- 127.0.0.1:7878
//! ```

use std::env;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

/// The server's address when none is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// The line we send. The newline ends it: TCP keeps no message boundaries,
/// so the server reads until it sees `\n`.
const GREETING: &[u8] = b"hello\n";

/// Replies longer than this are a protocol error, not a reason to fill memory.
const MAX_REPLY: usize = 1024;

/// If the server accepts but never answers, give up instead of hanging.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    match run(&addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(addr: &str) -> Result<(), String> {
    // ANCHOR: connect
    // en: socket() + connect(): the kernel picks an ephemeral local port and
    // does the three-way handshake. Nobody listening: "Connection refused".
    // ko: socket() + connect(): 커널이 임시 로컬 포트를 고르고 3-way 핸드셰이크를 합니다.
    // 리슨하는 쪽이 없으면 "Connection refused"입니다.
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    // ANCHOR_END: connect
    let local = stream
        .local_addr()
        .map_err(|e| format!("getsockname: {e}"))?;
    println!("connected {local} -> {addr}");
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .map_err(|e| format!("setsockopt: {e}"))?;

    // ANCHOR: send
    // en: One send() is usually enough for 6 bytes; write_all() loops if not.
    // ko: 6바이트라면 보통 send() 한 번이면 됩니다. 아니면 write_all()이 반복합니다.
    stream
        .write_all(GREETING)
        .map_err(|e| format!("send: {e}"))?;
    // ANCHOR_END: send

    // ANCHOR: recv
    // en: Read until the server closes: read() returning 0 means its FIN came.
    // The reply may come in one piece or several; we collect them all.
    // ko: 서버가 닫을 때까지 읽습니다. read()가 0을 돌려주면 서버의 FIN이 온 것입니다.
    // 응답은 한 조각으로 올 수도, 여러 조각으로 올 수도 있습니다. 모두 모읍니다.
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = stream.read(&mut buf).map_err(|e| format!("recv: {e}"))?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if reply.len() > MAX_REPLY {
            return Err("protocol error: reply too long".to_string());
        }
    }
    // ANCHOR_END: recv
    print!("server says: {}", String::from_utf8_lossy(&reply));

    // ANCHOR: close
    // en: close(): our FIN answers the server's. The server closed first, so
    // the TIME_WAIT wait happens on its side, not ours.
    // ko: close(): 우리 FIN이 서버의 FIN에 답합니다. 서버가 먼저 닫았으므로 TIME_WAIT의
    // 기다림은 우리 쪽이 아니라 서버 쪽에서 일어납니다.
    drop(stream);
    // ANCHOR_END: close
    Ok(())
}
