//! Rules that can never fire (W0401: no plausible patient satisfies the
//! condition) and rules shadowed in first-match sections (W0402: earlier
//! rules take every patient the rule applies to).

use super::{Analysis, Finding, rules_in};
use crate::diagnostics::Code;
use crate::eval::RuleStatus;
use crate::sema::{Model, RuleId};

impl Analysis<'_> {
    pub(super) fn unreachable_and_shadowed(&mut self) {
        for index in 0..self.model.rules.len() {
            let rule = RuleId(index as u32);
            let own = vec![self.condition[index], self.plausible];
            if !self.sat(&own) {
                // No plausible patient satisfies the condition. When some
                // implausible one does, it is the witness: the interpreter
                // stops at the invariant it violates.
                let witness = self
                    .witness(&[self.condition[index]])
                    .filter(|p| self.evaluate(p).rules[index] == RuleStatus::NotReached);
                let detail = if witness.is_some() {
                    "only patients who contradict an invariant satisfy its condition"
                } else {
                    "no patient satisfies its condition"
                };
                self.findings.push(Finding {
                    code: Code::UnreachableRule,
                    rule: Some(rule),
                    section: None,
                    message: format!("rule `{}` can never fire: {detail}", self.model.rules[index].name),
                    others: Vec::new(),
                    help: "fix the condition (a contradiction, or a threshold on the wrong side), or delete the rule".to_owned(),
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
            if evaluation.rules[index] != RuleStatus::Shadowed {
                continue;
            }
            let peers = first_match_peers(self.model, rule);
            let mut others = Vec::new();
            for earlier in (0..index).filter(|i| peers.contains(&RuleId(*i as u32))) {
                if !self.sat(&[
                    self.condition[earlier],
                    self.condition[index],
                    self.plausible,
                ]) {
                    continue;
                }
                let label = if evaluation.rules[earlier] == RuleStatus::Fired {
                    "fires first for the example patient"
                } else {
                    "fires first for some of its patients"
                };
                others.push((RuleId(earlier as u32), label.to_owned()));
            }
            self.findings.push(Finding {
                code: Code::ShadowedRule,
                rule: Some(rule),
                section: None,
                message: format!(
                    "rule `{}` is shadowed: in its first-match section, earlier rules apply to every patient it applies to",
                    self.model.rules[index].name
                ),
                others,
                help: "move the rule before the rules that shadow it, narrow their conditions, or delete it".to_owned(),
                witness: Some(patient),
            });
        }
    }
}

/// Rules that share a first-match section with `rule` (at any level).
fn first_match_peers(model: &Model, rule: RuleId) -> Vec<RuleId> {
    let mut peers = Vec::new();
    let mut section = model.rules[rule.index()].section;
    while let Some(id) = section {
        let current = &model.sections[id.index()];
        if current.first_match {
            peers.extend(rules_in(model, id));
        }
        section = current.parent;
    }
    peers
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, expect, found};

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
}
