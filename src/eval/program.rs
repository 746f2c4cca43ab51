//! Model → [`Program`]: the flat form the interpreter runs. Conditions
//! become nodes in one vector addressed by index; facts are slots; the
//! facts each decision depends on are computed once, here.

use std::collections::HashMap;

use super::logic::Tri;
use crate::sema::units::Unit;
use crate::sema::{ActionId, CmpOp, Condition, ConditionKind, DefinitionId, FactId, Model, Type};
use crate::syntax::Span;

/// A node of a compiled condition.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Node {
    Const(Tri),
    Fact(u32),
    Definition(u32),
    Not(u32),
    And { start: u32, len: u32 },
    Or { start: u32, len: u32 },
    Implies(u32, u32),
    Compare { fact: u32, op: CmpOp, value: f64 },
    EnumIn { fact: u32, start: u32, len: u32 },
    SetHas { fact: u32, mask: u128 },
}

/// A compiled condition together with the facts it reads (transitively,
/// through definitions), sorted.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub(crate) root: u32,
    /// Facts this condition depends on.
    pub facts: Vec<FactId>,
}

/// A guideline compiled for evaluation. Borrow it from many threads.
#[derive(Debug)]
pub struct Program<'m> {
    /// The model it was compiled from.
    pub model: &'m Model,
    pub(crate) nodes: Vec<Node>,
    /// Source span of each node, for explanations.
    pub(crate) spans: Vec<Span>,
    pub(crate) children: Vec<u32>,
    pub(crate) enum_values: Vec<u32>,
    /// Definitions, in evaluation order (the model's order).
    pub definitions: Vec<Compiled>,
    /// Rule conditions, by rule index.
    pub rules: Vec<Compiled>,
    /// Contraindication conditions, by action then clause.
    pub contraindications: Vec<Vec<Compiled>>,
    /// Caution conditions, by action then clause.
    pub cautions: Vec<Vec<Compiled>>,
    /// Invariants.
    pub invariants: Vec<Compiled>,
    /// Facts by name, for reading facts files.
    pub fact_slots: HashMap<String, FactId>,
    /// Declared unit of each quantity fact.
    pub units: Vec<Option<Unit>>,
    /// Rules with an `avoid` outcome.
    pub(crate) avoid_rules: Vec<u32>,
}

impl<'m> Program<'m> {
    /// Compiles a model. Never fails: the model is already checked.
    pub fn new(model: &'m Model) -> Program<'m> {
        let mut builder = Builder {
            nodes: Vec::new(),
            spans: Vec::new(),
            children: Vec::new(),
            enum_values: Vec::new(),
            definition_facts: Vec::new(),
        };
        let mut definitions = Vec::new();
        for definition in &model.definitions {
            let compiled = builder.compile(&definition.condition);
            builder.definition_facts.push(compiled.facts.clone());
            definitions.push(compiled);
        }
        let rules = model
            .rules
            .iter()
            .map(|rule| builder.compile(&rule.condition))
            .collect();
        let contraindications = model
            .actions
            .iter()
            .map(|action| {
                action
                    .contraindications
                    .iter()
                    .map(|clause| builder.compile(&clause.condition))
                    .collect()
            })
            .collect();
        let cautions = model
            .actions
            .iter()
            .map(|action| {
                action
                    .cautions
                    .iter()
                    .map(|clause| builder.compile(&clause.condition))
                    .collect()
            })
            .collect();
        let invariants = model
            .invariants
            .iter()
            .map(|invariant| builder.compile(&invariant.condition))
            .collect();
        let fact_slots = model
            .facts
            .iter()
            .enumerate()
            .map(|(i, fact)| (fact.name.clone(), FactId(i as u32)))
            .collect();
        let units = model
            .facts
            .iter()
            .map(|fact| match &fact.ty {
                Type::Quantity(unit) => Some(unit.clone()),
                _ => None,
            })
            .collect();
        let avoid_rules = model
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| {
                rule.choices
                    .iter()
                    .any(|c| c.outcome == crate::sema::Outcome::Avoid)
            })
            .map(|(i, _)| i as u32)
            .collect();
        Program {
            model,
            nodes: builder.nodes,
            spans: builder.spans,
            children: builder.children,
            enum_values: builder.enum_values,
            definitions,
            rules,
            contraindications,
            cautions,
            invariants,
            fact_slots,
            units,
            avoid_rules,
        }
    }

    /// The label of an action, or its name.
    pub fn action_label(&self, action: ActionId) -> &str {
        let action = &self.model.actions[action.index()];
        action.label.as_deref().unwrap_or(&action.name)
    }
}

struct Builder {
    nodes: Vec<Node>,
    spans: Vec<Span>,
    children: Vec<u32>,
    enum_values: Vec<u32>,
    definition_facts: Vec<Vec<FactId>>,
}

impl Builder {
    fn compile(&mut self, condition: &Condition) -> Compiled {
        let mut facts = Vec::new();
        let root = self.node(condition, &mut facts);
        facts.sort_unstable();
        facts.dedup();
        Compiled { root, facts }
    }

    /// Recursion depth is bounded by the parser's nesting limit; definitions
    /// are referenced by index, not inlined, so chains of them add nothing.
    fn node(&mut self, condition: &Condition, facts: &mut Vec<FactId>) -> u32 {
        let node = match &condition.kind {
            ConditionKind::Const(value) => Node::Const(Tri::from_bool(*value)),
            ConditionKind::Fact(fact) => {
                facts.push(*fact);
                Node::Fact(fact.0)
            }
            ConditionKind::Definition(DefinitionId(id)) => {
                if let Some(used) = self.definition_facts.get(*id as usize) {
                    facts.extend_from_slice(used);
                }
                Node::Definition(*id)
            }
            ConditionKind::Not(inner) => Node::Not(self.node(inner, facts)),
            ConditionKind::And(parts) | ConditionKind::Or(parts) => {
                let ids: Vec<u32> = parts.iter().map(|p| self.node(p, facts)).collect();
                let start = self.children.len() as u32;
                self.children.extend_from_slice(&ids);
                let len = ids.len() as u32;
                if matches!(condition.kind, ConditionKind::And(_)) {
                    Node::And { start, len }
                } else {
                    Node::Or { start, len }
                }
            }
            ConditionKind::Implies(left, right) => {
                let left = self.node(left, facts);
                let right = self.node(right, facts);
                Node::Implies(left, right)
            }
            ConditionKind::Compare { fact, op, value } => {
                facts.push(*fact);
                Node::Compare {
                    fact: fact.0,
                    op: *op,
                    value: *value,
                }
            }
            ConditionKind::EnumIn { fact, values } => {
                facts.push(*fact);
                let start = self.enum_values.len() as u32;
                self.enum_values.extend_from_slice(values);
                Node::EnumIn {
                    fact: fact.0,
                    start,
                    len: values.len() as u32,
                }
            }
            ConditionKind::SetHas { fact, value } => {
                facts.push(*fact);
                Node::SetHas {
                    fact: fact.0,
                    mask: 1u128 << (*value).min(127),
                }
            }
        };
        self.nodes.push(node);
        self.spans.push(condition.span);
        (self.nodes.len() - 1) as u32
    }
}
