//! `udp_connect` shows what `connect` does to a UDP socket; the chapter
//! "Reliable transfer over UDP" shows its output, in both languages.

mod support;

use std::path::Path;

/// What the program prints on Linux (the error's text is the OS's own).
const OUTPUT: &str = "\
datagram 1: \"early\" from the stranger
datagram 2: \"hello\" from the peer
datagram 3: timed out
unconnected: send_to 7 bytes, recv_from timed out
connected: send 7 bytes, recv ConnectionRefused (Connection refused (os error 111))
";

#[test]
fn connect_filters_other_sources_and_reports_a_closed_port() {
    let done = support::run(env!("CARGO_BIN_EXE_udp_connect"), &[]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    if cfg!(target_os = "linux") {
        assert_eq!(done.stdout, OUTPUT);
    } else {
        // Elsewhere the filtering is the same; the refusal's wording is not.
        let first: String = OUTPUT.lines().take(3).map(|l| format!("{l}\n")).collect();
        assert!(done.stdout.starts_with(&first), "{}", done.stdout);
    }
}

#[test]
fn the_chapter_shows_the_output_in_both_books() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for lang in ["en", "ko"] {
        let path = book.join(lang).join("src/exercises/reliable-udp.md");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        assert!(
            text.contains(OUTPUT),
            "{} does not show the program's output:\n{OUTPUT}",
            path.display()
        );
    }
}
