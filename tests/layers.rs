//! The layers run one way (README, "Development"): each top-level module
//! of the library may use only the modules its layer is allowed to. This
//! parses every source file whole (with `syn`: a Rust parser, not line
//! matching), reads every `crate::…` path outside test-only items (skipped
//! by their extent wherever they sit, and the files of `#[cfg(test)] mod
//! x;`), and fails on an edge that is not allowed, so the shape stays as
//! it is drawn.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Leaf modules: plain types, rules and small helpers. They use only each
/// other.
const LEAVES: &[&str] = &[
    "clock",
    "config",
    "csv_out",
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

/// `#[cfg(test)]`, or a `cfg` that needs `test` in every case
/// (`#[cfg(all(test, unix))]`).
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| needs_test(&m))
    })
}

fn needs_test(meta: &syn::Meta) -> bool {
    match meta {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(l) if l.path.is_ident("all") => l
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|all| all.iter().any(needs_test)),
        _ => false,
    }
}

/// Walks a parsed file, skipping every test-only item by its extent (a
/// `#[cfg(test)] mod tests { … }` anywhere in the file, not only at its
/// end), and collects the first segment after each `crate::`.
#[derive(Default)]
struct Uses {
    found: BTreeSet<String>,
    /// `#[cfg(test)] mod name;`: files that hold only test code.
    test_modules: Vec<String>,
}

impl Uses {
    fn tokens(&mut self, tokens: &proc_macro2::TokenStream) {
        // Macro bodies (`format!`, `matches!`, …) are tokens, not paths.
        let mut last_was_crate = false;
        let mut colons = 0;
        for t in tokens.clone() {
            match t {
                proc_macro2::TokenTree::Group(g) => {
                    if last_was_crate && colons == 2 {
                        self.group(&g.stream());
                    }
                    self.tokens(&g.stream());
                    last_was_crate = false;
                }
                proc_macro2::TokenTree::Ident(i) => {
                    if last_was_crate && colons == 2 {
                        self.found.insert(i.to_string());
                    }
                    last_was_crate = i == "crate";
                    colons = 0;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' && last_was_crate => {
                    colons += 1;
                }
                _ => {
                    last_was_crate = false;
                    colons = 0;
                }
            }
        }
    }

    /// `crate::{a, b::c}` inside a macro: the first name of each part.
    fn group(&mut self, tokens: &proc_macro2::TokenStream) {
        let mut first = true;
        for t in tokens.clone() {
            match t {
                proc_macro2::TokenTree::Ident(i) if first => {
                    if i != "self" {
                        self.found.insert(i.to_string());
                    }
                    first = false;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => first = true,
                _ => first = false,
            }
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, at_crate: bool) {
        match tree {
            syn::UseTree::Path(p) if !at_crate && p.ident == "crate" => {
                self.use_tree(&p.tree, true);
            }
            syn::UseTree::Path(_) if !at_crate => {}
            syn::UseTree::Path(p) => {
                self.found.insert(p.ident.to_string());
            }
            syn::UseTree::Name(n) if at_crate && n.ident != "self" => {
                self.found.insert(n.ident.to_string());
            }
            syn::UseTree::Rename(r) if at_crate => {
                self.found.insert(r.ident.to_string());
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, at_crate);
                }
            }
            _ => {}
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for Uses {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            _ => &[],
        };
        if is_test_only(attrs) {
            if let syn::Item::Mod(m) = item
                && m.content.is_none()
            {
                self.test_modules.push(m.ident.to_string());
            }
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&u.tree, false);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let mut segments = path.segments.iter();
        if let (Some(first), Some(second)) = (segments.next(), segments.next())
            && first.ident == "crate"
        {
            self.found.insert(second.ident.to_string());
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(&mac.tokens);
        syn::visit::visit_macro(self, mac);
    }
}

/// The modules a whole source file names through `crate::`, outside its
/// test-only items (skipped by their extent), or nothing for a file that
/// is test code throughout (an inner `#![cfg(test)]`): tests may reach
/// below to set up fixtures. Comments are not code, so never counted.
fn read_uses(text: &str) -> Uses {
    let file = syn::parse_file(text).expect("the source parses");
    let mut uses = Uses::default();
    if !is_test_only(&file.attrs) {
        syn::visit::Visit::visit_file(&mut uses, &file);
    }
    uses
}

fn used_modules(text: &str) -> BTreeSet<String> {
    read_uses(text).found
}

/// Where `mod name;` declared in `file` lives: `dir/name.rs` or
/// `dir/name/mod.rs`, where `dir` is the file's own folder for a `mod.rs`
/// (or `lib.rs`/`main.rs`), else the folder named after the file.
fn module_paths(file: &Path, name: &str) -> [PathBuf; 2] {
    let parent = file.parent().expect("in a folder");
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let dir = if matches!(stem, "mod" | "lib" | "main") {
        parent.to_path_buf()
    } else {
        parent.join(stem)
    };
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
}

#[test]
fn no_layer_uses_a_higher_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let read: Vec<(PathBuf, Uses)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("read");
            (f.clone(), read_uses(&text))
        })
        .collect();
    // Files (and folders) that a parent declares `#[cfg(test)] mod x;`.
    let mut test_only: Vec<PathBuf> = Vec::new();
    for (file, uses) in &read {
        for name in &uses.test_modules {
            let [flat, nested] = module_paths(file, name);
            test_only.push(flat.clone());
            test_only.push(nested.parent().expect("folder").to_path_buf());
        }
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for (file, uses) in &read {
        if test_only.iter().any(|t| file.starts_with(t)) {
            continue;
        }
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
        for used in &uses.found {
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

#[test]
fn code_after_a_test_item_mid_file_is_still_read() {
    // The old reader stopped at the first `#[cfg(test)]` line.
    let text = "#[cfg(test)]\nmod testing;\n#[cfg(all(test, unix))]\nfn t() { crate::cli::run(); }\n\
                pub fn f() { let _ = crate::ui::draw(); }\n\
                impl A { #[cfg(test)] fn g() { crate::demo::x(); } fn h() { crate::office::y(); } }\n\
                fn m() { let _ = format!(\"{}\", crate::backup::NAME); tracing::info!(x = ?crate::vault::K); }\n";
    let uses = read_uses(text);
    let found: Vec<&str> = uses.found.iter().map(String::as_str).collect();
    assert_eq!(found, ["backup", "office", "ui", "vault"]);
    assert_eq!(uses.test_modules, ["testing"]);
}

#[test]
fn a_whole_test_file_is_skipped() {
    assert!(used_modules("#![cfg(test)]\nuse crate::cli;\n").is_empty());
}

#[test]
fn test_module_files_are_found_beside_their_parent() {
    let [flat, nested] = module_paths(Path::new("src/ui/widgets/form/mod.rs"), "testing");
    assert_eq!(flat, Path::new("src/ui/widgets/form/testing.rs"));
    assert_eq!(nested, Path::new("src/ui/widgets/form/testing/mod.rs"));
    let [flat, _] = module_paths(Path::new("src/office/reports.rs"), "tests");
    assert_eq!(flat, Path::new("src/office/reports/tests.rs"));
}

#[test]
fn an_edge_hidden_after_a_mid_file_test_module_is_found() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layers/hidden_edge.rs");
    let text = std::fs::read_to_string(fixture).expect("fixture");
    let found: Vec<String> = used_modules(&text).into_iter().collect();
    // `store` is not allowed to a face; `demo` sits in a test module.
    assert_eq!(found, ["office", "store"]);
    let ui = allowed("ui").expect("ui is a layer");
    assert!(!ui.contains(&"store"));
}
