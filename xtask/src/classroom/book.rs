//! The book in the template: chapters include code from `solutions/` with
//! mdBook's `{{#include PATH:ANCHOR}}`, and the template has no solutions. The
//! export writes that code into the pages instead (the same text the published
//! book shows), so the template's book builds on its own.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Replaces, in every page under `dest/book/*/src/`, each include of a file
/// under `root/solutions/` with the lines it names. Returns how many.
pub fn inline_solution_code(root: &Path, dest: &Path) -> Result<usize> {
    let mut count = 0;
    for lang in ["en", "ko"] {
        let src = Path::new("book").join(lang).join("src");
        for page in pages(&dest.join(&src))? {
            let rel = page.strip_prefix(dest)?.to_path_buf();
            let text = fs::read_to_string(&page)?;
            let (inlined, n) = inline(&text, &root.join(&rel), &root.join("solutions"))
                .with_context(|| format!("in {}", rel.display()))?;
            if n > 0 {
                fs::write(&page, inlined)?;
                count += n;
            }
        }
    }
    Ok(count)
}

/// The Markdown files under `dir`, recursively.
fn pages(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(pages(&path)?);
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    Ok(found)
}

/// `text` (the page at `page`) with its includes of files under `solutions`
/// replaced by their anchored lines, and how many were replaced.
pub fn inline(text: &str, page: &Path, solutions: &Path) -> Result<(String, usize)> {
    const OPEN: &str = "{{#include ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut count = 0;
    while let Some(start) = rest.find(OPEN) {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let directive = &rest[start..start + len + 2];
        let target = directive[OPEN.len()..directive.len() - 2].trim();
        out.push_str(&rest[..start]);
        rest = &rest[start + len + 2..];
        let (file, anchor) = target.split_once(':').unwrap_or((target, ""));
        let path = normalize(&page.parent().unwrap_or(Path::new("")).join(file));
        if !path.starts_with(solutions) {
            out.push_str(directive);
            continue;
        }
        let code =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        out.push_str(&anchored(&code, anchor).with_context(|| directive.to_string())?);
        count += 1;
    }
    out.push_str(rest);
    Ok((out, count))
}

/// The lines between `// ANCHOR: name` and `// ANCHOR_END: name`, without
/// other anchor lines, as mdBook takes them (the whole file without an anchor).
fn anchored(code: &str, anchor: &str) -> Result<String> {
    let is_marker = |line: &str| line.contains("ANCHOR:") || line.contains("ANCHOR_END:");
    let mut lines = Vec::new();
    let mut inside = anchor.is_empty();
    let mut found = anchor.is_empty();
    for line in code.lines() {
        if !anchor.is_empty() {
            if marker_name(line, "ANCHOR:") == Some(anchor) {
                inside = true;
                found = true;
                continue;
            }
            if marker_name(line, "ANCHOR_END:") == Some(anchor) {
                inside = false;
                continue;
            }
        }
        if inside && !is_marker(line) {
            lines.push(line);
        }
    }
    if !found {
        bail!("no anchor `{anchor}`");
    }
    Ok(lines.join("\n"))
}

fn marker_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let (_, name) = line.split_once(marker)?;
    Some(name.trim())
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_include_of_solution_code_becomes_its_anchored_lines() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let code = "fn main() {\n    // ANCHOR: accept\n    let x = 1;\n    // ANCHOR: inner\n    let y = 2;\n    // ANCHOR_END: inner\n    // ANCHOR_END: accept\n}\n";
        fs::create_dir_all(root.join("solutions/chat/src")).unwrap();
        fs::write(root.join("solutions/chat/src/main.rs"), code).unwrap();
        let page = root.join("book/en/src/exercises/chat.md");
        let text = "```rust\n{{#include ../../../../solutions/chat/src/main.rs:accept}}\n```\n\
                    ```rust\n{{#include ../../examples/src/bin/x.rs:a}}\n```\n";
        let (out, n) = inline(text, &page, &root.join("solutions")).unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            out,
            "```rust\n    let x = 1;\n    let y = 2;\n```\n```rust\n{{#include ../../examples/src/bin/x.rs:a}}\n```\n"
        );
        let missing = "{{#include ../../../../solutions/chat/src/main.rs:nope}}";
        assert!(inline(missing, &page, &root.join("solutions")).is_err());
    }
}
