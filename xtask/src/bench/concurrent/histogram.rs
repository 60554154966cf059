//! The latency histogram every client records into, and its quantiles.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Latencies in µs, counted in buckets 1/64 of a power of two wide (HDR
/// histogram style: at most 1.6 % off at any size), shared by every client.
pub(in crate::bench) struct Histogram {
    buckets: Vec<AtomicU64>,
    pub(super) max: AtomicU64,
}

const SUB_BITS: u32 = 6;

impl Histogram {
    pub(in crate::bench) fn new() -> Histogram {
        Histogram {
            buckets: (0..(64 - SUB_BITS as usize + 1) << SUB_BITS)
                .map(|_| AtomicU64::new(0))
                .collect(),
            max: AtomicU64::new(0),
        }
    }

    fn index(us: u64) -> usize {
        if us < 1 << SUB_BITS {
            return us as usize;
        }
        let top = 63 - us.leading_zeros();
        let shift = top - SUB_BITS;
        (((shift + 1) << SUB_BITS) as u64 + ((us >> shift) & ((1 << SUB_BITS) - 1))) as usize
    }

    /// The middle of a bucket, in µs.
    fn value(index: usize) -> f64 {
        let sub = 1usize << SUB_BITS;
        if index < sub {
            return index as f64;
        }
        let shift = (index >> SUB_BITS) as u32 - 1;
        let low = ((sub + (index & (sub - 1))) as u64) << shift;
        low as f64 + ((1u64 << shift) as f64 - 1.0) / 2.0
    }

    pub(in crate::bench) fn record(&self, us: u64) {
        self.buckets[Histogram::index(us)].fetch_add(1, Relaxed);
        self.max.fetch_max(us, Relaxed);
    }

    /// The `q` quantile in ms of `total` deliveries, those not recorded
    /// counting as later than any: None if it falls among them.
    pub(in crate::bench) fn quantile_ms(&self, q: f64, total: u64) -> Option<f64> {
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Relaxed);
            if seen >= rank {
                return Some(Histogram::value(index) / 1000.0);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_within_two_percent() {
        for us in [
            0,
            1,
            63,
            64,
            65,
            127,
            128,
            1000,
            4_999,
            50_000,
            1_234_567,
            10_000_000_000,
        ] {
            let value = Histogram::value(Histogram::index(us));
            let off = (value - us as f64).abs();
            assert!(off <= 0.016 * us as f64 + 0.5, "{us} -> {value}");
        }
        // Indexes grow with the value, without gaps or overlaps.
        let mut last = 0;
        for us in 0..100_000u64 {
            let index = Histogram::index(us);
            assert!(index == last || index == last + 1, "{us}");
            last = index;
        }
    }

    #[test]
    fn missing_deliveries_count_as_late() {
        let histogram = Histogram::new();
        for us in 1..=98 {
            histogram.record(us * 1000);
        }
        // 98 of 100 arrived: p50 is there, p99 is not.
        assert!(histogram.quantile_ms(0.5, 100).unwrap() < 51.0);
        assert_eq!(histogram.quantile_ms(0.99, 100), None);
        assert!(histogram.quantile_ms(0.99, 98).unwrap() > 95.0);
    }
}
