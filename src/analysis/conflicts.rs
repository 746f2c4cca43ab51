//! Conflicts: a rule says to avoid every action another rule's choice
//! would give, and that rule has no `else-escalate` for the case.

use batsat::Lit;

use super::{Analysis, Finding, FindingKind};
use crate::eval::{RuleStatus, Withholding};
use crate::sema::Outcome;

impl Analysis<'_> {
    /// An avoiding rule defeats a whole choice of a recommending rule that
    /// has no `else-escalate`: the choice would give something, but with the
    /// avoidance nothing is left.
    pub(super) fn conflicts(&mut self) {
        for (avoider, avoid_rule) in self.model.rules.iter_enumerated() {
            for avoid in avoid_rule
                .choices
                .iter()
                .filter(|c| c.outcome == Outcome::Avoid)
            {
                for (recommender, rule) in self.model.rules.iter_enumerated() {
                    // A rule with `else-escalate` has planned for having
                    // nothing to give; only unplanned ones are conflicts.
                    if recommender == avoider || rule.escalation.is_some() {
                        continue;
                    }
                    for choice in &rule.choices {
                        if choice.outcome != Outcome::Recommend
                            || !choice.actions.iter().any(|a| avoid.actions.contains(a))
                        {
                            continue;
                        }
                        // All blocked with the avoidance; some avoided one
                        // free of contraindications without it.
                        let mut assumptions = vec![
                            *self.fire.at(recommender),
                            *self.fire.at(avoider),
                            self.plausible,
                        ];
                        assumptions.extend(choice.actions.iter().map(|a| *self.blocked.at(*a)));
                        let free: Vec<Lit> = choice
                            .actions
                            .iter()
                            .filter(|a| avoid.actions.contains(a))
                            .map(|a| !*self.contraindicated.at(*a))
                            .collect();
                        let some_free = self.encoding.or(&free);
                        assumptions.push(some_free);
                        let Some(patient) = self.witness(&assumptions) else {
                            continue;
                        };
                        let evaluation = self.evaluate(&patient);
                        let confirmed = *evaluation.rules.at(recommender) == RuleStatus::Fired
                            && *evaluation.rules.at(avoider) == RuleStatus::Fired
                            && evaluation.withheld().any(|w| {
                                w.rule == recommender
                                    && matches!(&w.why, Withholding::Avoided(rules) if rules.contains(&avoider))
                            });
                        if !confirmed {
                            continue;
                        }
                        self.findings.push(Finding {
                            kind: FindingKind::Conflict {
                                rule: recommender,
                                avoider,
                            },
                            witness: Some(patient),
                        });
                    }
                }
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
    fn an_avoidance_that_leaves_a_recommendation_nothing_conflicts() {
        let text = format!(
            "{HEAD}action a\n\
             rule give {{ when x then recommend a cite R }}\n\
             rule keep {{ when y then avoid a cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0405", "give")]));
        assert_eq!(
            kinds(&text),
            [FindingKind::Conflict {
                rule: RuleId(0),
                avoider: RuleId(1)
            }]
        );
    }

    #[test]
    fn an_avoidance_that_leaves_an_equal_choice_no_option_conflicts() {
        let text = format!(
            "{HEAD}action a\naction b\n\
             rule give {{ when x then recommend any of a, b cite R }}\n\
             rule keep {{ when y then avoid a, b cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0405", "give")]));
        // One option left is no conflict.
        let one_left = text.replace("then avoid a, b", "then avoid a");
        assert_eq!(found(&one_left), expect(&[]));
    }

    #[test]
    fn an_escalation_plans_for_the_avoidance() {
        let text = format!(
            "{HEAD}action a\n\
             rule give {{ when x then recommend a else-escalate \"refer\" cite R }}\n\
             rule keep {{ when y then avoid a cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[]));
    }
}
