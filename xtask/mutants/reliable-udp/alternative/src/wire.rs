//! The datagram: a 12-byte big-endian header, then the payload.
//!
//! ```text
//! offset  0     1         2..4     4..8   8..10    10..12     12..
//!         kind  reserved  window   seq    length   checksum   payload
//! ```
//!
//! Outgoing datagrams are built in place in a caller's buffer (the sender
//! reads a chunk of the file straight into the payload's place, then
//! [`seal`]s the header around it); incoming ones are checked once by
//! [`parse`], which hands back a [`Datagram`]: a view of the same bytes that
//! is known to follow every rule, so its accessors cannot fail.

use crate::CHUNK;

/// Header size.
pub const HEADER: usize = 12;
/// The largest valid datagram.
pub const MAX_DATAGRAM: usize = HEADER + CHUNK;
/// The buffer to receive into: one byte more than any valid datagram. The
/// kernel silently cuts a datagram too long for the buffer; one that fills
/// this buffer completely was too long, and its length field cannot match.
pub const RECV_BUF: usize = MAX_DATAGRAM + 1;

pub const DATA: u8 = 1;
pub const ACK: u8 = 2;
pub const FIN: u8 = 3;

/// A FIN's payload: the file size (u64) and its SHA-256 digest.
pub const FIN_PAYLOAD: usize = 8 + 32;

/// The one's-complement sum of `bytes` as big-endian 16-bit words (an odd
/// last byte is the high half of a word whose low half is zero), with the
/// carries still unfolded. A u64 cannot overflow on any datagram.
fn word_sum(bytes: &[u8]) -> u64 {
    bytes
        .chunks(2)
        .map(|pair| u64::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
        .sum()
}

/// Folds the carries back in (one's-complement addition wraps the carry out
/// of the top bit around to the bottom) and complements the result.
fn finish(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The Internet checksum (RFC 1071) of a whole datagram as if its checksum
/// field (bytes 10 and 11) were zero: the words before the field and after
/// it. The field starts at an even offset, so leaving it out is the same as
/// adding a zero word, and the datagram needs no copy.
pub fn checksum(datagram: &[u8]) -> u16 {
    finish(word_sum(&datagram[..10]) + word_sum(&datagram[HEADER..]))
}

/// Writes the header in front of the `len` payload bytes already in
/// `buf[HEADER..]`, checksum included, and returns the finished datagram.
pub fn seal(buf: &mut [u8], kind: u8, window: u16, seq: u32, len: usize) -> &[u8] {
    assert!(
        len <= CHUNK && HEADER + len <= buf.len(),
        "payload of {len}"
    );
    let datagram = &mut buf[..HEADER + len];
    datagram[0] = kind;
    datagram[1] = 0;
    datagram[2..4].copy_from_slice(&window.to_be_bytes());
    datagram[4..8].copy_from_slice(&seq.to_be_bytes());
    datagram[8..10].copy_from_slice(&(len as u16).to_be_bytes());
    let sum = checksum(datagram);
    datagram[10..12].copy_from_slice(&sum.to_be_bytes());
    datagram
}

/// An ACK: every chunk below `seq` arrived, `window` more are welcome.
pub fn ack(buf: &mut [u8], seq: u32, window: u16) -> &[u8] {
    seal(buf, ACK, window, seq, 0)
}

/// The FIN of a file of `chunks` DATA datagrams, `size` bytes and this digest.
pub fn fin<'b>(buf: &'b mut [u8], chunks: u32, size: u64, digest: &[u8; 32]) -> &'b [u8] {
    buf[HEADER..HEADER + 8].copy_from_slice(&size.to_be_bytes());
    buf[HEADER + 8..HEADER + FIN_PAYLOAD].copy_from_slice(digest);
    seal(buf, FIN, 0, chunks, FIN_PAYLOAD)
}

/// Why a datagram was rejected. It is then dropped without an answer: none of
/// its fields, the sender's address aside, can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    Short,
    Length,
    Checksum,
    Kind,
    Payload,
}

/// A datagram that passed every check of [`parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datagram<'a> {
    bytes: &'a [u8],
}

impl<'a> Datagram<'a> {
    pub fn kind(&self) -> u8 {
        self.bytes[0]
    }

    pub fn window(&self) -> u16 {
        u16::from_be_bytes([self.bytes[2], self.bytes[3]])
    }

    pub fn seq(&self) -> u32 {
        u32::from_be_bytes(self.bytes[4..8].try_into().expect("4 bytes"))
    }

    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[HEADER..]
    }

    /// A FIN's file size.
    pub fn fin_size(&self) -> u64 {
        u64::from_be_bytes(self.payload()[..8].try_into().expect("8 bytes"))
    }

    /// A FIN's SHA-256.
    pub fn fin_digest(&self) -> [u8; 32] {
        self.payload()[8..FIN_PAYLOAD].try_into().expect("32 bytes")
    }
}

/// Checks a received datagram against every rule, in the spec's order: size,
/// length field, checksum, kind, payload size for the kind.
pub fn parse(bytes: &[u8]) -> Result<Datagram<'_>, Reject> {
    if bytes.len() < HEADER {
        return Err(Reject::Short);
    }
    if usize::from(u16::from_be_bytes([bytes[8], bytes[9]])) != bytes.len() - HEADER {
        return Err(Reject::Length);
    }
    if checksum(bytes) != u16::from_be_bytes([bytes[10], bytes[11]]) {
        return Err(Reject::Checksum);
    }
    let len = bytes.len() - HEADER;
    let fits = match bytes[0] {
        DATA => (1..=CHUNK).contains(&len),
        ACK => len == 0,
        FIN => len == FIN_PAYLOAD,
        _ => return Err(Reject::Kind),
    };
    if fits {
        Ok(Datagram { bytes })
    } else {
        Err(Reject::Payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chapter's worked example: the ACK 1 with window 64 of a 6-byte file.
    #[test]
    fn the_chapters_ack_byte_for_byte() {
        let mut buf = [0u8; MAX_DATAGRAM];
        let bytes = ack(&mut buf, 1, 64);
        assert_eq!(bytes, [2, 0, 0, 0x40, 0, 0, 0, 1, 0, 0, 0xfd, 0xbe]);
    }

    /// The chapter's worked DATA: `hello\n` as chunk 0, checksum bb1d.
    #[test]
    fn the_chapters_data_byte_for_byte() {
        let mut buf = [0u8; MAX_DATAGRAM];
        buf[HEADER..HEADER + 6].copy_from_slice(b"hello\n");
        let bytes = seal(&mut buf, DATA, 0, 0, 6);
        assert_eq!(&bytes[..HEADER], [1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0xbb, 0x1d]);
    }

    /// RFC 1071's example words 0001 f203 f4f5 f6f7 give checksum 220d; put
    /// after a zero header, the sum is the same.
    #[test]
    fn rfc_1071_example() {
        let mut bytes = vec![0u8; HEADER];
        bytes.extend_from_slice(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
        assert_eq!(checksum(&bytes), 0x220d);
    }

    #[test]
    fn built_datagrams_parse_back() {
        let mut buf = [0u8; MAX_DATAGRAM];
        buf[HEADER..].fill(7);
        let data = seal(&mut buf, DATA, 0, 42, CHUNK).to_vec();
        let d = parse(&data).unwrap();
        assert_eq!((d.kind(), d.seq(), d.payload().len()), (DATA, 42, CHUNK));

        let fin = fin(&mut buf, 3, 3000, &[0xab; 32]).to_vec();
        let d = parse(&fin).unwrap();
        assert_eq!((d.kind(), d.seq(), d.fin_size()), (FIN, 3, 3000));
        assert_eq!(d.fin_digest(), [0xab; 32]);

        let a = ack(&mut buf, 9, 64).to_vec();
        let d = parse(&a).unwrap();
        assert_eq!((d.kind(), d.seq(), d.window()), (ACK, 9, 64));
    }

    #[test]
    fn every_rule_rejects() {
        let mut buf = [0u8; RECV_BUF];
        buf[HEADER..HEADER + 3].copy_from_slice(b"abc");
        let good = seal(&mut buf, DATA, 0, 1, 3).to_vec();
        assert_eq!(parse(&good[..11]), Err(Reject::Short));
        assert_eq!(parse(&good[..14]), Err(Reject::Length));
        for bit in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(parse(&bad).is_err(), "bit {bit}");
        }
        // Correct checksums around wrong kinds and payload sizes.
        let mut forge = |kind: u8, len: usize| {
            let bytes = seal(&mut buf, kind, 0, 1, len.min(CHUNK)).to_vec();
            parse(&bytes).map(|_| ())
        };
        assert_eq!(forge(4, 0), Err(Reject::Kind));
        assert_eq!(forge(0, 0), Err(Reject::Kind));
        assert_eq!(forge(DATA, 0), Err(Reject::Payload));
        assert_eq!(forge(ACK, 1), Err(Reject::Payload));
        assert_eq!(forge(FIN, 39), Err(Reject::Payload));
        assert_eq!(forge(FIN, 40), Ok(()));
        // A datagram that filled the whole receive buffer was cut by the kernel.
        let full = [1u8; RECV_BUF];
        assert_eq!(parse(&full), Err(Reject::Length));
    }
}
