//! The student folders of a submissions folder, and the Rust sources of a
//! crate folder, read the way the gradebook reads a student's files (with
//! [`crate::sandbox::walk`]): never through a symlink, never anything but a
//! regular file, within caps on size and count, `target/` and hidden folders
//! left out.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::sandbox::walk::{Kind, Unread, Walk, read_regular};

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
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let mut walk = Walk::new(dir, |name| name == "target" || name.starts_with('.'));
    while let Some(entry) = walk.next_entry(|seen| {
        (seen > MAX_ENTRIES || files.len() >= MAX_FILES).then_some("too-many-files")
    }) {
        if !entry.name.ends_with(".rs") {
            continue;
        }
        let path = entry.path;
        match entry.kind {
            Kind::Dir | Kind::LeftOut => {}
            Kind::Symlink => notes.push(format!("symlink:{path}")),
            Kind::Special => notes.push(format!("special:{path}")),
            Kind::File => match read_file(&entry.dir_entry.path()) {
                Ok(text) => files.push((path, text)),
                Err(note) => notes.push(format!("{note}:{path}")),
            },
        }
    }
    notes.extend(walk.into_notes());
    files.sort();
    notes.sort();
    Sources { files, notes }
}

/// A regular file's text (see [`read_regular`]).
fn read_file(path: &Path) -> Result<String, &'static str> {
    let bytes = read_regular(path, MAX_FILE).map_err(|unread| match unread {
        Unread::TooLarge => "too-large",
        Unread::Unreadable => "unreadable",
    })?;
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
