//! The grader's integration tests, in one test binary: `cargo test` runs
//! test binaries one after another, and most of these tests wait (on a
//! student's server, a lossy link's timers, a browser), so in one binary
//! they wait side by side, and the tests' dependencies are linked once.
//! `cargo test -p xtask --test it MODULE::` runs one module's tests.
//!
//! Each module is one part of the grader seen from outside: what its
//! first lines say it checks. The sandbox's test is a binary of its own
//! (tests/sandbox.rs): it needs the machine to itself.

mod common;
mod reporter;

/// The reliable-UDP grades wait on a lossy link's timers and time limits
/// (a mutant without retransmission fails only when its limit runs out):
/// long, but about a fifth of a core. libtest starts tests in the order of
/// their names, so these sort first (`awaiting::…`) and start first, and the
/// tests that keep the cores busy fill the time they wait; last, they were
/// the run's tail. `MODULE::` still selects them.
#[path = "."]
mod awaiting {
    mod grade_reliable_udp;
    mod mutants_reliable_udp;
}

mod bench_concurrent;
mod bench_gradebook;
mod bench_io_models;
mod bench_peer;
mod bench_reliable_udp;
mod classroom;
mod cli_lang;
mod flake;
mod grade_concurrent;
mod grade_echo;
mod grade_file_transfer;
mod gradebook;
mod hostile;
mod mutants;
mod mutants_concurrent;
mod mutants_file_transfer;
mod no_answers;
mod quoting;
mod similarity;
mod starters_lang;
mod student_loop;
