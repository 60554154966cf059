//! Builds and checks Socket Lab's book: two mdBooks, `book/en` and `book/ko`,
//! written side by side into one site with a language switch on every page and
//! a search that understands Korean. See `book/README.md`.
//!
//! - [`build`]: runs mdBook (as a library) on both books and adds the site's extras.
//! - [`preprocess`]: what the builder does to each chapter before mdBook's own
//!   preprocessors: [`numbers`] (the grader's points), [`rules`] (the tests
//!   of each contract rule) and [`edition`] (course or self-study).
//! - [`comments`]: the included examples' comments in the book's language.
//! - [`parity`]: the Korean and English sources have the same shape.
//! - [`english`]: the Korean book's prose and figures have no English words.
//! - [`links`]: every local link and image in a built site points at something.
//! - [`pages`]: what the builder writes into mdBook's pages (the language
//!   link, figure sizes for the zoom, unbreakable words in tables).
//! - [`reports`]: the grader's reports the chapters quote, generated.
//! - [`quotes`]: the Korean book's double quotes, curled and checked.
//! - [`emphasis`]: no `*` or `**` is left as text in a built page.
//! - [`search_index`]: the index that Korean search reads.
//! - [`server`]: a tiny static file server for `serve` and the browser test.
//! - [`browser`]: headless Chromium runs for the browser test.

pub mod browser;
pub mod build;
pub mod comments;
pub mod emphasis;
/// The editions' markers (a crate of its own, shared with `classroom export`).
pub use socket_lab_edition as edition;
pub mod english;
pub mod html;
pub mod links;
pub mod numbers;
pub mod pages;
pub mod parity;
pub mod preprocess;
pub mod quotes;
pub mod reports;
pub mod rules;
pub mod search_index;
pub mod server;

use std::path::{Path, PathBuf};

/// The two books, in the order they are built. The first is the fallback
/// language of the root page.
pub const LANGUAGES: [&str; 2] = ["en", "ko"];

/// Where things are in the repository.
#[derive(Debug, Clone)]
pub struct Layout {
    /// `book/`: holds `en/`, `ko/` and `theme/`.
    pub book_dir: PathBuf,
}

impl Layout {
    /// The layout of this checkout (found from this crate's own location).
    pub fn of_this_repo() -> Layout {
        let builder = Path::new(env!("CARGO_MANIFEST_DIR"));
        Layout {
            book_dir: builder
                .parent()
                .expect("book/builder has a parent")
                .to_path_buf(),
        }
    }

    /// The repository's root directory.
    pub fn repo_root(&self) -> PathBuf {
        self.book_dir
            .parent()
            .expect("book/ has a parent")
            .to_path_buf()
    }

    /// `book/<lang>/`: the mdBook root with `book.toml`.
    pub fn book_root(&self, lang: &str) -> PathBuf {
        self.book_dir.join(lang)
    }

    /// `book/<lang>/src/`.
    pub fn src(&self, lang: &str) -> PathBuf {
        self.book_root(lang).join("src")
    }

    /// `book/theme/`: head.hbs and the site's own JS and CSS.
    pub fn theme(&self) -> PathBuf {
        self.book_dir.join("theme")
    }

    /// `target/book/`: where `cargo xtask book` writes the site.
    pub fn default_out(&self) -> PathBuf {
        self.repo_root().join("target").join("book")
    }
}
