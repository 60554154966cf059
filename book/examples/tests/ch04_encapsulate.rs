//! Chapter 4's program builds correct headers, and the chapters show exactly
//! what it prints: the output blocks in encapsulation.md (sender, receiver) and
//! data-flow.md (routers) of both languages are compared with the program's.

use std::path::PathBuf;
use std::process::Command;

#[allow(dead_code)]
#[path = "../src/bin/ch04_encapsulate.rs"]
mod encapsulate;

use encapsulate::*;

const ETH_HEADER: usize = 14;
const IP_HEADER: usize = 20;
/// What CRC-32 leaves over a message followed by its own CRC (sent least
/// significant byte first): a receiver checks a frame this way.
const CRC32_RESIDUE: u32 = 0x2144_df1c;

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
}

#[test]
fn rfc1071_example_sum() {
    // RFC 1071, section 3: the example words 0001 f203 f4f5 f6f7 sum to ddf2.
    let words = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
    assert_eq!(ones_complement_sum(&words), 0xddf2);
}

#[test]
fn ipv4_header_checksum_verifies() {
    let frame = client_frame();
    let header = &frame[ETH_HEADER..ETH_HEADER + IP_HEADER];
    assert_eq!(header[0], 0x45);
    assert_eq!(header[9], 6, "protocol is TCP");
    assert_eq!(ones_complement_sum(header), 0xffff);
}

#[test]
fn tcp_checksum_verifies_with_the_pseudo_header() {
    let frame = client_frame();
    let segment = &frame[ETH_HEADER + IP_HEADER..frame.len() - 4];
    assert_eq!(segment.len(), 20 + MESSAGE.len());
    assert_eq!(&segment[20..], MESSAGE);
    let mut covered = pseudo_header(CLIENT_IP, SERVER_IP, segment.len()).to_vec();
    covered.extend_from_slice(segment);
    assert_eq!(ones_complement_sum(&covered), 0xffff);

    // The pseudo-header matters: the same segment sent to another host fails.
    let wrong_host = std::net::Ipv4Addr::new(198, 51, 100, 8);
    let mut covered = pseudo_header(CLIENT_IP, wrong_host, segment.len()).to_vec();
    covered.extend_from_slice(segment);
    assert_ne!(ones_complement_sum(&covered), 0xffff);
}

#[test]
fn ethernet_frame_is_the_minimum_size_and_its_fcs_verifies() {
    let frame = client_frame();
    assert_eq!(frame.len(), 64);
    assert_eq!(crc32(&frame), CRC32_RESIDUE);
}

#[test]
fn routers_keep_every_checksum_valid_and_the_segment_unchanged() {
    let sent = client_frame();
    let (_, arrived) = forward_through_routers(Lang::En);
    assert_eq!(crc32(&arrived), CRC32_RESIDUE);
    let header = &arrived[ETH_HEADER..ETH_HEADER + IP_HEADER];
    assert_eq!(ones_complement_sum(header), 0xffff);
    assert_eq!(header[8], 62, "two hops from a TTL of 64");
    let segment = ETH_HEADER + IP_HEADER..sent.len() - 4;
    assert_eq!(sent[segment.clone()], arrived[segment]);
}

/// The program's output in `lang`, split into its three parts.
fn program_output(lang: &str, words: Lang) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_ch04_encapsulate"))
        .args(["--lang", lang])
        .output()
        .expect("run ch04_encapsulate");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();

    // The output printed by the program is what the report functions return.
    let (routers, arrived) = forward_through_routers(words);
    let parts = vec![
        sender_report(words),
        routers,
        receiver_report(words, &arrived),
    ];
    for part in &parts {
        assert!(text.contains(part.as_str()));
    }
    parts
}

fn chapter(lang: &str, file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(lang)
        .join("src")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The chapter holds `part` as the whole body of one ```text,translated block.
fn assert_shown(lang: &str, file: &str, part: &str, what: &str) {
    let block = format!("```text,translated\n{part}```\n");
    assert!(
        chapter(lang, file).contains(&block),
        "book/{lang}/src/{file} must show the {what} output of `ch04_encapsulate --lang {lang}` \
         verbatim in a ```text,translated block; the program prints:\n{part}"
    );
}

#[test]
fn chapters_show_the_programs_exact_output() {
    for (lang, words) in [("en", Lang::En), ("ko", Lang::Ko)] {
        let parts = program_output(lang, words);
        assert_shown(lang, "encapsulation.md", &parts[0], "sender");
        assert_shown(lang, "encapsulation.md", &parts[2], "receiver");
        assert_shown(lang, "data-flow.md", &parts[1], "router");
    }
}

#[test]
fn both_languages_show_the_same_bytes_and_numbers() {
    let digits = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_ascii_hexdigit())
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
            .map(String::from)
            .collect()
    };
    let (en, _) = forward_through_routers(Lang::En);
    let (ko, _) = forward_through_routers(Lang::Ko);
    assert_eq!(digits(&en), digits(&ko));
    assert_eq!(
        digits(&sender_report(Lang::En)),
        digits(&sender_report(Lang::Ko))
    );
}
