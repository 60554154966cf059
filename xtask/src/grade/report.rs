//! The report a student reads in the terminal.

use std::fmt::Write;

use super::lang::{Lang, tr};
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
        let mut previous: Option<String> = None;
        for test in &exercise.tests {
            render_test(&mut out, lang, test, &mut previous);
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

fn render_test(out: &mut String, lang: Lang, test: &TestResult, previous: &mut Option<String>) {
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
        failure.message
    );
    // Many tests of an unsolved exercise fail for one cause: say it once.
    if previous.as_deref() == Some(explanation.as_str()) {
        let _ = writeln!(
            out,
            "        {}",
            lang.pick("(same cause as above)", "(위와 같은 원인)")
        );
        return;
    }
    let _ = writeln!(out, "        {}", indent(&explanation, 8).trim_start());
    for line in &failure.transcript {
        let _ = writeln!(out, "          {line}");
    }
    if let Some(hint) = &test.hint {
        let _ = writeln!(out, "        {}: {hint}", lang.pick("hint", "힌트"));
    }
    *previous = Some(explanation);
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
