//! The end of a transfer that no protocol can make certain (the two
//! generals): the receiver accepted the FIN, answered it and every FIN that
//! reached it, lingered its 2 s after the last one, and left; every answer
//! was lost on the way back, so the sender never heard that the file
//! arrived and, as the spec says, gave up after its silence with exit 1.
//! Neither program did wrong. On the hidden 20 %-loss link this happens
//! to a correct pair in a few grades of a hundred (the sender's timeout,
//! backed off to 1 s, lets one lost FIN span the whole linger), and the
//! grader does not take points for it. It proves it from what crossed the
//! link, so a receiver that leaves early is not excused.

use std::time::Duration;

use super::proto::{ACK, Datagram, FIN};
use crate::grade::udp_proxy::{Dir, Event};

/// The spec's linger, less what jitter and the proxy's delay take from it.
const LINGER: Duration = Duration::from_millis(1900);
/// A receiver answers a FIN at once; later than this is no answer to it.
const ANSWER: Duration = Duration::from_millis(500);
/// The spec's sender re-sends its FIN at least once a second (its timeout
/// never exceeds 1 s); this much apart, with the timer's slack, it did not.
const RESEND: Duration = Duration::from_millis(1500);

/// Whether `events` show the two generals' outcome for a file of `chunks`
/// chunks: the receiver answered a FIN, no final ACK reached the sender
/// intact, every FIN that reached the receiver intact was answered unless it
/// came after a linger's silence, and the sender kept re-sending its FIN as
/// the spec says until after the linger had run out (a sender that stopped,
/// or re-sent too slowly, let the receiver go).
pub fn two_generals(events: &[Event], chunks: u32) -> bool {
    // The final ACKs the receiver sent, and the FINs the sender sent, each
    // with its fate on the way.
    let of = |dir: Dir, kind: u8, seq: u32| -> Vec<&Event> {
        events
            .iter()
            .filter(|e| {
                e.dir == dir
                    && Datagram::decode(&e.bytes).is_ok_and(|d| d.kind == kind && d.seq == seq)
            })
            .collect()
    };
    let answers = of(Dir::Back, ACK, chunks + 1);
    let fins = of(Dir::Forward, FIN, chunks);
    if answers.is_empty() || answers.iter().any(|e| e.fate.intact()) {
        return false;
    }
    if fins.windows(2).any(|pair| pair[1].at - pair[0].at > RESEND) {
        return false;
    }
    let mut answered: Option<Duration> = None;
    for fin in fins.iter().filter(|e| e.fate.intact()) {
        let answer = answers
            .iter()
            .any(|a| a.at >= fin.at && a.at - fin.at <= ANSWER);
        if answer {
            answered = Some(fin.at);
        } else if answered.is_none_or(|last| fin.at - last < LINGER) {
            // It reached a receiver that should still have been there.
            return false;
        }
    }
    // The receiver's linger ran out while the sender was still trying.
    answered.is_some_and(|last| fins.last().is_some_and(|end| end.at - last >= LINGER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::udp_proxy::Fate;

    const CHUNKS: u32 = 5;

    fn at(ms: u64, dir: Dir, datagram: Datagram, fate: Fate) -> Event {
        Event {
            at: Duration::from_millis(ms),
            dir,
            bytes: datagram.encode(),
            fate,
        }
    }

    fn fin(ms: u64, fate: Fate) -> Event {
        at(
            ms,
            Dir::Forward,
            Datagram::fin(CHUNKS, 6000, &[0; 32]),
            fate,
        )
    }

    fn last_ack(ms: u64, fate: Fate) -> Event {
        at(ms, Dir::Back, Datagram::ack(CHUNKS + 1, 64), fate)
    }

    #[test]
    fn every_answer_lost_then_one_fin_lost_at_the_backed_off_timeout() {
        // As a grade of the reference showed it: the receiver's linger ran
        // out between two FINs a second apart, one of them lost.
        let events = [
            fin(5_669, Fate::Delivered),
            last_ack(5_674, Fate::Lost),
            fin(6_497, Fate::Delivered),
            last_ack(6_505, Fate::Lost),
            fin(7_525, Fate::Delivered),
            last_ack(7_527, Fate::Corrupted),
            fin(8_549, Fate::Lost),
            fin(9_570, Fate::Delivered),
            fin(10_593, Fate::Delivered),
        ];
        assert!(two_generals(&events, CHUNKS));
    }

    #[test]
    fn an_answer_that_arrived_is_no_excuse() {
        let events = [
            fin(100, Fate::Delivered),
            last_ack(105, Fate::Lost),
            fin(400, Fate::Delivered),
            last_ack(405, Fate::Delivered),
        ];
        assert!(!two_generals(&events, CHUNKS));
    }

    #[test]
    fn a_receiver_that_left_without_lingering_is_no_excuse() {
        // It answered the first FIN and was gone for the next one.
        let events = [
            fin(100, Fate::Delivered),
            last_ack(105, Fate::Dropped),
            fin(300, Fate::Delivered),
            fin(700, Fate::Delivered),
        ];
        assert!(!two_generals(&events, CHUNKS));
    }

    #[test]
    fn a_receiver_that_never_answered_a_fin_is_no_excuse() {
        let events = [fin(100, Fate::Delivered), fin(300, Fate::Delivered)];
        assert!(!two_generals(&events, CHUNKS));
    }

    #[test]
    fn fins_that_did_not_arrive_need_no_answer() {
        let events = [
            fin(100, Fate::Delivered),
            last_ack(104, Fate::Lost),
            fin(300, Fate::Corrupted),
            fin(700, Fate::Lost),
            fin(1_500, Fate::Lost),
            fin(2_500, Fate::Delivered),
        ];
        assert!(two_generals(&events, CHUNKS));
    }

    #[test]
    fn a_sender_that_stopped_re_sending_its_fin_is_no_excuse() {
        // rdt.last_ack_lost drops the first answers: a sender that sent
        // its FIN once and waited out its silence let the receiver go.
        let events = [fin(100, Fate::Delivered), last_ack(104, Fate::Dropped)];
        assert!(!two_generals(&events, CHUNKS));
    }

    #[test]
    fn a_sender_re_sending_slower_than_the_spec_is_no_excuse() {
        let events = [
            fin(100, Fate::Delivered),
            last_ack(104, Fate::Lost),
            fin(2_300, Fate::Delivered),
        ];
        assert!(!two_generals(&events, CHUNKS));
    }
}
