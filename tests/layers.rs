//! The layers run one way (README, "Development"): each top-level module
//! of the library may use only the modules its layer is allowed to. This
//! reads every `crate::…` path in the library's non-test source and fails
//! on an edge that is not allowed, so the shape stays as it is drawn.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Leaf modules: plain types, rules and small helpers. They use only each
/// other.
const LEAVES: &[&str] = &[
    "clock",
    "config",
    "domain",
    "error",
    "keys",
    "logging",
    "paths",
    "safe_text",
    "secrets",
    "Error",
    "Result",
];

/// What each layer may use besides the leaves.
fn allowed(layer: &str) -> Option<&'static [&'static str]> {
    Some(match layer {
        l if LEAVES.contains(&l) => &[],
        "store" => &[],
        // Reading and checking spreadsheets to import: beside the leaves.
        "import" => &[],
        "vault" => &["store"],
        "backup" => &["store", "vault"],
        "office" => &["store", "vault", "backup", "import"],
        "demo" => &["store", "vault", "office"],
        "ui" => &["office"],
        "cli" => &["office", "demo", "ui", "import"],
        _ => return None,
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules a source text names through `crate::`, outside comments
/// and outside its `#[cfg(test)]` part, or the whole file after an inner
/// `#![cfg(test)]` (tests may reach below to set up fixtures).
fn used_modules(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .take_while(|l| !matches!(l.trim(), "#[cfg(test)]" | "#![cfg(test)]"))
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // `use crate::{a, b::c, …}`
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "self" {
                    found.insert(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
        rest = after;
    }
    found
}

#[test]
fn no_layer_uses_a_higher_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default();
        let layer = first.strip_suffix(".rs").unwrap_or(first);
        if matches!(layer, "lib" | "main") {
            continue;
        }
        let Some(extra) = allowed(layer) else {
            problems.push(format!(
                "{}: module '{layer}' has no layer; add it to tests/layers.rs",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read");
        for used in used_modules(&text) {
            if used == layer || LEAVES.contains(&used.as_str()) || extra.contains(&used.as_str()) {
                continue;
            }
            problems.push(format!("{}: {layer} uses crate::{used}", rel.display()));
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} files checked");
    assert!(
        problems.is_empty(),
        "edges the layers do not allow:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_finds_grouped_and_plain_paths() {
    let text = "use crate::{Error, store::meta, self};\nfn f() { crate::vault::login(); }\n// crate::ui in a comment\n#[cfg(test)]\nmod tests { use crate::cli; }\n";
    let found: Vec<String> = used_modules(text).into_iter().collect();
    assert_eq!(found, ["Error", "store", "vault"]);
}
