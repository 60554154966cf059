use super::*;

const JSON: &str = r#"{
  "comment": "a small grader",
  "exercises": [
    { "name": "echo", "points": 15, "hidden_tests": 2, "hidden_points": 10,
      "tests": [ { "id": "echo.a", "points": 5 }, { "id": "echo.b", "points": 10 } ] },
    { "name": "chat", "points": 7, "hidden_tests": 1, "hidden_points": 3,
      "tests": [ { "id": "chat.a", "points": 7 } ] }
  ]
}"#;

fn numbers() -> Numbers {
    Numbers::new(
        PathBuf::from("book/grader.json"),
        Some(Grader::parse(JSON).unwrap()),
    )
}

#[test]
fn placeholders_become_the_graders_numbers_anywhere() {
    let text = "| `echo.b` | {{#grader points echo.b}} | x |\n\
                The total is {{#grader total echo}} (+{{#grader hidden-points echo}} hidden, \
                {{#grader hidden-tests echo}} tests; {{#grader tests echo}} public).\n\
                ```text\n  echo: 0/{{#grader total echo}}\ntotal: 0/{{#grader  total-all }}\n```\n";
    assert_eq!(
        numbers().substitute(text, "echo.md", Lang::En).unwrap(),
        "| `echo.b` | 10 | x |\n\
         The total is 15 (+10 hidden, 2 tests; 2 public).\n\
         ```text\n  echo: 0/15\ntotal: 0/22\n```\n"
    );
    let plain = "no placeholder {{#include x.rs}}\n";
    assert_eq!(
        numbers().substitute(plain, "a.md", Lang::En).unwrap(),
        plain
    );
}

#[test]
fn unknown_names_and_keywords_name_file_and_line() {
    let error = |text: &str| {
        format!(
            "{:#}",
            numbers()
                .substitute(text, "ko/echo.md", Lang::En)
                .unwrap_err()
        )
    };
    let e = error("a\n\nb {{#grader points echo.zzz}}\n");
    assert!(
        e.starts_with("ko/echo.md:3: {{#grader points echo.zzz}}: "),
        "{e}"
    );
    assert!(e.contains("no public test \"echo.zzz\""), "{e}");
    let e = error("{{#grader total ftp}}");
    assert!(
        e.starts_with("ko/echo.md:1: ") && e.contains("no exercise \"ftp\""),
        "{e}"
    );
    assert!(e.contains("echo, chat"), "{e}");
    for bad in [
        "{{#grader sum echo}}",
        "{{#grader total}}",
        "{{#grader}}",
        "{{#grader total-all echo}}",
    ] {
        assert!(
            error(bad).contains("unknown: write points TEST_ID"),
            "{bad}"
        );
    }
    assert!(error("x\n{{#grader total echo\n}}").starts_with("ko/echo.md:2: "));
}

#[test]
fn a_missing_grader_json_matters_only_to_placeholders() {
    let none = Numbers::new(PathBuf::from("/fixture/grader.json"), None);
    assert_eq!(
        none.substitute("plain 100\n", "a.md", Lang::En).unwrap(),
        "plain 100\n"
    );
    let e = format!(
        "{:#}",
        none.substitute("x {{#grader total-all}}\n", "a.md", Lang::En)
            .unwrap_err()
    );
    assert!(
        e.contains("a.md:1: ") && e.contains("there is no /fixture/grader.json"),
        "{e}"
    );
    assert!(
        none.check_chapter("echo", "| Test | Points |\n|---|---|\n| a | 5 |\n", "a.md")
            .is_empty()
    );
}

#[test]
fn totals_must_add_up() {
    let wrong = JSON.replace("\"points\": 15", "\"points\": 16");
    let e = format!("{:#}", Grader::parse(&wrong).unwrap_err());
    assert!(e.contains("echo: points is 16, its tests sum to 15"), "{e}");
}

const GOOD_TABLE: &str = "\
# Echo

| Test | Points | What it checks |
|---|---|---|
| `echo.a` | {{#grader points echo.a}} | one |
| `echo.b` | {{#grader points echo.b}} | two |

A report: `echo.b 0/{{#grader points echo.b}}` and chat's {{#grader points chat.a}}.
";

#[test]
fn the_test_table_follows_the_grader() {
    assert_eq!(
        numbers().check_chapter("echo", GOOD_TABLE, "en/echo.md"),
        Vec::<String>::new()
    );
    // The Korean header.
    let ko = GOOD_TABLE.replace("| Test | Points |", "| 테스트 | 점수 |");
    assert!(
        numbers()
            .check_chapter("echo", &ko, "ko/echo.md")
            .is_empty()
    );
    // A chapter that is no exercise of the grader's is not checked.
    assert!(
        numbers()
            .check_chapter("osi", "| a | 5 |\n", "osi.md")
            .is_empty()
    );
}

#[test]
fn the_check_names_each_problem_with_file_and_line() {
    let check = |text: &str| numbers().check_chapter("echo", text, "en/echo.md");

    let typed = GOOD_TABLE.replace("{{#grader points echo.a}}", "5");
    assert_eq!(
        check(&typed),
        [
            "en/echo.md:5: a typed number (5) in the points column: write {{#grader points TEST_ID}}",
            "en/echo.md: the test table has no row for echo.a ({{#grader points echo.a}})",
        ]
    );

    let swapped = GOOD_TABLE
        .replace("points echo.a}}", "points X}}")
        .replace("points echo.b}} | two", "points echo.a}} | two")
        .replace("points X}}", "points echo.b}}");
    let problems = check(&swapped);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("en/echo.md:6: echo.a comes before echo.b"),
        "{problems:?}"
    );

    let twice = GOOD_TABLE.replace("points echo.b}} | two", "points echo.a}} | two");
    assert_eq!(
        check(&twice),
        [
            "en/echo.md:6: echo.a has a row already (line 5)",
            "en/echo.md: the test table has no row for echo.b ({{#grader points echo.b}})",
        ]
    );

    let foreign = GOOD_TABLE.replace(
        "| `echo.b` | {{#grader points echo.b}}",
        "| `chat.a` | {{#grader points chat.a}}",
    );
    let problems = check(&foreign);
    assert_eq!(
        problems[0],
        "en/echo.md:6: chat.a is not a public test of echo"
    );
}
