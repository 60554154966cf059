//! What a student's crate prints reaches the instructor's terminal, the
//! report files and GitHub Classroom's log: the grader quotes it escaped and
//! cut, and never quotes what a build script printed.

use crate::common::{Graded, grade, root};
use serde_json::Value;

fn grade_fixture(name: &str) -> Graded {
    let dir = root().join("xtask/fixtures/echo").join(name);
    let graded = grade(
        &format!("quoting-{name}"),
        &["echo", "--path", dir.to_str().unwrap(), "--lang", "en"],
    );
    assert_eq!(graded.code, 1, "{}\n{}", graded.stdout, graded.stderr);
    graded
}

/// Every string in the JSON, decoded.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// Neither the report nor the JSON holds a character a terminal or a log
/// viewer would act on: ESC, BEL, a carriage return, a bidi override.
fn assert_no_control_characters(graded: &Graded) {
    let json = graded.json.to_string();
    let mut texts = vec![("report", graded.stdout.as_str()), ("json", json.as_str())];
    texts.extend(
        strings(&graded.json)
            .into_iter()
            .map(|text| ("json string", text)),
    );
    for (what, text) in texts {
        for bad in ['\x1b', '\x07', '\r', '\x08', '\u{202e}'] {
            assert!(
                !text.contains(bad),
                "{what} holds {bad:?}:\n{}",
                text.escape_debug()
            );
        }
    }
}

#[test]
fn escapes_what_the_programs_print() {
    let graded = grade_fixture("escapes");
    assert_no_control_characters(&graded);
    assert_eq!(graded.score().0, 0);

    // The readiness line, quoted back.
    let ready = graded.test("echo.server.ready")["message"]
        .as_str()
        .unwrap();
    assert!(
        ready.contains(r"`listening on \u{1b}[2J\u{1b}]0;pwned\u{7}127.0.0.1:1`"),
        "{ready}"
    );
    // The server's panic message, in the death note.
    let listen = graded.test("echo.server.listen_addr")["message"]
        .as_str()
        .unwrap();
    assert!(
        listen.contains("echo-server panicked at")
            && listen
                .contains(r"\u{1b}[31mserver\u{1b}[0m gave up\rOVERWRITTEN\u{7} \u{202e}desrever"),
        "{listen}"
    );
    // The client's panic message.
    let echo = graded.test("echo.client.echo")["message"].as_str().unwrap();
    assert!(
        echo.contains(r"\u{1b}[31mclient\u{1b}[0m gave up\rOVERWRITTEN\u{7}"),
        "{echo}"
    );
    // Its stderr lines, in a transcript.
    let refused = graded.test("echo.client.refused")["message"]
        .as_str()
        .unwrap();
    assert!(
        refused.contains(r"stderr: \u{1b}[2J\u{1b}]0;pwned\u{7}cannot\rconnect"),
        "{refused}"
    );
    assert!(
        refused.contains(r"stderr: second \u{202e}line\u{8}\u{8}\u{1b}[1A"),
        "{refused}"
    );
    // The report shows the same escapes.
    assert!(
        graded
            .stdout
            .contains(r"listening on \u{1b}[2J\u{1b}]0;pwned\u{7}127.0.0.1:1"),
        "{}",
        graded.stdout
    );
}

#[test]
fn never_quotes_a_build_script() {
    let graded = grade_fixture("build-script-leaks");
    assert_no_control_characters(&graded);
    let sentence = "a build script (build.rs) failed; its output is not shown";
    assert!(graded.stdout.contains(sentence), "{}", graded.stdout);
    assert!(
        graded.stdout.contains(
            "error: failed to run custom build command for `echo-fixture-build-script-leaks"
        ),
        "{}",
        graded.stdout
    );
    for text in [&graded.stdout, &graded.stderr, &graded.json.to_string()] {
        assert!(!text.contains("SECRET-LINE-42"), "{text}");
    }
    let tests = graded.json["tests"].as_array().unwrap();
    assert!(
        tests
            .iter()
            .all(|t| t["status"] == "error" && t["score"] == 0),
        "{}",
        graded.json
    );
    // The build error once, under the first test; the others point there.
    let message = |t: &serde_json::Value| t["message"].as_str().unwrap().to_string();
    assert!(message(&tests[0]).contains(sentence), "{}", graded.json);
    let first = tests[0]["name"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    for test in &tests[1..] {
        let text = message(test);
        assert!(!text.contains(sentence), "{text}");
        assert!(
            text.contains(&format!(
                "the crate does not build (the error is under {first})"
            )),
            "{text}"
        );
    }
    assert_eq!(graded.json["status"], "error");
}
