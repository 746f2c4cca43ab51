//! `gdl diff`: declarations compared by canonical text, logic compared over
//! every patient with an example for each change, confirmed by both
//! interpreters; pure reformats and renames are proved to change nothing.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_default()
}

fn diff(old: &str, new: &str) -> gdl::diff::Diff {
    let load = |text: &str| {
        let model = gdl::compile(text)
            .model
            .unwrap_or_else(|| panic!("does not compile:\n{text}"));
        let file = gdl::syntax::parse(text).unwrap_or_default();
        (file, model)
    };
    let (old_file, old_model) = load(old);
    let (new_file, new_model) = load(new);
    gdl::diff::diff((old, &old_file, &old_model), (new, &new_file, &new_model))
}

#[test]
fn moving_the_egfr_threshold_shows_a_patient_between_the_thresholds() {
    let result = diff(
        &read("tests/diff/egfr-60.gdl"),
        &read("tests/diff/egfr-45.gdl"),
    );
    assert!(result.logic_compared);
    assert_eq!(result.changes.len(), 1);
    assert_eq!(result.changes[0].name, "renal_impairment");
    let example = result
        .examples
        .iter()
        .find(|e| e.subject.contains("ciclosporin"))
        .unwrap_or_else(|| panic!("no ciclosporin example: {result:#?}"));
    let egfr = example.patient["egfr"]["value"]
        .as_f64()
        .unwrap_or_default();
    assert!((45.0..60.0).contains(&egfr), "{example:#?}");
    assert!(
        example
            .before
            .iter()
            .any(|l| l.starts_with("withhold ciclosporin"))
    );
    assert!(
        !example
            .after
            .iter()
            .any(|l| l.starts_with("withhold ciclosporin"))
    );
}

#[test]
fn a_pure_reformat_changes_nothing() {
    let text = read("tests/guidelines/demo.gdl");
    let messy = text
        .replace("\n  ", "\n      ")
        .replace("rule first_line", "# a new comment\n  rule   first_line");
    let result = diff(&text, &messy);
    assert!(result.changes.is_empty(), "{result:#?}");
    assert!(result.logic_compared && result.examples.is_empty() && result.unconfirmed.is_empty());
    assert!(!result.differs());
}

#[test]
fn a_rename_is_proved_to_change_no_decision() {
    let text = read("tests/guidelines/demo.gdl");
    let renamed = text.replace("rule first_line", "rule initial_therapy");
    let result = diff(&text, &renamed);
    // The rule is renamed (and its section lists the new name).
    assert!(
        result
            .changes
            .iter()
            .any(|c| c.change == "renamed" && c.name == "first_line → initial_therapy"),
        "{result:#?}"
    );
    assert!(
        !result
            .changes
            .iter()
            .any(|c| c.change == "added" || c.change == "removed"),
        "{result:#?}"
    );
    assert!(
        result.examples.is_empty() && result.unconfirmed.is_empty(),
        "{result:#?}"
    );
}

#[test]
fn a_changed_rule_condition_shows_who_is_affected() {
    let text = read("tests/guidelines/demo.gdl");
    let changed = text.replace(
        "when muscle_weakness and oral_corticosteroids in failed",
        "when muscle_weakness",
    );
    let result = diff(&text, &changed);
    assert!(
        result
            .examples
            .iter()
            .any(|e| e.subject.contains("second_line")),
        "{result:#?}"
    );
    assert!(result.differs());
}

#[test]
fn a_new_fact_is_compared_too() {
    let text = read("tests/guidelines/demo.gdl");
    let more = text.replace(
        "fact pregnant: bool",
        "fact breastfeeding: bool \"Breastfeeding\"\nfact pregnant: bool",
    );
    let more = more.replace(
        "contraindicated-if pregnant",
        "contraindicated-if pregnant or breastfeeding",
    );
    let result = diff(&text, &more);
    assert!(result.logic_compared, "{result:#?}");
    assert!(
        result
            .changes
            .iter()
            .any(|c| c.name == "breastfeeding" && c.change == "added")
    );
    let example = result
        .examples
        .iter()
        .find(|e| e.subject.contains("methotrexate"))
        .unwrap_or_else(|| panic!("no methotrexate example: {result:#?}"));
    assert_eq!(example.patient["breastfeeding"], true);
    // And the other way round: a fact the new version drops.
    let back = diff(&more, &text);
    assert!(
        back.logic_compared && !back.examples.is_empty(),
        "{back:#?}"
    );
}

#[test]
fn a_fact_whose_type_changed_is_named_and_logic_not_claimed() {
    let text = read("tests/guidelines/demo.gdl");
    let changed = text
        .replace(
            "fact hypertension: bool \"Hypertension\"",
            "fact hypertension: quantity mm[Hg] \"Systolic blood pressure\"",
        )
        .replace(
            "renal_impairment or hypertension",
            "renal_impairment or hypertension >= 140 mm[Hg]",
        );
    let result = diff(&text, &changed);
    assert!(!result.logic_compared, "{result:#?}");
    assert!(
        result
            .logic_not_compared
            .as_deref()
            .is_some_and(|r| r.contains("hypertension"))
    );
    assert!(result.differs());
}

#[test]
fn cli_text_and_exit_codes() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gdl"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("cannot run gdl: {e}"))
    };
    let changed = run(&["diff", "tests/diff/egfr-60.gdl", "tests/diff/egfr-45.gdl"]);
    assert_eq!(changed.status.code(), Some(1));
    let same = run(&["diff", "tests/diff/egfr-60.gdl", "tests/diff/egfr-60.gdl"]);
    assert_eq!(same.status.code(), Some(0));
    let json = run(&[
        "diff",
        "--format",
        "json",
        "tests/diff/egfr-60.gdl",
        "tests/diff/egfr-45.gdl",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(value["schema"], "gdl-diff/2");
    let missing = run(&["diff", "tests/diff/egfr-60.gdl", "does/not/exist.gdl"]);
    assert_eq!(missing.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&changed.stdout));
}

/// A change of grading only: each rule named with what changed in its
/// grading, no patient's decision changes, and the exit code says "differs".
#[test]
fn cli_names_each_rule_whose_grading_changed() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gdl"))
        .args([
            "diff",
            "tests/diff/graded-before.gdl",
            "tests/diff/graded-after.gdl",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run gdl: {e}"));
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

/// The regression of issue 15: a contraindication widened by `or pregnant`
/// changes the third-line muscle recommendation for a pregnant patient, and
/// the cases that expected ciclosporin become stale.
#[test]
fn a_widened_contraindication_shows_the_pregnant_patient_and_stale_cases() {
    let old = read("guidelines/dermatomyositis.gdl");
    let new = old.replacen(
        "contraindicated-if renal_impairment or hypertension\n",
        "contraindicated-if renal_impairment or hypertension or pregnant\n",
        1,
    );
    assert_ne!(old, new, "the ciclosporin clause moved: update this test");
    let load = |text: &str| {
        let model = gdl::compile(text)
            .model
            .unwrap_or_else(|| panic!("does not compile"));
        (gdl::syntax::parse(text).unwrap_or_default(), model)
    };
    let (old_file, old_model) = load(&old);
    let (new_file, new_model) = load(&new);
    let result = gdl::diff::diff_with_cases(
        (&old, &old_file, &old_model),
        (&new, &new_file, &new_model),
        &read("guidelines/dermatomyositis.cases.json"),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(result.unconfirmed.is_empty(), "{result:#?}");
    let example = result
        .examples
        .iter()
        .find(|e| {
            // Ciclosporin is one of the third line's equal options.
            e.subject.contains("muscle_third_line")
                && e.before.iter().any(|l| l.starts_with("offer ciclosporin"))
                && !e.after.iter().any(|l| l.starts_with("offer ciclosporin"))
        })
        .unwrap_or_else(|| panic!("no third-line ciclosporin example: {result:#?}"));
    assert_eq!(example.patient["pregnant"], true, "{example:#?}");
    let cases = result.cases.unwrap_or_default();
    assert!(
        cases
            .stale
            .iter()
            .any(|c| c.name == "third-line-ciclosporin"),
        "{cases:#?}"
    );
    assert!(cases.stale.iter().all(|c| !c.failures.is_empty()));
}

/// A change seen only with unknown facts: a rule that only avoids, alone in
/// a section, escalates when its condition is unknown only if the section is
/// first-match (an unknown rule there stops the section). Every patient
/// with `c` known gets the same decisions from both; diff finds the one
/// whose `c` is unknown.
#[test]
fn a_change_seen_only_with_unknown_facts_is_found() {
    let text = |modifier: &str| {
        format!(
            "guideline g \"G\" {{}}\nreference R pmid 1 \"r\"\nfact b: bool\nfact c: bool\n\
             action a\nsection s \"S\"{modifier} {{\n  rule r {{\n    when c\n    then avoid a\n    cite R\n  }}\n}}\n\
             rule give {{\n  when b\n  then recommend a\n  cite R\n}}\n"
        )
    };
    let result = diff(&text(""), &text(" first-match"));
    let example = result
        .examples
        .first()
        .unwrap_or_else(|| panic!("no example: {result:#?}"));
    assert!(example.patient["c"].is_null(), "{example:#?}");
    assert!(
        example
            .after
            .iter()
            .any(|l| l.contains("cannot decide rule r")),
        "{example:#?}"
    );
}

/// Exact decisions: `b or (c and not c)` is `b` for every patient, `c`
/// known or not, so diff proves that nothing changes.
#[test]
fn a_condition_that_cannot_depend_on_an_unknown_fact_changes_nothing() {
    let text = |when: &str| {
        format!(
            "guideline g \"G\" {{}}\nreference R pmid 1 \"r\"\nfact b: bool\nfact c: bool\n\
             action a\nrule r {{\n  when {when}\n  then recommend a\n  cite R\n}}\n"
        )
    };
    let result = diff(&text("b"), &text("b or (c and not c)"));
    assert!(result.examples.is_empty(), "{result:#?}");
    assert!(result.unconfirmed.is_empty(), "{result:#?}");
}

/// Ordered alternatives made equal options: a change of decision, with a
/// patient for whom both are offered; a single alternative offered rather
/// than recommended is a change too.
#[test]
fn switching_between_ordered_and_equal_alternatives_is_a_change_of_decision() {
    let text = |then: &str| {
        format!(
            "guideline g \"G\" {{}}\nreference R pmid 1 \"r\"\nfact b: bool\nfact c: bool\n\
             action a {{ contraindicated-if c cite R }}\naction d\n\
             rule r {{\n  when b\n  then recommend {then}\n  cite R\n}}\n"
        )
    };
    let result = diff(&text("a, d"), &text("any of a, d"));
    let example = result
        .examples
        .first()
        .unwrap_or_else(|| panic!("no example: {result:#?}"));
    assert!(
        example.before.iter().any(|l| l == "recommend a (rule r)"),
        "{example:#?}"
    );
    assert!(
        example
            .after
            .iter()
            .any(|l| l.starts_with("offer d as one of equal options")),
        "{example:#?}"
    );
    let single = diff(&text("d"), &text("any of d"));
    assert!(!single.examples.is_empty(), "{single:#?}");
    // The same options in another order are the same decisions.
    let reordered = diff(&text("any of a, d"), &text("any of d, a"));
    assert!(reordered.examples.is_empty(), "{reordered:#?}");
}

#[test]
fn guidelines_with_different_ids_are_warned_about() {
    let text = read("tests/guidelines/demo.gdl");
    let other = text.replacen("guideline demo", "guideline other_demo", 1);
    assert_ne!(text, other);
    let result = diff(&text, &other);
    assert!(
        result.warnings.iter().any(|w| w.contains("different ids")),
        "{result:#?}"
    );
    assert!(diff(&text, &text).warnings.is_empty());
}

#[test]
fn a_change_of_grading_is_a_change_of_the_rule_though_no_decision_changes() {
    let text = read("tests/guidelines/demo.gdl");
    let graded = |strength: &str| {
        text.replace(
            "specialist\"\n    cite Amato2003",
            &format!(
                "specialist\"\n    strength {strength}\n    certainty low\n    cite Amato2003"
            ),
        )
    };
    let result = diff(&graded("conditional"), &graded("strong"));
    let [change] = &result.changes[..] else {
        panic!("one change expected: {result:#?}");
    };
    assert_eq!(
        (change.kind, change.name.as_str(), change.change),
        ("rule", "second_line", "changed")
    );
    assert_eq!(change.details, ["strength: conditional → strong"]);
    assert!(result.logic_compared && result.examples.is_empty() && result.unconfirmed.is_empty());
    assert!(result.differs());

    // Grading an ungraded rule names both clauses as newly stated.
    let result = diff(&text, &graded("conditional"));
    assert_eq!(
        result
            .changes
            .iter()
            .map(|c| c.details.clone())
            .collect::<Vec<_>>(),
        [[
            "strength: not stated → conditional",
            "certainty: not stated → low"
        ]]
    );
}
