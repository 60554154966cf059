//! The `rdt` protocol, shared by `rdt-send` and `rdt-recv`: reliable file
//! transfer over UDP.
//!
//! UDP delivers datagrams, not a stream: each one arrives whole or not at
//! all, maybe twice, maybe out of order, maybe corrupted past the checksum UDP
//! itself may skip. Everything TCP would do for us is ours to do here:
//! numbering ([`wire`]), detecting corruption ([`checksum`]), and deciding when
//! a datagram is lost ([`rto`]). The two programs hold the window logic.

use std::io;
use std::time::Duration;

pub mod checksum;
pub mod rto;
pub mod wire;

/// Bytes of file content in one DATA datagram. With the 12-byte header the
/// largest datagram is 1212 bytes, which fits in IPv6's minimum MTU of 1280
/// bytes after the 40-byte IPv6 and 8-byte UDP headers: no link on the way
/// has to fragment it. (A lost fragment loses the whole datagram, so a big
/// datagram on a lossy path is lost more often than a small one.)
pub const CHUNK: usize = 1200;

/// Size of the header before every payload.
pub const HEADER_LEN: usize = 12;

/// The largest valid datagram: header plus one full chunk.
pub const MAX_DATAGRAM: usize = HEADER_LEN + CHUNK;

/// Size of the buffer we receive into: one byte more than any valid datagram.
/// `recv` copies at most the buffer's size and silently drops the rest of a
/// longer datagram; with one spare byte, a datagram that fills the buffer
/// is known to be too long (truncated), and is dropped as invalid.
pub const RECV_BUF: usize = MAX_DATAGRAM + 1;

/// How many DATA datagrams may be in flight beyond the cumulative ACK: the
/// sender's own limit, and the window the receiver advertises. 64 × 1200
/// bytes is 75 KiB in flight, well inside a default UDP receive buffer
/// (about 208 KiB on Linux), so a burst is not dropped by the receiver's own
/// kernel. A long fat path would need a larger window to fill it.
pub const WINDOW: u16 = 64;

/// Either side gives up when no valid datagram has come for this long.
pub const GIVE_UP: Duration = Duration::from_secs(10);

/// How long the receiver keeps answering re-sent FINs after acknowledging one.
pub const LINGER: Duration = Duration::from_secs(2);

/// How many DATA datagrams carry a file of `size` bytes.
pub fn chunk_count(size: u64) -> u64 {
    size.div_ceil(CHUNK as u64)
}

/// Is this error from `recv` only "the read timeout passed"? A blocking
/// socket with `set_read_timeout` reports it as `WouldBlock` (EAGAIN) on
/// Unix and as `TimedOut` on Windows: both mean "nothing came", not failure.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Is this error the trace of an ICMP "port unreachable"? After `connect`,
/// the kernel hands such an ICMP message to the socket, and the next `recv`
/// (or `send`) fails with ECONNREFUSED: nothing listens at the peer's
/// port. Windows says WSAECONNRESET, which std maps to `ConnectionReset`.
pub fn is_refused(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
    )
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
        assert_eq!(chunk_count(0), 0);
        assert_eq!(chunk_count(1), 1);
        assert_eq!(chunk_count(1200), 1);
        assert_eq!(chunk_count(1201), 2);
        assert_eq!(chunk_count(300 * 1024), 256);
    }

    #[test]
    fn timeouts_and_refusals_are_told_apart() {
        assert!(is_timeout(&io::ErrorKind::WouldBlock.into()));
        assert!(is_timeout(&io::ErrorKind::TimedOut.into()));
        assert!(!is_timeout(&io::ErrorKind::ConnectionRefused.into()));
        assert!(is_refused(&io::ErrorKind::ConnectionRefused.into()));
        assert!(!is_refused(&io::ErrorKind::Interrupted.into()));
    }
}
