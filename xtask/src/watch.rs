//! `cargo xtask watch [EXERCISE]`: the student's loop. Grades the exercise,
//! re-grades on every save of its sources, and draws one screen: progress
//! across the exercises, this exercise's tests, and only the first failure,
//! so the student fixes one thing at a time. Keys: `h` next hint, `l` list
//! the exercises, `q` quit.
//!
//! The screen is a `String` made by [`render`] from plain data, so it is
//! snapshot-tested without a terminal.

use std::fmt::Write;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::grade::lang::{Lang, tr};
use crate::grade::{self, ExerciseResult, Status, TestResult};
use crate::hint::{self, Hint};
use crate::last::{self, Last};
use crate::status::{self, Row};

/// Editors save in bursts (write, rename, chmod): one grade per burst.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// How often `--poll` looks at the files' modification times.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

#[derive(clap::Args)]
pub struct WatchArgs {
    /// The exercise to work on (default: the first one not at full marks).
    exercise: Option<String>,
    /// Poll the files for changes instead of waiting for the system's events
    /// (for folders where events do not arrive, such as Windows drives in WSL2).
    #[arg(long)]
    poll: bool,
    /// Language of the screen (default: from the locale).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// The Socket Lab checkout to work in (default: this one).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

/// What wakes the loop up.
#[derive(Debug)]
enum Event {
    /// A source file of the exercise changed.
    Changed,
    Key(u8),
}

/// Everything the screen shows, as plain data.
pub struct Screen<'a> {
    pub lang: Lang,
    pub color: bool,
    /// Every exercise with its points from the last grades.
    pub progress: Vec<(&'a str, u32, u32)>,
    /// The exercise's folder as the student sees it (`exercises/echo`).
    pub folder: &'a str,
    pub result: &'a ExerciseResult,
    /// The hints of the first failing test, and how many the student asked for.
    pub hints: &'a [Hint],
    pub hints_shown: usize,
    /// `l` was pressed: show the exercises and how to switch.
    pub listing: bool,
    /// The line under the progress line for the next exercise (all passed).
    pub next: Option<String>,
}

pub fn run(root: &Path, args: WatchArgs) -> Result<ExitCode> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let root = args.root.as_deref().unwrap_or(root).to_path_buf();
    status::require_exercises(&root)?;
    let rows = status::rows();
    let name = match &args.exercise {
        Some(name) => hint::find_exercise(name)?.name,
        None => {
            let last = Last::load(&root);
            rows.iter()
                .find(|r| status::points(&last, r.name) < r.max)
                .unwrap_or(&rows[0])
                .name
        }
    };
    let exercise = hint::find_exercise(name)?;
    let folder = format!("exercises/{}", exercise.dir);
    let dir = root.join(&folder);
    if !dir.join("Cargo.toml").is_file() {
        bail!(
            "no crate to watch at {} (looked for Cargo.toml there)",
            dir.display()
        );
    }

    let (tx, mut rx) = unbounded_channel();
    let _watcher = watch_files(&dir, args.poll, tx.clone())?;
    let _raw = RawMode::enter();
    read_keys(tx);
    let color = use_color();
    let terminal = std::io::stdout().is_terminal();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let target_root = root.join("target").join("grade");

    let mut hints_shown = 0;
    let mut hinted_test: Option<&'static str> = None;
    let mut listing = false;
    loop {
        if terminal {
            print!("\x1b[2J\x1b[H");
        }
        println!("{}", tr!(lang, "grading {name} …", "{name} 채점 중…"));
        let seed = fastrand::u64(..) & 0xffff_ffff;
        let graded = runtime.block_on(async {
            let grading = grade::grade_one(name, dir.clone(), &target_root, lang, seed);
            tokio::pin!(grading);
            let mut dirty = false;
            loop {
                tokio::select! {
                    result = &mut grading => return Some((result, dirty)),
                    event = rx.recv() => match event {
                        Some(Event::Key(b'q' | 3)) | None => return None,
                        Some(Event::Changed) => dirty = true,
                        Some(Event::Key(_)) => {}
                    },
                    _ = tokio::signal::ctrl_c() => return None,
                }
            }
        });
        let Some((result, mut dirty)) = graded else {
            break;
        };
        let result = result?;
        last::record(&root, std::slice::from_ref(&result));
        let first_failed = first_failure(&result).map(|t| t.id);
        if first_failed != hinted_test {
            hints_shown = 0;
            hinted_test = first_failed;
        }
        let hints = match first_failed {
            Some(test) => hint::for_test(name, test)?,
            None => Vec::new(),
        };
        // Wait for a save (re-grade) or a key (redraw); a save during the
        // grade re-grades at once.
        while !dirty {
            let last = Last::load(&root);
            let screen = Screen {
                lang,
                color,
                progress: rows
                    .iter()
                    .map(|r| (r.name, status::points(&last, r.name), r.max))
                    .collect(),
                folder: &folder,
                result: &result,
                hints: &hints,
                hints_shown,
                listing,
                next: next_exercise(lang, &rows, &last, name),
            };
            if terminal {
                print!("\x1b[2J\x1b[H");
            }
            print!("{}", render(&screen));
            use std::io::Write as _;
            let _ = std::io::stdout().flush();
            let event = runtime.block_on(async {
                tokio::select! {
                    event = rx.recv() => event,
                    _ = tokio::signal::ctrl_c() => None,
                }
            });
            match event {
                Some(Event::Key(b'q' | 3)) | None => return Ok(ExitCode::SUCCESS),
                Some(Event::Key(b'h')) => hints_shown = (hints_shown + 1).min(hints.len()),
                Some(Event::Key(b'l')) => listing = !listing,
                Some(Event::Key(_)) => {}
                Some(Event::Changed) => {
                    // Let the burst of events of one save settle.
                    std::thread::sleep(DEBOUNCE);
                    while rx.try_recv().is_ok() {}
                    dirty = true;
                }
            }
        }
    }
    // Dropping the runtime kills what a cancelled grade still ran.
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}

fn first_failure(result: &ExerciseResult) -> Option<&TestResult> {
    result.tests.iter().find(|t| t.status == Status::Fail)
}

/// When this exercise is complete: the next one not at full marks.
fn next_exercise(lang: Lang, rows: &[Row], last: &Last, current: &str) -> Option<String> {
    let row = rows
        .iter()
        .find(|r| r.name != current && status::points(last, r.name) < r.max)?;
    let (title, page) = status::chapter(lang, row.name);
    let name = row.name;
    Some(tr!(
        lang,
        "Next: {name}. Read \"{title}\" ({page}), then: cargo xtask watch {name}",
        "다음 실습: {name}. \"{title}\" 장({page})을 읽고: cargo xtask watch {name}"
    ))
}

/// Watches the exercise's sources: `src/` and the folder's own files
/// (Cargo.toml). Only changes to `.rs` files and Cargo.toml count: editors'
/// swap and backup files do not.
fn watch_files(dir: &Path, poll: bool, tx: UnboundedSender<Event>) -> Result<Box<dyn Watcher>> {
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let saved = match event.kind {
            EventKind::Create(_) | EventKind::Remove(_) => true,
            EventKind::Modify(notify::event::ModifyKind::Metadata(_)) => false,
            EventKind::Modify(_) => true,
            // inotify reports every open, cargo's reads included: only a
            // closed writer is a save.
            EventKind::Access(notify::event::AccessKind::Close(
                notify::event::AccessMode::Write,
            )) => true,
            _ => false,
        };
        let source = event.paths.iter().any(|p| {
            p.extension().is_some_and(|e| e == "rs")
                || p.file_name().is_some_and(|n| n == "Cargo.toml")
        });
        if saved && source {
            let _ = tx.send(Event::Changed);
        }
    };
    let mut watcher: Box<dyn Watcher> = if poll {
        let config = notify::Config::default().with_poll_interval(POLL_INTERVAL);
        Box::new(notify::PollWatcher::new(handler, config)?)
    } else {
        Box::new(notify::RecommendedWatcher::new(
            handler,
            notify::Config::default(),
        )?)
    };
    let src = dir.join("src");
    watcher
        .watch(&src, RecursiveMode::Recursive)
        .with_context(|| format!("could not watch {}", src.display()))?;
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .with_context(|| format!("could not watch {}", dir.display()))?;
    Ok(watcher)
}

/// Keys from stdin, one byte each. A terminal is put in raw mode first (see
/// [`RawMode`]); from a pipe, `q` then Enter works the same.
fn read_keys(tx: UnboundedSender<Event>) {
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut byte = [0u8; 1];
        // At the end of input, keys stop; saves still re-grade.
        while let Ok(1) = stdin.read(&mut byte) {
            // Enter after a key (keys from a pipe, or a terminal not in raw mode).
            if byte[0].is_ascii_whitespace() {
                continue;
            }
            if tx.send(Event::Key(byte[0].to_ascii_lowercase())).is_err() {
                break;
            }
        }
    });
}

/// A terminal that hands over each key at once, without echo (and Ctrl-C as
/// a key, so quitting restores the terminal). On Unix, `stty` does this
/// without a terminal library; the settings come back on drop. Elsewhere keys
/// need Enter.
struct RawMode {
    saved: Option<String>,
}

impl RawMode {
    fn enter() -> RawMode {
        let mut saved = None;
        if cfg!(unix) && std::io::stdin().is_terminal() {
            let output = std::process::Command::new("stty").arg("-g").output();
            if let Ok(output) = output
                && output.status.success()
            {
                let settings = String::from_utf8_lossy(&output.stdout).trim().to_string();
                let raw = std::process::Command::new("stty")
                    .args(["-icanon", "-echo", "-isig", "min", "1"])
                    .status();
                if raw.is_ok_and(|s| s.success()) {
                    saved = Some(settings);
                }
            }
        }
        RawMode { saved }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(settings) = &self.saved {
            let _ = std::process::Command::new("stty").arg(settings).status();
        }
    }
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
    let _ = writeln!(out);
    if let Some(error) = &result.build_error {
        let _ = writeln!(
            out,
            "{}",
            paint(color, RED, lang.pick("Does not build", "빌드 실패"))
        );
        let _ = writeln!(out, "{error}");
    } else {
        for test in &result.tests {
            let (label, code) = match test.status {
                Status::Pass => (lang.pick("PASS", "통과"), GREEN),
                Status::Fail => (lang.pick("FAIL", "실패"), RED),
                Status::Error => (lang.pick("ERR ", "오류"), RED),
            };
            let score = format!("{}/{}", test.points, test.max);
            let _ = writeln!(
                out,
                "  {} {:<28} {score:>5}  {}",
                paint(color, code, label),
                test.id,
                test.title
            );
        }
        let _ = writeln!(out, "  {}: {points}/{max}", result.name);
        match first_failure(result) {
            Some(test) => render_failure(&mut out, s, test),
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
    let keys = tr!(
        lang,
        "[h] next hint  [l] exercises  [q] quit  · re-grades when you save a file in {}",
        "[h] 다음 힌트  [l] 실습 목록  [q] 끝내기  · {}의 파일을 저장하면 다시 채점합니다",
        s.folder
    );
    let _ = writeln!(out, "\n{}", paint(color, DIM, &keys));
    out
}

/// The first failing test: what went wrong, the bytes, and the hints asked for.
fn render_failure(out: &mut String, s: &Screen, test: &TestResult) {
    let (lang, color) = (s.lang, s.color);
    let heading = tr!(lang, "First failure: {}", "첫 실패: {}", test.id);
    let _ = writeln!(out, "\n{}", paint(color, BOLD, &heading));
    let _ = writeln!(out, "  {}", test.title);
    if let Some(failure) = &test.failure {
        let _ = writeln!(
            out,
            "  {}: {} — {}",
            lang.pick("step", "단계"),
            failure.step.name(lang),
            failure.message.replace('\n', "\n    ")
        );
        for line in &failure.transcript {
            let _ = writeln!(out, "    {line}");
        }
    }
    // The report's hint (often specific to this failure) stays; `h` adds
    // the test's hints below it, from a question to the socket call.
    if let Some(hint) = &test.hint {
        let _ = writeln!(out, "  {}: {hint}", lang.pick("hint", "힌트"));
    }
    for (n, hint) in s.hints.iter().take(s.hints_shown).enumerate() {
        let label = tr!(lang, "hint {}/{}", "힌트 {}/{}", n + 1, s.hints.len());
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
    use std::time::Duration;

    use super::*;
    use crate::grade::lang::Step;
    use crate::grade::spec::Failure;

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
            hints,
            hints_shown: shown,
            listing: false,
            next: None,
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
    fn colour_only_when_asked() {
        let result = failing(Lang::En);
        let mut s = screen(Lang::En, &result, &[], 0);
        assert!(!render(&s).contains('\x1b'));
        s.color = true;
        assert!(render(&s).contains("\x1b[31m"));
    }
}
