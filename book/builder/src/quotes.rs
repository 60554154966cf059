//! Double quotes in the Korean book: curled by the builder, checked in the
//! built pages.
//!
//! mdBook's smart punctuation (pulldown-cmark) decides whether a straight `"`
//! opens or closes a quotation from the characters on both sides. A closing
//! quote followed by a letter counts as one that could open, and in Korean a
//! particle always follows a quotation without a space: `"공유기"는` came out
//! as `“공유기“는`, `"Disk quota exceeded"와` as `“Disk quota exceeded“와`.
//!
//! So the builder's preprocessor curls the Korean book's quotes itself
//! ([`curl`]): in each block of prose (a paragraph, a heading, a table cell, a
//! list item's text) the quotes alternate, opening, closing, opening, ... (a
//! block with an odd number falls back to the character before each quote).
//! Quotes in code, in HTML and after a backslash stay as they are. mdBook
//! then finds curly quotes and leaves them alone.
//!
//! [`check_book`] runs on every build: an opening quote `“` straight after a
//! Hangul syllable, a letter, a digit or a closing mark (`.`, `)`, ...) in a
//! built page's text is a closing quote turned the wrong way, and fails the
//! build with the page and line.

use std::path::Path;

use anyhow::Result;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::html;

/// `markdown` with every straight double quote of its prose curled.
pub fn curl(markdown: &str) -> String {
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new()];
    // The options mdBook renders with (mdbook-markdown), without smart
    // punctuation: quotes stay in Text events.
    let mut options = Options::empty();
    for o in [
        Options::ENABLE_TABLES,
        Options::ENABLE_FOOTNOTES,
        Options::ENABLE_STRIKETHROUGH,
        Options::ENABLE_TASKLISTS,
        Options::ENABLE_HEADING_ATTRIBUTES,
        Options::ENABLE_DEFINITION_LIST,
        Options::ENABLE_GFM,
    ] {
        options.insert(o);
    }
    let mut in_code = false;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(tag) if !is_inline(&tag) => blocks.push(Vec::new()),
            Event::End(tag) if !is_inline_end(&tag) => blocks.push(Vec::new()),
            Event::Text(_) if !in_code => {
                let current = blocks.last_mut().expect("one block at least");
                for (at, _) in markdown[range.clone()].match_indices('"') {
                    let at = range.start + at;
                    if !markdown[..at].ends_with('\\') {
                        current.push(at);
                    }
                }
            }
            _ => {}
        }
    }

    let mut opening = Vec::new(); // (byte offset, opens?)
    for block in blocks.iter().filter(|b| !b.is_empty()) {
        let balanced = block.len() % 2 == 0;
        for (i, &at) in block.iter().enumerate() {
            let opens = if balanced {
                i % 2 == 0
            } else {
                markdown[..at].chars().next_back().is_none_or(opens_after)
            };
            opening.push((at, opens));
        }
    }
    opening.sort_unstable();
    let mut out = String::with_capacity(markdown.len() + opening.len() * 2);
    let mut from = 0;
    for (at, opens) in opening {
        out.push_str(&markdown[from..at]);
        out.push(if opens { '“' } else { '”' });
        from = at + 1;
    }
    out.push_str(&markdown[from..]);
    out
}

/// Inline tags: their text belongs to the block around them.
fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
    )
}

fn is_inline_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image
    )
}

/// A quote after this character opens a quotation: after white space or an
/// opening bracket or dash.
fn opens_after(c: char) -> bool {
    c.is_whitespace() || "([{<“‘—–-/|*_~".contains(c)
}

/// An opening quote after this character is a closing one turned the wrong
/// way: a Hangul syllable, a letter or digit of any script, or a mark that ends
/// a phrase.
fn closes_after(c: char) -> bool {
    c.is_alphanumeric() || ".,!?;:)]}…%".contains(c)
}

/// A wrong opening quote in a built page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongQuote {
    /// 1-based line in the page.
    pub line: usize,
    /// The text around it (`“공유기“는 대개`).
    pub context: String,
}

/// Elements whose content is not prose: code is one letter to the check
/// (`“<code>bind</code>“는` is wrong too), the others a space.
const NOT_PROSE: [&str; 4] = ["code", "pre", "script", "style"];

/// The wrong opening quotes in one built page. Tags are read, not parsed
/// (mdBook's output is regular): a block tag is a space to the check, any
/// other tag nothing; line numbers are the page's. A plain scan, not regular
/// expressions: it runs on every page of every build, in the dev profile.
pub fn wrong_quotes(page: &str) -> Vec<WrongQuote> {
    let mut text: Vec<char> = Vec::new(); // the page's text as the check sees it
    let mut found: Vec<(usize, usize)> = Vec::new(); // (line, index in text)
    let mut line = 1;
    let mut skipping: Option<&str> = None; // inside <pre>, <code>, ...
    let mut rest = page;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let (tag, len) = if rest.starts_with("<!--") {
                ("", rest.find("-->").map_or(rest.len(), |e| e + 3))
            } else {
                let len = rest.find('>').map_or(rest.len(), |e| e + 1);
                (&rest[..len], len)
            };
            line += rest[..len].matches('\n').count();
            rest = &rest[len..];
            let closing = tag.starts_with("</");
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            match skipping {
                Some(open) if closing && name == open => {
                    skipping = None;
                    text.push(if open == "code" { 'x' } else { ' ' });
                }
                Some(_) => {}
                None if !closing && NOT_PROSE.contains(&name.as_str()) => {
                    skipping = NOT_PROSE.iter().copied().find(|n| *n == name);
                }
                None if html::BLOCK_TAGS.contains(&name.as_str()) => text.push(' '),
                None => {}
            }
            continue;
        }
        let mut len = c.len_utf8();
        if c == '\n' {
            line += 1;
        }
        if skipping.is_none() {
            let mut c = c;
            if c == '&'
                && let Some(end) = rest[..rest.len().min(12)].find(';')
            {
                let decoded = html::decode_entities(&rest[..=end]);
                if decoded.chars().count() == 1 {
                    c = decoded.chars().next().expect("one char");
                    len = end + 1;
                }
            }
            if c == '“' && text.last().is_some_and(|p| closes_after(*p)) {
                found.push((line, text.len()));
            }
            text.push(c);
        }
        rest = &rest[len..];
    }
    found
        .into_iter()
        .map(|(line, at)| {
            let from = at.saturating_sub(12);
            let to = (at + 10).min(text.len());
            let context: String = text[from..to].iter().collect();
            WrongQuote {
                line,
                context: context.split_whitespace().collect::<Vec<_>>().join(" "),
            }
        })
        .collect()
}

/// Every wrong opening quote in a built book (print.html left out: it repeats
/// the chapters), as `page:line: context`.
pub fn check_book(book_out: &Path) -> Result<Vec<String>> {
    html::find_in_pages(book_out, |source| {
        wrong_quotes(source)
            .into_iter()
            .map(|wrong| (wrong.line, wrong.context))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curls_quotes_before_particles() {
        assert_eq!(
            curl("가정용 \"공유기\"는 대개 NAT를 합니다.\n"),
            "가정용 “공유기”는 대개 NAT를 합니다.\n"
        );
        assert_eq!(
            curl("\"Disk quota exceeded\"와 함께, \"종료.\"라고 \"**굵게**\"는\n"),
            "“Disk quota exceeded”와 함께, “종료.”라고 “**굵게**”는\n"
        );
        assert_eq!(
            curl("| 열 |\n|---|\n| \"보내라\"를 보냅니다 |\n"),
            "| 열 |\n|---|\n| “보내라”를 보냅니다 |\n"
        );
        // Each block pairs its own quotes.
        assert_eq!(
            curl("# \"소켓\"이란\n\n- \"하나\"와\n- \"둘\"\n"),
            "# “소켓”이란\n\n- “하나”와\n- “둘”\n"
        );
    }

    #[test]
    fn leaves_code_html_and_escapes_alone() {
        let text = "`\"a\"`는 \\\"그대로\\\"\n\n```rust\nlet s = \"소켓\";\n```\n\n\
                    <span title=\"x\">y</span>\n\n[링크](a.html \"제목\")\n\n    let t = \"들여쓰기\";\n";
        assert_eq!(curl(text), text);
        assert_eq!(
            curl("`read`가 \"끝\"을 `0`으로 알립니다\n"),
            "`read`가 “끝”을 `0`으로 알립니다\n"
        );
    }

    #[test]
    fn an_odd_quote_goes_by_the_character_before_it() {
        assert_eq!(curl("화면은 15\"입니다\n"), "화면은 15”입니다\n");
        assert_eq!(curl("\"열기만 하고\n\n\"닫기\n"), "“열기만 하고\n\n“닫기\n");
    }

    #[test]
    fn finds_wrong_quotes_in_a_page() {
        let page = "<p>가정용 “공유기“는 대개</p>\n<p>“<code>read</code>“가 0</p>\n\
                    <p>“맞음”은 <em>“강조”</em>(“괄호”)</p><td>끝</td><td>“셀”</td>\n\
                    <pre><code>let s = \"a“b\";</code></pre> “exceeded“와";
        let found = wrong_quotes(page);
        let lines: Vec<usize> = found.iter().map(|w| w.line).collect();
        assert_eq!(lines, [1, 2, 4], "{found:?}");
        assert!(
            found[0].context.starts_with("가정용 “공유기“는 대개"),
            "{found:?}"
        );
        assert!(found[2].context.ends_with("“exceeded“와"), "{found:?}");
    }
}
