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
mod grade_reliable_udp;
mod gradebook;
mod hostile;
mod mutants;
mod mutants_concurrent;
mod mutants_file_transfer;
mod mutants_reliable_udp;
mod no_answers;
mod quoting;
mod similarity;
mod starters_lang;
mod student_loop;
