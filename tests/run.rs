//! Golden tests of `gdl run`: facts errors (one per E05xx code and trigger,
//! inputs under `tests/facts/<lint-name>.json`); reports per feature, one
//! directory each under `tests/eval/<feature>/` with its own small
//! `guideline.gdl` and its patients (`*.json`), each snapshot holding the
//! guideline, the facts and then the text, explanation and JSON report;
//! and the reports of the shipped examples (`guidelines/examples/`).
//! Regenerate with `INSTA_UPDATE=always cargo test --test run` (or
//! `cargo insta review`) and review the diff.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

use gdl::diagnostics::Code;
use gdl::diagnostics::render::{self, HumanStyle, SourceFile};
use gdl::eval::{Program, Scratch, evaluate, evaluate_in};
use gdl::facts::Reader;
use gdl::report;

#[path = "../benches/common/mod.rs"]
mod common;
mod support;

fn model(path: &str) -> gdl::sema::Model {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_default();
    let compiled = gdl::compile(&text);
    assert!(
        compiled.diagnostics.is_empty(),
        "{path} should check clean: {:#?}",
        compiled.diagnostics
    );
    compiled.model.unwrap_or_default()
}

#[test]
fn golden_facts_errors() {
    let model = model("tests/guidelines/demo.gdl");
    let program = Program::new(&model);
    // `<lint-name>.json`, or `<lint-name>.<case>.json` for more cases of one.
    insta::glob!("facts/*.json", |path| {
        let bytes = std::fs::read(path).unwrap_or_default();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("facts.json");
        let stem = name.split('.').next().unwrap_or(name);
        insta::assert_snapshot!(facts_error(&program, name, stem, &bytes));
    });
}

/// The rendered error for the facts file `name` whose code is named `code`.
fn facts_error(program: &Program<'_>, name: &str, code: &str, bytes: &[u8]) -> String {
    let (text, parsed) = Reader::new(program).parse_patient_bytes(bytes);
    let diagnostic = match parsed {
        Ok(patient) => panic!("{name} should be rejected, got {patient:?}"),
        Err(diagnostic) => diagnostic,
    };
    assert_eq!(Some(diagnostic.code), Code::from_name(code), "{name}");
    let source = SourceFile::new(name, text);
    format!(
        "{}----- SHORT\n{}\n",
        render::human(&diagnostic, &source, HumanStyle::PLAIN),
        render::short(&diagnostic, &source)
    )
}

/// Facts files that are not UTF-8: generated, so every file under
/// `tests/facts/` stays text.
#[test]
fn golden_facts_that_are_not_utf8() {
    let model = model("tests/guidelines/demo.gdl");
    let program = Program::new(&model);
    // `"@id": "Zoé"` saved as Latin-1, after a byte-order mark (which a
    // Latin-1 file would not have, but the offset must count it).
    let latin1 = b"{\n  \"@id\": \"Zo\xe9\",\n  \"hypertension\": false\n}\n";
    let with_bom = [gdl::BOM, latin1].concat();
    let rendered = facts_error(&program, "latin1.json", "malformed-facts", latin1);
    insta::assert_snapshot!("latin1", rendered);
    let rendered = facts_error(&program, "latin1-bom.json", "malformed-facts", &with_bom);
    assert!(rendered.contains("at offset 17 of the file"), "{rendered}");
    assert!(rendered.contains("latin1-bom.json:2:13:"), "{rendered}");
}

fn report_for(guideline: &str, source_name: &str, facts_path: &Path) -> String {
    let model = model(guideline);
    let program = Program::new(&model);
    let text = std::fs::read_to_string(facts_path).unwrap_or_default();
    let patient = match Reader::new(&program).parse_patient(&text) {
        Ok(patient) => patient,
        Err(diagnostic) => panic!("{}: {}", facts_path.display(), diagnostic.message),
    };
    let evaluation = evaluate(&program, &patient);
    let json = report::json::to_string_pretty(&report::build(&program, &patient, &evaluation));
    let mut built = report::build(&program, &patient, &evaluation);
    report::deciding(&mut built, &program, &patient);
    let summary = report::summary::build(&built, &program, &patient);
    let guideline_text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(guideline))
            .unwrap_or_default();
    let source = SourceFile::new(source_name, guideline_text);
    let explanations = report::explain::build(&program, &patient, &evaluation, &source);
    format!(
        "{}\n----- DETAIL\n{}{}\n----- JSON\n{}\n",
        report::text::render_summary(&built, &summary),
        report::text::render(&built),
        report::explain::render(&explanations, source_name),
        json
    )
}

/// One snapshot per patient of each `tests/eval/<feature>/`: the
/// feature's guideline, the patient's facts, then the report. Every
/// guideline there checks clean, lints included, so the goldens show
/// behaviour and not a warning's consequences.
#[test]
fn golden_reports_per_feature() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    insta::glob!("eval/*/*.json", |path| {
        let Some(dir) = path.parent() else {
            panic!("{} has no directory", path.display())
        };
        let relative = |p: &Path| {
            p.strip_prefix(root)
                .map_or_else(|_| p.display().to_string(), |p| p.display().to_string())
        };
        let guideline = relative(&dir.join("guideline.gdl"));
        let source = std::fs::read_to_string(root.join(&guideline)).unwrap_or_default();
        let checked = gdl::check(&source);
        assert!(
            checked.diagnostics.is_empty(),
            "{guideline} should check clean: {:#?}",
            checked.diagnostics
        );
        let facts = std::fs::read_to_string(path).unwrap_or_default();
        let snapshot = format!(
            "----- GUIDELINE: {guideline}\n{source}----- FACTS: {}\n{facts}----- REPORT\n{}",
            relative(path),
            report_for(&guideline, &guideline, path)
        );
        insta::with_settings!({
            description => support::golden::REGENERATE_REPORTS,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(snapshot);
        });
    });
}

#[test]
fn golden_reports_for_shipped_examples() {
    insta::glob!("../guidelines", "examples/*.json", |path| {
        let guideline = support::shipped_guideline_for_example(path);
        let source_name = guideline.trim_start_matches("guidelines/").to_owned();
        insta::assert_snapshot!(report_for(&guideline, &source_name, path));
    });
}

/// The summary a clinician reads first, for every shipped example: the
/// first decision within the first 10 lines, each reference printed once,
/// each fact to find out asked once; and the refractory-muscle report
/// (77 lines before the summary) whole in 40.
#[test]
fn summaries_are_short_and_say_each_thing_once() {
    insta::glob!("../guidelines", "examples/*.json", |path| {
        let guideline = support::shipped_guideline_for_example(path);
        let model = model(&guideline);
        let program = Program::new(&model);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let Ok(patient) = Reader::new(&program).parse_patient(&text) else {
            panic!("{} does not read", path.display());
        };
        let evaluation = evaluate(&program, &patient);
        let mut built = report::build(&program, &patient, &evaluation);
        report::deciding(&mut built, &program, &patient);
        let summary = report::summary::build(&built, &program, &patient);
        let rendered = report::text::render_summary(&built, &summary);
        let lines: Vec<&str> = rendered.lines().collect();
        let first_decision = lines
            .iter()
            .position(|l| l.trim_start().starts_with(['+', 'x', '?', '!']));
        assert!(
            first_decision.is_some_and(|at| at < 10),
            "{}: no decision in the first 10 lines:\n{rendered}",
            path.display()
        );
        let mut seen = std::collections::HashSet::new();
        for footnote in &summary.references {
            assert!(seen.insert(footnote.key.clone()), "{} twice", footnote.key);
        }
        let mut asked = std::collections::HashSet::new();
        for question in &summary.find_out {
            assert!(
                asked.insert(question.name.clone()),
                "{} asked twice",
                question.name
            );
        }
        if path.ends_with("refractory-muscle.json") {
            assert!(lines.len() <= 40, "{} lines:\n{rendered}", lines.len());
        }
    });
}

#[test]
fn reports_are_byte_for_byte_deterministic() {
    let guideline = "tests/eval/alternatives/guideline.gdl";
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/alternatives/all-withheld.json");
    let first = report_for(guideline, guideline, &path);
    for _ in 0..3 {
        assert_eq!(first, report_for(guideline, guideline, &path));
    }
}

/// Two contraindication clauses that cite the same reference: the withheld
/// item lists it once, and so does the text report.
#[test]
fn a_reference_cited_by_two_clauses_is_listed_once() {
    let text = r#"guideline cites "Shared citations" { version "1" }
reference A pmid 1 "Reference A"
reference B pmid 2 "Reference B"
fact pregnant: bool "Pregnant"
fact renal: bool "Renal impairment"
fact weak: bool "Weak"
action mtx "Methotrexate" {
  contraindicated-if pregnant because "Teratogenic" cite A, B
  contraindicated-if renal because "Renally cleared" cite A
}
action aza "Azathioprine"
rule second "Second line" {
  when weak
  then recommend mtx, aza
  cite B
}
"#;
    let model = gdl::compile(text).model.unwrap_or_default();
    let program = Program::new(&model);
    let facts = r#"{"pregnant": true, "renal": true, "weak": true}"#;
    let patient = Reader::new(&program)
        .parse_patient(facts)
        .unwrap_or_else(|d| panic!("{}", d.message));
    let evaluation = evaluate(&program, &patient);
    let built = report::build(&program, &patient, &evaluation);
    assert_eq!(built.withheld.len(), 1);
    let keys: Vec<&str> = built.withheld[0]
        .citations
        .iter()
        .filter_map(|id| built.reference(*id).map(|c| c.key))
        .collect();
    assert_eq!(keys, ["A", "B"]);
    let rendered = report::text::render(&built);
    assert_eq!(rendered.matches("[A] Reference A").count(), 1, "{rendered}");
}

/// The cohort writer agrees with the plain one on a guideline with an
/// exclusive group and a caution too (the shipped guideline's cohort never
/// recommends two exclusive actions): every combination of its two facts,
/// unknown included, so both actions, the conflict and the may-apply
/// caution all occur.
#[test]
fn writing_from_the_evaluation_agrees_on_exclusive_conflicts() {
    let model = support::docs_example_model("docs/report.md", "exclusive-conflict");
    let program = Program::new(&model);
    let fragments = report::json::Fragments::new(&model);
    let values = ["null", "false", "true"];
    let mut conflicts = 0;
    for weakness in values {
        for lung in values {
            let line = format!(
                r#"{{"@id": "p", "muscle_weakness": {weakness}, "interstitial_lung_disease": {lung}}}"#
            );
            let plain = written_from_the_evaluation_as_built(&program, &fragments, &line);
            conflicts += usize::from(plain.contains("exclusive-conflict"));
        }
    }
    assert_eq!(conflicts, 1, "both true is the one conflict");
}

/// The JSON report of one facts line, after checking that writing it
/// straight from the evaluation gives the bytes of the built report.
fn written_from_the_evaluation_as_built(
    program: &Program<'_>,
    fragments: &report::json::Fragments,
    line: &str,
) -> String {
    let patient = Reader::new(program)
        .parse_patient(line)
        .unwrap_or_else(|d| panic!("{}", d.message));
    let evaluation = evaluate(program, &patient);
    let plain = report::json::to_string(&report::build(program, &patient, &evaluation));
    let mut direct = Vec::new();
    report::json::write_evaluation(program, &patient, &evaluation, fragments, &mut direct);
    assert_eq!(String::from_utf8_lossy(&direct), plain, "{line}");
    plain
}

/// Reports written with a guideline's pre-rendered fragments and straight
/// from the evaluation (as `gdl run` does for a cohort: no report built,
/// copied fragments, copied repeated fact lists, each evaluation's vectors
/// reused for the next) are byte for byte the reports written without
/// them, for the example cohort and 2,000 synthetic patients (unknowns,
/// sets, quantities, implausible facts).
#[test]
fn fragments_change_no_byte() {
    let model = model("guidelines/dermatomyositis.gdl");
    let program = Program::new(&model);
    let fragments = report::json::Fragments::new(&model);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("guidelines/examples");
    let cohort = std::fs::read_to_string(root.join("cohort.ndjson")).unwrap_or_default();
    let synthetic = common::dermatomyositis_cohort(2000, 0x0bad_cafe, 50);
    let lines: Vec<&str> = cohort
        .lines()
        .chain(synthetic.iter().map(String::as_str))
        .collect();
    let mut scratch = Scratch::default();
    for line in &lines {
        let patient = Reader::new(&program)
            .parse_patient(line)
            .unwrap_or_else(|d| panic!("{}", d.message));
        let evaluation = evaluate(&program, &patient);
        let recycled = evaluate_in(&program, &patient, &mut scratch);
        assert_eq!(recycled, evaluation, "{line}");
        scratch.recycle(recycled);
        let built = report::build(&program, &patient, &evaluation);
        let plain = report::json::to_string(&built);
        let mut fast = Vec::new();
        report::json::write(&built, &fragments, &mut fast);
        assert_eq!(String::from_utf8_lossy(&fast), plain);
        for fragments in [&fragments, &report::json::Fragments::default()] {
            let mut direct = Vec::new();
            report::json::write_evaluation(&program, &patient, &evaluation, fragments, &mut direct);
            assert_eq!(String::from_utf8_lossy(&direct), plain);
        }
    }
    assert!(lines.len() >= 2020);
}

/// The grading is part of the rule object, which fragments copy: writing
/// from the evaluation gives the same bytes for graded rules too.
#[test]
fn writing_from_the_evaluation_agrees_on_grading() {
    let model = model("tests/eval/grading/guideline.gdl");
    let program = Program::new(&model);
    let fragments = report::json::Fragments::new(&model);
    let values = ["null", "false", "true"];
    for weakness in values {
        for flare in values {
            let line = format!(
                r#"{{"muscle_weakness": {weakness}, "refractory": true, "skin_flare": {flare}, "tapering": true}}"#
            );
            let plain = written_from_the_evaluation_as_built(&program, &fragments, &line);
            if weakness == "true" {
                assert!(
                    plain.contains(r#""strength":"conditional","certainty":"low""#),
                    "{plain}"
                );
            }
        }
    }
}

/// A computed value is never read from the facts: the error names the
/// facts to give instead.
#[test]
fn a_computed_value_given_in_the_facts_is_refused() {
    let model = model("tests/eval/values/guideline.gdl");
    let program = Program::new(&model);
    let facts = br#"{"age": {"value": 70, "unit": "a"}, "crcl": {"value": 20, "unit": "mL/min"}}"#;
    insta::assert_snapshot!(facts_error(&program, "crcl.json", "unknown-fact", facts));
}

/// A date is `YYYY-MM-DD` and must exist.
#[test]
fn a_date_that_does_not_exist_is_refused() {
    let model = model("tests/eval/dates/guideline.gdl");
    let program = Program::new(&model);
    let facts = br#"{"as_of": "2023-02-29", "date_of_birth": "1961-12-06"}"#;
    insta::assert_snapshot!(facts_error(
        &program,
        "dates.json",
        "fact-type-mismatch",
        facts
    ));
}
