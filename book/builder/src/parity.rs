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
//! Two more checks run on the same files, because they are about what the
//! sources may say rather than how the two books compare:
//!
//! - [`korean_terms`]: the Korean book (the side named `ko`) uses one term
//!   per concept, the glossary's: no variant in [`BANNED_KOREAN`] appears in
//!   its prose (code, inline code and HTML blocks such as quoted grader
//!   output are left alone);
//! - [`crate::english`]: the Korean book has no English word outside code,
//!   commands, proper names and an allow-list, in its pages (table headers
//!   and headings included) and its figures;
//! - [`instructor_notes`]: no page of either book carries instructor notes.
//!   They live in `docs/instructor-guide.{en,ko}.md`, outside the book, so
//!   that neither student pages nor the search index show them;
//!   [`check_files`] holds the two guides to the same shape, and
//!   [`plain_fragments`] with [`fragments_in_site`] let a test prove that no
//!   sentence of the guide reached the built site.
//!
//! Every difference is reported with the file it is in.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
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
    for (name, dir, files) in [(ln, left, &left_files), (rn, right, &right_files)] {
        for file in files.iter().filter(|f| f.ends_with(".md")) {
            let path = dir.join(file);
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let named = format!("{file} ({name})");
            diffs.extend(instructor_notes(&named, &text));
            if name == "ko" {
                diffs.extend(korean_terms(&named, &text));
                diffs.extend(crate::english::differences(file, &named, &text));
            }
        }
        if name == "ko" {
            for file in files.iter().filter(|f| f.ends_with(".svg")) {
                let path = dir.join(file);
                let svg = fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                diffs.extend(crate::english::svg_differences(
                    &format!("{file} ({name})"),
                    &svg,
                ));
            }
        }
    }
    Ok(diffs)
}

/// Compares two single files as two languages' versions of one chapter
/// (headings, code blocks, images, tables), for documents outside the books
/// such as the instructor guide; `name` names the pair in messages. The side
/// named `ko` also gets the Korean term check.
pub fn check_files(name: &str, pair: Pair<'_>) -> Result<Vec<Difference>> {
    let (ln, left) = pair.left;
    let (rn, right) = pair.right;
    let read = |p: &Path| fs::read_to_string(p).with_context(|| format!("reading {}", p.display()));
    let (l, r) = (read(left)?, read(right)?);
    let mut diffs = Vec::new();
    compare_chapters(name, (ln, &shape(&l)), (rn, &shape(&r)), &mut diffs);
    for (side, text) in [(ln, &l), (rn, &r)] {
        if side == "ko" {
            diffs.extend(korean_terms(&format!("{name} ({side})"), text));
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
/// language may comment the code in its own words. A block marked
/// `translated` in its info string (```` ```text,translated ````: a program's
/// output written in each book's language, such as the file transfer
/// chapter's hex walkthrough) is compared by its numbers: the same lines,
/// each with the same runs of digits. Everything else must be identical.
pub fn code_for_comparison(info: &str, code: &str) -> String {
    if info.split([',', ' ']).any(|word| word == TRANSLATED) {
        return code
            .lines()
            .map(|line| {
                let numbers: Vec<&str> = line
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|n| !n.is_empty())
                    .collect();
                format!("{}\n", numbers.join(" "))
            })
            .collect();
    }
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

// ---- Korean terms ---------------------------------------------------------------

/// A Korean word the book does not use, and the term it uses instead (the
/// glossary's, `book/ko/src/appendix/glossary.md`).
#[derive(Debug, Clone, Copy)]
pub struct BannedTerm {
    /// The variant, as it would appear in the text.
    pub variant: &'static str,
    /// The variant is fine right after this (`반 닫기` inside `절반 닫기`).
    pub unless_after: Option<&'static str>,
    /// What to write instead.
    pub use_instead: &'static str,
}

const fn banned(variant: &'static str, use_instead: &'static str) -> BannedTerm {
    BannedTerm {
        variant,
        unless_after: None,
        use_instead,
    }
}

/// The variants the Korean book has used for one of its terms and must not
/// use again. The grader's own messages, quoted in `<pre>` blocks and code,
/// are not checked: they show what the grader prints.
pub const BANNED_KOREAN: &[BannedTerm] = &[
    BannedTerm {
        variant: "반 닫기",
        unless_after: Some("절"),
        use_instead: "절반 닫기",
    },
    banned("표준 에러", "표준 오류"),
    banned("스타터", "시작 코드"),
    banned("시작 크레이트", "시작 코드"),
    banned("참조 풀이", "참고 답안"),
    banned("연습 문제", "실습"),
    banned("리슨 소켓", "리스닝 소켓"),
    banned("동시 서버", "동시성 서버"),
    banned("명령행", "명령줄"),
    banned(
        "윈도우",
        "윈도 or 수신 윈도 (TCP's window), Windows (the OS)",
    ),
    banned("러스트", "Rust"),
    banned("리눅스", "Linux"),
    banned("유닉스", "Unix"),
    banned("이름 풀이", "이름 해석"),
    banned("엔디안", "엔디언"),
    banned("바이트 오더", "바이트 순서"),
    banned("방송", "브로드캐스트"),
    banned("참가", "참여"),
    banned("목표 옆", "대상 옆"),
    banned("목표 파일", "대상 파일"),
    banned("드롭", "`drop`"),
    // Reliable UDP: the chunk, the two sides, Karn's rule, the recovery.
    banned("청크", "조각"),
    banned("송신 측", "송신자"),
    banned("수신 측", "수신자"),
    banned("칸의 규칙", "Karn의 규칙"),
    BannedTerm {
        variant: "회복 중",
        unless_after: Some("빠른 "),
        use_instead: "복구 중 (TCP's own is 빠른 회복)",
    },
    banned("빈자리가 채워", "빈틈이 메워"),
    // ACK reads 액: its particles are those after a consonant.
    banned("ACK가", "ACK이"),
    banned("ACK를", "ACK을"),
    banned("ACK로", "ACK으로"),
    banned("ACK와", "ACK과"),
    banned("ACK는", "ACK은"),
];

/// The particles that follow a word read with a final consonant, as ACK
/// (액) and every identifier ending in `ack` (`self.ack`, `last_ack`: 액):
/// the variant written after a vowel, and the right one.
pub const ACK_PARTICLES: [(&str, &str); 5] = [
    ("가", "이"),
    ("를", "을"),
    ("로", "으로"),
    ("와", "과"),
    ("는", "은"),
];

/// Inline code ending in `ack` (`self.ack`, `last_ack`, `ACK`) followed by
/// a particle for a word that ends in a vowel: `(offset of the particle,
/// what is written, what to write)`. Prose's `ACK가` is in [`BANNED_KOREAN`].
fn ack_code_particles(markdown: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    for (event, range) in Parser::new_ext(markdown, Options::ENABLE_TABLES).into_offset_iter() {
        let Event::Code(code) = event else { continue };
        if !code.to_ascii_lowercase().ends_with("ack") {
            continue;
        }
        let after = &markdown[range.end..];
        for (wrong, right) in ACK_PARTICLES {
            if after.starts_with(wrong) {
                let span = &markdown[range.clone()];
                found.push((
                    range.end,
                    format!("{span}{wrong}"),
                    format!("{span}{right}"),
                ));
            }
        }
    }
    found
}

/// Stands for text that is not prose (inline code, a code block, HTML) in
/// [`prose`], so that no term matches across it.
const NOT_PROSE: &str = "\u{1}";

/// The prose of a Markdown document, soft line breaks as spaces and the end
/// of each block as a newline, with the source byte offset of each of its
/// bytes (so that a hit can name its line). Headings are left out unless
/// `with_headings`.
fn prose(markdown: &str, with_headings: bool) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut origin = Vec::new();
    let mut push = |s: &str, at: usize, same_as_source: bool| {
        text.push_str(s);
        origin.extend((0..s.len()).map(|i| if same_as_source { at + i } else { at }));
    };
    let mut in_code = false;
    let mut in_heading = false;
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                push(NOT_PROSE, range.start, false);
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Heading { .. }) if !with_headings => {
                in_heading = true;
                push(NOT_PROSE, range.start, false);
            }
            Event::End(TagEnd::Heading(_)) if !with_headings => {
                in_heading = false;
                push("\n", range.start, false);
            }
            Event::Text(_) if in_heading => {}
            Event::Text(t) if !in_code => {
                let same = markdown.get(range.clone()) == Some(&*t);
                push(&t, range.start, same);
            }
            Event::SoftBreak | Event::HardBreak => push(" ", range.start, false),
            Event::Code(_) | Event::Html(_) | Event::InlineHtml(_) => {
                push(NOT_PROSE, range.start, false)
            }
            Event::End(_) => push("\n", range.start, false),
            _ => {}
        }
    }
    (text, origin)
}

/// Every variant of [`BANNED_KOREAN`] in the prose of `markdown`, with its
/// line; `file` names the document in the messages.
pub fn korean_terms(file: &str, markdown: &str) -> Vec<Difference> {
    let (text, origin) = prose(markdown, true);
    let mut found = Vec::new();
    for term in BANNED_KOREAN {
        for (at, _) in text.match_indices(term.variant) {
            if term
                .unless_after
                .is_some_and(|before| text[..at].ends_with(before))
            {
                continue;
            }
            found.push((origin[at], term));
        }
    }
    let mut found: Vec<(usize, String, String)> = found
        .into_iter()
        .map(|(offset, term)| {
            (
                offset,
                term.variant.to_string(),
                term.use_instead.to_string(),
            )
        })
        .collect();
    found.extend(ack_code_particles(markdown));
    found.sort_by_key(|(offset, ..)| *offset);
    found
        .into_iter()
        .map(|(offset, variant, use_instead)| {
            let line = markdown[..offset].matches('\n').count() + 1;
            diff(
                file,
                format!(
                    "line {line}: \"{variant}\" is not the book's term; write \"{use_instead}\" (appendix/glossary.md)"
                ),
            )
        })
        .collect()
}

// ---- Instructor notes -------------------------------------------------------------

/// What marks instructor notes, in lower case: the `<summary>` of the blocks
/// that chapters once ended with, and headings like it.
pub const INSTRUCTOR_MARKERS: [&str; 6] = [
    "instructor notes",
    "instructor's notes",
    "notes for instructors",
    "강사 노트",
    "강사용 노트",
    "강사 안내",
];

/// Every line of a book page that marks instructor notes. A page of the book
/// is a student page, and its text is in the search index: the notes belong
/// in the instructor guide, `docs/instructor-guide.{en,ko}.md`.
pub fn instructor_notes(file: &str, markdown: &str) -> Vec<Difference> {
    markdown
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let lower = line.to_lowercase();
            let marker = INSTRUCTOR_MARKERS.iter().find(|m| lower.contains(*m))?;
            Some(diff(
                file,
                format!(
                    "line {}: instructor notes (\"{marker}\") in a student page; they belong in docs/instructor-guide.{{en,ko}}.md",
                    i + 1
                ),
            ))
        })
        .collect()
}

/// Runs of plain prose of at least `min_chars` characters in `markdown`
/// (headings left out: the guide's are the book's chapter titles):
/// letters, digits, spaces and `,.;:` only, so that a run reads the same in
/// the Markdown, in the built HTML (whatever markup or smart punctuation is
/// around it) and in the search indexes. The test looks for the instructor
/// guide's runs in the built site.
pub fn plain_fragments(markdown: &str, min_chars: usize) -> Vec<String> {
    let (text, _) = prose(markdown, false);
    let mut fragments = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let run = current.trim().trim_end_matches([',', '.', ';', ':']).trim();
        if run.chars().count() >= min_chars {
            fragments.push(run.to_string());
        }
        current.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == ' ' || ",.;:".contains(c) {
            if !(c == ' ' && current.ends_with(' ')) {
                current.push(c);
            }
        } else {
            flush(&mut current);
        }
    }
    flush(&mut current);
    fragments
}

/// Which of `fragments` are in which file of a built site (its pages, search
/// indexes and scripts), as `(file, fragment)`. A file is searched as text:
/// JSON escapes decoded (also doubled ones: mdBook's index is JSON inside a
/// JavaScript string), entities decoded, tags removed, white space collapsed.
pub fn fragments_in_site(site: &Path, fragments: &[String]) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    html::walk(site, &mut |p| {
        if p.extension()
            .is_some_and(|e| e == "html" || e == "js" || e == "json")
        {
            files.push(p.to_path_buf());
        }
    })?;
    files.sort();
    let needles = Needles::new(fragments);
    let mut found = Vec::new();
    for file in files {
        let raw =
            fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let text = searchable(&raw);
        let name = file
            .strip_prefix(site)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        for fragment in needles.found_in(&text) {
            found.push((name.clone(), fragment.to_string()));
        }
    }
    Ok(found)
}

/// Many strings looked for at once: one pass over each text, instead of
/// one search per string (hundreds of fragments in hundreds of files).
pub struct Needles<'a> {
    strings: &'a [String],
    finder: AhoCorasick,
}

impl<'a> Needles<'a> {
    pub fn new(strings: &'a [String]) -> Self {
        let finder = AhoCorasick::new(strings).expect("a searcher for the fragments");
        Needles { strings, finder }
    }

    /// The strings that occur in `text`, each once, in the order given.
    pub fn found_in(&self, text: &str) -> Vec<&'a str> {
        let mut seen = vec![false; self.strings.len()];
        for hit in self.finder.find_overlapping_iter(text) {
            seen[hit.pattern().as_usize()] = true;
        }
        let strings = self.strings;
        seen.iter()
            .zip(strings)
            .filter(|(seen, _)| **seen)
            .map(|(_, s)| s.as_str())
            .collect()
    }
}

static JSON_ESCAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\\+(?:u([0-9a-fA-F]{4})|[nrt])").expect("valid regex"));
static ANY_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)</?[a-zA-Z][^>]*>").expect("valid regex"));
static WHITE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+").expect("valid regex"));

/// A built file as text that a fragment can be found in.
fn searchable(raw: &str) -> String {
    let unescaped = JSON_ESCAPE.replace_all(raw, |c: &regex::Captures<'_>| match c.get(1) {
        Some(hex) => u32::from_str_radix(hex.as_str(), 16)
            .ok()
            .and_then(char::from_u32)
            .map_or(String::new(), String::from),
        None => " ".to_string(),
    });
    let no_tags = ANY_TAG.replace_all(&unescaped, "");
    WHITE
        .replace_all(&html::decode_entities(&no_tags), " ")
        .into_owned()
}

/// The info-string word of a code block that each book writes in its own
/// language (see [`code_for_comparison`]).
pub const TRANSLATED: &str = "translated";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_translated_block_is_compared_by_its_numbers() {
        let en = "client -> server: PUT, 22 bytes:\n  00 00 00 12   len = 18\n";
        let ko = "클라이언트 -> 서버: PUT, 22바이트:\n  00 00 00 12   len = 18\n";
        let wrong = "클라이언트 -> 서버: PUT, 23바이트:\n  00 00 00 12   len = 18\n";
        let info = "text,translated";
        assert_eq!(code_for_comparison(info, en), code_for_comparison(info, ko));
        assert_ne!(
            code_for_comparison(info, en),
            code_for_comparison(info, wrong)
        );
        assert_ne!(
            code_for_comparison("text", en),
            code_for_comparison("text", ko)
        );
    }

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

    /// A chapter with a variant planted in each kind of place: prose,
    /// heading, table, a line break inside a term; and in each place the
    /// check leaves alone: code, inline code, a `<pre>` block, and the
    /// book's own term that contains a variant (`절반 닫기`).
    #[test]
    fn korean_terms_catch_planted_variants_outside_code() {
        let chapter = "\
# 표준 에러와 종료 코드

클라이언트는 반 닫기를 합니다. 절반 닫기(half-close)는 괜찮습니다.
메시지는 표준
에러로 보냅니다.

| 항목 | 뜻 |
|---|---|
| 리슨 소켓 | 연결을 받는 소켓 |

`표준 에러` 같은 인라인 코드는 그대로 둡니다.

```text
스타터 그대로입니다
```

<pre><code>힌트: 리슨 소켓 하나가 여러 클라이언트를 받습니다.
</code></pre>

러스트와 리눅스, TCP 윈도우.
";
        let found: Vec<String> = korean_terms("echo.md (ko)", chapter)
            .iter()
            .map(ToString::to_string)
            .collect();
        let expected = [
            "echo.md (ko): line 1: \"표준 에러\" is not the book's term; write \"표준 오류\" (appendix/glossary.md)",
            "echo.md (ko): line 3: \"반 닫기\" is not the book's term; write \"절반 닫기\" (appendix/glossary.md)",
            "echo.md (ko): line 4: \"표준 에러\" is not the book's term; write \"표준 오류\" (appendix/glossary.md)",
            "echo.md (ko): line 9: \"리슨 소켓\" is not the book's term; write \"리스닝 소켓\" (appendix/glossary.md)",
            "echo.md (ko): line 20: \"러스트\" is not the book's term; write \"Rust\" (appendix/glossary.md)",
            "echo.md (ko): line 20: \"리눅스\" is not the book's term; write \"Linux\" (appendix/glossary.md)",
            "echo.md (ko): line 20: \"윈도우\" is not the book's term; write \"윈도 or 수신 윈도 (TCP's window), Windows (the OS)\" (appendix/glossary.md)",
        ];
        assert_eq!(found, expected, "\nfound:\n  {}", found.join("\n  "));

        let clean = "# 표준 오류\n\n절반 닫기(half-close)를 합니다. `스타터`는 코드입니다.\n";
        assert!(korean_terms("x.md", clean).is_empty());
    }

    /// The reliable-UDP chapter's variants (the chunk, the two sides,
    /// Karn's rule) and ACK's particles, in prose and after inline code
    /// that ends in `ack`; the right forms and other code pass.
    #[test]
    fn korean_terms_catch_rdt_variants_and_acks_particles() {
        let chapter = "\
송신 측은 청크를 보내고, 수신 측은 칸의 규칙을 모릅니다.

ACK가 오면, ACK를 받으면, ACK로 답하고 ACK와 FIN, ACK는 누적입니다.

`self.ack`를 늘리고 `last_ack`가 바뀌며 `ack`로 답합니다.

빈자리가 채워지면 씁니다. 회복 중에는 부분 ACK마다 다시 보냅니다.
";
        let found: Vec<String> = korean_terms("rdt.md (ko)", chapter)
            .iter()
            .map(|d| {
                d.to_string()
                    .replace(" is not the book's term; write ", " -> ")
            })
            .collect();
        let expected = [
            "rdt.md (ko): line 1: \"송신 측\" -> \"송신자\" (appendix/glossary.md)",
            "rdt.md (ko): line 1: \"청크\" -> \"조각\" (appendix/glossary.md)",
            "rdt.md (ko): line 1: \"수신 측\" -> \"수신자\" (appendix/glossary.md)",
            "rdt.md (ko): line 1: \"칸의 규칙\" -> \"Karn의 규칙\" (appendix/glossary.md)",
            "rdt.md (ko): line 3: \"ACK가\" -> \"ACK이\" (appendix/glossary.md)",
            "rdt.md (ko): line 3: \"ACK를\" -> \"ACK을\" (appendix/glossary.md)",
            "rdt.md (ko): line 3: \"ACK로\" -> \"ACK으로\" (appendix/glossary.md)",
            "rdt.md (ko): line 3: \"ACK와\" -> \"ACK과\" (appendix/glossary.md)",
            "rdt.md (ko): line 3: \"ACK는\" -> \"ACK은\" (appendix/glossary.md)",
            "rdt.md (ko): line 5: \"`self.ack`를\" -> \"`self.ack`을\" (appendix/glossary.md)",
            "rdt.md (ko): line 5: \"`last_ack`가\" -> \"`last_ack`이\" (appendix/glossary.md)",
            "rdt.md (ko): line 5: \"`ack`로\" -> \"`ack`으로\" (appendix/glossary.md)",
            "rdt.md (ko): line 7: \"빈자리가 채워\" -> \"빈틈이 메워\" (appendix/glossary.md)",
            "rdt.md (ko): line 7: \"회복 중\" -> \"복구 중 (TCP's own is 빠른 회복)\" (appendix/glossary.md)",
        ];
        assert_eq!(found, expected, "\nfound:\n  {}", found.join("\n  "));

        let clean = "송신자는 조각을 보내고 수신자는 Karn의 규칙을 압니다. ACK이 오면 ACK을 받고 \
                     ACK으로 답하며 ACK과 FIN, ACK은 누적입니다. `self.ack`을 늘리고 `last_ack`이 \
                     바뀌고 `ack`으로 답합니다. `acked`는 코드이고, 빠른 회복 중의 부분 ACK은 TCP의 것입니다. \
                     ACK 1로 답합니다.\n";
        let found: Vec<String> = korean_terms("x.md", clean)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn instructor_notes_are_found_in_a_page() {
        let page = "# Echo\n\n+5 hidden points when your instructor grades.\n\n<details>\n<summary>Instructor notes</summary>\n\nTiming.\n</details>\n\n## 강사 노트\n";
        let found: Vec<String> = instructor_notes("echo.md (en)", page)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "echo.md (en): line 6: instructor notes (\"instructor notes\") in a student page; they belong in docs/instructor-guide.{en,ko}.md",
                "echo.md (en): line 11: instructor notes (\"강사 노트\") in a student page; they belong in docs/instructor-guide.{en,ko}.md",
            ]
        );
    }

    #[test]
    fn plain_fragments_are_found_in_pages_and_search_indexes() {
        let guide = "## Timing\n\n**Timing.** Run `strace` live: the kernel completes the handshake without the program.\n\n```text\ncode is not prose at all, not even this long line\n```\n";
        let fragments = plain_fragments(guide, 20);
        assert_eq!(
            fragments,
            ["live: the kernel completes the handshake without the program"]
        );

        let site = tempfile::tempdir().unwrap();
        let en = site.path().join("en");
        fs::create_dir_all(&en).unwrap();
        fs::write(
            en.join("page.html"),
            "<p>Run <code>strace</code> live: <em>the kernel</em> completes the handshake\nwithout the program.</p>",
        )
        .unwrap();
        fs::write(
            en.join("searchindex-1234.js"),
            r#"window.search = {"doc":"Run strace live: the kernel completes the handshake without the\u0020program"};"#,
        )
        .unwrap();
        fs::write(en.join("other.html"), "<p>nothing to see</p>").unwrap();
        let found = fragments_in_site(site.path(), &fragments).unwrap();
        let files: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(files, ["en/page.html", "en/searchindex-1234.js"]);
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
