//! en: The datagram format: a 12-byte big-endian header, then the payload.
//!
//! ```text
//! offset  0     1         2..4     4..8   8..10    10..12     12..
//!         kind  reserved  window   seq    length   checksum   payload
//! ```
//!
//! One `send` is one datagram and one `recv` is one datagram: UDP keeps the
//! boundaries, so there is no framing to do. What UDP does not promise is
//! that a datagram arrives, arrives once, in order, or intact; `decode` is
//! where the receiving side stops trusting the wire.
//!
//! ko: 데이터그램(datagram) 형식: 12바이트 빅 엔디언 헤더, 그다음 페이로드입니다.
//!
//! ```text
//! offset  0     1         2..4     4..8   8..10    10..12     12..
//!         kind  reserved  window   seq    length   checksum   payload
//! ```
//!
//! `send` 한 번이 데이터그램 하나이고 `recv` 한 번이 데이터그램 하나입니다. UDP는 경계를
//! 지켜 주므로 따로 나눌 필요가 없습니다. UDP가 약속하지 않는 것은 데이터그램이 도착하는지,
//! 한 번만 오는지, 순서대로 오는지, 온전한지입니다. 받는 쪽은 네트워크에서 받은 바이트를
//! `decode`에서부터 믿지 않습니다.

use std::fmt;

#[allow(unused_imports)]
use crate::{CHUNK, HEADER_LEN, checksum};

/// en: The kind byte of each datagram.
/// ko: 데이터그램마다 붙는 종류 바이트입니다.
pub mod kind {
    pub const DATA: u8 = 1;
    pub const ACK: u8 = 2;
    pub const FIN: u8 = 3;
}

/// en: Payload of a FIN: the file size (u64) then its SHA-256 digest.
/// ko: FIN의 페이로드: 파일 크기(u64), 그다음 SHA-256 다이제스트(digest)입니다.
pub const FIN_PAYLOAD_LEN: usize = 8 + DIGEST_LEN;

/// en: Size of a SHA-256 digest.
/// ko: SHA-256 다이제스트의 크기입니다.
pub const DIGEST_LEN: usize = 32;

/// en: One valid datagram. DATA borrows its payload from the receive buffer.
/// ko: 올바른 데이터그램 하나입니다. DATA는 페이로드를 받기 버퍼에서 빌립니다.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// en: Chunk `seq` of the file: 1..=1200 bytes.
    /// ko: 파일의 `seq`번째 조각: 1..=1200바이트입니다.
    Data { seq: u32, payload: &'a [u8] },
    /// en: Every chunk below `seq` has arrived; `window` more from `seq` on are welcome.
    /// ko: `seq`보다 작은 조각은 모두 도착했습니다. `seq`부터 `window`개를 더 받겠습니다.
    Ack { seq: u32, window: u16 },
    /// en: The file had `chunks` DATA datagrams, `size` bytes and this digest.
    /// ko: 파일은 DATA 데이터그램 `chunks`개, `size`바이트, 그리고 이 다이제스트입니다.
    Fin {
        chunks: u32,
        size: u64,
        digest: [u8; DIGEST_LEN],
    },
}

/// en: Why a datagram is invalid. An invalid datagram is dropped without an answer.
/// ko: 데이터그램이 올바르지 않은 이유입니다. 올바르지 않은 데이터그램은 답하지 않고 버립니다.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// en: Fewer bytes than a header.
    /// ko: 헤더보다 짧습니다.
    Short(usize),
    /// en: The `length` field and the bytes after the header disagree (a
    /// datagram that filled the whole receive buffer lands here too).
    /// ko: `length` 필드와 헤더 뒤의 바이트 수가 다릅니다(받기 버퍼를 가득 채운 데이터그램도
    /// 여기에 걸립니다).
    Length { field: usize, actual: usize },
    /// en: The checksum does not match: bits changed on the way.
    /// ko: 체크섬(checksum)이 맞지 않습니다. 오는 길에 비트가 바뀌었습니다.
    Checksum { field: u16, computed: u16 },
    /// en: A kind other than DATA, ACK or FIN.
    /// ko: DATA, ACK, FIN이 아닌 종류입니다.
    Kind(u8),
    /// en: The payload's size is wrong for the kind.
    /// ko: 페이로드 크기가 종류에 맞지 않습니다.
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
    /// en: The datagram's bytes, ready for one `send`: `kind`, a zero byte,
    /// `window` (0 in DATA and FIN), `seq` (a FIN's is `chunks`), the payload's
    /// length, the checksum, the payload. Every integer with `to_be_bytes`. A
    /// FIN's payload is `size.to_be_bytes()` then the digest. Write the header
    /// with the checksum field zero, compute `checksum::checksum` over the whole
    /// datagram, then write it into bytes 10..12.
    ///
    /// ko: `send` 한 번에 보낼 데이터그램의 바이트입니다. `kind`, 0인 바이트, `window`(DATA와
    /// FIN에서는 0), `seq`(FIN은 `chunks`), 페이로드 길이, 체크섬, 페이로드 순서입니다. 정수는
    /// 모두 `to_be_bytes`로 씁니다. FIN의 페이로드는 `size.to_be_bytes()`, 그다음
    /// 다이제스트입니다. 체크섬 필드를 0으로 두고 헤더를 쓴 뒤, 데이터그램 전체에
    /// `checksum::checksum`을 계산해서 10..12 바이트에 써 넣으세요.
    pub fn encode(&self) -> Vec<u8> {
        // ko: encode: 12바이트 헤더를 빅 엔디언으로 쓰고, 페이로드를 붙이고, checksum::checksum을 10..12에
        todo!(
            "encode: write the 12-byte header big-endian, append the payload, checksum::checksum into 10..12"
        )
    }

    /// en: Reads one datagram as received, applying every validity rule in this
    /// order: at least 12 bytes (`Invalid::Short`); the `length` field equals
    /// the bytes after the header (`Invalid::Length`); the checksum, recomputed
    /// with its field set to 0, matches (`Invalid::Checksum`: copy the header,
    /// clear bytes 10..12, `checksum::finish(checksum::sum(&header) +
    /// checksum::sum(payload))`); the kind is known (`Invalid::Kind`); DATA has
    /// 1..=1200 bytes, ACK none, FIN exactly 40 (`Invalid::Payload`).
    ///
    /// ko: 받은 데이터그램 하나를 읽고, 유효성 규칙을 이 순서로 모두 적용합니다. 12바이트
    /// 이상(`Invalid::Short`), `length` 필드가 헤더 뒤의 바이트 수와 같음(`Invalid::Length`),
    /// 체크섬 필드를 0으로 두고 다시 계산한 체크섬이 맞음(`Invalid::Checksum`: 헤더를 복사하고
    /// 10..12 바이트를 지운 뒤 `checksum::finish(checksum::sum(&header) +
    /// checksum::sum(payload))`), 아는 종류(`Invalid::Kind`), DATA는 1..=1200바이트, ACK은
    /// 페이로드 없음, FIN은 정확히 40바이트(`Invalid::Payload`)입니다.
    #[allow(unused_variables)]
    pub fn decode(bytes: &'a [u8]) -> Result<Datagram<'a>, Invalid> {
        // ko: decode: 길이, length 필드, 체크섬, kind, 페이로드 크기 순으로 확인
        todo!(
            "decode: check the size, the length field, the checksum, the kind, the payload's size"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RECV_BUF;

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
            Datagram::Fin {
                chunks: 3,
                size: 3000,
                digest: [0xab; 32],
            },
        ] {
            assert_eq!(Datagram::decode(&datagram.encode()), Ok(datagram));
        }
    }

    #[test]
    fn the_header_is_big_endian_as_the_spec_lays_it_out() {
        let data = Datagram::Data {
            seq: 0x0102_0304,
            payload: b"hi",
        }
        .encode();
        assert_eq!(&data[..10], &[1, 0, 0, 0, 1, 2, 3, 4, 0, 2]);
        assert_eq!(&data[10..12], &[0x92, 0x8e]);
        assert_eq!(&data[12..], b"hi");
        let ack = Datagram::Ack { seq: 5, window: 64 }.encode();
        assert_eq!(ack, [2, 0, 0, 64, 0, 0, 0, 5, 0, 0, 0xfd, 0xba]);
    }

    #[test]
    fn every_invalid_rule() {
        let data = Datagram::Data {
            seq: 1,
            payload: b"hello",
        }
        .encode();
        assert_eq!(Datagram::decode(&data[..11]), Err(Invalid::Short(11)));
        let cut = Datagram::decode(&data[..data.len() - 1]);
        assert_eq!(
            cut,
            Err(Invalid::Length {
                field: 5,
                actual: 4
            })
        );
        let full = vec![1u8; RECV_BUF];
        assert!(matches!(
            Datagram::decode(&full),
            Err(Invalid::Length { actual: 1201, .. })
        ));
        for bit in 0..data.len() * 8 {
            let mut bad = data.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(Datagram::decode(&bad).is_err(), "bit {bit} flipped");
        }
        let forged = |kind: u8, len: usize| {
            let mut out = vec![kind, 0, 0, 0, 0, 0, 0, 1];
            out.extend_from_slice(&(len as u16).to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            out.resize(HEADER_LEN + len, 0);
            let sum = checksum::checksum(&out);
            out[10..12].copy_from_slice(&sum.to_be_bytes());
            Datagram::decode(&out).map(|_| ())
        };
        assert_eq!(forged(4, 0), Err(Invalid::Kind(4)));
        for (kind, len) in [
            (kind::DATA, 0),
            (kind::DATA, 1201),
            (kind::FIN, 39),
            (kind::ACK, 1),
        ] {
            assert_eq!(forged(kind, len), Err(Invalid::Payload { kind, len }));
        }
        assert!(forged(kind::FIN, 40).is_ok());
    }
}
