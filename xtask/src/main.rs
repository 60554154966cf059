//! `cargo xtask`: Socket Lab's tool.
//!
//! This file only reads the command line and dispatches; each subcommand lives
//! in its own module with one entry function.
//!
//! The instructor's commands are behind the `instructor` feature (on here, off
//! in a student's template, which leaves their code out): in a student's build,
//! what only they use is unused, and that is not worth a warning.
#![cfg_attr(not(feature = "instructor"), allow(dead_code, unused_imports))]

#[cfg(feature = "instructor")]
mod bench;
mod book;
#[cfg(feature = "instructor")]
mod book_reports;
#[cfg(feature = "instructor")]
mod classroom;
mod cmd;
mod cmdline;
mod grade;
#[cfg(feature = "instructor")]
mod gradebook;
mod hint;
mod last;
mod progress;
mod sandbox;
#[cfg(feature = "instructor")]
mod similarity;
mod status;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(clap::Parser)]
#[command(
    name = "cargo xtask",
    about = "Socket Lab: grade exercises, build the book"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Grade exercises over real sockets and print a report.
    Grade(grade::GradeArgs),
    /// Build the book (Korean and English) into target/book.
    Book(book::BookArgs),
    /// Measure throughput against a baseline run in the same process.
    #[cfg(feature = "instructor")]
    Bench(bench::BenchArgs),
    /// GitHub Classroom: write the student template repository (`classroom export DIR`).
    #[cfg(feature = "instructor")]
    Classroom(classroom::ClassroomArgs),
    /// Re-grade every student repository in a folder into a CSV (instructors).
    #[cfg(feature = "instructor")]
    Gradebook(gradebook::GradebookArgs),
    /// Hints for a test, from a question to the socket call (`hint echo [TEST]`).
    Hint(hint::HintArgs),
    /// How alike the students' solutions are, to the reference and each other (instructors).
    #[cfg(feature = "instructor")]
    Similarity(similarity::SimilarityArgs),
    /// Points per exercise from the last grades, and what to do next.
    Status(status::StatusArgs),
    /// Grade the exercise you work on again on every save; `h` hint, `l` list, `q` quit.
    Watch(watch::WatchArgs),
}

fn main() -> ExitCode {
    // The language of the command line's errors and the tool's own: see cmdline.rs.
    let args: Vec<_> = std::env::args_os().collect();
    let lang = cmdline::lang_of(&args);
    let cli: Cli = cmdline::parse(args, lang);
    let root = workspace_root();
    let result = match cli.command {
        Command::Grade(args) => grade::run(&root, args),
        Command::Book(args) => book::run(&root, args).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "instructor")]
        Command::Bench(args) => bench::run(&root, args).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "instructor")]
        Command::Classroom(args) => classroom::run(&root, args).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "instructor")]
        Command::Gradebook(args) => gradebook::run(&root, args).map(|()| ExitCode::SUCCESS),
        Command::Hint(args) => hint::run(&root, args),
        #[cfg(feature = "instructor")]
        Command::Similarity(args) => similarity::run(&root, args).map(|()| ExitCode::SUCCESS),
        Command::Status(args) => status::run(&root, args),
        Command::Watch(args) => watch::run(&root, args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("{}", cmdline::error_text(lang, &err));
            // 2: the tool itself could not do its job (as opposed to 1, a failed test).
            ExitCode::from(2)
        }
    }
}

/// The workspace root: xtask lives one level below it. Paths are always built
/// from here, never from the current directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
