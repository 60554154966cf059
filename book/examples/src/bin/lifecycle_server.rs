//! The server's side of the socket lifecycle: create, bind, listen, accept,
//! receive, send, close, then accept the next client.
//!
//! The chapter "The client's and the server's flow" includes each step and
//! shows the system call it makes. Run it with a listen address:
//!
//! ```text
//! cargo run -p book-examples --bin lifecycle_server -- 127.0.0.1:7878
//! ```
//!
//! Port 0 asks the kernel for a free port; the first line printed is always
//! `listening on ADDRESS`, so a test (or you) can read the real port.

use std::env;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// The address used when none is given on the command line.
const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// The longest greeting line we accept. A client that sends more without a
/// newline is cut off instead of making us buffer without end.
const MAX_LINE: u64 = 1024;

/// This server serves one client at a time, so a client that connects and
/// then says nothing would block everyone behind it. After this long
/// without data, we give up on that client.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());

    // ANCHOR: bind
    // en: socket() + setsockopt(SO_REUSEADDR) + bind() + listen(), in one call.
    // Fails with "Address already in use" if another socket listens there.
    // ko: socket() + setsockopt(SO_REUSEADDR) + bind() + listen()을 호출 한 번에 합니다.
    // 다른 소켓이 그 주소에서 리슨하고 있으면 "Address already in use"로 실패합니다.
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // ANCHOR_END: bind
    match listener.local_addr() {
        Ok(local) => println!("listening on {local}"),
        Err(e) => {
            eprintln!("getsockname: {e}");
            return ExitCode::FAILURE;
        }
    }

    // ANCHOR: accept
    loop {
        // en: Blocks until the kernel has a completed connection in the accept
        // queue. The handshake already happened, without us; accept() only
        // hands us a NEW socket for it. `listener` keeps listening.
        // ko: 커널의 수락 큐에 완성된 연결이 생길 때까지 블록합니다. 핸드셰이크는 우리 없이 이미
        // 끝났고, accept()는 그 연결을 위한 새 소켓을 건네줄 뿐입니다. `listener`는 계속 리슨합니다.
        let (stream, peer) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) => {
                // en: E.g. ECONNABORTED: the client gave up while queued.
                // ko: 예: ECONNABORTED. 큐에서 기다리던 클라이언트가 포기했습니다.
                eprintln!("accept: {e}");
                continue;
            }
        };
        println!("accepted {peer}");
        if let Err(e) = serve(stream, peer) {
            // en: One client's failure (reset, timeout) must not stop the server.
            // ko: 클라이언트 하나의 실패(리셋, 타임아웃)가 서버를 멈춰서는 안 됩니다.
            eprintln!("{peer}: {e}");
        }
    }
    // ANCHOR_END: accept
}

/// Reads one greeting line from the client, answers it, and closes.
fn serve(stream: TcpStream, peer: SocketAddr) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;

    // ANCHOR: recv
    // en: TCP is a byte stream: "hello\n" may arrive in one read or in several.
    // BufReader keeps reading until it has a whole line.
    // ko: TCP는 바이트 스트림입니다. "hello\n"은 read 한 번에 올 수도, 여러 번에 나뉘어 올 수도
    // 있습니다. BufReader는 줄 하나가 다 모일 때까지 계속 읽습니다.
    let mut line = String::new();
    let mut reader = BufReader::new(&stream).take(MAX_LINE);
    let n = reader.read_line(&mut line)?;
    if n == 0 {
        // en: read() returned 0: the client closed (FIN) without a word.
        // ko: read()가 0을 돌려주었습니다. 클라이언트가 한마디도 없이 닫았습니다(FIN).
        println!("{peer} closed without a greeting");
        return Ok(());
    }
    if !line.ends_with('\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "protocol error: greeting line too long or cut off",
        ));
    }
    // ANCHOR_END: recv
    println!("{peer} says {:?}", line.trim_end());

    // ANCHOR: send
    // en: write_all() repeats send() until the kernel has taken every byte into
    // the socket's send buffer; the bytes may still be on the way.
    // ko: write_all()은 커널이 모든 바이트를 소켓의 송신 버퍼로 가져갈 때까지 send()를
    // 되풀이합니다. 바이트는 아직 가는 중일 수 있습니다.
    let reply = format!("welcome, {peer}\n");
    (&stream).write_all(reply.as_bytes())?;
    // ANCHOR_END: send

    // ANCHOR: close
    // en: Dropping the stream calls close(): the kernel sends our FIN after the
    // data. Closing first, this side will hold the connection in TIME_WAIT.
    // ko: 스트림을 drop하면 close()가 호출됩니다. 커널은 데이터 뒤에 우리 FIN을 보냅니다.
    // 먼저 닫는 이쪽이 연결을 TIME_WAIT로 붙들고 있게 됩니다.
    drop(stream);
    // ANCHOR_END: close
    Ok(())
}
