//! Golden tests: every diagnostic code has an input under
//! `tests/diagnostics/<lint-name>.gdl` (further cases of one lint in
//! `<lint-name>.<case>.gdl`, or a generated input below) whose
//! rendered output is an insta snapshot. Regenerate with
//! `INSTA_UPDATE=always cargo test --test diagnostics` and review the diff.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

use gdl::diagnostics::Code;
use gdl::diagnostics::render::{self, HumanStyle, SourceFile};

/// Renders every diagnostic for `bytes` both ways, as the CLI would.
fn render_all(name: &str, bytes: &[u8]) -> (String, Vec<Code>) {
    let (text, compiled) = gdl::check_bytes(bytes);
    let source = SourceFile::new(name, text);
    let mut out = String::new();
    for diagnostic in &compiled.diagnostics {
        out.push_str(&render::human(diagnostic, &source, HumanStyle::PLAIN));
        out.push('\n');
    }
    out.push_str("----- SHORT\n");
    for diagnostic in &compiled.diagnostics {
        out.push_str(&render::short(diagnostic, &source));
        out.push('\n');
    }
    // The edits help texts propose, as data (tests/fixes.rs applies them).
    let fixes: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .collect();
    if !fixes.is_empty() {
        out.push_str("----- FIXES\n");
        for fix in fixes {
            let (line, column) = source.line_col(fix.span.start_usize());
            let old = source
                .text
                .get(fix.span.start_usize()..fix.span.end as usize);
            out.push_str(&format!(
                "{line}:{column}: replace {:?} with {:?}\n",
                old.unwrap_or(""),
                fix.replacement
            ));
        }
    }
    let codes = compiled.diagnostics.iter().map(|d| d.code).collect();
    (out, codes)
}

#[test]
fn golden_diagnostics() {
    insta::glob!("diagnostics/*.gdl", |path| {
        let bytes = std::fs::read(path).unwrap_or_default();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("input.gdl");
        let (rendered, codes) = render_all(name, &bytes);
        // `<lint-name>.<case>.gdl` holds a further case of the same lint.
        let stem = name.trim_end_matches(".gdl");
        let stem = stem.split_once('.').map_or(stem, |(lint, _)| lint);
        let expected = Code::from_name(stem);
        assert!(
            expected.is_some_and(|code| codes.contains(&code)),
            "{name} should produce diagnostic `{stem}`, got {codes:?}"
        );
        insta::assert_snapshot!(rendered);
    });
}

/// Inputs too large or too regular to keep as files.
fn generated_inputs() -> Vec<(Code, Vec<u8>)> {
    let header = "guideline demo \"Demo\" { version \"1.0\" }\n";
    let mut too_large = header.as_bytes().to_vec();
    while too_large.len() <= gdl::syntax::limits::MAX_FILE_BYTES {
        too_large.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
    }
    let values: Vec<String> = (0..=gdl::sema::MAX_SET_VALUES)
        .map(|i| format!("v{i}"))
        .collect();
    let big_enum = format!(
        "{header}enum Big {{ {} }}\nfact picks: set of Big\n",
        values.join(", ")
    );
    vec![
        (Code::FileTooLarge, too_large),
        (Code::EnumTooLarge, big_enum.into_bytes()),
    ]
}

#[test]
fn golden_generated_inputs() {
    for (code, bytes) in generated_inputs() {
        let (rendered, codes) = render_all("generated.gdl", &bytes);
        assert!(codes.contains(&code), "{code:?} not produced: {codes:?}");
        // Keep snapshots readable: the enum line is thousands of characters.
        let rendered: String = rendered
            .lines()
            .map(|line| line.chars().take(120).collect::<String>() + "\n")
            .collect();
        insta::assert_snapshot!(code.name(), rendered);
    }
}

#[test]
fn io_error_is_reported_with_exit_code_2() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gdl"))
        .args(["check", "--color", "never", "does/not/exist.gdl"])
        .output();
    let output = match output {
        Ok(output) => output,
        Err(error) => panic!("cannot run gdl: {error}"),
    };
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(Code::Io.name(), String::from_utf8_lossy(&output.stderr));
}

/// Codes whose goldens live elsewhere: facts errors under `tests/facts/`,
/// case-file errors under `tests/cases/errors/` (run by `tests/testing.rs`).
fn has_golden(code: Code) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    root.join("diagnostics")
        .join(format!("{}.gdl", code.name()))
        .exists()
        || root
            .join("facts")
            .join(format!("{}.json", code.name()))
            .exists()
        || root
            .join("cases/errors")
            .join(format!("{}.cases.json", code.name()))
            .exists()
        || generated_inputs().iter().any(|(c, _)| *c == code)
        || code == Code::Io
}

#[test]
fn every_code_has_a_golden_test_and_documentation() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md"))
            .unwrap_or_default();
    for &code in Code::ALL {
        assert!(
            has_golden(code),
            "no golden test for {} ({})",
            code.id(),
            code.name()
        );
        let heading = format!("## {} {}", code.id(), code.name());
        assert!(
            docs.contains(&heading),
            "docs/diagnostics.md lacks `{heading}`"
        );
    }
}
