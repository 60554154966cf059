//! The site, built once and shared by the tests of one test binary, and under
//! `cargo test` (on Linux) by the book's test binaries of the same run:
//! cargo runs browser, editions, parity and site one after another, and each
//! built the whole site again at its start (a few CPU-seconds each).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use socket_lab_book::edition::Edition;
use socket_lab_book::{Layout, build};

/// Written into a shared site once its build is complete.
const COMPLETE: &str = ".complete";

/// Builds both books (the default edition, self-study) once; returns the
/// site's root. Under `cargo test` it is `target/tmp/book-site-run-<run>`,
/// shared by this run's test binaries; otherwise
/// `target/tmp/book-site-<test>`, this binary's own.
pub fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        match cargo_run() {
            Some(run) => shared_site(tmp, &run),
            None => build_into(&tmp.join(concat!("book-site-", env!("CARGO_CRATE_NAME")))),
        }
    })
}

fn build_into(out: &Path) -> PathBuf {
    match build::build_site(&Layout::of_this_repo(), Edition::default(), out) {
        Ok(built) => built.out,
        Err(e) => panic!("the book does not build: {e:#}"),
    }
}

/// The run's site: built by the first binary that asks (under a file lock),
/// read by the others. Sites of earlier runs are removed.
fn shared_site(tmp: &Path, run: &str) -> PathBuf {
    let out = tmp.join(format!("book-site-run-{run}"));
    let lock = fs::File::create(tmp.join("book-site-run.lock")).expect("the site's lock file");
    lock.lock().expect("the site's lock");
    if !out.join(COMPLETE).is_file() {
        for entry in fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("book-site-run-") && entry.path() != out {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        build_into(&out);
        fs::write(out.join(COMPLETE), "").expect("marking the site complete");
    }
    out
}

/// This process's `cargo test` run, as cargo's pid and start time (a pid
/// alone may be reused), when its parent is cargo; `None` when it is not
/// (a test binary run by hand shares nothing).
#[cfg(target_os = "linux")]
fn cargo_run() -> Option<String> {
    let parent = std::os::unix::process::parent_id();
    let comm = fs::read_to_string(format!("/proc/{parent}/comm")).ok()?;
    if comm.trim() != "cargo" {
        return None;
    }
    let stat = fs::read_to_string(format!("/proc/{parent}/stat")).ok()?;
    // Fields after the command's closing parenthesis: state is the 3rd
    // field of the line, start time the 22nd.
    let start = stat.rsplit_once(')')?.1.split_whitespace().nth(19)?;
    Some(format!("{parent}-{start}"))
}

/// Off Linux, each test binary builds its own site.
#[cfg(not(target_os = "linux"))]
fn cargo_run() -> Option<String> {
    None
}
