//! `cargo xtask gradebook` over a folder of student repositories built from
//! the fixtures in xtask/fixtures/gradebook/ (full, partial, not compiling,
//! hanging, tampered): the CSV is what the snapshot says, the whole run stays
//! within its bound, and no student process survives it. A gradebook killed
//! in the middle keeps the rows it had finished, and leaves nothing running.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
use crate::common::processes_of;
use crate::common::{assert_no_survivors, export_template, root};
use assert_cmd::Command;

/// One submission's bound: the hanging build is stopped here. The others
/// need under 15 s each on a 2-core machine.
const STUDENT_BOUND_SECS: u64 = 25;
/// The whole gradebook: five submissions, two at a time, the slowest stopped
/// at its bound (plus up to 10 s of grace to stop).
const GRADEBOOK_BOUND: Duration = Duration::from_secs(180);

const STUDENTS: &[&str] = &["full", "hanging", "not-compiling", "partial", "tampered"];

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if entry.file_name() == "target" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// `xtask gradebook` of the echo exercise, with a fixed seed.
fn gradebook(
    submissions: &Path,
    template: &Path,
    csv: &Path,
    target: &Path,
) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .current_dir(root())
        .arg("gradebook")
        .arg(submissions)
        .arg("--template")
        .arg(template)
        .arg("--csv")
        .arg(csv)
        .arg("--target-dir")
        .arg(target)
        .args(["--exercise", "echo", "--seed", "1234abcd"]);
    command
}

/// Exports the template into `work/template` and lays out one submission per
/// student in `work/submissions/echo-<student>`.
fn class(work: &Path, students: &[&str]) -> (PathBuf, PathBuf) {
    let template = work.join("template");
    let submissions = work.join("submissions");
    let _ = fs::remove_dir_all(&submissions);
    export_template(&template);

    let fixtures = root().join("xtask/fixtures/gradebook");
    let solution = root().join("solutions/echo/src/bin");
    for student in students {
        let dir = submissions.join(format!("echo-{student}"));
        copy_dir(&template, &dir);
        if ["full", "tampered"].contains(student) {
            copy_dir(&solution, &dir.join("exercises/echo/src/bin"));
        }
        let overlay = fixtures.join(student);
        if overlay.is_dir() {
            copy_dir(&overlay, &dir);
        }
    }
    (template, submissions)
}

#[test]
fn gradebook_of_the_fixture_submissions() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gradebook");
    let (template, submissions) = class(&work, STUDENTS);

    let csv = work.join("gradebook.csv");
    let target = work.join("target");
    let start = Instant::now();
    let output = Command::from_std(gradebook(&submissions, &template, &csv, &target))
        .args(["--jobs", "2"])
        .args(["--timeout", &STUDENT_BOUND_SECS.to_string()])
        // The sandbox is Linux's (bubblewrap); tests/sandbox.rs proves it.
        .args(if cfg!(target_os = "linux") {
            &[][..]
        } else {
            &["--no-sandbox"][..]
        })
        .timeout(GRADEBOOK_BOUND)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(elapsed < GRADEBOOK_BOUND, "{elapsed:?}");
    assert_no_survivors(&target);
    eprintln!("{stderr}gradebook took {elapsed:?}");

    // The similarity report beside it: `full` and `tampered` hand in the
    // reference's code, so each is flagged against it; `partial` (a
    // starter with part of the work) is not.
    let similarity = fs::read_to_string(work.join("gradebook.similarity.csv")).unwrap();
    assert!(work.join("gradebook.similarity.html").is_file());
    let flagged = |student: &str| {
        similarity.lines().any(|l| {
            l.contains("solutions/echo") && l.contains(student) && l.ends_with(",similar,")
        })
    };
    assert!(
        flagged("echo-full") && flagged("echo-tampered"),
        "{similarity}"
    );
    assert!(!flagged("echo-partial"), "{similarity}");

    let csv = fs::read_to_string(&csv).unwrap();
    insta::assert_snapshot!(csv);
}

/// `full` is graded first (one at a time); once its row is in the CSV, the
/// gradebook is killed while `hanging` builds. The row stays, whole, and
/// nothing the gradebook started keeps running: in the sandbox (bubblewrap's
/// --die-with-parent) and without it (the graders' parent-death signal).
#[cfg(target_os = "linux")]
#[test]
fn a_killed_gradebook_keeps_the_rows_it_finished() {
    killed_midway("sandbox", &[]);
    killed_midway("plain", &["--no-sandbox"]);
}

#[cfg(target_os = "linux")]
fn killed_midway(name: &str, mode: &[&str]) {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gradebook-killed")
        .join(name);
    let (template, submissions) = class(&work, &["full", "hanging"]);
    let (csv, target) = (work.join("gradebook.csv"), work.join("target"));
    let _ = fs::remove_file(&csv);
    let mut gradebook = gradebook(&submissions, &template, &csv, &target)
        .args(["--jobs", "1", "--only", "echo.server.short"])
        .args(mode)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let full_row = loop {
        let text = fs::read_to_string(&csv).unwrap_or_default();
        if let Some(row) = text.lines().find(|l| l.starts_with("echo-full,")) {
            break row.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "{name}: no row for echo-full within 120 s"
        );
        assert!(
            gradebook.try_wait().unwrap().is_none(),
            "{name}: the gradebook ended early"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // `hanging`'s build script sleeps for two minutes: wait until it runs.
    let hanging = target.join("echo-hanging");
    while processes_of(&hanging).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{name}: hanging's grade never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    gradebook.kill().unwrap();
    gradebook.wait().unwrap();
    let bound = Instant::now() + Duration::from_secs(5);
    while !processes_of(&hanging).is_empty() && Instant::now() < bound {
        std::thread::sleep(Duration::from_millis(100));
    }
    let survivors = processes_of(&hanging);
    for (pid, _) in &survivors {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    assert!(
        survivors.is_empty(),
        "{name}: outlived the gradebook: {survivors:?}"
    );
    let text = fs::read_to_string(&csv).unwrap();
    assert!(text.lines().any(|l| l == full_row), "{name}: {text}");
    assert!(
        full_row.ends_with(",10,10,"),
        "{name}: full marks, no flags: {full_row}"
    );
    assert!(!text.contains("echo-hanging"), "{name}: {text}");
}

/// No bubblewrap: the gradebook refuses to grade, says how to install it and
/// what `--no-sandbox` would risk, and writes no CSV.
#[test]
fn without_bubblewrap_the_gradebook_refuses() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gradebook-no-bwrap");
    let (template, submissions) = class(&work, &["full"]);
    let csv = work.join("gradebook.csv");
    let _ = fs::remove_file(&csv);
    let empty = work.join("empty-path");
    fs::create_dir_all(&empty).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .env("PATH", &empty)
        .arg("gradebook")
        .arg(&submissions)
        .arg("--template")
        .arg(&template)
        .arg("--csv")
        .arg(&csv)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    if cfg!(target_os = "linux") {
        assert!(stderr.contains("apt-get install bubblewrap"), "{stderr}");
    }
    assert!(stderr.contains("--no-sandbox"), "{stderr}");
    assert!(!csv.exists());
}

/// A class spread over machines (`--shard K/N`, then `gradebook merge`), as
/// the generated regrade.yml runs it on GitHub Actions, here one shard after
/// another: the merged CSV is the one-machine CSV byte for byte (rows in
/// the same order, flags included), and so is the similarity report.
#[test]
fn shards_merge_into_the_one_machine_gradebook() {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gradebook-shards");
    let (template, submissions) = class(&work, &["full", "not-compiling", "partial", "tampered"]);
    // One target dir for every run: the shards re-grade warm.
    let target = work.join("target");
    let sandbox: &[&str] = if cfg!(target_os = "linux") {
        &[]
    } else {
        &["--no-sandbox"]
    };
    let run = |csv: &Path, shard: Option<&str>| {
        let _ = fs::remove_file(csv);
        let mut command = Command::from_std(gradebook(&submissions, &template, csv, &target));
        command
            .args(["--jobs", "2", "--only", "echo.server.short"])
            .args(["--timeout", &STUDENT_BOUND_SECS.to_string()])
            .args(sandbox)
            .args(shard.map(|s| ["--shard", s]).into_iter().flatten())
            .timeout(GRADEBOOK_BOUND);
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{shard:?}: {stderr}");
        fs::read_to_string(csv).unwrap()
    };
    let start = Instant::now();
    let whole = run(&work.join("whole.csv"), None);
    // The sorted class, every third student from the shard's own.
    let parts = [
        ("1/3", &["echo-full", "echo-tampered"][..]),
        ("2/3", &["echo-not-compiling"]),
        ("3/3", &["echo-partial"]),
    ];
    let mut shard_csvs = Vec::new();
    for (shard, students) in parts {
        let csv = work.join(format!("grades-{}.csv", &shard[..1]));
        let text = run(&csv, Some(shard));
        let rows: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(rows, students, "shard {shard}:\n{text}");
        shard_csvs.push(csv);
    }
    assert_no_survivors(&target);

    let merged = work.join("merged.csv");
    let merge = |shards: &[PathBuf]| {
        let _ = fs::remove_file(&merged);
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .current_dir(root())
            .env("LC_ALL", "C")
            .args(["gradebook", "merge", "--csv"])
            .arg(&merged)
            .arg("--submissions")
            .arg(&submissions)
            .args(shards)
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap()
    };
    // In any order given.
    let output = merge(&[2, 0, 1].map(|i| shard_csvs[i].clone()));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "one machine, three shards and the merge took {:?}",
        start.elapsed()
    );
    assert!(
        whole.contains("changed:.github/workflows/classroom.yml"),
        "{whole}"
    );
    assert_eq!(whole.lines().count(), 5, "{whole}");
    assert_eq!(fs::read_to_string(&merged).unwrap(), whole);
    assert_eq!(
        fs::read_to_string(work.join("merged.similarity.csv")).unwrap(),
        fs::read_to_string(work.join("whole.similarity.csv")).unwrap()
    );

    // A shard left out: refused, and nothing written.
    let output = merge(&shard_csvs[..2]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shard 3/3 is missing"), "{stderr}");
    assert!(!merged.exists());

    // The class from a roster, as regrade.yml grades it: a student whose
    // repository was not cloned has a row that says so, in their shard.
    let roster = work.join("roster.txt");
    fs::write(
        &roster,
        "course/echo-ghost
https://github.com/course/echo-full
",
    )
    .unwrap();
    let csv = work.join("ghost.csv");
    let _ = fs::remove_file(&csv);
    let output = Command::from_std(gradebook(&submissions, &template, &csv, &target))
        .arg("--roster")
        .arg(&roster)
        // Shard 2/2 is echo-ghost alone: no student code runs.
        .args(["--shard", "2/2", "--no-sandbox"])
        .timeout(GRADEBOOK_BOUND)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let text = fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{text}");
    assert!(rows[0].starts_with("echo-ghost,,"), "{text}");
    assert!(rows[0].ends_with(",no-submission"), "{text}");
    let sidecar = fs::read_to_string(work.join("ghost.shard.json")).unwrap();
    assert!(sidecar.contains("\"echo-full\""), "{sidecar}");
}
