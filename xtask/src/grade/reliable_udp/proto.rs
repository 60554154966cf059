//! The grader's own reading of the `rdt` datagram format (the chapter
//! "Reliable transfer over UDP" is the contract): a 12-byte big-endian
//! header, then the payload.

use crate::grade::lang::{Lang, tr};

/// Header size in bytes.
pub const HEADER: usize = 12;
/// Largest DATA payload.
pub const CHUNK: usize = 1200;
/// Largest datagram.
pub const MAX_DATAGRAM: usize = HEADER + CHUNK;
/// A FIN's payload: the file size (u64) then its SHA-256.
pub const FIN_PAYLOAD: usize = 8 + 32;

pub const DATA: u8 = 1;
pub const ACK: u8 = 2;
pub const FIN: u8 = 3;

/// One datagram, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    pub kind: u8,
    pub window: u16,
    pub seq: u32,
    pub payload: Vec<u8>,
}

/// Why a datagram is invalid (the receiver drops it without an answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    Short,
    Length,
    Checksum,
    Kind,
    Payload,
}

impl Datagram {
    pub fn data(seq: u32, payload: &[u8]) -> Datagram {
        Datagram {
            kind: DATA,
            window: 0,
            seq,
            payload: payload.to_vec(),
        }
    }

    pub fn ack(seq: u32, window: u16) -> Datagram {
        Datagram {
            kind: ACK,
            window,
            seq,
            payload: Vec::new(),
        }
    }

    pub fn fin(chunks: u32, size: u64, digest: &[u8; 32]) -> Datagram {
        let mut payload = size.to_be_bytes().to_vec();
        payload.extend_from_slice(digest);
        Datagram {
            kind: FIN,
            window: 0,
            seq: chunks,
            payload,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.payload.len());
        out.push(self.kind);
        out.push(0);
        out.extend_from_slice(&self.window.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&(self.payload.len() as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.payload);
        let sum = checksum(&out);
        out[10..12].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// Reads a datagram as received, applying every validity rule.
    pub fn decode(bytes: &[u8]) -> Result<Datagram, Invalid> {
        if bytes.len() < HEADER {
            return Err(Invalid::Short);
        }
        let length = u16::from_be_bytes([bytes[8], bytes[9]]) as usize;
        if length != bytes.len() - HEADER {
            return Err(Invalid::Length);
        }
        let mut zeroed = bytes.to_vec();
        zeroed[10..12].fill(0);
        if checksum(&zeroed) != u16::from_be_bytes([bytes[10], bytes[11]]) {
            return Err(Invalid::Checksum);
        }
        let kind = bytes[0];
        let payload = bytes[HEADER..].to_vec();
        let fits = match kind {
            DATA => (1..=CHUNK).contains(&payload.len()),
            ACK => payload.is_empty(),
            FIN => payload.len() == FIN_PAYLOAD,
            _ => return Err(Invalid::Kind),
        };
        if !fits {
            return Err(Invalid::Payload);
        }
        Ok(Datagram {
            kind,
            window: u16::from_be_bytes([bytes[2], bytes[3]]),
            seq: u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            payload,
        })
    }

    /// A FIN's size and digest.
    pub fn fin_fields(&self) -> Option<(u64, [u8; 32])> {
        if self.kind != FIN || self.payload.len() != FIN_PAYLOAD {
            return None;
        }
        let size = u64::from_be_bytes(self.payload[..8].try_into().ok()?);
        Some((size, self.payload[8..].try_into().ok()?))
    }
}

/// The Internet checksum (RFC 1071): the one's complement of the one's
/// complement sum of the bytes as big-endian 16-bit words, an odd last byte
/// padded with zero.
pub fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut words = bytes.chunks_exact(2);
    for word in &mut words {
        sum += u32::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// How many DATA datagrams carry a file of `size` bytes.
pub fn chunks(size: u64) -> u32 {
    size.div_ceil(CHUNK as u64) as u32
}

/// A datagram as the timeline and the transcripts name it: `DATA 17 (1200 B)`
/// (B: payload bytes), `ACK 18 window 64`, `FIN 51`; an invalid one by what
/// its header says and why it is invalid: `DATA 2 (1100 B): checksum wrong`.
pub fn describe(lang: Lang, bytes: &[u8]) -> String {
    match Datagram::decode(bytes) {
        Ok(d) if d.kind == ACK => tr!(
            lang,
            "ACK {seq} window {window}",
            "ACK {seq} 윈도 {window}",
            seq = d.seq,
            window = d.window
        ),
        Ok(_) => label(lang, bytes),
        Err(why) => {
            let why = match why {
                Invalid::Short => lang.pick("shorter than 12 bytes", "12바이트보다 짧음"),
                Invalid::Length => lang.pick("length field wrong", "길이 필드가 틀림"),
                Invalid::Checksum => lang.pick("checksum wrong", "체크섬이 틀림"),
                Invalid::Kind => lang.pick("unknown kind", "알 수 없는 종류"),
                Invalid::Payload => lang.pick("wrong payload size", "페이로드 크기가 틀림"),
            };
            format!("{}: {why}", label(lang, bytes))
        }
    }
}

/// What a datagram's header says, valid or not: `DATA 2 (1100 B)`, `FIN 3`,
/// `ACK 4`; `3 B` when there is no whole header.
pub fn label(lang: Lang, bytes: &[u8]) -> String {
    if bytes.len() < HEADER {
        return format!("{} B", bytes.len());
    }
    let seq = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    match bytes[0] {
        DATA => format!("DATA {seq} ({} B)", bytes.len() - HEADER),
        ACK => format!("ACK {seq}"),
        FIN => format!("FIN {seq}"),
        kind => tr!(lang, "kind {kind}", "종류 {kind}"),
    }
}

/// [`describe`] in each language, for the proxy's timeline.
pub fn describe_en(bytes: &[u8]) -> String {
    describe(Lang::En, bytes)
}

/// See [`describe_en`].
pub fn describe_ko(bytes: &[u8]) -> String {
    describe(Lang::Ko, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_rfc_1071s_example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2
        // (with carries folded); the checksum is its complement.
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&bytes), !0xddf2);
        // An odd byte is padded on the right.
        assert_eq!(checksum(&[0x12]), !0x1200);
    }

    #[test]
    fn encode_then_decode_and_every_invalid_rule() {
        let data = Datagram::data(7, b"hello");
        let bytes = data.encode();
        assert_eq!(bytes.len(), HEADER + 5);
        assert_eq!(&bytes[..10], &[1, 0, 0, 0, 0, 0, 0, 7, 0, 5]);
        assert_eq!(Datagram::decode(&bytes), Ok(data));
        let fin = Datagram::fin(3, 3000, &[9; 32]);
        let back = Datagram::decode(&fin.encode()).unwrap();
        assert_eq!(back.fin_fields(), Some((3000, [9; 32])));
        assert_eq!(
            Datagram::decode(&Datagram::ack(4, 64).encode())
                .unwrap()
                .window,
            64
        );

        assert_eq!(Datagram::decode(&bytes[..11]), Err(Invalid::Short));
        assert_eq!(Datagram::decode(&bytes[..16]), Err(Invalid::Length));
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(Datagram::decode(&flipped).is_err(), "bit {bit} flipped");
        }
        let mut kind = Datagram::data(1, b"x");
        kind.kind = 9;
        assert_eq!(Datagram::decode(&kind.encode()), Err(Invalid::Kind));
        let empty = Datagram::data(1, b"");
        assert_eq!(Datagram::decode(&empty.encode()), Err(Invalid::Payload));
        let big = Datagram::data(1, &[0; CHUNK + 1]);
        assert_eq!(Datagram::decode(&big.encode()), Err(Invalid::Payload));
        assert_eq!(describe(Lang::En, &bytes), "DATA 7 (5 B)");
        let ack = Datagram::ack(8, 64).encode();
        assert_eq!(describe(Lang::En, &ack), "ACK 8 window 64");
        assert_eq!(describe(Lang::Ko, &ack), "ACK 8 윈도 64");
        assert_eq!(
            describe(Lang::En, &bytes[..3]),
            "3 B: shorter than 12 bytes"
        );
        let mut broken = bytes.clone();
        broken[HEADER] ^= 1;
        assert_eq!(describe(Lang::En, &broken), "DATA 7 (5 B): checksum wrong");
        assert_eq!(describe(Lang::Ko, &broken), "DATA 7 (5 B): 체크섬이 틀림");
        assert_eq!(chunks(0), 0);
        assert_eq!(chunks(1200), 1);
        assert_eq!(chunks(1201), 2);
    }
}
