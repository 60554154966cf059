//! The files of a submission, listed without ever following a symlink or
//! opening anything but a regular file, within caps on the number of entries
//! and on the bytes read.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Entries (files, folders, links) listed at most; past it, `too-many-files`.
pub const MAX_ENTRIES: usize = 20_000;
/// Bytes read of one file at most; a bigger watched file is `too-large:PATH`.
pub const MAX_FILE: u64 = 1 << 20;
/// Bytes read of one submission at most; past it, `too-many-files`.
pub const MAX_TOTAL: u64 = 64 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    /// A regular file, of this many bytes.
    File(u64),
    Symlink,
    /// A FIFO, a socket or a device: never opened.
    Special,
}

/// Every entry under a folder, by path relative to it with `/` separators,
/// `.git` and `target` folders left out.
pub struct Listing {
    pub entries: BTreeMap<String, Kind>,
    /// False when a cap or the deadline stopped the walk (then nothing is
    /// "missing"): `flags` says which.
    pub complete: bool,
    pub flags: Vec<String>,
}

/// Lists `root`, at most `max_entries` entries (`MAX_ENTRIES`), until `deadline`.
pub fn list(root: &Path, deadline: Instant, max_entries: usize) -> Listing {
    let mut listing = Listing {
        entries: BTreeMap::new(),
        complete: true,
        flags: Vec::new(),
    };
    // An explicit stack: a folder chain as deep as the cap allows does not
    // overflow the thread's stack.
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    'walk: while let Some((dir, rel)) = stack.pop() {
        let read = match fs::read_dir(&dir) {
            Ok(read) => read,
            Err(_) => {
                let shown = if rel.is_empty() { "." } else { &rel };
                listing.flags.push(format!("unreadable:{shown}"));
                continue;
            }
        };
        for entry in read {
            if Instant::now() >= deadline {
                listing.flags.push("too-slow".into());
                listing.complete = false;
                break 'walk;
            }
            if listing.entries.len() >= max_entries {
                listing.flags.push("too-many-files".into());
                listing.complete = false;
                break 'walk;
            }
            let Ok(entry) = entry else {
                let shown = if rel.is_empty() { "." } else { &rel };
                listing.flags.push(format!("unreadable:{shown}"));
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            // Neither `file_type` nor `metadata` of a `DirEntry` follows a symlink.
            let Ok(file_type) = entry.file_type() else {
                listing.flags.push(format!("unreadable:{path}"));
                continue;
            };
            let kind = if file_type.is_symlink() {
                Kind::Symlink
            } else if file_type.is_dir() {
                if name == ".git" || name == "target" {
                    continue;
                }
                stack.push((entry.path(), path.clone()));
                Kind::Dir
            } else if file_type.is_file() {
                Kind::File(entry.metadata().map_or(u64::MAX, |m| m.len()))
            } else {
                Kind::Special
            };
            listing.entries.insert(path, kind);
        }
    }
    listing
}

/// What reading a file within the caps gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Content {
    Bytes(Vec<u8>),
    /// Over `MAX_FILE`: not read.
    TooLarge,
    /// The submission's `MAX_TOTAL` is spent: not read.
    OverBudget,
    /// Not a regular file any more, or an I/O error.
    Unreadable,
}

/// The bytes a submission may still have read.
pub struct Budget(pub u64);

impl Budget {
    /// Reads a regular file of `len` bytes (from the listing) at `path`,
    /// never following a symlink nor blocking on a FIFO put in its place
    /// since the listing, and never more than `MAX_FILE` bytes.
    pub fn read(&mut self, path: &Path, len: u64) -> Content {
        if len > MAX_FILE {
            return Content::TooLarge;
        }
        if len > self.0 {
            self.0 = 0;
            return Content::OverBudget;
        }
        let Ok(file) = crate::sandbox::open_no_follow(path) else {
            return Content::Unreadable;
        };
        match file.metadata() {
            Ok(meta) if meta.is_file() => {}
            _ => return Content::Unreadable,
        }
        let mut bytes = Vec::new();
        // One byte more than allowed tells a file that grew since the listing.
        if file.take(MAX_FILE + 1).read_to_end(&mut bytes).is_err() {
            return Content::Unreadable;
        }
        if bytes.len() as u64 > MAX_FILE {
            return Content::TooLarge;
        }
        self.0 = self.0.saturating_sub(bytes.len() as u64);
        Content::Bytes(bytes)
    }
}
