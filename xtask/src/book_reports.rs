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
//! select them (see [`public_tests`]). Every program graded stands in the
//! student's own exercise folder ([`Program`]): it is graded from a
//! workspace under `target/book-reports/` that holds it at
//! `exercises/<dir>`, with this repository's workspace settings and
//! profiles (as a student's template has them: sha2 optimized), so the
//! report names the folder a student sees
//! (`echo (exercises/echo)`, never `book/reports/programs/…`,
//! `solutions/…` or `target/…`), and the command the book shows is the one
//! a student types (no `--path`, `--solutions` or `--bin`).

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
    /// What is graded, in the place of the student's `exercises/<dir>`.
    pub program: Program,
}

/// What a sample grades. A report names the folder it graded
/// (`echo (exercises/echo)`) and the command that graded it: so every
/// program is graded from a workspace under `target/book-reports/` that
/// holds it where a student's repository holds the exercise,
/// `exercises/<dir>`, and the report calls it by that path.
pub enum Program {
    /// Nothing is graded (`cargo xtask hint`).
    Nothing,
    /// The starter of `exercises/<dir>`, as `cargo xtask classroom export
    /// --lang` writes it into a template: in the report's language only, so
    /// the panics quote its `todo!()`s at its lines (see
    /// [`localized_starter`]).
    Starter(&'static str),
    /// A crate that `write` puts into the folder it is given (a mutant, the
    /// reference solution), graded as a student's `exercises/<dir>`: the
    /// member of a workspace with this repository's settings (see
    /// [`workspace_around`]).
    Crate {
        dir: &'static str,
        write: fn(root: &Path, to: &Path) -> Result<()>,
    },
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
            program: Program::Starter("echo"),
        },
        Sample {
            // The reference with three lines changed: a server with a write
            // timeout that ignores write()'s count, a client that sends all
            // of stdin before it reads (two of xtask/mutants/echo).
            name: "echo-two-mistakes",
            exercise: "echo",
            tool: "grade",
            args: &["echo", "--seed", "1234abcd"],
            inputs: &[TWO_MISTAKES, "xtask/mutants/echo", "solutions/echo"],
            program: Program::Crate {
                dir: "echo",
                write: |root, to| copy_crate(root, TWO_MISTAKES, to, None),
            },
        },
        Sample {
            // The reference solution, as a student's finished crate.
            name: "ft-solution",
            exercise: "file-transfer",
            tool: "grade",
            args: &["file-transfer", "--seed", "1234abcd"],
            inputs: &["solutions/file-transfer"],
            program: Program::Crate {
                dir: "file-transfer",
                write: |root, to| copy_crate(root, "solutions/file-transfer", to, None),
            },
        },
        Sample {
            // The thread server of the reference solution with the mutant
            // `global-lock-across-write` of xtask/mutants/concurrent, as the
            // student's `chat-server`.
            name: "chat-global-lock",
            exercise: "concurrent",
            tool: "grade",
            args: &[
                "concurrent",
                "--seed",
                "1234abcd",
                "--only",
                "chat.two_clients,chat.slow_reader,chat.disconnect",
            ],
            inputs: &[
                "solutions/concurrent",
                "xtask/mutants/concurrent/mutants.json",
            ],
            program: Program::Crate {
                dir: "concurrent",
                write: global_lock,
            },
        },
        Sample {
            // The introduction's hints of one test, from the question to the call.
            name: "echo-hint",
            exercise: "echo",
            tool: "hint",
            args: &["echo", "echo.server.short"],
            inputs: &["xtask/src/hint.rs"],
            program: Program::Nothing,
        },
    ]
}

/// The echo program with two mistakes (it builds its binaries from two
/// of xtask/mutants/echo).
const TWO_MISTAKES: &str = "book/reports/programs/echo-two-mistakes";

/// Where [`Program::Crate`]s are graded from: one workspace per sample,
/// the program at `exercises/<dir>` in it.
const WORKSPACES: &str = "target/book-reports/as-exercise";

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
    // The program is graded from a workspace under target/ that holds it
    // where a student's repository holds the exercise; the report then
    // calls it by that path (`exercises/echo`).
    let (ws, dir) = match sample.program {
        Program::Nothing => (None, None),
        Program::Starter(dir) => (Some(localized_starter(root, dir, lang)?), Some(dir)),
        Program::Crate { dir, write } => {
            let ws = root.join(WORKSPACES).join(sample.name);
            let _ = std::fs::remove_dir_all(&ws);
            write(root, &ws.join("exercises").join(dir))
                .with_context(|| format!("writing the program of the report {}", sample.name))?;
            workspace_around(
                root,
                &ws,
                dir,
                &format!("the program of the report {}", sample.name),
            )?;
            (Some(ws), Some(dir))
        }
    };
    if let (Some(ws), Some(dir)) = (&ws, dir) {
        let path = ws.join("exercises").join(dir);
        args.extend(["--path".into(), path.display().to_string()]);
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
    if let Some(ws) = ws {
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
    workspace_around(
        root,
        &ws,
        dir,
        &format!("the {dir} starter as a template has it"),
    )?;
    Ok(ws)
}

/// Makes `ws` the workspace of its one member `exercises/<dir>`, as a
/// student's template is: this repository's `[workspace.package]` and what
/// follows it (the profiles: sha2 is optimized even in a debug build, or a
/// 1 GiB transfer takes minutes) and its Cargo.lock.
fn workspace_around(root: &Path, ws: &Path, dir: &str, what: &str) -> Result<()> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let settings = manifest
        .find("[workspace.package]")
        .map_or("", |at| &manifest[at..]);
    std::fs::write(
        ws.join("Cargo.toml"),
        format!(
            "# Written by cargo xtask book: {what}.\n[workspace]\nresolver = \"3\"\nmembers = [\"exercises/{dir}\"]\n\n{settings}"
        ),
    )?;
    std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock"))?;
    Ok(())
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

/// The chat mutant `global-lock-across-write` in `to`: a copy of the
/// reference crate, with the mutant's change in
/// chat-server-threads.rs, which becomes the crate's one binary,
/// `src/bin/chat-server.rs`.
fn global_lock(root: &Path, to: &Path) -> Result<()> {
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
    copy_crate(
        root,
        "solutions/concurrent",
        to,
        Some(&[("chat-server", "src/bin/chat-server.rs")]),
    )?;
    let file = to.join(mutant["file"].as_str().unwrap_or_default());
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
    // The thread server is the crate's only binary, where a student's is.
    std::fs::rename(&file, to.join("src/bin/chat-server.rs"))?;
    Ok(())
}

/// Copies the crate at `from` (relative to the repository `root`) into
/// `to`, a member of the workspace [`workspace_around`] writes: a path out
/// of the crate (`../../xtask/mutants/…`) becomes absolute, a `[workspace]`
/// of its own goes, and `bins`, when given, replace its binaries (name,
/// path in the crate).
fn copy_crate(root: &Path, from: &str, to: &Path, bins: Option<&[(&str, &str)]>) -> Result<()> {
    let from = root.join(from);
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(&from)? {
        let entry = entry?;
        let name = entry.file_name();
        let skip = ["target", "Cargo.toml", "Cargo.lock"];
        if skip.iter().any(|s| name == *s) || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    let manifest = std::fs::read_to_string(from.join("Cargo.toml"))?;
    std::fs::write(
        to.join("Cargo.toml"),
        member_manifest(&manifest, &from, bins),
    )?;
    Ok(())
}

/// `manifest` (of the crate in `from`) for a copy of the crate in another
/// workspace; see [`copy_crate`].
fn member_manifest(manifest: &str, from: &Path, bins: Option<&[(&str, &str)]>) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            skipping = trimmed == "[workspace]" || (trimmed == "[[bin]]" && bins.is_some());
        }
        if skipping {
            continue;
        }
        let line = match trimmed
            .strip_prefix("path = \"")
            .and_then(|rest| rest.strip_suffix('"'))
        {
            Some(path) if path.starts_with("..") => {
                let path = from.join(path);
                let path = path.canonicalize().unwrap_or(path);
                format!("path = {:?}", path.display().to_string())
            }
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    for (name, path) in bins.unwrap_or_default() {
        out.push_str(&format!(
            "\n[[bin]]\nname = \"{name}\"\npath = \"{path}\"\n"
        ));
    }
    out
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

    /// What in a report (`text`, of a grade of `exercise`, whose folder is
    /// `exercises/<dir>`) a student would not see in their own: a command
    /// that grades something else than their folder, a folder of this
    /// repository in the header.
    fn not_what_a_student_sees(text: &str, exercise: &str, dir: &str) -> Vec<String> {
        let mut found = Vec::new();
        let command = text.lines().next().unwrap_or_default();
        for flag in ["--path", "--solutions", "--bin"] {
            if command.split(' ').any(|word| word == flag) {
                found.push(format!("the command has {flag}: {command}"));
            }
        }
        let want = format!("{exercise} (exercises/{dir})");
        let headers: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with(&format!("{exercise} (")))
            .collect();
        if headers.is_empty() {
            found.push(format!("no header `{want}`"));
        }
        for header in headers {
            if header != want {
                found.push(format!("the header is `{header}`, not `{want}`"));
            }
        }
        found
    }

    /// Every report the book quotes is what a student's own grade prints:
    /// its header names `exercises/<dir>` and its command is one a student
    /// types, in both languages (the course edition too shows them).
    /// Planted: the header and command the two-mistakes report once had.
    #[test]
    fn every_report_names_the_students_folder() {
        let planted = "$ cargo xtask grade echo --path book/reports/programs/echo-two-mistakes --seed 1234abcd --lang ko\n\
                       Socket Lab 채점기 · 시드 1234abcd\n\necho (book/reports/programs/echo-two-mistakes)\n";
        assert_eq!(not_what_a_student_sees(planted, "echo", "echo").len(), 2);
        let root = root();
        for sample in samples().iter().filter(|s| s.tool == "grade") {
            let exercise = crate::grade::exercises::find(sample.exercise).unwrap();
            for lang in ["en", "ko"] {
                let text = std::fs::read_to_string(report_path(&root, sample.name, lang)).unwrap();
                let found = not_what_a_student_sees(&text, exercise.name, exercise.dir);
                assert!(
                    found.is_empty(),
                    "{}.{lang}: {found:?}: grade it as a student's exercises/{} (Program in xtask/src/book_reports.rs), then `cargo xtask book`",
                    sample.name,
                    exercise.dir
                );
            }
        }
    }

    /// A crate copied in the place of a student's exercise keeps what it
    /// takes from the workspace (the workspace around it has the same
    /// settings), loses a `[workspace]` of its own, reaches files out of
    /// its folder by absolute paths, and takes the binaries it is given.
    #[test]
    fn a_copied_crate_becomes_a_member_of_the_students_workspace() {
        let manifest = "[package]\nname = \"x\"\nedition.workspace = true\n\n[[bin]]\nname = \"echo-server\"\npath = \"../../m/server.rs\"\n\n[[bin]]\nname = \"other\"\npath = \"src/bin/other.rs\"\n\n[workspace]\n";
        let from = Path::new("/repo/book/reports/programs/x");
        let member = member_manifest(manifest, from, None);
        assert!(member.contains("edition.workspace = true"), "{member}");
        assert!(!member.contains("[workspace]"), "{member}");
        assert!(
            member.contains("path = \"/repo/book/reports/programs/x/../../m/server.rs\""),
            "{member}"
        );
        assert!(member.contains("path = \"src/bin/other.rs\""), "{member}");
        let renamed = member_manifest(manifest, from, Some(&[("chat-server", "src/bin/a.rs")]));
        assert_eq!(renamed.matches("[[bin]]").count(), 1, "{renamed}");
        assert!(renamed.contains("name = \"chat-server\"\npath = \"src/bin/a.rs\""));
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
            program: Program::Nothing,
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
