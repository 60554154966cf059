//! What the gradebook flags in a submission: the instructor's signal of
//! suspicious content, in short words that a CSV cell space-joins.
//!
//! - `changed:PATH`, `missing:PATH`, `added:PATH`: a guarded file (the
//!   grader, its workflow: `classroom::guarded`) that differs from the
//!   template's; `history:PATH`: one that differed in some commit.
//! - `symlink:PATH`, `special:PATH` (FIFO, socket, device): anywhere; never
//!   followed nor opened.
//! - `build-script:`, `proc-macro:`, `path-outside:`, `added-crate:`,
//!   `manifest-unreadable:PATH`, `dependency:EXERCISE:NAME`,
//!   `manifest:EXERCISE:TABLE`, `lockfile-changed`: what building an
//!   exercise would run or reach beyond the template's (see `manifest`).
//! - `cargo-config:PATH`, `toolchain:PATH`: a `.cargo/` config or a
//!   `rust-toolchain` file not the template's, anywhere but the (guarded) root.
//! - `too-large:PATH`, `too-many-files`, `too-slow`, `unreadable:PATH`,
//!   `history-too-long`, `history-unreadable`: a check that could not look
//!   at everything; `more:WORD`: more flags of that word than shown.

mod history;
mod manifest;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use sha2::{Digest, Sha256};
use toml::Table;

use crate::{classroom, grade};
use walk::{Content, Kind};

/// Flags of one word shown at most (then `more:WORD`), and characters of
/// one flag: a CSV cell stays readable whatever the submission holds.
const MAX_PER_WORD: usize = 50;
const MAX_FLAG_CHARS: usize = 200;

/// The bounds of one submission's checks.
#[derive(Clone, Copy)]
struct Caps {
    entries: usize,
    total_bytes: u64,
    commits: usize,
}

const CAPS: Caps = Caps {
    entries: walk::MAX_ENTRIES,
    total_bytes: walk::MAX_TOTAL,
    commits: history::MAX_COMMITS,
};

/// What every submission is compared against, read once from the template.
pub struct Template {
    /// (name, folder under exercises/) of each exercise.
    exercises: Vec<(&'static str, &'static str)>,
    /// SHA-256 of each watched file (see `watch`).
    digests: BTreeMap<String, [u8; 32]>,
    /// The git blob id of each guarded file.
    blobs: BTreeMap<String, String>,
    /// Each Cargo.toml under exercises/.
    manifests: BTreeMap<String, Table>,
    lock: Lock,
}

impl Template {
    pub fn load(dir: &Path) -> Result<Template> {
        let exercises: Vec<_> = grade::catalog().iter().map(|e| (e.name, e.dir)).collect();
        let deadline = Instant::now() + Duration::from_secs(120);
        let seen = Seen::read(dir, &exercises, deadline, &CAPS);
        let trouble =
            |what: &str| -> Result<Template> { bail!("the template {} {what}", dir.display()) };
        if !seen.listing.complete || !seen.flags.is_empty() {
            return trouble(&format!(
                "could not be read whole: {}",
                seen.flags.join(" ")
            ));
        }
        let mut digests = BTreeMap::new();
        for (path, found) in seen.watched {
            let Found::File(digest) = found else {
                return trouble(&format!("has {path} too large or not a regular file"));
            };
            digests.insert(path, digest);
        }
        let mut manifests = BTreeMap::new();
        for (path, manifest) in seen.manifests {
            let Manifest::Parsed(table) = manifest else {
                return trouble(&format!("has {path} unreadable"));
            };
            manifests.insert(path, table);
        }
        if seen.lock == Lock::Unreadable {
            return trouble("has its Cargo.lock unreadable");
        }
        let guarded: Vec<&String> = digests.keys().filter(|p| classroom::guarded(p)).collect();
        let blobs = history::blob_ids(dir, &guarded)?;
        Ok(Template {
            exercises,
            digests,
            blobs,
            manifests,
            lock: seen.lock,
        })
    }
}

/// Every flag for the submission at `dir`, sorted; stops walking at `deadline`
/// (then adds the flag `too-slow`).
pub fn flags(dir: &Path, template: &Template, deadline: Instant) -> Vec<String> {
    check(dir, template, deadline, &CAPS)
}

fn check(dir: &Path, template: &Template, deadline: Instant, caps: &Caps) -> Vec<String> {
    let seen = Seen::read(dir, &template.exercises, deadline, caps);
    let mut out = seen.flags.clone();
    for (path, kind) in &seen.listing.entries {
        match kind {
            Kind::Symlink => out.push(format!("symlink:{path}")),
            Kind::Special => out.push(format!("special:{path}")),
            Kind::Dir | Kind::File(_) => {}
        }
    }
    compare_watched(&seen, template, &mut out);

    for (name, dir) in &template.exercises {
        let rel = format!("exercises/{dir}/Cargo.toml");
        match seen.manifests.get(&rel) {
            Some(Manifest::Parsed(table)) => {
                let theirs = template.manifests.get(&rel);
                manifest::check(&rel, table, theirs, Some(name), &mut out);
            }
            Some(Manifest::Unparsable) => out.push(format!("manifest-unreadable:{rel}")),
            Some(Manifest::NotRead) | None => {}
        }
    }
    for (rel, found) in &seen.manifests {
        if template
            .exercises
            .iter()
            .any(|(_, dir)| *rel == format!("exercises/{dir}/Cargo.toml"))
        {
            continue;
        }
        if !template.manifests.contains_key(rel) {
            out.push(format!("added-crate:{rel}"));
        }
        match found {
            Manifest::Parsed(table) => {
                manifest::check(rel, table, template.manifests.get(rel), None, &mut out);
            }
            Manifest::Unparsable => out.push(format!("manifest-unreadable:{rel}")),
            Manifest::NotRead => {}
        }
    }
    if seen.lock != template.lock && seen.lock != Lock::NotRead {
        out.push("lockfile-changed".into());
    }

    if Instant::now() >= deadline {
        out.push("too-slow".into());
    } else {
        let mut history = history::flags(dir, &template.blobs, deadline, caps.commits);
        out.append(&mut history);
    }
    finish(out)
}

/// The guarded files against the template's (`changed:`, `missing:`,
/// `added:`), and the other watched ones (`build-script:`, ...).
fn compare_watched(seen: &Seen, template: &Template, out: &mut Vec<String>) {
    for path in template.digests.keys() {
        if classroom::guarded(path) && seen.listing.complete && !seen.watched.contains_key(path) {
            out.push(format!("missing:{path}"));
        }
    }
    for (path, found) in &seen.watched {
        let theirs = template.digests.get(path);
        let same = match found {
            Found::File(digest) => theirs == Some(digest),
            Found::Skipped => true,
            Found::TooLarge | Found::NotAFile => false,
        };
        if same {
            continue;
        }
        if matches!(found, Found::TooLarge) {
            out.push(format!("too-large:{path}"));
        }
        match watch(path, &seen.listing, &seen.crate_roots) {
            Some(Watch::Guarded) if theirs.is_some() => out.push(format!("changed:{path}")),
            Some(Watch::Guarded) => out.push(format!("added:{path}")),
            Some(Watch::Other(word)) => out.push(format!("{word}:{path}")),
            None => {}
        }
    }
}

/// Why a file is read and compared with the template's.
enum Watch {
    /// The grader or its workflow.
    Guarded,
    /// What cargo or rustup would run or read when building an exercise:
    /// the flag's word.
    Other(&'static str),
}

fn watch(path: &str, listing: &walk::Listing, crate_roots: &BTreeSet<String>) -> Option<Watch> {
    if classroom::guarded(path) {
        return Some(Watch::Guarded);
    }
    if matches!(listing.entries.get(path), Some(Kind::Dir) | None) {
        return None;
    }
    let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
    if name == "build.rs" && crate_roots.contains(parent) {
        Some(Watch::Other("build-script"))
    } else if path.contains("/.cargo/") || path.ends_with("/.cargo") {
        Some(Watch::Other("cargo-config"))
    } else if name == "rust-toolchain" || name == "rust-toolchain.toml" {
        Some(Watch::Other("toolchain"))
    } else {
        None
    }
}

/// What a watched path holds.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    File([u8; 32]),
    /// Over `walk::MAX_FILE`: not read.
    TooLarge,
    /// A symlink, a FIFO..., or a file that could not be read.
    NotAFile,
    /// Not read: the byte budget is spent, or the deadline passed.
    Skipped,
}

enum Manifest {
    Parsed(Table),
    Unparsable,
    /// Not a regular file, too large, or not read in time.
    NotRead,
}

#[derive(Debug, PartialEq, Eq)]
enum Lock {
    Absent,
    Unreadable,
    /// Not read in time, or the byte budget was spent.
    NotRead,
    Packages(BTreeSet<(String, String, String)>),
}

/// A folder's listing, and the files of it that the flags read.
struct Seen {
    listing: walk::Listing,
    flags: Vec<String>,
    /// Exercise folders and folders under exercises/ with a Cargo.toml.
    crate_roots: BTreeSet<String>,
    /// Every watched path but folders.
    watched: BTreeMap<String, Found>,
    /// Every Cargo.toml under exercises/.
    manifests: BTreeMap<String, Manifest>,
    lock: Lock,
}

impl Seen {
    fn read(dir: &Path, exercises: &[(&str, &str)], deadline: Instant, caps: &Caps) -> Seen {
        let listing = walk::list(dir, deadline, caps.entries);
        let mut flags = listing.flags.clone();
        let mut crate_roots: BTreeSet<String> = exercises
            .iter()
            .map(|(_, d)| format!("exercises/{d}"))
            .collect();
        for path in listing.entries.keys() {
            if let Some(root) = path.strip_suffix("/Cargo.toml")
                && root.starts_with("exercises/")
            {
                crate_roots.insert(root.to_string());
            }
        }
        let mut budget = walk::Budget(caps.total_bytes);
        let mut late = false;
        let mut read = |path: &str, kind: Kind, flags: &mut Vec<String>| -> Option<Content> {
            let Kind::File(len) = kind else { return None };
            if late || Instant::now() >= deadline {
                if !late {
                    flags.push("too-slow".into());
                }
                late = true;
                return Some(Content::OverBudget);
            }
            let content = budget.read(&dir.join(path), len);
            match content {
                Content::OverBudget => flags.push("too-many-files".into()),
                Content::Unreadable => flags.push(format!("unreadable:{path}")),
                Content::Bytes(_) | Content::TooLarge => {}
            }
            Some(content)
        };
        let mut watched = BTreeMap::new();
        let mut manifests = BTreeMap::new();
        let mut lock = Lock::Absent;
        for (path, &kind) in &listing.entries {
            if kind == Kind::Dir {
                continue;
            }
            if watch(path, &listing, &crate_roots).is_some() {
                let found = match read(path, kind, &mut flags) {
                    Some(Content::Bytes(bytes)) => Found::File(Sha256::digest(&bytes).into()),
                    Some(Content::TooLarge) => Found::TooLarge,
                    Some(Content::OverBudget) => Found::Skipped,
                    Some(Content::Unreadable) | None => Found::NotAFile,
                };
                watched.insert(path.clone(), found);
            }
            if path.starts_with("exercises/") && path.ends_with("/Cargo.toml") {
                let manifest = match read(path, kind, &mut flags) {
                    Some(Content::Bytes(bytes)) => match manifest::parse(&bytes) {
                        Some(table) => Manifest::Parsed(table),
                        None => Manifest::Unparsable,
                    },
                    Some(Content::TooLarge) => {
                        flags.push(format!("too-large:{path}"));
                        Manifest::NotRead
                    }
                    _ => Manifest::NotRead,
                };
                manifests.insert(path.clone(), manifest);
            }
            if path == "Cargo.lock" {
                lock = match read(path, kind, &mut flags) {
                    Some(Content::Bytes(bytes)) => match manifest::lock_packages(&bytes) {
                        Some(packages) => Lock::Packages(packages),
                        None => Lock::Unreadable,
                    },
                    Some(Content::TooLarge) => {
                        flags.push(format!("too-large:{path}"));
                        Lock::Unreadable
                    }
                    Some(Content::OverBudget) => Lock::NotRead,
                    Some(Content::Unreadable) | None => Lock::Unreadable,
                };
            }
        }
        if !listing.complete && lock == Lock::Absent {
            lock = Lock::NotRead;
        }
        Seen {
            listing,
            flags,
            crate_roots,
            watched,
            manifests,
            lock,
        }
    }
}

/// Flags safe in a space-joined CSV cell, sorted, each word's shown at most
/// `MAX_PER_WORD` times.
fn finish(flags: Vec<String>) -> Vec<String> {
    let flags: BTreeSet<String> = flags.into_iter().map(|f| clean(&f)).collect();
    let mut per_word: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for flag in flags {
        let word = flag.split(':').next().unwrap_or_default().to_string();
        let count = per_word.entry(word).or_default();
        *count += 1;
        if *count <= MAX_PER_WORD {
            out.push(flag);
        }
    }
    for (word, count) in per_word {
        if count > MAX_PER_WORD {
            out.push(format!("more:{word}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// No space, comma, quote or control character (each becomes `?`), at most
/// `MAX_FLAG_CHARS` characters.
fn clean(flag: &str) -> String {
    let mut out: String = flag
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || c == ',' || c == '"' {
                '?'
            } else {
                c
            }
        })
        .take(MAX_FLAG_CHARS)
        .collect();
    if flag.chars().count() > MAX_FLAG_CHARS {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::process::{Command, Stdio};
    use tempfile::TempDir;

    const LOCK: &str = "version = 4\n\n[[package]]\nname = \"echo\"\nversion = \"0.1.0\"\n\n\
        [[package]]\nname = \"sha2\"\nversion = \"0.11.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    const WORKFLOW: &str = ".github/workflows/classroom.yml";
    const ECHO: &str = "exercises/echo/Cargo.toml";

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn manifest(name: &str) -> String {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition.workspace = true\n\n\
             [dependencies]\nsha2 = \"0.11\"\n\n[[bin]]\nname = \"{name}\"\npath = \"src/main.rs\"\n"
        )
    }

    /// A student repository in small: the workflow, the grader, the exercises.
    fn student_tree(root: &Path) {
        write(root, WORKFLOW, "on: push\n");
        write(
            root,
            ".cargo/config.toml",
            "[alias]\nxtask = \"run -p xtask --\"\n",
        );
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"exercises/*\", \"xtask\"]\n",
        );
        write(root, "Cargo.lock", LOCK);
        write(root, "README.md", "# Socket Lab\n");
        write(root, "xtask/Cargo.toml", "[package]\nname = \"xtask\"\n");
        write(root, "xtask/src/main.rs", "fn main() {}\n");
        for exercise in grade::catalog() {
            let dir = exercise.dir;
            write(root, &format!("exercises/{dir}/Cargo.toml"), &manifest(dir));
            write(
                root,
                &format!("exercises/{dir}/src/main.rs"),
                "fn main() {}\n",
            );
        }
    }

    /// A template, and a submission that is a copy of it.
    struct Lab {
        template: Template,
        _template_dir: TempDir,
        sub: TempDir,
    }

    impl Lab {
        fn new() -> Lab {
            let template_dir = tempfile::tempdir().unwrap();
            student_tree(template_dir.path());
            let sub = tempfile::tempdir().unwrap();
            student_tree(sub.path());
            Lab {
                template: Template::load(template_dir.path()).unwrap(),
                _template_dir: template_dir,
                sub,
            }
        }

        fn path(&self) -> &Path {
            self.sub.path()
        }

        fn write(&self, path: &str, text: &str) {
            write(self.path(), path, text);
        }

        fn flags(&self) -> Vec<String> {
            self.flags_with(&CAPS)
        }

        fn flags_with(&self, caps: &Caps) -> Vec<String> {
            let deadline = Instant::now() + Duration::from_secs(10);
            check(self.path(), &self.template, deadline, caps)
        }

        fn git(&self, args: &[&str]) {
            let status = Command::new("git")
                .current_dir(self.path())
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .env_remove("GIT_INDEX_FILE")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                .args([
                    "-c",
                    "commit.gpgsign=false",
                    "-c",
                    "init.defaultBranch=main",
                ])
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        }

        fn commit_all(&self, message: &str) {
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "-m", message]);
        }
    }

    fn append(lab: &Lab, path: &str, text: &str) {
        let old = fs::read_to_string(lab.path().join(path)).unwrap();
        lab.write(path, &format!("{old}{text}"));
    }

    #[test]
    fn an_unchanged_copy_has_no_flags() {
        assert_eq!(Lab::new().flags(), Vec::<String>::new());
    }

    #[test]
    fn changed_missing_and_added_guarded_files() {
        let lab = Lab::new();
        lab.write(WORKFLOW, "on: workflow_dispatch\n");
        fs::remove_file(lab.path().join("xtask/src/main.rs")).unwrap();
        lab.write(".github/workflows/mine.yml", "on: push\n");
        lab.write("exercises/echo/src/lib.rs", "// not guarded\n");
        assert_eq!(
            lab.flags(),
            [
                "added:.github/workflows/mine.yml",
                "changed:.github/workflows/classroom.yml",
                "missing:xtask/src/main.rs",
            ]
        );
    }

    #[test]
    fn a_large_guarded_file_is_not_read() {
        let lab = Lab::new();
        let file = fs::File::create(lab.path().join("xtask/big.bin")).unwrap();
        file.set_len(walk::MAX_FILE + 1).unwrap();
        assert_eq!(
            lab.flags(),
            ["added:xtask/big.bin", "too-large:xtask/big.bin"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_flagged_never_followed() {
        use std::os::unix::fs::symlink;
        let lab = Lab::new();
        let src = lab.path().join("exercises/echo/src");
        symlink("b", src.join("a")).unwrap();
        symlink("a", src.join("b")).unwrap();
        symlink("/dev/zero", lab.path().join("xtask/zero")).unwrap();
        symlink("/", lab.path().join("root")).unwrap();
        let start = Instant::now();
        let flags = lab.flags();
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(
            flags,
            [
                "added:xtask/zero",
                "symlink:exercises/echo/src/a",
                "symlink:exercises/echo/src/b",
                "symlink:root",
                "symlink:xtask/zero",
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_special_and_never_opened() {
        let lab = Lab::new();
        let fifo = lab.path().join(".github/workflows/pipe.yml");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        assert_eq!(
            lab.flags(),
            [
                "added:.github/workflows/pipe.yml",
                "special:.github/workflows/pipe.yml"
            ]
        );
    }

    #[test]
    fn past_the_entry_cap_too_many_files_and_nothing_missing() {
        let lab = Lab::new();
        for i in 0..30 {
            lab.write(&format!("aaa/{i}"), "");
        }
        let caps = Caps {
            entries: 20,
            ..CAPS
        };
        assert_eq!(lab.flags_with(&caps), ["too-many-files"]);
    }

    #[test]
    fn past_the_byte_cap_too_many_files() {
        let lab = Lab::new();
        let caps = Caps {
            total_bytes: 10,
            ..CAPS
        };
        assert_eq!(lab.flags_with(&caps), ["too-many-files"]);
    }

    #[test]
    fn past_the_deadline_too_slow() {
        let lab = Lab::new();
        assert_eq!(
            flags(lab.path(), &lab.template, Instant::now()),
            ["too-slow"]
        );
    }

    #[test]
    fn build_scripts_named_or_not() {
        let lab = Lab::new();
        lab.write("exercises/echo/build.rs", "fn main() {}\n");
        let manifest = ["exercises", grade::catalog()[1].dir, "Cargo.toml"].join("/");
        let text = fs::read_to_string(lab.path().join(&manifest)).unwrap();
        lab.write(
            &manifest,
            &text.replace("[package]\n", "[package]\nbuild = \"gen.rs\"\n"),
        );
        assert_eq!(
            lab.flags(),
            [
                "build-script:exercises/echo/build.rs".to_string(),
                format!("build-script:{manifest}"),
            ]
        );
    }

    #[test]
    fn proc_macro_crates() {
        let lab = Lab::new();
        append(&lab, ECHO, "[lib]\nproc-macro = true\n");
        assert_eq!(lab.flags(), [format!("proc-macro:{ECHO}")]);
    }

    #[test]
    fn new_or_changed_dependencies() {
        let lab = Lab::new();
        let text = fs::read_to_string(lab.path().join(ECHO)).unwrap();
        let text = text.replace(
            "sha2 = \"0.11\"",
            "sha2 = { version = \"0.11\", features = [\"asm\"] }\nevil = \"1\"",
        );
        lab.write(
            ECHO,
            &format!("{text}[target.'cfg(unix)'.build-dependencies]\ncc = \"1\"\n"),
        );
        assert_eq!(
            lab.flags(),
            [
                "dependency:echo:cc",
                "dependency:echo:evil",
                "dependency:echo:sha2"
            ]
        );
    }

    #[test]
    fn paths_outside_the_crate() {
        for line in [
            "[lib]\npath = \"../../xtask/src/main.rs\"\n",
            "[dev-dependencies]\nx = { path = \"/home/teacher/x\" }\n",
            "[[test]]\nname = \"t\"\npath = \"tests/../../t.rs\"\n",
        ] {
            let lab = Lab::new();
            append(&lab, ECHO, line);
            let mut flags = lab.flags();
            flags.retain(|f| !f.starts_with("dependency:"));
            assert_eq!(flags, [format!("path-outside:{ECHO}")], "{line}");
        }
        let lab = Lab::new();
        append(&lab, ECHO, "[lib]\npath = \"src/./x/../lib.rs\"\n");
        assert_eq!(lab.flags(), Vec::<String>::new());
    }

    #[test]
    fn workspace_patch_profile_replace_tables() {
        let lab = Lab::new();
        append(
            &lab,
            ECHO,
            "[workspace]\n[patch.crates-io]\nsha2 = { git = \"https://x\" }\n\
             [profile.dev]\nopt-level = 3\n[replace]\n\"a:1.0.0\" = { path = \"vendor/a\" }\n",
        );
        assert_eq!(
            lab.flags(),
            [
                "manifest:echo:patch",
                "manifest:echo:profile",
                "manifest:echo:replace",
                "manifest:echo:workspace",
            ]
        );
    }

    #[test]
    fn added_and_unreadable_manifests() {
        let lab = Lab::new();
        lab.write(
            "exercises/echo/helper/Cargo.toml",
            "[package]\nname = \"h\"\n[lib]\nproc_macro = true\n",
        );
        lab.write("exercises/extra/Cargo.toml", "[package\n");
        lab.write(ECHO, "[package]\nname = 1 = 2\n");
        assert_eq!(
            lab.flags(),
            [
                "added-crate:exercises/echo/helper/Cargo.toml",
                "added-crate:exercises/extra/Cargo.toml",
                "manifest-unreadable:exercises/echo/Cargo.toml",
                "manifest-unreadable:exercises/extra/Cargo.toml",
                "proc-macro:exercises/echo/helper/Cargo.toml",
            ]
        );
    }

    #[test]
    fn a_changed_lockfile() {
        let lab = Lab::new();
        // The same packages in another layout: not a change.
        lab.write("Cargo.lock", &format!("# regenerated\n{LOCK}"));
        assert_eq!(lab.flags(), Vec::<String>::new());
        lab.write(
            "Cargo.lock",
            &format!("{LOCK}\n[[package]]\nname = \"evil\"\nversion = \"1.0.0\"\n"),
        );
        assert_eq!(lab.flags(), ["lockfile-changed"]);
        fs::remove_file(lab.path().join("Cargo.lock")).unwrap();
        assert_eq!(lab.flags(), ["lockfile-changed"]);
    }

    #[test]
    fn cargo_configs_and_toolchains_in_exercises() {
        let lab = Lab::new();
        lab.write(
            "exercises/echo/.cargo/config.toml",
            "[build]\nrustc-wrapper = \"/bin/sh\"\n",
        );
        lab.write(
            "exercises/echo/rust-toolchain.toml",
            "[toolchain]\npath = \"/tmp/t\"\n",
        );
        assert_eq!(
            lab.flags(),
            [
                "cargo-config:exercises/echo/.cargo/config.toml",
                "toolchain:exercises/echo/rust-toolchain.toml",
            ]
        );
    }

    #[test]
    fn odd_characters_become_question_marks() {
        let lab = Lab::new();
        lab.write("xtask/a b,c\td\"e\n", "");
        assert_eq!(lab.flags(), ["added:xtask/a?b?c?d?e?"]);
    }

    #[test]
    fn many_flags_of_a_word_are_cut() {
        let flags: Vec<String> = (0..60).map(|i| format!("symlink:{i:02}")).collect();
        let out = finish(flags);
        assert_eq!(out.len(), MAX_PER_WORD + 1);
        assert_eq!(out.first().unwrap(), "more:symlink");
        assert_eq!(out.last().unwrap(), "symlink:49");
    }

    #[test]
    fn a_change_reverted_in_history_is_flagged() {
        let lab = Lab::new();
        lab.git(&["init", "-q"]);
        lab.commit_all("template");
        lab.write(WORKFLOW, "on: push\njobs: {}\n");
        lab.commit_all("change");
        lab.write(WORKFLOW, "on: push\n");
        lab.commit_all("revert");
        assert_eq!(lab.flags(), [format!("history:{WORKFLOW}")]);
    }

    #[test]
    fn an_added_then_removed_guarded_file_in_history() {
        let lab = Lab::new();
        lab.git(&["init", "-q"]);
        lab.commit_all("template");
        lab.git(&["checkout", "-q", "-b", "side"]);
        lab.write("xtask/src/evil.rs", "");
        lab.write("exercises/echo/src/gone.rs", "");
        lab.commit_all("add");
        fs::remove_file(lab.path().join("xtask/src/evil.rs")).unwrap();
        fs::remove_file(lab.path().join("exercises/echo/src/gone.rs")).unwrap();
        lab.commit_all("remove");
        lab.git(&["checkout", "-q", "main"]);
        // A merge that brings a file of its own, removed right after.
        lab.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
        lab.write("xtask/src/merged.rs", "");
        lab.commit_all("merge");
        fs::remove_file(lab.path().join("xtask/src/merged.rs")).unwrap();
        lab.commit_all("clean up");
        assert_eq!(
            lab.flags(),
            ["history:xtask/src/evil.rs", "history:xtask/src/merged.rs"]
        );
    }

    #[test]
    fn a_clean_history_has_no_flags() {
        let lab = Lab::new();
        lab.git(&["init", "-q"]);
        lab.commit_all("template");
        lab.write("exercises/echo/src/main.rs", "fn main() { println!(); }\n");
        lab.commit_all("work");
        assert_eq!(lab.flags(), Vec::<String>::new());
        // An empty repository: no history at all.
        fs::remove_dir_all(lab.path().join(".git")).unwrap();
        lab.git(&["init", "-q"]);
        assert_eq!(lab.flags(), Vec::<String>::new());
    }

    #[test]
    fn a_long_history_is_cut() {
        let lab = Lab::new();
        lab.git(&["init", "-q"]);
        lab.commit_all("template");
        lab.write("xtask/src/main.rs", "fn main() { }\n");
        lab.commit_all("one");
        lab.write("xtask/src/main.rs", "fn main() {}\n");
        lab.commit_all("two");
        let caps = Caps { commits: 1, ..CAPS };
        assert_eq!(lab.flags_with(&caps), ["history-too-long"]);
    }
}
