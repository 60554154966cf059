//! The file being sent, read twice.
//!
//! First from start to end, to learn its size and SHA-256: the FIN is ready
//! before the first DATA leaves. Then chunk by chunk, by position, whenever a
//! chunk goes out, the first time or again: chunk k is always bytes
//! k·1200 .. of the file, so nothing sent needs to be kept in memory until it
//! is acknowledged. The page cache makes the second read cheap.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{CHUNK, chunk_count};

pub struct Source {
    path: PathBuf,
    file: File,
    pub size: u64,
    pub chunks: u32,
    pub digest: [u8; 32],
}

impl Source {
    /// Opens the file and hashes it.
    pub fn open(path: &Path) -> Result<Source, String> {
        let fail = |err: io::Error| format!("read {}: {err}", path.display());
        let mut file = File::open(path).map_err(fail)?;
        if file.metadata().map_err(fail)?.is_dir() {
            return Err(format!("read {}: is a directory", path.display()));
        }
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    size += n as u64;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(fail(err)),
            }
        }
        let chunks = chunk_count(size)
            .ok_or_else(|| format!("read {}: {size} bytes is too large", path.display()))?;
        Ok(Source {
            path: path.to_path_buf(),
            file,
            size,
            chunks,
            digest: hasher.finalize().into(),
        })
    }

    /// Reads chunk `seq` into the start of `into`; returns its length
    /// (1200, or what is left for the last chunk).
    pub fn read_chunk(&mut self, seq: u32, into: &mut [u8]) -> Result<usize, String> {
        let start = u64::from(seq) * CHUNK as u64;
        let len = (self.size - start).min(CHUNK as u64) as usize;
        let fail = |err: io::Error| match err.kind() {
            io::ErrorKind::UnexpectedEof => {
                format!(
                    "read {}: the file shrank while being sent",
                    self.path.display()
                )
            }
            _ => format!("read {}: {err}", self.path.display()),
        };
        self.file.seek(SeekFrom::Start(start)).map_err(fail)?;
        self.file.read_exact(&mut into[..len]).map_err(fail)?;
        Ok(len)
    }
}
