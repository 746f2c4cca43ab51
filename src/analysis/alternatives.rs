//! Alternatives of a recommendation that are always withheld whenever the
//! rule fires, and later alternatives never reached because an earlier one
//! can always be given. The options of an equal choice are all offered
//! whenever they are not withheld and its preferred alternatives (if any)
//! are, so a plain `any of` never has one "not reached".

use super::{Analysis, Finding, FindingKind};
use crate::eval::proof::{Target, proof_tree};
use crate::eval::{Evaluation, Patient, RuleStatus, Tri};
use crate::sema::{ActionId, Outcome};

impl Analysis<'_> {
    /// Whether the interpreter sees the action contraindicated or avoided
    /// for this patient (whether or not a rule got as far as it).
    fn blocked_for(&self, patient: &Patient, evaluation: &Evaluation, action: ActionId) -> bool {
        let contraindicated =
            (0..self.model.actions.at(action).contraindications.len()).any(|clause| {
                proof_tree(
                    &self.program,
                    patient,
                    Target::Contraindication(action, clause),
                )
                .first()
                .is_some_and(|root| root.value == Tri::True)
            });
        contraindicated || evaluation.avoided.iter().any(|a| a.action == action)
    }

    pub(super) fn alternatives(&mut self) {
        for (index, rule) in self.model.rules.iter_enumerated() {
            if self.rule_undecided(index) {
                continue;
            }
            let fires = self.fires(index);
            let Some(patient) = self.witness(&fires) else {
                continue; // unreachable rules are reported once, above
            };
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for (position, action) in choice.actions.iter().enumerate() {
                    let mut clear = fires.clone();
                    clear.push(!*self.blocked.at(*action));
                    if !self.sat(&clear) {
                        // Any patient for whom the rule fires shows it.
                        let witness = patient.clone();
                        let evaluation = self.evaluate(&witness);
                        if *evaluation.rules.at(index) == RuleStatus::Fired
                            && self.blocked_for(&witness, &evaluation, *action)
                        {
                            self.findings.push(Finding {
                                kind: FindingKind::AlwaysWithheld {
                                    rule: index,
                                    action: *action,
                                },
                                witness: Some(witness),
                            });
                        }
                        continue;
                    }
                    // An option of an equal choice is reached whenever its
                    // preferred alternatives (if any) are withheld: `gives`
                    // asks only that, so a plain `any of` never gets here.
                    if position == 0 || self.sat(&self.gives(index, choice_index, position)) {
                        continue;
                    }
                    // Prefer a witness where an earlier alternative is given.
                    let mut witness = None;
                    for earlier in 0..position {
                        let assumptions = self.gives(index, choice_index, earlier);
                        witness = self.witness(&assumptions);
                        if witness.is_some() {
                            break;
                        }
                    }
                    let witness = witness.unwrap_or_else(|| patient.clone());
                    let evaluation = self.evaluate(&witness);
                    let confirmed = *evaluation.rules.at(index) == RuleStatus::Fired
                        && !evaluation.recommended.iter().any(|r| {
                            r.rule == index && r.choice == choice_index && r.action == *action
                        });
                    if confirmed {
                        self.findings.push(Finding {
                            kind: FindingKind::UnreachableAlternative {
                                rule: index,
                                action: *action,
                            },
                            witness: Some(witness),
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
    use crate::sema::{ActionId, RuleId};

    #[test]
    fn an_alternative_contraindicated_whenever_the_rule_fires_is_withheld() {
        let text = format!(
            "{HEAD}action a {{ contraindicated-if y cite R }}\naction b\n\
             rule r {{ when x and y then recommend a, b cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0403", "r")]));
    }

    #[test]
    fn an_alternative_after_one_that_is_always_given_is_never_reached() {
        let text =
            format!("{HEAD}action a\naction b\nrule r {{ when x then recommend a, b cite R }}\n");
        assert_eq!(found(&text), expect(&[("W0404", "r")]));
    }

    #[test]
    fn no_option_of_an_equal_choice_is_unreachable() {
        let text = format!(
            "{HEAD}action a\naction b\naction c\n\
             rule r {{ when x then recommend any of a, b, c cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[]));
    }

    #[test]
    fn an_option_of_an_equal_choice_can_be_always_withheld() {
        let text = format!(
            "{HEAD}action a\naction b {{ contraindicated-if y cite R }}\n\
             rule r {{ when x and y then recommend any of a, b cite R }}\n"
        );
        assert_eq!(
            kinds(&text),
            [FindingKind::AlwaysWithheld {
                rule: RuleId(0),
                action: ActionId(1)
            }]
        );
    }

    #[test]
    fn an_alternative_finding_names_its_action() {
        let withheld = format!(
            "{HEAD}action a {{ contraindicated-if y cite R }}\naction b\n\
             rule r {{ when x and y then recommend a, b cite R }}\n"
        );
        assert_eq!(
            kinds(&withheld),
            [FindingKind::AlwaysWithheld {
                rule: RuleId(0),
                action: ActionId(0)
            }]
        );
        let never =
            format!("{HEAD}action a\naction b\nrule r {{ when x then recommend a, b cite R }}\n");
        let found = kinds(&never);
        assert_eq!(
            found,
            [FindingKind::UnreachableAlternative {
                rule: RuleId(0),
                action: ActionId(1)
            }]
        );
        assert_eq!(found[0].alternative(), Some(ActionId(1)));
    }
}
