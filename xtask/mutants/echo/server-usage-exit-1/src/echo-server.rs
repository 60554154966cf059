//! Mutant: a bad argument prints the usage line, but exits with code 1.
#[path = "../../common.rs"]
mod common;

fn main() {
    let addr = common::listen_addr_or(common::DEFAULT_LISTEN, usage);
    common::serve(common::bind(&addr));
}

fn usage() -> ! {
    eprintln!("usage: echo-server [--listen ADDR]");
    // MUTANT: 1 is the code of a failure at run time; a usage error is 2.
    std::process::exit(1);
}
