//! A generated class for `bench gradebook`: N students, each handing in the
//! exercises the bench grades, each exercise solved, partially solved or the
//! starter, drawn from a fixed seed (the same class every run).
//!
//! Solved: the reference solution's files, at the starter's paths. Partially
//! solved: for echo, one side solved and the other the starter; for
//! file-transfer and concurrent, the reference with one mutant's mistake
//! (`xtask/mutants/<exercise>/mutants.json`, applied as its test applies it).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::classroom::copy_tree;

/// The exercises of the class. reliable-udp is left out: its grade alone
/// takes 40-50 s (the lossy link's timers), more than the other three together.
pub const EXERCISES: [&str; 3] = ["echo", "file-transfer", "concurrent"];
/// The class is the same every run.
pub const SEED: u64 = 0x5eed;

/// What a student handed in for one exercise.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Solved,
    Partial,
    Starter,
}

impl Kind {
    fn letter(self) -> char {
        match self {
            Kind::Solved => 's',
            Kind::Partial => 'p',
            Kind::Starter => '0',
        }
    }
}

pub struct Student {
    pub name: String,
    /// Per exercise of `EXERCISES`: what was handed in, and which mistake.
    pub work: Vec<(Kind, String)>,
}

impl fmt::Display for Student {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let work: Vec<&str> = self.work.iter().map(|(_, what)| what.as_str()).collect();
        write!(f, "{} ({})", self.name, work.join(", "))
    }
}

/// Writes `n` students into `class` (emptied first), each a copy of the
/// `template` with its exercises filled in.
pub fn generate(root: &Path, template: &Path, class: &Path, n: usize) -> Result<Vec<Student>> {
    if class.exists() {
        fs::remove_dir_all(class)?;
    }
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut students = Vec::new();
    for i in 0..n {
        let mut work = Vec::new();
        let mut letters = String::new();
        for exercise in EXERCISES {
            // 45 % solved, 35 % partially, 20 % the starter.
            let kind = match rng.u32(0..100) {
                0..45 => Kind::Solved,
                45..80 => Kind::Partial,
                _ => Kind::Starter,
            };
            letters.push(kind.letter());
            work.push((kind, exercise));
        }
        // The letters in the name: a folder says what it holds.
        let name = format!("student-{i:03}-{letters}");
        let dir = class.join(&name);
        copy_tree(template, &dir)?;
        let mut done = Vec::new();
        for (kind, exercise) in work {
            let what = fill(
                root,
                &dir.join("exercises").join(exercise),
                exercise,
                kind,
                &mut rng,
            )
            .with_context(|| format!("{name}: {exercise}"))?;
            done.push((kind, what));
        }
        students.push(Student { name, work: done });
    }
    Ok(students)
}

/// Fills one exercise folder of a student copied from the template.
fn fill(
    root: &Path,
    dir: &Path,
    exercise: &str,
    kind: Kind,
    rng: &mut fastrand::Rng,
) -> Result<String> {
    let solution = root.join("solutions").join(exercise);
    let files = starter_files(dir)?;
    let mut texts = Vec::new();
    for file in &files {
        let text = fs::read_to_string(solution.join(file))
            .with_context(|| format!("solutions/{exercise}/{}", file.display()))?;
        // The reference's library is `file_transfer_solution`; the exercise's is `file_transfer`.
        texts.push(text.replace("file_transfer_solution", "file_transfer"));
    }
    let what = match kind {
        Kind::Starter => return Ok(format!("{exercise}: starter")),
        Kind::Solved => format!("{exercise}: solved"),
        Kind::Partial if exercise == "echo" => {
            // One side solved, the other left as the starter.
            let keep = if rng.bool() { "server" } else { "client" };
            for (file, text) in files.iter().zip(&texts) {
                if file.to_string_lossy().contains(keep) {
                    fs::write(dir.join(file), text)?;
                }
            }
            return Ok(format!("echo: {keep} only"));
        }
        Kind::Partial => {
            let mutants = applicable(root, exercise, &files)?;
            let mutant = &mutants[rng.usize(..mutants.len())];
            let file = Path::new(mutant["file"].as_str().unwrap_or_default());
            let at = files.iter().position(|f| f == file).unwrap();
            texts[at] = apply(mutant, &texts[at])?;
            format!("{exercise}: {}", mutant["name"].as_str().unwrap_or("?"))
        }
    };
    for (file, text) in files.iter().zip(&texts) {
        fs::write(dir.join(file), text)?;
    }
    Ok(what)
}

/// The starter's source files, relative to its folder (`src/…`).
fn starter_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![PathBuf::from("src")];
    while let Some(relative) = stack.pop() {
        for entry in fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The mutants of `exercise` whose file the starter has (not those of the
/// reference's second chat server, which the exercise does not ask for).
fn applicable(root: &Path, exercise: &str, files: &[PathBuf]) -> Result<Vec<Value>> {
    let path = root
        .join("xtask/mutants")
        .join(exercise)
        .join("mutants.json");
    let all: Vec<Value> = serde_json::from_str(&fs::read_to_string(&path)?)
        .with_context(|| format!("reading {}", path.display()))?;
    let mutants: Vec<Value> = all
        .into_iter()
        .filter(|m| {
            let file = Path::new(m["file"].as_str().unwrap_or_default());
            files.iter().any(|f| f == file) && (cfg!(unix) || m["unix_only"].is_null())
        })
        .collect();
    if mutants.is_empty() {
        bail!("no mutant of {exercise} applies to its starter's files");
    }
    Ok(mutants)
}

/// The mutant's change to `text`: its `find` replaced `count` times (default
/// 1), then each `also` change once.
fn apply(mutant: &Value, text: &str) -> Result<String> {
    let name = mutant["name"].as_str().unwrap_or("?");
    let change = |text: &str, change: &Value, count: usize| -> Result<String> {
        let (find, replace) = (
            change["find"].as_str().unwrap_or_default(),
            change["replace"].as_str().unwrap_or_default(),
        );
        if find.is_empty() || text.matches(find).count() != count {
            bail!("mutant {name}: its `find` does not occur {count} time(s) in the reference");
        }
        Ok(text.replace(find, replace))
    };
    let count = mutant["count"].as_u64().unwrap_or(1) as usize;
    let mut text = change(text, mutant, count)?;
    for more in mutant["also"].as_array().into_iter().flatten() {
        text = change(&text, more, 1)?;
    }
    Ok(text)
}
