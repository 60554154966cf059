//! Mutant: a client's error is logged with println!, so stdout carries more
//! than the readiness line.
#[path = "../../common.rs"]
mod common;

fn main() {
    let listener = common::open_listener();
    for incoming in listener.incoming() {
        match incoming {
            Ok(stream) => {
                let peer = stream
                    .peer_addr()
                    .map_or_else(|_| "client".to_string(), |a| a.to_string());
                if let Err(err) = common::echo(stream) {
                    // MUTANT: a diagnostic on stdout.
                    println!("{peer}: {err}");
                }
            }
            Err(err) => eprintln!("accept: {err}"),
        }
    }
}
