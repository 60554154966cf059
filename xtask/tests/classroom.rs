//! GitHub Classroom: `grade --classroom` writes the reporter's `result`
//! output, and `classroom export` writes a student template that builds and
//! grades without solutions/ and without the hidden tests' code.

mod common;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use common::root;
use serde_json::Value;

/// A build of the exported xtask (its dependencies are shared with this
/// test's build, see below; cold, a few minutes on a slow 2-core machine),
/// plus one grade of the starter.
const EXPORT_BOUND: Duration = Duration::from_secs(600);

fn tmp(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// RFC 4648 base64, the reverse of the grader's encoder.
fn unbase64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64") as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The `result=` line's JSON.
fn decode_result(line: &str) -> Value {
    let b64 = line.strip_prefix("result=").expect("a result= line");
    serde_json::from_slice(&unbase64(b64.trim())).expect("the result is JSON")
}

/// "total: X/Y" in the human report.
fn report_total(stdout: &str) -> (u64, u64) {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("total: "))
        .unwrap_or_else(|| panic!("no total in\n{stdout}"));
    let (x, y) = line.split_once('/').unwrap();
    (x.trim().parse().unwrap(), y.trim().parse().unwrap())
}

fn check_shape(json: &Value) -> u64 {
    assert_eq!(json["version"], 1);
    assert!(["pass", "fail", "error"].contains(&json["status"].as_str().unwrap()));
    let mut sum = 0;
    for test in json["tests"].as_array().unwrap() {
        for key in ["name", "status", "message", "test_code", "filename"] {
            assert!(test[key].is_string(), "{key} in {test}");
        }
        for key in ["score", "line_no", "duration"] {
            assert!(test[key].is_u64(), "{key} in {test}");
        }
        sum += test["score"].as_u64().unwrap();
    }
    sum
}

#[test]
fn classroom_output_decodes_to_the_reporters_json_and_matches_the_report() {
    let output_file = tmp("classroom-github-output");
    std::fs::write(&output_file, "earlier=kept\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args([
            "grade",
            "echo",
            "--solutions",
            "--classroom",
            "--lang",
            "en",
        ])
        .arg("--target-dir")
        .arg(tmp("grade/classroom"))
        .env("GITHUB_OUTPUT", &output_file)
        .timeout(Duration::from_secs(240))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let written = std::fs::read_to_string(&output_file).unwrap();
    // Appended, one line, after what other steps wrote.
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 2, "{written}");
    assert_eq!(lines[0], "earlier=kept");
    let json = decode_result(lines[1]);
    let sum = check_shape(&json);
    let (total, max) = report_total(&stdout);
    assert_eq!(sum, total);
    assert_eq!(json["max_score"].as_u64().unwrap(), max);
    // The reference passes the hidden tests too, which run here.
    assert_eq!(total, max);
    let names: Vec<&str> = json["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("echo.server.ipv6 ")));
    assert!(
        !stdout.contains("hidden tests"),
        "nothing is withheld here: {stdout}"
    );
}

#[test]
fn classroom_output_is_printed_without_github_output() {
    // The starter on the tests that fail fastest: partial scores are 0, and
    // the line goes to stdout.
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["grade", "echo", "--classroom", "--lang", "en"])
        .args(["--only", "echo.client.refused"])
        .arg("--target-dir")
        .arg(tmp("grade/starter-classroom"))
        .env_remove("GITHUB_OUTPUT")
        .timeout(Duration::from_secs(240))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("result="))
        .unwrap_or_else(|| panic!("no result= line in\n{stdout}"));
    let json = decode_result(line);
    assert_eq!(check_shape(&json), report_total(&stdout).0);
    assert_eq!(json["status"], "fail");
    assert_eq!(json["tests"].as_array().unwrap().len(), 1);
}

#[test]
fn export_builds_and_grades_without_solutions_or_hidden_tests() {
    let dir = tmp("classroom-export");
    let _ = std::fs::remove_dir_all(&dir);
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["classroom", "export"])
        .arg(&dir)
        .args(["--grader-repo", "socket-lab-course/socket-lab"])
        .args(["--grader-ref", "0123456789abcdef0123456789abcdef01234567"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();

    // What the template holds, and what it must not.
    for present in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        ".cargo/config.toml",
        "exercises/echo/src/bin/echo-server.rs",
        "book/en/src/SUMMARY.md",
        "book/ko/src/SUMMARY.md",
        "xtask/src/grade/hidden.rs",
        ".github/workflows/classroom.yml",
    ] {
        assert!(dir.join(present).is_file(), "missing {present}");
    }
    for absent in [
        "solutions",
        "xtask/mutants",
        "xtask/fixtures",
        "xtask/tests",
        "xtask/src/grade/echo/hidden.rs",
        ".ci",
        ".github/workflows/ci.yml",
    ] {
        assert!(
            !dir.join(absent).exists(),
            "{absent} should not be exported"
        );
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("solutions/"), "{manifest}");
    // The book builds without solutions/: every include it keeps points at a
    // file of the template (code from solutions/ is written into the pages).
    let mut includes = book_includes(&dir.join("book/en/src"));
    includes.extend(book_includes(&dir.join("book/ko/src")));
    assert!(includes.len() > 10, "{includes:?}");
    for (page, target) in includes {
        let file = target.split(':').next().unwrap();
        assert!(
            page.parent().unwrap().join(file).is_file(),
            "{} includes {target}, which is not in the template",
            page.display()
        );
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("## Submit") && readme.contains("### 제출"));
    assert!(readme.contains("| `echo` | `exercises/echo/` | 13 (100 pt) | 2 (10 pt) |"));

    // classroom.yml: one grading step with the pinned grader, then the reporter.
    let yml = std::fs::read_to_string(dir.join(".github/workflows/classroom.yml")).unwrap();
    for text in [
        "repository: socket-lab-course/socket-lab",
        "ref: 0123456789abcdef0123456789abcdef01234567",
        "path: grader",
        "id: grade",
        "run: cargo xtask grade --classroom --submission ../submission",
        "uses: classroom-resources/autograding-grading-reporter@v1",
        "GRADE_RESULTS: ${{ steps.grade.outputs.result }}",
        "runners: grade",
        "#   echo.server.ipv6",
        "hidden",
    ] {
        assert!(yml.contains(text), "classroom.yml lacks `{text}`:\n{yml}");
    }
    assert_eq!(yml.matches("cargo xtask grade --").count(), 1, "{yml}");

    // The template's workspace and lockfile agree (no solution package left).
    let target = tmp("classroom-export-target");
    // The exported xtask is built in a target directory of its own, build
    // directory included. Sharing this workspace's build directory looks
    // cheaper but is wrong: cargo hashes path packages relative to their
    // workspace, so the template's `xtask` and ours get the same artifact
    // names, and a later `cargo xtask` here may run the template's binary.
    Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["metadata", "--locked", "--no-deps", "--format-version", "1"])
        .env("CARGO_TARGET_DIR", &target)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();

    // `cargo xtask grade echo` in the template: the starter scores 0 of the
    // public points, and the report names the hidden tests to come.
    let json_path = tmp("classroom-export.json");
    let output = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["xtask", "grade", "echo", "--lang", "en", "--json"])
        .arg(&json_path)
        .env("CARGO_TARGET_DIR", &target)
        .timeout(EXPORT_BOUND)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("total: 0/100"), "{stdout}");
    assert!(
        stdout.contains("echo: 2 hidden tests (10 points) will also run when you submit"),
        "{stdout}"
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert!(
        json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t["name"].as_str().unwrap().starts_with("echo.server.ipv6"))
    );
}

/// Every `{{#include PATH…}}` of the Markdown pages under `dir`: (page, PATH…).
fn book_includes(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(book_includes(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split("{{#include ").skip(1) {
                let target = piece.split("}}").next().unwrap().trim().to_string();
                found.push((path.clone(), target));
            }
        }
    }
    found
}
