//! The exercises the grader knows, and where their tests are.
//!
//! This is the one place that names an exercise: the grader, the hidden
//! tests, `hint`, `status`, `watch`, the Classroom export, the gradebook and
//! the book's generated tables all read [`all`]. A new exercise is one entry
//! here plus its own module under grade/ (its tests, `hidden.rs`, `hints.toml`).

use std::path::Path;

use super::lang::Text;
use super::schedule::Schedule;
use super::spec::TestSpec;
use super::{concurrent, echo, file_transfer, reliable_udp};

#[derive(Clone, Copy)]
pub struct Exercise {
    /// The name on the command line (`cargo xtask grade echo`), and of its
    /// book chapter (`book/<lang>/src/exercises/<name>.md`).
    pub name: &'static str,
    /// The folder under exercises/ and solutions/.
    pub dir: &'static str,
    /// Its module's folder under xtask/src/grade/, which holds `hidden.rs`
    /// (the export replaces that file with an empty one).
    pub module: &'static str,
    /// The title of its book chapter.
    pub title: Text,
    /// The binaries the crate must build.
    pub binaries: &'static [&'static str],
    /// The public tests, in the student's repository too.
    pub tests: fn() -> Vec<TestSpec>,
    /// The hidden tests (none in the student template).
    pub hidden: fn() -> Vec<TestSpec>,
    /// The contract's rules (one per row of the chapter's contract tables),
    /// in the chapter's order: each has a test.
    pub rules: &'static [&'static str],
    /// Its hints file (`hints.toml`), compiled into the tool.
    pub hints: &'static str,
    /// Which of its tests run after the others, and how many of those at once.
    pub schedule: Schedule,
}

impl Exercise {
    /// The public tests, then the hidden ones: what a grade runs.
    pub fn all_tests(&self) -> Vec<TestSpec> {
        let mut tests = (self.tests)();
        tests.extend((self.hidden)());
        tests
    }
}

pub fn all() -> Vec<Exercise> {
    vec![
        Exercise {
            name: "echo",
            dir: "echo",
            module: "echo",
            title: Text {
                en: "Echo",
                ko: "에코",
            },
            binaries: &["echo-server", "echo-client"],
            tests: echo::tests,
            hidden: echo::hidden::tests,
            rules: echo::RULES,
            hints: include_str!("echo/hints.toml"),
            schedule: Schedule {
                at_once: None,
                heavy: &[
                    "echo.server.half_close",
                    "echo.server.slow_reader",
                    "echo.client.large",
                ],
                heavy_at_once: 3,
            },
        },
        Exercise {
            name: "file-transfer",
            dir: "file-transfer",
            module: "file_transfer",
            title: Text {
                en: "File transfer",
                ko: "파일 전송",
            },
            binaries: &["ft-server", "ft-client"],
            tests: file_transfer::tests,
            hidden: file_transfer::hidden::tests,
            rules: file_transfer::RULES,
            hints: include_str!("file_transfer/hints.toml"),
            schedule: Schedule {
                at_once: None,
                heavy: &[
                    "ft.server.memory",
                    "ft.server.put_memory",
                    "ft.server.large",
                    "ft.client.large",
                ],
                heavy_at_once: 1,
            },
        },
        Exercise {
            name: "concurrent",
            dir: "concurrent",
            module: "concurrent",
            title: Text {
                en: "Concurrent server",
                ko: "동시성 서버",
            },
            binaries: &["chat-server"],
            tests: concurrent::tests,
            hidden: concurrent::hidden::tests,
            rules: concurrent::RULES,
            hints: include_str!("concurrent/hints.toml"),
            schedule: Schedule {
                at_once: None,
                heavy: &["chat.slow_reader"],
                heavy_at_once: 1,
            },
        },
        Exercise {
            name: "reliable-udp",
            dir: "reliable-udp",
            module: "reliable_udp",
            title: Text {
                en: "Reliable transfer over UDP",
                ko: "UDP 위의 신뢰성 있는 전송",
            },
            binaries: &["rdt-send", "rdt-recv"],
            tests: reliable_udp::tests,
            hidden: reliable_udp::hidden::tests,
            rules: reliable_udp::RULES,
            hints: include_str!("reliable_udp/hints.toml"),
            // Its transfers wait on the lossy link's timers and each ends
            // with the receiver's 2 s linger (a grade of the reference:
            // 1.3 CPU-s in 59 s one after another), so all its tests run at
            // once. `rdt.efficiency` times the grader's own pair against the
            // student's side by side, so the others slow both alike.
            schedule: Schedule {
                at_once: Some(32),
                heavy: &[],
                heavy_at_once: 1,
            },
        },
    ]
}

/// The exercise called `name`.
pub fn find(name: &str) -> Option<Exercise> {
    all().into_iter().find(|e| e.name == name)
}

/// The exercises a comma-separated `list` names (`echo,concurrent`), in its
/// order; `Err` holds the first name that is none of them. `grade` and
/// `gradebook` take such a list.
pub fn named(list: &str) -> Result<Vec<Exercise>, &str> {
    list.split(',').map(|name| find(name).ok_or(name)).collect()
}

/// The files of hidden-test code, relative to xtask/src/grade/, one per
/// exercise: the export writes them empty in the student template.
pub fn hidden_files() -> Vec<String> {
    all()
        .iter()
        .map(|e| format!("{}/hidden.rs", e.module))
        .collect()
}

/// Of `items`, those whose crate folder (`crate_dir`) holds a Cargo.toml;
/// all of them when none does. A template for one assignment holds one
/// exercise: the commands that cover every exercise cover the ones there,
/// and a checkout without any still names them all (and says what is missing).
pub fn present<T, P: AsRef<Path>>(items: Vec<T>, crate_dir: impl Fn(&T) -> P) -> Vec<T> {
    let here = |item: &T| crate_dir(item).as_ref().join("Cargo.toml").is_file();
    if !items.iter().any(&here) {
        return items;
    }
    items.into_iter().filter(|item| here(item)).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn present_keeps_the_crates_there_or_all_when_none_is() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["echo", "file-transfer", "concurrent"];
        let at = |name: &&str| dir.path().join(name);
        assert_eq!(super::present(names.clone(), at), names);
        std::fs::create_dir_all(dir.path().join("echo")).unwrap();
        std::fs::write(dir.path().join("echo/Cargo.toml"), "").unwrap();
        assert_eq!(super::present(names, at), ["echo"]);
    }

    use super::*;
    use crate::grade::hidden;

    /// A heavy test named in a schedule is a public test of its exercise
    /// (a typo would leave a heavy test uncapped).
    #[test]
    fn heavy_tests_are_public_tests_of_their_exercise() {
        for exercise in all() {
            let heavy = exercise.schedule.heavy;
            let public: Vec<&str> = (exercise.tests)().iter().map(|t| t.id).collect();
            for id in heavy {
                assert!(
                    public.contains(id),
                    "{}: no public test {id}",
                    exercise.name
                );
            }
        }
    }

    /// Every test names a rule of its exercise's contract, and every rule
    /// has a test (public, hidden, or withheld in the template), so the
    /// book's contract tables can list the tests of each row. There is no
    /// way out: a rule of the contract without a test fails here.
    #[test]
    fn rules_and_tests_name_each_other() {
        let mut problems = Vec::new();
        for exercise in all() {
            let tests = exercise.all_tests();
            let ids: BTreeSet<&str> = tests.iter().map(|t| t.id).collect();
            let mut declared = BTreeSet::new();
            for rule in exercise.rules {
                if !declared.insert(*rule) {
                    problems.push(format!("{}: rule `{rule}` declared twice", exercise.name));
                }
                if ids.contains(rule) {
                    problems.push(format!(
                        "{}: rule `{rule}` is also a test id",
                        exercise.name
                    ));
                }
            }
            let mut checked = BTreeMap::<&str, usize>::new();
            for test in &tests {
                if test.rules.is_empty() {
                    problems.push(format!(
                        "{}: test `{}` names no rule",
                        exercise.name, test.id
                    ));
                }
                for rule in test.rules {
                    *checked.entry(rule).or_default() += 1;
                    if !exercise.rules.contains(rule) {
                        problems.push(format!(
                            "{}: test `{}` names `{rule}`, a rule not in its exercise's RULES",
                            exercise.name, test.id
                        ));
                    }
                }
            }
            for &(name, rule, count) in hidden::WITHHELD_RULES {
                if name == exercise.name {
                    *checked.entry(rule).or_default() += count;
                }
            }
            for rule in exercise.rules {
                if !checked.contains_key(rule) {
                    problems.push(format!(
                        "{}: rule `{rule}` has no test (write one)",
                        exercise.name
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
