//! The VS Code extension under `editors/vscode/` without running npm:
//! its JSON files parse, the files they name exist, the TextMate
//! grammar's keywords are exactly the grammar's (`grammar/gdl.pest`: every
//! `kw_*` rule and the reserved words of `keyword`), and the commands the
//! server's lenses and code actions name are the ones the extension
//! registers.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn extension() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode")
}

fn json(relative: &str) -> Value {
    let path = extension().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not JSON: {e}"))
}

/// The keywords of `grammar/gdl.pest`: the literal of each `kw_*` rule,
/// and the words of the `keyword` rule (the reserved words).
fn pest_keywords() -> BTreeSet<String> {
    let grammar =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/gdl.pest"))
            .expect("grammar/gdl.pest");
    let quoted = |text: &str| -> Vec<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let mut words = BTreeSet::new();
    let mut in_keyword = false;
    for line in grammar.lines() {
        if line.starts_with("kw_") {
            words.extend(quoted(line).into_iter().take(1));
        }
        if line.starts_with("keyword ") {
            in_keyword = true;
        }
        if in_keyword {
            words.extend(quoted(line));
            in_keyword = !line.contains('}');
        }
    }
    words
}

/// The words of the TextMate grammar's `keywords` patterns: each is
/// `\b(?:a|b|…)\b`.
fn textmate_keywords(grammar: &Value) -> BTreeSet<String> {
    let patterns = grammar["repository"]["keywords"]["patterns"]
        .as_array()
        .expect("repository.keywords.patterns");
    let mut words = BTreeSet::new();
    for pattern in patterns {
        let regex = pattern["match"].as_str().expect("a match");
        let inner = regex
            .strip_prefix("\\b(?:")
            .and_then(|r| r.strip_suffix(")\\b"))
            .unwrap_or_else(|| panic!("not of the form \\b(?:…)\\b: {regex}"));
        words.extend(inner.split('|').map(str::to_owned));
    }
    words
}

#[test]
fn the_json_files_parse_and_name_files_that_exist() {
    let package = json("package.json");
    assert_eq!(package["main"], "./extension.js");
    assert!(extension().join("extension.js").is_file());
    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "gdl");
    let configuration = language["configuration"].as_str().expect("configuration");
    json(configuration);
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.gdl");
    let path = grammar["path"].as_str().expect("grammar path");
    assert_eq!(json(path)["scopeName"], "source.gdl");
}

#[test]
fn the_textmate_keywords_are_the_grammars() {
    let grammar = json("syntaxes/gdl.tmLanguage.json");
    let textmate = textmate_keywords(&grammar);
    let pest = pest_keywords();
    assert!(
        pest.len() > 30,
        "too few keywords read from the grammar: {pest:?}"
    );
    let missing: Vec<&String> = pest.difference(&textmate).collect();
    let extra: Vec<&String> = textmate.difference(&pest).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "editors/vscode/syntaxes/gdl.tmLanguage.json against grammar/gdl.pest: missing {missing:?}, not keywords {extra:?}"
    );
}

#[test]
fn the_extension_registers_the_servers_commands() {
    let script = std::fs::read_to_string(extension().join("extension.js")).expect("extension.js");
    let package = json("package.json");
    let declared: Vec<&str> = package["contributes"]["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    for command in [gdl::lsp::RUN_CASES, gdl::lsp::COPY_WITNESS] {
        assert!(
            script.contains(&format!("registerCommand(\"{command}\"")),
            "extension.js does not register `{command}`"
        );
        assert!(
            declared.contains(&command),
            "package.json does not declare `{command}`"
        );
    }
}
