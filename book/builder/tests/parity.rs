//! The Korean and English books have the same shape, the Korean one uses the
//! glossary's terms and no English words, and instructor notes stay out of the books and the site
//! (book/builder/src/parity.rs).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use socket_lab_book::{Layout, parity};

#[test]
fn korean_and_english_books_have_the_same_shape() {
    let layout = Layout::of_this_repo();
    let diffs = parity::check(parity::Pair {
        left: ("ko", &layout.src("ko")),
        right: ("en", &layout.src("en")),
    })
    .expect("the parity check runs");
    assert!(
        diffs.is_empty(),
        "book/ko/src and book/en/src differ ({} difference(s)):\n  {}",
        diffs.len(),
        diffs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A small English chapter and Korean ones that break it in one way each.
#[test]
fn parity_check_names_the_file_and_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let (ko, en) = (dir.path().join("ko"), dir.path().join("en"));
    let chapter_en = "# Echo\n\nRun it:\n\n```console\n$ cargo run -p echo -- 127.0.0.1:7007\n```\n\n\
        ## The spec\n\n| Field | Bytes | Meaning |\n|---|---|---|\n| len | 4 | length |\n\n\
        ![The exchange](images/echo.svg)\n\n```rust\n// Bind first.\nlet l = TcpListener::bind(\"127.0.0.1:7007\")?;\n```\n";
    let summary_en = "# Summary\n\n[Introduction](intro.md)\n\n# Sockets\n\n- [Echo](echo.md)\n  - [Spec](spec.md)\n";
    write(&en, "SUMMARY.md", summary_en);
    write(&en, "intro.md", "# Introduction\n");
    write(&en, "spec.md", "# Spec\n");
    write(&en, "echo.md", chapter_en);
    write(&en, "images/echo.svg", "<svg/>");

    // The same book in Korean, comments in code in Korean: no difference.
    let chapter_ko = chapter_en
        .replace("# Echo", "# 에코")
        .replace("Run it:", "실행합니다:")
        .replace("// Bind first.", "// 먼저 바인드합니다.")
        .replace("## The spec", "## 명세")
        .replace("| Field | Bytes | Meaning |", "| 필드 | 바이트 | 뜻 |")
        .replace("| len | 4 | length |", "| `len` | 4 | 길이 |")
        .replace("![The exchange]", "![주고받기]");
    write(
        &ko,
        "SUMMARY.md",
        "# Summary\n\n[들어가며](intro.md)\n\n# 소켓\n\n- [에코](echo.md)\n  - [명세](spec.md)\n",
    );
    write(&ko, "intro.md", "# 들어가며\n");
    write(&ko, "spec.md", "# 명세\n");
    write(&ko, "echo.md", &chapter_ko);
    write(&ko, "images/echo.svg", "<svg/>");
    let pair = parity::Pair {
        left: ("ko", &ko),
        right: ("en", &en),
    };
    let diffs = parity::check(pair).unwrap();
    assert!(diffs.is_empty(), "an equivalent pair differs: {diffs:?}");

    // Now break it: every kind of difference once.
    let broken = chapter_ko
        // a banned Korean term, and an English word
        .replace("실행합니다:", "실행합니다. 진단은 stderr, 곧 표준 에러로 보냅니다:")
        .replace("## 명세", "### 명세") // heading level
        .replace("127.0.0.1:7007\n```\n", "127.0.0.1:7008\n```\n") // code
        .replace(
            "|---|---|---|\n| `len` | 4 | 길이 |",
            "|---|---|---|\n| `len` | 4 | 길이 |\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        ) // an extra table
        .replace("images/echo.svg", "images/echo-ko.svg") // another image
        + "\n<details>\n<summary>강사 노트</summary>\n\n시간 재기.\n</details>\n"; // instructor notes
    write(&ko, "echo.md", &broken);
    // A figure with an English word.
    write(&ko, "images/echo-ko.svg", "<svg><text>payload</text></svg>");
    write(
        &ko,
        "SUMMARY.md",
        "# Summary\n\n[들어가며](intro.md)\n\n# 소켓\n\n- [에코](echo.md)\n- [명세](spec.md)\n",
    );
    write(&ko, "extra.md", "# 덤\n");

    let diffs: Vec<String> = parity::check(pair)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let notes_line = broken
        .lines()
        .position(|l| l.contains("강사 노트"))
        .unwrap()
        + 1;
    let notes = format!("echo.md (ko): line {notes_line}: instructor notes (\"강사 노트\")");
    let expect = [
        (
            "extra.md: exists in ko but not in en",
            "a file only in one language",
        ),
        (
            "images/echo-ko.svg: exists in ko but not in en",
            "an image only in one language",
        ),
        (
            "SUMMARY.md: SUMMARY entry 5 differs",
            "the SUMMARY's nesting",
        ),
        ("echo.md: heading 2 differs: ko has h3", "a heading's level"),
        (
            "echo.md: code block 1 (console) differs at its line 1",
            "code",
        ),
        (
            "echo.md: image \"images/echo-ko.svg\" is used in ko but not in en",
            "an image reference",
        ),
        (
            "echo.md: image \"images/echo.svg\" is used in en but not in ko",
            "a missing image reference",
        ),
        (
            "echo.md: tables (columns of each) differ: ko has [3, 2], en has [3]",
            "tables",
        ),
        (
            "echo.md (ko): line 3: \"표준 에러\" is not the book's term; write \"표준 오류\"",
            "a Korean term that is not the glossary's",
        ),
        (notes.as_str(), "instructor notes in a student page"),
        (
            "echo.md (ko): line 3: English word \"stderr\" in the Korean book",
            "an English word in a Korean page",
        ),
        (
            "images/echo-ko.svg (ko): line 1: English word \"payload\" in a Korean figure",
            "an English word in a Korean figure",
        ),
    ];
    for (start, kind) in expect {
        assert!(
            diffs.iter().any(|d| d.starts_with(start)),
            "the check missed {kind}: no message starting with {start:?} in\n  {}",
            diffs.join("\n  ")
        );
    }
    assert_eq!(
        diffs.len(),
        expect.len(),
        "unexpected messages:\n  {}",
        diffs.join("\n  ")
    );
}

/// The instructor notes live in `docs/instructor-guide.{en,ko}.md`: the two
/// guides have the same shape, the Korean one the glossary's terms, and no
/// sentence of either is in the built site (pages, print page, both search
/// indexes), which the same search finds a student chapter's sentences in.
#[test]
fn instructor_notes_live_in_the_guide_and_not_in_the_site() {
    let layout = Layout::of_this_repo();
    let docs = layout.repo_root().join("docs");
    let ko = docs.join("instructor-guide.ko.md");
    let en = docs.join("instructor-guide.en.md");
    let diffs = parity::check_files(
        "docs/instructor-guide.{ko,en}.md",
        parity::Pair {
            left: ("ko", &ko),
            right: ("en", &en),
        },
    )
    .expect("the guides can be read");
    assert!(
        diffs.is_empty(),
        "the instructor guides differ:\n  {}",
        diffs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );

    let mut fragments = Vec::new();
    for guide in [&ko, &en] {
        fragments.extend(parity::plain_fragments(
            &fs::read_to_string(guide).unwrap(),
            30,
        ));
    }
    assert!(
        fragments.len() > 200,
        "only {} runs of prose in the guides",
        fragments.len()
    );
    let site = common::site();
    let leaks = parity::fragments_in_site(site, &fragments).unwrap();
    assert!(
        leaks.is_empty(),
        "{} sentence(s) of the instructor guide are in the built site:\n  {}",
        leaks.len(),
        leaks
            .iter()
            .map(|(file, text)| format!("{file}: {text}"))
            .collect::<Vec<_>>()
            .join("\n  ")
    );

    // The search above does find what a student page says, in its language's
    // search index (mdBook's for English, the builder's for Korean).
    for (lang, index) in [("en", "searchindex"), ("ko", "search-cjk")] {
        let chapter = fs::read_to_string(layout.src(lang).join("socket.md")).unwrap();
        let shown = parity::plain_fragments(&chapter, 30);
        assert!(shown.len() > 10, "{lang}/socket.md: {} runs", shown.len());
        let found = parity::fragments_in_site(&site.join(lang), &shown).unwrap();
        let in_index: BTreeSet<&String> = found
            .iter()
            .filter(|(file, _)| file.starts_with(index))
            .map(|(_, text)| text)
            .collect();
        let missing: Vec<&String> = shown.iter().filter(|t| !in_index.contains(t)).collect();
        assert!(
            missing.len() * 10 <= shown.len(),
            "{lang}: {} of {} runs of socket.md are not in {index}*.js:\n  {}",
            missing.len(),
            shown.len(),
            missing
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    }
}
