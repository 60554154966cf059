//! `cargo xtask gradebook SUBMISSIONS_DIR --template DIR --csv FILE`: the
//! instructor's own re-grade of every student repository in a folder (as
//! `gh classroom clone student-repos` lays them out), with this repository's
//! grader, hidden tests included.
//!
//! Each submission is graded by a child `xtask grade --submission`, several at
//! once, each bounded in time (`--timeout`); the grader bounds every build,
//! test and output inside, and builds and runs the student's code in the
//! sandbox (`sandbox.rs`; `--no-sandbox` turns it off). The child's result
//! comes back over a pipe, never through a file a student's process could
//! write; its report goes to `<target-dir>/<student>/report.txt`, and the
//! folder the submission was built in is removed once it is graded (tens of
//! MiB a student: a class of 100 kept 2.6 GiB; `--keep-builds` keeps them).
//! The CSV has
//! one row per student: a column per test of each exercise, the exercise's
//! total, the total, and `flags` (`flags/`): what in the submission deserves
//! a look, and `timed-out`, `grader-error` or `does-not-build:<exercise>`
//! when grading did not go through. It is rewritten atomically after each
//! student. At the end, the similarity report goes beside it
//! (`grades.similarity.csv` and `.html`, `crate::similarity`).
//!
//! `--shard K/N` grades one part of the class and `gradebook merge` joins
//! the parts into the same CSV (`shard.rs`, `merge.rs`): a class spread over
//! GitHub Actions' machines (`classroom regrade-workflow`).

mod csv;
mod flags;
mod merge;
pub mod shard;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::grade;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct GradebookArgs {
    #[command(subcommand)]
    command: Option<GradebookCommand>,
    /// The folder of student repositories, one folder per student.
    #[arg(required = true)]
    submissions: Option<PathBuf>,
    /// Write the gradebook here.
    #[arg(long, value_name = "FILE", required = true)]
    csv: Option<PathBuf>,
    /// The student template (from `cargo xtask classroom export`) to compare
    /// the grader and workflow files against.
    #[arg(long, value_name = "DIR", required = true)]
    template: Option<PathBuf>,
    /// Grade only this exercise (default: all of them; several: comma-separated).
    #[arg(long, value_name = "NAME")]
    exercise: Option<String>,
    /// How many submissions to grade at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// The bound on one submission's whole grade, builds included, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1200)]
    timeout: u64,
    /// The same random data for every student (hex; default: random, printed).
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Where the submissions are built, one folder each (default: target/gradebook/).
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// Run only the tests whose id contains one of these (comma-separated).
    #[arg(long, value_name = "TEXT", value_delimiter = ',')]
    only: Vec<String>,
    /// Build and run the students' code without the sandbox: their build.rs
    /// and programs then run as you, with your files and network, and can
    /// change grades (theirs and others').
    #[arg(long)]
    no_sandbox: bool,
    /// Every submission builds its exercises' dependencies itself, in its
    /// own target dir (the way before the shared cache; `bench gradebook`).
    #[arg(long, hide = true)]
    own_deps: bool,
    /// Keep each submission's build folder (`<target-dir>/<student>/build`)
    /// after its grade, to run a student's programs by hand; by default only
    /// its report stays.
    #[arg(long)]
    keep_builds: bool,
    /// Grade only shard K of N (1-based): every N-th student of the sorted
    /// class, from the K-th; needs --seed. Writes FILE.shard.json beside the
    /// CSV for `gradebook merge`.
    #[arg(long, value_name = "K/N", value_parser = shard::parse, requires = "seed")]
    shard: Option<shard::Shard>,
    /// The class: GitHub repositories (`owner/name`), one per line, each in
    /// the folder of its name (default: every folder with a Cargo.toml).
    #[arg(long, value_name = "FILE")]
    roster: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum GradebookCommand {
    /// Join the CSVs of `--shard 1/N` … `N/N` into one gradebook (`merge --csv FILE SHARD_CSV...`).
    Merge(merge::MergeArgs),
    /// Print a roster's repositories, of one shard with --shard K/N (what a shard job clones).
    Roster(shard::RosterArgs),
}

/// One student's row.
struct Row {
    student: String,
    /// Test id → points, when the grade went through.
    scores: Option<BTreeMap<String, u64>>,
    flags: Vec<String>,
}

pub fn run(root: &Path, args: GradebookArgs) -> Result<()> {
    let (submissions, csv_path, template_dir) = match args.command {
        Some(GradebookCommand::Merge(merge)) => return merge::run(root, merge),
        Some(GradebookCommand::Roster(roster)) => return shard::print_roster(roster),
        // clap requires all three without a subcommand.
        None => match (&args.submissions, &args.csv, &args.template) {
            (Some(s), Some(c), Some(t)) => (s, c, t),
            _ => bail!("give SUBMISSIONS, --csv and --template"),
        },
    };
    if !template_dir
        .join(".github/workflows/classroom.yml")
        .is_file()
    {
        bail!(
            "{} is not a student template (no .github/workflows/classroom.yml); write one with `cargo xtask classroom export`",
            template_dir.display()
        );
    }
    let class = shard::class(submissions, args.roster.as_deref())?;
    if class.is_empty() {
        bail!(
            "no student repositories (folders with a Cargo.toml) in {}",
            submissions.display()
        );
    }
    if args.shard.is_some() {
        // A sidecar says the shard finished: an earlier run's must not stay
        // beside this run's CSV while it is written.
        let _ = fs::remove_file(shard::sidecar_path(csv_path));
    }
    let students: Vec<&Path> = match args.shard {
        Some(shard) => shard.part(&class).into_iter().map(|s| &*s.dir).collect(),
        None => class.iter().map(|s| &*s.dir).collect(),
    };
    let mut catalog = grade::catalog();
    if let Some(list) = &args.exercise {
        let named = grade::exercises::named(list)
            .map_err(|name| anyhow::anyhow!("unknown exercise `{name}`"))?;
        catalog.retain(|e| named.iter().any(|n| n.name == e.name));
    }
    if args.no_sandbox {
        eprintln!(
            "warning: --no-sandbox: every student's build.rs and programs run as you, with your files and network; a hostile submission can change any grade, this CSV included"
        );
    } else {
        // Refuse to grade unsandboxed by accident.
        crate::sandbox::find_bwrap()?;
        #[cfg(unix)]
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            eprintln!(
                "warning: running as root: Linux does not apply the sandbox's process limit (RLIMIT_NPROC) to root; run the gradebook as an ordinary user"
            );
        }
        // The jails build offline: fetch what the exercises use, once.
        grade::sandboxed::prefetch(root, &crate::sandbox::Toolchain::find()?);
    }
    let rustc = warn_on_other_rustc(template_dir);
    let template = flags::Template::load(template_dir)?;
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..) & 0xffff_ffff);
    let target_root = args
        .target_dir
        .clone()
        .unwrap_or_else(|| root.join("target").join("gradebook"));
    let target_root = std::path::absolute(&target_root)?;
    let bound = Duration::from_secs(args.timeout);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, students.len().max(1));
    let of_shard = args.shard.map_or(String::new(), |s| {
        format!(" (shard {s} of a class of {})", class.len())
    });
    eprintln!(
        "grading {} submissions{of_shard}, {jobs} at a time, seed {seed:08x}, at most {} s each",
        students.len(),
        bound.as_secs()
    );

    // Popped from the end: in alphabetical order.
    let queue = Mutex::new(students.iter().rev().collect::<Vec<_>>());
    let rows = Mutex::new(Vec::new());
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let written = Mutex::new(Ok(()));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    // Take the lock for the pop only, not for the whole grade.
                    let next = queue.lock().unwrap().pop();
                    let Some(dir) = next else { break };
                    let start = Instant::now();
                    let job = Job {
                        exe: &exe,
                        exercise: args.exercise.as_deref(),
                        template: &template,
                        target_root: &target_root,
                        seed,
                        bound,
                        only: &args.only,
                        sandbox: !args.no_sandbox,
                        own_deps: args.own_deps,
                        keep_builds: args.keep_builds,
                    };
                    let row = job.grade(dir);
                    eprintln!(
                        "  {} … {:.1} s {}",
                        row.student,
                        start.elapsed().as_secs_f64(),
                        row.flags.join(" ")
                    );
                    // The CSV is rewritten after every student: a killed
                    // gradebook loses only the grades still running.
                    let mut rows = rows.lock().unwrap();
                    rows.push(row);
                    rows.sort_by(|a, b| a.student.cmp(&b.student));
                    let result = write_atomically(csv_path, &csv::render_csv(&catalog, &rows));
                    if result.is_err() {
                        *written.lock().unwrap() = result;
                    }
                }
            });
        }
    });
    written.into_inner().unwrap()?;
    let rows = rows.into_inner().unwrap();
    // Also when no student was left to grade (a shard of an empty part).
    write_atomically(csv_path, &csv::render_csv(&catalog, &rows))?;
    eprintln!("wrote {}", csv_path.display());
    if let Some(shard) = args.shard {
        let sidecar = shard::Sidecar {
            format: shard::FORMAT,
            shard: shard.k,
            shards: shard.n,
            seed: format!("{seed:08x}"),
            exercise: args.exercise.clone(),
            only: args.only.clone(),
            grader: shard::grader_fingerprint(&catalog),
            rustc,
            template: template.fingerprint(),
            columns: csv::render_csv(&catalog, &[]).trim_end().to_string(),
            roster: class.iter().map(|s| s.name.clone()).collect(),
            students: rows.iter().map(|r| r.student.clone()).collect(),
        };
        let path = shard::sidecar_path(csv_path);
        write_atomically(&path, &serde_json::to_string_pretty(&sidecar)?)?;
        eprintln!(
            "wrote {}; once every shard has, `cargo xtask gradebook merge` joins them",
            path.display()
        );
        return Ok(());
    }
    let graded: Vec<_> = catalog.iter().map(|e| e.name).collect();
    crate::similarity::beside_gradebook(root, submissions, csv_path, &graded);
    Ok(())
}

/// Writes `text` to a file beside `path`, then renames it over `path`: a
/// reader sees the old table or the new one, never half of one.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing beside {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// What every submission's grade shares.
struct Job<'a> {
    exe: &'a Path,
    exercise: Option<&'a str>,
    template: &'a flags::Template,
    target_root: &'a Path,
    seed: u64,
    bound: Duration,
    only: &'a [String],
    sandbox: bool,
    own_deps: bool,
    keep_builds: bool,
}

impl Job<'_> {
    /// Grades one student repository: its row of the gradebook.
    fn grade(&self, dir: &Path) -> Row {
        let Job {
            exe,
            exercise,
            template,
            target_root,
            seed,
            bound,
            only,
            sandbox,
            own_deps,
            keep_builds,
        } = *self;
        let student = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // A roster's student who has no repository (never accepted the
        // assignment, or its clone failed).
        if !dir.join("Cargo.toml").is_file() {
            return Row {
                student,
                scores: None,
                flags: vec!["no-submission".into()],
            };
        }
        let mut flags = flags::flags(dir, template, Instant::now() + bound);
        let target = target_root.join(&student);
        let _ = fs::create_dir_all(&target);
        // The grader's report and progress (stderr) go to a file of the
        // gradebook's; its result comes back over a pipe, never through a
        // file a student's process could write.
        let report = fs::File::create(target.join("report.txt")).map(Stdio::from);
        let child = report.and_then(|report| {
            let mut command = Command::new(exe);
            command
                .arg("grade")
                .args(exercise)
                .arg("--submission")
                .arg(dir)
                .args(["--json", "-"])
                .arg("--target-dir")
                .arg(target.join("build"))
                .args(["--lang", "en", "--seed", &format!("{seed:08x}")])
                .env(grade::sandboxed::FETCHED, "1")
                // Unsandboxed too, each build is graded once (see the build jail's env).
                .env("CARGO_INCREMENTAL", "0")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(report);
            if !only.is_empty() {
                command.arg("--only").arg(only.join(","));
            }
            if !sandbox {
                command.arg("--no-sandbox");
            }
            if own_deps {
                command.env(grade::OWN_DEPS, "1");
            }
            // A gradebook that is killed takes its graders with it: SIGTERM,
            // which a grader answers by killing what it started (and which
            // ends bubblewrap, whose jails die with it).
            #[cfg(target_os = "linux")]
            {
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
            command.spawn()
        });
        let (status, json) = match child {
            Ok(mut child) => {
                let stdout = child.stdout.take().expect("piped stdout");
                let reader = std::thread::spawn(move || read_bounded(stdout, RESULT_LIMIT));
                let status = wait_bounded(child, bound);
                (status, reader.join().unwrap_or_default())
            }
            Err(err) => {
                eprintln!("  {student}: could not start the grader: {err}");
                (None, Vec::new())
            }
        };
        // The grader has ended (or was killed with what it started): its
        // build folder is no longer in use.
        if !keep_builds {
            let _ = fs::remove_dir_all(target.join("build"));
        }
        let scores = match status {
            None => {
                flags.push("timed-out".into());
                None
            }
            // 0: all passed, 1: some failed; anything else: the grader could not grade.
            Some(status) if matches!(status.code(), Some(0 | 1)) => match read_scores(&json) {
                Some((scores, broken)) => {
                    flags.extend(broken.into_iter().map(|e| format!("does-not-build:{e}")));
                    Some(scores)
                }
                None => {
                    flags.push("grader-error".into());
                    None
                }
            },
            Some(_) => {
                flags.push("grader-error".into());
                None
            }
        };
        flags.sort();
        Row {
            student,
            scores,
            flags,
        }
    }
}

/// The grader's JSON for three exercises is tens of KiB.
const RESULT_LIMIT: u64 = 8 * 1024 * 1024;

/// Reads up to `limit` bytes, then drains the rest (so the writer never blocks).
fn read_bounded(from: impl std::io::Read, limit: u64) -> Vec<u8> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let mut from = from;
    let _ = (&mut from).take(limit).read_to_end(&mut bytes);
    let _ = std::io::copy(&mut from, &mut std::io::sink());
    bytes
}

/// Waits for the grader; at the bound, asks it to stop (on Unix SIGTERM, which
/// it answers by killing the student's processes), then kills it.
fn wait_bounded(mut child: Child, bound: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < bound => {
                std::thread::sleep(Duration::from_millis(100));
            }
            _ => break,
        }
    }
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let grace = Instant::now();
        while grace.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Points per test id, and the exercises that did not build.
fn read_scores(json: &[u8]) -> Option<(BTreeMap<String, u64>, Vec<String>)> {
    let json: Value = serde_json::from_slice(json).ok()?;
    let mut scores = BTreeMap::new();
    let mut broken = Vec::new();
    for test in json["tests"].as_array()? {
        let id = test["name"].as_str()?.split(' ').next()?.to_string();
        if test["status"] == "error" {
            let exercise = id.split('.').next().unwrap_or_default().to_string();
            if !broken.contains(&exercise) {
                broken.push(exercise);
            }
        }
        scores.insert(id, test["score"].as_u64()?);
    }
    Some((scores, broken))
}

fn parse_seed(text: &str) -> Result<u64, String> {
    u64::from_str_radix(text.trim_start_matches("0x"), 16)
        .map_err(|e| format!("not a hex seed: {e}"))
}

/// The template pins the rustc that Classroom grades with
/// (rust-toolchain.toml); another one here may build a submission
/// differently (a newer lint, an API not yet stable), so say so.
fn warn_on_other_rustc(template: &Path) -> String {
    let pinned = fs::read_to_string(template.join("rust-toolchain.toml"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix("channel = "))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| crate::classroom::TOOLCHAIN.to_string());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if !version.starts_with(&format!("rustc {pinned} ")) {
        eprintln!(
            "warning: grading with `{version}`, but the template pins rustc {pinned} (rust-toolchain.toml), which GitHub Classroom uses: a submission may build differently here; `rustup toolchain install {pinned}` and run with `cargo +{pinned} xtask gradebook …`"
        );
    }
    version
}
