//! `grade --submission` in the sandbox (see `sandbox.rs`): the grader moves
//! into a network namespace of its own, copies each exercise of the
//! submission into a private tree, and turns the jails on for every build
//! and program that follows.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::exercises::Exercise;
use crate::sandbox::{self, Jails, Toolchain};

/// At most this many files and bytes are copied from one exercise folder.
const MAX_FILES: usize = 2_000;
const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// Where a sandboxed grade works, under its target dir.
pub struct Layout {
    /// The private copies and their target dirs: the build's only writable
    /// place (a tmpfs of `WORK_LIMIT` bytes).
    pub work: PathBuf,
    /// The folders the tests hand the student's programs (the file-transfer
    /// roots): the programs' only writable place besides their /tmp (a tmpfs
    /// of `SCRATCH_LIMIT` bytes).
    pub scratch: PathBuf,
    /// The target dirs of the last grade, on disk (outside the sandbox).
    cache: PathBuf,
}

impl Layout {
    fn new(target_root: &Path) -> Layout {
        Layout {
            work: target_root.join("work"),
            scratch: target_root.join("tmp"),
            cache: target_root.join("cache"),
        }
    }

    /// Keeps the target dirs (not the sources) for the next grade of this
    /// submission: what its own builds wrote, not the copy of its exercise's
    /// dependencies they started with (deps.rs), which comes back from the
    /// shared cache, nor the mark that says it was copied.
    pub fn save_cache(&self) {
        let _ = fs::remove_dir_all(&self.cache);
        let Ok(entries) = fs::read_dir(&self.work) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && !name.to_string_lossy().starts_with("src-") {
                let (from, to) = (entry.path(), self.cache.join(&name));
                let saved = match super::deps::seeded_from(&from) {
                    Some(deps) => {
                        sandbox::copy_cache_unlike(&from, &to, sandbox::WORK_LIMIT, &deps)
                    }
                    None => sandbox::copy_cache(&from, &to, sandbox::WORK_LIMIT),
                };
                let _ = fs::remove_file(to.join(super::deps::SEEDED));
                if saved.is_err() {
                    let _ = fs::remove_dir_all(&to);
                }
            }
        }
    }
}

/// Prepares the sandbox. Outside the network namespace, this fetches the
/// crates the exercises use (the jail builds offline) and re-runs the grader
/// inside one: it returns only on failure. Inside, it copies each exercise
/// and returns the jobs pointing at the copies.
pub fn enter<'a>(
    root: &Path,
    jobs: Vec<(&'a Exercise, PathBuf)>,
    target_root: &Path,
) -> Result<(Vec<(&'a Exercise, PathBuf)>, Layout)> {
    let layout = Layout::new(target_root);
    if std::env::var_os(sandbox::IN_NETNS).is_none() {
        let bwrap = sandbox::find_bwrap()?;
        // The gradebook fetches once for the whole class.
        if std::env::var_os(FETCHED).is_none() {
            prefetch(root, &Toolchain::find()?);
        }
        let tmpfs = [
            (layout.work.as_path(), sandbox::WORK_LIMIT),
            (layout.scratch.as_path(), sandbox::SCRATCH_LIMIT),
        ];
        #[cfg(unix)]
        return Err(sandbox::reexec_in_netns(&bwrap, &tmpfs));
        #[cfg(not(unix))]
        anyhow::bail!("the sandbox needs Linux ({}): {tmpfs:?}", bwrap.display());
    }
    // Inside: bubblewrap has just worked, and `work` and `scratch` are fresh
    // tmpfs mounts.
    let bwrap = sandbox::locate_bwrap()?;
    let toolchain = Toolchain::find()?;
    // The target dirs of this submission's last grade come back from the
    // cache (warm builds).
    if layout.cache.is_dir()
        && let Err(err) = sandbox::copy_cache(&layout.cache, &layout.work, sandbox::WORK_LIMIT)
    {
        eprintln!("build cache not restored: {err:#}");
    }

    let manifest = fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    let lock = fs::read(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut copied = Vec::new();
    for (exercise, dir) in jobs {
        let dir = std::path::absolute(&dir)?;
        let tree = layout.work.join(format!("src-{}", exercise.dir));
        let _ = fs::remove_dir_all(&tree);
        let member = format!("exercises/{}", exercise.dir);
        fs::create_dir_all(&tree)?;
        fs::write(tree.join("Cargo.toml"), workspace_of(&manifest, &member))?;
        fs::write(tree.join("Cargo.lock"), &lock)?;
        let crate_dir = tree.join(&member);
        let skipped = sandbox::copy_tree(&dir, &crate_dir, MAX_FILES, MAX_BYTES)?;
        for path in skipped {
            eprintln!("not copied into the sandbox: {path}");
        }
        copied.push((exercise, crate_dir));
    }
    sandbox::install(Jails::new(
        &bwrap,
        &toolchain,
        &layout.work,
        &layout.scratch,
    ));
    Ok((copied, layout))
}

/// A workspace of one member with the grader's own workspace settings
/// (`[workspace.package]`, profiles): the student's root manifest is never used.
fn workspace_of(root_manifest: &str, member: &str) -> String {
    let settings = root_manifest
        .find("[workspace.package]")
        .map_or("", |at| &root_manifest[at..]);
    format!(
        "# Written by the grader: one exercise of a submission, built in the sandbox.\n[workspace]\nresolver = \"3\"\nmembers = [\"{member}\"]\n\n{settings}"
    )
}

/// Set by the gradebook in its graders' environment once it has fetched.
pub const FETCHED: &str = "SOCKET_LAB_FETCHED";

/// `cargo fetch` for the grader's workspace, whose lockfile covers every
/// exercise's dependencies, so that the offline build in the jail finds them.
pub fn prefetch(root: &Path, toolchain: &Toolchain) {
    let status = std::process::Command::new(&toolchain.cargo)
        .args(["fetch", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .stdin(std::process::Stdio::null())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!(
            "warning: `cargo fetch` failed; the sandboxed builds are offline and use only crates already downloaded"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_keeps_the_graders_settings_and_one_member() {
        let root = "[workspace]\nmembers = [\"xtask\", \"solutions/echo\"]\n\n[workspace.package]\nedition = \"2024\"\n\n[profile.dev]\ndebug = 1\n";
        let text = workspace_of(root, "exercises/echo");
        assert!(text.contains("members = [\"exercises/echo\"]"));
        assert!(text.contains("[workspace.package]\nedition = \"2024\""));
        assert!(text.contains("[profile.dev]"));
        assert!(!text.contains("solutions"));
    }
}
