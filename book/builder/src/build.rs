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
//! pages, finishes the pages ([`pages`]: the language link, figure sizes,
//! table words), writes the Korean search index (`search-cjk.js`) and checks
//! the quotes ([`quotes`]) and the emphasis marks ([`emphasis`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use mdbook_driver::config::Config;

use crate::edition::Edition;
use crate::numbers::Numbers;
use crate::preprocess::{self, SocketLab};
use crate::{LANGUAGES, Layout, emphasis, pages, quotes, search_index};

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

/// The repository and the site the books name (mdBook's Git button, its
/// "Suggest an edit" button, the 404 page's base), when they are not what the
/// `book.toml` files say: the publishing workflow passes the repository it runs
/// in and the address GitHub Pages gives it, so a fork's site names the fork.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteLinks {
    /// `https://github.com/OWNER/REPO`: each book's `git-repository-url`, and
    /// what its `edit-url-template` starts with.
    pub repository: Option<String>,
    /// Where the site is served, `https://OWNER.github.io/REPO` or `/REPO`:
    /// each book's `site-url` is this with `/en/` or `/ko/` after it.
    pub site: Option<String>,
}

/// The repository and site settings of one book's `book.toml` (`[output.html]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookLinks {
    pub git_repository_url: Option<String>,
    pub edit_url_template: Option<String>,
    pub site_url: Option<String>,
}

impl BookLinks {
    pub fn of(config: &Config) -> Result<BookLinks> {
        Ok(BookLinks {
            git_repository_url: config.get("output.html.git-repository-url")?,
            edit_url_template: config.get("output.html.edit-url-template")?,
            site_url: config.get("output.html.site-url")?,
        })
    }

    /// These links with `links`' repository and site put in; the edit URL keeps
    /// what follows the repository (`/edit/main/book/ko/{path}`).
    pub fn with(&self, links: &SiteLinks, lang: &str) -> BookLinks {
        let mut out = self.clone();
        if let Some(repo) = &links.repository {
            let repo = repo.trim_end_matches('/').to_string();
            let tail = match (&self.git_repository_url, &self.edit_url_template) {
                (Some(old), Some(edit)) => edit.strip_prefix(old.trim_end_matches('/')),
                _ => None,
            };
            let tail =
                tail.map_or_else(|| format!("/edit/main/book/{lang}/{{path}}"), String::from);
            out.edit_url_template = Some(format!("{repo}{tail}"));
            out.git_repository_url = Some(repo);
        }
        if let Some(site) = &links.site {
            out.site_url = Some(format!("{}/{lang}/", site.trim_end_matches('/')));
        }
        out
    }

    fn apply(&self, config: &mut Config) -> Result<()> {
        for (key, value) in [
            ("output.html.git-repository-url", &self.git_repository_url),
            ("output.html.edit-url-template", &self.edit_url_template),
            ("output.html.site-url", &self.site_url),
        ] {
            if let Some(value) = value {
                config.set(key, value)?;
            }
        }
        Ok(())
    }
}

/// Both books name one repository and one site: the same
/// `git-repository-url`, an `edit-url-template` under it that ends in
/// `book/<lang>/{path}`, and a `site-url` that is one address with `/<lang>/`
/// after it. Each problem names the file and what to write.
pub fn check_links(books: &[(&str, BookLinks)]) -> Vec<String> {
    let mut problems = Vec::new();
    let Some((first_lang, first)) = books.first() else {
        return problems;
    };
    for (lang, links) in books {
        let file = format!("book/{lang}/book.toml");
        if links.git_repository_url != first.git_repository_url {
            problems.push(format!(
                "{file}: git-repository-url is {:?} but book/{first_lang}/book.toml says {:?}: \
                 both books are in one repository",
                links.git_repository_url, first.git_repository_url
            ));
        }
        if let (Some(repo), Some(edit)) = (&links.git_repository_url, &links.edit_url_template) {
            let tail = format!("/book/{lang}/{{path}}");
            if !edit.starts_with(&format!("{}/", repo.trim_end_matches('/')))
                || !edit.ends_with(&tail)
            {
                problems.push(format!(
                    "{file}: edit-url-template {edit:?} should be {repo}/edit/BRANCH{tail}"
                ));
            }
        }
        let site = |l: &BookLinks, lang: &str| {
            l.site_url
                .as_deref()
                .and_then(|s| s.strip_suffix(&format!("/{lang}/")))
                .map(String::from)
        };
        if let Some(url) = &links.site_url {
            if site(links, lang).is_none() {
                problems.push(format!("{file}: site-url {url:?} should end in /{lang}/"));
            } else if site(links, lang) != site(first, first_lang) {
                problems.push(format!(
                    "{file}: site-url {url:?} is not beside book/{first_lang}/book.toml's {:?}: \
                     the books are served side by side",
                    first.site_url
                ));
            }
        } else if first.site_url.is_some() {
            problems.push(format!(
                "{file}: no site-url, but book/{first_lang}/book.toml has one"
            ));
        }
    }
    problems
}

/// Builds both books of `edition` into `out` (emptied first) and writes the
/// root page.
pub fn build_site(layout: &Layout, edition: Edition, out: &Path) -> Result<Built> {
    build_site_with(layout, edition, &SiteLinks::default(), out)
}

/// [`build_site`] with the repository and site of `links` instead of
/// book.toml's.
pub fn build_site_with(
    layout: &Layout,
    edition: Edition,
    links: &SiteLinks,
    out: &Path,
) -> Result<Built> {
    let start = Instant::now();
    let mut books = Vec::new();
    for lang in LANGUAGES {
        let toml = layout.book_root(lang).join("book.toml");
        if toml.is_file() {
            let config =
                Config::from_disk(&toml).with_context(|| format!("reading {}", toml.display()))?;
            books.push((lang, BookLinks::of(&config)?));
        }
    }
    let problems = check_links(&books);
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
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
    // The two books share nothing while they build: one thread each (the
    // site's build is most of `cargo xtask book` and of each book test's start).
    std::thread::scope(|scope| {
        let builds: Vec<_> = LANGUAGES
            .iter()
            .map(|&lang| {
                let dest = out.join(lang);
                scope.spawn(move || build_book(layout, edition, links, lang, &dest))
            })
            .collect();
        // The first book's error first, as when they were built in order.
        builds
            .into_iter()
            .map(|build| build.join().expect("a book's build panicked"))
            .collect::<Result<Vec<()>>>()
    })?;
    fs::write(out.join("index.html"), root_page())
        .with_context(|| format!("writing {}", out.join("index.html").display()))?;
    Ok(Built {
        out: out.to_path_buf(),
        elapsed: start.elapsed(),
    })
}

/// Builds `book/<lang>` (its `edition`) into `dest` and adds the site's extras
/// to it.
pub fn build_book(
    layout: &Layout,
    edition: Edition,
    links: &SiteLinks,
    lang: &str,
    dest: &Path,
) -> Result<()> {
    let root = layout.book_root(lang);
    let toml = root.join("book.toml");
    let mut config =
        Config::from_disk(&toml).with_context(|| format!("reading {}", toml.display()))?;
    BookLinks::of(&config)?
        .with(links, lang)
        .apply(&mut config)?;
    // An absolute build dir: mdBook joins it onto the book root, which keeps it as is.
    config.build.build_dir = dest.to_path_buf();
    let socket_lab = SocketLab {
        edition,
        numbers: Numbers::load(&layout.book_dir)?,
        reports: crate::reports::Reports::load(&layout.book_dir),
        repo_root: layout.repo_root(),
    };
    let book = preprocess::load(&root, config, socket_lab)
        .with_context(|| format!("loading the book in {}", root.display()))?;
    book.build()
        .with_context(|| format!("building the book in {}", root.display()))?;

    pages::finish(dest)?;
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
    let wrong = quotes::check_book(dest)?;
    if !wrong.is_empty() {
        bail!(
            "book/{lang}: a closing quote came out as an opening one (“ after a letter; \
             see book/builder/src/quotes.rs):\n  {}",
            wrong.join("\n  ")
        );
    }
    let stray = emphasis::check_book(dest)?;
    if !stray.is_empty() {
        bail!(
            "book/{lang}: an emphasis mark stayed as text (a closing `**` or `*` after \
             punctuation and before a letter does not close; see book/builder/src/emphasis.rs):\n  {}",
            stray.join("\n  ")
        );
    }
    Ok(())
}

/// Pages that still show an mdBook `{{#include ...}}` (or similar) link: mdBook
/// only logs a failed include and leaves the link's text in the page.
pub fn unresolved_includes(book_out: &Path) -> Result<Vec<String>> {
    crate::html::find_in_pages(book_out, |text| {
        let mut found = Vec::new();
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
                    found.push((n + 1, rest[..end].to_string()));
                }
            }
        }
        found
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn links(lang: &str, repo: &str, site: &str) -> BookLinks {
        BookLinks {
            git_repository_url: Some(repo.to_string()),
            edit_url_template: Some(format!("{repo}/edit/main/book/{lang}/{{path}}")),
            site_url: Some(format!("{site}/{lang}/")),
        }
    }

    #[test]
    fn both_books_name_one_repository_and_one_site() {
        let repo = "https://github.com/socket-lab/socket-lab";
        let good = [
            ("en", links("en", repo, "/socket-lab")),
            ("ko", links("ko", repo, "/socket-lab")),
        ];
        assert!(check_links(&good).is_empty(), "{:?}", check_links(&good));
        let none = [("en", BookLinks::default()), ("ko", BookLinks::default())];
        assert!(check_links(&none).is_empty());

        let mut bad = good.clone();
        bad[1].1.git_repository_url = Some("https://github.com/else/where".into());
        bad[1].1.site_url = Some("/elsewhere/ko/".into());
        bad[0].1.edit_url_template = Some(format!("{repo}/edit/main/book/ko/{{path}}"));
        assert_eq!(
            check_links(&bad),
            [
                "book/en/book.toml: edit-url-template \"https://github.com/socket-lab/socket-lab/edit/main/book/ko/{path}\" \
                 should be https://github.com/socket-lab/socket-lab/edit/BRANCH/book/en/{path}",
                "book/ko/book.toml: git-repository-url is Some(\"https://github.com/else/where\") but \
                 book/en/book.toml says Some(\"https://github.com/socket-lab/socket-lab\"): both books are in one repository",
                "book/ko/book.toml: edit-url-template \"https://github.com/socket-lab/socket-lab/edit/main/book/ko/{path}\" \
                 should be https://github.com/else/where/edit/BRANCH/book/ko/{path}",
                "book/ko/book.toml: site-url \"/elsewhere/ko/\" is not beside book/en/book.toml's \
                 Some(\"/socket-lab/en/\"): the books are served side by side",
            ]
        );
        let mut wrong_lang = good.clone();
        wrong_lang[1].1.site_url = Some("/socket-lab/en/".into());
        wrong_lang[0].1.site_url = None;
        assert_eq!(
            check_links(&wrong_lang),
            ["book/ko/book.toml: site-url \"/socket-lab/en/\" should end in /ko/"]
        );
    }

    #[test]
    fn the_workflow_puts_in_its_own_repository_and_site() {
        let book = links(
            "ko",
            "https://github.com/socket-lab/socket-lab",
            "/socket-lab",
        );
        let fork = SiteLinks {
            repository: Some("https://github.com/someone/fork/".into()),
            site: Some("https://someone.github.io/fork".into()),
        };
        assert_eq!(
            book.with(&fork, "ko"),
            BookLinks {
                git_repository_url: Some("https://github.com/someone/fork".into()),
                edit_url_template: Some(
                    "https://github.com/someone/fork/edit/main/book/ko/{path}".into()
                ),
                site_url: Some("https://someone.github.io/fork/ko/".into()),
            }
        );
        assert_eq!(book.with(&SiteLinks::default(), "ko"), book);
        assert_eq!(
            BookLinks::default()
                .with(&fork, "en")
                .edit_url_template
                .as_deref(),
            Some("https://github.com/someone/fork/edit/main/book/en/{path}")
        );
    }
}
