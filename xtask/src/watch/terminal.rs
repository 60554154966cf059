//! The keyboard of `watch`: single keys, no Enter, no echo.
//!
//! On Unix the terminal is switched out of canonical mode with termios
//! (rustix): each key reaches us at once, nothing is echoed, and Ctrl-C is
//! the byte 3 rather than a SIGINT, so quitting always goes through our own
//! code and the terminal's settings come back ([`RawMode`]'s `Drop`, on every
//! return, error and panic). Output processing is left alone, so the screen's
//! `\n` still starts a new line. Elsewhere (Windows consoles) keys need Enter.

use std::io::{IsTerminal, Read};

use tokio::sync::mpsc::UnboundedSender;

use super::Event;

/// Ctrl-C, as a terminal in raw mode hands it over.
pub const CTRL_C: u8 = 3;

/// Keys from stdin, one byte each, lower-cased. From a pipe, or a terminal
/// not in raw mode, `q` then Enter works the same (whitespace is skipped).
pub fn read_keys(tx: UnboundedSender<Event>) {
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut byte = [0u8; 1];
        // At the end of input, keys stop; saves still re-grade.
        while let Ok(1) = stdin.read(&mut byte) {
            if byte[0].is_ascii_whitespace() {
                continue;
            }
            if tx.send(Event::Key(byte[0].to_ascii_lowercase())).is_err() {
                break;
            }
        }
    });
}

/// The terminal's settings before `watch` changed them; restored on drop.
pub struct RawMode {
    #[cfg(unix)]
    saved: Option<rustix::termios::Termios>,
}

impl RawMode {
    /// Single keys without echo when stdin is a terminal; nothing otherwise.
    pub fn enter() -> RawMode {
        #[cfg(unix)]
        {
            let stdin = std::io::stdin();
            let saved = stdin
                .is_terminal()
                .then(|| rustix::termios::tcgetattr(&stdin).ok())
                .flatten();
            if let Some(saved) = &saved {
                let mut raw = saved.clone();
                raw.local_modes.remove(raw_off());
                // read() returns after one byte, however long it waits.
                raw.special_codes[rustix::termios::SpecialCodeIndex::VMIN] = 1;
                raw.special_codes[rustix::termios::SpecialCodeIndex::VTIME] = 0;
                if rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &raw)
                    .is_err()
                {
                    return RawMode { saved: None };
                }
            }
            RawMode { saved }
        }
        #[cfg(not(unix))]
        RawMode {}
    }
}

/// Line editing, echo, and the keys that send signals (Ctrl-C, Ctrl-\).
#[cfg(unix)]
fn raw_off() -> rustix::termios::LocalModes {
    use rustix::termios::LocalModes;
    LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG
}

impl Drop for RawMode {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                saved,
            );
        }
    }
}
