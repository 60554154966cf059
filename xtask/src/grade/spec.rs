//! A grader test is data: id, points, timeout, what it checks, a hint, and the
//! function that runs it. The list of tests is the single source for the
//! report, `--json` and (later) the Classroom workflow.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::cause::{Cause, Kind, Probe};
use super::lang::{Lang, Step, Text};

pub type TestFuture = Pin<Box<dyn Future<Output = Result<(), Failure>> + Send>>;
pub type TestFn = fn(Ctx) -> TestFuture;

/// Whether a test ships to students or stays in the instructor's repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Hidden,
}

pub struct TestSpec {
    /// Stable id, `exercise.side.name`, used in reports, JSON and mutant expectations.
    pub id: &'static str,
    pub points: u32,
    /// The whole test, start to end; the student's processes are killed at this bound.
    pub timeout: Duration,
    /// Hidden tests live in files of their own (see grade/hidden.rs).
    pub visibility: Visibility,
    /// The contract rules it checks: ids from its exercise's `RULES` (the
    /// book's contract tables name the tests of each rule from these).
    pub rules: &'static [&'static str],
    /// What the test checks, one line.
    pub title: Text,
    /// The hint shown under a failure (a failure may carry a more specific one).
    pub hint: Text,
    pub run: TestFn,
}

/// Why a test failed: the socket step, what happened, the bytes involved, and what to try.
#[derive(Clone, Debug)]
pub struct Failure {
    pub step: Step,
    pub message: String,
    pub transcript: Vec<String>,
    pub hint: Option<String>,
    /// What the student's program did (panicked, exited …): one cause may
    /// explain several failures, and the report names it once.
    /// Boxed: a failure travels in every `Result` of a test.
    pub cause: Option<Box<Cause>>,
    /// What the socket saw, when its hint beats the test's generic one.
    pub kind: Option<Kind>,
}

impl Failure {
    pub fn new(step: Step, message: String) -> Failure {
        Failure {
            step,
            message,
            transcript: Vec::new(),
            hint: None,
            cause: None,
            kind: None,
        }
    }

    pub fn with_cause(mut self, cause: Option<Cause>) -> Failure {
        if let Some(cause) = cause {
            self.cause = Some(Box::new(cause));
        }
        self
    }

    /// What the socket saw (`None`: nothing a kind's hint explains).
    pub fn with_kind(mut self, kind: impl Into<Option<Kind>>) -> Failure {
        if let Some(kind) = kind.into() {
            self.kind = Some(kind);
        }
        self
    }

    pub fn with_transcript(mut self, lines: Vec<String>) -> Failure {
        self.transcript = lines;
        self
    }

    pub fn with_hint(mut self, hint: String) -> Failure {
        self.hint = Some(hint);
        self
    }
}

/// What a running test knows: the language, its seed, the built binaries, and
/// the step it is at (so a timeout can say where it got stuck).
#[derive(Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub seed: u64,
    bins: Arc<BTreeMap<String, PathBuf>>,
    step: Arc<Mutex<Step>>,
    /// A server that never became ready (silent, flooding) fails every later
    /// test the same way: remember it instead of waiting again each time.
    startup: Arc<Mutex<Option<Failure>>>,
    /// The student's programs this test started and watches (servers).
    probes: Arc<Mutex<Vec<Probe>>>,
}

impl Ctx {
    /// A context for one test; `startup` is shared by the tests of one exercise.
    pub fn new(
        lang: Lang,
        seed: u64,
        bins: Arc<BTreeMap<String, PathBuf>>,
        startup: Arc<Mutex<Option<Failure>>>,
    ) -> Ctx {
        Ctx {
            lang,
            seed,
            bins,
            step: Arc::new(Mutex::new(Step::Start)),
            startup,
            probes: Arc::default(),
        }
    }

    /// The startup failure an earlier test of this exercise remembered.
    pub fn startup_failure(&self) -> Option<Failure> {
        self.startup.lock().unwrap().clone()
    }

    pub fn remember_startup_failure(&self, failure: &Failure) {
        *self.startup.lock().unwrap() = Some(failure.clone());
    }

    /// Watches a program: when the test fails without a known cause, the
    /// grader reads its stderr and status for one.
    pub fn watch(&self, probe: Probe) {
        self.probes.lock().unwrap().push(probe);
    }

    /// The first cause a watched program shows (a panic before an exit).
    pub fn cause(&self) -> Option<Cause> {
        let probes = self.probes.lock().unwrap();
        let causes: Vec<Cause> = probes.iter().filter_map(Probe::cause).collect();
        causes
            .iter()
            .find(|c| matches!(c, Cause::Panic { .. }))
            .or(causes.first())
            .cloned()
    }

    /// The path of a built binary of the crate under test.
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bins[name].clone()
    }

    /// Records the step the test is at.
    pub fn at(&self, step: Step) {
        *self.step.lock().unwrap() = step;
    }

    pub fn step(&self) -> Step {
        *self.step.lock().unwrap()
    }

    /// A random generator for this test, derived from the run's seed and the
    /// test id, so `--seed` replays the same payloads and fragmentations.
    pub fn rng(&self, id: &str) -> fastrand::Rng {
        fastrand::Rng::with_seed(self.seed ^ fnv1a(id.as_bytes()))
    }
}

/// FNV-1a: a stable hash for seeds and folder names (std's hasher may change between releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
