//! The definitions pass: each definition's body becomes a condition, with
//! the definitions it uses recorded; then the definitions are put in an
//! order where each uses only earlier ones (renumbering every reference to
//! them), or the first cycle found is reported (E0203).

use std::collections::HashMap;

use super::{ConditionName, Resolver, id32};
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
            if let Some(slot) = self.model.definitions.get_mut(id.index()) {
                slot.condition = condition;
            }
            if let Some(slot) = self.definition_edges.get_mut(id.index()) {
                *slot = edges;
            }
        }
    }

    /// Reorders definitions so each uses only earlier ones, and reports
    /// cycles. Iterative (Kahn's algorithm): no recursion on hostile input.
    pub(super) fn order_definitions(&mut self) {
        let count = self.model.definitions.len();
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); count];
        let mut pending: Vec<usize> = vec![0; count];
        for (user, edges) in self.definition_edges.iter().enumerate() {
            for (used, _) in edges {
                if let Some(list) = users.get_mut(used.index()) {
                    list.push(user);
                }
                if let Some(p) = pending.get_mut(user) {
                    *p += 1;
                }
            }
        }
        let mut ready: Vec<usize> = (0..count).filter(|&i| pending[i] == 0).rev().collect();
        let mut order = Vec::with_capacity(count);
        while let Some(next) = ready.pop() {
            order.push(next);
            for &user in &users[next] {
                pending[user] -= 1;
                if pending[user] == 0 {
                    ready.push(user);
                }
            }
        }
        if order.len() < count {
            self.report_cycles(&pending);
            return;
        }
        // Renumber: old index → new index.
        let mut new_index = vec![0u32; count];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = id32(new);
        }
        let mut old_definitions: Vec<Option<Definition>> =
            std::mem::take(&mut self.model.definitions)
                .into_iter()
                .map(Some)
                .collect();
        for &old in &order {
            if let Some(mut definition) = old_definitions[old].take() {
                renumber(&mut definition.condition, &new_index);
                self.model.definitions.push(definition);
            }
        }
        let mut used = vec![false; count];
        for (old, &new) in new_index.iter().enumerate() {
            used[new as usize] = self.used_definitions[old];
        }
        self.used_definitions = used;
        for (_, entry) in self.condition_names.iter_mut() {
            if let ConditionName::Definition(id) = &mut entry.0 {
                *id = DefinitionId(new_index[id.index()]);
            }
        }
    }

    fn report_cycles(&mut self, pending: &[usize]) {
        // Every definition still pending is on or behind a cycle; report
        // one cycle by walking edges among pending definitions.
        let Some(start) = pending.iter().position(|&p| p > 0) else {
            return;
        };
        let mut path = vec![start];
        let mut position: HashMap<usize, usize> = HashMap::from([(start, 0)]);
        let mut current = start;
        let cycle = loop {
            let next = self.definition_edges[current]
                .iter()
                .map(|(id, _)| id.index())
                .find(|&n| pending[n] > 0);
            let Some(next) = next else { break Vec::new() };
            if let Some(&at) = position.get(&next) {
                break path[at..].to_vec();
            }
            position.insert(next, path.len());
            path.push(next);
            current = next;
        };
        // Each step of the cycle, with where it uses the next one.
        let steps = cycle
            .iter()
            .enumerate()
            .map(|(step, &index)| {
                let next = cycle[(step + 1) % cycle.len()];
                let definition = &self.model.definitions[index];
                CycleStep {
                    definition: definition.name.clone(),
                    uses_next: self.definition_edges[index]
                        .iter()
                        .find(|(id, _)| id.index() == next)
                        .map_or(definition.span, |(_, span)| *span),
                }
            })
            .collect::<Vec<_>>();
        if !steps.is_empty() {
            self.error(Error::RecursiveDefinition { cycle: steps });
        }
    }
}

fn renumber(condition: &mut Condition, new_index: &[u32]) {
    let mut stack = vec![condition];
    while let Some(condition) = stack.pop() {
        match &mut condition.kind {
            ConditionKind::Definition(id) => *id = DefinitionId(new_index[id.index()]),
            ConditionKind::Not(inner) => stack.push(inner),
            ConditionKind::And(parts) | ConditionKind::Or(parts) => stack.extend(parts.iter_mut()),
            ConditionKind::Implies(left, right) => {
                stack.push(left);
                stack.push(right);
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
            model.definitions[1].condition.kind,
            ConditionKind::Definition(DefinitionId(0))
        );
        assert_eq!(
            model.rules[0].condition.kind,
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
