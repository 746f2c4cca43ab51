//! When each rule fires, as SAT literals: its own condition, and no earlier
//! member of an enclosing first-match section applying.

use batsat::Lit;

use super::Encoding;
use crate::sema::{Member, Model, SectionId};

/// When each rule fires, as literals: its condition, and no earlier member
/// of an enclosing first-match section applying. Shared by the analyses and
/// by `gdl diff`, which builds it for two versions of a guideline.
pub(crate) struct Firing {
    /// By rule.
    pub(crate) fire: Vec<Lit>,
    /// Whether some rule of each section has a condition that holds.
    pub(crate) section_applies: Vec<Option<Lit>>,
}

impl Firing {
    pub(crate) fn of(model: &Model, encoding: &mut Encoding, condition: &[Lit]) -> Firing {
        let mut builder = FiringBuilder {
            model,
            encoding,
            condition,
            fire: condition.to_vec(),
            section_applies: vec![None; model.sections.len()],
        };
        let none = !builder.encoding.truth();
        builder.members(&model.top_level, None, none);
        // Every section's "applies" literal, for the coverage-gap question.
        for index in 0..model.sections.len() {
            builder.member_condition(Member::Section(SectionId(index as u32)));
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
    condition: &'a [Lit],
    fire: Vec<Lit>,
    section_applies: Vec<Option<Lit>>,
}

impl FiringBuilder<'_> {
    /// Whether a member (rule or section) has a rule whose condition holds
    /// (a section fires when any rule in it does, first-match or not).
    fn member_condition(&mut self, member: Member) -> Lit {
        match member {
            Member::Rule(rule) => self.condition[rule.index()],
            Member::Section(section) => {
                if let Some(known) = self.section_applies[section.index()] {
                    return known;
                }
                let members = self.model.sections[section.index()].members.clone();
                let parts: Vec<Lit> = members
                    .into_iter()
                    .map(|m| self.member_condition(m))
                    .collect();
                let applies = self.encoding.or(&parts);
                self.section_applies[section.index()] = Some(applies);
                applies
            }
        }
    }

    /// Within a first-match section a member fires only when no earlier
    /// member does; `blocked_above` is what pre-empts the whole list.
    fn members(&mut self, members: &[Member], first_match: Option<SectionId>, blocked_above: Lit) {
        let mut earlier: Vec<Lit> = Vec::new();
        for member in members {
            let blocked = if first_match.is_some() {
                let mut parts = earlier.clone();
                parts.push(blocked_above);
                self.encoding.or(&parts)
            } else {
                blocked_above
            };
            match *member {
                Member::Rule(rule) => {
                    let own = self.condition[rule.index()];
                    self.fire[rule.index()] = self.encoding.and(&[own, !blocked]);
                }
                Member::Section(section) => {
                    let inner = &self.model.sections[section.index()];
                    let scope = inner.first_match.then_some(section);
                    self.members(&inner.members, scope, blocked);
                }
            }
            if first_match.is_some() {
                let applies = self.member_condition(*member);
                earlier.push(applies);
            }
        }
    }
}
