//! The chapter "Byte order and binary protocols": one 6-byte header (a 2-byte
//! kind, a 4-byte length) written big-endian and little-endian, read back with
//! the right order and with the wrong one, and the checks that catch the
//! wrong one before it does harm.
//!
//! Run it with `cargo run -p book-examples --bin byte_order` (`-- --lang ko`
//! for the Korean book's words). Std only; every byte in the chapter is
//! printed by this program.

use std::fmt::Write as _;

/// The header this program sends: kind 2, five bytes of payload to follow.
pub const KIND: u16 = 2;
pub const LEN: u32 = 5;

/// The kinds a receiver knows; anything else is a protocol error.
pub const KNOWN_KINDS: std::ops::RangeInclusive<u16> = 1..=3;

/// The largest payload a receiver accepts. At the limit the header is
/// refused before a single payload byte is read or any memory is reserved;
/// a real protocol picks this from what its messages need (file transfer's
/// frames: 65 537).
pub const MAX_LEN: u32 = 65_536;

/// The port of the book's strace output, `sin_port=htons(7878)`.
pub const PORT: u16 = 7878;

/// The two byte orders.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Order {
    /// Most significant byte first: network byte order.
    Big,
    /// Least significant byte first: the memory order of x86-64 and of ARM as
    /// Linux, macOS and Windows run it.
    Little,
}

/// One header, as the program holds it (native integers, any order).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Header {
    pub kind: u16,
    pub len: u32,
}

// ANCHOR: encode
/// en: The header's size on the wire: 2 + 4 bytes, no padding.
/// ko: 선(wire) 위에서 헤더의 크기: 2 + 4바이트, 채움 없음.
pub const HEADER_LEN: usize = 6;

/// en: Writes the header field by field; `to_be_bytes` puts the most
/// significant byte first whatever the CPU's own order is.
/// ko: 헤더를 필드 하나씩 씁니다. `to_be_bytes`는 CPU 자신의 순서가 무엇이든
/// 가장 높은 자리 바이트를 먼저 놓습니다.
pub fn encode(header: Header, order: Order) -> [u8; HEADER_LEN] {
    let (kind, len) = match order {
        Order::Big => (header.kind.to_be_bytes(), header.len.to_be_bytes()),
        Order::Little => (header.kind.to_le_bytes(), header.len.to_le_bytes()),
    };
    let mut bytes = [0u8; HEADER_LEN];
    bytes[..2].copy_from_slice(&kind);
    bytes[2..].copy_from_slice(&len);
    bytes
}
// ANCHOR_END: encode

/// Why a received header was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HeaderError {
    /// A kind the receiver does not know.
    UnknownKind(u16),
    /// A length over [`MAX_LEN`].
    TooLong(u32),
}

// ANCHOR: decode
/// en: Reads a header from the front of `buf`. Fewer than 6 bytes is not an
/// error: TCP may deliver the header in pieces, so `Ok(None)` says "read
/// more". Each field is copied out of the slice and checked before the
/// caller trusts it: a peer that wrote the other byte order, or garbage,
/// fails here instead of making us wait for 80 MB.
/// ko: `buf` 앞에서 헤더를 읽습니다. 6바이트가 안 되는 것은 오류가 아닙니다.
/// TCP는 헤더를 조각조각 건넬 수 있으므로 `Ok(None)`은 "더 읽어라"는 뜻입니다.
/// 필드마다 슬라이스에서 복사해 꺼내고, 호출한 쪽이 믿기 전에 검사합니다.
/// 반대 바이트 순서로 쓴 상대나 쓰레기 값을 보낸 상대는 여기서 걸리고,
/// 우리가 80MB를 기다리게 만들지 못합니다.
pub fn decode(buf: &[u8], order: Order) -> Result<Option<Header>, HeaderError> {
    let Some(bytes) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let kind = [bytes[0], bytes[1]];
    let len = [bytes[2], bytes[3], bytes[4], bytes[5]];
    let (kind, len) = match order {
        Order::Big => (u16::from_be_bytes(kind), u32::from_be_bytes(len)),
        Order::Little => (u16::from_le_bytes(kind), u32::from_le_bytes(len)),
    };
    if len > MAX_LEN {
        return Err(HeaderError::TooLong(len));
    }
    if !KNOWN_KINDS.contains(&kind) {
        return Err(HeaderError::UnknownKind(kind));
    }
    Ok(Some(Header { kind, len }))
}
// ANCHOR_END: decode

/// Reads the two fields without any check: what a careless receiver sees.
pub fn fields_unchecked(bytes: &[u8; HEADER_LEN], order: Order) -> Header {
    let kind = [bytes[0], bytes[1]];
    let len = [bytes[2], bytes[3], bytes[4], bytes[5]];
    match order {
        Order::Big => Header {
            kind: u16::from_be_bytes(kind),
            len: u32::from_be_bytes(len),
        },
        Order::Little => Header {
            kind: u16::from_le_bytes(kind),
            len: u32::from_le_bytes(len),
        },
    }
}

// ANCHOR: cast
/// en: The same two fields as a C struct. The compiler aligns `len` to 4
/// bytes, so two bytes of padding follow `kind`: the struct is 8 bytes, the
/// wire header 6. Casting received bytes to this type would read the padding
/// as data, keep the sender's byte order, and may point at an address not
/// aligned for `u32`, which Rust does not allow.
/// ko: 같은 두 필드를 C 구조체로 쓴 것. 컴파일러가 `len`을 4바이트 경계에 맞추므로
/// `kind` 뒤에 채움 바이트 2개가 들어가, 구조체는 8바이트이고 선 위의 헤더는
/// 6바이트입니다. 받은 바이트를 이 타입으로 캐스트하면 채움 자리를 데이터로 읽고,
/// 보낸 쪽의 바이트 순서를 그대로 쓰며, `u32`에 맞게 정렬되지 않은 주소를
/// 가리킬 수도 있습니다. Rust는 그런 참조를 허용하지 않습니다.
#[repr(C)]
pub struct HeaderAsStruct {
    pub kind: u16,
    pub len: u32,
}
// ANCHOR_END: cast

/// Space-separated hex bytes.
pub fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(" ")
}

/// The language of the walkthrough's words (the bytes are the same).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    fn pick<'a>(self, en: &'a str, ko: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

fn order_name(lang: Lang, order: Order) -> &'static str {
    match (lang, order) {
        (Lang::En, Order::Big) => "big-endian",
        (Lang::En, Order::Little) => "little-endian",
        (Lang::Ko, Order::Big) => "빅 엔디언",
        (Lang::Ko, Order::Little) => "리틀 엔디언",
    }
}

fn verdict(lang: Lang, result: Result<Option<Header>, HeaderError>) -> String {
    match (lang, result) {
        (Lang::En, Ok(Some(_))) => "accepted".to_string(),
        (Lang::Ko, Ok(Some(_))) => "받아들임".to_string(),
        (Lang::En, Ok(None)) => "incomplete: read more".to_string(),
        (Lang::Ko, Ok(None)) => "덜 옴: 더 읽어야 함".to_string(),
        (Lang::En, Err(HeaderError::UnknownKind(k))) => format!("refused: unknown kind {k}"),
        (Lang::Ko, Err(HeaderError::UnknownKind(k))) => format!("거부: 모르는 종류 {k}"),
        (Lang::En, Err(HeaderError::TooLong(n))) => {
            format!("refused: length {n} is over the limit of {MAX_LEN}")
        }
        (Lang::Ko, Err(HeaderError::TooLong(n))) => {
            format!("거부: 길이 {n}은 한도 {MAX_LEN}을 넘음")
        }
    }
}

/// The whole walkthrough, in `lang`'s words.
pub fn walkthrough(lang: Lang) -> String {
    let mut out = String::new();
    let header = Header {
        kind: KIND,
        len: LEN,
    };
    match lang {
        Lang::En => writeln!(
            out,
            "header: kind = {KIND} (u16), len = {LEN} (u32), {HEADER_LEN} bytes on the wire"
        ),
        Lang::Ko => writeln!(
            out,
            "헤더: kind = {KIND} (u16), len = {LEN} (u32), 선 위에서 {HEADER_LEN}바이트"
        ),
    }
    .unwrap();
    for order in [Order::Big, Order::Little] {
        let bytes = hex(&encode(header, order));
        writeln!(out, "  {bytes}  {}", order_name(lang, order)).unwrap();
    }

    writeln!(out).unwrap();
    writeln!(
        out,
        "{}",
        lang.pick(
            "written one way, read either way:",
            "한 순서로 쓰고, 두 순서로 읽기:"
        )
    )
    .unwrap();
    for written in [Order::Big, Order::Little] {
        let bytes = encode(header, written);
        for read in [written, other(written)] {
            let seen = fields_unchecked(&bytes, read);
            let what = match lang {
                Lang::En => format!(
                    "{} bytes read {}",
                    order_name(lang, written),
                    order_name(lang, read)
                ),
                Lang::Ko => format!(
                    "{}으로 쓰고 {}으로 읽음",
                    order_name(lang, written),
                    order_name(lang, read)
                ),
            };
            writeln!(out, "  {what}: kind = {}, len = {}", seen.kind, seen.len).unwrap();
            writeln!(out, "    -> {}", verdict(lang, decode(&bytes, read))).unwrap();
        }
    }

    writeln!(out).unwrap();
    let three = &encode(header, Order::Big)[..3];
    match lang {
        Lang::En => writeln!(
            out,
            "only {} bytes arrived ({}): {}",
            three.len(),
            hex(three),
            verdict(lang, decode(three, Order::Big))
        ),
        Lang::Ko => writeln!(
            out,
            "{}바이트만 도착({}): {}",
            three.len(),
            hex(three),
            verdict(lang, decode(three, Order::Big))
        ),
    }
    .unwrap();

    writeln!(out).unwrap();
    let wire = hex(&PORT.to_be_bytes());
    let memory = hex(&PORT.to_le_bytes());
    let swapped = PORT.swap_bytes();
    let stored = hex(&swapped.to_le_bytes());
    match lang {
        Lang::En => {
            writeln!(out, "port {PORT} = 0x{PORT:04x}").unwrap();
            writeln!(out, "  {wire}  on the wire (big-endian)").unwrap();
            writeln!(out, "  {memory}  in a little-endian CPU's memory").unwrap();
            writeln!(
                out,
                "  {stored}  htons({PORT}) = {swapped} in that CPU's memory"
            )
            .unwrap();
        }
        Lang::Ko => {
            writeln!(out, "포트 {PORT} = 0x{PORT:04x}").unwrap();
            writeln!(out, "  {wire}  선 위(빅 엔디언)").unwrap();
            writeln!(out, "  {memory}  리틀 엔디언 CPU의 메모리").unwrap();
            writeln!(
                out,
                "  {stored}  그 CPU의 메모리에 있는 htons({PORT}) = {swapped}"
            )
            .unwrap();
        }
    }

    writeln!(out).unwrap();
    let size = std::mem::size_of::<HeaderAsStruct>();
    let align = std::mem::align_of::<HeaderAsStruct>();
    match lang {
        Lang::En => writeln!(
            out,
            "#[repr(C)] struct {{ kind: u16, len: u32 }}: {size} bytes, aligned to {align}; the wire header: {HEADER_LEN}"
        ),
        Lang::Ko => writeln!(
            out,
            "#[repr(C)] struct {{ kind: u16, len: u32 }}: {size}바이트, {align}바이트 정렬. 선 위의 헤더: {HEADER_LEN}바이트"
        ),
    }
    .unwrap();
    out
}

fn other(order: Order) -> Order {
    match order {
        Order::Big => Order::Little,
        Order::Little => Order::Big,
    }
}

/// `byte_order [--lang en|ko]`: the walkthrough in English (the default) or Korean.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["--lang", "en"] => Lang::En,
        ["--lang", "ko"] => Lang::Ko,
        _ => {
            eprintln!("usage: byte_order [--lang en|ko]");
            std::process::exit(2);
        }
    };
    print!("{}", walkthrough(lang));
}
