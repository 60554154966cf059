//! `OUT.part`: the file being received, written chunk by chunk at each
//! chunk's offset, checked at the end by reading it back, and renamed to
//! OUT only then.
//!
//! Positioned writes need no order: chunk k goes to offset k·1200 whenever it
//! arrives, and a chunk that arrives before the one below it leaves a hole
//! that the file system fills with zeros until the missing chunk lands on
//! it. So the digest cannot be computed on the way in, in arrival order: it
//! is computed over the finished file, which also checks exactly "what was
//! written". The file lives beside OUT so that the final rename stays
//! within one folder: atomic, OUT never holds a partial file.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{CHUNK, hex};

pub struct PartFile {
    path: PathBuf,
    /// `None` once closed for the rename.
    file: Option<File>,
    /// Renamed to OUT: not to be removed.
    committed: bool,
}

impl PartFile {
    /// Creates (or empties) `OUT.part` beside `out`.
    pub fn create(out: &Path) -> Result<PartFile, String> {
        let mut name = OsString::from(out.as_os_str());
        name.push(".part");
        let path = PathBuf::from(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|err| format!("create {}: {err}", path.display()))?;
        Ok(PartFile {
            path,
            file: Some(file),
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until the rename")
    }

    /// Writes chunk `seq` at its offset.
    pub fn write_chunk(&mut self, seq: u32, bytes: &[u8]) -> Result<(), String> {
        let offset = u64::from(seq) * CHUNK as u64;
        let file = self.file();
        let result = file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| file.write_all(bytes));
        result.map_err(|err| format!("write {}: {err}", self.path.display()))
    }

    /// Reads the whole file back: its size and SHA-256, compared with the
    /// FIN's. A mismatch is the error message.
    pub fn verify(&mut self, size: u64, digest: &[u8; 32]) -> Result<(), String> {
        let (ours_size, ours) = self
            .digest()
            .map_err(|err| format!("read {}: {err}", self.path.display()))?;
        if ours_size == size && &ours == digest {
            return Ok(());
        }
        Err(format!(
            "digest mismatch: the FIN announces {size} bytes with SHA-256 {}, \
             {} holds {ours_size} bytes with SHA-256 {}; removed",
            hex(digest),
            self.path.display(),
            hex(&ours)
        ))
    }

    fn digest(&mut self) -> io::Result<(u64, [u8; 32])> {
        let file = self.file();
        file.seek(SeekFrom::Start(0))?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => return Ok((size, hasher.finalize().into())),
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    size += n as u64;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// Closes the file and renames it to `out`.
    pub fn commit(mut self, out: &Path) -> Result<(), String> {
        // Closed first: some systems (Windows) refuse to rename an open file.
        drop(self.file.take());
        fs::rename(&self.path, out)
            .map_err(|err| format!("rename {} to {}: {err}", self.path.display(), out.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartFile {
    /// On every way out but a successful rename: the partial file goes.
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
