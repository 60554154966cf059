//! File transfer client: lists, downloads and uploads files on an `ft-server`.
//!
//! Usage: `ft-client ADDR list | get NAME [-o PATH] | put PATH [--as NAME]`.
//!
//! Exit codes: 0 success, 1 connection or I/O error, 2 usage error, 3 the
//! server answered an error status, 4 integrity failure (the bytes received
//! do not match what was announced). A download is written under a temporary
//! name and renamed only once its digest is right.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::exit;

use file_transfer_solution::{
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

fn connect(addr: &str) -> Result<Conn, Failure> {
    let io_err = |err: io::Error| Failure::Io(format!("connect {addr}: {err}"));
    let stream = TcpStream::connect(addr).map_err(io_err)?;
    // We flush whole requests ourselves: Nagle's algorithm would only delay
    // a small frame that follows a large one.
    stream.set_nodelay(true).map_err(io_err)?;
    let reader = FrameReader::new(BufReader::with_capacity(
        SOCKET_BUF,
        stream.try_clone().map_err(io_err)?,
    ));
    Ok(Conn {
        addr: addr.to_string(),
        reader,
        writer: BufWriter::new(stream),
    })
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

    /// The next frame. Outside a file transfer the server never closes
    /// first, so an end of stream here is an error too.
    fn receive(&mut self) -> Result<Message<'_>, Failure> {
        match self.reader.read_message() {
            Ok(Some(message)) => Ok(message),
            Ok(None) => Err(Failure::Io(format!(
                "receive {}: server closed the connection",
                self.addr
            ))),
            Err(err) => Err(Failure::Io(format!("receive {}: {err}", self.addr))),
        }
    }

    /// The next frame of a file: a connection that ends here means the file
    /// is shorter than announced, an integrity failure.
    fn receive_data(&mut self, received: u64, size: u64) -> Result<Message<'_>, Failure> {
        match self.reader.read_message() {
            Ok(Some(message)) => Ok(message),
            Ok(None) | Err(FrameError::Truncated) => Err(Failure::Integrity(format!(
                "{}: connection closed after {received} of {size} bytes",
                self.addr
            ))),
            Err(err) => Err(Failure::Io(format!("receive {}: {err}", self.addr))),
        }
    }

    fn unexpected(&self, kind: &str) -> Failure {
        Failure::Io(format!(
            "receive {}: protocol error: unexpected {kind} frame",
            self.addr
        ))
    }
}

/// The value of a STATUS OK; any other status is the server's refusal.
fn expect_ok(conn: &mut Conn) -> Result<u64, Failure> {
    match conn.receive()? {
        Message::Status {
            code: Code::Ok,
            value,
            ..
        } => Ok(value),
        Message::Status { code, message, .. } => Err(Failure::Status(code, message.to_string())),
        other => {
            let kind = other.name();
            Err(conn.unexpected(kind))
        }
    }
}

/// LIST: prints `<size>\t<name>` per ENTRY, until the final STATUS.
fn list(conn: &mut Conn) -> Result<(), Failure> {
    conn.send(&Message::List)?;
    conn.flush()?;
    let mut out = BufWriter::new(io::stdout().lock());
    let stdout_err = |err: io::Error| Failure::Io(format!("stdout: {err}"));
    loop {
        match conn.receive()? {
            Message::Entry { size, name } => {
                let name = String::from_utf8_lossy(name);
                writeln!(out, "{size}\t{name}").map_err(stdout_err)?;
            }
            Message::Status { code: Code::Ok, .. } => break,
            Message::Status { code, message, .. } => {
                return Err(Failure::Status(code, message.to_string()));
            }
            other => {
                let kind = other.name();
                return Err(conn.unexpected(kind));
            }
        }
    }
    out.flush().map_err(stdout_err)
}

// ANCHOR: get
/// en: GET: saves the file to `out`, through a temporary file in the same
/// folder that is renamed only when length and digest are right.
/// ko: GET: 파일을 `out`에 저장합니다. 같은 폴더의 임시 파일을 거치고, 길이와 다이제스트가 맞을
/// 때만 그 파일의 이름을 바꿉니다.
fn get(conn: &mut Conn, name: &str, out: &Path) -> Result<(), Failure> {
    conn.send(&Message::Get {
        name: name.as_bytes(),
    })?;
    conn.flush()?;
    let size = expect_ok(conn)?;

    let mut sink = Sink::open(out)?;
    let write_err = |err: io::Error| Failure::Io(format!("write {}: {err}", out.display()));

    let mut hasher = Sha256::new();
    let mut received = 0u64;
    loop {
        match conn.receive_data(received, size)? {
            Message::Data(data) => {
                received += data.len() as u64;
                if received > size {
                    return Err(Failure::Integrity(format!(
                        "server sent more than the announced {size} bytes"
                    )));
                }
                hasher.update(data);
                sink.write_all(data).map_err(write_err)?;
            }
            Message::Done(digest) => {
                if received != size {
                    return Err(Failure::Integrity(format!(
                        "server sent {received} of the announced {size} bytes"
                    )));
                }
                let ours: [u8; 32] = hasher.finalize().into();
                if digest != ours {
                    return Err(Failure::Integrity(format!(
                        "digest mismatch for {name}: server sent {}, bytes hash to {}",
                        hex(&digest),
                        hex(&ours)
                    )));
                }
                // en: `return`s above drop `sink`, which deletes a temporary
                // file; this one gives the file its final name.
                // ko: 위의 `return`들은 `sink`를 drop해 임시 파일을 지웁니다. 여기서는 파일에 최종
                // 이름을 줍니다.
                return sink.finish(out).map_err(write_err);
            }
            other => {
                let kind = other.name();
                return Err(conn.unexpected(kind));
            }
        }
    }
}
// ANCHOR_END: get

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

/// PUT: announces the size, waits for OK, streams the file, sends DONE with
/// its digest, and waits for the server's verdict.
fn put(conn: &mut Conn, path: &Path, name: &[u8]) -> Result<(), Failure> {
    let open_err = |err: io::Error| Failure::Io(format!("open {}: {err}", path.display()));
    let mut file = File::open(path).map_err(open_err)?;
    let meta = file.metadata().map_err(open_err)?;
    if !meta.is_file() {
        return Err(Failure::Io(format!("open {}: not a file", path.display())));
    }
    let size = meta.len();

    conn.send(&Message::Put { size, name })?;
    conn.flush()?;
    // The server may refuse (BAD_NAME, TOO_LARGE) before we send any data.
    expect_ok(conn)?;

    // Each chunk goes from the file straight into its frame's payload: one
    // read() and one write() per 64 KiB, no copy, no allocation.
    let mut frame = DataFrame::default();
    let mut hasher = Sha256::new();
    let mut left = size;
    while left > 0 {
        let want = left.min(MAX_PAYLOAD as u64) as usize;
        let n = read_full(&mut file, &mut frame.payload_mut()[..want])
            .map_err(|err| Failure::Io(format!("read {}: {err}", path.display())))?;
        if n == 0 {
            // We announced more than the file now holds. Closing without
            // DONE makes the server throw the partial upload away.
            return Err(Failure::Integrity(format!(
                "{} shrank while being sent ({left} bytes missing)",
                path.display()
            )));
        }
        hasher.update(&frame.payload_mut()[..n]);
        let data = frame.frame(n);
        conn.writer
            .write_all(data)
            .map_err(|err| conn.send_error(err))?;
        left -= n as u64;
    }
    conn.send(&Message::Done(hasher.finalize().into()))?;
    conn.flush()?;
    expect_ok(conn).map(|_| ())
}
