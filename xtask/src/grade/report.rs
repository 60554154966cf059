//! The report a student reads in the terminal.

use std::fmt::Write;

use super::cause::{Named, cause_lines, named_causes, named_for, own_explanation, same_cause};
use super::lang::{Lang, tr};
use super::transcript::safe;
use super::{ExerciseResult, Status, TestResult};

pub fn header(lang: Lang, seed: u64) -> String {
    tr!(
        lang,
        "Socket Lab grader · seed {seed:08x} (replay this run: cargo xtask grade --seed {seed:08x})",
        "Socket Lab 채점기 · 시드 {seed:08x} (같은 실행을 재현하려면: cargo xtask grade --seed {seed:08x})"
    )
}

pub fn render(lang: Lang, seed: u64, results: &[ExerciseResult]) -> String {
    let mut out = String::new();
    let (mut total, mut max) = (0, 0);
    for exercise in results {
        let _ = writeln!(out, "\n{} ({})", exercise.name, exercise.dir.display());
        if let Some(error) = &exercise.build_error {
            let _ = writeln!(
                out,
                "  {}: {}",
                lang.pick("ERROR", "오류"),
                indent(error, 4).trim_start()
            );
        }
        // A cause behind several failures (or a panic) first, with its hint.
        let named = named_causes(lang, &exercise.tests);
        for cause in &named {
            for line in cause_lines(lang, cause) {
                let _ = writeln!(out, "{line}");
            }
        }
        let mut previous: Option<(String, &'static str)> = None;
        for test in &exercise.tests {
            render_test(&mut out, lang, test, &named, &mut previous);
        }
        let points: u32 = exercise.tests.iter().map(|t| t.points).sum();
        let of: u32 = exercise.tests.iter().map(|t| t.max).sum();
        let _ = writeln!(out, "  {}: {points}/{of}", exercise.name);
        total += points;
        max += of;
    }
    let _ = writeln!(out, "\n{}: {total}/{max}", lang.pick("total", "총점"));
    if total < max {
        let _ = writeln!(
            out,
            "{}",
            tr!(
                lang,
                "Fix the first failure above, then grade again (same data: --seed {seed:08x}).",
                "위의 첫 실패부터 고친 뒤 다시 채점하세요(같은 데이터로: --seed {seed:08x})."
            )
        );
    }
    out
}

fn render_test(
    out: &mut String,
    lang: Lang,
    test: &TestResult,
    named: &[Named],
    previous: &mut Option<(String, &'static str)>,
) {
    let label = match test.status {
        Status::Pass => lang.pick("PASS ", "통과"),
        Status::Fail => lang.pick("FAIL ", "실패"),
        Status::Error => lang.pick("ERROR", "오류"),
    };
    let score = format!("{}/{}", test.points, test.max);
    let _ = writeln!(out, "  {label} {:<28} {score:>6}  {}", test.id, test.title);
    let Some(failure) = &test.failure else { return };
    let step = failure.step.name(lang);
    let explanation = format!(
        "{}: {step} — {}",
        lang.pick("step", "단계"),
        safe(&failure.message)
    );
    let same = same_cause(lang);
    // The cause was named above the tests: what this test saw, and no other hint.
    if named_for(named, failure).is_some() {
        if let Some(own) = own_explanation(lang, failure) {
            let _ = writeln!(out, "        {}", indent(&own, 8).trim_start());
        }
        let _ = writeln!(out, "        {same}");
        *previous = None;
        return;
    }
    // Many tests of an unsolved exercise fail alike: say it once, and name
    // the test that said it (no cause line above to point at).
    if let Some((_, first)) = previous.as_ref().filter(|(e, _)| *e == explanation) {
        let _ = writeln!(out, "        {}", same_failure(lang, first));
        return;
    }
    let _ = writeln!(out, "        {}", indent(&explanation, 8).trim_start());
    for line in &failure.transcript {
        let _ = writeln!(out, "          {}", safe(line));
    }
    if let Some(cause) = &failure.cause {
        let _ = writeln!(
            out,
            "        {}: {}",
            lang.pick("cause", "원인"),
            safe(&cause.describe(lang))
        );
    }
    if let Some(hint) = &test.hint {
        let _ = writeln!(out, "        {}: {}", lang.pick("hint", "힌트"), safe(hint));
    }
    *previous = Some((explanation, test.id));
}

/// Under a failure whose step and message are those of an earlier test's,
/// which has no cause line: which test said it.
fn same_failure(lang: Lang, first: &str) -> String {
    tr!(
        lang,
        "(the same failure as {first} above)",
        "(위 {first} 테스트와 같은 실패)"
    )
}

fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|line| format!("{pad}{line}\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// The hidden tests that the instructor's gradebook runs but whose code is not here
/// (the student template): one line per graded exercise that has some.
pub fn withheld(lang: Lang, results: &[ExerciseResult]) -> String {
    let mut out = String::new();
    for exercise in results {
        for &(name, count, points) in super::hidden::WITHHELD {
            if name == exercise.name && count > 0 {
                let _ = writeln!(
                    out,
                    "{}",
                    tr!(
                        lang,
                        "{name}: your instructor's grade adds {count} hidden tests ({points} points), run with the instructor's grader; they are not in this repository, and GitHub Classroom's score counts the tests here.",
                        "{name}: 강사가 채점할 때는 숨겨진 테스트 {count}개({points}점)가 더해집니다. 이 테스트는 이 저장소에 없고, GitHub Classroom 점수는 여기 있는 테스트만 셉니다."
                    )
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::grade::cause::Cause;
    use crate::grade::lang::Step;
    use crate::grade::spec::Failure;

    fn failed(id: &'static str, failure: Failure, hint: &str) -> TestResult {
        TestResult {
            id,
            title: "a test",
            points: 0,
            max: 10,
            status: Status::Fail,
            failure: Some(failure),
            hint: Some(hint.to_string()),
            duration: Duration::ZERO,
        }
    }

    fn exercise(tests: Vec<TestResult>) -> Vec<ExerciseResult> {
        vec![ExerciseResult {
            name: "echo",
            dir: PathBuf::from("exercises/echo"),
            build_error: None,
            tests,
        }]
    }

    #[test]
    fn escapes_and_cuts_a_quoted_line_of_8_kib_with_escape_sequences() {
        let line = format!("\x1b[2J\x1b]0;title\x07{}\r\x1b[31m", "A".repeat(8 * 1024));
        let failure = Failure::new(Step::Read, format!("the echo of `{line}` came back"))
            .with_transcript(vec![format!("stderr: {line}")]);
        let out = render(
            Lang::En,
            1,
            &exercise(vec![failed("echo.x", failure, &line)]),
        );
        for raw in ['\x1b', '\x07', '\r'] {
            assert!(!out.contains(raw), "{raw:?} echoed raw:\n{out}");
        }
        assert!(out.contains("\\u{1b}[2J\\u{1b}]0;title\\u{7}AAA"), "{out}");
        for line in out.lines() {
            assert!(
                line.chars().count() <= 1000,
                "a line of {} chars",
                line.len()
            );
        }
        assert!(out.contains('…'), "{out}");
    }

    #[test]
    fn a_shared_cause_comes_first_and_once() {
        let panic = Cause::Panic {
            program: "echo-server".into(),
            message: "echo expects text".into(),
            location: "src/main.rs:9:5".into(),
            alive: true,
        };
        let with = |message: &str| {
            Failure::new(Step::Read, message.into()).with_cause(Some(panic.clone()))
        };
        let tests = vec![
            failed(
                "echo.a",
                with("closed after 0 of 10 bytes"),
                "the cause's hint",
            ),
            failed(
                "echo.b",
                with("reset after 3 of 10 bytes"),
                "the cause's hint",
            ),
        ];
        for lang in [Lang::En, Lang::Ko] {
            let out = render(lang, 1, &exercise(tests.clone()));
            let cause = out.find("src/main.rs:9:5").unwrap();
            assert!(cause < out.find("echo.a").unwrap(), "{out}");
            assert_eq!(out.matches("echo expects text").count(), 1, "{out}");
            assert_eq!(out.matches("the cause's hint").count(), 1, "{out}");
            let same = lang.pick("(same cause as above)", "(위와 같은 원인)");
            assert_eq!(out.matches(same).count(), 2, "{out}");
        }
    }

    /// Failures alike but without a cause (a client's exit code) are said
    /// once, and the tests after it name that test: no "(same cause as
    /// above)" where no cause line is above, even after a test that passed.
    #[test]
    fn a_repeated_failure_without_a_cause_names_its_first_test() {
        let exit = || Failure::new(Step::Exit, "`ft-client ADDR get` exited with 1".into());
        let mut passed = failed("ft.client.put", exit(), "");
        (passed.status, passed.failure, passed.hint) = (Status::Pass, None, None);
        let tests = vec![
            failed("ft.client.get", exit(), "write DATA beside the target"),
            failed(
                "ft.client.get_fragmented",
                exit(),
                "write DATA beside the target",
            ),
            passed,
            failed("ft.client.large", exit(), "write DATA beside the target"),
        ];
        for lang in [Lang::En, Lang::Ko] {
            let out = render(lang, 1, &exercise(tests.clone()));
            assert!(!out.contains(same_cause(lang)), "{out}");
            assert_eq!(out.matches("exited with 1").count(), 1, "{out}");
            assert_eq!(
                out.matches(&same_failure(lang, "ft.client.get")).count(),
                2,
                "{out}"
            );
        }
    }

    /// A server that never became ready fails every test with the cause's
    /// own sentence: it is said once, in the cause, not under each test.
    #[test]
    fn a_server_never_ready_is_said_once() {
        for lang in [Lang::En, Lang::Ko] {
            let cause = Cause::NotReady {
                program: "ft-server".into(),
                secs: 5,
            };
            let sentence = cause.describe(lang);
            let failure = Failure::new(Step::Listen, sentence.clone()).with_cause(Some(cause));
            let tests = ["ft.server.ready", "ft.server.list", "ft.server.get_sizes"]
                .map(|id| failed(id, failure.clone(), "the cause's hint"))
                .to_vec();
            let out = render(lang, 1, &exercise(tests));
            assert_eq!(out.matches(sentence.as_str()).count(), 1, "{out}");
            assert_eq!(out.matches(same_cause(lang)).count(), 3, "{out}");
            assert_eq!(out.matches("the cause's hint").count(), 1, "{out}");
            // The cause comes first, then the tests.
            let first = out.find(sentence.as_str()).unwrap();
            assert!(first < out.find("ft.server.ready").unwrap(), "{out}");
        }
    }
}
