//! The student template holds no answers: the body of no function of
//! `solutions/` appears in anything `classroom export` writes (book pages,
//! starters, the grader, workflows, READMEs), whatever its spacing and
//! comments. Code the starters already give every student is not an answer.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::common::{export_template, root};
use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Bodies shorter than this (without whitespace) are too generic to be an
/// answer (`{ Ok(()) }`, a one-call wrapper).
const MIN_BODY: usize = 60;

/// Bodies in `solutions/` that are not answers though the template holds
/// them: (file, a piece of the squeezed body), each with why.
const NOT_ANSWERS: &[(&str, &str)] = &[
    // xorshift64*, the test data of the solution's own tests: the book's
    // echo_models test draws its bytes from the same generator.
    (
        "solutions/reliable-udp/tests/common/mod.rs",
        "wrapping_mul(0x2545_f491_4f6c_dd1d)",
    ),
];

/// Files under `dir`, recursively, without build output.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Text without `//` comments and without any whitespace: the same code
/// spaced or commented differently compares equal.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        out.extend(code.chars().filter(|c| !c.is_whitespace()));
    }
    out
}

/// The bodies (`{ … }` after `fn name(…) -> T`) of every function in
/// `tokens`, nested ones included, squeezed.
fn bodies(tokens: TokenStream, out: &mut Vec<String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut after_fn = false;
    for tree in trees {
        match &tree {
            TokenTree::Ident(ident) if ident == "fn" => after_fn = true,
            TokenTree::Punct(p) if p.as_char() == ';' => after_fn = false,
            TokenTree::Group(group) => {
                if after_fn && group.delimiter() == Delimiter::Brace {
                    out.push(squeeze(&group.stream().to_string()));
                    after_fn = false;
                }
                bodies(group.stream(), out);
            }
            _ => {}
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect()
}

#[test]
fn the_template_holds_no_solution_code() {
    let root = root();
    let given: String = rust_files(&root.join("exercises"))
        .iter()
        .map(|f| squeeze(&std::fs::read_to_string(f).unwrap()))
        .collect();
    let mut answers = Vec::new();
    for file in rust_files(&root.join("solutions")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let tokens = TokenStream::from_str(&text).expect("solutions parse");
        let mut found = Vec::new();
        bodies(tokens, &mut found);
        let rel = file.strip_prefix(&root).unwrap().to_path_buf();
        for body in found {
            let not_an_answer = NOT_ANSWERS
                .iter()
                .any(|(f, piece)| rel == Path::new(f) && body.contains(piece));
            if body.len() >= MIN_BODY && !given.contains(&body) && !not_an_answer {
                answers.push((rel.clone(), body));
            }
        }
    }
    // The search can find something: the solutions have many bodies.
    assert!(answers.len() > 40, "only {} bodies", answers.len());

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-answers-export");
    export_template(&dir);
    assert!(files(&dir).len() > 50);
    let found = leaks(&dir, &answers);
    assert!(found.is_empty(), "{}", found.join("\n"));

    // And the search would find one: a page with a solution pasted into a
    // code block, indented and commented differently.
    let pasted: String =
        std::fs::read_to_string(root.join("solutions/echo/src/bin/echo-server.rs"))
            .unwrap()
            .lines()
            .map(|l| format!("    {l} // pasted\n"))
            .collect();
    std::fs::write(
        dir.join("book/en/src/pasted.md"),
        format!("# Notes\n\n```rust\n{pasted}```\n"),
    )
    .unwrap();
    let found = leaks(&dir, &answers);
    assert!(
        found.iter().any(|l| l.starts_with("book/en/src/pasted.md")),
        "{found:?}"
    );
}

/// Every (exported file, solution function) where the file holds the body.
fn leaks(dir: &Path, answers: &[(PathBuf, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files(dir) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue; // images and other binary files
        };
        let text = squeeze(&text);
        for (source, body) in answers {
            if text.contains(body.as_str()) {
                found.push(format!(
                    "{} holds a function body of {}: {}…",
                    file.strip_prefix(dir).unwrap().display(),
                    source.display(),
                    body.chars().take(80).collect::<String>()
                ));
            }
        }
    }
    found
}
