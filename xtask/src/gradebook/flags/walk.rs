//! The files of a submission, listed without ever following a symlink or
//! opening anything but a regular file (with [`crate::sandbox::walk`]),
//! within caps on the number of entries, on time and on the bytes read.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use crate::sandbox::walk::{self, Unread, Walk, read_regular};

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
    let mut entries = BTreeMap::new();
    let mut walk = Walk::new(root, |name| name == ".git" || name == "target");
    while let Some(entry) = walk.next_entry(|_| {
        if Instant::now() >= deadline {
            Some("too-slow")
        } else if entries.len() >= max_entries {
            Some("too-many-files")
        } else {
            None
        }
    }) {
        let kind = match entry.kind {
            walk::Kind::LeftOut => continue,
            walk::Kind::Dir => Kind::Dir,
            walk::Kind::File => {
                Kind::File(entry.dir_entry.metadata().map_or(u64::MAX, |m| m.len()))
            }
            walk::Kind::Symlink => Kind::Symlink,
            walk::Kind::Special => Kind::Special,
        };
        entries.insert(entry.path, kind);
    }
    Listing {
        entries,
        complete: !walk.stopped(),
        flags: walk.into_notes(),
    }
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
        let bytes = match read_regular(path, MAX_FILE) {
            Ok(bytes) => bytes,
            Err(Unread::TooLarge) => return Content::TooLarge,
            Err(Unread::Unreadable) => return Content::Unreadable,
        };
        self.0 = self.0.saturating_sub(bytes.len() as u64);
        Content::Bytes(bytes)
    }
}
