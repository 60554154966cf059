//! The built site in headless Chromium (Debian's `chromium`): the root page
//! picks a language, the language switch lands on the same page in the other
//! book, figures load, and search finds the socket chapter in both languages.
//! Screenshots go to target/book-screenshots/.
//!
//! Without Chromium the test prints a note and passes, except under CI
//! (`CI` set), where it fails: CI installs Chromium (.ci/run).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use socket_lab_book::browser::{Chromium, Visit, find_chromium};
use socket_lab_book::server::Server;
use socket_lab_book::{LANGUAGES, Layout, html};

static HTML_LANG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<html lang="([a-z]+)""#).unwrap());
static SWITCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<a [^>]*id="socket-lab-lang"[^>]*>"#).unwrap());
static HREF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\shref="([^"]*)""#).unwrap());
static RESULTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)<ul id="mdbook-searchresults">(.*?)</ul>"#).unwrap());
static PROBE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<li data-img="([^"]*)">(\d+)</li>"#).unwrap());

fn chromium() -> Option<Chromium> {
    match find_chromium() {
        Some(exe) => Some(Chromium::new(exe).expect("a scratch folder for Chromium")),
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "CI is set but Chromium is not installed (apt-get install chromium fonts-noto-cjk)"
            )
        }
        None => {
            eprintln!(
                "note: Chromium not found (apt-get install chromium fonts-noto-cjk); skipping the browser test"
            );
            None
        }
    }
}

fn lang_of(dom: &str) -> &str {
    HTML_LANG
        .captures(dom)
        .map_or("(none)", |c| c.get(1).unwrap().as_str())
}

/// The language switch's href in a dumped page.
fn switch_href(dom: &str) -> Option<String> {
    let tag = SWITCH.find(dom)?.as_str();
    HREF.captures(tag).map(|c| html::decode_entities(&c[1]))
}

/// Resolves a relative link against the URL path of the page it is on.
fn resolve(page_path: &str, link: &str) -> String {
    let mut parts: Vec<&str> = page_path.split('/').collect();
    parts.pop(); // the page's file name
    for part in link.split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[test]
fn the_site_works_in_a_browser() {
    let Some(chromium) = chromium() else { return };
    let site = common::site();
    let server = Server::start(site, "127.0.0.1:0").expect("a local HTTP server");
    let base = server.url();
    let visit = |url: &str, lang: &str, budget_ms: u32| -> String {
        chromium
            .dump_dom(&Visit {
                url,
                lang,
                budget_ms,
            })
            .unwrap_or_else(|e| panic!("chromium on {url}: {e:#}"))
    };

    // 1. The root page sends each reader to their language.
    for (browser_lang, book) in [("ko-KR", "ko"), ("en-US", "en")] {
        let dom = visit(&format!("{base}/index.html"), browser_lang, 3000);
        assert_eq!(
            lang_of(&dom),
            book,
            "a {browser_lang} browser opening / should land in the {book} book"
        );
    }
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/ko/index.html" && r.status == 200),
        "the root page never fetched ko/index.html: {:?}",
        server.requests()
    );

    // 2. The language switch on each page leads to the same page in the other
    //    language (which is a page in that language), over http:// and from
    //    file://, at the top level and in a folder.
    for page in ["osi-model.html", "exercises/echo.html"] {
        for (lang, other) in [("en", "ko"), ("ko", "en")] {
            let path = format!("/{lang}/{page}");
            let dom = visit(&format!("{base}{path}"), "en-US", 2000);
            assert_eq!(lang_of(&dom), lang, "{path} is not a page in {lang}");
            let href = switch_href(&dom).unwrap_or_else(|| panic!("{path} has no language switch"));
            let target = resolve(&path, &href);
            assert_eq!(
                target,
                format!("/{other}/{page}"),
                "the switch on {path} goes to {href}"
            );
        }
    }
    let file_page = site.join("en/exercises/echo.html");
    let dom = visit(&format!("file://{}", file_page.display()), "en-US", 2000);
    let href = switch_href(&dom).expect("a language switch on a file:// page");
    let target = file_page.parent().unwrap().join(&href);
    assert!(
        href == "../../ko/exercises/echo.html" && target.is_file(),
        "from file:// the switch on en/exercises/echo.html goes to {href}"
    );

    // 3. Figures load: on a chapter page the browser fetches its figure (200),
    //    and a probe page shows that every figure of both books draws
    //    (naturalWidth > 0).
    let figures = figures(site);
    for lang in LANGUAGES {
        let shown: Vec<_> = figures
            .iter()
            .filter(|f| f.starts_with(&format!("/{lang}/")))
            .collect();
        assert!(
            !shown.is_empty(),
            "the {lang} book shows no SVG figure at all"
        );
        let (page, svgs) = figure_pages(site)
            .into_iter()
            .find(|(p, _)| p.starts_with(&format!("{lang}/")))
            .expect("a page with a figure");
        server.clear_requests();
        visit(&format!("{base}/{page}"), "en-US", 3000);
        let fetched: BTreeSet<String> = server
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(".svg") && r.status == 200)
            .map(|r| r.path)
            .collect();
        assert!(
            svgs.is_subset(&fetched),
            "loading {page}, the browser fetched with 200 only {fetched:?} of its figures {svgs:?}"
        );
    }
    let probe = site.join("figure-probe.html");
    fs::write(&probe, probe_page(&figures)).unwrap();
    let dom = visit(&format!("{base}/figure-probe.html"), "en-US", 5000);
    fs::remove_file(probe).unwrap();
    let widths: Vec<(String, u32)> = PROBE
        .captures_iter(&dom)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap()))
        .collect();
    assert_eq!(
        widths.len(),
        figures.len(),
        "the probe page did not report every figure: {dom}"
    );
    let blank: Vec<_> = widths.iter().filter(|(_, w)| *w == 0).collect();
    assert!(
        blank.is_empty(),
        "figures that do not draw (naturalWidth 0): {blank:?}"
    );

    // 4. Search finds the socket chapter: Korean through search-cjk.js,
    //    English through mdBook's own index. Started from a nested page.
    for (lang, query, encoded) in [
        ("ko", "소켓", "%EC%86%8C%EC%BC%93"),
        ("en", "socket", "socket"),
    ] {
        let url = format!("{base}/{lang}/exercises/echo.html?search={encoded}");
        let dom = visit(&url, "en-US", 5000);
        let results = RESULTS
            .captures(&dom)
            .map_or("", |c| c.get(1).unwrap().as_str());
        let hrefs: Vec<String> = HREF
            .captures_iter(results)
            .map(|c| c[1].to_string())
            .collect();
        assert!(
            hrefs.iter().any(|h| h.starts_with("../socket.html")),
            "searching {query:?} in the {lang} book does not find socket.html; results: {hrefs:?}"
        );
    }

    // 5. Screenshots to look at.
    let shots = Layout::of_this_repo()
        .repo_root()
        .join("target/book-screenshots");
    for lang in LANGUAGES {
        let visit_page = Visit {
            url: &format!("{base}/{lang}/socket.html"),
            lang: "en-US",
            budget_ms: 3000,
        };
        let png = shots.join(format!("{lang}-socket.png"));
        chromium
            .screenshot(&visit_page, &png, 1280, 900)
            .expect("a screenshot");
        let query = if lang == "ko" {
            "%EC%86%8C%EC%BC%93"
        } else {
            "socket"
        };
        let search_url = format!("{base}/{lang}/index.html?search={query}");
        let visit_search = Visit {
            url: &search_url,
            lang: "en-US",
            budget_ms: 5000,
        };
        chromium
            .screenshot(
                &visit_search,
                &shots.join(format!("{lang}-search.png")),
                1280,
                900,
            )
            .expect("a screenshot");
    }
    eprintln!("screenshots in {}", shots.display());
}

/// The URL paths of every SVG that a chapter shows (`/ko/images/osi-model.svg`).
fn figures(site: &Path) -> BTreeSet<String> {
    figure_pages(site)
        .into_iter()
        .flat_map(|(_, f)| f)
        .collect()
}

/// The chapter pages that show at least one SVG in an `<img>`, with the URL
/// paths of those SVGs.
fn figure_pages(site: &Path) -> Vec<(String, BTreeSet<String>)> {
    let mut pages = Vec::new();
    for page in chapter_pages(site) {
        let source = fs::read_to_string(site.join(&page)).unwrap();
        let svgs: BTreeSet<String> = html::links(&source)
            .into_iter()
            .filter(|l| l.tag == "img" && l.target.ends_with(".svg"))
            .map(|l| format!("/{}", resolve(&page, &html::percent_decode(&l.target))))
            .collect();
        if !svgs.is_empty() {
            pages.push((page, svgs));
        }
    }
    pages
}

/// `en/socket.html`, ... : every chapter page, without print.html, toc.html, 404.html.
fn chapter_pages(site: &Path) -> Vec<String> {
    html::pages(site)
        .unwrap()
        .iter()
        .map(|p| {
            p.strip_prefix(site)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .filter(|p| {
            p.contains('/')
                && !["print.html", "toc.html", "404.html"]
                    .iter()
                    .any(|n| p.ends_with(n))
        })
        .collect()
}

/// A page that loads every figure and lists each one's naturalWidth.
fn probe_page(figures: &BTreeSet<String>) -> String {
    let imgs: String = figures
        .iter()
        .map(|f| format!("<img src=\"{f}\" data-src=\"{f}\">\n"))
        .collect();
    format!(
        "<!DOCTYPE html><html><body>{imgs}<ul id=\"out\"></ul><script>\n\
         window.addEventListener('load', function () {{\n\
           var out = document.getElementById('out');\n\
           document.querySelectorAll('img').forEach(function (img) {{\n\
             var li = document.createElement('li');\n\
             li.setAttribute('data-img', img.getAttribute('data-src'));\n\
             li.textContent = String(img.naturalWidth);\n\
             out.appendChild(li);\n\
           }});\n\
         }});\n</script></body></html>\n"
    )
}
