//! Rules that can never fire (W0401: no plausible patient satisfies the
//! condition) and rules shadowed in first-match sections (W0402: earlier
//! rules take every patient the rule applies to).

use super::{Analysis, Finding, FindingKind, Shadower, rules_in};
use crate::eval::RuleStatus;
use crate::sema::{Model, RuleId};

impl Analysis<'_> {
    pub(super) fn unreachable_and_shadowed(&mut self) {
        for rule in self.model.rules.ids() {
            let index = rule;
            if self.rule_undecided(index) {
                continue;
            }
            let own = vec![*self.condition.at(index), self.plausible];
            if !self.sat(&own) {
                // No plausible patient satisfies the condition. When some
                // implausible one does, it is the witness: the interpreter
                // stops at the invariant it violates.
                let witness = self
                    .witness(&[*self.condition.at(index)])
                    .filter(|p| *self.evaluate(p).rules.at(index) == RuleStatus::NotReached);
                self.findings.push(Finding {
                    kind: FindingKind::UnreachableRule {
                        rule,
                        only_implausible: witness.is_some(),
                    },
                    witness,
                });
                continue;
            }
            if self.sat(&self.fires(index)) {
                continue;
            }
            let Some(patient) = self.witness(&own) else {
                continue;
            };
            let evaluation = self.evaluate(&patient);
            if *evaluation.rules.at(index) != RuleStatus::Shadowed {
                continue;
            }
            let peers = first_match_peers(self.model, rule);
            let mut shadowers = Vec::new();
            let earlier_rules = self
                .model
                .rules
                .ids()
                .take_while(|&earlier| earlier < index);
            for earlier in earlier_rules.filter(|earlier| peers.contains(earlier)) {
                if !self.sat(&[
                    *self.condition.at(earlier),
                    *self.condition.at(index),
                    self.plausible,
                ]) {
                    continue;
                }
                shadowers.push(Shadower {
                    rule: earlier,
                    fires_for_witness: *evaluation.rules.at(earlier) == RuleStatus::Fired,
                });
            }
            self.findings.push(Finding {
                kind: FindingKind::ShadowedRule { rule, shadowers },
                witness: Some(patient),
            });
        }
    }
}

/// Rules that share a first-match section with `rule` (at any level).
fn first_match_peers(model: &Model, rule: RuleId) -> Vec<RuleId> {
    let mut peers = Vec::new();
    let mut section = model.rules.at(rule).section;
    while let Some(id) = section {
        let current = &model.sections.at(id);
        if current.first_match {
            peers.extend(rules_in(model, id));
        }
        section = current.parent;
    }
    peers
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, expect, found, kinds};
    use crate::analysis::{FindingKind, Shadower};
    use crate::sema::RuleId;

    #[test]
    fn a_contradiction_never_fires() {
        let text =
            format!("{HEAD}action a\nrule r {{ when x and not x then recommend a cite R }}\n");
        assert_eq!(found(&text), expect(&[("W0401", "r")]));
    }

    #[test]
    fn an_invariant_can_make_a_rule_unreachable() {
        let text = format!(
            "{HEAD}invariant x implies y\naction a\n\
             rule r {{ when x and not y then recommend a cite R }}\n"
        );
        assert_eq!(found(&text), expect(&[("W0401", "r")]));
    }

    #[test]
    fn a_later_rule_of_a_first_match_section_can_be_shadowed() {
        let text = format!(
            "{HEAD}action a\naction b\nsection s first-match {{\n\
               rule wide {{ when x then recommend a cite R }}\n\
               rule narrow {{ when x and y then recommend b cite R }}\n}}\n"
        );
        assert_eq!(found(&text), expect(&[("W0402", "narrow")]));
    }

    #[test]
    fn an_unreachable_rule_says_whether_an_implausible_patient_satisfies_it() {
        let contradiction =
            format!("{HEAD}action a\nrule r {{ when x and not x then recommend a cite R }}\n");
        let excluded = format!(
            "{HEAD}invariant x implies y\naction a\n\
             rule r {{ when x and not y then recommend a cite R }}\n"
        );
        for (text, only_implausible) in [(contradiction, false), (excluded, true)] {
            assert_eq!(
                kinds(&text),
                [FindingKind::UnreachableRule {
                    rule: RuleId(0),
                    only_implausible
                }]
            );
        }
    }

    #[test]
    fn a_shadowed_rule_lists_the_earlier_rules_that_take_its_patients() {
        let text = format!(
            "{HEAD}action a\naction b\nsection s first-match {{\n\
               rule w1 {{ when x then recommend a cite R }}\n\
               rule w2 {{ when not x then recommend a cite R }}\n\
               rule narrow {{ when y then recommend b cite R }}\n}}\n"
        );
        let [FindingKind::ShadowedRule { rule, shadowers }] = &kinds(&text)[..] else {
            panic!("{:?}", kinds(&text));
        };
        assert_eq!(*rule, RuleId(2));
        // Both earlier rules can take its patients; one of them fires for
        // the witness patient, the other does not.
        let rules: Vec<RuleId> = shadowers.iter().map(|s| s.rule).collect();
        assert_eq!(rules, [RuleId(0), RuleId(1)]);
        let firing: Vec<&Shadower> = shadowers.iter().filter(|s| s.fires_for_witness).collect();
        assert_eq!(firing.len(), 1, "{shadowers:?}");
    }
}
