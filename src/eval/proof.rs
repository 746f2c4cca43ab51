//! The proof tree of a condition for one patient (what `--explain` shows),
//! each node with its three-valued result and its source span, down to the
//! facts. The report layer (`report::explain`) names and renders these trees.

use super::Tri;
use super::interp::Run;
use super::patient::Patient;
use super::program::{Node, NodeId, Program};
use crate::sema::{ActionId, DefinitionId, FactId, RuleId};
use crate::span::Span;

/// Definitions are expanded this many levels deep; deeper ones show only
/// their value, so explanations stay readable and bounded.
const MAX_DEFINITION_DEPTH: usize = 8;

/// One line of a proof tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Nesting depth (0 for the root).
    pub depth: usize,
    /// The node's value for this patient.
    pub value: Tri,
    /// Where the node is written.
    pub span: Span,
    /// Set when the node is a definition being expanded: its name.
    pub definition: Option<String>,
    /// Set when the node is an item of a points test: its points.
    pub points: Option<i64>,
    /// Set when the node is a points test: the sums its items can reach
    /// for this patient (one number when every item is known).
    pub sum: Option<(i64, i64)>,
    /// Set when the node compares a computed fact: that fact, whose
    /// arithmetic the explanation shows under the comparison.
    pub computed: Option<FactId>,
}

/// Which compiled condition to explain.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// A rule's `when`.
    Rule(RuleId),
    /// An action's contraindication clause: (action, clause).
    Contraindication(ActionId, usize),
    /// An action's caution clause: (action, clause).
    Caution(ActionId, usize),
}

/// The root node of a target's condition, if the program has it.
fn root(program: &Program<'_>, target: Target) -> Option<NodeId> {
    match target {
        Target::Rule(rule) => program.rules.get(rule).map(|c| c.root),
        Target::Contraindication(action, clause) => program
            .contraindications
            .get(action)
            .and_then(|clauses| clauses.get(clause))
            .map(|c| c.root),
        Target::Caution(action, clause) => program
            .cautions
            .get(action)
            .and_then(|clauses| clauses.get(clause))
            .map(|c| c.root),
    }
}

/// The values of the targets' conditions for one patient, each on its
/// own: a rule's `when` whether or not an earlier member of its
/// first-match section took the patient (what `disjoint` is about).
pub fn condition_values(program: &Program<'_>, patient: &Patient, targets: &[Target]) -> Vec<Tri> {
    let run = Run::new(program, patient);
    targets
        .iter()
        .map(|target| root(program, *target).map_or(Tri::Unknown, |root| run.node(root)))
        .collect()
}

/// The proof tree of a condition, pre-order, pruned to the parts that
/// decided it: a conjunction that fails shows only its first failing part,
/// a disjunction that holds only its first holding part, an implication
/// that holds its false premise or its true conclusion.
pub fn proof_tree(program: &Program<'_>, patient: &Patient, target: Target) -> Vec<Step> {
    let Some(root) = root(program, target) else {
        return Vec::new();
    };
    let run = Run::new(program, patient);
    // A decision's own slot holds its value, decided over unknown facts
    // where Kleene logic leaves it unknown: shown on its condition's node.
    let (root, decided) = match program.nodes.get(root) {
        Some(Node::Decision(inner)) => (*inner, Some(run.node(root))),
        _ => (root, None),
    };
    let mut steps = Vec::new();
    // Explicit stack: (node, depth, definitions expanded so far, points
    // when the node is an item of a points test).
    let mut stack = vec![(root, 0usize, 0usize, None)];
    while let Some((index, depth, expanded, points)) = stack.pop() {
        let span = program.spans.get(index).copied().unwrap_or_default();
        let value = match decided {
            Some(decided) if index == root => decided,
            _ => run.node(index),
        };
        let mut definition = None;
        let mut sum = None;
        let mut computed = None;
        let mut children: Vec<(NodeId, usize)> = Vec::new();
        let mut item_points: Vec<i64> = Vec::new();
        match program.nodes.get(index) {
            Some(Node::Not(inner)) => children.push((*inner, expanded)),
            // Pruned to the part that decided it ([`deciding_part`]).
            Some(node @ (Node::And { start, len } | Node::Or { start, len })) => {
                match deciding_part(&run, node, value) {
                    Some(part) => children.push((part, expanded)),
                    None => {
                        children.extend(run.children(*start, *len).iter().map(|&c| (c, expanded)))
                    }
                }
            }
            Some(node @ Node::Implies(left, right)) => match deciding_part(&run, node, value) {
                Some(part) => children.push((part, expanded)),
                None => {
                    children.push((*left, expanded));
                    children.push((*right, expanded));
                }
            },
            Some(Node::Compare { fact, .. }) => {
                let fact = FactId(*fact);
                if program
                    .model
                    .facts
                    .get(fact)
                    .is_some_and(|f| f.derived.is_some())
                {
                    computed = Some(fact);
                }
            }
            Some(Node::Points { test, .. }) => {
                // The items, with their points, not the circuit's gates.
                let test = program.points_test(*test);
                let values = test.items.iter().map(|&item| run.node(item));
                sum = Some(super::logic::points_range(
                    test.points.iter().copied().zip(values),
                ));
                item_points.clone_from(&test.points);
                children.extend(test.items.iter().map(|&c| (c, expanded)));
            }
            Some(Node::Definition(id)) => {
                let model_definition = program.model.definitions.get(DefinitionId(*id));
                definition = model_definition.map(|d| d.name.clone());
                let compiled = program.definitions.get(DefinitionId(*id));
                if let Some(compiled) = compiled.filter(|_| expanded < MAX_DEFINITION_DEPTH) {
                    children.push((compiled.root, expanded + 1));
                }
            }
            _ => {}
        }
        steps.push(Step {
            depth,
            value,
            span,
            definition,
            points,
            sum,
            computed,
        });
        // A child written as the very text of its node is a part of one
        // test that sema lowered (the two ends of `x in 30..<50`, the
        // test under the `not` of `x != v`): the node shows it as written.
        let own_text = |child: &NodeId| program.spans.get(*child) != Some(&span);
        for (at, (child, child_expanded)) in children.into_iter().enumerate().rev() {
            if own_text(&child) {
                let points = item_points.get(at).copied();
                stack.push((child, depth + 1, child_expanded, points));
            }
        }
    }
    steps
}

/// The one part of a connective that decided its value, when one did: a
/// conjunction that fails, its first failing part; a disjunction that
/// holds, its first holding part; an implication that holds, its false
/// premise or else its true conclusion. `None` when every part counts (a
/// conjunction that holds, a disjunction that fails, an unknown value).
fn deciding_part(run: &Run<'_, '_>, node: &Node, value: Tri) -> Option<NodeId> {
    match *node {
        Node::And { start, len } | Node::Or { start, len } => {
            let settling = if matches!(node, Node::And { .. }) {
                Tri::False
            } else {
                Tri::True
            };
            if value != settling {
                return None;
            }
            run.children(start, len)
                .iter()
                .copied()
                .find(|&part| run.node(part) == settling)
        }
        Node::Implies(premise, conclusion) if value == Tri::True => {
            if run.node(premise) == Tri::False {
                Some(premise)
            } else {
                (run.node(conclusion) == Tri::True).then_some(conclusion)
            }
        }
        _ => None,
    }
}

/// The facts that decided each target's value for this patient (one run
/// of the interpreter for all): a minimal sufficient set read off the
/// condition's tree, keeping at each connective only its
/// [`deciding_part`] when it has one. Where the tree does not show why (a
/// value decided over unknown facts, a score), every fact under the node
/// counts. Each sorted, each fact once.
pub fn deciding_facts(
    program: &Program<'_>,
    patient: &Patient,
    targets: &[Target],
) -> Vec<Vec<FactId>> {
    let run = Run::new(program, patient);
    targets
        .iter()
        .map(|target| match root(program, *target) {
            Some(root) => deciding_under(program, &run, root),
            None => Vec::new(),
        })
        .collect()
}

/// [`deciding_facts`] for one root.
fn deciding_under(program: &Program<'_>, run: &Run<'_, '_>, root: NodeId) -> Vec<FactId> {
    let mut facts: Vec<FactId> = Vec::new();
    // (node, whether every fact under it counts)
    let mut stack = vec![(root, false)];
    let mut expanded = vec![[false; 2]; program.definitions.len()];
    while let Some((index, everything)) = stack.pop() {
        let value = run.node(index);
        let everything = everything || value == Tri::Unknown;
        let Some(node) = program.nodes.get(index) else {
            continue;
        };
        match node {
            Node::Const(_) => {}
            Node::Fact(fact)
            | Node::Compare { fact, .. }
            | Node::EnumIn { fact, .. }
            | Node::SetHas { fact, .. } => facts.push(FactId(*fact)),
            // Each definition once in each way it is read.
            Node::Definition(id) => {
                let seen = expanded
                    .get_mut(*id as usize)
                    .and_then(|seen| seen.get_mut(usize::from(everything)));
                if let (Some(seen), Some(compiled)) =
                    (seen, program.definitions.get(DefinitionId(*id)))
                    && !*seen
                {
                    *seen = true;
                    stack.push((compiled.root, everything));
                }
            }
            Node::Not(inner) => stack.push((*inner, everything)),
            Node::Decision(inner) => {
                // Decided over unknown facts where its condition is not.
                let decided_alone = run.node(*inner) != value;
                stack.push((*inner, everything || decided_alone));
            }
            Node::Points { test, .. } => {
                let items = &program.points_test(*test).items;
                stack.extend(items.iter().map(|&item| (item, true)));
            }
            Node::And { start, len } | Node::Or { start, len } => {
                match deciding_part(run, node, value).filter(|_| !everything) {
                    Some(part) => stack.push((part, false)),
                    None => stack.extend(
                        run.children(*start, *len)
                            .iter()
                            .map(|&part| (part, everything)),
                    ),
                }
            }
            Node::Implies(premise, conclusion) => {
                match deciding_part(run, node, value).filter(|_| !everything) {
                    Some(part) => stack.push((part, false)),
                    None => {
                        stack.push((*premise, everything));
                        stack.push((*conclusion, everything));
                    }
                }
            }
        }
    }
    facts.sort_unstable();
    facts.dedup();
    facts
}
