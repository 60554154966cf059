//! The command line speaks the student's language (issue 15, part 3):
//! under `--lang ko` or a Korean locale, the tool's own errors and clap's
//! common ones are Korean, with clap's exit codes; the help keeps clap's
//! English under a Korean line. See xtask/src/cmdline.rs.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

/// The tool with no locale of the environment's: English unless asked.
fn xtask(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args);
    for var in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        cmd.env_remove(var);
    }
    // Without a variable set, the system's locale decides: say English.
    cmd.env("LANG", "C");
    cmd
}

/// The same, in a Korean locale.
fn xtask_ko_locale(args: &[&str]) -> Command {
    let mut cmd = xtask(args);
    cmd.env("LANG", "ko_KR.UTF-8");
    cmd
}

#[test]
fn the_tools_own_errors_follow_lang() {
    xtask(&["grade", "nope", "--lang", "ko"])
        .assert()
        .code(2)
        .stderr(contains(
            "오류: 알 수 없는 실습 `nope`입니다. 실습은 echo, file-transfer, concurrent, reliable-udp입니다",
        ))
        .stderr(contains("error:").not());
    xtask(&["grade", "nope", "--lang", "en"])
        .assert()
        .code(2)
        .stderr(contains(
            "error: unknown exercise `nope`; the exercises are:",
        ));
    xtask(&["hint", "echo", "echo.server.nope", "--lang", "ko"])
        .assert()
        .code(2)
        .stderr(contains(
            "오류: 실습 `echo`에는 `echo.server.nope`라는 테스트가 없습니다.",
        ));
    xtask(&[
        "status",
        "--lang",
        "ko",
        "--root",
        "/nonexistent-socket-lab",
    ])
    .assert()
    .code(2)
    .stderr(contains("실습 폴더가 없습니다"));
}

#[test]
fn a_korean_locale_is_enough() {
    xtask_ko_locale(&["hint", "echo", "echo.server.nope"])
        .assert()
        .code(2)
        .stderr(contains("오류: 실습 `echo`에는"));
    // --lang wins over the locale.
    xtask_ko_locale(&["grade", "nope", "--lang", "en"])
        .assert()
        .code(2)
        .stderr(contains("error: unknown exercise `nope`"));
}

#[test]
fn clap_errors_in_korean() {
    // An unknown argument, with clap's suggestion and the usage line.
    xtask(&["grade", "--sed", "1", "--lang", "ko"])
        .assert()
        .code(2)
        .stderr(contains("오류: 알 수 없는 인자 `--sed`입니다"))
        .stderr(contains("혹시 `--seed`인가요?"))
        .stderr(contains("사용법: "))
        .stderr(contains("unexpected argument").not());
    // An unknown command.
    xtask_ko_locale(&["gradee"])
        .assert()
        .code(2)
        .stderr(contains("오류: 알 수 없는 명령 `gradee`입니다"))
        .stderr(contains("`grade`"));
    // A missing value.
    xtask(&["grade", "--lang", "ko", "--seed"])
        .assert()
        .code(2)
        .stderr(contains("오류: `--seed <SEED>`에 값이 빠졌습니다"));
    // A value our own parser refuses, with its reason in Korean.
    xtask(&["grade", "--lang", "ko", "--seed", "zz"])
        .assert()
        .code(2)
        .stderr(contains(
            "오류: `--seed <SEED>`에 준 값 `zz`가 올바르지 않습니다: 16진수 시드",
        ));
    // A value that is not one of the choices (the locale says Korean, as
    // --lang's own value cannot).
    xtask_ko_locale(&["grade", "--lang", "kr"])
        .assert()
        .code(2)
        .stderr(contains(
            "오류: `kr`은 `--lang <LANG>`에 쓸 수 있는 값이 아닙니다",
        ))
        .stderr(contains("쓸 수 있는 값: en, ko"));
    // A missing argument, and two that conflict.
    xtask(&["grade", "--lang", "ko", "--path", "/tmp"])
        .assert()
        .code(2)
        .stderr(contains("오류: 꼭 필요한 인자가 빠졌습니다: <EXERCISE>"));
    xtask(&[
        "grade",
        "echo",
        "--solutions",
        "--path",
        "/tmp",
        "--lang",
        "ko",
    ])
    .assert()
    .code(2)
    .stderr(contains("함께 쓸 수 없습니다"));
}

#[test]
fn clap_errors_stay_claps_in_english() {
    xtask(&["grade", "--sed", "1"])
        .assert()
        .code(2)
        .stderr(contains("error: unexpected argument '--sed' found"))
        .stderr(contains("오류").not());
}

#[test]
fn the_help_opens_with_a_korean_line() {
    xtask_ko_locale(&["--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "(아래 도움말은 영어로만 나옵니다.",
        ))
        .stdout(contains("Usage:"));
    xtask(&["grade", "--help", "--lang", "ko"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("(아래 도움말은"));
    xtask(&["--help"])
        .assert()
        .code(0)
        .stdout(contains("아래 도움말").not());
}
