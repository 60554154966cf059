//! The similarity report as CSV (every pair) and as a small HTML page (the
//! most similar pairs of each exercise), both most similar first.

use std::fmt::Write as _;

use super::{ExerciseReport, MIN_SHARED, Pair};

/// Rows per exercise on the HTML page; the CSV has them all.
const HTML_ROWS: usize = 100;

pub fn render_csv(reports: &[ExerciseReport]) -> String {
    let mut out = String::from(
        "exercise,a,b,a_in_b,b_in_a,shared,a_fingerprints,b_fingerprints,flag,notes\n",
    );
    for report in reports {
        for pair in &report.pairs {
            let cells = [
                csv_cell(report.name),
                csv_cell(&pair.a),
                csv_cell(&pair.b),
                format!("{:.1}", pair.a_in_b),
                format!("{:.1}", pair.b_in_a),
                pair.shared.to_string(),
                pair.a_fingerprints.to_string(),
                pair.b_fingerprints.to_string(),
                if pair.flagged { "similar" } else { "" }.to_string(),
                csv_cell(&pair_notes(report, pair).join(" ")),
            ];
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    out
}

/// The notes of both sides of a pair, `a:` or `b:` before each.
fn pair_notes(report: &ExerciseReport, pair: &Pair) -> Vec<String> {
    let mut notes = Vec::new();
    for (side, name) in [("a", &pair.a), ("b", &pair.b)] {
        for (document, note) in &report.notes {
            if document == name {
                notes.push(format!("{side}:{note}"));
            }
        }
    }
    notes
}

/// RFC 4180 quoting, and a `'` before a cell a spreadsheet would run as a
/// formula: the names are student folder names.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub fn render_html(reports: &[ExerciseReport], threshold: f64) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Similarity report</title>\n<style>\n\
         body { font-family: sans-serif; margin: 2em; max-width: 60em; }\n\
         table { border-collapse: collapse; margin-bottom: 2em; }\n\
         th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }\n\
         td.n { text-align: right; font-variant-numeric: tabular-nums; }\n\
         tr.flag { background: #fde2e1; }\n\
         </style>\n</head>\n<body>\n<h1>Similarity report</h1>\n",
    );
    let _ = writeln!(
        out,
        "<p>Each solution's fingerprints (normalised tokens, winnowed, as MOSS does; \
         the starter's removed) compared with the reference solution's and every \
         other's. <em>A in B</em> is the share of A's fingerprints that B has. Pairs \
         where either share is at least {threshold} %, with at least {MIN_SHARED} \
         fingerprints shared, are marked. A mark is a reason to read both solutions \
         side by side, not proof of copying.</p>"
    );
    for report in reports {
        let _ = writeln!(out, "<h2>{}</h2>", escape(report.name));
        if report.pairs.is_empty() {
            out.push_str("<p>No submissions.</p>\n");
        } else {
            out.push_str(
                "<table>\n<tr><th>A</th><th>B</th><th>A in B</th><th>B in A</th>\
                 <th>shared</th><th></th></tr>\n",
            );
            for pair in report.pairs.iter().take(HTML_ROWS) {
                let _ = writeln!(
                    out,
                    "<tr{}><td>{}</td><td>{}</td><td class=\"n\">{:.1} %</td>\
                     <td class=\"n\">{:.1} %</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    if pair.flagged { " class=\"flag\"" } else { "" },
                    escape(&pair.a),
                    escape(&pair.b),
                    pair.a_in_b,
                    pair.b_in_a,
                    pair.shared,
                    if pair.flagged { "similar" } else { "" },
                );
            }
            out.push_str("</table>\n");
            if report.pairs.len() > HTML_ROWS {
                let _ = writeln!(
                    out,
                    "<p>{} more pairs in the CSV.</p>",
                    report.pairs.len() - HTML_ROWS
                );
            }
        }
        if !report.notes.is_empty() {
            out.push_str("<p>Not compared:</p>\n<ul>\n");
            for (document, note) in &report.notes {
                let _ = writeln!(out, "<li>{}: {}</li>", escape(document), escape(note));
            }
            out.push_str("</ul>\n");
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Text in HTML, inside an element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_quoted() {
        assert_eq!(
            escape("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert_eq!(csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
