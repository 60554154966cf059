//! en: The Internet checksum (RFC 1071), the one IP, UDP and TCP headers carry:
//! add the bytes up as big-endian 16-bit words in 1's-complement arithmetic
//! (a carry out of the top bit wraps around to the bottom), then flip every bit.
//!
//! ko: 인터넷 체크섬(checksum, RFC 1071)으로, IP, UDP, TCP 헤더가 싣는 것과 같습니다. 바이트를
//! 빅 엔디언 16비트 워드로 묶어 1의 보수 덧셈으로 더하고(맨 위 비트에서 넘친 자리올림은 맨 아래로
//! 돌아옵니다), 끝으로 모든 비트를 뒤집습니다.

/// en: The 1's-complement sum of `bytes` as big-endian 16-bit words, carries
/// not yet folded: add each pair as `u16::from_be_bytes([a, b])` into a `u32`.
/// An odd last byte counts as a word whose low byte is 0 (`last << 8`).
///
/// ko: `bytes`를 빅 엔디언 16비트 워드로 본 1의 보수 합이고, 자리올림은 아직 접지 않습니다. 두
/// 바이트씩 `u16::from_be_bytes([a, b])`로 읽어 `u32`에 더하세요. 홀수 개일 때 마지막
/// 바이트는 아래 바이트가 0인 워드로 셉니다(`last << 8`).
#[allow(unused_variables)]
pub fn sum(bytes: &[u8]) -> u32 {
    // ko: sum: bytes.chunks_exact(2)를 u32에 더하고, 남은 홀수 바이트는 << 8
    todo!("sum: add bytes.chunks_exact(2) into a u32, an odd last byte << 8")
}

/// en: Folds the carries of a [`sum`] back into 16 bits (while it is over
/// `0xffff`: `(total & 0xffff) + (total >> 16)`) and complements it (`!`).
///
/// ko: [`sum`]의 자리올림을 16비트 안으로 접고(`0xffff`보다 큰 동안:
/// `(total & 0xffff) + (total >> 16)`), 보수를 취합니다(`!`).
#[allow(unused_variables)]
pub fn finish(total: u32) -> u16 {
    // ko: finish: 16비트 안에 들 때까지 자리올림을 접고, 그 보수를 돌려주기
    todo!("finish: fold the carries until it fits in 16 bits, then return its complement")
}

/// en: The checksum of `bytes`.
/// ko: `bytes`의 체크섬입니다.
pub fn checksum(bytes: &[u8]) -> u16 {
    finish(sum(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// en: RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 add up to 2ddf0,
    /// which folds to ddf2; the checksum is its complement, 220d.
    /// ko: RFC 1071 3절의 예: 워드 0001 f203 f4f5 f6f7을 더하면 2ddf0, 접으면 ddf2이고,
    /// 체크섬은 그 보수인 220d입니다.
    #[test]
    fn rfc_1071_worked_example() {
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(sum(&bytes), 0x2ddf0);
        assert_eq!(checksum(&bytes), 0x220d);
    }

    /// en: By hand: 4142 + 4300 (the odd `C` padded with 0) = 8442, complement 7bbd.
    /// ko: 손으로 계산하면 4142 + 4300(홀수 번째 `C`에 0을 붙임) = 8442, 보수는 7bbd입니다.
    #[test]
    fn an_odd_last_byte_is_padded_on_the_right() {
        assert_eq!(checksum(b"ABC"), 0x7bbd);
        assert_eq!(checksum(&[]), 0xffff);
    }
}
