//! `cargo xtask bench reliable-udp --smoke`: the reference's rdt pair moves
//! 256 KiB at 0 and 5 % loss, TCP does beside it when the machine can put
//! TCP through the lossy link (root, Linux), and the table has a row of
//! goodputs above 0 for each loss rate. Nothing here asserts on speed.

use std::time::Duration;

use crate::common::root;
use assert_cmd::Command;

/// The run itself takes a few seconds; a first debug build of the
/// reference (into target/bench) takes longer.
const SMOKE_BOUND: Duration = Duration::from_secs(300);

#[test]
fn smoke_run_measures_goodput_at_two_loss_rates() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("goodput.svg");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args(["bench", "reliable-udp", "--smoke", "--svg"])
        .arg(&svg)
        .timeout(SMOKE_BOUND)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");

    let through_link = !stdout.contains("skipped: TCP through the lossy link");
    if !through_link {
        eprintln!(
            "TCP cannot cross the lossy link here (no root, or not Linux): the rdt rows only"
        );
    }
    let header = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("loss"))
        .unwrap_or_else(|| panic!("no table in {stdout}"));
    assert!(header.contains("reference"), "{header}");
    assert!(header.contains("TCP"), "{header}");
    for loss in ["0", "5"] {
        let row = stdout
            .lines()
            .find(|line| line.split_whitespace().take(2).eq([loss, "%"]))
            .unwrap_or_else(|| panic!("no row for {loss} % in {stdout}"));
        let cells: Vec<f64> = row
            .split_whitespace()
            .skip(2)
            .map(|cell| {
                cell.trim_end_matches('*')
                    .parse()
                    .unwrap_or_else(|_| panic!("not a number: {cell} in {row}"))
            })
            .collect();
        // The reference first, then TCP (one column or more), then the ratios.
        assert!(cells.len() >= 3, "{row}");
        assert!(cells[0] > 0.0, "the reference's goodput: {row}\n{stderr}");
        if through_link {
            assert!(cells.iter().all(|&v| v > 0.0), "{row}\n{stderr}");
        }
    }
    if through_link {
        assert!(
            stdout.contains("at 5 % loss, goodput: reference "),
            "{stdout}"
        );
    }
    let figure = std::fs::read_to_string(&svg).unwrap();
    assert!(figure.starts_with("<svg"), "{figure}");
    assert!(figure.contains("rdt"), "{figure}");

    // Every rdt-send and rdt-recv was stopped: none still has the bench's
    // files on its command line.
    #[cfg(target_os = "linux")]
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        assert!(
            !cmdline.contains("socket-lab-rdt-bench-"),
            "left running: {cmdline}"
        );
    }
}
