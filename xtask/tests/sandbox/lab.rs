//! The sandbox test's work folder, its gradebook runs, their CSV, the
//! listener that stands for the outside world, and the verdicts table.

use super::*;

/// The verdicts of every attack, and what failed.
#[derive(Default)]
pub struct Verdicts {
    /// attack → (sandbox, no sandbox)
    table: BTreeMap<String, (Vec<String>, Vec<String>)>,
    pub failures: Vec<String>,
}

impl Verdicts {
    pub fn check(&mut self, ok: bool, attack: &str, sandboxed: bool, what: String) {
        let mode = if sandboxed { "sandbox" } else { "no sandbox" };
        let line = format!("{}{what}", if ok { "" } else { "FAILED: " });
        let entry = self.table.entry(attack.to_string()).or_default();
        if sandboxed {
            entry.0.push(line);
        } else {
            entry.1.push(line);
        }
        if !ok {
            self.failures.push(format!("{attack} ({mode}): {what}"));
        }
    }

    pub fn print(&self, elapsed: Duration) {
        eprintln!("\n{:<16} | {:<70} | no sandbox", "attack", "sandbox");
        eprintln!("{}", "-".repeat(120));
        for (attack, (sandboxed, plain)) in &self.table {
            let rows = sandboxed.len().max(plain.len());
            for i in 0..rows {
                eprintln!(
                    "{:<16} | {:<70} | {}",
                    if i == 0 { attack.as_str() } else { "" },
                    sandboxed.get(i).map_or("", String::as_str),
                    plain.get(i).map_or("", String::as_str)
                );
            }
        }
        eprintln!("\nthe sandbox test took {:.1} s", elapsed.as_secs_f64());
    }
}

/// One work folder W with its submissions and listener.
pub struct Lab {
    pub work: PathBuf,
    pub listener: Listener,
}

impl Lab {
    pub fn new(work: &Path, template: &Path, students: &[&str]) -> Lab {
        let _ = fs::remove_dir_all(work);
        for dir in ["home", "markers", "bin", "submissions"] {
            fs::create_dir_all(work.join(dir)).unwrap();
        }
        fs::copy(env!("CARGO_BIN_EXE_xtask"), work.join("bin/xtask")).unwrap();
        copy_dir(template, &work.join("template"));
        let listener = Listener::start(Duration::from_secs(300));
        let w = |p: &str| work.join(p).display().to_string();
        let targets = [
            ("home", w("home")),
            ("markers", w("markers")),
            ("listener", listener.addr.clone()),
            ("victim", w("submissions/victim")),
            ("template", w("template")),
            ("solutions", root().join("solutions").display().to_string()),
            ("grader", w("bin/xtask")),
            ("csv", w("gradebook.csv")),
            ("gradebook", w("gradebook")),
            ("work", work.display().to_string()),
        ];
        let targets: String = targets.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        fs::write(work.join("ATTACK_TARGETS"), &targets).unwrap();
        let fixtures = root().join("xtask/fixtures/sandbox");
        for student in students {
            let dir = work.join("submissions").join(student);
            let echo = dir.join("exercises/echo");
            copy_dir(template, &dir);
            if WITH_SOLUTION.contains(student) {
                copy_dir(
                    &root().join("solutions/echo/src/bin"),
                    &echo.join("src/bin"),
                );
            }
            let overlay = fixtures.join(student);
            if overlay.is_dir() {
                copy_dir(&overlay, &dir);
                fs::copy(fixtures.join("attack.rs"), echo.join("attack.rs")).unwrap();
                fs::write(echo.join("hardcoded-targets.txt"), &targets).unwrap();
            }
            if echo.join("hostile.rs").is_file() {
                hook_server(&echo.join("src/bin/echo-server.rs"));
            }
            match *student {
                "bin-path" => {
                    let manifest = fs::read_to_string(echo.join("Cargo.toml")).unwrap();
                    let solutions = root().join("solutions/echo/src/bin");
                    let mut changed = manifest.clone();
                    for bin in ["echo-server", "echo-client"] {
                        let path = solutions.join(format!("{bin}.rs"));
                        changed = changed.replace(
                            &format!("path = \"src/bin/{bin}.rs\""),
                            &format!("path = \"{}\"", path.display()),
                        );
                    }
                    assert_eq!(changed.matches("/solutions/echo/").count(), 2, "{manifest}");
                    fs::write(echo.join("Cargo.toml"), changed).unwrap();
                }
                // An honest build that takes a while (as one with a big
                // dependency tree would): kill-others, graded beside it, must
                // find it still building. Its three tests alone take about a
                // second, and were at times over before kill-others' build
                // script began to look (CI, c2c96f2): the unsandboxed run
                // then showed no attack, and the sandboxed one proved nothing.
                "victim" => {
                    fs::write(
                        echo.join("build.rs"),
                        "fn main() {\n    std::thread::sleep(std::time::Duration::from_secs(3));\n}\n",
                    )
                    .unwrap();
                }
                "symlinks" => {
                    use std::os::unix::fs::symlink;
                    symlink("b", echo.join("a")).unwrap();
                    symlink("a", echo.join("b")).unwrap();
                    symlink("/dev/zero", echo.join("zero")).unwrap();
                    symlink("/dev/zero", dir.join("xtask/big")).unwrap();
                }
                _ => {}
            }
        }
        Lab {
            work: work.to_path_buf(),
            listener,
        }
    }

    /// Runs the gradebook on every submission, bounded.
    pub fn gradebook(&self, sandbox: bool, jobs: usize) -> Run {
        let w = &self.work;
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let mut command = Command::new(w.join("bin/xtask"));
        command
            .current_dir(w)
            .env("HOME", w.join("home"))
            // The toolchain and the registry stay where they are.
            .env(
                "CARGO_HOME",
                std::env::var_os("CARGO_HOME").map_or(home.join(".cargo"), PathBuf::from),
            )
            .arg("gradebook")
            .arg(w.join("submissions"))
            .arg("--template")
            .arg(w.join("template"))
            .arg("--csv")
            .arg(w.join("gradebook.csv"))
            .arg("--target-dir")
            .arg(w.join("gradebook"))
            .args(["--exercise", "echo", "--seed", "1234abcd"])
            .args(["--jobs", &jobs.to_string(), "--only", ONLY])
            .args(["--timeout", &STUDENT_BOUND_SECS.to_string()])
            .timeout(RUN_BOUND);
        let rustup = std::env::var_os("RUSTUP_HOME").map_or(home.join(".rustup"), PathBuf::from);
        if rustup.is_dir() {
            command.env("RUSTUP_HOME", rustup);
        }
        if !sandbox {
            command.arg("--no-sandbox");
        }
        let start = Instant::now();
        let output = command.output().unwrap();
        let elapsed = start.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        eprintln!("{}: {stderr}gradebook took {elapsed:.1?}", w.display());
        Run {
            ok: output.status.success() && elapsed < RUN_BOUND,
            stderr,
            elapsed,
            csv: fs::read_to_string(w.join("gradebook.csv")).unwrap_or_default(),
        }
    }

    pub fn read_csv(&self) -> Csv {
        Csv::parse(&fs::read_to_string(self.work.join("gradebook.csv")).unwrap_or_default())
    }

    /// The names in W/markers.
    pub fn markers(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.work.join("markers"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// A student's report.txt (the grader's stderr, kept by the gradebook).
    pub fn report(&self, student: &str) -> String {
        fs::read_to_string(self.work.join("gradebook").join(student).join("report.txt"))
            .unwrap_or_default()
    }

    /// Waits (bounded) for the processes of W to end by themselves, then
    /// kills any left (all started by this test's gradebook).
    pub fn wait_for_children(&self, bound: Duration) {
        let deadline = Instant::now() + bound;
        while !processes_of(&self.work).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        for (pid, line) in processes_of(&self.work) {
            eprintln!("killing {pid}, still running after {bound:?}: {line}");
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }

    /// No process of W within 5 s (a killed one may take a moment to be reaped).
    pub fn no_survivors(&self, v: &mut Verdicts, attack: &str, sandboxed: bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut left = processes_of(&self.work);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            left = processes_of(&self.work);
        }
        v.check(
            left.is_empty(),
            attack,
            sandboxed,
            format!("no process of W left: {left:?}"),
        );
    }
}

/// One gradebook run.
pub struct Run {
    pub ok: bool,
    stderr: String,
    pub elapsed: Duration,
    pub csv: String,
}

impl Run {
    pub fn csv(&self) -> Csv {
        Csv::parse(&self.csv)
    }

    /// How long the gradebook says a student's grade took ("  NAME … 3.2 s").
    pub fn student_time(&self, student: &str) -> String {
        self.stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{student} … ")))
            .and_then(|rest| rest.split(" s").next())
            .map_or("?".into(), |secs| format!("{secs} s"))
    }

    pub fn summary(&self) -> String {
        let first_error = self.stderr.lines().find(|l| l.starts_with("error"));
        format!(
            "finished in {:.1} s{}",
            self.elapsed.as_secs_f64(),
            first_error.map_or(String::new(), |e| format!(": {e}"))
        )
    }
}

/// The gradebook's CSV: student → column → cell.
pub struct Csv {
    pub rows: BTreeMap<String, BTreeMap<String, String>>,
}

impl Csv {
    pub fn parse(text: &str) -> Csv {
        let mut lines = split_records(text).into_iter();
        let header = lines.next().unwrap_or_default();
        let mut rows = BTreeMap::new();
        for cells in lines {
            let row: BTreeMap<String, String> =
                header.iter().cloned().zip(cells.iter().cloned()).collect();
            if let Some(student) = row.get("student") {
                rows.insert(student.clone(), row);
            }
        }
        Csv { rows }
    }

    /// "30/30", or why there is no score.
    pub fn points(&self, student: &str) -> String {
        match (self.rows.get(student), self.score(student)) {
            (None, _) => "no row".into(),
            (_, None) => "no score".into(),
            (_, Some(score)) => format!("{score}/{FULL}"),
        }
    }

    /// The `echo` total, when the grade went through.
    pub fn score(&self, student: &str) -> Option<u64> {
        self.rows.get(student)?.get("echo")?.parse().ok()
    }

    pub fn flags(&self, student: &str) -> String {
        self.rows
            .get(student)
            .and_then(|r| r.get("flags"))
            .cloned()
            .unwrap_or_else(|| "(no row)".into())
    }
}

/// RFC 4180 records: quoted cells may hold commas, quotes and line breaks.
pub fn split_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut cell) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records
}

/// A listener on 127.0.0.1 that keeps every byte it receives, until taken
/// or for at most `bound`.
pub struct Listener {
    addr: String,
    received: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
}

impl Listener {
    pub fn start(bound: Duration) -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let addr = socket.local_addr().unwrap().to_string();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (into, stopped) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + bound;
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                let Ok((stream, _)) = socket.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut bytes = Vec::new();
                let _ = stream.take(64 * 1024).read_to_end(&mut bytes);
                into.lock().unwrap().extend(bytes);
            }
        });
        Listener {
            addr,
            received,
            stop,
        }
    }

    /// What it received so far; it stops listening.
    pub fn take(&self) -> Vec<u8> {
        // Let a connection accepted just now be read.
        std::thread::sleep(Duration::from_millis(300));
        self.stop.store(true, Ordering::Relaxed);
        std::mem::take(&mut *self.received.lock().unwrap())
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The students whose report.txt says FORGED.
pub fn forged_reports(work: &Path) -> Vec<String> {
    let mut forged = Vec::new();
    for entry in fs::read_dir(work.join("gradebook"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let text = fs::read_to_string(entry.path().join("report.txt")).unwrap_or_default();
        if text.contains("FORGED") {
            forged.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    forged.sort();
    forged
}

/// escape-write's files, as `<place>/<name>`.
pub fn escape_files(lab: &Lab) -> Vec<String> {
    let mut found = Vec::new();
    for place in ["home", "template", "submissions/victim", "bin"] {
        for entry in fs::read_dir(lab.work.join(place))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("escape-write") {
                let short = place.trim_start_matches("submissions/");
                found.push(format!("{short}/{name}"));
            }
        }
    }
    found
}

/// The largest regular file under `dir`, never following a link.
pub fn largest_file(dir: &Path) -> (u64, PathBuf) {
    let mut largest = (0, PathBuf::new());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(meta) = fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() && meta.len() > largest.0 {
                largest = (meta.len(), entry.path());
            }
        }
    }
    largest
}

/// The line of `text` that holds `needle`, from there on, cut.
pub fn quote(text: &str, needle: &str) -> String {
    let line = text
        .lines()
        .find_map(|l| l.find(needle).map(|at| &l[at..]))
        .unwrap_or("(not in the report)");
    line.chars().take(100).collect()
}

pub fn sleep_until(when: Instant) {
    let now = Instant::now();
    if when > now {
        std::thread::sleep(when - now);
    }
}

pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Makes the server (the starter's, or the reference's for the fixtures in
/// `WITH_SOLUTION`) run the fixture's `hostile.rs` first thing in `main`.
pub fn hook_server(path: &Path) {
    let text = fs::read_to_string(path).unwrap();
    if text.contains("mod hostile;") {
        return; // the fixture brought its own server
    }
    assert_eq!(
        text.matches("\nfn main() {\n").count(),
        1,
        "{}",
        path.display()
    );
    let hooked = text.replacen(
        "\nfn main() {\n",
        "\n#[path = \"../../attack.rs\"]\nmod attack;\n#[path = \"../../hostile.rs\"]\nmod hostile;\n\nfn main() {\n    hostile::run(\"echo-server\");\n",
        1,
    );
    fs::write(path, hooked).unwrap();
}
