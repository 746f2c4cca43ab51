//! The analyses' side of the box search (`boxes`): deciding first-match
//! questions before the lint families run, answering the questions it
//! decided, and reporting what it could not decide within its budget as
//! not analysed (W0409), so that no rule passes unchecked in silence.

use std::sync::Arc;

use batsat::Lit;

use super::boxes::Boxes;
use super::unreachable::fired_before;
use super::{Analysis, Finding, FindingKind, Unanalysed};
use crate::eval::Patient;
use crate::sema::{RuleId, SectionId};

impl Analysis<'_> {
    /// Decides, by boxes, the first-match questions that are boxes.
    /// A budget of 0 turns the box search off: every question goes to SAT,
    /// as before the box search existed (the reference it is tested
    /// against).
    pub(super) fn decide_boxes(&mut self, budget: u64) {
        if budget == 0 {
            return;
        }
        self.boxes = Some(Arc::new(Boxes::build(
            self.model,
            &self.encoding,
            &self.condition,
            &self.fire,
            &self.section_applies,
            self.plausible,
            budget,
        )));
    }

    /// The box answer to a question, when the boxes decided it: a point
    /// (cell or value per fact) when it can hold, `None` when it cannot.
    pub(super) fn box_answer(&self, assumptions: &[Lit]) -> Option<Option<Vec<u32>>> {
        self.boxes
            .as_ref()?
            .answer(assumptions, self.encoding.truth())
    }

    /// Patients of the rule for whom earlier rules of its first-match
    /// section fire first that are not `known`, one after another (each
    /// for a patient none of those before fires for), up to `limit`: by
    /// boxes when the rule is in a box section, else by SAT (the rule holds
    /// and none of those before fires). `peers` are the rules of the
    /// rule's first-match sections.
    pub(super) fn taken_elsewhere(
        &mut self,
        rule: RuleId,
        known: &[RuleId],
        limit: usize,
        peers: &[RuleId],
    ) -> Vec<Patient> {
        if let Some(found) = self
            .boxes
            .as_ref()
            .and_then(|b| b.takers(rule, known, limit))
        {
            return found
                .iter()
                .map(|(_, point)| self.encoding.patient_at(point))
                .collect();
        }
        let mut question = vec![*self.condition.at(rule), self.plausible];
        question.extend(known.iter().map(|k| !*self.fire.at(*k)));
        let mut found = Vec::new();
        while found.len() < limit {
            let Some(patient) = self.witness(&question) else {
                break;
            };
            // The rule that fires for it, so that the next patient escapes it.
            let evaluation = self.evaluate(&patient);
            let Some(taker) = fired_before(peers, rule, &evaluation) else {
                break;
            };
            question.push(!*self.fire.at(taker));
            found.push(patient);
        }
        found
    }

    /// Whether the rule's first-match question ran out of budget: the lint
    /// families leave it alone, and it is reported not analysed.
    pub(super) fn rule_undecided(&self, rule: RuleId) -> bool {
        self.boxes
            .as_ref()
            .is_some_and(|b| b.undecided_rules.contains(&rule))
    }

    /// Whether the section's coverage question ran out of budget.
    pub(super) fn section_undecided(&self, section: SectionId) -> bool {
        self.boxes
            .as_ref()
            .is_some_and(|b| b.undecided_sections.contains(&section))
    }

    /// A W0409 finding for each rule and section left undecided.
    pub(super) fn not_analysed(&mut self) {
        let Some(boxes) = &self.boxes else { return };
        let rules = boxes
            .undecided_rules
            .iter()
            .map(|rule| FindingKind::NotAnalysed {
                rule: Some(*rule),
                section: None,
                why: Unanalysed::Budget,
            });
        let sections = boxes
            .undecided_sections
            .iter()
            .map(|section| FindingKind::NotAnalysed {
                rule: None,
                section: Some(*section),
                why: Unanalysed::Budget,
            });
        let found: Vec<Finding> = rules
            .chain(sections)
            .map(|kind| Finding {
                kind,
                witness: None,
            })
            .collect();
        self.findings.extend(found);
    }
}
