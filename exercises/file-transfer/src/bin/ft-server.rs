//! # Exercise 2 · File transfer server
//!
//! A folder on this machine, the *root*, holds files. Clients connect to
//! list them, download them (GET) and upload new ones (PUT), many requests
//! per connection, many clients at once. Your server answers every request
//! with frames (see `lib.rs`), and trusts nothing it receives: it checks
//! names before they touch the file system, sizes before it stores a byte,
//! and writes every upload under a temporary name until its digest proves
//! it complete.
//!
//! Usage: `ft-server --root DIR [--listen ADDR] [--max-size BYTES]`
//! (default address `127.0.0.1:7879`, default limit 4 GiB). Once it accepts
//! connections it prints exactly one line to stdout, `listening on
//! <ip>:<port>`. Diagnostics go to stderr. Command-line parsing is given; fill
//! in the `todo!()`s from top to bottom.

// Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
#![allow(dead_code, unused_imports)]

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::exit;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use file_transfer::{
    Code, DEFAULT_MAX_SIZE, DataFrame, FrameError, FrameReader, MAX_PAYLOAD, Message, TempFile,
    check_name, hex, read_full,
};
use sha2::{Digest, Sha256};

/// Where the server listens unless `--listen` says otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:7879";

/// Receive buffer per connection: 256 KiB, room for four DATA frames, so one
/// read() system call usually brings several frames.
const SOCKET_BUF: usize = 256 * 1024;

/// After answering MALFORMED, how long we keep reading (and discarding) what
/// the client still sends before we close. See `refuse`.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// At most this many bytes are discarded that way.
const DRAIN_LIMIT: u64 = 1024 * 1024;

/// What the command line asks for.
struct Config {
    root: PathBuf,
    listen: String,
    max_size: u64,
}

fn main() {
    let config = parse_args();
    match fs::metadata(&config.root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => fail(&format!("root {}: not a folder", config.root.display())),
        Err(err) => fail(&format!("root {}: {err}", config.root.display())),
    }
    let listener = open_listener(&config.listen);
    serve_forever(listener, Arc::new(config));
}

/// Reads `--root DIR`, `--listen ADDR` and `--max-size BYTES` (each also as
/// `--flag=VALUE`).
fn parse_args() -> Config {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let mut listen = DEFAULT_LISTEN.to_string();
    let mut max_size = DEFAULT_MAX_SIZE;
    while let Some(arg) = args.next() {
        let (flag, value) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), value.to_string()),
            None => (arg, args.next().unwrap_or_else(|| usage())),
        };
        match flag.as_str() {
            "--root" => root = Some(PathBuf::from(value)),
            "--listen" => listen = value,
            "--max-size" => max_size = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let root = root.unwrap_or_else(|| usage());
    Config {
        root,
        listen,
        max_size,
    }
}

fn usage() -> ! {
    eprintln!("usage: ft-server --root DIR [--listen ADDR] [--max-size BYTES]");
    exit(2);
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    exit(1);
}

/// Steps 1–3: create a socket, bind it to `addr`, and listen (as in the
/// echo exercise): `TcpListener::bind(addr)`; on error `fail("bind <addr>:
/// <error>")`. Then print `listening on <ip>:<port>` from
/// `listener.local_addr()`.
#[allow(unused_variables)]
fn open_listener(addr: &str) -> TcpListener {
    todo!("steps 1–3: TcpListener::bind, then println!(\"listening on {{}}\", local_addr)")
}

/// Step 4: accept clients forever, **each on its own thread**, so that a
/// slow transfer does not make the next client wait.
///
/// - `for incoming in listener.incoming()`; on `Err`, `eprintln!` and go on.
/// - `thread::spawn(move || …)` with the stream and an `Arc::clone(&config)`;
///   in the thread call `serve_connection` and `eprintln!` its error, if any.
#[allow(unused_variables)]
fn serve_forever(listener: TcpListener, config: Arc<Config>) {
    todo!("step 4: for each accepted stream, thread::spawn a serve_connection")
}

/// Answers requests one after another until the client closes.
///
/// - `stream.set_nodelay(true)`: we flush whole messages ourselves.
/// - Reads: `FrameReader::new(BufReader::with_capacity(SOCKET_BUF,
///   stream.try_clone()?))`. Writes: `BufWriter::new(stream)`.
/// - Loop on `reader.read_message()`: `Ok(None)` is the client's clean
///   goodbye, return `Ok(())`. LIST → `list`, GET → `get`, PUT → `put` (copy
///   the name first with `name.to_vec()`: the reader's buffer is reused by the
///   next frame). Any other frame is `FrameError::Malformed`.
/// - After each request `writer.flush()?`: the answer leaves now. On
///   `Err(FrameError::Malformed(why))` call `refuse`; other errors end the
///   connection: return them.
#[allow(unused_variables, dead_code)]
fn serve_connection(stream: TcpStream, config: &Config) -> Result<(), FrameError> {
    todo!("read_message in a loop, dispatch LIST/GET/PUT, flush after each answer")
}

/// Answers STATUS MALFORMED (value 0, message `why`) and closes: after a
/// broken frame we cannot tell where the next one starts.
///
/// Write the STATUS and flush. Then `shutdown(Shutdown::Write)` on
/// `writer.get_ref()`, and read and discard what the client still sends for a
/// short while (`set_read_timeout(Some(DRAIN_TIME))`, `io::copy` of
/// `stream.take(DRAIN_LIMIT)` into `io::sink()`): closing with unread bytes
/// makes the kernel send a reset, which can destroy the STATUS before the
/// client reads it. Return `Err(FrameError::Malformed(why))` so it gets
/// logged.
#[allow(unused_variables, unused_mut, dead_code)]
fn refuse(mut writer: BufWriter<TcpStream>, why: String) -> Result<(), FrameError> {
    todo!("refuse: write STATUS MALFORMED, flush, shutdown(Write), drain, return the error")
}

fn status<W: Write>(w: &mut W, code: Code, value: u64, message: &str) -> Result<(), FrameError> {
    Message::status(code, value, message).write_to(w)?;
    Ok(())
}

/// LIST: one ENTRY per regular file directly in `root` whose name passes
/// `check_name`, sorted by name, then STATUS OK with value = their number.
///
/// `fs::read_dir(root)` (on error answer SERVER_ERROR); for each entry,
/// `entry.file_name().to_str()` and `entry.metadata()` (it does not follow
/// symbolic links: keep `meta.is_file()` only). Sort a `Vec<(String, u64)>`:
/// strings compare bytewise, the order the protocol wants.
#[allow(unused_variables, dead_code)]
fn list<W: Write>(root: &Path, w: &mut W) -> Result<(), FrameError> {
    todo!("list: read_dir, keep valid names of regular files, sort, ENTRY each, STATUS OK")
}

/// Opens `path` if it is a regular file (not a folder, not a link).
fn open_regular(path: &Path) -> io::Result<Option<(File, u64)>> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Ok(None),
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    }
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    Ok(Some((file, size)))
}

/// GET: STATUS OK with the size, the file in DATA frames, then DONE with the
/// SHA-256 of the bytes sent.
///
/// - `check_name` (else BAD_NAME, value 0), then `open_regular(&root.join(name))`
///   (`None` is NOT_FOUND, an error SERVER_ERROR).
/// - Stream it: never hold the whole file. A `DataFrame::default()` holds one
///   frame; `read_full(&mut file, &mut frame.payload_mut()[..want])` with `want`
///   at most `MAX_PAYLOAD` and the bytes still owed; `hasher.update` those
///   bytes; `w.write_all(frame.frame(n))`. Stop after exactly `size` bytes.
/// - If the file ends early, return an error: that closes the connection.
/// - `Message::Done(hasher.finalize().into()).write_to(w)`.
#[allow(unused_variables, dead_code)]
fn get<W: Write>(root: &Path, name: &[u8], w: &mut W) -> Result<(), FrameError> {
    todo!("get: check, open_regular, STATUS OK size, DATA frames with read_full, DONE")
}

/// PUT: check the request, answer, receive the file into a temporary file,
/// keep it only if length and digest match.
///
/// - `check_name` (else BAD_NAME, value 0); `size > config.max_size` is
///   TOO_LARGE with value = the limit. Nothing is stored in either case.
/// - `TempFile::create_in(&config.root)` (an error is SERVER_ERROR), then
///   STATUS OK value 0 and `w.flush()`: the client waits for it before it
///   sends the file.
/// - Loop on `reader.read_message()?`: DATA → count (more than `size` is
///   Malformed), `hasher.update`, `temp.write_all` (keep its first error and
///   go on reading); DONE → the count must be `size` (else Malformed), a
///   write error is SERVER_ERROR, the digest must equal yours (else
///   BAD_DIGEST, value 0), then `temp.commit(&config.root.join(name))`: STATUS
///   OK with value = size, or SERVER_ERROR if it fails (a folder may have that
///   name). These answers keep the connection. Any other frame is Malformed;
///   `None` (the client left) is an error. Every `return` before the commit
///   drops `temp`: the file is gone.
#[allow(unused_variables, dead_code)]
fn put<R: Read, W: Write>(
    config: &Config,
    size: u64,
    name: &[u8],
    reader: &mut FrameReader<R>,
    w: &mut W,
) -> Result<(), FrameError> {
    todo!("put: check, TempFile, STATUS OK, DATA until DONE, verify, commit")
}
