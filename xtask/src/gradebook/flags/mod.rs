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

    /// A fingerprint of every file the flags compare against (for
    /// `gradebook --shard`: shards flagged against different templates are
    /// not one gradebook).
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for (path, digest) in &self.digests {
            hash.update(path);
            hash.update([0]);
            hash.update(digest);
        }
        super::shard::hex(hash)
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
mod tests;
