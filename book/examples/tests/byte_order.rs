//! The chapter "Byte order and binary protocols": the header's bytes in each
//! order, the round trip, the mismatch that the receiver's checks catch, and
//! the chapter showing exactly what the program prints in both languages.

use std::path::PathBuf;
use std::process::Command;

#[allow(dead_code)]
#[path = "../src/bin/byte_order.rs"]
mod byte_order;

use byte_order::*;

const EXAMPLE: Header = Header {
    kind: KIND,
    len: LEN,
};

#[test]
fn the_header_has_the_bytes_of_each_order() {
    assert_eq!(
        encode(EXAMPLE, Order::Big),
        [0x00, 0x02, 0x00, 0x00, 0x00, 0x05]
    );
    assert_eq!(
        encode(EXAMPLE, Order::Little),
        [0x02, 0x00, 0x05, 0x00, 0x00, 0x00]
    );
    // Big-endian is network byte order: the port of `sin_port=htons(7878)`.
    assert_eq!(PORT.to_be_bytes(), [0x1e, 0xc6]);
    assert_eq!(PORT.swap_bytes(), 50718);
}

#[test]
fn every_header_survives_the_round_trip_in_either_order() {
    for order in [Order::Big, Order::Little] {
        for kind in KNOWN_KINDS {
            for len in [0, 1, 5, 255, 256, 4096, MAX_LEN - 1, MAX_LEN] {
                let header = Header { kind, len };
                let bytes = encode(header, order);
                assert_eq!(
                    decode(&bytes, order),
                    Ok(Some(header)),
                    "{header:?} {order:?}"
                );
                // Trailing bytes (the payload) are left for the caller.
                let mut longer = bytes.to_vec();
                longer.extend_from_slice(b"hello");
                assert_eq!(decode(&longer, order), Ok(Some(header)));
            }
        }
    }
}

#[test]
fn the_wrong_order_gives_the_chapters_numbers() {
    let bytes = encode(EXAMPLE, Order::Big);
    let misread = fields_unchecked(&bytes, Order::Little);
    assert_eq!(
        misread,
        Header {
            kind: 512,
            len: 83_886_080
        }
    );
    assert_eq!(
        decode(&bytes, Order::Little),
        Err(HeaderError::TooLong(83_886_080))
    );
}

#[test]
fn every_mismatch_is_refused() {
    // Every header a sender may send, written in one order and read in the
    // other: the receiver's checks refuse each one. The length check alone
    // would miss three lengths, 0, 256 and 65 536, whose reversed bytes are
    // again at most the limit (00 00 01 00 backwards is 65 536, and the
    // reverse); the kind check catches them.
    let mut only_the_kind_caught = 0;
    for (written, read) in [(Order::Big, Order::Little), (Order::Little, Order::Big)] {
        for kind in KNOWN_KINDS {
            for len in 0..=MAX_LEN {
                let header = Header { kind, len };
                let result = decode(&encode(header, written), read);
                match result {
                    Err(HeaderError::TooLong(_)) => {}
                    Err(HeaderError::UnknownKind(_)) => only_the_kind_caught += 1,
                    other => panic!("{header:?} written {written:?}, read {read:?}: {other:?}"),
                }
            }
        }
    }
    // Those three lengths, for 3 kinds, both ways.
    assert_eq!(only_the_kind_caught, 3 * 3 * 2);
}

#[test]
fn fewer_than_six_bytes_means_read_more() {
    let bytes = encode(EXAMPLE, Order::Big);
    for n in 0..HEADER_LEN {
        assert_eq!(decode(&bytes[..n], Order::Big), Ok(None), "{n} bytes");
    }
}

#[test]
fn a_c_struct_is_larger_than_the_wire_header() {
    assert_eq!(std::mem::size_of::<HeaderAsStruct>(), 8);
    assert_eq!(HEADER_LEN, 6);
}

fn chapter(lang: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(lang)
        .join("src/byte-order.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_chapter_shows_the_programs_exact_output() {
    for (lang, words) in [("en", Lang::En), ("ko", Lang::Ko)] {
        let out = Command::new(env!("CARGO_BIN_EXE_byte_order"))
            .args(["--lang", lang])
            .output()
            .expect("run byte_order");
        assert!(out.status.success());
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed, walkthrough(words));
        assert!(printed.contains("len = 83886080"), "{printed}");
        let block = format!("```text,translated\n{printed}```\n");
        // The command shown above the output prints it.
        let flag = if lang == "ko" { " -- --lang ko" } else { "" };
        let command = format!(
            "```console,translated\n$ cargo run -q -p book-examples --bin byte_order{flag}\n```\n"
        );
        assert!(
            chapter(lang).contains(&command),
            "book/{lang}/src/byte-order.md must show the command that prints its output: {command}"
        );
        assert!(
            chapter(lang).contains(&block),
            "book/{lang}/src/byte-order.md must show the output of \
             `byte_order --lang {lang}` verbatim in a ```text,translated block; the program prints:\n{printed}"
        );
    }
}
