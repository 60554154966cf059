//! Every version of a guarded file ever committed in a submission, by the
//! `git` command line, trusting neither the environment nor the repository's
//! configuration, and bounded in time, commits and output.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::classroom;

/// Commits examined at most; past it, `history-too-long`.
pub const MAX_COMMITS: usize = 5_000;
/// Bytes of `git log` read at most; past it, `history-too-long`.
const MAX_OUTPUT: usize = 32 << 20;
/// Where the guarded files are (see `classroom::guarded`).
const GUARDED: [&str; 4] = [".github", ".cargo", "xtask", "Cargo.toml"];

/// `git`, with no configuration but the repository's own (and that
/// overridden where it could run a program or change the output), no
/// `GIT_*` variable of ours, no prompt, no pager, no replace refs.
fn git() -> Command {
    let mut cmd = Command::new("git");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(key);
        }
    }
    let null = if cfg!(windows) { "NUL" } else { "/dev/null" };
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", null)
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_LITERAL_PATHSPECS", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .args(["-c", "core.fsmonitor=false", "-c", "safe.directory=*"])
        .args([
            "-c",
            "core.useReplaceRefs=false",
            "-c",
            "log.showSignature=false",
        ])
        .arg("--no-pager")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The git blob id of each file at `paths` (relative to `dir`).
pub fn blob_ids(dir: &Path, paths: &[&String]) -> Result<BTreeMap<String, String>> {
    if paths.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut cmd = git();
    cmd.current_dir(dir)
        .args(["hash-object", "--no-filters", "--"])
        .args(paths);
    let deadline = Instant::now() + Duration::from_secs(60);
    let output = match run(cmd, deadline, MAX_OUTPUT).context("running git hash-object")? {
        Run::Done {
            ok: true, stdout, ..
        } => String::from_utf8_lossy(&stdout).into_owned(),
        _ => bail!("git hash-object failed in {}", dir.display()),
    };
    let ids: Vec<&str> = output.lines().collect();
    if ids.len() != paths.len() {
        bail!(
            "git hash-object gave {} ids for {} files",
            ids.len(),
            paths.len()
        );
    }
    Ok(paths
        .iter()
        .map(|p| p.to_string())
        .zip(ids.into_iter().map(String::from))
        .collect())
}

/// `history:PATH` for each guarded file of which some committed version (on
/// any ref) is not the template's (`blobs`: path → blob id); nothing when
/// `dir` is not a git repository.
pub fn flags(
    dir: &Path,
    blobs: &BTreeMap<String, String>,
    deadline: Instant,
    max_commits: usize,
) -> Vec<String> {
    let git_dir = dir.join(".git");
    // A symlinked `.git` is flagged as a symlink, and not followed.
    match fs::symlink_metadata(&git_dir) {
        Ok(meta) if meta.is_dir() || meta.is_file() => {}
        _ => return Vec::new(),
    }
    let mut cmd = git();
    cmd.current_dir(dir)
        .arg("--git-dir")
        .arg(&git_dir)
        .args([
            "log",
            "--all",
            "--no-renames",
            "-m",
            "--root",
            "--raw",
            "-z",
        ])
        .args([
            "--no-abbrev",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
        ])
        .args([
            "--no-decorate",
            "--no-show-signature",
            "--ignore-submodules=none",
        ])
        .arg("--format=commit %H")
        .arg(format!("--max-count={}", max_commits + 1))
        .arg("--")
        .args(GUARDED);
    let (stdout, truncated) = match run(cmd, deadline, MAX_OUTPUT) {
        Ok(Run::Done {
            ok: true,
            stdout,
            truncated,
        }) => (stdout, truncated),
        Ok(Run::Done { ok: false, .. }) | Err(_) => return vec!["history-unreadable".into()],
        Ok(Run::Late) => return vec!["too-slow".into()],
    };
    let text = String::from_utf8_lossy(&stdout);
    let mut flags = parse_log(&text, truncated, blobs, max_commits);
    if truncated {
        flags.insert("history-too-long".into());
    }
    flags.into_iter().collect()
}

/// Reads `git log -z --raw --format='commit %H'`: `commit H\0` then, for
/// each changed file, `\n:MODE MODE OLD NEW STATUS\0PATH\0`.
fn parse_log(
    text: &str,
    truncated: bool,
    blobs: &BTreeMap<String, String>,
    max_commits: usize,
) -> BTreeSet<String> {
    // Cut output: the text after the last NUL may be half a path.
    let text = match (truncated, text.rfind('\0')) {
        (false, _) => text,
        (true, Some(end)) => &text[..end],
        (true, None) => "",
    };
    let mut flags = BTreeSet::new();
    let mut commits = BTreeSet::new();
    let mut tokens = text.split('\0');
    while let Some(token) = tokens.next() {
        let token = token.trim_start_matches('\n');
        if let Some(hash) = token.strip_prefix("commit ") {
            commits.insert(hash);
            if commits.len() > max_commits {
                flags.insert("history-too-long".into());
                break;
            }
        } else if let Some(meta) = token.strip_prefix(':') {
            let fields: Vec<&str> = meta.split(' ').collect();
            let (Some(new), Some(status)) = (fields.get(3), fields.get(4)) else {
                continue;
            };
            // A rename or copy names two paths, the new one last.
            let count = if status.starts_with(['R', 'C']) { 2 } else { 1 };
            let Some(path) = (0..count).filter_map(|_| tokens.next()).last() else {
                break;
            };
            let deleted = new.bytes().all(|b| b == b'0');
            if !deleted
                && classroom::guarded(path)
                && blobs.get(path).map(String::as_str) != Some(new)
            {
                flags.insert(format!("history:{path}"));
            }
        }
    }
    flags
}

enum Run {
    Done {
        ok: bool,
        stdout: Vec<u8>,
        /// Stopped reading at `max` bytes (the child was then killed).
        truncated: bool,
    },
    /// Still running at the deadline: killed.
    Late,
}

/// Runs `cmd` to its end, reading at most `max` bytes of its stdout, killing
/// it at the deadline or once `max` is read.
fn run(mut cmd: Command, deadline: Instant, max: usize) -> std::io::Result<Run> {
    let mut child = cmd.stdout(Stdio::piped()).spawn()?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let (send, receive) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = (&mut stdout).take(max as u64 + 1).read_to_end(&mut bytes);
        let _ = send.send(bytes);
    });
    let bytes = match receive.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(bytes) => bytes,
        Err(_) => {
            kill(&mut child);
            let _ = reader.join();
            return Ok(Run::Late);
        }
    };
    let _ = reader.join();
    if bytes.len() > max {
        kill(&mut child);
        let mut stdout = bytes;
        stdout.truncate(max);
        return Ok(Run::Done {
            ok: true,
            stdout,
            truncated: true,
        });
    }
    // Its stdout is closed: it is exiting.
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Run::Done {
                ok: status.success(),
                stdout: bytes,
                truncated: false,
            });
        }
        if Instant::now() >= deadline {
            kill(&mut child);
            return Ok(Run::Late);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
