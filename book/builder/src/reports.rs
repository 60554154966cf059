//! Reports of the grader that the chapters quote, generated, never typed.
//!
//! `cargo xtask book` grades a few fixed programs with a fixed seed, in both
//! languages, and writes what the grader printed to
//! `book/reports/<sample>.<lang>.txt`: the command on the first line (`$ …`),
//! then the report (see `xtask/src/book_reports.rs`). A chapter quotes one
//! with a directive on a line of its own:
//!
//! ```text
//! {{#report echo-starter}}                              the whole report
//! {{#report echo-starter header exercise causes tests=echo.server.ready,echo.client.bad_args score totals}}
//! {{#report echo-two-mistakes failed score}}            the failed tests and the exercise's score
//! ```
//!
//! and the builder writes, in the book's language, a `<pre>` block with the
//! parts asked for, in the report's order: `header` (the seed line),
//! `exercise` (the exercise and its folder), `causes` (a cause shared by
//! several failures, named once), `tests=ID,…` (those tests; `tests` alone:
//! all; `failed`: the failed ones), `score` (the exercise's points) and
//! `totals` (the total and what to do next). Each run of tests left out is
//! one `…` line. Inside a code block, `{{#report NAME command}}` is the
//! command alone (`$ cargo xtask grade …`).
//!
//! The book never names a hidden test: a report that has some (when the
//! public tests' ids cannot select them alone) may show only public tests
//! (book/grader.json says which), and no `causes`, `score` or `totals`,
//! whose counts would include them.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use regex::Regex;

use crate::numbers::Grader;
use crate::rules::Lang;

static DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{#report\s+([^}]*?)\s*\}\}").expect("valid regex"));

/// The folder of the generated reports.
pub struct Reports {
    dir: PathBuf,
}

/// One report, read into its parts.
#[derive(Debug, Default)]
pub struct Report {
    pub command: String,
    pub header: Vec<String>,
    pub exercises: Vec<Exercise>,
    pub totals: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Exercise {
    pub title: String,
    pub causes: Vec<String>,
    /// Each test: its id, whether it failed, and its lines.
    pub tests: Vec<(String, bool, Vec<String>)>,
    pub score: Vec<String>,
}

impl Reports {
    /// The reports under `<book_dir>/reports`.
    pub fn load(book_dir: &Path) -> Reports {
        Reports {
            dir: book_dir.join("reports"),
        }
    }

    /// `text` with every `{{#report …}}` replaced, in `lang`; `name` is the
    /// chapter's file, for errors; `grader` tells the public tests.
    pub fn expand(
        &self,
        text: &str,
        name: &str,
        lang: Lang,
        grader: Option<&Grader>,
    ) -> Result<String> {
        if !text.contains("{{#report") {
            return Ok(text.to_string());
        }
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let Some(c) = DIRECTIVE.captures(line) else {
                out.push_str(line);
                continue;
            };
            let at = format!("{name}:{}", i + 1);
            let whole = c.get(0).expect("a match");
            let words: Vec<&str> = c[1].split_whitespace().collect();
            let Some((&sample, parts)) = words.split_first() else {
                bail!("{at}: {{{{#report}}}} needs a report's name");
            };
            let file = self.dir.join(format!("{sample}.{}.txt", lang_code(lang)));
            let raw = std::fs::read_to_string(&file).with_context(|| {
                format!(
                    "{at}: no report {} (`cargo xtask book` writes the reports)",
                    file.display()
                )
            })?;
            let report = parse(&raw).with_context(|| format!("{at}: {}", file.display()))?;
            let rendered = if parts == ["command"] {
                report.command.clone()
            } else {
                let public = grader.map(|g| g.public_tests());
                let lines = select(&report, parts, public.as_deref())
                    .with_context(|| format!("{at}: {{{{#report {}}}}}", &c[1]))?;
                if line.trim() != whole.as_str() {
                    bail!("{at}: a report's block must be alone on its line");
                }
                format!(
                    "<pre><code class=\"language-text\">{}</code></pre>",
                    escape(&lines.join("\n"))
                ) + "\n"
            };
            out.push_str(&line[..whole.start()]);
            out.push_str(&rendered);
            if parts == ["command"] {
                out.push_str(&line[whole.end()..]);
            } else if line.ends_with('\n') && !rendered.ends_with('\n') {
                out.push('\n');
            }
        }
        Ok(out)
    }
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Ko => "ko",
    }
}

/// Reads a report: `$ command`, the header up to the first blank line, each
/// exercise (its title at the line's start, its items indented by two, their
/// lines by more), and the totals (the last lines, after a blank line).
pub fn parse(raw: &str) -> Result<Report> {
    let mut lines = raw.lines();
    let Some(command) = lines.next().and_then(|l| l.strip_prefix("$ ")) else {
        bail!("a report starts with `$ ` and its command");
    };
    let mut report = Report {
        command: format!("$ {command}"),
        ..Report::default()
    };
    let rest: Vec<&str> = lines.collect();
    let mut groups: Vec<Vec<&str>> = vec![Vec::new()];
    for line in rest {
        if line.trim().is_empty() {
            if !groups.last().expect("a group").is_empty() {
                groups.push(Vec::new());
            }
        } else {
            groups.last_mut().expect("a group").push(line);
        }
    }
    groups.retain(|g| !g.is_empty());
    let mut groups = groups.into_iter();
    report.header = groups
        .next()
        .unwrap_or_default()
        .iter()
        .map(|l| l.to_string())
        .collect();
    for group in groups {
        let indented = group.iter().skip(1).any(|l| l.starts_with("  "));
        if !indented {
            report.totals.extend(group.iter().map(|l| l.to_string()));
            continue;
        }
        let mut exercise = Exercise {
            title: group[0].to_string(),
            ..Exercise::default()
        };
        // Items: a line indented by exactly two starts one.
        let mut items: Vec<Vec<String>> = Vec::new();
        for line in &group[1..] {
            let item_start = line.starts_with("  ") && !line[2..].starts_with(' ');
            if item_start || items.is_empty() {
                items.push(vec![line.to_string()]);
            } else {
                items.last_mut().expect("an item").push(line.to_string());
            }
        }
        for item in items {
            let words: Vec<&str> = item[0].split_whitespace().collect();
            let is_test = words.get(1).is_some_and(|w| looks_like_test_id(w));
            if is_test {
                let failed = !matches!(words[0], "PASS" | "통과");
                exercise.tests.push((words[1].to_string(), failed, item));
            } else if words.len() == 2 && words[0].ends_with(':') && words[1].contains('/') {
                exercise.score.extend(item);
            } else {
                exercise.causes.extend(item);
            }
        }
        report.exercises.push(exercise);
    }
    Ok(report)
}

/// `echo.server.ready`, `ft.client.get`, `chat.two_clients`.
fn looks_like_test_id(word: &str) -> bool {
    word.contains('.')
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// The lines of `report` that `parts` ask for; `public` is the grader's
/// public tests, when known.
pub fn select(report: &Report, parts: &[&str], public: Option<&[String]>) -> Result<Vec<String>> {
    let all = parts.is_empty();
    let mut want_tests: Option<Vec<&str>> = None;
    let (mut header, mut exercise, mut causes, mut failed, mut score, mut totals) =
        (all, all, all, false, all, all);
    let mut all_tests = all;
    for part in parts {
        match *part {
            "header" => header = true,
            "exercise" => exercise = true,
            "causes" => causes = true,
            "tests" => all_tests = true,
            "failed" => failed = true,
            "score" => score = true,
            "totals" => totals = true,
            _ => match part.strip_prefix("tests=") {
                Some(ids) => want_tests = Some(ids.split(',').collect()),
                None => bail!(
                    "unknown part `{part}` (header, exercise, causes, tests, tests=ID,…, failed, score, totals, or command alone)"
                ),
            },
        }
    }
    let ids: Vec<&str> = report
        .exercises
        .iter()
        .flat_map(|e| e.tests.iter().map(|t| t.0.as_str()))
        .collect();
    if let Some(want) = &want_tests {
        for id in want {
            if !ids.contains(id) {
                bail!("the report has no test `{id}`; it has {}", ids.join(", "));
            }
        }
    }
    // A report with hidden tests: show none of them, nor counts of them.
    let hidden: Vec<&str> = match public {
        Some(public) => ids
            .iter()
            .copied()
            .filter(|id| !public.iter().any(|p| p == id))
            .collect(),
        None => Vec::new(),
    };
    if !hidden.is_empty() && (causes || score || totals) {
        bail!(
            "this report has hidden tests ({} of them): it may show public tests, but no causes, score or totals, which count them",
            hidden.len()
        );
    }
    let mut out = Vec::new();
    if header {
        out.extend(report.header.iter().cloned());
        out.push(String::new());
    }
    for ex in &report.exercises {
        if exercise {
            out.push(ex.title.clone());
        }
        if causes {
            out.extend(ex.causes.iter().cloned());
        }
        let mut skipped = false;
        for (id, did_fail, lines) in &ex.tests {
            let shown = !hidden.contains(&id.as_str())
                && (all_tests
                    || (failed && *did_fail)
                    || want_tests
                        .as_ref()
                        .is_some_and(|w| w.contains(&id.as_str())));
            if shown {
                if skipped {
                    out.push("  …".to_string());
                    skipped = false;
                }
                out.extend(lines.iter().cloned());
            } else {
                skipped = true;
            }
        }
        if skipped && (all_tests || failed || want_tests.is_some()) {
            out.push("  …".to_string());
        }
        if score {
            out.extend(ex.score.iter().cloned());
        }
    }
    if totals && !report.totals.is_empty() {
        out.push(String::new());
        out.extend(report.totals.iter().cloned());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    Ok(out)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "\
$ cargo xtask grade echo --seed 1234abcd --lang en
Socket Lab grader · seed 1234abcd (replay this run: cargo xtask grade --seed 1234abcd)

echo (exercises/echo)
  CAUSE echo-server panicked at exercises/echo/src/bin/echo-server.rs:93:5: `not yet implemented`
        the 2 failed tests below failed because of it; fix it first
  FAIL  echo.server.ready               0/5  prints `listening on <ip>:<port>` with the bound port
        step: listen — echo-server exited
        (same cause as above)
  FAIL  echo.server.short              0/10  echoes a short message
        (same cause as above)
  PASS  echo.server.bad_args            2/2  on a bad argument prints usage
  PASS  echo.client.bad_args            2/2  usage
  echo: 4/19

total: 4/19
Fix the first failure above, then grade again (same data: --seed 1234abcd).
";

    fn public() -> Vec<String> {
        [
            "echo.server.ready",
            "echo.server.short",
            "echo.server.bad_args",
            "echo.client.bad_args",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn reads_the_parts_of_a_report() {
        let report = parse(REPORT).unwrap();
        assert_eq!(
            report.command,
            "$ cargo xtask grade echo --seed 1234abcd --lang en"
        );
        assert_eq!(report.header.len(), 1);
        let ex = &report.exercises[0];
        assert_eq!(ex.title, "echo (exercises/echo)");
        assert_eq!(ex.causes.len(), 2);
        let tests: Vec<(&str, bool)> = ex.tests.iter().map(|t| (t.0.as_str(), t.1)).collect();
        assert_eq!(
            tests,
            [
                ("echo.server.ready", true),
                ("echo.server.short", true),
                ("echo.server.bad_args", false),
                ("echo.client.bad_args", false)
            ]
        );
        assert_eq!(ex.score, ["  echo: 4/19"]);
        assert_eq!(report.totals.len(), 2);
    }

    #[test]
    fn selects_parts_and_marks_what_is_left_out() {
        let report = parse(REPORT).unwrap();
        let public = public();
        let lines = select(
            &report,
            &[
                "exercise",
                "tests=echo.server.ready,echo.client.bad_args",
                "score",
            ],
            Some(&public),
        )
        .unwrap();
        assert_eq!(
            lines,
            [
                "echo (exercises/echo)",
                "  FAIL  echo.server.ready               0/5  prints `listening on <ip>:<port>` with the bound port",
                "        step: listen — echo-server exited",
                "        (same cause as above)",
                "  …",
                "  PASS  echo.client.bad_args            2/2  usage",
                "  echo: 4/19",
            ]
        );
        let failed = select(&report, &["failed"], Some(&public)).unwrap();
        assert_eq!(failed.iter().filter(|l| l.as_str() == "  …").count(), 1);
        assert_eq!(select(&report, &[], Some(&public)).unwrap().len(), 16);
        let err = select(&report, &["tests=echo.server.gone"], None).unwrap_err();
        assert!(
            err.to_string().contains("no test `echo.server.gone`"),
            "{err}"
        );
        assert!(select(&report, &["everything"], None).is_err());
    }

    #[test]
    fn a_report_with_hidden_tests_shows_none_and_no_totals() {
        let report = parse(REPORT).unwrap();
        // `echo.server.short` is hidden here.
        let public: Vec<String> = public()
            .into_iter()
            .filter(|t| t != "echo.server.short")
            .collect();
        let err = select(&report, &["tests", "score"], Some(&public)).unwrap_err();
        assert!(
            err.to_string().contains("hidden tests (1 of them)"),
            "{err}"
        );
        let lines = select(&report, &["tests"], Some(&public)).unwrap();
        assert!(
            !lines.iter().any(|l| l.contains("echo.server.short")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_directive_becomes_a_pre_block_or_a_command() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("reports")).unwrap();
        std::fs::write(dir.path().join("reports/s.en.txt"), REPORT).unwrap();
        let reports = Reports::load(dir.path());
        let page =
            "Run:\n\n```console\n{{#report s command}}\n```\n\n{{#report s failed}}\n\nDone.\n";
        let out = reports.expand(page, "x.md", Lang::En, None).unwrap();
        assert!(
            out.contains("```console\n$ cargo xtask grade echo --seed 1234abcd --lang en\n```"),
            "{out}"
        );
        assert!(
            out.contains("<pre><code class=\"language-text\">  FAIL  echo.server.ready"),
            "{out}"
        );
        assert!(out.contains("&lt;ip&gt;"), "{out}");
        assert!(out.contains("</code></pre>\n\nDone."), "{out}");
        let err = reports.expand(page, "x.md", Lang::Ko, None).unwrap_err();
        assert!(format!("{err:#}").contains("x.md:4: no report"), "{err:#}");
    }
}
