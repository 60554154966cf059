//! What the gradebook flags in a submission: files of the grader and its
//! workflow that differ from the template.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::classroom;

/// SHA-256 of every guarded file (the grader, its workflow) under `dir`,
/// by path relative to `dir` with `/` separators.
pub fn digests(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for top in [".github", ".cargo", "xtask", "Cargo.toml"] {
        collect(dir, &dir.join(top), &mut out)?;
    }
    Ok(out)
}

fn collect(base: &Path, path: &Path, out: &mut BTreeMap<String, String>) -> Result<()> {
    if path.is_file() {
        let rel = path
            .strip_prefix(base)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if classroom::guarded(&rel) {
            let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let digest = Sha256::digest(&bytes);
            let hex = digest.iter().fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
            out.insert(rel, hex);
        }
    } else if path.is_dir() {
        for entry in fs::read_dir(path)? {
            let entry = entry?;
            if entry.file_name() == "target" {
                continue;
            }
            collect(base, &entry.path(), out)?;
        }
    }
    Ok(())
}

/// The grader and workflow files of a submission that differ from the template.
pub fn tampering(dir: &Path, template: &BTreeMap<String, String>) -> Vec<String> {
    let found = match digests(dir) {
        Ok(found) => found,
        Err(err) => return vec![format!("unreadable:{err}")],
    };
    let mut flags = Vec::new();
    for (path, digest) in template {
        match found.get(path) {
            None => flags.push(format!("missing:{path}")),
            Some(other) if other != digest => flags.push(format!("changed:{path}")),
            Some(_) => {}
        }
    }
    for path in found.keys() {
        if !template.contains_key(path) {
            flags.push(format!("added:{path}"));
        }
    }
    flags
}
