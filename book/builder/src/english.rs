//! The Korean book has no English left: every word a Korean reader reads is
//! Korean, except code, commands, proper names, acronyms and the English
//! term in parentheses after its Korean one on first use (`절반 닫기(half-close)`).
//!
//! [`in_markdown`] reads a Korean page's prose, headings and table headers
//! included, and [`in_svg`] the words of a Korean figure. What is not prose
//! is left alone:
//!
//! - code: code blocks, inline code, HTML (quoted grader output is a `<pre>`
//!   block, generated in the page's language), the builder's `{{#...}}`
//!   directives, and in a figure every `<text>` drawn in a monospace font;
//! - a token that looks like code or a name of a thing rather than a word:
//!   one with a digit, `_`, `/`, `\`, `=`, `<`, `>`, `#`, `@`, `$`, `%`, `+`,
//!   brackets, or a `.`/`:` inside it (`IPv4`, `u32`, `hello.txt`, `std::net`),
//!   and a call with its arguments (`accept()`, `min(rwnd, cwnd)`: no Korean
//!   inside the parentheses);
//! - acronyms and protocol names: two letters or more, all capitals (`TCP`,
//!   `RFC`, `NOT_FOUND`'s parts), and single letters (`A와 B`);
//! - [`ALLOWED`] and [`ALLOWED_PHRASES`]: proper names (`Linux`, `tokio`,
//!   `Alice`, `Socket Lab`), keys and units (`Ctrl-C`, `ms`, `KiB`);
//! - English in parentheses right after a Korean word or an acronym: the
//!   term's English on first use (`소켓(socket)`, `*줄 중계기*(line relay)`,
//!   `CSRG(Computer Systems Research Group)`);
//! - a title in italics: two words or more, the first capitalized (an RFC's
//!   or a paper's title, an ICMP message: `*Time Exceeded*`);
//! - a table column headed `영어` (the glossary's English terms), and in
//!   `appendix/references.md` the first column of its tables: each cell is a
//!   citation (authors, titles, publishers), proper names all.
//!
//! Anything else made of ASCII letters is an English word, and the check
//! names its page, line and word.
//!
//! Code is left alone, but not a program's output: what the Korean book shows
//! a program of `book/examples` print is read too ([`output_words`]): the
//! lines of a `translated` block (each book shows the output in its own
//! language) and, in a `console` block, the lines after a command that runs
//! a program of `book-examples` (`cargo run -q -p book-examples --bin NAME`),
//! unless [`ENGLISH_OUTPUT`] names it, with why. A line of output with
//! Hangul passes (field names and values beside Korean words are the
//! program's); a line without Hangul fails with two English words or more,
//! outside double quotes (the data it sent) and hex bytes (`fa f0`). The
//! comments of the code the chapters include are checked where they are
//! written ([`crate::comments`]: each one an `en:`/`ko:` pair, the `ko:`
//! half in Korean, none after code).

use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;

use crate::parity::Difference;

/// Words the Korean book may write in Latin letters: proper names (people of
/// the examples, operating systems, programs, projects, companies) and units.
/// A word is allowed as written here (case matters: `Linux`, not `linux`).
pub const ALLOWED: &[&str] = &[
    // Units.
    "ms",
    "KiB",
    "MiB",
    "GiB",
    "kB",
    "px",
    // The people of the examples.
    "Alice",
    "Bob",
    "Carol",
    // People in the name of a term (`Karn의 규칙`, the glossary's).
    "Karn",
    // Operating systems, languages and their tools.
    "Linux",
    "Unix",
    "Windows",
    "macOS",
    "Debian",
    "Ubuntu",
    "OpenBSD",
    "Rust",
    "cargo",
    "rustc",
    "rustup",
    "tokio",
    "mdBook",
    "bash",
    "Chromium",
    // Keys.
    "Ctrl-C",
    "Ctrl-D",
    "Enter",
    // Services and projects.
    "GitHub",
    "Classroom",
    "Wi-Fi",
    "Wireshark",
    "Winsock",
    "glibc",
    "PostgreSQL",
    "Python",
    "Go",
    "Java",
    "Git",
];

/// Programs of `book/examples` whose output the Korean book shows in
/// English, as they print it, and why (see [`output_words`]).
pub const ENGLISH_OUTPUT: &[(&str, &str)] = &[
    (
        "lifecycle_server",
        "the chapters' strace captures show the bytes it writes (`write(1, \"listening on …\")`, `sendto(4, \"welcome, …\")`), and `listening on ADDR` is the readiness line of every server in the book; its errors are the OS's (`Address already in use (os error 98)`)",
    ),
    (
        "lifecycle_client",
        "it prints the server's line as it came over the wire (`server says: welcome, …`, in the strace capture too) and the OS's errors (`Connection refused (os error 111)`)",
    ),
    (
        "socket_options",
        "its lines are printed by the code the chapter includes (the `buffers` and `keepalive` regions): a language switch there would stand between the reader and the socket calls; the Korean chapter says after the output what each line means",
    ),
    (
        "resolve",
        "its lines are printed by the code the chapter includes (`resolve`, `connect`), and its errors are the OS's (`Connection refused (os error 111)`); the Korean chapter says after the output what each line means",
    ),
    (
        "dual_stack",
        "its lines are printed by the code the chapter includes (`bind`, `accept`); the Korean chapter says after the output what each line means",
    ),
    (
        "udp_connect",
        "only the reliable-UDP chapter shows it, and that chapter is being rewritten (issue 17): give it `--lang ko` with the rewrite",
    ),
];

/// Names of more than one word, allowed as written.
pub const ALLOWED_PHRASES: &[&str] = &["Socket Lab", "IEEE Std"];

/// The page whose tables cite works in their first column.
const CITATIONS: &str = "appendix/references.md";

/// A table column with this header holds the English of the Korean terms
/// beside it (the glossary's): English by design.
const ENGLISH_COLUMN: &str = "영어";

/// One English word in a Korean page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// 1-based line in the source.
    pub line: usize,
    /// The word; for a line of a program's output, its English words.
    pub word: String,
    /// Whether it is a line of a program's output.
    pub output: bool,
}

/// Stands for text that is not prose, so that no word or parenthesis spans it.
const NOT_PROSE: char = '\u{1}';

static DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{#[^}]*\}\}").expect("valid regex"));

/// One block of prose (a paragraph, a heading, a list item, a table cell):
/// its text, the source offset of each of its bytes, and the ranges of it
/// that are titles (italic, Title Case).
#[derive(Default)]
struct Block {
    text: String,
    origin: Vec<usize>,
    titles: Vec<Range<usize>>,
    /// Where each open emphasis started in `text`.
    emphasis: Vec<usize>,
}

impl Block {
    fn push(&mut self, s: &str, at: usize, same_as_source: bool) {
        for (i, c) in s.char_indices() {
            self.text.push(c);
            let origin = if same_as_source { at + i } else { at };
            self.origin
                .extend(std::iter::repeat_n(origin, c.len_utf8()));
        }
    }
}

/// The English words in the prose of a Korean page (`file` relative to
/// `src/`, for the citation rule).
pub fn in_markdown(file: &str, markdown: &str) -> Vec<Word> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut blocks: Vec<Block> = vec![Block::default()];
    let mut in_code = false;
    // The fenced code block being read: its info string and its text, each
    // piece with its offset in the source.
    let mut code: Option<(String, Vec<(usize, String)>)> = None;
    let mut output: Vec<(usize, String)> = Vec::new();
    let mut in_autolink = false;
    let mut cell = 0usize;
    // The current table's header cells, and whether we are in its header.
    let mut header: Vec<String> = Vec::new();
    let mut in_head = false;
    let citations = file == CITATIONS;
    let not_prose = NOT_PROSE.to_string();
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        let block = blocks.last_mut().expect("a block");
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((info, Vec::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                if let Some((info, pieces)) = code.take() {
                    output.extend(output_words(&info, &pieces));
                }
            }
            Event::Text(t) if in_code => {
                if let Some((_, pieces)) = code.as_mut() {
                    pieces.push((range.start, t.to_string()));
                }
            }
            Event::Start(Tag::Link {
                link_type: LinkType::Autolink | LinkType::Email,
                ..
            }) => in_autolink = true,
            Event::End(TagEnd::Link) => in_autolink = false,
            Event::Start(Tag::Emphasis) => block.emphasis.push(block.text.len()),
            Event::End(TagEnd::Emphasis) => {
                if let Some(from) = block.emphasis.pop()
                    && title_case(&block.text[from..])
                {
                    let to = block.text.len();
                    block.titles.push(from..to);
                }
            }
            Event::Start(Tag::TableHead) => {
                (cell, in_head) = (0, true);
                header = vec![String::new()];
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                blocks.push(Block::default());
            }
            Event::Start(Tag::TableRow) => cell = 0,
            Event::End(TagEnd::TableCell) => {
                cell += 1;
                if in_head {
                    header.push(String::new());
                }
                blocks.push(Block::default());
            }
            Event::Text(t) if !in_code && !in_autolink => {
                if in_head {
                    header.last_mut().expect("a header cell").push_str(&t);
                } else if in_table(markdown, range.start)
                    && (header.get(cell).is_some_and(|h| h.trim() == ENGLISH_COLUMN)
                        || citations && cell == 0)
                {
                    block.push(&not_prose, range.start, false);
                    continue;
                }
                let same = markdown.get(range.clone()) == Some(&*t);
                // Directives (`{{#grader points ID}}`) are the builder's, not words.
                let t = DIRECTIVE.replace_all(&t, not_prose.as_str());
                block.push(&t, range.start, same && t.len() == range.len());
            }
            Event::Code(_) | Event::Html(_) | Event::InlineHtml(_) => {
                block.push(&not_prose, range.start, false)
            }
            Event::SoftBreak | Event::HardBreak => block.push(" ", range.start, false),
            // The end of a block (paragraph, heading, item, cell): words and
            // parentheses do not continue into the next one. Inline ends
            // (emphasis, links) join their text to what follows.
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow
                | TagEnd::FootnoteDefinition,
            ) => blocks.push(Block::default()),
            _ => {}
        }
    }
    let mut found = Vec::new();
    let line_of = |offset: usize| markdown[..offset.min(markdown.len())].matches('\n').count() + 1;
    for block in &blocks {
        for (at, word) in english_words(&block.text, &block.titles) {
            found.push(Word {
                line: line_of(block.origin[at]),
                word: word.to_string(),
                output: false,
            });
        }
    }
    for (offset, word) in output {
        found.push(Word {
            line: line_of(offset),
            word,
            output: true,
        });
    }
    // The title line of SUMMARY.md is mdBook's keyword, not shown.
    if file == "SUMMARY.md" {
        found.retain(|w| !(w.line == 1 && w.word == "Summary"));
    }
    found.sort_by_key(|w| w.line);
    found
}

/// How every server of the book and of the exercises says it is ready:
/// a line of the exercises' contract, the same in both books.
const READINESS: &str = "listening on ";

static EXAMPLE_PROGRAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-p book-examples\b.*--bin\s+([A-Za-z0-9_-]+)").expect("valid regex")
});
static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""(?:[^"\\]|\\.)*""#).expect("valid regex"));
static HEX_BYTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9a-f]{2}$").expect("valid regex"));

/// The English words of the program output in a code block (`info`, its
/// text in pieces, each with its offset in the page): see the module's
/// rules. Each word comes with the offset of its line.
fn output_words(info: &str, pieces: &[(usize, String)]) -> Vec<(usize, String)> {
    let words: Vec<&str> = info.split([',', ' ']).map(str::trim).collect();
    let translated = words.contains(&crate::parity::TRANSLATED);
    let console = words.first() == Some(&"console");
    if !translated && !console {
        return Vec::new();
    }
    let mut found = Vec::new();
    // Whether the lines being read are output to check: all of a translated
    // block's; in a console block, those after a book-examples command.
    let mut checking = translated;
    for (start, text) in pieces {
        let mut offset = *start;
        for line in text.split_inclusive('\n') {
            let at = offset;
            offset += line.len();
            if let Some(command) = line.strip_prefix("$ ") {
                checking = translated
                    || EXAMPLE_PROGRAM
                        .captures(command)
                        .is_some_and(|c| !ENGLISH_OUTPUT.iter().any(|(name, _)| *name == &c[1]));
                continue;
            }
            // The readiness line of the book's servers, as the exercises'
            // servers print it for the grader (`listening on ADDR`).
            if !checking || line.chars().any(hangul) || line.starts_with(READINESS) {
                continue;
            }
            let unquoted = QUOTED.replace_all(line, " ");
            let english: Vec<&str> = english_words(&unquoted, &[])
                .into_iter()
                .map(|(_, word)| word)
                .filter(|word| !HEX_BYTE.is_match(word))
                .collect();
            if english.len() >= 2 {
                found.push((at, english.join(" ")));
            }
        }
    }
    found
}

/// Whether an italic span is a title (of a document, a paper, a protocol
/// message): two words or more, the first one capitalized
/// (`*Requirements for Internet Hosts*`, `*Time Exceeded*`).
fn title_case(span: &str) -> bool {
    let span = span.trim();
    span.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && span.contains(' ')
}

/// Whether the line at `offset` is a table row (starts with `|`).
fn in_table(markdown: &str, offset: usize) -> bool {
    let start = markdown[..offset].rfind('\n').map_or(0, |i| i + 1);
    markdown[start..].trim_start().starts_with('|')
}

static SVG_PIECE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->|<[^>]*>|[^<]+").expect("valid regex"));
static SVG_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<(/?)([a-zA-Z]+)\b([^>]*?)(/?)>$").expect("valid regex"));

/// The English words of a Korean figure: the text of every `<text>`,
/// `<tspan>`, `<title>` and `<desc>`, except what is drawn in a monospace
/// font (code, commands, protocol lines). A `<tspan>` without a font of its
/// own is drawn in its `<text>`'s.
pub fn in_svg(svg: &str) -> Vec<Word> {
    let mut found = Vec::new();
    // The open text elements, each with whether it is drawn in monospace.
    let mut open: Vec<(String, bool)> = Vec::new();
    for piece in SVG_PIECE.find_iter(svg) {
        let raw = piece.as_str();
        if raw.starts_with("<!--") {
            continue;
        }
        if let Some(tag) = SVG_TAG.captures(raw) {
            let name = tag[2].to_string();
            if !matches!(name.as_str(), "text" | "tspan" | "title" | "desc") {
                continue;
            }
            if &tag[1] == "/" {
                if let Some(at) = open.iter().rposition(|(n, _)| *n == name) {
                    open.truncate(at);
                }
            } else if tag[4].is_empty() {
                let attrs = &tag[3];
                let mono = if attrs.contains("font-family") {
                    attrs.contains("monospace")
                } else {
                    open.last().is_some_and(|(_, mono)| *mono)
                };
                open.push((name, mono));
            }
            continue;
        }
        let Some((_, mono)) = open.last() else {
            continue;
        };
        if *mono {
            continue;
        }
        let content = crate::html::decode_entities(raw);
        let line = svg[..piece.start()].matches('\n').count() + 1;
        for (_, word) in english_words(&content, &[]) {
            found.push(Word {
                line,
                word: word.to_string(),
                output: false,
            });
        }
    }
    found
}

/// Characters of a token: what can make up a word, a name or a bit of code
/// written in running text.
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_./\\:=+#@$%<>{}[]-'’".contains(c)
}

/// Whether `c` is Hangul (syllables or jamo).
fn hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// The English words of one block of prose, with their byte offsets;
/// `titles` are ranges of the block that are titles, left alone.
fn english_words<'a>(text: &'a str, titles: &[Range<usize>]) -> Vec<(usize, &'a str)> {
    let mut skip: Vec<Range<usize>> = titles.to_vec();
    for phrase in ALLOWED_PHRASES {
        skip.extend(text.match_indices(phrase).map(|(at, p)| at..at + p.len()));
    }
    let mut found = Vec::new();
    let mut rest = text.char_indices().peekable();
    while let Some(&(from, c)) = rest.peek() {
        if !token_char(c) {
            rest.next();
            continue;
        }
        let mut to = from;
        while let Some(&(at, c)) = rest.peek() {
            if !token_char(c) {
                break;
            }
            to = at + c.len_utf8();
            rest.next();
        }
        // A call: `accept()`, `write("hello\n")`, `min(rwnd, cwnd)`, its
        // arguments included, is code.
        if let Some(close) = call_arguments(text, to) {
            while rest.peek().is_some_and(|&(at, _)| at < close) {
                rest.next();
            }
            continue;
        }
        let raw = &text[from..to];
        let token = raw.trim_matches(|c| ".:'’-".contains(c));
        let at = from + (raw.len() - raw.trim_start_matches(|c| ".:'’-".contains(c)).len());
        if is_english(token) && !glossed(text, from) && !skip.iter().any(|r| r.contains(&at)) {
            found.push((at, token));
        }
    }
    found
}

/// Where the arguments of a call end, when `text[at..]` starts a call's
/// parentheses: `(` right after the name, a matching `)`, and no Korean
/// inside (`payload(페이로드)` is a word and its gloss, not a call).
fn call_arguments(text: &str, at: usize) -> Option<usize> {
    let after = text[at..].strip_prefix('(')?;
    let mut depth = 1;
    for (i, c) in after.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + 1 + i + 1);
                }
            }
            c if hangul(c) => return None,
            _ => {}
        }
    }
    None
}

/// Whether a token is an English word (see the module's rules).
fn is_english(token: &str) -> bool {
    if !token.chars().any(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    // Code and names of things: digits, symbols, or dots and colons inside.
    if token
        .chars()
        .any(|c| c.is_ascii_digit() || "_/\\=+#@$%<>{}[]".contains(c))
        || token.contains('.')
        || token.contains(':')
    {
        return false;
    }
    if ALLOWED.contains(&token) {
        return false;
    }
    let letters = token.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if letters == 1 {
        return false;
    }
    // Acronyms: every part all capitals (`TCP`, `SYN-ACK`).
    if token
        .split(['-', '\'', '’'])
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_uppercase()))
    {
        return false;
    }
    true
}

/// Whether the text at `at` is inside parentheses that follow a Korean word
/// or an acronym: `소켓(socket)`, `절반 닫기(half-close, 반이중 아님)`,
/// `CSRG(Computer Systems Research Group)`.
fn glossed(text: &str, at: usize) -> bool {
    let mut depth = 0;
    for (i, c) in text[..at].char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let before = &text[..i];
                if before.chars().next_back().is_some_and(hangul) {
                    return true;
                }
                let word: String = before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                return word.len() >= 2
                    && word.chars().any(|c| c.is_ascii_uppercase())
                    && !word.chars().any(|c| c.is_ascii_lowercase());
            }
            _ => {}
        }
    }
    false
}

/// The findings of [`in_markdown`] as differences, for the parity check.
pub fn differences(file: &str, named: &str, markdown: &str) -> Vec<Difference> {
    in_markdown(file, markdown)
        .into_iter()
        .map(|w| Difference {
            file: named.to_string(),
            what: if w.output {
                format!(
                    "line {}: a program's output in English ({}) in the Korean book; show what it prints with `--lang ko`, in a `console,translated` block (or name the program in english::ENGLISH_OUTPUT, with why)",
                    w.line, w.word
                )
            } else {
                format!(
                    "line {}: English word \"{}\" in the Korean book; write it in Korean (code in backticks, a term's English in parentheses after it, a proper name in english::ALLOWED)",
                    w.line, w.word
                )
            },
        })
        .collect()
}

/// The findings of [`in_svg`] as differences.
pub fn svg_differences(named: &str, svg: &str) -> Vec<Difference> {
    in_svg(svg)
        .into_iter()
        .map(|w| Difference {
            file: named.to_string(),
            what: format!(
                "line {}: English word \"{}\" in a Korean figure; write it in Korean (code in a monospace font)",
                w.line, w.word
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(file: &str, markdown: &str) -> Vec<String> {
        in_markdown(file, markdown)
            .into_iter()
            .map(|w| format!("{}:{}", w.line, w.word))
            .collect()
    }

    /// English planted in each kind of place is found with its line: a table
    /// header, a heading, prose, a list item, emphasis; what is allowed is
    /// not: code, a gloss after a Korean word, acronyms, names, directives.
    #[test]
    fn finds_english_planted_in_a_korean_page() {
        let page = "\
# 프레임 Layout

| Offset | 크기 | 필드 |
|---|---|---|
| 0 | 4 | `len`: u32 |

소켓(socket)과 *줄 중계기*(line relay)는 TCP와 RFC 9293에 나옵니다. Linux와 tokio, Alice.
이 문장에는 영어 payload가 있습니다: {{#grader points echo.server.ready}}점.

- **태스크**(task)는 `read`를 부릅니다. A와 B, `SO_LINGER`, IPv4, hello.txt, NOT_FOUND.
- 그리고 *really* 끝. ICMP *Time Exceeded*, accept()와 write(\"hello\\n\"), payload(페이로드).
- CSRG(Computer Systems Research Group), Socket Lab, P2P(peer-to-peer), Ctrl-C.

```text
client -> server: PUT, 22 bytes
```

<pre><code>step: read — the grader says so</code></pre>

(this is not a gloss) 그리고 <https://example.com/english/words>.
";
        assert_eq!(
            words("exercises/x.md", page),
            [
                "1:Layout",
                "3:Offset",
                "8:payload",
                "11:really",
                "11:payload",
                "20:this",
                "20:is",
                "20:not",
                "20:gloss"
            ]
        );
    }

    /// A program's output is read where the Korean book shows what a
    /// program of book/examples printed: planted, the English output the
    /// IP and TCP chapter once showed (a `console` block after a
    /// book-examples command) and an English line in a `translated` block;
    /// left alone: the Korean output, a program of ENGLISH_OUTPUT, other
    /// commands' output, data in quotes, hex bytes, a field name beside its
    /// value, and code blocks of code.
    #[test]
    fn finds_english_in_a_programs_output() {
        let page = "\
# 실험

```console
$ cargo run -q -p book-examples --bin byte_stream
experiment 1: two writes (\"hello\", \"world\"), read buffer of 64 bytes
  read 1: 10 bytes \"helloworld\"
```

```console,translated
$ cargo run -q -p book-examples --bin byte_stream -- --lang ko
실험 1: 쓰기 두 번(\"hello\", \"world\"), 64바이트 읽기 버퍼
recv 1: \"hello world\"
```

```console
$ cargo run -q -p book-examples --bin lifecycle_client -- 127.0.0.1:7878
connect 127.0.0.1:7878: Connection refused (os error 111)
$ ss -tan
State  Recv-Q Send-Q Local Address:Port
```

```console
$ cargo run -q -p book-examples --bin relay_threads -- 127.0.0.1:7881
listening on 127.0.0.1:7881
```

```text,translated
  fa f0              윈도                    64240
  1b b4 fc 71 63 af 34 d0
  00 00 00 12        len = 18
  read 2: 0 bytes (end of stream)
```

```rust,ignore
let s = \"read two bytes here\"; // the comments' check is elsewhere
```
";
        assert_eq!(
            words("ip-and-tcp.md", page),
            [
                "5:experiment two writes read buffer of bytes",
                "6:read bytes",
                "31:read bytes end of stream",
            ]
        );
    }

    #[test]
    fn the_english_column_of_a_table_is_left_alone() {
        let page = "| 한국어 | 영어 | 뜻 |\n|---|---|---|\n| 교착 상태 | deadlock | 서로 기다림, forever |\n";
        assert_eq!(words("appendix/glossary.md", page), ["3:forever"]);
        let page =
            "| 한국어 | English | 뜻 |\n|---|---|---|\n| 교착 상태 | deadlock | 서로 기다림 |\n";
        assert_eq!(
            words("appendix/glossary.md", page),
            ["1:English", "3:deadlock"]
        );
    }

    #[test]
    fn the_citation_column_of_the_references_is_left_alone() {
        let page = "| 문서 | 어디에 좋은가 |\n|---|---|\n| RFC 793, *Transmission Control Protocol* | 최초의 명세. |\n| W. Richard Stevens | classic |\n";
        assert_eq!(words("appendix/references.md", page), ["4:classic"]);
        assert_eq!(
            words("other.md", page),
            ["4:Richard", "4:Stevens", "4:classic"]
        );
    }

    #[test]
    fn a_figure_is_read_but_its_monospace_text_is_not() {
        let svg = r#"<svg font-family="sans-serif">
<title>프레임 하나</title>
<text x="1" font-family="monospace">len = 18</text>
<text x="1">payload (0~65 536)</text>
<text x="1" font-family="'DejaVu Sans Mono',monospace">alice: hello bob</text>
<text x="1">바이트 <tspan font-family="monospace">fd 4</tspan> then accept()는</text>
</svg>"#;
        let found: Vec<String> = in_svg(svg)
            .into_iter()
            .map(|w| format!("{}:{}", w.line, w.word))
            .collect();
        assert_eq!(found, ["4:payload", "6:then"]);
    }
}
