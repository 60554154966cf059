//! The congestion window, round trip by round trip: slow start, a loss
//! seen by three duplicate ACKs, congestion avoidance, and a timeout.
//!
//! A simulation, not a capture: it follows the rules of RFC 5681 one round
//! trip (RTT) at a time, counting in segments, so its output is the same on
//! every machine. The chapter "IP and TCP" runs it and draws its output.
//!
//! ```text
//! cargo run -p book-examples --bin cwnd_trace -- [--rounds N] [--iw N] [--dupacks R] [--timeout R] [--lang en|ko]
//! ```
//!
//! `--dupacks R`: the window sent in round R loses one segment, which the
//! sender learns from three duplicate ACKs; `--timeout R`: in round R the
//! retransmission timer expires. Each may be given several times.
//! `--lang ko`: the table's words in Korean (the numbers are the same).

use std::env;
use std::process::ExitCode;

/// Round trips to show by default.
const DEFAULT_ROUNDS: u32 = 25;

/// The initial window, in segments: 10, as RFC 6928 allows and Linux uses
/// (RFC 5681 alone allows 2 to 4).
const DEFAULT_IW: u32 = 10;

/// The default story: a loss found by duplicate ACKs, later a timeout.
const DEFAULT_DUPACKS: u32 = 3;
const DEFAULT_TIMEOUT: u32 = 14;

/// More rounds than this is a typo, not a lesson.
const MAX_ROUNDS: u32 = 1000;

/// The window after a timeout, in segments: the loss window (RFC 5681 §3.1).
const LOSS_WINDOW: u32 = 1;

/// ssthresh never drops below 2 segments (RFC 5681 §3.1, equation 4).
const MIN_SSTHRESH: u32 = 2;

/// What happened at the end of a round.
#[derive(Clone, Copy, PartialEq)]
enum Event {
    None,
    DupAcks,
    Timeout,
}

/// One round trip: the window the sender used and what it learned.
struct Round {
    cwnd: u32,
    /// `None` while ssthresh still has its "arbitrarily high" first value.
    ssthresh: Option<u32>,
    event: Event,
}

impl Round {
    fn phase(&self, lang: Lang) -> &'static str {
        match self.ssthresh {
            Some(s) if self.cwnd >= s => lang.pick("congestion avoidance", "혼잡 회피"),
            _ => lang.pick("slow start", "슬로 스타트"),
        }
    }
}

/// The language of the table's words.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Ko,
}

impl Lang {
    fn pick(self, en: &'static str, ko: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

struct Story {
    rounds: u32,
    iw: u32,
    dupacks: Vec<u32>,
    timeouts: Vec<u32>,
    lang: Lang,
}

fn main() -> ExitCode {
    let story = match parse(env::args().skip(1).collect()) {
        Ok(story) => story,
        Err(message) => {
            eprintln!("{message}");
            eprintln!(
                "usage: cwnd_trace [--rounds N] [--iw N] [--dupacks ROUND]... [--timeout ROUND]... [--lang en|ko]"
            );
            return ExitCode::from(2);
        }
    };
    let lang = story.lang;
    // "왕복" is as wide as four letters in a terminal: one space before it
    // lines it up with the round numbers.
    println!(
        "{}",
        lang.pick(
            "round  cwnd  ssthresh  phase",
            " 왕복  cwnd  ssthresh  단계"
        )
    );
    for (i, round) in trace(&story).iter().enumerate() {
        let ssthresh = round.ssthresh.map_or("-".to_string(), |s| s.to_string());
        let note = match round.event {
            Event::None => "",
            Event::DupAcks => lang.pick(
                "  <- 3 duplicate ACKs: one segment lost",
                "  <- 중복 ACK 3개: 세그먼트 하나를 잃음",
            ),
            Event::Timeout => lang.pick("  <- retransmission timeout", "  <- 재전송 타임아웃"),
        };
        println!(
            "{i:5}  {:4}  {ssthresh:>8}  {}{note}",
            round.cwnd,
            round.phase(lang)
        );
    }
    ExitCode::SUCCESS
}

/// Plays the story: the window of each round follows from the one before.
fn trace(story: &Story) -> Vec<Round> {
    let mut rounds = Vec::new();
    let mut cwnd = story.iw;
    let mut ssthresh: Option<u32> = None;
    for r in 0..story.rounds {
        let event = if story.timeouts.contains(&r) {
            Event::Timeout
        } else if story.dupacks.contains(&r) {
            Event::DupAcks
        } else {
            Event::None
        };
        rounds.push(Round {
            cwnd,
            ssthresh,
            event,
        });
        // ANCHOR: rules
        match event {
            Event::None => match ssthresh {
                // en: Congestion avoidance: about one segment more per round
                // trip (RFC 5681 §3.1), a slow, additive increase.
                // ko: 혼잡 회피: 왕복마다 세그먼트 하나쯤 늘립니다(RFC 5681 §3.1).
                // 천천히 더해 가는 증가입니다.
                Some(s) if cwnd >= s => cwnd += 1,
                // en: Slow start: one segment more per ACK, so the window
                // doubles each round trip; it stops at ssthresh, as Linux's does.
                // ko: 슬로 스타트: ACK 하나에 세그먼트 하나씩 늘어 왕복마다 윈도가 두 배가
                // 됩니다. Linux처럼 ssthresh에서 멈춥니다.
                Some(s) => cwnd = (cwnd * 2).min(s),
                None => cwnd *= 2,
            },
            // en: Three duplicate ACKs: segments still get through, so resend
            // the lost one (fast retransmit), halve the window (fast recovery)
            // and go on with congestion avoidance: the multiplicative decrease.
            // ko: 중복 ACK 세 개: 세그먼트는 여전히 도착하고 있으므로, 잃어버린 것을 다시
            // 보내고(빠른 재전송) 윈도를 절반으로 줄인 뒤(빠른 회복) 혼잡 회피를 이어 갑니다.
            // 곱으로 줄이는 감소입니다.
            Event::DupAcks => {
                let half = (cwnd / 2).max(MIN_SSTHRESH);
                ssthresh = Some(half);
                cwnd = half;
            }
            // en: A timeout: nothing came back for a whole RTO, so start again
            // from one segment, with slow start up to half the old window.
            // ko: 타임아웃: RTO 내내 아무것도 돌아오지 않았으므로, 세그먼트 하나에서 다시
            // 시작해 옛 윈도의 절반까지 슬로 스타트를 합니다.
            Event::Timeout => {
                ssthresh = Some((cwnd / 2).max(MIN_SSTHRESH));
                cwnd = LOSS_WINDOW;
            }
        }
        // ANCHOR_END: rules
    }
    rounds
}

fn parse(args: Vec<String>) -> Result<Story, String> {
    let mut story = Story {
        rounds: DEFAULT_ROUNDS,
        iw: DEFAULT_IW,
        dupacks: Vec::new(),
        timeouts: Vec::new(),
        lang: Lang::En,
    };
    let mut events_given = false;
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "--lang" {
            story.lang = match args.next().as_deref() {
                Some("en") => Lang::En,
                Some("ko") => Lang::Ko,
                _ => return Err("--lang needs en or ko".to_string()),
            };
            continue;
        }
        let value = args.next().ok_or(format!("{flag} needs a number"))?;
        let n: u32 = value
            .parse()
            .map_err(|_| format!("{flag} {value}: not a number"))?;
        match flag.as_str() {
            "--rounds" if (1..=MAX_ROUNDS).contains(&n) => story.rounds = n,
            "--iw" if n >= 1 => story.iw = n,
            "--dupacks" => story.dupacks.push(n),
            "--timeout" => story.timeouts.push(n),
            "--rounds" | "--iw" => return Err(format!("{flag} {n}: out of range")),
            _ => return Err(format!("unknown argument {flag}")),
        }
        events_given |= flag == "--dupacks" || flag == "--timeout";
    }
    if !events_given {
        story.dupacks.push(DEFAULT_DUPACKS);
        story.timeouts.push(DEFAULT_TIMEOUT);
    }
    Ok(story)
}
