//! GitHub Classroom's reporter (`classroom-resources/autograding-grading-
//! reporter@v1`), as far as its arithmetic goes, and the parts of the
//! exported classroom.yml it reads: which runners, and the expression that
//! gives each runner's `<RUNNER>_RESULTS` variable.
//!
//! The reporter, per runner, decodes the variable (base64 JSON) and:
//! - logs a table row: passed tests / tests × `max_score`;
//! - adds the tests' `score`s and the runner's `max_score` into the
//!   annotation `Points X/Y` (its log prints the same line).
//!
//! A workflow is right when both agree for any result: with one test per
//! runner, passed / 1 × max is the test's points or 0.

#![allow(dead_code)] // each test module uses its own part of this

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

/// RFC 4648 base64, the reverse of the grader's encoder.
pub fn unbase64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim().trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64") as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

pub fn decode(value: &str) -> Value {
    serde_json::from_slice(&unbase64(value)).expect("a runner's result is base64 JSON")
}

/// `name=value` lines, as GitHub reads `$GITHUB_OUTPUT`.
pub fn outputs(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// "total: X/Y" in the human report.
pub fn report_total(stdout: &str) -> (u64, u64) {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("total: "))
        .unwrap_or_else(|| panic!("no total in\n{stdout}"));
    let (x, y) = line.split_once('/').unwrap();
    (x.trim().parse().unwrap(), y.trim().parse().unwrap())
}

/// What the reporter step of classroom.yml says.
pub struct Workflow {
    /// The `runners:` input, in order.
    pub runners: Vec<String>,
    /// Runner → (step id, output name, fallback in base64) from
    /// `<RUNNER>_RESULTS: ${{ steps.S.outputs.O || 'FALLBACK' }}`.
    pub env: BTreeMap<String, (String, String, String)>,
}

impl Workflow {
    pub fn parse(yml: &str) -> Workflow {
        let runners: Vec<String> = yml
            .lines()
            .find_map(|l| l.trim().strip_prefix("runners: "))
            .expect("a runners input")
            .split(',')
            .map(|r| r.trim().to_string())
            .collect();
        let mut env = BTreeMap::new();
        for line in yml.lines() {
            let Some((key, expr)) = line.trim().split_once(": ") else {
                continue;
            };
            let Some(runner_upper) = key.strip_suffix("_RESULTS") else {
                continue;
            };
            let inner = expr
                .strip_prefix("${{ ")
                .and_then(|e| e.strip_suffix(" }}"))
                .unwrap_or_else(|| panic!("not an expression: {line}"));
            let (output, fallback) = inner.split_once(" || ").expect("a fallback");
            let path: Vec<&str> = output.split('.').collect();
            assert_eq!(path.len(), 4, "{output}");
            assert_eq!((path[0], path[2]), ("steps", "outputs"), "{output}");
            let fallback = fallback.trim_matches('\'').to_string();
            // The reporter reads `${runner.toUpperCase()}_RESULTS`.
            let runner = runners
                .iter()
                .find(|r| r.to_uppercase() == runner_upper)
                .unwrap_or_else(|| panic!("{key} names no runner"));
            env.insert(
                runner.clone(),
                (path[1].to_string(), path[3].to_string(), fallback),
            );
        }
        for runner in &runners {
            assert!(env.contains_key(runner), "no {runner} variable");
        }
        Workflow { runners, env }
    }

    /// The runner's result, given the grading step's outputs: GitHub's `||`
    /// takes the fallback when the output is missing or empty.
    pub fn result(&self, runner: &str, outputs: &BTreeMap<String, String>) -> Value {
        let (_, output, fallback) = &self.env[runner];
        let value = outputs
            .get(output)
            .filter(|v| !v.is_empty())
            .unwrap_or(fallback);
        decode(value)
    }
}

/// What the reporter logs and annotates.
pub struct Run {
    /// The table's scores, summed (passed / tests × max per runner).
    pub table_total: f64,
    /// `Points X/Y`: X.
    pub annotation: u64,
    /// `Points X/Y`: Y.
    pub max: u64,
    /// The log, as the reporter prints it (without colors).
    pub log: String,
}

pub fn simulate(workflow: &Workflow, outputs: &BTreeMap<String, String>) -> Run {
    let (mut table_total, mut annotation, mut max) = (0.0, 0, 0);
    let mut log = String::new();
    let _ = writeln!(log, "{:<32} {:>10} {:>9}", "runner", "score", "max");
    for runner in &workflow.runners {
        let result = workflow.result(runner, outputs);
        let tests = result["tests"].as_array().unwrap();
        let runner_max = result["max_score"].as_u64().unwrap_or(0);
        let passed = tests.iter().filter(|t| t["status"] == "pass").count();
        let score = passed as f64 / tests.len() as f64 * runner_max.max(1) as f64;
        table_total += if runner_max == 0 { 0.0 } else { score };
        let _ = writeln!(log, "{runner:<32} {score:>10.2} {runner_max:>9}");
        if runner_max > 0 {
            max += runner_max;
            annotation += tests
                .iter()
                .map(|t| t["score"].as_u64().unwrap())
                .sum::<u64>();
        }
        for test in tests {
            if test["status"] != "pass" {
                let message = test["message"].as_str().unwrap_or("");
                let first = message.lines().next().unwrap_or("");
                let _ = writeln!(log, "    ✗ {}: {first}", test["name"].as_str().unwrap());
            }
        }
    }
    let _ = writeln!(log, "table total: {table_total:.2}");
    let _ = writeln!(log, "Total points: {annotation}/{max}");
    Run {
        table_total,
        annotation,
        max,
        log,
    }
}
