//! Exact decisions over unknown facts: a condition that Kleene logic leaves
//! unknown is decided over the values its unknown facts can take, under the
//! invariants. `pregnant or not pregnant` holds whatever `pregnant` is; an
//! IV course cannot have been completed by a patient never given
//! corticosteroids when an invariant says so. The condition is unknown only
//! when some allowed values of its unknown facts make it true and others
//! make it false: then an escalation means a real patient with these facts
//! could go either way.
//!
//! Input: a model and one of its decision conditions (a rule's condition, a
//! contraindication or caution clause). [`Plan::new`] works out once which
//! facts can matter — the condition's own, and those of every invariant that
//! shares one with them, to closure (a set's members count one by one: an
//! unknown set's members take their values independently) — and a value in each cell of each
//! fact's domain (the cells the constants of those conditions cut; for a set,
//! every combination of the members they test). A plan exists only when
//! these combinations number at most [`BUDGET`]; without one the condition
//! keeps its Kleene value, which is sound (unknown, so it escalates). Output:
//! [`Plan::decide`] gives the condition's value for a patient; it runs only
//! when Kleene logic says unknown, so patients with every fact known never
//! pay for it. `diff::decision` encodes the same plans for `gdl diff`.

use std::ops::ControlFlow;

use super::logic::{Tri, compare};
use super::patient::{Patient, Value};
use crate::sema::{CmpOp, Condition, ConditionKind, FactId, Model, Type};

/// At most this many combinations of fact values are tried for one
/// condition: enough for every decision of the shipped guideline (the
/// largest, `muscle_cyclophosphamide_after_others`, has between 2^14 and
/// 2^15), and a bound on the search for a plan too large for a table.
pub const BUDGET: usize = 1 << 15;

/// How one condition is decided exactly.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The facts that can matter, sorted, each with the values that stand
    /// for its cells.
    pub facts: Vec<(FactId, Vec<Value>)>,
    /// The invariants that constrain them, by index.
    pub invariants: Vec<usize>,
    /// The facts the condition itself reads.
    own: Vec<FactId>,
    /// The condition, compiled for the search.
    condition_ops: Vec<Op>,
    /// Each of `invariants`, compiled for the search.
    invariant_ops: Vec<Vec<Op>>,
    /// The condition reads each atom once: then, for a patient whose
    /// invariants all hold already, Kleene logic is exact for it.
    pub read_once: bool,
    /// Every answer, precomputed: see [`Table`]. `None` when it would be
    /// larger than [`TABLE_LIMIT`] or the program's room for tables; the
    /// search answers instead.
    table: Option<Table>,
}

/// At most this many combinations of values of all its facts for a plan
/// the interpreter makes: it searches only the facts a patient leaves
/// unknown, so a condition reading many facts is still decided for a
/// patient missing a few of them (a dose rule that reads a score's items,
/// a renal band and a pregnancy the patient's sex settles).
pub const SEARCH_LIMIT: usize = 1 << 40;

/// At most this many entries in a plan's [`Table`] (a byte each).
pub const TABLE_LIMIT: usize = 1 << 20;

/// At most this many table entries for all the plans of one program, so
/// that a hostile guideline with many large plans cannot take gigabytes:
/// plans beyond it search instead (the shipped guideline needs 386,793).
pub const PROGRAM_TABLE_LIMIT: usize = 1 << 23;

/// A plan's answers for every patient, computed the first time one is
/// needed (a program is built for one patient as often as for a cohort,
/// and most plans are never consulted for one patient). Each atom the plan
/// reads is a digit: a fact's cell (bool, enum value, number range), or
/// one member of a set fact (absent or present), with one more digit
/// value for unknown, so a set known member by member is read as exactly
/// as one known whole. An entry holds which values the condition can take
/// over the completions the invariants allow (bit 0 true, bit 1 false):
/// deciding is one lookup instead of a search, and the cohorts with
/// unknown facts pay almost nothing for exactness.
#[derive(Clone, Debug)]
struct Table {
    /// The atoms, each with its number of known values.
    digits: Vec<(FactId, Digit, usize)>,
    /// The number of entries: the product of each digit's values and one.
    size: usize,
    /// One entry per index (digits in order, least significant first),
    /// filled on first use; shared by the threads of a cohort run.
    entries: std::sync::OnceLock<Vec<u8>>,
}

/// How an atom's value is read from a patient's value.
#[derive(Clone, Debug)]
enum Digit {
    Bool,
    /// The cell among sorted constants ([`cell_of`]).
    Number(Vec<f64>),
    Enum,
    /// Whether this member is in the set.
    Member(u32),
}

const CAN_HOLD: u8 = 1;
const CAN_FAIL: u8 = 2;

/// The invariants that share an atom with `atoms`, by index: each brings
/// its other atoms into `atoms`, until nothing changes. `None` when one of
/// them reads too much to plan for.
fn related_invariants(model: &Model, atoms: &mut Vec<(FactId, Option<u32>)>) -> Option<Vec<usize>> {
    let mut invariants: Vec<usize> = Vec::new();
    // Invariants that share an atom bring their other atoms in, until
    // nothing changes.
    loop {
        let before = (atoms.len(), invariants.len());
        for (index, invariant) in model.invariants.iter().enumerate() {
            if invariants.contains(&index) {
                continue;
            }
            let mut read = Vec::new();
            let small = collect_atoms(model, &invariant.condition, &mut read);
            if read.iter().any(|a| atoms.contains(a)) {
                if !small {
                    return None;
                }
                invariants.push(index);
                for atom in read {
                    if !atoms.contains(&atom) {
                        atoms.push(atom);
                    }
                }
            }
        }
        if (atoms.len(), invariants.len()) == before {
            break;
        }
    }
    Some(invariants)
}

/// Whether the condition, definitions expanded, reads each atom at most
/// once.
fn reads_atoms_once(model: &Model, condition: &Condition) -> bool {
    let mut seen = Vec::new();
    let mut read_once = true;
    walk_expanded(model, condition, &mut |node| {
        if let Some(atom) = atom_of(node) {
            read_once &= !seen.contains(&atom);
            seen.push(atom);
        }
    });
    read_once
}

impl Plan {
    /// The plan for a condition, or `None` when it needs none (Kleene logic
    /// is exact for it: see [`kleene_is_exact`]) or when its facts have
    /// more than [`BUDGET`] combinations of values.
    pub fn new(model: &Model, condition: &Condition) -> Option<Plan> {
        Plan::within(model, condition, &mut TABLE_LIMIT.clone(), BUDGET)
    }

    /// [`Plan::new`], its table counted against `table_budget` (entries
    /// left for the program's tables): without room, the plan searches. A
    /// plan whose facts have up to `limit` combinations (above [`BUDGET`]
    /// for the interpreter, which only searches the facts a patient leaves
    /// unknown, at most [`BUDGET`] combinations of them) is made.
    pub fn within(
        model: &Model,
        condition: &Condition,
        table_budget: &mut usize,
        limit: usize,
    ) -> Option<Plan> {
        if kleene_is_exact(model, condition) {
            return None;
        }
        // What a condition reads, as atoms: a fact, or one member of a set
        // fact (members of an unknown set take their values independently,
        // so invariants about other members do not constrain these).
        let mut atoms: Vec<(FactId, Option<u32>)> = Vec::new();
        if !collect_atoms(model, condition, &mut atoms) {
            return None;
        }
        // The condition's own facts, before the invariants add theirs.
        let mut own: Vec<FactId> = Vec::new();
        for (fact, _) in &atoms {
            if !own.contains(fact) {
                own.push(*fact);
            }
        }
        let mut invariants = related_invariants(model, &mut atoms)?;
        let mut facts: Vec<FactId> = atoms.iter().map(|(fact, _)| *fact).collect();
        facts.dedup();
        facts.sort_unstable();
        facts.dedup();
        invariants.sort_unstable();
        let mut conditions: Vec<&Condition> = vec![condition];
        conditions.extend(
            invariants
                .iter()
                .filter_map(|i| model.invariants.get(*i))
                .map(|i| &i.condition),
        );
        let mut combinations: usize = 1;
        let mut domains = Vec::with_capacity(facts.len());
        for fact in facts {
            let values = domain(model, &conditions, fact)?;
            combinations = combinations.checked_mul(values.len())?;
            if combinations > limit {
                return None;
            }
            domains.push((fact, values));
        }
        let read_once = reads_atoms_once(model, condition);
        let mut condition_ops = Vec::new();
        compile(model, condition, &mut condition_ops);
        let invariant_ops = invariants
            .iter()
            .map(|index| {
                let mut ops = Vec::new();
                if let Some(invariant) = model.invariants.get(*index) {
                    compile(model, &invariant.condition, &mut ops);
                }
                ops
            })
            .collect();
        let mut plan = Plan {
            facts: domains,
            invariants,
            own,
            condition_ops,
            invariant_ops,
            read_once,
            table: None,
        };
        plan.table = Table::new(model, &conditions, &plan, *table_budget);
        if let Some(table) = &plan.table {
            *table_budget -= table.size;
        }
        Some(plan)
    }

    /// The condition's value for `patient`: true (or false) when every
    /// value its unknown facts can take under the invariants makes it true
    /// (or false); unknown when both happen, or when no value is allowed.
    pub fn decide(&self, patient: &Patient) -> Tri {
        if let Some(table) = &self.table {
            return table.decide(self, patient);
        }
        self.search(patient)
    }

    /// [`Plan::decide`] by searching the completions (the table's oracle,
    /// and the way for plans too large for one).
    fn search(&self, patient: &Patient) -> Tri {
        let mut unknown: Vec<(FactId, &[Value])> = self
            .facts
            .iter()
            .filter(|(fact, _)| patient.get(*fact) == Value::Unknown)
            .map(|(fact, values)| (*fact, values.as_slice()))
            .collect();
        // Too many completions to search: Kleene logic's unknown stands.
        let completions = unknown.iter().try_fold(1usize, |product, (_, values)| {
            product.checked_mul(values.len())
        });
        if completions.is_none_or(|n| n > BUDGET) {
            return Tri::Unknown;
        }
        // The condition's own facts first: they settle it soonest.
        unknown.sort_by_key(|(fact, _)| !self.own.contains(fact));
        let mut search = Search {
            plan: self,
            unknown: &unknown,
            values: patient.values().collect(),
            stack: Vec::new(),
        };
        let can_hold = search.can_be(Tri::True, 0);
        let can_fail = search.can_be(Tri::False, 0);
        match (can_hold, can_fail) {
            (true, false) => Tri::True,
            (false, true) => Tri::False,
            _ => Tri::Unknown,
        }
    }

    /// For fact values indexed by fact: `None` when an invariant of the
    /// plan is false for them, else the condition's value.
    pub fn judge(&self, values: &[Value]) -> Option<Tri> {
        let mut stack = Vec::new();
        let allowed = self
            .invariant_ops
            .iter()
            .all(|ops| run_ops(ops, values, &mut stack) != Tri::False);
        allowed.then(|| run_ops(&self.condition_ops, values, &mut stack))
    }
}

impl Table {
    /// The table of a plan whose facts are read by `conditions` (the
    /// plan's condition and invariants); `None` beyond [`TABLE_LIMIT`] or
    /// `room` entries.
    fn new(model: &Model, conditions: &[&Condition], plan: &Plan, room: usize) -> Option<Table> {
        let mut digits = Vec::new();
        let mut size = 1usize;
        for (fact, cells) in &plan.facts {
            let ty = &model.facts.get(*fact)?.ty;
            let fact_digits = match ty {
                Type::Bool => vec![(*fact, Digit::Bool, 2)],
                Type::Number | Type::Quantity(_) | Type::Date => {
                    vec![(
                        *fact,
                        Digit::Number(constants(model, conditions, *fact)),
                        cells.len(),
                    )]
                }
                Type::Enum(_) => vec![(*fact, Digit::Enum, cells.len())],
                Type::Set(_) => tested_members(model, conditions, *fact)
                    .into_iter()
                    .map(|member| (*fact, Digit::Member(member), 2))
                    .collect(),
            };
            for digit in fact_digits {
                size = size.checked_mul(digit.2 + 1)?;
                if size > TABLE_LIMIT.min(room) {
                    return None;
                }
                digits.push(digit);
            }
        }
        Some(Table {
            digits,
            size,
            entries: std::sync::OnceLock::new(),
        })
    }

    /// Every entry, lowest index first. An index with an unknown digit
    /// merges the entries with that digit set to each known value: lower
    /// indices (unknown is a digit's highest value), so already filled.
    fn fill(&self, plan: &Plan) -> Vec<u8> {
        let mut entries = vec![0u8; self.size];
        let facts = self.digits.iter().map(|(fact, _, _)| fact.index());
        let mut values: Vec<Value> = vec![Value::Unknown; facts.max().map_or(0, |m| m + 1)];
        let mut stack = Vec::new();
        // The digits of the current index, counted up as the index is.
        let mut digit_values = vec![0usize; self.digits.len()];
        for index in 0..self.size {
            let mut stride = 1;
            let mut unknown = None;
            for ((_, _, count), value) in self.digits.iter().zip(&digit_values) {
                if value == count {
                    unknown = Some((stride, *count));
                    break;
                }
                stride *= count + 1;
            }
            let entry = match unknown {
                Some((stride, count)) => {
                    let first = index - count * stride;
                    (0..count)
                        .filter_map(|value| entries.get(first + value * stride))
                        .fold(0, |merged, entry| merged | entry)
                }
                None => {
                    for (fact, digit, _) in &self.digits {
                        if let (Digit::Member(_), Some(place)) =
                            (digit, values.get_mut(fact.index()))
                        {
                            *place = Value::Set(0);
                        }
                    }
                    for ((fact, digit, _), value) in self.digits.iter().zip(&digit_values) {
                        if let Some(place) = values.get_mut(fact.index()) {
                            *place = match (digit, *place) {
                                (Digit::Bool, _) => Value::Bool(*value == 1),
                                (Digit::Number(constants), _) => {
                                    Value::Number(cell_value(constants, *value))
                                }
                                (Digit::Enum, _) => Value::Enum(*value as u32),
                                (Digit::Member(member), Value::Set(bits)) => Value::Set(
                                    bits | (u128::from(*value == 1) << (*member).min(127)),
                                ),
                                (Digit::Member(_), other) => other,
                            };
                        }
                    }
                    let allowed = plan
                        .invariant_ops
                        .iter()
                        .all(|ops| run_ops(ops, &values, &mut stack) == Tri::True);
                    match run_ops(&plan.condition_ops, &values, &mut stack) {
                        _ if !allowed => 0,
                        Tri::True => CAN_HOLD,
                        Tri::False => CAN_FAIL,
                        Tri::Unknown => CAN_HOLD | CAN_FAIL,
                    }
                }
            };
            if let Some(place) = entries.get_mut(index) {
                *place = entry;
            }
            // The next index's digits.
            for ((_, _, count), value) in self.digits.iter().zip(digit_values.iter_mut()) {
                *value += 1;
                if *value <= *count {
                    break;
                }
                *value = 0;
            }
        }
        entries
    }

    /// The plan's decision for a patient: one lookup.
    fn decide(&self, plan: &Plan, patient: &Patient) -> Tri {
        let mut index = 0;
        let mut stride = 1;
        for (fact, digit, count) in &self.digits {
            let value = match (digit, patient.get(*fact)) {
                (Digit::Bool, Value::Bool(b)) => usize::from(b),
                (Digit::Number(constants), Value::Number(x)) => cell_of(constants, x),
                (Digit::Enum, Value::Enum(v)) => v as usize,
                (Digit::Member(member), Value::Set(bits)) => {
                    usize::from(*member < 128 && bits & (1u128 << member) != 0)
                }
                (Digit::Member(member), Value::Unknown) => {
                    patient.member(*fact, *member).map_or(*count, usize::from)
                }
                // Unknown, or a value of the wrong kind (which the facts
                // reader never gives): unknown, which escalates.
                _ => *count,
            };
            index += value.min(*count) * stride;
            stride *= count + 1;
        }
        let entries = self.entries.get_or_init(|| self.fill(plan));
        match entries.get(index).copied().unwrap_or(0) {
            CAN_HOLD => Tri::True,
            CAN_FAIL => Tri::False,
            _ => Tri::Unknown,
        }
    }
}

/// A search for values of a patient's unknown facts, allowed by the
/// invariants, that give a condition a value: facts are given values one
/// after another, and a branch stops as soon as Kleene logic over the facts
/// still unknown settles it (the condition has the other value, or an
/// invariant fails). Gives the answer trying every combination would give,
/// usually after a few.
struct Search<'a> {
    plan: &'a Plan,
    /// The unknown facts, in the order they are given values.
    unknown: &'a [(FactId, &'a [Value])],
    /// Every fact's value: the patient's, with the values given so far.
    values: Vec<Value>,
    /// The evaluation stack of [`run_ops`], kept between steps.
    stack: Vec<Tri>,
}

impl Search<'_> {
    fn set(&mut self, slot: usize, value: Value) {
        if let Some(fact) = self.unknown.get(slot).map(|(fact, _)| fact.index())
            && let Some(place) = self.values.get_mut(fact)
        {
            *place = value;
        }
    }

    /// Whether giving each fact from `next` on its first value (false, the
    /// lowest range, …) satisfies every invariant: with the condition
    /// already settled, one allowed completion is all that is needed, and
    /// for invariants of the form `a implies b` this one usually is.
    fn first_values_allowed(&mut self, next: usize) -> bool {
        for slot in next..self.unknown.len() {
            let first = self
                .unknown
                .get(slot)
                .and_then(|(_, values)| values.first().copied())
                .unwrap_or(Value::Unknown);
            self.set(slot, first);
        }
        let plan = self.plan;
        let allowed = plan
            .invariant_ops
            .iter()
            .all(|ops| run_ops(ops, &self.values, &mut self.stack) == Tri::True);
        for slot in next..self.unknown.len() {
            self.set(slot, Value::Unknown);
        }
        allowed
    }

    /// Whether values of the unknown facts from `next` on, allowed by the
    /// invariants, give the condition the value `target`.
    fn can_be(&mut self, target: Tri, next: usize) -> bool {
        let plan = self.plan;
        let value = run_ops(&plan.condition_ops, &self.values, &mut self.stack);
        if value != Tri::Unknown && value != target {
            return false;
        }
        let mut invariants_hold = true;
        for ops in &plan.invariant_ops {
            match run_ops(ops, &self.values, &mut self.stack) {
                Tri::False => return false,
                Tri::Unknown => invariants_hold = false,
                Tri::True => {}
            }
        }
        if value == target && (invariants_hold || self.first_values_allowed(next)) {
            return true;
        }
        let Some((_, values)) = self.unknown.get(next) else {
            return false;
        };
        for value in values.iter() {
            self.set(next, *value);
            if self.can_be(target, next + 1) {
                self.set(next, Value::Unknown);
                return true;
            }
        }
        self.set(next, Value::Unknown);
        false
    }
}

/// Calls `visit` with every combination of values of `facts` (each fact
/// one of its values, as an odometer turns), given as a lookup that says
/// `None` for a fact not among them; stops when `visit` breaks.
pub fn each_combination(
    facts: &[(FactId, &[Value])],
    mut visit: impl FnMut(&dyn Fn(FactId) -> Option<Value>) -> ControlFlow<()>,
) {
    let mut choice = vec![0usize; facts.len()];
    loop {
        let assigned = |fact: FactId| {
            let slot = facts.iter().position(|(f, _)| *f == fact)?;
            facts.get(slot)?.1.get(*choice.get(slot)?).copied()
        };
        if visit(&assigned).is_break() {
            return;
        }
        let mut position = 0;
        loop {
            let (Some(digit), Some((_, values))) = (choice.get_mut(position), facts.get(position))
            else {
                return;
            };
            *digit += 1;
            if *digit < values.len() {
                break;
            }
            *digit = 0;
            position += 1;
        }
    }
}

impl Plan {
    /// Of the `candidates` (unknown facts), those worth asking for when
    /// the condition is unknown: each one that, once known, could settle
    /// it (some value of it makes the condition true, or false, whatever
    /// the other unknown facts are). Empty when no single one can.
    pub fn settling_facts(&self, patient: &Patient, candidates: &[FactId]) -> Vec<FactId> {
        let mut known = patient.clone();
        let mut settling = Vec::new();
        for (fact, values) in &self.facts {
            if !candidates.contains(fact) {
                continue;
            }
            let settles = values.iter().any(|value| {
                known.set(*fact, *value);
                self.decide(&known) != Tri::Unknown
            });
            known.set(*fact, Value::Unknown);
            if settles {
                settling.push(*fact);
            }
        }
        settling
    }
}

/// Whether Kleene logic already decides a condition exactly: when it reads
/// each atom once (a fact, or a member of a set; through definitions, each
/// time one is used) and no invariant reads any of them. Each part of such
/// a condition then varies on its own, so a part Kleene logic leaves
/// unknown can really be true and really be false whatever the others are.
/// Most conditions are like this, and cost nothing more to decide.
pub fn kleene_is_exact(model: &Model, condition: &Condition) -> bool {
    let mut occurrences: Vec<(FactId, Option<u32>)> = Vec::new();
    let mut repeated = false;
    let complete = walk_expanded(model, condition, &mut |node| {
        if let Some(atom) = atom_of(node) {
            repeated |= occurrences.contains(&atom);
            occurrences.push(atom);
        }
    });
    if !complete
        || repeated
        || occurrences
            .iter()
            .any(|(fact, _)| finite_input(model, *fact))
    {
        return false;
    }
    !model.invariants.iter().any(|invariant| {
        let mut read = Vec::new();
        collect_atoms(model, &invariant.condition, &mut read);
        read.iter().any(|atom| occurrences.contains(atom))
    })
}

/// Whether `fact` is computed from a bool or enum fact: an unknown one
/// makes it unknown with only a few values possible, which a plan decides
/// (`Program::decide_through_inputs`).
fn finite_input(model: &Model, fact: FactId) -> bool {
    let Some(derived) = model.facts.get(fact).and_then(|f| f.derived.as_ref()) else {
        return false;
    };
    derived
        .inputs
        .iter()
        .any(|&input| model.facts.get(input).is_some_and(|f| f.ty.is_few_valued()))
}

/// At most this many nodes, definitions expanded where they are used, in a
/// condition (or invariant) a plan reads; a larger one keeps Kleene logic,
/// which the interpreter computes over the compiled program, where each
/// definition is computed once. This bounds the work of a plan, and the
/// depth of [`meaning`], on hostile input (5,000 definitions in a chain).
pub const NODE_LIMIT: usize = 1024;

/// Calls `visit` on every node of a condition, definitions expanded where
/// they are used; `false` when the walk stopped after [`NODE_LIMIT`]
/// nodes. Iterative: a long chain of definitions is no deep recursion.
fn walk_expanded<'m>(
    model: &'m Model,
    condition: &'m Condition,
    visit: &mut dyn FnMut(&'m Condition),
) -> bool {
    let mut stack = vec![condition];
    let mut visited = 0usize;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > NODE_LIMIT {
            return false;
        }
        visit(node);
        match &node.kind {
            ConditionKind::Definition(id) => {
                if let Some(definition) = model.definitions.get(*id) {
                    stack.push(&definition.condition);
                }
            }
            ConditionKind::Not(inner) => stack.push(inner),
            ConditionKind::And(parts) | ConditionKind::Or(parts) => stack.extend(parts.iter()),
            ConditionKind::Implies(left, right) => {
                stack.push(right);
                stack.push(left);
            }
            ConditionKind::Points(test) => stack.extend(test.items.iter().map(|i| &i.condition)),
            ConditionKind::Const(_)
            | ConditionKind::Fact(_)
            | ConditionKind::Compare { .. }
            | ConditionKind::EnumIn { .. }
            | ConditionKind::SetHas { .. } => {}
        }
    }
    true
}

/// The atom a leaf reads: its fact, or for a set test the fact and member.
fn atom_of(condition: &Condition) -> Option<(FactId, Option<u32>)> {
    match &condition.kind {
        ConditionKind::Fact(fact)
        | ConditionKind::Compare { fact, .. }
        | ConditionKind::EnumIn { fact, .. } => Some((*fact, None)),
        ConditionKind::SetHas { fact, value } => Some((*fact, Some(*value))),
        _ => None,
    }
}

/// Adds the atoms a condition reads (through definitions) to `atoms`, once
/// each; `false` when it has more than [`NODE_LIMIT`] nodes.
fn collect_atoms(
    model: &Model,
    condition: &Condition,
    atoms: &mut Vec<(FactId, Option<u32>)>,
) -> bool {
    walk_expanded(model, condition, &mut |node| {
        if let Some(atom) = atom_of(node)
            && !atoms.contains(&atom)
        {
            atoms.push(atom);
        }
    })
}

/// The constants a fact is compared with in these conditions (through
/// definitions), sorted, -0 as 0.
pub fn constants(model: &Model, conditions: &[&Condition], fact: FactId) -> Vec<f64> {
    let mut found = Vec::new();
    for condition in conditions {
        walk_expanded(model, condition, &mut |node| {
            if let ConditionKind::Compare { fact: f, value, .. } = &node.kind
                && *f == fact
            {
                // `+ 0.0` turns -0 into 0, so the two are one constant.
                found.push(*value + 0.0);
            }
        });
    }
    found.sort_by(f64::total_cmp);
    found.dedup();
    found
}

/// The members of a set fact these conditions test, sorted.
pub fn tested_members(model: &Model, conditions: &[&Condition], fact: FactId) -> Vec<u32> {
    let mut found = Vec::new();
    for condition in conditions {
        walk_expanded(model, condition, &mut |node| {
            if let ConditionKind::SetHas { fact: f, value } = &node.kind
                && *f == fact
            {
                found.push(*value);
            }
        });
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// One value in each cell of a fact's domain, as far as these conditions
/// can tell values apart; `None` when there are too many.
pub(crate) fn domain(model: &Model, conditions: &[&Condition], fact: FactId) -> Option<Vec<Value>> {
    let ty = &model.facts.get(fact)?.ty;
    Some(match ty {
        Type::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Type::Number | Type::Quantity(_) | Type::Date => {
            let constants = constants(model, conditions, fact);
            (0..=2 * constants.len())
                .map(|cell| Value::Number(cell_value(&constants, cell)))
                .collect()
        }
        Type::Enum(id) => {
            let size = model.enums.get(*id)?.values.len() as u32;
            (0..size).map(Value::Enum).collect()
        }
        Type::Set(_) => {
            let members = tested_members(model, conditions, fact);
            if members.len() > 10 {
                return None;
            }
            (0..1u32 << members.len())
                .map(|combination| {
                    let mut bits = 0u128;
                    for (index, member) in members.iter().enumerate() {
                        if combination & (1 << index) != 0 && *member < 128 {
                            bits |= 1 << member;
                        }
                    }
                    Value::Set(bits)
                })
                .collect()
        }
    })
}

/// A number in cell `cell` of the sorted constants: cell `2i + 1` is the
/// constant `i` itself, the even cells the gaps around them.
pub fn cell_value(constants: &[f64], cell: usize) -> f64 {
    if cell % 2 == 1 {
        return constants.get(cell / 2).copied().unwrap_or(0.0);
    }
    let below = cell
        .checked_sub(1)
        .and_then(|c| constants.get(c / 2))
        .copied();
    let above = constants.get(cell / 2).copied();
    match (below, above) {
        (None, None) => 0.0,
        (None, Some(above)) => above - 1.0,
        (Some(below), None) => below + 1.0,
        (Some(below), Some(above)) => {
            let middle = below / 2.0 + above / 2.0;
            if middle > below && middle < above {
                middle
            } else {
                // Adjacent floats: no number lies between them, and the
                // gap is empty; any value of a neighbouring cell stands in.
                below
            }
        }
    }
}

/// The cell of a number among sorted constants (see [`cell_value`]).
pub fn cell_of(constants: &[f64], x: f64) -> usize {
    let below = constants.iter().take_while(|c| **c < x).count();
    let equal = constants.get(below).is_some_and(|c| *c == x);
    2 * below + usize::from(equal)
}

/// One step of a condition compiled for a plan's search: the condition in
/// postfix order, definitions inlined, read over a vector of fact values.
/// Evaluating it is a loop over a small stack, several times cheaper than
/// walking the tree, which the search does at every step.
#[derive(Clone, Debug)]
enum Op {
    Const(Tri),
    Fact(FactId),
    Compare {
        fact: FactId,
        op: CmpOp,
        value: f64,
    },
    EnumIn {
        fact: FactId,
        values: Vec<u32>,
    },
    SetHas {
        fact: FactId,
        value: u32,
    },
    Not,
    And(usize),
    Or(usize),
    Implies,
    /// A points test over the values of its items, the last on the stack
    /// (boxed: the rare op keeps every other op as small as before).
    Points(Box<PointsOp>),
}

/// [`Op::Points`]: each item's points, the comparison and its bound.
#[derive(Clone, Debug)]
struct PointsOp {
    points: Vec<i64>,
    op: CmpOp,
    value: i64,
}

/// A condition in postfix order (its size is bounded by [`NODE_LIMIT`]).
fn compile(model: &Model, condition: &Condition, ops: &mut Vec<Op>) {
    // (node, children done): a node is written after its children.
    let mut stack: Vec<(&Condition, bool)> = vec![(condition, false)];
    while let Some((node, done)) = stack.pop() {
        if done {
            ops.push(match &node.kind {
                ConditionKind::Not(_) => Op::Not,
                ConditionKind::And(parts) => Op::And(parts.len()),
                ConditionKind::Or(parts) => Op::Or(parts.len()),
                ConditionKind::Points(test) => Op::Points(Box::new(PointsOp {
                    points: test.items.iter().map(|i| i.points).collect(),
                    op: test.op,
                    value: test.value,
                })),
                _ => Op::Implies,
            });
            continue;
        }
        match &node.kind {
            ConditionKind::Const(value) => ops.push(Op::Const(Tri::from_bool(*value))),
            ConditionKind::Fact(fact) => ops.push(Op::Fact(*fact)),
            ConditionKind::Compare { fact, op, value } => ops.push(Op::Compare {
                fact: *fact,
                op: *op,
                value: *value,
            }),
            ConditionKind::EnumIn { fact, values } => ops.push(Op::EnumIn {
                fact: *fact,
                values: values.clone(),
            }),
            ConditionKind::SetHas { fact, value } => ops.push(Op::SetHas {
                fact: *fact,
                value: *value,
            }),
            ConditionKind::Definition(id) => match model.definitions.get(*id) {
                Some(definition) => stack.push((&definition.condition, false)),
                None => ops.push(Op::Const(Tri::Unknown)),
            },
            ConditionKind::Not(inner) => {
                stack.push((node, true));
                stack.push((inner, false));
            }
            ConditionKind::And(parts) | ConditionKind::Or(parts) => {
                stack.push((node, true));
                stack.extend(parts.iter().rev().map(|part| (part, false)));
            }
            ConditionKind::Implies(left, right) => {
                stack.push((node, true));
                stack.push((right, false));
                stack.push((left, false));
            }
            ConditionKind::Points(test) => {
                stack.push((node, true));
                stack.extend(test.items.iter().rev().map(|i| (&i.condition, false)));
            }
        }
    }
}

/// The Kleene value of a compiled condition over fact values (indexed by
/// fact; a fact beyond them is unknown), in `stack`'s buffer.
fn run_ops(ops: &[Op], values: &[Value], stack: &mut Vec<Tri>) -> Tri {
    stack.clear();
    let value_of = |fact: &FactId| values.get(fact.index()).copied().unwrap_or(Value::Unknown);
    for op in ops {
        let value = match op {
            Op::Const(value) => *value,
            Op::Fact(fact) => match value_of(fact) {
                Value::Bool(b) => Tri::from_bool(b),
                _ => Tri::Unknown,
            },
            Op::Compare { fact, op, value } => match value_of(fact) {
                Value::Number(x) => Tri::from_bool(compare(x, *op, *value)),
                _ => Tri::Unknown,
            },
            Op::EnumIn { fact, values } => match value_of(fact) {
                Value::Enum(v) => Tri::from_bool(values.contains(&v)),
                _ => Tri::Unknown,
            },
            Op::SetHas { fact, value } => match value_of(fact) {
                Value::Set(bits) => Tri::from_bool(*value < 128 && bits & (1u128 << value) != 0),
                _ => Tri::Unknown,
            },
            Op::Not => stack.pop().unwrap_or(Tri::Unknown).negate(),
            Op::And(count) => {
                let from = stack.len().saturating_sub(*count);
                stack.drain(from..).fold(Tri::True, Tri::and)
            }
            Op::Or(count) => {
                let from = stack.len().saturating_sub(*count);
                stack.drain(from..).fold(Tri::False, Tri::or)
            }
            Op::Implies => {
                let right = stack.pop().unwrap_or(Tri::Unknown);
                let left = stack.pop().unwrap_or(Tri::Unknown);
                left.implies(right)
            }
            Op::Points(test) => {
                let from = stack.len().saturating_sub(test.points.len());
                let items = test.points.iter().copied().zip(stack.drain(from..));
                super::logic::points(items, test.op, test.value)
            }
        };
        stack.push(value);
    }
    stack.pop().unwrap_or(Tri::Unknown)
}

/// Whether a condition has at most [`NODE_LIMIT`] nodes, definitions
/// expanded: then [`meaning`] reads it in bounded work and depth.
pub(crate) fn within_node_limit(model: &Model, condition: &Condition) -> bool {
    walk_expanded(model, condition, &mut |_| {})
}

/// [`meaning`] for a condition within [`NODE_LIMIT`], unknown for a
/// larger one: how a computed fact's conditional reads its condition, in
/// the interpreter (a patient) and in the checker (a box of patients).
pub(crate) fn bounded_meaning(
    model: &Model,
    condition: &Condition,
    value_of: &dyn Fn(FactId) -> Value,
) -> Tri {
    if within_node_limit(model, condition) {
        meaning(model, condition, value_of)
    } else {
        Tri::Unknown
    }
}

/// Kleene meaning of a condition with fact values from `value_of`, read
/// straight off the tree: the oracle the compiled steps ([`run_ops`]) and
/// the interpreter's schedule are tested against, and how a computed
/// fact's conditional reads its condition (one within [`NODE_LIMIT`]).
pub(crate) fn meaning(
    model: &Model,
    condition: &Condition,
    value_of: &dyn Fn(FactId) -> Value,
) -> Tri {
    match &condition.kind {
        ConditionKind::Const(value) => Tri::from_bool(*value),
        ConditionKind::Fact(fact) => match value_of(*fact) {
            Value::Bool(b) => Tri::from_bool(b),
            _ => Tri::Unknown,
        },
        ConditionKind::Definition(id) => model
            .definitions
            .get(*id)
            .map_or(Tri::Unknown, |d| meaning(model, &d.condition, value_of)),
        ConditionKind::Not(inner) => meaning(model, inner, value_of).negate(),
        ConditionKind::And(parts) => parts.iter().fold(Tri::True, |acc, part| {
            acc.and(meaning(model, part, value_of))
        }),
        ConditionKind::Or(parts) => parts.iter().fold(Tri::False, |acc, part| {
            acc.or(meaning(model, part, value_of))
        }),
        ConditionKind::Implies(left, right) => {
            meaning(model, left, value_of).implies(meaning(model, right, value_of))
        }
        ConditionKind::Compare { fact, op, value } => match value_of(*fact) {
            Value::Number(x) => Tri::from_bool(compare(x, *op, *value)),
            _ => Tri::Unknown,
        },
        ConditionKind::EnumIn { fact, values } => match value_of(*fact) {
            Value::Enum(v) => Tri::from_bool(values.contains(&v)),
            _ => Tri::Unknown,
        },
        ConditionKind::SetHas { fact, value } => match value_of(*fact) {
            Value::Set(bits) => Tri::from_bool(*value < 128 && bits & (1u128 << value) != 0),
            _ => Tri::Unknown,
        },
        ConditionKind::Points(test) => super::logic::points(
            test.items
                .iter()
                .map(|item| (item.points, meaning(model, &item.condition, value_of))),
            test.op,
            test.value,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn formula(rng: &mut Rng, depth: u32) -> String {
        if depth == 0 || rng.below(3) == 0 {
            return match rng.below(5) {
                0 | 1 => format!("b{}", rng.below(3)),
                2 => format!(
                    "q {} {} mg",
                    ["<", ">=", "="][rng.below(3) as usize],
                    [0, 10, 20][rng.below(3) as usize]
                ),
                3 => format!("e = v{}", rng.below(3)),
                _ => format!("v{} in s", rng.below(2)),
            };
        }
        match rng.below(4) {
            0 => format!("not ({})", formula(rng, depth - 1)),
            1 => format!(
                "({} or {})",
                formula(rng, depth - 1),
                formula(rng, depth - 1)
            ),
            2 => format!(
                "at {} 1 of ({}, {}, {})",
                ["least", "most"][rng.below(2) as usize],
                formula(rng, depth - 1),
                formula(rng, depth - 1),
                formula(rng, depth - 1)
            ),
            _ => format!(
                "({} and {})",
                formula(rng, depth - 1),
                formula(rng, depth - 1)
            ),
        }
    }

    /// Every value of each fact, unknown first.
    fn values() -> [Vec<Value>; 6] {
        let bools = vec![Value::Unknown, Value::Bool(false), Value::Bool(true)];
        let mut q = vec![Value::Unknown];
        q.extend([-5.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0].map(Value::Number));
        let mut e = vec![Value::Unknown];
        e.extend((0..3).map(Value::Enum));
        let mut s = vec![Value::Unknown];
        s.extend((0..4u128).map(Value::Set));
        [bools.clone(), bools.clone(), bools, q, e, s]
    }

    fn patients(values: &[Vec<Value>]) -> Vec<Vec<Value>> {
        let mut out = vec![Vec::new()];
        for domain in values {
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    domain.iter().map(move |v| {
                        let mut next = prefix.clone();
                        next.push(*v);
                        next
                    })
                })
                .collect();
        }
        out
    }

    /// `decide` against brute force: for every patient, the condition over
    /// all its completions (every fact, not only the plan's) that no
    /// invariant rules out.
    #[test]
    fn exact_decisions_agree_with_every_completion() {
        let all = values();
        let everyone = patients(&all);
        let known: Vec<Vec<Value>> = all.iter().map(|d| d[1..].to_vec()).collect();
        let totals = patients(&known);
        for seed in 1..16u64 {
            let mut rng = Rng(seed * 0x9e37_79b9 + 1);
            let mut text = String::from(
                "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nenum E { v0, v1, v2 }\n\
                 fact b0: bool\nfact b1: bool\nfact b2: bool\nfact q: quantity mg\nfact e: E\nfact s: set of E\naction a\n",
            );
            for _ in 0..rng.below(3) {
                text.push_str(&format!("invariant {}\n", formula(&mut rng, 1)));
            }
            for r in 0..3 {
                text.push_str(&format!(
                    "rule r{r} {{\n  when {}\n  then recommend a\n  cite R\n}}\n",
                    formula(&mut rng, 3)
                ));
            }
            let model = crate::test_model(&text);
            let allowed: Vec<&Vec<Value>> = totals
                .iter()
                .filter(|total| {
                    let value_of =
                        |f: FactId| total.get(f.index()).copied().unwrap_or(Value::Unknown);
                    model
                        .invariants
                        .iter()
                        .all(|i| meaning(&model, &i.condition, &value_of) == Tri::True)
                })
                .collect();
            for rule in &model.rules {
                let plan = Plan::new(&model, &rule.condition);
                let exact_already = kleene_is_exact(&model, &rule.condition);
                if plan.is_none() && !exact_already {
                    continue;
                }
                for partial in &everyone {
                    let patient = Patient::from_values(None, partial.iter().copied());
                    let (mut holds, mut fails) = (false, false);
                    for total in &allowed {
                        let agrees = partial
                            .iter()
                            .zip(total.iter())
                            .all(|(p, t)| *p == Value::Unknown || p == t);
                        if !agrees {
                            continue;
                        }
                        let value_of =
                            |f: FactId| total.get(f.index()).copied().unwrap_or(Value::Unknown);
                        match meaning(&model, &rule.condition, &value_of) {
                            Tri::True => holds = true,
                            _ => fails = true,
                        }
                    }
                    // A patient no allowed completion agrees with has facts
                    // the invariants rule out together; the plan then reads
                    // only the invariants that share facts with the
                    // condition, which is all a decision needs otherwise
                    // (invariants over other facts constrain those facts
                    // alone).
                    if !holds && !fails {
                        continue;
                    }
                    let expected = match (holds, fails) {
                        (true, false) => Tri::True,
                        (false, true) => Tri::False,
                        _ => Tri::Unknown,
                    };
                    // A value Kleene logic knows stands; the plan decides
                    // only what it leaves unknown.
                    let kleene = meaning(&model, &rule.condition, &|f| patient.get(f));
                    let (decided, expected) = match &plan {
                        Some(plan) if kleene == Tri::Unknown => {
                            // The table and the search it replaces agree.
                            assert!(plan.table.is_some(), "seed {seed}: no table");
                            assert_eq!(plan.search(&patient), expected, "seed {seed}: search");
                            (plan.decide(&patient), expected)
                        }
                        // Without a plan, Kleene logic must be exact.
                        None => (kleene, expected),
                        Some(_) => (kleene, kleene),
                    };
                    assert_eq!(
                        decided, expected,
                        "seed {seed}, rule {}: {partial:?}\n{text}",
                        rule.name
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod shipped {
    use super::*;

    /// Every decision condition of the shipped guideline is decided exactly
    /// (by Kleene logic where that is exact, by a plan otherwise). A
    /// guideline change that loses a plan fails here.
    #[test]
    fn every_decision_of_the_shipped_guideline_has_a_plan() {
        let text = std::fs::read_to_string("guidelines/dermatomyositis.gdl").unwrap_or_default();
        let model = crate::test_model(&text);
        let undecided = |condition: &Condition| {
            !kleene_is_exact(&model, condition) && Plan::new(&model, condition).is_none()
        };
        let mut missing = Vec::new();
        for rule in &model.rules {
            if undecided(&rule.condition) {
                missing.push(format!("rule {}", rule.name));
            }
        }
        for action in &model.actions {
            for clause in action.contraindications.iter().chain(&action.cautions) {
                if undecided(&clause.condition) {
                    missing.push(format!("a clause of {}", action.name));
                }
            }
        }
        assert_eq!(
            missing,
            Vec::<String>::new(),
            "the decisions without a plan"
        );
    }

    /// Every plan of the shipped guideline decides by table lookup, so its
    /// cohorts never pay for a search, but one: `muscle_cyclophosphamide_after_others`
    /// reads 6 facts and 6 members of `failed`, and the invariants tie more
    /// facts to them; its table would pass [`TABLE_LIMIT`], and it searches.
    #[test]
    fn every_plan_of_the_shipped_guideline_has_a_table() {
        let text = std::fs::read_to_string("guidelines/dermatomyositis.gdl").unwrap_or_default();
        let model = crate::test_model(&text);
        let conditions = model.rules.iter().map(|r| (&r.name, &r.condition)).chain(
            model.actions.iter().flat_map(|a| {
                a.contraindications
                    .iter()
                    .chain(&a.cautions)
                    .map(move |c| (&a.name, &c.condition))
            }),
        );
        let mut plans = 0;
        let mut searched: Vec<String> = Vec::new();
        for (name, condition) in conditions {
            if let Some(plan) = Plan::new(&model, condition) {
                plans += 1;
                let entries = plan.table.as_ref().map_or(0, |t| t.size);
                if std::env::var_os("GDL_TABLE_STATS").is_some() {
                    eprintln!("{name}: {} facts, {entries} entries", plan.facts.len());
                }
                if plan.table.is_none() {
                    searched.push(name.clone());
                }
            }
        }
        assert_eq!(
            searched,
            ["muscle_cyclophosphamide_after_others"],
            "plans without a table"
        );
        assert!(plans > 20, "{plans} plans");
    }
}
