//! Rust source as normalised tokens, cut into items.
//!
//! What a copier changes cheaply must not change the tokens: comments and
//! doc comments are dropped (proc-macro2 drops the first and turns the second
//! into `#[doc]` attributes, dropped with every other attribute), and every
//! name becomes `V` and every literal `L`, so renaming a variable or
//! rewording a message changes nothing. What stays is the shape of the code:
//! keywords, punctuation, nesting. `use` declarations are dropped too: every
//! solution imports the same few paths, in any order.
//!
//! The file is cut into its items (functions, structs, the items inside an
//! `impl` or `mod`), and no k-gram spans two items: moving a function
//! elsewhere in the file then changes no fingerprint at all.

use std::fmt;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Words that keep their meaning whatever the author named things. `_` (a
/// pattern) and the prelude's constructors are kept as well: a copier cannot
/// rename them, and `Ok(..) =>` says more than `V(..) =>`.
const KEEP: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "_", "Ok", "Err", "Some", "None",
];

/// Groups nested deeper than this are refused: no real program comes close,
/// and the walk below recurses once per level.
const MAX_DEPTH: usize = 128;

/// One normalised token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// A keyword, by its index in `KEEP`.
    Keyword(u8),
    /// Any other name.
    Name,
    Literal,
    /// Punctuation, or one side of a delimiter: `(`, `)`, `[`, `]`, `{`, `}`.
    Symbol(char),
}

impl Token {
    /// A number per token, the same in every run and on every machine: what
    /// the k-gram hashes are computed over.
    pub fn code(self) -> u32 {
        match self {
            Token::Name => 1,
            Token::Literal => 2,
            Token::Keyword(index) => 0x100 + u32::from(index),
            Token::Symbol(c) => 0x1000 + u32::from(c),
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Token::Keyword(index) => f.write_str(KEEP[usize::from(index)]),
            Token::Name => f.write_str("V"),
            Token::Literal => f.write_str("L"),
            Token::Symbol(c) => write!(f, "{c}"),
        }
    }
}

/// Why a file could not be read as tokens.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not Rust's token syntax: an unclosed delimiter, a stray quote.
    Lex,
    TooDeep,
}

/// The items of a source file, each as normalised tokens.
pub fn items(source: &str) -> Result<Vec<Vec<Token>>, TokenError> {
    let stream = TokenStream::from_str(source).map_err(|_| TokenError::Lex)?;
    let mut out = Vec::new();
    split_items(stream, 0, &mut out)?;
    out.retain(|item| !item.is_empty());
    Ok(out)
}

/// Cuts `stream`, a sequence of items, after each `;` and each `{…}` at its
/// top level; the bodies of `impl`, `trait`, `mod` and `extern` blocks are
/// cut in turn, so their functions move freely too.
fn split_items(
    stream: TokenStream,
    depth: usize,
    out: &mut Vec<Vec<Token>>,
) -> Result<(), TokenError> {
    if depth > MAX_DEPTH {
        return Err(TokenError::TooDeep);
    }
    let mut current = Vec::new();
    let mut trees = stream.into_iter().peekable();
    while let Some(tree) = trees.next() {
        if skip_attribute(&tree, &mut trees) {
            continue;
        }
        match tree {
            TokenTree::Ident(ident) if ident == "use" => {
                // The whole declaration, `pub` before it included.
                current.clear();
                for tree in trees.by_ref() {
                    if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ';') {
                        break;
                    }
                }
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                if holds_items(&current) {
                    out.push(std::mem::take(&mut current));
                    split_items(group.stream(), depth + 1, out)?;
                } else {
                    flatten(TokenTree::Group(group), depth, &mut current)?;
                    out.push(std::mem::take(&mut current));
                }
            }
            TokenTree::Punct(punct) if punct.as_char() == ';' => {
                current.push(Token::Symbol(';'));
                out.push(std::mem::take(&mut current));
            }
            tree => flatten(tree, depth, &mut current)?,
        }
    }
    out.push(current);
    Ok(())
}

/// Whether an item's head (`impl<T> Trait for X`, `pub mod m`) opens a block of items.
/// Only the first word after the visibility counts: `fn f() -> impl Trait {…}`
/// is a function.
fn holds_items(head: &[Token]) -> bool {
    let mut rest = head;
    if rest.first().is_some_and(|t| is_keyword(*t, &["pub"])) {
        rest = &rest[1..];
        // `pub(crate)`, `pub(in path)`
        if rest.first() == Some(&Token::Symbol('(')) {
            let close = rest.iter().position(|t| *t == Token::Symbol(')'));
            rest = &rest[close.map_or(rest.len(), |i| i + 1)..];
        }
    }
    if rest.first().is_some_and(|t| is_keyword(*t, &["unsafe"])) {
        rest = &rest[1..];
    }
    rest.first()
        .is_some_and(|t| is_keyword(*t, &["impl", "trait", "mod", "extern"]))
}

fn is_keyword(token: Token, words: &[&str]) -> bool {
    matches!(token, Token::Keyword(index) if words.contains(&KEEP[usize::from(index)]))
}

/// Consumes an attribute, `#[…]` or `#![…]`, doc comments included: what a
/// copier adds or removes freely (`#[allow(…)]`, comments) says nothing.
fn skip_attribute(
    tree: &TokenTree,
    rest: &mut std::iter::Peekable<impl Iterator<Item = TokenTree>>,
) -> bool {
    if !matches!(tree, TokenTree::Punct(p) if p.as_char() == '#') {
        return false;
    }
    let bang = matches!(rest.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!');
    if bang {
        rest.next();
    }
    if matches!(rest.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket) {
        rest.next();
        return true;
    }
    // A `#` that is no attribute (in a macro) is kept; a `!` after it is
    // dropped, which changes nothing that matters.
    false
}

/// Appends the normalised tokens of `tree` (a whole group, delimiters included).
fn flatten(tree: TokenTree, depth: usize, out: &mut Vec<Token>) -> Result<(), TokenError> {
    if depth > MAX_DEPTH {
        return Err(TokenError::TooDeep);
    }
    match tree {
        TokenTree::Ident(ident) => {
            let text = ident.to_string();
            out.push(match KEEP.iter().position(|k| *k == text) {
                Some(index) => Token::Keyword(index as u8),
                None => Token::Name,
            });
        }
        TokenTree::Literal(_) => out.push(Token::Literal),
        TokenTree::Punct(punct) => out.push(Token::Symbol(punct.as_char())),
        TokenTree::Group(group) => {
            let (open, close) = match group.delimiter() {
                Delimiter::Parenthesis => (Some('('), Some(')')),
                Delimiter::Bracket => (Some('['), Some(']')),
                Delimiter::Brace => (Some('{'), Some('}')),
                Delimiter::None => (None, None),
            };
            out.extend(open.map(Token::Symbol));
            let mut trees = group.stream().into_iter().peekable();
            while let Some(tree) = trees.next() {
                if !skip_attribute(&tree, &mut trees) {
                    flatten(tree, depth + 1, out)?;
                }
            }
            out.extend(close.map(Token::Symbol));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(source: &str) -> Vec<String> {
        items(source)
            .unwrap()
            .iter()
            .map(|item| {
                item.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn names_and_literals_are_normalised_comments_and_attributes_dropped() {
        let source = r#"
            //! The crate's doc.
            use std::io::{self, Read};
            /// Doubles.
            #[inline]
            fn double(x: u32) -> u32 { x * 2 } // why
            /* block */ const MAX: usize = 8;
        "#;
        assert_eq!(
            text(source),
            ["fn V ( V : V ) - > V { V * L }", "const V : V = L ;"]
        );
    }

    #[test]
    fn renaming_changes_no_token() {
        let a =
            "fn main() { let listener = bind(\"a\"); for s in listener.incoming() { echo(s); } }";
        let b =
            "fn start() { let sock = open(\"b\"); for conn in sock.incoming() { copy(conn); } }";
        assert_eq!(items(a).unwrap(), items(b).unwrap());
    }

    #[test]
    fn items_of_impl_blocks_are_cut_apart() {
        let source = "impl Room { fn join(&self) { x(); } fn leave(&self) {} } struct Room;";
        assert_eq!(
            text(source),
            [
                "impl V",
                "fn V ( & self ) { V ( ) ; }",
                "fn V ( & self ) { }",
                "struct V ;"
            ]
        );
    }

    #[test]
    fn unbalanced_or_absurdly_nested_sources_are_errors_not_crashes() {
        assert_eq!(items("fn main() { (").unwrap_err(), TokenError::Lex);
        let deep = format!(
            "fn f() {{ {}{} }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert_eq!(items(&deep).unwrap_err(), TokenError::TooDeep);
    }
}
