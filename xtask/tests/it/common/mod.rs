//! Running `cargo xtask grade` as a user would, and checking that it leaves
//! no process behind.

#![allow(dead_code)] // each test module uses its own part of this

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use serde_json::Value;

/// A bound on one whole grade run in these tests: the slowest (a hanging
/// crate) needs well under a minute; a grader that hangs fails here.
const GRADE_BOUND: Duration = Duration::from_secs(240);

/// One `cargo xtask bench concurrent` at a time in these tests: each builds
/// the reference into target/bench and runs its `chat-server` from there, and
/// a second build beside a running one fails ("Text file busy").
pub fn concurrent_bench_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub struct Graded {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub json: Value,
}

impl Graded {
    /// The Classroom JSON's entry for a test id.
    pub fn test(&self, id: &str) -> &Value {
        self.json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"].as_str().unwrap().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no test {id} in the JSON"))
    }

    /// Ids of the tests that did not pass.
    pub fn failed(&self) -> Vec<String> {
        self.json["tests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["status"] != "pass")
            .map(|t| {
                t["name"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    pub fn score(&self) -> (u64, u64) {
        let tests = self.json["tests"].as_array().unwrap();
        let score = tests.iter().map(|t| t["score"].as_u64().unwrap()).sum();
        (score, self.json["max_score"].as_u64().unwrap())
    }
}

/// `cargo xtask grade <args>` with JSON output, in its own target directory
/// named `key`; then checks that no program built there is still running.
pub fn grade(key: &str, args: &[&str]) -> Graded {
    run_grade(key, args, false)
}

/// [`grade`], for a grade that a thread of a [`Background`] runs: on Linux
/// the grader gets SIGTERM when that thread ends before it does (the test
/// binary exited, as a filtered run does before every background grade is
/// taken), and stops every program it started (no process is left behind).
pub fn grade_tied_to_thread(key: &str, args: &[&str]) -> Graded {
    run_grade(key, args, true)
}

fn run_grade(key: &str, args: &[&str], tied_to_thread: bool) -> Graded {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("grade")
        .join(key);
    let json_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{key}.json"));
    let _ = std::fs::remove_file(&json_path);
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .current_dir(root())
        .arg("grade")
        .args(args)
        .arg("--json")
        .arg(&json_path)
        .arg("--target-dir")
        .arg(&target);
    #[cfg(target_os = "linux")]
    if tied_to_thread {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl only sets a flag of the new process.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = tied_to_thread;
    let output = Command::from_std(command)
        .timeout(GRADE_BOUND)
        .output()
        .expect("run xtask");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or_else(|| {
        panic!("xtask grade was killed (over {GRADE_BOUND:?}?)\n{stdout}\n{stderr}")
    });
    assert_no_survivors(&target);
    let json = std::fs::read_to_string(&json_path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    Graded {
        code,
        stdout,
        stderr,
        json,
    }
}

/// No process whose program lives under `dir` may outlive the grader.
#[cfg(target_os = "linux")]
pub fn assert_no_survivors(dir: &Path) {
    // Killed processes may take a moment to be reaped by init.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let survivors = processes_under(dir);
        if survivors.is_empty() {
            return;
        }
        if std::time::Instant::now() > deadline {
            panic!("processes outlived the grader: {survivors:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(not(target_os = "linux"))]
pub fn assert_no_survivors(_dir: &Path) {}

#[cfg(target_os = "linux")]
pub fn processes_under(dir: &Path) -> Vec<(u32, PathBuf)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // A zombie has no exe link; it is dead, only not yet reaped.
        if let Ok(exe) = std::fs::read_link(entry.path().join("exe"))
            && exe.starts_with(dir)
        {
            found.push((pid, exe));
        }
    }
    found
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// A copy of the crate at `reference` as a workspace of its own in `dir`,
/// with the workspace's lockfile (same versions, no network) and profiles
/// (so that it builds on its exercise's prebuilt dependencies, see
/// xtask/src/grade/deps.rs): its sources, and its manifest without the
/// `*.workspace = true` keys.
pub fn standalone_copy(reference: &Path, dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    copy_dir(&reference.join("src"), &dir.join("src"));
    let manifest = std::fs::read_to_string(reference.join("Cargo.toml"))
        .unwrap()
        .replace("edition.workspace = true", "edition = \"2024\"")
        .replace("license.workspace = true\n", "")
        .replace("publish.workspace = true", "publish = false");
    let root_manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    // The root manifest ends with its profiles.
    let profiles = &root_manifest[root_manifest.find("\n[profile.").expect("no profile") + 1..];
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("{manifest}\n[workspace]\n\n{profiles}"),
    )
    .unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// The target dir of the one crate that `grade(key, …)` built.
pub fn graded_target(key: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("grade")
        .join(key);
    let dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

/// The `lib<crate>-<hash>.rlib` files of a target dir's dev profile, by
/// crate, each with its modification time.
pub fn rlibs(target: &Path) -> BTreeMap<String, Vec<(String, SystemTime)>> {
    let mut found: BTreeMap<String, Vec<(String, SystemTime)>> = BTreeMap::new();
    for entry in std::fs::read_dir(target.join("debug/deps"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_prefix("lib")
            .and_then(|n| n.strip_suffix(".rlib"))
        else {
            continue;
        };
        let krate = stem.rsplit_once('-').map_or(stem, |(krate, _)| krate);
        let modified = entry.metadata().unwrap().modified().unwrap();
        found
            .entry(krate.to_string())
            .or_default()
            .push((name.clone(), modified));
    }
    for files in found.values_mut() {
        files.sort();
    }
    found
}

/// The crate built in `target` compiled none of its exercise's dependencies:
/// its target dir started as a copy of the grader's dependency cache
/// (xtask/src/grade/deps.rs), and cargo took every library there as built:
/// each is there once, with the cache's time. Returns the cache.
pub fn assert_dependencies_reused(target: &Path) -> PathBuf {
    let seeded = std::fs::read_to_string(target.join(".socket-lab-deps"))
        .unwrap_or_else(|_| panic!("{} was not seeded", target.display()));
    let cache = PathBuf::from(seeded);
    let (cached, built) = (rlibs(&cache), rlibs(target));
    assert!(cached.len() > 1, "{cached:?}");
    for (krate, files) in &cached {
        assert_eq!(
            built.get(krate),
            Some(files),
            "{krate} was compiled again in {} (the cache's: {})",
            target.display(),
            cache.display()
        );
    }
    cache
}

/// The dependencies of `exercise` compile once (xtask/src/grade/deps.rs): its
/// reference `solution` (a folder under solutions/) as a crate of the root
/// workspace and as a workspace of its own (as the mutants are), each graded
/// with `--only only` in a fresh target dir, start from the same cache and
/// compile none of it again. Returns the cache's libraries.
pub fn dependencies_compile_once(
    exercise: &str,
    solution: &str,
    only: &str,
) -> BTreeMap<String, Vec<(String, SystemTime)>> {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let member = root().join("solutions").join(solution);
    let standalone = tmp.join(format!("{solution}-deps-crate"));
    standalone_copy(&member, &standalone);
    let mut caches = Vec::new();
    for (key, dir) in [
        (format!("{solution}-deps-member"), member),
        (format!("{solution}-deps-standalone"), standalone),
    ] {
        let _ = std::fs::remove_dir_all(tmp.join("grade").join(&key));
        let args = [
            exercise,
            "--path",
            dir.to_str().unwrap(),
            "--only",
            only,
            "--lang",
            "en",
        ];
        let graded = grade(&key, &args);
        assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
        caches.push(assert_dependencies_reused(&graded_target(&key)));
    }
    assert_eq!(caches[0], caches[1]);
    rlibs(&caches[0])
}

/// The mutants of one exercise: xtask/mutants/<exercise>/mutants.json.
pub fn mutants(exercise: &str) -> Vec<Value> {
    let path = root().join(format!("xtask/mutants/{exercise}/mutants.json"));
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The starter of `exercise`, graded (`key`: its target dir and JSON): it
/// gives its argument parsing (a usage line, exit code 2), so the tests of
/// bad arguments are the only ones it passes, and the report says it is
/// still the starter.
pub fn assert_starter_scores_only_the_argument_tests(key: &str, exercise: &str) {
    let graded = grade(key, &[exercise, "--lang", "en"]);
    assert_eq!(graded.code, 1);
    let tests = graded.json["tests"].as_array().unwrap();
    let given = |t: &&serde_json::Value| t["name"].as_str().unwrap().contains(".bad_args ");
    let points: u64 = tests
        .iter()
        .filter(given)
        .map(|t| t["max_score"].as_u64().unwrap())
        .sum();
    assert!(points > 0);
    assert!(
        tests.iter().filter(given).all(|t| t["status"] == "pass"),
        "{}",
        graded.stdout
    );
    assert_eq!(graded.score().0, points, "{}", graded.stdout);
    assert!(
        graded.stdout.contains("still the starter code"),
        "{}",
        graded.stdout
    );
}

/// Mutant `name` of `exercise`'s mutants.json.
pub fn mutant(exercise: &str, name: &str) -> Value {
    mutants(exercise)
        .into_iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no mutant {name} in {exercise}'s mutants.json"))
}

/// Copies the reference crate of `exercise`, standalone, with the mutant's
/// one change, into `CARGO_TARGET_TMPDIR/<folder>/<mutant's name>`.
pub fn materialize(exercise: &str, folder: &str, mutant: &Value) -> PathBuf {
    let name = mutant["name"].as_str().unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(folder)
        .join(name);
    standalone_copy(&root().join("solutions").join(exercise), &dir);
    let file = dir.join(mutant["file"].as_str().unwrap());
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, apply_patch(mutant, &text)).unwrap();
    dir
}

/// Fails unless `here` (a test file's list) names exactly the mutants of
/// xtask/mutants/<exercise>/mutants.json: a mutant added there gets a test.
pub fn assert_every_mutant_listed(exercise: &str, here: &[&str]) {
    let mut names: Vec<String> = mutants(exercise)
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let mut here = here.to_vec();
    here.sort();
    assert_eq!(names, here);
}

/// The ids of the tests a mutant must fail.
pub fn must_fail(mutant: &Value) -> Vec<&str> {
    mutant["must_fail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect()
}

/// Grades the crate at `dir` as `exercise` on the tests `ids` only, and
/// asserts that it fails (exit 1) and that every test of `must_fail` is
/// among the failed ones: a mutant losing its points.
pub fn grade_failing(
    exercise: &str,
    key: &str,
    dir: &Path,
    ids: &[&str],
    must_fail: &[&str],
) -> Graded {
    let only = ids.join(",");
    let graded = grade(
        key,
        &[
            exercise,
            "--path",
            dir.to_str().unwrap(),
            "--only",
            &only,
            "--lang",
            "en",
        ],
    );
    assert_eq!(graded.code, 1, "{}\n{}", graded.stdout, graded.stderr);
    let failed = graded.failed();
    for id in must_fail {
        assert!(
            failed.iter().any(|f| f == id),
            "{key} should fail {id}; it failed {failed:?}\n{}",
            graded.stdout
        );
    }
    graded
}

/// The checks of [`grade_failing`] on a grade made elsewhere (a
/// [`Background`]'s): exit 1, every test of `must_fail` failed.
pub fn assert_failing(key: &str, graded: Graded, must_fail: &[&str]) -> Graded {
    assert_eq!(graded.code, 1, "{}\n{}", graded.stdout, graded.stderr);
    let failed = graded.failed();
    for id in must_fail {
        assert!(
            failed.iter().any(|f| f == id),
            "{key} should fail {id}; it failed {failed:?}\n{}",
            graded.stdout
        );
    }
    graded
}

/// `text` with the mutant's one change; panics if its `find` does not occur
/// exactly `count` times (the reference changed under the mutant).
pub fn apply_patch(mutant: &Value, text: &str) -> String {
    let name = mutant["name"].as_str().unwrap();
    let (find, replace) = (
        mutant["find"].as_str().unwrap(),
        mutant["replace"].as_str().unwrap(),
    );
    let count = mutant["count"].as_u64().unwrap_or(1) as usize;
    assert_eq!(
        text.matches(find).count(),
        count,
        "mutant {name}: `find` must occur {count} time(s) in {}; did the reference change?",
        mutant["file"]
    );
    let mut text = text.replace(find, replace);
    // `also`: more changes to the same file, for a mistake made in two places.
    for more in mutant["also"].as_array().into_iter().flatten() {
        let (find, replace) = (
            more["find"].as_str().unwrap(),
            more["replace"].as_str().unwrap(),
        );
        assert_eq!(
            text.matches(find).count(),
            1,
            "mutant {name}: an `also` find must occur once in {}; did the reference change?",
            mutant["file"]
        );
        text = text.replace(find, replace);
    }
    text
}

/// `xtask classroom export DIR` (what an instructor hands to GitHub Classroom),
/// into a fresh `dir`.
pub fn export_template(dir: &Path) {
    export_template_with(dir, &[]);
}

/// [`export_template`] with more arguments (`--exercise echo`).
pub fn export_template_with(dir: &Path, args: &[&str]) {
    let _ = std::fs::remove_dir_all(dir);
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["classroom", "export"])
        .arg(dir)
        .args(args)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
}

/// Processes (other than this one) whose executable lives under `dir` or
/// whose command line mentions it: (pid, command line).
#[cfg(target_os = "linux")]
pub fn processes_of(dir: &Path) -> Vec<(u32, String)> {
    let me = std::process::id();
    let mention = format!("{}/", dir.display());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == me {
            continue;
        }
        // A zombie has no exe link and an empty command line: dead already.
        let exe = std::fs::read_link(entry.path().join("exe")).ok();
        let cmdline = std::fs::read(entry.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        if exe.is_some_and(|e| e.starts_with(dir)) || cmdline.contains(&mention) {
            found.push((pid, cmdline));
        }
    }
    found
}

/// One grade of a [`Background`]: `key` (its target dir, as for [`grade`])
/// and the arguments of `cargo xtask grade`.
pub struct Job {
    pub key: String,
    pub args: Vec<String>,
}

impl Job {
    pub fn new(key: &str, args: &[&str]) -> Job {
        Job {
            key: key.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }
}

/// Grades that run in the background, `at_once` at a time, each taken by
/// the test that checks it. A grade mostly waits on sockets and timers (a
/// hanging program, a test's timeout), and libtest runs only as many tests
/// at once as the machine has cores: started together, the grades of one
/// test binary wait side by side instead of one after another. The tests,
/// their names and their assertions stay as they are; each one only waits
/// for its grade instead of running it.
///
/// The jobs start in the order given (the longest first), except that a
/// job a test waits for and that has not started goes first. Elsewhere than
/// on Linux (no parent-death signal to stop a grade that a filtered run
/// leaves behind), each test runs its grade when it takes it, as [`grade`].
pub struct Background {
    state: std::sync::Arc<(std::sync::Mutex<Jobs>, std::sync::Condvar)>,
}

#[derive(Default)]
struct Jobs {
    queue: std::collections::VecDeque<Job>,
    /// Each job's result, once known: the grade, or the panic of its thread.
    done: BTreeMap<String, Result<Graded, String>>,
    /// The keys of the jobs not taken yet.
    untaken: std::collections::BTreeSet<String>,
}

impl Background {
    pub fn start(jobs: Vec<Job>, at_once: usize) -> Background {
        let mut keys: Vec<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), jobs.len(), "two jobs with one key");
        let state = std::sync::Arc::new((
            std::sync::Mutex::new(Jobs {
                untaken: jobs.iter().map(|j| j.key.clone()).collect(),
                queue: jobs.into(),
                done: BTreeMap::new(),
            }),
            std::sync::Condvar::new(),
        ));
        let workers = if cfg!(target_os = "linux") {
            at_once
        } else {
            0
        };
        for _ in 0..workers {
            let state = std::sync::Arc::clone(&state);
            std::thread::spawn(move || {
                loop {
                    let job = {
                        let mut jobs = state.0.lock().unwrap_or_else(|e| e.into_inner());
                        match jobs.queue.pop_front() {
                            Some(job) => job,
                            None => return,
                        }
                    };
                    let args: Vec<&str> = job.args.iter().map(String::as_str).collect();
                    let result = std::panic::catch_unwind(|| grade_tied_to_thread(&job.key, &args))
                        .map_err(|panic| {
                            panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_else(|| "(a panic without a message)".to_string())
                        });
                    let mut jobs = state.0.lock().unwrap_or_else(|e| e.into_inner());
                    jobs.done.insert(job.key, result);
                    state.1.notify_all();
                }
            });
        }
        Background { state }
    }

    /// The grade of job `key`, once it is done; a panic of its grade (the
    /// grader killed at its bound, a survivor) panics here, in its test.
    pub fn take(&self, key: &str) -> Graded {
        let (lock, done) = &*self.state;
        let mut jobs = lock.lock().unwrap_or_else(|e| e.into_inner());
        assert!(jobs.untaken.remove(key), "no job {key} (or taken already)");
        if let Some(at) = jobs.queue.iter().position(|j| j.key == key) {
            let job = jobs.queue.remove(at).unwrap();
            if !cfg!(target_os = "linux") {
                drop(jobs);
                let args: Vec<&str> = job.args.iter().map(String::as_str).collect();
                return grade(&job.key, &args);
            }
            jobs.queue.push_front(job);
        }
        loop {
            if let Some(result) = jobs.done.remove(key) {
                return result.unwrap_or_else(|panic| panic!("grade {key}: {panic}"));
            }
            jobs = done.wait(jobs).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Copies into `target/debug` the build outputs under `from` (a profile
/// folder of another target dir: its `deps`, `.fingerprint` and `build`
/// entries) whose names `keep` accepts and that `target` does not have yet,
/// each file with its modification time: cargo takes a crate's artifacts as
/// fresh, whichever target dir built them, when its fingerprint matches.
pub fn copy_artifacts(from: &Path, target: &Path, keep: impl Fn(&str) -> bool) {
    for dir in ["deps", ".fingerprint", "build"] {
        for entry in std::fs::read_dir(from.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let to = target.join("debug").join(dir).join(&name);
            if keep(&name) && !to.exists() {
                copy_keeping_mtimes(&entry.path(), &to);
            }
        }
    }
}

/// Copies a file or a folder's tree; each file keeps its modification time
/// (cargo compares a crate's outputs with its dependencies' by mtime).
fn copy_keeping_mtimes(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            copy_keeping_mtimes(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
        let modified = std::fs::metadata(from).unwrap().modified().unwrap();
        std::fs::File::options()
            .write(true)
            .open(to)
            .unwrap()
            .set_modified(modified)
            .unwrap();
    }
}
