//! What every echo server mutant does right: read `--listen`, bind, print the
//! readiness line. Included with `#[path]`, so each mutant's own file holds
//! only the part with its mistake.

use std::net::TcpListener;

fn listen_addr() -> String {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--listen") {
        Some(i) => args[i + 1].clone(),
        None => "127.0.0.1:7878".to_string(),
    }
}

pub fn open_listener() -> TcpListener {
    let listener = TcpListener::bind(listen_addr()).expect("bind");
    println!("listening on {}", listener.local_addr().expect("local_addr"));
    listener
}
