//! Both books build, and every local link and image in the site points at
//! something (book/builder/src/links.rs); the browser test drives the built
//! site in headless Chromium (book/builder/src/browser.rs).

mod common;

use std::fs;

use socket_lab_book::{LANGUAGES, links};

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
