//! The student's programs, run under control: each in its own process group
//! (a job object on Windows) so that it and every child it spawns are killed
//! when its test ends, with stdout and stderr captured up to a bound.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[cfg(windows)]
use process_wrap::tokio::JobObject;
#[cfg(unix)]
use process_wrap::tokio::ProcessGroup;
use process_wrap::tokio::{ChildWrapper, CommandWrap};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{ChildStdin, ChildStdout};

use super::lang::{Lang, Step, tr};
use super::spec::Failure;

/// How much of stdout may come before the readiness line.
const READY_OUTPUT_LIMIT: usize = 64 * 1024;
/// How much of stderr (and of stdout after readiness) is kept for the report.
const CAPTURE_LIMIT: usize = 16 * 1024;

/// A running student program. Dropping it kills its whole process group.
pub struct Proc {
    name: String,
    child: Box<dyn ChildWrapper>,
    stdout: Option<ChildStdout>,
    stderr: Capture,
    status: Option<ExitStatus>,
}

impl Proc {
    /// Starts `program` with `args`; stdin is a pipe when `stdin` is true, else empty.
    pub fn spawn(program: &Path, args: &[String], stdin: bool) -> std::io::Result<Proc> {
        let mut command = CommandWrap::with_new(program, |command| {
            command
                .args(args)
                .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                // Short panic messages: the report quotes them.
                .env("RUST_BACKTRACE", "0")
                .kill_on_drop(true);
        });
        #[cfg(unix)]
        command.wrap(ProcessGroup::leader());
        #[cfg(windows)]
        command.wrap(JobObject);
        let mut child = command.spawn()?;
        let stderr = Capture::default();
        if let Some(pipe) = child.stderr().take() {
            stderr.drain(pipe);
        }
        let stdout = child.stdout().take();
        let name = program
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Proc {
            name,
            child,
            stdout,
            stderr,
            status: None,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.child.stdin().take()
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.stdout.take()
    }

    /// Waits for the server's readiness line, `listening on <ip>:<port>`, and
    /// returns the address it names. Everything after it is drained in the background.
    pub async fn wait_ready(&mut self, lang: Lang, timeout: Duration) -> Result<SocketAddr, Failure> {
        let name = self.name.clone();
        let mut stdout = self.stdout.take().expect("stdout is read once");
        let mut seen = Vec::new();
        let found = tokio::time::timeout(timeout, async {
            let mut chunk = [0u8; 4096];
            loop {
                if let Some(end) = seen.iter().position(|&b| b == b'\n') {
                    let line = String::from_utf8_lossy(&seen[..end]).trim_end().to_string();
                    if let Some(rest) = line.strip_prefix("listening on ") {
                        seen.drain(..=end);
                        return Ok(rest.to_string());
                    }
                    seen.drain(..=end);
                    continue;
                }
                if seen.len() > READY_OUTPUT_LIMIT {
                    return Err(Ready::Flood);
                }
                match stdout.read(&mut chunk).await {
                    Ok(0) | Err(_) => return Err(Ready::Closed),
                    Ok(n) => seen.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await;
        let limit_kib = READY_OUTPUT_LIMIT / 1024;
        let secs = timeout.as_secs();
        let failure = match found {
            Ok(Ok(addr_text)) => {
                Capture::default().drain(stdout);
                return addr_text.parse().map_err(|_| {
                    Failure::new(
                        Step::Listen,
                        tr!(
                            lang,
                            "{name} printed `listening on {addr_text}`, but `{addr_text}` is not an address like 127.0.0.1:7878",
                            "{name}가 `listening on {addr_text}`를 출력했지만 `{addr_text}`는 127.0.0.1:7878 같은 주소가 아닙니다"
                        ),
                    )
                });
            }
            Ok(Err(Ready::Flood)) => Failure::new(
                Step::Listen,
                tr!(
                    lang,
                    "{name} wrote over {limit_kib} KiB to stdout without a `listening on <ip>:<port>` line",
                    "{name}가 `listening on <ip>:<port>` 줄 없이 표준 출력에 {limit_kib} KiB 넘게 썼습니다"
                ),
            )
            .with_hint(
                lang.pick(
                    "Print exactly one line to stdout once the listener is bound; send diagnostics to stderr (eprintln!).",
                    "리스너를 바인드한 뒤 표준 출력에는 정확히 한 줄만 출력하세요. 진단 메시지는 표준 에러(eprintln!)로 보냅니다.",
                )
                .into(),
            ),
            Ok(Err(Ready::Closed)) => {
                let note = self.death_note(lang).await;
                let failure = Failure::new(
                    Step::Listen,
                    tr!(
                        lang,
                        "{name} exited before printing `listening on <ip>:<port>`{note}",
                        "{name}가 `listening on <ip>:<port>`를 출력하기 전에 종료했습니다{note}"
                    ),
                );
                match self.starter_hint(lang) {
                    Some(hint) => failure.with_hint(hint),
                    None => failure,
                }
            }
            Err(_) => Failure::new(
                Step::Listen,
                tr!(
                    lang,
                    "{name} did not print `listening on <ip>:<port>` within {secs} s",
                    "{name}가 {secs}초 안에 `listening on <ip>:<port>`를 출력하지 않았습니다"
                ),
            )
            .with_hint(
                lang.pick(
                    "After TcpListener::bind succeeds, print the line with println! (stdout is flushed at each newline) before the accept loop.",
                    "TcpListener::bind가 성공하면 accept 루프에 들어가기 전에 println!으로 그 줄을 출력하세요(표준 출력은 줄바꿈마다 비워집니다).",
                )
                .into(),
            ),
        };
        Err(failure)
    }

    /// Waits up to `timeout` for the program to exit.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if self.status.is_none()
            && let Ok(Ok(status)) = tokio::time::timeout(timeout, self.child.wait()).await
        {
            self.status = Some(status);
        }
        self.status
    }

    /// Has the program exited? If so, " (exit code 101: panicked at …)" for a report.
    pub async fn death_note(&mut self, lang: Lang) -> String {
        let Some(status) = self.wait_exit(Duration::from_millis(300)).await else {
            return String::new();
        };
        let mut note = match status.code() {
            Some(code) => tr!(lang, " (exit code {code}", " (종료 코드 {code}"),
            None => lang.pick(" (killed by a signal", " (시그널로 종료됨").to_string(),
        };
        if let Some(panic) = self.panic_message() {
            note.push_str(&tr!(lang, ": panicked: {panic}", ": 패닉: {panic}"));
        }
        note.push(')');
        note
    }

    /// The panic message on stderr, if the program panicked: "not yet implemented at src/…:12:5".
    pub fn panic_message(&self) -> Option<String> {
        let text = self.stderr.text();
        let mut lines = text.lines();
        let head = lines.find(|line| line.contains("panicked at"))?;
        let location = head.split("panicked at").nth(1)?.trim().trim_end_matches(':');
        let message = lines.next().unwrap_or("").trim();
        Some(format!("{message} ({location})"))
    }

    /// The starter's `todo!()` says what to do first.
    pub fn starter_hint(&self, lang: Lang) -> Option<String> {
        let panic = self.panic_message()?;
        panic.starts_with("not yet implemented").then(|| {
            tr!(
                lang,
                "This is still the starter code: replace the first todo!() in the file named above (read the doc comment above it, and the exercise's README).",
                "아직 시작 코드 그대로입니다. 위에 나온 파일의 첫 todo!()부터 구현하세요(그 위의 문서 주석과 실습의 README를 읽어 보세요)."
            )
        })
    }

    /// What the program wrote to stderr (cut to a bound).
    pub fn stderr_text(&self) -> String {
        self.stderr.text()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // SIGKILL to the whole group (or close the job object): the program and
        // any child it spawned. An already-empty group is not an error here.
        let _ = self.child.start_kill();
    }
}

enum Ready {
    Flood,
    Closed,
}

/// Output kept up to a bound; the rest is read and dropped so the program never blocks on a full pipe.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    pub fn drain(&self, mut pipe: impl AsyncRead + Unpin + Send + 'static) {
        let kept = self.0.clone();
        tokio::spawn(async move {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                let mut kept = kept.lock().unwrap();
                let room = CAPTURE_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
        });
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
