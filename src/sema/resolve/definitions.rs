//! The definitions pass: each definition's body becomes a condition, with
//! the definitions it uses recorded; then the definitions are put in an
//! order where each uses only earlier ones (renumbering every reference to
//! them), or the first cycle found is reported (E0203).

use std::collections::HashMap;

use super::{ConditionName, Resolver};
use crate::id_vec::IdVec;
use crate::never::OrNever;
use crate::sema::error::{CycleStep, Error};
use crate::sema::model::*;
use crate::syntax::ast;

impl Resolver {
    /// Resolves each declared definition's body, recording the
    /// definitions it uses for [`Resolver::order_definitions`].
    pub(super) fn resolve_definitions(&mut self, definitions: &[(&ast::Define, DefinitionId)]) {
        for &(define, id) in definitions {
            let mut edges = Vec::new();
            let condition = self.condition(&define.body, &mut edges);
            if let Some(slot) = self.model.definitions.get_mut(id).never_none() {
                slot.condition = condition;
            }
            self.definition_edges.set(id, edges);
        }
    }

    /// Reorders definitions so each uses only earlier ones, and reports
    /// cycles. Iterative (Kahn's algorithm): no recursion on hostile input.
    pub(super) fn order_definitions(&mut self) {
        let count = self.model.definitions.len();
        let mut users: IdVec<DefinitionId, Vec<DefinitionId>> = IdVec::filled(Vec::new(), count);
        let mut pending: IdVec<DefinitionId, usize> = IdVec::filled(0, count);
        for (user, edges) in self.definition_edges.iter_enumerated() {
            for (used, _) in edges {
                if let Some(list) = users.get_mut(*used).never_none() {
                    list.push(user);
                }
                if let Some(p) = pending.get_mut(user).never_none() {
                    *p += 1;
                }
            }
        }
        let mut ready: Vec<DefinitionId> = pending
            .iter_enumerated()
            .filter(|&(_, &p)| p == 0)
            .map(|(id, _)| id)
            .rev()
            .collect();
        let mut order = Vec::with_capacity(count);
        while let Some(next) = ready.pop() {
            order.push(next);
            for &user in users.at(next) {
                if let Some(p) = pending.get_mut(user).never_none() {
                    *p -= 1;
                    if *p == 0 {
                        ready.push(user);
                    }
                }
            }
        }
        if order.len() < count {
            self.report_cycles(&pending);
            return;
        }
        // Renumber: old id → new id.
        let mut new_id: IdVec<DefinitionId, DefinitionId> =
            IdVec::filled(DefinitionId::default(), count);
        for (new, &old) in order.iter().enumerate() {
            new_id.set(old, DefinitionId::from_index(new));
        }
        let mut old_definitions: IdVec<DefinitionId, Option<Definition>> =
            std::mem::take(&mut self.model.definitions)
                .into_iter()
                .map(Some)
                .collect();
        for &old in &order {
            if let Some(mut definition) = old_definitions.get_mut(old).and_then(Option::take) {
                renumber(&mut definition.condition, &new_id);
                self.model.definitions.push(definition);
            }
        }
        // Scores were resolved before the definitions were ordered.
        for score in self.model.scores.iter_mut() {
            for item in &mut score.items {
                renumber(&mut item.condition, &new_id);
            }
        }
        let mut used = IdVec::filled(false, count);
        for (old, &new) in new_id.iter_enumerated() {
            used.set(new, *self.used_definitions.at(old));
        }
        self.used_definitions = used;
        for (_, entry) in self.condition_names.iter_mut() {
            if let ConditionName::Definition(id) = &mut entry.0 {
                *id = *new_id.at(*id);
            }
        }
    }

    fn report_cycles(&mut self, pending: &IdVec<DefinitionId, usize>) {
        // Every definition still pending is on or behind a cycle; report
        // one cycle by walking edges among pending definitions.
        let is_pending = |id: DefinitionId| pending.get(id).is_some_and(|&p| p > 0);
        let Some(start) = pending.ids().find(|&id| is_pending(id)) else {
            return;
        };
        let mut path = vec![start];
        let mut position: HashMap<DefinitionId, usize> = HashMap::from([(start, 0)]);
        let mut current = start;
        let cycle = loop {
            let next = self
                .definition_edges
                .at(current)
                .iter()
                .map(|(id, _)| *id)
                .find(|&n| is_pending(n));
            let Some(next) = next else { break Vec::new() };
            if let Some(&at) = position.get(&next) {
                break path.get(at..).unwrap_or_default().to_vec();
            }
            position.insert(next, path.len());
            path.push(next);
            current = next;
        };
        // Each step of the cycle, with where it uses the next one.
        let steps = cycle
            .iter()
            .zip(cycle.iter().cycle().skip(1))
            .map(|(&id, &next)| {
                let definition = self.model.definitions.at(id);
                CycleStep {
                    definition: definition.name.clone(),
                    uses_next: self
                        .definition_edges
                        .at(id)
                        .iter()
                        .find(|(used, _)| *used == next)
                        .map_or(definition.span, |(_, span)| *span),
                }
            })
            .collect::<Vec<_>>();
        if !steps.is_empty() {
            self.error(Error::RecursiveDefinition { cycle: steps });
        }
    }
}

fn renumber(condition: &mut Condition, new_id: &IdVec<DefinitionId, DefinitionId>) {
    let mut stack = vec![condition];
    while let Some(condition) = stack.pop() {
        match &mut condition.kind {
            ConditionKind::Definition(id) => *id = *new_id.at(*id),
            ConditionKind::Not(inner) => stack.push(inner),
            ConditionKind::And(parts) | ConditionKind::Or(parts) => stack.extend(parts.iter_mut()),
            ConditionKind::Implies(left, right) => {
                stack.push(left);
                stack.push(right);
            }
            ConditionKind::Points(test) => {
                stack.extend(test.items.iter_mut().map(|item| &mut item.condition))
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, found, model, the_error};
    use crate::sema::error::Error;
    use crate::sema::model::*;

    #[test]
    fn definitions_are_ordered_so_each_uses_only_earlier_ones() {
        let text = format!(
            "{HEAD}fact x: bool\ndefine late = early\ndefine early = x\n\
             rule r {{ when late then recommend a cite R }}\n"
        );
        let model = model(&text);
        let names: Vec<&str> = model.definitions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["early", "late"]);
        // `late` is renumbered to refer to `early` at its new index, and so
        // is the rule that uses `late`.
        assert_eq!(
            model.definitions.at(DefinitionId(1)).condition.kind,
            ConditionKind::Definition(DefinitionId(0))
        );
        assert_eq!(
            model.rules.at(RuleId(0)).condition.kind,
            ConditionKind::Definition(DefinitionId(1))
        );
    }

    #[test]
    fn a_cycle_is_reported_where_its_first_definition_uses_the_next() {
        let text = format!(
            "{HEAD}fact x: bool\ndefine p = x and q\ndefine q = p\n\
             rule r {{ when p then recommend a cite R }}\n"
        );
        assert_eq!(found(&text), [("E0203", "q")]);
    }

    #[test]
    fn a_definition_that_uses_itself_is_a_cycle_of_one() {
        let text = format!("{HEAD}define p = not p\nrule r {{ when p then recommend a cite R }}\n");
        assert_eq!(found(&text), [("E0203", "p")]);
    }

    #[test]
    fn a_cycle_lists_each_definition_once_in_the_order_they_use_each_other() {
        let text = format!(
            "{HEAD}define p = q\ndefine q = s\ndefine s = p\n\
             rule r {{ when p then recommend a cite R }}\n"
        );
        let Error::RecursiveDefinition { cycle } = the_error(&text) else {
            panic!("no cycle");
        };
        let names: Vec<&str> = cycle.iter().map(|s| s.definition.as_str()).collect();
        assert_eq!(names, ["p", "q", "s"]);
        // Each step points at its use of the next: `q` in `p`'s body.
        let at = cycle[0].uses_next.start_usize();
        assert_eq!(&text[at..at + 1], "q");
    }
}
