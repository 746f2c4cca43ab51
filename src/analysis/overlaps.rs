//! Overlapping members (W0410): a section marked `disjoint` whose members
//! are not mutually exclusive, each pair of overlapping rules shown with a
//! patient both apply to — the proof that a dose table's bands neither
//! overlap nor depend on their order.
//!
//! A member is a rule, or a nested section standing for its rules; two
//! rules of one member are that member's business, not this section's.
//! A table of boxes is answered by box intersection (`boxes`), pair by
//! pair without a SAT call; any other section asks SAT, first whether a
//! member meets any earlier one at all (one question a member), and only
//! then which rules of the earlier members it meets.

use batsat::Lit;

use super::{Analysis, Finding, FindingKind, rules_in};
use crate::eval::proof::{Target, condition_values};
use crate::eval::{Patient, Tri};
use crate::sema::{Member, RuleId};

impl Analysis<'_> {
    /// Every `disjoint` section: each pair of rules of different members
    /// that some plausible patient satisfies both of.
    pub(super) fn overlaps(&mut self) {
        for (index, section) in self.model.sections.iter_enumerated() {
            if !section.disjoint {
                continue;
            }
            let members: Vec<(Vec<RuleId>, Lit)> = section
                .members
                .iter()
                .map(|member| self.member_rules(*member))
                .collect();
            let pairs = self
                .box_overlaps(&members)
                .unwrap_or_else(|| self.sat_overlaps(&members));
            for (rule, other, patient) in pairs {
                // The interpreter confirms both conditions hold for the
                // patient, each on its own (whatever fires first).
                let both = condition_values(
                    &self.program,
                    &patient,
                    &[Target::Rule(other), Target::Rule(rule)],
                );
                if both.iter().all(|value| *value == Tri::True) {
                    self.findings.push(Finding {
                        kind: FindingKind::OverlappingMembers {
                            section: index,
                            rule,
                            other,
                        },
                        witness: Some(patient),
                    });
                }
            }
        }
    }

    /// A member's rules, and when some of them applies.
    fn member_rules(&self, member: Member) -> (Vec<RuleId>, Lit) {
        match member {
            Member::Rule(rule) => (vec![rule], *self.condition.at(rule)),
            Member::Section(inner) => (
                rules_in(self.model, inner),
                self.section_applies
                    .at(inner)
                    .unwrap_or(!self.encoding.truth()),
            ),
        }
    }

    /// The overlapping pairs of a section whose members are all rules of
    /// box conditions, by box intersection: (later rule, earlier rule, a
    /// patient of both), later rule first. `None` when boxes do not
    /// answer (invariants, a nested section, a condition that is no box).
    fn box_overlaps(
        &self,
        members: &[(Vec<RuleId>, Lit)],
    ) -> Option<Vec<(RuleId, RuleId, Patient)>> {
        let boxes = self.boxes.as_ref()?;
        let rules: Vec<RuleId> = members
            .iter()
            .map(|(rules, _)| match rules.as_slice() {
                [rule] => Some(*rule),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let conditions: Vec<Lit> = members.iter().map(|(_, condition)| *condition).collect();
        let pairs = boxes.overlapping(&conditions)?;
        let rule = |at: usize| rules.get(at).copied();
        Some(
            pairs
                .into_iter()
                .filter_map(|(later, earlier, point)| {
                    Some((
                        rule(later)?,
                        rule(earlier)?,
                        self.encoding.patient_at(&point),
                    ))
                })
                .collect(),
        )
    }

    /// The overlapping pairs of a section, by SAT.
    fn sat_overlaps(&mut self, members: &[(Vec<RuleId>, Lit)]) -> Vec<(RuleId, RuleId, Patient)> {
        let mut found = Vec::new();
        // Some earlier member applies: a chain of two-input gates, as in
        // `firing`, so a section of n members costs O(n) clauses.
        let mut earlier = !self.encoding.truth();
        for (position, (rules, applies)) in members.iter().enumerate() {
            let meets_earlier = position > 0 && self.sat(&[*applies, earlier, self.plausible]);
            earlier = self.encoding.or(&[earlier, *applies]);
            if !meets_earlier {
                continue;
            }
            for rule in rules {
                for (others, _) in members.iter().take(position) {
                    for other in others {
                        let both = [
                            *self.condition.at(*other),
                            *self.condition.at(*rule),
                            self.plausible,
                        ];
                        if let Some(patient) = self.witness(&both) {
                            found.push((*rule, *other, patient));
                        }
                    }
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, expect, found, kinds};
    use crate::analysis::FindingKind;
    use crate::sema::{RuleId, SectionId};

    /// `HEAD`, a weight fact and actions `a` and `b`.
    fn head() -> String {
        format!("{HEAD}fact w: quantity kg\naction a\naction b\n")
    }

    #[test]
    fn half_open_bands_are_disjoint_and_closed_ones_share_their_end() {
        let half_open = format!(
            "{}section s disjoint {{\n\
               rule light {{ when w in 0..<60 kg then recommend a cite R }}\n\
               rule heavy {{ when w in 60..<500 kg then recommend b cite R }}\n}}\n",
            head()
        );
        assert_eq!(found(&half_open), expect(&[]));
        let closed = half_open.replace("..<", "..");
        assert_eq!(found(&closed), expect(&[("W0410", "heavy")]));
    }

    #[test]
    fn each_overlapping_pair_is_one_finding_about_the_later_rule() {
        let text = format!(
            "{}section s first-match disjoint {{\n\
               rule one {{ when x then recommend a cite R }}\n\
               rule two {{ when y then recommend b cite R }}\n\
               rule three {{ when x and y then recommend b cite R }}\n}}\n",
            head()
        );
        let overlaps: Vec<FindingKind> = kinds(&text)
            .into_iter()
            .filter(|kind| matches!(kind, FindingKind::OverlappingMembers { .. }))
            .collect();
        let pair = |rule, other| FindingKind::OverlappingMembers {
            section: SectionId(0),
            rule: RuleId(rule),
            other: RuleId(other),
        };
        assert_eq!(overlaps, [pair(1, 0), pair(2, 0), pair(2, 1)]);
    }

    #[test]
    fn a_nested_section_is_one_member_standing_for_its_rules() {
        // `inner`'s two rules overlap each other (its own business) and
        // `last` overlaps only `p`.
        let text = format!(
            "{}section s disjoint {{\n\
               section inner {{\n\
                 rule p {{ when x then recommend a cite R }}\n\
                 rule q {{ when x and y then recommend b cite R }}\n\
               }}\n\
               rule last {{ when not x or (x and not y) then recommend b cite R }}\n}}\n",
            head()
        );
        let overlaps: Vec<FindingKind> = kinds(&text)
            .into_iter()
            .filter(|kind| matches!(kind, FindingKind::OverlappingMembers { .. }))
            .collect();
        assert_eq!(
            overlaps,
            [FindingKind::OverlappingMembers {
                section: SectionId(0),
                rule: RuleId(2),
                other: RuleId(0),
            }]
        );
    }

    #[test]
    fn an_invariant_that_excludes_the_overlap_leaves_none() {
        let text = format!(
            "{}invariant not (x and y)\n\
             section s disjoint {{\n\
               rule one {{ when x then recommend a cite R }}\n\
               rule two {{ when y then recommend b cite R }}\n}}\n",
            head()
        );
        assert_eq!(found(&text), expect(&[]));
    }
}
