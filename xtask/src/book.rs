//! `cargo xtask book [build|check|serve]`: builds the book with the
//! `socket-lab-book` crate (book/builder), which does all the work.
//!
//! The book's dependencies (mdbook-driver, ~150 crates) live in that crate, not
//! here, so a student's `cargo xtask grade` never compiles them. What only the
//! grader knows, the points and the tests, reaches the book through
//! `book/grader.json`, which this command writes before every build (see
//! [`grader_json`]); the chapters say `{{#grader total echo}}`, never a typed
//! number.
//!
//! The dev profile, not `--release`: `cargo test` has already compiled the
//! builder's dependencies in it (the book's tests), a cold dev build takes
//! about a minute where a release build takes two, and mdBook builds both books
//! in about a second even unoptimized. Not `--quiet`: on a first run cargo
//! shows what it is compiling.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use serde_json::json;

use crate::cmd;
use crate::grade::{self, ExerciseInfo};

#[derive(clap::Args)]
pub struct BookArgs {
    /// Arguments passed on to the book builder (see `cargo xtask book -- --help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

/// Where the grader's numbers for the book live, relative to the repository.
pub const GRADER_JSON: &str = "book/grader.json";

pub fn run(root: &Path, args: BookArgs) -> Result<()> {
    write_grader_json(root)?;
    // The grader's reports the chapters quote, graded again when the grader
    // or a graded program changed (not in a student's template, which has
    // neither the programs nor the hidden tests: it builds with the
    // committed reports).
    #[cfg(feature = "instructor")]
    crate::book_reports::refresh(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    cmd::run(
        Command::new(cargo)
            .current_dir(root)
            .args(["run", "--package", "socket-lab-book", "--"])
            .args(args.rest),
    )
}

/// Writes `book/grader.json` when it differs from the grader's test list (an
/// unchanged file keeps its mtime, so `serve` does not rebuild for nothing).
pub fn write_grader_json(root: &Path) -> Result<()> {
    let path = root.join(GRADER_JSON);
    let text = grader_json(&grade::catalog(), &withheld());
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Hidden tests whose code is absent here (the student template): per
/// exercise how many, their points, and how many check each rule.
#[derive(Default)]
pub struct Withheld<'a> {
    pub tests: &'a [(&'a str, usize, u32)],
    pub rules: &'a [(&'a str, &'a str, usize)],
}

/// This grader's withheld tests (none in the instructor's repository).
pub fn withheld() -> Withheld<'static> {
    Withheld {
        tests: grade::hidden::WITHHELD,
        rules: grade::hidden::WITHHELD_RULES,
    }
}

/// The numbers the book states: per exercise its public tests in the
/// grader's order with their points, and of the hidden tests only how many
/// and how many points (their names would tell what they check); per contract
/// rule the public tests that check it and how many hidden ones do.
/// `withheld` are hidden tests whose code is absent
/// (the student template), so the template's book says the same as the
/// instructor's.
pub fn grader_json(catalog: &[ExerciseInfo], withheld: &Withheld) -> String {
    let exercises: Vec<_> = catalog
        .iter()
        .map(|exercise| {
            let public: Vec<_> = exercise.tests.iter().filter(|t| !t.hidden).collect();
            let hidden: Vec<_> = exercise.tests.iter().filter(|t| t.hidden).collect();
            let (mut hidden_tests, mut hidden_points) =
                (hidden.len(), hidden.iter().map(|t| t.points).sum::<u32>());
            for &(name, count, points) in withheld.tests {
                if name == exercise.name {
                    hidden_tests += count;
                    hidden_points += points;
                }
            }
            let mut rules = BTreeMap::<&str, Vec<&str>>::new();
            let mut hidden_rules = BTreeMap::<&str, usize>::new();
            for rule in exercise.rules {
                rules.insert(rule, Vec::new());
            }
            for test in &exercise.tests {
                for rule in test.rules {
                    if test.hidden {
                        *hidden_rules.entry(rule).or_default() += 1;
                    } else {
                        rules.entry(rule).or_default().push(test.id);
                    }
                }
            }
            for &(name, rule, count) in withheld.rules {
                if name == exercise.name {
                    *hidden_rules.entry(rule).or_default() += count;
                }
            }
            json!({
                "name": exercise.name,
                "points": public.iter().map(|t| t.points).sum::<u32>(),
                "hidden_tests": hidden_tests,
                "hidden_points": hidden_points,
                "tests": public
                    .iter()
                    .map(|t| json!({ "id": t.id, "points": t.points }))
                    .collect::<Vec<_>>(),
                "rules": rules,
                "hidden_rules": hidden_rules,
            })
        })
        .collect();
    let value = json!({
        "comment": "Written by `cargo xtask book` from the grader's test list; do not edit.",
        "exercises": exercises,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("JSON of plain values");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed file is what the grader says: a test added, removed or
    /// re-weighted without `cargo xtask book` fails here, before the book
    /// states a wrong number.
    #[test]
    fn committed_grader_json_matches_the_grader() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let committed = std::fs::read_to_string(root.join(GRADER_JSON)).unwrap_or_default();
        let expected = grader_json(&grade::catalog(), &withheld());
        assert!(
            committed == expected,
            "{GRADER_JSON} is out of date: run `cargo xtask book` and commit it"
        );
    }

    /// The template's grader has no hidden test code, only `WITHHELD` and
    /// `WITHHELD_RULES` counts: its book states the same numbers.
    #[test]
    fn withheld_tests_count_as_hidden() {
        let catalog = grade::catalog();
        let public_only: Vec<ExerciseInfo> = catalog
            .iter()
            .map(|e| ExerciseInfo {
                name: e.name,
                dir: e.dir,
                tests: e
                    .tests
                    .iter()
                    .filter(|t| !t.hidden)
                    .map(|t| grade::TestInfo { ..*t })
                    .collect(),
                ..*e
            })
            .collect();
        let withheld: Vec<(&str, usize, u32)> = catalog
            .iter()
            .map(|e| {
                let hidden: Vec<_> = e.tests.iter().filter(|t| t.hidden).collect();
                (e.name, hidden.len(), hidden.iter().map(|t| t.points).sum())
            })
            .collect();
        // The rule counts as the template's hidden.rs states them.
        let stub = crate::classroom::hidden_stub(&catalog);
        let rules: Vec<(&str, &str, usize)> = stub
            .lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line
                    .trim()
                    .strip_prefix('(')?
                    .strip_suffix("),")?
                    .split(", ")
                    .collect();
                let [exercise, rule, count] = fields[..] else {
                    return None;
                };
                rule.starts_with('"').then_some(())?; // not a WITHHELD line
                Some((
                    exercise.trim_matches('"'),
                    rule.trim_matches('"'),
                    count.parse().ok()?,
                ))
            })
            .collect();
        assert!(!rules.is_empty(), "{stub}");
        let withheld = Withheld {
            tests: &withheld,
            rules: &rules,
        };
        assert_eq!(
            grader_json(&public_only, &withheld),
            grader_json(&catalog, &Withheld::default())
        );
    }
}
