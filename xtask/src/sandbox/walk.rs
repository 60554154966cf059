//! Walking and reading a student's folder without trusting it: never through
//! a symlink, never opening anything but a regular file, never reading more
//! of a file than a cap.
//!
//! [`Walk`] lists the entries and notes what it could not read; its callers
//! set their own caps (entries, files, time) and decide what to read with
//! [`read_regular`]: the gradebook's listing (`gradebook::flags::walk`) and
//! similarity's sources (`similarity::sources`).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Every entry under a folder, one at a time, depth first (an explicit stack:
/// a deep chain of folders does not overflow the thread's), each folder's
/// entries in the order the system lists them.
pub struct Walk {
    /// Folders still to list, with their paths relative to the root.
    stack: Vec<(PathBuf, String)>,
    /// The folder being listed.
    listing: Option<(fs::ReadDir, String)>,
    leave_out: fn(&str) -> bool,
    /// Entries met so far, readable or not.
    seen: usize,
    notes: Vec<String>,
    stopped: bool,
}

pub struct Entry {
    /// Relative to the root, with `/` separators.
    pub path: String,
    pub name: String,
    pub kind: Kind,
    /// For its metadata: like its kind, `DirEntry::metadata` does not follow
    /// a symlink.
    pub dir_entry: fs::DirEntry,
}

/// What an entry is, itself: a symlink is never followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A folder; the walk goes into it.
    Dir,
    /// A folder the caller leaves out (see [`Walk::new`]): not walked into.
    LeftOut,
    File,
    Symlink,
    /// A FIFO, a socket or a device.
    Special,
}

impl Walk {
    /// Walks `root`, except the folders whose name `leave_out` picks.
    pub fn new(root: &Path, leave_out: fn(&str) -> bool) -> Walk {
        Walk {
            stack: vec![(root.to_path_buf(), String::new())],
            listing: None,
            leave_out,
            seen: 0,
            notes: Vec::new(),
            stopped: false,
        }
    }

    /// The next entry; None at the end, or when `stop`, asked before each
    /// entry with how many have come (this one too, readable or not),
    /// names the cap it reached: the walk ends there, noted with that name.
    /// An entry or folder that cannot be read is noted `unreadable:PATH`
    /// (an entry's folder when not even its name can be read; "." for the
    /// root) and passed over; a folder is not an entry, and asks no `stop`.
    pub fn next_entry(
        &mut self,
        mut stop: impl FnMut(usize) -> Option<&'static str>,
    ) -> Option<Entry> {
        if self.stopped {
            return None;
        }
        loop {
            let Some((read, rel)) = &mut self.listing else {
                let (dir, rel) = self.stack.pop()?;
                match fs::read_dir(&dir) {
                    Ok(read) => self.listing = Some((read, rel)),
                    Err(_) => self.notes.push(format!("unreadable:{}", shown(&rel))),
                }
                continue;
            };
            let Some(entry) = read.next() else {
                self.listing = None;
                continue;
            };
            self.seen += 1;
            if let Some(cap) = stop(self.seen) {
                self.notes.push(cap.into());
                self.stopped = true;
                return None;
            }
            let Ok(entry) = entry else {
                self.notes.push(format!("unreadable:{}", shown(rel)));
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            // `DirEntry::file_type` does not follow a symlink.
            let Ok(file_type) = entry.file_type() else {
                self.notes.push(format!("unreadable:{path}"));
                continue;
            };
            let kind = if file_type.is_symlink() {
                Kind::Symlink
            } else if file_type.is_dir() {
                if (self.leave_out)(&name) {
                    Kind::LeftOut
                } else {
                    self.stack.push((entry.path(), path.clone()));
                    Kind::Dir
                }
            } else if file_type.is_file() {
                Kind::File
            } else {
                Kind::Special
            };
            return Some(Entry {
                path,
                name,
                kind,
                dir_entry: entry,
            });
        }
    }

    /// Whether a cap ended the walk before its end.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// What could not be read, in the order met, and last the cap that
    /// ended the walk, if one did.
    pub fn into_notes(self) -> Vec<String> {
        self.notes
    }
}

fn shown(rel: &str) -> &str {
    if rel.is_empty() { "." } else { rel }
}

/// Why [`read_regular`] read nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum Unread {
    /// Over the cap.
    TooLarge,
    /// Not a regular file (any more), or an I/O error.
    Unreadable,
}

/// A regular file's bytes, at most `max`: opened without following a symlink
/// put in its place since the listing, nor blocking on a FIFO.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, Unread> {
    let file = super::open_no_follow(path).map_err(|_| Unread::Unreadable)?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => {}
        _ => return Err(Unread::Unreadable),
    }
    let mut bytes = Vec::new();
    // One byte over the cap tells a file that is too large (or grew since
    // the listing).
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| Unread::Unreadable)?;
    if bytes.len() as u64 > max {
        return Err(Unread::TooLarge);
    }
    Ok(bytes)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_are_listed_not_followed_and_left_out_folders_not_entered() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a")).unwrap();
        fs::create_dir_all(dir.path().join("target")).unwrap();
        fs::write(dir.path().join("a/b.rs"), "fn b() {}").unwrap();
        fs::write(dir.path().join("target/c.rs"), "fn c() {}").unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("link")).unwrap();
        let mut walk = Walk::new(dir.path(), |name| name == "target");
        let mut found = Vec::new();
        while let Some(entry) = walk.next_entry(|_| None) {
            found.push((entry.path, entry.kind));
        }
        assert!(!walk.stopped());
        assert!(walk.into_notes().is_empty());
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let found: Vec<(&str, Kind)> = found.iter().map(|(p, k)| (p.as_str(), *k)).collect();
        assert_eq!(
            found,
            [
                ("a", Kind::Dir),
                ("a/b.rs", Kind::File),
                ("link", Kind::Symlink),
                ("target", Kind::LeftOut)
            ]
        );
        let link = dir.path().join("link");
        assert_eq!(read_regular(&link, 100), Err(Unread::Unreadable));
        let file = dir.path().join("a/b.rs");
        assert_eq!(read_regular(&file, 8), Err(Unread::TooLarge));
        assert_eq!(read_regular(&file, 9).unwrap(), b"fn b() {}");
    }

    #[test]
    fn a_cap_ends_the_walk_and_an_unlisted_root_is_noted() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c"] {
            fs::write(dir.path().join(name), "").unwrap();
        }
        let mut walk = Walk::new(dir.path(), |_| false);
        let mut found = 0;
        while walk
            .next_entry(|seen| (seen > 2).then_some("too-many"))
            .is_some()
        {
            found += 1;
        }
        assert_eq!(found, 2);
        assert!(walk.stopped());
        assert_eq!(walk.into_notes(), ["too-many"]);

        let mut walk = Walk::new(&dir.path().join("missing"), |_| false);
        assert!(walk.next_entry(|_| Some("never asked")).is_none());
        assert!(!walk.stopped());
        assert_eq!(walk.into_notes(), ["unreadable:."]);
    }
}
