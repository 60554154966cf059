//! The datagram format: a 12-byte big-endian header, then the payload.
//!
//! ```text
//! offset  0     1         2..4     4..8   8..10    10..12     12..
//!         kind  reserved  window   seq    length   checksum   payload
//! ```
//!
//! One `send` is one datagram and one `recv` is one datagram: UDP keeps the
//! boundaries TCP erases, so there is no framing to do. What UDP does not
//! promise is that a datagram arrives, arrives once, in order, or intact;
//! [`Datagram::decode`] is where the receiving side stops trusting the wire.

use std::fmt;

use crate::checksum;
use crate::{CHUNK, HEADER_LEN};

/// The kind byte of each datagram.
pub mod kind {
    pub const DATA: u8 = 1;
    pub const ACK: u8 = 2;
    pub const FIN: u8 = 3;
}

/// Payload of a FIN: the file size (u64) then its SHA-256 digest.
pub const FIN_PAYLOAD_LEN: usize = 8 + DIGEST_LEN;

/// Size of a SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

/// One valid datagram. DATA borrows its payload from the receive buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// Chunk `seq` of the file: 1..=1200 bytes.
    Data { seq: u32, payload: &'a [u8] },
    /// Every chunk below `seq` has arrived; `window` more from `seq` on are welcome.
    Ack { seq: u32, window: u16 },
    /// The file had `chunks` DATA datagrams, `size` bytes and this digest.
    Fin {
        chunks: u32,
        size: u64,
        digest: [u8; DIGEST_LEN],
    },
}

/// Why a datagram is invalid. The receiver of an invalid datagram drops it
/// without an answer: it cannot even trust the fields that say who to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Fewer bytes than a header.
    Short(usize),
    /// The `length` field and the bytes after the header disagree. A
    /// datagram that filled our whole receive buffer lands here too: it was
    /// longer than the buffer, and the kernel cut it.
    Length { field: usize, actual: usize },
    /// The checksum does not match: bits changed on the way.
    Checksum { field: u16, computed: u16 },
    /// A kind other than DATA, ACK or FIN.
    Kind(u8),
    /// The payload's size is wrong for the kind.
    Payload { kind: u8, len: usize },
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Short(n) => write!(f, "{n} bytes, shorter than the {HEADER_LEN}-byte header"),
            Invalid::Length { field, actual } => {
                write!(
                    f,
                    "length field {field}, but {actual} bytes follow the header"
                )
            }
            Invalid::Checksum { field, computed } => {
                write!(f, "checksum {field:04x}, computed {computed:04x}")
            }
            Invalid::Kind(kind) => write!(f, "unknown kind {kind}"),
            Invalid::Payload { kind, len } => write!(f, "kind {kind} with a {len}-byte payload"),
        }
    }
}

impl<'a> Datagram<'a> {
    /// The datagram's bytes, checksum filled in, ready for one `send`.
    pub fn encode(&self) -> Vec<u8> {
        let mut fin = [0u8; FIN_PAYLOAD_LEN];
        let (kind, window, seq, payload): (u8, u16, u32, &[u8]) = match *self {
            Datagram::Data { seq, payload } => (kind::DATA, 0, seq, payload),
            Datagram::Ack { seq, window } => (kind::ACK, window, seq, &[]),
            Datagram::Fin {
                chunks,
                size,
                digest,
            } => {
                fin[..8].copy_from_slice(&size.to_be_bytes());
                fin[8..].copy_from_slice(&digest);
                (kind::FIN, 0, chunks, &fin)
            }
        };
        assert!(payload.len() <= CHUNK, "payload of {} bytes", payload.len());
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.push(kind);
        out.push(0);
        out.extend_from_slice(&window.to_be_bytes());
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        // The checksum is computed with its own field zero, then written in.
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(payload);
        let sum = checksum::checksum(&out);
        out[10..12].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// Reads one datagram as received, applying every validity rule of the
    /// spec in its order: size, length, checksum, kind, payload.
    pub fn decode(bytes: &'a [u8]) -> Result<Datagram<'a>, Invalid> {
        let Some((header, payload)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return Err(Invalid::Short(bytes.len()));
        };
        let be16 = |at: usize| u16::from_be_bytes([header[at], header[at + 1]]);
        let field = usize::from(be16(8));
        if field != payload.len() {
            return Err(Invalid::Length {
                field,
                actual: payload.len(),
            });
        }
        // Recompute over the datagram as received with the checksum field
        // zeroed: the header (field cleared) and the payload, summed apart
        // and folded together. 12 is even, so the words line up.
        let mut zeroed = *header;
        zeroed[10..12].fill(0);
        let computed = checksum::finish(checksum::sum(&zeroed) + checksum::sum(payload));
        if computed != be16(10) {
            return Err(Invalid::Checksum {
                field: be16(10),
                computed,
            });
        }
        let seq = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        let bad_payload = Err(Invalid::Payload {
            kind: header[0],
            len: payload.len(),
        });
        match header[0] {
            kind::DATA if (1..=CHUNK).contains(&payload.len()) => {
                Ok(Datagram::Data { seq, payload })
            }
            kind::ACK if payload.is_empty() => Ok(Datagram::Ack {
                seq,
                window: be16(2),
            }),
            kind::FIN => match payload.split_first_chunk::<8>() {
                Some((size, digest)) if payload.len() == FIN_PAYLOAD_LEN => Ok(Datagram::Fin {
                    chunks: seq,
                    size: u64::from_be_bytes(*size),
                    digest: digest.try_into().expect("32 bytes"),
                }),
                _ => bad_payload,
            },
            kind::DATA | kind::ACK => bad_payload,
            other => Err(Invalid::Kind(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MAX_DATAGRAM, RECV_BUF};

    fn fin() -> Datagram<'static> {
        Datagram::Fin {
            chunks: 3,
            size: 3000,
            digest: [0xab; 32],
        }
    }

    #[test]
    fn each_kind_survives_a_round_trip() {
        let chunk = [7u8; CHUNK];
        for datagram in [
            Datagram::Data {
                seq: 0,
                payload: b"x",
            },
            Datagram::Data {
                seq: u32::MAX,
                payload: &chunk,
            },
            Datagram::Ack {
                seq: 65,
                window: 64,
            },
            fin(),
        ] {
            let bytes = datagram.encode();
            assert_eq!(Datagram::decode(&bytes), Ok(datagram));
        }
        assert_eq!(
            Datagram::Data {
                seq: 0,
                payload: &chunk
            }
            .encode()
            .len(),
            MAX_DATAGRAM
        );
    }

    /// The header's bytes, field by field, for a DATA of "hi" and an ACK.
    #[test]
    fn the_header_is_big_endian_as_the_spec_lays_it_out() {
        let data = Datagram::Data {
            seq: 0x0102_0304,
            payload: b"hi",
        }
        .encode();
        assert_eq!(&data[..10], &[1, 0, 0, 0, 1, 2, 3, 4, 0, 2]);
        assert_eq!(&data[12..], b"hi");
        // By hand: 0100 + 0000 + 0102 + 0304 + 0002 + 0000 + 6869 = 6d71,
        // whose complement is 928e.
        assert_eq!(&data[10..12], &[0x92, 0x8e]);
        let ack = Datagram::Ack { seq: 5, window: 64 }.encode();
        assert_eq!(ack.len(), HEADER_LEN);
        assert_eq!(&ack[..10], &[2, 0, 0, 64, 0, 0, 0, 5, 0, 0]);
    }

    #[test]
    fn a_datagram_shorter_than_a_header_is_invalid() {
        let ack = Datagram::Ack { seq: 1, window: 1 }.encode();
        for n in 0..HEADER_LEN {
            assert_eq!(Datagram::decode(&ack[..n]), Err(Invalid::Short(n)));
        }
    }

    #[test]
    fn a_length_that_disagrees_is_invalid_including_a_truncated_datagram() {
        let data = Datagram::Data {
            seq: 1,
            payload: b"hello",
        }
        .encode();
        let cut = Datagram::decode(&data[..data.len() - 1]);
        assert_eq!(
            cut,
            Err(Invalid::Length {
                field: 5,
                actual: 4
            })
        );
        let mut long = data.clone();
        long.push(0);
        assert_eq!(
            Datagram::decode(&long),
            Err(Invalid::Length {
                field: 5,
                actual: 6
            })
        );
        // A datagram that filled the whole receive buffer: at most 1200 can
        // be announced, and 1201 follow the header.
        let full = vec![1u8; RECV_BUF];
        assert!(matches!(
            Datagram::decode(&full),
            Err(Invalid::Length { actual: 1201, .. })
        ));
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        let data = Datagram::Data {
            seq: 9,
            payload: b"payload",
        }
        .encode();
        for bit in 0..data.len() * 8 {
            let mut bad = data.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(Datagram::decode(&bad).is_err(), "bit {bit} flipped");
        }
        let mut bad = data.clone();
        bad[12] ^= 0x01;
        assert!(matches!(
            Datagram::decode(&bad),
            Err(Invalid::Checksum { .. })
        ));
    }

    /// A datagram with a correct checksum over a header we never make.
    fn forged(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, 0, 0, 0, 0, 0, 0, 1];
        out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(payload);
        let sum = checksum::checksum(&out);
        out[10..12].copy_from_slice(&sum.to_be_bytes());
        out
    }

    #[test]
    fn an_unknown_kind_is_invalid() {
        for kind in [0, 4, 255] {
            assert_eq!(
                Datagram::decode(&forged(kind, b"")),
                Err(Invalid::Kind(kind))
            );
        }
        assert!(Datagram::decode(&forged(kind::ACK, b"")).is_ok());
    }

    #[test]
    fn payload_sizes_are_checked_per_kind() {
        let bad = |kind: u8, len: usize| {
            Datagram::decode(&forged(kind, &vec![0; len])) == Err(Invalid::Payload { kind, len })
        };
        assert!(bad(kind::DATA, 0), "empty DATA");
        assert!(bad(kind::DATA, CHUNK + 1), "DATA over 1200 bytes");
        assert!(bad(kind::FIN, 39), "FIN one byte short");
        assert!(bad(kind::FIN, 41), "FIN one byte long");
        assert!(bad(kind::FIN, 0), "empty FIN");
        assert!(bad(kind::ACK, 1), "ACK with a payload");
        assert!(Datagram::decode(&forged(kind::FIN, &[0; 40])).is_ok());
        assert!(Datagram::decode(&forged(kind::DATA, &[0; CHUNK])).is_ok());
    }
}
