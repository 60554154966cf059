//! A second implementation of the file-transfer protocol, written from the
//! chapter alone: frames are parsed by hand out of a `BufReader`'s buffer
//! (`fill_buf`/`consume`), and the programs are organised as a session
//! object (server) and a command runner (client).

use std::io::{self, BufRead, BufReader, Read, Write};

pub const MAX_PAYLOAD: usize = 65_536;
pub const MAX_NAME: usize = 255;

pub const K_LIST: u8 = 0x01;
pub const K_GET: u8 = 0x02;
pub const K_PUT: u8 = 0x03;
pub const K_DATA: u8 = 0x10;
pub const K_DONE: u8 = 0x11;
pub const K_ENTRY: u8 = 0x20;
pub const K_STATUS: u8 = 0x7F;

pub const OK: u8 = 0;
pub const NOT_FOUND: u8 = 1;
pub const BAD_NAME: u8 = 2;
pub const TOO_LARGE: u8 = 3;
pub const BAD_DIGEST: u8 = 4;
pub const MALFORMED: u8 = 5;
pub const SERVER_ERROR: u8 = 6;

pub fn code_name(code: u8) -> &'static str {
    [
        "OK",
        "NOT_FOUND",
        "BAD_NAME",
        "TOO_LARGE",
        "BAD_DIGEST",
        "MALFORMED",
        "SERVER_ERROR",
    ]
    .get(code as usize)
    .copied()
    .unwrap_or("UNKNOWN")
}

/// What can go wrong while receiving.
#[derive(Debug)]
pub enum RecvError {
    /// The stream ended inside a frame.
    Cut,
    /// The bytes break the protocol.
    Bad(String),
    Io(io::Error),
}

impl std::fmt::Display for RecvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecvError::Cut => f.write_str("stream ended inside a frame"),
            RecvError::Bad(why) => write!(f, "protocol error: {why}"),
            RecvError::Io(err) => write!(f, "{err}"),
        }
    }
}

/// Frames out of a buffered byte stream. The 4 length bytes are taken from
/// the buffer directly; the body is copied into one reused vector.
pub struct Frames<R> {
    input: BufReader<R>,
    body: Vec<u8>,
}

impl<R: Read> Frames<R> {
    pub fn new(inner: R) -> Self {
        Frames {
            input: BufReader::with_capacity(128 * 1024, inner),
            body: Vec::with_capacity(1 + MAX_PAYLOAD),
        }
    }

    pub fn get_ref(&self) -> &R {
        self.input.get_ref()
    }

    /// Fills `out` from the buffer; returns how many bytes were there before
    /// the stream ended.
    fn take(&mut self, out: &mut [u8]) -> Result<usize, RecvError> {
        let mut have = 0;
        while have < out.len() {
            let chunk = match self.input.fill_buf() {
                Ok(chunk) => chunk,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(RecvError::Io(err)),
            };
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len().min(out.len() - have);
            out[have..have + n].copy_from_slice(&chunk[..n]);
            self.input.consume(n);
            have += n;
        }
        Ok(have)
    }

    /// The next (kind, payload); `None` when the stream ends between frames.
    pub fn next(&mut self) -> Result<Option<(u8, &[u8])>, RecvError> {
        let mut head = [0u8; 4];
        match self.take(&mut head)? {
            0 => return Ok(None),
            4 => {}
            _ => return Err(RecvError::Cut),
        }
        let len = u32::from_be_bytes(head) as usize;
        if !(1..=1 + MAX_PAYLOAD).contains(&len) {
            return Err(RecvError::Bad(format!("frame length {len}")));
        }
        let mut body = std::mem::take(&mut self.body);
        body.resize(len, 0);
        let got = self.take(&mut body);
        self.body = body;
        if got? < len {
            return Err(RecvError::Cut);
        }
        Ok(Some((self.body[0], &self.body[1..])))
    }
}

/// Writes one frame made of `parts` (into a buffered writer).
pub fn put_frame<W: Write>(out: &mut W, kind: u8, parts: &[&[u8]]) -> io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.write_all(&(len as u32 + 1).to_be_bytes())?;
    out.write_all(&[kind])?;
    for part in parts {
        out.write_all(part)?;
    }
    Ok(())
}

pub fn put_status<W: Write>(out: &mut W, code: u8, value: u64, text: &str) -> io::Result<()> {
    let mut end = text.len().min(1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    put_frame(
        out,
        K_STATUS,
        &[&[code], &value.to_be_bytes(), text[..end].as_bytes()],
    )
}

/// (u64, rest) of a PUT or ENTRY payload.
pub fn sized(payload: &[u8]) -> Option<(u64, &[u8])> {
    if payload.len() < 8 {
        return None;
    }
    let (size, rest) = payload.split_at(8);
    Some((u64::from_be_bytes(size.try_into().ok()?), rest))
}

/// A STATUS payload: (code, value, message).
pub fn status_of(payload: &[u8]) -> Option<(u8, u64, String)> {
    let (&code, rest) = payload.split_first()?;
    let (value, text) = sized(rest)?;
    Some((code, value, String::from_utf8_lossy(text).into_owned()))
}

/// The name rules: UTF-8, 1 to 255 bytes, no leading dot, no / \ : NUL.
pub fn valid_name(raw: &[u8]) -> Result<&str, &'static str> {
    if raw.is_empty() || raw.len() > MAX_NAME {
        return Err("name must be 1 to 255 bytes");
    }
    let name = std::str::from_utf8(raw).map_err(|_| "name is not UTF-8")?;
    if name.starts_with('.') {
        return Err("name starts with a dot");
    }
    if name.contains(['/', '\\', ':', '\0']) {
        return Err("name contains a separator or NUL");
    }
    Ok(name)
}

/// A file that deletes itself unless `keep` renamed it.
pub struct Scratch {
    pub path: std::path::PathBuf,
    pub file: Option<std::fs::File>,
}

impl Scratch {
    pub fn new(dir: &std::path::Path, tag: &str) -> io::Result<Scratch> {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        loop {
            let n = COUNTER.fetch_add(1, SeqCst);
            let path = dir.join(format!(".{tag}.{}.{n}.tmp", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(Scratch {
                        path,
                        file: Some(file),
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(err),
            }
        }
    }

    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => Err(io::Error::other("closed")),
        }
    }

    pub fn keep(mut self, dest: &std::path::Path) -> io::Result<()> {
        drop(self.file.take());
        std::fs::rename(&self.path, dest)?;
        self.path = std::path::PathBuf::new();
        Ok(())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
