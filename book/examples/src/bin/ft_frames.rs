//! The file transfer chapter's worked example: every frame of one upload,
//! `ft-client 127.0.0.1:7879 put hello.txt`, where hello.txt holds "hello\n".
//! Each frame is built the way the protocol says, then printed field by field
//! in hexadecimal.
//!
//! Run it with `cargo run -p book-examples --bin ft_frames` (`-- --lang ko`
//! for the Korean book's words).
//! Std only: the SHA-256 of DONE is computed here too (FIPS 180-4), so no
//! byte in the chapter is typed by hand.

use std::fmt::Write as _;

/// The file being uploaded, its name on the server, and its content.
pub const NAME: &str = "hello.txt";
pub const CONTENT: &[u8] = b"hello\n";

pub const PUT: u8 = 0x03;
pub const DATA: u8 = 0x10;
pub const DONE: u8 = 0x11;
pub const STATUS: u8 = 0x7F;
pub const OK: u8 = 0;

// ANCHOR: frame
/// en: One frame: a 4-byte big-endian length (kind + payload), the kind, the
/// payload.
/// ko: 프레임 하나: 4바이트 빅 엔디언 길이(종류 + 페이로드), 종류, 페이로드.
pub fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let len = 1 + payload.len() as u32;
    let mut bytes = len.to_be_bytes().to_vec();
    bytes.push(kind);
    bytes.extend_from_slice(payload);
    bytes
}

/// en: PUT's payload: the size as a big-endian u64, then the name.
/// ko: PUT의 페이로드: 빅 엔디언 u64 크기, 이어서 이름.
pub fn put_payload(size: u64, name: &str) -> Vec<u8> {
    let mut payload = size.to_be_bytes().to_vec();
    payload.extend_from_slice(name.as_bytes());
    payload
}

/// en: STATUS's payload: the code, a big-endian u64 value, then a UTF-8 message.
/// ko: STATUS의 페이로드: 코드, 빅 엔디언 u64 값, 이어서 UTF-8 메시지.
pub fn status_payload(code: u8, value: u64, message: &str) -> Vec<u8> {
    let mut payload = vec![code];
    payload.extend_from_slice(&value.to_be_bytes());
    payload.extend_from_slice(message.as_bytes());
    payload
}
// ANCHOR_END: frame

/// SHA-256 (FIPS 180-4), for DONE's payload.
pub fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // Padding: a 1 bit, zeros up to 56 mod 64 bytes, the length in bits.
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&(message.len() as u64 * 8).to_be_bytes());
    for block in padded.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes(word.try_into().unwrap());
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (state, value) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *state = state.wrapping_add(value);
        }
    }
    let mut digest = [0u8; 32];
    for (out, word) in digest.chunks_mut(4).zip(h) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Space-separated hex bytes.
fn hex(bytes: &[u8]) -> String {
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
    fn pick(self, en: &'static str, ko: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// One frame, one line per field: the bytes, then what they mean. The
/// length and the kind are read back from the frame itself; `fields`
/// describe the payload. Fields longer than 16 bytes take several lines.
fn describe(
    out: &mut String,
    lang: Lang,
    title: &str,
    frame: &[u8],
    kind: &str,
    fields: &[(usize, &str)],
) {
    let len = u32::from_be_bytes(frame[..4].try_into().unwrap());
    match lang {
        Lang::En => writeln!(out, "{title}, {} bytes:", frame.len()).unwrap(),
        Lang::Ko => writeln!(out, "{title}, {}바이트:", frame.len()).unwrap(),
    }
    writeln!(out, "  {:<47}  len = {len}", hex(&frame[..4])).unwrap();
    writeln!(out, "  {:<47}  kind = {kind}", hex(&frame[4..5])).unwrap();
    let mut at = 5;
    for &(size, meaning) in fields {
        let field = &frame[at..at + size];
        for (i, row) in field.chunks(16).enumerate() {
            let meaning = if i == 0 { meaning } else { "" };
            let line = format!("  {:<47}  {meaning}", hex(row));
            writeln!(out, "{}", line.trim_end()).unwrap();
        }
        at += size;
    }
    assert_eq!(at, frame.len(), "every byte of {title} is described");
    assert_eq!(len as usize, frame.len() - 4);
}

/// The whole upload, in the order the frames cross the connection, in
/// `lang`'s words.
pub fn exchange(lang: Lang) -> String {
    let size = CONTENT.len() as u64;
    let mut out = String::new();
    let to_server = lang.pick("client -> server", "클라이언트 -> 서버");
    let to_client = lang.pick("server -> client", "서버 -> 클라이언트");

    let put = frame(PUT, &put_payload(size, NAME));
    let put_fields = [
        (8, lang.pick("size = 6", "크기 = 6")),
        (
            NAME.len(),
            lang.pick("name = \"hello.txt\"", "이름 = \"hello.txt\""),
        ),
    ];
    let title = format!("{to_server}: PUT");
    describe(&mut out, lang, &title, &put, "PUT", &put_fields);

    let ok = frame(STATUS, &status_payload(OK, 0, ""));
    let go_fields = [
        (1, lang.pick("code = OK", "코드 = OK")),
        (
            8,
            lang.pick("value = 0 (send the file)", "값 = 0 (파일을 보내라)"),
        ),
    ];
    let title = format!("{to_client}: STATUS");
    describe(&mut out, lang, &title, &ok, "STATUS", &go_fields);

    let data = frame(DATA, CONTENT);
    let data_fields = [(
        CONTENT.len(),
        lang.pick("the file: \"hello\\n\"", "파일 내용: \"hello\\n\""),
    )];
    let title = format!("{to_server}: DATA");
    describe(&mut out, lang, &title, &data, "DATA", &data_fields);

    let done = frame(DONE, &sha256(CONTENT));
    let done_fields = [(32, lang.pick("SHA-256 of the file", "파일의 SHA-256"))];
    let title = format!("{to_server}: DONE");
    describe(&mut out, lang, &title, &done, "DONE", &done_fields);

    let stored = frame(STATUS, &status_payload(OK, size, ""));
    let stored_fields = [
        (1, lang.pick("code = OK", "코드 = OK")),
        (
            8,
            lang.pick("value = 6 (bytes stored)", "값 = 6 (저장한 바이트 수)"),
        ),
    ];
    let title = format!("{to_client}: STATUS");
    describe(&mut out, lang, &title, &stored, "STATUS", &stored_fields);
    out
}

/// `ft_frames [--lang en|ko]`: the walkthrough in English (the default) or Korean.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["--lang", "en"] => Lang::En,
        ["--lang", "ko"] => Lang::Ko,
        _ => {
            eprintln!("usage: ft_frames [--lang en|ko]");
            std::process::exit(2);
        }
    };
    print!("{}", exchange(lang));
}
