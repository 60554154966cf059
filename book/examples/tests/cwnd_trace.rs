//! `cwnd_trace` plays RFC 5681's rules round by round. These tests read its
//! table back and check each rule on every row, for the book's story and for
//! others, so a wrong rule fails wherever it shows.

mod support;

use std::path::Path;

struct Row {
    cwnd: u32,
    ssthresh: Option<u32>,
    phase: String,
    note: String,
}

fn trace(args: &[&str]) -> (String, Vec<Row>) {
    let done = support::run(env!("CARGO_BIN_EXE_cwnd_trace"), args);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let mut lines = done.stdout.lines();
    assert_eq!(lines.next(), Some("round  cwnd  ssthresh  phase"));
    let rows = lines
        .enumerate()
        .map(|(i, line)| {
            let (row, note) = line.split_once("  <- ").unwrap_or((line, ""));
            let words: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(words[0], i.to_string(), "{line}");
            Row {
                cwnd: words[1].parse().expect("cwnd"),
                ssthresh: words[2].parse().ok(),
                phase: words[3..].join(" "),
                note: note.to_string(),
            }
        })
        .collect();
    (done.stdout, rows)
}

/// Checks every step from one row to the next against RFC 5681.
fn check_rules(rows: &[Row], iw: u32) {
    assert_eq!(rows[0].cwnd, iw, "the first round uses the initial window");
    for pair in rows.windows(2) {
        let (now, next) = (&pair[0], &pair[1]);
        let expected_phase = match now.ssthresh {
            Some(s) if now.cwnd >= s => "congestion avoidance",
            _ => "slow start",
        };
        assert_eq!(now.phase, expected_phase, "cwnd {}", now.cwnd);
        if now.note.contains("duplicate ACKs") {
            // Fast retransmit and fast recovery: ssthresh and cwnd halve.
            let half = (now.cwnd / 2).max(2);
            assert_eq!((next.cwnd, next.ssthresh), (half, Some(half)));
        } else if now.note.contains("timeout") {
            // A timeout: back to one segment, ssthresh half the old window.
            assert_eq!((next.cwnd, next.ssthresh), (1, Some((now.cwnd / 2).max(2))));
        } else if now.phase == "slow start" {
            // Doubling each round trip, up to ssthresh.
            let cap = now.ssthresh.unwrap_or(u32::MAX);
            assert_eq!(next.cwnd, (now.cwnd * 2).min(cap), "slow start doubles");
            assert_eq!(next.ssthresh, now.ssthresh);
        } else {
            // Additive increase: one segment per round trip.
            assert_eq!(next.cwnd, now.cwnd + 1, "congestion avoidance adds one");
            assert_eq!(next.ssthresh, now.ssthresh);
        }
    }
}

#[test]
fn the_books_story_doubles_halves_and_restarts() {
    let (stdout, rows) = trace(&[]);
    assert_eq!(rows.len(), 25);
    check_rules(&rows, 10);
    // The story the chapter tells: slow start 10, 20, 40, 80; a loss seen by
    // duplicate ACKs halves to 40; a timeout at 50 restarts from 1.
    let cwnds: Vec<u32> = rows.iter().map(|r| r.cwnd).collect();
    assert_eq!(&cwnds[..5], &[10, 20, 40, 80, 40]);
    assert_eq!(&cwnds[14..17], &[50, 1, 2]);
    assert!(rows[3].note.contains("duplicate ACKs") && rows[14].note.contains("timeout"));

    // Each book shows the output in its language, with the command that
    // prints it; the Korean table has the same numbers.
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let korean = support::run(env!("CARGO_BIN_EXE_cwnd_trace"), &["--lang", "ko"]);
    assert!(korean.status.success(), "stderr: {}", korean.stderr);
    let numbers = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| {
                let runs: Vec<&str> = l
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|n| !n.is_empty())
                    .collect();
                runs.join(" ")
            })
            .collect()
    };
    assert_eq!(numbers(&stdout), numbers(&korean.stdout));
    assert!(korean.stdout.contains("혼잡 회피") && korean.stdout.contains("재전송 타임아웃"));
    for (lang, command, output) in [("en", "", &stdout), ("ko", " -- --lang ko", &korean.stdout)] {
        let page = book.join(lang).join("src").join("ip-and-tcp.md");
        let text = std::fs::read_to_string(&page).expect("read the chapter");
        let block = format!(
            "```console,translated\n$ cargo run -q -p book-examples --bin cwnd_trace{command}\n{output}```\n"
        );
        assert!(
            text.contains(&block),
            "{} does not show:\n{block}",
            page.display()
        );
    }
}

#[test]
fn other_stories_follow_the_same_rules() {
    for args in [
        &[
            "--iw",
            "4",
            "--rounds",
            "30",
            "--dupacks",
            "5",
            "--dupacks",
            "12",
        ][..],
        &[
            "--iw",
            "1",
            "--rounds",
            "20",
            "--timeout",
            "3",
            "--dupacks",
            "10",
        ][..],
        &[
            "--iw",
            "3",
            "--rounds",
            "12",
            "--timeout",
            "0",
            "--timeout",
            "6",
        ][..],
        &["--iw", "10", "--rounds", "40"][..],
    ] {
        let (_, rows) = trace(args);
        check_rules(&rows, args[1].parse().unwrap());
    }
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["--rounds", "0"][..],
        &["--iw"][..],
        &["--speed", "3"][..],
        &["--lang", "fr"][..],
    ] {
        let done = support::run(env!("CARGO_BIN_EXE_cwnd_trace"), args);
        assert_eq!(done.status.code(), Some(2), "{args:?}");
        assert!(done.stderr.contains("usage: cwnd_trace"), "{}", done.stderr);
    }
}
