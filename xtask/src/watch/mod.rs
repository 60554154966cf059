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

mod screen;
mod terminal;

pub use screen::{Screen, render, use_color};

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::grade::lang::{Lang, tr, tr_error};
use crate::grade::{self, ExerciseResult, Status, TestResult};
use crate::hint::{self, Hint};
use crate::last::{self, Last};
use crate::status::{self, Row};
use terminal::{CTRL_C, RawMode, read_keys};

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
        return Err(tr_error!(
            "no crate to watch at {dir} (looked for Cargo.toml there)",
            "{dir}에 지켜볼 크레이트가 없습니다(그 폴더에서 Cargo.toml을 찾지 못했습니다)",
            dir = dir.display()
        ));
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
    let code = 'grades: loop {
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
                        Some(Event::Key(key)) if quits(key).is_some() => return Graded::Quit(quits(key).unwrap()),
                        None => return Graded::Quit(0),
                        // A save while grading: this grade is stale; start again.
                        Some(Event::Changed) => return Graded::Stale,
                        Some(Event::Key(key)) => {
                            if early && hints.key(key, &mut listing) {
                                ui.draw(&shown, &running, &hints, listing);
                            }
                        }
                    },
                    code = grade::interrupted() => return Graded::Quit(code),
                }
            }
        });
        let result = match graded {
            Graded::Quit(code) => break 'grades code,
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
                    event = rx.recv() => event.ok_or(0),
                    code = grade::interrupted() => Err(code),
                }
            });
            match event {
                Err(code) => break 'grades code,
                Ok(Event::Key(key)) if quits(key).is_some() => break 'grades quits(key).unwrap(),
                Ok(Event::Key(key)) => {
                    hints.key(key, &mut listing);
                }
                Ok(Event::Changed) => {
                    settle(&mut rx);
                    continue 'grades;
                }
            }
        }
    };
    // Dropping the runtime kills what a cancelled grade still ran.
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::from(code))
}

/// The exit code a key quits with: `q` 0, Ctrl-C 130 (as a shell reports a
/// program Ctrl-C ended); other keys do not quit.
fn quits(key: u8) -> Option<u8> {
    match key {
        b'q' => Some(0),
        CTRL_C => Some(grade::INTERRUPTED),
        _ => None,
    }
}

/// How a grade ended.
enum Graded {
    Done(Result<ExerciseResult>),
    /// A source changed while grading.
    Stale,
    /// A key or a signal ended the watch: its exit code.
    Quit(u8),
}

/// Let the burst of events of one save settle, then forget them (keys
/// pressed meanwhile go too: they were meant for the screen being replaced).
fn settle(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>) {
    std::thread::sleep(DEBOUNCE);
    while rx.try_recv().is_ok() {}
}

/// The first failing test of the list is known: it failed and every test
/// before it has finished.
pub(crate) fn first_failure_known(result: &ExerciseResult, running: &[&str]) -> bool {
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

pub(crate) fn first_failure(result: &ExerciseResult) -> Option<&TestResult> {
    result.tests.iter().find(|t| t.status == Status::Fail)
}

/// When this exercise is complete: the next one not at full marks.
pub(crate) fn next_exercise(
    lang: Lang,
    rows: &[Row],
    last: &Last,
    current: &str,
) -> Option<String> {
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
