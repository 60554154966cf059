//! The two languages of every message a student reads.

use std::fmt;

/// The language of the report: every message exists in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// 한국어.
    Ko,
}

impl Lang {
    /// The language the user's locale asks for: `LC_ALL`, `LC_MESSAGES`,
    /// `LANG`, and when none is set (Windows and macOS terminals often set
    /// none) the system's locale; English otherwise.
    pub fn from_env() -> Lang {
        let vars = ["LC_ALL", "LC_MESSAGES", "LANG"].map(|var| std::env::var(var).ok());
        Lang::from_locale(&vars, sys_locale::get_locale)
    }

    /// The first locale variable that is set decides; the system's locale
    /// (`system`, asked only then) when none is.
    fn from_locale(vars: &[Option<String>], system: impl FnOnce() -> Option<String>) -> Lang {
        let locale = vars
            .iter()
            .flatten()
            .find(|value| !value.is_empty())
            .cloned()
            .or_else(system)
            .unwrap_or_default();
        // `ko_KR.UTF-8` (POSIX), `ko-KR` (Windows, macOS).
        if locale.starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    pub fn pick<'a>(self, en: &'a str, ko: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// A fixed text in both languages (test titles, hints).
#[derive(Clone, Copy, Debug)]
pub struct Text {
    pub en: &'static str,
    pub ko: &'static str,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        lang.pick(self.en, self.ko)
    }
}

/// `tr!(lang, "English {x}", "한국어 {x}")`: formats the message in the report's language.
///
/// A message with values names them, so that each language places each one
/// itself: `{got}` and `{total}` captured from the scope, or given as
/// `name = expr`. A named value may serve one language only, such as a
/// value with its Korean particle: `tr!(lang, "exited with {code}", "{code_ro}
/// 끝났습니다", code_ro = josa(&code, "(으)로"))` (see grade/josa.rs). One
/// positional `{}` is allowed; two are not (grade/strings_check/).
macro_rules! tr {
    ($lang:expr, $en:literal, $ko:literal $(, $name:ident = $arg:expr)+ $(,)?) => {{
        $(let $name = &$arg;)+
        match $lang {
            $crate::grade::lang::Lang::En => format!($en),
            $crate::grade::lang::Lang::Ko => format!($ko),
        }
    }};
    ($lang:expr, $en:literal, $ko:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::grade::lang::Lang::En => format!($en $(, $arg)*),
            $crate::grade::lang::Lang::Ko => format!($ko $(, $arg)*),
        }
    };
}
pub(crate) use tr;

/// An error of the tool itself (not of the student's code) in both
/// languages: main prints the one the command line or the locale asks for
/// (see cmdline.rs). Made with `tr_error!`.
#[derive(Debug)]
pub struct Bilingual {
    pub en: String,
    pub ko: String,
}

impl fmt::Display for Bilingual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for Bilingual {}

/// `tr_error!("unknown exercise `{name}`", "알 수 없는 실습 `{name}`")`: an
/// [`anyhow::Error`] in both languages, for `bail!`'s place (`return
/// Err(tr_error!(…))`). Values are captured or named, as in [`tr!`].
macro_rules! tr_error {
    ($en:literal, $ko:literal $(, $name:ident = $arg:expr)* $(,)?) => {{
        $(let $name = &$arg;)*
        anyhow::Error::new($crate::grade::lang::Bilingual {
            en: format!($en),
            ko: format!($ko),
        })
    }};
}
pub(crate) use tr_error;

/// The socket step a failure happened in, as the book names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Start,
    Bind,
    Listen,
    Connect,
    Read,
    Write,
    Shutdown,
    Close,
    Exit,
}

impl Step {
    pub fn name(self, lang: Lang) -> &'static str {
        use Step::*;
        match (self, lang) {
            (Start, Lang::En) => "start",
            (Start, Lang::Ko) => "실행(start)",
            (Bind, Lang::En) => "bind",
            (Bind, Lang::Ko) => "바인드(bind)",
            (Listen, Lang::En) => "listen",
            (Listen, Lang::Ko) => "리슨(listen)",
            (Connect, Lang::En) => "connect",
            (Connect, Lang::Ko) => "연결(connect)",
            (Read, Lang::En) => "read",
            (Read, Lang::Ko) => "수신(read)",
            (Write, Lang::En) => "write",
            (Write, Lang::Ko) => "송신(write)",
            (Shutdown, Lang::En) => "shutdown",
            (Shutdown, Lang::Ko) => "절반 닫기(shutdown)",
            (Close, Lang::En) => "close",
            (Close, Lang::Ko) => "닫기(close)",
            (Exit, Lang::En) => "exit",
            (Exit, Lang::Ko) => "종료(exit)",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.pick("en", "ko"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(all: Option<&str>, messages: Option<&str>, lang: Option<&str>) -> [Option<String>; 3] {
        [all, messages, lang].map(|v| v.map(String::from))
    }

    #[test]
    fn the_first_locale_variable_set_decides() {
        let never = || -> Option<String> { panic!("the system locale was asked") };
        assert_eq!(
            Lang::from_locale(&vars(None, None, Some("ko_KR.UTF-8")), never),
            Lang::Ko
        );
        assert_eq!(
            Lang::from_locale(&vars(Some("C"), None, Some("ko_KR.UTF-8")), never),
            Lang::En
        );
        // An empty variable counts as unset.
        assert_eq!(
            Lang::from_locale(&vars(Some(""), Some("ko_KR.UTF-8"), None), never),
            Lang::Ko
        );
    }

    #[test]
    fn the_system_locale_when_no_variable_is_set() {
        let none = vars(None, None, None);
        assert_eq!(Lang::from_locale(&none, || Some("ko-KR".into())), Lang::Ko);
        assert_eq!(Lang::from_locale(&none, || Some("en-US".into())), Lang::En);
        assert_eq!(Lang::from_locale(&none, || None), Lang::En);
    }
}
