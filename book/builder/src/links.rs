//! The link check of a built site: every local `href` and `src` (pages,
//! anchors, images, scripts, style sheets) points at a file that exists, and
//! every `#anchor` at an id in the page it names.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use crate::html;

/// A link that points at nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The page, relative to the site root (`ko/socket.html`).
    pub page: String,
    /// 1-based line in that page.
    pub line: usize,
    /// The tag the link sits on (`a`, `img`, ...).
    pub tag: String,
    /// The link as written.
    pub target: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: <{}> {:?}: {}",
            self.page, self.line, self.tag, self.target, self.reason
        )
    }
}

/// Checks every page under `site`; returns the broken links (none is good).
pub fn check_site(site: &Path) -> Result<Vec<BrokenLink>> {
    let site = &site
        .canonicalize()
        .with_context(|| format!("no site at {}", site.display()))?;
    let mut ids = IdCache::default();
    let mut broken = Vec::new();
    for page in html::pages(site)? {
        let rel = page
            .strip_prefix(site)
            .unwrap_or(&page)
            .to_string_lossy()
            .replace('\\', "/");
        let source = fs::read_to_string(&page).with_context(|| format!("reading {rel}"))?;
        if source.contains("<base ") {
            continue; // 404.html: its links resolve against the server's root, not the file
        }
        for link in html::links(&source) {
            if let Some(reason) = check_link(site, &page, &link.target, &mut ids) {
                broken.push(BrokenLink {
                    page: rel.clone(),
                    line: link.line,
                    tag: link.tag,
                    target: link.target,
                    reason,
                });
            }
        }
    }
    // A figure is often written twice (a thumbnail and its zoomed copy): say it once.
    broken.dedup_by(|b, a| a.page == b.page && a.target == b.target && a.reason == b.reason);
    Ok(broken)
}

/// Why `target`, found in `page`, is broken; `None` when it is fine or not local.
fn check_link(site: &Path, page: &Path, target: &str, ids: &mut IdCache) -> Option<String> {
    if is_external(target) {
        return None;
    }
    let (path_part, fragment) = match target.split_once('#') {
        Some((p, f)) => (p, Some(html::percent_decode(f))),
        None => (target, None),
    };
    let path_part = path_part.split('?').next().unwrap_or("");
    let file = if path_part.is_empty() {
        page.to_path_buf()
    } else {
        let decoded = html::percent_decode(path_part);
        let joined = if let Some(abs) = decoded.strip_prefix('/') {
            site.join(abs)
        } else {
            page.parent().unwrap_or(site).join(decoded)
        };
        let Some(normal) = normalize(&joined) else {
            return Some("climbs above the file system's root".into());
        };
        if !normal.starts_with(site) {
            return Some("points outside the site".into());
        }
        let normal = if normal.is_dir() {
            normal.join("index.html")
        } else {
            normal
        };
        if !normal.is_file() {
            return Some(format!(
                "no such file: {}",
                normal.strip_prefix(site).unwrap_or(&normal).display()
            ));
        }
        normal
    };
    let fragment = fragment.filter(|f| !f.is_empty())?;
    if file.extension().is_none_or(|e| e != "html") {
        return None;
    }
    if ids.of(&file).contains(&fragment) {
        None
    } else {
        Some(format!(
            "no id {fragment:?} in {}",
            file.strip_prefix(site).unwrap_or(&file).display()
        ))
    }
}

/// `https://…`, `mailto:…`, `//host/…`, `javascript:…`, `data:…`: not checked.
fn is_external(target: &str) -> bool {
    if target.starts_with("//") {
        return true;
    }
    match target.find(':') {
        Some(colon) => {
            let scheme = &target[..colon];
            !scheme.is_empty()
                && !scheme.contains(['/', '?', '#'])
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

#[derive(Default)]
struct IdCache(HashMap<PathBuf, Vec<String>>);

impl IdCache {
    fn of(&mut self, page: &Path) -> &[String] {
        self.0.entry(page.to_path_buf()).or_insert_with(|| {
            fs::read_to_string(page)
                .map(|s| html::ids(&s))
                .unwrap_or_default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_external_links_from_local_ones() {
        for external in [
            "https://www.rfc-editor.org/rfc/rfc9293",
            "mailto:a@b.c",
            "//cdn/x.js",
            "data:x",
        ] {
            assert!(is_external(external), "{external}");
        }
        for local in [
            "socket.html",
            "../ko/socket.html#소켓",
            "#top",
            "images/a:b.svg",
            "a/b:c",
        ] {
            assert!(!is_external(local), "{local}");
        }
    }
}
