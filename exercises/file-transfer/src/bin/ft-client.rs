//! # Exercise 2 · File transfer client
//!
//! `ft-client ADDR list` shows the server's files; `get NAME [-o PATH]`
//! downloads one; `put PATH [--as NAME]` uploads one. A download is written
//! under a temporary name and renamed only once its length and digest are
//! right: a failed transfer never leaves a file under its final name.
//!
//! Exit codes: 0 success, 1 connection or I/O error, 2 usage error, 3 the
//! server answered an error status, 4 integrity failure (the bytes received
//! do not match what was announced). Command-line parsing and the exit codes
//! are given; fill in the `todo!()`s from top to bottom.

// Until you fill in the `todo!()`s, much of this file is unused. Delete this
// line when you are done: the compiler will then point at anything left over.
#![allow(dead_code, unused_imports)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::exit;

use file_transfer::{
    Code, DataFrame, FrameError, FrameReader, MAX_PAYLOAD, Message, TempFile, hex, read_full,
};
use sha2::{Digest, Sha256};

/// Receive buffer: 256 KiB, room for four DATA frames per read() call.
const SOCKET_BUF: usize = 256 * 1024;

/// What the command line asks for.
enum Command {
    List,
    Get { name: String, out: PathBuf },
    Put { path: PathBuf, name: Vec<u8> },
}

/// Why the client failed; each kind has its exit code.
enum Failure {
    /// Exit 1: connecting, sending, receiving or a local file failed. The
    /// text names the step and the address or path.
    Io(String),
    /// Exit 3 (4 for BAD_DIGEST): the server answered this status.
    Status(Code, String),
    /// Exit 4: the file received is not the file announced.
    Integrity(String),
}

fn main() {
    let (addr, command) = parse_args();
    let result = connect(&addr).and_then(|mut conn| match command {
        Command::List => list(&mut conn),
        Command::Get { name, out } => get(&mut conn, &name, &out),
        Command::Put { path, name } => put(&mut conn, &path, &name),
    });
    match result {
        Ok(()) => {}
        Err(Failure::Io(message)) => {
            eprintln!("{message}");
            exit(1);
        }
        Err(Failure::Status(code, message)) => {
            eprintln!("server: {}: {message}", code.name());
            // The server found that the bytes we sent do not match our own
            // digest: an integrity failure, like a bad download.
            exit(if code == Code::BadDigest { 4 } else { 3 });
        }
        Err(Failure::Integrity(message)) => {
            eprintln!("integrity: {message}");
            exit(4);
        }
    }
}

/// Reads `ADDR list`, `ADDR get NAME [-o PATH]` or `ADDR put PATH [--as NAME]`.
fn parse_args() -> (String, Command) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let command = match args.get(1..).unwrap_or_else(|| usage()) {
        ["list"] => Command::List,
        ["get", name] => Command::Get {
            name: name.to_string(),
            out: PathBuf::from(name),
        },
        ["get", name, "-o", out] => Command::Get {
            name: name.to_string(),
            out: PathBuf::from(out),
        },
        ["put", path] => {
            let path = PathBuf::from(path);
            let name = path.file_name().unwrap_or_else(|| usage());
            let name = name.as_encoded_bytes().to_vec();
            Command::Put { path, name }
        }
        ["put", path, "--as", name] => Command::Put {
            path: PathBuf::from(path),
            name: name.as_bytes().to_vec(),
        },
        _ => usage(),
    };
    (args[0].to_string(), command)
}

fn usage() -> ! {
    eprintln!("usage: ft-client ADDR list | get NAME [-o PATH] | put PATH [--as NAME]");
    exit(2);
}

/// One connection to the server, with a buffer on each direction.
struct Conn {
    addr: String,
    reader: FrameReader<BufReader<TcpStream>>,
    writer: BufWriter<TcpStream>,
}

/// Create a socket and connect: `TcpStream::connect(addr)`; an error becomes
/// `Failure::Io("connect <addr>: <error>")`. Then `set_nodelay(true)`, and a
/// `Conn` with `FrameReader::new(BufReader::with_capacity(SOCKET_BUF,
/// stream.try_clone()?))` for reading and `BufWriter::new(stream)` for writing.
#[allow(unused_variables)]
fn connect(addr: &str) -> Result<Conn, Failure> {
    todo!("connect: TcpStream::connect, set_nodelay, FrameReader on a clone, BufWriter")
}

impl Conn {
    /// Queues one frame; it leaves at the next `flush`.
    fn send(&mut self, message: &Message) -> Result<(), Failure> {
        message
            .write_to(&mut self.writer)
            .map_err(|err| self.send_error(err))
    }

    /// Sends everything queued: the server sees the request only now.
    fn flush(&mut self) -> Result<(), Failure> {
        self.writer.flush().map_err(|err| self.send_error(err))
    }

    fn send_error(&self, err: io::Error) -> Failure {
        Failure::Io(format!("send {}: {err}", self.addr))
    }

    /// The next frame: `self.reader.read_message()`. Outside a file transfer the
    /// server never closes first, so `Ok(None)` is an error too: both become
    /// `Failure::Io("receive <addr>: …")`.
    #[allow(unused_variables)]
    fn receive(&mut self) -> Result<Message<'_>, Failure> {
        todo!("receive: read_message; None and errors become Failure::Io")
    }

    /// The next frame of a file. A connection that ends here (`Ok(None)` or
    /// `FrameError::Truncated`) means the file is shorter than announced:
    /// `Failure::Integrity`. Other errors are `Failure::Io`.
    #[allow(unused_variables)]
    fn receive_data(&mut self, received: u64, size: u64) -> Result<Message<'_>, Failure> {
        todo!("receive_data: read_message; an end of stream is Failure::Integrity")
    }

    fn unexpected(&self, kind: &str) -> Failure {
        Failure::Io(format!(
            "receive {}: protocol error: unexpected {kind} frame",
            self.addr
        ))
    }
}

/// Receives one STATUS: OK gives its value; any other code is
/// `Failure::Status(code, message)`; any other frame is `conn.unexpected(..)`.
#[allow(unused_variables)]
fn expect_ok(conn: &mut Conn) -> Result<u64, Failure> {
    todo!("expect_ok: receive a STATUS; OK gives its value, other codes Failure::Status")
}

/// LIST: send it and flush; then print `<size>\t<name>` for each ENTRY
/// (`String::from_utf8_lossy(name)`) until the STATUS: OK ends the list, any
/// other code is `Failure::Status`.
#[allow(unused_variables)]
fn list(conn: &mut Conn) -> Result<(), Failure> {
    todo!("list: send LIST, flush, print each ENTRY until STATUS OK")
}

/// GET: send it, flush, `expect_ok` gives the size. Then `Sink::open(out)`
/// (given: a temporary file beside `out`), and receive with `receive_data`:
/// DATA → count (more than the size is `Failure::Integrity`),
/// `hasher.update`, `sink.write_all`; DONE → the count must equal the size and
/// the digest yours (else `Failure::Integrity`), then `sink.finish(out)`
/// renames the file. Returning early drops the sink: the file is deleted.
#[allow(unused_variables)]
fn get(conn: &mut Conn, name: &str, out: &Path) -> Result<(), Failure> {
    todo!("get: GET, expect_ok, Sink::open, DATA until DONE, verify, finish")
}

/// Where a download goes.
enum Sink {
    /// A temporary file in the folder of the target, renamed at the end.
    Temp(TempFile),
    /// An existing device or pipe (`/dev/null`, `/dev/stdout`), written
    /// directly: renaming a file over it would replace the device itself.
    Direct(File),
}

impl Sink {
    fn open(out: &Path) -> Result<Sink, Failure> {
        if let Ok(meta) = fs::metadata(out)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let file = OpenOptions::new().write(true).open(out);
            let file = file.map_err(|err| Failure::Io(format!("open {}: {err}", out.display())))?;
            return Ok(Sink::Direct(file));
        }
        // Same folder as `out`: rename() cannot move a file to another
        // file system, and within one folder it is atomic.
        let dir = match out.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = TempFile::create_in(dir)
            .map_err(|err| Failure::Io(format!("create {}: {err}", dir.display())))?;
        Ok(Sink::Temp(temp))
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Sink::Temp(temp) => temp.write_all(data),
            Sink::Direct(file) => file.write_all(data),
        }
    }

    /// The file is verified: give it its final name.
    fn finish(self, out: &Path) -> io::Result<()> {
        match self {
            Sink::Temp(temp) => temp.commit(out),
            Sink::Direct(_) => Ok(()),
        }
    }
}

/// PUT: `File::open(path)` and its `metadata().len()`; send PUT with that
/// size and flush; `expect_ok` (the server may refuse). Then stream the file:
/// `DataFrame::default()`, `read_full` into `frame.payload_mut()`,
/// `hasher.update`, `conn.writer.write_all(frame.frame(n))`, until `size`
/// bytes are sent. Then DONE with the digest, flush, and `expect_ok` for the
/// server's verdict.
#[allow(unused_variables)]
fn put(conn: &mut Conn, path: &Path, name: &[u8]) -> Result<(), Failure> {
    todo!("put: PUT size name, expect_ok, stream DATA frames, DONE, expect_ok")
}
