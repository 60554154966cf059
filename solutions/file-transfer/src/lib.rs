//! The file transfer protocol, shared by `ft-server` and `ft-client`.
//!
//! TCP delivers a byte stream without message boundaries, so every message
//! travels in a *frame*: a 4-byte big-endian length, a 1-byte kind, then the
//! payload. This module reads and writes frames, decodes them into
//! [`Message`]s, checks file names, and writes files under a temporary name
//! until they are verified ([`TempFile`]).

use std::fmt;
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

    /// Checks that `payload` has the right shape for `kind`. Names are not
    /// checked here: a bad name is answered BAD_NAME, not MALFORMED.
    pub fn decode(kind: u8, payload: &'a [u8]) -> Result<Message<'a>, FrameError> {
        let bad = |why: &str| Err(FrameError::Malformed(why.to_string()));
        match kind {
            kind::LIST if payload.is_empty() => Ok(Message::List),
            kind::LIST => bad("LIST carries no payload"),
            kind::GET => Ok(Message::Get { name: payload }),
            kind::PUT => match split_u64(payload) {
                Some((size, name)) => Ok(Message::Put { size, name }),
                None => bad("PUT payload is shorter than its 8-byte size"),
            },
            kind::DATA if payload.is_empty() => bad("DATA frame without data"),
            kind::DATA => Ok(Message::Data(payload)),
            kind::DONE => match payload.try_into() {
                Ok(digest) => Ok(Message::Done(digest)),
                Err(_) => bad("DONE payload is not a 32-byte digest"),
            },
            kind::ENTRY => match split_u64(payload) {
                Some((size, name)) => Ok(Message::Entry { size, name }),
                None => bad("ENTRY payload is shorter than its 8-byte size"),
            },
            kind::STATUS => {
                let Some((&code, rest)) = payload.split_first() else {
                    return bad("empty STATUS payload");
                };
                let Some(code) = Code::from_byte(code) else {
                    return bad("unknown status code");
                };
                let Some((value, message)) = split_u64(rest) else {
                    return bad("STATUS payload is shorter than code and value");
                };
                if message.len() > MAX_MESSAGE {
                    return bad("STATUS message is over 1024 bytes");
                }
                match std::str::from_utf8(message) {
                    Ok(message) => Ok(Message::Status {
                        code,
                        value,
                        message,
                    }),
                    Err(_) => bad("STATUS message is not UTF-8"),
                }
            }
            other => Err(FrameError::Malformed(format!(
                "unknown frame kind 0x{other:02X}"
            ))),
        }
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

/// Splits a big-endian u64 off the front of `bytes`.
fn split_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

fn write_frame<W: Write>(w: &mut W, kind: u8, parts: &[&[u8]]) -> io::Result<()> {
    let payload: usize = parts.iter().map(|part| part.len()).sum();
    if payload > MAX_PAYLOAD {
        // Only a bug of ours gets here (a name is at most 255 bytes, a
        // message at most 1024): refuse rather than send a frame the peer
        // must reject.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "frame payload over 64 KiB",
        ));
    }
    w.write_all(&(1 + payload as u32).to_be_bytes())?;
    w.write_all(&[kind])?;
    for part in parts {
        w.write_all(part)?;
    }
    Ok(())
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

    // ANCHOR: read_frame
    /// en: The next frame as (kind, payload), or `None` if the peer closed the
    /// connection cleanly, between two frames.
    /// ko: 다음 프레임을 (종류, 페이로드)로 돌려줍니다. 상대가 두 프레임 사이에서 연결을 깔끔하게
    /// 닫았으면 `None`입니다.
    pub fn read_frame(&mut self) -> Result<Option<(u8, &[u8])>, FrameError> {
        let mut len = [0u8; 4];
        if !read_or_eof(&mut self.inner, &mut len)? {
            return Ok(None);
        }
        let len = u32::from_be_bytes(len) as usize;
        // en: Check the length before reading the body: a peer announcing 4 GiB
        // must not make us allocate or wait for 4 GiB.
        // ko: 본문을 읽기 전에 길이를 검사합니다. 4 GiB를 보내겠다는 상대 때문에 4 GiB를 할당하거나
        // 기다려서는 안 됩니다.
        if len == 0 {
            return Err(FrameError::Malformed(
                "frame length 0 (a frame has at least its kind byte)".into(),
            ));
        }
        if len > 1 + MAX_PAYLOAD {
            return Err(FrameError::Malformed(format!(
                "frame length {len} is over the limit of {}",
                1 + MAX_PAYLOAD
            )));
        }
        let body = &mut self.buf[..len];
        // en: read_exact loops over short reads: TCP may deliver this frame in
        // pieces of any size. UnexpectedEof means the peer closed mid-frame.
        // ko: read_exact는 짧은 읽기를 되풀이해 채웁니다. TCP는 이 프레임을 아무 크기로나 나누어
        // 전달할 수 있습니다. UnexpectedEof는 상대가 프레임 중간에 닫았다는 뜻입니다.
        self.inner.read_exact(body).map_err(|err| {
            if err.kind() == io::ErrorKind::UnexpectedEof {
                FrameError::Truncated
            } else {
                FrameError::Io(err)
            }
        })?;
        Ok(Some((body[0], &body[1..])))
    }
    // ANCHOR_END: read_frame

    /// The next frame, decoded; `None` at a clean end of stream.
    pub fn read_message(&mut self) -> Result<Option<Message<'_>>, FrameError> {
        match self.read_frame()? {
            None => Ok(None),
            Some((kind, payload)) => Message::decode(kind, payload).map(Some),
        }
    }
}

/// Fills `buf` completely (`Ok(true)`), or finds the stream already at its end
/// (`Ok(false)`). An end after some bytes is a truncated frame.
fn read_or_eof<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<bool, FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(FrameError::Io(err)),
        }
    }
    Ok(true)
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

/// Checks a requested name: UTF-8, 1..=255 bytes, no leading `.`, no `/`,
/// `\`, `:` or NUL. A valid name is one plain file directly in the root: no
/// separator can lead into another folder, and no leading dot can be `..`
/// or one of the server's temporary files. Nothing is decoded: `%2e%2e%2f`
/// is a harmless name of nine characters.
pub fn check_name(name: &[u8]) -> Result<&str, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME {
        return Err(NameError::TooLong(name.len()));
    }
    let name = std::str::from_utf8(name).map_err(|_| NameError::NotUtf8)?;
    if name.starts_with('.') {
        return Err(NameError::StartsWithDot);
    }
    match name.chars().find(|c| matches!(c, '/' | '\\' | ':' | '\0')) {
        Some(c) => Err(NameError::Forbidden(c)),
        None => Ok(name),
    }
}

/// Lowercase hexadecimal, for digests in messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Buffer of a [`TempFile`]: 64 KiB, one full DATA payload. `BufWriter`
/// passes a write at least as large as its buffer straight to the file, so
/// a full frame costs one write() and no copy into the buffer first; small
/// frames (a peer may send them) are still gathered into one write.
const FILE_BUF: usize = MAX_PAYLOAD;

/// Numbers temporary files within this process; with the process id it makes
/// names that concurrent connections and clients never share.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// A file written under a temporary name starting with `.` (a name no client
/// can ask for), renamed to its final name by [`commit`](TempFile::commit).
/// Dropping it without a commit deletes it: an error, a panic or a vanished
/// peer can never leave a partial file under the final name.
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

    /// Writes the last bytes and renames the file to `dest`, replacing any
    /// file there. rename() within one folder is atomic: readers see the old
    /// file or the whole new one. (A database would also call `sync_all`
    /// first, to survive a power cut; that costs a disk flush per file.)
    pub fn commit(mut self, dest: &Path) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.into_inner().map_err(|err| err.into_error())?;
        }
        fs::rename(&self.path, dest)?;
        self.committed = true;
        Ok(())
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
    fn drop(&mut self) {
        // Close the file first, without writing out its buffer: nobody
        // will read those bytes.
        if let Some(file) = self.file.take() {
            drop(file.into_parts());
        }
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
