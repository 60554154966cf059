//! Echo server: writes back each byte as soon as it arrives, in order; when the
//! client half-closes, it finishes writing and closes the connection.
//!
//! Usage: `echo-server [--listen ADDR]` (default `127.0.0.1:7878`).
//!
//! The server's socket lifecycle is: create, bind, listen, accept, read/write,
//! close. Watch for where each step happens below.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::exit;

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// How many bytes one `read` may return. Any size is correct: TCP is a byte
/// stream, so the size of a read says nothing about the sender's messages.
/// Bigger buffers mean fewer system calls; 8 KiB is std's own default.
const BUF_SIZE: usize = 8 * 1024;

fn main() {
    let addr = listen_addr();
    let listener = open_listener(&addr);
    serve_forever(listener);
}

/// Reads `--listen ADDR` (or `--listen=ADDR`) from the command line.
fn listen_addr() -> String {
    let mut args = std::env::args().skip(1);
    let mut addr = DEFAULT_LISTEN.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => match args.next() {
                Some(value) => addr = value,
                None => usage(),
            },
            _ => match arg.strip_prefix("--listen=") {
                Some(value) => addr = value.to_string(),
                None => usage(),
            },
        }
    }
    addr
}

fn usage() -> ! {
    eprintln!("usage: echo-server [--listen ADDR]");
    exit(2);
}

// ANCHOR: open_listener
/// Steps 1–3: create a socket, bind it to `addr`, and listen.
fn open_listener(addr: &str) -> TcpListener {
    // `TcpListener::bind` makes three system calls: socket() creates the
    // endpoint, bind() gives it the local address, listen() tells the kernel to
    // complete handshakes for it. From here on, clients can connect even
    // before we call accept(): the kernel queues them (the backlog).
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(err) => {
            // The classic failure here is "address already in use": another
            // process listens on that port, or a recently closed one is in TIME_WAIT.
            eprintln!("bind {addr}: {err}");
            exit(1);
        }
    };
    // With port 0 the kernel picks a free port: ask the socket which one it
    // got, so that whoever started us knows where to connect.
    match listener.local_addr() {
        // Rust's stdout is line-buffered: the newline sends this line out now.
        Ok(local) => println!("listening on {local}"),
        Err(err) => {
            eprintln!("listen {addr}: {err}");
            exit(1);
        }
    }
    listener
}
// ANCHOR_END: open_listener

// ANCHOR: serve_forever
/// Step 4: accept clients one after another, forever.
fn serve_forever(listener: TcpListener) {
    // Each call to accept() returns a *new* socket connected to one client;
    // the listening socket stays open and keeps listening.
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => {
                let peer = stream
                    .peer_addr()
                    .map_or_else(|_| "client".to_string(), |a| a.to_string());
                // A client that misbehaves (resets, vanishes) costs us this
                // connection only: report it and go back to accept().
                if let Err(err) = echo(stream) {
                    eprintln!("{peer}: {err}");
                }
            }
            // accept() can fail for one connection (e.g. it was reset while
            // still in the queue); the listener is still fine.
            Err(err) => eprintln!("accept: {err}"),
        }
    }
}
// ANCHOR_END: serve_forever

// ANCHOR: echo
/// Steps 5–6: echo every byte until the client half-closes, then close.
fn echo(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; BUF_SIZE];
    loop {
        // read() returns whatever has arrived: 1 byte or many, never more
        // than the buffer. It returns 0 only at end of stream: the client
        // called shutdown(Write) or closed, and will send nothing more.
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // write() may accept fewer bytes than we pass it; write_all() loops
        // until every byte is handed to the kernel. When the client reads
        // slowly, this blocks: that is TCP flow control, and it is why we do
        // not read more than we can write back.
        stream.write_all(&buf[..n])?;
    }
    // EOF from the client means "I will send no more", not "I stop
    // reading": everything we wrote is queued in the kernel, and shutdown
    // sends our FIN after it. Dropping `stream` then closes the socket.
    stream.shutdown(Shutdown::Write)
}
// ANCHOR_END: echo
