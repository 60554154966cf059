//! The editions and the grader's numbers (book/builder/src/preprocess.rs):
//! the builder's preprocessor runs before mdBook's `links`, and the course
//! edition of this repository's book shows no line of the reference solutions.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use anyhow::Result;
use mdbook_driver::builtin_renderers::MarkdownRenderer;
use mdbook_driver::config::Config;
use socket_lab_book::edition::Edition;
use socket_lab_book::numbers::Numbers;
use socket_lab_book::parity::Needles;
use socket_lab_book::preprocess::{self, SocketLab};
use socket_lab_book::{Layout, build, html};

/// A repository with one book, `book/en`, whose one chapter is `chapter`, in
/// `exercises/echo-notes.md`: the grader has no exercise `echo-notes`, so
/// there is no test table to check (see [`fixture_at`]).
fn fixture(chapter: &str, grader_json: bool) -> tempfile::TempDir {
    fixture_at("exercises/echo-notes.md", chapter, grader_json)
}

/// The same with the chapter at `path` (`exercises/echo.md` is checked
/// against grader.json's exercise `echo`).
fn fixture_at(path: &str, chapter: &str, grader_json: bool) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = repo.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write("book/en/book.toml", "[book]\ntitle = \"t\"\n");
    write(
        "book/en/src/SUMMARY.md",
        &format!("# Summary\n\n- [Echo]({path})\n"),
    );
    write(&format!("book/en/src/{path}"), chapter);
    write("book/examples/shown.rs", "fn shown() {}\n");
    write("solutions/echo/secret.rs", "fn secret() {}\n");
    if grader_json {
        write(
            "book/grader.json",
            r#"{ "exercises": [ { "name": "echo", "points": 5, "hidden_tests": 1,
                 "hidden_points": 10, "tests": [ { "id": "echo.a", "points": 5 } ] } ] }"#,
        );
    }
    repo
}

/// The chapter after every preprocessor, as the renderer would get it.
fn preprocessed(repo: &Path, edition: Edition) -> Result<String> {
    let root = repo.join("book/en");
    let socket_lab = SocketLab {
        edition,
        numbers: Numbers::load(&repo.join("book"))?,
        reports: socket_lab_book::reports::Reports::load(&repo.join("book")),
        repo_root: repo.to_path_buf(),
    };
    let config = Config::from_disk(root.join("book.toml"))?;
    let book = preprocess::load(&root, config, socket_lab)?;
    let (book, _) = book.preprocess_book(&MarkdownRenderer::new())?;
    Ok(book.chapters().next().unwrap().content.clone())
}

const CHAPTER: &str = "\
{{#include ../../../examples/shown.rs}}
The total is {{#grader total echo}}.
<!-- edition: self-study -->
{{#include ../../../../solutions/echo/secret.rs}}
<!-- /edition -->
<!-- edition: course -->
The idea.
<!-- /edition -->
";

#[test]
fn each_edition_keeps_its_blocks_and_links_expands_what_is_left() {
    let repo = fixture(CHAPTER, true);
    let self_study = preprocessed(repo.path(), Edition::SelfStudy).unwrap();
    assert_eq!(
        self_study,
        "fn shown() {}\nThe total is 5.\nfn secret() {}\n"
    );
    let course = preprocessed(repo.path(), Edition::Course).unwrap();
    assert_eq!(course, "fn shown() {}\nThe total is 5.\nThe idea.\n");
}

#[test]
fn the_preprocessor_runs_before_links() {
    // Had `links` run first, the course edition would see `fn secret() {}`,
    // not the include: refusing the include proves the order.
    let leak = "intro\n{{#include ../../../../solutions/echo/secret.rs}}\n";
    let repo = fixture(leak, true);
    let e = format!(
        "{:#}",
        preprocessed(repo.path(), Edition::Course).unwrap_err()
    );
    assert!(
        e.contains(
            "book/en/src/exercises/echo-notes.md:2: the course edition must not include \
             ../../../../solutions/echo/secret.rs: wrap it in <!-- edition: self-study -->"
        ),
        "{e}"
    );
    // And a dropped block's include is never read: a missing file there is
    // no error (`links` would report it, and leave the directive in the page).
    let missing = CHAPTER.replace("echo/secret.rs", "echo/missing.rs");
    let repo = fixture(&missing, true);
    assert!(preprocessed(repo.path(), Edition::Course).is_ok());
}

#[test]
fn a_book_without_grader_json_builds_until_it_uses_a_placeholder() {
    let repo = fixture(
        "no numbers here, {{#include ../../../examples/shown.rs}}\n",
        false,
    );
    assert!(preprocessed(repo.path(), Edition::Course).is_ok());
    let repo = fixture(
        "| Test | Points |\n|---|---|\n| x | {{#grader points echo.a}} |\n",
        false,
    );
    let e = format!(
        "{:#}",
        preprocessed(repo.path(), Edition::Course).unwrap_err()
    );
    assert!(
        e.contains("echo-notes.md:3: {{#grader points echo.a}}: there is no "),
        "{e}"
    );
}

#[test]
fn an_exercise_chapter_with_a_typed_number_does_not_build() {
    let table = "| Test | Points |\n|---|---|\n| `echo.a` | 5 |\n";
    let repo = fixture_at("exercises/echo.md", table, true);
    let e = format!(
        "{:#}",
        preprocessed(repo.path(), Edition::SelfStudy).unwrap_err()
    );
    assert!(
        e.contains("exercises/echo.md:3: a typed number (5) in the points column"),
        "{e}"
    );
    assert!(e.contains("the test table has no row for echo.a"), "{e}");
}

/// Trimmed lines of at least 40 characters of every file under `dir`.
fn long_lines(dir: &Path) -> HashSet<String> {
    let mut lines = HashSet::new();
    html::walk(dir, &mut |file| {
        let skip = file.components().any(|c| c.as_os_str() == "target");
        if let (false, Ok(text)) = (skip, fs::read_to_string(file)) {
            lines.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| l.chars().count() >= 40)
                    .map(String::from),
            );
        }
    })
    .unwrap();
    lines
}

/// The solutions' own long lines that `site` shows, with the page they are in.
fn solution_lines_in(site: &Path, solution_lines: &[String]) -> Vec<(String, String)> {
    let needles = Needles::new(solution_lines);
    let mut found = Vec::new();
    for page in html::pages(site).unwrap() {
        let text = html::decode_entities(&fs::read_to_string(&page).unwrap());
        for line in needles.found_in(&text) {
            let page = page.strip_prefix(site).unwrap().display().to_string();
            found.push((page, line.to_string()));
        }
    }
    found
}

#[test]
fn the_course_edition_shows_no_line_of_the_solutions() {
    let repo = Layout::of_this_repo().repo_root();
    let mut shared = long_lines(&repo.join("exercises"));
    shared.extend(long_lines(&repo.join("book/examples")));
    let solution_lines: Vec<String> = long_lines(&repo.join("solutions"))
        .into_iter()
        .filter(|l| !shared.contains(l))
        .collect();
    assert!(
        solution_lines.len() > 100,
        "solutions/ has {} own long lines",
        solution_lines.len()
    );

    // The self-study edition shows them: the search below can find a leak.
    let shown = solution_lines_in(common::site(), &solution_lines);
    assert!(
        !shown.is_empty(),
        "the self-study edition shows no solution line"
    );

    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    build::build_site(&Layout::of_this_repo(), Edition::Course, &site)
        .unwrap_or_else(|e| panic!("the course edition does not build: {e:#}"));
    let leaks = solution_lines_in(&site, &solution_lines);
    assert!(
        leaks.is_empty(),
        "the course edition shows {} line(s) of solutions/:\n  {}",
        leaks.len(),
        leaks
            .iter()
            .map(|(page, line)| format!("{page}: {line}"))
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}
