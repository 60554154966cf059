//! The file-transfer protocol as the grader speaks it (the contract is in the
//! book's "File transfer" chapter): length-prefixed frames over TCP.

use std::io;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::grade::lang::{Lang, tr};

pub const MAX_PAYLOAD: usize = 65536;

pub const LIST: u8 = 0x01;
pub const GET: u8 = 0x02;
pub const PUT: u8 = 0x03;
pub const DATA: u8 = 0x10;
pub const DONE: u8 = 0x11;
pub const ENTRY: u8 = 0x20;
pub const STATUS: u8 = 0x7f;

pub const OK: u8 = 0;
pub const NOT_FOUND: u8 = 1;
pub const BAD_NAME: u8 = 2;
pub const TOO_LARGE: u8 = 3;
pub const BAD_DIGEST: u8 = 4;
pub const MALFORMED: u8 = 5;
pub const SERVER_ERROR: u8 = 6;

/// The status code's name, as the chapter and the client's stderr spell it.
pub fn code_name(code: u8) -> &'static str {
    match code {
        OK => "OK",
        NOT_FOUND => "NOT_FOUND",
        BAD_NAME => "BAD_NAME",
        TOO_LARGE => "TOO_LARGE",
        BAD_DIGEST => "BAD_DIGEST",
        MALFORMED => "MALFORMED",
        SERVER_ERROR => "SERVER_ERROR",
        _ => "UNKNOWN",
    }
}

#[derive(Debug)]
pub struct Frame {
    pub kind: u8,
    pub payload: Vec<u8>,
}

/// The bytes of one frame: length, kind, payload.
pub fn encode(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(5 + payload.len());
    bytes.extend_from_slice(&(payload.len() as u32 + 1).to_be_bytes());
    bytes.push(kind);
    bytes.extend_from_slice(payload);
    bytes
}

pub async fn write_frame<W: AsyncWrite + Unpin>(
    out: &mut W,
    kind: u8,
    payload: &[u8],
) -> io::Result<()> {
    out.write_all(&encode(kind, payload)).await
}

/// Reads one frame; `None` at a clean end of stream (between frames).
pub async fn read_frame<R: AsyncRead + Unpin>(input: &mut R) -> io::Result<Option<Frame>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        let n = input.read(&mut len[got..]).await?;
        if n == 0 {
            return if got == 0 {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    FrameError::CutLength,
                ))
            };
        }
        got += n;
    }
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 || len > 1 + MAX_PAYLOAD {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            FrameError::Length(len),
        ));
    }
    let mut body = vec![0u8; len];
    input
        .read_exact(&mut body)
        .await
        .map_err(|err| match err.kind() {
            io::ErrorKind::UnexpectedEof => {
                io::Error::new(io::ErrorKind::UnexpectedEof, FrameError::CutBody(len))
            }
            _ => err,
        })?;
    let kind = body.remove(0);
    Ok(Some(Frame {
        kind,
        payload: body,
    }))
}

#[derive(Debug)]
pub struct Status {
    pub code: u8,
    pub value: u64,
    pub message: String,
}

pub fn status_payload(code: u8, value: u64, message: &str) -> Vec<u8> {
    let mut payload = vec![code];
    payload.extend_from_slice(&value.to_be_bytes());
    payload.extend_from_slice(message.as_bytes());
    payload
}

/// What is wrong with a frame the peer sent, in the report's language.
#[derive(Debug)]
pub enum FrameError {
    /// The connection closed inside a frame's 4-byte length.
    CutLength,
    /// The connection closed inside a frame of this length.
    CutBody(usize),
    /// A length of 0 or over the protocol's limit.
    Length(usize),
    /// Another kind where a STATUS was due.
    NotStatus(u8),
    /// A STATUS payload of this many bytes (at least 9).
    ShortStatus(usize),
    /// More than the announced bytes of DATA.
    TooMuchData(usize),
    /// Another kind where DATA or DONE was due.
    NotDataOrDone(u8),
}

impl FrameError {
    pub fn describe(&self, lang: Lang) -> String {
        match *self {
            FrameError::CutLength => lang
                .pick(
                    "closed inside a frame's length",
                    "프레임의 길이 4바이트 도중에 연결이 닫혔습니다",
                )
                .to_string(),
            FrameError::CutBody(len) => tr!(
                lang,
                "closed inside a frame of {len} bytes",
                "{len}바이트짜리 프레임 도중에 연결이 닫혔습니다"
            ),
            FrameError::Length(len) => tr!(
                lang,
                "frame length {len} out of range",
                "프레임 길이 {len}바이트는 허용 범위 밖입니다"
            ),
            FrameError::NotStatus(kind) => tr!(
                lang,
                "expected STATUS (0x7f), got kind 0x{kind:02x}",
                "STATUS(0x7f)를 기다렸는데 종류 0x{kind:02x}의 프레임이 왔습니다"
            ),
            FrameError::ShortStatus(len) => tr!(
                lang,
                "STATUS payload of {len} bytes, expected at least 9",
                "STATUS의 페이로드가 {len}바이트입니다. 적어도 9바이트여야 합니다"
            ),
            FrameError::TooMuchData(limit) => tr!(
                lang,
                "more than the announced {limit} bytes of DATA",
                "알린 {limit}바이트보다 많은 DATA가 왔습니다"
            ),
            FrameError::NotDataOrDone(kind) => tr!(
                lang,
                "expected DATA or DONE, got kind 0x{kind:02x}",
                "DATA나 DONE을 기다렸는데 종류 0x{kind:02x}의 프레임이 왔습니다"
            ),
        }
    }
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for FrameError {}

/// A read error for a report: a [`FrameError`] in the report's language,
/// any other (the system's, such as a reset) as the system says it.
pub fn io_text(lang: Lang, err: &io::Error) -> String {
    match err.get_ref().and_then(|e| e.downcast_ref::<FrameError>()) {
        Some(frame) => frame.describe(lang),
        None => err.to_string(),
    }
}

/// A STATUS frame's fields, or what is wrong with the frame.
pub fn parse_status(frame: &Frame) -> Result<Status, FrameError> {
    if frame.kind != STATUS {
        return Err(FrameError::NotStatus(frame.kind));
    }
    if frame.payload.len() < 9 {
        return Err(FrameError::ShortStatus(frame.payload.len()));
    }
    Ok(Status {
        code: frame.payload[0],
        value: u64::from_be_bytes(frame.payload[1..9].try_into().unwrap()),
        message: String::from_utf8_lossy(&frame.payload[9..]).into_owned(),
    })
}

/// A u64 size followed by a name (PUT, ENTRY).
pub fn size_and_name(size: u64, name: &[u8]) -> Vec<u8> {
    let mut payload = size.to_be_bytes().to_vec();
    payload.extend_from_slice(name);
    payload
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Streams `size` bytes as DATA frames of up to `MAX_PAYLOAD`, then DONE with `digest`.
pub async fn send_file<W: AsyncWrite + Unpin>(
    out: &mut W,
    content: &[u8],
    digest: &[u8; 32],
) -> io::Result<()> {
    for chunk in content.chunks(MAX_PAYLOAD) {
        write_frame(out, DATA, chunk).await?;
    }
    write_frame(out, DONE, digest).await
}

/// Why a file's DATA did not end in DONE.
#[derive(Debug)]
pub enum FileError {
    /// A frame out of place: more DATA than announced, or not DATA or DONE.
    Frame(FrameError),
    /// The connection closed between frames after this many bytes of DATA.
    Closed(usize),
    /// Reading failed (a reset, a cut or out-of-range frame).
    Io(io::Error),
}

impl FileError {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            FileError::Frame(what) => what.describe(lang),
            FileError::Closed(got) => tr!(
                lang,
                "the connection closed after {got} bytes of DATA, before DONE",
                "DATA {got}바이트 뒤, DONE이 오기 전에 연결이 닫혔습니다"
            ),
            FileError::Io(err) => tr!(
                lang,
                "reading DATA: {err}",
                "DATA를 읽는 중: {err}",
                err = io_text(lang, err)
            ),
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// Receives DATA frames until DONE: the bytes and the digest the peer sent.
pub async fn receive_file<R: AsyncRead + Unpin>(
    input: &mut R,
    limit: usize,
) -> Result<(Vec<u8>, Vec<u8>), FileError> {
    let mut content = Vec::new();
    loop {
        match read_frame(input).await {
            Ok(Some(frame)) if frame.kind == DATA => {
                content.extend_from_slice(&frame.payload);
                if content.len() > limit {
                    return Err(FileError::Frame(FrameError::TooMuchData(limit)));
                }
            }
            Ok(Some(frame)) if frame.kind == DONE => return Ok((content, frame.payload)),
            Ok(Some(frame)) => {
                return Err(FileError::Frame(FrameError::NotDataOrDone(frame.kind)));
            }
            Ok(None) => return Err(FileError::Closed(content.len())),
            Err(err) => return Err(FileError::Io(err)),
        }
    }
}
