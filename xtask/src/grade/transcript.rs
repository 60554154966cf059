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

/// How many characters of one line of a program's output a report quotes.
pub const LINE_MAX: usize = 200;

/// Text that a student's program or the compiler printed, made safe to quote
/// in a terminal, a report file or a CI log: newlines are kept (for text meant
/// to be multi-line, like the compiler's error), a tab becomes four spaces, and
/// every other control character and bidi control is shown as an escape (see
/// [`escape_line`]). Each line is cut after `max_line` characters, with `…`.
pub fn escape_text(text: &str, max_line: usize) -> String {
    text.split('\n')
        .map(|line| escape_chars(line.strip_suffix('\r').unwrap_or(line), max_line, "    "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many characters of one line of a report's message (our words and the
/// quotes in them) are shown: a last bound on anything quoted unbounded.
pub const REPORT_LINE_MAX: usize = 4 * LINE_MAX;

/// A message, transcript line or hint as a report shows it: lines kept,
/// control characters escaped (never echoed raw), each line cut.
pub fn safe(text: &str) -> String {
    escape_text(text, REPORT_LINE_MAX)
}

/// The first three lines a program wrote to stderr, escaped, as transcript
/// lines (`stderr: …`). Blank lines and Rust's `note: run with
/// RUST_BACKTRACE=1` line are left out: a panic starts with a blank line, and
/// neither says anything about the program.
pub fn stderr_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    lines
        .into_iter()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
        .take(3)
        .map(|l| format!("stderr: {}", escape_line(l, LINE_MAX)))
        .collect()
}

/// One line of a program's output, quoted in a sentence or a transcript line:
/// `\n`, `\r` and `\t` as those escapes; every other C0 and C1 control
/// character, DEL, and the Unicode bidi controls (U+202A–U+202E,
/// U+2066–U+2069, the marks U+200E, U+200F, U+061C) and line and paragraph
/// separators as `\u{1b}`-style escapes, so that a program cannot move the
/// cursor, clear the screen, set the window title or reorder the text around
/// it. Cut after `max` characters (escapes counted as shown), with `…`.
pub fn escape_line(text: &str, max: usize) -> String {
    escape_chars(text, max, "\\t")
}

fn escape_chars(text: &str, max: usize, tab: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let escaped;
        let piece: &str = match c {
            '\t' => tab,
            '\n' => "\\n",
            '\r' => "\\r",
            c if hides_text(c) => {
                escaped = format!("\\u{{{:x}}}", u32::from(c));
                &escaped
            }
            c => c.encode_utf8(&mut buf),
        };
        let n = piece.chars().count();
        if width + n > max {
            out.push('…');
            break;
        }
        out.push_str(piece);
        width += n;
    }
    out
}

/// Characters a terminal or a log viewer acts on instead of showing them.
fn hides_text(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (ESC, BEL, backspace, CSI …)
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
        )
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
            "first difference at offset {at} (counted from 0): expected {want}, received {have}",
            "처음 다른 곳은 오프셋 {at}(0부터 셈): 기대 {want}, 받음 {have}"
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
    fn stderr_lines_skip_a_panics_blank_line_and_backtrace_note() {
        let panic = "\nthread 'main' (7) panicked at src/main.rs:3:5:\nboom\n\
                     note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
                     after";
        assert_eq!(
            stderr_lines(panic.lines()),
            [
                "stderr: thread 'main' (7) panicked at src/main.rs:3:5:",
                "stderr: boom",
                "stderr: after"
            ]
        );
    }

    #[test]
    fn escapes_control_and_binary_bytes() {
        assert_eq!(escape(b"hi\n\x00\xff\"", 10), "\"hi\\n\\x00\\xff\\\"\"");
        assert_eq!(escape(b"abcdef", 3), "\"abc\"…");
    }

    #[test]
    fn escape_line_shows_every_control_character() {
        assert_eq!(
            escape_line("a\x1b[2J\x1b]0;pwned\x07b\rc\x08d\x7fe\u{9b}f", 100),
            "a\\u{1b}[2J\\u{1b}]0;pwned\\u{7}b\\rc\\u{8}d\\u{7f}e\\u{9b}f"
        );
        assert_eq!(escape_line("a\tb\nc\0", 100), "a\\tb\\nc\\u{0}");
        assert_eq!(
            escape_line("x\u{202e}y\u{2066}z\u{2069}\u{200f}", 100),
            "x\\u{202e}y\\u{2066}z\\u{2069}\\u{200f}"
        );
        // Printable text is left alone, backslashes and quotes included.
        assert_eq!(
            escape_line("안녕 `C:\\dir` \"é\" …", 100),
            "안녕 `C:\\dir` \"é\" …"
        );
    }

    #[test]
    fn escape_line_cuts_at_the_shown_width() {
        assert_eq!(escape_line("abcdef", 6), "abcdef");
        assert_eq!(escape_line("abcdefg", 6), "abcdef…");
        assert_eq!(escape_line("한국어입니다", 3), "한국어…");
        // An escape counts as the characters it shows, and is never split.
        assert_eq!(escape_line("ab\x1bcd", 6), "ab…");
        assert_eq!(escape_line("ab\x1bcd", 9), "ab\\u{1b}c…");
        let long = "\x1b".repeat(10_000);
        assert!(escape_line(&long, LINE_MAX).chars().count() <= LINE_MAX + 1);
    }

    #[test]
    fn escape_text_keeps_lines_and_cuts_each() {
        assert_eq!(
            escape_text("error: x\n  |\tlet \x1b[2J;\r\n\u{202e}end", 100),
            "error: x\n  |    let \\u{1b}[2J;\n\\u{202e}end"
        );
        assert_eq!(
            escape_text("abcdef\nab\ncarriage\rreturn", 4),
            "abcd…\nab\ncarr…"
        );
        assert_eq!(escape_text("a\rb", 10), "a\\rb");
        assert_eq!(escape_text("", 10), "");
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
        assert!(lines[2].contains("offset 5 (counted from 0)"), "{lines:?}");
        assert!(lines[2].contains("end of data"), "{lines:?}");
        // "5번째" would read as the 5th byte, counted from 1: an offset it is.
        let ko = compare(Lang::Ko, b"hello, socket lab\n", b"hello");
        assert!(ko[2].contains("오프셋 5(0부터 셈)"), "{ko:?}");
        assert!(!ko[2].contains("번째"), "{ko:?}");
    }
}
