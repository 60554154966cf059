//! Builds both books into one site:
//!
//! ```text
//! <out>/index.html      picks the reader's language
//! <out>/en/...          the English book
//! <out>/ko/...          the Korean book
//! ```
//!
//! Each book is built by mdBook (the `mdbook-driver` library) with the shared
//! theme folder `book/theme/`, whose `head.hbs` loads `socket-lab.js` and
//! `socket-lab.css`; this module copies those two files next to each book's
//! pages and writes the Korean search index (`search-cjk.js`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use mdbook_driver::config::Config;

use crate::edition::Edition;
use crate::numbers::Numbers;
use crate::preprocess::{self, SocketLab};
use crate::{LANGUAGES, Layout, search_index};

/// The site's own files, copied from `book/theme/` into each book's output.
pub const ASSETS: [&str; 2] = ["socket-lab.js", "socket-lab.css"];

/// What a build did.
#[derive(Debug)]
pub struct Built {
    /// The site's root folder (holds `index.html`, `en/`, `ko/`).
    pub out: PathBuf,
    /// How long the whole build took.
    pub elapsed: Duration,
}

/// Builds both books of `edition` into `out` (emptied first) and writes the
/// root page.
pub fn build_site(layout: &Layout, edition: Edition, out: &Path) -> Result<Built> {
    let start = Instant::now();
    if out.exists() {
        // A site we built, maybe half (a build that failed in its second book).
        let ours = LANGUAGES
            .iter()
            .any(|l| out.join(l).join("toc.html").is_file());
        let empty = fs::read_dir(out)?.next().is_none();
        if !ours && !empty {
            bail!(
                "{} holds something else than a built book: not emptying it",
                out.display()
            );
        }
        fs::remove_dir_all(out).with_context(|| format!("emptying {}", out.display()))?;
    }
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for lang in LANGUAGES {
        build_book(layout, edition, lang, &out.join(lang))?;
    }
    fs::write(out.join("index.html"), root_page())
        .with_context(|| format!("writing {}", out.join("index.html").display()))?;
    Ok(Built {
        out: out.to_path_buf(),
        elapsed: start.elapsed(),
    })
}

/// Builds `book/<lang>` (its `edition`) into `dest` and adds the site's extras
/// to it.
pub fn build_book(layout: &Layout, edition: Edition, lang: &str, dest: &Path) -> Result<()> {
    let root = layout.book_root(lang);
    let toml = root.join("book.toml");
    let mut config =
        Config::from_disk(&toml).with_context(|| format!("reading {}", toml.display()))?;
    // An absolute build dir: mdBook joins it onto the book root, which keeps it as is.
    config.build.build_dir = dest.to_path_buf();
    let socket_lab = SocketLab {
        edition,
        numbers: Numbers::load(&layout.book_dir)?,
        repo_root: layout.repo_root(),
    };
    let book = preprocess::load(&root, config, socket_lab)
        .with_context(|| format!("loading the book in {}", root.display()))?;
    book.build()
        .with_context(|| format!("building the book in {}", root.display()))?;

    for asset in ASSETS {
        let from = layout.theme().join(asset);
        fs::copy(&from, dest.join(asset))
            .with_context(|| format!("copying {} into {}", from.display(), dest.display()))?;
    }
    search_index::write(dest)?;
    let unresolved = unresolved_includes(dest)?;
    if !unresolved.is_empty() {
        bail!(
            "book/{lang}: mdBook could not resolve these {{{{#include}}}} links \
             (a wrong path or anchor?):\n  {}",
            unresolved.join("\n  ")
        );
    }
    Ok(())
}

/// Pages that still show an mdBook `{{#include ...}}` (or similar) link: mdBook
/// only logs a failed include and leaves the link's text in the page.
pub fn unresolved_includes(book_out: &Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for page in crate::html::pages(book_out)? {
        if page.ends_with("print.html") {
            continue; // repeats every chapter
        }
        let text = fs::read_to_string(&page)?;
        for (n, line) in text.lines().enumerate() {
            for directive in [
                "{{#include",
                "{{#rustdoc_include",
                "{{#playground",
                "{{#title",
            ] {
                if let Some(at) = line.find(directive) {
                    let rest = &line[at..];
                    let end = rest.find("}}").map_or(rest.len(), |e| e + 2);
                    found.push(format!(
                        "{}:{}: {}",
                        page.strip_prefix(book_out).unwrap_or(&page).display(),
                        n + 1,
                        &rest[..end]
                    ));
                }
            }
        }
    }
    Ok(found)
}

/// The root `index.html`: sends the reader to the book in their language (the
/// one they last chose on a page, else the browser's), with plain links for
/// readers without JavaScript.
pub fn root_page() -> String {
    r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Socket Lab · 소켓 랩</title>
<script>
(function () {
    var lang = null;
    try {
        lang = localStorage.getItem('socket-lab-lang');
    } catch (e) {}
    if (lang !== 'ko' && lang !== 'en') {
        var wanted = (navigator.languages && navigator.languages[0]) || navigator.language || '';
        lang = wanted.toLowerCase().indexOf('ko') === 0 ? 'ko' : 'en';
    }
    location.replace(lang + '/index.html');
})();
</script>
<style>
body { font-family: 'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif;
       max-width: 32em; margin: 4em auto; padding: 0 1em; line-height: 1.6; }
@media (prefers-color-scheme: dark) { body { background: #1d1f21; color: #c5c8c6; } a { color: #81a2be; } }
</style>
</head>
<body>
<h1>Socket Lab</h1>
<ul>
<li><a href="en/index.html" hreflang="en" lang="en">Read the book in English</a></li>
<li><a href="ko/index.html" hreflang="ko" lang="ko">한국어로 읽기</a></li>
</ul>
</body>
</html>
"#
    .to_string()
}
