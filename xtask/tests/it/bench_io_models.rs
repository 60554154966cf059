//! `cargo xtask bench io-models --smoke`: the book's three echo servers
//! (threads, mio, tokio) each hold every client of a tiny run, echo every
//! message, and are shown side by side with a measured p99, a thread count
//! and a peak RSS.

use std::time::Duration;

use crate::common::root;
use assert_cmd::Command;

/// The smoke run builds book/examples (debug) and runs 20 clients per server.
const SMOKE_BOUND: Duration = Duration::from_secs(300);

#[test]
fn smoke_run_holds_every_client_of_each_server() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["bench", "io-models", "--smoke"])
        .timeout(SMOKE_BOUND)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for server in ["echo_threads", "echo_mio", "echo_tokio"] {
        let line = stdout
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{server}: N=20 ")))
            .unwrap_or_else(|| panic!("no run of {server} in {stdout}"));
        assert!(line.contains("held=20/20"), "{line}");
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {line}"))
                .to_string()
        };
        // A measured p99 ("p99=1.23ms"), not "beyond-the-run".
        let p99: f64 = field("p99=")
            .strip_suffix("ms")
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("no latency in {line}"));
        assert!(p99 > 0.0, "{line}");
        assert!(field("msgs/s=").parse::<f64>().unwrap() > 0.0, "{line}");
        if cfg!(target_os = "linux") {
            let threads: u64 = field("threads=").parse().unwrap();
            // The event loop is one thread; a thread per client is more than 20.
            match server {
                "echo_mio" => assert_eq!(threads, 1, "{line}"),
                "echo_threads" => assert!(threads > 20, "{line}"),
                _ => assert!(threads >= 2, "{line}"),
            }
            assert!(field("rss=").ends_with("KiB"), "{line}");
        }
    }
    // The table: one column per server, the five rows.
    for row in [
        "connections held",
        "messages/s",
        "p99 latency",
        "server threads",
        "server RSS (peak)",
    ] {
        assert!(stdout.contains(row), "no row {row} in {stdout}");
    }
}
