//! # Exercise 2 · File transfer: the protocol
//!
//! Your server and your client speak one protocol, and this file is where it
//! lives: both programs use it (`use file_transfer::…`). TCP delivers a byte
//! stream without message boundaries, so every message travels in a *frame*:
//! a 4-byte big-endian length, a 1-byte kind, then the payload.
//!
//! Given: the constants, the kinds, the status codes, the `Message` type and
//! the error type. Yours: encoding and decoding frames, reading them from a
//! stream, checking names, and the temporary file that deletes itself. Start
//! here, then `src/bin/ft-server.rs`, then `src/bin/ft-client.rs`. The
//! chapter "File transfer" of the book has the exact byte layouts; grade with
//! `cargo xtask grade file-transfer`.

use std::fmt;
#[allow(unused_imports)] // `fs::rename` and `fs::remove_file` are yours to call
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest payload of a frame: 64 KiB, the size of the DATA frames a sender
/// makes. A frame announcing more is malformed and is never read: the receiver
/// needs one buffer of this size per connection, whatever a peer claims.
/// Bigger frames would mean fewer headers and system calls per file; 64 KiB
/// already makes the 5-byte header less than 0.01 % of the traffic.
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// Bytes before the payload: the 4-byte length and the kind.
pub const HEADER_LEN: usize = 5;

/// Size of a SHA-256 digest, the payload of DONE.
pub const DIGEST_LEN: usize = 32;

/// Longest valid name, in bytes: the usual file system limit (NAME_MAX).
pub const MAX_NAME: usize = 255;

/// Longest message of a STATUS frame, in bytes. Longer texts are cut.
pub const MAX_MESSAGE: usize = 1024;

/// The server's default `--max-size`: 4 GiB. A PUT that announces more is
/// answered TOO_LARGE before a single byte of the file is sent.
pub const DEFAULT_MAX_SIZE: u64 = 4 * 1024 * 1024 * 1024;

/// The kind byte of each frame.
pub mod kind {
    pub const LIST: u8 = 0x01;
    pub const GET: u8 = 0x02;
    pub const PUT: u8 = 0x03;
    pub const DATA: u8 = 0x10;
    pub const DONE: u8 = 0x11;
    pub const ENTRY: u8 = 0x20;
    pub const STATUS: u8 = 0x7F;
}

/// The status code of a STATUS frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Ok = 0,
    NotFound = 1,
    BadName = 2,
    TooLarge = 3,
    BadDigest = 4,
    Malformed = 5,
    ServerError = 6,
}

impl Code {
    pub fn from_byte(byte: u8) -> Option<Code> {
        Some(match byte {
            0 => Code::Ok,
            1 => Code::NotFound,
            2 => Code::BadName,
            3 => Code::TooLarge,
            4 => Code::BadDigest,
            5 => Code::Malformed,
            6 => Code::ServerError,
            _ => return None,
        })
    }

    /// The name the client prints: `server: NOT_FOUND: …`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::NotFound => "NOT_FOUND",
            Code::BadName => "BAD_NAME",
            Code::TooLarge => "TOO_LARGE",
            Code::BadDigest => "BAD_DIGEST",
            Code::Malformed => "MALFORMED",
            Code::ServerError => "SERVER_ERROR",
        }
    }
}

/// One decoded frame. Byte slices borrow the reader's buffer: decoding
/// allocates nothing, so a 1 GiB file costs no allocation per DATA frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    List,
    Get {
        name: &'a [u8],
    },
    Put {
        size: u64,
        name: &'a [u8],
    },
    Data(&'a [u8]),
    Done([u8; DIGEST_LEN]),
    Entry {
        size: u64,
        name: &'a [u8],
    },
    Status {
        code: Code,
        value: u64,
        message: &'a str,
    },
}

impl<'a> Message<'a> {
    /// A STATUS frame; a message over [`MAX_MESSAGE`] bytes is cut at a
    /// character boundary.
    pub fn status(code: Code, value: u64, message: &'a str) -> Message<'a> {
        let mut end = message.len().min(MAX_MESSAGE);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        Message::Status {
            code,
            value,
            message: &message[..end],
        }
    }

    /// The frame's kind by name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Message::List => "LIST",
            Message::Get { .. } => "GET",
            Message::Put { .. } => "PUT",
            Message::Data(_) => "DATA",
            Message::Done(_) => "DONE",
            Message::Entry { .. } => "ENTRY",
            Message::Status { .. } => "STATUS",
        }
    }

    /// Checks that `payload` has the right shape for `kind` and decodes it.
    ///
    /// - Match on `kind` (the constants in [`kind`]); an unknown kind is
    ///   `FrameError::Malformed`.
    /// - LIST: empty payload. GET: the payload is the name. PUT and ENTRY: a u64
    ///   size first (`split_u64`), then the name. DATA: 1 byte or more. DONE:
    ///   exactly 32 bytes (`payload.try_into()`). STATUS: a known code
    ///   (`Code::from_byte`), a u64 value, then at most 1024 bytes of UTF-8
    ///   (`std::str::from_utf8`).
    /// - Do not check names here: a bad name is answered BAD_NAME, not MALFORMED.
    #[allow(unused_variables)]
    pub fn decode(kind: u8, payload: &'a [u8]) -> Result<Message<'a>, FrameError> {
        todo!("decode: match kind, check the payload's length, build the Message")
    }

    /// Writes the frame. Through a `BufWriter` the pieces below cost no
    /// system call each: they leave together at the next flush.
    pub fn write_to<W: Write>(&self, w: &mut W) -> io::Result<()> {
        match self {
            Message::List => write_frame(w, kind::LIST, &[]),
            Message::Get { name } => write_frame(w, kind::GET, &[name]),
            Message::Put { size, name } => write_frame(w, kind::PUT, &[&size.to_be_bytes(), name]),
            Message::Data(data) => write_frame(w, kind::DATA, &[data]),
            Message::Done(digest) => write_frame(w, kind::DONE, &[digest]),
            Message::Entry { size, name } => {
                write_frame(w, kind::ENTRY, &[&size.to_be_bytes(), name])
            }
            Message::Status {
                code,
                value,
                message,
            } => write_frame(
                w,
                kind::STATUS,
                &[&[*code as u8], &value.to_be_bytes(), message.as_bytes()],
            ),
        }
    }
}

/// Splits a big-endian u64 off the front of `bytes`. (Given.)
#[allow(dead_code)] // used by `decode`
fn split_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

/// Writes one frame: the length (`1 + payload length` as a big-endian u32,
/// `u32::to_be_bytes`), the kind byte, then every part of the payload in order,
/// each with `w.write_all`. The payload is the parts' total; refuse more than
/// `MAX_PAYLOAD` bytes with an `io::Error` (`ErrorKind::InvalidInput`).
#[allow(unused_variables, dead_code)]
fn write_frame<W: Write>(w: &mut W, kind: u8, parts: &[&[u8]]) -> io::Result<()> {
    todo!("write_frame: write_all the length, the kind, then each part")
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The connection failed: reset, timed out, …
    Io(io::Error),
    /// The peer closed the connection in the middle of a frame. A close
    /// *between* frames is a clean end, reported as `Ok(None)` instead.
    Truncated,
    /// The bytes break the protocol; the text says how.
    Malformed(String),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(err) => write!(f, "{err}"),
            FrameError::Truncated => write!(f, "connection closed in the middle of a frame"),
            FrameError::Malformed(why) => write!(f, "protocol error: {why}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<io::Error> for FrameError {
    fn from(err: io::Error) -> FrameError {
        FrameError::Io(err)
    }
}

/// Reads frames from a byte stream into one reusable buffer.
#[allow(dead_code)] // its fields are read by `read_frame`
pub struct FrameReader<R> {
    inner: R,
    /// Kind byte and payload of the last frame: `1 + MAX_PAYLOAD` bytes,
    /// allocated once per connection.
    buf: Box<[u8]>,
}

impl<R: Read> FrameReader<R> {
    /// Wrap a buffered reader (`BufReader<TcpStream>`): a frame header is 4
    /// bytes, and one system call per 4 bytes would be slow.
    pub fn new(inner: R) -> FrameReader<R> {
        FrameReader {
            inner,
            buf: vec![0; 1 + MAX_PAYLOAD].into_boxed_slice(),
        }
    }

    /// **Framing, the heart of the exercise.** The next frame as (kind, payload),
    /// or `None` if the peer closed the connection cleanly, between two frames.
    ///
    /// 1. Read the 4-byte length with `read_or_eof`: `false` means a clean end.
    /// 2. `u32::from_be_bytes`; a length of 0 or over `1 + MAX_PAYLOAD` is
    ///    `FrameError::Malformed`: decide *before* reading the body.
    /// 3. `self.inner.read_exact(&mut self.buf[..len])`: it loops over short reads.
    ///    Its `ErrorKind::UnexpectedEof` means the peer closed mid-frame:
    ///    return `FrameError::Truncated`.
    /// 4. The first byte is the kind, the rest the payload.
    #[allow(unused_variables)]
    pub fn read_frame(&mut self) -> Result<Option<(u8, &[u8])>, FrameError> {
        todo!("read_frame: read_or_eof the length, check it, read_exact the body")
    }

    /// The next frame, decoded; `None` at a clean end of stream.
    pub fn read_message(&mut self) -> Result<Option<Message<'_>>, FrameError> {
        match self.read_frame()? {
            None => Ok(None),
            Some((kind, payload)) => Message::decode(kind, payload).map(Some),
        }
    }
}

/// Fills `buf` completely (`Ok(true)`), or finds the stream already at its end
/// (`Ok(false)`). Loop on `r.read(&mut buf[filled..])`: `Ok(0)` with nothing
/// read yet is a clean end; `Ok(0)` after some bytes is `FrameError::Truncated`;
/// retry on `ErrorKind::Interrupted`.
#[allow(unused_variables, dead_code)]
fn read_or_eof<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<bool, FrameError> {
    todo!("read_or_eof: loop on read() until buf is full; Ok(0) is the end")
}

/// A reusable DATA frame for the sending side. Read file bytes straight into
/// [`payload_mut`](DataFrame::payload_mut), then send [`frame`](DataFrame::frame):
/// header and payload leave in one `write`, with no copy and no allocation.
pub struct DataFrame {
    buf: Box<[u8]>,
}

impl Default for DataFrame {
    fn default() -> DataFrame {
        DataFrame {
            buf: vec![0; HEADER_LEN + MAX_PAYLOAD].into_boxed_slice(),
        }
    }
}

impl DataFrame {
    /// Room for up to [`MAX_PAYLOAD`] bytes of file content.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }

    /// The whole frame carrying the first `n` payload bytes (1..=MAX_PAYLOAD).
    pub fn frame(&mut self, n: usize) -> &[u8] {
        assert!((1..=MAX_PAYLOAD).contains(&n), "DATA payload of {n} bytes");
        self.buf[..4].copy_from_slice(&(1 + n as u32).to_be_bytes());
        self.buf[4] = kind::DATA;
        &self.buf[..HEADER_LEN + n]
    }
}

/// Reads until `buf` is full or the reader is at its end; returns the count.
/// A file read may return less than asked; filling whole frames keeps the
/// number of frames (and system calls) per file minimal.
pub fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// Why a name is refused (answered BAD_NAME).
#[derive(Debug, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong(usize),
    NotUtf8,
    StartsWithDot,
    Forbidden(char),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "empty name"),
            NameError::TooLong(len) => write!(f, "name of {len} bytes (limit {MAX_NAME})"),
            NameError::NotUtf8 => write!(f, "name is not UTF-8"),
            NameError::StartsWithDot => write!(f, "name starts with '.'"),
            NameError::Forbidden('\0') => write!(f, "name contains NUL"),
            NameError::Forbidden(c) => write!(f, "name contains '{c}'"),
        }
    }
}

/// Checks a requested name, in this order: not empty (`NameError::Empty`), at
/// most `MAX_NAME` bytes (`TooLong`), UTF-8 (`std::str::from_utf8`, else
/// `NotUtf8`), not starting with `.` (`StartsWithDot`), and without `/`, `\`,
/// `:` or NUL (`Forbidden(c)` with the first one found). Decode nothing:
/// `%2e%2e%2f` is a valid, harmless name.
#[allow(unused_variables)]
pub fn check_name(name: &[u8]) -> Result<&str, NameError> {
    todo!("check_name: empty, too long, from_utf8, starts_with('.'), forbidden chars")
}

/// Lowercase hexadecimal, for digests in messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Buffer of a [`TempFile`]: 256 KiB, four DATA frames per write to disk.
const FILE_BUF: usize = 256 * 1024;

/// Numbers temporary files within this process; with the process id it makes
/// names that concurrent connections and clients never share.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// A file written under a temporary name starting with `.` (a name no client
/// can ask for), renamed to its final name by [`commit`](TempFile::commit).
/// Dropping it without a commit deletes it: an error, a panic or a vanished
/// peer can never leave a partial file under the final name.
#[allow(dead_code)] // its fields are read by `commit` and `drop`
pub struct TempFile {
    path: PathBuf,
    /// `None` once closed, by `commit` or by drop.
    file: Option<BufWriter<File>>,
    committed: bool,
}

impl TempFile {
    /// Creates a new, empty temporary file in `dir`.
    pub fn create_in(dir: &Path) -> io::Result<TempFile> {
        loop {
            let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(".ft-{}-{n}.part", std::process::id()));
            // create_new fails if the name exists: we never write into a
            // file someone else made (or a symlink someone planted).
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    let file = Some(BufWriter::with_capacity(FILE_BUF, file));
                    return Ok(TempFile {
                        path,
                        file,
                        committed: false,
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(err),
            }
        }
    }

    /// Writes the last bytes and renames the file to `dest`.
    ///
    /// - Take the writer out of `self.file` and flush it: `into_inner()` (map its
    ///   error with `into_error()`).
    /// - `fs::rename(&self.path, dest)` (it replaces a file already there), and only
    ///   when it succeeded set `self.committed = true`, so that drop keeps it.
    #[allow(unused_variables, unused_mut)]
    pub fn commit(mut self, dest: &Path) -> io::Result<()> {
        todo!("commit: flush the writer, fs::rename, then mark it committed")
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("file is open").write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.as_mut().expect("file is open").write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("file is open").flush()
    }
}

impl Drop for TempFile {
    /// Deletes the file unless it was committed: close the writer without
    /// flushing (`self.file.take()` and `into_parts()`), then, if
    /// `!self.committed`, `fs::remove_file(&self.path)` (ignore its error: there
    /// is nobody to tell in a destructor).
    fn drop(&mut self) {
        todo!("drop: close the file, then fs::remove_file unless committed")
    }
}
