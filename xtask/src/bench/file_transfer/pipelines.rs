//! The file-transfer bench's real peers: integrity-checked copies made of
//! standard tools, timed like the GET (from the first process started to the
//! last one ended, digests compared).
//!
//! The copy is `socat -u` over 127.0.0.1: one socat listens and writes what
//! it receives to its stdout (or to the copy), the other reads the source
//! file and connects (retrying until the listener is up). The digests are
//! computed three ways:
//!
//! - after the copy: the tool on the source and on the copy, both at once;
//! - during the copy: on the receiving side `socat | tee COPY | TOOL`, so
//!   every received byte is hashed as it passes; on the sending side the
//!   tool reads the source file while socat does (the file is in RAM, so a
//!   second reader costs a memory copy, not a disk).
//!
//! The processes are connected with pipes made here, not by a shell.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::super::Running;
use crate::cmd;

/// socat's block size: its default is 8 KiB, one system call per 8 KiB; the
/// plain loop and the reference read 256 and 64 KiB at a time.
const SOCAT_BLOCK: &str = "262144";
/// One pipeline must be done within this time; then its processes are killed.
const PIPELINE_LIMIT: Duration = Duration::from_secs(300);

/// A digest tool, as a command that reads a file or its stdin.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Tool {
    Openssl,
    Sha256sum,
}

impl Tool {
    fn command(self, file: Option<&Path>) -> Command {
        let mut command = match self {
            Tool::Openssl => {
                let mut command = Command::new("openssl");
                command.args(["dgst", "-sha256"]);
                command
            }
            Tool::Sha256sum => Command::new("sha256sum"),
        };
        if let Some(file) = file {
            command.arg(file);
        }
        command
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Tool::Openssl => "openssl dgst -sha256",
            Tool::Sha256sum => "sha256sum",
        }
    }

    fn program(self) -> &'static str {
        match self {
            Tool::Openssl => "openssl",
            Tool::Sha256sum => "sha256sum",
        }
    }
}

/// When the digests are computed.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Digest {
    /// No digest: the copy alone.
    None,
    /// After the copy, both files at once.
    After(Tool),
    /// While the copy runs (tee on the receiver, a second reader on the sender).
    During(Tool),
}

impl Digest {
    pub(super) fn label(self) -> String {
        match self {
            Digest::None => "socat copy, no digest".into(),
            Digest::After(tool) => format!("socat copy, then {} x2", tool.name()),
            Digest::During(tool) => format!("socat copy + {} (tee)", tool.name()),
        }
    }

    /// The programs it needs that are not on the PATH.
    pub(super) fn missing(self) -> Vec<&'static str> {
        let mut needs = vec!["socat"];
        match self {
            Digest::None => {}
            Digest::After(tool) => needs.push(tool.program()),
            Digest::During(tool) => needs.extend(["tee", tool.program()]),
        }
        needs.into_iter().filter(|name| !on_path(name)).collect()
    }
}

/// Whether `name` is an executable file in a directory of $PATH.
fn on_path(name: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let file = dir.join(name);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        {
            file.is_file()
        }
    })
}

/// Copies `source` to `copy` over 127.0.0.1 with socat, with digests as
/// `digest` says; checks the copy's size and that the two digests agree.
/// With `show`, prints each command it starts (stderr).
pub(super) fn run(
    source: &Path,
    copy: &Path,
    size: u64,
    digest: Digest,
    show: bool,
) -> Result<Duration> {
    let port = free_port()?;
    let _ = std::fs::remove_file(copy);
    let listen = format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr");
    let connect = format!("TCP:127.0.0.1:{port},retry=500,interval=0.01");
    let mut running = Vec::new();
    let mut digests: Vec<ChildStdout> = Vec::new();
    let start = Instant::now();

    // The receiving side.
    if let Digest::During(tool) = digest {
        let mut socat = spawn(
            show,
            Command::new("socat")
                .args(["-u", "-b", SOCAT_BLOCK, &listen, "STDOUT"])
                .stdout(Stdio::piped()),
        )?;
        let received = socat.1.0.stdout.take().expect("piped");
        running.push(socat);
        let mut tee = spawn(
            show,
            Command::new("tee")
                .arg(copy)
                .stdin(received)
                .stdout(Stdio::piped()),
        )?;
        let teed = tee.1.0.stdout.take().expect("piped");
        running.push(tee);
        let mut hash = spawn(show, tool.command(None).stdin(teed).stdout(Stdio::piped()))?;
        digests.push(hash.1.0.stdout.take().expect("piped"));
        running.push(hash);
    } else {
        let into = format!("CREATE:{}", copy.display());
        running.push(spawn(
            show,
            Command::new("socat").args(["-u", "-b", SOCAT_BLOCK, &listen, &into]),
        )?);
    }
    // The sending side.
    let from = format!("OPEN:{}", source.display());
    running.push(spawn(
        show,
        Command::new("socat").args(["-u", "-b", SOCAT_BLOCK, &from, &connect]),
    )?);
    if let Digest::During(tool) = digest {
        let mut hash = spawn(show, tool.command(Some(source)).stdout(Stdio::piped()))?;
        digests.push(hash.1.0.stdout.take().expect("piped"));
        running.push(hash);
    }
    wait_all(&mut running, start + PIPELINE_LIMIT)?;

    // After the copy: both digests at once.
    if let Digest::After(tool) = digest {
        for file in [copy, source] {
            let mut hash = spawn(show, tool.command(Some(file)).stdout(Stdio::piped()))?;
            digests.push(hash.1.0.stdout.take().expect("piped"));
            running.push(hash);
        }
        wait_all(&mut running, start + PIPELINE_LIMIT)?;
    }
    let elapsed = start.elapsed();

    let got = std::fs::metadata(copy)?.len();
    if got != size {
        bail!("{}: the copy has {got} of {size} bytes", digest.label());
    }
    let mut hex = Vec::new();
    for mut out in digests {
        let mut text = String::new();
        out.read_to_string(&mut text)?;
        hex.push(digest_of(&text).with_context(|| format!("no SHA-256 in {text:?}"))?);
    }
    if let [received, sent] = hex.as_slice()
        && received != sent
    {
        bail!(
            "{}: the digests differ: {received} and {sent}",
            digest.label()
        );
    }
    Ok(elapsed)
}

/// The first word of 64 hex digits: `SHA2-256(stdin)= …` or `…  -`.
fn digest_of(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .find(|word| word.len() == 64)
        .map(str::to_lowercase)
}

/// A port free a moment ago (socat binds it by number).
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `command`, showing it; killed when the guard is dropped.
fn spawn(show: bool, command: &mut Command) -> Result<Started> {
    let shown = cmd::display(command);
    if show {
        eprintln!("$ {shown}");
    }
    let child = command
        .spawn()
        .with_context(|| format!("could not start `{shown}`"))?;
    Ok(Started(shown, Running(child)))
}

/// A started process: the command as shown, and its guard.
struct Started(String, Running);

/// Waits for every process, polling; a bad exit or the deadline is an error
/// (and dropping `running` kills what is left).
fn wait_all(running: &mut Vec<Started>, deadline: Instant) -> Result<()> {
    while !running.is_empty() {
        let mut index = 0;
        while index < running.len() {
            let Started(shown, process) = &mut running[index];
            if let Some(status) = process.0.try_wait()? {
                if !status.success() {
                    bail!("`{shown}` failed: {status}");
                }
                running.swap_remove(index);
            } else {
                index += 1;
            }
        }
        if Instant::now() > deadline {
            bail!("the pipeline took over {PIPELINE_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}
