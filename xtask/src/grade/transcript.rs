//! Short, escaped transcripts of what went over the wire: how many bytes each
//! side sent, and where the bytes first differ.

use std::fmt::Write;

use super::lang::{Lang, tr};

/// How many bytes of a payload a transcript line shows.
const SHOWN: usize = 24;

/// `bytes` as a quoted string with escapes (`\n`, `\x00`), cut after `max` bytes.
pub fn escape(bytes: &[u8], max: usize) -> String {
    let mut out = String::from("\"");
    for &byte in bytes.iter().take(max) {
        match byte {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push('"');
    if bytes.len() > max {
        out.push('…');
    }
    out
}

/// The index of the first byte where `got` differs from `expected` (a prefix differs at its end).
pub fn first_difference(expected: &[u8], got: &[u8]) -> Option<usize> {
    if expected == got {
        return None;
    }
    let common = expected.iter().zip(got).take_while(|(a, b)| a == b).count();
    Some(common)
}

/// Transcript lines comparing what was sent with what came back.
pub fn compare(lang: Lang, expected: &[u8], got: &[u8]) -> Vec<String> {
    let (sent_len, got_len) = (expected.len(), got.len());
    let mut lines = vec![
        tr!(
            lang,
            "expected {sent_len:>8} bytes: {}",
            "기대한 값 {sent_len:>8}바이트: {}",
            escape(expected, SHOWN)
        ),
        tr!(
            lang,
            "received {got_len:>8} bytes: {}",
            "받은 값   {got_len:>8}바이트: {}",
            escape(got, SHOWN)
        ),
    ];
    if let Some(at) = first_difference(expected, got) {
        let want = window(expected, at);
        let have = if at < got.len() {
            window(got, at)
        } else {
            lang.pick("end of data", "데이터 끝").to_string()
        };
        lines.push(tr!(
            lang,
            "first difference at byte {at}: expected {want}, received {have}",
            "처음 다른 곳은 {at}번째 바이트: 기대 {want}, 받음 {have}"
        ));
    }
    lines
}

fn window(bytes: &[u8], at: usize) -> String {
    if at >= bytes.len() {
        return "(end)".to_string();
    }
    escape(&bytes[at..], 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_binary_bytes() {
        assert_eq!(escape(b"hi\n\x00\xff\"", 10), "\"hi\\n\\x00\\xff\\\"\"");
        assert_eq!(escape(b"abcdef", 3), "\"abc\"…");
    }

    #[test]
    fn finds_the_first_difference() {
        assert_eq!(first_difference(b"hello", b"hello"), None);
        assert_eq!(first_difference(b"hello", b"help!"), Some(3));
        assert_eq!(first_difference(b"hello", b"he"), Some(2));
        assert_eq!(first_difference(b"he", b"hello"), Some(2));
    }

    #[test]
    fn compare_names_the_cut() {
        let lines = compare(Lang::En, b"hello, socket lab\n", b"hello");
        assert_eq!(lines.len(), 3);
        assert!(lines[2].contains("byte 5"), "{lines:?}");
        assert!(lines[2].contains("end of data"), "{lines:?}");
    }
}
