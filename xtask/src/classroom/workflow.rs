//! `.github/workflows/classroom.yml` for the student template, written from
//! the grader's test list.
//!
//! It grades in one step: the student's repository is checked out into
//! `submission/`, the instructor's grader at a pinned commit into `grader/`
//! (a private repository needs a read-only token in the secret
//! `SOCKET_LAB_GRADER_TOKEN`), and `cargo xtask grade --classroom` runs from
//! `grader/` on `submission/exercises/`, hidden tests included. Edits to the
//! grader in the student's repository change nothing. Then GitHub Classroom's
//! reporter reads the step's `result` output and reports the points.

use std::fmt::Write as _;

use crate::grade::ExerciseInfo;
use crate::grade::lang::Lang;

pub struct Options {
    /// OWNER/NAME of the instructor's repository.
    pub grader_repo: String,
    /// The commit or tag the grader is checked out at.
    pub grader_ref: String,
    pub lang: Lang,
}

/// The step id of the grading step; the reporter reads `GRADE_RESULTS`.
const STEP_ID: &str = "grade";
/// Toolchain install, the grader's own build and the exercises' builds.
const SETUP_MINUTES: u64 = 15;

pub fn classroom_yml(catalog: &[ExerciseInfo], options: &Options) -> String {
    let mut tests = String::new();
    let (mut count, mut points, mut hidden, mut secs) = (0, 0, 0, 0);
    for exercise in catalog {
        for test in &exercise.tests {
            let kind = if test.hidden { "hidden" } else { "public" };
            let _ = writeln!(
                tests,
                "#   {:<32} {:>3} pt  {:>3} s  {kind}",
                test.id,
                test.points,
                test.timeout.as_secs()
            );
            count += 1;
            points += test.points;
            hidden += usize::from(test.hidden);
            secs += test.timeout.as_secs();
        }
    }
    let minutes = SETUP_MINUTES + secs.div_ceil(60);
    let lang = match options.lang {
        Lang::En => "en",
        Lang::Ko => "ko",
    };
    let (repo, reference) = (&options.grader_repo, &options.grader_ref);
    format!(
        r#"# GitHub Classroom autograding for Socket Lab.
#
# Written by `cargo xtask classroom export` from the grader's test list; do not
# edit it by hand (export again instead). Changes to this file or to the grader
# in a student's repository are flagged by `cargo xtask gradebook`.
#
# The grader is checked out from the instructor's repository at a pinned
# commit, so the grade does not depend on the grader's copy in this
# repository, and the hidden tests run. For a private instructor repository,
# add a read-only token (contents: read) as the organization or repository
# secret SOCKET_LAB_GRADER_TOKEN.
#
# {count} tests, {points} points, {hidden} of them hidden:
{tests}
name: Autograding

on:
  push:
  workflow_dispatch:
  repository_dispatch:

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  grade:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    # Every test's bound ({secs} s) plus toolchain and builds.
    timeout-minutes: {minutes}
    steps:
      - name: Check out the submission
        uses: actions/checkout@v4
        with:
          path: submission
      - name: Check out the grader
        uses: actions/checkout@v4
        with:
          repository: {repo}
          ref: {reference}
          token: ${{{{ secrets.SOCKET_LAB_GRADER_TOKEN || github.token }}}}
          path: grader
          persist-credentials: false
      - uses: dtolnay/rust-toolchain@stable
      # The grader builds and runs the submission in bubblewrap (the
      # sandbox of `grade --submission`); Ubuntu 24.04 lets only AppArmor-
      # profiled programs make user namespaces unless this is relaxed.
      - name: Install the sandbox (bubblewrap)
        run: |
          sudo apt-get install -y --no-install-recommends bubblewrap
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true
      - name: Grade ({count} tests, {points} points)
        id: {STEP_ID}
        working-directory: grader
        run: cargo xtask grade --classroom --submission ../submission --lang {lang}
      - name: Report to GitHub Classroom
        if: always()
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          GRADE_RESULTS: ${{{{ steps.{STEP_ID}.outputs.result }}}}
        with:
          runners: {STEP_ID}
"#
    )
}
