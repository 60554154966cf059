//! The numbers the book states about grading come from the grader:
//! `cargo xtask book` writes `book/grader.json` from the grader's test list
//! (xtask/src/book.rs), and chapters write placeholders instead of numbers:
//!
//! ```text
//! {{#grader points echo.server.ready}}   that public test's points
//! {{#grader tests echo}}                 how many public tests
//! {{#grader total echo}}                 the public tests' points
//! {{#grader hidden-tests echo}}          how many hidden tests
//! {{#grader hidden-points echo}}         their points
//! {{#grader total-all}}                  public points over all exercises
//! {{#grader rule echo.server.echo}}      the tests that check a contract rule
//! ```
//!
//! (The last one is text in the book's language: see [`crate::rules`].)
//!
//! A typed number goes stale the day a test's points change; a placeholder
//! cannot. [`Numbers::check_chapter`] keeps each exercise chapter's test
//! table in step with the grader: one row per public test, in its order.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result, anyhow, bail};
use regex::Regex;
use serde::Deserialize;

use crate::rules::{self, Lang, Rules};

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{#grader(?:\s([^}\n]*))?\}\}").unwrap());

/// `book/grader.json`.
#[derive(Debug, Deserialize)]
pub struct Grader {
    pub exercises: Vec<Exercise>,
}

#[derive(Debug, Deserialize)]
pub struct Exercise {
    pub name: String,
    /// The public tests' points.
    pub points: u32,
    pub hidden_tests: u32,
    pub hidden_points: u32,
    /// The public tests, in the grader's order.
    pub tests: Vec<Test>,
    /// The contract's rules and their tests.
    #[serde(flatten)]
    pub rules: Rules,
}

#[derive(Debug, Deserialize)]
pub struct Test {
    pub id: String,
    pub points: u32,
}

impl Grader {
    pub fn parse(json: &str) -> Result<Grader> {
        let grader: Grader = serde_json::from_str(json)?;
        for e in &grader.exercises {
            let sum: u32 = e.tests.iter().map(|t| t.points).sum();
            if sum != e.points {
                bail!("{}: points is {}, its tests sum to {sum}", e.name, e.points);
            }
            e.rules.validate(&e.name)?;
        }
        Ok(grader)
    }

    /// Every public test's id, all exercises.
    pub fn public_tests(&self) -> Vec<String> {
        self.exercises
            .iter()
            .flat_map(|e| e.tests.iter().map(|t| t.id.clone()))
            .collect()
    }

    fn exercise(&self, name: &str) -> Result<&Exercise> {
        self.exercises
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| {
                let names: Vec<_> = self.exercises.iter().map(|e| e.name.as_str()).collect();
                anyhow!("no exercise {name:?} (the grader has {})", names.join(", "))
            })
    }

    /// The text of `{{#grader WORDS}}` in a book in `lang`.
    fn expand(&self, words: &[&str], lang: Lang) -> Result<String> {
        match words {
            ["rule", rule] => self.rule_text(rule, lang),
            _ => self.value(words).map(|n| n.to_string()),
        }
    }

    /// The value of `{{#grader WORDS}}`, a number.
    fn value(&self, words: &[&str]) -> Result<u32> {
        Ok(match words {
            ["points", id] => {
                let test = self.exercises.iter().flat_map(|e| &e.tests);
                test.clone()
                    .find(|t| t.id == *id)
                    .map(|t| t.points)
                    .ok_or_else(|| {
                        anyhow!(
                            "no public test {id:?} (hidden tests have no points of their own here)"
                        )
                    })?
            }
            ["tests", name] => self.exercise(name)?.tests.len() as u32,
            ["total", name] => self.exercise(name)?.points,
            ["hidden-tests", name] => self.exercise(name)?.hidden_tests,
            ["hidden-points", name] => self.exercise(name)?.hidden_points,
            ["total-all"] => self.exercises.iter().map(|e| e.points).sum(),
            _ => bail!(
                "unknown: write points TEST_ID, tests EXERCISE, total EXERCISE, \
                 hidden-tests EXERCISE, hidden-points EXERCISE, total-all or rule RULE"
            ),
        })
    }
}

/// The grader's numbers for one book folder.
pub struct Numbers {
    /// `<book_dir>/grader.json`, named in errors.
    path: PathBuf,
    /// `None` when there is no such file: a book without placeholders (a test
    /// fixture built with `--book`) needs none.
    grader: Option<Grader>,
}

impl Numbers {
    /// Reads `<book_dir>/grader.json`, if there is one.
    pub fn load(book_dir: &Path) -> Result<Numbers> {
        let path = book_dir.join("grader.json");
        let grader = match std::fs::read_to_string(&path) {
            Ok(json) => Some(Grader::parse(&json).with_context(|| format!("{}", path.display()))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Numbers { path, grader })
    }

    pub fn new(path: PathBuf, grader: Option<Grader>) -> Numbers {
        Numbers { path, grader }
    }

    pub fn grader(&self) -> Option<&Grader> {
        self.grader.as_ref()
    }

    /// `text` with every placeholder replaced by its number (or, for a rule,
    /// its tests in `lang`); `name` (the chapter's file) and the line are in
    /// every error.
    pub fn substitute(&self, text: &str, name: &str, lang: Lang) -> Result<String> {
        if !text.contains("{{#grader") {
            return Ok(text.to_string());
        }
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let at = || format!("{name}:{}", i + 1);
            let mut last = 0;
            for c in PLACEHOLDER.captures_iter(line) {
                let whole = c.get(0).unwrap();
                let Some(grader) = &self.grader else {
                    bail!(
                        "{}: {}: there is no {}",
                        at(),
                        whole.as_str(),
                        self.path.display()
                    );
                };
                let words: Vec<&str> = c
                    .get(1)
                    .map_or("", |m| m.as_str())
                    .split_whitespace()
                    .collect();
                let value = grader
                    .expand(&words, lang)
                    .map_err(|e| anyhow!("{}: {}: {e}", at(), whole.as_str()))?;
                out.push_str(&line[last..whole.start()]);
                out.push_str(&value);
                last = whole.end();
            }
            if line[last..].contains("{{#grader") {
                bail!(
                    "{}: a {{{{#grader ...}}}} that is not closed on its line",
                    at()
                );
            }
            out.push_str(&line[last..]);
        }
        Ok(out)
    }

    /// The test table of `exercises/<exercise>.md` (`text`, named `name`):
    /// the `{{#grader points ID}}` in its table rows are the exercise's public
    /// tests, each once, in the grader's order, and no Points cell is a typed
    /// number. Elsewhere in the chapter (a sample report) any test's points
    /// may appear. Each of the exercise's contract rules has its
    /// `{{#grader rule RULE}}` once ([`rules::check_chapter`]). Returns the
    /// problems, each naming file and line.
    pub fn check_chapter(&self, exercise: &str, text: &str, name: &str) -> Vec<String> {
        let Some(ex) = self.grader.as_ref().and_then(|g| g.exercise(exercise).ok()) else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        let mut rows: Vec<(usize, &str)> = Vec::new(); // (line, test id)
        let mut placed: Vec<(usize, &str)> = Vec::new(); // (line, rule)
        let mut points_column: Option<usize> = None;
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let n = i + 1;
            for c in PLACEHOLDER.captures_iter(line) {
                let words = c.get(1).map_or("", |m| m.as_str());
                if let ["rule", rule] = words.split_whitespace().collect::<Vec<_>>()[..] {
                    placed.push((n, rule));
                }
            }
            let Some(cells) = table_cells(line) else {
                points_column = None; // a table ends at its first non-row line
                continue;
            };
            if lines.get(i + 1).is_some_and(|next| is_separator(next)) {
                points_column = cells.iter().position(|c| POINTS_HEADERS.contains(c));
                continue;
            }
            if let Some(cell) = points_column.and_then(|col| cells.get(col))
                && !cell.is_empty()
                && cell.chars().all(|c| c.is_ascii_digit())
            {
                problems.push(format!(
                    "{name}:{n}: a typed number ({cell}) in the points column: \
                     write {{{{#grader points TEST_ID}}}}"
                ));
            }
            for c in PLACEHOLDER.captures_iter(line) {
                let words: Vec<&str> = c
                    .get(1)
                    .map_or("", |m| m.as_str())
                    .split_whitespace()
                    .collect();
                if let ["points", id] = words[..] {
                    rows.push((n, id));
                }
            }
        }

        let expected: Vec<&str> = ex.tests.iter().map(|t| t.id.as_str()).collect();
        let mut seen: Vec<(usize, &str)> = Vec::new();
        for &(n, id) in &rows {
            if !expected.contains(&id) {
                problems.push(format!(
                    "{name}:{n}: {id} is not a public test of {exercise}"
                ));
            } else if let Some((first, _)) = seen.iter().find(|(_, s)| *s == id) {
                problems.push(format!("{name}:{n}: {id} has a row already (line {first})"));
            } else {
                seen.push((n, id));
            }
        }
        for id in &expected {
            if !seen.iter().any(|(_, s)| s == id) {
                problems.push(format!(
                    "{name}: the test table has no row for {id} ({{{{#grader points {id}}}}})"
                ));
            }
        }
        // Rows in the grader's order: each row's test comes after the previous row's.
        let index = |id: &str| expected.iter().position(|e| *e == id);
        for pair in seen.windows(2) {
            if index(pair[1].1) < index(pair[0].1) {
                problems.push(format!(
                    "{name}:{}: {} comes before {} in the grader's order (`cargo xtask grade {exercise}` lists them)",
                    pair[1].0, pair[1].1, pair[0].1
                ));
            }
        }
        if let Some(grader) = &self.grader {
            problems.extend(rules::check_chapter(grader, ex, &placed, name));
        }
        problems
    }
}

/// Headers of the points column, in both books.
const POINTS_HEADERS: [&str; 2] = ["Points", "점수"];

/// The cells of a Markdown table row, trimmed (`None` if it is not a row).
fn table_cells(line: &str) -> Option<Vec<&str>> {
    let row = line.trim().strip_prefix('|')?;
    let row = row.strip_suffix('|').unwrap_or(row);
    // An escaped `\|` is part of a cell; split on the others.
    let mut cells = Vec::new();
    let mut start = 0;
    let bytes = row.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            cells.push(row[start..i].trim());
            start = i + 1;
        }
    }
    cells.push(row[start..].trim());
    Some(cells)
}

/// `|---|:---:|`: the line under a table's header.
fn is_separator(line: &str) -> bool {
    table_cells(line).is_some_and(|cells| {
        cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')))
    })
}

#[cfg(test)]
#[path = "numbers_tests.rs"]
mod tests;
