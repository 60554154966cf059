//! The parity check: `book/ko/src` and `book/en/src` are the same book in two
//! languages. They must have
//!
//! - the same files (chapters and images, by path);
//! - the same SUMMARY.md structure: the same links in the same order and
//!   nesting, the same part titles and separators (the titles' words differ);
//! - per chapter, the same headings (levels, count, order), the same fenced
//!   code blocks (info string and code; comments in Rust/C-like code may
//!   differ), the same images, and the same tables (count and columns).
//!
//! Every difference is reported with the file it is in.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;

use crate::html;

/// One way in which the two books differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The file, relative to `src/` (`exercises/echo.md`).
    pub file: String,
    /// What differs, naming both languages.
    pub what: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.what)
    }
}

/// Names for the two trees in messages (`ko`, `en`).
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    pub left: (&'a str, &'a Path),
    pub right: (&'a str, &'a Path),
}

/// Compares two `src/` folders; returns every difference (none is good).
pub fn check(pair: Pair<'_>) -> Result<Vec<Difference>> {
    let (ln, left) = pair.left;
    let (rn, right) = pair.right;
    let mut diffs = Vec::new();
    let left_files = files(left)?;
    let right_files = files(right)?;
    for only in left_files.difference(&right_files) {
        diffs.push(diff(only, format!("exists in {ln} but not in {rn}")));
    }
    for only in right_files.difference(&left_files) {
        diffs.push(diff(only, format!("exists in {rn} but not in {ln}")));
    }
    for file in left_files.intersection(&right_files) {
        if !file.ends_with(".md") {
            continue;
        }
        let read = |dir: &Path| {
            fs::read_to_string(dir.join(file))
                .with_context(|| format!("reading {}", dir.join(file).display()))
        };
        let (l, r) = (read(left)?, read(right)?);
        if file == "SUMMARY.md" {
            compare_summaries(file, (ln, &l), (rn, &r), &mut diffs);
        } else {
            compare_chapters(file, (ln, &shape(&l)), (rn, &shape(&r)), &mut diffs);
        }
    }
    Ok(diffs)
}

fn diff(file: &str, what: String) -> Difference {
    Difference {
        file: file.to_string(),
        what,
    }
}

/// Every file under `dir` as a `/`-separated relative path, hidden files left out.
fn files(dir: &Path) -> Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    html::walk(dir, &mut |p| {
        let rel = p
            .strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/");
        if !rel.split('/').any(|part| part.starts_with('.')) {
            found.insert(rel);
        }
    })?;
    Ok(found)
}

// ---- SUMMARY.md ---------------------------------------------------------------

static SUMMARY_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\s*)(?:[-*+]\s+)?\[.*\]\(([^)]*)\)\s*$").expect("valid regex"));

/// The structure of a SUMMARY.md, one entry per line that matters:
/// `link 0 socket.md`, `link 1 exercises/echo.md`, `part`, `separator`.
pub fn summary_structure(summary: &str) -> Vec<String> {
    let mut entries = Vec::new();
    for line in summary.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(c) = SUMMARY_LINK.captures(line) {
            let indent = c[1].replace('\t', "    ").len() / 2;
            let nested = if trimmed.starts_with(['-', '*', '+']) {
                "item"
            } else {
                "prefix/suffix"
            };
            entries.push(format!("{nested} at depth {indent} → ({})", c[2].trim()));
        } else if trimmed.starts_with('#') {
            let level = trimmed.chars().take_while(|&c| c == '#').count();
            entries.push(if entries.is_empty() && level == 1 {
                "title".to_string()
            } else {
                format!("part title (h{level})")
            });
        } else if trimmed.chars().all(|c| c == '-') && trimmed.len() >= 3 {
            entries.push("separator".to_string());
        }
    }
    entries
}

fn compare_summaries(file: &str, l: (&str, &str), r: (&str, &str), diffs: &mut Vec<Difference>) {
    let (ls, rs) = (summary_structure(l.1), summary_structure(r.1));
    compare_lists(file, "SUMMARY entry", (l.0, &ls), (r.0, &rs), diffs);
}

// ---- Chapters -------------------------------------------------------------------

/// What must be the same in both languages' versions of a chapter.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Shape {
    /// `h2 "Bind"` for every heading, in order.
    pub headings: Vec<(u8, String)>,
    /// Info string and code (comments dropped, see [`code_for_comparison`]).
    pub code_blocks: Vec<(String, String)>,
    /// Image paths (Markdown images and `<img src>` in HTML).
    pub images: BTreeSet<String>,
    /// The column count of every table, in order.
    pub tables: Vec<usize>,
}

static IMG_SRC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
});

/// Reads the shape of a chapter's Markdown.
pub fn shape(markdown: &str) -> Shape {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut shape = Shape::default();
    let mut heading: Option<(u8, String)> = None;
    let mut code: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level_number(level), String::new()))
            }
            Event::End(TagEnd::Heading(_)) => shape.headings.extend(heading.take()),
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.trim().to_string(),
                    CodeBlockKind::Indented => "(indented)".to_string(),
                };
                code = Some((info, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, text)) = code.take() {
                    let text = code_for_comparison(&info, &text);
                    shape.code_blocks.push((info, text));
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                shape.images.insert(dest_url.to_string());
            }
            Event::Start(Tag::Table(alignments)) => shape.tables.push(alignments.len()),
            Event::Html(h) | Event::InlineHtml(h) => {
                for c in IMG_SRC.captures_iter(&h) {
                    shape
                        .images
                        .insert(c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_string());
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = code.as_mut() {
                    text.push_str(&t);
                } else if let Some((_, text)) = heading.as_mut() {
                    text.push_str(&t);
                }
            }
            _ => {}
        }
    }
    shape
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The code of a block as compared: for Rust and C-like languages, `//`
/// comments are dropped (a line that is only a comment goes entirely), so each
/// language may comment the code in its own words. Everything else must be
/// identical.
pub fn code_for_comparison(info: &str, code: &str) -> String {
    let lang = info.split([',', ' ']).next().unwrap_or("");
    if ![
        "rust",
        "rs",
        "c",
        "cpp",
        "go",
        "java",
        "js",
        "javascript",
        "ts",
    ]
    .contains(&lang)
    {
        return code.to_string();
    }
    let mut out = String::with_capacity(code.len());
    for line in code.lines() {
        match comment_start(line) {
            Some(0) => {}
            Some(at) if line[..at].trim().is_empty() => {}
            Some(at) => {
                out.push_str(line[..at].trim_end());
                out.push('\n');
            }
            None => {
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
    }
    out
}

/// Where a `//` comment starts in a line of code: not inside a string literal
/// (by counting quotes), and at the line's start or after white space (so
/// `http://` is not one).
fn comment_start(line: &str) -> Option<usize> {
    let mut quotes = 0;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => quotes += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/')
                && quotes % 2 == 0
                && (i == 0 || bytes[i - 1].is_ascii_whitespace()) =>
            {
                return Some(i);
            }
            _ => {}
        }
    }
    None
}

fn compare_chapters(file: &str, l: (&str, &Shape), r: (&str, &Shape), diffs: &mut Vec<Difference>) {
    let (ln, ls) = l;
    let (rn, rs) = r;
    let headings = |s: &Shape| -> Vec<String> {
        s.headings
            .iter()
            .map(|(lv, t)| format!("h{lv} {t:?}"))
            .collect()
    };
    let levels = |s: &Shape| -> Vec<u8> { s.headings.iter().map(|h| h.0).collect() };
    if levels(ls) != levels(rs) {
        compare_lists(
            file,
            "heading",
            (ln, &headings(ls)),
            (rn, &headings(rs)),
            diffs,
        );
    }

    if ls.code_blocks.len() != rs.code_blocks.len() {
        diffs.push(diff(
            file,
            format!(
                "{} code blocks in {ln}, {} in {rn}",
                ls.code_blocks.len(),
                rs.code_blocks.len()
            ),
        ));
    } else {
        for (i, ((li, lc), (ri, rc))) in ls.code_blocks.iter().zip(&rs.code_blocks).enumerate() {
            if li != ri {
                diffs.push(diff(
                    file,
                    format!(
                        "code block {}: info string {li:?} in {ln}, {ri:?} in {rn}",
                        i + 1
                    ),
                ));
            } else if lc != rc {
                let line = lc
                    .lines()
                    .zip(rc.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| lc.lines().count().min(rc.lines().count()));
                diffs.push(diff(
                    file,
                    format!(
                        "code block {} ({li}) differs at its line {}: {ln} has {:?}, {rn} has {:?}",
                        i + 1,
                        line + 1,
                        lc.lines().nth(line).unwrap_or("(end of block)"),
                        rc.lines().nth(line).unwrap_or("(end of block)"),
                    ),
                ));
            }
        }
    }

    for only in ls.images.difference(&rs.images) {
        diffs.push(diff(
            file,
            format!("image {only:?} is used in {ln} but not in {rn}"),
        ));
    }
    for only in rs.images.difference(&ls.images) {
        diffs.push(diff(
            file,
            format!("image {only:?} is used in {rn} but not in {ln}"),
        ));
    }

    if ls.tables != rs.tables {
        diffs.push(diff(
            file,
            format!(
                "tables (columns of each) differ: {ln} has {:?}, {rn} has {:?}",
                ls.tables, rs.tables
            ),
        ));
    }
}

/// Reports the first place where two lists differ (or their lengths).
fn compare_lists(
    file: &str,
    name: &str,
    l: (&str, &[String]),
    r: (&str, &[String]),
    diffs: &mut Vec<Difference>,
) {
    let (ln, ls) = l;
    let (rn, rs) = r;
    let first = ls.iter().zip(rs).position(|(a, b)| {
        // Headings: compare levels only ("h2 ..."); SUMMARY entries: all of it.
        if name == "heading" {
            a.split(' ').next() != b.split(' ').next()
        } else {
            a != b
        }
    });
    let what = match first {
        Some(i) => format!(
            "{name} {} differs: {ln} has {}, {rn} has {} ({ln} has {} {name}s, {rn} has {})",
            i + 1,
            ls[i],
            rs[i],
            ls.len(),
            rs.len()
        ),
        None if ls.len() != rs.len() => {
            let (more, fewer, extra) = if ls.len() > rs.len() {
                (ln, rn, &ls[rs.len()])
            } else {
                (rn, ln, &rs[ls.len()])
            };
            format!(
                "{more} has {} {name}s, {fewer} has {}; the first extra one in {more} is {extra}",
                ls.len().max(rs.len()),
                ls.len().min(rs.len())
            )
        }
        None => return,
    };
    diffs.push(diff(file, what));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_may_differ_in_rust_code() {
        let ko = "// 에코 서버\nlet addr = \"127.0.0.1:7\"; // 주소\nlet url = \"http://example.com\";\n";
        let en = "let addr = \"127.0.0.1:7\"; // the address\n// (no comment in Korean)\nlet url = \"http://example.com\";\n";
        assert_eq!(
            code_for_comparison("rust", ko),
            code_for_comparison("rust,ignore", en)
        );
        assert_ne!(
            code_for_comparison("text", ko),
            code_for_comparison("text", en)
        );
    }

    #[test]
    fn reads_a_summary_structure() {
        let s = "# Summary\n\n[Intro](intro.md)\n\n# Part\n\n- [A](a.md)\n  - [B](b/b.md)\n- [Draft]()\n---\n";
        assert_eq!(
            summary_structure(s),
            [
                "title",
                "prefix/suffix at depth 0 → (intro.md)",
                "part title (h1)",
                "item at depth 0 → (a.md)",
                "item at depth 1 → (b/b.md)",
                "item at depth 0 → ()",
                "separator"
            ]
        );
    }
}
