//! The built site in headless Chromium (Debian's `chromium-headless-shell`,
//! or `chromium`): the root page
//! picks a language, the language switch lands on the same page in the other
//! book (also without JavaScript), figures load, and search finds the socket
//! chapter in both languages and Korean compounds with or without their
//! spaces. On a phone's screen (390 px), in either book, no table cell breaks inside a word and
//! every figure, once tapped, shows its text at 11 px or more.
//! Screenshots go to target/book-screenshots/.
//!
//! Without Chromium the test prints a note and passes, except under CI
//! (`CI` set), where it fails: CI installs Chromium (.ci/run).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, LazyLock, Mutex};

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
static OUT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)<pre id="out">(.*?)</pre>"#).unwrap());

/// The smallest text a figure may show once opened, in CSS pixels.
const SMALLEST_TEXT_PX: f64 = 11.0;
/// A phone's screen in CSS pixels (an iPhone 12 to 15).
const PHONE: (u32, u32) = (390, 844);

/// At most three Chromium tests at a time: the machine may have two cores,
/// and each run starts a browser that mostly waits (on its own start and on
/// the page's loads: measured, a test's Chromium runs keep less than one
/// core busy). Each test has its own server, and its checks read only that
/// server's requests.
fn chromium_turn() -> Turn {
    const AT_ONCE: usize = 3;
    static RUNNING: Mutex<usize> = Mutex::new(0);
    static DONE: Condvar = Condvar::new();
    let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    while *running >= AT_ONCE {
        running = DONE.wait(running).unwrap_or_else(|e| e.into_inner());
    }
    *running += 1;
    Turn {
        running: &RUNNING,
        done: &DONE,
    }
}

/// A test's turn to run Chromium; given back when dropped.
struct Turn {
    running: &'static Mutex<usize>,
    done: &'static Condvar,
}

impl Drop for Turn {
    fn drop(&mut self) {
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.done.notify_one();
    }
}

/// What a browser test runs with: Chromium, its turn (held while the
/// session lives), and a local HTTP server on the shared site.
struct Session {
    chromium: Chromium,
    site: &'static Path,
    server: Server,
    base: String,
    _turn: Turn,
}

/// The session of one browser test; `None` where Chromium is not installed
/// (outside CI: see [`chromium`]).
fn session() -> Option<Session> {
    let chromium = chromium()?;
    let turn = chromium_turn();
    let site = common::site();
    let server = Server::start(site, "127.0.0.1:0").expect("a local HTTP server");
    let base = server.url();
    Some(Session {
        chromium,
        site,
        server,
        base,
        _turn: turn,
    })
}

/// `target/book-screenshots/`, for a human to look at.
fn screenshots() -> PathBuf {
    Layout::of_this_repo()
        .repo_root()
        .join("target/book-screenshots")
}

fn chromium() -> Option<Chromium> {
    match find_chromium() {
        Some(exe) => Some(Chromium::new(exe).expect("a scratch folder for Chromium")),
        None if std::env::var_os("CI").is_some() => {
            panic!(
                "CI is set but Chromium is not installed (apt-get install chromium-headless-shell fonts-noto-cjk)"
            )
        }
        None => {
            eprintln!(
                "note: Chromium not found (apt-get install chromium-headless-shell fonts-noto-cjk); skipping the browser test"
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
    let Some(session) = session() else { return };
    let Session {
        chromium,
        site,
        server,
        base,
        ..
    } = &session;
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
}

/// Screenshots to look at: each book's socket chapter and its search, a
/// row per book in one picture (`desktop-books.png`, one Chromium run).
#[test]
fn screenshots_of_both_books() {
    let Some(session) = session() else { return };
    let Session {
        chromium,
        site,
        base,
        ..
    } = &session;
    let mut sheet = Sheet::new(2, (1280, 900));
    for lang in LANGUAGES {
        let query = if lang == "ko" {
            "%EC%86%8C%EC%BC%93"
        } else {
            "socket"
        };
        sheet.frame(&format!("{lang}/socket.html"));
        sheet.frame(&format!("{lang}/index.html?search={query}"));
    }
    let png = sheet.photograph(chromium, site, base, "en-US", "desktop-books.png");
    eprintln!("screenshots: {}", png.display());
}

/// The four Korean chapters photographed on a phone: tables, figures, both.
const PHONE_CHAPTERS: [&str; 4] = [
    "osi-model.html",
    "ip-and-tcp.html",
    "exercises/echo.html",
    "exercises/file-transfer.html",
];

/// The page `book/builder/tests/phone-probe.js` runs in, as `script`.
fn phone_probe_page(script: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
         <body style=\"margin:0\"><pre id=\"out\"></pre><script src=\"{script}\"></script></body></html>\n"
    )
}

/// A page that shows `?page=` in a phone-sized frame, scrolled to its first
/// table (`?at=table`) or with its first figure tapped open (`?at=figure`).
const PHONE_SHOT: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
    <body style=\"margin:0;overflow:hidden\">\
    <iframe id=\"f\" style=\"width:100vw;height:100vh;border:0;display:block\"></iframe><script>\n\
    var q = new URLSearchParams(location.search), f = document.getElementById('f');\n\
    f.onload = function () { setTimeout(function () {\n\
      var d = f.contentDocument;\n\
      if (q.get('at') === 'table') { var t = d.querySelector('main .table-wrapper'); if (t) t.scrollIntoView({ block: 'center' }); }\n\
      if (q.get('at') === 'figure') { var i = d.querySelector('main label.checkbox-label > img'); if (i) { i.scrollIntoView(); i.click(); } }\n\
    }, 300); };\n\
    f.src = q.get('page');\n</script></body></html>\n";

#[test]
fn the_korean_book_reads_well_on_a_phone() {
    phone_probe("ko");
}

/// The English book too: the same layout serves both.
#[test]
fn the_english_book_reads_well_on_a_phone() {
    phone_probe("en");
}

/// Every chapter of the `lang` book in a phone-sized frame: table cells and
/// figures, measured by phone-probe.js. No table cell breaks inside a word;
/// every figure, tapped, opens with its text at 11 px or more.
fn phone_probe(lang: &str) {
    let Some(mut session) = session() else { return };
    // The probe is one run through every chapter of a book (about 15 s on
    // a busy 2-core machine, other browser tests beside it): a bound on a
    // hang, not on speed.
    session.chromium.timeout = std::time::Duration::from_secs(180);
    let Session {
        chromium,
        site,
        base,
        ..
    } = &session;
    let shots = screenshots();
    fs::create_dir_all(&shots).unwrap();

    let pages: Vec<String> = chapter_pages(site)
        .into_iter()
        .filter(|p| p.starts_with(&format!("{lang}/")))
        .collect();
    // Each language's probe has files of its own: the other's runs beside it.
    let (page, script) = (
        format!("phone-probe-{lang}.html"),
        format!("phone-probe-{lang}.js"),
    );
    fs::write(site.join(&page), phone_probe_page(&script)).unwrap();
    fs::write(site.join(&script), include_str!("phone-probe.js")).unwrap();
    let url = format!(
        "{base}/{page}?width={}&height={}&pages={}",
        PHONE.0,
        PHONE.1,
        pages.join(",")
    );
    let dom = chromium
        .dump_dom_with(
            &Visit {
                url: &url,
                lang: "ko-KR",
                budget_ms: 120_000,
            },
            &["--hide-scrollbars"],
        )
        .unwrap_or_else(|e| panic!("chromium on the phone probe: {e:#}"));
    let _ = fs::remove_file(site.join(&page));
    let _ = fs::remove_file(site.join(&script));
    let json = OUT
        .captures(&dom)
        .map(|c| html::decode_entities(&c[1]))
        .unwrap_or_default();
    let measured: serde_json::Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("the phone probe wrote no measurements ({e}): {dom}"));
    assert!(
        measured.get("error").is_none(),
        "the phone probe failed: {}",
        measured["error"]
    );
    fs::write(
        shots.join(format!("phone-measurements-{lang}.json")),
        serde_json::to_string_pretty(&measured).unwrap(),
    )
    .unwrap();
    let measured = measured["pages"].as_array().expect("pages").clone();
    assert_eq!(measured.len(), pages.len(), "not every page was measured");

    //    No table cell breaks inside a word.
    let cells: u64 = measured.iter().map(|p| p["cells"].as_u64().unwrap()).sum();
    assert!(cells > 100, "only {cells} table cells in the {lang} book?");
    let broken: Vec<String> =
        measured
            .iter()
            .flat_map(|p| {
                p["breaks"].as_array().unwrap().iter().map(move |b| {
                    format!("{}: {}", p["page"].as_str().unwrap(), b.as_str().unwrap())
                })
            })
            .collect();
    assert!(
        broken.is_empty(),
        "at {} px, {} table cell line(s) break inside a word (before|after):\n  {}",
        PHONE.0,
        broken.len(),
        broken.join("\n  ")
    );

    //    Every figure, tapped, opens with its text at 11 px or more, can be
    //    scrolled through, and closes on a second tap.
    let figures: Vec<&serde_json::Value> = measured
        .iter()
        .flat_map(|p| p["figures"].as_array().unwrap())
        .collect();
    let expected: usize = figure_pages(site)
        .iter()
        .filter(|(page, _)| page.starts_with(&format!("{lang}/")))
        .map(|(_, f)| f.len())
        .sum();
    assert!(
        figures.len() >= expected && expected > 0,
        "measured {} figures, the {lang} chapters show {expected}",
        figures.len()
    );
    assert!(
        figures
            .iter()
            .all(|f| f["src"].as_str().unwrap().starts_with(&format!("/{lang}/"))),
        "a figure of another book was measured in the {lang} book"
    );
    let px = |f: &serde_json::Value, key: &str| f[key]["px"].as_f64().unwrap();
    let mut problems = Vec::new();
    for f in &figures {
        let name = format!("{} on {}", f["src"], f["page"]);
        if f["opened"] != true {
            problems.push(format!("{name}: a tap does not open it"));
        } else if px(f, "openedText") < SMALLEST_TEXT_PX {
            problems.push(format!(
                "{name}: opened {:.0} px wide, its smallest text ({:?}) is {:.2} px",
                f["openedWidth"].as_f64().unwrap(),
                f["openedText"]["text"],
                px(f, "openedText")
            ));
        }
        if f["reachable"] != true {
            problems.push(format!("{name}: opened, part of it cannot be scrolled to"));
        }
        if f["closed"] != true {
            problems.push(format!("{name}: a second tap does not close it"));
        }
    }
    assert!(
        problems.is_empty(),
        "figures at {} px:\n  {}",
        PHONE.0,
        problems.join("\n  ")
    );
    let smallest = |key: &str| {
        figures
            .iter()
            .map(|f| px(f, key))
            .fold(f64::INFINITY, f64::min)
    };
    eprintln!(
        "at {} px: {cells} table cells, none broken inside a word; {} figures, smallest text \
         {:.2} px on the page, {:.2} px opened",
        PHONE.0,
        figures.len(),
        smallest("text"),
        smallest("openedText")
    );
}

/// Four Korean chapters on a phone, for a human to look at: the top of the
/// page, its first table, its first figure opened, side by side in one
/// picture (`ko-phone-chapters.png`).
#[test]
fn korean_chapters_photographed_on_a_phone() {
    let Some(session) = session() else { return };
    let Session {
        chromium,
        site,
        base,
        ..
    } = &session;
    // One contact sheet, one Chromium run: a row per chapter, a column per
    // view, each cell a phone-sized frame (a Chromium start costs about a
    // CPU-second; twelve shots took twelve).
    fs::write(site.join("phone-shot.html"), PHONE_SHOT).unwrap();
    let with_figure: BTreeSet<String> = figure_pages(site).into_iter().map(|(p, _)| p).collect();
    let mut sheet = Sheet::new(3, PHONE);
    for chapter in PHONE_CHAPTERS {
        let page = format!("ko/{chapter}");
        let source = fs::read_to_string(site.join(&page)).unwrap();
        for (at, shown) in [
            ("top", true),
            ("table", source.contains("<table")),
            ("figure", with_figure.contains(&page)),
        ] {
            if shown {
                sheet.frame(&format!("phone-shot.html?at={at}&page={page}"));
            } else {
                sheet.note(&format!("{page}: no {at}"));
            }
        }
    }
    let png = sheet.photograph(chromium, site, base, "ko-KR", "ko-phone-chapters.png");
    let _ = fs::remove_file(site.join("phone-shot.html"));
    eprintln!("phone screenshots: {}", png.display());
}

/// A contact sheet: frames (and notes where a frame has nothing to show) of
/// one size, `columns` to a row, to photograph several pages in one
/// Chromium run.
struct Sheet {
    columns: u32,
    cell: (u32, u32),
    cells: Vec<String>,
}

impl Sheet {
    fn new(columns: u32, cell: (u32, u32)) -> Sheet {
        Sheet {
            columns,
            cell,
            cells: Vec::new(),
        }
    }

    /// A frame showing `url` (relative to the site's root).
    fn frame(&mut self, url: &str) {
        self.cells
            .push(format!("<iframe src=\"{url}\"></iframe>\n"));
    }

    fn note(&mut self, text: &str) {
        self.cells.push(format!("<div>{text}</div>\n"));
    }

    /// Serves the sheet from `site` for one screenshot, written to
    /// target/book-screenshots/`png`; returns its path.
    fn photograph(
        &self,
        chromium: &Chromium,
        site: &Path,
        base: &str,
        lang: &str,
        png: &str,
    ) -> PathBuf {
        let (w, h) = self.cell;
        let columns = self.columns;
        let page = png.replace(".png", ".html");
        let html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\
             body {{ margin: 0; display: grid; grid-template-columns: repeat({columns}, {w}px); grid-auto-rows: {h}px; }}\
             iframe {{ width: {w}px; height: {h}px; border: 0; display: block; }}\
             div {{ background: #ddd; font: 20px sans-serif; padding: 20px; }}\
             </style></head><body>\n{}</body></html>\n",
            self.cells.concat()
        );
        fs::write(site.join(&page), html).unwrap();
        let rows = self.cells.len().div_ceil(columns as usize) as u32;
        let path = screenshots().join(png);
        chromium
            .screenshot(
                &Visit {
                    url: &format!("{base}/{page}"),
                    lang,
                    budget_ms: 5000,
                },
                &path,
                w * columns,
                h * rows,
            )
            .unwrap_or_else(|e| panic!("a screenshot of {page}: {e:#}"));
        let _ = fs::remove_file(site.join(&page));
        path
    }
}

/// A page that shows `?page=` in a frame where scripts may not run
/// (`sandbox` without `allow-scripts`) and reports its language link and
/// its search bar's placeholder (socket-lab.js would set a Korean one).
/// (`chromium --dump-dom` cannot dump a page whose scripts are off.)
const NO_SCRIPT_PROBE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\
    <iframe id=\"f\" sandbox=\"allow-same-origin\" style=\"width:800px;height:600px\"></iframe>\
    <pre id=\"out\"></pre><script>\n\
    var f = document.getElementById('f');\n\
    f.onload = function () {\n\
      var d = f.contentDocument, a = d.getElementById('socket-lab-lang'), bar = d.getElementById('mdbook-searchbar');\n\
      document.getElementById('out').textContent = JSON.stringify({\n\
        path: a && new URL(a.href).pathname, text: a && a.textContent,\n\
        shown: !!a && a.getBoundingClientRect().width > 0, placeholder: bar && bar.placeholder });\n\
    };\n\
    f.src = new URLSearchParams(location.search).get('page');\n</script></body></html>\n";

#[test]
fn the_language_link_works_without_javascript() {
    let Some(session) = session() else { return };
    let Session {
        chromium,
        site,
        base,
        ..
    } = &session;
    fs::write(site.join("no-script-probe.html"), NO_SCRIPT_PROBE).unwrap();
    for (lang, other, text) in [("ko", "en", "English"), ("en", "ko", "한국어")] {
        for page in ["exercises/echo.html", "index.html"] {
            let url = format!("{base}/no-script-probe.html?page={lang}/{page}");
            let dom = chromium
                .dump_dom(&Visit {
                    url: &url,
                    lang: "ko-KR",
                    budget_ms: 3000,
                })
                .unwrap_or_else(|e| panic!("chromium on {url}: {e:#}"));
            let json = OUT
                .captures(&dom)
                .map(|c| html::decode_entities(&c[1]))
                .unwrap_or_default();
            let found: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| {
                panic!("the probe of {lang}/{page} wrote nothing ({e}): {dom}")
            });
            assert_eq!(
                found["placeholder"], "Search this book ...",
                "scripts ran in the frame of {lang}/{page}"
            );
            assert_eq!(
                (
                    found["path"].as_str(),
                    found["text"].as_str(),
                    &found["shown"]
                ),
                (
                    Some(format!("/{other}/{page}").as_str()),
                    Some(text),
                    &serde_json::json!(true)
                ),
                "without JavaScript, {lang}/{page} should show a link to /{other}/{page}: {found}"
            );
        }
    }
    let _ = fs::remove_file(site.join("no-script-probe.html"));
}

#[test]
fn korean_search_ignores_spaces() {
    let Some(session) = session() else { return };
    let Session { chromium, base, .. } = &session;
    // (query, a chapter it must find, the words its teaser marks, as the
    // chapter writes them)
    for (query, chapter, written) in [
        ("포트번호", "osi-model.html", Some("포트 번호")),
        ("흐름제어", "ip-and-tcp.html", Some("흐름 제어")),
        ("포트 번호", "osi-model.html", None),
    ] {
        let encoded: String = query
            .bytes()
            .map(|b| match b {
                b' ' => "%20".to_string(),
                b => format!("%{b:02X}"),
            })
            .collect();
        let url = format!("{base}/ko/exercises/echo.html?search={encoded}");
        let dom = chromium
            .dump_dom(&Visit {
                url: &url,
                lang: "ko-KR",
                budget_ms: 5000,
            })
            .unwrap_or_else(|e| panic!("chromium on {url}: {e:#}"));
        let results = RESULTS
            .captures(&dom)
            .map_or("", |c| c.get(1).unwrap().as_str());
        let hrefs: Vec<String> = HREF
            .captures_iter(results)
            .map(|c| html::decode_entities(&c[1]))
            .collect();
        assert!(
            hrefs
                .iter()
                .any(|h| h.starts_with(&format!("../{chapter}?highlight="))),
            "searching {query:?} in the Korean book does not find {chapter}; results: {hrefs:?}"
        );
        if let Some(written) = written {
            assert!(
                results.contains(&format!("<em>{written}</em>")),
                "the teasers for {query:?} do not mark {written:?}: {results}"
            );
        }
    }
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
