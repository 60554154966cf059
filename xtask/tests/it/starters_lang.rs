//! `classroom export --lang ko|en` writes every starter in the template's
//! language alone: no English task text in a Korean template (no line of the
//! repository's `en:` texts, every `todo!()` message Korean, so the panic a
//! report quotes is Korean), no Hangul in an English one; both templates'
//! starters compile, stay as rustfmt lays them out, and still panic at their
//! first `todo!()`. The twins themselves are checked by the unit test
//! `classroom::starters::tests::every_starter_text_has_its_twin`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{copy_artifacts, export_template_with, root};
use assert_cmd::Command;

/// A cold build of the three starters (tokio, sha2, ctrlc) on a slow
/// 2-core machine, with room to spare.
const BUILD_BOUND: Duration = Duration::from_secs(600);

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The starter files under `dir/exercises`: sources and manifests.
fn starter_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.join("exercises")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") || name == "Cargo.toml" {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The text of a comment line (`//!`, `///`, `//`, `#`), if it is one.
fn comment_text(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    ["//!", "///", "//", "#"]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p))
        .filter(|_| !trimmed.starts_with("#["))
        .map(|rest| rest.strip_prefix(' ').unwrap_or(rest))
}

/// The lines of the repository's English task texts (the `en:` sections of
/// its starters) that hold English prose, without their comment prefix.
fn english_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for file in starter_files(&root()) {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut in_english = false;
        // A fenced block in a comment is code (a diagram of a header's
        // fields), the same in both halves: not prose.
        let mut in_code = false;
        for line in text.lines() {
            let Some(comment) = comment_text(line) else {
                in_english = false;
                in_code = false;
                continue;
            };
            if comment.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if in_code {
                continue;
            }
            if let Some(rest) = comment.strip_prefix("en:") {
                in_english = true;
                lines.push(rest.trim().to_string());
            } else if comment.starts_with("ko:") {
                in_english = false;
            } else if in_english {
                lines.push(comment.trim().to_string());
            }
        }
    }
    // Prose: an English word outside inline code.
    lines.retain(|line| {
        line.split('`').step_by(2).any(|prose| {
            prose
                .split(|c: char| !c.is_ascii_alphabetic())
                .any(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_lowercase()))
        })
    });
    lines
}

/// The messages of the `todo!()` calls in `text` (each starts its line), as
/// written in the source.
fn todo_messages(text: &str) -> Vec<String> {
    let mut messages = Vec::new();
    for (at, _) in text.match_indices("todo!(") {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..at].trim().is_empty() {
            continue; // in a comment or a string
        }
        let rest = &text[at..];
        let open = rest.find('"').unwrap();
        let mut end = open + 1;
        let bytes = rest.as_bytes();
        while bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        messages.push(rest[open + 1..end].to_string());
    }
    messages
}

fn hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// Builds the template's starters and runs the echo starter's server: the
/// starter's first `todo!()` panics, with the message of the template's
/// language.
fn build_and_panic(dir: &Path, target: &Path) -> String {
    seed_from_the_graders_caches(target);
    let output = Command::new(env!("CARGO"))
        .current_dir(dir)
        .args(["build", "--offline", "--locked"])
        .args([
            "-p",
            "echo",
            "-p",
            "file-transfer",
            "-p",
            "concurrent",
            "-p",
            "reliable-udp",
        ])
        .env("CARGO_TARGET_DIR", target)
        .timeout(BUILD_BOUND)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the starters of {} do not build:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let output = Command::new(target.join("debug/echo-server"))
        .args(["--listen", "127.0.0.1:0"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(101), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Copies into `target` what the grader's dependency caches of this run
/// hold (`target/grade-deps/<exercise>-<hash>/target`, built by the grades
/// of the other tests), each file with its modification time: the starters
/// have the exercises' dependencies, so cargo takes them as fresh instead of
/// compiling tokio's and sha2's trees again. A cache not there yet (this
/// module run alone) only means a longer build.
fn seed_from_the_graders_caches(target: &Path) {
    let caches = root().join("target/grade-deps");
    for entry in std::fs::read_dir(&caches).into_iter().flatten().flatten() {
        let cache = entry.path().join("target");
        if !entry.path().join("ready").is_file() || !cache.is_dir() {
            continue;
        }
        copy_artifacts(&cache.join("debug"), target, |_| true);
    }
}

/// rustfmt leaves the template's starters as they are.
fn assert_formatted(files: &[PathBuf]) {
    let sources: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .collect();
    let output = std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .args(&sources)
        .output()
        .expect("rustfmt");
    assert!(
        output.status.success(),
        "rustfmt would change the exported starters:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_korean_template_has_korean_starters_and_an_english_one_english() {
    let english = english_lines();
    assert!(english.len() > 200, "{} English lines", english.len());
    let repo_todos: Vec<String> = starter_files(&root())
        .iter()
        .flat_map(|f| todo_messages(&std::fs::read_to_string(f).unwrap()))
        .collect();
    assert!(repo_todos.len() > 30, "{repo_todos:?}");
    // The two templates build one after the other in one target directory
    // of their own (never this workspace's: see tests/it/classroom.rs).
    let target = tmp("starters-lang-target");

    // Korean.
    let ko = tmp("starters-lang-ko");
    export_template_with(&ko, &["--lang", "ko"]);
    let files = starter_files(&ko);
    assert!(files.len() >= 9, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.strip_prefix(&ko).unwrap().display();
        for line in &english {
            assert!(
                !text.contains(line.as_str()),
                "{name} keeps English task text: {line}"
            );
        }
        for line in text.lines() {
            let marker =
                comment_text(line).is_some_and(|c| c.starts_with("en:") || c.starts_with("ko:"));
            assert!(!marker, "{name} keeps a language marker: {line}");
        }
        for message in todo_messages(&text) {
            assert!(hangul(&message), "{name}: a todo!() in English: {message}");
            assert!(!repo_todos.contains(&message), "{name}: {message}");
        }
    }
    let readme = std::fs::read_to_string(ko.join("README.md")).unwrap();
    assert!(
        readme.contains("The comments and the `todo!()` messages are in Korean")
            && readme.contains("주석과 `todo!()` 메시지는 한국어로 적혀 있습니다."),
        "{readme}"
    );
    for exercise in ["echo", "file-transfer", "concurrent", "reliable-udp"] {
        let readme =
            std::fs::read_to_string(ko.join("exercises").join(exercise).join("README.ko.md"))
                .unwrap();
        assert!(
            readme.contains("주석과 `todo!()` 메시지는 한국어로 적혀 있습니다.")
                && !readme.contains("`en:`"),
            "{readme}"
        );
    }
    assert_formatted(&files);
    let panic = build_and_panic(&ko, &target);
    assert!(
        panic.contains("not yet implemented: 1–3단계: TcpListener::bind"),
        "{panic}"
    );

    // English.
    let en = tmp("starters-lang-en");
    export_template_with(&en, &["--lang", "en"]);
    let files = starter_files(&en);
    let mut en_todos = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.strip_prefix(&en).unwrap().display();
        assert!(!hangul(&text), "{name} keeps Hangul");
        for line in text.lines() {
            let marker = comment_text(line).is_some_and(|c| c.starts_with("en:"));
            assert!(!marker, "{name} keeps a language marker: {line}");
        }
        en_todos.extend(todo_messages(&text));
    }
    // The English messages, as in the repository.
    assert_eq!(en_todos, repo_todos);
    let readme = std::fs::read_to_string(en.join("exercises/echo/README.md")).unwrap();
    assert!(
        readme.contains("The comments and the `todo!()` messages are in English."),
        "{readme}"
    );
    assert_formatted(&files);
    let panic = build_and_panic(&en, &target);
    assert!(
        panic.contains("not yet implemented: steps 1–3: TcpListener::bind"),
        "{panic}"
    );
}
