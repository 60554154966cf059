//! The check that keeps the starters' twins paired and equivalent (see
//! [`super`]): run on every starter by [`tests::every_starter_text_has_its_twin`].

use std::collections::BTreeSet;

use super::{Syntax, blocks, comment, has_letters, localize, pair, todo_at};
use crate::grade::lang::Lang;

/// Glossary terms (book/ko/src/appendix/glossary.md) whose first use in a
/// starter's Korean text carries the English word in parentheses.
const TERMS: &[(&str, &str)] = &[
    ("소켓", "socket"),
    ("바인드", "bind"),
    ("리슨", "listen"),
    ("수락", "accept"),
    ("절반 닫기", "half-close"),
    ("표준 출력", "stdout"),
    ("표준 오류", "stderr"),
    ("표준 입력", "stdin"),
    ("프레임", "frame"),
    ("프레이밍", "framing"),
    ("다이제스트", "digest"),
    ("임시 파일", "temporary file"),
    ("태스크", "task"),
];

/// Korean variants the book bans (book/builder/src/parity.rs,
/// `BANNED_KOREAN`), with the term to use instead.
const BANNED: &[(&str, &str)] = &[
    ("표준 에러", "표준 오류"),
    ("스타터", "시작 코드"),
    ("시작 크레이트", "시작 코드"),
    ("참조 풀이", "참고 답안"),
    ("연습 문제", "실습"),
    ("리슨 소켓", "리스닝 소켓"),
    ("동시 서버", "동시성 서버"),
    ("명령행", "명령줄"),
    ("윈도우", "윈도 (TCP) or Windows"),
    ("러스트", "Rust"),
    ("리눅스", "Linux"),
    ("유닉스", "Unix"),
    ("청크", "조각"),
    ("송신 측", "송신자"),
    ("수신 측", "수신자"),
    ("칸의 규칙", "Karn의 규칙"),
    ("회복 중", "복구 중"),
    ("회복을", "복구를"),
    ("빈자리가 채워", "빈틈이 메워"),
    ("ACK가", "ACK이"),
    ("ACK를", "ACK을"),
    ("ACK로", "ACK으로"),
    ("ACK와", "ACK과"),
    ("ACK는", "ACK은"),
];

/// ACK reads 액, and so does every identifier that ends in `ack`
/// (`self.ack`, `last_ack`): the particles after them are those after a
/// consonant. The variant written after a vowel, and the right one.
const ACK_PARTICLES: [(char, &str); 5] = [
    ('가', "이"),
    ('를', "을"),
    ('로', "으로"),
    ('와', "과"),
    ('는', "은"),
];

/// What breaks the glossary's terms in a Korean text: each banned variant
/// and each particle after a word or code ending in `ack` (`self.ack`를,
/// ack로), as a message.
fn korean_terms(ko: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (variant, instead) in BANNED {
        if ko.contains(variant) {
            problems.push(format!("`{variant}`: the glossary's term is `{instead}`"));
        }
    }
    let lower = ko.to_ascii_lowercase();
    for (at, _) in lower.match_indices("ack") {
        let after = &ko[at + 3..];
        let after = after.strip_prefix('`').unwrap_or(after);
        let Some(next) = after.chars().next() else {
            continue;
        };
        if let Some((wrong, right)) = ACK_PARTICLES.iter().find(|(p, _)| *p == next)
            && !ACK_PARTICLES.iter().any(|(p, _)| {
                // The variant list above already names prose's ACK가.
                ko[at..].starts_with(&format!("ACK{p}"))
            })
        {
            let word_start = ko[..at]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '`')))
                .map_or(0, |i| i + ko[i..].chars().next().map_or(1, char::len_utf8));
            let word = &ko[word_start..at + 3 + (ko[at + 3..].starts_with('`') as usize)];
            problems.push(format!(
                "`{word}{wrong}`: ACK reads 액, write `{word}{right}`"
            ));
        }
    }
    problems
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// What breaks the two-language rules in a starter file (one line each,
/// naming the line): see the module's documentation.
pub fn check(text: &str, syntax: Syntax) -> Vec<String> {
    let mut problems = Vec::new();
    // The structure first: the same walk as the export.
    for lang in [Lang::En, Lang::Ko] {
        if let Err(e) = localize(text, syntax, lang) {
            problems.push(e);
            return problems;
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    let blocks = blocks(&lines, syntax);
    // Korean text in file order, for the terms' first use.
    let mut korean: Vec<(usize, String)> = Vec::new();
    for block in &blocks {
        let before_todo = lines
            .get(block.end)
            .is_some_and(|l| syntax == Syntax::Rust && l.trim_start().starts_with("todo!("));
        let Ok(paired) = pair(block, before_todo) else {
            continue;
        };
        for (en, ko) in &paired.pairs {
            let (en_text, ko_text) = (en.text(), ko.text());
            problems.extend(compare(en.line, &en_text, ko.line, &ko_text, false));
            korean.push((ko.line, ko_text));
        }
        if let Some(twin) = paired.twin {
            let Some(Ok(todo)) = todo_at(&lines, block.end) else {
                continue;
            };
            problems.extend(compare(
                block.end + 1,
                &todo.message,
                twin.line,
                &twin.text(),
                true,
            ));
            korean.push((twin.line, twin.text()));
        }
    }
    problems.extend(first_uses(&korean));
    if syntax == Syntax::Rust {
        for (i, line) in lines.iter().enumerate() {
            if comment(line, syntax).is_some() {
                continue;
            }
            if let Some(at) = trailing_comment(line)
                && has_letters(&line[at..])
            {
                problems.push(format!(
                    "line {}: a comment after code has no Korean twin: put it on lines of its own, with `en:` and `ko:`",
                    i + 1
                ));
            }
            if line.contains("todo!(") && !line.trim_start().starts_with("todo!(") {
                problems.push(format!(
                    "line {}: a todo!() must start its line (the export replaces its message)",
                    i + 1
                ));
            }
        }
    }
    problems
}

/// Where an English text and its Korean twin differ in what must be the same.
fn compare(en_line: usize, en: &str, ko_line: usize, ko: &str, todo: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut say =
        |what: String| problems.push(format!("line {ko_line} (twin of line {en_line}): {what}"));
    if en.chars().any(is_hangul) {
        say("the English text has Hangul".into());
    }
    if !ko.chars().any(is_hangul) {
        say("the Korean text has no Hangul".into());
    }
    for problem in korean_terms(ko) {
        say(problem);
    }
    let (en_code, ko_code) = if todo {
        (api_names(en), api_names(ko))
    } else {
        match (code_spans(en), code_spans(ko)) {
            (Some(en), Some(ko)) => (en, ko),
            _ => {
                say("a backtick without its pair".into());
                return problems;
            }
        }
    };
    let kind = if todo { "API names" } else { "inline code" };
    for (only, side) in [
        (&en_code - &ko_code, "English"),
        (&ko_code - &en_code, "Korean"),
    ] {
        if !only.is_empty() {
            say(format!("{kind} only in the {side}: {only:?}"));
        }
    }
    let (en_num, ko_num) = (numbers(en), numbers(ko));
    for (only, side) in [
        (&en_num - &ko_num, "English"),
        (&ko_num - &en_num, "Korean"),
    ] {
        if !only.is_empty() {
            say(format!("numbers only in the {side}: {only:?}"));
        }
    }
    problems
}

/// The inline code of a Markdown text, whitespace squeezed; `None` if a
/// backtick has no pair.
fn code_spans(text: &str) -> Option<BTreeSet<String>> {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return None;
    }
    Some(
        parts
            .iter()
            .skip(1)
            .step_by(2)
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect(),
    )
}

/// The names in a `todo!()` message that a translation keeps as they are:
/// paths (`TcpListener::bind`), calls (`read(`, `println!`), snake_case and
/// CamelCase names, and frame kinds (`STATUS`).
fn api_names(text: &str) -> BTreeSet<String> {
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.');
    let chars: Vec<char> = text.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if !word(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && word(chars[i]) {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        let name = name.trim_matches(|c| c == ':' || c == '.');
        let call = matches!(chars.get(i), Some('(' | '!'));
        let upper = name.chars().filter(char::is_ascii_uppercase).count();
        let letters = name.chars().filter(char::is_ascii_alphabetic).count();
        let keep = name.contains("::")
            || name.contains('_')
            || (call && letters > 0)
            || (letters >= 2 && upper == letters)
            || (upper >= 2 && name.starts_with(|c: char| c.is_ascii_uppercase()));
        if keep {
            names.insert(name.to_string());
        }
    }
    names
}

fn numbers(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first use of each glossary term in a file's Korean text must give
/// the English word in parentheses: `소켓(socket)`, `**바인드**(bind)`.
fn first_uses(korean: &[(usize, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (term, english) in TERMS {
        let Some((line, text, at)) = korean
            .iter()
            .find_map(|(line, text)| text.find(term).map(|at| (line, text, at)))
        else {
            continue;
        };
        let after = text[at + term.len()..].trim_start_matches('*');
        let after = after.split_whitespace().collect::<Vec<_>>().join(" ");
        if !after.starts_with(&format!("({english}")) {
            problems.push(format!(
                "line {line}: the first `{term}` in this file's Korean needs `({english})` after it"
            ));
        }
    }
    problems
}

/// The byte offset of a `//` comment after code on `line`, if any (strings
/// and character literals are skipped).
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::Path;

    #[test]
    fn the_check_names_what_lacks_a_twin_or_differs() {
        let problems = |text: &str| check(text, Syntax::Rust).join("\n");
        assert!(problems("/// Plain English.\nfn f() {}\n").contains("without `en:` and `ko:`"));
        assert!(problems("/// en: Alone.\nfn f() {}\n").contains("its `ko:` twin"));
        assert!(problems("fn f() {\n    todo!(\"x\")\n}\n").contains("Korean twin"));
        assert!(problems("const A: u8 = 1; // one\n").contains("comment after code"));
        let differs =
            problems("/// en: Use `read` 4 times.\n/// ko: `write`를 3번 씁니다.\nfn f() {}\n");
        assert!(
            differs.contains("inline code only in the English: {\"read\"}"),
            "{differs}"
        );
        assert!(
            differs.contains("numbers only in the Korean: {\"3\"}"),
            "{differs}"
        );
        let todo = problems(
            "fn f() {\n    // ko: read_frame을 부릅니다\n    todo!(\"call read_exact\")\n}\n",
        );
        assert!(
            todo.contains("API names only in the English: {\"read_exact\"}"),
            "{todo}"
        );
        assert!(
            problems("/// en: The socket.\n/// ko: 소켓입니다.\nfn f() {}\n").contains("(socket)")
        );
        assert!(
            problems("/// en: To stderr.\n/// ko: 표준 에러(stderr)로.\nfn f() {}\n")
                .contains("표준 오류")
        );
        assert!(problems("/// en: x\n/// ko: 엑스\nfn f() {}\n").is_empty());
    }

    /// The reliable-UDP variants and ACK's particles, planted in a
    /// starter's Korean text and in a `todo!()`'s twin.
    #[test]
    fn the_check_finds_rdt_variants_and_acks_particles() {
        let problems = |text: &str| check(text, Syntax::Rust).join("\n");
        let planted = problems(
            "/// en: The sender sends each chunk; `self.ack` moves.\n\
             /// ko: 송신 측은 청크를 보내고 `self.ack`를 늘립니다. ACK가 오면 칸의 규칙.\n\
             fn f() {\n\
             \x20   // ko: on_ack: last_ack로 답하고 회복을 시작\n\
             \x20   todo!(\"on_ack: answer with last_ack, start a recovery\")\n\
             }\n",
        );
        for expected in [
            "`송신 측`: the glossary's term is `송신자`",
            "`청크`: the glossary's term is `조각`",
            "`칸의 규칙`: the glossary's term is `Karn의 규칙`",
            "`ACK가`: the glossary's term is `ACK이`",
            "``self.ack`를`: ACK reads 액, write ``self.ack`을`",
            "`last_ack로`: ACK reads 액, write `last_ack으로`",
            "`회복을`: the glossary's term is `복구를`",
        ] {
            assert!(planted.contains(expected), "{expected}\nin\n{planted}");
        }
        let right = problems(
            "/// en: The sender sends each chunk; `self.ack` moves.\n\
             /// ko: 송신자는 조각을 보내고 `self.ack`을 늘립니다. ACK이 오면 Karn의 규칙.\n\
             fn f() {}\n",
        );
        assert!(right.is_empty(), "{right}");
    }

    /// Each exercise's Korean README uses the glossary's terms too (the
    /// same lists as the starters' Korean text).
    #[test]
    fn every_korean_readme_uses_the_glossary_terms() {
        let exercises = Path::new(env!("CARGO_MANIFEST_DIR")).join("../exercises");
        let mut problems = Vec::new();
        let mut readmes = 0;
        for entry in fs::read_dir(&exercises).unwrap() {
            let readme = entry.unwrap().path().join("README.ko.md");
            let Ok(text) = fs::read_to_string(&readme) else {
                continue;
            };
            readmes += 1;
            for (n, line) in text.lines().enumerate() {
                for problem in korean_terms(line) {
                    problems.push(format!("{}:{}: {problem}", readme.display(), n + 1));
                }
            }
        }
        assert!(readmes >= 4, "{readmes} Korean READMEs");
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
        assert!(!korean_terms("누적 ACK로 답하고 청크를 보냅니다").is_empty());
    }

    #[test]
    fn trailing_comments_skip_strings_and_char_literals() {
        assert_eq!(trailing_comment("let a = \"http://x\";"), None);
        assert_eq!(trailing_comment("let c = '\"'; // q"), Some(13));
        assert_eq!(trailing_comment("fn f<'a>(x: &'a str) {} // y"), Some(24));
        assert_eq!(trailing_comment("let s = b'\\n'; // z"), Some(15));
    }

    /// Every starter of this repository: each English text has its Korean
    /// twin and the reverse, equivalent, and in the glossary's Korean.
    #[test]
    fn every_starter_text_has_its_twin() {
        let exercises = Path::new(env!("CARGO_MANIFEST_DIR")).join("../exercises");
        let mut files = Vec::new();
        let mut dirs = vec![exercises];
        while let Some(dir) = dirs.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
                    dirs.push(path);
                } else if let Some(syntax) = Syntax::of(&path) {
                    files.push((path, syntax));
                }
            }
        }
        assert!(files.len() >= 9, "{files:?}");
        let mut problems = Vec::new();
        let mut todos = 0;
        for (path, syntax) in &files {
            let text = fs::read_to_string(path).unwrap();
            todos += text.matches("todo!(").count();
            for problem in check(&text, *syntax) {
                problems.push(format!("{}: {problem}", path.display()));
            }
        }
        assert!(todos > 30, "{todos} todo!()s");
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }
}
