//! Redundant rules: another rule with the same outcome applies whenever
//! this one does.

use super::{Analysis, Finding, FindingKind};
use crate::eval::RuleStatus;
use crate::sema::{ActionId, ChoiceKind, Outcome, RuleId};

impl Analysis<'_> {
    /// A rule implied by another rule with the same outcome adds nothing.
    /// The outcome is what the clinician reads: the `then` clauses and the
    /// `else-escalate` text, so rules that escalate with different reasons
    /// are not redundant. Candidates are filtered by running each rule's own witness patient
    /// through the interpreter: a rule that does not fire for it cannot
    /// cover the rule, so only the rest get a SAT question.
    pub(super) fn redundant(&mut self) {
        type Signature<'r> = (Vec<(bool, ChoiceKind, Vec<ActionId>)>, Option<&'r str>);
        let mut by_outcome: std::collections::BTreeMap<Signature<'_>, Vec<RuleId>> =
            std::collections::BTreeMap::new();
        for (index, rule) in self.model.rules.iter_enumerated() {
            let choices = rule
                .choices
                .iter()
                .map(|c| (c.outcome == Outcome::Avoid, c.kind, c.actions.clone()))
                .collect();
            let signature = (choices, rule.escalation.as_deref());
            by_outcome.entry(signature).or_default().push(index);
        }
        for rules in by_outcome.into_values().filter(|rules| rules.len() > 1) {
            for &redundant in &rules {
                if self.rule_undecided(redundant) {
                    continue;
                }
                let Some(patient) = self.witness(&self.fires(redundant)) else {
                    continue;
                };
                let evaluation = self.evaluate(&patient);
                let mut cover = None;
                for &other in &rules {
                    if other == redundant || *evaluation.rules.at(other) != RuleStatus::Fired {
                        continue;
                    }
                    let mut escapes = self.fires(redundant);
                    escapes.push(!*self.fire.at(other));
                    if self.sat(&escapes) {
                        continue;
                    }
                    // Mutual implication: report only the later rule.
                    let mut back = self.fires(other);
                    back.push(!*self.fire.at(redundant));
                    if other < redundant || self.sat(&back) {
                        cover = Some(other);
                        break;
                    }
                }
                let Some(other) = cover else { continue };
                self.findings.push(Finding {
                    kind: FindingKind::RedundantRule {
                        rule: redundant,
                        cover: other,
                    },
                    witness: Some(patient),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, expect, found, kinds};
    use crate::analysis::FindingKind;
    use crate::sema::RuleId;

    #[test]
    fn a_narrower_rule_with_the_same_outcome_is_redundant() {
        let text = format!(
            "{HEAD}action a\n\
             rule wide {{ when x then recommend a cite R }}\n\
             rule narrow {{ when x and y then recommend a cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0407", "narrow")]));
        assert_eq!(
            kinds(&text),
            [FindingKind::RedundantRule {
                rule: RuleId(1),
                cover: RuleId(0)
            }]
        );
    }

    #[test]
    fn of_two_equal_rules_only_the_later_is_reported() {
        let text = format!(
            "{HEAD}action a\n\
             rule first {{ when x then recommend a cite R }}\n\
             rule second {{ when x then recommend a cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0407", "second")]));
    }
}
