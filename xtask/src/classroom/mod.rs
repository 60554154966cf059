//! `cargo xtask classroom export DIR`: writes the student template repository
//! for a GitHub Classroom assignment.
//!
//! The template holds the exercises (starters, in the template's language:
//! see starters.rs), the book's sources, the tool
//! (xtask) without hidden tests, mutants, fixtures or the tool's own tests, a
//! workspace without `solutions/`, a student README in both languages, and
//! `.github/workflows/classroom.yml`, generated from the grader's test list
//! (see workflow.rs). Nothing here is edited by hand after the export.

mod book;
mod regrade;
pub(crate) mod starters;
mod workflow;

pub use workflow::TOOLCHAIN;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::grade::lang::{Lang, tr};
use crate::grade::{self, ExerciseInfo};

#[derive(clap::Args)]
pub struct ClassroomArgs {
    #[command(subcommand)]
    command: ClassroomCommand,
}

#[derive(clap::Subcommand)]
enum ClassroomCommand {
    /// Write the student template repository into DIR (which must be empty or absent).
    Export(ExportArgs),
    /// Print the instructor's .github/workflows/regrade.yml: the gradebook in N shards on GitHub Actions.
    RegradeWorkflow(regrade::RegradeArgs),
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Where to write the template.
    dir: PathBuf,
    /// A template for this exercise alone (one assignment per exercise).
    #[arg(long, value_name = "NAME")]
    exercise: Option<String>,
    /// The language of the grade report on submission, and of the starters'
    /// comments and `todo!()` messages (the other language's text is left out).
    #[arg(long, value_enum, default_value = "ko")]
    lang: grade::lang::Lang,
    /// Where the book is published (e.g. your GitHub Pages address); the
    /// student README links to its `ko/` and `en/` editions.
    #[arg(long, value_name = "URL")]
    book_url: Option<String>,
}

pub fn run(root: &Path, args: ClassroomArgs) -> Result<()> {
    match args.command {
        ClassroomCommand::RegradeWorkflow(args) => regrade::run(root, args),
        ClassroomCommand::Export(args) => {
            if let Some(name) = &args.exercise
                && !grade::catalog().iter().any(|e| e.name == name)
            {
                let known: Vec<&str> = grade::catalog().iter().map(|e| e.name).collect();
                bail!(
                    "unknown exercise `{name}`; the exercises are: {}",
                    known.join(", ")
                );
            }
            let options = workflow::Options {
                lang: args.lang,
                exercise: args.exercise,
                book_url: args.book_url,
            };
            export(root, &args.dir, &options)?;
            eprintln!("wrote the student template to {}", args.dir.display());
            Ok(())
        }
    }
}

/// Top-level entries of the repository that go into the template as they are
/// (the workspace manifest, README and xtask/ are handled on their own).
const COPIED: &[&str] = &[".cargo", ".gitignore", "Cargo.lock", "book", "exercises"];

/// Folders under xtask/ that stay in the instructor's repository.
const XTASK_LEFT_OUT: &[&str] = &["mutants", "fixtures", "tests"];

/// The instructor's commands under xtask/src/ (behind the `instructor`
/// feature): the template leaves their code out and builds without them.
const INSTRUCTOR_MODULES: &[&str] = &["bench", "classroom", "gradebook", "similarity"];

/// Every file the export writes, relative to the template's root, that a
/// student must not change: the grader and its workflow. The gradebook flags
/// a submission where any of them differs from the template.
pub fn guarded(path: &str) -> bool {
    path.starts_with("xtask/")
        || path.starts_with(".cargo/")
        || path.starts_with(".github/")
        || path == "Cargo.toml"
        || path == "rust-toolchain.toml"
}

pub fn export(root: &Path, dest: &Path, options: &workflow::Options) -> Result<()> {
    if dest.exists() && fs::read_dir(dest)?.next().is_some() {
        bail!("{} is not empty", dest.display());
    }
    fs::create_dir_all(dest)?;
    for entry in COPIED {
        copy_tree(&root.join(entry), &dest.join(entry))?;
    }
    copy_xtask(root, dest)?;
    let config = fs::read_to_string(root.join(".cargo/config.toml"))?;
    fs::write(
        dest.join(".cargo/config.toml"),
        student_cargo_config(&config),
    )?;
    // The book tooling's own tests check this repository (its solutions/
    // included), not the template.
    let _ = fs::remove_dir_all(dest.join("book/builder/tests"));
    book::course_edition(dest)?;

    let full = grade::catalog();
    let grade_src = dest.join("xtask/src/grade");
    fs::write(grade_src.join("hidden.rs"), hidden_stub(&full))?;
    for file in grade::exercises::hidden_files() {
        fs::write(grade_src.join(file), HIDDEN_TESTS_STUB)?;
    }
    // One assignment per exercise: the others' starters stay out.
    let (catalog, left_out): (Vec<_>, Vec<_>) = full.into_iter().partition(|e| {
        options
            .exercise
            .as_deref()
            .is_none_or(|name| name == e.name)
    });
    let mut left_out_dirs = vec![String::from("solutions")];
    for exercise in &left_out {
        let dir = format!("exercises/{}", exercise.dir);
        let _ = fs::remove_dir_all(dest.join(&dir));
        left_out_dirs.push(dir);
    }
    // The starters in the template's language only (see starters.rs).
    for exercise in &catalog {
        starters::localize_tree(&dest.join("exercises").join(exercise.dir), options.lang)?;
    }

    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    fs::write(
        dest.join("Cargo.toml"),
        student_manifest(&manifest, &left_out_dirs)?,
    )?;
    let lock = fs::read_to_string(root.join("Cargo.lock"))?;
    let packages = package_names(root, &left_out_dirs)?;
    fs::write(dest.join("Cargo.lock"), without_packages(&lock, &packages))?;
    fs::write(
        dest.join("README.md"),
        readme(&catalog, options.lang, options.book_url.as_deref()),
    )?;
    fs::write(dest.join("rust-toolchain.toml"), toolchain_toml())?;
    let workflows = dest.join(".github/workflows");
    fs::create_dir_all(&workflows)?;
    fs::write(
        workflows.join("classroom.yml"),
        workflow::classroom_yml(&catalog, options),
    )?;
    Ok(())
}

/// xtask/ without the hidden tests' files and the instructor-only folders.
fn copy_xtask(root: &Path, dest: &Path) -> Result<()> {
    let from = root.join("xtask");
    let to = dest.join("xtask");
    let hidden: Vec<PathBuf> = grade::exercises::hidden_files()
        .iter()
        .map(|file| from.join("src/grade").join(file))
        .collect();
    copy_filtered(&from, &to, &|path| {
        let top = path
            .strip_prefix(&from)
            .ok()
            .and_then(|rel| rel.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let instructor = INSTRUCTOR_MODULES
            .iter()
            .any(|module| path == from.join("src").join(module));
        !XTASK_LEFT_OUT.contains(&top.as_str()) && !instructor && !hidden.iter().any(|h| h == path)
    })?;
    let manifest = fs::read_to_string(from.join("Cargo.toml"))?;
    fs::write(to.join("Cargo.toml"), student_xtask_manifest(&manifest)?)?;
    Ok(())
}

/// xtask's manifest with the `instructor` feature off by default: a student's
/// build compiles the grader, not the gradebook, the benches or their crates.
pub fn student_xtask_manifest(manifest: &str) -> Result<String> {
    const ON: &str = "default = [\"instructor\"]";
    if manifest.matches(ON).count() != 1 {
        bail!("xtask/Cargo.toml has no `{ON}` line: has its layout changed?");
    }
    Ok(manifest.replace(
        ON,
        "# The template: the instructor's commands are left out (see classroom export).\n\
         default = []",
    ))
}

/// Copies a folder, without build output (`target/`, `.git/`, `node_modules/`).
pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if !from.exists() {
        return Ok(());
    }
    copy_filtered(from, to, &|_| true)
}

/// Copies files under `from` for which `keep` holds, skipping build output.
fn copy_filtered(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<()> {
    if from.is_file() {
        if keep(from) {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
        }
        return Ok(());
    }
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".git" || name == "node_modules" {
            continue;
        }
        let path = entry.path();
        if !keep(&path) {
            continue;
        }
        copy_filtered(&path, &to.join(&name), keep)?;
    }
    Ok(())
}

/// An exercise's `hidden.rs` in the template: no hidden test.
pub const HIDDEN_TESTS_STUB: &str = "\
//! This exercise's hidden tests: this is the student template, so their code
//! is not here. They run on submission (classroom.yml grades with the
//! instructor's grader). Written by `cargo xtask classroom export`; do not edit.

use crate::grade::spec::TestSpec;

/// No hidden test code in the template.
pub fn tests() -> Vec<TestSpec> {
    Vec::new()
}
";

/// grade/hidden.rs for the template: no hidden test code, only how many
/// hidden tests each exercise has and their points.
pub fn hidden_stub(catalog: &[ExerciseInfo]) -> String {
    let mut out = String::from(
        "//! Hidden tests: this is the student template, so their code is not here.\n\
         //! They run on submission (classroom.yml grades with the instructor's\n\
         //! grader). Written by `cargo xtask classroom export`; do not edit.\n\
         \n\
         /// Hidden tests whose code is absent here: (exercise, count, points).\n\
         pub const WITHHELD: &[(&str, usize, u32)] = &[\n",
    );
    for exercise in catalog {
        let hidden: Vec<_> = exercise.tests.iter().filter(|t| t.hidden).collect();
        if !hidden.is_empty() {
            let points: u32 = hidden.iter().map(|t| t.points).sum();
            let _ = writeln!(
                out,
                "    ({:?}, {}, {points}),",
                exercise.name,
                hidden.len()
            );
        }
    }
    out.push_str(
        "];\n\n/// Of those, how many check each contract rule: (exercise, rule, count).\n\
         pub const WITHHELD_RULES: &[(&str, &str, usize)] = &[\n",
    );
    for exercise in catalog {
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for test in exercise.tests.iter().filter(|t| t.hidden) {
            for rule in test.rules {
                *counts.entry(rule).or_default() += 1;
            }
        }
        for (rule, count) in counts {
            let _ = writeln!(out, "    ({:?}, {rule:?}, {count}),", exercise.name);
        }
    }
    out.push_str("];\n");
    out
}

/// The rustc the template builds with, on a student's laptop (rustup reads
/// this file) and in classroom.yml: the instructor's gradebook's.
fn toolchain_toml() -> String {
    format!(
        "# The Rust version your instructor grades with: rustup installs it on the\n\
         # first `cargo` command here. Written by `cargo xtask classroom export`.\n\
         [toolchain]\n\
         channel = \"{}\"\n\
         components = [\"rustfmt\", \"clippy\"]\n",
        workflow::TOOLCHAIN
    )
}

/// The workspace manifest without the members under `left_out` (folders
/// relative to the root: `solutions`, `exercises/concurrent`).
/// The repository's `.cargo/config.toml` without its `[env]` table: that
/// runs this repository's integration tests six at a time, and the template
/// has none of them (a student's own tests keep libtest's default).
fn student_cargo_config(config: &str) -> String {
    let mut out = String::new();
    let mut in_env = false;
    for line in config.lines() {
        if line.trim_start().starts_with('[') {
            in_env = line.trim() == "[env]";
        }
        if !in_env {
            out.push_str(line);
            out.push('\n');
        }
    }
    format!("{}\n", out.trim_end())
}

pub fn student_manifest(manifest: &str, left_out: &[String]) -> Result<String> {
    let dropped = |member: &str| {
        let member = member.trim().trim_end_matches(',').trim_matches('"');
        left_out
            .iter()
            .any(|dir| member == dir || member.starts_with(&format!("{dir}/")))
    };
    let mut out = String::new();
    let mut removed = 0;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('"') && dropped(trimmed) {
            removed += 1;
            continue;
        }
        if trimmed.starts_with("default-members = [") {
            // `cargo build`, `cargo test` and rust-analyzer build the grader
            // only; the book's builder (130 crates) builds when asked for.
            out.push_str("default-members = [\"xtask\"]\n");
            continue;
        }
        if trimmed.starts_with("exclude = ") {
            continue; // mutants and fixtures are not in the template
        }
        out.push_str(line);
        out.push('\n');
    }
    if removed == 0 {
        bail!("the workspace's Cargo.toml names no solutions/ member: has its layout changed?");
    }
    // The instructor's header speaks of solutions and mutants: say what the template holds.
    let body = out
        .find("[workspace]")
        .map_or(out.as_str(), |at| &out[at..])
        .replace(
            "# Buggy and hostile crates that prove the grader: each is a workspace of its\n# own, built only by the grader's tests.\n",
            "",
        );
    Ok(format!("{STUDENT_MANIFEST_HEADER}{body}"))
}

const STUDENT_MANIFEST_HEADER: &str = "\
# Socket Lab: your exercises, the book and the grader (`cargo xtask grade`).
#
# Only the grader is a default member: `cargo build` and `cargo test` here
# compile it alone. The exercises are members that build when the grader (or
# `cargo build -p NAME`) asks; the book's builder builds on `cargo xtask book`.
# Written by `cargo xtask classroom export`.

";

/// The package names of the crates at or under the folders `dirs`.
fn package_names(root: &Path, dirs: &[String]) -> Result<Vec<String>> {
    let mut manifests = Vec::new();
    for dir in dirs {
        let dir = root.join(dir);
        if dir.join("Cargo.toml").is_file() {
            manifests.push(dir.join("Cargo.toml"));
        } else if dir.is_dir() {
            for entry in fs::read_dir(dir)? {
                manifests.push(entry?.path().join("Cargo.toml"));
            }
        }
    }
    let mut names = Vec::new();
    for manifest in manifests {
        if let Ok(text) = fs::read_to_string(&manifest)
            && let Some(name) = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("name = "))
                .map(|n| n.trim_matches('"').to_string())
        {
            names.push(name);
        }
    }
    Ok(names)
}

/// Cargo.lock without the `[[package]]` entries of `names` and of every
/// package only they depended on, so that the template's lockfile is what
/// cargo would write for its workspace (and `--locked` builds pass).
pub fn without_packages(lock: &str, names: &[String]) -> String {
    let blocks: Vec<&str> = lock.split("\n\n").collect();
    let field = |block: &str, key: &str| -> Option<String> {
        block
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim_matches('"').to_string())
    };
    let packages: Vec<(usize, String, String)> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.starts_with("[[package]]"))
        .filter_map(|(i, b)| Some((i, field(b, "name = ")?, field(b, "version = ")?)))
        .collect();
    // Roots: the workspace's own packages (no `source`), minus the solutions.
    let mut keep: Vec<usize> = packages
        .iter()
        .filter(|(i, name, _)| !blocks[*i].contains("\nsource = ") && !names.contains(name))
        .map(|(i, _, _)| *i)
        .collect();
    let mut next = 0;
    while next < keep.len() {
        let block = blocks[keep[next]];
        next += 1;
        let deps = block
            .split_once("dependencies = [")
            .map_or("", |(_, rest)| rest.split(']').next().unwrap_or(""));
        for dep in deps.split(',').map(|d| d.trim().trim_matches('"')) {
            let mut words = dep.split(' ');
            let (Some(name), version) = (words.next(), words.next()) else {
                continue;
            };
            for (i, n, v) in &packages {
                if n == name && version.is_none_or(|want| want == v) && !keep.contains(i) {
                    keep.push(*i);
                }
            }
        }
    }
    blocks
        .iter()
        .enumerate()
        .filter(|(i, b)| !b.starts_with("[[package]]") || keep.contains(i))
        .map(|(_, b)| *b)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The student's README, both languages: `lang`, the starters', first, the
/// other below it under its own heading (README.template.md).
fn readme(catalog: &[ExerciseInfo], lang: Lang, book_url: Option<&str>) -> String {
    let list = |lang: Lang| {
        let mut list = String::new();
        for exercise in catalog {
            let public: Vec<_> = exercise.tests.iter().filter(|t| !t.hidden).collect();
            let hidden: Vec<_> = exercise.tests.iter().filter(|t| t.hidden).collect();
            let points = |n: u32| tr!(lang, "{n} pt", "{n}점");
            let _ = writeln!(
                list,
                "| `{}` | `exercises/{}/` | {} ({}) | {} ({}) |",
                exercise.name,
                exercise.dir,
                public.len(),
                points(public.iter().map(|t| t.points).sum::<u32>()),
                hidden.len(),
                points(hidden.iter().map(|t| t.points).sum::<u32>()),
            );
        }
        list.trim_end().to_string()
    };
    let first = |lang: Lang| {
        catalog
            .iter()
            .map(|e| {
                let (title, page) = crate::status::chapter(lang, e.name);
                format!("{title} (`{page}`)")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let book = |lang: Lang| match book_url {
        Some(url) => {
            let url = url.trim_end_matches('/');
            tr!(
                lang,
                "Read the book online: <{url}/en/> (English), <{url}/ko/> (Korean).",
                "책은 온라인으로 읽을 수 있습니다: <{url}/ko/>(한국어), <{url}/en/>(영어)."
            )
        }
        None => lang
            .pick(
                "Your instructor may give you the book's web address.",
                "책의 웹 주소는 강사가 알려 줄 수 있습니다.",
            )
            .to_string(),
    };
    let name = catalog.first().map_or("echo", |e| e.name);
    let template = include_str!("README.template.md");
    let body = |marker: &str| {
        let start = template
            .find(marker)
            .expect("the template marks each language")
            + marker.len();
        let rest = &template[start..];
        rest[..rest.find("<!-- ").unwrap_or(rest.len())]
            .trim()
            .to_string()
    };
    // The template's language first; the other below, under its own `##`
    // heading with its headings one level down, and a link down to it after
    // the first paragraph.
    let (lead, below) = if lang == Lang::Ko {
        ("ko", "en")
    } else {
        ("en", "ko")
    };
    let part = |code: &str, what: &str| body(&format!("<!-- {code}{what} -->"));
    let page = format!(
        "# Socket Lab\n\n{}\n\n{}\n\n{}\n",
        part(lead, ""),
        part(below, " heading"),
        part(below, "").replace("\n## ", "\n### ")
    )
    .replacen(
        "\n\n## ",
        &format!("\n\n{}\n\n## ", part(below, " link")),
        1,
    );
    page.replace("{{EXERCISES_EN}}", &list(Lang::En))
        .replace("{{EXERCISES_KO}}", &list(Lang::Ko))
        .replace("{{BOOK_EN}}", &book(Lang::En))
        .replace("{{BOOK_KO}}", &book(Lang::Ko))
        .replace("{{FIRST_EN}}", &first(Lang::En))
        .replace("{{FIRST_KO}}", &first(Lang::Ko))
        .replace("{{STARTERS_EN}}", starters::template_note(lang).0)
        .replace("{{STARTERS_KO}}", starters::template_note(lang).1)
        .replace("{{COMMIT_EN}}", &commit_example(name, Lang::En))
        .replace("{{COMMIT_KO}}", &commit_example(name, Lang::Ko))
        .replace("{{NAME}}", name)
}

/// The README's example commit message for exercise `name`: its programs
/// (`reliable-udp: rdt-send and rdt-recv`).
fn commit_example(name: &str, lang: Lang) -> String {
    let programs = grade::exercises::find(name).map_or(&[][..], |e| e.binaries);
    match programs {
        [] => name.to_string(),
        [one] => format!("{name}: {one}"),
        [first @ .., last] => {
            let first = first.join(", ");
            match lang {
                Lang::En => format!("{name}: {first} and {last}"),
                Lang::Ko => format!(
                    "{name}: {} {last}",
                    crate::grade::josa::josa(&first, "와/과")
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template keeps the repository's cargo alias and drops its
    /// `[env]` table, whatever comes after it.
    #[test]
    fn the_templates_cargo_config_has_no_env_table() {
        let ours = include_str!("../../../.cargo/config.toml");
        assert!(ours.contains("RUST_TEST_THREADS"), "{ours}");
        let theirs = student_cargo_config(ours);
        assert!(
            theirs.contains("xtask = \"run --package xtask --\""),
            "{theirs}"
        );
        assert!(!theirs.contains("[env]") && !theirs.contains("RUST_TEST_THREADS"));
        let later = student_cargo_config("[env]\nA = \"1\"\n\n[alias]\nb = \"c\"\n");
        assert_eq!(later, "[alias]\nb = \"c\"\n");
    }

    /// A Korean template's README is Korean first, English below it; its
    /// table says 점, and the commit example names the exercise exported.
    #[test]
    fn the_readme_puts_the_templates_language_first() {
        let catalog: Vec<ExerciseInfo> = grade::catalog()
            .into_iter()
            .filter(|e| e.name == "reliable-udp")
            .collect();
        let ko = readme(&catalog, Lang::Ko, None);
        let at = |text: &str, what: &str| {
            text.find(what)
                .unwrap_or_else(|| panic!("no {what:?} in:\n{text}"))
        };
        assert!(ko.starts_with("# Socket Lab\n\nSocket Lab은 "), "{ko}");
        assert!(at(&ko, "## 읽기") < at(&ko, "## English"));
        assert!(at(&ko, "## English") < at(&ko, "### Read"));
        assert!(at(&ko, "> English instructions are [below](#english).") < at(&ko, "## 읽기"));
        assert!(!ko.contains("한국어 안내는 [아래]"), "{ko}");
        assert!(
            ko.contains("| `reliable-udp` | `exercises/reliable-udp/` | 12 (90점) |"),
            "{ko}"
        );
        assert!(
            ko.contains("| `reliable-udp` | `exercises/reliable-udp/` | 12 (90 pt) |"),
            "{ko}"
        );
        assert!(
            ko.contains("$ git commit -m \"reliable-udp: rdt-send와 rdt-recv\""),
            "{ko}"
        );
        assert!(
            ko.contains("$ git commit -m \"reliable-udp: rdt-send and rdt-recv\""),
            "{ko}"
        );
        assert!(ko.contains("`--lang ko` 없이도 한국어로"), "{ko}");
        assert!(ko.contains("정확한 계약은") && !ko.contains("규약"), "{ko}");
        assert!(!ko.contains("{{") && !ko.contains("<!--"), "{ko}");

        let en = readme(&catalog, Lang::En, None);
        assert!(
            en.starts_with("# Socket Lab\n\nNetwork programming in Rust"),
            "{en}"
        );
        assert!(at(&en, "> 한국어 안내는 [아래](#한국어)에 있습니다.") < at(&en, "## Read"));
        assert!(at(&en, "## Submit") < at(&en, "## 한국어"));
        assert!(at(&en, "## 한국어") < at(&en, "### 제출"));
        assert!(!en.contains("{{") && !en.contains("<!--"), "{en}");

        assert_eq!(
            commit_example("echo", Lang::Ko),
            "echo: echo-server와 echo-client"
        );
        assert_eq!(
            commit_example("concurrent", Lang::En),
            "concurrent: chat-server"
        );
    }
}
