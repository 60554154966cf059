//! The chapter "Socket options" runs `nagle_delay`, `reuse_addr` and
//! `socket_options`; these tests run them too and check what they print.

mod support;

/// The lines of `nagle_delay ROUNDS`: per way, how many of the round trips
/// took 20 ms or more, after checking that each way completed every round.
fn nagle_stalls(stdout: &str, rounds: u32) -> Vec<u32> {
    let ways = [
        "two writes, Nagle on",
        "two writes, TCP_NODELAY",
        "one write,  Nagle on",
    ];
    ways.iter()
        .map(|way| {
            let line = stdout
                .lines()
                .find(|l| l.starts_with(way))
                .unwrap_or_else(|| panic!("no line for {way:?} in:\n{stdout}"));
            // "...: 836.5 ms in all, 41.83 ms per round trip, 19 of 20 took >= 20 ms"
            let (_, tail) = line.rsplit_once(", ").expect("a count at the end");
            let words: Vec<&str> = tail.split_whitespace().collect();
            assert_eq!(
                words.get(1..5),
                Some(&["of", &*rounds.to_string(), "took", ">="][..]),
                "{line}"
            );
            assert!(
                line.contains(" ms in all, ") && line.contains(" ms per round trip"),
                "{line}"
            );
            words[0]
                .parse()
                .unwrap_or_else(|_| panic!("a count in {line:?}"))
        })
        .collect()
}

#[test]
fn every_way_completes_its_round_trips_and_the_ratio_is_printed() {
    let rounds = 10;
    let done = support::run(env!("CARGO_BIN_EXE_nagle_delay"), &[&rounds.to_string()]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let stalls = nagle_stalls(&done.stdout, rounds);
    assert!(stalls.iter().all(|&s| s <= rounds), "{stalls:?}");
    let ratio = done
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Nagle on / TCP_NODELAY: "))
        .and_then(|rest| rest.strip_suffix(" times slower"))
        .unwrap_or_else(|| panic!("no ratio line in:\n{}", done.stdout));
    assert!(ratio.parse::<f64>().is_ok(), "ratio {ratio:?}");
}

/// On Linux the delayed-ACK timer is at least 40 ms, so with Nagle on a
/// request in two writes stalls on nearly every round trip (the first may
/// not: a new connection acknowledges at once for a while, "quick ACK").
/// Load on the machine only makes round trips slower, never faster, so
/// "at least half stalled" holds on a busy machine too (checked with six
/// busy loops on two cores: 9 or 10 of 10 every time).
#[cfg(target_os = "linux")]
#[test]
fn with_nagle_on_two_writes_stall_on_the_delayed_ack() {
    let rounds = 10;
    let done = support::run(env!("CARGO_BIN_EXE_nagle_delay"), &[&rounds.to_string()]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let stalls = nagle_stalls(&done.stdout, rounds);
    assert!(
        stalls[0] * 2 >= rounds,
        "only {} of {rounds} round trips with Nagle on took >= 20 ms:\n{}",
        stalls[0],
        done.stdout
    );
}

#[test]
fn nagle_delay_refuses_a_bad_round_count() {
    for bad in ["0", "many", "1000000", "--lang"] {
        let done = support::run(env!("CARGO_BIN_EXE_nagle_delay"), &[bad]);
        assert_eq!(done.status.code(), Some(2), "{bad}: {}", done.stdout);
        assert!(
            done.stderr.contains("usage: nagle_delay"),
            "{}",
            done.stderr
        );
    }
}

/// The old connection's TIME_WAIT blocks a bind without SO_REUSEADDR, and
/// std's TcpListener, which sets it, binds all the same.
#[cfg(target_os = "linux")]
#[test]
fn a_time_wait_blocks_a_plain_bind_but_not_tcp_listener() {
    let done = support::run(env!("CARGO_BIN_EXE_reuse_addr"), &[]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", done.stdout);
    assert!(
        lines[0].contains("in TIME_WAIT on 127.0.0.1:"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("without SO_REUSEADDR: bind failed: ")
            && lines[1].ends_with("(os error 98)"),
        "EADDRINUSE expected: {}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "TcpListener::bind (SO_REUSEADDR on): bind succeeded"
    );
}

/// socket(7): Linux doubles the value given to SO_RCVBUF and SO_SNDBUF
/// (room for its bookkeeping) and getsockopt returns the doubled value.
#[cfg(target_os = "linux")]
#[test]
fn linux_doubles_the_buffer_sizes_and_keepalive_takes_our_timing() {
    let done = support::run(env!("CARGO_BIN_EXE_socket_options"), &[]);
    assert!(done.status.success(), "stderr: {}", done.stderr);
    for option in ["SO_RCVBUF", "SO_SNDBUF"] {
        let line = done
            .stdout
            .lines()
            .find(|l| l.starts_with(option))
            .unwrap_or_else(|| panic!("no {option} line in:\n{}", done.stdout));
        let number_after = |word: &str| -> usize {
            let (_, rest) = line.split_once(word).expect(word);
            rest.split(|c: char| !c.is_ascii_digit())
                .find(|s| !s.is_empty())
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("a number after {word:?} in {line:?}"))
        };
        let asked = number_after("asked for ");
        assert_eq!(number_after("got "), 2 * asked, "{line}");
    }
    assert!(
        done.stdout.contains(
            "SO_KEEPALIVE: off by default; now on, first probe after 60 s idle, then every 10 s, 5 probes"
        ),
        "{}",
        done.stdout
    );
}

/// A line with its numbers and runs of spaces made alike: what stays the
/// same from one run to the next.
fn shape(line: &str) -> String {
    let mut out = String::new();
    let mut last = ' ';
    for c in line.trim().chars() {
        let c = if c.is_ascii_digit() { '#' } else { c };
        if (c == '#' && last == '#') || (c == ' ' && last == ' ') {
            continue;
        }
        out.push(c);
        last = c;
    }
    out
}

/// The output lines of the ```console,translated block in `book/LANG/src/
/// socket-options.md` whose command is `command`.
fn shown(lang: &str, command: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(lang)
        .join("src/socket-options.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = format!("```console,translated\n{command}\n");
    let at = text
        .find(&start)
        .unwrap_or_else(|| panic!("{} has no block for `{command}`", path.display()))
        + start.len();
    let end = text[at..].find("```").unwrap();
    text[at..at + end].lines().map(String::from).collect()
}

/// The chapter shows a recorded run of `nagle_delay` and `reuse_addr`, each
/// book in its language (the Korean one with `--lang ko`): the program
/// prints lines of the same shape, numbers aside, as the book shows.
#[test]
fn each_book_shows_what_the_programs_print_in_its_language() {
    for (bin, program) in [
        ("nagle_delay", env!("CARGO_BIN_EXE_nagle_delay")),
        ("reuse_addr", env!("CARGO_BIN_EXE_reuse_addr")),
    ] {
        for lang in ["en", "ko"] {
            let (args, command): (&[&str], String) = match lang {
                "ko" => (
                    &["--lang", "ko"],
                    format!("$ cargo run -q -p book-examples --bin {bin} -- --lang ko"),
                ),
                _ => (&[], format!("$ cargo run -q -p book-examples --bin {bin}")),
            };
            let done = support::run(program, args);
            assert!(done.status.success(), "stderr: {}", done.stderr);
            let printed: Vec<String> = done.stdout.lines().map(shape).collect();
            let book: Vec<String> = shown(lang, &command).iter().map(|l| shape(l)).collect();
            assert_eq!(printed, book, "{bin} --lang {lang}:\n{}", done.stdout);
        }
    }
}
