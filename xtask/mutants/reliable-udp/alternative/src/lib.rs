//! Reliable file transfer over UDP, written a second time from the chapter.
//!
//! The reference solution talks to a blocking socket with a read timeout and
//! mixes the protocol with the I/O. This one keeps them apart, for three
//! reasons:
//!
//! - **Sans-I/O protocol logic.** [`window::Window`] (the sender) and
//!   [`reassembly::Reassembly`] (the receiver) never touch a socket or a
//!   clock: they are told "this ACK came at this instant" or "it is now this
//!   late" and answer with what to send. Their rules (slow start, Karn's
//!   rule, fast retransmit, partial ACKs, the receive window) are then unit
//!   tests of a few lines, no network and no sleeping.
//! - **One event loop per program** ([`net::Endpoint`], on mio). Each program
//!   waits until its socket is readable or its next deadline passes, then
//!   drains *every* datagram queued. The sender so reads a whole burst of
//!   ACKs before it decides what to send, and refills the window once per
//!   burst instead of once per ACK.
//! - **Another window and timer design**, to show that the chapter's
//!   contract leaves room: the sender's window starts small and grows with
//!   each chunk acknowledged (TCP's slow start), never past 64 or the
//!   receiver's window; the retransmission timer runs from the send time of
//!   the oldest datagram in flight; the receiver writes each chunk at its
//!   place in the file as soon as it arrives, and keeps only its number.
//!
//! The modules, in the order a datagram meets them: [`wire`] (format and
//! checksum), [`net`] (the socket), [`rto`] (the timeout), [`window`] (what
//! the sender sends), [`source`] (the file being sent), [`reassembly`] and
//! [`part`] (what the receiver keeps and writes).

use std::time::Duration;

pub mod net;
pub mod part;
pub mod reassembly;
pub mod rto;
pub mod source;
pub mod window;
pub mod wire;

/// File bytes in one DATA datagram. With the 12-byte header a datagram has at
/// most 1212 bytes: it fits the IPv6 minimum MTU (1280 bytes, less 40 of IPv6
/// and 8 of UDP headers), so no link ever fragments it.
pub const CHUNK: usize = 1200;

/// How many DATA datagrams may be in flight beyond the cumulative ACK: the
/// sender's own ceiling W, and the window the receiver advertises. 64 full
/// datagrams are about 76 KiB, well inside a default UDP receive buffer
/// (about 208 KiB on Linux), so a whole window in one burst is not dropped by
/// the receiving kernel.
pub const WINDOW: u16 = 64;

/// Either side gives up after this long without a valid datagram.
pub const GIVE_UP: Duration = Duration::from_secs(10);

/// How long the receiver keeps answering re-sent FINs once it acknowledged one.
pub const LINGER: Duration = Duration::from_secs(2);

/// How many DATA datagrams a file of `size` bytes needs, if a u32 can number them.
pub fn chunk_count(size: u64) -> Option<u32> {
    u32::try_from(size.div_ceil(CHUNK as u64)).ok()
}

/// Lowercase hexadecimal, for digests in messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_counts_at_the_boundaries() {
        assert_eq!(chunk_count(0), Some(0));
        assert_eq!(chunk_count(1), Some(1));
        assert_eq!(chunk_count(1200), Some(1));
        assert_eq!(chunk_count(1201), Some(2));
        assert_eq!(chunk_count(u64::MAX), None);
    }
}
