//! Progress of the long steps, building a crate and running its tests: a
//! spinner and a line per test when stderr is a terminal; otherwise (CI,
//! pipes, logs) one line per exercise when it is done, so a log holds the
//! report, not dozens of verdicts before it.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// How often a spinner moves: often enough to show the tool is alive.
const TICK: Duration = Duration::from_millis(120);

/// Exercises are graded in parallel: their spinners share the screen.
fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(MultiProgress::new)
}

/// One exercise's progress; its spinner disappears when it is dropped.
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Progress {
    /// Starts with `message` (e.g. "building exercises/echo …").
    pub fn start(message: String) -> Progress {
        let start = Instant::now();
        if !std::io::stderr().is_terminal() {
            return Progress { bar: None, start };
        }
        let bar = multi().add(ProgressBar::new_spinner());
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(message);
        bar.enable_steady_tick(TICK);
        Progress {
            bar: Some(bar),
            start,
        }
    }

    /// Since [`Progress::start`].
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The exercise is done: without a terminal, its one line (`summary`).
    pub fn finish(self, summary: String) {
        if self.bar.is_none() {
            eprintln!("{summary}");
        }
    }

    /// What the spinner says now (nothing is printed without a terminal).
    pub fn set(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// A line that stays (a test's verdict), printed above the spinners;
    /// without a terminal, nothing (see [`Progress::finish`]).
    pub fn line(&self, text: String) {
        if self.bar.is_some() && multi().println(&text).is_err() {
            eprintln!("{text}");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
