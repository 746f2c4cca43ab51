//! `gdl check --format sarif` output validates against the official SARIF
//! 2.1.0 JSON schema (kept in `tests/sarif/`, see its README).

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

fn sarif_for(files: &[&str]) -> serde_json::Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gdl"))
        .arg("check")
        .arg("--format")
        .arg("sarif")
        .args(files)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run gdl: {e}"));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON: {e}"))
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-2.1.0-rtm.5.json"),
    )
    .unwrap_or_else(|e| panic!("schema missing: {e}"));
    // The published schema's `language` pattern has a stray `]` that
    // JavaScript engines read as a literal and Rust's regex rejects; escape it
    // (gdl does not emit `language`, so the pattern never applies).
    let schema_text = schema_text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
    );
    let schema: serde_json::Value =
        serde_json::from_str(&schema_text).unwrap_or_else(|e| panic!("{e}"));
    let validator = jsonschema::draft4::new(&schema).unwrap_or_else(|e| panic!("bad schema: {e}"));
    let mut inputs: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| format!("tests/diagnostics/{}", e.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
    inputs.sort();
    inputs.push("guidelines/dermatomyositis.gdl".to_owned());
    inputs.push("guidelines/cap-curb65.gdl".to_owned());
    inputs.push("guidelines/af-anticoagulation.gdl".to_owned());
    let files: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let log = sarif_for(&files);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
    assert!(
        log["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| r.len() > 30)
    );
    // The validator is not vacuous: a broken log fails.
    let mut broken = log.clone();
    broken["version"] = serde_json::json!("2.0");
    assert!(!validator.is_valid(&broken));
}
