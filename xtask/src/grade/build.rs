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
use super::transcript::{LINE_MAX, escape_line, escape_text};

/// A first build of a crate with dependencies on a slow laptop stays well under this.
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);
/// cargo's JSON messages for a crate with many warnings stay far below this.
const CARGO_OUTPUT_LIMIT: u64 = 64 * 1024 * 1024;
/// How many lines of the compiler's first error the report shows.
const ERROR_LINES: usize = 30;

/// Why the student's crate could not be graded.
#[derive(Debug)]
pub enum BuildFailure {
    /// rustc's first error, as rendered for a terminal, cut to a few lines, escaped.
    Compile(String),
    /// cargo's own first `error:` line (a bad manifest, a missing dependency),
    /// escaped; `None` when cargo printed none.
    Cargo(Option<String>),
    /// A build script (build.rs) of this package failed. What it printed is
    /// never shown: it may be any file the script could read.
    BuildScript(String),
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
        // A submission whose manifest is missing (or was a symbolic link,
        // which the sandbox's copy leaves out) does not build.
        return Ok(Err(BuildFailure::Cargo(Some("no Cargo.toml".into()))));
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
    // Sandboxed, cargo (and so the student's build.rs and proc macros) runs
    // in the build jail, offline, with the toolchain's own cargo.
    let (jail, cargo) = match crate::sandbox::build_jail() {
        Some((jail, cargo)) => (Some(jail), cargo.to_path_buf()),
        None => (None, PathBuf::from(cargo)),
    };
    let mut cargo = Proc::spawn_jailed(jail, None, &cargo, &args, None, CARGO_OUTPUT_LIMIT)
        .context("could not run cargo")?;
    // Sandboxed, the build's tree is a tmpfs of its own: a build that
    // writes too much fails with "no space left on device".
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
        return Ok(Err(match first_error {
            Some(text) => BuildFailure::Compile(cut(&text)),
            None => cargo_failure(&cargo.stderr_text()),
        }));
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

/// The compiler's error for the report: its first lines, each escaped and cut
/// (a quoted source line of the student's may hold anything).
fn cut(text: &str) -> String {
    let mut lines: Vec<&str> = text.trim_end().lines().collect();
    let more = lines.len() > ERROR_LINES;
    lines.truncate(ERROR_LINES);
    let mut shown = escape_text(&lines.join("\n"), LINE_MAX);
    if more {
        shown.push_str("\n…");
    }
    shown
}

/// Why cargo failed when no compiler error says so, from cargo's stderr.
///
/// Only cargo's own `error:` lines, which start at the beginning of a line,
/// are read. cargo quotes a failed build script's stdout and stderr after
/// `--- stdout` / `--- stderr`, indented, and a script's `cargo::error=` lines
/// as `error: <package>@<version>: …`: none of that is ever shown, since a
/// hostile build.rs can print any file it can read (hidden tests, say) into
/// the student's report.
fn cargo_failure(stderr: &str) -> BuildFailure {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error: ") && !logged_by_script(line))
        .collect();
    let shown = |line: &&str| escape_line(line, LINE_MAX);
    let script = errors.iter().find(|line| {
        line.starts_with("error: failed to run custom build command for ")
            || **line == "error: build script logged errors"
    });
    match script {
        Some(line) => BuildFailure::BuildScript(shown(line)),
        None => BuildFailure::Cargo(errors.first().map(shown)),
    }
}

/// Is this a line a build script logged (`cargo::error=`), which cargo
/// prints as `error: echo@0.1.0: <the script's text>`?
fn logged_by_script(line: &str) -> bool {
    let Some((head, _)) = line.trim_start_matches("error: ").split_once(": ") else {
        return false;
    };
    let Some((name, version)) = head.split_once('@') else {
        return false;
    };
    let is_word = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c))
    };
    is_word(name) && is_word(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cargo 1.95's stderr for a crate whose build.rs prints to stdout and
    /// stderr, logs a warning, and panics.
    const BUILD_SCRIPT_PANICS: &str = "   Compiling bsl v0.1.0 (/tmp/bsl)
warning: bsl@0.1.0: SECRET-LINE warning
error: failed to run custom build command for `bsl v0.1.0 (/tmp/bsl)`
note: To improve backtraces for build dependencies, set the CARGO_PROFILE_DEV_BUILD_OVERRIDE_DEBUG=true environment variable to enable debug information generation.

Caused by:
  process didn't exit successfully: `/tmp/bsl/target/debug/build/bsl-f1c6f27c9492e5a8/build-script-build` (exit status: 101)
  --- stdout
  SECRET-LINE stdout
  cargo::warning=SECRET-LINE warning

  --- stderr
  SECRET-LINE stderr

  thread 'main' (7039) panicked at build.rs:5:5:
  SECRET-LINE panic
  note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
";

    /// The same with `cargo::error=` lines instead of a panic.
    const BUILD_SCRIPT_LOGS_ERRORS: &str = "   Compiling bsl v0.1.0 (/tmp/bsl)
error: bsl@0.1.0: SECRET-LINE error directive
error: bsl@0.1.0: SECRET-LINE second
error: build script logged errors
";

    /// A manifest cargo cannot read: only its first `error:` line is shown.
    const BAD_MANIFEST: &str = "error: failed to parse manifest at `/tmp/bad/Cargo.toml`

Caused by:
  TOML parse error at line 3, column 1
";

    #[test]
    fn a_failing_build_script_is_named_and_not_quoted() {
        let failure = cargo_failure(BUILD_SCRIPT_PANICS);
        let BuildFailure::BuildScript(line) = &failure else {
            panic!("{failure:?}");
        };
        assert_eq!(
            line,
            "error: failed to run custom build command for `bsl v0.1.0 (/tmp/bsl)`"
        );
        assert!(!format!("{failure:?}").contains("SECRET-LINE"));
    }

    #[test]
    fn errors_a_build_script_logged_are_not_quoted() {
        let failure = cargo_failure(BUILD_SCRIPT_LOGS_ERRORS);
        let BuildFailure::BuildScript(line) = &failure else {
            panic!("{failure:?}");
        };
        assert_eq!(line, "error: build script logged errors");
        // Even without the closing line, a script's `error: pkg@ver:` line is never shown.
        let first: Vec<&str> = BUILD_SCRIPT_LOGS_ERRORS.lines().take(3).collect();
        let failure = cargo_failure(&first.join("\n"));
        assert!(matches!(failure, BuildFailure::Cargo(None)), "{failure:?}");
    }

    #[test]
    fn cargo_s_own_first_error_line_is_shown_escaped() {
        let BuildFailure::Cargo(Some(line)) = cargo_failure(BAD_MANIFEST) else {
            panic!("no cargo error line");
        };
        assert_eq!(
            line,
            "error: failed to parse manifest at `/tmp/bad/Cargo.toml`"
        );
        let BuildFailure::Cargo(Some(line)) =
            cargo_failure("error: no such file \x1b]0;pwned\x07\u{202e}x\n")
        else {
            panic!("no cargo error line");
        };
        assert_eq!(line, "error: no such file \\u{1b}]0;pwned\\u{7}\\u{202e}x");
        assert!(matches!(
            cargo_failure("   Compiling x\n"),
            BuildFailure::Cargo(None)
        ));
    }

    #[test]
    fn a_long_compiler_error_is_cut_and_escaped() {
        let line = format!("  | let s = \"\x1b[2J{}\";", "x".repeat(500));
        let rendered: String = std::iter::once("error[E0308]: mismatched types".to_string())
            .chain(std::iter::repeat_n(line, 100))
            .map(|line| line + "\n")
            .collect();
        let shown = cut(&rendered);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), ERROR_LINES + 1, "{shown}");
        assert_eq!(lines[0], "error[E0308]: mismatched types");
        assert_eq!(*lines.last().unwrap(), "…");
        assert!(
            lines[1].starts_with("  | let s = \"\\u{1b}[2Jxxx"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with('…'));
        assert!(lines.iter().all(|l| l.chars().count() <= LINE_MAX + 1));
        assert!(!shown.contains('\x1b'));
    }
}
