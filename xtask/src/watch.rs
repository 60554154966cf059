//! `cargo xtask watch [EXERCISE]`: the student's loop. Grades the exercise,
//! re-grades on every save of its sources, and draws one screen: progress
//! across the exercises, this exercise's tests, and only the first failure,
//! so the student fixes one thing at a time. A cause behind several failures
//! (a panic, a server that never became ready) is named once, first, with
//! its hint, as the report does; the failures it explains say so. Keys: `h` next hint, `l` list
//! the exercises, `q` quit.
//!
//! The tests run at once (see `grade::grade_one`), and the screen is drawn
//! as soon as the first failing test in the list's order is known, then
//! again as the rest finish; a save while grading starts a new grade at once.
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

use crate::grade::cause::{self, Named};
use crate::grade::lang::{Lang, tr};
use crate::grade::{self, ExerciseResult, Status, TestResult};
use crate::hint::{self, Hint};
use crate::last::{self, Last};
use crate::status::{self, Row};

/// Editors save in bursts (write, rename, chmod) within a few milliseconds:
/// one grade per burst.
const DEBOUNCE: Duration = Duration::from_millis(50);
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

pub fn run(root: &Path, args: WatchArgs) -> Result<ExitCode> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let root = args.root.as_deref().unwrap_or(root).to_path_buf();
    status::require_exercises(&root)?;
    let rows = status::rows(&root);
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
    let ui = Ui {
        lang,
        color: use_color(),
        terminal: std::io::stdout().is_terminal(),
        rows,
        folder,
        root: root.clone(),
        name,
        seed: std::cell::Cell::new(0),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let target_root = root.join("target").join("grade");

    let mut hints = Hints::default();
    let mut listing = false;
    'grades: loop {
        ui.clear();
        println!("{}", tr!(lang, "grading {name} …", "{name} 채점 중…"));
        let seed = fastrand::u64(..) & 0xffff_ffff;
        ui.seed.set(seed);
        // The tests run at once; the screen is drawn as soon as the first
        // failing test (in the list's order) is known, and again as the
        // others finish. A pass is only known at the end.
        let mut shown = ExerciseResult {
            name,
            dir: dir.clone(),
            build_error: None,
            tests: grade::not_yet_run(name, lang),
        };
        let mut running: Vec<&'static str> = shown.tests.iter().map(|t| t.id).collect();
        let (live_tx, mut live_rx) = unbounded_channel();
        let graded = runtime.block_on(async {
            let grading =
                grade::grade_one(name, dir.clone(), &target_root, lang, seed, Some(live_tx));
            tokio::pin!(grading);
            let mut early = false;
            loop {
                tokio::select! {
                    result = &mut grading => return Graded::Done(result),
                    Some((index, test)) = live_rx.recv() => {
                        running.retain(|&id| id != test.id);
                        if let Some(slot) = shown.tests.get_mut(index) {
                            *slot = test;
                        }
                        if first_failure_known(&shown, &running) {
                            early = true;
                            if let Err(err) = hints.follow(name, &shown) {
                                return Graded::Done(Err(err));
                            }
                            ui.draw(&shown, &running, &hints, listing);
                        }
                    }
                    event = rx.recv() => match event {
                        Some(Event::Key(b'q' | 3)) | None => return Graded::Quit,
                        // A save while grading: this grade is stale; start again.
                        Some(Event::Changed) => return Graded::Stale,
                        Some(Event::Key(key)) => {
                            if early && hints.key(key, &mut listing) {
                                ui.draw(&shown, &running, &hints, listing);
                            }
                        }
                    },
                    _ = tokio::signal::ctrl_c() => return Graded::Quit,
                }
            }
        });
        let result = match graded {
            Graded::Quit => break,
            Graded::Stale => {
                settle(&mut rx);
                continue 'grades;
            }
            Graded::Done(result) => result?,
        };
        last::record(&root, std::slice::from_ref(&result));
        hints.follow(name, &result)?;
        // Wait for a save (re-grade) or a key (redraw).
        loop {
            ui.draw(&result, &[], &hints, listing);
            let event = runtime.block_on(async {
                tokio::select! {
                    event = rx.recv() => event,
                    _ = tokio::signal::ctrl_c() => None,
                }
            });
            match event {
                Some(Event::Key(b'q' | 3)) | None => break 'grades,
                Some(Event::Key(key)) => {
                    hints.key(key, &mut listing);
                }
                Some(Event::Changed) => {
                    settle(&mut rx);
                    continue 'grades;
                }
            }
        }
    }
    // Dropping the runtime kills what a cancelled grade still ran.
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}

/// How a grade ended.
enum Graded {
    Done(Result<ExerciseResult>),
    /// A source changed while grading.
    Stale,
    Quit,
}

/// Let the burst of events of one save settle, then forget them (keys
/// pressed meanwhile go too: they were meant for the screen being replaced).
fn settle(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>) {
    std::thread::sleep(DEBOUNCE);
    while rx.try_recv().is_ok() {}
}

/// The first failing test of the list is known: it failed and every test
/// before it has finished.
fn first_failure_known(result: &ExerciseResult, running: &[&str]) -> bool {
    for test in &result.tests {
        if running.contains(&test.id) {
            return false;
        }
        if test.status == Status::Fail {
            return true;
        }
    }
    false
}

/// The hints of the first failing test, and how many the student asked for
/// (kept while the same test fails first).
#[derive(Default)]
struct Hints {
    test: Option<&'static str>,
    hints: Vec<Hint>,
    shown: usize,
}

impl Hints {
    fn follow(&mut self, exercise: &str, result: &ExerciseResult) -> Result<()> {
        let first = first_failure(result).map(|t| t.id);
        if first != self.test {
            self.test = first;
            self.shown = 0;
            self.hints = match first {
                Some(test) => hint::for_test(exercise, test)?,
                None => Vec::new(),
            };
        }
        Ok(())
    }

    /// `h` and `l`; whether the screen changes.
    fn key(&mut self, key: u8, listing: &mut bool) -> bool {
        match key {
            b'h' => {
                self.shown = (self.shown + 1).min(self.hints.len());
                true
            }
            b'l' => {
                *listing = !*listing;
                true
            }
            _ => false,
        }
    }
}

/// What every screen of this watch shares.
struct Ui {
    lang: Lang,
    color: bool,
    terminal: bool,
    rows: Vec<Row>,
    folder: String,
    root: PathBuf,
    name: &'static str,
    /// The seed of the grade on screen.
    seed: std::cell::Cell<u64>,
}

impl Ui {
    fn clear(&self) {
        if self.terminal {
            print!("\x1b[2J\x1b[H");
        }
    }

    fn draw(&self, result: &ExerciseResult, running: &[&str], hints: &Hints, listing: bool) {
        let last = Last::load(&self.root);
        let screen = Screen {
            lang: self.lang,
            color: self.color,
            progress: self
                .rows
                .iter()
                .map(|r| (r.name, status::points(&last, r.name), r.max))
                .collect(),
            folder: &self.folder,
            result,
            running,
            hints: &hints.hints,
            hints_shown: hints.shown,
            listing,
            next: next_exercise(self.lang, &self.rows, &last, self.name),
            seed: self.seed.get(),
        };
        self.clear();
        print!("{}", render(&screen));
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
    }
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
            // `output()` gives the child a null stdin unless told otherwise,
            // and stty reads the settings of its stdin: hand it the terminal.
            let output = std::process::Command::new("stty")
                .arg("-g")
                .stdin(std::process::Stdio::inherit())
                .output();
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
                    "Replay this run's data: cargo xtask grade {} --seed {:08x}",
                    "이번 실행의 데이터로 다시 채점: cargo xtask grade {} --seed {:08x}",
                    result.name,
                    s.seed
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
    use crate::grade::cause::Cause;
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
