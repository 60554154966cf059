//! en: The retransmission timeout, from measured round trips (the idea of RFC
//! 6298). Wait too little and the sender re-sends datagrams that were only
//! slow; wait too long and every loss stalls the transfer. So the sender
//! measures: SRTT follows the round-trip time smoothly, RTTVAR how much it
//! jumps around, and the timeout is SRTT + 4·RTTVAR.
//!
//! ko: 측정한 왕복 시간으로 정하는 재전송 타임아웃(RTO)입니다(RFC 6298의 생각). 너무 짧게
//! 기다리면 느렸을 뿐인 데이터그램을 다시 보내고, 너무 길게 기다리면 손실이 날 때마다 전송이
//! 멈춥니다. 그래서 송신자는 잽니다. SRTT는 왕복 시간을 부드럽게 따라가고, RTTVAR는 그 값이
//! 얼마나 튀는지를 나타내며, 타임아웃은 SRTT + 4·RTTVAR입니다.

use std::time::Duration;

/// en: The timeout before the first measurement.
/// ko: 첫 측정 전의 타임아웃입니다.
pub const INITIAL_RTO: Duration = Duration::from_millis(200);

/// en: The shortest timeout. On loopback a round trip takes some 50 µs, and a
/// timer that short would fire for every scheduling hiccup.
/// ko: 가장 짧은 타임아웃입니다. 루프백에서는 왕복이 50 µs쯤 걸리는데, 그렇게 짧은 타이머는
/// 스케줄링이 조금만 늦어져도 울립니다.
pub const MIN_RTO: Duration = Duration::from_millis(20);

/// en: The longest timeout, also the cap of the backoff.
/// ko: 가장 긴 타임아웃이자, 두 배씩 늘릴 때의 상한입니다.
pub const MAX_RTO: Duration = Duration::from_secs(1);

/// en: SRTT, RTTVAR and the timeout they give.
/// ko: SRTT, RTTVAR, 그리고 둘로 정한 타임아웃입니다.
#[derive(Clone, Debug)]
pub struct RtoEstimator {
    /// en: `None` until the first sample.
    /// ko: 첫 표본 전에는 `None`입니다.
    srtt: Option<Duration>,
    #[allow(dead_code)]
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
    /// en: The current timeout.
    /// ko: 지금의 타임아웃입니다.
    pub fn rto(&self) -> Duration {
        self.rto
    }

    /// en: The smoothed round-trip time, once there is a sample.
    /// ko: 표본이 생긴 뒤의 평활 왕복 시간(SRTT)입니다.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// en: Takes one measured round trip. The first sample: SRTT = R, RTTVAR =
    /// R / 2. Every later one: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT − R| (`abs_diff`),
    /// then SRTT = 7/8 SRTT + 1/8 R. Then the timeout is SRTT + 4 RTTVAR,
    /// clamped to `MIN_RTO ..= MAX_RTO` (`clamp`). The caller follows Karn's
    /// rule: no sample from a datagram that was sent more than once.
    ///
    /// ko: 측정한 왕복 시간 하나를 받습니다. 첫 표본: SRTT = R, RTTVAR = R / 2. 그 뒤로는
    /// RTTVAR = 3/4 RTTVAR + 1/4 |SRTT − R|(`abs_diff`), 그다음 SRTT = 7/8 SRTT + 1/8 R.
    /// 그러고 나서 타임아웃은 SRTT + 4 RTTVAR이고, `MIN_RTO ..= MAX_RTO`로 묶습니다
    /// (`clamp`). 부르는 쪽은 Karn의 규칙을 지킵니다. 두 번 이상 보낸 데이터그램(datagram)에서는
    /// 표본을 얻지 않습니다.
    #[allow(unused_variables)]
    pub fn sample(&mut self, rtt: Duration) {
        // ko: sample: RTTVAR, SRTT를 갱신하고, 그다음 rto = (srtt + 4 * rttvar).clamp(MIN_RTO, MAX_RTO)
        todo!(
            "sample: update RTTVAR, then SRTT, then rto = (srtt + 4 * rttvar).clamp(MIN_RTO, MAX_RTO)"
        )
    }

    /// en: The timeout fired: double it, up to `MAX_RTO` (RFC 6298 (5.5)).
    /// ko: 타임아웃이 지났습니다. 두 배로 늘리되 `MAX_RTO`를 넘지 않습니다(RFC 6298 (5.5)).
    pub fn back_off(&mut self) {
        // ko: back_off: rto를 두 배로, MAX_RTO까지
        todo!("back_off: double rto, up to MAX_RTO")
    }

    /// en: New chunks were acknowledged: the back-off ends. The timeout is the
    /// estimate again (SRTT + 4 RTTVAR, clamped), or `INITIAL_RTO` before any
    /// sample.
    /// ko: 새 조각이 확인되었습니다. 두 배로 늘린 것을 끝냅니다. 타임아웃은 다시 추정값(SRTT + 4
    /// RTTVAR, 범위 안으로 묶음)이고, 표본이 없으면 `INITIAL_RTO`입니다.
    pub fn end_back_off(&mut self) {
        // ko: end_back_off: SRTT와 RTTVAR로 다시 계산, 표본이 없으면 INITIAL_RTO
        todo!("end_back_off: recompute from SRTT and RTTVAR, or INITIAL_RTO before any sample")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_first_sample_then_a_smoothed_one() {
        let mut rto = RtoEstimator::default();
        assert_eq!(rto.rto(), 200 * MS);
        rto.sample(100 * MS);
        assert_eq!((rto.srtt(), rto.rto()), (Some(100 * MS), 300 * MS));
        rto.sample(180 * MS);
        assert_eq!((rto.srtt(), rto.rto()), (Some(110 * MS), 340 * MS));
    }

    #[test]
    fn clamped_backed_off_and_back() {
        let mut rto = RtoEstimator::default();
        rto.sample(Duration::from_micros(50));
        assert_eq!(rto.rto(), MIN_RTO);
        rto.back_off();
        rto.back_off();
        assert_eq!(rto.rto(), 80 * MS);
        rto.end_back_off();
        assert_eq!(rto.rto(), MIN_RTO);
        for _ in 0..10 {
            rto.back_off();
        }
        assert_eq!(rto.rto(), MAX_RTO);
        let mut fresh = RtoEstimator::default();
        fresh.back_off();
        fresh.end_back_off();
        assert_eq!(fresh.rto(), INITIAL_RTO);
    }
}
