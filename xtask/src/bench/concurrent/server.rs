//! The chat server under test: started in a process group of its own (a job
//! object on Windows), its address read from its `listening on` line, and
//! what /proc tells of it (memory, threads, CPU time).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
#[cfg(windows)]
use process_wrap::tokio::JobObject;
#[cfg(unix)]
use process_wrap::tokio::ProcessGroup;
use process_wrap::tokio::{ChildWrapper, CommandWrap};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::{sleep, timeout_at};

const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// The chat server under test, in its own process group (a job object on
/// Windows): killed with everything it started when this is dropped.
pub(in crate::bench) struct Server {
    pub(in crate::bench) child: Arc<Mutex<Box<dyn ChildWrapper>>>,
    pub(in crate::bench) pid: Option<u32>,
    stderr: PathBuf,
    pub(in crate::bench) addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.start_kill();
        }
    }
}

impl Server {
    pub(in crate::bench) async fn start(bin: &Path, stderr: PathBuf) -> Result<Server> {
        Server::start_with(bin, &[], stderr).await
    }

    /// As [`Server::start`], with `args` before `--listen 127.0.0.1:0` (the
    /// peer of `concurrent --peer` is `xtask bench tokio-chat-peer`).
    pub(in crate::bench) async fn start_with(
        bin: &Path,
        args: &[String],
        stderr: PathBuf,
    ) -> Result<Server> {
        let log = std::fs::File::create(&stderr)?;
        let mut command = CommandWrap::with_new(bin, |command| {
            command
                .args(args)
                .args(["--listen", "127.0.0.1:0"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(log)
                .env("RUST_BACKTRACE", "0")
                .kill_on_drop(true);
        });
        #[cfg(unix)]
        command.wrap(ProcessGroup::leader());
        #[cfg(windows)]
        command.wrap(JobObject);
        let mut child = command
            .spawn()
            .with_context(|| format!("could not start {}", bin.display()))?;
        let stdout = child.stdout().take().expect("piped");
        let pid = child.id();
        let mut server = Server {
            child: Arc::new(Mutex::new(child)),
            pid,
            stderr,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let mut lines = BufReader::new(stdout).lines();
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        // Bounded: up to 100 lines before the readiness line.
        for _ in 0..100 {
            match timeout_at(deadline, lines.next_line()).await {
                Ok(Ok(Some(line))) => {
                    if let Some(addr) = line.trim_end().strip_prefix("listening on ") {
                        server.addr = addr
                            .parse()
                            .with_context(|| format!("`{line}` does not name an address"))?;
                        // The rest of stdout is read and thrown away: a full pipe must not block it.
                        tokio::spawn(async move {
                            let mut rest = lines.into_inner();
                            let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
                        });
                        return Ok(server);
                    }
                }
                Ok(_) => {
                    sleep(Duration::from_millis(200)).await;
                    bail!(
                        "the server exited before `listening on <ip>:<port>`{}",
                        server.exit_note()
                    );
                }
                Err(_) => break,
            }
        }
        bail!("no `listening on <ip>:<port>` line within {READY_TIMEOUT:?}")
    }

    /// " (exit status …): last stderr lines" once it has exited, else "".
    pub(in crate::bench) fn exit_note(&self) -> String {
        let status = match self.child.lock().map(|mut child| child.try_wait()) {
            Ok(Ok(Some(status))) => status,
            _ => return String::new(),
        };
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        if tail.is_empty() {
            format!(" ({status})")
        } else {
            format!(" ({status}); its stderr ends: {}", tail.join(" | "))
        }
    }

    /// A field of /proc/PID/status in its unit (kB for memory), Linux only.
    pub(in crate::bench) fn status_field(&self, field: &str) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = text.lines().find(|line| line.starts_with(field))?;
        line[field.len()..].split_whitespace().next()?.parse().ok()
    }
}
