//! Format strings: parsed into text and holes, and masked for the checks.

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Piece {
    Text(String),
    /// `{}`, `{0}`, `{:?}` (positional: `None`) or `{name}`, `{name:.1}`.
    Hole(Option<String>),
}

pub(super) fn parse_format(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut buf = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                buf.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                buf.push('}');
            }
            '{' => {
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    inner.push(c);
                }
                let name = inner.split(':').next().unwrap_or("").trim().to_string();
                let positional = name.is_empty() || name.chars().all(|c| c.is_ascii_digit());
                if !buf.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut buf)));
                }
                pieces.push(Piece::Hole((!positional).then_some(name)));
            }
            c => buf.push(c),
        }
    }
    if !buf.is_empty() {
        pieces.push(Piece::Text(buf));
    }
    pieces
}

/// Stands for a placeholder in the masked text.
pub(super) const VALUE: char = '\u{E000}';
/// Stands for a fixed code span.
pub(super) const CODE: char = '\u{E001}';
/// Stands for a code span with a placeholder in it.
pub(super) const CODE_VALUE: char = '\u{E002}';

/// The Korean text with placeholders and code spans masked (see [`VALUE`]),
/// and the fixed code spans' text, in order.
pub(super) fn mask(pieces: &[Piece]) -> (String, Vec<String>) {
    let mut masked = String::new();
    let mut spans = Vec::new();
    let mut code: Option<(String, bool)> = None;
    for piece in pieces {
        match piece {
            Piece::Hole(_) => match &mut code {
                Some((_, dynamic)) => *dynamic = true,
                None => masked.push(VALUE),
            },
            Piece::Text(text) => {
                for c in text.chars() {
                    match (&mut code, c) {
                        (None, '`') => code = Some((String::new(), false)),
                        (Some(_), '`') => {
                            let (text, dynamic) = code.take().unwrap();
                            if dynamic {
                                masked.push(CODE_VALUE);
                            } else {
                                masked.push(CODE);
                                spans.push(text);
                            }
                        }
                        (Some((text, _)), c) => text.push(c),
                        (None, c) => masked.push(c),
                    }
                }
            }
        }
    }
    // An unclosed backtick: what followed it is text.
    if let Some((text, _)) = code {
        masked.push('`');
        masked.push_str(&text);
    }
    (masked, spans)
}
