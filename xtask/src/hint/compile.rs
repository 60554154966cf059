//! Every hint's code compiles against the starter it refers to (issue 15,
//! part 6).
//!
//! A hint's code is what a student may copy into the starter: a span in
//! backticks holding a statement, several, or a block (it has `;`, `{` or
//! `=>`). Names and calls a sentence mentions (`read()`, `Ok(0)`,
//! `write_all(&buf[..n])`) are words, not code, and are not compiled.
//!
//! - Read ([`snippets`]): code outside backticks (`);`, `?;`, `=>`, `let ` …)
//!   is an error, so that none escapes the check; the code of the English
//!   and the Korean hint is the same, in the same order; a hint with code
//!   says where it goes (`context`, and `file` when not the test's binary),
//!   a hint without code has no context; `…` in code is not Rust.
//! - Compile ([`compile`]): the exercise's starter is copied into a
//!   temporary workspace of its own; each hint's code becomes the body of a
//!   function shaped by its context, in a module appended to the starter
//!   file (`use super::*`: the starter's imports, types, constants and
//!   private functions are in scope, as they are where the student writes),
//!   then one `cargo check` per exercise, in target/hint-check so that the
//!   dependencies are checked once. Each error rustc reports in a generated
//!   function names its hint, with rustc's message.
//!
//! A context is the function the code belongs in, as a signature with `_`
//! for its name: `fn _(mut stream: TcpStream) -> io::Result<()>` (the code
//! is its body), or a template with `…` where the code goes, for code that
//! belongs in a loop or a method: `impl<R: Read> FrameReader<R> { fn _(&mut
//! self) { … } }`. The code is followed by `todo!()`, so a function whose
//! code ends in a statement still has its return type.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::{Hint, parse};
use crate::grade::exercises::{self, Exercise};

/// Where the code goes in a context.
const PLACE: char = '…';

/// Code that a sentence shows outside backticks: a student would copy it
/// without the check having seen it (and `let x =`, see [`naked_code`]).
const NAKED: &[&str] = &["?;", "};", "=>", "let mut ", "{ ", " }"];

/// The folder of target/ the checks build in (every exercise shares it, so
/// tokio and sha2 are checked once, then only the starters again).
const TARGET: &str = "target/hint-check";

/// One hint's code, with where it goes.
#[derive(Debug)]
struct Snippet {
    /// How an error names it: `echo echo.server.short, hint 3 (en, ko)`.
    name: String,
    /// The starter file it goes in, relative to the crate.
    file: String,
    /// The generated function: the context with the code in place.
    item: String,
}

/// The spans in backticks of `text`, and the text outside them.
fn split_spans(text: &str) -> Result<(Vec<&str>, String), String> {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return Err("a backtick without its pair".into());
    }
    let spans = parts.iter().skip(1).step_by(2).copied().collect();
    let outside: Vec<&str> = parts.iter().step_by(2).copied().collect();
    Ok((spans, outside.join(" ")))
}

/// The code that `outside` (a hint's text outside backticks) shows, if any:
/// one of [`NAKED`], a call ended by `;` (`exit(2);`, not a sentence's
/// `(an aside);`), or a `let name =` (the English "let it" is a word).
fn naked_code(outside: &str) -> Option<&str> {
    if let Some(naked) = NAKED.iter().find(|n| outside.contains(*n)) {
        return Some(naked);
    }
    for (at, _) in outside.match_indices(");") {
        let mut depth = 0;
        for (open, c) in outside[..=at].char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' => depth -= 1,
                _ => continue,
            }
            if depth == 0 {
                let before = outside[..open].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '!') {
                    return Some(");");
                }
                break;
            }
        }
    }
    outside.match_indices("let ").find_map(|(at, _)| {
        let rest = &outside[at + 4..];
        let name = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        (name.len() < rest.len() && (name.starts_with(" =") || name.starts_with(": ")))
            .then_some("let ")
    })
}

/// Whether a span in backticks is code a student may copy.
fn is_code(span: &str) -> bool {
    span.contains(';') || span.contains('{') || span.contains("=>")
}

/// The starter file a test's code goes in by default: the binary the test
/// runs (`echo.client.*` → `src/bin/echo-client.rs`), or the exercise's
/// only binary.
fn default_file(exercise: &Exercise, test: &str) -> String {
    let role = test.split('.').nth(1).unwrap_or_default();
    let bin = exercise
        .binaries
        .iter()
        .find(|b| b.ends_with(&format!("-{role}")))
        .or(exercise.binaries.first())
        .expect("an exercise has a binary");
    format!("src/bin/{bin}.rs")
}

/// The function of one hint: its context, named `name`, with the code in
/// the place of `…` (a context without `…` gets the code as its body).
fn instantiate(context: &str, name: &str, code: &str) -> Result<String, String> {
    let Some(at) = ["fn _(", "fn _<"].iter().find_map(|f| context.find(f)) else {
        return Err(format!(
            "its context names no function `fn _(…)`: `{context}`"
        ));
    };
    let context = format!("{}fn {name}{}", &context[..at], &context[at + 4..]);
    let template = if context.contains(PLACE) {
        context
    } else {
        format!("{context} {{ {PLACE} }}")
    };
    if template.matches(PLACE).count() != 1 {
        return Err(format!("its context has more than one `{PLACE}`"));
    }
    Ok(template.replace(PLACE, &format!("{code}\n;todo!()")))
}

/// The hints of `exercise` (from the hints file's `text`) with code, ready
/// to compile, and the problems found reading them.
fn snippets(exercise: &Exercise, text: &str) -> (Vec<Snippet>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let hints: Vec<Hint> = match parse(text) {
        Ok(hints) => hints,
        Err(err) => return (found, vec![format!("{}: {err:#}", exercise.name)]),
    };
    let mut numbers = BTreeMap::<&str, usize>::new();
    for hint in &hints {
        let number = numbers.entry(&hint.test).or_default();
        *number += 1;
        let at = format!("{} {}, hint {number}", exercise.name, hint.test);
        let mut codes = Vec::new();
        for (lang, text) in [("en", &hint.en), ("ko", &hint.ko)] {
            let (spans, outside) = match split_spans(text) {
                Ok(split) => split,
                Err(err) => {
                    problems.push(format!("{at} ({lang}): {err}: {text}"));
                    continue;
                }
            };
            if let Some(naked) = naked_code(&outside) {
                problems.push(format!(
                    "{at} ({lang}): code outside backticks (`{naked}`); put the code in backticks so that it is compiled: {text}"
                ));
            }
            codes.push(spans.into_iter().filter(|s| is_code(s)).collect::<Vec<_>>());
        }
        if let [en, ko] = &codes[..]
            && en != ko
        {
            problems.push(format!(
                "{at}: the code differs between en and ko:\n  en: {en:?}\n  ko: {ko:?}"
            ));
            continue;
        }
        let Some(code) = codes.first() else { continue };
        match (&hint.context, code.is_empty()) {
            (None, true) => {}
            (Some(_), true) => problems.push(format!(
                "{at}: a context but no code in backticks (code has `;`, `{{` or `=>`)"
            )),
            (None, false) => problems.push(format!(
                "{at}: code but no context saying where it goes (context = \"fn _(…) -> …\"): {code:?}"
            )),
            (Some(context), false) => {
                if code.iter().any(|c| c.contains(PLACE)) {
                    problems.push(format!(
                        "{at}: `{PLACE}` in code is not Rust: write the code, or leave that part out of the backticks: {code:?}"
                    ));
                    continue;
                }
                let name = format!("hint_{}_{number}", hint.test.replace(['.', '-'], "_"));
                match instantiate(context, &name, &code.join("\n")) {
                    Ok(item) => found.push(Snippet {
                        name: format!("{at} (en, ko)"),
                        file: hint
                            .file
                            .clone()
                            .unwrap_or_else(|| default_file(exercise, &hint.test)),
                        item,
                    }),
                    Err(err) => problems.push(format!("{at}: {err}")),
                }
            }
        }
    }
    (found, problems)
}

/// Copies the crate at `from` into `to` as a workspace of its own, with the
/// repository's lockfile (the same versions, nothing to resolve).
fn standalone_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    crate::sandbox::copy_missing(&from.join("src"), &to.join("src"), u64::MAX)
        .map_err(std::io::Error::other)?;
    let manifest = std::fs::read_to_string(from.join("Cargo.toml"))?
        .replace("edition.workspace = true", "edition = \"2024\"")
        .replace("license.workspace = true\n", "")
        .replace("publish.workspace = true", "publish = false");
    std::fs::write(to.join("Cargo.toml"), format!("{manifest}\n[workspace]\n"))?;
    let lock = crate::workspace_root().join("Cargo.lock");
    std::fs::copy(lock, to.join("Cargo.lock"))?;
    Ok(())
}

/// Compiles `snippets` against the crate at `crate_dir` with one `cargo
/// check`; returns one problem per error, naming the hint and quoting rustc.
fn compile(exercise: &str, crate_dir: &Path, snippets: &[Snippet]) -> Vec<String> {
    // One check at a time, each copy gone before the next: every copy is a
    // workspace of its own with the same package, so cargo gives them the
    // same fingerprint in the shared target dir, and a check beside another
    // copy's could take that copy's fresh result for its own (a planted
    // broken hint passed so, two tests at once).
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    standalone_copy(crate_dir, dir.path()).unwrap();
    // Where each snippet is: file, first and last line (1-based).
    let mut placed: Vec<(String, usize, usize, &Snippet)> = Vec::new();
    let mut by_file = BTreeMap::<&str, Vec<&Snippet>>::new();
    for snippet in snippets {
        by_file.entry(&snippet.file).or_default().push(snippet);
    }
    for (file, snippets) in by_file {
        let path = dir.path().join(file);
        let mut source = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{exercise}: {file}: {err}"));
        if !source.ends_with('\n') {
            source.push('\n');
        }
        source.push_str(
            "\n// Generated by xtask/src/hint/compile.rs: each function holds one hint's code.\n\
             #[allow(warnings, clippy::all)]\nmod socket_lab_hints {\n    use super::*;\n",
        );
        for snippet in snippets {
            let first = source.lines().count() + 1;
            source.push_str(&snippet.item);
            source.push('\n');
            placed.push((file.to_string(), first, source.lines().count(), snippet));
        }
        source.push_str("}\n");
        std::fs::write(&path, source).unwrap();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--quiet", "--message-format=json"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", crate::workspace_root().join(TARGET))
        .output()
        .expect("cargo runs");
    let mut problems = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let message = &message["message"];
        let rendered = message["rendered"].as_str().unwrap_or_default().trim_end();
        let spans = message["spans"].as_array().cloned().unwrap_or_default();
        let Some(span) = spans.iter().find(|s| s["is_primary"] == true) else {
            // `aborting due to N previous errors` and the like.
            continue;
        };
        let file = span["file_name"].as_str().unwrap_or_default();
        let line = span["line_start"].as_u64().unwrap_or_default() as usize;
        let hint = placed.iter().find(|(f, first, last, _)| {
            file.ends_with(f.as_str()) && (*first..=*last).contains(&line)
        });
        match hint {
            Some((_, _, _, snippet)) => problems.push(format!(
                "{}: the code does not compile in {}:\n  {}\n{rendered}",
                snippet.name, snippet.file, snippet.item
            )),
            None => problems.push(format!(
                "{exercise}: the starter does not compile:\n{rendered}"
            )),
        }
    }
    if problems.is_empty() && !output.status.success() {
        problems.push(format!(
            "{exercise}: cargo check failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo() -> Exercise {
        exercises::find("echo").unwrap()
    }

    /// A hints file of one test, from `(en, ko, context)` hints.
    fn hints_file(hints: &[(&str, &str, Option<&str>)]) -> String {
        let mut text = String::new();
        for (en, ko, context) in hints {
            let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
            text.push_str(&format!(
                "[[hint]]\ntest = \"echo.server.short\"\nen = \"{}\"\nko = \"{}\"\n",
                quote(en),
                quote(ko)
            ));
            if let Some(context) = context {
                text.push_str(&format!("context = \"{}\"\n", quote(context)));
            }
        }
        text
    }

    #[test]
    fn every_hint_with_code_says_where_it_goes_and_hides_none() {
        let mut problems = Vec::new();
        let mut count = 0;
        for exercise in exercises::all() {
            let (found, found_problems) = snippets(&exercise, exercise.hints);
            count += found.len();
            problems.extend(found_problems);
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
        assert!(count > 0);
    }

    #[test]
    fn code_is_found_wherever_it_hides() {
        let bad = hints_file(&[
            // Code outside backticks.
            (
                "Then s.write_all(&buf[..n])?; done.",
                "그다음 s.write_all(&buf[..n])?; 입니다.",
                None,
            ),
            // Code in English differs from the Korean.
            ("`let n = 1;` here", "`let n = 2;` 여기", Some("fn _()")),
            // Code without a context.
            ("`let n = 1;` here", "`let n = 1;` 여기", None),
            // An ellipsis in code.
            (
                "`match x { Ok(_) => 1, … }`",
                "`match x { Ok(_) => 1, … }`",
                Some("fn _(x: io::Result<()>)"),
            ),
            // A context without code, and an unpaired backtick.
            ("no code", "코드 없음 `", Some("fn _()")),
        ]);
        let (found, problems) = snippets(&echo(), &bad);
        assert!(found.is_empty(), "{found:?}");
        let expect = [
            "hint 1 (en): code outside backticks",
            "hint 1 (ko): code outside backticks",
            "hint 2: the code differs between en and ko",
            "hint 3: code but no context",
            "hint 4: `…` in code is not Rust",
            "hint 5 (ko): a backtick without its pair",
            "hint 5: a context but no code",
        ];
        for want in expect {
            assert!(
                problems.iter().any(|p| p.contains(want)),
                "no problem says `{want}`:\n{}",
                problems.join("\n")
            );
        }
        assert_eq!(problems.len(), expect.len(), "{}", problems.join("\n"));
    }

    #[test]
    fn naked_code_is_told_from_words() {
        assert_eq!(naked_code("then let n = s.read(x)"), Some("let "));
        assert_eq!(naked_code("let digest: [u8; 32] = h"), Some("let "));
        assert_eq!(naked_code("start from it and let  replace it"), None);
        assert_eq!(naked_code("a tab, its name; a STATUS OK"), None);
        assert_eq!(naked_code("write_all(&buf[..n]) (it loops)"), None);
        assert_eq!(naked_code("eprintln!(\"usage\"); exit(2)"), Some(");"));
        assert_eq!(naked_code("std::process::exit(2); before"), Some(");"));
        assert_eq!(
            naked_code("the bytes (the kind and the payload); never"),
            None
        );
        assert_eq!(
            naked_code("before it (signal(SignalKind::terminate())); then"),
            None
        );
    }

    #[test]
    fn a_context_becomes_a_function_around_the_code() {
        assert_eq!(
            instantiate("fn _(s: &str) -> u8", "hint_a_1", "let n = s.len();").unwrap(),
            "fn hint_a_1(s: &str) -> u8 { let n = s.len();\n;todo!() }"
        );
        assert_eq!(
            instantiate("impl A { fn _(&self) { loop { … } } }", "h", "continue;").unwrap(),
            "impl A { fn h(&self) { loop { continue;\n;todo!() } } }"
        );
        assert_eq!(
            instantiate("async fn _<W: Write>(w: W)", "h", "1;").unwrap(),
            "async fn h<W: Write>(w: W) { 1;\n;todo!() }"
        );
        assert!(instantiate("fn main()", "h", "1;").is_err());
    }

    /// The check fails on broken code, naming the hint and quoting rustc,
    /// and passes the code beside it that compiles: a planted hint set
    /// against the echo starter.
    #[test]
    fn planted_broken_code_fails_the_compile_check() {
        let planted = hints_file(&[
            (
                "Bind: `let listener = TcpListener::bind(&args.listen)?;`",
                "바인드: `let listener = TcpListener::bind(&args.listen)?;`",
                Some("fn _() -> io::Result<()>"),
            ),
            (
                "Skip it: `if n == 0 { continue; }`",
                "건너뛰기: `if n == 0 { continue; }`",
                Some("fn _(n: usize)"),
            ),
            (
                "Echo: `let n = stream.read(&mut buf)?; stream.write_all(&buf[..n])?;`",
                "에코: `let n = stream.read(&mut buf)?; stream.write_all(&buf[..n])?;`",
                Some("fn _(mut stream: TcpStream, mut buf: [u8; BUF_SIZE]) -> io::Result<()>"),
            ),
        ]);
        let (found, problems) = snippets(&echo(), &planted);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(found.len(), 3);
        let problems = compile(
            "echo",
            &crate::workspace_root().join("exercises/echo"),
            &found,
        );
        let text = problems.join("\n");
        assert_eq!(problems.len(), 2, "{text}");
        assert!(
            problems[0].starts_with("echo echo.server.short, hint 1 (en, ko)"),
            "{text}"
        );
        assert!(text.contains("cannot find value `args`"), "{text}");
        assert!(
            problems[1].starts_with("echo echo.server.short, hint 2 (en, ko)"),
            "{text}"
        );
        assert!(text.contains("`continue` outside of a loop"), "{text}");
        assert!(!text.contains("hint 3"), "{text}");
    }

    /// Every hint's code compiles against its exercise's starter: one
    /// `cargo check` per exercise.
    #[test]
    fn every_hint_compiles_against_its_starter() {
        let root = crate::workspace_root();
        let mut problems = Vec::new();
        let mut total = 0;
        for exercise in exercises::all() {
            let (found, _) = snippets(&exercise, exercise.hints);
            total += found.len();
            let started = std::time::Instant::now();
            problems.extend(compile(
                exercise.name,
                &root.join("exercises").join(exercise.dir),
                &found,
            ));
            eprintln!(
                "{}: {} hints with code checked in {:.1} s",
                exercise.name,
                found.len(),
                started.elapsed().as_secs_f64()
            );
        }
        eprintln!("{total} hints with code");
        assert!(
            problems.is_empty(),
            "{} problems:\n\n{}",
            problems.len(),
            problems.join("\n\n")
        );
    }
}
