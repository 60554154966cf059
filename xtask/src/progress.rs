//! Progress of the long steps, building a crate and running its tests: a
//! spinner when stderr is a terminal, plain lines otherwise (CI, pipes, logs),
//! exactly as before spinners existed.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

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
}

impl Progress {
    /// Starts with `message` (e.g. "building exercises/echo …").
    pub fn start(message: String) -> Progress {
        if !std::io::stderr().is_terminal() {
            eprintln!("{message}");
            return Progress { bar: None };
        }
        let bar = multi().add(ProgressBar::new_spinner());
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(message);
        bar.enable_steady_tick(TICK);
        Progress { bar: Some(bar) }
    }

    /// What the spinner says now (nothing is printed without a terminal).
    pub fn set(&self, message: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// A line that stays (a test's verdict), printed above the spinners.
    pub fn line(&self, text: String) {
        match &self.bar {
            Some(_) => {
                if multi().println(&text).is_err() {
                    eprintln!("{text}");
                }
            }
            None => eprintln!("{text}"),
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
