//! Rules that can never fire (W0401: no plausible patient satisfies the
//! condition) and rules shadowed in first-match sections (W0402: earlier
//! rules take every patient the rule applies to).

use super::parallel::map_indices_with;
use super::{Analysis, Finding, FindingKind, Shadower, rules_in};
use crate::eval::{Evaluation, RuleStatus};
use crate::sema::{Model, RuleId};

impl Analysis<'_> {
    /// Every rule's question, on every core: each rule is asked on its
    /// own (its questions add nothing to the encoding), so the findings
    /// are those of asking them one after another.
    pub(super) fn unreachable_and_shadowed(&mut self) {
        let rules: Vec<RuleId> = self.model.rules.ids().collect();
        let found = map_indices_with(
            rules.len(),
            || self.worker(),
            |worker, index| {
                let rule = *rules.get(index)?;
                worker.unreachable_or_shadowed(rule)
            },
        );
        self.findings.extend(found.into_iter().flatten());
    }

    /// Whether the rule can never fire (W0401), or is shadowed (W0402).
    fn unreachable_or_shadowed(&mut self, rule: RuleId) -> Option<Finding> {
        let index = rule;
        if self.rule_undecided(index) {
            return None;
        }
        let own = vec![*self.condition.at(index), self.plausible];
        if !self.sat(&own) {
            // No plausible patient satisfies the condition. When some
            // implausible one does, it is the witness: the interpreter
            // stops at the invariant it violates.
            let witness = self
                .witness(&[*self.condition.at(index)])
                .filter(|p| *self.evaluate(p).rules.at(index) == RuleStatus::NotReached);
            return Some(Finding {
                kind: FindingKind::UnreachableRule {
                    rule,
                    only_implausible: witness.is_some(),
                },
                witness,
            });
        }
        if self.sat(&self.fires(index)) {
            return None;
        }
        let patient = self.witness(&own)?;
        let evaluation = self.evaluate(&patient);
        if *evaluation.rules.at(index) != RuleStatus::Shadowed {
            return None;
        }
        let (shadowers, more) = self.takers(rule, &evaluation);
        Some(Finding {
            kind: FindingKind::ShadowedRule {
                rule,
                shadowers,
                more,
            },
            witness: Some(patient),
        })
    }
}

/// How many of the earlier rules that take a shadowed rule's patients a
/// finding names: enough to show where its patients go, few enough that a
/// table of thousands of rows does not print thousands of labels each.
const TAKERS_SHOWN: usize = 3;

impl Analysis<'_> {
    /// Earlier rules that fire first for some patients of a shadowed rule:
    /// the one that fires for the example patient (`evaluation`), then one
    /// that fires for a patient of the rule none found so far fires for,
    /// and so on up to [`TAKERS_SHOWN`]; and whether there are more. Each
    /// named is confirmed by the interpreter on its patient.
    fn takers(&mut self, rule: RuleId, evaluation: &Evaluation) -> (Vec<Shadower>, bool) {
        let peers = first_match_peers(self.model, rule);
        let fired_before = |evaluation: &Evaluation| fired_before(&peers, rule, evaluation);
        let mut takers: Vec<Shadower> = fired_before(evaluation)
            .map(|taker| Shadower {
                rule: taker,
                fires_for_witness: true,
            })
            .into_iter()
            .collect();
        let known: Vec<RuleId> = takers.iter().map(|t| t.rule).collect();
        let limit = TAKERS_SHOWN + 1 - takers.len();
        let patients = self.taken_elsewhere(rule, &known, limit, &peers);
        for patient in patients {
            // That there are more is proved by the search; only the rules
            // named are run.
            if takers.len() == TAKERS_SHOWN {
                takers.sort_by_key(|t| t.rule);
                return (takers, true);
            }
            let Some(taker) = fired_before(&self.evaluate(&patient)) else {
                break;
            };
            if takers.iter().any(|t| t.rule == taker) {
                break;
            }
            takers.push(Shadower {
                rule: taker,
                fires_for_witness: false,
            });
        }
        takers.sort_by_key(|t| t.rule);
        (takers, false)
    }
}

/// The earlier rule among `peers` that fired for this evaluation: the one
/// that takes the patient from `rule`.
pub(super) fn fired_before(
    peers: &[RuleId],
    rule: RuleId,
    evaluation: &Evaluation,
) -> Option<RuleId> {
    peers
        .iter()
        .copied()
        .find(|peer| *peer < rule && *evaluation.rules.at(*peer) == RuleStatus::Fired)
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
        let [
            FindingKind::ShadowedRule {
                rule, shadowers, ..
            },
        ] = &kinds(&text)[..]
        else {
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

    /// An earlier rule that overlaps the shadowed one only where a rule
    /// before it already fires is not named: it takes none of its patients.
    #[test]
    fn a_shadowed_rule_names_only_rules_that_take_its_patients() {
        let text = format!(
            "{HEAD}action a\naction b\nsection s first-match {{\n\
               rule wide {{ when x then recommend a cite R }}\n\
               rule overlap {{ when y then recommend a cite R }}\n\
               rule narrow {{ when x and y then recommend b cite R }}\n}}\n"
        );
        let found = kinds(&text);
        let Some(FindingKind::ShadowedRule {
            shadowers, more, ..
        }) = found.last()
        else {
            panic!("{found:?}");
        };
        let rules: Vec<RuleId> = shadowers.iter().map(|s| s.rule).collect();
        assert_eq!((rules, *more), (vec![RuleId(0)], false));
    }

    #[test]
    fn a_rule_shadowed_by_many_names_a_few_and_says_there_are_more() {
        let text = format!(
            "{HEAD}fact z: bool\naction a\nsection s first-match {{\n\
               rule r1 {{ when x and y then recommend a cite R }}\n\
               rule r2 {{ when x and not y then recommend a cite R }}\n\
               rule r3 {{ when not x and y then recommend a cite R }}\n\
               rule r4 {{ when not x and not y then recommend a cite R }}\n\
               rule last {{ when z then recommend a cite R }}\n}}\n"
        );
        let found = kinds(&text);
        let Some(FindingKind::ShadowedRule {
            shadowers, more, ..
        }) = found
            .iter()
            .find(|k| matches!(k, FindingKind::ShadowedRule { .. }))
        else {
            panic!("{found:?}");
        };
        assert_eq!((shadowers.len(), *more), (super::TAKERS_SHOWN, true));
        assert_eq!(shadowers.iter().filter(|s| s.fires_for_witness).count(), 1);
    }
}
