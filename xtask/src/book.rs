//! `cargo xtask book [build|check|serve]`: builds the book with the
//! `socket-lab-book` crate (book/builder), which does all the work.
//!
//! The book's dependencies (mdbook-driver, ~150 crates) live in that crate, not
//! here, so a student's `cargo xtask grade` never compiles them.
//!
//! The dev profile, not `--release`: `cargo test` has already compiled the
//! builder's dependencies in it (the book's tests), a cold dev build takes
//! about a minute where a release build takes two, and mdBook builds both books
//! in about a second even unoptimized. Not `--quiet`: on a first run cargo
//! shows what it is compiling.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::cmd;

#[derive(clap::Args)]
pub struct BookArgs {
    /// Arguments passed on to the book builder (see `cargo xtask book -- --help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(root: &Path, args: BookArgs) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    cmd::run(
        Command::new(cargo)
            .current_dir(root)
            .args(["run", "--package", "socket-lab-book", "--"])
            .args(args.rest),
    )
}
