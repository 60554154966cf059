//! The book in the template is the course edition: students of a class get
//! no reference-solution code, neither in the pages nor through an include.
//!
//! The chapters mark what each edition shows (`<!-- edition: self-study -->`
//! … `<!-- /edition -->`); the export writes the course edition's text into
//! the pages, markers gone, with the book builder's own reading of those
//! markers (the `socket-lab-edition` crate), so the template's book has
//! nothing to leave out and builds without solutions/.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;
use socket_lab_edition::{Edition, Source, apply};

/// Rewrites every page under `dest/book/*/src/` as the course edition.
pub fn course_edition(dest: &Path) -> Result<()> {
    let solutions = dest.join("solutions");
    for lang in ["en", "ko"] {
        for page in pages(&dest.join("book").join(lang).join("src"))? {
            let text = fs::read_to_string(&page)?;
            let name = page
                .strip_prefix(dest)
                .unwrap_or(&page)
                .display()
                .to_string();
            let source = Source {
                name: &name,
                dir: page.parent().unwrap_or(dest),
                solutions: &solutions,
            };
            let course = apply(Edition::Course, &text, &source)?;
            if course != text {
                fs::write(&page, course)?;
            }
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The export's pages: a solution include in a self-study block goes,
    /// the course block stays, and a leak outside a block stops the export.
    #[test]
    fn pages_become_the_course_edition() {
        let dest = tempfile::tempdir().unwrap();
        let dir = dest.path().join("book/en/src/exercises");
        fs::create_dir_all(&dir).unwrap();
        let page = dir.join("echo.md");
        fs::write(
            &page,
            "a\n<!-- edition: self-study -->\n{{#include ../../../../solutions/x.rs:main}}\n\
             <!-- /edition -->\n<!-- edition: course -->\nthe idea\n<!-- /edition -->\nb\n",
        )
        .unwrap();
        course_edition(dest.path()).unwrap();
        assert_eq!(fs::read_to_string(&page).unwrap(), "a\nthe idea\nb\n");

        fs::write(&page, "{{#include ../../../../solutions/x.rs}}\n").unwrap();
        let err = format!("{:#}", course_edition(dest.path()).unwrap_err());
        assert!(err.contains("book/en/src/exercises/echo.md:1"), "{err}");
    }
}
