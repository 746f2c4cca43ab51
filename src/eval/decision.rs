//! The decisions of an evaluation, as plain values that can be compared:
//! what a clinician acts on. `gdl diff` names them to compare two versions
//! of a guideline; [`super::answers`] compares the evaluations of one
//! patient's possible answers, to say what each leads to.
//!
//! A decision is an action recommended (or offered as one of equal
//! options), withheld (with the kind of reason)
//! or avoided, a rule that cannot be decided, a rule left with no
//! alternative, a conflict of exclusive actions, facts that contradict an
//! invariant, or nothing applying. Wording and the facts an escalation asks
//! for are not decisions.

use super::interp::{EscalationCause, Evaluation, Withholding};
use crate::sema::{ActionId, RuleId};

/// Why an alternative was withheld, as far as a decision goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WithheldBecause {
    /// A contraindication holds.
    Contraindicated,
    /// A rule that applies says to avoid it.
    Avoided,
    /// A contraindication may hold (unknown facts).
    MayBeContraindicated,
    /// A rule that may apply says to avoid it.
    MayBeAvoided,
}

impl WithheldBecause {
    /// The kind of reason a withholding gives.
    pub fn of(why: &Withholding) -> WithheldBecause {
        match why {
            Withholding::Contraindicated(_) => WithheldBecause::Contraindicated,
            Withholding::Avoided(_) => WithheldBecause::Avoided,
            Withholding::Unsettled { .. } => WithheldBecause::MayBeContraindicated,
            Withholding::MaybeAvoided { .. } => WithheldBecause::MayBeAvoided,
        }
    }

    /// In words: "contraindicated", "may be avoided by a rule", …
    pub fn words(self) -> &'static str {
        match self {
            WithheldBecause::Contraindicated => "contraindicated",
            WithheldBecause::Avoided => "avoided by a rule",
            WithheldBecause::MayBeContraindicated => "may be contraindicated",
            WithheldBecause::MayBeAvoided => "may be avoided by a rule",
        }
    }
}

/// One decision of an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// The rule recommends the action.
    Recommend {
        /// The rule.
        rule: RuleId,
        /// The action.
        action: ActionId,
    },
    /// The rule offers the action as one of the equally acceptable options
    /// of a `then recommend any of` clause.
    Offer {
        /// The rule.
        rule: RuleId,
        /// The action.
        action: ActionId,
    },
    /// The rule would have given the action, but it is withheld.
    Withhold {
        /// The rule.
        rule: RuleId,
        /// The action.
        action: ActionId,
        /// The kind of reason.
        because: WithheldBecause,
    },
    /// The rule says to avoid the action.
    Avoid {
        /// The rule.
        rule: RuleId,
        /// The action.
        action: ActionId,
    },
    /// The rule's condition is unknown: escalated.
    Undecided {
        /// The rule.
        rule: RuleId,
    },
    /// The rule applies but none of the alternatives of its `then` clause
    /// `choice` can be given (or it only escalates).
    NoAlternative {
        /// The rule.
        rule: RuleId,
        /// The `then` clause.
        choice: usize,
    },
    /// Actions declared exclusive are recommended together.
    Exclusive {
        /// Index into the model's exclusives.
        group: usize,
    },
    /// The facts contradict an invariant: nothing is decided.
    Implausible,
    /// No rule applies and nothing escalates.
    NothingApplies,
}

/// The decisions of an evaluation, sorted, each once.
pub fn decisions(evaluation: &Evaluation) -> Vec<Decision> {
    let mut decisions = Vec::new();
    for recommendation in &evaluation.recommended {
        let (rule, action) = (recommendation.rule, recommendation.action);
        decisions.push(if recommendation.offered {
            Decision::Offer { rule, action }
        } else {
            Decision::Recommend { rule, action }
        });
    }
    for withheld in evaluation.withheld() {
        decisions.push(Decision::Withhold {
            rule: withheld.rule,
            action: withheld.action,
            because: WithheldBecause::of(&withheld.why),
        });
    }
    for avoidance in &evaluation.avoided {
        decisions.push(Decision::Avoid {
            rule: avoidance.rule,
            action: avoidance.action,
        });
    }
    for escalation in &evaluation.escalations {
        decisions.push(match &escalation.cause {
            EscalationCause::UnknownCondition { rule, .. } => Decision::Undecided { rule: *rule },
            EscalationCause::NoAlternative { rule, choice, .. } => Decision::NoAlternative {
                rule: *rule,
                choice: *choice,
            },
            EscalationCause::Exclusive { group, .. } => Decision::Exclusive { group: *group },
            EscalationCause::ImplausibleFacts { .. } => Decision::Implausible,
        });
    }
    if evaluation.nothing_applies() {
        decisions.push(Decision::NothingApplies);
    }
    decisions.sort();
    decisions.dedup();
    decisions
}
