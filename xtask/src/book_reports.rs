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
    /// The starter of this exercise folder (`exercises/<dir>`) is graded as
    /// `cargo xtask classroom export --lang` writes it into a template: in
    /// the report's language only, so the panics quote its `todo!()`s at its
    /// lines (see [`localized_starter`]).
    pub starter: Option<&'static str>,
}

/// The reports the chapters quote.
pub fn samples() -> Vec<Sample> {
    vec![
        Sample {
            name: "echo-starter",
            exercise: "echo",
            tool: "grade",
            args: &["echo", "--seed", "1234abcd"],
            inputs: &["exercises/echo", "xtask/src/classroom/starters.rs"],
            prepare: None,
            starter: Some("echo"),
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
            starter: None,
        },
        Sample {
            name: "ft-solution",
            exercise: "file-transfer",
            tool: "grade",
            args: &["file-transfer", "--solutions", "--seed", "1234abcd"],
            inputs: &["solutions/file-transfer"],
            prepare: None,
            starter: None,
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
            starter: None,
        },
        Sample {
            // The introduction's hints of one test, from the question to the call.
            name: "echo-hint",
            exercise: "echo",
            tool: "hint",
            args: &["echo", "echo.server.short"],
            inputs: &["xtask/src/hint.rs"],
            prepare: None,
            starter: None,
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
    // A starter is graded as the template has it, from a workspace under
    // target/ that the report then calls by the template's path.
    let mut workspace = None;
    if let Some(dir) = sample.starter {
        let ws = localized_starter(root, dir, lang)?;
        let path = ws.join("exercises").join(dir);
        args.extend(["--path".into(), path.display().to_string()]);
        workspace = Some(ws);
    }
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
    let mut printed = String::from_utf8(out.stdout).context("the grader's report is not UTF-8")?;
    if let Some(ws) = workspace {
        printed = printed.replace(&format!("{}/", ws.display()), "");
    }
    let here = format!("{}/", root.display());
    Ok(format!(
        "$ {}\n{}",
        command(sample, Some(lang)),
        printed.replace(&here, "")
    ))
}

/// Where [`localized_starter`] writes the template's starters, one
/// workspace per language.
const STARTERS: &str = "target/book-reports/starters";

/// A workspace under [`STARTERS`] holding `exercises/<dir>` as a template in
/// `lang` has it: copied from this repository's starter and written in that
/// language only by the export's own code (classroom/starters.rs), with the
/// workspace's settings. Graded from there, the panics' locations are the
/// template's (`exercises/echo/src/bin/echo-server.rs:LINE:COL`) and their
/// messages its `todo!()`s'.
fn localized_starter(root: &Path, dir: &str, lang: &str) -> Result<PathBuf> {
    let ws = root.join(STARTERS).join(lang);
    let _ = std::fs::remove_dir_all(&ws);
    let member = ws.join("exercises").join(dir);
    copy_dir(&root.join("exercises").join(dir), &member)?;
    let _ = std::fs::remove_dir_all(member.join("target"));
    let lang = match lang {
        "ko" => grade::lang::Lang::Ko,
        _ => grade::lang::Lang::En,
    };
    crate::classroom::starters::localize_tree(&member, lang)?;
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let settings = manifest
        .find("[workspace.package]")
        .map_or("", |at| &manifest[at..]);
    std::fs::write(
        ws.join("Cargo.toml"),
        format!(
            "# Written by cargo xtask book: the {dir} starter as a template has it.\n[workspace]\nresolver = \"3\"\nmembers = [\"exercises/{dir}\"]\n\n{settings}"
        ),
    )?;
    std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock"))?;
    Ok(ws)
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

    /// The starter's report in each language quotes the starter as that
    /// language's template has it: each panic's place is a `todo!()` of the
    /// exported file, with the message the report shows (a Korean report
    /// quoting the repository's English `todo!()`s at their lines failed).
    #[test]
    fn the_starter_reports_quote_the_templates_todos() {
        use crate::classroom::starters::{Syntax, localize};
        let root = root();
        for (lang, prefix) in [
            (grade::lang::Lang::En, "not yet implemented: "),
            (grade::lang::Lang::Ko, "아직 구현하지 않음(todo!): "),
        ] {
            let name = if lang == grade::lang::Lang::Ko {
                "ko"
            } else {
                "en"
            };
            let report = std::fs::read_to_string(report_path(&root, "echo-starter", name)).unwrap();
            let mut places = 0;
            for bin in ["echo-server", "echo-client"] {
                let file = format!("exercises/echo/src/bin/{bin}.rs");
                let text = std::fs::read_to_string(root.join(&file)).unwrap();
                let exported = localize(&text, Syntax::Rust, lang).unwrap();
                let lines: Vec<&str> = exported.lines().collect();
                // The cause lines: `CAUSE echo-server panicked at FILE:LINE:COL: MESSAGE`.
                let causes = report
                    .lines()
                    .filter(|l| l.trim_start().starts_with(lang.pick("CAUSE", "원인")));
                for cause in causes {
                    let Some(at) = cause.find(&format!("{file}:")) else {
                        continue;
                    };
                    let rest = &cause[at + file.len() + 1..];
                    let line: usize = rest.split(':').next().unwrap().parse().unwrap();
                    let source = lines[line - 1];
                    assert!(
                        source.contains("todo!("),
                        "{name}: {file}:{line} is `{source}`"
                    );
                    // The message the report quotes, up to its first quote
                    // (escaped in the source).
                    let message = rest.split(prefix).nth(1).unwrap_or_else(|| {
                        panic!("{name}: no `{prefix}` after {file}:{line}:\n{report}")
                    });
                    let message = message.trim_start_matches('`');
                    let head = message.split('"').next().unwrap();
                    assert!(
                        head.len() > 5 && source.contains(head),
                        "{name}: `{head}` is not at {file}:{line}: `{source}`"
                    );
                    places += 1;
                }
            }
            assert!(
                places >= 2,
                "{name}: no panic place in the report:\n{report}"
            );
        }
    }

    #[test]
    fn every_exercise_has_public_tests_to_select() {
        // Echo's public ids select exactly the public tests: its starter's
        // report (the chapter shows its totals) has no hidden test.
        let echo = public_tests("echo").unwrap().expect("echo's ids are apart");
        assert!(!echo.is_empty());
        for exercise in crate::grade::exercises::all() {
            public_tests(exercise.name).unwrap();
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
            starter: None,
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
