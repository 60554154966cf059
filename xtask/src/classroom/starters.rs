//! The starters' task text in two languages, and the template's in one.
//!
//! In this repository every comment of a starter (`exercises/*/src/**/*.rs`,
//! `exercises/*/Cargo.toml`) is written twice in the same comment block: the
//! English text after an `en:` marker, then its Korean twin after `ko:` (a
//! block may hold several such pairs, one per paragraph). A `todo!()`'s
//! message is English, and its Korean twin is a `// ko:` line right above it:
//!
//! ```text
//! /// en: Step 4: **accept** clients one after another, forever.
//! /// ko: 4단계: 클라이언트를 하나씩 차례로, 끝없이 **수락**합니다.
//! fn serve_forever(listener: TcpListener) {
//!     // ko: 4단계: listener.incoming()을 반복하며 echo(stream) 호출
//!     todo!("step 4: loop over listener.incoming() and call echo(stream)")
//! }
//! ```
//!
//! [`localize`] writes a starter in the template's language (`classroom
//! export --lang`): the other language's text and the markers go, and in
//! Korean each `todo!()` carries its twin's text, so that the panic a report
//! quotes is Korean too. The check (check.rs) keeps the twins paired and equivalent
//! (same inline code, same numbers, same API names in a `todo!()`), Korean
//! with the glossary's terms and the English word in parentheses on a term's
//! first use in each file; a unit test runs it on every starter. The export
//! refuses a starter whose text is not paired (it would leave the other
//! language in the template).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::grade::lang::Lang;

#[cfg(test)]
mod check;

/// How a starter file writes comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `//!`, `///` and `//`.
    Rust,
    /// `#` (the crate's Cargo.toml).
    Toml,
}

impl Syntax {
    /// The syntax of a starter file, or `None` for a file without task text.
    pub fn of(path: &Path) -> Option<Syntax> {
        if path.extension().is_some_and(|e| e == "rs") {
            Some(Syntax::Rust)
        } else if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            Some(Syntax::Toml)
        } else {
            None
        }
    }

    fn prefixes(self) -> &'static [&'static str] {
        match self {
            Syntax::Rust => &["//!", "///", "//"],
            Syntax::Toml => &["#"],
        }
    }
}

/// The note on the starters' languages in the exercises' READMEs: the
/// repository's text, then the template's in English and in Korean.
pub const README_NOTE_EN: [&str; 3] = [
    "The comments and the `todo!()` messages are in English and Korean, side by side: each \
     English text starts with `en:`, its Korean twin with `ko:`, and a `todo!()`'s Korean \
     message is on the `// ko:` line above it.",
    "The comments and the `todo!()` messages are in English.",
    "The comments and the `todo!()` messages are in Korean, the language of this template.",
];

/// [`README_NOTE_EN`] in README.ko.md.
pub const README_NOTE_KO: [&str; 3] = [
    "주석과 `todo!()` 메시지는 영어와 한국어로 나란히 적혀 있습니다. 영어 글은 `en:`으로, 그 \
     한국어 글은 `ko:`로 시작하고, `todo!()` 메시지의 한국어는 그 위의 `// ko:` 줄에 있습니다.",
    "주석과 `todo!()` 메시지는 이 템플릿의 언어인 영어로 적혀 있습니다.",
    "주석과 `todo!()` 메시지는 한국어로 적혀 있습니다.",
];

/// The template's sentence on the starters' language (`lang`), in English
/// and in Korean: for the template's README.
pub fn template_note(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::En => (README_NOTE_EN[1], README_NOTE_KO[1]),
        Lang::Ko => (README_NOTE_EN[2], README_NOTE_KO[2]),
    }
}

/// One line of a comment: `indent`, `prefix` (`///`), and the rest.
struct Comment<'a> {
    indent: &'a str,
    prefix: &'static str,
    rest: &'a str,
}

fn comment(line: &str, syntax: Syntax) -> Option<Comment<'_>> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let prefix = syntax
        .prefixes()
        .iter()
        .find(|p| trimmed.starts_with(**p))?;
    // `////…` is a plain comment, not a doc comment.
    let prefix = if *prefix == "///" && trimmed.starts_with("////") {
        "//"
    } else {
        prefix
    };
    Some(Comment {
        indent,
        prefix,
        rest: &trimmed[prefix.len()..],
    })
}

/// `en:` or `ko:` opening a comment's text, and the text after it.
fn marker(rest: &str) -> Option<(Lang, &str)> {
    let text = rest.strip_prefix(' ').unwrap_or(rest);
    for (lang, tag) in [(Lang::En, "en:"), (Lang::Ko, "ko:")] {
        if let Some(after) = text.strip_prefix(tag) {
            if after.is_empty() {
                return Some((lang, ""));
            }
            if let Some(after) = after.strip_prefix(' ') {
                return Some((lang, after));
            }
        }
    }
    None
}

/// One language's text in a comment block.
struct Section {
    lang: Lang,
    /// 1-based line of its marker.
    line: usize,
    /// Its lines as they follow the comment prefix (` text`), marker removed,
    /// without blank lines at either end.
    lines: Vec<String>,
}

impl Section {
    /// The text without the comment syntax, lines joined by `\n`.
    fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Consecutive comment lines with the same indentation and prefix.
struct Block {
    /// 0-based index of its first and one past its last line.
    start: usize,
    end: usize,
    indent: String,
    prefix: &'static str,
    /// Lines before the first marker (their rest).
    lead: Vec<String>,
    sections: Vec<Section>,
}

fn blocks(lines: &[&str], syntax: Syntax) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(first) = comment(lines[i], syntax) else {
            i += 1;
            continue;
        };
        let mut block = Block {
            start: i,
            end: i,
            indent: first.indent.to_string(),
            prefix: first.prefix,
            lead: Vec::new(),
            sections: Vec::new(),
        };
        while let Some(c) = lines.get(i).and_then(|l| comment(l, syntax)) {
            if c.indent != block.indent || c.prefix != block.prefix {
                break;
            }
            match (marker(c.rest), block.sections.last_mut()) {
                (Some((lang, after)), _) => block.sections.push(Section {
                    lang,
                    line: i + 1,
                    lines: if after.is_empty() {
                        Vec::new()
                    } else {
                        vec![format!(" {after}")]
                    },
                }),
                (None, Some(section)) => section.lines.push(c.rest.to_string()),
                (None, None) => block.lead.push(c.rest.to_string()),
            }
            i += 1;
        }
        block.end = i;
        for section in &mut block.sections {
            let blank = |l: &String| l.trim().is_empty();
            while section.lines.last().is_some_and(blank) {
                section.lines.pop();
            }
            let leading = section.lines.iter().take_while(|l| blank(l)).count();
            section.lines.drain(..leading);
        }
        out.push(block);
    }
    out
}

/// A `todo!("…")` call: where it is and its message.
struct Todo {
    /// 0-based lines of `todo!(` and of its closing `)`.
    first: usize,
    last: usize,
    /// The text before `todo!(` on the first line, after `)` on the last.
    before: String,
    after: String,
    /// The message as the panic prints it (escapes and `{{ }}` undone):
    /// what the check compares with its twin.
    #[cfg_attr(not(test), allow(dead_code))]
    message: String,
}

/// The `todo!(` call opening line `at`, if the line starts with one.
fn todo_at(lines: &[&str], at: usize) -> Option<std::result::Result<Todo, String>> {
    let line = lines[at];
    if !line.trim_start().starts_with("todo!(") {
        return None;
    }
    let col = line.find("todo!(")?;
    Some(parse_todo(lines, at, col))
}

fn parse_todo(lines: &[&str], at: usize, col: usize) -> std::result::Result<Todo, String> {
    let rest = lines[at..].join("\n");
    let mut chars = rest[col + "todo!(".len()..].char_indices().peekable();
    let base = col + "todo!(".len();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    skip_space(&mut chars);
    if chars.next().map(|(_, c)| c) != Some('"') {
        return Err("a todo!() needs one string literal as its message".into());
    }
    let mut literal = String::new();
    loop {
        match chars.next() {
            None => return Err("unterminated string in todo!()".into()),
            Some((_, '"')) => break,
            Some((_, '\\')) => match chars.next().map(|(_, c)| c) {
                Some('n') => literal.push('\n'),
                Some('t') => literal.push('\t'),
                Some('\\') => literal.push('\\'),
                Some('"') => literal.push('"'),
                Some('\'') => literal.push('\''),
                Some('\n') => skip_space(&mut chars),
                other => return Err(format!("escape \\{other:?} in a todo!() message")),
            },
            Some((_, c)) => literal.push(c),
        }
    }
    skip_space(&mut chars);
    chars.next_if(|(_, c)| *c == ',');
    skip_space(&mut chars);
    let Some((close, ')')) = chars.next() else {
        return Err("a todo!() takes its message alone (no format arguments)".into());
    };
    let close = base + close;
    let last = at + rest[..close].matches('\n').count();
    let after = rest[close + 1..]
        .split('\n')
        .next()
        .unwrap_or("")
        .to_string();
    let mut message = String::new();
    let mut it = literal.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '{' | '}' if it.next_if_eq(&c).is_some() => message.push(c),
            '{' | '}' => return Err("a todo!() message with format arguments".into()),
            c => message.push(c),
        }
    }
    Ok(Todo {
        first: at,
        last,
        before: lines[at][..col].to_string(),
        after,
        message,
    })
}

/// `text` as the string literal of a `todo!()` (a format string).
fn todo_literal(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            c => out.push(c),
        }
    }
    out
}

/// The `todo!()` call as rustfmt lays it out: on one line if it fits in 100
/// columns (Hangul is two wide), else its message on a line of its own.
fn todo_call(todo: &Todo, message: &str) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let literal = todo_literal(message);
    let one = format!("{}todo!(\"{literal}\"){}", todo.before, todo.after);
    if one.width() <= 100 {
        return vec![one];
    }
    let indent = &todo.before[..todo.before.len() - todo.before.trim_start().len()];
    vec![
        format!("{}todo!(", todo.before),
        format!("{indent}    \"{literal}\""),
        format!("{indent}){}", todo.after),
    ]
}

/// The block's sections paired: (en, ko) pairs, and a last Korean section
/// alone when the block is the twin of the `todo!()` right below it.
struct Paired<'a> {
    pairs: Vec<(&'a Section, &'a Section)>,
    twin: Option<&'a Section>,
}

fn pair<'a>(block: &'a Block, before_todo: bool) -> std::result::Result<Paired<'a>, String> {
    let mut sections: &[Section] = &block.sections;
    let mut twin = None;
    if before_todo {
        match sections.split_last() {
            Some((last, rest)) if last.lang == Lang::Ko && rest.len().is_multiple_of(2) => {
                twin = Some(last);
                sections = rest;
            }
            _ => {
                return Err(format!(
                    "line {}: the todo!() below needs its Korean twin on a `// ko:` line right above it",
                    block.end + 1
                ));
            }
        }
    }
    let mut pairs = Vec::new();
    for two in sections.chunks(2) {
        match two {
            [en, ko] if en.lang == Lang::En && ko.lang == Lang::Ko => pairs.push((en, ko)),
            [one, ..] => {
                return Err(format!(
                    "line {}: each `en:` text needs its `ko:` twin right after it (and each `ko:` an `en:` before it)",
                    one.line
                ));
            }
            [] => {}
        }
    }
    Ok(Paired { pairs, twin })
}

fn has_letters(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}

/// The starter `text` (a file in `syntax`) in one language.
pub fn localize(text: &str, syntax: Syntax, lang: Lang) -> std::result::Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let blocks = blocks(&lines, syntax);
    let mut out: Vec<String> = Vec::new();
    let mut twin: Option<String> = None;
    let mut block_at = blocks.iter().peekable();
    let mut i = 0;
    while i < lines.len() {
        if let Some(block) = block_at.next_if(|b| b.start == i) {
            let before_todo = syntax == Syntax::Rust
                && lines
                    .get(block.end)
                    .is_some_and(|l| l.trim_start().starts_with("todo!("));
            if block.sections.is_empty() {
                if has_letters(&block.lead.concat()) {
                    return Err(format!(
                        "line {}: a comment without `en:` and `ko:`",
                        block.start + 1
                    ));
                }
                out.extend(lines[block.start..block.end].iter().map(|l| l.to_string()));
                i = block.end;
                continue;
            }
            if has_letters(&block.lead.concat()) {
                return Err(format!(
                    "line {}: text before the comment's first `en:`",
                    block.start + 1
                ));
            }
            let paired = pair(block, before_todo)?;
            let line = |rest: &str| format!("{}{}{}", block.indent, block.prefix, rest);
            let mut first = true;
            for (en, ko) in &paired.pairs {
                let kept = if lang == Lang::En { en } else { ko };
                if !first {
                    out.push(line(""));
                }
                first = false;
                out.extend(kept.lines.iter().map(|rest| line(rest)));
            }
            twin = paired.twin.map(Section::text);
            i = block.end;
            continue;
        }
        if syntax == Syntax::Rust
            && let Some(todo) = todo_at(&lines, i)
        {
            let todo = todo.map_err(|e| format!("line {}: {e}", i + 1))?;
            let Some(korean) = twin.take() else {
                return Err(format!(
                    "line {}: this todo!() needs its Korean twin on a `// ko:` line right above it",
                    i + 1
                ));
            };
            match lang {
                Lang::En => out.extend(lines[todo.first..=todo.last].iter().map(|l| l.to_string())),
                Lang::Ko => out.extend(todo_call(&todo, &korean)),
            }
            i = todo.last + 1;
            continue;
        }
        twin = None;
        out.push(lines[i].to_string());
        i += 1;
    }
    let mut text = out.join("\n");
    text.push('\n');
    Ok(text)
}

/// Every file of one exercise's starter (`dir`, in the template) in `lang`,
/// and the note on the languages in its READMEs.
pub fn localize_tree(dir: &Path, lang: Lang) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            localize_tree(&path, lang)?;
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(syntax) = Syntax::of(&path) {
            let text = fs::read_to_string(&path)?;
            let local = localize(&text, syntax, lang)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            fs::write(&path, local)?;
        } else if let Some(note) = match name {
            "README.md" => Some(README_NOTE_EN),
            "README.ko.md" => Some(README_NOTE_KO),
            _ => None,
        } {
            let text = fs::read_to_string(&path)?;
            let Some(local) =
                replace_paragraph(&text, note[0], note[if lang == Lang::En { 1 } else { 2 }])
            else {
                bail!(
                    "{} lacks the note on the starters' languages (classroom/starters.rs, README_NOTE_*)",
                    path.display()
                );
            };
            fs::write(&path, local)?;
        }
    }
    Ok(())
}

/// `markdown` with the paragraph that reads `from` (whatever its line
/// breaks) replaced by `to`; `None` without such a paragraph.
pub fn replace_paragraph(markdown: &str, from: &str, to: &str) -> Option<String> {
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let want = squeeze(from);
    let lines: Vec<&str> = markdown.lines().collect();
    let mut start = 0;
    while start < lines.len() {
        let end = (start..lines.len())
            .find(|&i| lines[i].trim().is_empty())
            .unwrap_or(lines.len());
        if end > start && squeeze(&lines[start..end].join(" ")) == want {
            let mut out: Vec<&str> = lines[..start].to_vec();
            out.push(to);
            out.extend(&lines[end..]);
            let mut text = out.join("\n");
            text.push('\n');
            return Some(text);
        }
        start = end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
//! en:
//! # Title
//!
//! Some `code` text.
//!
//! ko:
//! # 제목
//!
//! `code`가 있는 글입니다.

/// en: Steps 1–3: the socket.
/// ko: 1–3단계: 소켓(socket)입니다.
fn f() {
    // ko: 1–3단계: TcpListener::bind 다음 println!(\"listening on {}\", local_addr)
    todo!(\"steps 1–3: TcpListener::bind, then println!(\\\"listening on {{}}\\\", local_addr)\")
}
";

    #[test]
    fn each_language_keeps_its_text_and_loses_the_other() {
        let en = localize(SAMPLE, Syntax::Rust, Lang::En).unwrap();
        assert_eq!(
            en,
            "//! # Title\n//!\n//! Some `code` text.\n\n/// Steps 1–3: the socket.\nfn f() {\n    \
             todo!(\"steps 1–3: TcpListener::bind, then println!(\\\"listening on {{}}\\\", local_addr)\")\n}\n"
        );
        let ko = localize(SAMPLE, Syntax::Rust, Lang::Ko).unwrap();
        assert_eq!(
            ko,
            "//! # 제목\n//!\n//! `code`가 있는 글입니다.\n\n/// 1–3단계: 소켓(socket)입니다.\nfn f() {\n    \
             todo!(\"1–3단계: TcpListener::bind 다음 println!(\\\"listening on {{}}\\\", local_addr)\")\n}\n"
        );
        assert_eq!(check::check(SAMPLE, Syntax::Rust), Vec::<String>::new());
    }

    #[test]
    fn a_long_korean_todo_gets_its_own_line() {
        let text = "fn f() {\n    // ko: 아주 긴 한국어 메시지입니다. 아주 긴 한국어 메시지입니다. 아주 긴 한국어 메시지입니다. 끝.\n    todo!(\"a long message\")\n}\n";
        let ko = localize(text, Syntax::Rust, Lang::Ko).unwrap();
        assert!(ko.contains("    todo!(\n        \"아주 긴"), "{ko}");
        assert!(ko.contains("\"\n    )\n}"), "{ko}");
    }

    #[test]
    fn the_readme_note_is_replaced_whatever_its_line_breaks() {
        let readme = "# T\n\nThe comments and the `todo!()` messages are in English and Korean, side by side:\neach English text starts with `en:`, its Korean twin with `ko:`, and a `todo!()`'s Korean\nmessage is on the `// ko:` line above it.\n\nEnd.\n";
        let out = replace_paragraph(readme, README_NOTE_EN[0], README_NOTE_EN[2]).unwrap();
        assert_eq!(out, format!("# T\n\n{}\n\nEnd.\n", README_NOTE_EN[2]));
        assert_eq!(replace_paragraph("# T\n", README_NOTE_EN[0], "x"), None);
    }

    /// The exercises' READMEs carry the note the export rewrites.
    #[test]
    fn every_exercise_readme_has_the_language_note() {
        let exercises = Path::new(env!("CARGO_MANIFEST_DIR")).join("../exercises");
        for entry in fs::read_dir(exercises).unwrap() {
            let dir = entry.unwrap().path();
            for (file, note) in [
                ("README.md", README_NOTE_EN),
                ("README.ko.md", README_NOTE_KO),
            ] {
                let text = fs::read_to_string(dir.join(file)).unwrap();
                for lang in 1..3 {
                    assert!(
                        replace_paragraph(&text, note[0], note[lang]).is_some(),
                        "{}/{file} lacks the note {:?}",
                        dir.display(),
                        note[0]
                    );
                }
            }
        }
    }
}
