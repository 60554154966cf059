//! The book in the template is the course edition: students of a class get
//! no reference-solution code, neither in the pages nor through an include.
//!
//! The chapters mark what each edition shows with lines of their own:
//!
//! ```text
//! <!-- edition: self-study -->   the reference solution (left out here)
//! <!-- /edition -->
//! <!-- edition: course -->       what the course edition says instead
//! <!-- /edition -->
//! ```
//!
//! The book builder reads the same markers (`--edition course`); the export
//! writes the course edition's text into the pages, markers gone, so the
//! template's book has nothing to leave out and builds without solutions/.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

const OPEN: &str = "<!-- edition: ";
const CLOSE: &str = "<!-- /edition -->";

/// Rewrites every page under `dest/book/*/src/` as the course edition.
/// Returns how many blocks it left out.
pub fn course_edition(dest: &Path) -> Result<usize> {
    let mut left_out = 0;
    for lang in ["en", "ko"] {
        for page in pages(&dest.join("book").join(lang).join("src"))? {
            let text = fs::read_to_string(&page)?;
            let rel = page
                .strip_prefix(dest)
                .unwrap_or(&page)
                .display()
                .to_string();
            let (course, n) = course_text(&text).with_context(|| format!("in {rel}"))?;
            if n > 0 {
                fs::write(&page, course)?;
                left_out += n;
            }
        }
    }
    Ok(left_out)
}

/// The Markdown files under `dir`, recursively.
fn pages(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(pages(&path)?);
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    Ok(found)
}

/// `text` as the course edition, and how many self-study blocks it dropped.
/// Unbalanced markers, an unknown edition, or an include of `solutions/`
/// outside a self-study block are errors: nothing slips through.
pub fn course_text(text: &str) -> Result<(String, usize)> {
    let mut out = String::with_capacity(text.len());
    let mut inside: Option<(&str, usize)> = None;
    let mut dropped = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(OPEN) {
            let edition = rest.trim_end_matches("-->").trim();
            if let Some((open, at)) = inside {
                bail!("line {number}: an edition block inside the `{open}` block of line {at}");
            }
            if edition != "course" && edition != "self-study" {
                bail!("line {number}: unknown edition `{edition}` (course or self-study)");
            }
            inside = Some((edition, number));
            continue;
        }
        if trimmed == CLOSE {
            match inside.take() {
                Some(("self-study", _)) => dropped += 1,
                Some(_) => {}
                None => bail!("line {number}: {CLOSE} without an opening marker"),
            }
            continue;
        }
        if matches!(inside, Some(("self-study", _))) {
            continue;
        }
        if line.contains("{{#") && line.contains("solutions/") {
            bail!(
                "line {number}: the course edition must not include solutions/ \
                 (wrap it in <!-- edition: self-study -->)"
            );
        }
        out.push_str(line);
    }
    if let Some((edition, at)) = inside {
        bail!("line {at}: the `{edition}` block is not closed with {CLOSE}");
    }
    Ok((out, dropped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_edition_keeps_course_blocks_and_drops_self_study_ones() {
        let text = "a\n<!-- edition: self-study -->\n{{#include ../../../../solutions/x.rs:main}}\n\
                    <!-- /edition -->\n<!-- edition: course -->\nthe idea\n<!-- /edition -->\nb\n";
        let (out, n) = course_text(text).unwrap();
        assert_eq!(out, "a\nthe idea\nb\n");
        assert_eq!(n, 1);
    }

    #[test]
    fn what_could_slip_through_is_an_error() {
        for bad in [
            "{{#include ../../../../solutions/x.rs}}\n",
            "<!-- edition: course -->\n<!-- edition: self-study -->\n<!-- /edition -->\n",
            "<!-- edition: self-study -->\nx\n",
            "<!-- /edition -->\n",
            "<!-- edition: teacher -->\n<!-- /edition -->\n",
        ] {
            assert!(course_text(bad).is_err(), "{bad}");
        }
    }
}
