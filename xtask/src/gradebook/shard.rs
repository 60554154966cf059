//! `gradebook --shard K/N`: one of N machines grades its part of the class,
//! and writes beside its CSV what `gradebook merge` checks the parts against
//! (`FILE.shard.json`, the sidecar).
//!
//! The class (the roster) is sorted by folder name, and student `i` (0-based)
//! of it belongs to shard `i % N + 1`. The split depends on nothing but the
//! roster and N, so every shard job computes the same one; taking every N-th
//! student rather than N contiguous ranges keeps the shards within one
//! student of each other, and spreads a run of slow submissions (the
//! same team, the same late fork) over all shards instead of one.
//!
//! The roster is the folders of SUBMISSIONS with a Cargo.toml, or, with
//! `--roster FILE`, a list of GitHub repositories (`owner/name`, one per
//! line): a shard job then clones only its own students (`gradebook roster
//! FILE --shard K/N` names them), and a roster student whose folder is not
//! there gets a row flagged `no-submission`.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::grade::ExerciseInfo;

/// Shard `k` of `n`, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

/// More shards than this is a mistake (GitHub runs at most 256 jobs of a matrix).
pub const MAX_SHARDS: u32 = 256;

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// `--shard K/N`'s parser.
pub fn parse(text: &str) -> Result<Shard, String> {
    let usage = "write K/N, shard K (1 to N) of N, as in 2/3";
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not K/N: {usage}"))?;
    let number = |part: &str| {
        part.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{text}`: `{part}` is not a number: {usage}"))
    };
    let (k, n) = (number(k)?, number(n)?);
    if n == 0 || n > MAX_SHARDS {
        return Err(format!("`{text}`: N must be 1 to {MAX_SHARDS}"));
    }
    if k == 0 || k > n {
        return Err(format!("`{text}`: K must be 1 to {n}"));
    }
    Ok(Shard { k, n })
}

impl Shard {
    /// The shard that student `index` (0-based, in the sorted roster) belongs to.
    pub fn of(index: usize, n: u32) -> u32 {
        (index % n as usize) as u32 + 1
    }

    /// This shard's part of `sorted`: every N-th, from the K-th.
    pub fn part<'a, T>(&self, sorted: &'a [T]) -> Vec<&'a T> {
        sorted
            .iter()
            .enumerate()
            .filter(|(i, _)| Self::of(*i, self.n) == self.k)
            .map(|(_, item)| item)
            .collect()
    }
}

/// One student of the class: their folder's name and where it is.
pub struct Student {
    pub name: String,
    pub dir: PathBuf,
}

/// The class, sorted by name: the roster file's repositories, or the folders
/// of `submissions` that hold a Cargo.toml.
pub fn class(submissions: &Path, roster: Option<&Path>) -> Result<Vec<Student>> {
    let mut students = Vec::new();
    if let Some(roster) = roster {
        for repo in read_roster(roster)? {
            let name = repo.folder().to_string();
            students.push(Student {
                dir: submissions.join(&name),
                name,
            });
        }
    } else {
        for entry in fs::read_dir(submissions)
            .with_context(|| format!("reading {}", submissions.display()))?
        {
            let dir = entry?.path();
            if dir.join("Cargo.toml").is_file() {
                let name = dir
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                students.push(Student { name, dir });
            }
        }
    }
    students.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(students)
}

/// A student's GitHub repository, `owner/name`, from the roster file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo(String);

impl Repo {
    /// The folder it is cloned into: the repository's name (as
    /// `gh classroom clone student-repos` does).
    pub fn folder(&self) -> &str {
        self.0.split_once('/').map_or("", |(_, name)| name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Reads a roster: one repository a line, `owner/name` or
/// `https://github.com/owner/name`; blank lines and `#` comments skipped.
/// Refuses a name GitHub would not give (it becomes a folder and a
/// command's argument) and a folder named twice.
pub fn read_roster(path: &Path) -> Result<Vec<Repo>> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("reading the roster {}", path.display()))?;
    parse_roster(&text).with_context(|| format!("the roster {}", path.display()))
}

pub fn parse_roster(text: &str) -> Result<Vec<Repo>> {
    let mut repos: Vec<Repo> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let spec = line
            .strip_prefix("https://github.com/")
            .unwrap_or(line)
            .trim_end_matches('/');
        let spec = spec.strip_suffix(".git").unwrap_or(spec);
        let valid = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match spec.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => {
                let repo = Repo(format!("{owner}/{name}"));
                if let Some(earlier) = repos.iter().find(|r| r.folder() == repo.folder()) {
                    bail!(
                        "line {}: {} has the same folder name as {}",
                        number + 1,
                        repo.0,
                        earlier.0
                    );
                }
                repos.push(repo);
            }
            _ => bail!(
                "line {}: `{line}` is not a GitHub repository (owner/name)",
                number + 1
            ),
        }
    }
    if repos.is_empty() {
        bail!("no repository in it");
    }
    Ok(repos)
}

/// `gradebook roster FILE [--shard K/N]`.
#[derive(clap::Args)]
pub struct RosterArgs {
    /// The roster: GitHub repositories, `owner/name`, one per line.
    roster: PathBuf,
    /// Only shard K of N (1-based), as `gradebook --shard K/N` splits the class.
    #[arg(long, value_name = "K/N", value_parser = parse)]
    shard: Option<Shard>,
}

/// Prints the roster's repositories (of one shard, with `--shard`), sorted
/// by folder, one per line: what a shard job clones.
pub fn print_roster(args: RosterArgs) -> Result<()> {
    let mut repos = read_roster(&args.roster)?;
    repos.sort_by(|a, b| a.folder().cmp(b.folder()));
    let chosen = match args.shard {
        Some(shard) => shard.part(&repos),
        None => repos.iter().collect(),
    };
    for repo in chosen {
        println!("{}", repo.as_str());
    }
    Ok(())
}

/// What a shard writes beside its CSV, for `gradebook merge` to check that
/// the shards belong together: same grader, seed, options and class, each
/// shard once, each student in the shard the split gives them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Sidecar {
    pub format: u32,
    pub shard: u32,
    pub shards: u32,
    /// Hex, as `--seed` takes it.
    pub seed: String,
    pub exercise: Option<String>,
    pub only: Vec<String>,
    /// The grader's tests (ids, points, hidden, bounds) and version.
    pub grader: String,
    /// `rustc --version` of the grade.
    pub rustc: String,
    /// The template's guarded files, which the flags compare against.
    pub template: String,
    /// The CSV's header line.
    pub columns: String,
    /// Every student of the class, sorted.
    pub roster: Vec<String>,
    /// This shard's students, sorted: the CSV's rows.
    pub students: Vec<String>,
}

pub const FORMAT: u32 = 1;

/// `grades-2.csv` → `grades-2.shard.json`.
pub fn sidecar_path(csv: &Path) -> PathBuf {
    csv.with_extension("shard.json")
}

/// A fingerprint of the grader: two shards graded by different tests,
/// points or bounds are not one gradebook.
pub fn grader_fingerprint(catalog: &[ExerciseInfo]) -> String {
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION"));
    for exercise in catalog {
        hash.update(format!("\n{}", exercise.name));
        for test in &exercise.tests {
            hash.update(format!(
                "\n{} {} {} {}",
                test.id,
                test.points,
                test.hidden,
                test.timeout.as_millis()
            ));
        }
    }
    hex(hash)
}

/// The first 16 bytes of a SHA-256, in hex.
pub fn hex(hash: Sha256) -> String {
    let digest: [u8; 32] = hash.finalize().into();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shards_cover_every_student_once() {
        for count in [0usize, 1, 2, 5, 7, 31] {
            let class: Vec<usize> = (0..count).collect();
            for n in [1u32, 2, 3, 4, 8] {
                let mut seen = vec![0; count];
                let mut sizes = Vec::new();
                for k in 1..=n {
                    let part = Shard { k, n }.part(&class);
                    sizes.push(part.len());
                    for &&student in &part {
                        seen[student] += 1;
                        assert_eq!(Shard::of(student, n), k);
                    }
                }
                assert!(seen.iter().all(|&s| s == 1), "{count} in {n}: {seen:?}");
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(
                    max.unwrap() - min.unwrap() <= 1,
                    "{count} in {n}: {sizes:?}"
                );
            }
        }
        // Every third, from the shard's own.
        let class = ["a", "b", "c", "d", "e", "f", "g"];
        assert_eq!(Shard { k: 1, n: 3 }.part(&class), [&"a", &"d", &"g"]);
        assert_eq!(Shard { k: 3, n: 3 }.part(&class), [&"c", &"f"]);
    }

    #[test]
    fn a_bad_shard_is_refused() {
        assert_eq!(parse("2/3"), Ok(Shard { k: 2, n: 3 }));
        assert_eq!(parse("1/1"), Ok(Shard { k: 1, n: 1 }));
        for (bad, says) in [
            ("0/3", "K must be 1 to 3"),
            ("4/3", "K must be 1 to 3"),
            ("1/0", "N must be 1 to 256"),
            ("1/257", "N must be 1 to 256"),
            ("two/3", "`two` is not a number"),
            ("-1/3", "`-1` is not a number"),
            ("3", "is not K/N"),
            ("", "is not K/N"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn a_roster_names_repositories() {
        let repos = parse_roster(
            "# the class\n\
             course/echo-ada\n\
             https://github.com/course/echo-bo.git\n\
             \n\
             course/echo-cy # late\n",
        )
        .unwrap();
        let folders: Vec<_> = repos.iter().map(Repo::folder).collect();
        assert_eq!(folders, ["echo-ada", "echo-bo", "echo-cy"]);
        assert_eq!(repos[1].as_str(), "course/echo-bo");
        for bad in [
            "echo-ada\n",
            "course/../etc\n",
            "course/$(id)\n",
            "a/x\nb/x\n",
            "# nobody\n",
        ] {
            assert!(parse_roster(bad).is_err(), "{bad:?}");
        }
    }
}
