//! The search index for Korean (and any CJK) queries: `search-cjk.js`.
//!
//! mdBook's own search (elasticlunr) drops Hangul when it builds its index
//! (rust-lang/mdBook#1081), so a Korean query finds nothing. After mdBook has
//! built a book, this module reads the built pages and writes every section
//! (a heading and the text up to the next heading) with its page title and URL
//! into `search-cjk.js` as `window.socketLabSearch = {"docs": [...]}`.
//! `book/theme/socket-lab.js` loads that file with a `<script>` tag (which,
//! unlike `fetch`, works from `file://`) and answers CJK queries by substring
//! matching. Reading the built HTML, not the Markdown, gives the text after
//! `{{#include}}` and the exact heading ids mdBook chose.

use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result};
use regex::Regex;
use serde_json::json;

use crate::html;

/// The file written next to each book's pages.
pub const FILE: &str = "search-cjk.js";

/// Pages that are not chapters: the index repeats the first chapter, print
/// repeats them all, toc is the sidebar, 404 is the error page.
const NOT_CHAPTERS: [&str; 4] = ["index.html", "print.html", "toc.html", "404.html"];

/// One searchable section of a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `socket.html#the-socket-api`, relative to the book's root.
    pub url: String,
    /// The chapter's title (its first heading).
    pub title: String,
    /// This section's heading (the title again for the chapter's opening).
    pub heading: String,
    /// The section's text.
    pub text: String,
}

static MAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<main>(.*)</main>").expect("valid regex"));
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)<h([1-6])\b[^>]*?\sid="([^"]*)"[^>]*>(.*?)</h[1-6]>"#).expect("valid regex")
});
static TOC_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r##"href="([^"#?]+\.html)""##).expect("valid regex"));

/// The sections of every chapter of a built book, in the order of its table of contents.
pub fn sections(book_out: &Path) -> Result<Vec<Section>> {
    let mut order: Vec<String> = Vec::new();
    if let Ok(toc) = fs::read_to_string(book_out.join("toc.html")) {
        for c in TOC_LINK.captures_iter(&toc) {
            let page = html::percent_decode(&c[1]);
            if !order.contains(&page) {
                order.push(page);
            }
        }
    }
    let mut pages: Vec<String> = html::pages(book_out)?
        .iter()
        .filter_map(|p| p.strip_prefix(book_out).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| !NOT_CHAPTERS.contains(&p.as_str()))
        .collect();
    pages.sort_by_key(|p| order.iter().position(|o| o == p).unwrap_or(usize::MAX));

    let mut all = Vec::new();
    for page in pages {
        let source =
            fs::read_to_string(book_out.join(&page)).with_context(|| format!("reading {page}"))?;
        all.extend(page_sections(&page, &source));
    }
    Ok(all)
}

/// The sections of one built page.
pub fn page_sections(url: &str, page: &str) -> Vec<Section> {
    let Some(main) = MAIN.captures(page).and_then(|c| c.get(1)) else {
        return Vec::new();
    };
    let main = main.as_str();
    let headings: Vec<_> = HEADING.captures_iter(main).collect();
    let title = headings
        .first()
        .map(|h| html::text(&h[3]))
        .unwrap_or_else(|| url.to_string());
    let mut sections = Vec::new();
    let opening = &main[..headings
        .first()
        .map_or(main.len(), |h| h.get(0).expect("match").start())];
    let opening = html::text(opening);
    if !opening.is_empty() {
        sections.push(Section {
            url: url.to_string(),
            title: title.clone(),
            heading: title.clone(),
            text: opening,
        });
    }
    for (i, h) in headings.iter().enumerate() {
        let whole = h.get(0).expect("match");
        let end = headings
            .get(i + 1)
            .map_or(main.len(), |n| n.get(0).expect("match").start());
        sections.push(Section {
            url: format!("{url}#{}", html::decode_entities(&h[2])),
            title: title.clone(),
            heading: html::text(&h[3]),
            text: html::text(&main[whole.end()..end]),
        });
    }
    sections
}

/// Writes `search-cjk.js` into a built book.
pub fn write(book_out: &Path) -> Result<()> {
    let docs: Vec<_> = sections(book_out)?
        .into_iter()
        .map(|s| json!({"url": s.url, "title": s.title, "heading": s.heading, "text": s.text}))
        .collect();
    let body = serde_json::to_string(&json!({ "docs": docs }))?;
    let path = book_out.join(FILE);
    fs::write(&path, format!("window.socketLabSearch = {body};\n"))
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_page_at_its_headings() {
        let page = r##"<html><main><h1 id="소켓"><a class="header" href="#소켓">소켓</a></h1>
<p>소켓은 <em>통신의 끝점</em>입니다.</p>
<h2 id="bind"><a class="header" href="#bind">바인드(bind)</a></h2><p>주소를 붙입니다 &amp; 끝.</p>
</main></html>"##;
        let s = page_sections("socket.html", page);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].url, "socket.html#소켓");
        assert_eq!(s[0].title, "소켓");
        assert_eq!(s[0].text, "소켓은 통신의 끝점입니다.");
        assert_eq!(s[1].heading, "바인드(bind)");
        assert_eq!(s[1].text, "주소를 붙입니다 & 끝.");
    }
}
