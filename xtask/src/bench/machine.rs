//! What the benches read off the machine they run on: its cores, its load,
//! and the CPU time a process has used (Linux: /proc; elsewhere these say
//! they do not know).

/// The cores this process may run on.
pub(super) fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The load averages over 1, 5 and 15 minutes (Linux), or "?".
pub(super) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}

/// User plus system CPU time of a process so far, in seconds (Linux: /proc/PID/stat).
pub(super) fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    cpu_split_secs(pid).map(|(user, system)| user + system)
}

/// User and system (kernel) CPU time of a process so far, in seconds.
pub(super) fn cpu_split_secs(pid: Option<u32>) -> Option<(f64, f64)> {
    let [user, system, ..] = cpu_times_secs(&pid?.to_string())?;
    Some((user, system))
}

/// User plus system CPU time, in seconds, of this process and of its
/// children that have ended and been waited for.
pub(super) fn own_and_children_cpu_secs() -> Option<(f64, f64)> {
    let [user, system, children_user, children_system] = cpu_times_secs("self")?;
    Some((user + system, children_user + children_system))
}

/// utime, stime, cutime and cstime of /proc/PROC/stat (fields 14 to 17), in
/// seconds (Linux).
fn cpu_times_secs(proc: &str) -> Option<[f64; 4]> {
    let stat = std::fs::read_to_string(format!("/proc/{proc}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |i: usize| Some(fields.get(i)?.parse::<u64>().ok()? as f64 / clock_ticks());
    Some([field(11)?, field(12)?, field(13)?, field(14)?])
}

#[cfg(unix)]
fn clock_ticks() -> f64 {
    // SAFETY: sysconf reads a constant of the system.
    match unsafe { libc::sysconf(libc::_SC_CLK_TCK) } {
        ticks if ticks > 0 => ticks as f64,
        _ => 100.0,
    }
}

#[cfg(not(unix))]
fn clock_ticks() -> f64 {
    100.0
}
