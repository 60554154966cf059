//! The flags of small template and submission trees built in temporary folders.
use super::*;
use std::fs;
use std::process::{Command, Stdio};
use tempfile::TempDir;

const LOCK: &str = "version = 4\n\n[[package]]\nname = \"echo\"\nversion = \"0.1.0\"\n\n\
    [[package]]\nname = \"sha2\"\nversion = \"0.11.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
const WORKFLOW: &str = ".github/workflows/classroom.yml";
const ECHO: &str = "exercises/echo/Cargo.toml";

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn manifest(name: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition.workspace = true\n\n\
         [dependencies]\nsha2 = \"0.11\"\n\n[[bin]]\nname = \"{name}\"\npath = \"src/main.rs\"\n"
    )
}

/// A student repository in small: the workflow, the grader, the exercises.
fn student_tree(root: &Path) {
    write(root, WORKFLOW, "on: push\n");
    write(
        root,
        ".cargo/config.toml",
        "[alias]\nxtask = \"run -p xtask --\"\n",
    );
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"exercises/*\", \"xtask\"]\n",
    );
    write(root, "Cargo.lock", LOCK);
    write(root, "README.md", "# Socket Lab\n");
    write(root, "xtask/Cargo.toml", "[package]\nname = \"xtask\"\n");
    write(root, "xtask/src/main.rs", "fn main() {}\n");
    for exercise in grade::catalog() {
        let dir = exercise.dir;
        write(root, &format!("exercises/{dir}/Cargo.toml"), &manifest(dir));
        write(
            root,
            &format!("exercises/{dir}/src/main.rs"),
            "fn main() {}\n",
        );
    }
}

/// A template, and a submission that is a copy of it.
struct Lab {
    template: Template,
    _template_dir: TempDir,
    sub: TempDir,
}

impl Lab {
    fn new() -> Lab {
        let template_dir = tempfile::tempdir().unwrap();
        student_tree(template_dir.path());
        let sub = tempfile::tempdir().unwrap();
        student_tree(sub.path());
        Lab {
            template: Template::load(template_dir.path()).unwrap(),
            _template_dir: template_dir,
            sub,
        }
    }

    fn path(&self) -> &Path {
        self.sub.path()
    }

    fn write(&self, path: &str, text: &str) {
        write(self.path(), path, text);
    }

    fn flags(&self) -> Vec<String> {
        self.flags_with(&CAPS)
    }

    fn flags_with(&self, caps: &Caps) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        check(self.path(), &self.template, deadline, caps)
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .current_dir(self.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }
}

fn append(lab: &Lab, path: &str, text: &str) {
    let old = fs::read_to_string(lab.path().join(path)).unwrap();
    lab.write(path, &format!("{old}{text}"));
}

#[test]
fn an_unchanged_copy_has_no_flags() {
    assert_eq!(Lab::new().flags(), Vec::<String>::new());
}

#[test]
fn changed_missing_and_added_guarded_files() {
    let lab = Lab::new();
    lab.write(WORKFLOW, "on: workflow_dispatch\n");
    fs::remove_file(lab.path().join("xtask/src/main.rs")).unwrap();
    lab.write(".github/workflows/mine.yml", "on: push\n");
    lab.write("exercises/echo/src/lib.rs", "// not guarded\n");
    assert_eq!(
        lab.flags(),
        [
            "added:.github/workflows/mine.yml",
            "changed:.github/workflows/classroom.yml",
            "missing:xtask/src/main.rs",
        ]
    );
}

#[test]
fn a_large_guarded_file_is_not_read() {
    let lab = Lab::new();
    let file = fs::File::create(lab.path().join("xtask/big.bin")).unwrap();
    file.set_len(walk::MAX_FILE + 1).unwrap();
    assert_eq!(
        lab.flags(),
        ["added:xtask/big.bin", "too-large:xtask/big.bin"]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_flagged_never_followed() {
    use std::os::unix::fs::symlink;
    let lab = Lab::new();
    let src = lab.path().join("exercises/echo/src");
    symlink("b", src.join("a")).unwrap();
    symlink("a", src.join("b")).unwrap();
    symlink("/dev/zero", lab.path().join("xtask/zero")).unwrap();
    symlink("/", lab.path().join("root")).unwrap();
    let start = Instant::now();
    let flags = lab.flags();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(
        flags,
        [
            "added:xtask/zero",
            "symlink:exercises/echo/src/a",
            "symlink:exercises/echo/src/b",
            "symlink:root",
            "symlink:xtask/zero",
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_special_and_never_opened() {
    let lab = Lab::new();
    let fifo = lab.path().join(".github/workflows/pipe.yml");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    assert_eq!(
        lab.flags(),
        [
            "added:.github/workflows/pipe.yml",
            "special:.github/workflows/pipe.yml"
        ]
    );
}

#[test]
fn past_the_entry_cap_too_many_files_and_nothing_missing() {
    let lab = Lab::new();
    for i in 0..30 {
        lab.write(&format!("aaa/{i}"), "");
    }
    let caps = Caps {
        entries: 20,
        ..CAPS
    };
    assert_eq!(lab.flags_with(&caps), ["too-many-files"]);
}

#[test]
fn past_the_byte_cap_too_many_files() {
    let lab = Lab::new();
    let caps = Caps {
        total_bytes: 10,
        ..CAPS
    };
    assert_eq!(lab.flags_with(&caps), ["too-many-files"]);
}

#[test]
fn past_the_deadline_too_slow() {
    let lab = Lab::new();
    assert_eq!(
        flags(lab.path(), &lab.template, Instant::now()),
        ["too-slow"]
    );
}

#[test]
fn build_scripts_named_or_not() {
    let lab = Lab::new();
    lab.write("exercises/echo/build.rs", "fn main() {}\n");
    let manifest = ["exercises", grade::catalog()[1].dir, "Cargo.toml"].join("/");
    let text = fs::read_to_string(lab.path().join(&manifest)).unwrap();
    lab.write(
        &manifest,
        &text.replace("[package]\n", "[package]\nbuild = \"gen.rs\"\n"),
    );
    assert_eq!(
        lab.flags(),
        [
            "build-script:exercises/echo/build.rs".to_string(),
            format!("build-script:{manifest}"),
        ]
    );
}

#[test]
fn proc_macro_crates() {
    let lab = Lab::new();
    append(&lab, ECHO, "[lib]\nproc-macro = true\n");
    assert_eq!(lab.flags(), [format!("proc-macro:{ECHO}")]);
}

#[test]
fn new_or_changed_dependencies() {
    let lab = Lab::new();
    let text = fs::read_to_string(lab.path().join(ECHO)).unwrap();
    let text = text.replace(
        "sha2 = \"0.11\"",
        "sha2 = { version = \"0.11\", features = [\"asm\"] }\nevil = \"1\"",
    );
    lab.write(
        ECHO,
        &format!("{text}[target.'cfg(unix)'.build-dependencies]\ncc = \"1\"\n"),
    );
    assert_eq!(
        lab.flags(),
        [
            "dependency:echo:cc",
            "dependency:echo:evil",
            "dependency:echo:sha2"
        ]
    );
}

#[test]
fn paths_outside_the_crate() {
    for line in [
        "[lib]\npath = \"../../xtask/src/main.rs\"\n",
        "[dev-dependencies]\nx = { path = \"/home/teacher/x\" }\n",
        "[[test]]\nname = \"t\"\npath = \"tests/../../t.rs\"\n",
    ] {
        let lab = Lab::new();
        append(&lab, ECHO, line);
        let mut flags = lab.flags();
        flags.retain(|f| !f.starts_with("dependency:"));
        assert_eq!(flags, [format!("path-outside:{ECHO}")], "{line}");
    }
    let lab = Lab::new();
    append(&lab, ECHO, "[lib]\npath = \"src/./x/../lib.rs\"\n");
    assert_eq!(lab.flags(), Vec::<String>::new());
}

#[test]
fn workspace_patch_profile_replace_tables() {
    let lab = Lab::new();
    append(
        &lab,
        ECHO,
        "[workspace]\n[patch.crates-io]\nsha2 = { git = \"https://x\" }\n\
         [profile.dev]\nopt-level = 3\n[replace]\n\"a:1.0.0\" = { path = \"vendor/a\" }\n",
    );
    assert_eq!(
        lab.flags(),
        [
            "manifest:echo:patch",
            "manifest:echo:profile",
            "manifest:echo:replace",
            "manifest:echo:workspace",
        ]
    );
}

#[test]
fn added_and_unreadable_manifests() {
    let lab = Lab::new();
    lab.write(
        "exercises/echo/helper/Cargo.toml",
        "[package]\nname = \"h\"\n[lib]\nproc_macro = true\n",
    );
    lab.write("exercises/extra/Cargo.toml", "[package\n");
    lab.write(ECHO, "[package]\nname = 1 = 2\n");
    assert_eq!(
        lab.flags(),
        [
            "added-crate:exercises/echo/helper/Cargo.toml",
            "added-crate:exercises/extra/Cargo.toml",
            "manifest-unreadable:exercises/echo/Cargo.toml",
            "manifest-unreadable:exercises/extra/Cargo.toml",
            "proc-macro:exercises/echo/helper/Cargo.toml",
        ]
    );
}

#[test]
fn a_changed_lockfile() {
    let lab = Lab::new();
    // The same packages in another layout: not a change.
    lab.write("Cargo.lock", &format!("# regenerated\n{LOCK}"));
    assert_eq!(lab.flags(), Vec::<String>::new());
    lab.write(
        "Cargo.lock",
        &format!("{LOCK}\n[[package]]\nname = \"evil\"\nversion = \"1.0.0\"\n"),
    );
    assert_eq!(lab.flags(), ["lockfile-changed"]);
    fs::remove_file(lab.path().join("Cargo.lock")).unwrap();
    assert_eq!(lab.flags(), ["lockfile-changed"]);
}

#[test]
fn cargo_configs_and_toolchains_in_exercises() {
    let lab = Lab::new();
    lab.write(
        "exercises/echo/.cargo/config.toml",
        "[build]\nrustc-wrapper = \"/bin/sh\"\n",
    );
    lab.write(
        "exercises/echo/rust-toolchain.toml",
        "[toolchain]\npath = \"/tmp/t\"\n",
    );
    assert_eq!(
        lab.flags(),
        [
            "cargo-config:exercises/echo/.cargo/config.toml",
            "toolchain:exercises/echo/rust-toolchain.toml",
        ]
    );
}

#[test]
fn odd_characters_become_question_marks() {
    let lab = Lab::new();
    lab.write("xtask/a b,c\td\"e\n", "");
    assert_eq!(lab.flags(), ["added:xtask/a?b?c?d?e?"]);
}

#[test]
fn many_flags_of_a_word_are_cut() {
    let flags: Vec<String> = (0..60).map(|i| format!("symlink:{i:02}")).collect();
    let out = finish(flags);
    assert_eq!(out.len(), MAX_PER_WORD + 1);
    assert_eq!(out.first().unwrap(), "more:symlink");
    assert_eq!(out.last().unwrap(), "symlink:49");
}

#[test]
fn a_change_reverted_in_history_is_flagged() {
    let lab = Lab::new();
    lab.git(&["init", "-q"]);
    lab.commit_all("template");
    lab.write(WORKFLOW, "on: push\njobs: {}\n");
    lab.commit_all("change");
    lab.write(WORKFLOW, "on: push\n");
    lab.commit_all("revert");
    assert_eq!(lab.flags(), [format!("history:{WORKFLOW}")]);
}

#[test]
fn an_added_then_removed_guarded_file_in_history() {
    let lab = Lab::new();
    lab.git(&["init", "-q"]);
    lab.commit_all("template");
    lab.git(&["checkout", "-q", "-b", "side"]);
    lab.write("xtask/src/evil.rs", "");
    lab.write("exercises/echo/src/gone.rs", "");
    lab.commit_all("add");
    fs::remove_file(lab.path().join("xtask/src/evil.rs")).unwrap();
    fs::remove_file(lab.path().join("exercises/echo/src/gone.rs")).unwrap();
    lab.commit_all("remove");
    lab.git(&["checkout", "-q", "main"]);
    // A merge that brings a file of its own, removed right after.
    lab.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    lab.write("xtask/src/merged.rs", "");
    lab.commit_all("merge");
    fs::remove_file(lab.path().join("xtask/src/merged.rs")).unwrap();
    lab.commit_all("clean up");
    assert_eq!(
        lab.flags(),
        ["history:xtask/src/evil.rs", "history:xtask/src/merged.rs"]
    );
}

#[test]
fn a_clean_history_has_no_flags() {
    let lab = Lab::new();
    lab.git(&["init", "-q"]);
    lab.commit_all("template");
    lab.write("exercises/echo/src/main.rs", "fn main() { println!(); }\n");
    lab.commit_all("work");
    assert_eq!(lab.flags(), Vec::<String>::new());
    // An empty repository: no history at all.
    fs::remove_dir_all(lab.path().join(".git")).unwrap();
    lab.git(&["init", "-q"]);
    assert_eq!(lab.flags(), Vec::<String>::new());
}

#[test]
fn a_long_history_is_cut() {
    let lab = Lab::new();
    lab.git(&["init", "-q"]);
    lab.commit_all("template");
    lab.write("xtask/src/main.rs", "fn main() { }\n");
    lab.commit_all("one");
    lab.write("xtask/src/main.rs", "fn main() {}\n");
    lab.commit_all("two");
    let caps = Caps { commits: 1, ..CAPS };
    assert_eq!(lab.flags_with(&caps), ["history-too-long"]);
}
