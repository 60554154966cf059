//! The retransmission timeout from measured round trips (RFC 6298's estimator,
//! with the chapter's bounds).
//!
//! The back-off is kept apart from the estimate, as a number of doublings:
//! the timeout is the estimate shifted left by it. Ending the back-off is then
//! setting it to zero, and the estimate is never lost while backing off.

use std::time::Duration;

/// Before the first sample.
pub const INITIAL: Duration = Duration::from_millis(200);
/// Never shorter: on loopback a round trip is some 50 µs, and a timer that
/// short would fire at every scheduling hiccup of either process.
pub const MIN: Duration = Duration::from_millis(20);
/// Never longer, backed off or not.
pub const MAX: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Default)]
pub struct Rto {
    /// SRTT and RTTVAR, once there is a sample.
    estimate: Option<(Duration, Duration)>,
    /// Timeouts since new data was last acknowledged.
    doublings: u32,
}

impl Rto {
    /// Takes one round trip. The caller follows Karn's rule: no sample from a
    /// datagram sent more than once, nor from an ACK that fills a hole.
    pub fn sample(&mut self, r: Duration) {
        self.estimate = Some(match self.estimate {
            // RFC 6298 (2.2).
            None => (r, r / 2),
            // RFC 6298 (2.3): RTTVAR first, from the old SRTT.
            Some((srtt, rttvar)) => {
                let rttvar = rttvar * 3 / 4 + srtt.abs_diff(r) / 4;
                (srtt * 7 / 8 + r / 8, rttvar)
            }
        });
    }

    /// The timeout without back-off: SRTT + 4·RTTVAR, clamped, or the
    /// initial one before any sample.
    fn base(&self) -> Duration {
        match self.estimate {
            Some((srtt, rttvar)) => (srtt + rttvar * 4).clamp(MIN, MAX),
            None => INITIAL,
        }
    }

    /// The timeout now: the base, doubled once per timeout since the last
    /// progress, never above 1 s.
    pub fn rto(&self) -> Duration {
        // Past 2^10 any base above 1 ms is over the cap: stop shifting there.
        let factor = 1u32 << self.doublings.min(10);
        (self.base() * factor).min(MAX)
    }

    /// The timer fired: wait twice as long next time (RFC 6298 (5.5)).
    pub fn back_off(&mut self) {
        self.doublings = self.doublings.saturating_add(1);
    }

    /// New data was acknowledged: the path delivers, the back-off ends.
    pub fn progress(&mut self) {
        self.doublings = 0;
    }

    /// The smoothed round trip, for the summary line.
    pub fn srtt(&self) -> Option<Duration> {
        self.estimate.map(|(srtt, _)| srtt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// The chapter's example: 100 ms then 180 ms give 300 ms then 340 ms.
    #[test]
    fn the_chapters_example() {
        let mut rto = Rto::default();
        assert_eq!(rto.rto(), 200 * MS);
        rto.sample(100 * MS);
        assert_eq!(rto.rto(), 300 * MS);
        rto.sample(180 * MS);
        assert_eq!(rto.srtt(), Some(110 * MS));
        assert_eq!(rto.rto(), 340 * MS);
    }

    #[test]
    fn clamped_both_ways() {
        let mut rto = Rto::default();
        rto.sample(Duration::from_micros(50));
        assert_eq!(rto.rto(), MIN);
        rto.sample(5000 * MS);
        assert_eq!(rto.rto(), MAX);
    }

    #[test]
    fn back_off_doubles_to_the_cap_and_progress_ends_it() {
        let mut rto = Rto::default();
        rto.back_off();
        assert_eq!(rto.rto(), 400 * MS);
        rto.back_off();
        rto.back_off();
        assert_eq!(rto.rto(), MAX);
        rto.progress();
        assert_eq!(rto.rto(), INITIAL);
        rto.sample(40 * MS); // 40 + 4 * 20 = 120
        for _ in 0..100 {
            rto.back_off();
        }
        assert_eq!(rto.rto(), MAX);
        rto.progress();
        assert_eq!(rto.rto(), 120 * MS);
    }
}
