//! The site built once per test run, shared by the tests of one test binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use socket_lab_book::edition::Edition;
use socket_lab_book::{Layout, build};

/// Builds both books (the default edition, self-study) into a fresh folder under cargo's temp dir for tests
/// (`target/tmp/book-site-<test>`), once; returns the site's root.
pub fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(concat!("book-site-", env!("CARGO_CRATE_NAME")));
        match build::build_site(&Layout::of_this_repo(), Edition::default(), &out) {
            Ok(built) => built.out,
            Err(e) => panic!("the book does not build: {e:#}"),
        }
    })
}
