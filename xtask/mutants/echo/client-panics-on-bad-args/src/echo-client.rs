//! Mutant: the address is read with expect(). No argument panics (exit code
//! 101, not 2), and extra arguments are ignored.
#[path = "../../client_common.rs"]
mod client_common;

fn main() {
    // MUTANT: no usage error, only a panic when the address is missing.
    let addr = std::env::args().nth(1).expect("usage: echo-client ADDR");
    client_common::main_at(addr, client_common::run_both_ways);
}
