//! Tests of what every program of the lab shares, whatever it serves: bad
//! arguments (a usage line on stderr, exit code 2), a failed start (one line
//! on stderr, exit code 1), the default address, and a stdout that carries
//! the readiness line and nothing else (diagnostics go to stderr). The
//! contract tables' "Default address", "Diagnostics", "Bind failure" and "Bad
//! arguments" rows of each exercise.
//!
//! Every program here is expected to exit on its own, or is killed: each run
//! is bounded by [`EXIT_WITHIN`], and dropping a [`Proc`] kills its process group.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::cause::Cause;
use super::josa::{josa, josa_code};
use super::lang::{Lang, Step, Text, tr};
use super::process::Proc;
use super::spec::{Ctx, Failure};
use super::transcript::{LINE_MAX, escape_line, stderr_lines};
use super::wire::{self, STALL};
use super::{concurrent, echo, file_transfer};

/// How long a program with bad arguments, or one that cannot start, may take to exit.
const EXIT_WITHIN: Duration = Duration::from_secs(5);
/// How long a server started without `--listen` may take to print its line or exit.
const READY_WITHIN: Duration = Duration::from_secs(5);
/// A usage line or an error line is short; far more is a flood.
const OUTPUT_LIMIT: u64 = 64 * 1024;
/// How much of stdout a failure quotes.
const STDOUT_SHOWN: u64 = 16 * 1024;
/// After its clients are gone, how long a server has to write what it still
/// would (a thread logging a connection's end) before its stdout is read.
const SETTLE: Duration = Duration::from_millis(300);
const POLL: Duration = Duration::from_millis(20);

/// One command line of a test: the arguments, and how a report shows the
/// command (temporary paths as words).
struct Case {
    args: Vec<String>,
    shown: String,
}

impl Case {
    fn new(program: &str, args: &[&str]) -> Case {
        Case::shown_as(program, args, args)
    }

    /// `args` as given, shown in a report as `shown` (a temporary path as a word).
    fn shown_as(program: &str, args: &[&str], shown: &[&str]) -> Case {
        let mut line = program.to_string();
        for arg in shown {
            line.push(' ');
            line.push_str(arg);
        }
        Case {
            args: args.iter().map(|a| a.to_string()).collect(),
            shown: line,
        }
    }
}

/// How a program that was to exit on its own ended.
struct Ended {
    status: Option<ExitStatus>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Ended {
    fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    /// Its non-empty stderr lines.
    fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect()
    }

    /// `listening on …`, when it printed one: it started serving instead.
    fn listening(&self) -> Option<String> {
        readiness(&self.stdout)
    }
}

/// Runs `program` with `case`'s arguments (in `cwd`, if given) until it
/// exits, at most [`EXIT_WITHIN`]; a program still running then is killed
/// (`status` None).
async fn run_to_exit(
    ctx: &Ctx,
    program: &str,
    case: &Case,
    cwd: Option<&Path>,
) -> Result<Ended, Failure> {
    let lang = ctx.lang;
    let mut proc =
        Proc::spawn_in(cwd, &ctx.bin(program), &case.args, None, OUTPUT_LIMIT).map_err(|err| {
            Failure::new(
                Step::Start,
                tr!(
                    lang,
                    "could not start {program}: {err}",
                    "{program_reul} 실행하지 못했습니다: {err}",
                    program_reul = josa(program, "을/를")
                ),
            )
        })?;
    // A panic, a signal or a flood is the cause the report names.
    ctx.watch(proc.probe());
    let status = proc.wait_exit(EXIT_WITHIN).await;
    let ended = Ended {
        status,
        stdout: proc.stdout(STDOUT_SHOWN),
        stderr: proc.stderr_text(),
    };
    drop(proc);
    Ok(ended)
}

/// The address of the first complete `listening on ADDR` line, as printed.
fn readiness(stdout: &[u8]) -> Option<String> {
    let end = stdout.iter().rposition(|&b| b == b'\n')? + 1;
    String::from_utf8_lossy(&stdout[..end])
        .lines()
        .find_map(|line| {
            line.trim_end()
                .strip_prefix("listening on ")
                .map(str::to_string)
        })
}

/// "code 1", "a signal", or "still running after 5 s" (then killed).
fn how_it_ended(lang: Lang, ended: &Ended) -> String {
    let secs = EXIT_WITHIN.as_secs();
    match (ended.status, ended.code()) {
        (None, _) => {
            let mut text = tr!(
                lang,
                "it was still running after {secs} s",
                "{secs}초가 지나도 실행 중이었습니다"
            );
            if let Some(addr) = ended.listening() {
                let addr = escape_line(&addr, LINE_MAX);
                text.push_str(&tr!(
                    lang,
                    " (it printed `listening on {addr}`: it started instead)",
                    " (준비 완료 줄로 `listening on {addr}`라고 출력했습니다. 멈추지 않고 시작한 것입니다)"
                ));
            }
            text
        }
        // 101 is Rust's exit code after a panic in main: say so, and where.
        (Some(_), Some(code)) => match super::cause::parse_panic(&ended.stderr) {
            Some((message, location)) => tr!(
                lang,
                "it exited with code {code}, a panic at {location}: {panic}",
                "종료 코드 {code_ro} 끝났습니다. {location}에서 난 패닉입니다: {panic}",
                code_ro = josa(&code, "(으)로"),
                panic = super::cause::quote_panic(lang, &message)
            ),
            None => tr!(
                lang,
                "it exited with code {code}",
                "종료 코드 {code_ro} 끝났습니다",
                code_ro = josa(&code, "(으)로")
            ),
        },
        (Some(_), None) => lang
            .pick("a signal ended it", "시그널로 종료되었습니다")
            .to_string(),
    }
}

/// Up to three lines of what a program wrote to stdout, for a transcript.
fn stdout_lines(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .split_inclusive('\n')
        .take(3)
        .map(|line| format!("stdout: {}", escape_line(line, LINE_MAX)))
        .collect()
}

/// Each case must end with exit code 2, a usage line on stderr (a line that
/// says `usage`), and nothing on stdout.
async fn usage(
    ctx: &Ctx,
    program: &str,
    cases: &[Case],
    cwd: Option<&Path>,
) -> Result<(), Failure> {
    let lang = ctx.lang;
    for case in cases {
        ctx.at(Step::Start);
        let ended = run_to_exit(ctx, program, case, cwd).await?;
        let shown = escape_line(&case.shown, LINE_MAX);
        if ended.code() != Some(2) {
            let how = how_it_ended(lang, &ended);
            return Err(Failure::new(
                Step::Exit,
                tr!(
                    lang,
                    "`{shown}` is a bad command line: it should print a usage line on stderr and exit with code 2; {how}",
                    "`{shown}`: 잘못된 명령줄입니다. 표준 오류에 사용법 한 줄을 출력하고 종료 코드 2로 끝나야 하는데, {how}"
                ),
            )
            .with_transcript(stderr_lines(ended.stderr_lines())));
        }
        if !ended.stdout.is_empty() {
            return Err(Failure::new(
                Step::Exit,
                tr!(
                    lang,
                    "`{shown}` exited with code 2, but wrote to stdout; the usage line goes to stderr (eprintln!)",
                    "`{shown}`: 종료 코드 2로 끝났지만 표준 출력에 썼습니다. 사용법은 표준 오류로 보내야 합니다(eprintln!)"
                ),
            )
            .with_transcript(stdout_lines(&ended.stdout)));
        }
        if !ended.stderr.to_lowercase().contains("usage") {
            return Err(Failure::new(
                Step::Exit,
                tr!(
                    lang,
                    "`{shown}` exited with code 2, but its stderr has no usage line (`usage: …`)",
                    "`{shown}`: 종료 코드 2로 끝났지만 표준 오류에 사용법 줄(`usage: …`)이 없습니다"
                ),
            )
            .with_transcript(stderr_lines(ended.stderr_lines())));
        }
    }
    Ok(())
}

/// The case must end with exit code 1, exactly one non-empty line on
/// stderr, and nothing on stdout. `why` says what is wrong with it.
async fn start_error(
    ctx: &Ctx,
    program: &str,
    case: &Case,
    why: &str,
    step: Step,
) -> Result<(), Failure> {
    let lang = ctx.lang;
    ctx.at(step);
    let ended = run_to_exit(ctx, program, case, None).await?;
    let shown = escape_line(&case.shown, LINE_MAX);
    let lines = ended.stderr_lines();
    let (message, transcript) = if ended.code() != Some(1) {
        let how = how_it_ended(lang, &ended);
        (
            tr!(
                lang,
                "`{shown}`: {why}; it should print one line on stderr and exit with code 1; {how}",
                "`{shown}`: {why}. 표준 오류에 한 줄을 출력하고 종료 코드 1로 끝나야 하는데, {how}"
            ),
            stderr_lines(lines.iter().copied()),
        )
    } else if !ended.stdout.is_empty() {
        (
            tr!(
                lang,
                "`{shown}`: {why}; it exited with code 1, but wrote to stdout: stdout is for the readiness line only, the error goes to stderr",
                "`{shown}`: {why}. 종료 코드 1로 끝났지만 표준 출력에 썼습니다. 표준 출력은 준비 완료 줄만을 위한 것이고, 오류는 표준 오류로 보내야 합니다"
            ),
            stdout_lines(&ended.stdout),
        )
    } else if lines.len() != 1 {
        (
            tr!(
                lang,
                "`{shown}`: {why}; it exited with code 1, but stderr should be exactly one line, and it was {count} line(s)",
                "`{shown}`: {why}. 종료 코드 1로 끝났지만 표준 오류는 정확히 한 줄이어야 하는데 {count}줄이었습니다",
                count = lines.len()
            ),
            stderr_lines(lines.iter().copied()),
        )
    } else {
        return Ok(());
    };
    Err(Failure::new(step, message).with_transcript(transcript))
}

/// A listener of the grader's own on 127.0.0.1, so that the address is
/// taken while the student's server tries to bind it.
async fn taken_addr() -> Result<(tokio::net::TcpListener, SocketAddr), Failure> {
    wire::listen_loopback().await
}

/// `program` started with `args` and no `--listen` must listen on
/// `default`: its readiness line names exactly that address.
///
/// The grader never binds a fixed port itself, but this rule is about one,
/// and the port may be taken on this machine (another grade running at the
/// same time, the student's own server in another terminal, any program).
/// So the server may also pass by failing the contract's way on exactly
/// that address: exit code 1 and a stderr line that names it (`bind
/// 127.0.0.1:7878: Address already in use`). A server with another default
/// fails either way: its line, or its error, names another address. A
/// server that did bind is killed at once, so the port is held only for a
/// moment.
async fn default_addr(ctx: &Ctx, program: &str, case: &Case, default: &str) -> Result<(), Failure> {
    let lang = ctx.lang;
    ctx.at(Step::Bind);
    let mut server =
        Proc::spawn(&ctx.bin(program), &case.args, None, OUTPUT_LIMIT).map_err(|err| {
            Failure::new(
                Step::Start,
                tr!(
                    lang,
                    "could not start {program}: {err}",
                    "{program_reul} 실행하지 못했습니다: {err}",
                    program_reul = josa(program, "을/를")
                ),
            )
        })?;
    ctx.watch(server.probe());
    // The name a cause goes by (the binary's, as the server tests call it).
    let stem = server.probe().program;
    let shown = escape_line(&case.shown, LINE_MAX);
    let start = Instant::now();
    let outcome = loop {
        let exited = server.exited();
        // After the exit check: a line written just before the exit counts.
        if let Some(addr) = readiness(&server.stdout(STDOUT_SHOWN)) {
            break Some(addr);
        }
        if exited || start.elapsed() >= READY_WITHIN {
            break None;
        }
        tokio::time::sleep(POLL).await;
    };
    let exited = server.exited();
    let ended = Ended {
        status: server.wait_exit(Duration::ZERO).await,
        stdout: server.stdout(STDOUT_SHOWN),
        stderr: server.stderr_text(),
    };
    // It listened on the default address (or another): stop it at once.
    drop(server);
    if let Some(addr) = outcome {
        if addr == default {
            return Ok(());
        }
        let addr = escape_line(&addr, LINE_MAX);
        return Err(Failure::new(
            Step::Bind,
            tr!(
                lang,
                "started without --listen (`{shown}`), it printed `listening on {addr}`; the default address is {default}",
                "--listen 없이(`{shown}`) 실행했더니 준비 완료 줄로 `listening on {addr}`라고 출력했습니다. 기본 주소는 {default}입니다"
            ),
        ));
    }
    let lines = ended.stderr_lines();
    if !exited {
        // The cause the server tests name too, when it never says where it listens.
        let secs = READY_WITHIN.as_secs();
        return Err(Failure::new(
            Step::Listen,
            tr!(
                lang,
                "started without --listen (`{shown}`), it neither printed `listening on {default}` nor exited within {secs} s",
                "--listen 없이(`{shown}`) 실행했더니 {secs}초 안에 준비 완료 줄 {line_reul} 출력하지도, 종료하지도 않았습니다",
                line_reul = josa_code(&format!("listening on {default}"), "을/를")
            ),
        )
        .with_cause(Some(Cause::NotReady {
            program: stem,
            secs,
        })));
    }
    if ended.code() == Some(1) && lines.iter().any(|line| line.contains(default)) {
        // The default port is taken on this machine: it tried the right address.
        return Ok(());
    }
    let how = how_it_ended(lang, &ended);
    Err(Failure::new(
        Step::Bind,
        tr!(
            lang,
            "started without --listen (`{shown}`), it should listen on {default} (or, if another program holds that port, exit with code 1 and a stderr line naming {default}); {how}",
            "--listen 없이(`{shown}`) 실행하면 {default}에서 리슨해야 합니다(다른 프로그램이 그 포트를 쓰고 있다면 주소 {default_ga} 담긴 표준 오류 한 줄과 함께 종료 코드 1로 끝나야 합니다). 그런데 {how}",
            default_ga = josa(default, "이/가")
        ),
    )
    .with_transcript(stderr_lines(lines.iter().copied())))
}

/// After `what` happened to a running server (clients that broke the rules),
/// its stdout still holds the readiness line and nothing else.
async fn stdout_only_ready(
    ctx: &Ctx,
    program: &str,
    server: &mut Proc,
    what: Text,
) -> Result<(), Failure> {
    let lang = ctx.lang;
    // Whatever the server still writes about the clients that just left.
    tokio::time::sleep(SETTLE).await;
    server.exited();
    let stdout = server.stdout(STDOUT_SHOWN);
    let text = String::from_utf8_lossy(&stdout);
    let mut extra: Vec<&str> = text.split_inclusive('\n').collect();
    if let Some(at) = extra
        .iter()
        .position(|line| line.ends_with('\n') && line.starts_with("listening on "))
    {
        extra.remove(at);
    }
    if extra.is_empty() {
        return Ok(());
    }
    let what = what.get(lang);
    let transcript = extra
        .iter()
        .take(3)
        .map(|line| format!("stdout: {}", escape_line(line, LINE_MAX)))
        .collect();
    Err(Failure::new(
        Step::Read,
        tr!(
            lang,
            "after {what}, {program}'s stdout held {count} line(s) besides `listening on …`; stdout carries the readiness line only, diagnostics go to stderr",
            "{what} 뒤 {program}의 표준 출력에 준비 완료 줄 `listening on …` 말고도 {count}줄이 있었습니다. 표준 출력에는 준비 완료 줄만 쓰고, 진단 메시지는 표준 오류로 보내야 합니다",
            count = extra.len()
        ),
    )
    .with_transcript(transcript))
}

/// Connects for a test whose traffic is only a means: a refused or slow
/// connection is not this test's failure (others check that).
async fn try_connect(addr: SocketAddr) -> Option<TcpStream> {
    match tokio::time::timeout(STALL, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Some(stream),
        _ => None,
    }
}

/// An address where nothing listens, for a client that must not get as far
/// as connecting (if it does, it is refused, and exits 1, not 2). The guard
/// keeps it so until the test drops it.
fn refused_addr() -> Result<(wire::RefusedAddr, String), Failure> {
    let refused = wire::refused_addr().map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    let addr = refused.addr.to_string();
    Ok((refused, addr))
}

// ---------------------------------------------------------------- echo

pub async fn echo_server_bad_args(ctx: Ctx) -> Result<(), Failure> {
    let cases = [
        Case::new("echo-server", &["--listen", "127.0.0.1:0", "--verbose"]),
        Case::new("echo-server", &["127.0.0.1:0"]),
        Case::new("echo-server", &["--listen"]),
    ];
    usage(&ctx, "echo-server", &cases, None).await
}

pub async fn echo_server_bind_taken(ctx: Ctx) -> Result<(), Failure> {
    let (_held, addr) = taken_addr().await?;
    let addr = addr.to_string();
    let case = Case::new("echo-server", &["--listen", &addr]);
    let why = tr!(
        ctx.lang,
        "another socket listens on {addr} already",
        "{addr}에서는 이미 다른 소켓이 리슨하고 있습니다"
    );
    start_error(&ctx, "echo-server", &case, &why, Step::Bind).await
}

pub async fn echo_server_default(ctx: Ctx) -> Result<(), Failure> {
    let case = Case::new("echo-server", &[]);
    default_addr(&ctx, "echo-server", &case, "127.0.0.1:7878").await
}

pub async fn echo_server_stdout(ctx: Ctx) -> Result<(), Failure> {
    let (mut server, addr) = echo::server::start(&ctx, "127.0.0.1:0").await?;
    ctx.at(Step::Read);
    // A client that sends 64 KiB, reads a little, and resets: the server's
    // read or write fails, which is worth a line on stderr.
    if let Some(mut stream) = try_connect(addr).await {
        let _ = tokio::time::timeout(STALL, stream.write_all(&[b'x'; 64 * 1024])).await;
        let mut first = [0u8; 1024];
        let _ = tokio::time::timeout(STALL, stream.read(&mut first)).await;
        wire::reset(stream);
    }
    // One that connects and closes without a byte.
    drop(try_connect(addr).await);
    // One ordinary echo: a server that serves one client after another has
    // finished with the two above by the time it answers.
    if let Some(stream) = try_connect(addr).await {
        let ex = wire::Exchange {
            payload: b"still here\n",
            half_close: true,
            read_pause: Duration::ZERO,
            until_eof: true,
        };
        let _ = wire::exchange(&ctx, stream, ex).await;
    }
    let what = Text {
        en: "a client that reset its connection mid-echo and one that sent nothing",
        ko: "에코 도중 연결을 리셋한 클라이언트와 아무것도 보내지 않은 클라이언트",
    };
    stdout_only_ready(&ctx, "echo-server", &mut server, what).await
}

pub async fn echo_client_bad_args(ctx: Ctx) -> Result<(), Failure> {
    let (_refused, addr) = refused_addr()?;
    let cases = [
        Case::new("echo-client", &[]),
        Case::new("echo-client", &[&addr, "extra"]),
    ];
    usage(&ctx, "echo-client", &cases, None).await
}

// ------------------------------------------------------- file transfer

/// A fresh folder the student's programs can see (in the sandbox too).
fn shared_dir(prefix: &str) -> Result<tempfile::TempDir, Failure> {
    crate::sandbox::shared_tempdir(prefix).map_err(|err| Failure::new(Step::Start, err.to_string()))
}

pub async fn ft_server_bad_args(ctx: Ctx) -> Result<(), Failure> {
    let dir = shared_dir("socket-lab-ft-args-")?;
    let root = dir.path().display().to_string();
    let listen = ["--listen", "127.0.0.1:0"];
    let cases = [
        Case::shown_as(
            "ft-server",
            &["--root", &root, listen[0], listen[1], "--verbose"],
            &["--root", "DIR", listen[0], listen[1], "--verbose"],
        ),
        Case::new("ft-server", &listen),
        Case::shown_as(
            "ft-server",
            &["--root", &root, listen[0], listen[1], "--max-size", "lots"],
            &["--root", "DIR", listen[0], listen[1], "--max-size", "lots"],
        ),
    ];
    usage(&ctx, "ft-server", &cases, None).await
}

pub async fn ft_server_start_errors(ctx: Ctx) -> Result<(), Failure> {
    let lang = ctx.lang;
    let dir = shared_dir("socket-lab-ft-root-")?;
    let file = dir.path().join("file.txt");
    std::fs::write(&file, b"a file, not a folder\n")
        .map_err(|err| Failure::new(Step::Start, err.to_string()))?;
    let file = file.display().to_string();
    let missing = dir.path().join("missing").display().to_string();
    let root = dir.path().display().to_string();
    let listen = ["--listen", "127.0.0.1:0"];
    let not_a_folder = [
        (
            Case::shown_as(
                "ft-server",
                &["--root", &file, listen[0], listen[1]],
                &["--root", "FILE", listen[0], listen[1]],
            ),
            lang.pick(
                "the root is a regular file, not a folder",
                "루트가 폴더가 아니라 일반 파일입니다",
            ),
        ),
        (
            Case::shown_as(
                "ft-server",
                &["--root", &missing, listen[0], listen[1]],
                &["--root", "MISSING", listen[0], listen[1]],
            ),
            lang.pick("the root does not exist", "루트가 존재하지 않습니다"),
        ),
    ];
    for (case, why) in &not_a_folder {
        start_error(&ctx, "ft-server", case, why, Step::Start).await?;
    }
    let (_held, addr) = taken_addr().await?;
    let addr = addr.to_string();
    let case = Case::shown_as(
        "ft-server",
        &["--root", &root, "--listen", &addr],
        &["--root", "DIR", "--listen", &addr],
    );
    let why = tr!(
        lang,
        "another socket listens on {addr} already",
        "{addr}에서는 이미 다른 소켓이 리슨하고 있습니다"
    );
    start_error(&ctx, "ft-server", &case, &why, Step::Bind).await
}

pub async fn ft_server_default(ctx: Ctx) -> Result<(), Failure> {
    let dir = shared_dir("socket-lab-ft-default-")?;
    let root = dir.path().display().to_string();
    let case = Case::shown_as("ft-server", &["--root", &root], &["--root", "DIR"]);
    default_addr(&ctx, "ft-server", &case, "127.0.0.1:7879").await
}

pub async fn ft_server_stdout(ctx: Ctx) -> Result<(), Failure> {
    use file_transfer::proto;
    let mut served = file_transfer::server::start(&ctx, &[("here.txt", b"here\n")]).await?;
    let addr = served.addr;
    ctx.at(Step::Read);
    // A frame of an unknown kind: the server answers MALFORMED and closes.
    // Read until it does, then close, so that it has seen the whole exchange.
    if let Some(mut stream) = try_connect(addr).await {
        let _ = stream.write_all(&proto::encode(0x55, b"?")).await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(STALL, stream.read_to_end(&mut sink)).await;
    }
    // A frame cut short: its length says 9 bytes, one comes, then the end.
    if let Some(mut stream) = try_connect(addr).await {
        let _ = stream.write_all(&[0, 0, 0, 9, proto::GET]).await;
        let _ = stream.shutdown().await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(STALL, stream.read_to_end(&mut sink)).await;
    }
    // A client that resets in the middle of a GET's answer.
    if let Some(mut stream) = try_connect(addr).await {
        let _ = stream
            .write_all(&proto::encode(proto::GET, b"here.txt"))
            .await;
        wire::reset(stream);
    }
    let what = Text {
        en: "a frame of unknown kind, a frame cut short, and a reset",
        ko: "알 수 없는 종류의 프레임, 중간에 끊긴 프레임, 리셋",
    };
    stdout_only_ready(&ctx, "ft-server", &mut served.server, what).await
}

pub async fn ft_client_bad_args(ctx: Ctx) -> Result<(), Failure> {
    let (_refused, addr) = refused_addr()?;
    // Its working folder: a client that gets as far as `get` writes there.
    let dir = shared_dir("socket-lab-ft-client-args-")?;
    let cases = [
        Case::new("ft-client", &[]),
        Case::new("ft-client", &[&addr, "delete", "notes.txt"]),
        Case::new("ft-client", &[&addr, "get"]),
        Case::new("ft-client", &[&addr, "put", "notes.txt", "--as"]),
    ];
    usage(&ctx, "ft-client", &cases, Some(dir.path())).await
}

// ---------------------------------------------------------------- chat

pub async fn chat_bad_args(ctx: Ctx) -> Result<(), Failure> {
    let cases = [
        Case::new("chat-server", &["--listen", "127.0.0.1:0", "--verbose"]),
        Case::new("chat-server", &["127.0.0.1:0"]),
        Case::new("chat-server", &["--listen"]),
    ];
    usage(&ctx, "chat-server", &cases, None).await
}

pub async fn chat_default(ctx: Ctx) -> Result<(), Failure> {
    let case = Case::new("chat-server", &[]);
    default_addr(&ctx, "chat-server", &case, "127.0.0.1:7880").await
}

pub async fn chat_stdout(ctx: Ctx) -> Result<(), Failure> {
    use concurrent::client::Client;
    let (mut server, addr) = concurrent::start(&ctx).await?;
    ctx.at(Step::Read);
    // A room's whole life, each step a chance to log: joins, a message, a
    // refused name, a line too long, a reset, and the departures.
    let alice = Client::join(&ctx, addr, "alice").await.ok();
    if let Ok(mut bob) = Client::join(&ctx, addr, "bob").await {
        let _ = bob.send(&ctx, "hi").await;
        bob.reset();
    }
    for first in ["a b".to_string(), "x".repeat(1025)] {
        if let Ok(mut client) = Client::connect(&ctx, addr).await {
            let _ = client.send(&ctx, &first).await;
            let _ = client.expect_closed(&ctx, STALL).await;
        }
    }
    if let Some(mut alice) = alice {
        // bob's reset has been handled once alice hears of it.
        let _ = alice.expect(&ctx, "* bob left", STALL).await;
        alice.close().await;
    }
    let what = Text {
        en: "clients that joined, talked, reset, left, sent a bad name or a line too long",
        ko: "참여하고, 말하고, 리셋하고, 떠나고, 잘못된 이름이나 너무 긴 줄을 보낸 클라이언트들",
    };
    stdout_only_ready(&ctx, "chat-server", &mut server, what).await
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    /// Exit code 101 is a panic: the sentence says so, and where, once.
    #[test]
    fn an_exit_after_a_panic_says_it_was_a_panic() {
        let ended = |code: i32, stderr: &str| Ended {
            status: Some(ExitStatus::from_raw(code << 8)),
            stdout: Vec::new(),
            stderr: stderr.into(),
        };
        let panicked = ended(
            101,
            "thread 'main' panicked at src/bin/echo-server.rs:65:5:\nnot yet implemented: steps 1–3\n",
        );
        let en = how_it_ended(Lang::En, &panicked);
        assert!(
            en.contains("code 101, a panic at src/bin/echo-server.rs:65:5"),
            "{en}"
        );
        // The Korean sentence: the same facts, the todo!() said in Korean.
        let ko = how_it_ended(Lang::Ko, &panicked);
        assert!(ko.contains("src/bin/echo-server.rs:65:5"), "{ko}");
        assert!(ko.contains("(todo!): `steps 1–3`"), "{ko}");
        assert_eq!(ko.matches("101").count(), 1, "{ko}");
        for lang in [Lang::En, Lang::Ko] {
            let plain = how_it_ended(lang, &ended(1, "error: bind\n"));
            assert!(!plain.contains("src/") && plain.contains('1'), "{plain}");
        }
    }
}
