//! Finding message pairs in the tokens: tr!, Text, pick, Lang arms, arrays
//! side by side, test modules, arguments.

use std::fmt::Write as _;

use super::lex::{Tok, Token, has_hangul, lex};
use super::{Form, Pair};

/// The pairs of one source file, and its Korean literals that are in none.
pub(super) fn pairs_in(file: &str, src: &str) -> (Vec<Pair>, Vec<(usize, String)>) {
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
