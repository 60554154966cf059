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
    /// The language the user's locale asks for (`LC_ALL`, `LC_MESSAGES`, `LANG`); English otherwise.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var)
                && !value.is_empty()
            {
                return if value.starts_with("ko") {
                    Lang::Ko
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
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
macro_rules! tr {
    ($lang:expr, $en:literal, $ko:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::grade::lang::Lang::En => format!($en $(, $arg)*),
            $crate::grade::lang::Lang::Ko => format!($ko $(, $arg)*),
        }
    };
}
pub(crate) use tr;

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
