//! `.github/workflows/classroom.yml` for the student template, written from
//! the grader's test list.
//!
//! The job grades with the template's own grader (`xtask/`, public tests
//! only) and needs no secret: nothing that runs in a job the student's
//! repository controls can stay hidden from the student, so the hidden tests
//! run only in the instructor's `cargo xtask gradebook`, which also flags
//! edits to this file and to the grader.
//!
//! Every public test is one runner of GitHub Classroom's reporter with its own
//! max score, as Classroom's generated workflows do: the reporter scores a
//! runner as passed tests / tests × max score, so a runner of one test scores
//! exactly its points and the log's totals equal the annotation's. The grade
//! step writes each runner's result as a step output (see grade/json.rs); when
//! it wrote nothing (the grader did not build, the job was cancelled), each
//! runner falls back to a result of 0 points whose message says so, and a step
//! says it plainly, instead of the reporter's "Unexpected end of JSON input".

use std::fmt::Write as _;

use serde_json::json;

use crate::grade::lang::Lang;
use crate::grade::{ExerciseInfo, TestInfo, json};

/// The rustc every grade runs with: the template pins it (rust-toolchain.toml
/// and this workflow), and the gradebook warns when it grades with another.
pub const TOOLCHAIN: &str = "1.95.0";

pub struct Options {
    pub lang: Lang,
    /// The one exercise of the template (`--exercise`), or all of them.
    pub exercise: Option<String>,
    /// Where the book is published (`--book-url`), for the README.
    pub book_url: Option<String>,
}

/// The step id of the grading step, whose outputs the reporter reads.
const STEP_ID: &str = "grade";
/// Toolchain install and the builds (the grader's own is cached).
const SETUP_MINUTES: u64 = 15;

/// One reporter runner: the public test it stands for and its fallback.
pub struct Runner<'a> {
    pub name: String,
    pub exercise: &'a str,
    pub test: &'a TestInfo,
}

/// The runners of `catalog`'s public tests, in the grader's order.
pub fn runners(catalog: &[ExerciseInfo]) -> Vec<Runner<'_>> {
    catalog
        .iter()
        .flat_map(|exercise| {
            exercise
                .tests
                .iter()
                .filter(|t| !t.hidden)
                .map(|test| Runner {
                    name: json::runner(test.id),
                    exercise: exercise.name,
                    test,
                })
        })
        .collect()
}

/// The reporter's input for a runner whose result is missing: 0 of its points,
/// and why, in base64 as the grade step would have written it.
fn fallback(runner: &Runner, lang: Lang) -> String {
    let message = lang.pick(
        "The grade produced no result: the grader did not build or was stopped. See the log of the step \"Grade\".",
        "채점 결과가 없습니다. 채점기가 빌드되지 않았거나 중간에 멈췄습니다. 채점(Grade) 단계의 로그를 보세요.",
    );
    let value = json!({
        "version": 1,
        "status": "error",
        "max_score": runner.test.points,
        "tests": [{
            "name": format!("{} — {}", runner.test.id, runner.test.title.get(lang)),
            "status": "error",
            "score": 0,
            "max_score": runner.test.points,
            "message": message,
            "test_code": format!("cargo xtask grade {}", runner.exercise),
            "filename": "",
            "line_no": 0,
            "duration": 0,
        }],
    });
    json::base64(value.to_string().as_bytes())
}

pub fn classroom_yml(catalog: &[ExerciseInfo], options: &Options) -> String {
    let runners = runners(catalog);
    let mut table = String::new();
    let mut env = String::new();
    let (mut points, mut secs) = (0, 0);
    for runner in &runners {
        let test = runner.test;
        let _ = writeln!(
            table,
            "#   {:<32} {:>3} pt  {:>3} s",
            test.id,
            test.points,
            test.timeout.as_secs()
        );
        let _ = writeln!(
            env,
            "          {}_RESULTS: ${{{{ steps.{STEP_ID}.outputs.{} || '{}' }}}}",
            runner.name.to_uppercase(),
            runner.name,
            fallback(runner, options.lang),
        );
        points += test.points;
        secs += test.timeout.as_secs();
    }
    let mut hidden = String::new();
    for exercise in catalog {
        let tests: Vec<_> = exercise.tests.iter().filter(|t| t.hidden).collect();
        if !tests.is_empty() {
            let _ = writeln!(
                hidden,
                "#   {}: {} tests, {} points",
                exercise.name,
                tests.len(),
                tests.iter().map(|t| t.points).sum::<u32>()
            );
        }
    }
    if hidden.is_empty() {
        hidden.push_str("#   none\n");
    }
    let count = runners.len();
    let names: Vec<&str> = runners.iter().map(|r| r.name.as_str()).collect();
    let runner_list = names.join(",");
    let minutes = SETUP_MINUTES + secs.div_ceil(60);
    let lang = match options.lang {
        Lang::En => "en",
        Lang::Ko => "ko",
    };
    let exercise = options
        .exercise
        .as_ref()
        .map_or(String::new(), |name| format!(" {name}"));
    let (no_grade_title_en, no_grade_title_ko) = ("No grade", "채점 결과 없음");
    let (no_grade_en, no_grade_ko) = (
        "The grade produced no result: the grader (xtask/) did not build, or the job was stopped. Every test counts 0 points. See the step Grade above.",
        "채점 결과가 없습니다. 채점기(xtask/)가 빌드되지 않았거나 작업이 멈췄습니다. 모든 테스트가 0점입니다. 위의 채점(Grade) 단계를 보세요.",
    );
    format!(
        r#"# GitHub Classroom autograding for Socket Lab.
#
# Written by `cargo xtask classroom export` from the grader's test list; do not
# edit it by hand (export again instead). Changes to this file or to the grader
# in a student's repository are flagged by `cargo xtask gradebook`.
#
# It grades with this repository's own grader (xtask/), which has the public
# tests only, and needs no secret. Nothing that runs here can be hidden from
# the student, so the hidden tests run only when the instructor grades with
# `cargo xtask gradebook`; the score here counts the public tests.
#
# {count} public tests, {points} points; each is one reporter runner with its own
# max score, so the reporter's total is exact:
{table}#
# Hidden tests (the instructor's gradebook only):
{hidden}
name: Autograding Tests

on:
  push:
  workflow_dispatch:
  repository_dispatch:

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  run-autograding-tests:
    # The reporter looks its check run up by this name.
    name: Autograding Tests
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    # Every test's bound ({secs} s) plus toolchain and builds.
    timeout-minutes: {minutes}
    steps:
      - name: Check out
        uses: actions/checkout@v4
        with:
          persist-credentials: false
      # The rustc of the instructor's gradebook (also in rust-toolchain.toml).
      - uses: dtolnay/rust-toolchain@master
        with:
          toolchain: "{TOOLCHAIN}"
      # The grader's dependencies, built once per lockfile.
      - uses: Swatinem/rust-cache@v2
      - name: Grade ({count} tests, {points} points)
        id: {STEP_ID}
        run: cargo xtask grade{exercise} --classroom --lang {lang}
      - name: Say when the grade produced nothing
        if: always() && steps.{STEP_ID}.outputs.graded != 'true'
        run: |
          echo "::error title={no_grade_title_en}::{no_grade_en}"
          echo "::error title={no_grade_title_ko}::{no_grade_ko}"
          exit 1
      - name: Report to GitHub Classroom
        if: always()
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}        with:
          runners: {runner_list}
"#
    )
}
