//! The text side of the chat: the command line, and lines cut out of the
//! bytes a client sent. Nothing here touches a socket.

use std::process::exit;

const DEFAULT_LISTEN: &str = "127.0.0.1:7880";

/// Bytes before the `\n`, a `\r` included: 1024 and `\r\n` are too long.
pub const MAX_LINE: usize = 1024;

const MAX_NAME: usize = 32;

/// 1 to 32 bytes, each an ASCII letter, digit, `-` or `_` (rule 1).
pub fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Takes the next whole line out of `inbox`, without its `\n` and a `\r`
/// before it. `Err` if more than `MAX_LINE` bytes came without a `\n` (the
/// `\r` counts: it is a byte before the `\n`). Only the first `MAX_LINE + 1`
/// bytes are searched: we never look further into a line that is too long.
pub fn next_line(inbox: &mut Vec<u8>) -> Result<Option<Vec<u8>>, ()> {
    let window = &inbox[..inbox.len().min(MAX_LINE + 1)];
    match window.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let mut line: Vec<u8> = inbox.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            Ok(Some(line))
        }
        None if inbox.len() > MAX_LINE => Err(()),
        None => Ok(None),
    }
}

pub fn listen_addr() -> String {
    let mut args = std::env::args().skip(1);
    let mut addr = DEFAULT_LISTEN.to_string();
    while let Some(arg) = args.next() {
        match (arg.as_str(), arg.strip_prefix("--listen=")) {
            ("--listen", _) => addr = args.next().unwrap_or_else(|| usage()),
            (_, Some(value)) => addr = value.to_string(),
            _ => usage(),
        }
    }
    addr
}

fn usage() -> ! {
    eprintln!("usage: chat-server [--listen ADDR]");
    exit(2);
}

pub fn fail(message: &str) -> ! {
    eprintln!("{message}");
    exit(1);
}
