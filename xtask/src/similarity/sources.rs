//! The student folders of a submissions folder, and the Rust sources of a
//! crate folder, read the way the gradebook reads a student's files: never
//! through a symlink, never anything but a regular file, within caps on size
//! and count, `target/` and hidden folders left out.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Bytes read of one file at most: bigger is no hand-written solution.
pub const MAX_FILE: u64 = 1 << 20;
/// `.rs` files read per crate at most.
pub const MAX_FILES: usize = 200;
/// Folder entries looked at per crate at most (a tree of empty folders).
const MAX_ENTRIES: usize = 10_000;

/// A crate's sources, by path relative to the crate with `/` separators, in
/// path order, and what could not be read (`symlink:src/x.rs`,
/// `too-large:…`, `too-many-files`, `unreadable:…`).
#[derive(Default)]
pub struct Sources {
    pub files: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// The student folders, by name: folders only, never a link, hidden ones left out.
pub fn student_folders(submissions: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut students = Vec::new();
    for entry in
        fs::read_dir(submissions).with_context(|| format!("reading {}", submissions.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() && !name.starts_with('.') {
            students.push((name, entry.path()));
        }
    }
    students.sort();
    Ok(students)
}

/// Reads the `.rs` files under `dir`.
pub fn read(dir: &Path) -> Sources {
    let mut sources = Sources::default();
    let mut entries = 0;
    // An explicit stack: a deep chain of folders does not overflow ours.
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    'walk: while let Some((dir, rel)) = stack.pop() {
        let Ok(read) = fs::read_dir(&dir) else {
            sources.notes.push(format!("unreadable:{}", shown(&rel)));
            continue;
        };
        for entry in read {
            entries += 1;
            if entries > MAX_ENTRIES || sources.files.len() >= MAX_FILES {
                sources.notes.push("too-many-files".into());
                break 'walk;
            }
            let Ok(entry) = entry else {
                sources.notes.push(format!("unreadable:{}", shown(&rel)));
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            // `DirEntry::file_type` does not follow a symlink.
            let Ok(kind) = entry.file_type() else {
                sources.notes.push(format!("unreadable:{path}"));
                continue;
            };
            if kind.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push((entry.path(), path));
                }
            } else if !name.ends_with(".rs") {
                continue;
            } else if kind.is_symlink() {
                sources.notes.push(format!("symlink:{path}"));
            } else if !kind.is_file() {
                sources.notes.push(format!("special:{path}"));
            } else {
                match read_file(&entry.path()) {
                    Ok(text) => sources.files.push((path, text)),
                    Err(note) => sources.notes.push(format!("{note}:{path}")),
                }
            }
        }
    }
    sources.files.sort();
    sources.notes.sort();
    sources
}

fn shown(rel: &str) -> &str {
    if rel.is_empty() { "." } else { rel }
}

/// A regular file's text, opened without following a symlink put in its
/// place since the listing, nor blocking on a FIFO.
fn read_file(path: &Path) -> Result<String, &'static str> {
    let file = crate::sandbox::open_no_follow(path).map_err(|_| "unreadable")?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => {}
        _ => return Err("unreadable"),
    }
    let mut bytes = Vec::new();
    // One byte over the cap tells a file that is too large.
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| "unreadable")?;
    if bytes.len() as u64 > MAX_FILE {
        return Err("too-large");
    }
    String::from_utf8(bytes).map_err(|_| "not-utf8")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_large_files_and_target_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("bin")).unwrap();
        fs::create_dir_all(dir.path().join("target/debug")).unwrap();
        fs::write(src.join("bin/a.rs"), "fn main() {}").unwrap();
        fs::write(src.join("notes.txt"), "not rust").unwrap();
        fs::write(dir.path().join("target/debug/b.rs"), "fn b() {}").unwrap();
        fs::write(src.join("big.rs"), vec![b' '; MAX_FILE as usize + 1]).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", src.join("link.rs")).unwrap();
        let sources = read(dir.path());
        let paths: Vec<_> = sources.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["src/bin/a.rs"]);
        assert_eq!(
            sources.notes,
            ["symlink:src/link.rs", "too-large:src/big.rs"]
        );
    }
}
