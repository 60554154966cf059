//! Both books build, and every local link and image in the site points at
//! something (book/builder/src/links.rs); the browser test drives the built
//! site in headless Chromium (book/builder/src/browser.rs).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use mdbook_driver::MDBook;
use mdbook_driver::config::Config;
use regex::Regex;
use socket_lab_book::edition::Edition;
use socket_lab_book::{LANGUAGES, Layout, build, html, links, quotes};

#[test]
fn both_books_build_with_no_broken_link_or_missing_image() {
    let site = common::site();
    assert!(site.join("index.html").is_file(), "no root index.html");
    for lang in LANGUAGES {
        for page in [
            "index.html",
            "socket.html",
            "exercises/echo.html",
            "search-cjk.js",
            "socket-lab.js",
        ] {
            assert!(
                site.join(lang).join(page).is_file(),
                "{lang}/{page} was not built"
            );
        }
    }
    let broken = links::check_site(site).expect("the link check runs");
    assert!(
        broken.is_empty(),
        "{} broken link(s) in the built site {}:\n  {}",
        broken.len(),
        site.display(),
        broken
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn link_check_catches_broken_links_anchors_and_images() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    fs::create_dir_all(site.join("en/exercises")).unwrap();
    fs::create_dir_all(site.join("en/images")).unwrap();
    fs::create_dir_all(site.join("ko")).unwrap();
    fs::write(site.join("en/images/osi.svg"), "<svg/>").unwrap();
    fs::write(site.join("ko/socket.html"), "<h1 id=\"소켓\">소켓</h1>").unwrap();
    fs::write(
        site.join("en/socket.html"),
        "<h1 id=\"the-socket\">The socket</h1>\n\
         <a href=\"#the-socket\">fine</a> <a href=\"exercises/echo.html#run-it\">fine</a>\n\
         <a href=\"../ko/socket.html#%EC%86%8C%EC%BC%93\">fine</a> <a href=\"https://www.rfc-editor.org/rfc/rfc9293\">external</a>\n\
         <img src=\"images/osi.svg\"> <a href=\"socket.html?highlight=x#the-socket\">fine</a>\n\
         <a href=\"#nowhere\">broken anchor</a>\n\
         <a href=\"client-server.html\">missing page</a>\n\
         <img src=\"images/tcp-ip.svg\">\n\
         <a href=\"exercises/echo.html#nope\">missing anchor elsewhere</a>\n\
         <a href=\"../../outside.html\">outside</a>\n\
         <script>var x = '<a href=\"not-a-link.html\">';</script>",
    )
    .unwrap();
    fs::write(
        site.join("en/exercises/echo.html"),
        "<h2 id=\"run-it\">Run it</h2><a href=\"../socket.html\">up</a>",
    )
    .unwrap();

    let found: Vec<String> = links::check_site(site)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = [
        "en/socket.html:5: <a> \"#nowhere\": no id \"nowhere\" in en/socket.html",
        "en/socket.html:6: <a> \"client-server.html\": no such file: en/client-server.html",
        "en/socket.html:7: <img> \"images/tcp-ip.svg\": no such file: en/images/tcp-ip.svg",
        "en/socket.html:8: <a> \"exercises/echo.html#nope\": no id \"nope\" in en/exercises/echo.html",
        "en/socket.html:9: <a> \"../../outside.html\": points outside the site",
    ];
    assert_eq!(found, expected, "\nfound:\n  {}", found.join("\n  "));
}

/// The Korean book's quotes are curled by the builder (book/builder/src/quotes.rs):
/// none of the built pages has a closing quote turned into an opening one, and
/// the book does use curly quotes (so the check had something to look at).
#[test]
fn no_closing_quote_comes_out_as_an_opening_one() {
    let site = common::site();
    for lang in LANGUAGES {
        let wrong = quotes::check_book(&site.join(lang)).unwrap();
        assert!(
            wrong.is_empty(),
            "{lang}: wrong quotes:\n  {}",
            wrong.join("\n  ")
        );
    }
    let page = fs::read_to_string(site.join("ko/data-flow.html")).unwrap();
    let (open, close) = (page.matches('“').count(), page.matches('”').count());
    assert!(
        open > 0 && open == close,
        "ko/data-flow.html has {open} “ and {close} ”"
    );
}

/// A small Korean book in a folder of its own, with the real theme.
fn korean_book(chapter: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "ko/book.toml",
        "[book]\ntitle = \"책\"\nlanguage = \"ko\"\n[output.html]\ntheme = \"../theme\"\n",
    );
    write("ko/src/SUMMARY.md", "# 차례\n\n- [장](chapter.md)\n");
    write("ko/src/chapter.md", chapter);
    let theme = Layout::of_this_repo().theme();
    for entry in fs::read_dir(&theme).unwrap() {
        let file = entry.unwrap().path();
        write(
            &format!("theme/{}", file.file_name().unwrap().to_string_lossy()),
            &fs::read_to_string(&file).unwrap(),
        );
    }
    dir
}

fn build_korean(dir: &Path) -> anyhow::Result<PathBuf> {
    let layout = Layout {
        book_dir: dir.to_path_buf(),
    };
    let out = dir.join("out");
    build::build_book(
        &layout,
        Edition::default(),
        &build::SiteLinks::default(),
        "ko",
        &out,
    )?;
    Ok(out)
}

/// Straight quotes before a particle come out right; a wrong quote planted
/// in the source (typed as `“`, which the builder does not touch) fails the
/// build with the page, the line and the words around it.
#[test]
fn a_wrong_quote_fails_the_build() {
    let fine = korean_book("# 장\n\n가정용 \"공유기\"는 NAT를 합니다. `\"코드\"`는 그대로.\n");
    let out = build_korean(fine.path()).expect("a book with straight quotes builds");
    let page = fs::read_to_string(out.join("chapter.html")).unwrap();
    assert!(
        page.contains("가정용 “공유기”는") && page.contains("<code>\"코드\"</code>"),
        "{page}"
    );

    let planted =
        korean_book("# 장\n\n가정용 \"공유기\"는 NAT를 합니다.\n\n심어 둔 “메시지“가 있습니다.\n");
    let error = format!("{:#}", build_korean(planted.path()).unwrap_err());
    assert!(
        error.contains("a closing quote came out as an opening one")
            && error.contains("chapter.html:")
            && error.contains("심어 둔 “메시지“가 있습니다."),
        "{error}"
    );
    assert!(!error.contains("공유기"), "only the planted quote: {error}");
}

/// A closing `**` after a code span and before a particle stays as text
/// (CommonMark's flanking rules); the build fails on it with the page, the
/// line and the words around it, and the same sentence written with a colon
/// builds.
#[test]
fn an_emphasis_mark_left_as_text_fails_the_build() {
    let fine = korean_book("# 장\n\n- **`rdt-recv`**: 파일 하나를 받습니다.\n- *테스트:* 없음\n");
    let out = build_korean(fine.path()).expect("a book with closed emphasis builds");
    let page = fs::read_to_string(out.join("chapter.html")).unwrap();
    assert!(
        page.contains("<strong><code>rdt-recv</code></strong>: 파일"),
        "{page}"
    );

    let planted = korean_book("# 장\n\n- **`rdt-recv`**는 파일 하나를 받습니다.\n");
    let error = format!("{:#}", build_korean(planted.path()).unwrap_err());
    assert!(
        error.contains("an emphasis mark stayed as text")
            && error.contains("chapter.html:")
            && error.contains("**rdt-recv**는 파일"),
        "{error}"
    );
}

static LANGUAGE_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"<a class="socket-lab-lang" id="socket-lab-lang" href="([^"]*)" hreflang="([a-z]+)""#,
    )
    .unwrap()
});

/// Every page of both books has the language link in its HTML, not only once
/// a script has run, and it names the same page in the other book.
#[test]
fn every_page_links_to_the_other_language_in_its_html() {
    let site = common::site();
    let mut checked = 0;
    for (lang, other) in [("en", "ko"), ("ko", "en")] {
        let book = site.join(lang);
        for page in html::pages(&book).unwrap() {
            let rel = page
                .strip_prefix(&book)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let source = fs::read_to_string(&page).unwrap();
            let links: Vec<_> = LANGUAGE_LINK.captures_iter(&source).collect();
            if rel == "toc.html" {
                assert!(
                    links.is_empty(),
                    "{lang}/toc.html: the sidebar has no language link"
                );
                continue;
            }
            assert_eq!(
                links.len(),
                1,
                "{lang}/{rel}: {} language links",
                links.len()
            );
            assert_eq!(&links[0][2], other, "{lang}/{rel}");
            if rel == "404.html" {
                continue; // resolves against its <base>, the site's address
            }
            let target = page.parent().unwrap().join(&links[0][1]);
            assert_eq!(
                target.canonicalize().ok(),
                site.join(other).join(&rel).canonicalize().ok(),
                "{lang}/{rel}: the language link goes to {}",
                &links[0][1]
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} pages checked");
}

/// An author's `mdbook serve book/en` (or `book/ko`): mdBook on its own, with
/// its default preprocessors and nothing of the builder's, still builds each
/// book (book/README.md says what such a build lacks).
#[test]
fn each_book_builds_with_a_plain_mdbook() {
    let layout = Layout::of_this_repo();
    for lang in LANGUAGES {
        let root = layout.book_root(lang);
        let out = tempfile::tempdir().unwrap();
        let mut config = Config::from_disk(root.join("book.toml")).unwrap();
        config.build.build_dir = out.path().to_path_buf();
        MDBook::load_with_config(&root, config)
            .and_then(|book| book.build())
            .unwrap_or_else(|e| panic!("a plain mdBook does not build book/{lang}: {e:#}"));
        let page = fs::read_to_string(out.path().join("socket.html")).unwrap();
        assert!(
            page.contains("socket-lab.js") && page.contains("github.com/socket-lab/socket-lab"),
            "book/{lang}: the plain build lost the theme or the repository link"
        );
    }
}
