//! Emphasis that did not happen: asterisks left as text in the built pages.
//!
//! CommonMark decides whether `*` or `**` opens or closes emphasis from the
//! characters on both sides (the "flanking" rules). A closing `**` right
//! after punctuation (a backtick's code span, `)`, `:`) and right before a
//! letter does not close, and Korean writes its particle right after the
//! word without a space: `**`rdt-recv`**는`, `**반복 서버(iterative
//! server)**는` and `*테스트:*에는` all come out with their asterisks on the
//! page. Writing `**`rdt-recv`**: ...`, or the particle inside the emphasis
//! (`**반복 서버**(iterative server)는`), comes out right.
//!
//! [`check_book`] runs on every build, after the quote check: a `*` in a
//! built page's text (outside `<code>`, `<pre>`, scripts and styles) that
//! touches a letter or another `*` is a mark that did not become emphasis,
//! and fails the build with the page and line. A `*` between spaces
//! (`2 * 3`) is left alone.

use std::path::Path;

use anyhow::Result;

use crate::html;

/// A literal emphasis mark in a built page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayMark {
    /// 1-based line in the page.
    pub line: usize,
    /// The text around it (`**rdt-recv**는 UDP`; code counts as its text).
    pub context: String,
}

/// Elements whose content is not prose: code stays as its text in the
/// context (a stray mark next to it is still found), the others are a space.
const NOT_PROSE: [&str; 4] = ["code", "pre", "script", "style"];

/// The literal `*`s of one built page that touch a letter or another `*`.
/// Tags are read, not parsed (mdBook's output is regular), as in
/// [`crate::quotes::wrong_quotes`].
pub fn stray_marks(page: &str) -> Vec<StrayMark> {
    // The page's text as the check sees it, each char with its line and
    // whether it is prose (code's text is shown, never checked).
    let mut text: Vec<(char, usize, bool)> = Vec::new();
    let mut line = 1;
    let mut skipping: Option<&str> = None;
    let mut rest = page;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let (tag, len) = if rest.starts_with("<!--") {
                ("", rest.find("-->").map_or(rest.len(), |e| e + 3))
            } else {
                let len = rest.find('>').map_or(rest.len(), |e| e + 1);
                (&rest[..len], len)
            };
            line += rest[..len].matches('\n').count();
            rest = &rest[len..];
            let closing = tag.starts_with("</");
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            match skipping {
                Some(open) if closing && name == open => {
                    skipping = None;
                    if open != "code" {
                        text.push((' ', line, true));
                    }
                }
                Some(_) => {}
                None if !closing && NOT_PROSE.contains(&name.as_str()) => {
                    skipping = NOT_PROSE.iter().copied().find(|n| *n == name);
                }
                None if html::BLOCK_TAGS.contains(&name.as_str()) => text.push((' ', line, true)),
                None => {}
            }
            continue;
        }
        let mut len = c.len_utf8();
        let mut c = c;
        if c == '&'
            && let Some(end) = rest.bytes().take(12).position(|b| b == b';')
        {
            let decoded = html::decode_entities(&rest[..=end]);
            if decoded.chars().count() == 1 {
                c = decoded.chars().next().expect("one char");
                len = end + 1;
            }
        }
        match skipping {
            Some("code") => text.push((c, line, false)),
            Some(_) => {}
            None => text.push((c, line, true)),
        }
        line += rest[..len].matches('\n').count();
        rest = &rest[len..];
    }

    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let (c, line, prose) = text[i];
        if c != '*' || !prose {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && text[i].0 == '*' && text[i].2 {
            i += 1;
        }
        let touches =
            |at: Option<&(char, usize, bool)>| at.is_some_and(|(c, ..)| !c.is_whitespace());
        let run = i - start;
        let before = start.checked_sub(1).and_then(|b| text.get(b));
        if run > 1 || touches(before) || touches(text.get(i)) {
            let from = start.saturating_sub(30);
            let to = (i + 30).min(text.len());
            let context: String = text[from..to].iter().map(|(c, ..)| c).collect();
            found.push(StrayMark {
                line,
                context: context.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
    }
    found
}

/// Every stray emphasis mark in a built book (print.html left out: it
/// repeats the chapters), as `page:line: context`.
pub fn check_book(book_out: &Path) -> Result<Vec<String>> {
    html::find_in_pages(book_out, |source| {
        stray_marks(source)
            .into_iter()
            .map(|stray| (stray.line, stray.context))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What mdBook writes for the mistakes the Korean book had, and for the
    /// same sentences written right.
    #[test]
    fn finds_marks_that_did_not_become_emphasis() {
        let page = "<li><strong><code>rdt-recv</code></strong>: UDP 소켓</li>\n\
                    <li>**<code>rdt-recv</code>**는 UDP 소켓 하나를</li>\n\
                    <p>뒤에 붙은 *테스트:*에는 그 행을</p>\n\
                    <li>**반복 서버(iterative server)**는 한 번에</li>\n\
                    <p><em>테스트:</em> 그리고 2 * 3 = 6</p>\n\
                    <pre><code>let p = *ptr; // **굵게**</code></pre><p>포인터 <code>*ptr</code></p>\n\
                    <p>다시 띄우면 **<code>Address already in use</code>**로</p>\n\
                    <p>&#42;&#42;엔티티&#42;&#42;</p>";
        let found = stray_marks(page);
        let lines: Vec<usize> = found.iter().map(|s| s.line).collect();
        assert_eq!(lines, [2, 2, 3, 3, 4, 4, 7, 7, 8, 8], "{found:?}");
        assert!(found[0].context.contains("**rdt-recv**는 UDP"), "{found:?}");
        assert!(found[2].context.contains("*테스트:*에는"), "{found:?}");
        assert!(
            found[6].context.contains("**Address already in use**로"),
            "{found:?}"
        );
    }

    #[test]
    fn a_page_without_stray_marks_passes() {
        let page = "<h1>장</h1><p><strong>굵게</strong>는 <em>기울임</em>이고, \
                    <code>**</code>와 <code>*p</code>는 코드이며, 곱하기는 2 * 3입니다.</p>\
                    <script>var a = b ** 2; /* *주석* */</script><style>*{}</style>\
                    <!-- **주석** -->";
        assert_eq!(stray_marks(page), Vec::<StrayMark>::new());
    }
}
