//! The contract's rules and the tests that check them. Every grader test
//! names the rules it checks (`TestSpec.rules` in xtask); `book/grader.json`
//! lists, per exercise and rule, the public tests that check it and how many
//! hidden ones do (never their names).
//!
//! Each row of an exercise chapter's contract tables has a "Tests" cell:
//!
//! ```text
//! {{#grader rule echo.server.echo}}
//!   en: `echo.server.short`, `echo.server.fragmented` +2 hidden
//!   ko: `echo.server.short`, `echo.server.fragmented`, 숨겨진 테스트 2개
//! ```
//!
//! Checked on every build: an unknown rule is an error (file and line); each
//! rule of an exercise is in its chapter exactly once, in each book; every
//! rule has a test, public or hidden.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};

use crate::numbers::{Exercise, Grader};

/// The language of the book being built: the placeholder's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// From `book.toml`'s `language` (`ko`, `en`; anything else is English).
    pub fn of(language: Option<&str>) -> Lang {
        match language {
            Some(l) if l == "ko" || l.starts_with("ko-") => Lang::Ko,
            _ => Lang::En,
        }
    }
}

/// Per exercise in grader.json: `rules`, `hidden_rules`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Rules {
    /// Every rule with the public tests that check it.
    #[serde(default)]
    pub rules: BTreeMap<String, Vec<String>>,
    /// How many hidden tests check a rule (absent: none).
    #[serde(default)]
    pub hidden_rules: BTreeMap<String, u32>,
}

impl Rules {
    /// Every rule has a test, public or hidden; a hidden count is for a
    /// rule of the list.
    pub fn validate(&self, exercise: &str) -> Result<()> {
        for (rule, public) in &self.rules {
            if public.is_empty() && self.hidden(rule) == 0 {
                bail!("{exercise}: rule {rule} has no test");
            }
        }
        if let Some(rule) = self
            .hidden_rules
            .keys()
            .find(|r| !self.rules.contains_key(*r))
        {
            bail!("{exercise}: {rule} is not in its list of rules");
        }
        Ok(())
    }

    fn hidden(&self, rule: &str) -> u32 {
        self.hidden_rules.get(rule).copied().unwrap_or(0)
    }
}

impl Grader {
    /// The exercise that has `rule`.
    fn rule_owner(&self, rule: &str) -> Option<&Exercise> {
        self.exercises
            .iter()
            .find(|e| e.rules.rules.contains_key(rule))
    }

    /// The text of `{{#grader rule RULE}}` in a book in `lang`.
    pub fn rule_text(&self, rule: &str, lang: Lang) -> Result<String> {
        let exercise = self
            .rule_owner(rule)
            .ok_or_else(|| anyhow!("no rule {rule:?} (the grader's TestSpec.rules name them)"))?;
        let rules = &exercise.rules;
        let public: Vec<String> = rules.rules[rule]
            .iter()
            .map(|id| format!("`{id}`"))
            .collect();
        let hidden = rules.hidden(rule);
        let mut text = public.join(", ");
        match (lang, public.is_empty(), hidden) {
            // `validate` refuses a grader.json with such a rule.
            (_, true, 0) => bail!("rule {rule} has no test"),
            (_, _, 0) => {}
            (Lang::En, true, 1) => text = "1 hidden test".into(),
            (Lang::En, true, n) => text = format!("{n} hidden tests"),
            (Lang::En, false, n) => text.push_str(&format!(" +{n} hidden")),
            (Lang::Ko, true, n) => text = format!("숨겨진 테스트 {n}개"),
            (Lang::Ko, false, n) => text.push_str(&format!(", 숨겨진 테스트 {n}개")),
        }
        Ok(text)
    }
}

/// The rule placeholders of an exercise chapter, `(line, rule)`, against the
/// exercise's rules: each exactly once, none of another exercise's.
pub fn check_chapter(
    grader: &Grader,
    exercise: &Exercise,
    placed: &[(usize, &str)],
    name: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for &(n, rule) in placed {
        if !exercise.rules.rules.contains_key(rule) {
            // An unknown rule stops the build when it is substituted.
            if let Some(owner) = grader.rule_owner(rule) {
                problems.push(format!(
                    "{name}:{n}: rule {rule} belongs to {}, not {}",
                    owner.name, exercise.name
                ));
            }
        } else if let Some(first) = seen.get(rule) {
            problems.push(format!(
                "{name}:{n}: rule {rule} is in the chapter already (line {first})"
            ));
        } else {
            seen.insert(rule, n);
        }
    }
    for rule in exercise.rules.rules.keys() {
        if !seen.contains_key(rule.as_str()) {
            problems.push(format!(
                "{name}: no contract row has {{{{#grader rule {rule}}}}} \
                 (each rule of {} is in its chapter once)",
                exercise.name
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::numbers::Numbers;

    const JSON: &str = r#"{ "exercises": [
      { "name": "echo", "points": 15, "hidden_tests": 2, "hidden_points": 10,
        "tests": [ { "id": "echo.a", "points": 5 }, { "id": "echo.b", "points": 10 } ],
        "rules": { "echo.both": ["echo.a", "echo.b"], "echo.one": ["echo.a"],
                   "echo.hidden": [], "echo.mixed": ["echo.b"] },
        "hidden_rules": { "echo.hidden": 2, "echo.mixed": 1 } },
      { "name": "chat", "points": 7, "hidden_tests": 0, "hidden_points": 0,
        "tests": [ { "id": "chat.a", "points": 7 } ],
        "rules": { "chat.x": ["chat.a"] } }
    ] }"#;

    fn numbers() -> Numbers {
        Numbers::new(
            PathBuf::from("book/grader.json"),
            Some(Grader::parse(JSON).unwrap()),
        )
    }

    #[test]
    fn a_rule_becomes_its_tests_in_the_books_language() {
        let text = "| a | {{#grader rule echo.both}} |\n\
                    | b | {{#grader rule echo.mixed}} |\n\
                    | c | {{#grader rule echo.hidden}} |\n";
        assert_eq!(
            numbers().substitute(text, "en/echo.md", Lang::En).unwrap(),
            "| a | `echo.a`, `echo.b` |\n\
             | b | `echo.b` +1 hidden |\n\
             | c | 2 hidden tests |\n"
        );
        assert_eq!(
            numbers().substitute(text, "ko/echo.md", Lang::Ko).unwrap(),
            "| a | `echo.a`, `echo.b` |\n\
             | b | `echo.b`, 숨겨진 테스트 1개 |\n\
             | c | 숨겨진 테스트 2개 |\n"
        );
        assert_eq!(Lang::of(Some("ko")), Lang::Ko);
        assert_eq!(Lang::of(Some("en")), Lang::En);
        assert_eq!(Lang::of(None), Lang::En);
    }

    #[test]
    fn an_unknown_rule_names_file_and_line() {
        let e = numbers()
            .substitute(
                "x\n| a | {{#grader rule echo.nope}} |\n",
                "ko/echo.md",
                Lang::Ko,
            )
            .unwrap_err();
        let e = format!("{e:#}");
        assert!(
            e.starts_with("ko/echo.md:2: {{#grader rule echo.nope}}: no rule \"echo.nope\""),
            "{e}"
        );
    }

    const CHAPTER: &str = "\
| Item | Contract | Tests |
|---|---|---|
| A | a | {{#grader rule echo.both}} |
| B | b | {{#grader rule echo.one}} |
| C | c | {{#grader rule echo.hidden}} |
| D | d | {{#grader rule echo.mixed}} |

| Test | Points |
|---|---|
| `echo.a` | {{#grader points echo.a}} |
| `echo.b` | {{#grader points echo.b}} |
";

    #[test]
    fn each_rule_is_in_its_chapter_once() {
        let check = |text: &str| numbers().check_chapter("echo", text, "en/echo.md");
        assert_eq!(check(CHAPTER), Vec::<String>::new());

        let missing = CHAPTER.replace("| B | b | {{#grader rule echo.one}} |\n", "");
        assert_eq!(
            check(&missing),
            ["en/echo.md: no contract row has {{#grader rule echo.one}} \
              (each rule of echo is in its chapter once)"]
        );

        let twice = CHAPTER.replace("rule echo.one}}", "rule echo.both}}");
        assert_eq!(
            check(&twice),
            [
                "en/echo.md:4: rule echo.both is in the chapter already (line 3)",
                "en/echo.md: no contract row has {{#grader rule echo.one}} \
                 (each rule of echo is in its chapter once)",
            ]
        );

        let foreign = CHAPTER.replace(
            "| D | d | {{#grader rule echo.mixed}} |",
            "| D | d | {{#grader rule echo.mixed}} {{#grader rule chat.x}} |",
        );
        assert_eq!(
            check(&foreign),
            ["en/echo.md:6: rule chat.x belongs to chat, not echo"]
        );
    }

    #[test]
    fn every_rule_has_a_test() {
        // No way out: a rule without a test, public or hidden, stops the build.
        let untested = JSON.replace(r#""echo.one": ["echo.a"]"#, r#""echo.one": []"#);
        let e = format!("{:#}", Grader::parse(&untested).unwrap_err());
        assert_eq!(e, "echo: rule echo.one has no test");
        let hidden_only = JSON.replace(r#""echo.hidden": 2"#, r#""echo.hidden": 0"#);
        let e = format!("{:#}", Grader::parse(&hidden_only).unwrap_err());
        assert_eq!(e, "echo: rule echo.hidden has no test");
        let stray = JSON.replace(r#""echo.mixed": 1"#, r#""echo.gone": 1"#);
        let e = format!("{:#}", Grader::parse(&stray).unwrap_err());
        assert_eq!(e, "echo: echo.gone is not in its list of rules");
    }
}
