//! `cargo xtask bench gradebook --smoke`: a generated class of three
//! students (file-transfer, one test each) graded in the sandbox with the
//! shared dependency cache, one of them also the old way (its own
//! dependencies); the bench prints both runs and the ratio line. Where
//! `bwrap` is missing (not under CI) it is skipped, as the sandbox's tests are.

use std::time::Duration;

use crate::common::root;
use assert_cmd::Command;

/// Three tiny grades, one build of file-transfer's dependencies (sha2) the
/// old way, and one of the shared cache if it is not built yet.
const SMOKE_BOUND: Duration = Duration::from_secs(180);

#[test]
fn smoke_run_prints_both_ways_and_the_ratio() {
    let bwrap = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("bwrap").is_file()));
    if !bwrap {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have bubblewrap (`bwrap`) to bench the gradebook"
        );
        eprintln!("skipped: bubblewrap (`bwrap`) is not on PATH");
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["bench", "gradebook", "--smoke"])
        .timeout(SMOKE_BOUND)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("gradebook of 3 students × 1 exercises (file-transfer;"),
        "{stdout}"
    );
    for heading in ["shared dependency cache", "own target dir per student"] {
        assert!(stdout.contains(heading), "no `{heading}` in {stdout}");
    }
    // Both runs: wall, per-submission times, CPU, disk.
    assert_eq!(stdout.matches("  wall ").count(), 2, "{stdout}");
    assert_eq!(stdout.matches("  disk peak ").count(), 2, "{stdout}");
    let ratio = stdout
        .lines()
        .find(|line| {
            line.starts_with("ratio old way / shared cache, per submission (the same 1): time ")
        })
        .unwrap_or_else(|| panic!("no ratio line in {stdout}"));
    let times: f64 = ratio
        .split("time ")
        .nth(1)
        .and_then(|rest| rest.split('×').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no time ratio in {ratio}"));
    assert!(times > 0.0, "{ratio}");
    assert!(ratio.contains("disk "), "{ratio}");
}
