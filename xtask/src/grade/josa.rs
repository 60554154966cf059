//! Korean particles (조사) after a value only known at run time: a number, an
//! address, a program or a protocol code. Which form of a particle is right
//! (`이/가`, `을/를`, `은/는`, `와/과`, `(으)로` …) depends on how the word
//! before it ends when read aloud in Korean: with a final consonant (받침) or
//! not, and for `(으)로` whether that consonant is ㄹ.
//!
//! A message never writes a particle right after a `{value}`: it writes
//! `{code_ro}` with `code_ro = josa(&code, "(으)로")` (the value and its
//! particle), and the strings check (grade/strings_check/) fails on a
//! literal particle after a placeholder.
//!
//! How the end of a word is read, the whole rule table:
//! - a Hangul syllable: its own final consonant;
//! - a number, by its last digit read in Korean: 0 영 (and 10 십, 100 백,
//!   1000 천 …: every number ending in 0), 3 삼, 6 육 end in a consonant;
//!   1 일, 7 칠, 8 팔 in ㄹ; 2 이, 4 사, 5 오, 9 구 in a vowel;
//! - one digit right after a letter (`IPv6`, `u8`) is read in English: 1
//!   one, 7 seven, 9 nine, 8 eight end in a consonant, the others in a
//!   vowel (`p99` is 피구십구: more digits are a number);
//! - a word of Latin letters (`NAME`, `server`, `BAD_NAME`): its last word,
//!   read as an English word. A consonant after m, n, ng, ck, out, a single
//!   vowel and t, p, k, b or c (`get` 겟, `reset` 리셋, `unwrap` 언랩, `Vec`
//!   벡), or m/n and a silent e (`name` 네임, `done` 던); ㄹ after l or le
//!   (`file` 파일); a vowel otherwise (`server` 서버, `client` 클라이언트,
//!   `bind` 바인드, `STATUS` 스테이터스), except the words of [`WORDS`];
//! - letters read one by one (one letter, or a word without a vowel:
//!   `TCP`, `RST`, `kr`): by the last letter's name: L 엘, M 엠, N 엔, R 알 end in
//!   a consonant (ㄹ for L and R), the others (A 에이, F 에프 …) in a vowel;
//! - a closing `(…)` after a word (`수신(read)`, `read()`) is skipped: the
//!   particle follows the word before it.

use std::fmt::Display;

/// How a word ends when read in Korean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// No final consonant: 가, 를, 는, 와, 로.
    Vowel,
    /// A final ㄹ: 이, 을, 은, 과, but 로.
    Rieul,
    /// Any other final consonant: 이, 을, 은, 과, 으로.
    Consonant,
}

/// English words whose Korean reading the rules above get wrong.
const WORDS: &[(&str, End)] = &[
    ("ok", End::Vowel),
    ("exit", End::Vowel),
    // Units: 키비바이트, 메비바이트, 기비바이트.
    ("kib", End::Vowel),
    ("mib", End::Vowel),
    ("gib", End::Vowel),
];

/// `word` followed by the form of `particle` that agrees with it:
/// `josa(&3, "(으)로")` is `3으로`, `josa("echo-server", "이/가")` is
/// `echo-server가`. See [`particle`] for the particles.
pub fn josa<T: Display + ?Sized>(word: &T, particle: &'static str) -> String {
    let word = word.to_string();
    let form = self::particle(&word, particle);
    format!("{word}{form}")
}

/// `word` quoted as code, then its particle: `` `bob`이 ``, `` `* bob left`를 ``.
pub fn josa_code<T: Display + ?Sized>(word: &T, particle: &'static str) -> String {
    let word = word.to_string();
    let form = self::particle(&word, particle);
    format!("`{word}`{form}")
}

/// The form of `particle` that agrees with `word`. `particle` is written
/// consonant form first: `이/가`, `을/를`, `은/는`, `와/과` (and `과/와`),
/// or with the consonant's extra syllable in parentheses: `(으)로`, `(이)나`,
/// `(이)라는`.
pub fn particle(word: &str, particle: &'static str) -> &'static str {
    let end = end(word);
    if let Some(rest) = particle.strip_prefix('(') {
        let (extra, base) = rest
            .split_once(')')
            .expect("`(으)로`: a closing parenthesis");
        // Only `(으)로` keeps the bare form after ㄹ.
        let bare = end == End::Vowel || (end == End::Rieul && extra == "으");
        return if bare { base } else { joined(extra, base) };
    }
    let (a, b) = particle
        .split_once('/')
        .expect("a particle is `이/가`, `을/를` … or `(으)로`");
    // `와/과` is written vowel form first; every other pair consonant first.
    let (consonant, vowel) = if a == "와" { (b, a) } else { (a, b) };
    if end == End::Vowel { vowel } else { consonant }
}

/// `으` + `로`: the forms with an extra syllable, as static strings.
fn joined(extra: &str, base: &str) -> &'static str {
    match (extra, base) {
        ("으", "로") => "으로",
        ("으", "로서") => "으로서",
        ("이", "나") => "이나",
        ("이", "라는") => "이라는",
        ("이", "라고") => "이라고",
        ("이", "라") => "이라",
        _ => panic!("unknown particle ({extra}){base}: add it to josa::joined"),
    }
}

/// How `word` ends when read aloud in Korean (see the module's rules).
pub fn end(word: &str) -> End {
    let mut word = word.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
    // `수신(read)`: the word before the parentheses.
    while let Some(inner) = word.strip_suffix(')') {
        match inner.rfind('(') {
            Some(open) if open > 0 => {
                word = inner[..open].trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
            }
            _ => {
                word = inner.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
            }
        }
    }
    let Some(last) = word.chars().last() else {
        return End::Vowel;
    };
    if ('가'..='힣').contains(&last) {
        return match (last as u32 - 0xAC00) % 28 {
            0 => End::Vowel,
            8 => End::Rieul,
            _ => End::Consonant,
        };
    }
    if last.is_ascii_digit() {
        let before = word.trim_end_matches(|c: char| c.is_ascii_digit());
        let one_digit = word.len() - before.len() == 1;
        if one_digit && before.ends_with(|c: char| c.is_ascii_alphabetic()) {
            // IPv6 (식스), u8 (에잇): in English.
            return match last {
                '1' | '7' | '8' | '9' => End::Consonant,
                _ => End::Vowel,
            };
        }
        return match last {
            '0' | '3' | '6' => End::Consonant,
            '1' | '7' | '8' => End::Rieul,
            _ => End::Vowel,
        };
    }
    if last.is_ascii_alphabetic() {
        let start = word
            .rfind(|c: char| !c.is_ascii_alphabetic())
            .map_or(0, |i| i + 1);
        return latin(&word[start..]);
    }
    End::Vowel
}

/// A run of Latin letters, read as a word or letter by letter.
fn latin(word: &str) -> End {
    let lower = word.to_ascii_lowercase();
    if let Some(&(_, end)) = WORDS.iter().find(|(w, _)| *w == lower) {
        return end;
    }
    let spelled = word.len() == 1 || !lower.chars().any(|c| "aeiou".contains(c));
    if spelled {
        return match lower.chars().last() {
            Some('l' | 'r') => End::Rieul,
            Some('m' | 'n') => End::Consonant,
            _ => End::Vowel,
        };
    }
    let ends = |suffix: &str| lower.ends_with(suffix);
    let letters: Vec<char> = lower.chars().collect();
    let vowel = |i: usize| letters.get(i).is_some_and(|c| "aeiou".contains(*c));
    let n = letters.len();
    // A single vowel before the last letter: `get`, `unwrap`, not `wait`, `loop`.
    let short = n >= 2 && vowel(n - 2) && (n < 3 || !vowel(n - 3));
    // m or n, then a silent e: `name`, `done`, not `readme`.
    let silent_e = n >= 3 && ends("e") && "mn".contains(letters[n - 2]) && vowel(n - 3);
    if ends("l") || ends("le") {
        End::Rieul
    } else if ends("m")
        || ends("n")
        || ends("ng")
        || ends("ck")
        || ends("out")
        || silent_e
        || (short && "tpkbc".contains(letters[n - 1]))
    {
        End::Consonant
    } else {
        End::Vowel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_their_last_digit() {
        for (n, ro, ga) in [
            (0, "0으로", "0이"),
            (1, "1로", "1이"),
            (2, "2로", "2가"),
            (3, "3으로", "3이"),
            (4, "4로", "4가"),
            (5, "5로", "5가"),
            (6, "6으로", "6이"),
            (7, "7로", "7이"),
            (8, "8로", "8이"),
            (9, "9로", "9가"),
            (10, "10으로", "10이"),
            (12, "12로", "12가"),
            (100, "100으로", "100이"),
            (4000, "4000으로", "4000이"),
        ] {
            assert_eq!(josa(&n, "(으)로"), ro);
            assert_eq!(josa(&n, "이/가"), ga);
        }
    }

    #[test]
    fn addresses_codes_and_programs() {
        assert_eq!(josa("127.0.0.1:36033", "(으)로"), "127.0.0.1:36033으로");
        assert_eq!(josa("[::1]:4001", "을/를"), "[::1]:4001을");
        assert_eq!(josa("[::1]:4002", "을/를"), "[::1]:4002를");
        assert_eq!(josa("BAD_NAME", "을/를"), "BAD_NAME을");
        assert_eq!(josa("STATUS BAD_NAME", "을/를"), "STATUS BAD_NAME을");
        assert_eq!(josa("NOT_FOUND", "을/를"), "NOT_FOUND를");
        assert_eq!(josa("STATUS", "이/가"), "STATUS가");
        assert_eq!(josa("DONE", "은/는"), "DONE은");
        assert_eq!(josa("GET", "와/과"), "GET과");
        assert_eq!(josa("LIST", "와/과"), "LIST와");
        assert_eq!(josa("echo-server", "이/가"), "echo-server가");
        assert_eq!(josa("ft-client", "은/는"), "ft-client는");
        assert_eq!(josa("file", "(으)로"), "file로");
        assert_eq!(josa("main", "(으)로"), "main으로");
        assert_eq!(josa("TCP", "(으)로"), "TCP로");
        assert_eq!(josa("SYN", "을/를"), "SYN을");
        assert_eq!(josa("URL", "(으)로"), "URL로");
        assert_eq!(josa("IPv6", "을/를"), "IPv6를");
        assert_eq!(josa("u8", "(으)로"), "u8으로");
        assert_eq!(josa("Vec", "을/를"), "Vec을");
        assert_eq!(josa("README", "을/를"), "README를");
        assert_eq!(josa("unwrap()", "은/는"), "unwrap()은");
        assert_eq!(josa("ConnectionReset", "(으)로"), "ConnectionReset으로");
        assert_eq!(josa("bob", "이/가"), "bob이");
        assert_eq!(josa("stdout", "을/를"), "stdout을");
        assert_eq!(josa("read", "을/를"), "read를");
        assert_eq!(josa("accept", "을/를"), "accept를");
        assert_eq!(josa("OK", "이/가"), "OK가");
        assert_eq!(josa("p99", "이/가"), "p99가");
        assert_eq!(josa_code("kr", "은/는"), "`kr`은");
        assert_eq!(josa("16 MiB", "을/를"), "16 MiB를");
        assert_eq!(josa("`! line too long`", "이/가"), "`! line too long`이");
        assert_eq!(josa("0xffffffff", "이/가"), "0xffffffff가");
        assert_eq!(josa_code("bob", "이/가"), "`bob`이");
        assert_eq!(josa_code("* bob left", "을/를"), "`* bob left`를");
    }

    #[test]
    fn hangul_and_glosses() {
        assert_eq!(josa("수신(read)", "이/가"), "수신(read)이");
        assert_eq!(josa("송신(write)", "을/를"), "송신(write)을");
        assert_eq!(josa("바인드(bind)", "(으)로"), "바인드(bind)로");
        assert_eq!(josa("파일", "(으)로"), "파일로");
        assert_eq!(josa("서버", "(이)나"), "서버나");
        assert_eq!(josa("소켓", "(이)나"), "소켓이나");
        assert_eq!(josa("소켓", "(이)라는"), "소켓이라는");
    }
}
