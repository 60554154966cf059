//! The tokenizer: Rust source as tokens, string literals read.

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Punct(char),
    Str(String),
    Other,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
}

/// The tokens of a Rust source: identifiers, punctuation, string literals
/// (escapes decoded, raw and byte strings too); comments dropped; numbers,
/// chars and lifetimes as [`Tok::Other`].
pub(super) fn lex(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            let start = line;
            let (text, next, lines) = string(&chars, i + 1);
            out.push(Token {
                tok: Tok::Str(text),
                line: start,
            });
            line += lines;
            i = next;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{1b}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            out.push(Token {
                tok: Tok::Other,
                line,
            });
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || chars[i] == '_'
                    || (chars[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Other,
                line,
            });
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let ident: String = chars[start..i].iter().collect();
            // Raw strings r"…", r#"…"#, br"…"; byte and C strings b"…", c"…".
            let raw = matches!(ident.as_str(), "r" | "br" | "cr")
                && (at(i) == '"' || (at(i) == '#' && matches!(at(i + 1), '"' | '#')));
            if raw {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1;
                let start_line = line;
                let begin = i;
                loop {
                    if i >= chars.len() {
                        break;
                    }
                    if chars[i] == '"' && (1..=hashes).all(|h| at(i + h) == '#') {
                        break;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                let text: String = chars[begin..i.min(chars.len())].iter().collect();
                i += 1 + hashes;
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
            } else if matches!(ident.as_str(), "b" | "c") && at(i) == '"' {
                let start_line = line;
                let (text, next, lines) = string(&chars, i + 1);
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
                line += lines;
                i = next;
            } else if ident == "b" && at(i) == '\'' {
                // b'x', b'\n'
                i += 1;
                if at(i) == '\\' {
                    i += 1;
                }
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(Token {
                    tok: Tok::Other,
                    line,
                });
            } else {
                out.push(Token {
                    tok: Tok::Ident(ident),
                    line,
                });
            }
        } else {
            out.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    out
}

/// A string literal's text from `i` (after its `"`): the decoded text, the
/// index after the closing `"`, and the newlines it spans.
fn string(chars: &[char], mut i: usize) -> (String, usize, usize) {
    let mut text = String::new();
    let mut lines = 0;
    while i < chars.len() && chars[i] != '"' {
        let c = chars[i];
        if c == '\n' {
            lines += 1;
        }
        if c != '\\' {
            text.push(c);
            i += 1;
            continue;
        }
        let e = chars.get(i + 1).copied().unwrap_or('\\');
        i += 2;
        match e {
            'n' => text.push('\n'),
            't' => text.push('\t'),
            'r' => text.push('\r'),
            '0' => text.push('\0'),
            '\\' | '"' | '\'' => text.push(e),
            'x' => {
                let hex: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                text.push(u8::from_str_radix(&hex, 16).map_or('?', char::from));
                i += 2;
            }
            'u' => {
                let close = (i..chars.len()).find(|&j| chars[j] == '}').unwrap_or(i);
                let hex: String = chars[i + 1..close].iter().collect();
                let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                text.push(c.unwrap_or('?'));
                i = close + 1;
            }
            '\n' => {
                // A line continuation: the newline and the next line's indent go.
                lines += 1;
                while i < chars.len() && chars[i].is_whitespace() {
                    if chars[i] == '\n' {
                        lines += 1;
                    }
                    i += 1;
                }
            }
            other => {
                text.push('\\');
                text.push(other);
            }
        }
    }
    (text, i + 1, lines)
}

pub(super) fn has_hangul(text: &str) -> bool {
    text.chars().any(is_hangul)
}

pub(super) fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}
