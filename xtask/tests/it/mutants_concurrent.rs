//! The concurrent exercise's mutants (xtask/mutants/concurrent/mutants.json):
//! each is one of the reference servers with one classic mistake. They are
//! written out as extra binaries of ONE copy of the reference crate (so tokio
//! is compiled once, not once per mutant), and each is graded in place of
//! `chat-server` (`--bin chat-server=mutant-<name>`): it must fail the tests
//! it names (only those run: the others would pass or fail at no profit,
//! some after timeouts). The crate builds once; copies of its target
//! directory (the lanes) grade side by side, each its share of the mutants
//! one after another.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::SystemTime;

use crate::common::{Graded, apply_patch, grade, must_fail, mutants, root, standalone_copy};
use serde_json::Value;

/// The reference crate plus `src/bin/mutant-<name>.rs` for every mutant.
fn materialize(mutants: &[Value]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chat-mutants");
    let mut bins = String::new();
    for mutant in mutants {
        let name = mutant["name"].as_str().unwrap();
        write!(
            bins,
            "\n[[bin]]\nname = \"mutant-{name}\"\npath = \"src/bin/mutant-{name}.rs\"\n"
        )
        .unwrap();
    }
    // [[bin]] tables belong to [package]: insert them before `[workspace]`.
    standalone_copy(&root().join("solutions/concurrent"), &dir);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace("\n[workspace]\n", &format!("{bins}\n[workspace]\n"));
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    for mutant in mutants {
        let name = mutant["name"].as_str().unwrap();
        let original = dir.join(mutant["file"].as_str().unwrap());
        let text = std::fs::read_to_string(&original).unwrap();
        std::fs::write(
            dir.join(format!("src/bin/mutant-{name}.rs")),
            apply_patch(mutant, &text),
        )
        .unwrap();
    }
    dir
}

/// Target directories of the crate, each grading its share of the mutants:
/// most of a mutant's grade is waiting (for a timeout, a slow reader), so
/// three grade at once.
const LANES: usize = 3;

/// The crate with every mutant, written once for the tests here.
fn mutants_crate() -> &'static Path {
    static CRATE: OnceLock<PathBuf> = OnceLock::new();
    CRATE.get_or_init(|| materialize(&mutants("concurrent")))
}

/// One target directory of the crate, and the right to grade in it: the
/// grades of a lane take turns (a grade checks that no program built there
/// outlives it).
struct Lane {
    /// The grade's key: its target directory.
    key: String,
    /// The mutants it grades: mutant `i` of mutants.json is in lane `i % LANES`.
    mutants: Vec<Value>,
    turn: Mutex<()>,
}

impl Lane {
    fn turn(&self) -> MutexGuard<'_, ()> {
        self.turn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The lanes, ready to grade: the crate built once by the grader in lane 0's
/// target directory (a grade that runs no test), then that directory copied
/// for the others, file times kept, so that cargo finds every binary fresh
/// there (were one not, cargo would build it again: slower, not different).
fn lanes() -> &'static [Lane] {
    static LANES_: OnceLock<Vec<Lane>> = OnceLock::new();
    LANES_.get_or_init(|| {
        let dir = mutants_crate();
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let built = grade(
            "chat-mutants-0",
            &[
                "concurrent",
                "--path",
                dir.to_str().unwrap(),
                "--only",
                "(no test: the build alone)",
                "--lang",
                "en",
            ],
        );
        assert_eq!(built.code, 0, "{}\n{}", built.stdout, built.stderr);
        let all = mutants("concurrent");
        (0..LANES)
            .map(|lane| {
                let key = format!("chat-mutants-{lane}");
                if lane > 0 {
                    let target = tmp.join("grade").join(&key);
                    let _ = std::fs::remove_dir_all(&target);
                    copy_keeping_times(&tmp.join("grade/chat-mutants-0"), &target);
                }
                Lane {
                    key,
                    mutants: all.iter().skip(lane).step_by(LANES).cloned().collect(),
                    turn: Mutex::new(()),
                }
            })
            .collect()
    })
}

/// Copies a folder tree, each file with its modification time.
fn copy_keeping_times(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (path, kind) = (entry.path(), entry.file_type().unwrap());
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            copy_keeping_times(&path, &dest);
        } else if kind.is_file() {
            std::fs::copy(&path, &dest).unwrap();
            let modified: SystemTime = entry.metadata().unwrap().modified().unwrap();
            let file = std::fs::File::options().write(true).open(&dest).unwrap();
            file.set_modified(modified).unwrap();
        }
    }
}

/// The lane that grades mutant `name`.
fn lane_of(name: &str) -> &'static Lane {
    lanes()
        .iter()
        .find(|lane| lane.mutants.iter().any(|m| m["name"] == name))
        .unwrap_or_else(|| panic!("no mutant {name} in mutants.json"))
}

/// Grades mutant `name` in place of `chat-server` in `lane` (whose turn the
/// caller holds), running only the tests `only`.
fn grade_mutant(lane: &Lane, name: &str, only: &str) -> Graded {
    let rename = format!("chat-server=mutant-{name}");
    grade(
        &lane.key,
        &[
            "concurrent",
            "--path",
            mutants_crate().to_str().unwrap(),
            "--bin",
            &rename,
            "--only",
            only,
            "--lang",
            "en",
        ],
    )
}

/// The misses of one lane's mutants, graded one after another.
fn lane_misses(lane: &Lane) -> Vec<String> {
    let _turn = lane.turn();
    let mut misses = Vec::new();
    for mutant in &lane.mutants {
        let name = mutant["name"].as_str().unwrap();
        // A mutant whose tests are Unix-only (signals) has nothing to fail elsewhere.
        if mutant["unix_only"].as_bool().unwrap_or(false) && !cfg!(unix) {
            continue;
        }
        // Only the tests it must fail: a mutant fails others too, and some
        // of those wait for timeouts.
        let must_fail = must_fail(mutant);
        let graded = grade_mutant(lane, name, &must_fail.join(","));
        if graded.code != 1 {
            misses.push(format!(
                "mutant {name}: exit code {}, not 1\n{}\n{}",
                graded.code, graded.stdout, graded.stderr
            ));
            continue;
        }
        let failed = graded.failed();
        for id in must_fail {
            if !failed.iter().any(|f| f == id) {
                misses.push(format!(
                    "mutant {name} should fail {id}; it failed {failed:?}\n{}",
                    graded.stdout
                ));
            }
        }
    }
    misses
}

/// Every mutant, the lanes side by side; all misses are reported together.
#[test]
fn every_mutant_fails_the_tests_named_for_it() {
    let mutants = mutants("concurrent");
    assert!(mutants.len() >= 7);
    let lanes = lanes();
    let in_lanes: usize = lanes.iter().map(|lane| lane.mutants.len()).sum();
    assert_eq!(in_lanes, mutants.len());
    let misses: Vec<String> = std::thread::scope(|scope| {
        let running: Vec<_> = lanes
            .iter()
            .map(|lane| scope.spawn(|| lane_misses(lane)))
            .collect();
        running
            .into_iter()
            .flat_map(|lane| lane.join().expect("a lane's thread"))
            .collect()
    });
    assert!(misses.is_empty(), "{}", misses.join("\n\n"));
}

/// A server that serves its first client in the accept loop never answers
/// the second one's name: chat.two_clients shows the hint of what the socket
/// saw (no answer, the connection open: nobody serves it, or nothing was
/// flushed), not the test's own hint about which lines to send.
#[test]
fn a_server_that_never_answers_a_name_gets_that_kinds_hint() {
    let lane = lane_of("serial-accept");
    let _turn = lane.turn();
    let graded = grade_mutant(lane, "serial-accept", "chat.two_clients");
    let report = &graded.stdout;
    assert_eq!(graded.failed(), ["chat.two_clients"], "{report}");
    let message = graded.test("chat.two_clients")["message"].as_str().unwrap();
    assert!(
        message.contains("after sending the name `bob`, no `* welcome bob`"),
        "{message}"
    );
    let kind_hint =
        "hint: The server answered nothing to this client's name, and the connection stayed open";
    assert_eq!(report.matches(kind_hint).count(), 1, "{report}");
    assert!(
        !report.contains("Welcome the newcomer, announce"),
        "the test's own hint instead of the kind's:\n{report}"
    );
}

/// Not a mutant: a correct server in a third design (one thread, one `mio`
/// event loop, no locks), written from the chapter alone. Every test, public
/// and hidden, must give it full marks: a test that fails it asks for more
/// than the contract says, or for the references' way of doing things.
#[test]
fn the_event_loop_alternative_scores_full_marks() {
    let dir = root().join("xtask/mutants/concurrent/alternative");
    let graded = grade(
        "chat-alternative",
        &[
            "concurrent",
            "--path",
            dir.to_str().unwrap(),
            "--lang",
            "en",
        ],
    );
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    assert!(graded.failed().is_empty(), "{}", graded.stdout);
    let (score, max) = graded.score();
    assert_eq!(score, max, "{}", graded.stdout);
    // The hidden tests ran too (the instructor's grader has them all).
    assert!(
        graded.stdout.contains("chat.name_case"),
        "{}",
        graded.stdout
    );
}
