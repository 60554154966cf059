//! `cargo xtask book [build|check|serve] [--edition E] [--out DIR] [--port N]`:
//! see `book/README.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use socket_lab_book::edition::Edition;
use socket_lab_book::{Layout, build, links, parity, server};

const USAGE: &str = "\
usage: cargo xtask book [COMMAND] [--edition E] [--out DIR] [--port N] [--book DIR]
                        [--repository URL] [--site URL]

commands:
  build   build both books into target/book (the default)
  check   build, then check Korean/English parity and every local link
  serve   build, then serve the site on http://127.0.0.1:PORT (default 3000)

options:
  --edition E  self-study (the default: the hints show the reference solutions)
               or course (for a graded class: no solution code)
  --out DIR    write the site into DIR instead of target/book
  --port N     the port for `serve`
  --book DIR   build the books in DIR/en and DIR/ko, with DIR/grader.json
               (default: this checkout's book/)
  --repository URL
               the repository the books link to (the Git and edit buttons),
               instead of book.toml's: https://github.com/OWNER/REPO
  --site URL   where the site is served, instead of book.toml's site-url
               (which is this with /en/ or /ko/ after it): /REPO or
               https://OWNER.github.io/REPO";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let mut layout = Layout::of_this_repo();
    let mut command = None;
    let mut out = None;
    let mut port = 3000u16;
    let mut edition = Edition::default();
    let mut links = build::SiteLinks::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            "--out" => out = Some(PathBuf::from(args.next().context("--out needs a folder")?)),
            "--book" => {
                layout.book_dir = PathBuf::from(args.next().context("--book needs a folder")?)
            }
            "--edition" => edition = args.next().context("--edition needs a name")?.parse()?,
            "--port" => port = args.next().context("--port needs a number")?.parse()?,
            "--repository" => {
                links.repository = Some(args.next().context("--repository needs a URL")?)
            }
            "--site" => links.site = Some(args.next().context("--site needs a URL")?),
            "build" | "check" | "serve" if command.is_none() => command = Some(arg),
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }

    let out = out.unwrap_or_else(|| layout.default_out());
    let built = build::build_site_with(&layout, edition, &links, &out)?;
    println!(
        "built the book (en, ko; {edition} edition) into {} in {:.2} s",
        built.out.display(),
        built.elapsed.as_secs_f64()
    );
    println!("open {}", built.out.join("index.html").display());

    match command.as_deref().unwrap_or("build") {
        "check" => {
            let mut problems: Vec<String> = parity::check(parity::Pair {
                left: ("ko", &layout.src("ko")),
                right: ("en", &layout.src("en")),
            })?
            .iter()
            .map(|d| format!("parity: {d}"))
            .collect();
            problems.extend(
                links::check_site(&built.out)?
                    .iter()
                    .map(|b| format!("link: {b}")),
            );
            if problems.is_empty() {
                println!("check: parity and links are fine");
            } else {
                for p in &problems {
                    eprintln!("{p}");
                }
                eprintln!("check: {} problem(s)", problems.len());
                return Ok(ExitCode::FAILURE);
            }
        }
        "serve" => {
            let server = server::Server::start(&built.out, &format!("127.0.0.1:{port}"))?;
            println!("serving {} (Ctrl-C stops)", server.url());
            server.wait();
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}
