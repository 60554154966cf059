//! The builder's mdBook preprocessor: the grader's numbers ([`crate::numbers`]),
//! the edition ([`crate::edition`]), the grader's reports
//! ([`crate::reports`]) and, in the Korean book, the double quotes
//! ([`crate::quotes`]), applied to every chapter's Markdown.
//!
//! It must run before mdBook's `links` preprocessor, which expands
//! `{{#include}}`: a block the edition drops is then never read, and the
//! course edition still sees, and refuses, an include of `solutions/`.
//! `with_preprocessor` appends to mdBook's list, after `links`, so
//! [`register`] turns mdBook's default preprocessors off and adds them back
//! behind this one.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use mdbook_driver::MDBook;
use mdbook_driver::book::{Book, BookItem};
use mdbook_driver::builtin_preprocessors::{IndexPreprocessor, LinkPreprocessor};
use mdbook_driver::config::Config;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use crate::edition::{self, Edition};
use crate::numbers::Numbers;
use crate::quotes;
use crate::reports::Reports;
use crate::rules::Lang;

pub struct SocketLab {
    pub edition: Edition,
    pub numbers: Numbers,
    /// The grader's reports the chapters quote (`{{#report …}}`).
    pub reports: Reports,
    /// The repository: errors name chapters relative to it, and
    /// `<repo>/solutions` is what the course edition must not include.
    pub repo_root: PathBuf,
}

impl SocketLab {
    pub const NAME: &'static str = "socket-lab";

    /// One chapter: the exercise check (exercise chapters only), then the
    /// numbers, then the edition. Numbers first, so a placeholder in a block
    /// the other edition shows is still checked; both keep line numbers.
    /// `lang` is the book's (`book.toml`'s `language`): a rule's tests are
    /// said in it, and the Korean book's double quotes are curled here
    /// ([`crate::quotes`]), not by mdBook.
    pub fn chapter(&self, path: &Path, src_dir: &Path, text: &str, lang: Lang) -> Result<String> {
        let file = src_dir.join(path);
        let name = file.strip_prefix(&self.repo_root).unwrap_or(&file);
        let name = name.to_string_lossy().replace('\\', "/");
        // The examples and solutions a chapter includes comment in both languages.
        crate::comments::require_pairs(text, file.parent().unwrap_or(src_dir), &self.repo_root)
            .map_err(|e| anyhow::anyhow!("{name}: {e:#}"))?;
        if let Some(exercise) = exercise_of(path) {
            let problems = self.numbers.check_chapter(exercise, text, &name);
            if !problems.is_empty() {
                bail!("{}", problems.join("\n"));
            }
        }
        let text = self.numbers.substitute(text, &name, lang)?;
        let source = edition::Source {
            name: &name,
            dir: file.parent().unwrap_or(src_dir),
            solutions: &self.repo_root.join("solutions"),
        };
        let text = edition::apply(self.edition, &text, &source)?;
        let text = self
            .reports
            .expand(&text, &name, lang, self.numbers.grader())?;
        Ok(match lang {
            Lang::Ko => quotes::curl(&text),
            Lang::En => text,
        })
    }
}

/// `exercises/echo.md` → `echo`.
fn exercise_of(path: &Path) -> Option<&str> {
    let mut parts = path.iter();
    if parts.next()? != "exercises" {
        return None;
    }
    let file = Path::new(parts.next()?);
    if parts.next().is_some() || file.extension()? != "md" {
        return None;
    }
    file.file_stem()?.to_str()
}

impl Preprocessor for SocketLab {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let src_dir = ctx.root.join(&ctx.config.book.src);
        let lang = Lang::of(ctx.config.book.language.as_deref());
        let mut errors = Vec::new();
        book.for_each_mut(|item| {
            if let BookItem::Chapter(ch) = item
                && let Some(path) = &ch.path
            {
                match self.chapter(path, &src_dir, &ch.content, lang) {
                    Ok(text) => ch.content = text,
                    Err(e) => errors.push(format!("{e:#}")),
                }
            }
        });
        if !errors.is_empty() {
            bail!("{}", errors.join("\n"));
        }
        Ok(book)
    }
}

/// Loads the book at `root` with `config`, with [`SocketLab`] before mdBook's
/// `links` and `index`, in that order (mdBook's own order for the two), and
/// [`crate::comments::Comments`] between them: it works on the included code.
pub fn load(root: &Path, mut config: Config, socket_lab: SocketLab) -> Result<MDBook> {
    // mdBook would put `links` and `index` first; we add them back behind ours.
    // (A `[preprocessor]` table in book.toml would still run first: our books
    // have none.)
    config.build.use_default_preprocessors = false;
    let mut book = MDBook::load_with_config(root, config)?;
    book.with_preprocessor(socket_lab)
        .with_preprocessor(LinkPreprocessor::new())
        .with_preprocessor(crate::comments::Comments)
        .with_preprocessor(IndexPreprocessor::new());
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercise_chapters_are_found_by_path() {
        assert_eq!(exercise_of(Path::new("exercises/echo.md")), Some("echo"));
        assert_eq!(
            exercise_of(Path::new("exercises/file-transfer.md")),
            Some("file-transfer")
        );
        assert_eq!(exercise_of(Path::new("socket.md")), None);
        assert_eq!(exercise_of(Path::new("exercises/old/echo.md")), None);
        assert_eq!(exercise_of(Path::new("appendix/exercises.md")), None);
    }
}
