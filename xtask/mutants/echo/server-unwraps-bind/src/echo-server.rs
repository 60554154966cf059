//! Mutant: unwrap() on bind. A taken address panics: exit code 101, and the
//! panic's lines on stderr instead of one.
use std::net::TcpListener;

#[path = "../../common.rs"]
mod common;

fn main() {
    let addr = common::listen_addr_or(common::DEFAULT_LISTEN, common::usage);
    // MUTANT: the error of bind is not handled.
    let listener = TcpListener::bind(&addr).unwrap();
    println!("listening on {}", listener.local_addr().unwrap());
    common::serve(listener);
}
