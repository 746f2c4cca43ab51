//! The words the hand-written baselines (`benches/small`, `benches/native`,
//! `benches/af`) give their decisions in, each a plain copyable value the
//! interpreter's evaluation is converted to (`Decisions::from_evaluation`
//! in each) so that the two compare with `==`.

use gdl::eval::{Evaluation, RuleStatus};

/// What happened to a rule (as `gdl::eval::RuleStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Fired,
    NotApplicable,
    Undecided,
    Shadowed,
    NotReached,
}

/// The status of each of the first `N` rules of an evaluation (rules past
/// the evaluation's stay not applicable).
pub fn statuses<const N: usize>(evaluation: &Evaluation) -> [Status; N] {
    let mut rules = [Status::NotApplicable; N];
    for (slot, status) in rules.iter_mut().zip(&evaluation.rules) {
        *slot = match status {
            RuleStatus::Fired => Status::Fired,
            RuleStatus::NotApplicable => Status::NotApplicable,
            RuleStatus::Undecided => Status::Undecided,
            RuleStatus::Shadowed => Status::Shadowed,
            RuleStatus::NotReached => Status::NotReached,
        };
    }
    rules
}

/// Why an alternative was withheld (as `gdl::eval::Withholding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    Contraindicated,
    Avoided,
    Unsettled,
    MaybeAvoided,
}

/// Three-valued truth, ordered False < Unknown < True (Kleene: `and` is
/// min, `or` is max).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum K {
    F = 0,
    U = 1,
    T = 2,
}
