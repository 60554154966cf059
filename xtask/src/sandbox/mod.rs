//! The sandbox around a student's code: every build (cargo, and so the
//! student's `build.rs` and procedural macros) and every program the grader
//! starts runs inside bubblewrap (`bwrap`) when grading a submission.
//!
//! Topology (Linux):
//!
//! ```text
//! gradebook (host: the instructor's files, network)
//!  └─ bwrap --unshare-net            ← one network namespace per submission:
//!      └─ xtask grade --submission      loopback only, shared by the grader
//!          ├─ bwrap … cargo build       and the student's programs, so the
//!          └─ bwrap … echo-server       grader reaches their ports
//! ```
//!
//! Each inner `bwrap` has its own mount, PID, IPC and UTS namespaces and a
//! user namespace without capabilities. It sees the system's `/usr` and the
//! toolchain read-only, the cargo registry read-only (never `~/.cargo` as a
//! whole: it holds tokens), and writes only where its [`Jail`] says: the
//! build writes the private copy of this submission and its target dir; a
//! program writes the grader's scratch dir and its own private `/tmp`. It
//! never sees the grader's tree, the template, other submissions, `$HOME` or
//! the gradebook's files. Resource limits (address space, file size, CPU
//! time, open files, processes) are set before `bwrap` starts and are
//! inherited by everything inside. `--die-with-parent` chains every sandbox
//! to the grader: when the grader dies, the PID namespaces die, and with them
//! every process a student started, detached or not.

mod copy;
pub mod walk;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

pub use copy::{copy_cache, copy_cache_unlike, copy_missing, copy_tree, open_no_follow};

/// Set in the grader's environment once it runs in its own network namespace.
pub const IN_NETNS: &str = "SOCKET_LAB_IN_NETNS";

/// Resource limits of a sandboxed process and everything it starts.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(unix), allow(dead_code))] // set only on Unix
pub struct Limits {
    /// Virtual memory, bytes (`RLIMIT_AS`).
    pub address_space: u64,
    /// The largest file it may write, bytes (`RLIMIT_FSIZE`).
    pub file_size: u64,
    /// CPU seconds per process (`RLIMIT_CPU`).
    pub cpu_secs: u64,
    /// Open files per process (`RLIMIT_NOFILE`).
    pub open_files: u64,
    /// Processes of the user (`RLIMIT_NPROC`; the kernel does not apply it to root).
    pub processes: u64,
}

const GIB: u64 = 1024 * 1024 * 1024;

/// cargo and rustc: rustc reserves much address space; a debug binary with
/// tokio is tens of MiB.
pub const BUILD_LIMITS: Limits = Limits {
    address_space: 16 * GIB,
    file_size: GIB,
    cpu_secs: 600,
    open_files: 4096,
    processes: 512,
};

/// A student's program: the file-transfer tests move 1 GiB; the chat tests
/// hold a hundred connections.
pub const PROGRAM_LIMITS: Limits = Limits {
    address_space: 4 * GIB,
    file_size: 2 * GIB,
    cpu_secs: 300,
    open_files: 4096,
    processes: 256,
};

/// The bound on a submission's private build tree (sources and target dirs:
/// about 200 MiB for the three exercises): the size of its tmpfs.
pub const WORK_LIMIT: u64 = 2 * GIB;

/// The bound on what a submission's programs write into the folders the
/// tests share with them: the size of its tmpfs.
pub const SCRATCH_LIMIT: u64 = GIB;

/// Each jail's private /tmp (a tmpfs, so memory): programs, builds.
const PROGRAM_TMP: u64 = 256 * 1024 * 1024;
const BUILD_TMP: u64 = GIB;

/// What one kind of sandboxed process may see and write.
#[derive(Clone, Debug)]
pub struct Jail {
    bwrap: PathBuf,
    readable: Vec<PathBuf>,
    writable: Vec<PathBuf>,
    env: Vec<(String, String)>,
    limits: Limits,
    /// The size of its private /tmp.
    tmp_bytes: u64,
}

/// The host's Rust toolchain, as the build jail sees it.
#[derive(Clone, Debug)]
pub struct Toolchain {
    pub sysroot: PathBuf,
    pub cargo: PathBuf,
    pub rustc: PathBuf,
    /// `$CARGO_HOME/registry`: downloaded and unpacked crates.
    pub registry: PathBuf,
    pub cargo_home: PathBuf,
}

impl Toolchain {
    /// Asks the host's rustc where its toolchain lives.
    pub fn find() -> Result<Toolchain> {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let out = std::process::Command::new(&rustc)
            .args(["--print", "sysroot"])
            .output()
            .context("running rustc --print sysroot")?;
        if !out.status.success() {
            bail!("rustc --print sysroot failed");
        }
        let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let cargo_home = match std::env::var_os("CARGO_HOME") {
            Some(home) => PathBuf::from(home),
            None => home_dir()?.join(".cargo"),
        };
        Ok(Toolchain {
            cargo: sysroot.join("bin").join("cargo"),
            rustc: sysroot.join("bin").join("rustc"),
            registry: cargo_home.join("registry"),
            cargo_home,
            sysroot,
        })
    }
}

fn home_dir() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("neither CARGO_HOME nor HOME is set")
}

/// The two jails of one submission's grade.
#[derive(Clone, Debug)]
pub struct Jails {
    pub build: Jail,
    pub program: Jail,
    /// The toolchain's own cargo, which the build jail runs.
    cargo: PathBuf,
    /// Where [`shared_tempdir`] makes folders the programs may write.
    scratch: PathBuf,
}

impl Jails {
    /// The build writes `work` (the private copy and its target dir); programs
    /// read `work` (their binaries) and write `scratch` (the grader's temporary
    /// files for them).
    pub fn new(bwrap: &Path, toolchain: &Toolchain, work: &Path, scratch: &Path) -> Jails {
        let base_env = |extra: &[(&str, String)]| {
            let mut env = vec![
                (
                    "PATH".to_string(),
                    format!("{}:/usr/bin:/bin", toolchain.sysroot.join("bin").display()),
                ),
                ("HOME".to_string(), "/tmp".to_string()),
                ("LANG".to_string(), "C.UTF-8".to_string()),
                ("RUST_BACKTRACE".to_string(), "0".to_string()),
            ];
            env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
            env
        };
        let build = Jail {
            bwrap: bwrap.to_path_buf(),
            readable: vec![toolchain.sysroot.clone(), toolchain.registry.clone()],
            writable: vec![work.to_path_buf()],
            env: base_env(&[
                ("CARGO_HOME", toolchain.cargo_home.display().to_string()),
                ("RUSTC", toolchain.rustc.display().to_string()),
                ("CARGO_NET_OFFLINE", "true".to_string()),
                ("CARGO_TERM_COLOR", "never".to_string()),
                // A jailed build is graded once (a gradebook keeps no
                // incremental state, a Classroom job starts clean): rustc's
                // incremental cache would be written for nothing, at about
                // the crate's own compile time again.
                ("CARGO_INCREMENTAL", "0".to_string()),
            ]),
            limits: BUILD_LIMITS,
            tmp_bytes: BUILD_TMP,
        };
        let program = Jail {
            bwrap: bwrap.to_path_buf(),
            readable: vec![work.to_path_buf()],
            writable: vec![scratch.to_path_buf()],
            env: base_env(&[]),
            limits: PROGRAM_LIMITS,
            tmp_bytes: PROGRAM_TMP,
        };
        Jails {
            build,
            program,
            cargo: toolchain.cargo.clone(),
            scratch: scratch.to_path_buf(),
        }
    }
}

/// System files a build or a Rust program needs: the linker (through
/// /etc/alternatives), the dynamic loader's cache, name resolution.
const SYSTEM_FILES: &[&str] = &[
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
];

impl Jail {
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// This jail, writing `dir` instead of what it writes: the build jail
    /// for the grader's own build of an exercise's dependencies, which sees
    /// no submission (see `grade/deps.rs`).
    pub fn writing(&self, dir: &Path) -> Jail {
        Jail {
            writable: vec![dir.to_path_buf()],
            ..self.clone()
        }
    }

    /// The program and arguments that run `program args` in this jail, in
    /// `cwd` (default: its private /tmp).
    pub fn command(
        &self,
        program: &Path,
        args: &[String],
        cwd: Option<&Path>,
    ) -> (PathBuf, Vec<String>) {
        let mut a: Vec<String> = Vec::new();
        let mut push = |items: &[&str]| a.extend(items.iter().map(|s| s.to_string()));
        push(&[
            "--unshare-all",
            "--share-net",
            "--unshare-user",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--clearenv",
        ]);
        push(&["--ro-bind", "/usr", "/usr"]);
        for link in ["bin", "lib", "lib64", "sbin"] {
            let host = Path::new("/").join(link);
            match std::fs::read_link(&host) {
                Ok(target) => push(&[
                    "--symlink",
                    &target.to_string_lossy(),
                    &host.to_string_lossy(),
                ]),
                Err(_) if host.is_dir() => push(&[
                    "--ro-bind",
                    &host.to_string_lossy(),
                    &host.to_string_lossy(),
                ]),
                Err(_) => {}
            }
        }
        for file in SYSTEM_FILES {
            push(&["--ro-bind-try", file, file]);
        }
        let tmp_bytes = self.tmp_bytes.to_string();
        push(&["--proc", "/proc", "--dev", "/dev"]);
        push(&["--size", &tmp_bytes, "--tmpfs", "/tmp"]);
        for dir in &self.readable {
            let d = dir.to_string_lossy();
            push(&["--ro-bind", &d, &d]);
        }
        for dir in &self.writable {
            let d = dir.to_string_lossy();
            push(&["--bind", &d, &d]);
        }
        // Nothing else is writable: not the root, not /dev (whose tmpfs,
        // like /tmp's, would be memory without a bound).
        push(&["--remount-ro", "/dev", "--remount-ro", "/"]);
        for (key, value) in &self.env {
            push(&["--setenv", key, value]);
        }
        let cwd = cwd.map_or("/tmp".into(), |c| c.to_string_lossy().into_owned());
        push(&["--chdir", &cwd, "--"]);
        a.push(program.to_string_lossy().into_owned());
        a.extend(args.iter().cloned());
        (self.bwrap.clone(), a)
    }
}

/// Sets `limits` on the calling process: call between fork and exec.
#[cfg(unix)]
pub fn apply_limits(limits: Limits) -> std::io::Result<()> {
    let set = |resource, value: u64| {
        let limit = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: setrlimit only reads the struct; async-signal-safe.
        if unsafe { libc::setrlimit(resource, &limit) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    set(libc::RLIMIT_AS, limits.address_space)?;
    set(libc::RLIMIT_FSIZE, limits.file_size)?;
    set(libc::RLIMIT_CPU, limits.cpu_secs)?;
    set(libc::RLIMIT_NOFILE, limits.open_files)?;
    set(libc::RLIMIT_NPROC, limits.processes)?;
    Ok(())
}

/// Finds bubblewrap and checks that it can make namespaces here (user
/// namespaces may be disabled, e.g. by AppArmor on Ubuntu 24.04).
pub fn find_bwrap() -> Result<PathBuf> {
    let bwrap = locate_bwrap()?;
    let ok = std::process::Command::new(&bwrap)
        .args([
            "--ro-bind",
            "/",
            "/",
            "--unshare-all",
            "--die-with-parent",
            "true",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!(
            "{} cannot create namespaces here (are user namespaces disabled? on Ubuntu 24.04: `sysctl kernel.apparmor_restrict_unprivileged_userns=0`); or pass --no-sandbox",
            bwrap.display()
        );
    }
    Ok(bwrap)
}

/// Where `bwrap` is on PATH (Linux only), without trying it: for a grader
/// already inside the namespace that `bwrap` made.
pub fn locate_bwrap() -> Result<PathBuf> {
    if !cfg!(target_os = "linux") {
        bail!(
            "the sandbox needs Linux (bubblewrap); on macOS or Windows grade inside a Linux container (see the README's instructor section), or pass --no-sandbox"
        );
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("bwrap"))
        .find(|p| p.is_file())
        .context(
            "bubblewrap (`bwrap`) is not installed: install it (Debian/Ubuntu: `apt-get install bubblewrap`), or pass --no-sandbox, which runs every student's build.rs and programs as you, with your files and your network",
        )
}

static JAILS: OnceLock<Jails> = OnceLock::new();

/// Turns the sandbox on for the rest of this process: every later build and
/// student program runs in its jail.
pub fn install(jails: Jails) {
    let _ = JAILS.set(jails);
}

/// The jail of builds and the cargo it runs, when this run is sandboxed.
pub fn build_jail() -> Option<(&'static Jail, &'static Path)> {
    JAILS.get().map(|j| (&j.build, j.cargo.as_path()))
}

/// The jail of the student's programs, when this run is sandboxed.
pub fn program_jail() -> Option<&'static Jail> {
    JAILS.get().map(|j| &j.program)
}

/// A temporary folder that the student's programs may use (a file-transfer
/// root, a client's working dir): in the scratch dir when sandboxed. The
/// grader's own files (the programs' stdout and stderr) stay in the host's
/// temporary dir, which no jail sees, so that no program can swap them for
/// a link or a FIFO.
pub fn shared_tempdir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    match JAILS.get() {
        Some(jails) => builder.tempdir_in(&jails.scratch),
        None => builder.tempdir(),
    }
}

/// Replaces this process with itself inside a fresh network namespace (only
/// loopback), where the grader and the student's programs meet, with a tmpfs
/// of `size` bytes mounted on each `(dir, size)` of `tmpfs` (the only places
/// the jails write: a full tmpfs says "no space left", where a disk would
/// fill). Returns only on failure.
#[cfg(unix)]
pub fn reexec_in_netns(bwrap: &Path, tmpfs: &[(&Path, u64)]) -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => return err.into(),
    };
    let mut command = std::process::Command::new(bwrap);
    command.args(["--dev-bind", "/", "/", "--unshare-net", "--die-with-parent"]);
    for (dir, size) in tmpfs {
        if let Err(err) = std::fs::create_dir_all(dir) {
            return err.into();
        }
        command
            .args(["--size", &size.to_string(), "--tmpfs"])
            .arg(dir);
    }
    let err = command
        .args(["--setenv", IN_NETNS, "1", "--"])
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .exec();
    anyhow::Error::new(err).context("starting the grader in its own network namespace")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jail_binds_only_what_it_names() {
        let toolchain = Toolchain {
            sysroot: "/opt/rust".into(),
            cargo: "/opt/rust/bin/cargo".into(),
            rustc: "/opt/rust/bin/rustc".into(),
            registry: "/home/i/.cargo/registry".into(),
            cargo_home: "/home/i/.cargo".into(),
        };
        let jails = Jails::new(
            Path::new("/usr/bin/bwrap"),
            &toolchain,
            Path::new("/w/work"),
            Path::new("/w/tmp"),
        );
        let (bwrap, args) =
            jails
                .build
                .command(Path::new("/opt/rust/bin/cargo"), &["build".into()], None);
        assert_eq!(bwrap, Path::new("/usr/bin/bwrap"));
        let text = args.join(" ");
        assert!(
            text.contains("--ro-bind /home/i/.cargo/registry /home/i/.cargo/registry"),
            "{text}"
        );
        assert!(text.contains("--bind /w/work /w/work"), "{text}");
        assert!(
            !text.contains("/w/tmp"),
            "the build must not see the scratch dir: {text}"
        );
        assert!(
            !text.contains("--bind /home/i/.cargo "),
            "never the whole cargo home: {text}"
        );
        assert!(text.ends_with("-- /opt/rust/bin/cargo build"), "{text}");
        let (_, args) = jails.program.command(
            Path::new("/w/work/target/debug/echo-server"),
            &[],
            Some(Path::new("/w/tmp/x")),
        );
        let text = args.join(" ");
        assert!(text.contains("--ro-bind /w/work /w/work"), "{text}");
        assert!(text.contains("--bind /w/tmp /w/tmp"), "{text}");
        assert!(text.contains("--chdir /w/tmp/x"), "{text}");
        assert!(!text.contains("registry"), "{text}");
    }

    /// The README's instructor section states the limits: from these constants.
    #[test]
    fn the_readme_states_these_limits() {
        let readme = include_str!("../../../README.md");
        let gib = |b: u64| format!("{} GiB", b / GIB);
        let (p, b) = (PROGRAM_LIMITS, BUILD_LIMITS);
        let en = format!(
            "programs {} of address space, {} per file, {} s of CPU,\n4096 open files, {} processes; builds {}, {} per file, {} s of CPU per\nprocess, {} processes, and {} for the whole build tree",
            gib(p.address_space),
            gib(p.file_size),
            p.cpu_secs,
            p.processes,
            gib(b.address_space),
            gib(b.file_size),
            b.cpu_secs,
            b.processes,
            gib(WORK_LIMIT)
        );
        assert!(readme.contains(&en), "README.md should say:\n{en}");
        assert_eq!((p.open_files, b.open_files), (4096, 4096));
        for ko in [
            format!(
                "주소 공간 {}, 파일당 {}, CPU {}초",
                gib(p.address_space),
                gib(p.file_size),
                p.cpu_secs
            ),
            format!(
                "빌드는 {}, 파일당 {}, 프로세스당 CPU {}초, 프로세스 {}개, 빌드 트리 전체 {}",
                gib(b.address_space),
                gib(b.file_size),
                b.cpu_secs,
                b.processes,
                gib(WORK_LIMIT)
            ),
        ] {
            assert!(readme.contains(&ko), "README.md should say: {ko}");
        }
    }
}
