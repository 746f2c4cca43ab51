//! Decisions over unknown facts (`docs/language.md`, "Decisions over
//! unknown facts"): the worked example of the documentation gives the
//! decisions its table says, and the shipped guideline decides what Kleene
//! logic alone could not.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use gdl::eval::{EscalationCause, Evaluation, Program, evaluate};
use gdl::facts::Reader;

/// The documentation's complete example guideline with this id.
fn docs_guideline(id: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let header = format!("guideline {id} ");
    let start = text
        .find(&header)
        .unwrap_or_else(|| panic!("docs/language.md: no `{header}` example"));
    let body = &text[start..];
    body[..body.find("```").unwrap_or(body.len())].to_owned()
}

fn run(text: &str, facts: &str) -> Evaluation {
    let model = gdl::compile(text)
        .model
        .unwrap_or_else(|| panic!("does not compile:\n{text}"));
    let program = Program::new(&model);
    let patient = Reader::new(&program)
        .parse_patient(facts)
        .unwrap_or_else(|e| panic!("{e:?}"));
    evaluate(&program, &patient)
}

#[test]
fn the_documented_example_decides_as_its_table_says() {
    let text = docs_guideline("exact_demo");
    // Not on corticosteroids: no IV course can have been completed.
    let first = run(
        &text,
        r#"{"severe_disease": true, "on_systemic_corticosteroids": false}"#,
    );
    assert_eq!(first.recommended.len(), 1, "{first:?}");
    assert!(first.escalations.is_empty(), "{first:?}");
    // On corticosteroids: the course may or may not be completed.
    let second = run(
        &text,
        r#"{"severe_disease": true, "on_systemic_corticosteroids": true}"#,
    );
    assert!(second.recommended.is_empty(), "{second:?}");
    assert!(
        matches!(
            second.escalations.as_slice(),
            [e] if matches!(e.cause, EscalationCause::UnknownCondition { .. }) && e.needs.len() == 1
        ),
        "{second:?}"
    );
    let third = run(&text, r#"{"severe_disease": false}"#);
    assert!(third.nothing_applies(), "{third:?}");
}

#[test]
fn a_condition_true_whatever_an_unknown_fact_is_applies() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact pregnant: bool\n\
                action a\nrule r {\n  when pregnant or not pregnant\n  then recommend a\n  cite R\n}\n";
    let evaluation = run(text, "{}");
    assert_eq!(evaluation.recommended.len(), 1, "{evaluation:?}");
    assert!(evaluation.escalations.is_empty(), "{evaluation:?}");
    // Kleene logic alone would have escalated.
    let model = gdl::compile(text).model.unwrap_or_default();
    let kleene = Program::new(&model).kleene_only();
    let patient = Reader::new(&kleene)
        .parse_patient("{}")
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(evaluate(&kleene, &patient).escalations.len(), 1);
}

/// An escalation names the facts that could settle it: in
/// `a and (b or not b)` only `a` does (Kleene logic alone also asks for `b`).
#[test]
fn an_escalation_names_only_the_facts_that_could_settle_it() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact a: bool\nfact b: bool\n\
                action x\nrule r {\n  when a and (b or not b)\n  then recommend x\n  cite R\n}\n";
    let evaluation = run(text, "{}");
    let [escalation] = evaluation.escalations.as_slice() else {
        panic!("{evaluation:?}")
    };
    assert_eq!(
        escalation.needs[..],
        [gdl::sema::FactId(0)],
        "{evaluation:?}"
    );
    let model = gdl::compile(text).model.unwrap_or_default();
    let kleene = Program::new(&model).kleene_only();
    let patient = Reader::new(&kleene)
        .parse_patient("{}")
        .unwrap_or_else(|e| panic!("{e:?}"));
    let kleene_escalations = evaluate(&kleene, &patient).escalations;
    assert_eq!(kleene_escalations.first().map(|e| e.needs.len()), Some(2));
}

/// A definition used twice at every level of a chain of 60 is 2^60 nodes
/// when expanded: a plan would never finish, so the condition keeps Kleene
/// logic, and the patient is evaluated at once.
#[test]
fn a_condition_too_large_to_expand_keeps_kleene_logic() {
    let mut text = String::from(
        "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact x: bool\nfact y: bool\ndefine d0 = x or y\n",
    );
    for i in 1..60 {
        text.push_str(&format!("define d{i} = d{} and d{}\n", i - 1, i - 1));
    }
    text.push_str("action a\nrule r {\n  when d59 and not x\n  then recommend a\n  cite R\n}\n");
    let model = gdl::compile(&text)
        .model
        .unwrap_or_else(|| panic!("does not compile"));
    let rule = model
        .rules
        .as_slice()
        .first()
        .unwrap_or_else(|| panic!("no rule"));
    assert!(gdl::eval::exact::Plan::new(&model, &rule.condition).is_none());
    let evaluation = run(&text, "{}");
    assert_eq!(evaluation.escalations.len(), 1, "{evaluation:?}");
}

/// A rule whose condition is an invariant's (`e = v0` twice) shares its
/// value slot: its decided value, true, must not pass for the invariant
/// holding by Kleene logic, or a later decision that reads each fact once
/// skips its plan and asks for `e`, which the invariant settles.
#[test]
fn a_decision_shaped_like_an_invariant_leaves_the_invariant_unknown() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nenum E { v0, v1, v2 }\n\
                fact e: E\ninvariant e = v0\n\
                action a { contraindicated-if e = v2 cite R }\naction b\n\
                rule same { when e = v0 then recommend b cite R }\n\
                rule r { when true then recommend a cite R }\n";
    let evaluation = run(text, "{}");
    let given: Vec<usize> = evaluation
        .recommended
        .iter()
        .map(|r| r.action.index())
        .collect();
    assert_eq!(given, [1, 0], "{evaluation:?}");
    assert!(evaluation.escalations.is_empty(), "{evaluation:?}");
    assert_eq!(evaluation.withheld().count(), 0, "{evaluation:?}");
}

/// A computed fact unknown only through a few-valued input (a sex) is
/// decided over that input's values the invariants allow: the decision is
/// made exactly when every allowed value gives it, and otherwise escalates
/// naming the input. Checked against running each completion.
#[test]
fn a_computed_fact_is_decided_through_its_few_valued_inputs() {
    let text = r#"guideline t "Through inputs" { version "1" }
reference R pmid 1 "R"
enum Sex { female, male }
fact sex: Sex
fact pregnant: bool
fact weight: quantity kg
invariant pregnant implies sex = female "Only women can be pregnant"
value adjusted: quantity kg = weight * (if sex = female then 0.85 else 1)
    "Weight, adjusted for women"
action low "Low dose"
action high "High dose"
section dose "Dose" first-match {
  rule low_band {
    when adjusted < 50 kg
    then recommend low
    cite R
  }
  rule high_band {
    when adjusted >= 50 kg
    then recommend high
    cite R
  }
}
"#;
    let recommended =
        |e: &Evaluation| -> Vec<u32> { e.recommended.iter().map(|r| r.action.0).collect() };
    let mut decided = 0;
    for weight in 40..=70 {
        for pregnant in ["null", "true", "false"] {
            let facts = |sex: &str| {
                format!(
                    r#"{{"sex": {sex}, "pregnant": {pregnant}, "weight": {{"value": {weight}, "unit": "kg"}}}}"#
                )
            };
            let unknown = run(text, &facts("null"));
            let allowed: Vec<Evaluation> = ["\"female\"", "\"male\""]
                .into_iter()
                .filter(|sex| !(pregnant == "true" && *sex == "\"male\""))
                .map(|sex| run(text, &facts(sex)))
                .collect();
            let first = recommended(&allowed[0]);
            if allowed.iter().all(|e| recommended(e) == first) {
                decided += 1;
                assert_eq!(
                    recommended(&unknown),
                    first,
                    "weight {weight}, pregnant {pregnant}"
                );
                assert!(
                    unknown.escalations.is_empty(),
                    "weight {weight}: {unknown:?}"
                );
            } else {
                assert!(
                    unknown.recommended.is_empty(),
                    "weight {weight}: {unknown:?}"
                );
                assert!(
                    matches!(unknown.escalations.as_slice(), [e] if e.needs.len() == 1),
                    "weight {weight}, pregnant {pregnant}: {unknown:?}"
                );
            }
        }
    }
    // Both kinds of patient occur in the sweep.
    assert!(decided > 0 && decided < 31 * 3, "{decided}");
}

/// A dose rule reads many facts (a score's items, valve disease, a renal
/// band, pregnancy): too many combinations for a table, yet a man whose
/// pregnancy is not given is decided, because the invariant settles it and
/// only the facts he leaves unknown are searched. Before, every dose rule
/// escalated, and one escalation even named no fact: the settled
/// `pregnant` of a contraindication shared its value with the unknown
/// `pregnant` the dose rule reads.
#[test]
fn a_large_decision_is_settled_by_an_invariant_on_the_facts_left_unknown() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("guidelines/af-anticoagulation.gdl")).unwrap_or_default();
    let example = std::fs::read_to_string(root.join("guidelines/examples/af-man-score-1.json"))
        .unwrap_or_default();
    let mut facts: serde_json::Value = serde_json::from_str(&example).unwrap_or_default();
    if let Some(object) = facts.as_object_mut() {
        object.remove("pregnant");
    }
    let evaluation = run(&text, &facts.to_string());
    assert!(
        evaluation.escalations.is_empty(),
        "{:?}",
        evaluation.escalations
    );
    // Each DOAC's dose is decided, as with `pregnant: false`.
    let with_pregnant_false = run(&text, &example);
    let actions = |e: &Evaluation| e.recommended.iter().map(|r| r.action).collect::<Vec<_>>();
    assert_eq!(actions(&evaluation), actions(&with_pregnant_false));
}
