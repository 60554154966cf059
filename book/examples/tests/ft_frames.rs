//! The file transfer chapter's worked example: the frames are right, and
//! the chapter in both languages shows exactly what the program prints.

use std::path::PathBuf;
use std::process::Command;

#[allow(dead_code)]
#[path = "../src/bin/ft_frames.rs"]
mod ft_frames;

use ft_frames::*;

#[test]
fn sha256_matches_the_standard_test_vectors() {
    // FIPS 180-4 examples ("abc", and a two-block message) and sha256sum's
    // answer for "hello\n".
    let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(sha256(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(
        hex(sha256(b"hello\n")),
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
}

#[test]
fn frames_have_the_protocol_layout() {
    assert_eq!(
        frame(PUT, &put_payload(6, "hello.txt")),
        b"\x00\x00\x00\x12\x03\x00\x00\x00\x00\x00\x00\x00\x06hello.txt"
    );
    assert_eq!(frame(DATA, b"hi"), [0, 0, 0, 3, 0x10, b'h', b'i']);
    assert_eq!(
        frame(STATUS, &status_payload(OK, 6, "")),
        [0, 0, 0, 10, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 6]
    );
}

fn chapter(lang: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(lang)
        .join("src/exercises/file-transfer.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_chapter_shows_the_programs_exact_output() {
    for (lang, words) in [("en", Lang::En), ("ko", Lang::Ko)] {
        let out = Command::new(env!("CARGO_BIN_EXE_ft_frames"))
            .args(["--lang", lang])
            .output()
            .expect("run ft_frames");
        assert!(out.status.success());
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed, exchange(words));
        let block = format!("```text,translated\n{printed}```\n");
        assert!(
            chapter(lang).contains(&block),
            "book/{lang}/src/exercises/file-transfer.md must show the output of \
             `ft_frames --lang {lang}` verbatim in a ```text,translated block; the program prints:\n{printed}"
        );
    }
}

#[test]
fn the_korean_walkthrough_has_the_same_bytes() {
    let bytes = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.get(..49).unwrap_or(l).trim().to_string())
            .filter(|l| l.chars().all(|c| c.is_ascii_hexdigit() || c == ' '))
            .collect()
    };
    assert_eq!(bytes(&exchange(Lang::En)), bytes(&exchange(Lang::Ko)));
}
