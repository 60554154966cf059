//! The result in GitHub Classroom's command-grader shape (`--json FILE`).

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use super::lang::Lang;
use super::{ExerciseResult, Status};

#[derive(Serialize)]
pub struct ClassroomResult {
    pub version: u32,
    pub status: &'static str,
    pub max_score: u32,
    pub tests: Vec<ClassroomTest>,
}

#[derive(Serialize)]
pub struct ClassroomTest {
    pub name: String,
    pub status: &'static str,
    pub score: u32,
    pub max_score: u32,
    pub message: String,
    pub test_code: String,
    pub filename: String,
    pub line_no: u32,
    /// Milliseconds.
    pub duration: u128,
}

pub fn result(lang: Lang, results: &[ExerciseResult]) -> ClassroomResult {
    let mut tests = Vec::new();
    for exercise in results {
        for test in &exercise.tests {
            let message = match (&test.failure, &exercise.build_error) {
                (Some(failure), _) => {
                    let mut text = format!("{}: {}", failure.step.name(lang), failure.message);
                    for line in &failure.transcript {
                        text.push('\n');
                        text.push_str(line);
                    }
                    if let Some(hint) = &test.hint {
                        text.push('\n');
                        text.push_str(hint);
                    }
                    text
                }
                (None, Some(build)) => build.clone(),
                (None, None) => String::new(),
            };
            tests.push(ClassroomTest {
                name: format!("{} — {}", test.id, test.title),
                status: status_name(test.status),
                score: test.points,
                max_score: test.max,
                message,
                test_code: format!("cargo xtask grade {}", exercise.name),
                filename: String::new(),
                line_no: 0,
                duration: test.duration.as_millis(),
            });
        }
    }
    let status = if tests.iter().any(|t| t.status == "error") {
        "error"
    } else if tests.iter().any(|t| t.status == "fail") {
        "fail"
    } else {
        "pass"
    };
    ClassroomResult {
        version: 1,
        status,
        max_score: tests.iter().map(|t| t.max_score).sum(),
        tests,
    }
}

pub fn write(path: &Path, lang: Lang, results: &[ExerciseResult]) -> Result<()> {
    let json = serde_json::to_string_pretty(&result(lang, results))?;
    std::fs::write(path, json).with_context(|| format!("could not write {}", path.display()))
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
    }
}
