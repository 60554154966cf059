//! The command line in the student's language: clap's errors, the help, and
//! the tool's own errors (`error: unknown exercise …`).
//!
//! The language is the one the reports use: `--lang ko|en` anywhere on the
//! command line (read before clap parses it, so that clap's own errors can
//! use it too), else the locale ([`Lang::from_env`]).
//!
//! - clap's errors: the common kinds are said in Korean, with their values
//!   (unknown argument or command and its suggestion, a missing or invalid
//!   value and the valid ones, a missing argument, two arguments that
//!   conflict, an invalid value for a parser of ours and its reason), then
//!   the usage line (`사용법: cargo xtask grade [OPTIONS] [EXERCISE]`) and
//!   where the help is. Any other kind keeps clap's English message under a
//!   Korean first line. The exit code is clap's (2; 0 for the help).
//! - The help (`--help`) stays clap's English text, opened by one Korean
//!   line that says so and where the book explains the commands in Korean.
//! - The tool's own errors are [`Bilingual`] (made with `tr_error!`): main
//!   prints the language's text, `오류: …` for `error: …`. An error that is
//!   not (the system's, a library's) is printed as it is.

use std::error::Error as _;
use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::grade::josa::josa_code;
use crate::grade::lang::{Bilingual, Lang, tr};

/// The language of the command line's messages: `--lang` in `args`, else
/// the locale.
pub fn lang_of(args: &[OsString]) -> Lang {
    lang_in_args(args).unwrap_or_else(Lang::from_env)
}

/// `--lang ko`, `--lang=en` among `args` (the last one wins, as clap's).
pub fn lang_in_args(args: &[OsString]) -> Option<Lang> {
    let mut found = None;
    let mut iter = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--lang") {
            Some("") => iter.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        match value.as_deref() {
            Some("ko") => found = Some(Lang::Ko),
            Some("en") => found = Some(Lang::En),
            _ => {}
        }
    }
    found
}

/// Parses the command line; on an error or `--help`, prints it in `lang`
/// and exits as clap would.
pub fn parse<T: clap::Parser>(args: Vec<OsString>, lang: Lang) -> T {
    match T::try_parse_from(args) {
        Ok(parsed) => parsed,
        Err(err) => {
            let code = err.exit_code();
            match (lang, err.kind()) {
                (Lang::En, _) => {
                    let _ = err.print();
                }
                (Lang::Ko, ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
                    println!("{}", help_note());
                    let _ = err.print();
                }
                (Lang::Ko, _) => eprint!("{}", korean(&err)),
            }
            std::process::exit(code);
        }
    }
}

/// The Korean line above clap's English help.
fn help_note() -> &'static str {
    Lang::Ko.pick(
        "(the help below is in English)",
        "(아래 도움말은 영어로만 나옵니다. 각 명령의 쓰임은 책의 들어가며(introduction) 장, '채점하기'와 '실습을 푸는 흐름'에 한국어로 설명되어 있습니다.)",
    )
}

/// A context value as text: `--seed <SEED>`, `en, ko`.
fn text(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        ContextValue::Bool(b) => Some(b.to_string()),
        ContextValue::None => None,
        _ => None,
    }
}

/// clap's error in Korean: what is wrong, the suggestion, the usage line
/// and where the help is.
pub fn korean(err: &clap::Error) -> String {
    let lang = Lang::Ko;
    let arg = text(err, ContextKind::InvalidArg).unwrap_or_default();
    let value = text(err, ContextKind::InvalidValue).unwrap_or_default();
    let mut out = match err.kind() {
        ErrorKind::UnknownArgument => tr!(
            lang,
            "error: unexpected argument `{arg}`",
            "오류: 알 수 없는 인자 `{arg}`입니다"
        ),
        ErrorKind::InvalidSubcommand => {
            let sub = text(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            tr!(
                lang,
                "error: unknown command `{sub}`",
                "오류: 알 수 없는 명령 `{sub}`입니다"
            )
        }
        ErrorKind::InvalidValue if value.is_empty() => tr!(
            lang,
            "error: `{arg}` needs a value",
            "오류: `{arg}`에 값이 빠졌습니다"
        ),
        ErrorKind::InvalidValue => tr!(
            lang,
            "error: `{value}` is not a value of `{arg}`",
            "오류: {value_eun} `{arg}`에 쓸 수 있는 값이 아닙니다",
            value_eun = josa_code(&value, "은/는")
        ),
        ErrorKind::ValueValidation => {
            // The reason our own parser gave (parse_seed, parse_rename).
            let why = err.source().map(|s| s.to_string()).unwrap_or_default();
            tr!(
                lang,
                "error: invalid value `{value}` for `{arg}`: {why}",
                "오류: `{arg}`에 준 값 {value_i} 올바르지 않습니다: {why}",
                value_i = josa_code(&value, "이/가")
            )
        }
        ErrorKind::MissingRequiredArgument => tr!(
            lang,
            "error: missing: {arg}",
            "오류: 꼭 필요한 인자가 빠졌습니다: {arg}"
        ),
        ErrorKind::ArgumentConflict => {
            let prior = text(err, ContextKind::PriorArg).unwrap_or_default();
            tr!(
                lang,
                "error: `{arg}` cannot be used with `{prior}`",
                "오류: {arg_eun} {prior_wa} 함께 쓸 수 없습니다",
                arg_eun = josa_code(&arg, "은/는"),
                prior_wa = josa_code(&prior, "와/과")
            )
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            tr!(
                lang,
                "error: wrong number of values for `{arg}`",
                "오류: `{arg}`에 준 값의 개수가 맞지 않습니다"
            )
        }
        _ => {
            // clap's own English text, under a Korean line.
            let english = err.render().to_string();
            let english = english.trim_end();
            tr!(
                lang,
                "error: the command line could not be read:\n{english}",
                "오류: 명령줄을 읽지 못했습니다. `clap`의 영어 메시지를 그대로 보여 줍니다:\n{english}"
            )
        }
    };
    out.push('\n');
    let suggested = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .find_map(|kind| match err.get(kind)? {
        ContextValue::String(one) => Some(vec![one.clone()]),
        ContextValue::Strings(some) if !some.is_empty() => Some(some.clone()),
        _ => None,
    });
    match suggested.as_deref() {
        Some([one]) => out.push_str(&tr!(
            lang,
            "  tip: did you mean `{one}`?\n",
            "  혹시 `{one}`인가요?\n"
        )),
        Some(some) => {
            let list = some
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&tr!(
                lang,
                "  tip: did you mean one of {list}?\n",
                "  혹시 {list} 중 하나인가요?\n"
            ));
        }
        None => {}
    }
    if let Some(valid) = text(err, ContextKind::ValidValue)
        && !valid.is_empty()
    {
        out.push_str(&tr!(
            lang,
            "  possible values: {valid}\n",
            "  쓸 수 있는 값: {valid}\n"
        ));
    }
    if let Some(usage) = text(err, ContextKind::Usage) {
        let usage = usage.trim();
        let usage = usage.strip_prefix("Usage:").unwrap_or(usage).trim();
        out.push_str(&tr!(lang, "\nUsage: {usage}\n", "\n사용법: {usage}\n"));
    }
    out.push_str(&tr!(
        lang,
        "\nFor more information, try '--help'.\n",
        "\n자세한 내용은 `--help`로 보세요(도움말은 영어입니다).\n"
    ));
    out
}

/// An error of the tool as main prints it: each cause in the chain in `lang`
/// when it is [`Bilingual`], as it is otherwise, after `error:` / `오류:`.
pub fn error_text(lang: Lang, err: &anyhow::Error) -> String {
    let chain: Vec<String> = err
        .chain()
        .map(|cause| match cause.downcast_ref::<Bilingual>() {
            Some(both) => lang.pick(&both.en, &both.ko).to_string(),
            None => cause.to_string(),
        })
        .collect();
    let chain = chain.join(": ");
    tr!(lang, "error: {chain}", "오류: {chain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn finds_lang_anywhere_on_the_command_line() {
        let found = |list: &[&str]| lang_in_args(&args(list));
        assert_eq!(found(&["xtask", "grade", "--lang", "ko"]), Some(Lang::Ko));
        assert_eq!(
            found(&["xtask", "--lang=ko", "hint", "echo"]),
            Some(Lang::Ko)
        );
        assert_eq!(
            found(&["xtask", "grade", "--lang", "ko", "--lang", "en"]),
            Some(Lang::En)
        );
        assert_eq!(found(&["xtask", "grade", "--lang", "kr"]), None);
        assert_eq!(found(&["xtask", "grade", "--", "--lang", "ko"]), None);
        assert_eq!(found(&["xtask", "grade", "--language", "ko"]), None);
    }
}
