//! The student's programs, run under control: each in its own process group
//! (a job object on Windows, see [`super::process_group`]) so that it and
//! every child it spawns are killed when its test ends.
//!
//! Their stdin, stdout and stderr are files, not pipes. A pipe would let a
//! student's program stall the grader: on Linux, `io::copy` from a socket to
//! a pipe uses splice(2), which holds the pipe's lock while it waits for the
//! network, so even a non-blocking read of that pipe sleeps uninterruptibly
//! in the grader's thread. Files also keep what a program wrote for the report,
//! and their size tells whether output keeps flowing.

use std::fs::File;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use process_wrap::tokio::CommandWrap;

use super::cause::{Cause, Probe};
use super::josa::josa;
use super::lang::{Lang, Step, tr};
use super::process_group::Group;
use super::spec::{Ctx, Failure};
use crate::sandbox::Jail;

/// How much of stdout may come before the readiness line.
const READY_OUTPUT_LIMIT: u64 = 64 * 1024;
/// How often the grader looks at a program's output files.
const POLL: Duration = Duration::from_millis(10);

/// How long a server may take to print its readiness line.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts the server `name` of the crate under test with `args` and waits for
/// its readiness line, `listening on <ip>:<port>`. A failure that would repeat
/// (a silent or flooding server) is remembered, and the exercise's later tests
/// report it at once instead of waiting again.
pub async fn start_server(
    ctx: &Ctx,
    name: &str,
    args: &[String],
    output_limit: u64,
) -> Result<(Proc, SocketAddr), Failure> {
    start_spawned(ctx, name, |program| {
        Proc::spawn(program, args, None, output_limit)
    })
    .await
}

/// Like [`start_server`], on a disk that is full after `file_size` bytes
/// (see [`Proc::spawn_with_full_disk`]).
#[cfg(unix)]
pub async fn start_server_with_full_disk(
    ctx: &Ctx,
    name: &str,
    args: &[String],
    output_limit: u64,
    file_size: u64,
) -> Result<(Proc, SocketAddr), Failure> {
    start_spawned(ctx, name, |program| {
        Proc::spawn_with_full_disk(program, args, output_limit, file_size)
    })
    .await
}

async fn start_spawned(
    ctx: &Ctx,
    name: &str,
    spawn: impl FnOnce(&Path) -> std::io::Result<Proc>,
) -> Result<(Proc, SocketAddr), Failure> {
    ctx.at(Step::Listen);
    if let Some(failure) = ctx.startup_failure() {
        return Err(failure);
    }
    let lang = ctx.lang;
    let mut server = spawn(&ctx.bin(name)).map_err(|err| {
        Failure::new(
            Step::Start,
            tr!(
                lang,
                "could not start {name}: {err}",
                "{name_reul} 실행하지 못했습니다: {err}",
                name_reul = josa(&name, "을/를")
            ),
        )
    })?;
    server.probe.server.store(true, Ordering::Relaxed);
    ctx.watch(server.probe());
    match server.wait_ready(lang, READY_TIMEOUT).await {
        Ok(addr) => Ok((server, addr)),
        Err((failure, again)) => {
            if again {
                ctx.remember_startup_failure(&failure);
            }
            Err(match server.starter_hint(lang) {
                Some(hint) => failure.with_hint(hint),
                None => failure,
            })
        }
    }
}

/// A running student program. Dropping it kills its whole process group.
pub struct Proc {
    name: String,
    group: Group,
    /// Holds stdin/stdout/stderr (in `probe.dir`, removed when the last probe goes).
    dir: Arc<tempfile::TempDir>,
    status: Option<ExitStatus>,
    output_limit: u64,
    /// Set when the program wrote more than its output limit and was killed.
    flooded: Arc<AtomicBool>,
    /// Its stderr and status, for the report after the test dropped it.
    probe: Probe,
    watchdog: tokio::task::JoinHandle<()>,
}

impl Proc {
    /// Starts `program` with `args`, with `stdin` as its standard input (or an
    /// empty one). A program that writes more than `output_limit` bytes to
    /// stdout and stderr together is killed.
    pub fn spawn(
        program: &Path,
        args: &[String],
        stdin: Option<&[u8]>,
        output_limit: u64,
    ) -> std::io::Result<Proc> {
        Proc::spawn_in(None, program, args, stdin, output_limit)
    }

    /// Like `spawn`, in the working directory `cwd` (where relative paths land).
    /// When the run is sandboxed, the program runs in the programs' jail.
    pub fn spawn_in(
        cwd: Option<&Path>,
        program: &Path,
        args: &[String],
        stdin: Option<&[u8]>,
        output_limit: u64,
    ) -> std::io::Result<Proc> {
        Proc::spawn_jailed(
            crate::sandbox::program_jail(),
            cwd,
            program,
            args,
            stdin,
            output_limit,
        )
    }

    /// Like `spawn_in`, inside `jail` when there is one (see `sandbox.rs`).
    pub fn spawn_jailed(
        jail: Option<&Jail>,
        cwd: Option<&Path>,
        program: &Path,
        args: &[String],
        stdin: Option<&[u8]>,
        output_limit: u64,
    ) -> std::io::Result<Proc> {
        Proc::spawn_full(jail, cwd, program, args, stdin, output_limit, None)
    }

    /// Like `spawn`, with a full disk after `file_size` bytes: no file the
    /// program writes can grow past it (RLIMIT_FSIZE), and a write past it
    /// fails with EFBIG instead of killing the program (SIGXFSZ ignored), as
    /// a write to a full disk fails with ENOSPC. Unix only.
    #[cfg(unix)]
    pub fn spawn_with_full_disk(
        program: &Path,
        args: &[String],
        output_limit: u64,
        file_size: u64,
    ) -> std::io::Result<Proc> {
        Proc::spawn_full(
            crate::sandbox::program_jail(),
            None,
            program,
            args,
            None,
            output_limit,
            Some(file_size),
        )
    }

    fn spawn_full(
        jail: Option<&Jail>,
        cwd: Option<&Path>,
        program: &Path,
        args: &[String],
        stdin: Option<&[u8]>,
        output_limit: u64,
        file_size: Option<u64>,
    ) -> std::io::Result<Proc> {
        let name = program
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (program, args) = match jail {
            Some(jail) => jail.command(program, args, cwd),
            None => (program.to_path_buf(), args.to_vec()),
        };
        #[cfg(unix)]
        let limits = jail.map(Jail::limits);
        let jailed = jail.is_some();
        let dir = Arc::new(tempfile::Builder::new().prefix("socket-lab-").tempdir()?);
        let input = match stdin {
            Some(bytes) => {
                let path = dir.path().join("stdin");
                std::fs::write(&path, bytes)?;
                Stdio::from(File::open(&path)?)
            }
            None => Stdio::null(),
        };
        let stdout = File::create(dir.path().join("stdout"))?;
        let stderr = File::create(dir.path().join("stderr"))?;
        let command = CommandWrap::with_new(&program, |command| {
            command
                .args(&args)
                .stdin(input)
                .stdout(stdout)
                .stderr(stderr)
                // Short panic messages: the report quotes them.
                .env("RUST_BACKTRACE", "0")
                .kill_on_drop(true);
            if let Some(cwd) = cwd {
                command.current_dir(cwd);
            }
            #[cfg(unix)]
            if limits.is_some() || file_size.is_some() {
                // SAFETY: only setrlimit and sigaction run between fork and exec.
                unsafe {
                    command.pre_exec(move || {
                        if let Some(limits) = limits {
                            crate::sandbox::apply_limits(limits)?;
                        }
                        if let Some(bytes) = file_size {
                            full_disk_at(bytes)?;
                        }
                        Ok(())
                    });
                }
            }
            #[cfg(not(unix))]
            let _ = file_size;
        });
        let group = Group::spawn(command, jailed)?;
        let flooded = Arc::new(AtomicBool::new(false));
        let watchdog = tokio::spawn(watch_output(
            dir.path().to_path_buf(),
            output_limit,
            group.clone(),
            flooded.clone(),
        ));
        let probe = Probe {
            program: name.clone(),
            dir: dir.clone(),
            status: Arc::default(),
            flooded: flooded.clone(),
            output_limit,
            server: Arc::default(),
        };
        Ok(Proc {
            name,
            group,
            dir,
            status: None,
            output_limit,
            flooded,
            probe,
            watchdog,
        })
    }

    fn stdout_path(&self) -> PathBuf {
        self.dir.path().join("stdout")
    }

    /// How many bytes the program has written to stdout so far.
    pub fn stdout_len(&self) -> u64 {
        std::fs::metadata(self.stdout_path()).map_or(0, |m| m.len())
    }

    /// What the program wrote to stdout, up to `limit` bytes.
    pub fn stdout(&self, limit: u64) -> Vec<u8> {
        read_up_to(&self.stdout_path(), limit)
    }

    /// Has the program exited? (Does not wait.)
    pub fn exited(&mut self) -> bool {
        if self.status.is_none()
            && let Ok(Some(status)) = self.group.try_wait()
        {
            self.status = Some(status);
            *self.probe.status.lock().unwrap() = Some(status);
        }
        self.status.is_some()
    }

    /// A program started like a server (a readiness line) that ends on its
    /// own, such as a receiver of one file: its exit is what its test
    /// checks, not a cause (its panic, signal or flood still is).
    pub fn runs_to_its_end(&self) {
        self.probe
            .server
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// What the report can read about this program after the test dropped it.
    pub fn probe(&self) -> Probe {
        self.probe.clone()
    }

    /// Why the program failed, as its stderr and status say now (see [`Probe::cause`]).
    pub fn cause(&mut self) -> Option<Cause> {
        self.exited();
        self.probe.cause()
    }

    /// The program's peak resident memory so far, in KiB (Linux only; see
    /// [`Group::peak_rss_kib`]).
    #[cfg(target_os = "linux")]
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.group.peak_rss_kib()
    }

    /// Sends SIGTERM to the program (see [`Group::terminate`]).
    #[cfg(unix)]
    pub fn terminate(&self) -> std::io::Result<()> {
        self.group.terminate()
    }

    /// Was the program killed for writing too much?
    pub fn flooded(&self) -> bool {
        self.flooded.load(Ordering::Relaxed)
    }

    /// Waits for the server's readiness line, `listening on <ip>:<port>`, and
    /// returns the address it names. The second part of an error is true when
    /// the same program would fail the same way again (silent or flooding).
    pub async fn wait_ready(
        &mut self,
        lang: Lang,
        timeout: Duration,
    ) -> Result<SocketAddr, (Failure, bool)> {
        let name = self.name.clone();
        let start = Instant::now();
        let outcome = loop {
            let exited = self.exited();
            // Read after checking for exit, so a line written just before exit counts.
            let seen = self.stdout(READY_OUTPUT_LIMIT + 1);
            if let Some(addr) = ready_line(&seen) {
                break Ok(addr);
            }
            if seen.len() as u64 > READY_OUTPUT_LIMIT {
                break Err(Ready::Flood);
            }
            if exited {
                break Err(Ready::Closed);
            }
            if start.elapsed() >= timeout {
                break Err(Ready::Silent);
            }
            tokio::time::sleep(POLL).await;
        };
        let limit_kib = READY_OUTPUT_LIMIT / 1024;
        let secs = timeout.as_secs();
        let again = matches!(outcome, Err(Ready::Flood | Ready::Silent));
        let failure = match outcome {
            Ok(addr_text) => {
                return addr_text.parse().map_err(|_| {
                    let addr_text =
                        super::transcript::escape_line(&addr_text, super::transcript::LINE_MAX);
                    let failure = Failure::new(
                        Step::Listen,
                        tr!(
                            lang,
                            "{name} printed `listening on {addr_text}`, but `{addr_text}` is not an address like 127.0.0.1:7878",
                            "{name_ga} 준비 완료 줄로 `listening on {addr_text}`라고 출력했지만, 그 주소 부분은 127.0.0.1:7878 같은 주소가 아닙니다",
                            name_ga = josa(&name, "이/가")
                        ),
                    );
                    (failure, false)
                });
            }
            Err(Ready::Flood) => Failure::new(
                Step::Listen,
                tr!(
                    lang,
                    "{name} wrote over {limit_kib} KiB to stdout without a `listening on <ip>:<port>` line",
                    "{name_ga} 준비 완료 줄 `listening on <ip>:<port>` 없이 표준 출력에 {limit_kib} KiB 넘게 썼습니다",
                    name_ga = josa(&name, "이/가")
                ),
            )
            .with_hint(
                lang.pick(
                    "Print exactly one line to stdout once the listener is bound; send diagnostics to stderr (eprintln!).",
                    "리스너를 바인드한 뒤 표준 출력에는 정확히 한 줄만 출력하세요. 진단 메시지는 표준 오류(eprintln!)로 보냅니다.",
                )
                .into(),
            ),
            Err(Ready::Closed) => {
                let note = self.death_note(lang).await;
                // The cause, when there is one, says how it ended (once, in the report).
                let cause = self.cause();
                let note = if cause.is_some() { String::new() } else { note };
                let failure = Failure::new(
                    Step::Listen,
                    tr!(
                        lang,
                        "{name} exited before printing `listening on <ip>:<port>`{note}",
                        "{name_ga} 준비 완료 줄 `listening on <ip>:<port>`를 출력하기 전에 종료했습니다{note}",
                        name_ga = josa(&name, "이/가")
                    ),
                )
                .with_cause(cause);
                match self.starter_hint(lang) {
                    Some(hint) => failure.with_hint(hint),
                    None => failure,
                }
            }
            Err(Ready::Silent) => {
                // The cause's own sentence: the report says it once.
                let cause = Cause::NotReady {
                    program: name.clone(),
                    secs,
                };
                Failure::new(Step::Listen, cause.describe(lang)).with_cause(Some(cause))
            }
        };
        Err((failure, again))
    }

    /// Waits up to `timeout` for the program to exit.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while !self.exited() && start.elapsed() < timeout {
            tokio::time::sleep(POLL).await;
        }
        self.status
    }

    /// Has the program exited? If so, " (exit code 101: panicked at …)" for a report.
    pub async fn death_note(&mut self, lang: Lang) -> String {
        let Some(status) = self.wait_exit(Duration::from_millis(300)).await else {
            return String::new();
        };
        if self.flooded() {
            let kib = self.output_limit / 1024;
            return tr!(
                lang,
                " (killed: it wrote over {kib} KiB to stdout and stderr)",
                " (강제 종료: 표준 출력과 표준 오류에 {kib} KiB 넘게 씀)"
            );
        }
        let mut note = match status.code() {
            Some(code) => tr!(lang, " (exit code {code}", " (종료 코드 {code}"),
            None => lang
                .pick(" (killed by a signal", " (시그널로 종료됨")
                .to_string(),
        };
        if let Some(panic) = self.panic_message() {
            let panic = super::cause::panic_text(lang, &panic);
            note.push_str(&tr!(lang, ": panicked: {panic}", ": 패닉: {panic}"));
        }
        note.push(')');
        note
    }

    /// [`Proc::death_note`] for a sentence that already gave the exit code:
    /// only what else ended it (a panic, a flood), or nothing.
    pub async fn note_after_code(&mut self, lang: Lang) -> String {
        if self.wait_exit(Duration::from_millis(300)).await.is_none() {
            return String::new();
        }
        if self.flooded() {
            return self.death_note(lang).await;
        }
        match self.panic_message() {
            Some(panic) => {
                let panic = super::cause::panic_text(lang, &panic);
                tr!(lang, " (a panic: {panic})", " (패닉: {panic})")
            }
            None => String::new(),
        }
    }

    /// Waits up to `wait` for the program to exit; fails at `step` with
    /// "`what` did not exit within N s" if it is still running.
    pub async fn exit_within(
        &mut self,
        lang: Lang,
        step: Step,
        what: &str,
        wait: Duration,
    ) -> Result<ExitStatus, Failure> {
        let secs = wait.as_secs();
        self.wait_exit(wait).await.ok_or_else(|| {
            Failure::new(
                step,
                tr!(
                    lang,
                    "{what} did not exit within {secs} s",
                    "{what}: {secs}초 안에 끝나지 않았습니다"
                ),
            )
        })
    }

    /// Fails unless the program exited with `code`: "`what` should exit with
    /// code 0, it exited with 1 (a panic: …)", its stderr as the transcript,
    /// and the starter's hint when a `todo!()` ended it. No kind: which exit
    /// code, when, is what each test's own hint says (and a panic or a
    /// signal is a cause, found without us).
    pub async fn expect_exit_code(
        &mut self,
        lang: Lang,
        what: &str,
        status: ExitStatus,
        code: i32,
    ) -> Result<(), Failure> {
        if status.code() == Some(code) {
            return Ok(());
        }
        let got = status.code().map_or("-".to_string(), |c| c.to_string());
        let note = self.note_after_code(lang).await;
        let failure = Failure::new(
            Step::Exit,
            tr!(
                lang,
                "{what} should exit with code {code}, it exited with {got}{note}",
                "{what}: 종료 코드 {code_ro} 끝나야 하는데 {got_ro} 끝났습니다{note}",
                code_ro = josa(&code, "(으)로"),
                got_ro = josa(&got, "(으)로")
            ),
        )
        .with_transcript(super::transcript::stderr_lines(self.stderr_text().lines()))
        // Its own panic explains this failure, whatever other program the
        // test watches (the starter's receiver panics too, elsewhere).
        .with_cause(self.cause().filter(|c| matches!(c, Cause::Panic { .. })));
        Err(match self.starter_hint(lang) {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        })
    }

    /// The panic message on stderr, if the program panicked: "not yet implemented (src/…:12:5)".
    pub fn panic_message(&self) -> Option<String> {
        let (message, location) = self.probe.panic()?;
        Some(format!("{message} ({location})"))
    }

    /// The starter's `todo!()` says what to do first.
    pub fn starter_hint(&self, lang: Lang) -> Option<String> {
        let panic = self.panic_message()?;
        panic
            .starts_with("not yet implemented")
            .then(|| super::cause::starter_hint(lang))
    }

    /// What the program wrote to stderr (cut to a bound: its head and tail).
    pub fn stderr_text(&self) -> String {
        self.probe.stderr_text()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // The whole group goes (see `Group::kill`).
        self.watchdog.abort();
        // The status before the kill: the report tells a program that died
        // on its own from one the grader stopped.
        self.exited();
        self.group.kill();
    }
}

enum Ready {
    Flood,
    Closed,
    Silent,
}

/// The address in the first complete `listening on <addr>` line, if any.
fn ready_line(stdout: &[u8]) -> Option<String> {
    let complete = &stdout[..stdout.iter().rposition(|&b| b == b'\n')? + 1];
    String::from_utf8_lossy(complete).lines().find_map(|line| {
        line.trim_end()
            .strip_prefix("listening on ")
            .map(str::to_string)
    })
}

fn read_up_to(path: &Path, limit: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Ok(file) = File::open(path) {
        let _ = file.take(limit).read_to_end(&mut bytes);
    }
    bytes
}

/// Kills the program once its output files grow past `limit` bytes, so that a
/// program printing in a loop cannot fill the disk.
async fn watch_output(dir: PathBuf, limit: u64, group: Group, flooded: Arc<AtomicBool>) {
    let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if size("stdout") + size("stderr") > limit {
            flooded.store(true, Ordering::Relaxed);
            group.kill();
            return;
        }
    }
}

/// Between fork and exec: files stop growing at `bytes` (a lower limit
/// than the jail's wins), and SIGXFSZ is ignored, so the write past it fails
/// (EFBIG) rather than killing the program. An ignored signal stays ignored
/// across exec.
#[cfg(unix)]
fn full_disk_at(bytes: u64) -> std::io::Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit, setrlimit and signal only read and write their
    // arguments; all three are async-signal-safe.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let bytes = bytes as libc::rlim_t;
        limit.rlim_cur = limit.rlim_cur.min(bytes);
        if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
