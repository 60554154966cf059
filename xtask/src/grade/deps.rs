//! Dependencies compile once per exercise and profile.
//!
//! Every graded crate (an exercise, a submission, a mutant, a fixture) builds
//! in a target dir of its own, so that no build sees or changes another's
//! sources or binaries. Left at that, each would compile its exercise's
//! dependencies (tokio, sha2 and their trees) from scratch. Instead the
//! grader builds them once into a cache, from what it trusts and nothing a
//! student writes: the dependency tables of the exercise's starter manifest
//! (`exercises/<dir>/Cargo.toml` of the grader's repository), the grader's
//! Cargo.lock, and the `[profile]` tables of the graded crate's workspace
//! (sandboxed: the grader's own, which `sandboxed::workspace_of` gives every
//! submission). It builds them as the dependencies of an empty library
//! crate, the stub.
//!
//! Each graded crate's target dir then starts as a copy of that cache,
//! made before any build of the run starts (sandboxed, before any code of
//! the student's runs). A copy, never a link: a build that rewrites what it
//! was given rewrites its own copy. cargo decides what is fresh, as in any
//! target dir it built before: its fingerprints of a registry crate hold the
//! crate, its features, the profile and the rustc, not the target dir's
//! path, so a crate with the exercise's dependencies compiles only itself,
//! and one whose dependencies, features or profile differ builds what
//! differs. The cache can make a build faster, never different.
//!
//! A cache is a folder of `target/grade-deps/`, named by a hash of what its
//! build reads (the stub's manifest, the lockfile's entries for its tree,
//! the rustc, the build's environment), built under a file lock (once, when the tests or the
//! gradebook's graders want it at the same time), and renamed into place
//! when complete. Sandboxed, it is built in the build jail writing only that
//! folder (the students' builds' environment, so that the fingerprints
//! match), and no jail ever sees it: the grader copies it into each
//! submission's private tree.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::lang::{Lang, tr};
use super::process::Proc;

/// Written in a target dir once seeded, with the cache's path: such a dir
/// is not seeded again (the gradebook's cache of a submission leaves it out).
pub const SEEDED: &str = ".socket-lab-deps";
/// Set (by `gradebook --own-deps`, for `bench gradebook`): no crate starts
/// from a cache; each builds its own dependencies, as before there was one.
pub const OWN_DEPS: &str = "SOCKET_LAB_OWN_DEPS";
/// Written in a cache's folder when its build is complete, before the
/// folder is renamed into place.
const READY: &str = "ready";
/// The stub's package name: its own artifacts are removed from the cache.
const STUB: &str = "socket-lab-deps";
/// tokio's tree, cold, on a slow laptop, is a few minutes.
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);
const CARGO_OUTPUT_LIMIT: u64 = 64 * 1024 * 1024;
/// Variables of the grader's environment that change what cargo builds
/// (unsandboxed: the jail clears the environment).
const BUILD_ENV: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_TARGET",
];

/// Each seeded target dir of this run and the cache it started from.
static SEEDED_FROM: Mutex<BTreeMap<PathBuf, PathBuf>> = Mutex::new(BTreeMap::new());

/// The cache `target_dir` was seeded from in this run, if it was.
pub fn seeded_from(target_dir: &Path) -> Option<PathBuf> {
    SEEDED_FROM.lock().unwrap().get(target_dir).cloned()
}

/// Seeds the target dir of each `(exercise folder, crate dir, target dir)`
/// with its exercise's dependencies: builds each cache needed (at once),
/// then copies. Call before any build of the run starts. A target dir
/// seeded before, or whose exercise has no dependencies, is left alone; a
/// cache that cannot be built leaves its crates to build everything.
pub async fn seed_all(lang: Lang, items: Vec<(&'static str, PathBuf, PathBuf)>) {
    // The way before the cache, for `bench gradebook` to compare with.
    if std::env::var_os(OWN_DEPS).is_some() {
        return;
    }
    let mut wanted = Vec::new();
    for (exercise, crate_dir, target_dir) in items {
        if target_dir.join(SEEDED).exists() {
            continue;
        }
        if let Some(stub) = Stub::new(exercise, &crate_dir) {
            wanted.push((stub, target_dir));
        }
    }
    let mut builds = BTreeMap::new();
    for (stub, _) in &wanted {
        builds
            .entry(stub.name.clone())
            .or_insert_with(|| tokio::spawn(ensure(stub.clone(), lang)));
    }
    let mut caches = BTreeMap::new();
    for (name, build) in builds {
        caches.insert(name, build.await.ok().flatten());
    }
    for (stub, target_dir) in wanted {
        if let Some(Some(cache)) = caches.get(&stub.name)
            && let Err(err) = seed(cache, &target_dir)
        {
            eprintln!(
                "dependency cache not copied into {}: {err:#}",
                target_dir.display()
            );
        }
    }
}

/// Copies the cache into `target_dir`, keeping what is there already.
fn seed(cache: &Path, target_dir: &Path) -> Result<()> {
    crate::sandbox::copy_missing(cache, target_dir, crate::sandbox::WORK_LIMIT)?;
    fs::write(target_dir.join(SEEDED), cache.display().to_string())?;
    SEEDED_FROM
        .lock()
        .unwrap()
        .insert(target_dir.to_path_buf(), cache.to_path_buf());
    Ok(())
}

/// The empty crate whose build is an exercise's dependency cache.
#[derive(Clone)]
struct Stub {
    /// The exercise's folder.
    exercise: &'static str,
    manifest: String,
    lock: String,
    /// `<exercise>-<hash of all it builds from>`: the cache's folder.
    name: String,
}

impl Stub {
    /// The stub for a crate of `exercise` at `crate_dir`; `None` when the
    /// exercise's starter has no dependencies (or is not here).
    fn new(exercise: &'static str, crate_dir: &Path) -> Option<Stub> {
        let root = crate::workspace_root();
        let starter = root.join("exercises").join(exercise).join("Cargo.toml");
        let dependencies = dependency_tables(&fs::read_to_string(starter).ok()?);
        if dependencies.is_empty() {
            return None;
        }
        let jailed = crate::sandbox::build_jail().is_some();
        // Sandboxed, the crate builds in the grader's workspace (the
        // student's manifests name no profile the grader uses).
        let workspace = if jailed {
            root.join("Cargo.toml")
        } else {
            workspace_manifest(crate_dir)
        };
        let profiles = profile_tables(&fs::read_to_string(workspace).unwrap_or_default());
        let manifest = stub_manifest(exercise, &dependencies, &profiles);
        let lock = fs::read_to_string(root.join("Cargo.lock")).ok()?;
        // The lockfile's entries for what the stub builds, not the whole
        // file: a crate added to the workspace changes no exercise's cache.
        let locked = locked_tree(&lock, &dependency_names(&dependencies));
        let mut hash = Sha256::new();
        for part in [&manifest, &locked, rustc_version()] {
            hash.update(part);
            hash.update([0]);
        }
        if jailed {
            hash.update("jailed");
        } else {
            for var in BUILD_ENV {
                hash.update(format!("{var}={:?}\n", std::env::var_os(var)));
            }
        }
        let digest: [u8; 32] = hash.finalize().into();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Some(Stub {
            exercise,
            manifest,
            lock,
            name: format!("{exercise}-{hex}"),
        })
    }
}

/// `rustc -vV` of the rustc cargo runs (the toolchain's, in the jail too).
fn rustc_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        std::process::Command::new(rustc)
            .arg("-vV")
            .stdin(std::process::Stdio::null())
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .unwrap_or_default()
    })
}

/// The cache's target dir: built now if it is not there yet (by this
/// process, or by another one while this one waits); `None` when it could
/// not be built.
async fn ensure(stub: Stub, lang: Lang) -> Option<PathBuf> {
    let base = crate::workspace_root().join("target").join("grade-deps");
    let dir = base.join(&stub.name);
    if dir.join(READY).is_file() {
        return Some(dir.join("target"));
    }
    let built = async {
        fs::create_dir_all(&base)?;
        let lock = fs::File::create(base.join(format!("{}.lock", stub.name)))?;
        // Released when dropped, or when this process dies.
        let _lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock)).await??;
        if dir.join(READY).is_file() {
            return Ok(());
        }
        let exercise = stub.exercise;
        let progress = crate::progress::Progress::start(tr!(
            lang,
            "compiling the dependencies of {exercise}, once for all its crates …",
            "{exercise} 실습의 의존성을 한 번 컴파일하는 중…"
        ));
        let partial = base.join(format!("{}.partial", stub.name));
        build(&stub, &partial).await?;
        drop(progress);
        let _ = fs::remove_dir_all(&dir);
        fs::rename(&partial, &dir)?;
        anyhow::Ok(())
    }
    .await;
    match built {
        Ok(()) => Some(dir.join("target")),
        Err(err) => {
            eprintln!(
                "the dependencies of {} were not prebuilt (each crate builds its own): {err:#}",
                stub.exercise
            );
            None
        }
    }
}

/// Builds the stub's dependencies into `partial/target`, as the graded
/// crates' builds run: sandboxed, in the build jail, writing only `partial`.
async fn build(stub: &Stub, partial: &Path) -> Result<()> {
    let _ = fs::remove_dir_all(partial);
    let src = partial.join("stub");
    fs::create_dir_all(&src)?;
    fs::write(src.join("Cargo.toml"), &stub.manifest)?;
    fs::write(src.join("Cargo.lock"), &stub.lock)?;
    fs::write(src.join("lib.rs"), "")?;
    let target = partial.join("target");
    let args: Vec<String> = vec![
        "build".into(),
        "--manifest-path".into(),
        src.join("Cargo.toml").display().to_string(),
        "--target-dir".into(),
        target.display().to_string(),
    ];
    let (jail, cargo) = match crate::sandbox::build_jail() {
        Some((jail, cargo)) => (Some(jail.writing(partial)), cargo.to_path_buf()),
        None => (
            None,
            PathBuf::from(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())),
        ),
    };
    let mut cargo =
        Proc::spawn_jailed(jail.as_ref(), None, &cargo, &args, None, CARGO_OUTPUT_LIMIT)
            .context("could not run cargo")?;
    let Some(status) = cargo.wait_exit(BUILD_TIMEOUT).await else {
        bail!("cargo did not finish in {} s", BUILD_TIMEOUT.as_secs());
    };
    if !status.success() {
        let stderr = cargo.stderr_text();
        let error = stderr.lines().find(|line| line.starts_with("error"));
        bail!("cargo failed: {}", error.unwrap_or("(no error line)"));
    }
    remove_stub_artifacts(&target.join("debug"));
    fs::write(partial.join(READY), "")?;
    Ok(())
}

/// The stub's own artifacts: of no use to another crate.
fn remove_stub_artifacts(debug: &Path) {
    let _ = fs::remove_dir_all(debug.join("incremental"));
    let underscored = STUB.replace('-', "_");
    for dir in [
        debug.to_path_buf(),
        debug.join("deps"),
        debug.join(".fingerprint"),
    ] {
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let name = name.strip_prefix("lib").unwrap_or(&name);
            if name.starts_with(STUB) || name.starts_with(&underscored) {
                let path = entry.path();
                let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
            }
        }
    }
}

/// The manifest of the workspace `crate_dir` builds in: the first manifest
/// from there up with a `[workspace]` table (cargo's rule, without
/// `package.workspace`), or the crate's own.
fn workspace_manifest(crate_dir: &Path) -> PathBuf {
    let own = crate_dir.join("Cargo.toml");
    let crate_dir = std::path::absolute(crate_dir).unwrap_or_else(|_| crate_dir.to_path_buf());
    for dir in crate_dir.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = fs::read_to_string(&manifest)
            && text.lines().any(|line| header(line) == Some("workspace"))
        {
            return manifest;
        }
    }
    own
}

/// The stub: an empty library with the dependencies, a workspace of its own
/// with the profiles.
fn stub_manifest(exercise: &str, dependencies: &str, profiles: &str) -> String {
    format!(
        "# Written by the grader: the dependencies of the exercise {exercise}, built once\n\
         # for every crate of it (xtask/src/grade/deps.rs).\n\
         [package]\nname = \"{STUB}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [lib]\npath = \"lib.rs\"\n\n{dependencies}\n[workspace]\n\n{profiles}"
    )
}

/// The dependency tables of a manifest (`[dependencies]`,
/// `[build-dependencies]`, `[dependencies.NAME]`, and their
/// `[target.CFG.…]` forms), as text without comments or blank lines: what
/// `cargo build --bins` compiles besides the crate (not its dev-dependencies).
fn dependency_tables(manifest: &str) -> String {
    tables(manifest, |name| {
        let name =
            name.strip_prefix("target.")
                .map_or(name, |rest| match rest.find("dependencies") {
                    Some(at) => {
                        let kind = &rest[..at];
                        let kind = kind.strip_suffix("build-").unwrap_or(kind);
                        if kind.ends_with('.') { &rest[at..] } else { "" }
                    }
                    None => "",
                });
        let name = name.strip_prefix("build-").unwrap_or(name);
        name == "dependencies" || name.starts_with("dependencies.")
    })
}

/// The names of the crates dependency tables (from [`dependency_tables`])
/// name: each key of a `…dependencies` table, each `[….dependencies.NAME]`,
/// and each `package = "…"` (a renamed dependency). More names than that
/// only make the cache's key depend on more of the lockfile.
fn dependency_names(tables: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_list = false;
    for line in tables.lines() {
        if let Some(name) = header(line) {
            in_list = name.ends_with("dependencies");
            if let Some((_, crate_name)) = name.rsplit_once("dependencies.") {
                names.push(crate_name.trim_matches('"').to_string());
            }
            continue;
        }
        if let Some((key, _)) = line.split_once('=') {
            let key = key.split('.').next().unwrap_or_default();
            let key = key.trim().trim_matches('"');
            if in_list && !key.is_empty() && !key.contains(' ') {
                names.push(key.to_string());
            }
        }
        // `package = "…"`, in an inline table or its own table.
        for (at, _) in line.match_indices("package") {
            let rest = line[at + "package".len()..].trim_start();
            if let Some(value) = rest.strip_prefix('=')
                && let Some(name) = value.split('"').nth(1)
            {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The `[[package]]` entries of a Cargo.lock that `roots` reach through
/// their `dependencies` lists (every version of a name, every platform's),
/// in the lockfile's order.
fn locked_tree(lock: &str, roots: &[String]) -> String {
    let packages: Vec<&str> = lock.split("[[package]]").skip(1).collect();
    let field = |package: &str, key: &str| -> String {
        package
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key} = ")))
            .unwrap_or_default()
            .trim_matches('"')
            .to_string()
    };
    let dependencies = |package: &str| -> Vec<String> {
        let Some(list) = package.split("dependencies = [").nth(1) else {
            return Vec::new();
        };
        let list = &list[..list.find(']').unwrap_or(list.len())];
        list.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let mut wanted: Vec<String> = roots.to_vec();
    let mut reached = vec![false; packages.len()];
    while let Some(spec) = wanted.pop() {
        // "name", "name version" or "name version (source)".
        let mut parts = spec.split(' ');
        let name = parts.next().unwrap_or_default();
        let version = parts.next();
        for (i, package) in packages.iter().enumerate() {
            if !reached[i]
                && field(package, "name") == name
                && version.is_none_or(|v| field(package, "version") == v)
            {
                reached[i] = true;
                wanted.extend(dependencies(package));
            }
        }
    }
    let mut tree = String::new();
    for (package, _) in packages.iter().zip(&reached).filter(|(_, r)| **r) {
        tree.push_str("[[package]]");
        tree.push_str(package);
    }
    tree
}

/// The `[profile.…]` tables of a manifest, as text without comments or
/// blank lines.
fn profile_tables(manifest: &str) -> String {
    tables(manifest, |name| {
        name == "profile" || name.starts_with("profile.")
    })
}

/// The tables of a TOML text whose header `keep` accepts, each with its
/// key lines (trimmed; comments and blank lines left out), separated by a
/// blank line. A text only: enough for manifests as people write them; a
/// table it misreads only makes the cache miss.
fn tables(manifest: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut keeping = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            keeping = header(line).is_some_and(&keep);
            if keeping && !out.is_empty() {
                out.push('\n');
            }
        }
        if keeping && !line.is_empty() && !line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The name of a `[table]` header line (not of an `[[array]]` one), spaces
/// removed.
fn header(line: &str) -> Option<&str> {
    let line = line.trim();
    let rest = line.strip_prefix('[')?;
    if rest.starts_with('[') {
        return None;
    }
    let name = rest[..rest.find(']')?].trim();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STARTER: &str = r#"[package]
name = "concurrent"
edition.workspace = true

[dependencies]
# en: tokio
tokio = { version = "1.48", features = [
    "net",
    "macros",
] }
ctrlc = "3.4"

[dependencies.sha2]
version = "0.11"

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[target.'cfg(unix)'.build-dependencies]
cc = "1"

[build-dependencies]
autocfg = "1"

[dev-dependencies]
tempfile = "3"

[target.'cfg(unix)'.dev-dependencies]
rustix = "1"

[[bin]]
name = "chat-server"
path = "src/bin/chat-server.rs"
"#;

    #[test]
    fn the_stub_has_what_cargo_build_compiles() {
        let tables = dependency_tables(STARTER);
        assert_eq!(
            tables,
            "[dependencies]\ntokio = { version = \"1.48\", features = [\n\"net\",\n\"macros\",\n] }\nctrlc = \"3.4\"\n\n\
             [dependencies.sha2]\nversion = \"0.11\"\n\n\
             [target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n\n\
             [target.'cfg(unix)'.build-dependencies]\ncc = \"1\"\n\n\
             [build-dependencies]\nautocfg = \"1\"\n"
        );
        assert!(!tables.contains("tempfile") && !tables.contains("rustix"));
        assert!(!tables.contains("chat-server") && !tables.contains("edition"));
    }

    #[test]
    fn the_names_of_the_dependencies() {
        let tables = dependency_tables(STARTER);
        assert_eq!(
            dependency_names(&tables),
            ["autocfg", "cc", "ctrlc", "libc", "sha2", "tokio"]
        );
        let renamed = "[dependencies]\nhash = { package = \"sha2\", version = \"0.11\" }\nserde.version = \"1\"\n";
        assert_eq!(dependency_names(renamed), ["hash", "serde", "sha2"]);
    }

    /// The key reads the lockfile's entries of the stub's tree only.
    #[test]
    fn the_locked_tree_is_what_the_roots_reach() {
        let lock = r#"version = 4

[[package]]
name = "a"
version = "1.0.0"
dependencies = [
 "b",
 "c 2.0.0",
]

[[package]]
name = "b"
version = "1.0.0"

[[package]]
name = "c"
version = "1.0.0"

[[package]]
name = "c"
version = "2.0.0"
dependencies = [
 "d",
]

[[package]]
name = "d"
version = "1.0.0"

[[package]]
name = "unrelated"
version = "1.0.0"
dependencies = [
 "a",
]
"#;
        let tree = locked_tree(lock, &["a".to_string()]);
        let names: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.strip_prefix("name = "))
            .collect();
        assert_eq!(names, ["\"a\"", "\"b\"", "\"c\"", "\"d\""]);
        // c in the version a names, not the other.
        assert!(tree.contains("name = \"c\"\nversion = \"2.0.0\""), "{tree}");
        assert!(!tree.contains("unrelated"));
        let more = lock.replace("name = \"unrelated\"", "name = \"other\"");
        assert_eq!(locked_tree(&more, &["a".to_string()]), tree);
        let changed = lock.replace(
            "name = \"d\"\nversion = \"1.0.0\"",
            "name = \"d\"\nversion = \"1.0.1\"",
        );
        assert_ne!(locked_tree(&changed, &["a".to_string()]), tree);
    }

    #[test]
    fn profiles_are_read_without_comments() {
        let root = "[workspace]\nmembers = [\"a\"]\n\n# why\n[profile.dev]\n# line tables\ndebug = \"line-tables-only\"\n\n[profile.dev.package.sha2]\nopt-level = 3\n";
        let other = "[package]\nname = \"m\"\n[workspace]\n[profile.dev]\ndebug = \"line-tables-only\"\n[profile.dev.package.sha2]\nopt-level = 3 \n";
        assert_eq!(profile_tables(root), profile_tables(other));
        assert_eq!(
            profile_tables(root),
            "[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.sha2]\nopt-level = 3\n"
        );
        assert_eq!(profile_tables("[package]\nname = \"x\"\n"), "");
    }

    /// This repository's starters and the stub cargo reads.
    #[test]
    fn the_stubs_of_this_repository() {
        let root = crate::workspace_root();
        let starter = |dir: &str| {
            fs::read_to_string(root.join("exercises").join(dir).join("Cargo.toml")).unwrap()
        };
        assert_eq!(dependency_tables(&starter("echo")), "");
        let ft = dependency_tables(&starter("file-transfer"));
        assert_eq!(ft, "[dependencies]\nsha2 = \"0.11\"\n");
        let concurrent = dependency_tables(&starter("concurrent"));
        assert!(concurrent.contains("tokio = {") && concurrent.contains("ctrlc = {"));
        let profiles = profile_tables(&fs::read_to_string(root.join("Cargo.toml")).unwrap());
        assert!(
            profiles.contains("[profile.dev.package.sha2]"),
            "{profiles}"
        );
        let manifest = stub_manifest("file-transfer", &ft, &profiles);
        assert!(manifest.contains("[lib]\npath = \"lib.rs\"\n\n[dependencies]\nsha2"));
        assert!(
            manifest.contains("\n[workspace]\n\n[profile.dev]\n"),
            "{manifest}"
        );
    }

    #[test]
    fn the_workspace_is_the_first_manifest_with_one() {
        let dir = tempfile::tempdir().unwrap();
        let (outer, inner) = (dir.path(), dir.path().join("exercises/echo"));
        fs::create_dir_all(&inner).unwrap();
        fs::write(inner.join("Cargo.toml"), "[package]\nname = \"echo\"\n").unwrap();
        fs::write(outer.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
        assert_eq!(workspace_manifest(&inner), outer.join("Cargo.toml"));
        fs::write(
            inner.join("Cargo.toml"),
            "[package]\nname = \"echo\"\n\n[workspace]\n",
        )
        .unwrap();
        assert_eq!(workspace_manifest(&inner), inner.join("Cargo.toml"));
    }

    #[test]
    fn headers() {
        assert_eq!(header("[profile.dev] # x"), Some("profile.dev"));
        assert_eq!(header("  [ workspace ]"), Some("workspace"));
        assert_eq!(header("[[bin]]"), None);
        assert_eq!(header("name = \"x\""), None);
    }
}
