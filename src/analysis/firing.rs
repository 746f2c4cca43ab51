//! When each rule fires, as SAT literals: its own condition, and no earlier
//! member of an enclosing first-match section applying.

use batsat::Lit;

use super::Encoding;
use crate::id_vec::IdVec;
use crate::sema::{Member, Model, RuleId, SectionId};

/// When each rule fires, as literals: its condition, and no earlier member
/// of an enclosing first-match section applying. Shared by the analyses and
/// by `gdl diff`, which builds it for two versions of a guideline.
pub(crate) struct Firing {
    /// By rule.
    pub(crate) fire: IdVec<RuleId, Lit>,
    /// Whether some rule of each section has a condition that holds.
    pub(crate) section_applies: IdVec<SectionId, Option<Lit>>,
}

impl Firing {
    pub(crate) fn of(
        model: &Model,
        encoding: &mut Encoding,
        condition: &IdVec<RuleId, Lit>,
    ) -> Firing {
        let mut builder = FiringBuilder {
            model,
            encoding,
            condition,
            fire: condition.clone(),
            section_applies: IdVec::filled(None, model.sections.len()),
        };
        let none = !builder.encoding.truth();
        builder.members(&model.top_level, None, none);
        // Every section's "applies" literal, for the coverage-gap question.
        for section in model.sections.ids() {
            builder.member_condition(Member::Section(section));
        }
        Firing {
            fire: builder.fire,
            section_applies: builder.section_applies,
        }
    }
}

struct FiringBuilder<'a> {
    model: &'a Model,
    encoding: &'a mut Encoding,
    condition: &'a IdVec<RuleId, Lit>,
    fire: IdVec<RuleId, Lit>,
    section_applies: IdVec<SectionId, Option<Lit>>,
}

impl FiringBuilder<'_> {
    /// Whether a member (rule or section) has a rule whose condition holds
    /// (a section fires when any rule in it does, first-match or not).
    fn member_condition(&mut self, member: Member) -> Lit {
        match member {
            Member::Rule(rule) => *self.condition.at(rule),
            Member::Section(section) => {
                if let Some(known) = *self.section_applies.at(section) {
                    return known;
                }
                let members = self.model.sections.at(section).members.clone();
                let parts: Vec<Lit> = members
                    .into_iter()
                    .map(|m| self.member_condition(m))
                    .collect();
                let applies = self.encoding.or(&parts);
                self.section_applies.set(section, Some(applies));
                applies
            }
        }
    }

    /// Within a first-match section a member fires only when no earlier
    /// member does; `blocked_above` is what pre-empts the whole list.
    fn members(&mut self, members: &[Member], first_match: Option<SectionId>, blocked_above: Lit) {
        // In a first-match section a member is blocked by what blocks the
        // section or by an earlier member applying: a chain of two-input
        // gates, so a section of n members costs O(n) clauses, not O(n²).
        let mut blocked = blocked_above;
        for member in members {
            match *member {
                Member::Rule(rule) => {
                    let own = *self.condition.at(rule);
                    let fire = self.encoding.and(&[own, !blocked]);
                    self.fire.set(rule, fire);
                }
                Member::Section(section) => {
                    let inner = &self.model.sections.at(section);
                    let scope = inner.first_match.then_some(section);
                    self.members(&inner.members, scope, blocked);
                }
            }
            if first_match.is_some() {
                let applies = self.member_condition(*member);
                blocked = self.encoding.or(&[blocked, applies]);
            }
        }
    }
}
