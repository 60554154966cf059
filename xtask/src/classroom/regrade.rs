//! `cargo xtask classroom regrade-workflow --roster FILE --shards N`: the
//! instructor's `.github/workflows/regrade.yml`, which spreads the gradebook
//! over GitHub Actions' machines (printed on stdout; it belongs in this
//! repository, which has the hidden tests, never in the student template).
//!
//! A matrix job per shard clones its part of the roster (`gradebook roster
//! --shard K/N`), grades it in the sandbox with the run's seed
//! (`gradebook --shard K/N`) and uploads its CSV and sidecar; the merge job
//! joins them (`gradebook merge`, which refuses shards that are not one
//! gradebook) and adds the similarity report. Only the clone steps see the
//! token that reads the students' repositories.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::grade::lang::Lang;
use crate::gradebook::shard;

use super::workflow::TOOLCHAIN;

#[derive(clap::Args)]
pub struct RegradeArgs {
    /// The class: a file of this repository listing the students' GitHub
    /// repositories (owner/name), one per line.
    #[arg(long, value_name = "FILE")]
    roster: PathBuf,
    /// How many machines grade the class at once (the job matrix).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=shard::MAX_SHARDS as i64))]
    shards: u32,
    /// Grade only this exercise (the assignment's template has only it).
    #[arg(long, value_name = "NAME")]
    exercise: Option<String>,
    /// The language the template was exported in (its workflow, which the
    /// flags compare, depends on it).
    #[arg(long, value_enum, default_value = "ko")]
    lang: Lang,
    /// The assignment's template repository (owner/name) to compare the
    /// submissions against (default: exported in the job from this
    /// repository's commit).
    #[arg(long, value_name = "OWNER/NAME")]
    template_repo: Option<String>,
}

/// What the workflow is written from.
pub struct Regrade {
    /// The roster's path in this repository, with `/`.
    pub roster: String,
    pub students: usize,
    pub shards: u32,
    pub exercise: Option<String>,
    pub lang: Lang,
    pub template_repo: Option<String>,
}

/// How many submissions a shard grades at once: GitHub's runners for private
/// repositories have 2 CPUs and 7 GB (a sandboxed submission uses about
/// 200 MiB, at most 4.5 GiB).
const JOBS: usize = 2;
/// The gradebook's bound on one submission (its `--timeout` default).
const STUDENT_SECS: usize = 1200;
/// Toolchain, bubblewrap, clones and the grader's build.
const SETUP_MINUTES: usize = 20;
/// GitHub ends a job on its runners after 6 hours.
const MAX_MINUTES: usize = 360;

pub fn run(root: &Path, args: RegradeArgs) -> Result<()> {
    if let Some(name) = &args.exercise
        && !crate::grade::catalog().iter().any(|e| e.name == name)
    {
        bail!("unknown exercise `{name}`");
    }
    if let Some(repo) = &args.template_repo {
        shard::parse_roster(repo).context("--template-repo")?;
    }
    let path = std::fs::canonicalize(&args.roster)
        .with_context(|| format!("reading the roster {}", args.roster.display()))?;
    let Ok(relative) = path.strip_prefix(std::fs::canonicalize(root)?) else {
        bail!(
            "the roster {} is not in this repository: the workflow reads it from its checkout",
            args.roster.display()
        );
    };
    let students = shard::read_roster(&path)?.len();
    if args.shards as usize > students {
        bail!(
            "{} shards for {students} students: some would grade nobody",
            args.shards
        );
    }
    let regrade = Regrade {
        roster: relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        students,
        shards: args.shards,
        exercise: args.exercise,
        lang: args.lang,
        template_repo: args.template_repo,
    };
    if shard_minutes(&regrade) == MAX_MINUTES {
        eprintln!(
            "warning: a shard of {} students may need more than GitHub's 6 hours when submissions hang; use more shards",
            students.div_ceil(args.shards as usize)
        );
    }
    print!("{}", regrade_yml(&regrade));
    Ok(())
}

/// A shard's bound: setup, then its submissions two at a time, each at its
/// own bound.
fn shard_minutes(regrade: &Regrade) -> usize {
    let per_shard = regrade.students.div_ceil(regrade.shards as usize);
    (SETUP_MINUTES + per_shard.div_ceil(JOBS) * STUDENT_SECS / 60).min(MAX_MINUTES)
}

pub fn regrade_yml(regrade: &Regrade) -> String {
    let lang = match regrade.lang {
        Lang::En => "en",
        Lang::Ko => "ko",
    };
    let exercise = regrade
        .exercise
        .as_ref()
        .map_or(String::new(), |name| format!(" --exercise {name}"));
    let mut command = format!(
        "--roster {} --shards {}{exercise} --lang {lang}",
        regrade.roster, regrade.shards
    );
    let (template_step, template_dir) = match &regrade.template_repo {
        Some(repo) => {
            command.push_str(&format!(" --template-repo {repo}"));
            (
                TEMPLATE_CHECKOUT.replace("@REPO@", repo),
                "\"$GITHUB_WORKSPACE/.template\"",
            )
        }
        None => (
            TEMPLATE_EXPORT.replace("@ARGS@", &format!("--lang {lang}{exercise}")),
            "\"$RUNNER_TEMP/template\"",
        ),
    };
    let matrix: Vec<String> = (1..=regrade.shards).map(|k| k.to_string()).collect();
    TEMPLATE
        .replace("@TEMPLATE_STEP@", &template_step)
        .replace("@TEMPLATE_DIR@", template_dir)
        .replace("@COMMAND@", &command)
        .replace("@MATRIX@", &matrix.join(", "))
        .replace("@SHARD_MINUTES@", &shard_minutes(regrade).to_string())
        .replace("@SETUP_MINUTES@", &SETUP_MINUTES.to_string())
        .replace("@STUDENT_SECS@", &STUDENT_SECS.to_string())
        .replace("@JOBS@", &JOBS.to_string())
        .replace(
            "@PER_SHARD@",
            &regrade
                .students
                .div_ceil(regrade.shards as usize)
                .to_string(),
        )
        .replace("@STUDENTS@", &regrade.students.to_string())
        .replace("@SHARDS@", &regrade.shards.to_string())
        .replace("@ROSTER@", &regrade.roster)
        .replace("@EXERCISE@", &exercise)
        .replace("@TOOLCHAIN@", TOOLCHAIN)
}

const TEMPLATE_EXPORT: &str = r#"      # The template exported from this commit: if a guarded file (xtask/,
      # .github/, Cargo.toml …) changed since the students got theirs, every
      # row is flagged; pass --template-repo to compare with the real one.
      - name: Export the students' template
        run: cargo xtask classroom export "$RUNNER_TEMP/template" @ARGS@
"#;

const TEMPLATE_CHECKOUT: &str = r#"      - name: Check out the students' template
        uses: actions/checkout@v4
        with:
          repository: @REPO@
          token: ${{ secrets.CLASSROOM_TOKEN }}
          path: .template
          persist-credentials: false
"#;

const TEMPLATE: &str = r#"# Re-grades the class on GitHub Actions: the @STUDENTS@ students of @ROSTER@
# split into @SHARDS@ shard(s) of at most @PER_SHARD@, one machine each.
#
# Written by `cargo xtask classroom regrade-workflow @COMMAND@`;
# do not edit it by hand: write it again (also when the roster changes).
#
# Run it from the Actions tab (Re-grade, Run workflow). It needs the secret
# CLASSROOM_TOKEN: a token that can read the students' repositories (a
# fine-grained token of the classroom's organization, Contents: read). Only
# the clone steps see it; the students' code runs in the sandbox
# (bubblewrap), without it, the network or this repository.
#
# Each shard job clones its part of the class, grades it with the run's seed
# and uploads grades-K.csv, its sidecar and the reports. The merge job checks
# that the shards are one gradebook (each once, one seed, the same columns
# and class), joins them into grades.csv in the order one machine writes it,
# and adds the similarity report, which compares the whole class.
name: Re-grade

on:
  workflow_dispatch:
    inputs:
      seed:
        description: "The random data of every test, in hex (empty: from the run's id)"
        required: false
        type: string

permissions:
  contents: read

# One re-grade at a time; a second one waits for the first.
concurrency:
  group: regrade
  cancel-in-progress: false

env:
  CARGO_TERM_COLOR: never

jobs:
  shard:
    name: Shard ${{ matrix.shard }}/@SHARDS@
    runs-on: ubuntu-24.04
    # @SETUP_MINUTES@ minutes of setup, then @PER_SHARD@ submissions, @JOBS@ at a time, each
    # bounded by @STUDENT_SECS@ s.
    timeout-minutes: @SHARD_MINUTES@
    strategy:
      fail-fast: false
      matrix:
        shard: [@MATRIX@]
    steps:
      - name: Check out
        uses: actions/checkout@v4
        with:
          persist-credentials: false
      - name: Install Rust @TOOLCHAIN@
        run: rustup toolchain install @TOOLCHAIN@ --profile minimal && rustup default @TOOLCHAIN@
      - uses: Swatinem/rust-cache@v2
      - name: Install bubblewrap
        run: |
          sudo apt-get update
          sudo apt-get install -y bubblewrap
          # Ubuntu 24.04 lets unprivileged programs make user namespaces,
          # which bubblewrap needs, only with this.
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
      - name: List shard ${{ matrix.shard }}'s students
        run: cargo xtask gradebook roster @ROSTER@ --shard ${{ matrix.shard }}/@SHARDS@ | tee "$RUNNER_TEMP/repos.txt"
      - name: Clone them
        env:
          GH_TOKEN: ${{ secrets.CLASSROOM_TOKEN }}
        run: |
          mkdir -p "$RUNNER_TEMP/submissions"
          while read -r repo; do
            gh repo clone "$repo" "$RUNNER_TEMP/submissions/${repo#*/}" -- --quiet < /dev/null ||
              echo "::warning::could not clone $repo: its row is flagged no-submission"
          done < "$RUNNER_TEMP/repos.txt"
@TEMPLATE_STEP@      - name: Grade shard ${{ matrix.shard }}/@SHARDS@
        env:
          SEED: ${{ inputs.seed }}
          SHARD: ${{ matrix.shard }}
        run: |
          # Every shard of this run has the same seed.
          seed="${SEED:-$(printf '%08x' $((GITHUB_RUN_ID % 4294967296)))}"
          mkdir -p out
          cargo xtask gradebook "$RUNNER_TEMP/submissions" --roster @ROSTER@ \
            --shard "$SHARD/@SHARDS@" --seed "$seed" --jobs @JOBS@@EXERCISE@ \
            --template @TEMPLATE_DIR@ --csv "out/grades-$SHARD.csv" \
            --target-dir "$RUNNER_TEMP/gradebook"
      - name: Upload grades-${{ matrix.shard }}.csv
        uses: actions/upload-artifact@v4
        with:
          name: shard-${{ matrix.shard }}
          path: out/
          if-no-files-found: error
      - name: Upload the students' reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: reports-${{ matrix.shard }}
          path: ${{ runner.temp }}/gradebook/*/report.txt
          if-no-files-found: ignore

  merge:
    name: Merge
    needs: shard
    runs-on: ubuntu-24.04
    timeout-minutes: 60
    steps:
      - name: Check out
        uses: actions/checkout@v4
        with:
          persist-credentials: false
      - name: Install Rust @TOOLCHAIN@
        run: rustup toolchain install @TOOLCHAIN@ --profile minimal && rustup default @TOOLCHAIN@
      - uses: Swatinem/rust-cache@v2
      - name: List the class
        run: cargo xtask gradebook roster @ROSTER@ | tee "$RUNNER_TEMP/repos.txt"
      # The similarity report compares every student with every other: it
      # reads the whole class (and runs none of it).
      - name: Clone every student
        env:
          GH_TOKEN: ${{ secrets.CLASSROOM_TOKEN }}
        run: |
          mkdir -p "$RUNNER_TEMP/submissions"
          while read -r repo; do
            gh repo clone "$repo" "$RUNNER_TEMP/submissions/${repo#*/}" -- --quiet < /dev/null ||
              echo "::warning::could not clone $repo"
          done < "$RUNNER_TEMP/repos.txt"
      - name: Download the shards
        uses: actions/download-artifact@v4
        with:
          pattern: shard-*
          path: shards
          merge-multiple: true
      - name: Merge
        run: |
          mkdir -p out
          cargo xtask gradebook merge --csv out/grades.csv \
            --submissions "$RUNNER_TEMP/submissions" shards/grades-*.csv
      - name: Upload grades.csv and the similarity report
        uses: actions/upload-artifact@v4
        with:
          name: gradebook
          path: out/
          if-no-files-found: error
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn regrade(shards: u32, template_repo: Option<&str>) -> Regrade {
        Regrade {
            roster: "classroom/roster.txt".into(),
            students: 40,
            shards,
            exercise: Some("echo".into()),
            lang: Lang::Ko,
            template_repo: template_repo.map(str::to_string),
        }
    }

    /// The lines of the job `name` (its key and everything indented under it).
    fn job<'a>(yml: &'a str, name: &str) -> Vec<&'a str> {
        let key = format!("  {name}:");
        let mut lines = yml.lines().skip_while(|l| *l != key);
        let first = lines.next().unwrap_or_else(|| panic!("no job {name}"));
        let mut job = vec![first];
        job.extend(lines.take_while(|l| l.is_empty() || l.starts_with("    ")));
        job
    }

    #[test]
    fn the_matrix_has_a_job_per_shard_and_the_merge_waits_for_them() {
        for shards in [1, 3, 7] {
            let yml = regrade_yml(&regrade(shards, None));
            let placeholder = yml
                .split('@')
                .skip(1)
                .find(|after| after.starts_with(|c: char| c.is_ascii_uppercase()));
            assert_eq!(placeholder, None, "a placeholder left:\n{yml}");
            let shard = job(&yml, "shard");
            let matrix: Vec<u32> = shard
                .iter()
                .find_map(|l| l.trim().strip_prefix("shard: ["))
                .expect("a matrix")
                .trim_end_matches(']')
                .split(", ")
                .map(|k| k.parse().unwrap())
                .collect();
            assert_eq!(matrix, (1..=shards).collect::<Vec<_>>());
            assert!(
                shard
                    .iter()
                    .any(|l| l.contains(&format!("--shard \"$SHARD/{shards}\"")))
            );
            assert!(
                shard
                    .iter()
                    .any(|l| l.contains(&format!("--shard ${{{{ matrix.shard }}}}/{shards}")))
            );
            let merge = job(&yml, "merge");
            assert!(merge.contains(&"    needs: shard"), "{merge:#?}");
            assert!(
                merge
                    .iter()
                    .any(|l| l.contains("cargo xtask gradebook merge"))
            );
            // Bounded, minimal, one at a time, pinned.
            for job in [&shard, &merge] {
                assert!(job.iter().any(|l| l.starts_with("    timeout-minutes: ")));
            }
            assert!(yml.contains("\npermissions:\n  contents: read\n\n"));
            assert!(yml.contains("\nconcurrency:\n"));
            for uses in yml.lines().filter_map(|l| l.split("uses: ").nth(1)) {
                let (_, version) = uses.split_once('@').expect(uses);
                assert!(version.starts_with('v'), "{uses}");
            }
        }
        // 40 students in 3 shards: 14 each, 7 rounds of 20 minutes, and setup.
        assert!(regrade_yml(&regrade(3, None)).contains("timeout-minutes: 160\n"));
        assert_eq!(shard_minutes(&regrade(1, None)), MAX_MINUTES);
    }

    /// The token is in the clone steps' environment only, never in a step
    /// that builds or runs a student's code.
    #[test]
    fn only_the_clone_steps_see_the_token() {
        let yml = regrade_yml(&regrade(2, Some("course/socket-lab-echo")));
        let steps: Vec<&str> = yml.split("\n      - ").skip(1).collect();
        let with_token: Vec<&str> = steps
            .iter()
            .filter(|s| s.contains("secrets."))
            .map(|s| s.lines().next().unwrap())
            .collect();
        assert_eq!(
            with_token,
            [
                "name: Clone them",
                "name: Check out the students' template",
                "name: Clone every student"
            ]
        );
        for step in &steps {
            if step.contains("uses: actions/checkout") {
                assert!(step.contains("persist-credentials: false"), "{step}");
            }
        }
    }

    #[test]
    fn the_regrade_workflow() {
        insta::assert_snapshot!(regrade_yml(&regrade(3, None)));
    }
}
