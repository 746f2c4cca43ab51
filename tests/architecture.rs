//! The layers of `docs/architecture.md`, checked against the code: every
//! path from one top-level module of `src/` to another (`use crate::…`,
//! grouped `use crate::{a, b}`, `super::` climbing out of a layer, a
//! `crate::…` path written in code, a top-level module named in `lib.rs`)
//! must go down the order the document lists. The order is read from the
//! document, so the two cannot drift; a new top-level module must be given
//! its place there first.
//!
//! Unit tests (`#[cfg(test)] mod … { … }`, or a file declared
//! `#[cfg(test)] mod …;`) may use the whole crate: they drive the pipeline
//! from text. Comments are not read.
//!
//! Plain `std`, no dependencies, paths relative to the package root (where
//! `cargo test` runs tests): the test can be compiled on its own with
//! `rustc --edition 2024 --test tests/architecture.rs` and run in any
//! checkout, to count the edges of an older tree.
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The layer name of the crate root's own items (`compile`, `check`, …).
const ROOT: &str = "lib";

/// The layers, lowest first, from the numbered list under `## Layers`:
/// each item starts ``N. `name` ``.
fn layers(doc: &str) -> Vec<String> {
    let mut in_list = false;
    let mut layers = Vec::new();
    for line in doc.lines() {
        if line.starts_with("## ") {
            in_list = line.trim() == "## Layers";
            continue;
        }
        if !in_list {
            continue;
        }
        let Some((number, rest)) = line.split_once(". `") else {
            continue;
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Some((name, _)) = rest.split_once('`') {
            layers.push(name.to_owned());
        }
    }
    layers
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `eval/interp.rs` → `[eval,
/// interp]`, `eval/mod.rs` → `[eval]`, `lib.rs` → `[]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// Whether a file is a module its parent declares `#[cfg(test)] mod NAME;`
/// (the parent: `mod.rs` beside it, or `NAME.rs`'s directory's own file).
fn is_test_file(file: &Path) -> bool {
    let Some(name) = file.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    let Some(dir) = file.parent() else {
        return false;
    };
    let parents = [
        dir.join("mod.rs"),
        dir.with_extension("rs"),
        dir.join("lib.rs"),
    ];
    let declaration = format!("mod {name};");
    parents
        .iter()
        .filter(|p| p.as_path() != file)
        .any(|parent| {
            let text = fs::read_to_string(parent).unwrap_or_default();
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            lines
                .windows(2)
                .any(|pair| pair[0] == "#[cfg(test)]" && pair[1].ends_with(&declaration))
        })
}

/// The lines of `text` outside comments and unit-test modules, with their
/// line numbers (from 1). A `#[cfg(test)]` module is skipped to the `}` at
/// its own indentation, as rustfmt writes it.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut index = 0;
    while let Some(line) = lines.get(index) {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            let next = lines.get(index + 1).map_or("", |l| l.trim_start());
            let is_module = ["mod ", "pub mod ", "pub(crate) mod "]
                .iter()
                .any(|p| next.starts_with(p));
            if is_module && next.ends_with('{') {
                let indent = &line[..line.len() - trimmed.len()];
                let close = format!("{indent}}}");
                index += 2;
                while lines.get(index).is_some_and(|l| l.trim_end() != close) {
                    index += 1;
                }
                index += 1;
                continue;
            }
        }
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        if !code.trim().is_empty() {
            out.push((index + 1, code.to_owned()));
        }
        index += 1;
    }
    out
}

/// Every path a `use` tree names, with groups expanded:
/// `crate::{a::B, c::{self, D}}` → `crate::a::B`, `crate::c`, `crate::c::D`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree
        .replace(" as ", "@")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some(open) = tree.find('{') else {
        let path = tree.split('@').next().unwrap_or("");
        return vec![path.trim_end_matches("::").to_owned()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    // Split the group's items at commas outside nested braces.
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    let mut out = Vec::new();
    for item in items.into_iter().filter(|i| !i.is_empty()) {
        for path in expand(item) {
            out.push(match path.as_str() {
                "self" => prefix.to_owned(),
                _ if prefix.is_empty() => path,
                _ => format!("{prefix}::{path}"),
            });
        }
    }
    out
}

/// The `use` statements among `lines`, each joined onto one line, with the
/// number of its first line.
fn use_statements(lines: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (number, line) in lines {
        let trimmed = line.trim();
        if let Some((_, text)) = &mut open {
            text.push_str(trimmed);
        } else {
            let after_vis = trimmed
                .strip_prefix("pub(crate) ")
                .or_else(|| trimmed.strip_prefix("pub(super) "))
                .or_else(|| trimmed.strip_prefix("pub "))
                .unwrap_or(trimmed);
            if let Some(rest) = after_vis.strip_prefix("use ") {
                open = Some((*number, rest.to_owned()));
            }
        }
        if open.as_ref().is_some_and(|(_, text)| text.ends_with(';'))
            && let Some((first, text)) = open.take()
        {
            out.push((first, text.trim_end_matches(';').to_owned()));
        }
    }
    out
}

/// The top-level module (or [`ROOT`]) an absolute path, given from the
/// crate root, lands in.
fn layer_of(path: &[&str], modules: &[String]) -> Option<String> {
    let first = path.first()?;
    if modules.iter().any(|m| m == first) {
        Some((*first).to_owned())
    } else if first.is_empty() || *first == "*" {
        None
    } else {
        Some(ROOT.to_owned())
    }
}

/// Resolves a path written in module `here` to the layer it lands in:
/// `crate::…`, `super::…` (climbing), `self::…`, and in the crate root a
/// bare top-level module name. `None` for paths into other crates.
fn target(path: &str, here: &[String], modules: &[String]) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    match segments.first().copied() {
        Some("crate") => layer_of(&segments[1..], modules),
        Some("super") | Some("self") => {
            let mut base: Vec<&str> = here.iter().map(String::as_str).collect();
            let mut rest = &segments[..];
            while let Some((&first, tail)) = rest.split_first() {
                match first {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = tail;
            }
            base.extend_from_slice(rest);
            layer_of(&base, modules)
        }
        Some(first) if here.is_empty() && modules.iter().any(|m| m == first) => {
            Some(first.to_owned())
        }
        _ => None,
    }
}

/// `crate::name` paths written in code outside `use` statements.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        let after = &rest[at..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            out.push(after[..end].trim_end_matches(':').to_owned());
        }
        rest = &after[end.max(1)..];
    }
    out
}

/// One edge between layers: from a file and line to a layer.
struct Edge {
    from: String,
    to: String,
    site: String,
}

fn edges() -> Vec<Edge> {
    let src = Path::new("src");
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(src).ok())
        .filter_map(|r| module_path(r).into_iter().next())
        .collect();
    modules.sort();
    modules.dedup();
    let mut edges = Vec::new();
    for file in &files {
        let Ok(relative) = file.strip_prefix(src) else {
            continue;
        };
        // `main.rs` is the binary, its own crate: it sees the library as `gdl`.
        if relative == Path::new("main.rs") {
            continue;
        }
        // A unit-test module in a file of its own (`#[cfg(test)] mod tests;`)
        // is test code like one written inline.
        if is_test_file(file) {
            continue;
        }
        let here = module_path(relative);
        let from = here.first().cloned().unwrap_or_else(|| ROOT.to_owned());
        let text = fs::read_to_string(file).unwrap_or_default();
        let lines = code_lines(&text);
        let mut found: Vec<(usize, String)> = Vec::new();
        for (number, statement) in use_statements(&lines) {
            for path in expand(&statement) {
                if let Some(to) = target(&path, &here, &modules) {
                    found.push((number, to));
                }
            }
        }
        for (number, line) in &lines {
            // In the crate root a top-level module is named bare in code:
            // `analysis::analyze(model)`.
            if here.is_empty() {
                for module in &modules {
                    let bare = format!("{module}::");
                    let named = line.match_indices(&bare).any(|(at, _)| {
                        !line[..at]
                            .chars()
                            .last()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                    });
                    if named {
                        found.push((*number, module.clone()));
                    }
                }
            }
            for path in crate_paths(line) {
                if let Some(to) = target(&path, &here, &modules) {
                    found.push((*number, to));
                }
            }
        }
        found.sort();
        found.dedup();
        for (number, to) in found {
            if to != from {
                edges.push(Edge {
                    from: from.clone(),
                    to,
                    site: format!("src/{}:{number}", relative.display()),
                });
            }
        }
    }
    edges
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let doc = fs::read_to_string("docs/architecture.md").expect("docs/architecture.md");
    let order = layers(&doc);
    assert!(
        order.len() > 5,
        "no `## Layers` list read from docs/architecture.md: {order:?}"
    );
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    let mut unlisted = Vec::new();
    for edge in edges() {
        match (rank.get(edge.from.as_str()), rank.get(edge.to.as_str())) {
            (Some(from), Some(to)) if to < from => {}
            (Some(_), Some(_)) => problems.push(format!(
                "{}: `{}` uses `{}`, a layer above it",
                edge.site, edge.from, edge.to
            )),
            (from, to) => {
                for (layer, rank) in [(&edge.from, from), (&edge.to, to)] {
                    if rank.is_none() && !unlisted.contains(layer) {
                        unlisted.push(layer.clone());
                    }
                }
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "top-level modules missing from the `## Layers` list of docs/architecture.md: {unlisted:?}"
    );
    assert!(
        problems.is_empty(),
        "{} edges against the order of docs/architecture.md ({}):\n{}",
        problems.len(),
        order.join(" → "),
        problems.join("\n")
    );
}

#[test]
fn use_trees_expand_to_every_path() {
    assert_eq!(
        expand("crate::{a::B, c::{self, D}, e as F}"),
        ["crate::a::B", "crate::c", "crate::c::D", "crate::e"]
    );
    let here = [
        "analysis".to_owned(),
        "encode".to_owned(),
        "kleene".to_owned(),
    ];
    let modules = [
        "analysis".to_owned(),
        "report".to_owned(),
        "eval".to_owned(),
    ];
    assert_eq!(
        target("super::super::Finding", &here, &modules).as_deref(),
        Some("analysis")
    );
    assert_eq!(
        target("super::super::super::report::x", &here, &modules).as_deref(),
        Some("report")
    );
    assert_eq!(
        target("crate::compile", &here, &modules).as_deref(),
        Some(ROOT)
    );
    assert_eq!(target("serde::de", &here, &modules), None);
    assert_eq!(target("eval::Tri", &[], &modules).as_deref(), Some("eval"));
    assert_eq!(
        crate_paths("let m = crate::test_model(x); pub(crate) fn"),
        ["crate::test_model"]
    );
}
