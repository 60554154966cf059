//! Rendering a pair with sample values, as a student would read it.

use std::collections::BTreeMap;

use super::Pair;
use super::format::{Piece, parse_format};
use crate::grade::josa;

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
pub(super) fn render(pair: &Pair) -> String {
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
