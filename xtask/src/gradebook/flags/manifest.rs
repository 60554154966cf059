//! The checks of a submission's Cargo.toml under exercises/ against the
//! template's manifest at the same path, and of its Cargo.lock.

use std::collections::{BTreeMap, BTreeSet};

use toml::{Table, Value};

/// Top-level tables an exercise manifest must not add: they reach outside
/// the crate (`workspace`, `patch`, `replace`), change how everything is
/// compiled (`profile`), or opt into unstable cargo (`cargo-features`).
const TABLES: [&str; 5] = ["workspace", "patch", "profile", "replace", "cargo-features"];

/// The dependency tables, with the underscore spellings cargo still reads.
const DEPENDENCIES: [&str; 5] = [
    "dependencies",
    "dev-dependencies",
    "dev_dependencies",
    "build-dependencies",
    "build_dependencies",
];

/// A manifest's TOML, or `None` when it is not UTF-8 or not TOML.
pub fn parse(bytes: &[u8]) -> Option<Table> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Flags of the manifest at `rel` (`exercises/…/Cargo.toml`) that the
/// template's manifest at the same path (`template`) does not share;
/// `exercise`: the exercise it is the manifest of, when it is one.
pub fn check(
    rel: &str,
    student: &Table,
    template: Option<&Table>,
    exercise: Option<&str>,
    out: &mut Vec<String>,
) {
    let build = |t: &Table| lookup(t, &["package", "build"]).cloned();
    if let Some(value) = build(student)
        && template.and_then(build) != Some(value)
    {
        out.push(format!("build-script:{rel}"));
    }
    if proc_macro(student) && !template.is_some_and(proc_macro) {
        out.push(format!("proc-macro:{rel}"));
    }
    let allowed = template.map(outside_paths).unwrap_or_default();
    if !outside_paths(student).is_subset(&allowed) {
        out.push(format!("path-outside:{rel}"));
    }
    let Some(exercise) = exercise else { return };
    for key in TABLES {
        if let Some(value) = student.get(key)
            && template.and_then(|t| t.get(key)) != Some(value)
        {
            out.push(format!("manifest:{exercise}:{key}"));
        }
    }
    let known = template.map(dependencies).unwrap_or_default();
    let mut names = BTreeSet::new();
    for (key, spec) in dependencies(student) {
        if known.get(&key) != Some(&spec) {
            names.insert(key.1);
        }
    }
    out.extend(
        names
            .into_iter()
            .map(|name| format!("dependency:{exercise}:{name}")),
    );
}

fn lookup<'a>(table: &'a Table, keys: &[&str]) -> Option<&'a Value> {
    let (last, parents) = keys.split_last()?;
    let mut table = table;
    for key in parents {
        table = table.get(*key)?.as_table()?;
    }
    table.get(*last)
}

/// `[lib] proc-macro = true` (or `proc_macro`, or a `proc-macro` crate type).
fn proc_macro(manifest: &Table) -> bool {
    let Some(lib) = manifest.get("lib").and_then(Value::as_table) else {
        return false;
    };
    let flag = ["proc-macro", "proc_macro"]
        .iter()
        .any(|key| lib.get(*key) == Some(&Value::Boolean(true)));
    let crate_type = ["crate-type", "crate_type"].iter().any(|key| {
        lib.get(*key)
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("proc-macro")))
    });
    flag || crate_type
}

/// Every path of the manifest (any `path` key: of `[lib]`, a target, a
/// dependency, a patch; `[package] build` and `workspace`) that is absolute
/// or climbs out of the crate's folder.
fn outside_paths(manifest: &Table) -> BTreeSet<String> {
    let mut paths = Vec::new();
    path_keys(manifest, 0, &mut paths);
    if let Some(package) = manifest.get("package").and_then(Value::as_table) {
        for key in ["build", "workspace"] {
            match package.get(key) {
                Some(Value::String(path)) => paths.push(path.clone()),
                Some(Value::Array(items)) => {
                    paths.extend(items.iter().filter_map(Value::as_str).map(String::from));
                }
                _ => {}
            }
        }
    }
    paths.into_iter().filter(|p| leaves(p)).collect()
}

fn path_keys(table: &Table, depth: usize, out: &mut Vec<String>) {
    for (key, value) in table {
        // Free-form tables for other tools: cargo reads no path there.
        if depth == 1 && key == "metadata" {
            continue;
        }
        match value {
            Value::String(path) if key == "path" => out.push(path.clone()),
            Value::Table(inner) => path_keys(inner, depth + 1, out),
            Value::Array(items) => {
                for inner in items.iter().filter_map(Value::as_table) {
                    path_keys(inner, depth + 1, out);
                }
            }
            _ => {}
        }
    }
}

/// Whether `path`, relative to a crate's folder, is absolute or leaves that
/// folder once `.` and `..` are resolved by the text alone (either slash is
/// a separator, as on Windows).
pub fn leaves(path: &str) -> bool {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with(['/', '\\']) || drive || std::path::Path::new(path).is_absolute() {
        return true;
    }
    let mut depth = 0usize;
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(up) => depth = up,
                None => return true,
            },
            _ => depth += 1,
        }
    }
    false
}

/// Every dependency, by (table, name): `dependencies`, `dev-dependencies`,
/// `build-dependencies`, and the same under each `[target.…]`.
fn dependencies(manifest: &Table) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    let mut add = |prefix: &str, table: &Table| {
        for section in DEPENDENCIES {
            if let Some(deps) = table.get(section).and_then(Value::as_table) {
                for (name, spec) in deps {
                    out.insert((format!("{prefix}{section}"), name.clone()), spec.clone());
                }
            }
        }
    };
    add("", manifest);
    if let Some(targets) = manifest.get("target").and_then(Value::as_table) {
        for (cfg, table) in targets {
            if let Some(table) = table.as_table() {
                add(&format!("target.{cfg}."), table);
            }
        }
    }
    out
}

/// The packages of a Cargo.lock (name, version, source), or `None` when it
/// is not one.
pub fn lock_packages(bytes: &[u8]) -> Option<BTreeSet<(String, String, String)>> {
    let lock = parse(bytes)?;
    let mut out = BTreeSet::new();
    let Some(packages) = lock.get("package") else {
        return Some(out);
    };
    for package in packages.as_array()? {
        let field = |key: &str| package.get(key).and_then(Value::as_str).map(String::from);
        out.insert((
            field("name")?,
            field("version")?,
            field("source").unwrap_or_default(),
        ));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_by_text_alone() {
        for path in ["src/main.rs", "./a/../b.rs", "a/b/../../c", "src\\x.rs", ""] {
            assert!(!leaves(path), "{path}");
        }
        for path in [
            "..",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "\\x",
            "C:x",
            "a\\..\\..\\x",
            "./..",
        ] {
            assert!(leaves(path), "{path}");
        }
    }

    #[test]
    fn lock_packages_by_name_version_source() {
        let lock = b"version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+x\"\n";
        let packages = lock_packages(lock).unwrap();
        assert_eq!(packages.len(), 2);
        assert!(packages.contains(&("b".into(), "2.0.0".into(), "registry+x".into())));
        assert_eq!(lock_packages(b"[[package]]\nversion = \"1\"\n"), None);
        assert_eq!(lock_packages(b"not toml ="), None);
    }
}
