//! Headless Chromium, one short run per page: `--dump-dom` to read a page as
//! the browser left it after its scripts ran, `--screenshot` to look at it.
//! Every run gets a fresh profile, its own process group (killed at the end,
//! even on panic), and a time limit.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Where Chromium is: `$SOCKET_LAB_CHROMIUM`, else the first of
/// `chromium-headless-shell`, `chromium`, `chromium-browser`, `google-chrome`
/// on `$PATH`. The headless shell is the same Blink without the browser's
/// window code: a run here took 0.47 s and 0.3 CPU-s against Chromium's
/// 1.25 s and 1 CPU-s, and the browser tests 24 s instead of 35 s.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(exe) = std::env::var_os("SOCKET_LAB_CHROMIUM") {
        return Some(PathBuf::from(exe));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium-headless-shell",
            "chromium",
            "chromium-browser",
            "google-chrome",
        ] {
            let exe = dir.join(name);
            if exe.is_file() {
                return Some(exe);
            }
        }
    }
    None
}

/// A headless Chromium.
pub struct Chromium {
    exe: PathBuf,
    /// Holds each run's profile; removed when dropped.
    scratch: tempfile::TempDir,
    /// The longest one run may take.
    pub timeout: Duration,
}

/// How a page is loaded.
#[derive(Debug, Clone)]
pub struct Visit<'a> {
    pub url: &'a str,
    /// The browser's language (`ko-KR`, `en-US`): `navigator.language`.
    pub lang: &'a str,
    /// Virtual time for the page's scripts and loads before the dump.
    pub budget_ms: u32,
}

impl Chromium {
    pub fn new(exe: PathBuf) -> Result<Chromium> {
        Ok(Chromium {
            exe,
            scratch: tempfile::Builder::new()
                .prefix("socket-lab-chromium-")
                .tempdir()?,
            timeout: Duration::from_secs(60),
        })
    }

    /// The page's DOM after its scripts ran (`--dump-dom`).
    pub fn dump_dom(&self, visit: &Visit<'_>) -> Result<String> {
        self.dump_dom_with(visit, &[])
    }

    /// The same with more Chromium flags: `--hide-scrollbars` (a phone's
    /// scroll bars take no room), `--blink-settings=scriptEnabled=false`.
    pub fn dump_dom_with(&self, visit: &Visit<'_>, flags: &[&str]) -> Result<String> {
        let budget = format!("--virtual-time-budget={}", visit.budget_ms);
        let mut args = vec![budget.as_str(), "--dump-dom"];
        args.extend_from_slice(flags);
        self.run(visit, &args)
    }

    /// A PNG of the page at the given window size.
    pub fn screenshot(&self, visit: &Visit<'_>, png: &Path, width: u32, height: u32) -> Result<()> {
        if let Some(dir) = png.parent() {
            fs::create_dir_all(dir)?;
        }
        let _ = fs::remove_file(png);
        let budget = format!("--virtual-time-budget={}", visit.budget_ms);
        let shot = format!("--screenshot={}", png.display());
        let size = format!("--window-size={width},{height}");
        self.run(visit, &[&budget, &shot, &size, "--hide-scrollbars"])?;
        if !png.is_file() {
            bail!("chromium wrote no screenshot to {}", png.display());
        }
        Ok(())
    }

    /// Runs Chromium once on `visit.url` with `extra` flags; returns its stdout.
    fn run(&self, visit: &Visit<'_>, extra: &[&str]) -> Result<String> {
        let profile = tempfile::Builder::new()
            .prefix("profile-")
            .tempdir_in(self.scratch.path())?;
        let stderr_file = fs::File::create(profile.path().join("stderr.txt"))?;
        let mut command = Command::new(&self.exe);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--mute-audio",
            ])
            .arg(format!(
                "--user-data-dir={}",
                profile.path().join("data").display()
            ))
            .arg(format!("--lang={}", visit.lang))
            .arg(format!("--accept-lang={}", visit.lang))
            .args(extra)
            .arg(visit.url)
            .env("LANGUAGE", visit.lang.replace('-', "_"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr_file);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", self.exe.display()))?;
        let mut guard = KillOnDrop(child);
        let mut stdout = guard.0.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            let _ = sender.send(text);
        });

        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = guard.0.try_wait()? {
                break status;
            }
            if Instant::now() > deadline {
                drop(guard); // kills the whole group
                bail!(
                    "chromium took longer than {:?} on {}",
                    self.timeout,
                    visit.url
                );
            }
            thread::sleep(Duration::from_millis(50));
        };
        drop(guard); // chromium's helpers too
        // Bounded: a helper that left the process group could hold stdout open.
        let out = receiver
            .recv_timeout(Duration::from_secs(10))
            .with_context(|| format!("chromium's output on {} did not end", visit.url))?;
        if !status.success() {
            let log = fs::read_to_string(profile.path().join("stderr.txt")).unwrap_or_default();
            bail!("chromium failed ({status}) on {}:\n{log}", visit.url);
        }
        Ok(out)
    }
}

/// Kills a child's whole process group (Chromium starts helpers) when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // The group id is the child's pid (process_group(0) above).
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.0.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
