//! The Internet checksum (RFC 1071), the one IP, UDP and TCP headers carry.
//!
//! Add the bytes up as big-endian 16-bit words in one's-complement
//! arithmetic (a carry out of the top bit wraps around to the bottom), then
//! flip every bit. It catches any single-bit error and most bursts, but not
//! two words swapped: it is a guard against noise, not against an attacker.

/// The one's-complement sum of `bytes` as big-endian 16-bit words, carries
/// not yet folded. An odd last byte counts as a word with a zero low byte.
/// Sums of pieces that start at even offsets add up to the sum of the whole.
pub fn sum(bytes: &[u8]) -> u32 {
    let mut words = bytes.chunks_exact(2);
    // A u32 holds 65 537 words of 0xffff before it overflows: far more than
    // the 606 words of the largest datagram.
    let mut total: u32 = words
        .by_ref()
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    if let [last] = words.remainder() {
        total += u32::from(*last) << 8;
    }
    total
}

/// Folds the carries of a [`sum`] back into 16 bits and complements it.
pub fn finish(mut total: u32) -> u16 {
    while total > 0xffff {
        total = (total & 0xffff) + (total >> 16);
    }
    !(total as u16)
}

/// The checksum of `bytes`.
pub fn checksum(bytes: &[u8]) -> u16 {
    finish(sum(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 add up to 2ddf0,
    /// which folds to ddf2; the checksum is its complement, 220d.
    #[test]
    fn rfc_1071_worked_example() {
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(sum(&bytes), 0x2ddf0);
        assert_eq!(checksum(&bytes), 0x220d);
    }

    /// Computed by hand: 4142 + 4300 (the odd `C` padded) = 8442, whose
    /// complement is 7bbd.
    #[test]
    fn an_odd_last_byte_is_padded_on_the_right() {
        assert_eq!(checksum(b"ABC"), 0x7bbd);
        assert_eq!(checksum(&[]), 0xffff);
    }

    /// Appending the checksum makes the whole sum to ffff: the check a
    /// receiver may use instead of zeroing the field.
    #[test]
    fn data_plus_its_checksum_sums_to_all_ones() {
        let mut bytes = b"reliable transfer over UDP!".to_vec();
        bytes.push(0); // even length, so the checksum lands on a word
        let sum_field = checksum(&bytes);
        bytes.extend_from_slice(&sum_field.to_be_bytes());
        assert_eq!(checksum(&bytes), 0);
    }

    #[test]
    fn pieces_at_even_offsets_sum_like_the_whole() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1213).collect();
        assert_eq!(
            finish(sum(&bytes[..12]) + sum(&bytes[12..])),
            checksum(&bytes)
        );
    }
}
