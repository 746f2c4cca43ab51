//! Model → [`Program`]: the flat form the interpreter runs. Conditions
//! become nodes in one vector addressed by index; facts are slots; the
//! facts each decision depends on, the rules under each section and the
//! order nodes are computed in (the [`Schedule`]) are worked out once, here.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::logic::Tri;
use super::patient::Kind;
use crate::id_vec::{IdVec, Placeholder, SliceAt, id_type};
use crate::never::{OrNever, never};
use crate::sema::{
    Action, ActionClause, ActionId, CmpOp, Condition, ConditionKind, DefinitionId, FactId, Member,
    Model, RuleId, SectionId, Type,
};
use crate::span::Span;
use crate::units::Unit;

id_type! {
    pub NodeId: "Index of a node in the program's flat node vector.";
}

/// A node of a compiled condition.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Node {
    Const(Tri),
    Fact(u32),
    Definition(u32),
    Not(NodeId),
    And {
        start: u32,
        len: u32,
    },
    Or {
        start: u32,
        len: u32,
    },
    Implies(NodeId, NodeId),
    Compare {
        fact: u32,
        op: CmpOp,
        value: f64,
    },
    EnumIn {
        fact: u32,
        start: u32,
        len: u32,
    },
    /// Whether a set holds the value with index `bit` (kept as an index,
    /// not a 128-bit mask, so a node is 16 bytes).
    SetHas {
        fact: u32,
        bit: u32,
    },
    /// A points test over the items `Program::points_tests[test]`: its
    /// value is the interval meaning of the test ([`SumStep`]).
    Points {
        test: u32,
    },
    /// The root of a decision condition (a rule's, a contraindication's or
    /// a caution's) that may be decided over unknown facts: its condition's
    /// value, copied into a slot only decisions of the same condition
    /// share, so that an exact decision written there changes no other
    /// condition's parts (a `pregnant` settled false by an invariant must
    /// not hide the unknown `pregnant` another rule reads).
    Decision(NodeId),
}

/// A points test in the program: its items with their points, and the
/// comparison of their sum.
#[derive(Clone, Debug)]
pub(crate) struct PointsItems {
    pub(crate) items: Vec<NodeId>,
    pub(crate) points: Vec<i64>,
    pub(crate) op: CmpOp,
    pub(crate) value: i64,
}

/// A compiled condition together with the facts it reads (transitively,
/// through definitions), sorted.
#[derive(Clone, Debug)]
pub struct CompiledCondition {
    pub(crate) root: NodeId,
    /// Facts this condition depends on.
    pub facts: Vec<FactId>,
}

impl Placeholder for CompiledCondition {
    // A root no program has: every read of it finds no node.
    const PLACEHOLDER: &'static Self = &CompiledCondition {
        root: NodeId(u32::MAX),
        facts: Vec::new(),
    };
}

impl Placeholder for PointsItems {
    const PLACEHOLDER: &'static Self = &PointsItems {
        items: Vec::new(),
        points: Vec::new(),
        op: CmpOp::Ge,
        value: 0,
    };
}

impl Placeholder for super::interp::RuleStatus {
    const PLACEHOLDER: &'static Self = &super::interp::RuleStatus::NotApplicable;
}

/// A guideline compiled for evaluation. Borrow it from many threads.
#[derive(Debug)]
pub struct Program<'m> {
    /// The model it was compiled from.
    pub model: &'m Model,
    pub(crate) nodes: IdVec<NodeId, Node>,
    /// Source span of each node, for explanations.
    pub(crate) spans: IdVec<NodeId, Span>,
    pub(crate) children: Vec<NodeId>,
    pub(crate) enum_values: Vec<u32>,
    /// The items of each points test, by the `test` of its node.
    pub(crate) points_tests: Vec<PointsItems>,
    /// Definitions, in evaluation order (the model's order).
    pub definitions: IdVec<DefinitionId, CompiledCondition>,
    /// Rule conditions, by rule.
    pub rules: IdVec<RuleId, CompiledCondition>,
    /// Contraindication conditions, by action then clause.
    pub contraindications: IdVec<ActionId, Vec<CompiledCondition>>,
    /// Caution conditions, by action then clause.
    pub cautions: IdVec<ActionId, Vec<CompiledCondition>>,
    /// Invariants.
    pub invariants: Vec<CompiledCondition>,
    /// Facts by name, for reading facts files.
    pub fact_slots: HashMap<String, FactId>,
    /// Declared unit of each quantity fact.
    pub units: IdVec<FactId, Option<Unit>>,
    /// Rules with an `avoid` outcome.
    pub(crate) avoid_rules: Vec<u32>,
    /// Rules whose every `then` avoids, with no `else-escalate`.
    pub(crate) avoid_only: Vec<u32>,
    /// By action: whether some `exclusive` group names it.
    pub(crate) exclusive_actions: Vec<bool>,
    /// The rules under each section, nested ones included, in order:
    /// `section_rules[section_ranges[s].0 .. section_ranges[s].1]`.
    section_rules: Vec<RuleId>,
    section_ranges: Vec<(u32, u32)>,
    /// The order the interpreter computes nodes in.
    pub(crate) schedule: Schedule,
    /// By node, the facts it reads (directly, through definitions, through
    /// a points test's items), one bit each (`1 << fact`); empty when the
    /// model has more than 64 facts. An unknown node's unknown facts are
    /// found by a walk these bits cut short ([`fact_bits`]).
    pub(crate) fact_bits: IdVec<NodeId, u64>,
    /// For a model of at most 64 facts, its computed facts and what each
    /// is computed from, as bits.
    pub(crate) derived_bits: DerivedBits,
    /// By fact, the kind of word a known value of it is stored as: a fact
    /// whose word is of another kind reads as unknown.
    pub(crate) fact_kinds: Vec<Kind>,
    /// Where the value of each rule's condition is (its root, through the
    /// schedule's `value_at`), by rule index.
    pub(crate) rule_values: IdVec<RuleId, u32>,
    /// First-match sections not nested in another first-match section, in
    /// order.
    pub(crate) first_match_sections: Vec<SectionId>,
    /// By first-match section of `first_match_sections`, its rules in
    /// order when it holds rules only (the common shape, walked without
    /// looking at members); `None` when it nests sections.
    pub(crate) first_match_rules: Vec<Option<Vec<RuleId>>>,
    /// Decision conditions decided exactly when Kleene logic leaves them
    /// unknown (`exact`), each by where its value is.
    pub(crate) exact: Vec<ExactRoot>,
    /// What each answer leads to, for escalations already worked out.
    pub(crate) answer_cache: super::answers::AnswerCache,
}

/// A decision condition with a plan to decide it exactly.
#[derive(Debug)]
pub(crate) struct ExactRoot {
    /// Where its value is (the root through the schedule's `value_at`).
    pub(crate) slot: u32,
    pub(crate) plan: super::exact::Plan,
}

/// A decision condition of the model.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DecisionCondition {
    Rule(RuleId),
    Contraindication(ActionId, usize),
    Caution(ActionId, usize),
}

impl DecisionCondition {
    /// The condition in the model.
    pub(crate) fn condition(self, model: &Model) -> Option<&Condition> {
        match self {
            DecisionCondition::Rule(rule) => model.rules.get(rule).map(|r| &r.condition),
            DecisionCondition::Contraindication(action, clause) => model
                .actions
                .get(action)
                .and_then(|a| a.contraindications.get(clause))
                .map(|c| &c.condition),
            DecisionCondition::Caution(action, clause) => model
                .actions
                .get(action)
                .and_then(|a| a.cautions.get(clause))
                .map(|c| &c.condition),
        }
    }
}

/// How the interpreter computes every node for a patient, with no branch
/// on the patient's data (whether facts are known varies from patient to
/// patient, and mispredicted branches were the interpreter's main cost):
///
/// 1. start from `initial`: constants set, everything else unknown;
/// 2. leaves that read a bool fact (`(node, fact)`), leaves that test a set
///    (`(node, fact, bit)`), comparisons ([`CompareLeaf`]) and enum tests
///    ([`EnumLeaf`]; the rare one naming a value past 127 through its node,
///    `wide_enum_leaves`), each read straight from the patient's stored
///    word; `other_leaves` lists the comparisons and enum tests by node,
///    for a completion's run, which reads only some of them;
/// 3. then every connective as [`Step`]s in node order, so children come
///    before parents and definitions before their uses, with each sum of
///    a score's points ([`SumStep`]) and its tests before the first step
///    that reads one of them.
///
/// A definition use, an `and`/`or` of one part, or a node of the same shape
/// as an earlier one (the same test of the same fact, the same connective
/// over the same operands) has no value of its own: `value_at` sends it to
/// the node it stands for, and it takes no work.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    pub(crate) initial: Vec<Tri>,
    pub(crate) value_at: IdVec<NodeId, u32>,
    pub(crate) bool_leaves: Vec<(u32, u32)>,
    pub(crate) set_leaves: Vec<(u32, u32, u32)>,
    pub(crate) other_leaves: Vec<NodeId>,
    pub(crate) compare_leaves: Vec<CompareLeaf>,
    pub(crate) enum_leaves: Vec<EnumLeaf>,
    pub(crate) wide_enum_leaves: Vec<NodeId>,
    pub(crate) steps: Vec<Step>,
    /// The sums of points tests' items, in node order, each computed
    /// before the step it gives, with every test of the same items.
    pub(crate) sums: Vec<SumStep>,
}

/// The interval of a sum of points over its `items`, and the `tests` that
/// compare it, computed before `steps[before]`: once its items have their
/// values, as a sum, where a circuit of `and` and `or` steps would take
/// items × bound steps for each test.
#[derive(Clone, Debug)]
pub(crate) struct SumStep {
    pub(crate) items: Vec<SumItem>,
    pub(crate) tests: Vec<SumTest>,
    pub(crate) before: u32,
}

/// `sum op value` into `target` (`logic::compare_range`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SumTest {
    pub(crate) target: u32,
    pub(crate) op: CmpOp,
    pub(crate) value: i64,
}

/// An item of a [`SumStep`]: where its value is, and what it adds to
/// the low and the high end of the sum for each value (by `Tri as usize`;
/// the fourth is never read): a true item its points, an unknown one its
/// points at one end only, a false one nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SumItem {
    pub(crate) slot: u32,
    pub(crate) low: [i64; 4],
    pub(crate) high: [i64; 4],
}

impl SumItem {
    fn new(slot: u32, points: i64) -> SumItem {
        // The checker allows at most `MAX_POINTS` in all (E0313); held to
        // that here too, so that no sum of items can overflow.
        let bound = crate::sema::MAX_POINTS as i64;
        let points = points.clamp(-bound, bound);
        SumItem {
            slot,
            low: [0, points.min(0), points, 0],
            high: [0, points.max(0), points, 0],
        }
    }
}

/// `fact op constant` at `node`: a comparison leaf, read from the fact's
/// stored word without going through its node.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CompareLeaf {
    pub(crate) node: u32,
    pub(crate) fact: u32,
    pub(crate) op: CmpOp,
    pub(crate) constant: f64,
}

/// `fact in {…}` at `node`, the values as bits (all below 128): one shift
/// and mask, where a list would be searched.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EnumLeaf {
    pub(crate) node: u32,
    pub(crate) fact: u32,
    pub(crate) values: u128,
}

/// The sizes of the value buffer the interpreter has a version for: with
/// the buffer an array of one of them, indices masked to its size need no
/// bounds check ([`slot_count`]).
pub(crate) const SLOT_COUNTS: [usize; 4] = [256, 1024, 4096, 16384];

/// How many values a run holds for `nodes` nodes: the first of
/// [`SLOT_COUNTS`] that has room, else `nodes`. The slots past the nodes
/// are never read.
fn slot_count(nodes: usize) -> usize {
    SLOT_COUNTS
        .iter()
        .copied()
        .find(|&count| count >= nodes)
        .unwrap_or(nodes)
}

/// Where `node`'s value is held, by the schedule's `value_at`.
#[inline]
pub(crate) fn slot_of(value_at: &IdVec<NodeId, u32>, node: NodeId) -> u32 {
    value_at.get(node).copied().or_never(node.0)
}

/// What a node computes, over the nodes its operands' values are at: two
/// nodes of one shape have the same value for every patient.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Shape {
    Fact(u32),
    SetHas(u32, u32),
    /// A fact, an operator and the constant's bits.
    Compare(u32, CmpOp, u64),
    EnumIn(u32, Vec<u32>),
    Not(u32),
    Implies(u32, u32),
    /// `and` (true) or `or` (false) of two or more parts, in order.
    AndOr(bool, Vec<u32>),
    Decision(u32),
    /// Items (where each value is, and its points), operator, bound.
    Points(Vec<(u32, i64)>, CmpOp, i64),
}

/// `values[target] = table(values[left], values[right])`: one binary
/// Kleene operation as a truth table, so every connective runs the same
/// branch-free code. An `and`/`or` of n parts is n - 1 steps into its own
/// node; `not`, a definition use and a constant ignore an operand.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    /// Result code (`Tri as u32`) for operands `(l, r)` in bits
    /// `8 * l + 2 * r` (two shifts and an `or` find them).
    pub(crate) table: u32,
    pub(crate) target: u32,
    pub(crate) left: u32,
    pub(crate) right: u32,
}

impl Step {
    const TRI: [Tri; 3] = [Tri::False, Tri::Unknown, Tri::True];

    fn new(target: u32, left: u32, right: u32, op: impl Fn(Tri, Tri) -> Tri) -> Step {
        let mut table = 0;
        for l in Step::TRI {
            for r in Step::TRI {
                table |= (op(l, r) as u32) << ((l as u32) << 3 | (r as u32) << 1);
            }
        }
        Step {
            table,
            target,
            left,
            right,
        }
    }

    /// The result for operand values `left` and `right`.
    #[inline]
    pub(crate) fn apply(&self, left: Tri, right: Tri) -> Tri {
        Tri::from_code((self.table >> ((left as u32) << 3 | (right as u32) << 1)) as u8)
    }
}

/// The steps and sums of the schedule (by index, each in order) whose
/// value can change when some facts change ([`Program::cone`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Cone {
    pub(crate) steps: Vec<u32>,
    pub(crate) sums: Vec<u32>,
}

/// A step or a sum of the schedule, with its index.
#[derive(Clone, Copy)]
pub(crate) enum Work<'s> {
    Step(u32, &'s Step),
    Sum(u32, &'s SumStep),
}

impl Schedule {
    /// Calls `visit` on every step and sum in the order they are computed
    /// in (`compute_nodes` has this loop written out, for speed).
    pub(crate) fn in_order<'s>(&'s self, mut visit: impl FnMut(Work<'s>)) {
        let mut steps = self.steps.iter().enumerate().peekable();
        for (index, sum) in self.sums.iter().enumerate() {
            while let Some((at, step)) = steps.next_if(|(at, _)| *at < sum.before as usize) {
                visit(Work::Step(at as u32, step));
            }
            visit(Work::Sum(index as u32, sum));
        }
        for (at, step) in steps {
            visit(Work::Step(at as u32, step));
        }
    }

    fn new(
        nodes: &IdVec<NodeId, Node>,
        children: &[NodeId],
        enum_values: &[u32],
        definitions: &IdVec<DefinitionId, CompiledCondition>,
        points_tests: &[PointsItems],
    ) -> Schedule {
        let mut schedule = Schedule {
            initial: vec![Tri::Unknown; slot_count(nodes.len())],
            value_at: nodes.ids().map(|id| id.0).collect(),
            ..Schedule::default()
        };
        // The first node of each shape (over operands already resolved): a
        // later one has the same value, so it is sent there and takes no
        // work. Authors repeat tests of a fact, and even whole conditions.
        let mut first: HashMap<Shape, u32> = HashMap::new();
        // Where in `schedule.sums` the sum of each list of items (where
        // each value is, and its points) is.
        let mut sums: HashMap<Vec<(u32, i64)>, usize> = HashMap::new();
        for (id, node) in nodes.iter_enumerated() {
            let (index, node_index) = (id.index(), id.0);
            // Children and definitions come first: already resolved.
            let at = |node: NodeId| slot_of(&schedule.value_at, node);
            let parts = |start: u32, len: u32| {
                children
                    .get(start as usize..(start + len) as usize)
                    .unwrap_or(&[])
            };
            let shape = match *node {
                Node::Fact(fact) => Some(Shape::Fact(fact)),
                Node::SetHas { fact, bit } => Some(Shape::SetHas(fact, bit)),
                Node::Compare { fact, op, value } => {
                    Some(Shape::Compare(fact, op, value.to_bits()))
                }
                Node::EnumIn { fact, start, len } => Some(Shape::EnumIn(
                    fact,
                    enum_values
                        .get(start as usize..(start + len) as usize)
                        .unwrap_or(&[])
                        .to_vec(),
                )),
                Node::Not(inner) => Some(Shape::Not(at(inner))),
                Node::Implies(left, right) => Some(Shape::Implies(at(left), at(right))),
                Node::Decision(inner) => Some(Shape::Decision(at(inner))),
                Node::Points { test } => points_tests.get(test as usize).map(|test| {
                    let items = test.items.iter().map(|&item| at(item));
                    Shape::Points(
                        items.zip(test.points.iter().copied()).collect(),
                        test.op,
                        test.value,
                    )
                }),
                Node::And { start, len } | Node::Or { start, len } if len > 1 => {
                    let is_and = matches!(node, Node::And { .. });
                    Some(Shape::AndOr(
                        is_and,
                        parts(start, len).iter().map(|&p| at(p)).collect(),
                    ))
                }
                _ => None,
            };
            if let Some(shape) = shape {
                match first.entry(shape) {
                    Entry::Occupied(same) => {
                        schedule.value_at.set(id, *same.get());
                        continue;
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(node_index);
                    }
                }
            }
            match *node {
                Node::Fact(fact) => schedule.bool_leaves.push((node_index, fact)),
                Node::SetHas { fact, bit } => schedule.set_leaves.push((node_index, fact, bit)),
                Node::Compare { fact, op, value } => {
                    schedule.other_leaves.push(id);
                    schedule.compare_leaves.push(CompareLeaf {
                        node: node_index,
                        fact,
                        op,
                        constant: value,
                    });
                }
                Node::EnumIn { fact, start, len } => {
                    schedule.other_leaves.push(id);
                    let values = enum_values
                        .get(start as usize..(start + len) as usize)
                        .unwrap_or(&[]);
                    match enum_bits(values) {
                        Some(values) => schedule.enum_leaves.push(EnumLeaf {
                            node: node_index,
                            fact,
                            values,
                        }),
                        None => schedule.wide_enum_leaves.push(id),
                    }
                }
                Node::Const(value) => schedule.initial.set(index, value),
                Node::Definition(used) => {
                    if let Some(definition) = definitions.get(DefinitionId(used)) {
                        schedule.value_at.set(id, at(definition.root));
                    }
                }
                Node::Points { test } => {
                    let Some(test) = points_tests.get(test as usize) else {
                        continue;
                    };
                    let items: Vec<(u32, i64)> = test
                        .items
                        .iter()
                        .map(|&item| at(item))
                        .zip(test.points.iter().copied())
                        .collect();
                    let comparison = SumTest {
                        target: node_index,
                        op: test.op,
                        value: test.value,
                    };
                    match sums.entry(items) {
                        // The same items summed again (another test of one
                        // score): computed once, with the first test.
                        Entry::Occupied(known) => {
                            if let Some(sum) = schedule.sums.get_mut(*known.get()) {
                                sum.tests.push(comparison);
                            }
                        }
                        Entry::Vacant(new) => {
                            let items = new.key().iter();
                            let items = items.map(|&(slot, points)| SumItem::new(slot, points));
                            schedule.sums.push(SumStep {
                                items: items.collect(),
                                tests: vec![comparison],
                                before: schedule.steps.len() as u32,
                            });
                            new.insert(schedule.sums.len() - 1);
                        }
                    }
                }
                Node::Not(inner) => {
                    let inner = at(inner);
                    let step = Step::new(node_index, inner, inner, |l, _| l.negate());
                    schedule.steps.push(step);
                }
                Node::Implies(left, right) => {
                    let step = Step::new(node_index, at(left), at(right), Tri::implies);
                    schedule.steps.push(step);
                }
                Node::Decision(inner) => {
                    let inner = at(inner);
                    schedule
                        .steps
                        .push(Step::new(node_index, inner, inner, |l, _| l));
                }
                Node::And { start, len } | Node::Or { start, len } => {
                    let is_and = matches!(node, Node::And { .. });
                    match parts(start, len) {
                        [] => schedule.initial.set(index, Tri::from_bool(is_and)),
                        [only] => schedule.value_at.set(id, at(*only)),
                        [first, rest @ ..] => {
                            let op = if is_and { Tri::and } else { Tri::or };
                            let mut left = at(*first);
                            for &part in rest {
                                let step = Step::new(node_index, left, at(part), op);
                                schedule.steps.push(step);
                                left = node_index;
                            }
                        }
                    }
                }
            }
        }
        schedule
    }
}

/// [`Program::fact_bits`]: one pass in node order, as a node's parts,
/// the definitions it uses and a points test's items all come before it.
fn fact_bits(
    model: &Model,
    builder: &Builder,
    definitions: &IdVec<DefinitionId, CompiledCondition>,
) -> IdVec<NodeId, u64> {
    if model.facts.len() > 64 {
        return IdVec::new();
    }
    let mut bits: IdVec<NodeId, u64> = IdVec::new();
    for node in builder.nodes.iter() {
        // A part not yet computed (never: parts come first) counts as
        // reading every fact, which only makes the walk look further.
        let of =
            |bits: &IdVec<NodeId, u64>, node: NodeId| bits.get(node).copied().unwrap_or(u64::MAX);
        let parts = |start: u32, len: u32| {
            builder
                .children
                .get(start as usize..(start + len) as usize)
                .unwrap_or(&[])
        };
        let read = match *node {
            Node::Const(_) => 0,
            Node::Fact(fact)
            | Node::Compare { fact, .. }
            | Node::EnumIn { fact, .. }
            | Node::SetHas { fact, .. } => 1u64.checked_shl(fact).unwrap_or(u64::MAX),
            Node::Definition(id) => definitions
                .get(DefinitionId(id))
                .map_or(u64::MAX, |definition| of(&bits, definition.root)),
            Node::Not(inner) | Node::Decision(inner) => of(&bits, inner),
            Node::Implies(left, right) => of(&bits, left) | of(&bits, right),
            Node::And { start, len } | Node::Or { start, len } => parts(start, len)
                .iter()
                .fold(0, |read, &part| read | of(&bits, part)),
            Node::Points { test, .. } => {
                builder
                    .points_tests
                    .get(test as usize)
                    .map_or(u64::MAX, |test| {
                        test.items
                            .iter()
                            .fold(0, |read, &item| read | of(&bits, item))
                    })
            }
        };
        bits.push(read);
    }
    bits
}

/// The computed facts of a model of at most 64 facts, as bits (`1 << fact`).
#[derive(Debug, Default)]
pub(crate) struct DerivedBits {
    /// The computed facts.
    pub(crate) computed: u64,
    /// By fact, the facts given in the facts file it is computed from (none
    /// for a fact given itself).
    pub(crate) inputs: Vec<u64>,
}

impl DerivedBits {
    /// None when the model has more than 64 facts.
    fn of(model: &Model) -> DerivedBits {
        if model.facts.len() > 64 {
            return DerivedBits::default();
        }
        let bit = |fact: FactId| 1u64.checked_shl(fact.0).unwrap_or(0);
        let mut computed = 0;
        let inputs = model
            .facts
            .iter_enumerated()
            .map(|(id, fact)| match &fact.derived {
                Some(derived) => {
                    computed |= bit(id);
                    derived
                        .inputs
                        .iter()
                        .fold(0, |bits, &input| bits | bit(input))
                }
                None => 0,
            })
            .collect();
        DerivedBits { computed, inputs }
    }
}

/// Enum values as bits, when every one is below 128.
fn enum_bits(values: &[u32]) -> Option<u128> {
    values.iter().try_fold(0u128, |bits, &value| {
        1u128.checked_shl(value).map(|bit| bits | bit)
    })
}

/// The unit each quantity fact's values are in; `None` for other facts.
fn fact_units(model: &Model) -> IdVec<FactId, Option<Unit>> {
    model
        .facts
        .iter()
        .map(|fact| match &fact.ty {
            Type::Quantity(unit) => Some(unit.clone()),
            _ => None,
        })
        .collect()
}

/// The rules with an `avoid` choice, by index.
fn avoid_rules(model: &Model) -> Vec<u32> {
    model
        .rules
        .iter_enumerated()
        .filter(|(_, rule)| {
            rule.choices
                .iter()
                .any(|c| c.outcome == crate::sema::Outcome::Avoid)
        })
        .map(|(id, _)| id.0)
        .collect()
}

/// The rules whose every `then` avoids, with no `else-escalate`: undecided,
/// they escalate only where they withhold (or stop a first-match section).
fn avoid_only_rules(model: &Model) -> Vec<u32> {
    model
        .rules
        .iter_enumerated()
        .filter(|(_, rule)| {
            rule.escalation.is_none()
                && !rule.choices.is_empty()
                && rule
                    .choices
                    .iter()
                    .all(|c| c.outcome == crate::sema::Outcome::Avoid)
        })
        .map(|(id, _)| id.0)
        .collect()
}

/// By action, whether an `exclusive` group names it.
fn exclusive_actions(model: &Model) -> Vec<bool> {
    let mut named = vec![false; model.actions.len()];
    for action in model.exclusives.iter().flat_map(|e| &e.actions) {
        if let Some(flag) = named.get_mut(action.index()) {
            *flag = true;
        }
    }
    named
}

/// Every section's rules, nested ones included, in order: one list, and
/// each section's range in it.
fn section_rules(model: &Model) -> (Vec<RuleId>, Vec<(u32, u32)>) {
    let mut section_rules = Vec::new();
    let mut section_ranges = Vec::with_capacity(model.sections.len());
    for section in model.sections.ids() {
        let start = section_rules.len() as u32;
        let mut stack = vec![Member::Section(section)];
        while let Some(member) = stack.pop() {
            match member {
                Member::Rule(rule) => section_rules.push(rule),
                Member::Section(inner) => {
                    stack.extend(model.sections.at(inner).members.iter().rev())
                }
            }
        }
        section_ranges.push((start, section_rules.len() as u32));
    }
    (section_rules, section_ranges)
}

/// The first-match sections not inside another: only these need the
/// in-order walk; every other rule's status is its condition's value.
fn outermost_first_match_sections(model: &Model) -> Vec<SectionId> {
    let mut first_match_sections = Vec::new();
    let mut stack: Vec<Member> = model.top_level.iter().rev().copied().collect();
    while let Some(member) = stack.pop() {
        if let Member::Section(section) = member {
            let inner = &model.sections.at(section);
            if inner.first_match {
                first_match_sections.push(section);
            } else {
                stack.extend(inner.members.iter().rev());
            }
        }
    }
    first_match_sections
}

/// [`Program::first_match_rules`].
fn first_match_rules(model: &Model, sections: &[SectionId]) -> Vec<Option<Vec<RuleId>>> {
    sections
        .iter()
        .map(|&section| {
            let members = &model.sections.at(section).members;
            members
                .iter()
                .map(|member| match member {
                    Member::Rule(rule) => Some(*rule),
                    Member::Section(_) => None,
                })
                .collect()
        })
        .collect()
}

impl<'m> Program<'m> {
    /// Compiles a model. Never fails: the model is already checked.
    pub fn new(model: &'m Model) -> Program<'m> {
        let mut builder = Builder {
            nodes: IdVec::new(),
            spans: IdVec::new(),
            children: Vec::new(),
            enum_values: Vec::new(),
            points_tests: Vec::new(),
            definition_facts: Vec::new(),
        };
        // The order of compiling fixes the node ids: definitions first, so
        // a rule's nodes come after those of the definitions it reads.
        let definitions = builder.compile_definitions(model);
        let rules: IdVec<RuleId, CompiledCondition> = model
            .rules
            .iter()
            .map(|rule| builder.compile(&rule.condition))
            .collect();
        let mut rules = rules;
        let mut contraindications =
            builder.compile_clauses(model, |action| &action.contraindications);
        let mut cautions = builder.compile_clauses(model, |action| &action.cautions);
        let invariants = model
            .invariants
            .iter()
            .map(|invariant| builder.compile(&invariant.condition))
            .collect();
        let fact_slots = model
            .facts
            .iter_enumerated()
            .map(|(id, fact)| (fact.name.clone(), id))
            .collect();
        let (section_rules, section_ranges) = section_rules(model);
        let mut schedule = Schedule::new(
            &builder.nodes,
            &builder.children,
            &builder.enum_values,
            &definitions,
            &builder.points_tests,
        );
        let wrapped = builder.own_decision_slots(
            model,
            &schedule.value_at,
            &mut rules,
            &mut contraindications,
            &mut cautions,
        );
        if wrapped {
            schedule = Schedule::new(
                &builder.nodes,
                &builder.children,
                &builder.enum_values,
                &definitions,
                &builder.points_tests,
            );
        }
        let rule_values = rules
            .iter()
            .map(|rule| slot_of(&schedule.value_at, rule.root))
            .collect();
        let exact = exact_roots(model, &schedule, &rules, &contraindications, &cautions);
        let first_match_sections = outermost_first_match_sections(model);
        Program {
            exact,
            fact_bits: fact_bits(model, &builder, &definitions),
            fact_kinds: model.facts.iter().map(|fact| Kind::of(&fact.ty)).collect(),
            derived_bits: DerivedBits::of(model),
            answer_cache: super::answers::AnswerCache::default(),
            rule_values,
            first_match_rules: first_match_rules(model, &first_match_sections),
            first_match_sections,
            model,
            schedule,
            nodes: builder.nodes,
            spans: builder.spans,
            children: builder.children,
            enum_values: builder.enum_values,
            points_tests: builder.points_tests,
            definitions,
            rules,
            contraindications,
            cautions,
            invariants,
            fact_slots,
            units: fact_units(model),
            avoid_rules: avoid_rules(model),
            avoid_only: avoid_only_rules(model),
            exclusive_actions: exclusive_actions(model),
            section_rules,
            section_ranges,
        }
    }

    /// The same program with plain Kleene logic: no condition is decided
    /// over the values of its unknown facts (`exact`). Only for comparing
    /// with implementations of Kleene logic alone, such as the hand-written
    /// native baseline of the evaluation benchmark.
    pub fn kleene_only(mut self) -> Self {
        self.exact.clear();
        self
    }

    /// The steps and sums of the schedule (by index, in order) whose value
    /// can change when the values of `facts` change: those reading,
    /// directly or through other steps, a leaf of one of them, and every
    /// step of a connective any of whose steps does (an `and` of n parts is
    /// n - 1 steps into one node, computed from the first).
    pub(crate) fn cone(&self, facts: &[FactId]) -> Cone {
        let schedule = &self.schedule;
        let mut affected = vec![false; self.nodes.len()];
        let mark = |affected: &mut Vec<bool>, node: u32| {
            if let Some(flag) = affected.get_mut(node as usize) {
                *flag = true;
            }
        };
        let is =
            |affected: &[bool], node: u32| affected.get(node as usize).copied().unwrap_or(false);
        let given = |fact: u32| facts.contains(&FactId(fact));
        for &(node, fact) in &schedule.bool_leaves {
            if given(fact) {
                mark(&mut affected, node);
            }
        }
        for &(node, fact, _) in &schedule.set_leaves {
            if given(fact) {
                mark(&mut affected, node);
            }
        }
        for &node in &schedule.other_leaves {
            if let Some(Node::Compare { fact, .. } | Node::EnumIn { fact, .. }) =
                self.nodes.get(node)
                && given(*fact)
            {
                mark(&mut affected, node.0);
            }
        }
        schedule.in_order(|work| match work {
            Work::Step(_, step) => {
                if is(&affected, step.left) || is(&affected, step.right) {
                    mark(&mut affected, step.target);
                }
            }
            Work::Sum(_, sum) => {
                if sum.items.iter().any(|item| is(&affected, item.slot)) {
                    for test in &sum.tests {
                        mark(&mut affected, test.target);
                    }
                }
            }
        });
        let mut cone = Cone::default();
        schedule.in_order(|work| match work {
            Work::Step(index, step) => {
                if is(&affected, step.target) {
                    cone.steps.push(index);
                }
            }
            Work::Sum(index, sum) => {
                if sum.tests.iter().any(|test| is(&affected, test.target)) {
                    cone.sums.push(index);
                }
            }
        });
        cone
    }

    /// The decision conditions decided exactly when Kleene logic leaves
    /// them unknown.
    pub(crate) fn exact_roots(&self) -> &[ExactRoot] {
        &self.exact
    }

    /// Every rule under a member: the rule itself, or all the rules of a
    /// section and of the sections nested in it.
    pub(crate) fn rules_under<'s>(&'s self, member: &'s Member) -> &'s [RuleId] {
        match member {
            Member::Rule(rule) => std::slice::from_ref(rule),
            Member::Section(section) => self
                .section_ranges
                .get(section.index())
                .and_then(|&(start, end)| self.section_rules.get(start as usize..end as usize))
                .unwrap_or(&[]),
        }
    }

    /// The items of the points test numbered `test` (a node's own).
    pub(crate) fn points_test(&self, test: u32) -> &PointsItems {
        self.points_tests.as_slice().at(test as usize)
    }

    /// The label of an action, or its name.
    pub fn action_label(&self, action: ActionId) -> &str {
        let action = &self.model.actions.at(action);
        action.label.as_deref().unwrap_or(&action.name)
    }
}

struct Builder {
    nodes: IdVec<NodeId, Node>,
    spans: IdVec<NodeId, Span>,
    children: Vec<NodeId>,
    enum_values: Vec<u32>,
    points_tests: Vec<PointsItems>,
    definition_facts: Vec<Vec<FactId>>,
}

impl Builder {
    /// Compiles every definition, keeping the facts each reads for the
    /// conditions that use it.
    fn compile_definitions(&mut self, model: &Model) -> IdVec<DefinitionId, CompiledCondition> {
        let mut definitions = IdVec::with_capacity(model.definitions.len());
        for definition in &model.definitions {
            let compiled = self.compile(&definition.condition);
            self.definition_facts.push(compiled.facts.clone());
            definitions.push(compiled);
        }
        definitions
    }

    /// Compiles one kind of clause (`clauses` picks it) of every action.
    fn compile_clauses(
        &mut self,
        model: &Model,
        clauses: impl Fn(&Action) -> &Vec<ActionClause>,
    ) -> IdVec<ActionId, Vec<CompiledCondition>> {
        model
            .actions
            .iter()
            .map(|action| {
                clauses(action)
                    .iter()
                    .map(|clause| self.compile(&clause.condition))
                    .collect()
            })
            .collect()
    }

    /// Gives a [`Node::Decision`] root of its own to each decision
    /// condition that Kleene logic may not decide exactly and whose value
    /// another node shares (`value_at`, of the schedule built without
    /// them): a node of the same shape elsewhere, a definition's root, a
    /// leaf. Whether any was given (then the schedule is built again).
    fn own_decision_slots(
        &mut self,
        model: &Model,
        value_at: &IdVec<NodeId, u32>,
        rules: &mut IdVec<RuleId, CompiledCondition>,
        contraindications: &mut IdVec<ActionId, Vec<CompiledCondition>>,
        cautions: &mut IdVec<ActionId, Vec<CompiledCondition>>,
    ) -> bool {
        // How many nodes hold their value at each slot, and how many of
        // them are decision roots.
        let mut holders: HashMap<u32, (u32, u32)> = HashMap::new();
        for slot in value_at.iter() {
            holders.entry(*slot).or_default().0 += 1;
        }
        let roots = rules
            .iter()
            .chain(contraindications.iter().flatten())
            .chain(cautions.iter().flatten());
        for compiled in roots {
            holders
                .entry(slot_of(value_at, compiled.root))
                .or_default()
                .1 += 1;
        }
        let shared = |root: NodeId| {
            holders
                .get(&slot_of(value_at, root))
                .is_some_and(|(nodes, decisions)| nodes > decisions)
        };
        let mut wrapped = false;
        let mut wrap =
            |builder: &mut Builder, condition: &Condition, compiled: &mut CompiledCondition| {
                if shared(compiled.root) && !super::exact::kleene_is_exact(model, condition) {
                    wrapped = true;
                    let span = builder
                        .spans
                        .get(compiled.root)
                        .copied()
                        .unwrap_or_default();
                    builder.spans.push(span);
                    compiled.root = builder.nodes.push(Node::Decision(compiled.root));
                }
            };
        for (rule, compiled) in model.rules.iter().zip(rules.iter_mut()) {
            wrap(self, &rule.condition, compiled);
        }
        for (action, (contra, caution)) in model
            .actions
            .iter()
            .zip(contraindications.iter_mut().zip(cautions.iter_mut()))
        {
            for (clause, compiled) in action.contraindications.iter().zip(contra.iter_mut()) {
                wrap(self, &clause.condition, compiled);
            }
            for (clause, compiled) in action.cautions.iter().zip(caution.iter_mut()) {
                wrap(self, &clause.condition, compiled);
            }
        }
        wrapped
    }

    fn compile(&mut self, condition: &Condition) -> CompiledCondition {
        let mut facts = Vec::new();
        let root = self.node(condition, &mut facts);
        facts.sort_unstable();
        facts.dedup();
        CompiledCondition { root, facts }
    }

    /// Recursion depth is bounded by the parser's nesting limit; definitions
    /// are referenced by index, not inlined, so chains of them add nothing.
    fn node(&mut self, condition: &Condition, facts: &mut Vec<FactId>) -> NodeId {
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
                let ids: Vec<NodeId> = parts.iter().map(|p| self.node(p, facts)).collect();
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
                // Sets have at most 128 values (E0310).
                let bit = if never!(*value > 127, "set value {value} past 127") {
                    127
                } else {
                    *value
                };
                Node::SetHas { fact: fact.0, bit }
            }
            ConditionKind::Points(test) => {
                let items: Vec<NodeId> = test
                    .items
                    .iter()
                    .map(|item| self.node(&item.condition, facts))
                    .collect();
                let points = test.items.iter().map(|item| item.points).collect();
                self.points_tests.push(PointsItems {
                    items,
                    points,
                    op: test.op,
                    value: test.value,
                });
                Node::Points {
                    test: (self.points_tests.len() - 1) as u32,
                }
            }
        };
        self.spans.push(condition.span);
        self.nodes.push(node)
    }
}

/// The decision conditions that have a plan, once per value slot.
fn exact_roots(
    model: &Model,
    schedule: &Schedule,
    rules: &IdVec<RuleId, CompiledCondition>,
    contraindications: &IdVec<ActionId, Vec<CompiledCondition>>,
    cautions: &IdVec<ActionId, Vec<CompiledCondition>>,
) -> Vec<ExactRoot> {
    let mut decisions: Vec<(NodeId, DecisionCondition)> = Vec::new();
    for (rule, compiled) in rules.iter_enumerated() {
        decisions.push((compiled.root, DecisionCondition::Rule(rule)));
    }
    for (action, clauses) in contraindications.iter_enumerated() {
        for (clause, compiled) in clauses.iter().enumerate() {
            decisions.push((
                compiled.root,
                DecisionCondition::Contraindication(action, clause),
            ));
        }
    }
    for (action, clauses) in cautions.iter_enumerated() {
        for (clause, compiled) in clauses.iter().enumerate() {
            decisions.push((compiled.root, DecisionCondition::Caution(action, clause)));
        }
    }
    let mut roots: Vec<ExactRoot> = Vec::new();
    let mut table_room = super::exact::PROGRAM_TABLE_LIMIT;
    for (root, decision) in decisions {
        let slot = slot_of(&schedule.value_at, root);
        if roots.iter().any(|r| r.slot == slot) {
            continue;
        }
        let Some(condition) = decision.condition(model) else {
            continue;
        };
        let plan = super::exact::Plan::within(
            model,
            condition,
            &mut table_room,
            super::exact::SEARCH_LIMIT,
        );
        if let Some(plan) = plan {
            roots.push(ExactRoot { slot, plan });
        }
    }
    roots
}
