//! The byte-stream demo proves the chapter's point every time it runs:
//! two writes arrive in one read, and one write can take several reads.
//! The chapter "IP and TCP" shows the same output, in both languages.

mod support;

use std::path::Path;

/// Asserts that `chapter` in both books shows `output` verbatim, so the book
/// cannot drift from what the program really prints.
fn assert_book_shows(chapter: &str, output: &str) {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for lang in ["en", "ko"] {
        let path = book.join(lang).join("src").join(chapter);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        assert!(
            text.contains(output),
            "{} does not show the program's output:\n{output}",
            path.display()
        );
    }
}

#[test]
fn two_writes_arrive_in_one_read_and_one_write_takes_several() {
    let done = support::run(env!("CARGO_BIN_EXE_byte_stream"), &[]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
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
    assert_eq!(done.stdout, expected);
    assert_book_shows("ip-and-tcp.md", expected);
}

#[test]
fn udp_keeps_each_datagram_whole_and_truncates_a_long_one() {
    let done = support::run(env!("CARGO_BIN_EXE_udp_datagrams"), &[]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let expected = "\
recv 1: 5 bytes \"hello\" from 127.0.0.1
recv 2: 5 bytes \"world\" from 127.0.0.1
recv 3: 4 bytes \"hell\" (the rest of the datagram is gone)
";
    assert_eq!(done.stdout, expected);
    assert_book_shows("ip-and-tcp.md", expected);
}
