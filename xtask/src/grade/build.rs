//! Building the crate under test with cargo, in a target directory of its own.
//!
//! cargo's JSON messages give both the compiler's first error (shown to the
//! student as rustc rendered it) and the paths of the built binaries, so the
//! grader never guesses file names (`.exe` on Windows).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::process::Proc;

/// A first build of a crate with dependencies on a slow laptop stays well under this.
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);
/// cargo's JSON messages for a crate with many warnings stay far below this.
const CARGO_OUTPUT_LIMIT: u64 = 64 * 1024 * 1024;
/// How many lines of the compiler's first error the report shows.
const ERROR_LINES: usize = 30;

/// Why the student's crate could not be graded.
#[derive(Debug)]
pub enum BuildFailure {
    /// rustc's first error, as rendered for a terminal, cut to a few lines.
    Compile(String),
    /// It built, but a binary the exercise needs is not there.
    MissingBinary(String),
    TimedOut,
}

/// Builds the binaries of the crate at `crate_dir` into `target_dir`.
/// `Err` means the tool could not run cargo; `Ok(Err)` is the student's failure.
pub async fn build(
    crate_dir: &Path,
    target_dir: &Path,
    binaries: &[&str],
) -> Result<std::result::Result<BTreeMap<String, PathBuf>, BuildFailure>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = crate_dir.join("Cargo.toml");
    if !manifest.is_file() {
        anyhow::bail!("no Cargo.toml in {}", crate_dir.display());
    }
    let args: Vec<String> = vec![
        "build".into(),
        "--bins".into(),
        "--message-format=json".into(),
        "--manifest-path".into(),
        manifest.display().to_string(),
        "--target-dir".into(),
        target_dir.display().to_string(),
    ];
    let mut cargo = Proc::spawn(Path::new(&cargo), &args, None, CARGO_OUTPUT_LIMIT)
        .context("could not run cargo")?;
    let Some(status) = cargo.wait_exit(BUILD_TIMEOUT).await else {
        return Ok(Err(BuildFailure::TimedOut));
    };
    let json = cargo.stdout(CARGO_OUTPUT_LIMIT);

    let mut built = BTreeMap::new();
    let mut first_error = None;
    for line in json.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
        let Ok(message) = serde_json::from_slice::<CargoMessage>(line) else {
            continue;
        };
        match message.reason.as_str() {
            "compiler-artifact" => {
                if let Some(exe) = message.executable {
                    let name = exe
                        .file_stem()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    built.insert(name, exe);
                }
            }
            "compiler-message" if first_error.is_none() => {
                if let Some(diag) = message.message.filter(|d| d.level == "error") {
                    first_error = diag.rendered;
                }
            }
            _ => {}
        }
    }
    if !status.success() {
        let text = first_error.unwrap_or_else(|| cargo.stderr_text());
        return Ok(Err(BuildFailure::Compile(cut(&text))));
    }
    for &bin in binaries {
        if !built.contains_key(bin) {
            return Ok(Err(BuildFailure::MissingBinary(bin.to_string())));
        }
    }
    Ok(Ok(built))
}

/// Points NAME at binary OTHER's path for each `(NAME, OTHER)`.
pub fn rename(
    mut bins: BTreeMap<String, PathBuf>,
    renames: &[(String, String)],
) -> std::result::Result<BTreeMap<String, PathBuf>, BuildFailure> {
    for (name, other) in renames {
        let Some(path) = bins.get(other).cloned() else {
            return Err(BuildFailure::MissingBinary(other.clone()));
        };
        bins.insert(name.clone(), path);
    }
    Ok(bins)
}

#[derive(Deserialize)]
struct CargoMessage {
    reason: String,
    executable: Option<PathBuf>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    rendered: Option<String>,
}

fn cut(text: &str) -> String {
    let mut lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.len() > ERROR_LINES {
        lines.truncate(ERROR_LINES);
        lines.push("…");
    }
    lines.join("\n")
}
