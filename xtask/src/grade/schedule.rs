//! How one exercise's tests share the machine. Each test has its own
//! processes and ephemeral ports and mostly waits on sockets and timers, so
//! most run side by side, at most [`slots`] at once. A few move tens of MiB
//! or more and keep the cores busy: beside them, a test whose peer paces its
//! bytes, or whose program under test has a deadline of its own (a server
//! that drains for 1 s), could see a stall that is the machine's, not the
//! program's. So the heavy tests run after the others, as many at a time
//! as their exercise says: file-transfer's one at a time, as before (each
//! keeps both cores and the disk busy: two at once under load left a
//! 64 MiB PUT's STATUS over 3 s late) and echo's three (16 MiB in memory
//! each) at once. reliable-udp's tests wait on the lossy link's timers and
//! on the receiver's 2 s linger: they all run at once. A test's timeout
//! starts when it does, not while it waits for its turn.
//!
//! Where a warm grade of each reference solution spent its time one after
//! another (load about 4, 2 cores): file-transfer 17.6 s, 13 s of it in the
//! four transfers of 64 MiB to 1 GiB and 4.5 s in the two 3-byte trickles;
//! echo 7.6 s, 2.6 s of it in the 1-byte trickle; concurrent 9.8 s.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use super::lang::Lang;
use super::spec::{Ctx, Failure, TestSpec};
use super::{Live, Status, TestResult, run_test};

/// How a grade runs an exercise's tests: side by side, at most [`slots`]
/// at once (or `at_once`, for tests that only wait on timers); then the
/// `heavy` ones (each moves tens of MiB or more, bound by CPU, memory
/// bandwidth or the disk), `heavy_at_once` at a time.
#[derive(Clone, Copy)]
pub struct Schedule {
    pub at_once: Option<usize>,
    pub heavy: &'static [&'static str],
    pub heavy_at_once: usize,
}

/// Tests at once: twice the cores (at least 4). Most of a test is waiting
/// (a server's start, a peer's pause, a trickle's delays), so twice the
/// cores keeps them busy without a queue of runnable processes that would
/// delay a paced test's next byte.
pub fn slots() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (2 * cores).max(4)
}

/// What every test of one grade shares.
pub(super) struct Shared {
    pub bins: Arc<BTreeMap<String, PathBuf>>,
    pub startup: Arc<Mutex<Option<Failure>>>,
    pub lang: Lang,
    pub seed: u64,
}

/// Runs `tests` as `schedule` says, each bounded by its own timeout as one
/// after another would be; `done` hears of each result as it comes, with
/// how many are left, and so does `live`, with its place in `tests`.
/// Returns the results in the order of `tests`. Dropping this future aborts
/// the tests still running (their processes die with them).
pub(super) async fn run_side_by_side(
    tests: Vec<TestSpec>,
    schedule: Schedule,
    shared: Shared,
    live: Option<Live>,
    mut done: impl FnMut(&TestResult, usize),
) -> Vec<TestResult> {
    let total = tests.len();
    let slots = schedule.at_once.unwrap_or_else(slots).max(1);
    let (heavy, heavy_at_once) = (schedule.heavy, schedule.heavy_at_once.max(1));
    let (heavy, light): (Vec<_>, Vec<_>) = tests
        .into_iter()
        .enumerate()
        .partition(|(_, spec)| heavy.contains(&spec.id));
    let mut results: Vec<Option<TestResult>> = (0..total).map(|_| None).collect();
    for (batch, at_once) in [(light, slots), (heavy, heavy_at_once)] {
        let permits = Arc::new(Semaphore::new(at_once));
        let mut set = tokio::task::JoinSet::new();
        for (index, spec) in batch {
            let ctx = Ctx::new(
                shared.lang,
                shared.seed,
                shared.bins.clone(),
                Arc::clone(&shared.startup),
            );
            let permits = Arc::clone(&permits);
            set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (index, run_test(&spec, ctx).await)
            });
        }
        while let Some(joined) = set.join_next().await {
            // run_test catches a test's panic itself; a panic here is the grader's.
            let (index, result) = joined.expect("a test task panicked outside its test");
            let left = results.iter().filter(|r| r.is_none()).count() - 1;
            done(&result, left);
            if let Some(live) = &live {
                let _ = live.send((index, result.clone()));
            }
            results[index] = Some(result);
        }
    }
    results.into_iter().flatten().collect()
}

/// A test's verdict as its progress line says it.
pub(super) fn verdict(lang: Lang, result: &TestResult) -> &'static str {
    match result.status {
        Status::Pass => lang.pick("ok", "통과"),
        _ => lang.pick("FAILED", "실패"),
    }
}
