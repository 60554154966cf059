//! `cargo xtask grade`: builds each exercise crate, runs its tests over real
//! sockets, and reports points, failures and hints in the student's language.

mod build;
pub mod cause;
mod cli;
mod concurrent;
pub(crate) mod deps;
pub use deps::OWN_DEPS;
mod echo;
pub mod exercises;
mod file_transfer;
pub mod hidden;
pub mod josa;
pub mod json;
pub mod lang;
mod process;
mod process_group;
mod proxy;
mod reliable_udp;
mod report;
pub mod sandboxed;
pub mod schedule;
pub mod spec;
#[cfg(test)]
mod strings_check;
mod transcript;
pub(crate) mod udp_proxy;
mod wire;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use self::build::BuildFailure;
use self::exercises::Exercise;
use self::lang::{Lang, Step, tr, tr_error};
use self::schedule::Schedule;
use self::spec::{Ctx, Failure, TestSpec};

#[derive(clap::Args)]
pub struct GradeArgs {
    /// The exercise to grade (default: all of them; several: comma-separated).
    exercise: Option<String>,
    /// Grade the reference solutions in solutions/ instead of exercises/.
    #[arg(long, conflicts_with_all = ["path", "submission"])]
    solutions: bool,
    /// Grade the crate in DIR, which implements EXERCISE (a submission, a mutant).
    #[arg(long, value_name = "DIR", requires = "exercise")]
    path: Option<PathBuf>,
    /// Grade the exercises of the student repository at DIR (DIR/exercises/<name>).
    #[arg(long, value_name = "DIR", conflicts_with = "path")]
    submission: Option<PathBuf>,
    /// Also write the result as GitHub Classroom JSON to FILE (`-`: to
    /// stdout, and the report to stderr).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Build and run the student's code in the sandbox (bubblewrap): the
    /// default with --submission.
    #[arg(long, conflicts_with = "no_sandbox")]
    sandbox: bool,
    /// Run the student's build.rs and programs as you, with your files and
    /// network (the default, except with --submission).
    #[arg(long)]
    no_sandbox: bool,
    /// Write GitHub Actions' `result` output (base64 Classroom JSON) to $GITHUB_OUTPUT, or print it.
    #[arg(long)]
    classroom: bool,
    /// Language of every message (default: from the locale).
    #[arg(long, value_enum)]
    lang: Option<Lang>,
    /// Replay the random payloads and fragmentations of an earlier run (hex).
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Run only the tests whose id contains this text (e.g. `server.short`);
    /// several, comma-separated, run the tests that match any of them.
    #[arg(long, value_name = "TEXT", value_delimiter = ',')]
    only: Vec<String>,
    /// Where the graded crates are built (default: target/grade/).
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// Start binary OTHER wherever a test starts NAME (e.g.
    /// `--bin chat-server=chat-server-threads` grades the thread version).
    #[arg(long = "bin", value_name = "NAME=OTHER", value_parser = parse_rename)]
    renames: Vec<(String, String)>,
}

fn parse_rename(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, other)) if !name.is_empty() && !other.is_empty() => {
            Ok((name.to_string(), other.to_string()))
        }
        _ => Err(tr!(
            cli_lang(),
            "expected NAME=OTHER, got `{text}`",
            "NAME=OTHER 꼴이어야 하는데 `{text}`입니다"
        )),
    }
}

/// The language of the command line's own messages (see cmdline.rs): a
/// value parser runs before the arguments are known.
fn cli_lang() -> Lang {
    crate::cmdline::lang_of(&std::env::args_os().collect::<Vec<_>>())
}

/// The result of one test, as the report and the JSON show it.
#[derive(Clone)]
pub struct TestResult {
    pub id: &'static str,
    pub title: &'static str,
    pub points: u32,
    pub max: u32,
    pub status: Status,
    pub failure: Option<Failure>,
    pub hint: Option<String>,
    pub duration: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// The test could not run: the crate does not build.
    Error,
}

pub struct ExerciseResult {
    pub name: &'static str,
    pub dir: PathBuf,
    /// The compiler's first error, when the crate did not build.
    pub build_error: Option<String>,
    pub tests: Vec<TestResult>,
}

pub fn run(root: &Path, args: GradeArgs) -> Result<ExitCode> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..) & 0xffff_ffff);
    let all = exercises::all();
    // Several, comma-separated: the gradebook grades a class's share of them.
    let selected = match &args.exercise {
        None => all.clone(),
        Some(list) => exercises::named(list).map_err(|name| {
            let known: Vec<&str> = all.iter().map(|e| e.name).collect();
            tr_error!(
                "unknown exercise `{name}`; the exercises are: {known}",
                "알 수 없는 실습 `{name}`입니다. 실습은 {known}입니다",
                known = known.join(", ")
            )
        })?,
    };
    if args.path.is_some() && selected.len() != 1 {
        return Err(tr_error!(
            "--path grades one exercise: name one",
            "--path는 실습 하나를 채점합니다. 실습을 하나만 적으세요"
        ));
    }
    let jobs: Vec<(&Exercise, PathBuf)> = selected
        .iter()
        .map(|exercise| {
            let dir = match &args.path {
                Some(path) => path.clone(),
                None if args.submission.is_some() => args
                    .submission
                    .as_ref()
                    .unwrap()
                    .join("exercises")
                    .join(exercise.dir),
                None if args.solutions => root.join("solutions").join(exercise.dir),
                None => root.join("exercises").join(exercise.dir),
            };
            (exercise, dir)
        })
        .collect();
    // A template for one assignment holds one exercise: `cargo xtask grade`
    // grades the exercises that are there (a submission's missing folder
    // still fails below, and so does a named one).
    let own_all = args.exercise.is_none() && args.path.is_none() && args.submission.is_none();
    let jobs = if own_all {
        exercises::present(jobs, |(_, dir)| dir.clone())
    } else {
        jobs
    };
    for (_, dir) in &jobs {
        if !dir.join("Cargo.toml").is_file() {
            return Err(tr_error!(
                "no crate to grade at {dir} (looked for Cargo.toml there)",
                "{dir}에 채점할 크레이트가 없습니다(그 폴더에서 Cargo.toml을 찾지 못했습니다)",
                dir = dir.display()
            ));
        }
    }
    let target_root = args
        .target_dir
        .clone()
        .unwrap_or_else(|| root.join("target").join("grade"));
    // Absolute: the sandbox mounts and binds these paths by name.
    let target_root = std::path::absolute(&target_root)?;
    let sandboxed = !args.no_sandbox && (args.sandbox || args.submission.is_some());
    let (jobs, layout) = if sandboxed {
        let (jobs, layout) = sandboxed::enter(root, jobs, &target_root)?;
        (jobs, Some(layout))
    } else {
        (jobs, None)
    };
    let target_root = layout.as_ref().map_or(target_root, |l| l.work.clone());
    // With `--json -` the JSON alone goes to stdout (the gradebook reads it
    // from a pipe); the report goes to stderr.
    let json_to_stdout = args.json.as_deref() == Some(Path::new("-"));
    let say = |text: &str| {
        if json_to_stdout {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    };

    say(&format!("{}\n", report::header(lang, seed)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        tokio::select! {
            results = grade_all(jobs, &target_root, &args.only, &args.renames, lang, seed) => results.map(Ok),
            code = interrupted() => Ok(Err(code)),
        }
    })?;
    // Dropping the runtime drops every test still running, which kills the
    // student's processes (see process::Proc's Drop).
    runtime.shutdown_timeout(Duration::from_secs(2));
    let results = match results {
        Ok(results) => results,
        Err(code) => {
            eprintln!("{}", lang.pick("interrupted", "중단됨"));
            return Ok(ExitCode::from(code));
        }
    };

    if let Some(layout) = &layout {
        layout.save_cache();
    }
    say(&report::render(lang, seed, &results));
    if !args.only.is_empty() {
        // The total above is these tests' alone, not the exercise's score.
        say(lang.pick(
            "(--only: only these tests ran; `cargo xtask status` keeps the others' last results)\n",
            "(--only: 이 테스트만 실행했습니다. `cargo xtask status`에는 나머지 테스트의 지난 결과가 그대로 남습니다)\n",
        ));
    }
    say(&report::withheld(lang, &results));
    // The student's own exercises: remember the result for `status`, `hint`,
    // `watch`. A run of some tests (`--only`) replaces only theirs, so that
    // `status` does not send the student back to a test just passed.
    if !args.solutions && args.path.is_none() && args.submission.is_none() {
        crate::last::record(root, &results);
    }
    if let Some(path) = &args.json {
        json::write(path, lang, &results)?;
    }
    if args.classroom {
        json::write_output(lang, &results)?;
    }
    let all_passed = results
        .iter()
        .flat_map(|e| &e.tests)
        .all(|t| t.status == Status::Pass);
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Ctrl-C, or (on Unix) SIGTERM from a CI runner or `timeout`: either way the
/// student's processes must not outlive the grader. The exit code a shell
/// expects of a program ended by that signal: 128 + its number.
pub async fn interrupted() -> u8 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => INTERRUPTED,
                _ = term.recv() => 128 + 15,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    INTERRUPTED
}

/// The exit code after Ctrl-C (SIGINT, 2): 130, as a shell reports it.
pub const INTERRUPTED: u8 = 128 + 2;

/// Grades the exercises in parallel (each on its own ephemeral ports), each
/// exercise's tests as its [`schedule::Schedule`] says.
async fn grade_all(
    jobs: Vec<(&Exercise, PathBuf)>,
    target_root: &Path,
    only: &[String],
    renames: &[(String, String)],
    lang: Lang,
    seed: u64,
) -> Result<Vec<ExerciseResult>> {
    // Each target dir starts with its exercise's dependencies, copied before
    // any build of this run starts (deps.rs).
    let seeds = jobs.iter().map(|(exercise, dir)| {
        let target_dir = target_root.join(target_name(exercise.name, dir));
        (exercise.dir, dir.clone(), target_dir)
    });
    deps::seed_all(lang, seeds.collect()).await;
    let mut handles = Vec::new();
    for (exercise, dir) in jobs {
        let target_dir = target_root.join(target_name(exercise.name, &dir));
        let (name, bins, schedule) = (exercise.name, exercise.binaries, exercise.schedule);
        let mut tests = exercise.all_tests();
        if !only.is_empty() {
            tests.retain(|t| only.iter().any(|text| t.id.contains(text.as_str())));
        }
        let renames = renames.to_vec();
        handles.push(tokio::spawn(async move {
            let build = Build {
                binaries: bins,
                dir,
                target_dir,
                renames,
            };
            grade_exercise(name, build, tests, schedule, lang, seed, None).await
        }));
    }
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await??);
    }
    Ok(results)
}

/// What to build, where, and which binary to run for which.
struct Build {
    binaries: &'static [&'static str],
    dir: PathBuf,
    target_dir: PathBuf,
    renames: Vec<(String, String)>,
}

/// Each test's result as soon as it is known, with its place in the test
/// list (for `cargo xtask watch`, which draws the first failure early).
pub type Live = tokio::sync::mpsc::UnboundedSender<(usize, TestResult)>;

/// Builds the crate and runs its tests as its [`schedule::Schedule`] says
/// (each test has its own processes and ephemeral ports, and mostly waits on
/// sockets and timers); with `live`, sending each result as it comes.
async fn grade_exercise(
    name: &'static str,
    build: Build,
    tests: Vec<TestSpec>,
    schedule: Schedule,
    lang: Lang,
    seed: u64,
    live: Option<Live>,
) -> Result<ExerciseResult> {
    let Build {
        binaries,
        dir,
        target_dir,
        renames,
    } = build;
    let progress =
        crate::progress::Progress::start(tr!(lang, "building {} …", "{} 빌드 중…", dir.display()));
    let built = build::build(&dir, &target_dir, binaries)
        .await?
        .and_then(|bins| build::rename(bins, &renames));
    let bins = match built {
        Ok(bins) => Arc::new(bins),
        Err(failure) => {
            let message = build_message(lang, &failure);
            let tests = tests.iter().map(|spec| not_run(spec, lang)).collect();
            return Ok(ExerciseResult {
                name,
                dir,
                build_error: Some(message),
                tests,
            });
        }
    };
    let startup = Arc::default();
    let total = tests.len();
    progress.set(format!("{name}: {total} …"));
    let shared = schedule::Shared {
        bins,
        startup,
        lang,
        seed,
    };
    let results = schedule::run_side_by_side(tests, schedule, shared, live, |result, left| {
        progress.line(format!(
            "  {} … {} ({:.1} s)",
            result.id,
            schedule::verdict(lang, result),
            result.duration.as_secs_f64()
        ));
        progress.set(format!("{name}: {left}/{total} …"));
    })
    .await;
    let elapsed = progress.elapsed();
    progress.finish(summary(lang, name, &results, elapsed));
    Ok(ExerciseResult {
        name,
        dir,
        build_error: None,
        tests: results,
    })
}

/// An exercise's one progress line without a terminal.
fn summary(lang: Lang, name: &str, results: &[TestResult], elapsed: Duration) -> String {
    let passed = results.iter().filter(|r| r.status == Status::Pass).count();
    let total = results.len();
    let secs = elapsed.as_secs_f64();
    tr!(
        lang,
        "{name}: {passed} of {total} tests passed ({secs:.1} s)",
        "{name}: 테스트 {total}개 중 {passed}개 통과({secs:.1}초)"
    )
}

/// Aborts the task when dropped: a cancelled grade leaves no test running.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one test on its own task, bounded by its timeout. When the bound hits,
/// the task is aborted, which drops (and so kills) the processes it started.
async fn run_test(spec: &TestSpec, ctx: Ctx) -> TestResult {
    let lang = ctx.lang;
    let start = Instant::now();
    let mut task = AbortOnDrop(tokio::spawn((spec.run)(ctx.clone())));
    let outcome = match tokio::time::timeout(spec.timeout, &mut task.0).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(panic)) => Err(Failure::new(
            Step::Start,
            tr!(
                lang,
                "the grader itself failed in this test: {panic}",
                "이 테스트에서 채점기 자체가 실패했습니다: {panic}"
            ),
        )),
        Err(_) => {
            task.0.abort();
            let (secs, step) = (spec.timeout.as_secs(), ctx.step());
            let step_name = step.name(lang);
            Err(Failure::new(
                step,
                tr!(
                    lang,
                    "the test did not finish within {secs} s; it was waiting at step `{step_name}`",
                    "테스트가 {secs}초 안에 끝나지 않았습니다. `{step_name}` 단계에서 기다리고 있었습니다"
                ),
            )
            .with_kind(cause::Kind::TimedOut))
        }
    };
    let duration = start.elapsed();
    let title = spec.title.get(lang);
    match outcome {
        Ok(()) => TestResult {
            id: spec.id,
            title,
            points: spec.points,
            max: spec.points,
            status: Status::Pass,
            failure: None,
            hint: None,
            duration,
        },
        Err(failure) => {
            // No cause yet: what the test's programs left on stderr, and how they ended.
            let failure = Failure {
                cause: failure.cause.clone().or_else(|| ctx.cause().map(Box::new)),
                ..failure
            };
            let hint = cause::choose_hint(
                lang,
                failure.hint.as_ref(),
                failure.cause.as_deref(),
                failure.kind,
                spec.hint.get(lang),
            );
            TestResult {
                id: spec.id,
                title,
                points: 0,
                max: spec.points,
                status: Status::Fail,
                hint: Some(hint),
                failure: Some(failure),
                duration,
            }
        }
    }
}

fn not_run(spec: &TestSpec, lang: Lang) -> TestResult {
    TestResult {
        id: spec.id,
        title: spec.title.get(lang),
        points: 0,
        max: spec.points,
        status: Status::Error,
        failure: None,
        hint: None,
        duration: Duration::ZERO,
    }
}

fn build_message(lang: Lang, failure: &BuildFailure) -> String {
    match failure {
        BuildFailure::Compile(error) => tr!(
            lang,
            "the crate does not compile; the compiler's first error:\n{error}",
            "크레이트가 컴파일되지 않습니다. 컴파일러의 첫 오류:\n{error}"
        ),
        BuildFailure::Cargo(Some(line)) => tr!(
            lang,
            "the crate does not build; cargo's first error:\n{line}",
            "크레이트가 빌드되지 않습니다. cargo의 첫 오류:\n{line}"
        ),
        BuildFailure::Cargo(None) => lang
            .pick(
                "the crate does not build, and cargo printed no error line; run `cargo build` in the crate's folder to see why",
                "크레이트가 빌드되지 않았는데 cargo가 오류 줄을 출력하지 않았습니다. 크레이트 폴더에서 `cargo build`를 실행해 원인을 확인하세요",
            )
            .to_string(),
        BuildFailure::BuildScript(line) => tr!(
            lang,
            "the crate does not build: a build script (build.rs) failed; its output is not shown. Run `cargo build` in the crate's folder to see it.\n{line}",
            "크레이트가 빌드되지 않습니다. 빌드 스크립트(build.rs)가 실패했습니다. 그 출력은 보여 주지 않습니다. 크레이트 폴더에서 `cargo build`를 실행하면 볼 수 있습니다.\n{line}"
        ),
        BuildFailure::MissingBinary(bin) => tr!(
            lang,
            "the crate builds, but has no binary `{bin}` (keep the starter's src/bin/ files)",
            "크레이트는 빌드되지만 바이너리 {bin_ga} 없습니다(시작 코드의 src/bin/ 파일을 유지하세요)",
            bin_ga = josa::josa_code(bin, "이/가")
        ),
        BuildFailure::TimedOut => lang
            .pick(
                "the build did not finish in time",
                "빌드가 제한 시간 안에 끝나지 않았습니다",
            )
            .to_string(),
    }
}

/// Grades one exercise crate at `dir` with the tests `grade` runs, hidden
/// ones included (for `cargo xtask watch`, which draws its own screen). With
/// `live`, the tests run at once and each result is sent as it comes.
pub async fn grade_one(
    name: &str,
    dir: PathBuf,
    target_root: &Path,
    lang: Lang,
    seed: u64,
    live: Option<Live>,
) -> Result<ExerciseResult> {
    let Some(exercise) = exercises::find(name) else {
        return Err(tr_error!(
            "unknown exercise `{name}`",
            "알 수 없는 실습 `{name}`입니다"
        ));
    };
    let target_dir = target_root.join(target_name(exercise.name, &dir));
    deps::seed_all(lang, vec![(exercise.dir, dir.clone(), target_dir.clone())]).await;
    let tests = exercise.all_tests();
    let build = Build {
        binaries: exercise.binaries,
        dir,
        target_dir,
        renames: Vec::new(),
    };
    grade_exercise(
        exercise.name,
        build,
        tests,
        exercise.schedule,
        lang,
        seed,
        live,
    )
    .await
}

/// The tests [`grade_one`] runs, in order, as not yet run (status `Error`,
/// no points): what watch shows for the tests still running.
pub fn not_yet_run(name: &str, lang: Lang) -> Vec<TestResult> {
    let Some(exercise) = exercises::find(name) else {
        return Vec::new();
    };
    exercise
        .all_tests()
        .iter()
        .map(|spec| not_run(spec, lang))
        .collect()
}

/// One test as the Classroom export and the gradebook see it.
#[derive(Clone, Copy)]
pub struct TestInfo {
    pub id: &'static str,
    pub points: u32,
    pub timeout: Duration,
    pub hidden: bool,
    pub title: lang::Text,
    /// The contract rules it checks.
    pub rules: &'static [&'static str],
}

/// One exercise with every test the grader has for it, public and hidden.
pub struct ExerciseInfo {
    pub name: &'static str,
    /// The folder under exercises/ and solutions/.
    pub dir: &'static str,
    pub tests: Vec<TestInfo>,
    /// The contract's rules, each checked by a test.
    pub rules: &'static [&'static str],
}

/// The grader's test list: the single source for the export's workflow, its
/// hidden-test summary, and the gradebook's columns.
pub fn catalog() -> Vec<ExerciseInfo> {
    exercises::all()
        .into_iter()
        .map(|exercise| {
            let specs = exercise.all_tests();
            ExerciseInfo {
                name: exercise.name,
                dir: exercise.dir,
                tests: specs
                    .iter()
                    .map(|spec| TestInfo {
                        id: spec.id,
                        points: spec.points,
                        timeout: spec.timeout,
                        hidden: spec.visibility == spec::Visibility::Hidden,
                        title: spec.title,
                        rules: spec.rules,
                    })
                    .collect(),
                rules: exercise.rules,
            }
        })
        .collect()
}

/// A target directory per graded crate, stable across runs so warm grades are fast.
fn target_name(exercise: &str, dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let hash = spec::fnv1a(dir.to_string_lossy().as_bytes());
    let leaf = dir.file_name().unwrap_or_default().to_string_lossy();
    format!("{exercise}-{leaf}-{:08x}", hash as u32)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    u64::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|_| {
        tr!(
            cli_lang(),
            "not a hex seed (like 74017cff)",
            "16진수 시드(74017cff 같은 값)가 아닙니다"
        )
    })
}
