//! The checks of the Korean text: english, particle, positional, term.

use super::format::{CODE, CODE_VALUE, Piece, VALUE, mask, parse_format};
use super::lex::is_hangul;
use super::{Kind, Pair, Problem};
use crate::grade::josa::{self, End};

/// Words allowed in Korean text: units; tools and systems the book writes
/// in Latin letters too; Rust's keywords and the calls and types the book
/// names, written bare (`match하세요`, `accept 루프`).
pub(super) const ALLOWED: &[&str] = &[
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
    // People in the name of a term (`Karn의 규칙`, the glossary's).
    "Karn",
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
pub(super) const GRADER_BANNED: &[(&str, &str)] = &[("준비 줄", "준비 완료 줄")];

/// The problems of one pair (see the module's documentation).
pub(super) fn problems(pair: &Pair, banned: &[(String, String)]) -> Vec<Problem> {
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
