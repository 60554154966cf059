//! The book's two editions. Chapters mark what only one edition shows:
//!
//! ```text
//! <!-- edition: self-study -->
//! the reference solution's code ({{#include ../../../../solutions/...}})
//! <!-- /edition -->
//! <!-- edition: course -->
//! the idea, for students whose instructor grades the code
//! <!-- /edition -->
//! ```
//!
//! Each marker stands alone on its line; blocks do not nest. [`apply`] keeps
//! the blocks of the edition being built and drops the others. It runs before
//! mdBook's `links` preprocessor (see `preprocess.rs`), so a dropped block's
//! `{{#include}}` is never read, and in the course edition it refuses any
//! include of `solutions/` that is left: the published site is what students
//! read, and a solution outside a block would leak without anyone noticing.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use anyhow::{Result, bail};

/// Which book is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Edition {
    /// For a class whose instructor grades the exercises: no solution code.
    Course,
    /// For readers on their own: the reference solutions are in the hints.
    #[default]
    SelfStudy,
}

impl Edition {
    pub const ALL: [Edition; 2] = [Edition::Course, Edition::SelfStudy];

    pub fn name(self) -> &'static str {
        match self {
            Edition::Course => "course",
            Edition::SelfStudy => "self-study",
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Edition {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Edition> {
        match Edition::ALL.into_iter().find(|e| e.name() == s) {
            Some(e) => Ok(e),
            None => bail!("unknown edition {s:?}: course or self-study"),
        }
    }
}

/// The mdBook directives that read a file.
const INCLUDES: [&str; 3] = ["{{#include", "{{#rustdoc_include", "{{#playground"];

/// Where a chapter sits, for its includes and its error messages.
pub struct Source<'a> {
    /// The chapter as named in errors (`book/en/src/exercises/echo.md`).
    pub name: &'a str,
    /// The chapter's folder: includes are relative to it.
    pub dir: &'a Path,
    /// `<repo>/solutions`: what the course edition must not include.
    pub solutions: &'a Path,
}

/// `text` as `edition` shows it: the other edition's blocks and every marker
/// line removed. Unbalanced, nested or unknown markers, and (course edition)
/// a remaining include of `solutions/`, are errors naming file and line.
pub fn apply(edition: Edition, text: &str, src: &Source<'_>) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    // The open block: its edition and the line of its marker.
    let mut open: Option<(Edition, usize)> = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        let at = || format!("{}:{n}", src.name);
        match marker(line).map_err(|e| anyhow::anyhow!("{}: {e}", at()))? {
            Some(Marker::Open(e)) => {
                if let Some((_, start)) = open {
                    bail!(
                        "{}: edition blocks do not nest (the block opened on line {start} is still open)",
                        at()
                    );
                }
                open = Some((e, n));
            }
            Some(Marker::Close) => {
                if open.take().is_none() {
                    bail!("{}: <!-- /edition --> without an open block", at());
                }
            }
            None => {
                if open.is_some_and(|(e, _)| e != edition) {
                    continue;
                }
                if edition == Edition::Course
                    && let Some(path) = solution_include(line, src)
                {
                    bail!(
                        "{}: the course edition must not include {path}: \
                         wrap it in <!-- edition: self-study -->",
                        at()
                    );
                }
                out.push_str(line);
            }
        }
    }
    if let Some((_, start)) = open {
        bail!(
            "{}:{start}: this edition block is never closed (<!-- /edition -->)",
            src.name
        );
    }
    Ok(out)
}

enum Marker {
    Open(Edition),
    Close,
}

/// The marker on `line`, if any; a marker that shares its line, or names no
/// edition we know, is an error rather than text that silently stays.
fn marker(line: &str) -> Result<Option<Marker>> {
    let trimmed = line.trim();
    if trimmed == "<!-- /edition -->" {
        return Ok(Some(Marker::Close));
    }
    if let Some(name) = trimmed
        .strip_prefix("<!-- edition:")
        .and_then(|rest| rest.strip_suffix("-->"))
    {
        return Ok(Some(Marker::Open(name.trim().parse()?)));
    }
    if line.contains("<!-- edition") || line.contains("<!-- /edition") {
        bail!("an edition marker must stand alone on its line: {trimmed}");
    }
    Ok(None)
}

/// The first file under `solutions/` that `line` includes, as written.
fn solution_include(line: &str, src: &Source<'_>) -> Option<String> {
    let mut rest = line;
    while let Some(at) = INCLUDES.iter().filter_map(|d| rest.find(d)).min() {
        let directive = &rest[at..];
        let args = &directive[directive
            .find(char::is_whitespace)
            .unwrap_or(directive.len())..];
        let end = args.find("}}").unwrap_or(args.len());
        let written = args[..end].split_whitespace().next().unwrap_or("");
        // `file.rs:anchor` or `file.rs:3:10`: the path is before the first colon
        // (chapters use relative paths, so no drive letter gets in the way).
        let file = written.split(':').next().unwrap_or("");
        if !file.is_empty() && normalize(&src.dir.join(file)).starts_with(src.solutions) {
            return Some(written.to_string());
        }
        rest = &directive[2..];
    }
    None
}

/// `path` with `.` and `..` resolved by name: an included file may not exist,
/// and its name is what matters.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Source<'static> {
        Source {
            name: "book/en/src/exercises/echo.md",
            dir: Path::new("/repo/book/en/src/exercises"),
            solutions: Path::new("/repo/solutions"),
        }
    }

    const CHAPTER: &str = "\
intro
<!-- edition: self-study -->
```rust
{{#include ../../../../solutions/echo/src/main.rs:echo}}
```
<!-- /edition -->
  <!-- edition: course -->
the idea only
<!-- /edition -->
outro
";

    #[test]
    fn each_edition_keeps_its_blocks_and_drops_the_markers() {
        let self_study = apply(Edition::SelfStudy, CHAPTER, &source()).unwrap();
        assert_eq!(
            self_study,
            "intro\n```rust\n{{#include ../../../../solutions/echo/src/main.rs:echo}}\n```\noutro\n"
        );
        let course = apply(Edition::Course, CHAPTER, &source()).unwrap();
        assert_eq!(course, "intro\nthe idea only\noutro\n");
    }

    fn error(edition: Edition, text: &str) -> String {
        format!("{:#}", apply(edition, text, &source()).unwrap_err())
    }

    #[test]
    fn unbalanced_nested_and_unknown_markers_name_file_and_line() {
        let nested = "a\n<!-- edition: course -->\n<!-- edition: self-study -->\n";
        let e = error(Edition::Course, nested);
        assert!(e.starts_with("book/en/src/exercises/echo.md:3: "), "{e}");
        assert!(e.contains("do not nest") && e.contains("line 2"), "{e}");

        let e = error(Edition::SelfStudy, "a\nb\n<!-- /edition -->\n");
        assert!(e.starts_with("book/en/src/exercises/echo.md:3: "), "{e}");

        let e = error(Edition::SelfStudy, "a\n<!-- edition: course -->\nb\n");
        assert!(e.starts_with("book/en/src/exercises/echo.md:2: "), "{e}");
        assert!(e.contains("never closed"), "{e}");

        let e = error(
            Edition::SelfStudy,
            "<!-- edition: teacher -->\n<!-- /edition -->\n",
        );
        assert!(e.contains(":1: ") && e.contains("\"teacher\""), "{e}");

        let e = error(Edition::SelfStudy, "text <!-- edition: course -->\n");
        assert!(e.contains(":1: ") && e.contains("alone on its line"), "{e}");
    }

    #[test]
    fn the_course_edition_refuses_a_solution_outside_a_block() {
        let leak = "ok\n\n{{#rustdoc_include ../../../../solutions/echo/src/lib.rs:2:9 }}\n";
        let e = error(Edition::Course, leak);
        assert!(e.starts_with("book/en/src/exercises/echo.md:3: "), "{e}");
        assert!(
            e.contains("must not include ../../../../solutions/echo/src/lib.rs:2:9"),
            "{e}"
        );
        assert!(e.contains("wrap it in <!-- edition: self-study -->"), "{e}");
        // The self-study edition shows it; other folders are fine in both.
        assert!(apply(Edition::SelfStudy, leak, &source()).is_ok());
        let examples = "{{#include ../../examples/src/bin/a.rs}} {{#playground ../../../../exercises/echo/src/x.rs}}\n";
        assert!(apply(Edition::Course, examples, &source()).is_ok());
        // A path that only looks like it (`solutions-notes/`) is not the folder.
        let near = "{{#include ../../../../solutions-notes/a.md}}\n";
        assert!(apply(Edition::Course, near, &source()).is_ok());
        // The second directive on a line is seen too.
        let second = "{{#include a.md}} and {{#include ../../../../solutions/x.rs}}\n";
        assert!(apply(Edition::Course, second, &source()).is_err());
    }

    #[test]
    fn editions_parse_by_name() {
        assert_eq!("course".parse::<Edition>().unwrap(), Edition::Course);
        assert_eq!("self-study".parse::<Edition>().unwrap(), Edition::SelfStudy);
        assert!("selfstudy".parse::<Edition>().is_err());
        assert_eq!(Edition::default(), Edition::SelfStudy);
    }
}
