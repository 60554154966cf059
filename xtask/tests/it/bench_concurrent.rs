//! `cargo xtask bench concurrent`: a smoke run against the reference chat
//! server holds every client and measures a p99, and the book's figure is
//! drawn from a sweep's JSON with both designs in both languages.

use std::path::Path;
use std::time::Duration;

use crate::common::{concurrent_bench_turn, root};
use assert_cmd::Command;

/// The smoke run builds the reference (debug) and runs 50 clients for 2 s.
const SMOKE_BOUND: Duration = Duration::from_secs(300);

#[test]
fn smoke_run_holds_every_client() {
    let _turn = concurrent_bench_turn();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["bench", "concurrent", "--smoke"])
        .timeout(SMOKE_BOUND)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("held=50/50"), "{stdout}");
    // A measured p99 ("p99=1.23ms"), not "beyond-the-run".
    let p99 = stdout
        .split_whitespace()
        .find_map(|word| word.strip_prefix("p99="))
        .unwrap_or_else(|| panic!("no p99 in {stdout}"));
    let ms: f64 = p99
        .strip_suffix("ms")
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("p99={p99} is not a latency"));
    assert!(ms > 0.0, "{stdout}");
    assert!(stdout.contains("lost=0"), "{stdout}");
    // The table's goal lines name the room's size.
    assert!(stdout.contains("50 held"), "{stdout}");
}

/// Two designs at three sizes; the threads design loses clients at 5000
/// and its p99 at 2000 and 5000 is beyond the run.
const SWEEP: &str = r#"{
  "cpus": 2,
  "load_average": "0.10 0.20 0.30",
  "rate": 20,
  "secs": 10,
  "runs": [
    {"design": "chat-server", "clients": 100, "held": 100, "p99_ms": 0.8},
    {"design": "chat-server", "clients": 2000, "held": 2000, "p99_ms": 6.5},
    {"design": "chat-server", "clients": 5000, "held": 5000, "p99_ms": 31.0},
    {"design": "chat-server-threads", "clients": 100, "held": 100, "p99_ms": 1.4},
    {"design": "chat-server-threads", "clients": 2000, "held": 2000, "p99_ms": null},
    {"design": "chat-server-threads", "clients": 5000, "held": 3172, "p99_ms": null}
  ]
}"#;

#[test]
fn plot_draws_both_designs_in_both_languages() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-plot");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("concurrent.json");
    std::fs::write(&json, SWEEP).unwrap();
    let book = dir.join("book");
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["bench", "concurrent", "--plot", "--json"])
        .arg(&json)
        .arg("--book")
        .arg(&book)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    for (lang, tokio, threads) in [
        (
            "en",
            "tokio tasks (chat-server)",
            "thread per client (chat-server-threads)",
        ),
        (
            "ko",
            "tokio 태스크(chat-server)",
            "클라이언트당 스레드(chat-server-threads)",
        ),
    ] {
        let svg = std::fs::read_to_string(book.join(lang).join("src/images/concurrent-bench.svg"))
            .unwrap();
        // Readable anywhere: scales to the page, its own white background,
        // the book's font stack, nothing external.
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains(r#"viewBox="0 0 "#));
        assert!(!svg.contains("height=\"720\" width"));
        assert!(svg.contains(r##"rx="14" fill="#ffffff""##));
        assert!(svg.contains("'Noto Sans KR','Noto Sans CJK KR'"));
        assert!(!svg.contains("href") && !svg.contains("<script"));
        // Both series: legend and markers (circles for tokio, squares for
        // threads: its one measured p99 and its three held counts).
        assert!(svg.contains(tokio), "{lang}: {svg}");
        assert!(svg.contains(threads), "{lang}: {svg}");
        assert_eq!(svg.matches("<circle").count(), 1 + 3 + 3, "{svg}");
        assert_eq!(svg.matches("<rect").count(), 1 + 1 + 1 + 3, "{svg}");
        // Two p99s beyond the run are crosses; 3172 of 5000 held is labelled.
        assert_eq!(svg.matches("l10,10 m0,-10").count(), 2, "{svg}");
        assert!(svg.contains(">3,172<"), "{svg}");
        insta::assert_snapshot!(format!("concurrent_bench_{lang}"), svg);
    }
}
