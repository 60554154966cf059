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
    // socket() + setsockopt(SO_REUSEADDR) + bind() + listen(), in one call.
    // Fails with "Address already in use" if another socket listens there.
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
        // Blocks until the kernel has a completed connection in the accept
        // queue. The handshake already happened, without us; accept() only
        // hands us a NEW socket for it. `listener` keeps listening.
        let (stream, peer) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) => {
                // E.g. ECONNABORTED: the client gave up while queued.
                eprintln!("accept: {e}");
                continue;
            }
        };
        println!("accepted {peer}");
        if let Err(e) = serve(stream, peer) {
            // One client's failure (reset, timeout) must not stop the server.
            eprintln!("{peer}: {e}");
        }
    }
    // ANCHOR_END: accept
}

/// Reads one greeting line from the client, answers it, and closes.
fn serve(stream: TcpStream, peer: SocketAddr) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;

    // ANCHOR: recv
    // TCP is a byte stream: "hello\n" may arrive in one read or in several.
    // BufReader keeps reading until it has a whole line.
    let mut line = String::new();
    let mut reader = BufReader::new(&stream).take(MAX_LINE);
    let n = reader.read_line(&mut line)?;
    if n == 0 {
        // read() returned 0: the client closed (FIN) without a word.
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
    // write_all() repeats send() until the kernel has taken every byte into
    // the socket's send buffer; the bytes may still be on the way.
    let reply = format!("welcome, {peer}\n");
    (&stream).write_all(reply.as_bytes())?;
    // ANCHOR_END: send

    // ANCHOR: close
    // Dropping the stream calls close(): the kernel sends our FIN after the
    // data. Closing first, this side will hold the connection in TIME_WAIT.
    drop(stream);
    // ANCHOR_END: close
    Ok(())
}
