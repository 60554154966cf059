//! `cargo xtask similarity` over the fixture in xtask/fixtures/similarity/
//! (a disguised copy of the reference), the echo alternative kept beside the
//! mutants (xtask/mutants/echo/alternative, an independent solution that the
//! mutant tests grade to full marks), the starter untouched (exercises/echo),
//! plus a copy of the threaded chat server, a file that does not tokenise and
//! a student folder named like HTML: the copies are flagged
//! against what they copied, independent solutions are not, the starter
//! scores nothing, and the report survives the hostile names.

use std::fs;
use std::path::Path;

use crate::common::root;

const HOSTILE: &str = "<script>&'x'";

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// A CSV row: only the cells this test reads are ever quoted (notes).
struct Row {
    exercise: String,
    a: String,
    b: String,
    a_in_b: f64,
    b_in_a: f64,
    flagged: bool,
    notes: String,
}

impl Row {
    fn score(&self) -> f64 {
        self.a_in_b.max(self.b_in_a)
    }
}

fn parse(csv: &str) -> Vec<Row> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "exercise,a,b,a_in_b,b_in_a,shared,a_fingerprints,b_fingerprints,flag,notes"
    );
    lines
        .map(|line| {
            let cells: Vec<&str> = line.splitn(10, ',').collect();
            Row {
                exercise: cells[0].into(),
                a: cells[1].into(),
                b: cells[2].into(),
                a_in_b: cells[3].parse().unwrap(),
                b_in_a: cells[4].parse().unwrap(),
                flagged: cells[8] == "similar",
                notes: cells[9].into(),
            }
        })
        .collect()
}

fn pair<'a>(rows: &'a [Row], x: &str, y: &str) -> &'a Row {
    rows.iter()
        .find(|r| (r.a == x && r.b == y) || (r.a == y && r.b == x))
        .unwrap_or_else(|| panic!("no pair {x} / {y}"))
}

#[test]
fn copies_are_flagged_independent_solutions_are_not() {
    let work = tempfile::tempdir().unwrap();
    let submissions = work.path().join("submissions");
    copy_dir(&root().join("xtask/fixtures/similarity"), &submissions);
    fs::remove_file(submissions.join("README.md")).unwrap();
    // The independent solution and the starter are the repository's own
    // files, laid out as two more students' echo crates.
    copy_dir(
        &root().join("xtask/mutants/echo/alternative/src"),
        &submissions.join("alternative/exercises/echo/src/bin"),
    );
    copy_dir(
        &root().join("exercises/echo/src"),
        &submissions.join("starter-only/exercises/echo/src"),
    );
    copy_dir(
        &submissions.join("copied-renamed"),
        &submissions.join(HOSTILE),
    );
    let threads = submissions.join("threads-copy/exercises/concurrent/src/bin");
    fs::create_dir_all(&threads).unwrap();
    fs::copy(
        root().join("solutions/concurrent/src/bin/chat-server-threads.rs"),
        threads.join("chat-server.rs"),
    )
    .unwrap();
    let broken = submissions.join("broken/exercises/echo/src/bin");
    fs::create_dir_all(&broken).unwrap();
    fs::write(broken.join("echo-server.rs"), "fn main() { (").unwrap();

    let out = work.path().join("report");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("similarity")
        .arg(&submissions)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = fs::read_to_string(work.path().join("report.csv")).unwrap();
    println!("{csv}");
    let rows = parse(&csv);

    let copy = pair(&rows, "solutions/echo", "copied-renamed");
    assert!(copy.flagged && copy.score() >= 70.0, "{}", copy.score());
    assert!(pair(&rows, HOSTILE, "copied-renamed").flagged);
    for other in ["solutions/echo", "copied-renamed"] {
        let alternative = pair(&rows, "alternative", other);
        assert!(
            !alternative.flagged && alternative.score() < 25.0,
            "alternative / {other}: {}",
            alternative.score()
        );
    }
    for row in rows
        .iter()
        .filter(|r| r.a == "starter-only" || r.b == "starter-only")
    {
        assert!(row.score() < 5.0, "{} / {}: {}", row.a, row.b, row.score());
    }

    // The two reference chat servers were written independently; a copy of
    // one is flagged against that one only.
    let references = pair(
        &rows,
        "solutions/concurrent",
        "solutions/concurrent/chat-server-threads",
    );
    assert!(!references.flagged && references.score() < 25.0);
    let threads = pair(
        &rows,
        "solutions/concurrent/chat-server-threads",
        "threads-copy",
    );
    assert!(threads.flagged && threads.score() >= 90.0);
    assert!(!pair(&rows, "solutions/concurrent", "threads-copy").flagged);

    let broken = pair(&rows, "solutions/echo", "broken");
    assert!(broken.notes.contains(":unparsable:src/bin/echo-server.rs"));

    // Most similar first, exercise by exercise.
    for exercise in ["echo", "concurrent"] {
        let scores: Vec<f64> = rows
            .iter()
            .filter(|r| r.exercise == exercise)
            .map(Row::score)
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }

    let html = fs::read_to_string(work.path().join("report.html")).unwrap();
    assert!(html.contains("&lt;script&gt;&amp;&#39;x&#39;"));
    assert!(!html.contains(HOSTILE));
    assert!(html.contains("unparsable:src/bin/echo-server.rs"));
}

#[test]
fn unknown_exercise_and_bad_threshold_are_refused() {
    let work = tempfile::tempdir().unwrap();
    for args in [&["--exercise", "nope"][..], &["--threshold", "150"][..]] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("similarity")
            .arg(root().join("xtask/fixtures/similarity"))
            .arg("--out")
            .arg(work.path().join("report"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
