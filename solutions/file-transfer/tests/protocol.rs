//! Frames, names and temporary files, tested without a network.

use std::io::{self, Read};

use file_transfer_solution::{
    Code, DataFrame, FrameError, FrameReader, MAX_MESSAGE, MAX_NAME, MAX_PAYLOAD, Message,
    NameError, TempFile, check_name,
};

fn encode(message: &Message) -> Vec<u8> {
    let mut bytes = Vec::new();
    message.write_to(&mut bytes).unwrap();
    bytes
}

fn decode_one(bytes: &[u8]) -> Result<Option<Message<'static>>, String> {
    // Leak the reader so the message can outlive it: fine in a test.
    let reader = Box::leak(Box::new(FrameReader::new(bytes.to_vec().leak() as &[u8])));
    reader.read_message().map_err(|err| err.to_string())
}

#[test]
fn frames_have_the_specified_bytes() {
    assert_eq!(encode(&Message::List), [0, 0, 0, 1, 0x01]);
    assert_eq!(
        encode(&Message::Get { name: b"a.txt" }),
        [0, 0, 0, 6, 0x02, b'a', b'.', b't', b'x', b't']
    );
    assert_eq!(
        encode(&Message::Put {
            size: 6,
            name: b"hello.txt"
        }),
        b"\x00\x00\x00\x12\x03\x00\x00\x00\x00\x00\x00\x00\x06hello.txt"
    );
    assert_eq!(
        encode(&Message::status(Code::Ok, 0, "")),
        [0, 0, 0, 10, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        encode(&Message::status(Code::TooLarge, 256, "big")),
        b"\x00\x00\x00\x0d\x7f\x03\x00\x00\x00\x00\x00\x00\x01\x00big"
    );
    let mut done = vec![0, 0, 0, 33, 0x11];
    done.extend([0xAB; 32]);
    assert_eq!(encode(&Message::Done([0xAB; 32])), done);
}

#[test]
fn every_message_survives_a_round_trip() {
    let messages = [
        Message::List,
        Message::Get { name: b"notes.md" },
        Message::Put {
            size: u64::MAX,
            name: b"big.iso",
        },
        Message::Data(b"hello\n"),
        Message::Done([7; 32]),
        Message::Entry {
            size: 1 << 40,
            name: "사진.jpg".as_bytes(),
        },
        Message::status(Code::NotFound, 0, "no file named x"),
        Message::status(Code::ServerError, 9, "disk full"),
    ];
    let mut stream = Vec::new();
    for message in &messages {
        message.write_to(&mut stream).unwrap();
    }
    let mut reader = FrameReader::new(&stream[..]);
    for message in &messages {
        assert_eq!(reader.read_message().unwrap().as_ref(), Some(message));
    }
    assert!(reader.read_message().unwrap().is_none(), "clean end");
}

/// Returns at most one byte per read: the worst a TCP stream may do.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.0[0];
        self.0 = &self.0[1..];
        Ok(1)
    }
}

#[test]
fn frames_arriving_a_byte_at_a_time_are_whole() {
    let mut stream = encode(&Message::Data(&[9; 1000]));
    stream.extend(encode(&Message::List));
    let mut reader = FrameReader::new(Trickle(&stream));
    assert_eq!(
        reader.read_message().unwrap(),
        Some(Message::Data(&[9; 1000]))
    );
    assert_eq!(reader.read_message().unwrap(), Some(Message::List));
    assert!(reader.read_message().unwrap().is_none());
}

#[test]
fn a_frame_cut_short_is_truncated_not_the_end() {
    let frame = encode(&Message::Get { name: b"hello.txt" });
    for cut in 1..frame.len() {
        let mut reader = FrameReader::new(&frame[..cut]);
        assert!(
            matches!(reader.read_frame(), Err(FrameError::Truncated)),
            "cut after {cut} bytes"
        );
    }
    let mut reader = FrameReader::new(&[][..]);
    assert!(matches!(reader.read_frame(), Ok(None)));
}

#[test]
fn bad_lengths_are_malformed_and_not_read() {
    // Only the 4-byte length is there: the reader must decide from it alone.
    for len in [0u32, 1 + MAX_PAYLOAD as u32 + 1, u32::MAX] {
        let bytes = len.to_be_bytes();
        let mut reader = FrameReader::new(&bytes[..]);
        assert!(
            matches!(reader.read_frame(), Err(FrameError::Malformed(_))),
            "length {len}"
        );
    }
    // The largest allowed frame is read whole.
    let frame = encode(&Message::Data(&[1; MAX_PAYLOAD]));
    let mut reader = FrameReader::new(&frame[..]);
    assert_eq!(reader.read_frame().unwrap().unwrap().1.len(), MAX_PAYLOAD);
}

#[test]
fn payloads_of_the_wrong_shape_are_malformed() {
    let cases: [&[u8]; 9] = [
        &[0, 0, 0, 1, 0x55],                                   // unknown kind
        &[0, 0, 0, 2, 0x01, 0],                                // LIST with a payload
        &[0, 0, 0, 8, 0x03, 0, 0, 0, 0, 0, 0, 0],              // PUT without its 8-byte size
        &[0, 0, 0, 1, 0x10],                                   // empty DATA
        &[0, 0, 0, 4, 0x11, 1, 2, 3],                          // DONE not 32 bytes
        &[0, 0, 0, 5, 0x20, 0, 0, 0, 0],                       // ENTRY without its size
        &[0, 0, 0, 9, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0],           // STATUS without its full value
        &[0, 0, 0, 10, 0x7F, 7, 0, 0, 0, 0, 0, 0, 0, 0],       // unknown status code
        &[0, 0, 0, 11, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF], // message not UTF-8
    ];
    for bytes in cases {
        let result = decode_one(bytes);
        assert!(
            matches!(&result, Err(text) if text.starts_with("protocol error")),
            "{bytes:02x?} gave {result:?}"
        );
    }
}

#[test]
fn status_messages_are_cut_at_the_limit() {
    let long = "é".repeat(MAX_MESSAGE); // 2 bytes each
    let Message::Status { message, .. } = Message::status(Code::ServerError, 0, &long) else {
        unreachable!()
    };
    assert_eq!(message.len(), MAX_MESSAGE);
    let too_long = [&[0u8, 0, 4, 11, 0x7F, 0][..], &[0; 8], &[b'a'; 1025]].concat();
    assert!(decode_one(&too_long).is_err());
}

#[test]
fn data_frame_buffer_makes_one_frame() {
    let mut frame = DataFrame::default();
    frame.payload_mut()[..3].copy_from_slice(b"abc");
    assert_eq!(frame.frame(3), [0, 0, 0, 4, 0x10, b'a', b'b', b'c']);
    assert_eq!(frame.payload_mut().len(), MAX_PAYLOAD);
}

#[test]
fn names_are_checked_exactly() {
    let longest = "n".repeat(MAX_NAME);
    for good in [
        "hello.txt",
        "a",
        "%2e%2e%2f",
        "%2e%2e%5c",
        "사진 2024.jpg",
        "x..y",
        longest.as_str(),
    ] {
        assert_eq!(check_name(good.as_bytes()), Ok(good), "{good:?}");
    }
    let cases: [(&[u8], NameError); 13] = [
        (b"", NameError::Empty),
        (b".", NameError::StartsWithDot),
        (b"..", NameError::StartsWithDot),
        (b".ft-1-0.part", NameError::StartsWithDot),
        (b"../x", NameError::StartsWithDot),
        (b"a/b", NameError::Forbidden('/')),
        (b"/etc/passwd", NameError::Forbidden('/')),
        (b"a\\b", NameError::Forbidden('\\')),
        (b"..\\x", NameError::StartsWithDot),
        (b"C:boot.ini", NameError::Forbidden(':')),
        (b"a\0b", NameError::Forbidden('\0')),
        (b"caf\xe9", NameError::NotUtf8),
        (&[b'n'; MAX_NAME + 1], NameError::TooLong(MAX_NAME + 1)),
    ];
    for (bad, why) in cases {
        assert_eq!(
            check_name(bad),
            Err(why),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

fn scratch_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ft-unit-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn temp_file_vanishes_unless_committed() {
    use std::io::Write;
    let dir = scratch_dir("temp");
    {
        let mut temp = TempFile::create_in(&dir).unwrap();
        temp.write_all(b"half a file").unwrap();
        assert_eq!(entries(&dir).len(), 1);
        assert!(entries(&dir)[0].starts_with('.'));
    }
    assert!(entries(&dir).is_empty(), "dropped: deleted");

    let mut temp = TempFile::create_in(&dir).unwrap();
    temp.write_all(b"whole").unwrap();
    temp.commit(&dir.join("done.txt")).unwrap();
    assert_eq!(entries(&dir), ["done.txt"]);
    assert_eq!(std::fs::read(dir.join("done.txt")).unwrap(), b"whole");
    std::fs::remove_dir_all(&dir).unwrap();
}
