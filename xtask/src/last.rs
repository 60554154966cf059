//! The last grade of each exercise, cached in `target/grade/last.json`, so
//! `status`, `hint` and `watch` answer at once without grading again.
//!
//! `cargo xtask grade` writes it after every run on the student's own
//! exercises (not `--solutions`, `--path` or `--submission`). A missing or
//! unreadable cache is simply "never graded".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::grade::{ExerciseResult, Status};

/// Per exercise (by name), its last grade.
#[derive(Default, Serialize, Deserialize, Debug, PartialEq)]
pub struct Last {
    pub exercises: BTreeMap<String, LastExercise>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct LastExercise {
    /// When it was graded: seconds since 1970-01-01 UTC.
    pub graded_at: u64,
    /// The crate did not compile.
    pub build_error: bool,
    pub tests: Vec<LastTest>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct LastTest {
    pub id: String,
    /// `pass`, `fail` or `error` (not run: the crate does not build).
    pub status: String,
    pub points: u32,
    pub max: u32,
    /// A test that did not pass: the hint its report gave, in the report's
    /// language (`hint EXERCISE` lists them, the most shared first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl LastExercise {
    pub fn points(&self) -> u32 {
        self.tests.iter().map(|t| t.points).sum()
    }
}

pub fn path(root: &Path) -> PathBuf {
    root.join("target").join("grade").join("last.json")
}

impl Last {
    /// The cache of the checkout at `root`; empty when there is none.
    pub fn load(root: &Path) -> Last {
        std::fs::read(path(root))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The first test of `exercise` that did not pass in its last grade.
    pub fn first_failed(&self, exercise: &str) -> Option<String> {
        let last = self.exercises.get(exercise)?;
        let test = last.tests.iter().find(|t| t.status != "pass")?;
        Some(test.id.clone())
    }

    /// Folds a grade into the cache. A run with `--only` replaces just the
    /// tests it ran; the others keep their last result.
    pub fn update(&mut self, results: &[ExerciseResult], graded_at: u64) {
        for exercise in results {
            let entry = self
                .exercises
                .entry(exercise.name.to_string())
                .or_insert_with(|| LastExercise {
                    graded_at,
                    build_error: false,
                    tests: Vec::new(),
                });
            entry.graded_at = graded_at;
            entry.build_error = exercise.build_error.is_some();
            for test in &exercise.tests {
                let new = LastTest {
                    id: test.id.to_string(),
                    status: status_name(test.status).to_string(),
                    points: test.points,
                    max: test.max,
                    hint: (test.status != Status::Pass)
                        .then(|| test.hint.clone())
                        .flatten(),
                };
                match entry.tests.iter_mut().find(|t| t.id == test.id) {
                    Some(old) => *old = new,
                    None => entry.tests.push(new),
                }
            }
        }
    }
}

/// Records a grade of the exercises at `root`. The cache is a convenience:
/// failing to write it is a warning, never a failed grade.
pub fn record(root: &Path, results: &[ExerciseResult]) {
    let mut last = Last::load(root);
    last.update(results, now());
    if let Err(err) = save(root, &last) {
        eprintln!("warning: {err:#}");
    }
}

fn save(root: &Path, last: &Last) -> Result<()> {
    let path = path(root);
    let dir = path.parent().expect("the cache has a folder");
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    // Write then rename: a `status` running at the same time never reads half a file.
    let temp = dir.join(format!(".last.json.{}", std::process::id()));
    let json = serde_json::to_string_pretty(last)?;
    std::fs::write(&temp, json).with_context(|| format!("could not write {}", temp.display()))?;
    std::fs::rename(&temp, &path).with_context(|| format!("could not write {}", path.display()))
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_first_failed() {
        let dir = tempfile::tempdir().unwrap();
        let mut last = Last::default();
        last.exercises.insert(
            "echo".into(),
            LastExercise {
                graded_at: 1,
                build_error: false,
                tests: vec![
                    LastTest {
                        id: "echo.server.ready".into(),
                        status: "pass".into(),
                        points: 5,
                        max: 5,
                        hint: None,
                    },
                    LastTest {
                        id: "echo.server.short".into(),
                        status: "fail".into(),
                        points: 0,
                        max: 10,
                        hint: None,
                    },
                ],
            },
        );
        save(dir.path(), &last).unwrap();
        let loaded = Last::load(dir.path());
        assert_eq!(loaded, last);
        assert_eq!(
            loaded.first_failed("echo").as_deref(),
            Some("echo.server.short")
        );
        assert_eq!(loaded.first_failed("file-transfer"), None);
        assert_eq!(Last::load(&dir.path().join("nowhere")), Last::default());
    }
}
