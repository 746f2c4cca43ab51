//! The hand-written native version of the AF guideline
//! (`benches/af/mod.rs`, for `guidelines/af-anticoagulation.gdl`) makes
//! exactly the interpreter's decisions, `needs` included: rule statuses,
//! recommendations (options of an equal choice marked) and each caution's
//! value, withheld alternatives and why (which contraindication clauses or
//! avoiding rules), avoids, and escalations (undecided rules and whether
//! they stop a first-match section, choices with nothing left to give,
//! implausible facts). Checked on 5,000 deterministic synthetic patients
//! (unknowns, every dose band, implausible facts), with Kleene logic as the
//! native side has it (`Program::kleene_only`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops on a broken setup or a wrong result"
)]

#[path = "../benches/af/mod.rs"]
mod af;
#[path = "../benches/common/mod.rs"]
mod common;

use af::{Cause, Decisions, Facts, Status, Why};
use gdl::eval::{Program, evaluate};
use gdl::facts::Reader;
use gdl::sema::{Model, Type};

fn model() -> Model {
    let text = std::fs::read_to_string(af::GUIDELINE).unwrap();
    let compiled = gdl::compile(&text);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    compiled.model.expect("the shipped guideline compiles")
}

/// The native indices are the compiled model's.
#[test]
fn indices_match_the_model() {
    let model = model();
    let names = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
    let given: Vec<&str> = model
        .facts
        .iter()
        .filter(|f| f.derived.is_none())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names(given), names(af::FACT_NAMES.to_vec()));
    // The given facts come first: their indices are the native ones.
    for (index, name) in af::FACT_NAMES.iter().enumerate() {
        assert_eq!(model.facts.as_slice()[index].name, *name);
    }
    assert!(model.facts.len() <= 32, "needs are 32-bit masks");
    assert_eq!(
        names(model.actions.iter().map(|a| a.name.as_str()).collect()),
        names(af::ACTION_NAMES.to_vec())
    );
    assert_eq!(
        names(model.rules.iter().map(|r| r.name.as_str()).collect()),
        names(af::RULE_NAMES.to_vec())
    );
    let values = |fact: u32| match model.facts.as_slice()[fact as usize].ty {
        Type::Set(id) | Type::Enum(id) => model.enums.at(id).values.clone(),
        _ => panic!("not an enum"),
    };
    assert_eq!(values(af::fact::SEX), names(af::SEX_NAMES.to_vec()));
    assert_eq!(
        values(af::fact::MITRAL_STENOSIS),
        names(af::MITRAL_STENOSIS_NAMES.to_vec())
    );
    assert_eq!(model.invariants.len(), af::INVARIANTS);
    assert!(model.exclusives.is_empty());
}

#[test]
fn synthetic_patients_agree() {
    let model = model();
    let kleene = Program::new(&model).kleene_only();
    let exact = Program::new(&model);
    let reader = Reader::new(&kleene);
    let (mut settled, mut differs) = (0, 0);
    let mut fired = [0usize; af::RULES];
    let mut undecided = [0usize; af::RULES];
    let (mut shadowed, mut not_reached, mut stops, mut no_alternative, mut implausible) =
        (0, 0, 0, 0, 0);
    let mut why = [0usize; 4];
    let (mut may_caution, mut caution) = (0, 0);
    for line in af::cohort(5000, 0xaf_5eed) {
        let patient = reader.parse_patient(&line).expect("valid facts");
        let facts = Facts::from_patient(&patient);
        let native = af::evaluate(&facts);
        let interpreted = Decisions::from_evaluation(&evaluate(&kleene, &patient));
        assert_eq!(native, interpreted, "patient {line}");
        let mut reused = Decisions::default();
        af::evaluate_into(&Facts::default(), &mut reused);
        af::evaluate_into(&facts, &mut reused);
        assert_eq!(reused, native, "patient {line}");

        // `gdl run` also decides what Kleene logic leaves unknown over the
        // unknown facts (`eval::exact`); where nothing is left unknown, the
        // two are the same decisions.
        let mut as_run = Decisions::from_evaluation(&evaluate(&exact, &patient));
        // A contraindication clause Kleene logic leaves unknown beside one
        // that holds may be settled true by the exact decision (a pregnancy
        // makes an unknown sex female, hence the lower clearance): the
        // clauses native names must be among those `gdl run` names.
        for (run_held, native_held) in as_run.withheld.iter_mut().zip(&native.withheld) {
            if native_held.which & !run_held.which == 0 {
                run_held.which = native_held.which;
            }
        }
        if native.settled() {
            settled += 1;
            assert_eq!(native, as_run, "patient {line}");
        } else if native != as_run {
            differs += 1;
        }

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
                Cause::Implausible { .. } => implausible += 1,
                Cause::Unknown { .. } | Cause::Other => {}
            }
        }
        for r in &native.recommended {
            for (value, _) in r.cautions {
                match value {
                    af::K::U => may_caution += 1,
                    af::K::T => caution += 1,
                    af::K::F => {}
                }
            }
        }
    }
    eprintln!(
        "{settled} of 5000 patients settled by Kleene logic; of the others, \
         {differs} decided differently by `gdl run`'s exact decisions"
    );
    assert!(settled > 3000);

    // The cohort exercises every rule and every kind of decision.
    // (`no_aspirin_monotherapy` is `when true`; `consider_doac_men_score_1`
    // can be undecided only where `very_low_risk_no_anticoagulation` or
    // `offer_doac` before it is too, and so stops the section first.)
    for rule in 0..af::RULES {
        assert!(fired[rule] > 0, "{} never fires", af::RULE_NAMES[rule]);
        assert!(
            rule == 3 || rule == 4 || undecided[rule] > 0,
            "{} is never undecided",
            af::RULE_NAMES[rule]
        );
    }
    // Nothing in the guideline avoids an action a fired rule still
    // recommends (valvular AF and very low risk come first in their
    // first-match section): withheld DOACs are contraindicated, or may be.
    for (kind, count) in [Why::Contraindicated, Why::Unsettled]
        .iter()
        .map(|k| (k, why[*k as usize]))
    {
        assert!(count > 0, "no alternative was withheld as {kind:?}");
    }
    assert!(shadowed > 0 && not_reached > 0 && stops > 0);
    assert!(no_alternative > 0 && implausible > 0);
    assert!(may_caution > 0 && caution > 0);
}
