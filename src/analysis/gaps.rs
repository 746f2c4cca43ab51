//! Coverage gaps: a section marked `complete` that leaves some plausible
//! patient without a decision.

use super::{Analysis, Finding, FindingKind, rules_in};
use crate::eval::RuleStatus;

impl Analysis<'_> {
    /// Sections marked `complete` must give every plausible patient a decision.
    pub(super) fn gaps(&mut self) {
        for (index, section) in self.model.sections.iter_enumerated() {
            if !section.complete || self.section_undecided(index) {
                continue;
            }
            let rules = rules_in(self.model, index);
            // Patients an enclosing first-match section sends elsewhere are
            // not this section's gap: ask for no rule condition holding.
            let applies = self
                .section_applies
                .at(index)
                .unwrap_or(!self.encoding.truth());
            let assumptions = vec![self.plausible, !applies];
            let Some(patient) = self.witness(&assumptions) else {
                continue;
            };
            let evaluation = self.evaluate(&patient);
            if rules
                .iter()
                .any(|r| *evaluation.rules.at(*r) == RuleStatus::Fired)
            {
                continue;
            }
            // A section with no rule at all gives no patient a decision:
            // the finding is about the section itself.
            self.findings.push(Finding {
                kind: FindingKind::CoverageGap {
                    section: index,
                    first_rule: rules.first().copied(),
                },
                witness: Some(patient),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, expect, found, kinds};
    use crate::analysis::FindingKind;
    use crate::sema::{RuleId, SectionId};

    #[test]
    fn a_complete_section_that_misses_patients_has_a_gap() {
        let text = format!(
            "{HEAD}action a\nsection s complete {{\n\
               rule r {{ when x then recommend a cite R }}\n}}\n"
        );
        assert_eq!(found(&text), expect(&[("W0408", "r")]));
    }

    #[test]
    fn a_complete_section_that_covers_everyone_has_none() {
        let text = format!(
            "{HEAD}action a\naction b\nsection s complete {{\n\
               rule yes {{ when x then recommend a cite R }}\n\
               rule no {{ when not x then recommend b cite R }}\n}}\n"
        );
        assert_eq!(found(&text), expect(&[]));
    }

    #[test]
    fn a_gap_is_about_the_sections_first_rule_or_the_section_alone() {
        let text = format!(
            "{HEAD}action a\nrule any {{ when y then recommend a cite R }}\n\
             section s complete {{\n\
               rule r {{ when x then recommend a cite R }}\n}}\n\
             section empty complete {{\n}}\n"
        );
        let found = kinds(&text);
        assert_eq!(
            found,
            [
                FindingKind::CoverageGap {
                    section: SectionId(0),
                    first_rule: Some(RuleId(1))
                },
                FindingKind::CoverageGap {
                    section: SectionId(1),
                    first_rule: None
                },
            ]
        );
        assert_eq!(found[1].rule(), None);
        assert_eq!(found[1].section(), Some(SectionId(1)));
    }
}
