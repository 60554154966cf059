//! The grader's reports that the book quotes, written by the grader itself.
//!
//! The exercise chapters show what `cargo xtask grade` prints for a few
//! fixed programs (the echo starter, a program with two classic mistakes,
//! the file-transfer reference solution, a mutant of the chat server), and
//! the introduction what `cargo xtask hint` prints for one test. They
//! are not typed: [`refresh`], run by `cargo xtask book` before every build,
//! grades each [`Sample`] with its fixed `--seed`, once with `--lang en` and
//! once with `--lang ko`, and writes what the grader printed to
//! `book/reports/<sample>.<lang>.txt`, the command first. The chapters say
//! `{{#report echo-starter tests=…}}` and the builder picks the lines, in
//! the book's language. Test ids, messages, points, file paths and line
//! numbers are then the grader's, by construction.
//!
//! Grading takes a while (a minute or two for all of them), so a sample is
//! graded again only when what decides its report changed: the grader
//! (`xtask/src/grade/`), the program it grades, or the sample itself. Their
//! fingerprint is in `book/reports/manifest.json`;
//! `committed_reports_match_their_inputs` fails when it is out of date.
//!
//! What the book shows is what a student's template prints: the template has
//! no hidden tests, so each sample runs the exercise's public tests only
//! (`--only`, left out of the command the book shows) where their ids can
//! select them (see [`public_tests`]), and the paths of this checkout are
//! written relative to the repository (`exercises/echo`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::grade;

/// Where the reports live, relative to the repository.
pub const DIR: &str = "book/reports";

/// One program the book shows a report of.
pub struct Sample {
    /// The report's name: `book/reports/<name>.<lang>.txt`, `{{#report <name>}}`.
    pub name: &'static str,
    pub exercise: &'static str,
    /// The command: `grade` (a report), or `hint` (a test's hints).
    pub tool: &'static str,
    /// What follows `cargo xtask <tool>` in the command the book shows.
    pub args: &'static [&'static str],
    /// Files and folders (relative to the repository) that decide the report,
    /// besides the grader: the program graded.
    pub inputs: &'static [&'static str],
    /// Writes the program to grade before grading (a mutant made from the
    /// reference solution), from the repository's root.
    pub prepare: Option<fn(&Path) -> Result<()>>,
}

/// The reports the chapters quote.
pub fn samples() -> Vec<Sample> {
    vec![
        Sample {
            name: "echo-starter",
            exercise: "echo",
            tool: "grade",
            args: &["echo", "--seed", "1234abcd"],
            inputs: &["exercises/echo"],
            prepare: None,
        },
        Sample {
            // The reference with three lines changed: a server with a write
            // timeout that ignores write()'s count, a client that sends all
            // of stdin before it reads (two of xtask/mutants/echo).
            name: "echo-two-mistakes",
            exercise: "echo",
            tool: "grade",
            args: &[
                "echo",
                "--path",
                "book/reports/programs/echo-two-mistakes",
                "--seed",
                "1234abcd",
            ],
            inputs: &[
                "book/reports/programs/echo-two-mistakes",
                "xtask/mutants/echo",
                "solutions/echo",
            ],
            prepare: None,
        },
        Sample {
            name: "ft-solution",
            exercise: "file-transfer",
            tool: "grade",
            args: &["file-transfer", "--solutions", "--seed", "1234abcd"],
            inputs: &["solutions/file-transfer"],
            prepare: None,
        },
        Sample {
            // The thread server of the reference solution with the mutant
            // `global-lock-across-write` of xtask/mutants/concurrent.
            name: "chat-global-lock",
            exercise: "concurrent",
            tool: "grade",
            args: &[
                "concurrent",
                "--path",
                GLOBAL_LOCK,
                "--bin",
                "chat-server=chat-server-threads",
                "--seed",
                "1234abcd",
                "--only",
                "chat.two_clients,chat.slow_reader,chat.disconnect",
            ],
            inputs: &[
                "solutions/concurrent",
                "xtask/mutants/concurrent/mutants.json",
            ],
            prepare: Some(global_lock),
        },
        Sample {
            // The introduction's hints of one test, from the question to the call.
            name: "echo-hint",
            exercise: "echo",
            tool: "hint",
            args: &["echo", "echo.server.short"],
            inputs: &["xtask/src/hint.rs"],
            prepare: None,
        },
    ]
}

/// Where the chat mutant is written (under target/, not committed).
const GLOBAL_LOCK: &str = "target/book-reports/global-lock-across-write";

/// Grades every sample whose inputs changed since its reports were written
/// (or that has none), and writes its reports and the manifest.
pub fn refresh(root: &Path) -> Result<()> {
    let manifest_path = root.join(DIR).join("manifest.json");
    let mut manifest: Value = std::fs::read_to_string(&manifest_path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| json!({}));
    for sample in samples() {
        let print = fingerprint(root, &sample)?;
        let fresh = manifest["samples"][sample.name]["inputs"].as_str() == Some(print.as_str())
            && ["en", "ko"]
                .iter()
                .all(|lang| report_path(root, sample.name, lang).is_file());
        if fresh {
            continue;
        }
        eprintln!(
            "book: grading {} for the reports the book quotes ({DIR}/{}.{{en,ko}}.txt) …",
            sample.name, sample.name
        );
        if let Some(prepare) = sample.prepare {
            prepare(root)?;
        }
        for lang in ["en", "ko"] {
            let text = report(root, &sample, lang)?;
            let path = report_path(root, sample.name, lang);
            std::fs::create_dir_all(path.parent().expect("a folder"))?;
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        manifest["samples"][sample.name] = json!({
            "command": command(&sample, None),
            "inputs": print,
        });
        // After each sample: a later one that fails keeps the earlier ones.
        manifest["comment"] = json!(
            "Written by `cargo xtask book` (xtask/src/book_reports.rs) with the reports next to it; do not edit."
        );
        let mut text = serde_json::to_string_pretty(&manifest)?;
        text.push('\n');
        std::fs::write(&manifest_path, text)
            .with_context(|| format!("writing {}", manifest_path.display()))?;
    }
    Ok(())
}

fn report_path(root: &Path, name: &str, lang: &str) -> PathBuf {
    root.join(DIR).join(format!("{name}.{lang}.txt"))
}

/// The command the book shows, with `--lang` when given.
fn command(sample: &Sample, lang: Option<&str>) -> String {
    let mut line = format!("cargo xtask {} {}", sample.tool, sample.args.join(" "));
    if let Some(lang) = lang {
        let _ = write!(line, " --lang {lang}");
    }
    line
}

/// Runs the grader on a sample in `lang`: the command the book shows, its
/// report, with this checkout's root left out of paths.
fn report(root: &Path, sample: &Sample, lang: &str) -> Result<String> {
    let mut args: Vec<String> = vec![sample.tool.into()];
    args.extend(sample.args.iter().map(|a| a.to_string()));
    args.extend(["--lang".into(), lang.into()]);
    if sample.tool == "grade"
        && !sample.args.contains(&"--only")
        && let Some(public) = public_tests(sample.exercise)?
    {
        args.extend(["--only".into(), public.join(",")]);
    }
    let mut exe = std::env::current_exe().context("finding xtask's own program")?;
    // Rebuilt while we run (another `cargo build`), Linux names the old file
    // `xtask (deleted)`: the new one is at the same path.
    if !exe.exists()
        && let Some(path) = exe.to_str().and_then(|p| p.strip_suffix(" (deleted)"))
    {
        exe = PathBuf::from(path);
    }
    let out = Command::new(exe)
        .current_dir(root)
        .args(&args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", command(sample, Some(lang))))?;
    // 0: every test passed; 1: some failed (the point of most samples).
    if !matches!(out.status.code(), Some(0 | 1)) {
        bail!(
            "`{}` failed ({}); its output:\n{}",
            command(sample, Some(lang)),
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let printed = String::from_utf8(out.stdout).context("the grader's report is not UTF-8")?;
    let here = format!("{}/", root.display());
    Ok(format!(
        "$ {}\n{}",
        command(sample, Some(lang)),
        printed.replace(&here, "")
    ))
}

/// The exercise's public tests, as `--only` filters that select exactly
/// them; `None` when they cannot: `--only` runs every id that contains a
/// filter, and a hidden id may contain a public one
/// (`ft.server.malformed_drain`). The report then has the hidden tests too,
/// and the builder lets a chapter show none of them, nor a total that counts
/// them (it knows the public tests from book/grader.json).
fn public_tests(exercise: &str) -> Result<Option<Vec<&'static str>>> {
    let catalog = grade::catalog();
    let Some(info) = catalog.iter().find(|e| e.name == exercise) else {
        bail!("no exercise `{exercise}` in the grader");
    };
    let public: Vec<&str> = info
        .tests
        .iter()
        .filter(|t| !t.hidden)
        .map(|t| t.id)
        .collect();
    let selects_hidden = info
        .tests
        .iter()
        .filter(|t| t.hidden)
        .any(|hidden| public.iter().any(|p| hidden.id.contains(p)));
    Ok((!selects_hidden).then_some(public))
}

/// Files under `xtask/src/grade` that print nothing a report shows: the
/// grader's check of its own strings (a test) and the cache of the graded
/// crates' dependencies (how fast a build is). Left out of the fingerprint,
/// so that work on them does not send everyone to grade the samples again.
const NOT_IN_REPORTS: &[&str] = &["xtask/src/grade/strings_check", "xtask/src/grade/deps.rs"];

/// A hash of everything that decides a sample's report: the sample, the
/// grader's sources, and its inputs (every file under them, by path and
/// content; `target/` folders, hidden files and [`NOT_IN_REPORTS`] left out).
pub fn fingerprint(root: &Path, sample: &Sample) -> Result<String> {
    let mut hash = Fnv::default();
    hash.add(command(sample, None).as_bytes());
    let mut files = Vec::new();
    for input in std::iter::once(&"xtask/src/grade").chain(sample.inputs) {
        let path = root.join(input);
        if !path.exists() {
            bail!(
                "{input}, an input of the report {}, does not exist",
                sample.name
            );
        }
        collect(root, &path, &mut files)?;
    }
    files.retain(|f| {
        !NOT_IN_REPORTS
            .iter()
            .any(|skip| f == skip || f.starts_with(&format!("{skip}/")))
    });
    // Only what git tracks: a grade writes Cargo.lock files into the mutants'
    // folders, which a clean clone does not have.
    if let Some(tracked) = tracked_files(root) {
        files.retain(|f| tracked.contains(f));
    }
    files.sort();
    files.dedup();
    for rel in files {
        let bytes = std::fs::read(root.join(&rel)).with_context(|| format!("reading {rel}"))?;
        hash.add(rel.as_bytes());
        hash.add(&[0]);
        hash.add(&bytes);
        hash.add(&[0]);
    }
    Ok(format!("{:016x}", hash.0))
}

/// The files git tracks in `root`'s checkout, with `/`; `None` outside a
/// checkout (or without git), where every file counts.
fn tracked_files(root: &Path) -> Option<std::collections::HashSet<String>> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(
        output
            .stdout
            .split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect(),
    )
}

/// Every file at or under `path`, relative to `root` with `/`.
fn collect(root: &Path, path: &Path, files: &mut Vec<String>) -> Result<()> {
    if path.is_file() {
        let rel = path.strip_prefix(root).unwrap_or(path);
        files.push(rel.to_string_lossy().replace('\\', "/"));
        return Ok(());
    }
    for entry in std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        collect(root, &entry.path(), files)?;
    }
    Ok(())
}

/// FNV-1a, 64 bits: stable across Rust versions and machines.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The chat mutant `global-lock-across-write`: a copy of the reference crate
/// that builds on its own, with the mutant's change in chat-server-threads.rs.
fn global_lock(root: &Path) -> Result<()> {
    let mutants: Value = serde_json::from_str(&std::fs::read_to_string(
        root.join("xtask/mutants/concurrent/mutants.json"),
    )?)?;
    let Some(mutant) = mutants
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["name"] == "global-lock-across-write")
    else {
        bail!("no mutant global-lock-across-write in xtask/mutants/concurrent/mutants.json");
    };
    let dir = root.join(GLOBAL_LOCK);
    let _ = std::fs::remove_dir_all(&dir);
    let reference = root.join("solutions/concurrent");
    copy_dir(&reference.join("src"), &dir.join("src"))?;
    // The reference crate's manifest takes edition and license from the
    // workspace; alone, it says them itself and is its own workspace.
    let manifest = std::fs::read_to_string(reference.join("Cargo.toml"))?
        .replace("edition.workspace = true", "edition = \"2024\"")
        .replace("license.workspace = true\n", "")
        .replace("publish.workspace = true", "publish = false");
    std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n"))?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    let file = dir.join(mutant["file"].as_str().unwrap_or_default());
    let text = std::fs::read_to_string(&file)?;
    let (find, replace) = (
        mutant["find"].as_str().unwrap_or_default(),
        mutant["replace"].as_str().unwrap_or_default(),
    );
    if find.is_empty() || text.matches(find).count() != 1 {
        bail!(
            "the mutant global-lock-across-write no longer applies to {}",
            file.display()
        );
    }
    std::fs::write(&file, text.replace(find, replace))?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(&path, to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    /// The committed reports come from the grader and programs as they are:
    /// a grader message, a test or a starter line changed without
    /// `cargo xtask book` fails here, before the book quotes an old report.
    #[test]
    fn committed_reports_match_their_inputs() {
        let root = root();
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(DIR).join("manifest.json")).unwrap_or_default(),
        )
        .unwrap_or(Value::Null);
        let mut stale = Vec::new();
        for sample in samples() {
            let print = fingerprint(&root, &sample).unwrap();
            let files = ["en", "ko"]
                .iter()
                .all(|lang| report_path(&root, sample.name, lang).is_file());
            if manifest["samples"][sample.name]["inputs"].as_str() != Some(print.as_str()) || !files
            {
                stale.push(sample.name);
            }
        }
        assert!(
            stale.is_empty(),
            "{DIR} is out of date for {stale:?} (the grader or the graded program changed): run \
             `cargo xtask book`, which grades them again, and commit {DIR}"
        );
    }

    #[test]
    fn every_exercise_has_public_tests_to_select() {
        // Echo's public ids select exactly the public tests: its starter's
        // report (the chapter shows its totals) has no hidden test.
        let echo = public_tests("echo").unwrap().expect("echo's ids are apart");
        assert!(!echo.is_empty());
        for exercise in ["file-transfer", "concurrent"] {
            public_tests(exercise).unwrap();
        }
    }

    #[test]
    fn the_fingerprint_changes_with_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("xtask/src/grade")).unwrap();
        std::fs::write(root.join("xtask/src/grade/mod.rs"), "// grader").unwrap();
        std::fs::create_dir_all(root.join("prog/target")).unwrap();
        std::fs::write(root.join("prog/main.rs"), "fn main() {}").unwrap();
        std::fs::write(root.join("prog/target/junk"), "built").unwrap();
        let sample = Sample {
            name: "s",
            exercise: "echo",
            tool: "grade",
            args: &["echo"],
            inputs: &["prog"],
            prepare: None,
        };
        let first = fingerprint(root, &sample).unwrap();
        std::fs::write(root.join("prog/target/junk"), "built again").unwrap();
        assert_eq!(fingerprint(root, &sample).unwrap(), first);
        std::fs::write(root.join("prog/main.rs"), "fn main() { }").unwrap();
        let second = fingerprint(root, &sample).unwrap();
        assert_ne!(second, first);
        std::fs::write(root.join("xtask/src/grade/mod.rs"), "// grader, changed").unwrap();
        assert_ne!(fingerprint(root, &sample).unwrap(), second);
    }
}
