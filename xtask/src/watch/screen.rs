//! The watch screen, a `String` made from plain data ([`Screen`]), so it is
//! snapshot-tested without a terminal.

use std::fmt::Write;
use std::io::IsTerminal;

use crate::grade::cause::{self, Named};
use crate::grade::lang::{Lang, tr};
use crate::grade::{ExerciseResult, Status, TestResult};
use crate::hint::Hint;
use crate::status;

use super::first_failure;

/// Everything the screen shows, as plain data.
pub struct Screen<'a> {
    pub lang: Lang,
    pub color: bool,
    /// Every exercise with its points from the last grades.
    pub progress: Vec<(&'a str, u32, u32)>,
    /// The exercise's folder as the student sees it (`exercises/echo`).
    pub folder: &'a str,
    pub result: &'a ExerciseResult,
    /// Tests still running (their place in `result` holds no verdict yet).
    pub running: &'a [&'a str],
    /// The hints of the first failing test, and how many the student asked for.
    pub hints: &'a [Hint],
    pub hints_shown: usize,
    /// `l` was pressed: show the exercises and how to switch.
    pub listing: bool,
    /// The line under the progress line for the next exercise (all passed).
    pub next: Option<String>,
    /// The run's seed: a failure replays with `cargo xtask grade NAME --seed`.
    pub seed: u64,
}

/// Colour only for a terminal, and never with `NO_COLOR` set (no-color.org).
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

const GREEN: &str = "32";
const RED: &str = "31";
const YELLOW: &str = "33";
const BOLD: &str = "1";
const DIM: &str = "2";

/// The watch screen, from plain data.
pub fn render(s: &Screen) -> String {
    let (lang, color) = (s.lang, s.color);
    let mut out = String::new();
    let result = s.result;
    let points: u32 = result.tests.iter().map(|t| t.points).sum();
    let max: u32 = result.tests.iter().map(|t| t.max).sum();
    let title = format!("Socket Lab · watch · {} ({})", result.name, s.folder);
    let _ = writeln!(out, "{}", paint(color, BOLD, &title));
    let progress: Vec<String> = s
        .progress
        .iter()
        .map(|&(name, points, max)| format!("{name} {points}/{max} {}", bar(points, max)))
        .collect();
    let _ = writeln!(
        out,
        "{}: {}",
        lang.pick("progress", "진행"),
        progress.join("  ·  ")
    );
    let _ = writeln!(out);
    if let Some(error) = &result.build_error {
        let _ = writeln!(
            out,
            "{}",
            paint(color, RED, lang.pick("Does not build", "빌드 실패"))
        );
        let _ = writeln!(out, "{error}");
    } else {
        // As in the report: a cause behind failures first, once, with its hint.
        let named = cause::named_causes(lang, &result.tests);
        for named in &named {
            for (n, line) in cause::cause_lines(lang, named).iter().enumerate() {
                let line = if n == 0 {
                    paint(color, RED, line)
                } else {
                    line.clone()
                };
                let _ = writeln!(out, "{line}");
            }
        }
        for test in &result.tests {
            let (label, code) = match test.status {
                _ if s.running.contains(&test.id) => (lang.pick("... ", "실행"), DIM),
                Status::Pass => (lang.pick("PASS", "통과"), GREEN),
                Status::Fail => (lang.pick("FAIL", "실패"), RED),
                Status::Error => (lang.pick("ERR ", "오류"), RED),
            };
            let score = if s.running.contains(&test.id) {
                format!("-/{}", test.max)
            } else {
                format!("{}/{}", test.points, test.max)
            };
            let _ = writeln!(
                out,
                "  {} {:<28} {score:>5}  {}",
                paint(color, code, label),
                test.id,
                test.title
            );
            if explained(&named, test) {
                let _ = writeln!(out, "       {}", cause::same_cause(lang));
            }
        }
        if s.running.is_empty() {
            let _ = writeln!(out, "  {}: {points}/{max}", result.name);
        } else {
            let left = s.running.len();
            let _ = writeln!(
                out,
                "  {}",
                tr!(
                    lang,
                    "{}: {points}/{max} so far, {left} still running …",
                    "{}: 지금까지 {points}/{max}, {left}개 실행 중…",
                    result.name
                )
            );
        }
        match first_failure(result) {
            Some(test) => {
                render_failure(&mut out, s, test, &named);
                let replay = tr!(
                    lang,
                    "Replay this run's data: cargo xtask grade {name} --seed {seed:08x}",
                    "이번 실행의 데이터로 다시 채점: cargo xtask grade {name} --seed {seed:08x}",
                    name = result.name,
                    seed = s.seed
                );
                let _ = writeln!(out, "\n{}", paint(color, DIM, &replay));
            }
            // Not every test has finished: no verdict yet.
            None if !s.running.is_empty() => {}
            None => {
                let done = tr!(
                    lang,
                    "Every test passes: {points}/{max}.",
                    "모든 테스트를 통과했습니다: {points}/{max}."
                );
                let _ = writeln!(out, "\n{}", paint(color, GREEN, &done));
                if let Some(next) = &s.next {
                    let _ = writeln!(out, "{next}");
                }
            }
        }
    }
    // The list goes last, above the keys: a report longer than the terminal
    // scrolls its top away, and `l` must show something wherever it is read.
    if s.listing {
        let _ = writeln!(out, "\n{}", lang.pick("Exercises:", "실습 목록:"));
        for &(name, points, max) in &s.progress {
            let mark = if name == result.name { "▸" } else { " " };
            let score = format!("{points}/{max}");
            let _ = writeln!(
                out,
                "  {mark} {}{}cargo xtask watch {name}",
                status::pad(name, 14),
                status::pad(&score, 9)
            );
        }
    }
    let keys = tr!(
        lang,
        "[h] next hint  [l] exercises  [q] quit  · re-grades when you save a file in {}",
        "[h] 다음 힌트  [l] 실습 목록  [q] 끝내기  · {}의 파일을 저장하면 다시 채점합니다",
        s.folder
    );
    let _ = writeln!(out, "\n{}", paint(color, DIM, &keys));
    out
}

/// Did this test fail for a cause named above the tests?
fn explained(named: &[Named], test: &TestResult) -> bool {
    test.status == Status::Fail
        && test
            .failure
            .as_ref()
            .is_some_and(|f| cause::named_for(named, f).is_some())
}

/// The first failing test: what went wrong, the bytes, and the hints asked for.
fn render_failure(out: &mut String, s: &Screen, test: &TestResult, named: &[Named]) {
    let (lang, color) = (s.lang, s.color);
    let heading = tr!(lang, "First failure: {}", "첫 실패: {}", test.id);
    let _ = writeln!(out, "\n{}", paint(color, BOLD, &heading));
    let _ = writeln!(out, "  {}", test.title);
    let same = explained(named, test);
    if let Some(failure) = &test.failure {
        // Under a named cause, only what this test saw of its own.
        let own = match same {
            true => cause::own_explanation(lang, failure),
            false => Some(format!(
                "{}: {} — {}",
                lang.pick("step", "단계"),
                failure.step.name(lang),
                failure.message
            )),
        };
        if let Some(own) = own {
            let _ = writeln!(out, "  {}", own.replace('\n', "\n    "));
        }
        for line in &failure.transcript {
            let _ = writeln!(out, "    {line}");
        }
    }
    // The report's hint (often specific to this failure) stays, or the
    // cause's, said above; `h` adds the test's hints below it, from a
    // question to the socket call.
    if same {
        let _ = writeln!(out, "  {}", cause::same_cause(lang));
    } else if let Some(hint) = &test.hint {
        let _ = writeln!(out, "  {}: {hint}", lang.pick("hint", "힌트"));
    }
    for (n, hint) in s.hints.iter().take(s.hints_shown).enumerate() {
        let label = tr!(
            lang,
            "hint {nth}/{count}",
            "힌트 {nth}/{count}",
            nth = n + 1,
            count = s.hints.len()
        );
        let _ = writeln!(
            out,
            "  {}: {}",
            paint(color, YELLOW, &label),
            hint.get(lang)
        );
    }
    if s.hints_shown >= s.hints.len() && !s.hints.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            lang.pick(
                "(no more hints: the book's chapter has the whole story)",
                "(힌트는 여기까지입니다. 자세한 내용은 책의 해당 장에 있습니다)"
            )
        );
    }
}

/// A ten-cell bar of points out of max.
fn bar(points: u32, max: u32) -> String {
    const CELLS: u32 = 10;
    let full = (points * CELLS).checked_div(max).unwrap_or(0).min(CELLS);
    format!(
        "[{}{}]",
        "#".repeat(full as usize),
        ".".repeat((CELLS - full) as usize)
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::grade::cause::Cause;
    use crate::grade::lang::Step;
    use crate::grade::spec::Failure;
    use crate::hint;
    use crate::last::Last;
    use crate::status::Row;
    use crate::watch::{first_failure_known, next_exercise};

    /// The real title of an echo test, in `lang`.
    fn title(id: &str, lang: Lang) -> &'static str {
        let tests = (hint::find_exercise("echo").unwrap().tests)();
        tests.iter().find(|t| t.id == id).unwrap().title.get(lang)
    }

    fn test(lang: Lang, id: &'static str, max: u32, failure: Option<Failure>) -> TestResult {
        let passed = failure.is_none();
        TestResult {
            id,
            title: title(id, lang),
            points: if passed { max } else { 0 },
            max,
            status: if passed { Status::Pass } else { Status::Fail },
            hint: failure.as_ref().map(|_| {
                lang.pick(
                    "read() returning 0 means the client will send no more, not that it stopped reading.",
                    "read()가 0을 돌려준다는 것은 클라이언트가 더 보내지 않는다는 뜻이지 읽기를 멈췄다는 뜻이 아닙니다.",
                )
                .to_string()
            }),
            failure,
            duration: Duration::from_millis(120),
        }
    }

    fn failing(lang: Lang) -> ExerciseResult {
        let message = lang.pick(
            "the server closed the connection before echoing the last 5 bytes",
            "서버가 마지막 5바이트를 에코하기 전에 연결을 닫았습니다",
        );
        let failure = Failure::new(Step::Read, message.into()).with_transcript(vec![
            "grader → server  \"hello\" (5 bytes), shutdown(Write)".into(),
            "server → grader  end of stream after 0 bytes".into(),
        ]);
        let failure2 = Failure::new(Step::Write, "lost bytes".into());
        ExerciseResult {
            name: "echo",
            dir: PathBuf::from("/home/student/socket-lab/exercises/echo"),
            build_error: None,
            tests: vec![
                test(lang, "echo.server.ready", 5, None),
                test(lang, "echo.server.short", 10, None),
                test(lang, "echo.server.half_close", 10, Some(failure)),
                test(lang, "echo.server.slow_reader", 10, Some(failure2)),
            ],
        }
    }

    fn passing(lang: Lang) -> ExerciseResult {
        ExerciseResult {
            name: "echo",
            dir: PathBuf::from("/home/student/socket-lab/exercises/echo"),
            build_error: None,
            tests: vec![
                test(lang, "echo.server.ready", 5, None),
                test(lang, "echo.server.short", 10, None),
            ],
        }
    }

    fn screen<'a>(
        lang: Lang,
        result: &'a ExerciseResult,
        hints: &'a [Hint],
        shown: usize,
    ) -> Screen<'a> {
        let points = result.tests.iter().map(|t| t.points).sum();
        Screen {
            lang,
            color: false,
            progress: vec![("echo", points, 110), ("file-transfer", 0, 100)],
            folder: "exercises/echo",
            result,
            running: &[],
            hints,
            hints_shown: shown,
            listing: false,
            next: None,
            seed: 0x1a2b_3c4d,
        }
    }

    #[test]
    fn watch_screen_after_a_failing_grade() {
        let hints = hint::for_test("echo", "echo.server.half_close").unwrap();
        for lang in [Lang::En, Lang::Ko] {
            let result = failing(lang);
            insta::assert_snapshot!(
                format!("watch_failing_{lang}"),
                render(&screen(lang, &result, &hints, 0))
            );
        }
        // `h` twice: the first two hints, under the report's hint.
        let result = failing(Lang::En);
        insta::assert_snapshot!(
            "watch_failing_two_hints_en",
            render(&screen(Lang::En, &result, &hints, 2))
        );
    }

    #[test]
    fn watch_screen_after_a_passing_grade() {
        for lang in [Lang::En, Lang::Ko] {
            let result = passing(lang);
            let rows = vec![
                Row {
                    name: "echo",
                    max: 15,
                },
                Row {
                    name: "file-transfer",
                    max: 100,
                },
            ];
            let mut last = Last::default();
            last.update(std::slice::from_ref(&result), 1_795_704_300);
            let mut s = screen(lang, &result, &[], 0);
            s.next = next_exercise(lang, &rows, &last, "echo");
            insta::assert_snapshot!(format!("watch_passing_{lang}"), render(&s));
        }
    }

    #[test]
    fn watch_screen_lists_the_exercises_on_l() {
        let result = failing(Lang::En);
        let mut s = screen(Lang::En, &result, &[], 0);
        s.listing = true;
        insta::assert_snapshot!("watch_listing_en", render(&s));
    }

    #[test]
    fn watch_screen_shows_only_the_compilers_first_error() {
        let mut result = failing(Lang::En);
        result.build_error = Some("the crate does not compile; the compiler's first error:\nerror[E0425]: cannot find value `listner` in this scope\n --> src/bin/echo-server.rs:40:5".into());
        insta::assert_snapshot!(
            "watch_build_error_en",
            render(&screen(Lang::En, &result, &[], 0))
        );
    }

    #[test]
    fn the_first_failure_is_drawn_once_every_test_before_it_finished() {
        let result = failing(Lang::En);
        // half_close failed; while short still runs, it may not be the first.
        assert!(!first_failure_known(&result, &["echo.server.short"]));
        // Only slow_reader (after it) runs: half_close is the first failure.
        assert!(first_failure_known(&result, &["echo.server.slow_reader"]));
        assert!(first_failure_known(&result, &[]));
        // Every finished test passed: no verdict until the rest finish.
        let result = passing(Lang::En);
        assert!(!first_failure_known(&result, &["echo.server.short"]));
        assert!(!first_failure_known(&result, &[]));
    }

    #[test]
    fn watch_screen_while_the_tests_after_the_first_failure_run() {
        let hints = hint::for_test("echo", "echo.server.half_close").unwrap();
        for lang in [Lang::En, Lang::Ko] {
            let mut result = failing(lang);
            // slow_reader has not finished: no verdict, no points yet.
            let slow = &mut result.tests[3];
            (slow.status, slow.failure, slow.hint) = (Status::Error, None, None);
            let mut s = screen(lang, &result, &hints, 0);
            s.running = &["echo.server.slow_reader"];
            insta::assert_snapshot!(format!("watch_early_failure_{lang}"), render(&s));
        }
    }

    /// Two failures of one panic: the panic first, once, with its hint;
    /// each failure under it says "(same cause as above)", and the first
    /// failure shows what it saw, not the hint again.
    fn panicking(lang: Lang) -> ExerciseResult {
        let panic = Cause::Panic {
            program: "echo-server".into(),
            message: "echo expects text: invalid utf-8 sequence".into(),
            location: "src/bin/echo-server.rs:31:14".into(),
            alive: true,
        };
        let hint = panic.hint(lang);
        let with = |message: &str| {
            Failure::new(Step::Read, message.into()).with_cause(Some(panic.clone()))
        };
        let mut result = failing(lang);
        let closed = lang.pick(
            "the connection was closed after 0 of 1048576 bytes came back",
            "1048576바이트 중 0바이트만 돌아온 뒤 연결이 닫혔습니다",
        );
        let reset = lang.pick(
            "reading the echo failed after 0 of 16777216 bytes: Connection reset by peer",
            "16777216바이트 중 0바이트를 받은 뒤 읽기가 실패했습니다: Connection reset by peer",
        );
        for (test, message) in result.tests[2..].iter_mut().zip([closed, reset]) {
            test.failure = Some(with(message));
            test.hint = Some(hint.clone());
        }
        result
    }

    #[test]
    fn watch_names_a_shared_cause_once_before_the_tests() {
        for lang in [Lang::En, Lang::Ko] {
            let result = panicking(lang);
            let out = render(&screen(lang, &result, &[], 0));
            let cause = out.find("src/bin/echo-server.rs:31:14").expect(&out);
            assert!(cause < out.find("echo.server.ready").unwrap(), "{out}");
            assert_eq!(out.matches("echo expects text").count(), 1, "{out}");
            let hint = Cause::Panic {
                program: String::new(),
                message: String::new(),
                location: String::new(),
                alive: true,
            }
            .hint(lang);
            assert_eq!(out.matches(hint.as_str()).count(), 1, "{out}");
            // Under each failed test in the list, and under the first failure.
            assert_eq!(out.matches(cause::same_cause(lang)).count(), 3, "{out}");
            insta::assert_snapshot!(format!("watch_shared_cause_{lang}"), out);
        }
    }

    #[test]
    fn watch_says_a_never_ready_server_once() {
        let lang = Lang::En;
        let not_ready = Cause::NotReady {
            program: "echo-server".into(),
            secs: 5,
        };
        let sentence = not_ready.describe(lang);
        let mut result = failing(lang);
        for test in &mut result.tests {
            test.status = Status::Fail;
            test.points = 0;
            test.failure = Some(
                Failure::new(Step::Listen, sentence.clone()).with_cause(Some(not_ready.clone())),
            );
            test.hint = Some(not_ready.hint(lang));
        }
        let out = render(&screen(lang, &result, &[], 0));
        assert_eq!(out.matches(sentence.as_str()).count(), 1, "{out}");
        assert_eq!(
            out.matches(not_ready.hint(lang).as_str()).count(),
            1,
            "{out}"
        );
        assert_eq!(out.matches(cause::same_cause(lang)).count(), 5, "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        let result = failing(Lang::En);
        let mut s = screen(Lang::En, &result, &[], 0);
        assert!(!render(&s).contains('\x1b'));
        s.color = true;
        assert!(render(&s).contains("\x1b[31m"));
    }
}
