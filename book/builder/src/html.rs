//! Just enough HTML reading for the link check and the search index. The input
//! is mdBook's own output, which is regular: attributes in double quotes, ids
//! on headings, the chapter inside `<main>`.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result};
use regex::Regex;

/// Every `.html` file under `dir`, sorted.
pub fn pages(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    walk(dir, &mut |p| {
        if p.extension().is_some_and(|e| e == "html") {
            found.push(p.to_path_buf());
        }
    })?;
    found.sort();
    Ok(found)
}

/// What `find` reports in each page of a built book, as `page:line: context`
/// (`find` gives line numbers and contexts). print.html is left out: it
/// repeats every chapter, and a problem would be reported twice.
pub fn find_in_pages(
    book_out: &Path,
    find: impl Fn(&str) -> Vec<(usize, String)>,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for page in pages(book_out)? {
        if page.ends_with("print.html") {
            continue;
        }
        let source =
            fs::read_to_string(&page).with_context(|| format!("reading {}", page.display()))?;
        let name = page.strip_prefix(book_out).unwrap_or(&page).display();
        for (line, context) in find(&source) {
            found.push(format!("{name}:{line}: {context}"));
        }
    }
    Ok(found)
}

/// Calls `f` on every file under `dir` (recursively).
pub fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, f)?;
        } else {
            f(&path);
        }
    }
    Ok(())
}

static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<([a-z][a-z0-9]*)\b[^>]*?\s(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')"#)
        .expect("valid regex")
});
static ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
});
static SCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(script|style)\b.*?</(script|style)>").expect("valid regex")
});
static COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").expect("valid regex"));
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)</?([a-zA-Z][a-zA-Z0-9]*)?[^>]*>").expect("valid regex"));

/// Tags that break a line of text; any other tag (em, code, a, ...) joins its
/// text to the next without a space ("<em>끝점</em>입니다" is "끝점입니다").
pub const BLOCK_TAGS: [&str; 24] = [
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "blockquote",
    "section",
    "figure",
    "figcaption",
    "dt",
    "dd",
    "hr",
];
static SPACE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+").expect("valid regex"));

/// A link found in a page: the tag it sits on (`a`, `img`, `link`, ...) and its
/// `href` or `src`, with entities decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub tag: String,
    pub target: String,
    /// 1-based line in the page.
    pub line: usize,
}

/// The `href`s and `src`s in a page, scripts and comments left out (a script's
/// strings are not links).
pub fn links(html: &str) -> Vec<Link> {
    let cleaned = blank(&COMMENT, &blank(&SCRIPT, html));
    ATTR.captures_iter(&cleaned)
        .map(|c| {
            let whole = c.get(0).expect("match");
            let value = c.get(3).or(c.get(4)).map_or("", |m| m.as_str());
            Link {
                tag: c[1].to_ascii_lowercase(),
                target: decode_entities(value),
                line: cleaned[..whole.start()].matches('\n').count() + 1,
            }
        })
        .collect()
}

/// Every `id` (and `name`) in a page.
pub fn ids(html: &str) -> Vec<String> {
    ID.captures_iter(html)
        .map(|c| decode_entities(c.get(1).or(c.get(2)).map_or("", |m| m.as_str())))
        .collect()
}

/// Replaces each match with as many newlines as it held, so line numbers stay right.
fn blank(re: &Regex, text: &str) -> String {
    re.replace_all(text, |c: &regex::Captures<'_>| {
        "\n".repeat(c[0].matches('\n').count())
    })
    .into_owned()
}

/// The text of an HTML fragment: tags, scripts and comments removed, entities
/// decoded, white space collapsed.
pub fn text(fragment: &str) -> String {
    let no_code = blank(&COMMENT, &blank(&SCRIPT, fragment));
    let no_tags = TAG.replace_all(&no_code, |c: &regex::Captures<'_>| {
        let name = c.get(1).map_or("", |m| m.as_str()).to_ascii_lowercase();
        if BLOCK_TAGS.contains(&name.as_str()) {
            " "
        } else {
            ""
        }
    });
    SPACE
        .replace_all(decode_entities(&no_tags).trim(), " ")
        .into_owned()
}

/// Decodes the named entities mdBook writes and every numeric one.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes `%XX` escapes (as UTF-8); leaves anything malformed as it is.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_links_ids_and_text() {
        let page = "<p id=\"a\">x &amp; y</p>\n<script>var s = '<a href=\"nope.html\">';</script>\n\
                    <a class=\"header\" href=\"socket.html#the-socket\">S</a><img src='images/x.svg'>";
        let found = links(page);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].target, "socket.html#the-socket");
        assert_eq!(found[0].line, 3);
        assert_eq!(found[1].tag, "img");
        assert_eq!(ids(page), ["a"]);
        assert_eq!(text(page), "x & y S");
        assert_eq!(
            text("<p>소켓은 <em>끝점</em>입니다.</p><p>둘</p>"),
            "소켓은 끝점입니다. 둘"
        );
        assert_eq!(percent_decode("%EC%86%8C%EC%BC%93"), "소켓");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(decode_entities("&#39;a&#x27; &bogus"), "'a' &bogus");
    }
}
