//! The result in GitHub Classroom's command-grader shape (`--json FILE`).

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use super::lang::{Lang, tr};
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
        let first = exercise.tests.first().map_or("", |t| t.id);
        for (index, test) in exercise.tests.iter().enumerate() {
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
                // The build error once, under the exercise's first test
                // (Classroom's log prints every message, and one variable
                // holds them all).
                (None, Some(build)) if index == 0 => build.clone(),
                (None, Some(_)) => tr!(
                    lang,
                    "not run: the crate does not build (the error is under {first})",
                    "실행하지 않음: 크레이트가 빌드되지 않습니다(오류는 {first}에 있습니다)"
                ),
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
    if path == Path::new("-") {
        println!("{json}");
        return Ok(());
    }
    std::fs::write(path, json).with_context(|| format!("could not write {}", path.display()))
}

/// GitHub Actions' step output `result`: the Classroom JSON, compact, in
/// base64, as `classroom-resources/autograding-grading-reporter` reads it.
/// Appended to the file named by `$GITHUB_OUTPUT`; printed when it is unset.
pub fn write_output(lang: Lang, results: &[ExerciseResult]) -> Result<()> {
    let json = serde_json::to_string(&result(lang, results))?;
    let line = format!("result={}\n", base64(json.as_bytes()));
    match std::env::var_os("GITHUB_OUTPUT") {
        Some(path) if !path.is_empty() => {
            use std::io::Write;
            let path = Path::new(&path);
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(line.as_bytes()))
                .with_context(|| format!("could not append to {}", path.display()))
        }
        _ => {
            print!("{line}");
            Ok(())
        }
    }
}

/// Standard base64 with padding (RFC 4648 §4): a few lines instead of a dependency.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
    }
}
