//! Golden tests: every diagnostic code has an input under
//! `tests/diagnostics/<lint-name>.gdl`, and each further way of producing
//! it (another trigger, another wording) has its own
//! `<lint-name>.<case>.gdl` (or a generated input below). Each snapshot
//! holds the input's source and then its rendered diagnostics
//! (`assert_diagnostics!`, in `tests/support/golden.rs`). Regenerate with
//! `INSTA_UPDATE=always cargo test --test diagnostics` (or
//! `cargo insta review`) and review the diff.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

use gdl::diagnostics::Code;

mod support;

#[test]
fn golden_diagnostics() {
    insta::glob!("diagnostics/*.gdl", |path| {
        let bytes = std::fs::read(path).unwrap_or_default();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("input.gdl");
        let codes = assert_diagnostics!(name, &bytes);
        // `<lint-name>.<case>.gdl` holds a further case of the same lint.
        let stem = name.trim_end_matches(".gdl");
        let stem = stem.split_once('.').map_or(stem, |(lint, _)| lint);
        let expected = Code::from_name(stem);
        assert!(
            expected.is_some_and(|code| codes.contains(&code)),
            "{name} should produce diagnostic `{stem}`, got {codes:?}"
        );
    });
}

/// A byte-order mark before the header (as some editors on Windows write)
/// is skipped: lines and columns are those an editor shows.
#[test]
fn a_byte_order_mark_is_skipped() {
    let codes = assert_diagnostics!(
        "\u{feff}guideline demo \"Demo\" { version \"1.0\" }\nfact weak: bool \"Weak\"\n"
    );
    assert!(codes.contains(&Code::UnusedFact), "{codes:?}");
}

/// Inputs too large or too regular to keep as files, with what each is.
fn generated_inputs() -> Vec<(Code, &'static str, Vec<u8>)> {
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
        (
            Code::FileTooLarge,
            "a guideline header, then comment lines up to one byte over MAX_FILE_BYTES",
            too_large,
        ),
        (
            Code::EnumTooLarge,
            "enum Big { v0, v1, ... } with MAX_SET_VALUES + 1 values, and fact picks: set of Big",
            big_enum.into_bytes(),
        ),
    ]
}

#[test]
fn golden_generated_inputs() {
    for (code, what, bytes) in generated_inputs() {
        let (rendered, codes) = support::golden::rendered_diagnostics("generated.gdl", &bytes);
        assert!(codes.contains(&code), "{code:?} not produced: {codes:?}");
        // Keep snapshots readable: the input is described, not shown, and
        // the enum line is thousands of characters.
        let rendered: String = rendered
            .lines()
            .map(|line| line.chars().take(120).collect::<String>() + "\n")
            .collect();
        let snapshot = format!(
            "----- SOURCE CODE: generated.gdl (generated: {what})\n----- DIAGNOSTICS\n{rendered}"
        );
        insta::with_settings!({
            description => support::golden::REGENERATE_DIAGNOSTICS,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(code.name(), snapshot);
        });
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
        || generated_inputs().iter().any(|(c, _, _)| *c == code)
        || code == Code::Io
        // Only a budget far below the default makes a table small enough
        // for a golden file run out: `tests/analysis_tables.rs` renders it.
        || code == Code::NotAnalysed
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

/// Codes with more than one trigger (another check, another place that
/// emits it, another wording), and how many: each trigger has its own
/// golden, `<lint-name>.gdl` and `<lint-name>.<case>.gdl` under
/// `tests/diagnostics/` (or `.json` under `tests/facts/`). Raise the count
/// with the case when a code gains a trigger.
const SEVERAL_TRIGGERS: &[(Code, usize)] = &[
    // expected token, arithmetic, chained `implies`, not a name, unit
    // without a space, reserved word
    (Code::SyntaxError, 6),
    // a byte that is not UTF-8, a NUL byte
    (Code::NotText, 2),
    // parentheses, `not`
    (Code::NestingTooDeep, 2),
    // a name in a condition, a type, an action
    (Code::UnknownName, 3),
    // a name declared twice, the built-in `Action` redeclared
    (Code::DuplicateDefinition, 2),
    // no header, two headers
    (Code::MissingHeader, 2),
    // set compared with `=`, two facts compared, not a yes/no value, a
    // definition compared, `in` over a non-set, a list over a non-enum, a
    // range of a fact that is no number
    (Code::TypeMismatch, 7),
    // another dimension, no unit (two wordings), a plain number with a
    // unit, a duration not in time, a range without its unit, a range of
    // a plain number with a unit
    (Code::UnitMismatch, 7),
    // ends the wrong way round, a half-open range of one value
    (Code::EmptyRange, 2),
    // a rule, a contraindication
    (Code::MissingCitation, 2),
    // contraindicated, avoided
    (Code::AlwaysWithheld, 2),
    // a number without its unit, no `unit`, an unknown unit, another
    // dimension
    (Code::FactUnitMismatch, 4),
];

#[test]
fn codes_with_several_triggers_have_a_golden_per_trigger() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let names: Vec<String> = ["diagnostics", "facts"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).into_iter().flatten())
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    for &(code, triggers) in SEVERAL_TRIGGERS {
        let cases = names
            .iter()
            .filter(|name| name.split('.').next() == Some(code.name()))
            .count();
        assert!(
            cases >= triggers,
            "{} ({}) has {triggers} triggers but {cases} goldens",
            code.id(),
            code.name()
        );
    }
}
