//! GitHub Classroom: `grade --classroom` writes one reporter runner's result
//! per test, the exported classroom.yml hands them to Classroom's reporter
//! with exact totals and no secret, and `classroom export` writes a student
//! template that builds and grades without solutions/ and hidden tests.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::common::{copy_artifacts, export_template, export_template_with, root};
use crate::reporter::{Workflow, outputs, report_total, simulate};
use assert_cmd::Command;
use serde_json::Value;

/// A build of the exported xtask (its dependencies are shared with this
/// test's build, see below; cold, a few minutes on a slow 2-core machine),
/// plus one grade of the starter.
const EXPORT_BOUND: Duration = Duration::from_secs(600);

fn tmp(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The public tests of the grader's list (book/grader.json, which a unit
/// test keeps equal to the grader): (id, points), in order.
fn public_tests() -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(root().join("book/grader.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut tests = Vec::new();
    for exercise in json["exercises"].as_array().unwrap() {
        for test in exercise["tests"].as_array().unwrap() {
            tests.push((
                test["id"].as_str().unwrap().to_string(),
                test["points"].as_u64().unwrap(),
            ));
        }
    }
    tests
}

/// `cargo xtask grade [ARGS] --classroom` here, its step outputs and report.
fn grade_outputs(name: &str, args: &[&str]) -> (BTreeMap<String, String>, String) {
    let output_file = tmp(&format!("{name}-github-output"));
    std::fs::write(&output_file, "earlier=kept\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .arg("grade")
        .args(args)
        .args(["--classroom", "--lang", "en"])
        .arg("--target-dir")
        .arg(tmp(&format!("grade/{name}")))
        .env("GITHUB_OUTPUT", &output_file)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.code().is_some_and(|c| c <= 1), "{stdout}");
    let written = std::fs::read_to_string(&output_file).unwrap();
    // Appended after what other steps wrote; `graded=true` comes last.
    assert!(written.starts_with("earlier=kept\n"), "{written}");
    assert!(written.ends_with("graded=true\n"), "{written}");
    (outputs(&written), stdout)
}

#[test]
fn the_reporters_log_total_equals_its_annotation() {
    let dir = tmp("classroom-arithmetic");
    export_template(&dir);
    let yml = std::fs::read_to_string(dir.join(".github/workflows/classroom.yml")).unwrap();
    let workflow = Workflow::parse(&yml);

    // One runner per public test, in the grader's order, max score = points.
    let public = public_tests();
    let max: u64 = public.iter().map(|(_, p)| p).sum();
    let names: Vec<String> = public.iter().map(|(id, _)| id.replace('.', "-")).collect();
    assert_eq!(workflow.runners, names, "{yml}");
    for ((id, points), runner) in public.iter().zip(&workflow.runners) {
        let fallback = workflow.result(runner, &BTreeMap::new());
        assert_eq!(fallback["max_score"].as_u64(), Some(*points), "{id}");
    }

    // The grade produced nothing: every runner falls back to 0 of its points,
    // with a message instead of "Unexpected end of JSON input".
    let nothing = simulate(&workflow, &BTreeMap::new());
    println!("--- the grade produced nothing\n{}", nothing.log);
    assert_eq!((nothing.annotation, nothing.max), (0, max));
    // (In the template's language: `--lang ko` by default.)
    assert!(
        nothing.log.contains("채점 결과가 없습니다"),
        "{}",
        nothing.log
    );

    // The starters and the reference solutions, graded here for real (hidden
    // tests too: their outputs are not runners and count nowhere). The
    // starters give their argument parsing, and the reliable-UDP receiver its
    // socket and readiness line: they pass those tests. Every test of the
    // starters runs (each runner gets an output); the solutions run a few
    // tests of each exercise (the grade_* modules give them full marks on
    // all): the runners of the others fall back to 0 points.
    let given: u64 = public
        .iter()
        .filter(|(id, _)| id.ends_with(".bad_args") || *id == "rdt.recv.ready")
        .map(|(_, p)| p)
        .sum();
    let picked = |id: &str| SOLUTIONS_ONLY.split(',').any(|part| id.contains(part));
    let passed_by_solutions: u64 = public
        .iter()
        .filter(|(id, _)| picked(id))
        .map(|(_, p)| p)
        .sum();
    for (name, args, expected) in [
        ("starters", &[][..], given),
        (
            "solutions",
            &["--solutions", "--only", SOLUTIONS_ONLY][..],
            passed_by_solutions,
        ),
    ] {
        let (outputs, stdout) = grade_outputs(name, args);
        let run = simulate(&workflow, &outputs);
        println!("--- {name}\n{}", run.log);
        assert_eq!(run.annotation, expected, "{}", run.log);
        assert_eq!(run.max, max);
        // The log's table sums to the annotation (the old single runner
        // logged passed/total × max: "96.00/320" beside "Points 110/320").
        assert_eq!(run.table_total, run.annotation as f64, "{}", run.log);
        // Every public test's points are the report's.
        let public_in_report: u64 = public
            .iter()
            .filter(|(id, _)| name == "starters" || picked(id))
            .map(|(id, _)| report_points(&stdout, id))
            .sum();
        assert_eq!(public_in_report, run.annotation);
        let (_, report_max) = report_total(&stdout);
        assert!(report_max >= expected);
    }
}

/// Copies into the template's `target` what this repository's own test build
/// compiled of the registry crates the template uses (its lockfile is ours,
/// cut down: the same versions), mtimes kept. cargo takes a registry crate's
/// artifacts as fresh when its fingerprint (version, features, profile,
/// rustc) matches, whichever target dir built them, and compiles again
/// those whose features differ here: measured, 58 of the template's 80
/// crates are reused, the test 49 -> 30 CPU-s. Registry crates only: the template's
/// own crates have this workspace's crates' names. (The template cannot
/// build in this repository's target dir: `cargo test` holds its lock.)
fn seed_from_this_build(template: &Path, target: &Path) {
    let ours = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("debug");
    // What `cargo xtask` there builds: xtask's normal and build dependencies.
    let tree = Command::new(env!("CARGO"))
        .current_dir(template)
        .args(["tree", "--locked", "--offline", "-p", "xtask"])
        .args(["-e", "normal,build", "--prefix", "none", "--format", "{p}"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let mut names = std::collections::BTreeSet::new();
    for line in String::from_utf8_lossy(&tree.stdout).lines() {
        // "tokio v1.48.0", "syn v2.0.1 (*)", "xtask v0.1.0 (/path)": a path
        // crate shows its path.
        if let Some((name, rest)) = line.split_once(' ')
            && !rest.contains("(/")
            && !rest.contains(":\\")
        {
            names.insert(name.to_string());
            names.insert(name.replace('-', "_"));
        }
    }
    assert!(
        names.contains("tokio"),
        "cargo tree of the template: {names:?}"
    );
    // `<name>-<16 hex digits>` with an optional `lib` before it and anything
    // after. Both readings are tried: `libc-<hash>` (a fingerprint folder)
    // is libc's, `liblibc-<hash>.rlib` too.
    let named = |file: &str| {
        file.match_indices('-').any(|(at, _)| {
            let hash = file[at + 1..].split('.').next().unwrap_or("");
            names.contains(&file[..at])
                && hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    let registry_crate = |file: &str| named(file) || file.strip_prefix("lib").is_some_and(&named);
    copy_artifacts(&ours, target, registry_crate);
}

/// The solutions' tests in the classroom test: a few of each exercise's.
const SOLUTIONS_ONLY: &str = "echo.server,ft.server.list,ft.client.get,chat.two_clients,rdt.clean";

/// The points the human report gives test `id` ("PASS  echo.server.ready  5/5").
fn report_points(stdout: &str, id: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(id))
        .unwrap_or_else(|| panic!("no line for {id} in\n{stdout}"));
    let score = line.split_whitespace().nth(2).unwrap();
    score.split('/').next().unwrap().parse().unwrap()
}

#[test]
fn a_build_error_is_reported_once() {
    let (outputs, _) = grade_outputs(
        "does-not-compile",
        &[
            "echo",
            "--path",
            root()
                .join("xtask/fixtures/echo/does-not-compile")
                .to_str()
                .unwrap(),
        ],
    );
    let mut with_error = 0;
    for (name, value) in &outputs {
        if !name.starts_with("echo-") {
            continue;
        }
        let json = crate::reporter::decode(value);
        let message = json["tests"][0]["message"].as_str().unwrap();
        if message.contains("error") && !message.starts_with("not run") {
            with_error += 1;
        }
        assert!(value.len() < 64 * 1024, "{name}: {} bytes", value.len());
    }
    assert_eq!(with_error, 1, "{outputs:?}");
}

#[test]
fn export_builds_and_grades_without_solutions_secrets_or_hidden_tests() {
    let dir = tmp("classroom-export");
    export_template(&dir);

    // What the template holds, and what it must not.
    for present in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "rust-toolchain.toml",
        ".cargo/config.toml",
        "exercises/echo/src/bin/echo-server.rs",
        "book/en/src/SUMMARY.md",
        "book/ko/src/SUMMARY.md",
        "book/grader.json",
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
        "book/builder/tests",
        "xtask/src/gradebook",
        "xtask/src/classroom",
        "xtask/src/bench",
        "xtask/src/similarity",
        ".ci",
        ".github/workflows/ci.yml",
    ] {
        assert!(
            !dir.join(absent).exists(),
            "{absent} should not be exported"
        );
    }
    // Each exercise's hidden tests: an empty list in the template.
    for module in ["echo", "file_transfer", "concurrent", "reliable_udp"] {
        let hidden = dir.join(format!("xtask/src/grade/{module}/hidden.rs"));
        let text = std::fs::read_to_string(&hidden).unwrap();
        assert!(
            text.contains("Vec::new()") && !text.contains("TestSpec {"),
            "{module}/hidden.rs should hold no hidden test:\n{text}"
        );
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("solutions/"), "{manifest}");
    assert!(
        manifest.contains("default-members = [\"xtask\"]\n"),
        "{manifest}"
    );
    let xtask_manifest = std::fs::read_to_string(dir.join("xtask/Cargo.toml")).unwrap();
    assert!(
        xtask_manifest.contains("\ndefault = []\n"),
        "{xtask_manifest}"
    );
    // The book is the course edition: no markers left, and every include
    // points at a file of the template.
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
    // The template's language (Korean by default) first, English below it.
    assert!(readme.contains("## 제출") && readme.contains("### Submit"));
    let at = |what: &str| {
        readme
            .find(what)
            .unwrap_or_else(|| panic!("no {what}:\n{readme}"))
    };
    assert!(at("## 읽기") < at("## English"));
    // The loop a student works in, and where to start reading, in both languages.
    for line in [
        "$ cargo xtask watch",
        "$ cargo xtask hint echo",
        "$ cargo xtask status",
        "## 반복하며 작업하기",
        "### Work in a loop",
        "$ git commit -m \"echo: echo-server와 echo-client\"",
        "Echo (`book/en/src/exercises/echo.md`)",
        "에코 (`book/ko/src/exercises/echo.md`)",
        "Your instructor may give you the book's web address.",
    ] {
        assert!(readme.contains(line), "README lacks {line}:\n{readme}");
    }
    assert!(!readme.contains("{{"), "{readme}");
    // The table's numbers are the grader's (book/grader.json), never typed.
    let grader: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("book/grader.json")).unwrap())
            .unwrap();
    let echo = &grader["exercises"][0];
    assert_eq!(echo["name"], "echo");
    let public = echo["tests"].as_array().unwrap();
    let public_points: u64 = public.iter().map(|t| t["points"].as_u64().unwrap()).sum();
    for form in [" pt", "점"] {
        let row = format!(
            "| `echo` | `exercises/echo/` | {} ({public_points}{form}) | {} ({}{form}) |",
            public.len(),
            echo["hidden_tests"],
            echo["hidden_points"]
        );
        assert!(readme.contains(&row), "README lacks {row}:\n{readme}");
    }
    let toolchain = std::fs::read_to_string(dir.join("rust-toolchain.toml")).unwrap();
    assert!(toolchain.contains("channel = \"1."), "{toolchain}");

    // classroom.yml: no secret, no other repository, every checkout without
    // persisted credentials, the pinned toolchain, one grading step.
    let yml = std::fs::read_to_string(dir.join(".github/workflows/classroom.yml")).unwrap();
    for absent in [
        "secrets.",
        "repository:",
        "token:",
        "path: grader",
        "solutions",
    ] {
        assert!(
            !yml.contains(absent),
            "classroom.yml has `{absent}`:\n{yml}"
        );
    }
    let checkouts = yml.matches("uses: actions/checkout@").count();
    assert!(checkouts >= 1);
    assert_eq!(
        yml.matches("persist-credentials: false").count(),
        checkouts,
        "{yml}"
    );
    let pin = toolchain
        .lines()
        .find_map(|l| l.strip_prefix("channel = "))
        .unwrap();
    assert!(yml.contains(&format!("toolchain: {pin}")), "{yml}");
    assert_eq!(yml.matches("run: cargo xtask grade").count(), 1, "{yml}");
    assert!(yml.contains("run: cargo xtask grade --classroom --lang ko"));

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

    seed_from_this_build(&dir, &target);

    // `cargo xtask grade echo` in the template: the starter scores only the
    // argument tests' points (it gives the argument parsing), and the report
    // says what the instructor's grade adds.
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
    let given: u64 = public
        .iter()
        .filter(|t| t["id"].as_str().unwrap().ends_with(".bad_args"))
        .map(|t| t["points"].as_u64().unwrap())
        .sum();
    assert!(
        stdout.contains(&format!("total: {given}/{public_points}")),
        "{stdout}"
    );
    let adds = format!(
        "echo: your instructor's grade adds {} hidden tests ({} points)",
        echo["hidden_tests"], echo["hidden_points"]
    );
    assert!(stdout.contains(&adds), "{stdout}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert!(
        json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t["name"].as_str().unwrap().starts_with("echo.server.ipv6"))
    );

    // The student's build is the grader alone: no instructor command in its
    // help, and neither the book's builder nor the gradebook's crates compiled.
    let help = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["xtask", "--help"])
        .env("CARGO_TARGET_DIR", &target)
        .timeout(EXPORT_BOUND)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for command in ["grade", "watch", "hint", "status", "book"] {
        assert!(help.contains(&format!("  {command} ")), "{help}");
    }
    for command in ["classroom", "gradebook", "bench", "similarity"] {
        assert!(!help.contains(&format!("  {command} ")), "{help}");
    }
    // What `cargo build` there compiles: the default members (xtask alone)
    // with their default features, and nothing of the book's builder or the
    // instructor's commands. (Asked of cargo, not read from a target folder
    // that an earlier run may have filled.)
    let metadata = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["metadata", "--locked", "--format-version", "1", "--no-deps"])
        .env("CARGO_TARGET_DIR", &target)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let metadata: Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let defaults = metadata["workspace_default_members"].as_array().unwrap();
    assert_eq!(defaults.len(), 1, "{defaults:?}");
    assert!(
        defaults[0].as_str().unwrap().contains("xtask"),
        "{defaults:?}"
    );
    let tree = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["tree", "--locked", "-e", "normal,build", "--prefix", "none"])
        .env("CARGO_TARGET_DIR", &target)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(tree.status.success());
    let tree = String::from_utf8_lossy(&tree.stdout);
    assert!(tree.starts_with("xtask "), "{tree}");
    for crate_name in ["mdbook", "toml ", "socket-lab-book"] {
        assert!(
            !tree.lines().any(|line| line.starts_with(crate_name)),
            "the template's default build compiles {crate_name}:\n{tree}"
        );
    }
}

#[test]
fn one_assignment_per_exercise() {
    let dir = tmp("classroom-export-echo");
    export_template_with(
        &dir,
        &[
            "--exercise",
            "echo",
            "--book-url",
            "https://course.example.edu/socket-lab/",
        ],
    );
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("<https://course.example.edu/socket-lab/ko/>(한국어)"),
        "{readme}"
    );
    assert!(!readme.contains("File transfer (`"), "{readme}");
    assert!(dir.join("exercises/echo/Cargo.toml").is_file());
    for absent in [
        "exercises/file-transfer",
        "exercises/concurrent",
        "solutions",
    ] {
        assert!(
            !dir.join(absent).exists(),
            "{absent} should not be exported"
        );
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("exercises/concurrent"), "{manifest}");
    let yml = std::fs::read_to_string(dir.join(".github/workflows/classroom.yml")).unwrap();
    let workflow = Workflow::parse(&yml);
    let echo: Vec<String> = public_tests()
        .iter()
        .filter(|(id, _)| id.starts_with("echo."))
        .map(|(id, _)| id.replace('.', "-"))
        .collect();
    assert_eq!(workflow.runners, echo);
    assert!(
        yml.contains("run: cargo xtask grade echo --classroom"),
        "{yml}"
    );
    // Its lockfile is what cargo would write for the smaller workspace.
    Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["metadata", "--locked", "--no-deps", "--format-version", "1"])
        .env("CARGO_TARGET_DIR", tmp("classroom-export-echo-target"))
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    // An exercise the grader does not know is refused.
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["classroom", "export"])
        .arg(tmp("classroom-export-nope"))
        .args(["--exercise", "nope"])
        // The tool's errors follow the locale (cmdline.rs): English here.
        .env("LC_ALL", "C")
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown exercise `nope`"));
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
            assert!(!text.contains("<!-- edition:"), "{}", path.display());
            for piece in text.split("{{#include ").skip(1) {
                let target = piece.split("}}").next().unwrap().trim().to_string();
                found.push((path.clone(), target));
            }
        }
    }
    found
}
