//! Examples in the documentation are tested: every ```gdl block in `docs/`
//! and the README checks with no diagnostics at all, and every
//! ```gdl expect=<lint-name> block produces that diagnostic.

use std::path::Path;

use gdl::diagnostics::Code;

struct Block {
    file: String,
    line: usize,
    info: String,
    text: String,
}

fn blocks() -> Vec<Block> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("docs"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.push(root.join("README.md"));
    files.sort();
    let mut out = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut current: Option<Block> = None;
        for (index, line) in text.lines().enumerate() {
            match (&mut current, line.trim_start().strip_prefix("```")) {
                (None, Some(info)) if info.starts_with("gdl") => {
                    current = Some(Block {
                        file: path.display().to_string(),
                        line: index + 1,
                        info: info.trim().to_owned(),
                        text: String::new(),
                    });
                }
                (Some(_), Some(_)) => {
                    if let Some(block) = current.take() {
                        out.push(block);
                    }
                }
                (Some(block), None) => {
                    block.text.push_str(line);
                    block.text.push('\n');
                }
                (None, _) => {}
            }
        }
    }
    out
}

#[test]
fn documentation_examples_behave_as_documented() {
    let blocks = blocks();
    assert!(
        blocks.len() >= 10,
        "expected gdl examples in docs/, found {}",
        blocks.len()
    );
    let mut failures = Vec::new();
    for block in &blocks {
        let compiled = gdl::check(&block.text);
        let codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
        let place = format!("{}:{}", block.file, block.line);
        if block.info == "gdl" {
            if !codes.is_empty() {
                failures.push(format!("{place}: expected a clean check, got {codes:?}"));
            }
        } else if let Some(name) = block.info.strip_prefix("gdl expect=") {
            match Code::from_name(name.trim()) {
                Some(code) if codes.contains(&code) => {}
                Some(code) => failures.push(format!("{place}: expected {code:?}, got {codes:?}")),
                None => failures.push(format!("{place}: unknown lint `{name}`")),
            }
        } else if block.info != "gdl fragment" {
            failures.push(format!("{place}: unknown info string `{}`", block.info));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
