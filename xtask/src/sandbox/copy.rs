//! Copying what a student controls without trusting it: regular files and
//! folders only, never a symbolic link, a FIFO or a device, within bounds.

use std::path::Path;

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
/// never a link or a special file. For a build cache.
pub fn copy_cache(from: &Path, to: &Path, max_bytes: u64) -> Result<u64> {
    let mut bytes = 0;
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = stack.pop() {
        std::fs::create_dir_all(&dst)?;
        for entry in std::fs::read_dir(&src)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let (s, d) = (entry.path(), dst.join(entry.file_name()));
            if kind.is_dir() {
                stack.push((s, d));
            } else if kind.is_file() {
                let meta = entry.metadata()?;
                bytes += meta.len();
                if bytes > max_bytes {
                    bail!("over {max_bytes} bytes under {}", from.display());
                }
                std::fs::copy(&s, &d)?;
                std::fs::File::options()
                    .write(true)
                    .open(&d)?
                    .set_modified(meta.modified()?)?;
            }
        }
    }
    Ok(bytes)
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
}
