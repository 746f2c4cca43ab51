//! Mutually exclusive actions (an `exclusive` group) that two rules (or two
//! clauses of one) can recommend to one patient. Two options of one equal
//! choice are not a conflict: the clinician gives one of them.

use batsat::Lit;

use super::{Analysis, Finding, FindingKind};
use crate::eval::evaluate;
use crate::sema::{ActionId, Outcome, RuleId};

impl Analysis<'_> {
    /// Two recommendations of mutually exclusive actions for one patient.
    pub(super) fn exclusive(&mut self) {
        let mut gives: Vec<(RuleId, usize, ActionId, Vec<Lit>)> = Vec::new();
        for (index, rule) in self.model.rules.iter_enumerated() {
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for (position, action) in choice.actions.iter().enumerate() {
                    if self
                        .model
                        .exclusives
                        .iter()
                        .any(|e| e.actions.contains(action))
                    {
                        gives.push((
                            index,
                            choice_index,
                            *action,
                            self.gives(index, choice_index, position),
                        ));
                    }
                }
            }
        }
        for (group_index, group) in self.model.exclusives.iter().enumerate() {
            for (i, (rule_a, choice_a, action_a, gives_a)) in gives.iter().enumerate() {
                for (rule_b, choice_b, action_b, gives_b) in gives.iter().skip(i + 1) {
                    if action_a == action_b
                        || (rule_a, choice_a) == (rule_b, choice_b)
                        || !group.actions.contains(action_a)
                        || !group.actions.contains(action_b)
                    {
                        continue;
                    }
                    let both: Vec<Lit> = gives_a.iter().chain(gives_b).copied().collect();
                    let Some(patient) = self.encoding.sat(&both).then(|| self.encoding.patient())
                    else {
                        continue;
                    };
                    let evaluation = evaluate(&self.program, &patient);
                    let confirmed = evaluation.escalations.iter().any(|e| {
                        matches!(&e.cause, crate::eval::EscalationCause::Exclusive { group, .. } if *group == group_index)
                    });
                    if !confirmed {
                        continue;
                    }
                    self.findings.push(Finding {
                        kind: FindingKind::ExclusiveConflict {
                            rule: *rule_a,
                            action: *action_a,
                            other_rule: *rule_b,
                            other_action: *action_b,
                            group: group_index,
                        },
                        witness: Some(patient),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, expect, found, kinds};
    use crate::analysis::FindingKind;
    use crate::sema::{ActionId, RuleId};

    #[test]
    fn exclusive_actions_from_two_rules_for_one_patient() {
        let text = format!(
            "{HEAD}action a\naction b\nexclusive a, b\n\
             rule one {{ when x then recommend a cite R }}\n\
             rule two {{ when y then recommend b cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0406", "one")]));
    }

    #[test]
    fn options_of_one_equal_choice_in_one_group_are_no_conflict() {
        let text = format!(
            "{HEAD}action a\naction b\nexclusive a, b\n\
             rule one {{ when x then recommend any of a, b cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[]));
    }

    #[test]
    fn an_option_of_an_equal_choice_conflicts_with_another_rule() {
        let text = format!(
            "{HEAD}action a\naction b\naction c\nexclusive a, c\n\
             rule one {{ when x then recommend any of a, b cite R }}\n\
             rule two {{ when y then recommend c cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0406", "one")]));
    }

    #[test]
    fn exclusive_actions_for_patients_apart_are_fine() {
        let text = format!(
            "{HEAD}action a\naction b\nexclusive a, b\n\
             rule one {{ when x then recommend a cite R }}\n\
             rule two {{ when not x then recommend b cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[]));
    }

    #[test]
    fn an_exclusive_conflict_names_both_rules_their_actions_and_the_group() {
        let text = format!(
            "{HEAD}action a\naction b\naction c\nexclusive a, c\nexclusive a, b\n\
             rule one {{ when x then recommend a cite R }}\n\
             rule two {{ when y then recommend b cite R }}\n"
        );
        assert_eq!(
            kinds(&text),
            [FindingKind::ExclusiveConflict {
                rule: RuleId(0),
                action: ActionId(0),
                other_rule: RuleId(1),
                other_action: ActionId(1),
                group: 1,
            }]
        );
    }
}
