//! en:
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
//!
//! ko:
//! # 실습 2 · 파일 전송: 프로토콜
//!
//! 서버와 클라이언트는 프로토콜 하나로 대화하고, 그 프로토콜이 이 파일에 있습니다. 두 프로그램
//! 모두 이 파일을 씁니다(`use file_transfer::…`). TCP는 메시지 경계가 없는 바이트
//! 스트림(byte stream)을 전달하므로, 모든 메시지는 *프레임*(frame)에 담겨 오갑니다. 4바이트
//! 빅 엔디언(big-endian) 길이, 1바이트 종류(kind), 그다음 페이로드(payload)입니다.
//!
//! 주어진 것: 상수, 종류, 상태 코드, `Message` 타입, 오류 타입. 여러분이 할 것: 프레임
//! 인코딩과 디코딩, 스트림에서 프레임 읽기, 이름 검사, 스스로 지워지는 임시 파일(temporary
//! file). 여기서 시작해서 `src/bin/ft-server.rs`, 그다음 `src/bin/ft-client.rs`로 가세요.
//! 정확한 바이트 배치는 책의 '파일 전송' 장에 있습니다. 채점은
//! `cargo xtask grade file-transfer`로 합니다.

use std::fmt;
// en: `fs::rename` and `fs::remove_file` are yours to call.
// ko: `fs::rename`과 `fs::remove_file`은 여러분이 부를 함수입니다.
#[allow(unused_imports)]
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// en: Largest payload of a frame: 64 KiB, the size of the DATA frames a sender
/// makes. A frame announcing more is malformed and is never read: the receiver
/// needs one buffer of this size per connection, whatever a peer claims.
/// Bigger frames would mean fewer headers and system calls per file; 64 KiB
/// already makes the 5-byte header less than 0.01 % of the traffic.
///
/// ko: 프레임 페이로드의 최대 크기: 64 KiB, 보내는 쪽이 만드는 DATA 프레임의 크기입니다. 이보다
/// 크다고 알리는 프레임은 잘못된 것이고 읽지 않습니다. 상대가 무엇을 주장하든 받는 쪽은 연결마다
/// 이 크기의 버퍼 하나면 됩니다. 프레임이 더 크면 파일마다 헤더와 시스템 호출이 줄겠지만, 64 KiB만
/// 되어도 5바이트 헤더는 이미 전송량의 0.01 %도 안 됩니다.
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// en: Bytes before the payload: the 4-byte length and the kind.
/// ko: 페이로드 앞의 바이트: 4바이트 길이와 종류입니다.
pub const HEADER_LEN: usize = 5;

/// en: Size of a SHA-256 digest, the payload of DONE.
/// ko: SHA-256 다이제스트(digest)의 크기, DONE의 페이로드입니다.
pub const DIGEST_LEN: usize = 32;

/// en: Longest valid name, in bytes: the usual file system limit (NAME_MAX).
/// ko: 올바른 이름의 최대 길이(바이트)입니다. 파일 시스템의 보통 한도(NAME_MAX)와 같습니다.
pub const MAX_NAME: usize = 255;

/// en: Longest message of a STATUS frame, in bytes. Longer texts are cut.
/// ko: STATUS 프레임 메시지의 최대 길이(바이트)입니다. 더 긴 글은 잘립니다.
pub const MAX_MESSAGE: usize = 1024;

/// en: The server's default `--max-size`: 4 GiB. A PUT that announces more is
/// answered TOO_LARGE before a single byte of the file is sent.
/// ko: 서버의 기본 `--max-size`: 4 GiB. 이보다 크다고 알리는 PUT에는 파일의 바이트가 하나도
/// 오기 전에 TOO_LARGE로 답합니다.
pub const DEFAULT_MAX_SIZE: u64 = 4 * 1024 * 1024 * 1024;

/// en: The kind byte of each frame.
/// ko: 프레임마다 붙는 종류 바이트입니다.
pub mod kind {
    pub const LIST: u8 = 0x01;
    pub const GET: u8 = 0x02;
    pub const PUT: u8 = 0x03;
    pub const DATA: u8 = 0x10;
    pub const DONE: u8 = 0x11;
    pub const ENTRY: u8 = 0x20;
    pub const STATUS: u8 = 0x7F;
}

/// en: The status code of a STATUS frame.
/// ko: STATUS 프레임의 상태 코드입니다.
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

    /// en: The name the client prints: `server: NOT_FOUND: …`.
    /// ko: 클라이언트가 찍는 이름입니다: `server: NOT_FOUND: …`.
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

/// en: One decoded frame. Byte slices borrow the reader's buffer: decoding
/// allocates nothing, so a 1 GiB file costs no allocation per DATA frame.
/// ko: 디코딩한 프레임 하나입니다. 바이트 슬라이스는 읽는 쪽의 버퍼를 빌립니다. 디코딩은 아무것도
/// 할당하지 않으므로 1 GiB 파일도 DATA 프레임마다 할당하지 않습니다.
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
    /// en: A STATUS frame; a message over [`MAX_MESSAGE`] bytes is cut at a
    /// character boundary.
    /// ko: STATUS 프레임입니다. [`MAX_MESSAGE`]바이트를 넘는 메시지는 문자 경계에서 자릅니다.
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

    /// en: The frame's kind by name, for messages.
    /// ko: 메시지에 쓸, 프레임 종류의 이름입니다.
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

    /// en: Checks that `payload` has the right shape for `kind` and decodes it.
    ///
    /// - Match on `kind` (the constants in [`kind`]); an unknown kind is
    ///   `FrameError::Malformed`.
    /// - LIST: empty payload. GET: the payload is the name. PUT and ENTRY: a u64
    ///   size first (`split_u64`), then the name. DATA: 1 byte or more. DONE:
    ///   exactly 32 bytes (`payload.try_into()`). STATUS: a known code
    ///   (`Code::from_byte`), a u64 value, then at most 1024 bytes of UTF-8
    ///   (`std::str::from_utf8`).
    /// - Do not check names here: a bad name is answered BAD_NAME, not MALFORMED.
    ///
    /// ko: `payload`가 `kind`에 맞는 모양인지 확인하고 디코딩합니다.
    ///
    /// - `kind`로 match하세요([`kind`]의 상수). 모르는 종류는 `FrameError::Malformed`입니다.
    /// - LIST: 빈 페이로드. GET: 페이로드가 곧 이름. PUT과 ENTRY: 먼저 u64 크기
    ///   (`split_u64`), 그다음 이름. DATA: 1바이트 이상. DONE: 정확히 32바이트
    ///   (`payload.try_into()`). STATUS: 아는 코드(`Code::from_byte`), u64 값, 그다음 최대
    ///   1024바이트의 UTF-8(`std::str::from_utf8`).
    /// - 여기서는 이름을 검사하지 마세요. 잘못된 이름에는 MALFORMED가 아니라 BAD_NAME으로 답합니다.
    #[allow(unused_variables)]
    pub fn decode(kind: u8, payload: &'a [u8]) -> Result<Message<'a>, FrameError> {
        // ko: decode: kind로 match, 페이로드 길이 확인, Message 만들기
        todo!("decode: match kind, check the payload's length, build the Message")
    }

    /// en: Writes the frame. Through a `BufWriter` the pieces below cost no
    /// system call each: they leave together at the next flush.
    /// ko: 프레임을 씁니다. `BufWriter`를 거치면 아래 조각마다 시스템 호출이 들지 않고, 다음
    /// flush 때 함께 나갑니다.
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

/// en: Splits a big-endian u64 off the front of `bytes`. (Given; `decode` uses it.)
/// ko: `bytes` 앞에서 빅 엔디언 u64를 떼어 냅니다. (주어진 코드입니다. `decode`가 씁니다.)
#[allow(dead_code)]
fn split_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

/// en: Writes one frame: the length (`1 + payload length` as a big-endian u32,
/// `u32::to_be_bytes`), the kind byte, then every part of the payload in order,
/// each with `w.write_all`. The payload is the parts' total; refuse more than
/// `MAX_PAYLOAD` bytes with an `io::Error` (`ErrorKind::InvalidInput`).
///
/// ko: 프레임 하나를 씁니다. 길이(`1 + payload length`를 빅 엔디언 u32로,
/// `u32::to_be_bytes`), 종류 바이트, 그다음 페이로드의 모든 조각을 순서대로, 각각
/// `w.write_all`로 씁니다. 페이로드는 조각들을 합친 것입니다. `MAX_PAYLOAD`바이트를 넘으면
/// `io::Error`(`ErrorKind::InvalidInput`)로 거절하세요.
#[allow(unused_variables, dead_code)]
fn write_frame<W: Write>(w: &mut W, kind: u8, parts: &[&[u8]]) -> io::Result<()> {
    // ko: write_frame: 길이, 종류, 그다음 각 조각을 write_all
    todo!("write_frame: write_all the length, the kind, then each part")
}

/// en: Why a frame could not be read.
/// ko: 프레임을 읽지 못한 이유입니다.
#[derive(Debug)]
pub enum FrameError {
    /// en: The connection failed: reset, timed out, …
    /// ko: 연결이 실패했습니다. 리셋(RST), 타임아웃, …
    Io(io::Error),
    /// en: The peer closed the connection in the middle of a frame. A close
    /// *between* frames is a clean end, reported as `Ok(None)` instead.
    /// ko: 상대가 프레임 중간에 연결을 닫았습니다(잘린 프레임). 프레임 *사이*에서 닫는 것은
    /// 깨끗한 끝이며, 이것 대신 `Ok(None)`으로 알립니다.
    Truncated,
    /// en: The bytes break the protocol; the text says how.
    /// ko: 바이트가 프로토콜을 어겼습니다. 어떻게 어겼는지는 글에 적습니다.
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

/// en: Reads frames from a byte stream into one reusable buffer. (`read_frame`
/// reads its fields.)
/// ko: 바이트 스트림에서 다시 쓰는 버퍼 하나로 프레임을 읽습니다. (필드는 `read_frame`이
/// 읽습니다.)
#[allow(dead_code)]
pub struct FrameReader<R> {
    inner: R,
    /// en: Kind byte and payload of the last frame: `1 + MAX_PAYLOAD` bytes,
    /// allocated once per connection.
    /// ko: 마지막 프레임의 종류 바이트와 페이로드입니다. `1 + MAX_PAYLOAD`바이트이며, 연결마다
    /// 한 번 할당합니다.
    buf: Box<[u8]>,
}

impl<R: Read> FrameReader<R> {
    /// en: Wrap a buffered reader (`BufReader<TcpStream>`): a frame header is 4
    /// bytes, and one system call per 4 bytes would be slow.
    /// ko: 버퍼가 있는 reader(`BufReader<TcpStream>`)를 감싸세요. 프레임 헤더는 4바이트이고,
    /// 4바이트마다 시스템 호출을 하면 느립니다.
    pub fn new(inner: R) -> FrameReader<R> {
        FrameReader {
            inner,
            buf: vec![0; 1 + MAX_PAYLOAD].into_boxed_slice(),
        }
    }

    /// en: **Framing, the heart of the exercise.** The next frame as (kind, payload),
    /// or `None` if the peer closed the connection cleanly, between two frames.
    ///
    /// 1. Read the 4-byte length with `read_or_eof`: `false` means a clean end.
    /// 2. `u32::from_be_bytes`; a length of 0 or over `1 + MAX_PAYLOAD` is
    ///    `FrameError::Malformed`: decide *before* reading the body.
    /// 3. `self.inner.read_exact(&mut self.buf[..len])`: it loops over short reads.
    ///    Its `ErrorKind::UnexpectedEof` means the peer closed mid-frame:
    ///    return `FrameError::Truncated`.
    /// 4. The first byte is the kind, the rest the payload.
    ///
    /// ko: **프레이밍(framing), 이 실습의 핵심입니다.** 다음 프레임을 (종류, 페이로드)로
    /// 돌려주고, 상대가 두 프레임 사이에서 깨끗하게 연결을 닫았으면 `None`을 돌려줍니다.
    ///
    /// 1. `read_or_eof`로 4바이트 길이를 읽습니다. `false`는 깨끗한 끝입니다.
    /// 2. `u32::from_be_bytes`. 길이가 0이거나 `1 + MAX_PAYLOAD`를 넘으면
    ///    `FrameError::Malformed`입니다. 본문을 읽기 *전에* 판단하세요.
    /// 3. `self.inner.read_exact(&mut self.buf[..len])`: 짧은 읽기를 알아서 반복합니다.
    ///    `ErrorKind::UnexpectedEof`는 상대가 프레임 중간에 닫았다는 뜻입니다.
    ///    `FrameError::Truncated`를 돌려주세요.
    /// 4. 첫 바이트가 종류이고, 나머지가 페이로드입니다.
    #[allow(unused_variables)]
    pub fn read_frame(&mut self) -> Result<Option<(u8, &[u8])>, FrameError> {
        // ko: read_frame: read_or_eof로 길이, 길이 확인, read_exact로 본문
        todo!("read_frame: read_or_eof the length, check it, read_exact the body")
    }

    /// en: The next frame, decoded; `None` at a clean end of stream.
    /// ko: 디코딩한 다음 프레임입니다. 깨끗한 스트림 끝에서는 `None`입니다.
    pub fn read_message(&mut self) -> Result<Option<Message<'_>>, FrameError> {
        match self.read_frame()? {
            None => Ok(None),
            Some((kind, payload)) => Message::decode(kind, payload).map(Some),
        }
    }
}

/// en: Fills `buf` completely (`Ok(true)`), or finds the stream already at its end
/// (`Ok(false)`). Loop on `r.read(&mut buf[filled..])`: `Ok(0)` with nothing
/// read yet is a clean end; `Ok(0)` after some bytes is `FrameError::Truncated`;
/// retry on `ErrorKind::Interrupted`.
///
/// ko: `buf`를 끝까지 채우거나(`Ok(true)`), 스트림이 이미 끝난 것을 알아냅니다(`Ok(false)`).
/// `r.read(&mut buf[filled..])`를 반복하세요. 아직 아무것도 읽지 않았을 때의 `Ok(0)`은 깨끗한
/// 끝이고, 몇 바이트 읽은 뒤의 `Ok(0)`은 `FrameError::Truncated`입니다.
/// `ErrorKind::Interrupted`이면 다시 시도합니다.
#[allow(unused_variables, dead_code)]
fn read_or_eof<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<bool, FrameError> {
    // ko: read_or_eof: buf가 찰 때까지 read()를 반복, Ok(0)은 끝
    todo!("read_or_eof: loop on read() until buf is full; Ok(0) is the end")
}

/// en: A reusable DATA frame for the sending side. Read file bytes straight into
/// [`payload_mut`](DataFrame::payload_mut), then send [`frame`](DataFrame::frame):
/// header and payload leave in one `write`, with no copy and no allocation.
/// ko: 보내는 쪽이 다시 쓰는 DATA 프레임입니다. 파일의 바이트를
/// [`payload_mut`](DataFrame::payload_mut)에 바로 읽어 넣고 [`frame`](DataFrame::frame)을
/// 보내세요. 헤더와 페이로드가 복사도 할당도 없이 `write` 한 번에 나갑니다.
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
    /// en: Room for up to [`MAX_PAYLOAD`] bytes of file content.
    /// ko: 파일 내용을 최대 [`MAX_PAYLOAD`]바이트까지 담을 자리입니다.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buf[HEADER_LEN..]
    }

    /// en: The whole frame carrying the first `n` payload bytes (1..=MAX_PAYLOAD).
    /// ko: 페이로드의 처음 `n`바이트를 실은 프레임 전체입니다(1..=MAX_PAYLOAD).
    pub fn frame(&mut self, n: usize) -> &[u8] {
        assert!((1..=MAX_PAYLOAD).contains(&n), "DATA payload of {n} bytes");
        self.buf[..4].copy_from_slice(&(1 + n as u32).to_be_bytes());
        self.buf[4] = kind::DATA;
        &self.buf[..HEADER_LEN + n]
    }
}

/// en: Reads until `buf` is full or the reader is at its end; returns the count.
/// A file read may return less than asked; filling whole frames keeps the
/// number of frames (and system calls) per file minimal.
/// ko: `buf`가 차거나 reader가 끝날 때까지 읽고, 읽은 수를 돌려줍니다. 파일 읽기는 요청보다 적게
/// 돌려줄 수 있습니다. 프레임을 가득 채워야 파일마다 프레임(과 시스템 호출) 수가 가장 적습니다.
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

/// en: Why a name is refused (answered BAD_NAME).
/// ko: 이름을 거절하는 이유입니다(BAD_NAME으로 답합니다).
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

/// en: Checks a requested name, in this order: not empty (`NameError::Empty`), at
/// most `MAX_NAME` bytes (`TooLong`), UTF-8 (`std::str::from_utf8`, else
/// `NotUtf8`), not starting with `.` (`StartsWithDot`), and without `/`, `\`,
/// `:` or NUL (`Forbidden(c)` with the first one found). Decode nothing:
/// `%2e%2e%2f` is a valid, harmless name.
///
/// ko: 요청받은 이름을 이 순서로 검사합니다: 비어 있지 않음(`NameError::Empty`), 최대
/// `MAX_NAME`바이트(`TooLong`), UTF-8(`std::str::from_utf8`, 아니면 `NotUtf8`), `.`으로
/// 시작하지 않음(`StartsWithDot`), `/`, `\`, `:`, NUL이 없음(처음 찾은 문자로
/// `Forbidden(c)`). 아무것도 디코딩하지 마세요. `%2e%2e%2f`는 올바르고 해롭지 않은 이름입니다.
#[allow(unused_variables)]
pub fn check_name(name: &[u8]) -> Result<&str, NameError> {
    // ko: check_name: 빈 이름, 너무 긴 이름, from_utf8, starts_with('.'), 금지된 문자
    todo!("check_name: empty, too long, from_utf8, starts_with('.'), forbidden chars")
}

/// en: Lowercase hexadecimal, for digests in messages.
/// ko: 메시지에 다이제스트를 쓸 때의 소문자 십육진수입니다.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// en: Buffer of a [`TempFile`]: 256 KiB, four DATA frames per write to disk.
/// ko: [`TempFile`]의 버퍼: 256 KiB, 디스크에 한 번 쓸 때마다 DATA 프레임 네 개입니다.
const FILE_BUF: usize = 256 * 1024;

/// en: Numbers temporary files within this process; with the process id it makes
/// names that concurrent connections and clients never share.
/// ko: 이 프로세스 안에서 임시 파일에 번호를 붙입니다. 프로세스 id와 함께 쓰면 동시에 열린
/// 연결이나 클라이언트끼리 절대 겹치지 않는 이름이 됩니다.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// en: A file written under a temporary name starting with `.` (a name no client
/// can ask for), renamed to its final name by [`commit`](TempFile::commit).
/// Dropping it without a commit deletes it: an error, a panic or a vanished
/// peer can never leave a partial file under the final name. (`commit` and
/// `drop` read its fields.)
///
/// ko: `.`으로 시작하는 임시 이름(어떤 클라이언트도 요청할 수 없는 이름)으로 쓰는 파일이며,
/// [`commit`](TempFile::commit)이 최종 이름으로 바꿉니다. commit 없이 drop하면 지워집니다.
/// 오류, 패닉, 사라진 상대 때문에 최종 이름으로 반쪽짜리 파일이 남는 일은 절대 없습니다.
/// (필드는 `commit`과 `drop`이 읽습니다.)
#[allow(dead_code)]
pub struct TempFile {
    path: PathBuf,
    /// en: `None` once closed, by `commit` or by drop.
    /// ko: `commit`이나 drop으로 닫히면 `None`입니다.
    file: Option<BufWriter<File>>,
    committed: bool,
}

impl TempFile {
    /// en: Creates a new, empty temporary file in `dir`.
    /// ko: `dir`에 비어 있는 새 임시 파일을 만듭니다.
    pub fn create_in(dir: &Path) -> io::Result<TempFile> {
        loop {
            let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(".ft-{}-{n}.part", std::process::id()));
            // en: create_new fails if the name exists: we never write into a
            // file someone else made (or a symlink someone planted).
            // ko: 이름이 이미 있으면 create_new가 실패합니다. 남이 만든 파일(이나 누군가
            // 심어 둔 심볼릭 링크)에는 절대 쓰지 않습니다.
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

    /// en: Writes the last bytes and renames the file to `dest`.
    ///
    /// - Take the writer out of `self.file` and flush it: `into_inner()` (map its
    ///   error with `into_error()`).
    /// - `fs::rename(&self.path, dest)` (it replaces a file already there), and only
    ///   when it succeeded set `self.committed = true`, so that drop keeps it.
    ///
    /// ko: 남은 바이트를 쓰고 파일 이름을 `dest`로 바꿉니다.
    ///
    /// - `self.file`에서 writer를 꺼내 flush하세요: `into_inner()`(그 오류는
    ///   `into_error()`로 바꿉니다).
    /// - `fs::rename(&self.path, dest)`(이미 있는 파일은 바뀝니다). 성공했을 때만
    ///   `self.committed = true`로 두어야 drop이 파일을 남깁니다.
    #[allow(unused_variables, unused_mut)]
    pub fn commit(mut self, dest: &Path) -> io::Result<()> {
        // ko: commit: writer를 flush, fs::rename, 그다음 commit했다고 표시
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
    /// en: Deletes the file unless it was committed: close the writer without
    /// flushing (`self.file.take()` and `into_parts()`), then, if
    /// `!self.committed`, `fs::remove_file(&self.path)` (ignore its error: there
    /// is nobody to tell in a destructor).
    ///
    /// ko: commit하지 않았으면 파일을 지웁니다. writer를 flush하지 않고 닫은 뒤
    /// (`self.file.take()`와 `into_parts()`), `!self.committed`이면
    /// `fs::remove_file(&self.path)`를 부릅니다(오류는 무시하세요. 소멸자에서는 알릴 상대가
    /// 없습니다).
    fn drop(&mut self) {
        // ko: drop: 파일을 닫고, commit하지 않았으면 fs::remove_file
        todo!("drop: close the file, then fs::remove_file unless committed")
    }
}
