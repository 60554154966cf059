//! The grader's strings, checked (issue 15): every message and hint a student
//! reads exists in English and Korean, and the Korean one is read as Korean.
//!
//! What is found, by a small scanner over the text of xtask/src (no parser
//! crate): every `tr!(lang, "en", "ko", args)` and `tr_error!("en", "ko",
//! args)`, every `Text { en: "…", ko: "…" }`, every `.pick("en", "ko")`,
//! every `Lang::En => "…"` / `Lang::Ko => "…"` pair of match arms, and every
//! hint of the three hints.toml files.
//! A Korean string literal outside these forms fails the check too (code
//! outside `#[cfg(test)] mod … { }` only), so that no message escapes it.
//!
//! What fails, in the Korean text ([`problems`]):
//! - **english**: an English word outside a code span (`` `…` ``), a
//!   placeholder, an identifier or API name (snake_case, CamelCase, `a::b`,
//!   `f()`, `m!`, `x?`, a path or file name, a `--flag`, a hyphenated name
//!   such as `echo-server`), a name in capitals (protocol words and codes:
//!   STATUS, DATA, GET, TCP, BAD_NAME), a word with digits (IPv6), a gloss in
//!   parentheses right after a Korean word (`수신(read)`), a run of code
//!   (text with `;`, `{`, `=`…), or [`ALLOWED`] (units, tool and system names);
//! - **particle**: a particle (이/가, 을/를, 은/는, 와/과, (으)로, 이었/였, (이)나,
//!   (이)라) written right after a placeholder: the value is known only at
//!   run time, so the message must put it through [`josa`](super::josa)
//!   (`{code_ro}` with `code_ro = josa(code, "(으)로")`); and a particle
//!   right after a fixed code span, number or Latin word that does not
//!   agree with how it is read (`` `NOT_FOUND`을 ``, `0로`); `라고` and
//!   `라는` after a code span quote it directly and agree with anything
//!   (`` `listening on {addr}`라고 출력했습니다 ``);
//! - **positional**: two or more positional `{}` in one `tr!`: English and
//!   Korean order values differently, so a message with several values names
//!   them (`{got}`, `{total}`) and each language places each itself;
//! - **term**: a variant the book bans (book/builder/src/parity.rs,
//!   `BANNED_KOREAN`, read from that file) or [`GRADER_BANNED`].
//!
//! Each pair is also rendered with sample values (numbers, an address, a
//! program, a code), as a student would read it, for the failure's message.
//! `STRINGS_DUMP=FILE cargo test -p xtask --bin xtask -- strings_check`
//! writes every pair, rendered, to FILE for a reviewer.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::josa::{self, End};

/// Words allowed in Korean text: units; tools and systems the book writes
/// in Latin letters too; Rust's keywords and the calls and types the book
/// names, written bare (`match하세요`, `accept 루프`).
const ALLOWED: &[&str] = &[
    // Units.
    "s",
    "ms",
    "B",
    "KiB",
    "MiB",
    "GiB",
    "KB",
    "MB",
    "GB",
    // Tools and systems.
    "Rust",
    "cargo",
    "rustc",
    "rustup",
    "rustfmt",
    "clippy",
    "Linux",
    "Unix",
    "Windows",
    "macOS",
    "GitHub",
    "Classroom",
    "Actions",
    "git",
    "Socket",
    "Lab",
    "bubblewrap",
    "tokio",
    "nc",
    "telnet",
    "strace",
    "ss",
    "lsof",
    "mdBook",
    "WSL",
    // Rust: keywords, types and calls.
    "match",
    "return",
    "loop",
    "let",
    "mut",
    "async",
    "await",
    "move",
    "std",
    "main",
    "Result",
    "Option",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Drop",
    "drop",
    "clone",
    "unwrap",
    "expect",
    "accept",
    "bind",
    "listen",
    "connect",
    "read",
    "write",
    "shutdown",
    "flush",
    "join",
    "spawn",
    "trim",
    "rename",
    "exit",
    "eprintln",
    "println",
    "select",
    "sleep",
];

/// Variants the grader's strings do not use, beyond the book's list: the
/// glossary's term instead.
const GRADER_BANNED: &[(&str, &str)] = &[("준비 줄", "준비 완료 줄")];

/// Where a pair was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Form {
    /// `tr!(lang, "en", "ko", …)`.
    Tr,
    /// `Text { en: "…", ko: "…" }`.
    Text,
    /// `lang.pick("en", "ko")`.
    Pick,
    /// `Lang::En => "…"` then `Lang::Ko => "…"` (or `format!("…")`, or a
    /// struct whose fields pair up by name).
    Arm,
    /// `("en", "ko")` side by side, or `const X_EN: […] = […]` and `X_KO`.
    Side,
    /// A hint of a hints.toml.
    Hint,
}

/// One message or hint in both languages.
#[derive(Clone, Debug)]
struct Pair {
    file: String,
    line: usize,
    form: Form,
    /// Format strings (`tr!`, `format!`): `{…}` is a value.
    format: bool,
    en: String,
    ko: String,
    /// The arguments after the two strings: a name for `name = expr`.
    args: Vec<(Option<String>, String)>,
}

impl Pair {
    fn is_format(&self) -> bool {
        self.format
    }
}

/// A problem in one pair.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Problem {
    kind: Kind,
    what: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    English,
    Particle,
    Positional,
    Term,
    Unpaired,
}

// ---------------------------------------------------------------------------
// Rust source, as tokens.

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    Str(String),
    Other,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

/// The tokens of a Rust source: identifiers, punctuation, string literals
/// (escapes decoded, raw and byte strings too); comments dropped; numbers,
/// chars and lifetimes as [`Tok::Other`].
fn lex(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            let start = line;
            let (text, next, lines) = string(&chars, i + 1);
            out.push(Token {
                tok: Tok::Str(text),
                line: start,
            });
            line += lines;
            i = next;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{1b}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            out.push(Token {
                tok: Tok::Other,
                line,
            });
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Other,
                line,
            });
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let ident: String = chars[start..i].iter().collect();
            // Raw strings r"…", r#"…"#, br"…"; byte and C strings b"…", c"…".
            let raw = matches!(ident.as_str(), "r" | "br" | "cr")
                && (at(i) == '"' || (at(i) == '#' && matches!(at(i + 1), '"' | '#')));
            if raw {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1;
                let start_line = line;
                let begin = i;
                loop {
                    if i >= chars.len() {
                        break;
                    }
                    if chars[i] == '"' && (1..=hashes).all(|h| at(i + h) == '#') {
                        break;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                let text: String = chars[begin..i.min(chars.len())].iter().collect();
                i += 1 + hashes;
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
            } else if matches!(ident.as_str(), "b" | "c") && at(i) == '"' {
                let start_line = line;
                let (text, next, lines) = string(&chars, i + 1);
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
                line += lines;
                i = next;
            } else if ident == "b" && at(i) == '\'' {
                // b'x', b'\n'
                i += 1;
                if at(i) == '\\' {
                    i += 1;
                }
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(Token {
                    tok: Tok::Other,
                    line,
                });
            } else {
                out.push(Token {
                    tok: Tok::Ident(ident),
                    line,
                });
            }
        } else {
            out.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    out
}

/// A string literal's text from `i` (after its `"`): the decoded text, the
/// index after the closing `"`, and the newlines it spans.
fn string(chars: &[char], mut i: usize) -> (String, usize, usize) {
    let mut text = String::new();
    let mut lines = 0;
    while i < chars.len() && chars[i] != '"' {
        let c = chars[i];
        if c == '\n' {
            lines += 1;
        }
        if c != '\\' {
            text.push(c);
            i += 1;
            continue;
        }
        let e = chars.get(i + 1).copied().unwrap_or('\\');
        i += 2;
        match e {
            'n' => text.push('\n'),
            't' => text.push('\t'),
            'r' => text.push('\r'),
            '0' => text.push('\0'),
            '\\' | '"' | '\'' => text.push(e),
            'x' => {
                let hex: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                text.push(u8::from_str_radix(&hex, 16).map_or('?', char::from));
                i += 2;
            }
            'u' => {
                let close = (i..chars.len()).find(|&j| chars[j] == '}').unwrap_or(i);
                let hex: String = chars[i + 1..close].iter().collect();
                let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                text.push(c.unwrap_or('?'));
                i = close + 1;
            }
            '\n' => {
                // A line continuation: the newline and the next line's indent go.
                lines += 1;
                while i < chars.len() && chars[i].is_whitespace() {
                    if chars[i] == '\n' {
                        lines += 1;
                    }
                    i += 1;
                }
            }
            other => {
                text.push('\\');
                text.push(other);
            }
        }
    }
    (text, i + 1, lines)
}

fn has_hangul(text: &str) -> bool {
    text.chars().any(is_hangul)
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// The pairs of one source file, and its Korean literals that are in none.
fn pairs_in(file: &str, src: &str) -> (Vec<Pair>, Vec<(usize, String)>) {
    let tokens = lex(src);
    let skip = test_modules(&tokens);
    let mut used = vec![false; tokens.len()];
    let mut pairs = Vec::new();
    let tok = |i: usize| tokens.get(i).map(|t| &t.tok);
    let is_punct = |i: usize, c: char| tok(i) == Some(&Tok::Punct(c));
    let is_ident = |i: usize, name: &str| matches!(tok(i), Some(Tok::Ident(n)) if n == name);
    let str_at = |i: usize| match tok(i) {
        Some(Tok::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let mut i = 0;
    while i < tokens.len() {
        if skip[i] {
            i += 1;
            continue;
        }
        let line = tokens[i].line;
        // tr!(lang, "en", "ko", args)
        if is_ident(i, "tr") && is_punct(i + 1, '!') && is_punct(i + 2, '(') {
            let args = arguments(&tokens, i + 3);
            if args.len() >= 3 {
                let en = single_str(&tokens, &args[1]);
                let ko = single_str(&tokens, &args[2]);
                if let (Some((en, a)), Some((ko, b))) = (en, ko) {
                    used[a] = true;
                    used[b] = true;
                    let rest = args[3..]
                        .iter()
                        .map(|range| argument(&tokens, range.clone()))
                        .collect();
                    pairs.push(Pair {
                        file: file.into(),
                        line,
                        form: Form::Tr,
                        format: true,
                        en,
                        ko,
                        args: rest,
                    });
                }
            }
        }
        // tr_error!("en", "ko", args): an error of the tool in both languages.
        if is_ident(i, "tr_error") && is_punct(i + 1, '!') && is_punct(i + 2, '(') {
            let args = arguments(&tokens, i + 3);
            if args.len() >= 2
                && let (Some((en, a)), Some((ko, b))) =
                    (single_str(&tokens, &args[0]), single_str(&tokens, &args[1]))
            {
                used[a] = true;
                used[b] = true;
                pairs.push(Pair {
                    file: file.into(),
                    line,
                    form: Form::Tr,
                    format: true,
                    en,
                    ko,
                    args: args[2..]
                        .iter()
                        .map(|range| argument(&tokens, range.clone()))
                        .collect(),
                });
            }
        }
        // josa(value, "이/가"): a particle's name, not a message.
        if matches!(tok(i), Some(Tok::Ident(f)) if ["josa", "josa_code", "particle"].contains(&f.as_str()))
            && is_punct(i + 1, '(')
        {
            let args = arguments(&tokens, i + 2);
            if let Some((_, at)) = args.get(1).and_then(|r| single_str(&tokens, r)) {
                used[at] = true;
            }
        }
        // .pick("en", "ko")
        if is_punct(i, '.')
            && is_ident(i + 1, "pick")
            && is_punct(i + 2, '(')
            && let (Some(en), true, Some(ko)) = (str_at(i + 3), is_punct(i + 4, ','), str_at(i + 5))
        {
            used[i + 3] = true;
            used[i + 5] = true;
            pairs.push(Pair {
                file: file.into(),
                line,
                form: Form::Pick,
                format: false,
                en,
                ko,
                args: Vec::new(),
            });
        }
        // Text { en: "…", ko: "…" }
        if is_ident(i, "Text") && is_punct(i + 1, '{') {
            let field = |j: usize, name: &str| {
                (is_ident(j, name) && is_punct(j + 1, ':'))
                    .then(|| str_at(j + 2))
                    .flatten()
            };
            if let (Some(en), true, Some(ko)) =
                (field(i + 2, "en"), is_punct(i + 5, ','), field(i + 6, "ko"))
            {
                used[i + 4] = true;
                used[i + 8] = true;
                pairs.push(Pair {
                    file: file.into(),
                    line,
                    form: Form::Text,
                    format: false,
                    en,
                    ko,
                    args: Vec::new(),
                });
            }
        }
        // Lang::Ko => …, paired with the Lang::En => … before it.
        if let Some(ko) = arm(&tokens, i, "Ko") {
            let back = i.saturating_sub(400);
            let en = (back..i).rev().find_map(|j| arm(&tokens, j, "En"));
            let mut push = |en: ArmText, ko: ArmText, used: &mut Vec<bool>| {
                used[en.at] = true;
                used[ko.at] = true;
                pairs.push(Pair {
                    file: file.into(),
                    line: tokens[ko.at].line,
                    form: Form::Arm,
                    format: ko.format,
                    en: en.text,
                    ko: ko.text,
                    args: ko.args,
                });
            };
            match (en, ko) {
                (Some(Arm::Text(en)), Arm::Text(ko)) => push(en, ko, &mut used),
                (Some(Arm::Fields(en)), Arm::Fields(ko)) => {
                    for (name, ko) in ko {
                        if let Some((_, en)) = en.iter().find(|(n, _)| *n == name) {
                            push(en.clone(), ko, &mut used);
                        }
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    // ("en", "ko") side by side.
    for i in 0..tokens.len().saturating_sub(2) {
        if let (Some(en), true, Some(ko)) = (str_at(i), is_punct(i + 1, ','), str_at(i + 2))
            && !skip[i]
            && !used[i]
            && !used[i + 2]
            && !has_hangul(&en)
            && has_hangul(&ko)
        {
            used[i] = true;
            used[i + 2] = true;
            pairs.push(Pair {
                file: file.into(),
                line: tokens[i + 2].line,
                form: Form::Side,
                format: false,
                en,
                ko,
                args: Vec::new(),
            });
        }
    }
    // const X_EN: [&str; N] = ["…", …]; and X_KO, item by item.
    let arrays = const_arrays(&tokens);
    for (name, ko) in &arrays {
        let Some(base) = name.strip_suffix("_KO") else {
            continue;
        };
        let Some((_, en)) = arrays.iter().find(|(n, _)| *n == format!("{base}_EN")) else {
            continue;
        };
        for (&(ko_at, ref ko), &(en_at, ref en)) in ko.iter().zip(en) {
            used[ko_at] = true;
            used[en_at] = true;
            pairs.push(Pair {
                file: file.into(),
                line: tokens[ko_at].line,
                form: Form::Side,
                format: false,
                en: en.clone(),
                ko: ko.clone(),
                args: Vec::new(),
            });
        }
    }
    let unpaired = tokens
        .iter()
        .enumerate()
        .filter(|&(i, t)| !skip[i] && !used[i] && matches!(&t.tok, Tok::Str(s) if has_hangul(s)))
        .map(|(_, t)| match &t.tok {
            Tok::Str(s) => (t.line, s.clone()),
            _ => unreachable!(),
        })
        .collect();
    (pairs, unpaired)
}

/// One side of a pair of match arms.
#[derive(Clone, Debug)]
struct ArmText {
    text: String,
    /// The string literal's token.
    at: usize,
    format: bool,
    args: Vec<(Option<String>, String)>,
}

enum Arm {
    /// `=> "…"` or `=> format!("…", args)`.
    Text(ArmText),
    /// `=> Words { name: "…", other: |x| format!("…", …), … }`: by field.
    Fields(Vec<(String, ArmText)>),
}

/// `Lang::<which>` `)`? `=>` and what follows, at `i`.
fn arm(tokens: &[Token], i: usize, which: &str) -> Option<Arm> {
    let tok = |j: usize| tokens.get(j).map(|t| &t.tok);
    let ident = |j: usize, n: &str| matches!(tok(j), Some(Tok::Ident(x)) if x == n);
    let punct = |j: usize, c: char| tok(j) == Some(&Tok::Punct(c));
    if !(ident(i, "Lang") && punct(i + 1, ':') && punct(i + 2, ':') && ident(i + 3, which)) {
        return None;
    }
    let mut j = i + 4;
    if punct(j, ')') {
        j += 1;
    }
    if !(punct(j, '=') && punct(j + 1, '>')) {
        return None;
    }
    let value = j + 2;
    if let Some(text) = text_at(tokens, value) {
        return Some(Arm::Text(text));
    }
    // A struct: its fields at depth one.
    if matches!(tok(value), Some(Tok::Ident(_))) && punct(value + 1, '{') {
        let mut fields = Vec::new();
        let mut depth = 0;
        let mut k = value + 2;
        while k < tokens.len() {
            match &tokens[k].tok {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') if depth == 0 => break,
                Tok::Punct(')' | ']' | '}') => depth -= 1,
                Tok::Ident(name) if depth == 0 && punct(k + 1, ':') && !punct(k + 2, ':') => {
                    // The field's first string, as text or format!.
                    let mut end = k + 2;
                    let mut inner = 0;
                    while end < tokens.len() {
                        match tokens[end].tok {
                            Tok::Punct('(' | '[' | '{') => inner += 1,
                            Tok::Punct(')' | ']' | '}') if inner == 0 => break,
                            Tok::Punct(')' | ']' | '}') => inner -= 1,
                            Tok::Punct(',') if inner == 0 => break,
                            _ => {}
                        }
                        end += 1;
                    }
                    let found = (k + 2..end).find_map(|m| match tok(m) {
                        Some(Tok::Ident(f)) if f == "format" => text_at(tokens, m),
                        Some(Tok::Str(_)) => text_at(tokens, m),
                        _ => None,
                    });
                    if let Some(text) = found {
                        fields.push((name.clone(), text));
                    }
                }
                _ => {}
            }
            k += 1;
        }
        return Some(Arm::Fields(fields));
    }
    None
}

/// `"…"` or `format!("…", args)` at `i`.
fn text_at(tokens: &[Token], i: usize) -> Option<ArmText> {
    let tok = |j: usize| tokens.get(j).map(|t| &t.tok);
    match tok(i)? {
        Tok::Str(s) => Some(ArmText {
            text: s.clone(),
            at: i,
            format: false,
            args: Vec::new(),
        }),
        Tok::Ident(f)
            if f == "format"
                && tok(i + 1) == Some(&Tok::Punct('!'))
                && tok(i + 2) == Some(&Tok::Punct('(')) =>
        {
            let args = arguments(tokens, i + 3);
            let (text, at) = single_str(tokens, args.first()?)?;
            Some(ArmText {
                text,
                at,
                format: true,
                args: args[1..]
                    .iter()
                    .map(|r| argument(tokens, r.clone()))
                    .collect(),
            })
        }
        _ => None,
    }
}

/// Every `const NAME: … = [ "…", … ];`: the name and its strings.
fn const_arrays(tokens: &[Token]) -> Vec<(String, Vec<(usize, String)>)> {
    let mut arrays = Vec::new();
    for i in 0..tokens.len() {
        let (
            Tok::Ident(kw),
            Some(Token {
                tok: Tok::Ident(name),
                ..
            }),
        ) = (&tokens[i].tok, tokens.get(i + 1))
        else {
            continue;
        };
        if kw != "const" {
            continue;
        }
        let Some(eq) = (i + 2..tokens.len()).find(|&j| tokens[j].tok == Tok::Punct('=')) else {
            continue;
        };
        if tokens.get(eq + 1).map(|t| &t.tok) != Some(&Tok::Punct('[')) {
            continue;
        }
        let strings = arguments(tokens, eq + 2)
            .into_iter()
            .filter_map(|range| single_str(tokens, &range).map(|(s, at)| (at, s)))
            .collect();
        arrays.push((name.clone(), strings));
    }
    arrays
}

/// Which tokens lie in a `#[cfg(test)] mod … { }`.
fn test_modules(tokens: &[Token]) -> Vec<bool> {
    let mut skip = vec![false; tokens.len()];
    let seq = |i: usize, want: &[Tok]| {
        want.iter()
            .enumerate()
            .all(|(k, w)| tokens.get(i + k).map(|t| &t.tok) == Some(w))
    };
    let p = Tok::Punct;
    let id = |s: &str| Tok::Ident(s.into());
    let cfg_test = [
        p('#'),
        p('['),
        id("cfg"),
        p('('),
        id("test"),
        p(')'),
        p(']'),
    ];
    for i in 0..tokens.len() {
        if !seq(i, &cfg_test) {
            continue;
        }
        let j = i + cfg_test.len();
        if !(seq(j, &[id("mod")]) && seq(j + 2, &[p('{')])) {
            continue;
        }
        let mut depth = 0;
        for (k, t) in tokens.iter().enumerate().skip(j + 2) {
            match t.tok {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth -= 1,
                _ => {}
            }
            skip[k] = true;
            if depth == 0 {
                break;
            }
        }
    }
    skip
}

/// The argument ranges of a call whose `(` was just before `start`.
fn arguments(tokens: &[Token], start: usize) -> Vec<std::ops::Range<usize>> {
    let mut args = Vec::new();
    let (mut depth, mut from) = (0, start);
    for (i, t) in tokens.iter().enumerate().skip(start) {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') if depth == 0 => {
                if from < i {
                    args.push(from..i);
                }
                return args;
            }
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                args.push(from..i);
                from = i + 1;
            }
            _ => {}
        }
    }
    args
}

fn single_str(tokens: &[Token], range: &std::ops::Range<usize>) -> Option<(String, usize)> {
    match (range.len(), &tokens[range.start].tok) {
        (1, Tok::Str(s)) => Some((s.clone(), range.start)),
        _ => None,
    }
}

/// An argument of `tr!`: its name (`name = expr`) and its expression's text.
fn argument(tokens: &[Token], range: std::ops::Range<usize>) -> (Option<String>, String) {
    let toks = &tokens[range];
    let named = match (toks.first(), toks.get(1), toks.get(2)) {
        (
            Some(Token {
                tok: Tok::Ident(n), ..
            }),
            Some(t),
            next,
        ) if t.tok == Tok::Punct('=') && next.map(|t| &t.tok) != Some(&Tok::Punct('=')) => {
            Some(n.clone())
        }
        _ => None,
    };
    let body = if named.is_some() { &toks[2..] } else { toks };
    let mut text = String::new();
    for t in body {
        match &t.tok {
            Tok::Ident(s) => {
                if text.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                    text.push(' ');
                }
                text.push_str(s);
            }
            Tok::Punct(c) => text.push(*c),
            Tok::Str(s) => {
                let _ = write!(text, "{s:?}");
            }
            Tok::Other => text.push('…'),
        }
    }
    (named, text)
}

// ---------------------------------------------------------------------------
// Format strings.

#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    /// `{}`, `{0}`, `{:?}` (positional: `None`) or `{name}`, `{name:.1}`.
    Hole(Option<String>),
}

fn parse_format(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut buf = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                buf.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                buf.push('}');
            }
            '{' => {
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    inner.push(c);
                }
                let name = inner.split(':').next().unwrap_or("").trim().to_string();
                let positional = name.is_empty() || name.chars().all(|c| c.is_ascii_digit());
                if !buf.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut buf)));
                }
                pieces.push(Piece::Hole((!positional).then_some(name)));
            }
            c => buf.push(c),
        }
    }
    if !buf.is_empty() {
        pieces.push(Piece::Text(buf));
    }
    pieces
}

/// Stands for a placeholder in the masked text.
const VALUE: char = '\u{E000}';
/// Stands for a fixed code span.
const CODE: char = '\u{E001}';
/// Stands for a code span with a placeholder in it.
const CODE_VALUE: char = '\u{E002}';

/// The Korean text with placeholders and code spans masked (see [`VALUE`]),
/// and the fixed code spans' text, in order.
fn mask(pieces: &[Piece]) -> (String, Vec<String>) {
    let mut masked = String::new();
    let mut spans = Vec::new();
    let mut code: Option<(String, bool)> = None;
    for piece in pieces {
        match piece {
            Piece::Hole(_) => match &mut code {
                Some((_, dynamic)) => *dynamic = true,
                None => masked.push(VALUE),
            },
            Piece::Text(text) => {
                for c in text.chars() {
                    match (&mut code, c) {
                        (None, '`') => code = Some((String::new(), false)),
                        (Some(_), '`') => {
                            let (text, dynamic) = code.take().unwrap();
                            if dynamic {
                                masked.push(CODE_VALUE);
                            } else {
                                masked.push(CODE);
                                spans.push(text);
                            }
                        }
                        (Some((text, _)), c) => text.push(c),
                        (None, c) => masked.push(c),
                    }
                }
            }
        }
    }
    // An unclosed backtick: what followed it is text.
    if let Some((text, _)) = code {
        masked.push('`');
        masked.push_str(&text);
    }
    (masked, spans)
}

// ---------------------------------------------------------------------------
// The checks.

/// The problems of one pair (see the module's documentation).
fn problems(pair: &Pair, banned: &[(String, String)]) -> Vec<Problem> {
    let mut found = Vec::new();
    let pieces = |text: &str| {
        if pair.is_format() {
            parse_format(text)
        } else {
            vec![Piece::Text(text.to_string())]
        }
    };
    let (en, ko) = (pieces(&pair.en), pieces(&pair.ko));
    if pair.is_format() {
        let positional_args = pair.args.iter().filter(|(name, _)| name.is_none()).count();
        let holes = |pieces: &[Piece]| pieces.iter().filter(|p| **p == Piece::Hole(None)).count();
        let most = holes(&en).max(holes(&ko)).max(positional_args);
        if most >= 2 {
            found.push(Problem {
                kind: Kind::Positional,
                what: format!(
                    "{most} positional values ({{}}): name each (`{{got}}`, `{{total}}`) so that each language places it"
                ),
            });
        }
    }
    // Code alike in both languages (a hint that is one line of Rust), and
    // a language's code (`Lang::Ko => "ko"`): nothing to read as Korean.
    if pair.ko == pair.en || pair.ko == "ko" {
        return found;
    }
    let (masked, spans) = mask(&ko);
    found.extend(english(&masked));
    found.extend(particles(&masked, &spans));
    for (variant, instead) in banned {
        if masked.contains(variant.as_str()) {
            found.push(Problem {
                kind: Kind::Term,
                what: format!("`{variant}`: the glossary's term is `{instead}`"),
            });
        }
    }
    found
}

/// English words in the masked Korean text.
fn english(masked: &str) -> Vec<Problem> {
    let mut found = Vec::new();
    let chars: Vec<char> = masked.chars().collect();
    // Runs of text between Korean letters.
    let mut i = 0;
    while i < chars.len() {
        if is_hangul(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !is_hangul(chars[i]) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let after_korean = start > 0 && is_hangul(chars[start - 1]);
        found.extend(english_in_run(&run, after_korean));
    }
    found
}

/// A run of text without Korean letters: its English words.
fn english_in_run(run: &str, after_korean: bool) -> Vec<Problem> {
    // Code: a statement, a block, an assignment, an arrow, a macro call.
    if [";", "{", "}", " = ", "=>", "->", "==", "!("]
        .iter()
        .any(|m| run.contains(m))
    {
        return Vec::new();
    }
    // A command line: `cargo xtask grade echo --seed …`.
    let run = match run.find("cargo ") {
        Some(at) => &run[..at],
        None => run,
    };
    // `수신(read)`: a gloss right after a Korean word, up to three words.
    let mut text = run;
    if after_korean
        && let Some(inner) = run.strip_prefix('(')
        && let Some(close) = inner.find(')')
        && inner[..close].split_whitespace().count() <= 3
    {
        text = &inner[close + 1..];
    }
    // A quoted name: `"Grade" 단계`, `"termination" 기능`.
    let mut unquoted = String::new();
    for (i, part) in text.split('"').enumerate() {
        if i % 2 == 0 {
            unquoted.push_str(part);
        } else {
            unquoted.push(' ');
        }
    }
    // A call's arguments: `read(&mut buf)`, `Message::status(Code::Ok, count, "")`.
    let chars: Vec<char> = unquoted.chars().collect();
    let mut blanked = String::new();
    let mut depth = 0;
    for (i, &c) in chars.iter().enumerate() {
        let call = i > 0 && (chars[i - 1].is_alphanumeric() || "!_>".contains(chars[i - 1]));
        match c {
            '(' if depth > 0 || call => {
                depth += 1;
                blanked.push(c);
            }
            ')' if depth > 0 => {
                depth -= 1;
                blanked.push(c);
            }
            _ if depth > 0 => blanked.push(' '),
            _ => blanked.push(c),
        }
    }
    let mut found = Vec::new();
    for chunk in blanked.split_whitespace() {
        if chunk_is_code(chunk) {
            continue;
        }
        let chars: Vec<char> = chunk.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if !chars[i].is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars.get(i).copied();
            let prev = start.checked_sub(1).map(|p| chars[p]);
            // `f(Write)`: an argument.
            let argument = prev == Some('(') && start >= 2 && chars[start - 2].is_alphanumeric();
            // `--root`, `0x55`: a flag, a number.
            let flag = start >= 2 && chars[start - 1] == '-' && chars[start - 2] == '-';
            let number = prev.is_some_and(|c| c.is_ascii_digit());
            let code_like = matches!(next, Some('(' | '!' | '?' | '\''))
                || (prev == Some('\'') && next != Some('\''))
                || argument
                || flag
                || number
                || word.chars().any(|c| c.is_ascii_digit())
                || word.chars().all(|c| c.is_ascii_uppercase())
                || word.len() == 1
                || is_camel(&word)
                || ALLOWED.contains(&word.as_str());
            if !code_like {
                found.push(Problem {
                    kind: Kind::English,
                    what: format!("English `{word}` in `{}`", run.trim()),
                });
            }
        }
    }
    found
}

/// `a_b`, `a::b`, `src/x.rs`, `127.0.0.1:0`, `--flag`, `echo-server`,
/// `<ip>:<port>`: a name, not a word of a sentence.
fn chunk_is_code(chunk: &str) -> bool {
    let chars: Vec<char> = chunk.chars().collect();
    if chunk.starts_with('-') && chunk.len() > 1 {
        return true;
    }
    for (i, &c) in chars.iter().enumerate() {
        if "_<>=&#[]$@|\\*~^%+".contains(c) {
            return true;
        }
        let inner = i > 0 && i + 1 < chars.len();
        let between = inner && chars[i - 1].is_alphanumeric() && {
            let n = chars[i + 1];
            n.is_alphanumeric() || (c == ':' && n == ':')
        };
        if ".:/-".contains(c) && between {
            return true;
        }
    }
    false
}

fn is_camel(word: &str) -> bool {
    let mut seen_lower = false;
    for c in word.chars() {
        if c.is_ascii_lowercase() {
            seen_lower = true;
        } else if c.is_ascii_uppercase() && seen_lower {
            return true;
        }
    }
    false
}

/// The particles Korean writes after a noun, each as (after a consonant,
/// after a vowel); the first of the two for ㄹ, except `로`.
const PARTICLES: &[(&str, &str)] = &[
    ("으로", "로"),
    // The copula's forms (`3이면`, `2면`).
    ("이었", "였"),
    ("이면", "면"),
    ("이고", "고"),
    ("이며", "며"),
    ("이지만", "지만"),
    ("이므로", "므로"),
    ("이어야", "여야"),
    ("이나", "나"),
    ("이라", "라"),
    ("이", "가"),
    ("을", "를"),
    ("은", "는"),
    ("과", "와"),
];

/// A particle at the start of `korean` (a run of Korean letters right after
/// a value, a code span, a number or a word): its two forms and which it is.
fn particle_at(korean: &str) -> Option<(&'static str, &'static str, &'static str)> {
    for &(consonant, vowel) in PARTICLES {
        for form in [consonant, vowel] {
            if !korean.starts_with(form) {
                continue;
            }
            // A vowel form that is a whole word's start only counts alone
            // or before an ending (`…라는`, `…나`, `…면`).
            let rest = &korean[form.len()..];
            let alone = match form {
                "나" | "면" | "며" | "고" | "므로" | "지만" => rest.is_empty(),
                "라" => ["는", "고", ""].contains(&rest),
                _ => true,
            };
            if !alone {
                continue;
            }
            return Some((consonant, vowel, form));
        }
    }
    None
}

/// Particles after values, code spans, numbers and Latin words.
fn particles(masked: &str, spans: &[String]) -> Vec<Problem> {
    let mut found = Vec::new();
    let chars: Vec<char> = masked.chars().collect();
    let mut span = 0;
    for i in 0..chars.len() {
        if chars[i] == CODE {
            span += 1;
        }
        if i == 0 || !is_hangul(chars[i]) || is_hangul(chars[i - 1]) {
            continue;
        }
        let korean: String = chars[i..].iter().take_while(|&&c| is_hangul(c)).collect();
        let Some((consonant, vowel, form)) = particle_at(&korean) else {
            continue;
        };
        let before = chars[i - 1];
        // `…`라고, `…`라는: a direct quote, whatever it ends with.
        if (before == CODE || before == CODE_VALUE)
            && (korean.starts_with("라고") || korean.starts_with("라는"))
        {
            continue;
        }
        let context = context(&chars, i);
        if before == VALUE || before == CODE_VALUE {
            found.push(Problem {
                kind: Kind::Particle,
                what: format!(
                    "`{form}` after a value known only at run time ({context}): use josa(value, \"{consonant}/{vowel}\")"
                ),
            });
            continue;
        }
        let word = if before == CODE {
            spans.get(span - 1).cloned().unwrap_or_default()
        } else if before == ')' {
            // `큐(최대 1024줄)와`: the word before the parentheses.
            let mut depth = 0;
            let open = (0..i).rev().find(|&j| {
                match chars[j] {
                    ')' => depth += 1,
                    '(' => depth -= 1,
                    _ => {}
                }
                depth == 0
            });
            let Some(open) = open else { continue };
            let start = (0..open)
                .rev()
                .find(|&j| chars[j].is_whitespace() || [VALUE, CODE_VALUE].contains(&chars[j]))
                .map_or(0, |j| j + 1);
            let word: String = chars[start..open].iter().collect();
            if word.is_empty() || word.contains(CODE) {
                continue;
            }
            word
        } else if before.is_alphanumeric() {
            let start = (0..i)
                .rev()
                .find(|&j| {
                    chars[j].is_whitespace() || [VALUE, CODE, CODE_VALUE].contains(&chars[j])
                })
                .map_or(0, |j| j + 1);
            chars[start..i].iter().collect()
        } else {
            continue;
        };
        let end = josa::end(&word);
        let right = match end {
            End::Vowel => vowel,
            End::Rieul if vowel == "로" => vowel,
            _ => consonant,
        };
        if form != right {
            found.push(Problem {
                kind: Kind::Particle,
                what: format!("`{word}{form}` should be `{word}{right}` ({context})"),
            });
        }
    }
    found
}

/// The masked text around `i`, placeholders shown as `{…}`.
fn context(chars: &[char], i: usize) -> String {
    let from = i.saturating_sub(12);
    let to = (i + 6).min(chars.len());
    chars[from..to]
        .iter()
        .map(|&c| match c {
            VALUE => "{…}".to_string(),
            CODE => "`…`".to_string(),
            CODE_VALUE => "`{…}`".to_string(),
            c => c.to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Rendering with sample values.

/// A sample for a placeholder, by its name or expression (its first
/// identifier that says what it holds).
fn sample(expr: &str) -> String {
    const NOISE: &[&str] = &[
        "self",
        "lang",
        "ctx",
        "escape",
        "format",
        "as_bytes",
        "to_string",
        "len",
        "clone",
        "display",
        "describe",
        "get",
        "super",
        "client",
        "crate",
        "grade",
    ];
    let first = expr
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|w| {
            !w.is_empty() && !NOISE.contains(w) && !w.starts_with(|c: char| c.is_ascii_digit())
        })
        .unwrap_or("")
        .to_ascii_lowercase();
    let has = |w: &str| first.contains(w);
    if has("addr") || has("peer") || has("asked") || has("default") {
        "127.0.0.1:36033".into()
    } else if has("program") || has("bin") || has("stem") {
        "echo-server".into()
    } else if has("who") {
        "`bob`".into()
    } else if has("name") {
        "bob".into()
    } else if has("status") {
        "BAD_NAME".into()
    } else if has("code") || has("exit") {
        "3".into()
    } else if has("path") || has("file") || has("dir") {
        "photo.bin".into()
    } else if has("err") || has("why") || has("message") || has("panic") {
        "connection refused".into()
    } else {
        "12".into()
    }
}

/// The pair's Korean text with sample values, as a student would read it.
fn render(pair: &Pair) -> String {
    if !pair.is_format() {
        return pair.ko.clone();
    }
    let mut positional = pair.args.iter().filter(|(n, _)| n.is_none());
    let named: BTreeMap<&str, &str> = pair
        .args
        .iter()
        .filter_map(|(n, e)| Some((n.as_deref()?, e.as_str())))
        .collect();
    let mut out = String::new();
    for piece in parse_format(&pair.ko) {
        match piece {
            Piece::Text(text) => out.push_str(&text),
            Piece::Hole(None) => {
                let expr = positional.next().map_or("", |(_, e)| e.as_str());
                out.push_str(&sample_of(expr, expr));
            }
            Piece::Hole(Some(name)) => {
                let expr = named.get(name.as_str()).copied().unwrap_or(name.as_str());
                out.push_str(&sample_of(&name, expr));
            }
        }
    }
    out
}

/// The sample of a value; through [`josa::josa`] when its expression calls it.
fn sample_of(name: &str, expr: &str) -> String {
    for (call, quoted) in [("josa_code(", true), ("josa(", false)] {
        let Some(args) = expr.split(call).nth(1) else {
            continue;
        };
        let value = sample(args.split(',').next().unwrap_or(""));
        let written = args.split('"').nth(1).unwrap_or("");
        // The particle as josa() takes it: one of the forms it knows.
        let particle = [
            "이/가",
            "을/를",
            "은/는",
            "와/과",
            "과/와",
            "(으)로",
            "이었/였",
            "(이)나",
            "(이)라는",
        ]
        .into_iter()
        .find(|p| *p == written)
        .unwrap_or("이/가");
        return match quoted {
            true => josa::josa_code(&value, particle),
            false => josa::josa(&value, particle),
        };
    }
    sample(name)
}

// ---------------------------------------------------------------------------
// Every pair of the grader.

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Files whose Korean literals are not messages: the particles' table, the
/// starters' check's term tables, and this file's planted mistakes.
const NOT_MESSAGES: &[&str] = &[
    "grade/josa.rs",
    "classroom/starters/check.rs",
    "grade/strings_check.rs",
];

/// Korean literals that are data, not messages: (file, the literal).
const NOT_MESSAGE_LITERALS: &[(&str, &str)] = &[
    // A chat name the server must refuse (not ASCII).
    ("grade/concurrent/limits.rs", "한글"),
];

/// Every pair of the sources and the hints files, and the Korean literals
/// outside any pair.
fn every_pair() -> (Vec<Pair>, Vec<(String, usize, String)>) {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let (mut pairs, mut unpaired) = (Vec::new(), Vec::new());
    for path in files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if NOT_MESSAGES.contains(&rel.as_str()) {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        let (found, loose) = pairs_in(&rel, &src);
        pairs.extend(found);
        unpaired.extend(
            loose
                .into_iter()
                .filter(|(_, s)| !NOT_MESSAGE_LITERALS.contains(&(rel.as_str(), s.as_str())))
                .map(|(line, s)| (rel.clone(), line, s)),
        );
    }
    for exercise in super::exercises::all() {
        let text = crate::hint::source(exercise.name).unwrap();
        let file = format!("hints of {}", exercise.name);
        for (n, hint) in crate::hint::parse(text).unwrap().into_iter().enumerate() {
            pairs.push(Pair {
                file: file.clone(),
                line: n + 1,
                form: Form::Hint,
                format: false,
                en: hint.en,
                ko: hint.ko,
                args: Vec::new(),
            });
        }
    }
    (pairs, unpaired)
}

/// The book's banned variants (book/builder/src/parity.rs) and the grader's.
fn banned_terms() -> Vec<(String, String)> {
    let parity = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/builder/src/parity.rs");
    let mut terms: Vec<(String, String)> = GRADER_BANNED
        .iter()
        .map(|&(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let Ok(text) = std::fs::read_to_string(parity) else {
        return terms;
    };
    let Some(list) = text.split("pub const BANNED_KOREAN").nth(1) else {
        return terms;
    };
    let list = list.split("];").next().unwrap_or("");
    let tokens = lex(list);
    for (i, t) in tokens.iter().enumerate() {
        let strs = |j: usize| match tokens.get(j).map(|t| &t.tok) {
            Some(Tok::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match &t.tok {
            // banned("variant", "instead")
            Tok::Ident(n) if n == "banned" => {
                if let (Some(a), Some(b)) = (strs(i + 2), strs(i + 4)) {
                    terms.push((a, b));
                }
            }
            // BannedTerm { variant: "…", unless_after: …, use_instead: "…" }: a
            // variant inside a longer term (반 닫기 in 절반 닫기) is checked by the book.
            _ => {}
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(form: Form, en: &str, ko: &str, args: &[(Option<&str>, &str)]) -> Pair {
        Pair {
            file: "planted.rs".into(),
            line: 1,
            form,
            format: form == Form::Tr,
            en: en.into(),
            ko: ko.into(),
            args: args
                .iter()
                .map(|(n, e)| (n.map(String::from), e.to_string()))
                .collect(),
        }
    }

    fn kinds(pair: &Pair) -> Vec<Kind> {
        problems(pair, &banned_terms())
            .into_iter()
            .map(|p| p.kind)
            .collect()
    }

    /// Every message and hint of the grader passes the check.
    #[test]
    fn every_message_and_hint_reads_as_korean() {
        let (pairs, unpaired) = every_pair();
        let banned = banned_terms();
        assert!(
            banned.iter().any(|(v, _)| v == "표준 에러"),
            "the book's banned terms were not read: {banned:?}"
        );
        let mut report = String::new();
        let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
        for pair in &pairs {
            for problem in problems(pair, &banned) {
                *counts.entry(problem.kind).or_default() += 1;
                let _ = writeln!(
                    report,
                    "{}:{} [{:?}] {}\n    ko: {}\n    en: {}",
                    pair.file,
                    pair.line,
                    problem.kind,
                    problem.what,
                    render(pair),
                    pair.en
                );
            }
        }
        for (file, line, text) in &unpaired {
            *counts.entry(Kind::Unpaired).or_default() += 1;
            let _ = writeln!(
                report,
                "{file}:{line} [Unpaired] a Korean string outside tr!/Text/pick/Lang arms: {text:?}"
            );
        }
        if let Ok(dump) = std::env::var("STRINGS_DUMP") {
            let mut all = String::new();
            for pair in &pairs {
                let _ = writeln!(
                    all,
                    "{}:{} {:?}\n  en: {}\n  ko: {}\n",
                    pair.file,
                    pair.line,
                    pair.form,
                    pair.en,
                    render(pair)
                );
            }
            std::fs::write(dump, all).unwrap();
        }
        let by_form = |form: Form| pairs.iter().filter(|p| p.form == form).count();
        eprintln!(
            "strings check: {} pairs (tr! {}, Text {}, pick {}, match arms {}, side by side {}, hints {})",
            pairs.len(),
            by_form(Form::Tr),
            by_form(Form::Text),
            by_form(Form::Pick),
            by_form(Form::Arm),
            by_form(Form::Side),
            by_form(Form::Hint),
        );
        // The scanner found the grader's messages, not a handful.
        assert!(
            by_form(Form::Tr) > 150 && by_form(Form::Hint) > 150,
            "{}",
            pairs.len()
        );
        assert!(report.is_empty(), "{counts:?}\n{report}");
    }

    #[test]
    fn finds_the_forms_of_a_message() {
        let src = r##"
            fn f(lang: Lang) -> String {
                let a = tr!(lang, "got {got} of {total}", "{total} 중 {got}", got = n, total = m.len());
                let b = lang.pick("yes", "예");
                let c = Text { en: "a \"quoted\" one", ko: "따옴표" };
                let d = match (step, lang) { (S, Lang::En) => "read", (S, Lang::Ko) => "수신(read)" };
                let e = r#"한국어"#; // not a message: flagged as unpaired
                a
            }
            #[cfg(test)]
            mod tests { const X: &str = "시험"; }
        "##;
        let (pairs, unpaired) = pairs_in("x.rs", src);
        let forms: Vec<Form> = pairs.iter().map(|p| p.form).collect();
        assert_eq!(forms, [Form::Tr, Form::Pick, Form::Text, Form::Arm]);
        assert_eq!(pairs[0].args[1], (Some("total".into()), "m.len()".into()));
        assert_eq!(pairs[2].en, "a \"quoted\" one");
        assert_eq!(pairs[3].ko, "수신(read)");
        assert_eq!(unpaired, [(7, "한국어".to_string())]);
    }

    #[test]
    fn a_planted_english_word_fails() {
        let planted = pair(
            Form::Tr,
            "every ENTRY or STATUS frame",
            "모든 ENTRY or STATUS 프레임",
            &[],
        );
        assert_eq!(kinds(&planted), [Kind::English]);
        let planted = pair(Form::Pick, "(wrong digest)", "파일 (wrong digest)", &[]);
        assert_eq!(kinds(&planted), [Kind::English, Kind::English]);
        // What is not English prose.
        for fine in [
            "`--listen 127.0.0.1:0`으로 실행합니다",
            "수신(read)에서 STATUS BAD_NAME이 왔습니다",
            "let n = s.read(&mut buf)?; 다음 줄",
            "TcpListener::bind와 read()를 echo-server에서 64 KiB씩 씁니다",
            "IPv6 주소 [::1]:0에 바인드하세요",
            "src/bin/echo-server.rs 파일의 eprintln!으로 표준 오류에 씁니다",
        ] {
            let pair = pair(Form::Pick, "x", fine, &[]);
            assert_eq!(kinds(&pair), [], "{fine}");
        }
    }

    #[test]
    fn a_planted_wrong_particle_fails() {
        // After a value only known at run time: any literal particle.
        let planted = pair(
            Form::Tr,
            "{program} exited with code {code}",
            "{program}가 종료 코드 {code}로 끝났습니다",
            &[],
        );
        assert_eq!(kinds(&planted), [Kind::Particle, Kind::Particle]);
        // After a fixed code, number or word: the wrong form.
        for wrong in [
            "STATUS `BAD_NAME`를 받았습니다",
            "STATUS BAD_NAME를 받았습니다",
            "종료 코드 0로 끝났습니다",
            "IPv6을 씁니다",
            "`NOT_FOUND`을 알립니다",
        ] {
            let pair = pair(Form::Pick, "x", wrong, &[]);
            assert_eq!(kinds(&pair), [Kind::Particle], "{wrong}");
        }
        // Through josa(): right, and the sample shows it.
        let fixed = pair(
            Form::Tr,
            "{program} exited with code {code}",
            "{program_ga} 종료 코드 {code_ro} 끝났습니다",
            &[
                (Some("program_ga"), "josa(program, \"이/가\")"),
                (Some("code_ro"), "josa(code, \"(으)로\")"),
            ],
        );
        assert_eq!(kinds(&fixed), []);
        assert_eq!(render(&fixed), "echo-server가 종료 코드 3으로 끝났습니다");
        for right in [
            "STATUS `BAD_NAME`을 받았습니다",
            "종료 코드 0으로 끝났습니다",
            "`NOT_FOUND`를 알립니다",
            "수신(read)이 막혔습니다",
            "테스트 {n}개",
        ] {
            let pair = pair(Form::Tr, "x", right, &[]);
            assert_eq!(kinds(&pair), [], "{right}");
        }
    }

    #[test]
    fn two_positional_values_fail() {
        let planted = pair(
            Form::Tr,
            "only {} of its {} bytes had come back",
            "{}바이트 중 {}바이트만 돌아왔습니다",
            &[(None, "got"), (None, "total")],
        );
        assert_eq!(kinds(&planted), [Kind::Positional]);
        let one = pair(Form::Tr, "{} bytes", "{}바이트", &[(None, "n")]);
        assert_eq!(kinds(&one), []);
        let named = pair(
            Form::Tr,
            "only {got} of its {total} bytes had come back",
            "{total}바이트 중 {got}바이트만 돌아왔습니다",
            &[],
        );
        assert_eq!(kinds(&named), []);
    }

    #[test]
    fn a_banned_term_fails() {
        let planted = pair(Form::Text, "x", "표준 에러에 씁니다", &[]);
        assert_eq!(kinds(&planted), [Kind::Term]);
        let planted = pair(Form::Text, "x", "준비 줄을 출력합니다", &[]);
        assert_eq!(kinds(&planted), [Kind::Term]);
        let fine = pair(Form::Text, "x", "준비 완료 줄을 출력합니다", &[]);
        assert_eq!(kinds(&fine), []);
    }
}
