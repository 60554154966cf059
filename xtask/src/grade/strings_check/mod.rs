//! The grader's strings, checked (issue 15): every message and hint a student
//! reads exists in English and Korean, and the Korean one is read as Korean.
//!
//! What is found, by a small scanner over the text of xtask/src (no parser
//! crate): every `tr!(lang, "en", "ko", args)` and `tr_error!("en", "ko",
//! args)`, every `Text { en: "…", ko: "…" }`, every `.pick("en", "ko")`,
//! every `Lang::En => "…"` / `Lang::Ko => "…"` pair of match arms, and every
//! hint of every exercise's hints.toml.
//! A Korean string literal outside these forms fails the check too (code
//! outside `#[cfg(test)] mod … { }` only), so that no message escapes it.
//!
//! What fails, in the Korean text ([`problems`](rules::problems)):
//! - **english**: an English word outside a code span (`` `…` ``), a
//!   placeholder, an identifier or API name (snake_case, CamelCase, `a::b`,
//!   `f()`, `m!`, `x?`, a path or file name, a `--flag`, a hyphenated name
//!   such as `echo-server`), a name in capitals (protocol words and codes:
//!   STATUS, DATA, GET, TCP, BAD_NAME), a word with digits (IPv6), a gloss in
//!   parentheses right after a Korean word (`수신(read)`), a run of code
//!   (text with `;`, `{`, `=`…), or [`ALLOWED`](rules::ALLOWED) (units, tool and system names);
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
//!   `BANNED_KOREAN`, read from that file) or
//!   [`GRADER_BANNED`](rules::GRADER_BANNED).
//!
//! Each pair is also rendered with sample values (numbers, an address, a
//! program, a code), as a student would read it, for the failure's message.
//! `STRINGS_DUMP=FILE cargo test -p xtask --bin xtask -- strings_check`
//! writes every pair, rendered, to FILE for a reviewer.

use std::path::{Path, PathBuf};

use lex::{Tok, lex};
use pairs::pairs_in;
use rules::GRADER_BANNED;

mod format;
mod lex;
mod pairs;
mod render;
mod rules;
#[cfg(test)]
mod tests;

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
/// starters' check's term tables, and this check's own files (its particles'
/// table, its planted mistakes). A name ending in `/` is a folder.
const NOT_MESSAGES: &[&str] = &[
    "grade/josa.rs",
    "classroom/starters/check.rs",
    "grade/strings_check/",
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
        if NOT_MESSAGES
            .iter()
            .any(|n| rel == *n || (n.ends_with('/') && rel.starts_with(n)))
        {
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
