//! The hand-written native baseline of the evaluation benchmark
//! (`benches/native/mod.rs`) makes exactly the interpreter's decisions for
//! `guidelines/dermatomyositis.gdl`: rule statuses, recommendations and
//! cautions, withheld alternatives and why, avoids, escalations, and the
//! unknown facts each one needs. Checked on the shipped example patients and
//! on a few thousand deterministic synthetic ones (unknowns, thresholds,
//! implausible facts). This keeps the baseline honest, and would catch an
//! interpreter bug the two encodings do not share. The baseline implements
//! Kleene logic alone, so it is compared with `Program::kleene_only`: the
//! exact decisions over unknown facts (`eval::exact`) are checked against
//! brute force in `src/eval/exact.rs` and against `gdl diff`'s encoding in
//! `tests/diff_mutations.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops on a broken setup or a wrong result"
)]

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/native/mod.rs"]
mod native;

use gdl::eval::{Patient, Program, evaluate};
use gdl::facts::Reader;
use gdl::sema::{Model, Type};
use native::{Cause, Decisions, Facts, Status, Why};

fn model() -> Model {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/guidelines/dermatomyositis.gdl"
    ))
    .unwrap();
    gdl::compile(&text)
        .model
        .expect("the shipped guideline compiles")
}

/// The native indices are the compiled model's.
#[test]
fn indices_match_the_model() {
    let model = model();
    let names = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        names(model.facts.iter().map(|f| f.name.as_str()).collect()),
        names(native::FACT_NAMES.to_vec())
    );
    assert_eq!(
        names(model.actions.iter().map(|a| a.name.as_str()).collect()),
        names(native::ACTION_NAMES.to_vec())
    );
    assert_eq!(
        names(model.rules.iter().map(|r| r.name.as_str()).collect()),
        names(native::RULE_NAMES.to_vec())
    );
    let enum_of = |fact: u32| match model.facts.as_slice()[fact as usize].ty {
        Type::Set(id) => model.enums.at(id).values.clone(),
        _ => panic!("not a set"),
    };
    assert_eq!(
        enum_of(native::fact::SKIN_SITES),
        names(native::SITE_NAMES.to_vec())
    );
    assert_eq!(
        enum_of(native::fact::ANTIBODIES),
        names(native::ANTIBODY_NAMES.to_vec())
    );
    assert_eq!(model.invariants.len(), 9);
    assert_eq!(model.exclusives.len(), 2);
}

/// Compares one patient; returns the native decisions.
fn check(program: &Program<'_>, line: &str) -> Decisions {
    let patient: Patient = Reader::new(program)
        .parse_patient(line)
        .expect("generated facts are valid");
    let facts = Facts::from_patient(&patient);
    let interpreted = Decisions::from_evaluation(&evaluate(program, &patient));
    let native = native::evaluate(&facts);
    let (native_plain, native_needs) = native.split_needs();
    let (interpreted_plain, interpreted_needs) = interpreted.split_needs();
    assert_eq!(native_plain, interpreted_plain, "patient {line}");
    // The interpreter asks only for facts that can settle the decision: a
    // non-empty subset of the unknown facts the decision reads.
    for (read, asked) in native_needs.iter().zip(&interpreted_needs) {
        assert_eq!(asked & !read, 0, "asks for a fact it does not read: {line}");
        assert_eq!(
            *read == 0,
            *asked == 0,
            "needs facts but names none: {line}"
        );
    }
    // The reusing entry point gives the same decisions.
    let mut reused = Decisions::default();
    native::evaluate_into(&Facts::default(), &mut reused);
    native::evaluate_into(&facts, &mut reused);
    assert_eq!(reused, native, "patient {line}");
    native
}

#[test]
fn shipped_examples_agree() {
    let model = model();
    let program = Program::new(&model).kleene_only();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/guidelines/examples");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    // The af-*.json examples are patients of the atrial fibrillation
    // guideline, which this native function does not encode.
    entries.retain(|path| {
        !path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("af-"))
    });
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = if path.extension().is_some_and(|e| e == "ndjson") {
            text.lines().filter(|l| !l.trim().is_empty()).collect()
        } else {
            vec![text.as_str()]
        };
        for line in lines {
            check(&program, line);
            checked += 1;
        }
    }
    // Every fact unknown, and every fact known and empty.
    check(&program, "{}");
    assert!(checked >= 20, "{checked} example patients");
}

#[test]
fn synthetic_patients_agree() {
    let model = model();
    let program = Program::new(&model).kleene_only();
    // More unknowns and implausible patients than the benchmark cohort, to
    // reach every branch; 3,000 patients keep this well under a second in debug.
    let cohort = common::dermatomyositis_cohort(3000, 0xdec1_5105, 60);

    let mut fired = [0usize; native::RULES];
    let mut undecided = [0usize; native::RULES];
    let mut shadowed = 0;
    let mut not_reached = 0;
    let mut why = [0usize; 4];
    let (mut implausible, mut no_alternative, mut stops, mut may_caution) = (0, 0, 0, 0);
    for line in &cohort {
        let d = check(&program, line);
        for (rule, status) in d.rules.iter().enumerate() {
            match status {
                Status::Fired => fired[rule] += 1,
                Status::Undecided => undecided[rule] += 1,
                Status::Shadowed => shadowed += 1,
                Status::NotReached => not_reached += 1,
                Status::NotApplicable => {}
            }
        }
        for h in &d.withheld {
            why[h.why as usize] += 1;
        }
        for e in &d.escalations {
            match e.cause {
                Cause::Implausible { .. } => implausible += 1,
                Cause::NoAlternative { .. } => no_alternative += 1,
                Cause::Unknown { stops: true, .. } => stops += 1,
                _ => {}
            }
        }
        may_caution += d
            .recommended
            .iter()
            .filter(|r| r.caution == native::K::U)
            .count();
    }

    // The cohort exercises what it should: every rule fires and is undecided
    // for some patient, and every kind of withholding and escalation that
    // this guideline can produce occurs. (An exclusive conflict cannot: each
    // exclusive pair is recommended only by rules of one first-match section
    // or alternatives of one choice.)
    for rule in 0..native::RULES {
        assert!(
            fired[rule] > 0,
            "rule {} never fires",
            native::RULE_NAMES[rule]
        );
        let always_true = matches!(rule, 0 | 18);
        assert!(
            always_true || undecided[rule] > 0,
            "rule {} is never undecided",
            native::RULE_NAMES[rule]
        );
    }
    for (kind, count) in [
        Why::Contraindicated,
        Why::Avoided,
        Why::Unsettled,
        Why::MaybeAvoided,
    ]
    .iter()
    .zip(why)
    {
        assert!(count > 0, "no alternative was withheld as {kind:?}");
    }
    assert!(shadowed > 0 && not_reached > 0);
    assert!(implausible > 0 && no_alternative > 0 && stops > 0 && may_caution > 0);
}

/// Quantities read in another unit of time reach the native struct in the
/// declared unit (months); sets and bools arrive bit for bit.
#[test]
fn facts_conversion_is_faithful() {
    let model = model();
    let program = Program::new(&model).kleene_only();
    let line = r#"{"time_on_azathioprine": {"value": 26, "unit": "wk"}, "failed": ["methotrexate", "ivig"], "skin_sites": ["neck"], "antibodies": [], "pregnant": false}"#;
    let facts = Facts::from_patient(&Reader::new(&program).parse_patient(line).unwrap());
    let months = facts.time_on_azathioprine.unwrap();
    assert!((months - 26.0 * 7.0 / 30.4375).abs() < 1e-9, "{months}");
    assert_eq!(
        facts.failed,
        Some(1 << native::action::METHOTREXATE | 1 << native::action::IVIG)
    );
    assert_eq!(facts.skin_sites, Some(1 << 6));
    assert_eq!(facts.antibodies, Some(0));
    assert_eq!(facts.pregnant, Some(false));
    assert_eq!(facts.myositis, None);
    assert_eq!(facts.unknown().count_ones(), 33 - 5);
}
