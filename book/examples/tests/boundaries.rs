//! The byte-stream demo proves the chapter's point every time it runs:
//! two writes arrive in one read, and one write can take several reads.
//! The chapter "IP and TCP" shows the same output, each book in its own
//! language: the English book runs the program as it is, the Korean book
//! with `--lang ko`, and each shows the command with what it prints.

mod support;

use std::path::Path;

/// The command line a book shows before the output, for `--lang lang`.
fn command(bin: &str, lang: &str) -> String {
    match lang {
        "ko" => format!("$ cargo run -q -p book-examples --bin {bin} -- --lang ko\n"),
        _ => format!("$ cargo run -q -p book-examples --bin {bin}\n"),
    }
}

/// Runs `bin` as each book shows it and asserts that `chapter` in that book
/// shows the command and its output verbatim, in a ```console,translated
/// block, so the book cannot drift from what the program really prints.
/// Returns the English and the Korean output.
pub fn assert_books_show(chapter: &str, bin: &str, program: &str) -> (String, String) {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut printed = Vec::new();
    for lang in ["en", "ko"] {
        let args: &[&str] = if lang == "ko" { &["--lang", "ko"] } else { &[] };
        let done = support::run(program, args);
        assert!(done.status.success(), "stderr: {}", done.stderr);
        let path = book.join(lang).join("src").join(chapter);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let block = format!(
            "```console,translated\n{}{}```\n",
            command(bin, lang),
            done.stdout
        );
        assert!(
            text.contains(&block),
            "{} does not show the program's output as it prints it:\n{block}",
            path.display()
        );
        printed.push(done.stdout);
    }
    let ko = printed.pop().unwrap();
    let en = printed.pop().unwrap();
    // The same lines, with the same numbers: only the words differ.
    let numbers = |s: &str| -> Vec<Vec<String>> {
        s.lines()
            .map(|l| {
                l.split(|c: char| !c.is_ascii_digit())
                    .filter(|n| !n.is_empty())
                    .map(String::from)
                    .collect()
            })
            .collect()
    };
    assert_eq!(numbers(&en), numbers(&ko), "en:\n{en}\nko:\n{ko}");
    assert!(
        ko.chars().any(|c| ('가'..='힣').contains(&c)),
        "the Korean output has no Korean:\n{ko}"
    );
    (en, ko)
}

#[test]
fn two_writes_arrive_in_one_read_and_one_write_takes_several() {
    let (en, _) = assert_books_show(
        "ip-and-tcp.md",
        "byte_stream",
        env!("CARGO_BIN_EXE_byte_stream"),
    );
    let expected = "\
experiment 1: two writes (\"hello\", \"world\"), read buffer of 64 bytes
  read 1: 10 bytes \"helloworld\"
  read 2: 0 bytes (end of stream)
experiment 2: one write (\"hello world\"), read buffer of 4 bytes
  read 1: 4 bytes \"hell\"
  read 2: 4 bytes \"o wo\"
  read 3: 3 bytes \"rld\"
  read 4: 0 bytes (end of stream)
";
    assert_eq!(en, expected);
}

#[test]
fn udp_keeps_each_datagram_whole_and_truncates_a_long_one() {
    let (en, _) = assert_books_show(
        "ip-and-tcp.md",
        "udp_datagrams",
        env!("CARGO_BIN_EXE_udp_datagrams"),
    );
    let expected = "\
recv 1: 5 bytes \"hello\" from 127.0.0.1
recv 2: 5 bytes \"world\" from 127.0.0.1
recv 3: 4 bytes \"hell\" (the rest of the datagram is gone)
";
    assert_eq!(en, expected);
}

#[test]
fn a_bad_argument_exits_2() {
    for program in [
        env!("CARGO_BIN_EXE_byte_stream"),
        env!("CARGO_BIN_EXE_udp_datagrams"),
    ] {
        let done = support::run(program, &["--lang", "fr"]);
        assert_eq!(done.status.code(), Some(2), "{program}");
        assert!(done.stderr.contains("usage:"), "{}", done.stderr);
    }
}
