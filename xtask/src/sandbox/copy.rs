//! Copying what a student controls without trusting it: regular files and
//! folders only, never a symbolic link, a FIFO or a device, within bounds.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Copies a student's folder: regular files and folders only (never a
/// symbolic link, a FIFO or a device), without `target/` and `.git/`, at most
/// `max_entries` entries and `max_bytes` bytes. Returns what it skipped.
pub fn copy_tree(
    from: &Path,
    to: &Path,
    max_entries: usize,
    max_bytes: u64,
) -> Result<Vec<String>> {
    let mut skipped = Vec::new();
    let (mut entries, mut bytes) = (0usize, 0u64);
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
    std::fs::create_dir_all(to)?;
    while let Some((src, dst)) = stack.pop() {
        for entry in
            std::fs::read_dir(&src).with_context(|| format!("reading {}", src.display()))?
        {
            let entry = entry?;
            entries += 1;
            if entries > max_entries {
                skipped.push(format!("more than {max_entries} files"));
                return Ok(skipped);
            }
            let name = entry.file_name();
            let kind = entry.file_type()?;
            let (s, d) = (entry.path(), dst.join(&name));
            if kind.is_dir() {
                if name == "target" || name == ".git" {
                    continue;
                }
                std::fs::create_dir(&d)?;
                stack.push((s, d));
            } else if kind.is_file() {
                let len = entry.metadata()?.len();
                if bytes + len > max_bytes {
                    skipped.push(format!("{} (over {max_bytes} bytes in all)", s.display()));
                    continue;
                }
                bytes += len;
                std::fs::copy(&s, &d)?;
                // The source's time: an unchanged file is not rebuilt.
                let modified = entry.metadata()?.modified()?;
                std::fs::File::options()
                    .write(true)
                    .open(&d)?
                    .set_modified(modified)?;
            } else {
                skipped.push(s.display().to_string());
            }
        }
    }
    Ok(skipped)
}

/// Copies the regular files and folders under `from` to `to` with their
/// modification times (cargo's fingerprints read them), at most `max_bytes`;
/// never a symbolic link or a special file. For a build cache: files hard-linked
/// to each other (cargo's binaries in `debug/` and `debug/deps/`) stay one
/// file, and cargo's incremental state (`debug/incremental/`) is left out, a
/// third of a submission's build that no fresh crate reads (a changed one
/// compiles its own few files again without it).
pub fn copy_cache(from: &Path, to: &Path, max_bytes: u64) -> Result<u64> {
    copy_files(from, to, max_bytes, Keep::Nothing)
}

/// [`copy_cache`] without the files that `base` holds at the same place
/// with the same length and modification time: what a build added to, or
/// changed in, a target dir that started as a copy of `base`.
pub fn copy_cache_unlike(from: &Path, to: &Path, max_bytes: u64, base: &Path) -> Result<u64> {
    copy_files(from, to, max_bytes, Keep::SameAs(base))
}

/// [`copy_cache`] into a folder that may already hold some of the files:
/// those are kept. Each file is written under a temporary name, then
/// renamed: a copy cut short leaves no partial file under a name cargo
/// reads (which, with its new modification time, cargo would take as built).
pub fn copy_missing(from: &Path, to: &Path, max_bytes: u64) -> Result<u64> {
    copy_files(from, to, max_bytes, Keep::Existing)
}

/// Which files of `from` [`copy_files`] leaves out.
#[derive(Clone, Copy)]
enum Keep<'a> {
    /// None: every file is copied, over what `to` holds.
    Nothing,
    /// Those `to` already holds (under any kind).
    Existing,
    /// Those this folder holds at the same place, same length and time.
    SameAs(&'a Path),
}

fn copy_files(from: &Path, to: &Path, max_bytes: u64, keep: Keep) -> Result<u64> {
    let mut bytes = 0;
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf(), PathBuf::new())];
    // (device, inode) of a file with several links → its first copy.
    let mut linked = std::collections::HashMap::new();
    let cache = !matches!(keep, Keep::Existing);
    while let Some((src, dst, relative)) = stack.pop() {
        std::fs::create_dir_all(&dst)?;
        for entry in std::fs::read_dir(&src)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let name = entry.file_name();
            let (s, d) = (entry.path(), dst.join(&name));
            if kind.is_dir() {
                let profile_dir = relative.components().count() == 1;
                if !(cache && profile_dir && name == "incremental") {
                    stack.push((s, d, relative.join(&name)));
                }
            } else if kind.is_file() {
                let meta = entry.metadata()?;
                let modified = meta.modified()?;
                let inode = cache.then(|| inode_of(&meta)).flatten();
                if let Some(first) = inode.and_then(|inode| linked.get(&inode)) {
                    let _ = std::fs::remove_file(&d);
                    std::fs::hard_link(first, &d)?;
                    continue;
                }
                let skip = match keep {
                    Keep::Nothing => false,
                    Keep::Existing => std::fs::symlink_metadata(&d).is_ok(),
                    Keep::SameAs(base) => std::fs::metadata(base.join(&relative).join(&name))
                        .is_ok_and(|b| {
                            b.len() == meta.len() && b.modified().ok() == Some(modified)
                        }),
                };
                if skip {
                    continue;
                }
                bytes += meta.len();
                if bytes > max_bytes {
                    bail!("over {max_bytes} bytes under {}", from.display());
                }
                if let Keep::Existing = keep {
                    let mut partial = d.clone().into_os_string();
                    partial.push(".partial");
                    let partial = PathBuf::from(partial);
                    let _ = std::fs::remove_file(&partial);
                    copy_with_time(&s, &partial, modified)?;
                    std::fs::rename(&partial, &d)?;
                } else {
                    copy_with_time(&s, &d, modified)?;
                }
                if let Some(inode) = inode {
                    linked.insert(inode, d);
                }
            }
        }
    }
    Ok(bytes)
}

/// A file's (device, inode) when it has more than one link.
#[cfg(unix)]
fn inode_of(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    (meta.nlink() > 1).then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn inode_of(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

fn copy_with_time(from: &Path, to: &Path, modified: std::time::SystemTime) -> Result<()> {
    std::fs::copy(from, to)?;
    std::fs::File::options()
        .write(true)
        .open(to)?
        .set_modified(modified)?;
    Ok(())
}

/// Opens a student's file for reading only if it is a regular file there,
/// not a link to one elsewhere (`O_NOFOLLOW`), and without blocking on a FIFO
/// put in its place (`O_NONBLOCK`).
#[cfg(unix)]
pub fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
pub fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    // The listing saw a regular file; a link put in its place since is
    // caught by the metadata check on the open handle only for its target's
    // kind (a plain `open` follows it).
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => std::fs::File::open(path),
        _ => Err(std::io::ErrorKind::InvalidInput.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_tree_skips_links_and_stops_at_its_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("from"), dir.path().join("to"));
        std::fs::create_dir_all(from.join("src/target")).unwrap();
        std::fs::write(from.join("src/main.rs"), "fn main() {}").unwrap();
        std::fs::write(from.join("src/target/big"), "x").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("loop", from.join("loop")).unwrap();
            std::os::unix::fs::symlink("/dev/zero", from.join("zero")).unwrap();
        }
        let skipped = copy_tree(&from, &to, 100, 1 << 20).unwrap();
        assert!(to.join("src/main.rs").is_file());
        assert!(!to.join("src/target").exists());
        #[cfg(unix)]
        {
            assert_eq!(skipped.len(), 2, "{skipped:?}");
            assert!(std::fs::symlink_metadata(to.join("zero")).is_err());
        }
        let to2 = dir.path().join("to2");
        let skipped = copy_tree(&from, &to2, 100, 3).unwrap();
        assert!(!to2.join("src/main.rs").exists(), "{skipped:?}");
    }

    #[test]
    fn a_cache_copy_keeps_times_and_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, target) = (dir.path().join("cache"), dir.path().join("target"));
        std::fs::create_dir_all(cache.join("debug/deps")).unwrap();
        std::fs::write(cache.join("debug/deps/libtokio-1.rlib"), "cached").unwrap();
        std::fs::write(cache.join("debug/deps/libsha2-2.rlib"), "cached").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for name in ["libtokio-1.rlib", "libsha2-2.rlib"] {
            std::fs::File::options()
                .write(true)
                .open(cache.join("debug/deps").join(name))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        // What the target dir holds already is kept.
        std::fs::create_dir_all(target.join("debug/deps")).unwrap();
        std::fs::write(target.join("debug/deps/libsha2-2.rlib"), "own").unwrap();
        let copied = copy_missing(&cache, &target, 1 << 20).unwrap();
        assert_eq!(copied, 6);
        let deps = target.join("debug/deps");
        assert_eq!(
            std::fs::read_to_string(deps.join("libsha2-2.rlib")).unwrap(),
            "own"
        );
        let tokio = deps.join("libtokio-1.rlib");
        assert_eq!(std::fs::read_to_string(&tokio).unwrap(), "cached");
        assert_eq!(std::fs::metadata(&tokio).unwrap().modified().unwrap(), old);
        assert_eq!(
            std::fs::read_dir(&deps).unwrap().count(),
            2,
            "no partial file left"
        );
        assert!(copy_missing(&cache, &dir.path().join("small"), 5).is_err());

        // Saved: what differs from the cache, not what came from it.
        std::fs::write(deps.join("libecho-3.rlib"), "built").unwrap();
        let saved = dir.path().join("saved");
        copy_cache_unlike(&target, &saved, 1 << 20, &cache).unwrap();
        let saved_deps = saved.join("debug/deps");
        let mut names: Vec<String> = std::fs::read_dir(&saved_deps)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["libecho-3.rlib", "libsha2-2.rlib"]);
    }

    #[test]
    fn a_cache_copy_keeps_links_and_leaves_incremental_out() {
        let dir = tempfile::tempdir().unwrap();
        let (target, saved) = (dir.path().join("target"), dir.path().join("saved"));
        std::fs::create_dir_all(target.join("debug/deps")).unwrap();
        std::fs::create_dir_all(target.join("debug/incremental/echo-1")).unwrap();
        std::fs::write(target.join("debug/incremental/echo-1/dep-graph.bin"), "x").unwrap();
        std::fs::write(target.join("debug/deps/echo_server-1"), "binary").unwrap();
        std::fs::hard_link(
            target.join("debug/deps/echo_server-1"),
            target.join("debug/echo-server"),
        )
        .unwrap();
        assert_eq!(copy_cache(&target, &saved, 1 << 20).unwrap(), 6);
        assert!(!saved.join("debug/incremental").exists());
        let read = |path: &str| std::fs::read_to_string(saved.join(path)).unwrap();
        assert_eq!(read("debug/echo-server"), "binary");
        assert_eq!(read("debug/deps/echo_server-1"), "binary");
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(saved.join("debug/echo-server")).unwrap();
            assert_eq!(meta.nlink(), 2);
        }
    }
}
