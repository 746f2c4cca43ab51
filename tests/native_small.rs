//! The hand-written native version of the second benchmark rule set
//! (`benches/small/mod.rs`, for `benches/small/type2-diabetes.gdl`) makes
//! exactly the interpreter's decisions, `needs` included: rule statuses,
//! recommendations and cautions, withheld alternatives and why, avoids and
//! escalations. Checked on a few thousand deterministic synthetic patients
//! (unknowns, values on every threshold), with Kleene logic as the native
//! side has it (`Program::kleene_only`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops on a broken setup or a wrong result"
)]

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/small/mod.rs"]
mod small;

use gdl::eval::{Program, evaluate};
use gdl::facts::Reader;
use gdl::sema::{Model, Type};
use small::{Cause, Decisions, Facts, Status, Why};

fn model() -> Model {
    let text = std::fs::read_to_string(small::GUIDELINE).unwrap();
    let compiled = gdl::compile(&text);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    compiled.model.expect("the benchmark rule set compiles")
}

/// The native indices are the compiled model's.
#[test]
fn indices_match_the_model() {
    let model = model();
    let names = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        names(model.facts.iter().map(|f| f.name.as_str()).collect()),
        names(small::FACT_NAMES.to_vec())
    );
    assert_eq!(
        names(model.actions.iter().map(|a| a.name.as_str()).collect()),
        names(small::ACTION_NAMES.to_vec())
    );
    assert_eq!(
        names(model.rules.iter().map(|r| r.name.as_str()).collect()),
        names(small::RULE_NAMES.to_vec())
    );
    let values = |fact: usize| match model.facts.as_slice()[fact].ty {
        Type::Set(id) | Type::Enum(id) => model.enums.at(id).values.clone(),
        _ => panic!("not an enum"),
    };
    assert_eq!(values(5), names(small::FRAILTY_NAMES.to_vec()));
    assert_eq!(values(6), names(small::COMORBIDITY_NAMES.to_vec()));
    assert!(model.invariants.is_empty() && model.exclusives.is_empty());
}

#[test]
fn synthetic_patients_agree() {
    let model = model();
    let kleene = Program::new(&model).kleene_only();
    let reader = Reader::new(&kleene);
    let mut fired = [0usize; small::RULES];
    let mut undecided = [0usize; small::RULES];
    let (mut shadowed, mut not_reached, mut stops, mut no_alternative) = (0, 0, 0, 0);
    let mut why = [0usize; 4];
    let mut may_caution = 0;
    for line in small::cohort(4000, 0x7d2_5eed) {
        let patient = reader.parse_patient(&line).expect("valid facts");
        let facts = Facts::from_patient(&patient);
        let native = small::evaluate(&facts);
        let interpreted = Decisions::from_evaluation(&evaluate(&kleene, &patient));
        assert_eq!(native, interpreted, "patient {line}");
        let mut reused = Decisions::default();
        small::evaluate_into(&Facts::default(), &mut reused);
        small::evaluate_into(&facts, &mut reused);
        assert_eq!(reused, native, "patient {line}");

        for (rule, status) in native.rules.iter().enumerate() {
            match status {
                Status::Fired => fired[rule] += 1,
                Status::Undecided => undecided[rule] += 1,
                Status::Shadowed => shadowed += 1,
                Status::NotReached => not_reached += 1,
                Status::NotApplicable => {}
            }
        }
        for h in &native.withheld {
            why[h.why as usize] += 1;
        }
        for e in &native.escalations {
            match e.cause {
                Cause::NoAlternative { .. } => no_alternative += 1,
                Cause::Unknown { stops: true, .. } => stops += 1,
                Cause::Unknown { .. } | Cause::Other => {}
            }
        }
        may_caution += native
            .recommended
            .iter()
            .filter(|r| r.caution == small::K::U)
            .count();
    }
    // The cohort exercises every rule and every kind of decision.
    for rule in 0..small::RULES {
        assert!(fired[rule] > 0, "{} never fires", small::RULE_NAMES[rule]);
        assert!(
            rule == 1 || undecided[rule] > 0,
            "{} is never undecided",
            small::RULE_NAMES[rule]
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
    assert!(shadowed > 0 && not_reached > 0 && stops > 0);
    assert!(no_alternative > 0 && may_caution > 0);
}
