//! What the builder writes into mdBook's pages after mdBook has built a book:
//!
//! - **the language link** in the menu bar, as plain HTML, so it is there
//!   without JavaScript: `<a id="socket-lab-lang" href="../ko/socket.html">`.
//!   Its target is the one `socket-lab.js` used to compute, from what
//!   `head.hbs` writes on every page (`window.socketLab = { page, root, lang }`);
//!   the script now only remembers the choice (and adds the link itself on a
//!   page built by a plain `mdbook`, which has none).
//! - **each figure's own size**: mdBook shows every image twice, the figure
//!   and a copy that a tap opens (a CSS-only zoom). The builder marks the
//!   label around an SVG figure with the SVG's `viewBox` size
//!   (`--socket-lab-figure-width: 640`), and `socket-lab.css` opens the
//!   figure at least that large (its text at the size it was drawn, 11 px or
//!   more) where mdBook would fit it into a phone's screen.
//! - **unbreakable words in table cells**: each run of characters between
//!   spaces that holds punctuation (`세그먼트(TCP),`, `Wi-Fi`, `1024–49151`)
//!   becomes `<span class="socket-lab-word">`, which does not wrap; a cell
//!   breaks only at its spaces, and a table too wide for a phone scrolls
//!   (mdBook's `.table-wrapper`). Letters alone do not break anyway
//!   (`word-break: keep-all`, in `socket-lab.css`); inline code does not
//!   wrap but at its own spaces, each in `<span class="socket-lab-space">`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use regex::{Captures, Regex};

use crate::{LANGUAGES, html};

static HERE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"window\.socketLab = \{ page: "([^"]*)", root: "([^"]*)", lang: "([^"]*)" \}"#)
        .expect("valid regex")
});
const RIGHT_BUTTONS: &str = r#"<div class="right-buttons">"#;
static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"<label class="checkbox-label">(<input class="checkbox-img" type="checkbox"><img src="([^"]*)")"#,
    )
    .expect("valid regex")
});
static VIEW_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?s)^.*?<svg\b[^>]*?\sviewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*""#,
    )
    .expect("valid regex")
});

/// Finishes every page of the book built into `book_out` (see the module's
/// documentation).
pub fn finish(book_out: &Path) -> Result<()> {
    for page in html::pages(book_out)? {
        let source =
            fs::read_to_string(&page).with_context(|| format!("reading {}", page.display()))?;
        let name = page.strip_prefix(book_out).unwrap_or(&page).display();
        let dir = page.parent().unwrap_or(book_out);
        let mut text = with_language_link(&source).with_context(|| format!("in {name}"))?;
        if text.contains(r#"<label class="checkbox-label">"#) {
            text = with_figure_sizes(&text, |src| svg_size(&dir.join(html::percent_decode(src))));
        }
        if text.contains("<table") {
            text = with_unbreakable_words(&text);
        }
        if text != source {
            fs::write(&page, text).with_context(|| format!("writing {}", page.display()))?;
        }
    }
    Ok(())
}

/// The page's language link: `(href, text, title, other language)`, from
/// what head.hbs wrote; `None` on a page without one (toc.html).
pub fn language_link(page: &str) -> Option<(String, &'static str, &'static str, &'static str)> {
    // In the head: a short regular expression search, not one over the page.
    let at = page.find("window.socketLab = {")?;
    let here = HERE.captures(&page[at..page.len().min(at + 500)])?;
    let path = html::decode_entities(&here[1]).replace('\\', "/");
    if path == "toc.html" {
        return None; // the sidebar's frame: no page of its own
    }
    let root = html::decode_entities(&here[2]);
    let other = *LANGUAGES.iter().find(|l| **l != &here[3])?;
    let (text, title) = match other {
        "ko" => ("한국어", "이 페이지를 한국어로 읽기"),
        _ => ("English", "Read this page in English"),
    };
    let target = path
        .strip_suffix(".md")
        .map_or(path.clone(), |p| format!("{p}.html"));
    Some((format!("{root}../{other}/{target}"), text, title, other))
}

/// `page` with the language link as the first of the menu bar's right-hand
/// buttons (where socket-lab.js put it before).
pub fn with_language_link(page: &str) -> Result<String> {
    let Some((href, text, title, other)) = language_link(page) else {
        return Ok(page.to_string());
    };
    if page.contains(r#"id="socket-lab-lang""#) {
        return Ok(page.to_string());
    }
    let Some(at) = page.find(RIGHT_BUTTONS) else {
        bail!("no {RIGHT_BUTTONS} for the language link: has mdBook's page template changed?");
    };
    let at = at + RIGHT_BUTTONS.len();
    let link = format!(
        "\n                        <a class=\"socket-lab-lang\" id=\"socket-lab-lang\" href=\"{}\" \
         hreflang=\"{other}\" lang=\"{other}\" title=\"{title}\" aria-label=\"{title}\">{text}</a>",
        escape(&href)
    );
    Ok(format!("{}{link}{}", &page[..at], &page[at..]))
}

/// The width and height of an SVG file's `viewBox`.
pub fn svg_size(file: &Path) -> Option<(f64, f64)> {
    if file.extension()? != "svg" {
        return None;
    }
    let svg = fs::read_to_string(file).ok()?;
    let c = VIEW_BOX.captures(&svg)?;
    Some((c[1].parse().ok()?, c[2].parse().ok()?))
}

/// `page` with each zoomable figure's label carrying its figure's size
/// (`size_of` gets the `src` as written).
pub fn with_figure_sizes(page: &str, size_of: impl Fn(&str) -> Option<(f64, f64)>) -> String {
    FIGURE
        .replace_all(page, |c: &Captures<'_>| {
            match size_of(&html::decode_entities(&c[2])) {
                Some((w, h)) => format!(
                    "<label class=\"checkbox-label socket-lab-figure\" \
                 style=\"--socket-lab-figure-width: {w}; --socket-lab-figure-height: {h}\">{}",
                    &c[1]
                ),
                None => c[0].to_string(),
            }
        })
        .into_owned()
}

/// `page` with each word of a table cell that could break inside wrapped in
/// `<span class="socket-lab-word">` (see [`push_cell`]). A
/// plain scan of mdBook's regular output (`<td>`, `<th>`, no nested tables),
/// not regular expressions: it runs on every page in the dev profile.
pub fn with_unbreakable_words(page: &str) -> String {
    let mut out = String::with_capacity(page.len() + page.len() / 8);
    let mut rest = page;
    while let Some(start) = next_cell(rest) {
        let open_end = start
            + rest[start..]
                .find('>')
                .map_or(rest.len() - start, |e| e + 1);
        let close = rest[open_end..]
            .find("</t")
            .map_or(rest.len(), |e| open_end + e);
        out.push_str(&rest[..open_end]);
        push_cell(&mut out, &rest[open_end..close]);
        rest = &rest[close..];
        // Past the closing tag, so the scan goes on after it.
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        out.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Where the next `<td ...>` or `<th ...>` starts.
fn next_cell(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find("<t") {
        let at = from + at;
        let after = text.as_bytes().get(at + 3).copied();
        if matches!(text.as_bytes().get(at + 2), Some(b'd' | b'h'))
            && matches!(after, Some(b'>' | b' '))
        {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// One piece of a cell: white space (where the line may break), or a piece
/// of a word (text, a tag, a whole `<code>` element, its own spaces in it).
enum Piece<'a> {
    Space(&'a str),
    Text(&'a str),
    Open(&'a str),
    Close(&'a str),
    Atom(&'a str),
    /// `<code ...>`, what is inside, `</code>`.
    Code(&'a str, &'a str, &'a str),
}

/// A cell's content with each word that could break inside (one with
/// punctuation, or one that runs across tags: `<code>read</code>가`) wrapped
/// in a span. A word whose tags do not close within it (a link of two words)
/// has its text pieces wrapped one by one instead.
fn push_cell(out: &mut String, cell: &str) {
    let mut word: Vec<Piece<'_>> = Vec::new();
    for piece in pieces(cell) {
        if let Piece::Space(space) = piece {
            push_word(out, &word);
            word.clear();
            out.push_str(space);
        } else {
            word.push(piece);
        }
    }
    push_word(out, &word);
}

fn pieces(cell: &str) -> Vec<Piece<'_>> {
    let mut found = Vec::new();
    let mut rest = cell;
    while let Some(c) = rest.chars().next() {
        let len = if c == '<' {
            let tag_end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = &rest[..tag_end];
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            let closing = tag.starts_with("</");
            if name == "code" && !closing {
                let inner_end = rest.find("</code>").unwrap_or(rest.len());
                let end = (inner_end + "</code>".len()).min(rest.len());
                found.push(Piece::Code(
                    tag,
                    &rest[tag_end.min(inner_end)..inner_end],
                    &rest[inner_end..end],
                ));
                end
            } else {
                found.push(if name == "br" || name == "wbr" {
                    Piece::Space(tag)
                } else if closing {
                    Piece::Close(tag)
                } else if tag.ends_with("/>") || ["img", "input", "hr"].contains(&name.as_str()) {
                    Piece::Atom(tag)
                } else {
                    Piece::Open(tag)
                });
                tag_end
            }
        } else {
            let white = c.is_whitespace();
            let end = rest
                .char_indices()
                .find(|&(_, d)| d == '<' || d.is_whitespace() != white)
                .map_or(rest.len(), |(i, _)| i);
            found.push(if white {
                Piece::Space(&rest[..end])
            } else {
                Piece::Text(&rest[..end])
            });
            end
        };
        rest = &rest[len..];
    }
    found
}

/// Text that could break inside: two characters or more, one of them not a
/// letter or digit (with `word-break: keep-all`, letters alone do not break).
fn punctuated(text: &str) -> bool {
    text.chars().count() > 1 && text.chars().any(|c| !c.is_alphanumeric())
}

/// Inline code with each of its spaces in `<span class="socket-lab-space">`:
/// the code does not wrap (not at a hyphen, not where it meets the text
/// after it), only at those spaces (socket-lab.css).
fn code(open: &str, inner: &str, close: &str) -> String {
    let mut out = String::from(open);
    let mut rest = inner;
    while let Some(c) = rest.chars().next() {
        let white = c.is_whitespace();
        let end = rest
            .char_indices()
            .find(|&(_, d)| d.is_whitespace() != white)
            .map_or(rest.len(), |(i, _)| i);
        if white {
            let _ = write!(
                out,
                "<span class=\"socket-lab-space\">{}</span>",
                &rest[..end]
            );
        } else {
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(close);
    out
}

fn push_word(out: &mut String, word: &[Piece<'_>]) {
    let raw = |p: &Piece<'_>| match *p {
        Piece::Space(s) | Piece::Text(s) | Piece::Open(s) | Piece::Close(s) | Piece::Atom(s) => {
            s.to_string()
        }
        Piece::Code(open, inner, close) => code(open, inner, close),
    };
    let shown = word
        .iter()
        .filter(|p| matches!(p, Piece::Text(_) | Piece::Atom(_) | Piece::Code(..)))
        .count();
    let text: String = word
        .iter()
        .filter_map(|p| match p {
            Piece::Text(t) => Some(*t),
            _ => None,
        })
        .collect();
    let mut depth = 0i32;
    let mut balanced = true;
    for p in word {
        match p {
            Piece::Open(_) => depth += 1,
            Piece::Close(_) => {
                depth -= 1;
                balanced &= depth >= 0;
            }
            _ => {}
        }
    }
    if balanced && depth == 0 && (punctuated(&text) || shown > 1) {
        out.push_str("<span class=\"socket-lab-word\">");
        word.iter().for_each(|p| out.push_str(&raw(p)));
        out.push_str("</span>");
        return;
    }
    for p in word {
        match p {
            Piece::Text(t) if punctuated(t) => {
                let _ = write!(out, "<span class=\"socket-lab-word\">{t}</span>");
            }
            p => out.push_str(&raw(p)),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<head><script>\n    window.socketLab = { page: \"exercises/echo.md\", \
                        root: \"../\", lang: \"en\" };\n</script></head>\n\
                        <div class=\"right-buttons\">\n<a href=\"../print.html\">print</a></div>";

    #[test]
    fn the_language_link_is_in_the_page() {
        let page = with_language_link(PAGE).unwrap();
        assert!(
            page.contains(
                "<div class=\"right-buttons\">\n                        <a class=\"socket-lab-lang\" \
                 id=\"socket-lab-lang\" href=\"../../ko/exercises/echo.html\" hreflang=\"ko\" lang=\"ko\" \
                 title=\"이 페이지를 한국어로 읽기\" aria-label=\"이 페이지를 한국어로 읽기\">한국어</a>\n<a href"
            ),
            "{page}"
        );
        assert_eq!(with_language_link(&page).unwrap(), page, "added twice");
        let ko = PAGE.replace(
            "page: \"exercises/echo.md\", root: \"../\", lang: \"en\"",
            "page: \"index.md\", root: \"\", lang: \"ko\"",
        );
        let (href, text, ..) = language_link(&ko).unwrap();
        assert_eq!((href.as_str(), text), ("../en/index.html", "English"));
        let toc = PAGE.replace("exercises/echo.md", "toc.html");
        assert_eq!(with_language_link(&toc).unwrap(), toc);
        let changed = PAGE.replace("right-buttons", "buttons");
        assert!(with_language_link(&changed).is_err());
    }

    #[test]
    fn figures_carry_their_size() {
        let page = "<p><label class=\"checkbox-label\"><input class=\"checkbox-img\" type=\"checkbox\">\
                    <img src=\"images/osi.svg\" alt=\"a\"><span class=\"img-wrapper\"><img src=\"images/osi.svg\" alt=\"a\">\
                    </span></label></p>";
        let sized = with_figure_sizes(page, |src| {
            (src == "images/osi.svg").then_some((600.0, 484.0))
        });
        assert!(
            sized.starts_with(
                "<p><label class=\"checkbox-label socket-lab-figure\" style=\"--socket-lab-figure-width: 600; \
                 --socket-lab-figure-height: 484\"><input class=\"checkbox-img\" type=\"checkbox\"><img src=\"images/osi.svg\""
            ),
            "{sized}"
        );
        assert_eq!(with_figure_sizes(page, |_| None), page);
    }

    #[test]
    fn words_with_punctuation_in_cells_do_not_break() {
        let page = "<p>세그먼트(TCP)</p><table><tr><th>계층</th><td style=\"x\">세그먼트(TCP), 데이터그램 \
                    <code>echo-server [--listen]</code> Wi-Fi <em>a-b</em> 1024–49151</td></tr></table>";
        assert_eq!(
            with_unbreakable_words(page),
            "<p>세그먼트(TCP)</p><table><tr><th>계층</th><td style=\"x\">\
             <span class=\"socket-lab-word\">세그먼트(TCP),</span> 데이터그램 \
             <code>echo-server<span class=\"socket-lab-space\"> </span>[--listen]</code> \
             <span class=\"socket-lab-word\">Wi-Fi</span> <span class=\"socket-lab-word\"><em>a-b</em></span> <span class=\"socket-lab-word\">1024–49151</span></td></tr></table>"
        );
        // Across tags: code and what follows it, a link and its particle; a
        // link of two words keeps its tags and has its text wrapped piece by piece.
        let page = "<td><code>ft-server [--max]</code>(<code>--flag=V</code> 형태)<br>\
                    <a href=\"a.html\">x-y</a>가 <a href=\"b.html\">두 단어-들</a>은 소켓</td>";
        assert_eq!(
            with_unbreakable_words(page),
            "<td><span class=\"socket-lab-word\"><code>ft-server<span class=\"socket-lab-space\"> </span>[--max]</code>\
             (<code>--flag=V</code></span> \
             <span class=\"socket-lab-word\">형태)</span><br>\
             <span class=\"socket-lab-word\"><a href=\"a.html\">x-y</a>가</span> <a href=\"b.html\">두 \
             <span class=\"socket-lab-word\">단어-들</span></a>은 소켓</td>"
        );
    }
}
