//! The result in GitHub Classroom's command-grader shape (`--json FILE`).

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use super::josa::josa_code;
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
                    // Each test stands alone in Classroom: its cause with it
                    // (unless the message is the cause's sentence already).
                    if let Some(cause) = &failure.cause
                        && cause.describe(lang) != failure.message
                    {
                        text.push('\n');
                        text.push_str(lang.pick("cause: ", "원인: "));
                        text.push_str(&cause.describe(lang));
                    }
                    for line in &failure.transcript {
                        text.push('\n');
                        text.push_str(line);
                    }
                    if let Some(hint) = &test.hint {
                        text.push('\n');
                        text.push_str(hint);
                    }
                    super::transcript::safe(&text)
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

/// A bound on one test's message in the Classroom outputs: a long build
/// error or transcript is cut, with a pointer to the full report. GitHub
/// passes each output to the reporter in an environment variable (128 KiB
/// at most, base64 makes it 4/3 larger).
const MESSAGE_MAX: usize = 16 * 1024;

/// The reporter runner of a test: its id with `-` for `.` (a step output's
/// name and, upper-cased with `_RESULTS`, the reporter's environment
/// variable). The export names the same runners in classroom.yml.
pub fn runner(test_id: &str) -> String {
    test_id.replace('.', "-")
}

/// GitHub Actions' step outputs for GitHub Classroom's reporter
/// (`classroom-resources/autograding-grading-reporter`): one output per test,
/// named [`runner`], holding that test alone as Classroom JSON (compact, in
/// base64) with the test's own `max_score`, and `graded=true` last.
///
/// One runner per test, as Classroom's own generated workflows do: the
/// reporter scores a runner as passed tests / tests × `max_score`, so a runner
/// of one test scores exactly its points, and the log's totals equal the
/// annotation's. Appended to the file named by `$GITHUB_OUTPUT`; printed when
/// it is unset.
pub fn write_output(lang: Lang, results: &[ExerciseResult]) -> Result<()> {
    let all = result(lang, results);
    let mut lines = String::new();
    for (test, id) in all
        .tests
        .into_iter()
        .zip(results.iter().flat_map(|e| e.tests.iter().map(|t| t.id)))
    {
        let one = ClassroomResult {
            version: 1,
            status: test.status,
            max_score: test.max_score,
            tests: vec![ClassroomTest {
                message: cut(test.message, lang, &test.test_code),
                ..test
            }],
        };
        let json = serde_json::to_string(&one)?;
        lines.push_str(&format!("{}={}\n", runner(id), base64(json.as_bytes())));
    }
    lines.push_str("graded=true\n");
    match std::env::var_os("GITHUB_OUTPUT") {
        Some(path) if !path.is_empty() => {
            use std::io::Write;
            let path = Path::new(&path);
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(lines.as_bytes()))
                .with_context(|| format!("could not append to {}", path.display()))
        }
        _ => {
            print!("{lines}");
            Ok(())
        }
    }
}

/// `message` cut to [`MESSAGE_MAX`] bytes on a character boundary, saying where the rest is.
fn cut(message: String, lang: Lang, command: &str) -> String {
    if message.len() <= MESSAGE_MAX {
        return message;
    }
    let mut end = MESSAGE_MAX;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let rest = message.len() - end;
    format!(
        "{}\n{}",
        &message[..end],
        tr!(
            lang,
            "… ({rest} more bytes: run `{command}` for all of it)",
            "… ({rest}바이트 더 있음: 전부 보려면 {command_reul} 실행하세요)",
            command_reul = josa_code(&command, "을/를")
        )
    )
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
