//! Comments in two languages: the programs the chapters include from
//! `book/examples` comment their code in English and Korean, each comment an
//! `en:`/`ko:` pair, like the exercises' starters:
//!
//! ```text
//! // en: Each call returns a *new* socket connected to one client;
//! // the listening socket stays open.
//! // ko: 호출할 때마다 클라이언트 하나와 연결된 *새* 소켓을 돌려줍니다.
//! // 리스닝 소켓은 열린 채로 남습니다.
//! ```
//!
//! A pair is a run of comment lines with the same indentation and the same
//! marker (`//`, `///` or `//!`) whose first line starts with `en:`; its
//! Korean half starts at the line that starts with `ko:`. After mdBook has
//! expanded the includes, [`Comments`] keeps in each Rust code block the
//! half in the book's language, markers gone: the Korean book shows Korean
//! comments, the English book English ones. Comments without a marker are
//! left as they are (no included region has one: see below).
//!
//! [`check_includes`] runs on every build, before the includes are expanded:
//! every comment in a region of `book/examples` or `solutions/` (the
//! self-study edition's last hints) that a chapter includes
//! must be a pair whose `ko:` half is Korean, and no comment may follow code
//! on its line (`return; // reset`: it has no Korean twin), so a comment
//! added in one language fails the build with its file and line.

use std::path::Path;

use anyhow::{Result, bail};
use mdbook_driver::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use regex::Regex;
use std::sync::LazyLock;

use crate::rules::Lang;

/// A comment line: its indentation, its marker and its text after the marker.
fn comment(line: &str) -> Option<(usize, &'static str, &str)> {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start();
    for marker in ["//!", "///", "//"] {
        if let Some(text) = rest.strip_prefix(marker) {
            // `////` is a plain comment, not a doc comment.
            if marker == "///" && text.starts_with('/') {
                return Some((indent, "//", rest.strip_prefix("//").unwrap_or(text)));
            }
            return Some((indent, marker, text.strip_prefix(' ').unwrap_or(text)));
        }
    }
    None
}

/// One run of comment lines: where it starts and how many lines it has.
struct Run {
    start: usize,
    len: usize,
}

/// The comment runs of `lines`: consecutive comment lines with the same
/// indentation and marker.
fn runs(lines: &[&str]) -> Vec<Run> {
    let mut found: Vec<Run> = Vec::new();
    let mut last: Option<(usize, &str)> = None;
    for (i, line) in lines.iter().enumerate() {
        // mdBook's anchors are not comments a reader sees.
        match comment(line).filter(|c| !c.2.starts_with("ANCHOR")) {
            Some((indent, marker, _)) => {
                let continues = last == Some((indent, marker))
                    && found.last().is_some_and(|r| r.start + r.len == i);
                if continues {
                    found.last_mut().expect("a run").len += 1;
                } else {
                    found.push(Run { start: i, len: 1 });
                }
                last = Some((indent, marker));
            }
            None => last = None,
        }
    }
    found
}

/// Where a run's Korean half starts (an index into the run), if the run is
/// an `en:`/`ko:` pair.
fn korean_start(lines: &[&str], run: &Run) -> Option<usize> {
    let text = |i: usize| comment(lines[run.start + i]).map_or("", |c| c.2);
    if !text(0).starts_with("en:") {
        return None;
    }
    (1..run.len).find(|&i| text(i).starts_with("ko:"))
}

/// `code` with each `en:`/`ko:` comment pair reduced to its `lang` half.
pub fn select(code: &str, lang: Lang) -> String {
    let lines: Vec<&str> = code.lines().collect();
    let mut keep: Vec<Option<String>> = lines.iter().map(|l| Some(l.to_string())).collect();
    for run in runs(&lines) {
        let Some(ko) = korean_start(&lines, &run) else {
            continue;
        };
        let (kept, dropped) = match lang {
            Lang::En => (0..ko, ko..run.len),
            Lang::Ko => (ko..run.len, 0..ko),
        };
        for i in dropped {
            keep[run.start + i] = None;
        }
        // The marker word goes; blank comment lines at the end of the half go too.
        let first = run.start + kept.start;
        let line = lines[first];
        let tag = if lang == Lang::En { "en:" } else { "ko:" };
        if let Some(at) = line.find(tag) {
            let rest = &line[at + tag.len()..];
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            let before = line[..at].trim_end();
            keep[first] = Some(if rest.is_empty() {
                before.to_string()
            } else {
                format!("{before} {rest}")
            });
        }
        for i in kept.rev() {
            let at = run.start + i;
            if comment(lines[at]).is_some_and(|c| c.2.trim().is_empty()) && i != 0 {
                keep[at] = None;
            } else {
                break;
            }
        }
    }
    let mut out: String = keep
        .into_iter()
        .flatten()
        .map(|l| l + "\n")
        .collect::<String>();
    if !code.ends_with('\n') {
        out.pop();
    }
    out
}

/// Whether `c` is a Hangul syllable.
fn hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// The lines (1-based, within `code`) of comments that are not an
/// `en:`/`ko:` pair, with what is wrong: a comment without the pair's
/// words, an `en:` without its `ko:`, a `ko:` half with no Korean in it,
/// and a comment after code on the same line (it has no Korean twin: the
/// Korean book would show it in English).
pub fn unpaired(code: &str) -> Vec<(usize, &'static str)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for run in runs(&lines) {
        let first = comment(lines[run.start]).map_or("", |c| c.2);
        if let Some(ko) = korean_start(&lines, &run) {
            let korean = (ko..run.len)
                .filter_map(|i| comment(lines[run.start + i]))
                .any(|c| c.2.chars().any(hangul));
            if !korean {
                found.push((run.start + ko + 1, "a `ko:` half without Korean"));
            }
            continue;
        }
        let what = if first.starts_with("en:") {
            "an `en:` comment without its `ko:` half"
        } else {
            "a comment without `en:`/`ko:`"
        };
        found.push((run.start + 1, what));
    }
    for (i, line) in lines.iter().enumerate() {
        if comment(line).is_some() {
            continue;
        }
        if let Some(at) = trailing_comment(line)
            && line[at..].chars().any(|c| c.is_alphabetic())
        {
            found.push((
                i + 1,
                "a comment after code: put it on lines of its own above the code, as an `en:`/`ko:` pair",
            ));
        }
    }
    found.sort();
    found
}

/// The byte offset of a `//` comment after code on `line`, if any (string
/// and character literals are skipped, so `"http://x"` is not one).
fn trailing_comment(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'\'' if !in_string => {
                // 'x' or '\x': skip the literal; a lifetime has no closing quote.
                if bytes.get(i + 1) == Some(&b'\\') {
                    if let Some(close) = line.get(i + 3..).and_then(|r| r.find('\'')) {
                        i += 3 + close;
                    }
                } else if let Some(c) = line[i + 1..].chars().next()
                    && line[i + 1 + c.len_utf8()..].starts_with('\'')
                {
                    i += c.len_utf8() + 1;
                }
            }
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

static INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{#include\s+([^:}\s]+)(?::([A-Za-z0-9_-]+))?\s*\}\}").expect("valid regex")
});

/// Every comment that is not an `en:`/`ko:` pair in the regions of
/// `book/examples` and `solutions/` (under `repo_root`) that `text` (a
/// chapter in `chapter_dir`) includes, as `file:line: what`.
pub fn check_includes(text: &str, chapter_dir: &Path, repo_root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(root) = repo_root.canonicalize() else {
        return problems;
    };
    let checked = [root.join("book").join("examples"), root.join("solutions")];
    for c in INCLUDE.captures_iter(text) {
        let Ok(file) = chapter_dir.join(&c[1]).canonicalize() else {
            continue; // mdBook reports a missing file
        };
        if !checked.iter().any(|dir| file.starts_with(dir)) {
            continue;
        }
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        let (offset, region) = match c.get(2) {
            Some(anchor) => match anchored(&source, anchor.as_str()) {
                Some(found) => found,
                None => continue,
            },
            None => (0, source.clone()),
        };
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string()
            .replace('\\', "/");
        for (line, what) in unpaired(&region) {
            problems.push(format!(
                "{name}:{}: {what} (a chapter includes this code: comment it in English and Korean, see book/README.md)",
                offset + line
            ));
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

/// The lines between `// ANCHOR: name` and `// ANCHOR_END: name`, and the
/// number of lines before them.
fn anchored(source: &str, name: &str) -> Option<(usize, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let is = |line: &str, word: &str| {
        line.trim()
            .strip_prefix("//")
            .map(str::trim)
            .and_then(|l| l.strip_prefix(word))
            .is_some_and(|l| l.trim() == name)
    };
    let start = lines.iter().position(|l| is(l, "ANCHOR:"))? + 1;
    let end = lines.iter().position(|l| is(l, "ANCHOR_END:"))?;
    let region: String = lines[start..end].iter().map(|l| format!("{l}\n")).collect();
    Some((start, region))
}

/// In a chapter, every Rust code block with its comments in `lang`; other
/// blocks and the prose are left as they are.
pub fn chapter(markdown: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(markdown.len());
    // Inside a fenced block: whether it is Rust, and its code so far.
    let mut block: Option<(bool, String)> = None;
    for line in markdown.split_inclusive('\n') {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut block, fence) {
            (None, Some(info)) => {
                let rust = info.trim().split([',', ' ']).next() == Some("rust");
                block = Some((rust, String::new()));
                out.push_str(line);
            }
            (None, None) => out.push_str(line),
            (Some((rust, code)), Some(rest)) if rest.trim().is_empty() => {
                if *rust {
                    out.push_str(&select(code, lang));
                }
                out.push_str(line);
                block = None;
            }
            (Some((rust, code)), _) => {
                if *rust {
                    code.push_str(line);
                } else {
                    out.push_str(line);
                }
            }
        }
    }
    if let Some((true, code)) = block {
        out.push_str(&code);
    }
    out
}

/// The preprocessor that runs after mdBook's `links`: the comments of the
/// included code in the book's language.
pub struct Comments;

impl Comments {
    pub const NAME: &'static str = "socket-lab-comments";
}

impl Preprocessor for Comments {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let lang = Lang::of(ctx.config.book.language.as_deref());
        book.for_each_mut(|item| {
            if let BookItem::Chapter(ch) = item {
                ch.content = chapter(&ch.content, lang);
            }
        });
        Ok(book)
    }
}

/// Fails with every unpaired comment the chapter's includes would show.
pub fn require_pairs(text: &str, chapter_dir: &Path, repo_root: &Path) -> Result<()> {
    let problems = check_includes(text, chapter_dir, repo_root);
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "\
/// en: One frame: a length, the kind,
/// the payload.
///
/// ko: 프레임 하나: 길이, 종류,
/// 페이로드.
pub fn frame() {
    // en: Each call returns a new socket.
    // ko: 호출할 때마다 새 소켓을 돌려줍니다.
    let x = 1; // a trailing comment is code's business
    //! en:
    //! Text on the next line.
    //! ko:
    //! 다음 줄의 글.
}
";

    #[test]
    fn each_book_keeps_its_half() {
        assert_eq!(
            select(CODE, Lang::Ko),
            "\
/// 프레임 하나: 길이, 종류,
/// 페이로드.
pub fn frame() {
    // 호출할 때마다 새 소켓을 돌려줍니다.
    let x = 1; // a trailing comment is code's business
    //!
    //! 다음 줄의 글.
}
"
        );
        assert_eq!(
            select(CODE, Lang::En),
            "\
/// One frame: a length, the kind,
/// the payload.
pub fn frame() {
    // Each call returns a new socket.
    let x = 1; // a trailing comment is code's business
    //!
    //! Text on the next line.
}
"
        );
    }

    #[test]
    fn comments_without_a_pair_are_named() {
        let code = "// ANCHOR: x\n// en: only English\nfn f() {}\n/// A doc comment.\nfn g() {}\n// en: paired\n// ko: 짝\n";
        assert_eq!(
            unpaired(code),
            [
                (2, "an `en:` comment without its `ko:` half"),
                (4, "a comment without `en:`/`ko:`")
            ]
        );
    }

    /// Planted: the trailing comment relay_tokio.rs had (`// our own line`,
    /// shown in English in the Korean book) and a `ko:` half left in
    /// English; a `//` inside a string or a char literal is no comment.
    #[test]
    fn a_comment_after_code_and_a_ko_half_in_english_are_named() {
        let code = "\
match m {
    Ok(m) if m.from == id => {} // our own line
    _ => {}
}
// en: Zero.
// ko: zero
let url = \"http://example.com\"; let c = '/';
x(); //
";
        assert_eq!(
            unpaired(code),
            [
                (
                    2,
                    "a comment after code: put it on lines of its own above the code, as an `en:`/`ko:` pair"
                ),
                (6, "a `ko:` half without Korean"),
            ]
        );
        assert_eq!(trailing_comment("let c = '\"'; // q"), Some(13));
        assert_eq!(trailing_comment("fn f<'a>(x: &'a str) {} // y"), Some(24));
        assert_eq!(trailing_comment("let a = \"a // b\";"), None);
    }

    /// The regions a chapter includes from book/examples and from solutions/
    /// are checked; a file elsewhere is not. Planted: an English comment in
    /// a solution's region (the solutions' comments were English only).
    #[test]
    fn included_regions_of_examples_and_solutions_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let code = "// ANCHOR: a\n// Only English.\nfn f() {}\n// ANCHOR_END: a\n";
        write("book/examples/src/bin/x.rs", code);
        write("solutions/echo/src/bin/y.rs", code);
        write("elsewhere/z.rs", code);
        write("book/ko/src/ch.md", "");
        let chapter = "```rust\n{{#include ../../examples/src/bin/x.rs:a}}\n```\n\
                       ```rust\n{{#include ../../../solutions/echo/src/bin/y.rs:a}}\n```\n\
                       ```rust\n{{#include ../../../elsewhere/z.rs:a}}\n```\n";
        let problems = check_includes(chapter, &root.join("book/ko/src"), root);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("book/examples/src/bin/x.rs:2: a comment without"));
        assert!(problems[1].starts_with("solutions/echo/src/bin/y.rs:2: a comment without"));
    }

    #[test]
    fn only_rust_blocks_of_a_chapter_change() {
        let page = "텍스트\n\n```rust,ignore\n// en: hi\n// ko: 안녕\nfn f() {}\n```\n\n```text\n// en: hi\n// ko: 안녕\n```\n";
        assert_eq!(
            chapter(page, Lang::Ko),
            "텍스트\n\n```rust,ignore\n// 안녕\nfn f() {}\n```\n\n```text\n// en: hi\n// ko: 안녕\n```\n"
        );
    }
}
