//! `cargo xtask hint EXERCISE [TEST]`: the hints for one test, from a nudge
//! (a question) to the concrete socket call, in Korean or English.
//!
//! The hints live in one file per exercise beside its tests
//! (`grade/echo/hints.toml`); its schema is written at the top of the file.
//! It is a small subset of TOML, read here by hand: a TOML crate would cost
//! every student's first build more than these forty lines do.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::grade::exercises::{self, Exercise};
use crate::grade::lang::{Lang, tr, tr_error};
use crate::last::Last;

/// The check that every hint's code compiles against its starter.
#[cfg(test)]
mod compile;

/// The most hints a test has: a question, an explanation, the call.
pub const MAX_HINTS: usize = 3;

#[derive(clap::Args)]
pub struct HintArgs {
    /// The exercise (`echo`, `file-transfer`).
    exercise: String,
    /// The test id (default: the first test that failed in the last grade).
    test: Option<String>,
    /// Language of the hints (default: from the locale).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// The Socket Lab checkout whose last grade picks the test (default: this one).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

/// One hint, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    pub test: String,
    pub en: String,
    pub ko: String,
    /// Where the hint's code goes, for the check that compiles it
    /// (hint/compile.rs): a function of the starter, `fn _(…) -> …`,
    /// whose body is the code, or a template with `…` where the code goes.
    /// Only a hint with code (a span in backticks with `;`, `{` or `=>`) has one.
    pub context: Option<String>,
    /// The starter file the code goes in, relative to the crate (default:
    /// the binary the test runs, `src/bin/<name>.rs`).
    pub file: Option<String>,
}

impl Hint {
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.ko)
    }
}

pub fn run(root: &Path, args: HintArgs) -> Result<ExitCode> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let root = args.root.as_deref().unwrap_or(root);
    let exercise = find_exercise(&args.exercise)?;
    let ids = public_tests(&exercise);
    let chosen = args.test.is_some();
    let test = match args.test {
        Some(test) if ids.contains(&test) => test,
        Some(test) => {
            return Err(tr_error!(
                "unknown test `{test}` in exercise `{name}`; its tests are: {ids}",
                "실습 `{name}`에는 `{test}`라는 테스트가 없습니다. 테스트는 {ids}입니다",
                name = exercise.name,
                ids = ids.join(", ")
            ));
        }
        None => match pick_test(&Last::load(root), exercise.name, &ids) {
            Some(test) => test,
            None => {
                let name = exercise.name;
                println!(
                    "{}",
                    tr!(
                        lang,
                        "No test of {name} failed in your last grade: no hint needed. To read a test's hints anyway: cargo xtask hint {name} TEST",
                        "지난 채점에서 {name}의 테스트가 하나도 실패하지 않았으므로 힌트가 필요 없습니다. 그래도 어떤 테스트의 힌트를 보려면: cargo xtask hint {name} TEST"
                    )
                );
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    let hints = for_test(exercise.name, &test)?;
    if !chosen {
        print!("{}", overview(lang, &Last::load(root), exercise.name, &ids));
    }
    print!("{}", render(lang, exercise.name, &test, &hints));
    Ok(ExitCode::SUCCESS)
}

/// The failed public tests of the last grade grouped by the hint the report
/// gave them (a cause or a kind of failure shared by several tests gives
/// them one hint), the group that explains the most failures first, ties in
/// the report's order: (hint, the tests it explains).
fn groups(last: &Last, exercise: &str, ids: &[String]) -> Vec<(Option<String>, Vec<String>)> {
    let Some(graded) = last.exercises.get(exercise) else {
        return Vec::new();
    };
    let mut groups: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for test in graded
        .tests
        .iter()
        .filter(|t| t.status != "pass" && ids.contains(&t.id))
    {
        match groups
            .iter_mut()
            .find(|(hint, _)| hint.is_some() && *hint == test.hint)
        {
            Some((_, tests)) => tests.push(test.id.clone()),
            None => groups.push((test.hint.clone(), vec![test.id.clone()])),
        }
    }
    // A stable sort keeps the report's order among groups of one size.
    groups.sort_by_key(|(_, tests)| std::cmp::Reverse(tests.len()));
    groups
}

/// The test whose hints `hint EXERCISE` shows: the first test of the group
/// of failures that one hint of the last grade's report explains, the
/// largest group first (see [`groups`]; hidden tests have no hints); the
/// first test before any grade; none when every test passed.
fn pick_test(last: &Last, exercise: &str, ids: &[String]) -> Option<String> {
    if !last.exercises.contains_key(exercise) {
        return ids.first().cloned();
    }
    let groups = groups(last, exercise, ids);
    groups.first().map(|(_, tests)| tests[0].clone())
}

/// Before the chosen test's hints, when the last grade failed more than
/// one test: what its report said under each failure, most failures
/// first, so a cause named under a later test is not missed. Hints from a
/// report in the other language are left out (the report said them).
fn overview(lang: Lang, last: &Last, exercise: &str, ids: &[String]) -> String {
    let groups = groups(last, exercise, ids);
    let failed: usize = groups.iter().map(|(_, tests)| tests.len()).sum();
    if failed < 2 {
        return String::new();
    }
    let mut out = tr!(
        lang,
        "Your last grade of {exercise}: {failed} tests failed. The report's hints, the one behind the most failures first:\n",
        "지난 {exercise} 채점에서 테스트 {failed}개가 실패했습니다. 보고서의 힌트를, 실패를 가장 많이 설명하는 것부터 보여 줍니다.\n"
    );
    let korean = |text: &str| text.chars().any(|c| ('가'..='힣').contains(&c));
    for (hint, tests) in &groups {
        let hint = hint
            .as_deref()
            .filter(|h| korean(h) == (lang == Lang::Ko))
            .unwrap_or("…");
        let _ = writeln!(out, "  - {}: {hint}", tests.join(", "));
    }
    let _ = writeln!(
        out,
        "{}\n",
        tr!(
            lang,
            "Another test's hints: cargo xtask hint {exercise} TEST",
            "다른 테스트의 힌트: cargo xtask hint {exercise} TEST"
        )
    );
    out
}

/// The exercise named on the command line, or an error listing the known ones.
pub fn find_exercise(name: &str) -> Result<Exercise> {
    let known: Vec<&str> = exercises::all().iter().map(|e| e.name).collect();
    let known = known.join(", ");
    match exercises::find(name) {
        Some(exercise) => Ok(exercise),
        None => Err(tr_error!(
            "unknown exercise `{name}`; the exercises are: {known}",
            "알 수 없는 실습 `{name}`입니다. 실습은 {known}입니다"
        )),
    }
}

/// The ids of the tests a student has. Hidden tests get no hints (their names
/// are not in the student's repository); they live in the exercise's
/// `hidden.rs`, not in its own list.
pub fn public_tests(exercise: &Exercise) -> Vec<String> {
    (exercise.tests)()
        .iter()
        .map(|t| t.id.to_string())
        .collect()
}

/// The hints file of an exercise, compiled into the tool.
pub fn source(exercise: &str) -> Option<&'static str> {
    exercises::find(exercise).map(|e| e.hints)
}

/// The hints of one test, in the order they are shown.
pub fn for_test(exercise: &str, test: &str) -> Result<Vec<Hint>> {
    let Some(text) = source(exercise) else {
        bail!("exercise `{exercise}` has no hints file")
    };
    Ok(parse(text)?
        .into_iter()
        .filter(|h| h.test == test)
        .take(MAX_HINTS)
        .collect())
}

/// The hints page: the test, then each hint numbered, from nudge to call.
pub fn render(lang: Lang, exercise: &str, test: &str, hints: &[Hint]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        tr!(
            lang,
            "Hints for {test} ({exercise})",
            "{test} 힌트 ({exercise})"
        )
    );
    if hints.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            lang.pick(
                "(no hints for this test)",
                "(이 테스트에는 힌트가 없습니다)"
            )
        );
    }
    for (n, hint) in hints.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", n + 1, hint.get(lang));
    }
    let _ = writeln!(
        out,
        "{}",
        tr!(
            lang,
            "Grade again: cargo xtask grade {exercise} --only {test}",
            "다시 채점하기: cargo xtask grade {exercise} --only {test}"
        )
    );
    out
}

/// Reads a hints file: `[[hint]]` tables with `test`, `en` and `ko` keys
/// (and, for a hint with code, `context` and `file`), each a one-line basic
/// string. Comments and blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Hint>> {
    let mut hints = Vec::new();
    let mut current: Option<[Option<String>; 5]> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let at = n + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[hint]]" {
            if let Some(fields) = current.take() {
                hints.push(finish(fields, at)?);
            }
            current = Some([None, None, None, None, None]);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            bail!("hints, line {at}: expected `key = \"value\"` or [[hint]]");
        };
        let Some(fields) = current.as_mut() else {
            bail!("hints, line {at}: a key before the first [[hint]]");
        };
        let slot = match key.trim() {
            "test" => 0,
            "en" => 1,
            "ko" => 2,
            "context" => 3,
            "file" => 4,
            other => {
                bail!("hints, line {at}: unknown key `{other}` (test, en, ko, context, file)")
            }
        };
        if fields[slot].is_some() {
            bail!("hints, line {at}: `{}` given twice", key.trim());
        }
        fields[slot] =
            Some(unquote(value.trim()).map_err(|e| anyhow::anyhow!("hints, line {at}: {e}"))?);
    }
    if let Some(fields) = current {
        hints.push(finish(fields, text.lines().count())?);
    }
    Ok(hints)
}

fn finish([test, en, ko, context, file]: [Option<String>; 5], at: usize) -> Result<Hint> {
    match (test, en, ko) {
        (Some(test), Some(en), Some(ko)) => Ok(Hint {
            test,
            en,
            ko,
            context,
            file,
        }),
        _ => bail!("hints, before line {at}: a [[hint]] needs test, en and ko"),
    }
}

/// A TOML basic string on one line: `"…"` with `\"`, `\\`, `\n` and `\t`.
fn unquote(value: &str) -> std::result::Result<String, String> {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or("expected a \"quoted\" string")?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                other => return Err(format!("unknown escape \\{}", other.unwrap_or(' '))),
            },
            '"' => return Err("a \" inside the string must be written \\\"".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_public_test_has_one_to_three_hints_in_both_languages() {
        for exercise in exercises::all() {
            let text = source(exercise.name).expect("every exercise has a hints file");
            let hints = parse(text).unwrap();
            let ids = public_tests(&exercise);
            for id in &ids {
                let n = hints.iter().filter(|h| &h.test == id).count();
                assert!(
                    (1..=MAX_HINTS).contains(&n),
                    "{id}: {n} hints (want 1 to {MAX_HINTS})"
                );
            }
            for hint in &hints {
                // The memory test exists on Linux only (it reads /proc).
                let linux_only = hint.test == "ft.server.memory" && !cfg!(target_os = "linux");
                assert!(
                    ids.contains(&hint.test) || linux_only,
                    "a hint for unknown test {}",
                    hint.test
                );
                assert!(!hint.en.trim().is_empty() && !hint.ko.trim().is_empty());
                // A hint that is only code is the same in both languages.
                assert!(
                    hint.ko == hint.en || hint.ko.chars().any(|c| ('가'..='힣').contains(&c)),
                    "{}: the Korean hint has no Korean: {}",
                    hint.test,
                    hint.ko
                );
            }
            // The first hint is a nudge: a question.
            for id in &ids {
                let first = hints.iter().find(|h| &h.test == id).unwrap();
                assert!(
                    first.en.trim_end().ends_with('?'),
                    "{id}: first hint is not a question"
                );
                assert!(
                    first.ko.trim_end().ends_with('?'),
                    "{id}: first hint (ko) is not a question"
                );
            }
        }
    }

    /// The code spans (in backticks) of a hint's two languages that shut a
    /// socket down.
    fn shutdown_code(hint: &Hint) -> Vec<String> {
        [&hint.en, &hint.ko]
            .iter()
            .flat_map(|text| text.split('`').skip(1).step_by(2))
            .filter(|span| span.contains("shutdown("))
            .map(str::to_string)
            .collect()
    }

    /// The echo server ends a connection by returning once it has written
    /// everything it owes (the stream is dropped, the kernel sends the FIN
    /// after the last byte). The half-close is the client's call: a hint of
    /// a server test that hands the server `shutdown(…)` teaches the mistake
    /// of the mutant server-drops-tail-at-eof (shut down at end of stream
    /// while echo is still owed). Planted: the old half_close hint.
    #[test]
    fn no_echo_server_hint_tells_the_server_to_shut_down() {
        let planted = parse(
            "[[hint]]\ntest = \"echo.server.half_close\"\nen = \"After the read loop ends on Ok(0): `stream.flush()?; stream.shutdown(Shutdown::Write)?;` then return.\"\nko = \"Ok(0)로 끝나면 `stream.flush()?; stream.shutdown(Shutdown::Write)?;` 후 반환하세요.\"\n",
        )
        .unwrap();
        assert_eq!(shutdown_code(&planted[0]).len(), 2);
        let hints = parse(source("echo").unwrap()).unwrap();
        for hint in hints.iter().filter(|h| h.test.starts_with("echo.server.")) {
            let found = shutdown_code(hint);
            assert!(
                found.is_empty(),
                "{}: a server hint hands the server shutdown (the client half-closes; the server writes what it owes, then returns): {found:?}",
                hint.test
            );
        }
        // The client's hints do name it: that is where it belongs.
        assert!(
            hints
                .iter()
                .any(|h| h.test == "echo.client.half_close" && !shutdown_code(h).is_empty())
        );
    }

    #[test]
    fn parser_reads_escapes_and_rejects_mistakes() {
        let hints =
            parse("# c\n[[hint]]\ntest = \"a.b\"\nen = \"say \\\"hi\\\"\"\nko = \"안녕\\\\\"\n")
                .unwrap();
        assert_eq!(
            hints,
            vec![Hint {
                test: "a.b".into(),
                en: "say \"hi\"".into(),
                ko: "안녕\\".into(),
                context: None,
                file: None,
            }]
        );
        assert!(parse("test = \"x\"").is_err());
        assert!(parse("[[hint]]\ntest = \"x\"\nen = \"y\"").is_err());
        assert!(parse("[[hint]]\ntest = x\n").is_err());
        assert!(parse("[[hint]]\ncolour = \"x\"\n").is_err());
    }

    #[test]
    fn the_test_to_hint_is_the_first_failure_and_none_when_all_passed() {
        use crate::last::{LastExercise, LastTest};
        let ids = vec!["a".to_string(), "b".to_string()];
        let mut last = Last::default();
        assert_eq!(pick_test(&last, "echo", &ids).as_deref(), Some("a"));
        let test = |id: &str, status: &str| LastTest {
            id: id.into(),
            status: status.into(),
            points: 0,
            max: 5,
            hint: None,
        };
        let graded = |tests| LastExercise {
            graded_at: 0,
            build_error: false,
            tests,
        };
        last.exercises.insert(
            "echo".into(),
            graded(vec![test("a", "pass"), test("b", "fail")]),
        );
        assert_eq!(pick_test(&last, "echo", &ids).as_deref(), Some("b"));
        last.exercises.insert(
            "echo".into(),
            graded(vec![test("a", "pass"), test("b", "pass")]),
        );
        assert_eq!(pick_test(&last, "echo", &ids), None);
    }

    /// The test to hint is the first of the failures one report hint
    /// explains, the most failures first: a write timeout that fails the
    /// slow reader and the half-close test beats a client deadlock listed
    /// before them; the overview lists every hint, a later test's too.
    #[test]
    fn the_test_to_hint_explains_the_most_failures() {
        use crate::last::{LastExercise, LastTest};
        let ids: Vec<String> = ["c", "a", "b", "d"].map(String::from).to_vec();
        let test = |id: &str, status: &str, hint: Option<&str>| LastTest {
            id: id.into(),
            status: status.into(),
            points: 0,
            max: 5,
            hint: hint.map(String::from),
        };
        let mut last = Last::default();
        last.exercises.insert(
            "echo".into(),
            LastExercise {
                graded_at: 0,
                build_error: false,
                tests: vec![
                    test("c", "fail", Some("Read and write at the same time.")),
                    test("a", "fail", Some("Set no write timeout.")),
                    test("b", "fail", Some("Set no write timeout.")),
                    test("d", "fail", Some("Read frames with read_exact.")),
                ],
            },
        );
        assert_eq!(pick_test(&last, "echo", &ids).as_deref(), Some("a"));
        let page = overview(Lang::En, &last, "echo", &ids);
        let lines: Vec<&str> = page.lines().collect();
        assert_eq!(lines[1], "  - a, b: Set no write timeout.", "{page}");
        assert_eq!(
            lines[2], "  - c: Read and write at the same time.",
            "{page}"
        );
        assert_eq!(lines[3], "  - d: Read frames with read_exact.", "{page}");
        // An English report's hints are not shown on a Korean page.
        let ko = overview(Lang::Ko, &last, "echo", &ids);
        assert!(ko.contains("  - d: …"), "{ko}");
        assert!(!ko.contains("read_exact"), "{ko}");
    }

    #[test]
    fn hint_page_in_both_languages() {
        let hints = for_test("echo", "echo.server.half_close").unwrap();
        insta::assert_snapshot!(
            "hint_en",
            render(Lang::En, "echo", "echo.server.half_close", &hints)
        );
        insta::assert_snapshot!(
            "hint_ko",
            render(Lang::Ko, "echo", "echo.server.half_close", &hints)
        );
    }
}
