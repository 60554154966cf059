//! The retransmission timeout, from measured round trips (the idea of RFC 6298).
//!
//! Wait too little and the sender re-sends datagrams that were only slow,
//! adding load exactly when the path is busy; wait too long and every loss
//! stalls the transfer. So the sender measures: SRTT follows the round-trip
//! time smoothly, RTTVAR how much it jumps around, and the timeout is
//! SRTT + 4·RTTVAR, with room for the usual jitter.

use std::time::Duration;

/// The timeout before the first measurement.
pub const INITIAL_RTO: Duration = Duration::from_millis(200);

/// The shortest timeout. On loopback a round trip takes some 50 µs, and a
/// timer that short would fire for every scheduling hiccup of either
/// process. (RFC 6298 says 1 s for the Internet; Linux's TCP uses 200 ms.)
pub const MIN_RTO: Duration = Duration::from_millis(20);

/// The longest timeout, also the cap of the backoff.
pub const MAX_RTO: Duration = Duration::from_secs(1);

/// SRTT, RTTVAR and the timeout they give.
#[derive(Clone, Debug)]
pub struct RtoEstimator {
    /// `None` until the first sample.
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
}

impl Default for RtoEstimator {
    fn default() -> RtoEstimator {
        RtoEstimator {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: INITIAL_RTO,
        }
    }
}

impl RtoEstimator {
    /// The current timeout.
    pub fn rto(&self) -> Duration {
        self.rto
    }

    /// The smoothed round-trip time, once there is a sample.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// Takes one measured round trip. The caller must follow Karn's rule:
    /// never a sample from a datagram that was sent more than once, since an
    /// ACK cannot say which copy it answers. Timing the first copy when the
    /// second was acknowledged inflates the RTT; timing the second when the
    /// first was only slow shrinks it, and the timeout collapses.
    pub fn sample(&mut self, rtt: Duration) {
        let srtt = match self.srtt {
            // The first sample: RFC 6298 (2.2).
            None => {
                self.rttvar = rtt / 2;
                rtt
            }
            // Every later one: RFC 6298 (2.3), with alpha 1/8 and beta 1/4.
            Some(srtt) => {
                self.rttvar = self.rttvar * 3 / 4 + srtt.abs_diff(rtt) / 4;
                srtt * 7 / 8 + rtt / 8
            }
        };
        self.srtt = Some(srtt);
        self.rto = (srtt + self.rttvar * 4).clamp(MIN_RTO, MAX_RTO);
    }

    /// The timeout fired: double it (RFC 6298 (5.5)). If the loss came from
    /// congestion, waiting longer each time takes load off the path.
    pub fn back_off(&mut self) {
        self.rto = (self.rto * 2).min(MAX_RTO);
    }

    /// New chunks were acknowledged: the path delivers again, and the
    /// back-off ends (the timeout is the estimate again, or 200 ms before any
    /// sample). Waiting for a fresh sample instead, as Karn's rule alone
    /// would, can mean waiting for ever: on a steadily lossy path nearly
    /// every ACK that advances fills a hole with a re-sent chunk, gives no
    /// sample, and the doubled timeout stalls every later loss.
    pub fn end_back_off(&mut self) {
        self.rto = match self.srtt {
            Some(srtt) => (srtt + self.rttvar * 4).clamp(MIN_RTO, MAX_RTO),
            None => INITIAL_RTO,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn starts_at_200_ms_and_the_first_sample_sets_srtt_and_rttvar() {
        let mut rto = RtoEstimator::default();
        assert_eq!(rto.rto(), 200 * MS);
        assert_eq!(rto.srtt(), None);
        rto.sample(100 * MS);
        // SRTT 100, RTTVAR 50: 100 + 4 * 50 = 300.
        assert_eq!(rto.srtt(), Some(100 * MS));
        assert_eq!(rto.rto(), 300 * MS);
    }

    #[test]
    fn later_samples_are_smoothed() {
        let mut rto = RtoEstimator::default();
        rto.sample(100 * MS);
        rto.sample(180 * MS);
        // RTTVAR = 3/4 * 50 + 1/4 * 80 = 57.5; SRTT = 7/8 * 100 + 1/8 * 180 = 110.
        assert_eq!(rto.srtt(), Some(110 * MS));
        assert_eq!(rto.rto(), 110 * MS + 230 * MS);
    }

    #[test]
    fn clamped_to_20_ms_and_1_s() {
        let mut rto = RtoEstimator::default();
        rto.sample(Duration::from_micros(50));
        assert_eq!(rto.rto(), MIN_RTO);
        rto.sample(5000 * MS);
        assert_eq!(rto.rto(), MAX_RTO);
    }

    #[test]
    fn back_off_doubles_up_to_1_s_and_a_sample_brings_it_back() {
        let mut rto = RtoEstimator::default();
        rto.back_off();
        assert_eq!(rto.rto(), 400 * MS);
        rto.back_off();
        rto.back_off();
        assert_eq!(rto.rto(), MAX_RTO);
        rto.sample(10 * MS);
        assert_eq!(rto.rto(), 30 * MS);
    }

    #[test]
    fn the_back_off_ends_at_the_estimate_or_the_initial_timeout() {
        let mut rto = RtoEstimator::default();
        rto.back_off();
        rto.end_back_off();
        assert_eq!(rto.rto(), INITIAL_RTO);
        rto.sample(40 * MS);
        rto.back_off();
        rto.back_off();
        assert_eq!(rto.rto(), 480 * MS);
        rto.end_back_off();
        assert_eq!(rto.rto(), 120 * MS);
    }
}
