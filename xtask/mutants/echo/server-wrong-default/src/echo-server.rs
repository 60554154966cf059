//! Mutant: without --listen it listens on 127.0.0.1:8080, not 127.0.0.1:7878.
#[path = "../../common.rs"]
mod common;

// MUTANT: a port from a web tutorial, not the contract's.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

fn main() {
    let addr = common::listen_addr_or(DEFAULT_LISTEN, common::usage);
    common::serve(common::bind(&addr));
}
