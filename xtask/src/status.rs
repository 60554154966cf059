//! `cargo xtask status`: where the student stands, from the last grades
//! cached under target/ (see last.rs): points per exercise, when it was last
//! graded, and what to do next.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::grade::lang::{Lang, tr, tr_error};
use crate::last::Last;

#[derive(clap::Args)]
pub struct StatusArgs {
    /// Language of the table (default: from the locale).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// The Socket Lab checkout to report on (default: this one).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

/// One exercise as the table and the watch screen's progress line see it.
pub struct Row {
    pub name: &'static str,
    pub max: u32,
}

pub fn run(root: &Path, args: StatusArgs) -> Result<ExitCode> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let root = args.root.as_deref().unwrap_or(root);
    require_exercises(root)?;
    print!(
        "{}",
        render(lang, &rows(root), &Last::load(root), crate::last::now())
    );
    Ok(ExitCode::SUCCESS)
}

/// The exercises folder of `root`, or an error that says where it looked.
pub fn require_exercises(root: &Path) -> Result<PathBuf> {
    let dir = root.join("exercises");
    if !dir.is_dir() {
        return Err(tr_error!(
            "no exercises folder at {dir} (looked for the exercise crates there; run this inside a Socket Lab checkout)",
            "{dir}에 실습 폴더가 없습니다(실습 크레이트를 그 폴더에서 찾아보았습니다). Socket Lab 저장소 안에서 실행하세요",
            dir = dir.display()
        ));
    }
    Ok(dir)
}

/// Every exercise of `root` with its maximum points (the grader's whole test
/// list). A template for one assignment holds one exercise folder: the others
/// are not listed; a checkout without any lists them all.
pub fn rows(root: &Path) -> Vec<Row> {
    let exercises = root.join("exercises");
    crate::grade::exercises::present(crate::grade::catalog(), |e| exercises.join(e.dir))
        .into_iter()
        .map(|e| Row {
            name: e.name,
            max: e.tests.iter().map(|t| t.points).sum(),
        })
        .collect()
}

/// The book chapter of an exercise: its title and its page under book/<lang>/src/.
pub fn chapter(lang: Lang, exercise: &str) -> (&'static str, String) {
    let title = match crate::grade::exercises::find(exercise) {
        Some(e) => e.title.get(lang),
        None => exercise_title_fallback(lang),
    };
    (title, format!("book/{lang}/src/exercises/{exercise}.md"))
}

fn exercise_title_fallback(lang: Lang) -> &'static str {
    lang.pick("the exercise's chapter", "실습 장")
}

/// The points of an exercise in its last grade, 0 when never graded.
pub fn points(last: &Last, exercise: &str) -> u32 {
    last.exercises.get(exercise).map_or(0, |e| e.points())
}

/// What the student should do next for one exercise.
pub fn next_step(lang: Lang, last: &Last, row: &Row) -> String {
    let name = row.name;
    let (title, page) = chapter(lang, name);
    match last.exercises.get(name) {
        None => tr!(
            lang,
            "read \"{title}\" ({page}), then: cargo xtask grade {name}",
            "\"{title}\" 장({page})을 읽고: cargo xtask grade {name}"
        ),
        Some(e) if e.build_error => tr!(
            lang,
            "fix the compile error: cargo xtask grade {name}",
            "컴파일 오류를 고치세요: cargo xtask grade {name}"
        ),
        Some(e) if e.points() >= row.max => lang.pick("done", "완료").to_string(),
        Some(_) => match last.first_failed(name) {
            Some(test) => tr!(
                lang,
                "fix {test}: cargo xtask hint {name} (chapter \"{title}\")",
                "{test}부터 고치세요: cargo xtask hint {name} (\"{title}\" 장)"
            ),
            None => tr!(
                lang,
                "grade every test: cargo xtask grade {name}",
                "모든 테스트를 채점하세요: cargo xtask grade {name}"
            ),
        },
    }
}

pub fn render(lang: Lang, rows: &[Row], last: &Last, now: u64) -> String {
    let mut out = String::new();
    let header = [
        lang.pick("exercise", "실습"),
        lang.pick("points", "점수"),
        lang.pick("last graded", "마지막 채점"),
        lang.pick("next", "다음 할 일"),
    ];
    let widths = [15, 9, 14];
    let line = |cells: [&str; 4]| {
        let mut text = String::new();
        for (cell, width) in cells.iter().zip(widths) {
            text.push_str(&pad(cell, width));
        }
        text.push_str(cells[3]);
        text
    };
    let _ = writeln!(out, "{}", line(header));
    let (mut total, mut max) = (0, 0);
    for row in rows {
        let points = points(last, row.name);
        let when = last.exercises.get(row.name).map_or_else(
            || lang.pick("never", "없음").to_string(),
            |e| ago(lang, now, e.graded_at),
        );
        let score = format!("{points}/{}", row.max);
        let next = next_step(lang, last, row);
        let _ = writeln!(out, "{}", line([row.name, &score, &when, &next]));
        total += points;
        max += row.max;
    }
    let _ = writeln!(out, "{}: {total}/{max}", lang.pick("total", "총점"));
    let _ = writeln!(
        out,
        "{}",
        lang.pick(
            "Work in a loop that re-grades on every save: cargo xtask watch",
            "저장할 때마다 다시 채점하며 작업하려면: cargo xtask watch"
        )
    );
    out
}

/// Pads `text` to `width` terminal columns (Hangul takes two).
pub fn pad(text: &str, width: usize) -> String {
    let used = columns(text);
    let mut out = text.to_string();
    out.push_str(&" ".repeat(width.saturating_sub(used).max(1)));
    out
}

/// The columns `text` takes in a terminal: East Asian wide characters
/// (Hangul) take two, combining marks none.
pub fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// How long ago `then` was, as a student reads it: "5 min ago", "5분 전".
/// Relative, so no time zone is needed (the clock's UTC would read as a
/// wrong time in Seoul).
pub fn ago(lang: Lang, now: u64, then: u64) -> String {
    let secs = now.saturating_sub(then);
    let (n, en, ko) = match secs {
        0..60 => return lang.pick("just now", "방금").to_string(),
        60..3_600 => (secs / 60, "min", "분"),
        3_600..86_400 => (secs / 3_600, "h", "시간"),
        _ => (secs / 86_400, "d", "일"),
    };
    match lang {
        Lang::En => format!("{n} {en} ago"),
        Lang::Ko => format!("{n}{ko} 전"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::last::{LastExercise, LastTest};

    fn fixed_rows() -> Vec<Row> {
        vec![
            Row {
                name: "echo",
                max: 100,
            },
            Row {
                name: "file-transfer",
                max: 100,
            },
        ]
    }

    fn fixed_last() -> Last {
        let mut last = Last::default();
        last.exercises.insert(
            "echo".into(),
            LastExercise {
                graded_at: 1_795_705_500,
                build_error: false,
                tests: vec![
                    LastTest {
                        id: "echo.server.ready".into(),
                        status: "pass".into(),
                        points: 5,
                        max: 5,
                        hint: None,
                    },
                    LastTest {
                        id: "echo.server.short".into(),
                        status: "pass".into(),
                        points: 10,
                        max: 10,
                        hint: None,
                    },
                    LastTest {
                        id: "echo.server.half_close".into(),
                        status: "fail".into(),
                        points: 0,
                        max: 10,
                        hint: None,
                    },
                ],
            },
        );
        last
    }

    #[test]
    fn status_table_in_both_languages() {
        insta::assert_snapshot!(
            "status_en",
            render(Lang::En, &fixed_rows(), &fixed_last(), NOW)
        );
        insta::assert_snapshot!(
            "status_ko",
            render(Lang::Ko, &fixed_rows(), &fixed_last(), NOW)
        );
    }

    #[test]
    fn rows_cover_every_exercise_with_its_points() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let rows = rows(root);
        let names: Vec<&str> = crate::grade::exercises::all()
            .iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(rows.iter().map(|r| r.name).collect::<Vec<_>>(), names);
        assert!(rows.iter().all(|r| r.max > 0));
    }

    /// 25 minutes after `fixed_last`'s grade.
    const NOW: u64 = 1_795_705_500 + 25 * 60;

    #[test]
    fn korean_takes_two_columns() {
        assert_eq!(columns("점수"), 4);
        assert_eq!(pad("점수", 6), "점수  ");
        // Jamo that combine into one syllable take the syllable's two columns.
        assert_eq!(columns("\u{1100}\u{1161}"), 2);
        assert_eq!(columns("마지막 채점"), 11);
    }

    #[test]
    fn times_are_relative() {
        assert_eq!(ago(Lang::En, 1_000, 1_000), "just now");
        assert_eq!(ago(Lang::Ko, 1_059, 1_000), "방금");
        assert_eq!(ago(Lang::En, 1_000 + 25 * 60, 1_000), "25 min ago");
        assert_eq!(ago(Lang::Ko, 1_000 + 3 * 3_600, 1_000), "3시간 전");
        assert_eq!(ago(Lang::En, 1_000 + 2 * 86_400, 1_000), "2 d ago");
        // A clock set back does not give a negative time.
        assert_eq!(ago(Lang::En, 0, 1_000), "just now");
    }
}
