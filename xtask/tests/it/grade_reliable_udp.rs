//! The grader on the reliable-UDP exercise: the reference scores full marks,
//! public and hidden tests; the starter only `rdt.recv.ready` (its socket and
//! readiness line are given), and its Korean report has no English outside
//! code and the programs' own output.

use std::sync::{Mutex, MutexGuard};

use crate::common::grade;

/// One grade at a time: `rdt.efficiency` times the pair under test and the
/// grader's own side by side, and the starter's build beside the reference's
/// grade would load the machine for no gain (it is short).
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn reference_solution_scores_full_marks() {
    let _turn = one_at_a_time();
    let graded = grade(
        "rdt-solution",
        &["reliable-udp", "--solutions", "--lang", "en"],
    );
    assert_eq!(graded.code, 0, "{}\n{}", graded.stdout, graded.stderr);
    let (score, max) = graded.score();
    assert_eq!(score, max, "{}", graded.stdout);
    // The hidden tests ran too (this checkout is the instructor's).
    for id in ["rdt.efficiency", "rdt.heavy", "rdt.recv.stranger"] {
        assert_eq!(graded.test(id)["status"], "pass", "{}", graded.stdout);
    }
    assert!(max >= 105, "{max}");
}

/// The starter gives the receiver's socket and readiness line, and nothing
/// else: `rdt.recv.ready` is the one test it passes. Graded in Korean, its
/// report is Korean but for code, ids, paths and what the programs printed.
#[test]
fn starter_scores_only_the_readiness_test_and_reports_in_korean() {
    let _turn = one_at_a_time();
    let graded = grade("rdt-starter", &["reliable-udp", "--lang", "ko"]);
    assert_eq!(graded.code, 1, "{}\n{}", graded.stdout, graded.stderr);
    let ready = graded.test("rdt.recv.ready");
    assert_eq!(ready["status"], "pass", "{}", graded.stdout);
    let mut failed = graded.failed();
    failed.sort();
    let tests = graded.json["tests"].as_array().unwrap();
    assert_eq!(failed.len(), tests.len() - 1, "{}", graded.stdout);
    assert_eq!(
        graded.score().0,
        ready["max_score"].as_u64().unwrap(),
        "{}",
        graded.stdout
    );
    assert!(
        graded.stdout.contains("아직 시작 코드 그대로입니다"),
        "{}",
        graded.stdout
    );
    let english = english_words(&graded.stdout);
    assert!(
        english.is_empty(),
        "English in the Korean report: {english:?}\n{}",
        graded.stdout
    );
}

/// Words of the report that read as English: Latin-letter words outside
/// code spans, outside the programs' stderr and panic messages, that are not
/// ids, paths or commands (with `.`, `/`, `_`, `-`, `:` or digits), names in
/// capitals (DATA, ACK, SHA), units, or a gloss right after a Korean word
/// (`종료(exit)`).
fn english_words(report: &str) -> Vec<String> {
    const ALLOWED: &[&str] = &["Socket", "Lab", "cargo", "xtask", "grade", "KiB", "MiB"];
    let hangul = |c: char| ('가'..='힣').contains(&c);
    let mut found = Vec::new();
    for line in report.lines() {
        let line = line.trim();
        if line.starts_with("stderr:") || line.starts_with("stdout:") {
            continue;
        }
        // A panic's message is the program's own text (the starter's
        // todo!()s are English in this repository, Korean in a template).
        let line = match (line.find("(todo!): "), line.rfind(" (exercises/")) {
            (Some(start), Some(end)) if start < end => {
                format!("{}{}", &line[..start], &line[end..])
            }
            _ => line.to_string(),
        };
        // Code spans.
        let outside: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        for token in outside.split_whitespace() {
            if token
                .chars()
                .any(|c| c.is_ascii_digit() || "./_-:<>!=#".contains(c))
            {
                continue;
            }
            // A gloss after a Korean word: 종료(exit), 수신(read).
            if let Some(open) = token.find('(')
                && token[..open].chars().any(hangul)
            {
                continue;
            }
            let word: String = token.chars().filter(|c| c.is_ascii_alphabetic()).collect();
            let letters = word.chars().count();
            if letters < 2
                || word.chars().all(|c| c.is_ascii_uppercase())
                || ALLOWED.contains(&word.as_str())
            {
                continue;
            }
            found.push(token.to_string());
        }
    }
    found
}

#[test]
fn english_words_finds_english_and_leaves_code_alone() {
    let report = "  실패 rdt.clean 0/10 깨끗한 링크로 보낸 200 KiB가 도착한다\n\
                  단계: 종료(exit) — `rdt-send`: 종료 코드 0으로 끝나야 하는데 101로 끝났습니다 \
                  (종료 코드 101: 패닉: 아직 구현하지 않음(todo!): open_socket: resolve with x \
                  (exercises/reliable-udp/src/bin/rdt-send.rs:152:5))\n\
                  stderr: thread 'main' panicked\n\
                  DATA 1 뒤 ACK이 오지 않았습니다\n\
                  the receiver did not answer";
    assert_eq!(
        english_words(report),
        ["the", "receiver", "did", "not", "answer"]
    );
}
