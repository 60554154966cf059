//! `cargo xtask similarity SUBMISSIONS --out PREFIX`: how alike the students'
//! solutions are, to the reference solution and to each other, per exercise;
//! the gradebook writes one beside its CSV.
//!
//! Each submission's crate (`exercises/<dir>/`) is read as normalised tokens
//! (`tokens.rs`: names and literals erased, comments and attributes dropped)
//! and fingerprinted by winnowing (`winnow.rs`), as MOSS does. Fingerprints
//! the starter has (this repository's `exercises/<dir>/`) are removed from
//! everyone's: the given code is shared by all, and is nobody's work. Every
//! pair is then scored both ways: the share of A's fingerprints found in B,
//! and of B's in A. The larger of the two ranks the pairs and flags them
//! (`--threshold`): a copy with more code of its own around it still shows.
//!
//! The reference solution is `solutions/<dir>/src`. A binary there that the
//! exercise does not ask for is another implementation of one it does
//! (`chat-server-threads` of `chat-server`): a reference of its own, in
//! place of that binary, so a copy of either is found.
//!
//! A flag is a pointer for a human, not proof: a short exercise leaves
//! little room to differ, and two honest students can write the same loop.

mod report;
mod sources;
mod tokens;
mod winnow;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::grade::exercises::{self, Exercise};
use winnow::Fingerprints;

/// Flags a pair when one side has at least this share (percent) of its
/// fingerprints in the other. The fixtures' disguised copy scores 87 %; the
/// two independent reference chat servers 16 %, the alternative echo
/// solution 10 % (xtask/fixtures/similarity/README.md).
pub const DEFAULT_THRESHOLD: f64 = 50.0;
/// …and shares at least this many: after the starter is removed, a
/// submission that added a dozen lines has few fingerprints, and 3 of 4 is
/// no evidence of anything.
const MIN_SHARED: usize = 10;

#[derive(clap::Args)]
pub struct SimilarityArgs {
    /// The folder of student repositories, one folder per student.
    submissions: PathBuf,
    /// Write PREFIX.csv and PREFIX.html.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// Compare only this exercise (default: all of them).
    #[arg(long, value_name = "NAME")]
    exercise: Option<String>,
    /// Flag pairs where one side has at least this share of its
    /// fingerprints in the other, in percent.
    #[arg(long, value_name = "PCT", default_value_t = DEFAULT_THRESHOLD)]
    threshold: f64,
}

/// One exercise's comparison.
pub struct ExerciseReport {
    pub name: &'static str,
    /// Most similar first.
    pub pairs: Vec<Pair>,
    /// (document, note): files that could not be read or tokenised.
    pub notes: Vec<(String, String)>,
}

pub struct Pair {
    pub a: String,
    pub b: String,
    /// Percent of A's fingerprints that B has.
    pub a_in_b: f64,
    pub b_in_a: f64,
    pub shared: usize,
    pub a_fingerprints: usize,
    pub b_fingerprints: usize,
    pub flagged: bool,
}

impl Pair {
    /// What ranks and flags the pair.
    pub fn score(&self) -> f64 {
        self.a_in_b.max(self.b_in_a)
    }
}

/// A submission or a reference solution.
struct Document {
    name: String,
    fingerprints: Fingerprints,
}

pub fn run(root: &Path, args: SimilarityArgs) -> Result<()> {
    if !(0.0..=100.0).contains(&args.threshold) {
        bail!("--threshold is a percentage, 0 to 100");
    }
    let mut chosen = exercises::all();
    if let Some(name) = &args.exercise {
        chosen.retain(|e| e.name == name);
        if chosen.is_empty() {
            bail!("unknown exercise `{name}`");
        }
    }
    let reports = compare(root, &args.submissions, &chosen, args.threshold)?;
    write(&args.out, &reports, args.threshold)
}

/// The gradebook's report, beside its CSV (`grades.csv`:
/// `grades.similarity.csv` and `.html`), for the exercises it graded. A
/// failure here is printed, not returned: the grades are written already.
pub fn beside_gradebook(root: &Path, submissions: &Path, csv: &Path, graded: &[&str]) {
    let mut prefix = csv.with_extension("").into_os_string();
    prefix.push(".similarity");
    let mut chosen = exercises::all();
    chosen.retain(|e| graded.contains(&e.name));
    let result = compare(root, submissions, &chosen, DEFAULT_THRESHOLD)
        .and_then(|reports| write(Path::new(&prefix), &reports, DEFAULT_THRESHOLD));
    if let Err(err) = result {
        eprintln!("warning: no similarity report: {err:#}");
    }
}

fn write(prefix: &Path, reports: &[ExerciseReport], threshold: f64) -> Result<()> {
    let flagged: usize = reports
        .iter()
        .map(|r| r.pairs.iter().filter(|p| p.flagged).count())
        .sum();
    for (extension, text) in [
        ("csv", report::render_csv(reports)),
        ("html", report::render_html(reports, threshold)),
    ] {
        let mut path = prefix.as_os_str().to_owned();
        path.push(".");
        path.push(extension);
        let path = PathBuf::from(path);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!("{flagged} pairs at or above {threshold} % similar");
    Ok(())
}

/// Compares the submissions in `submissions` (one folder per student), per exercise.
fn compare(
    root: &Path,
    submissions: &Path,
    chosen: &[Exercise],
    threshold: f64,
) -> Result<Vec<ExerciseReport>> {
    let students = sources::student_folders(submissions)?;
    let mut reports = Vec::new();
    for exercise in chosen {
        let mut notes = Vec::new();
        let starter = sources::read(&root.join("exercises").join(exercise.dir));
        let base = Fingerprints::every_kgram(
            &starter
                .files
                .iter()
                .filter_map(|(_, text)| tokens::items(text).ok())
                .flatten()
                .collect::<Vec<_>>(),
        );
        let mut documents = references(root, exercise, &mut notes)?;
        for (student, dir) in &students {
            let dir = dir.join("exercises").join(exercise.dir);
            // Not a folder (a link, or absent): not part of this exercise.
            if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            let read = sources::read(&dir);
            notes.extend(read.notes.iter().map(|n| (student.clone(), n.clone())));
            documents.push(Document {
                name: student.clone(),
                fingerprints: fingerprint(student, &read.files, &mut notes),
            });
        }
        for document in &mut documents {
            document.fingerprints.remove(&base);
        }
        reports.push(ExerciseReport {
            name: exercise.name,
            pairs: pairs(&documents, threshold),
            notes,
        });
    }
    Ok(reports)
}

/// The reference solution, and one more per alternative implementation of
/// one of its binaries. Named by path (`solutions/echo`), which no student
/// folder's name can be.
fn references(
    root: &Path,
    exercise: &Exercise,
    notes: &mut Vec<(String, String)>,
) -> Result<Vec<Document>> {
    let src = root.join("solutions").join(exercise.dir).join("src");
    let read = sources::read(&src);
    if read.files.is_empty() {
        bail!("no reference solution in {}", src.display());
    }
    let binary = |path: &str| {
        path.strip_prefix("bin/")
            .and_then(|p| p.strip_suffix(".rs"))
            .map(str::to_string)
    };
    let (alternatives, common): (Vec<_>, Vec<_>) = read.files.into_iter().partition(|(path, _)| {
        binary(path).is_some_and(|name| !exercise.binaries.contains(&name.as_str()))
    });
    let name = format!("solutions/{}", exercise.dir);
    let mut documents = vec![Document {
        fingerprints: fingerprint(&name, &common, notes),
        name: name.clone(),
    }];
    for (path, text) in alternatives {
        let alternative = binary(&path).unwrap_or_default();
        // The binary it stands for: the longest one its name starts with.
        let replaced = exercise
            .binaries
            .iter()
            .filter(|b| alternative.starts_with(*b))
            .max_by_key(|b| b.len())
            .map(|b| format!("bin/{b}.rs"));
        let mut files: Vec<_> = common
            .iter()
            .filter(|(p, _)| Some(p) != replaced.as_ref())
            .cloned()
            .collect();
        files.push((path, text));
        let name = format!("{name}/{alternative}");
        documents.push(Document {
            fingerprints: fingerprint(&name, &files, notes),
            name,
        });
    }
    Ok(documents)
}

/// The fingerprints of a document's files; a file that is not Rust's token
/// syntax is noted (`unparsable:src/bin/x.rs`) and left out.
fn fingerprint(
    document: &str,
    files: &[(String, String)],
    notes: &mut Vec<(String, String)>,
) -> Fingerprints {
    let mut all = Fingerprints::default();
    for (path, text) in files {
        match tokens::items(text) {
            Ok(items) => all.extend(&Fingerprints::of(&items)),
            Err(tokens::TokenError::Lex) => {
                notes.push((document.to_string(), format!("unparsable:{path}")));
            }
            Err(tokens::TokenError::TooDeep) => {
                notes.push((document.to_string(), format!("too-deep:{path}")));
            }
        }
    }
    all
}

/// Every pair of documents, most similar first.
fn pairs(documents: &[Document], threshold: f64) -> Vec<Pair> {
    let percent = |shared: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * shared as f64 / of as f64
        }
    };
    let mut pairs = Vec::new();
    for (i, a) in documents.iter().enumerate() {
        for b in &documents[i + 1..] {
            let shared = a.fingerprints.shared(&b.fingerprints);
            let mut pair = Pair {
                a: a.name.clone(),
                b: b.name.clone(),
                a_in_b: percent(shared, a.fingerprints.len()),
                b_in_a: percent(shared, b.fingerprints.len()),
                shared,
                a_fingerprints: a.fingerprints.len(),
                b_fingerprints: b.fingerprints.len(),
                flagged: false,
            };
            pair.flagged = pair.score() >= threshold && shared >= MIN_SHARED;
            pairs.push(pair);
        }
    }
    pairs.sort_by(|x, y| {
        y.score()
            .total_cmp(&x.score())
            .then(y.shared.cmp(&x.shared))
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    pairs
}
