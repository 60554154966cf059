use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::pairs::pairs_in;
use super::render::render;
use super::rules::problems;
use super::*;

fn pair(form: Form, en: &str, ko: &str, args: &[(Option<&str>, &str)]) -> Pair {
    Pair {
        file: "planted.rs".into(),
        line: 1,
        form,
        format: form == Form::Tr,
        en: en.into(),
        ko: ko.into(),
        args: args
            .iter()
            .map(|(n, e)| (n.map(String::from), e.to_string()))
            .collect(),
    }
}

fn kinds(pair: &Pair) -> Vec<Kind> {
    problems(pair, &banned_terms())
        .into_iter()
        .map(|p| p.kind)
        .collect()
}

/// Every message and hint of the grader passes the check.
#[test]
fn every_message_and_hint_reads_as_korean() {
    let (pairs, unpaired) = every_pair();
    let banned = banned_terms();
    assert!(
        banned.iter().any(|(v, _)| v == "표준 에러"),
        "the book's banned terms were not read: {banned:?}"
    );
    let mut report = String::new();
    let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
    for pair in &pairs {
        for problem in problems(pair, &banned) {
            *counts.entry(problem.kind).or_default() += 1;
            let _ = writeln!(
                report,
                "{}:{} [{:?}] {}\n    ko: {}\n    en: {}",
                pair.file,
                pair.line,
                problem.kind,
                problem.what,
                render(pair),
                pair.en
            );
        }
    }
    for (file, line, text) in &unpaired {
        *counts.entry(Kind::Unpaired).or_default() += 1;
        let _ = writeln!(
            report,
            "{file}:{line} [Unpaired] a Korean string outside tr!/Text/pick/Lang arms: {text:?}"
        );
    }
    if let Ok(dump) = std::env::var("STRINGS_DUMP") {
        let mut all = String::new();
        for pair in &pairs {
            let _ = writeln!(
                all,
                "{}:{} {:?}\n  en: {}\n  ko: {}\n",
                pair.file,
                pair.line,
                pair.form,
                pair.en,
                render(pair)
            );
        }
        std::fs::write(dump, all).unwrap();
    }
    let by_form = |form: Form| pairs.iter().filter(|p| p.form == form).count();
    eprintln!(
        "strings check: {} pairs (tr! {}, Text {}, pick {}, match arms {}, side by side {}, hints {})",
        pairs.len(),
        by_form(Form::Tr),
        by_form(Form::Text),
        by_form(Form::Pick),
        by_form(Form::Arm),
        by_form(Form::Side),
        by_form(Form::Hint),
    );
    // The scanner found the grader's messages, not a handful.
    assert!(
        by_form(Form::Tr) > 150 && by_form(Form::Hint) > 150,
        "{}",
        pairs.len()
    );
    assert!(report.is_empty(), "{counts:?}\n{report}");
}

#[test]
fn finds_the_forms_of_a_message() {
    let src = r##"
        fn f(lang: Lang) -> String {
            let a = tr!(lang, "got {got} of {total}", "{total} 중 {got}", got = n, total = m.len());
            let b = lang.pick("yes", "예");
            let c = Text { en: "a \"quoted\" one", ko: "따옴표" };
            let d = match (step, lang) { (S, Lang::En) => "read", (S, Lang::Ko) => "수신(read)" };
            let e = r#"한국어"#; // not a message: flagged as unpaired
            a
        }
        #[cfg(test)]
        mod tests { const X: &str = "시험"; }
    "##;
    let (pairs, unpaired) = pairs_in("x.rs", src);
    let forms: Vec<Form> = pairs.iter().map(|p| p.form).collect();
    assert_eq!(forms, [Form::Tr, Form::Pick, Form::Text, Form::Arm]);
    assert_eq!(pairs[0].args[1], (Some("total".into()), "m.len()".into()));
    assert_eq!(pairs[2].en, "a \"quoted\" one");
    assert_eq!(pairs[3].ko, "수신(read)");
    assert_eq!(unpaired, [(7, "한국어".to_string())]);
}

#[test]
fn a_planted_english_word_fails() {
    let planted = pair(
        Form::Tr,
        "every ENTRY or STATUS frame",
        "모든 ENTRY or STATUS 프레임",
        &[],
    );
    assert_eq!(kinds(&planted), [Kind::English]);
    let planted = pair(Form::Pick, "(wrong digest)", "파일 (wrong digest)", &[]);
    assert_eq!(kinds(&planted), [Kind::English, Kind::English]);
    // What is not English prose.
    for fine in [
        "`--listen 127.0.0.1:0`으로 실행합니다",
        "수신(read)에서 STATUS BAD_NAME이 왔습니다",
        "let n = s.read(&mut buf)?; 다음 줄",
        "TcpListener::bind와 read()를 echo-server에서 64 KiB씩 씁니다",
        "IPv6 주소 [::1]:0에 바인드하세요",
        "src/bin/echo-server.rs 파일의 eprintln!으로 표준 오류에 씁니다",
    ] {
        let pair = pair(Form::Pick, "x", fine, &[]);
        assert_eq!(kinds(&pair), [], "{fine}");
    }
}

#[test]
fn a_planted_wrong_particle_fails() {
    // After a value only known at run time: any literal particle.
    let planted = pair(
        Form::Tr,
        "{program} exited with code {code}",
        "{program}가 종료 코드 {code}로 끝났습니다",
        &[],
    );
    assert_eq!(kinds(&planted), [Kind::Particle, Kind::Particle]);
    // After a fixed code, number or word: the wrong form.
    for wrong in [
        "STATUS `BAD_NAME`를 받았습니다",
        "STATUS BAD_NAME를 받았습니다",
        "종료 코드 0로 끝났습니다",
        "IPv6을 씁니다",
        "`NOT_FOUND`을 알립니다",
    ] {
        let pair = pair(Form::Pick, "x", wrong, &[]);
        assert_eq!(kinds(&pair), [Kind::Particle], "{wrong}");
    }
    // Through josa(): right, and the sample shows it.
    let fixed = pair(
        Form::Tr,
        "{program} exited with code {code}",
        "{program_ga} 종료 코드 {code_ro} 끝났습니다",
        &[
            (Some("program_ga"), "josa(program, \"이/가\")"),
            (Some("code_ro"), "josa(code, \"(으)로\")"),
        ],
    );
    assert_eq!(kinds(&fixed), []);
    assert_eq!(render(&fixed), "echo-server가 종료 코드 3으로 끝났습니다");
    for right in [
        "STATUS `BAD_NAME`을 받았습니다",
        "종료 코드 0으로 끝났습니다",
        "`NOT_FOUND`를 알립니다",
        "수신(read)이 막혔습니다",
        "테스트 {n}개",
    ] {
        let pair = pair(Form::Tr, "x", right, &[]);
        assert_eq!(kinds(&pair), [], "{right}");
    }
}

#[test]
fn two_positional_values_fail() {
    let planted = pair(
        Form::Tr,
        "only {} of its {} bytes had come back",
        "{}바이트 중 {}바이트만 돌아왔습니다",
        &[(None, "got"), (None, "total")],
    );
    assert_eq!(kinds(&planted), [Kind::Positional]);
    let one = pair(Form::Tr, "{} bytes", "{}바이트", &[(None, "n")]);
    assert_eq!(kinds(&one), []);
    let named = pair(
        Form::Tr,
        "only {got} of its {total} bytes had come back",
        "{total}바이트 중 {got}바이트만 돌아왔습니다",
        &[],
    );
    assert_eq!(kinds(&named), []);
}

#[test]
fn a_banned_term_fails() {
    let planted = pair(Form::Text, "x", "표준 에러에 씁니다", &[]);
    assert_eq!(kinds(&planted), [Kind::Term]);
    let planted = pair(Form::Text, "x", "준비 줄을 출력합니다", &[]);
    assert_eq!(kinds(&planted), [Kind::Term]);
    let fine = pair(Form::Text, "x", "준비 완료 줄을 출력합니다", &[]);
    assert_eq!(kinds(&fine), []);
}
