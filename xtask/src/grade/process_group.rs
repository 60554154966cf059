//! A student's program in a process group of its own (a job object on
//! Windows): started there, then signalled, measured and killed as a whole,
//! the processes below it found through /proc (Linux).
//!
//! [`Proc`](super::process::Proc) holds one; what the program reads and
//! writes, and its readiness line, are Proc's.

use std::process::ExitStatus;
use std::sync::{Arc, Mutex};

#[cfg(windows)]
use process_wrap::tokio::JobObject;
#[cfg(unix)]
use process_wrap::tokio::ProcessGroup;
use process_wrap::tokio::{ChildWrapper, CommandWrap};

/// A started program and every child it spawns. Clones share it (the output
/// watchdog kills it on a flood).
#[derive(Clone)]
pub struct Group {
    child: Arc<Mutex<Box<dyn ChildWrapper>>>,
    /// Runs inside a sandbox (its pid is `bwrap`'s).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    jailed: bool,
}

impl Group {
    /// Starts `command` as the leader of a new process group (in a new job
    /// object on Windows). `jailed`: the command is `bwrap`, the program below it.
    pub fn spawn(mut command: CommandWrap, jailed: bool) -> std::io::Result<Group> {
        #[cfg(unix)]
        command.wrap(ProcessGroup::leader());
        #[cfg(windows)]
        command.wrap(JobObject);
        Ok(Group {
            child: Arc::new(Mutex::new(command.spawn()?)),
            jailed,
        })
    }

    /// The exit status, if the program has exited (does not wait).
    pub fn try_wait(&self) -> std::io::Result<Option<ExitStatus>> {
        self.child.lock().unwrap().try_wait()
    }

    /// SIGKILL to the whole group (or close the job object): the program and
    /// any child it spawned. An already-empty group is not an error here.
    pub fn kill(&self) {
        if let Ok(mut child) = self.child.lock() {
            // A jail runs in a session of its own (bwrap --new-session), out
            // of the group's reach; only bwrap's die-with-parent ties it to
            // the outer bwrap, and that is armed by the jail's first process
            // a moment after it starts. Killed in that moment, the outer
            // bwrap left a jail running (seen once in a class of 100: an
            // ft-server still in accept minutes after its grade). So the
            // jail's first process, the init of its PID namespace, is killed
            // first: with it goes every process in the jail.
            #[cfg(target_os = "linux")]
            if self.jailed
                && let Some(pid) = child.id()
            {
                for inner in children(pid) {
                    // SAFETY: kill only sends a signal.
                    unsafe { libc::kill(inner as libc::pid_t, libc::SIGKILL) };
                }
            }
            let _ = child.start_kill();
        }
    }

    /// The program's peak resident memory so far, in KiB (Linux only).
    /// In the sandbox the program is a descendant of `bwrap`: the largest
    /// peak of the process and its descendants counts.
    #[cfg(target_os = "linux")]
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.lock().ok()?.id()?;
        let peak = |pid: u32| -> Option<u64> {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        };
        std::iter::once(pid)
            .chain(descendants(pid))
            .filter_map(peak)
            .max()
    }

    /// Sends SIGTERM to the process group: the polite "please stop" of `kill`
    /// and of service managers, which a server may catch to shut down cleanly.
    /// In the sandbox, the signal goes to the program itself, past `bwrap`
    /// (which would die of it and take the program with it).
    #[cfg(unix)]
    pub fn terminate(&self) -> std::io::Result<()> {
        /// SIGTERM's number on Linux and macOS (POSIX names it; both use 15).
        const SIGTERM: i32 = 15;
        #[cfg(target_os = "linux")]
        if self.jailed {
            let pid = self.child.lock().ok().and_then(|c| c.id()).unwrap_or(0);
            for inner in descendants(pid) {
                let comm =
                    std::fs::read_to_string(format!("/proc/{inner}/comm")).unwrap_or_default();
                if comm.trim_end() != "bwrap" {
                    // SAFETY: kill(2) with a pid we just read and a valid signal.
                    unsafe { libc::kill(inner as libc::pid_t, SIGTERM) };
                }
            }
            return Ok(());
        }
        self.child
            .lock()
            .map_err(|_| std::io::Error::other("child lock poisoned"))?
            .signal(SIGTERM)
    }
}

/// The processes below `pid` (Linux: /proc/PID/task/TID/children), at most 1 000.
/// The processes whose parent is `pid` (any of its threads).
#[cfg(target_os = "linux")]
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .flat_map(|task| {
            let list = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            list.split_whitespace()
                .filter_map(|c| c.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

#[cfg(target_os = "linux")]
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut next = vec![pid];
    while let Some(parent) = next.pop() {
        for child in children(parent) {
            if found.len() < 1_000 {
                found.push(child);
                next.push(child);
            }
        }
    }
    found
}
