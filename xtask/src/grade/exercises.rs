//! The exercises the grader knows, and where their tests are.

use super::spec::TestSpec;
use super::{concurrent, echo, file_transfer};

pub struct Exercise {
    /// The name on the command line (`cargo xtask grade echo`).
    pub name: &'static str,
    /// The folder under exercises/ and solutions/.
    pub dir: &'static str,
    /// The binaries the crate must build.
    pub binaries: &'static [&'static str],
    pub tests: fn() -> Vec<TestSpec>,
}

pub fn all() -> Vec<Exercise> {
    vec![
        Exercise {
            name: "echo",
            dir: "echo",
            binaries: &["echo-server", "echo-client"],
            tests: echo::tests,
        },
        Exercise {
            name: "file-transfer",
            dir: "file-transfer",
            binaries: &["ft-server", "ft-client"],
            tests: file_transfer::tests,
        },
        Exercise {
            name: "concurrent",
            dir: "concurrent",
            binaries: &["chat-server"],
            tests: concurrent::tests,
        },
    ]
}
