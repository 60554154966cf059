//! The sender's decisions, without I/O: which chunk goes out next, what an
//! ACK means, when the timer fires.
//!
//! The event loop (src/bin/rdt-send.rs) feeds [`Window`] what happened
//! ([`Window::on_ack`], [`Window::on_timer`]) with the instant it happened,
//! and asks it what to put on the wire ([`Window::transmit`]) until it says
//! nothing. Every rule of the chapter's sender table is in this file:
//!
//! - at most min(W, window) chunks in flight beyond the cumulative ACK, and
//!   here also at most `cwnd`, a congestion window that starts at
//!   [`INITIAL_CWND`] and grows by one chunk per chunk acknowledged (TCP's
//!   slow start: it doubles every round trip) up to W;
//! - the timeout from measured round trips, with Karn's rule;
//! - fast retransmit on the third duplicate ACK, and NewReno's partial ACKs;
//! - the FIN once every chunk is acknowledged, until ACK n + 1.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::WINDOW;
use crate::rto::Rto;

/// The congestion window before the first ACK, and its floor. Slow start
/// begins small so that a sender does not throw a full window at a path it
/// knows nothing about; at one more chunk per chunk acknowledged it reaches
/// W = 64 in three round trips.
pub const INITIAL_CWND: u32 = 8;

/// Duplicate ACKs that mean a loss. One or two come from reordering or a
/// doubled datagram; three in a row almost always mean a hole (RFC 5681).
const DUP_THRESHOLD: u32 = 3;

/// What the sender puts on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transmit {
    Data(u32),
    Fin,
}

/// A chunk sent and not yet acknowledged.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    /// When its latest copy left: the retransmission timer of the oldest
    /// chunk runs from here, and a clean ACK measures the round trip from it.
    sent_at: Instant,
    /// Sent more than once: Karn's rule forbids a sample through it.
    resent: bool,
}

/// Counters for the summary line on stderr.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub data: u32,
    pub timeouts: u32,
    pub fast: u32,
    pub partial: u32,
}

#[derive(Debug)]
pub struct Window {
    /// n: the file's number of chunks.
    chunks: u32,
    /// The cumulative ACK: every chunk below it arrived.
    base: u32,
    /// Chunks `base .. base + len` in send order.
    flight: VecDeque<InFlight>,
    /// The congestion window (slow start), at most W.
    cwnd: u32,
    /// The receiver's last advertised window (64 until its first ACK).
    peer_window: u32,
    dup_acks: u32,
    /// During a recovery: the first chunk not yet sent when it began. The
    /// recovery lasts until the ACK reaches it.
    recover: Option<u32>,
    /// When the FIN was last sent, once it was.
    fin_sent_at: Option<Instant>,
    /// ACK n + 1 came: the transfer is over.
    finished: bool,
    /// Retransmissions decided and not yet on the wire: they go before new data.
    urgent: VecDeque<Transmit>,
    rto: Rto,
    pub counters: Counters,
}

impl Window {
    pub fn new(chunks: u32) -> Window {
        Window {
            chunks,
            base: 0,
            flight: VecDeque::new(),
            cwnd: INITIAL_CWND,
            peer_window: u32::from(WINDOW),
            dup_acks: 0,
            recover: None,
            fin_sent_at: None,
            finished: false,
            urgent: VecDeque::new(),
            rto: Rto::default(),
            counters: Counters::default(),
        }
    }

    /// The first chunk never sent.
    fn next(&self) -> u32 {
        self.base + self.flight.len() as u32
    }

    /// How many chunks may be in flight now: the least of the congestion
    /// window, W and the receiver's window. A receiver that advertises 0
    /// still gets one chunk when nothing is in flight: it only ever speaks
    /// when spoken to, so without that probe (TCP's persist timer) the
    /// transfer would stop for good.
    fn allowed(&self) -> u32 {
        self.cwnd
            .min(u32::from(WINDOW))
            .min(self.peer_window.max(1))
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn rto(&self) -> Duration {
        self.rto.rto()
    }

    pub fn srtt(&self) -> Option<Duration> {
        self.rto.srtt()
    }

    /// The next datagram to send at `now`, if any: retransmissions first,
    /// then new chunks while the window has room, then the FIN.
    pub fn transmit(&mut self, now: Instant) -> Option<Transmit> {
        while let Some(again) = self.urgent.pop_front() {
            match again {
                // Acknowledged since it was queued (a later ACK of the same
                // burst): nothing to repair any more.
                Transmit::Data(seq) if seq < self.base => continue,
                Transmit::Data(_) => {
                    self.counters.data += 1;
                    return Some(again);
                }
                Transmit::Fin => return Some(again),
            }
        }
        let next = self.next();
        if next < self.chunks && (self.flight.len() as u32) < self.allowed() {
            self.flight.push_back(InFlight {
                sent_at: now,
                resent: false,
            });
            self.counters.data += 1;
            return Some(Transmit::Data(next));
        }
        if self.base == self.chunks && self.fin_sent_at.is_none() {
            self.fin_sent_at = Some(now);
            return Some(Transmit::Fin);
        }
        None
    }

    /// When the timer fires: the send time of the oldest datagram still
    /// unacknowledged (chunk `base`, or the FIN) plus the RTO.
    pub fn deadline(&self) -> Option<Instant> {
        if self.finished {
            return None;
        }
        let oldest = match self.flight.front() {
            Some(chunk) => chunk.sent_at,
            None => self.fin_sent_at?,
        };
        Some(oldest + self.rto.rto())
    }

    /// Call at every wake-up: when the deadline has passed, the oldest
    /// datagram is presumed lost. It is queued again, the RTO doubles, the
    /// congestion window halves (the path went quiet for a whole RTO, which
    /// is more than a random loss), and a recovery begins.
    pub fn on_timer(&mut self, now: Instant) {
        if self.deadline().is_none_or(|at| now < at) {
            return;
        }
        self.rto.back_off();
        if self.flight.is_empty() {
            // Only the FIN is out: it, or its ACK, was lost.
            self.fin_sent_at = Some(now);
            self.urgent.push_back(Transmit::Fin);
            return;
        }
        self.counters.timeouts += 1;
        self.cwnd = (self.cwnd / 2).max(INITIAL_CWND);
        self.resend_oldest(now);
        self.recover = Some(self.next());
    }

    /// A valid ACK: every chunk below `seq` arrived, `window` more are welcome.
    pub fn on_ack(&mut self, seq: u32, window: u16, now: Instant) {
        if self.finished {
            return;
        }
        if self.fin_sent_at.is_some() && seq == self.chunks.saturating_add(1) {
            self.finished = true;
            return;
        }
        let next = self.next();
        if seq < self.base || seq > next {
            // Older than one already seen (UDP reorders), or acknowledging
            // what was never sent: no news.
            return;
        }
        self.peer_window = u32::from(window);
        if seq == self.base {
            self.on_duplicate(now);
        } else {
            self.on_progress(seq, now);
        }
    }

    /// The ACK repeats `base`: a chunk after the hole arrived, the hole did not.
    fn on_duplicate(&mut self, now: Instant) {
        if self.flight.is_empty() {
            return;
        }
        self.dup_acks += 1;
        // Once per loss: the duplicates that follow are echoes of chunks
        // already in flight, and during a recovery the partial ACKs find
        // the holes.
        if self.dup_acks == DUP_THRESHOLD && self.recover.is_none() {
            self.counters.fast += 1;
            self.resend_oldest(now);
            self.recover = Some(self.next());
        }
    }

    /// The ACK moves the window to `seq`.
    fn on_progress(&mut self, seq: u32, now: Instant) {
        let acked = (seq - self.base) as usize;
        let done: Vec<InFlight> = self.flight.drain(..acked).collect();
        // Karn's rule, with cumulative ACKs: if any chunk this ACK covers was
        // re-sent, the ACK may be the answer to that copy (it filled a hole),
        // and timing it from the newest chunk would count the recovery as a
        // round trip. Only an ACK of first copies gives a sample.
        if done.iter().all(|chunk| !chunk.resent) {
            let newest = done.last().expect("at least one chunk");
            self.rto
                .sample(now.saturating_duration_since(newest.sent_at));
        }
        self.rto.progress();
        self.base = seq;
        self.dup_acks = 0;
        // Slow start: one more chunk of window per chunk acknowledged.
        self.cwnd = (self.cwnd + acked as u32).min(u32::from(WINDOW));
        match self.recover {
            // A partial ACK: it stops below what was in flight when the loss
            // was found, so `seq` is the next hole. Re-send it now rather than
            // wait for three more duplicates or the timer (RFC 6582's idea).
            Some(end) if seq < end => {
                self.counters.partial += 1;
                self.resend_oldest(now);
            }
            Some(_) => self.recover = None,
            None => {}
        }
    }

    /// Queues chunk `base` again; its timer restarts from now.
    fn resend_oldest(&mut self, now: Instant) {
        let oldest = self.flight.front_mut().expect("a chunk in flight");
        oldest.sent_at = now;
        oldest.resent = true;
        self.urgent.push_back(Transmit::Data(self.base));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Everything `transmit` gives at `now`.
    fn burst(w: &mut Window, now: Instant) -> Vec<Transmit> {
        std::iter::from_fn(|| w.transmit(now)).collect()
    }

    fn data(range: std::ops::Range<u32>) -> Vec<Transmit> {
        range.map(Transmit::Data).collect()
    }

    #[test]
    fn slow_start_doubles_each_round_trip_up_to_64() {
        let t0 = Instant::now();
        let mut w = Window::new(1000);
        assert_eq!(burst(&mut w, t0), data(0..8));
        // Each chunk acknowledged frees its place and adds one.
        w.on_ack(8, 64, t0 + 10 * MS);
        assert_eq!(burst(&mut w, t0 + 10 * MS), data(8..24));
        w.on_ack(24, 64, t0 + 20 * MS);
        assert_eq!(burst(&mut w, t0 + 20 * MS).len(), 32);
        w.on_ack(56, 64, t0 + 30 * MS);
        assert_eq!(burst(&mut w, t0 + 30 * MS).len(), 64, "capped at W");
    }

    #[test]
    fn never_past_the_receivers_window() {
        let t0 = Instant::now();
        let mut w = Window::new(1000);
        burst(&mut w, t0);
        w.on_ack(4, 8, t0 + 10 * MS);
        // 4..8 in flight, window 8 from 4: up to chunk 11.
        assert_eq!(burst(&mut w, t0 + 10 * MS), data(8..12));
    }

    #[test]
    fn the_timeout_resends_the_oldest_and_backs_off() {
        let t0 = Instant::now();
        let mut w = Window::new(3);
        burst(&mut w, t0);
        assert_eq!(w.deadline(), Some(t0 + 200 * MS));
        w.on_timer(t0 + 199 * MS);
        assert_eq!(w.transmit(t0 + 199 * MS), None);
        w.on_timer(t0 + 200 * MS);
        assert_eq!(burst(&mut w, t0 + 200 * MS), data(0..1));
        assert_eq!(
            w.deadline(),
            Some(t0 + 600 * MS),
            "twice the RTO from the resend"
        );
        // ACK 3 covers the re-sent chunk: no sample, but the back-off ends.
        w.on_ack(3, 64, t0 + 210 * MS);
        assert_eq!(w.srtt(), None);
        assert_eq!(w.rto(), 200 * MS);
        assert_eq!(w.transmit(t0 + 210 * MS), Some(Transmit::Fin));
    }

    #[test]
    fn a_clean_ack_samples_the_newest_chunk_it_covers() {
        let t0 = Instant::now();
        let mut w = Window::new(100);
        w.transmit(t0);
        w.transmit(t0 + 5 * MS);
        w.on_ack(2, 64, t0 + 25 * MS);
        assert_eq!(w.srtt(), Some(20 * MS));
    }

    #[test]
    fn three_duplicates_then_partial_acks_repair_every_hole() {
        let t0 = Instant::now();
        let mut w = Window::new(8);
        assert_eq!(burst(&mut w, t0), data(0..8));
        // Chunks 1 and 4 lost: 0 arrives, then 2, 3, 5, 6, 7 repeat ACK 1.
        let t = t0 + 10 * MS;
        w.on_ack(1, 64, t);
        w.on_ack(1, 64, t);
        w.on_ack(1, 64, t);
        assert_eq!(burst(&mut w, t), vec![], "two duplicates are not enough");
        w.on_ack(1, 64, t);
        assert_eq!(burst(&mut w, t), data(1..2), "fast retransmit");
        w.on_ack(1, 64, t);
        w.on_ack(1, 64, t);
        assert_eq!(burst(&mut w, t), vec![], "no second fast retransmit");
        // The re-sent 1 fills the first hole: ACK 4 is partial.
        w.on_ack(4, 64, t0 + 20 * MS);
        assert_eq!(burst(&mut w, t0 + 20 * MS), data(4..5));
        w.on_ack(8, 64, t0 + 30 * MS);
        assert_eq!(burst(&mut w, t0 + 30 * MS), vec![Transmit::Fin]);
        assert_eq!(w.srtt(), Some(10 * MS), "only ACK 1 gave a sample");
        w.on_ack(9, 64, t0 + 40 * MS);
        assert!(w.is_finished());
    }

    #[test]
    fn stale_and_impossible_acks_are_ignored() {
        let t0 = Instant::now();
        let mut w = Window::new(10);
        burst(&mut w, t0);
        w.on_ack(5, 64, t0 + MS);
        w.on_ack(3, 0, t0 + MS);
        w.on_ack(40, 0, t0 + MS);
        w.on_ack(11, 64, t0 + MS);
        assert!(!w.is_finished(), "no ACK n + 1 before the FIN");
        assert_eq!(burst(&mut w, t0 + MS), data(8..10));
    }

    #[test]
    fn an_empty_file_is_a_fin_alone() {
        let t0 = Instant::now();
        let mut w = Window::new(0);
        assert_eq!(burst(&mut w, t0), vec![Transmit::Fin]);
        w.on_timer(t0 + 200 * MS);
        assert_eq!(burst(&mut w, t0 + 200 * MS), vec![Transmit::Fin]);
        w.on_ack(1, 64, t0 + 201 * MS);
        assert!(w.is_finished());
    }
}
