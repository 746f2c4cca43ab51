//! Patients as Boolean variables, conditions as literals of one SAT solver.
//!
//! Every fact gets a finite domain that is exact for the guideline's
//! conditions: a number or quantity is split into the cells its constants
//! define (below the first, each constant, each gap, above the last) and
//! encoded in order encoding (`g_i` ⇔ cell ≥ i), so every comparison with a
//! constant is one literal; an enum is encoded in binary; a set keeps one
//! variable per value some condition tests. Conditions become literals by
//! the Tseitin transformation; every question the analyses ask is one SAT
//! call (batsat, a MiniSat port) on just the clauses in the cone of the
//! question's literals, so a question about one rule costs the size of that
//! rule's neighbourhood, not of the whole guideline.
//! Two-valued satisfiability is enough for three-valued questions: Kleene
//! logic is monotone, so a condition is true for some patient with unknowns
//! exactly when it is true for some fully known patient.

mod gates;
mod kleene;
mod points;
mod values;
use gates::{ThreeValued, TwoValued};
pub use kleene::Kleene;
pub(crate) use points::Shape;

use std::collections::HashMap;

use batsat::{BasicSolver, Lit, SolverInterface, Var, lbool};

use crate::eval::{Patient, Value};
use crate::id_vec::IdVec;
use crate::never::OrNever;
use crate::sema::{CmpOp, Condition, ConditionKind, FactId, Model, Type};

/// How one fact is encoded.
#[derive(Clone, Debug)]
enum FactVars {
    Bool(Lit),
    /// Sorted distinct constants and the order-encoding literals
    /// (`order[i]` ⇔ cell ≥ i + 1; cells are 0..=2k).
    Number {
        constants: Vec<f64>,
        order: Vec<Lit>,
    },
    /// Binary code of the value index, least significant bit first.
    Enum {
        size: u32,
        bits: Vec<Lit>,
    },
    /// (value index, literal) for each tested value.
    Set(Vec<(u32, Lit)>),
}

/// What defines a variable: nothing (a free fact bit), a conjunction gate,
/// or membership in a fact whose domain clauses must come along.
#[derive(Clone, Debug)]
enum Definition {
    Free,
    /// The variable is equivalent to the conjunction of these literals.
    And(Vec<Lit>),
    /// The variable belongs to this fact.
    Fact(usize),
    /// The variable says whether this fact is known (`kleene`).
    Known,
}

/// The facts of a model as SAT variables, conditions as Tseitin gates.
#[derive(Clone)]
pub struct Encoding {
    truth: Lit,
    facts: Vec<FactVars>,
    definitions: Vec<Lit>,
    /// What defines each variable, by index.
    defined: Vec<Definition>,
    /// Clauses that hold for each fact's encoding (order chains, enum range).
    domain: Vec<Vec<Vec<Lit>>>,
    /// Memo of conjunctions already defined.
    gates: HashMap<Vec<Lit>, Lit>,
    /// The last model: values of the variables in the last question's cone.
    model: HashMap<u32, bool>,
    /// Per fact, the variable "this fact is known", made by the first
    /// three-valued question that reads the fact (`kleene`); a fact without
    /// one is known in every patient this encoding writes.
    known: Vec<Option<Lit>>,
}

/// By fact, every constant a comparison compares it with and every value a
/// set test tests, over `model` and `others` (unsorted, with repeats).
fn compared_values(
    model: &Model,
    others: &[&Model],
) -> (IdVec<FactId, Vec<f64>>, IdVec<FactId, Vec<u32>>) {
    let mut constants: IdVec<FactId, Vec<f64>> = IdVec::filled(Vec::new(), model.facts.len());
    let mut tested: IdVec<FactId, Vec<u32>> = IdVec::filled(Vec::new(), model.facts.len());
    for model in std::iter::once(model).chain(others.iter().copied()) {
        let mut collect = |condition: &Condition| {
            condition.walk(&mut |c| match &c.kind {
                ConditionKind::Compare { fact, value, .. } => {
                    if let Some(list) = constants.get_mut(*fact).never_none() {
                        list.push(canonical(*value));
                    }
                }
                ConditionKind::SetHas { fact, value } => {
                    if let Some(list) = tested.get_mut(*fact).never_none() {
                        list.push(*value);
                    }
                }
                _ => {}
            })
        };
        for condition in model.conditions() {
            collect(condition);
        }
    }
    (constants, tested)
}

/// The clauses [`Encoding::solve`] gives a fresh solver, and the
/// variables they use: `order` lists them as found, and `renumber` maps
/// each to its place there.
struct Cone {
    renumber: HashMap<u32, u32>,
    order: Vec<u32>,
    clauses: Vec<Vec<Lit>>,
}

/// What [`Encoding::solve`] asks of a model beyond satisfying the
/// assumptions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unknowns {
    /// Any model will do.
    Any,
    /// As many facts known as the assumptions allow.
    Few,
}

impl Encoding {
    /// Encodes the facts of a model, collecting the constants each numeric
    /// fact is compared with and the set values conditions test.
    pub fn new(model: &Model) -> Encoding {
        Encoding::shared(model, &[])
    }

    /// Encodes the facts of `model` with the cells and tested values of
    /// every model in `others` too, which must declare the same facts (same
    /// names, types and enum values, in the same order): conditions of all
    /// of them can then be compared in one question (`gdl diff`).
    pub fn shared(model: &Model, others: &[&Model]) -> Encoding {
        let (mut constants, mut tested) = compared_values(model, others);
        let mut encoding = Encoding {
            truth: Lit::new(Var::unsafe_from_idx(0), true),
            facts: Vec::with_capacity(model.facts.len()),
            definitions: Vec::new(),
            defined: vec![Definition::Free],
            domain: Vec::with_capacity(model.facts.len()),
            gates: HashMap::new(),
            model: HashMap::new(),
            known: Vec::new(),
        };
        for (id, fact) in model.facts.iter_enumerated() {
            let index = id.index();
            let mut domain = Vec::new();
            let encoded = match &fact.ty {
                Type::Bool => FactVars::Bool(encoding.fact_var(index)),
                Type::Number | Type::Quantity(_) | Type::Date => {
                    let mut list = constants
                        .get_mut(id)
                        .map(std::mem::take)
                        .or_never(Vec::new());
                    list.sort_by(f64::total_cmp);
                    list.dedup_by(|a, b| a.total_cmp(b).is_eq());
                    let order: Vec<Lit> = (0..2 * list.len())
                        .map(|_| encoding.fact_var(index))
                        .collect();
                    for pair in order.windows(2) {
                        // cell ≥ i+1 implies cell ≥ i
                        if let [lower, higher] = pair {
                            domain.push(vec![!*higher, *lower]);
                        }
                    }
                    // A gap between two adjacent floats holds no number
                    // (constants converted between units can land there):
                    // no patient is in it, so cell ≥ 2k+2 forces ≥ 2k+3.
                    for (k, pair) in list.windows(2).enumerate() {
                        if let ([below, above], Some(&into), Some(&past)) =
                            (pair, order.get(2 * k + 1), order.get(2 * k + 2))
                            && below.next_up() >= *above
                        {
                            domain.push(vec![!into, past]);
                        }
                    }
                    FactVars::Number {
                        constants: list,
                        order,
                    }
                }
                Type::Enum(id) => {
                    let size = model.enums.at(*id).values.len() as u32;
                    let bits = (0..bits_for(size as usize))
                        .map(|_| encoding.fact_var(index))
                        .collect();
                    let encoded = FactVars::Enum { size, bits };
                    let codes: Vec<Lit> = (0..size).map(|v| encoding.code(&encoded, v)).collect();
                    let any = encoding.or(&codes);
                    domain.push(vec![any]);
                    encoded
                }
                Type::Set(_) => {
                    let mut list = tested.get_mut(id).map(std::mem::take).or_never(Vec::new());
                    list.sort_unstable();
                    list.dedup();
                    FactVars::Set(
                        list.into_iter()
                            .map(|v| (v, encoding.fact_var(index)))
                            .collect(),
                    )
                }
            };
            encoding.domain.push(domain);
            encoding.facts.push(encoded);
        }
        encoding.tie_values(model);
        for definition in &model.definitions {
            let literal = encoding.condition(&definition.condition);
            encoding.definitions.push(literal);
        }
        encoding
    }

    fn new_var(&mut self, definition: Definition) -> Lit {
        let var = Var::unsafe_from_idx(self.defined.len() as u32);
        self.defined.push(definition);
        Lit::new(var, true)
    }

    fn fact_var(&mut self, fact: usize) -> Lit {
        self.new_var(Definition::Fact(fact))
    }

    /// Literals for the definitions of another model with the same facts,
    /// for use with [`Encoding::condition_of`].
    pub fn definitions_of(&mut self, other: &Model) -> Vec<Lit> {
        let own = std::mem::take(&mut self.definitions);
        for definition in &other.definitions {
            let literal = self.condition(&definition.condition);
            self.definitions.push(literal);
        }
        std::mem::replace(&mut self.definitions, own)
    }

    /// The literal of a condition of another model, given the literals of
    /// that model's definitions.
    pub fn condition_of(&mut self, definitions: &[Lit], condition: &Condition) -> Lit {
        let own = std::mem::replace(&mut self.definitions, definitions.to_vec());
        let literal = self.condition(condition);
        self.definitions = own;
        literal
    }

    /// The constant true.
    pub fn truth(&self) -> Lit {
        self.truth
    }

    /// A literal equivalent to the conjunction (a Tseitin gate).
    pub fn and(&mut self, parts: &[Lit]) -> Lit {
        let mut key: Vec<Lit> = parts.iter().copied().filter(|l| *l != self.truth).collect();
        if key.contains(&!self.truth) {
            return !self.truth;
        }
        key.sort_unstable_by_key(|l| l.idx());
        key.dedup();
        match key.as_slice() {
            [] => return self.truth,
            [only] => return *only,
            _ => {}
        }
        if let Some(&known) = self.gates.get(&key) {
            return known;
        }
        let out = self.new_var(Definition::And(key.clone()));
        self.gates.insert(key, out);
        out
    }

    /// A literal equivalent to the disjunction: `¬(¬a ∧ ¬b …)`.
    pub fn or(&mut self, parts: &[Lit]) -> Lit {
        let negated: Vec<Lit> = parts.iter().map(|l| !*l).collect();
        !self.and(&negated)
    }

    /// Whether the assumptions can all hold. Only the clauses in the cone of
    /// the assumptions (the gates they are built from, and the domain
    /// clauses of the facts they read) go into a fresh solver, with
    /// variables renumbered densely. On success the model is kept for
    /// [`Encoding::patient`].
    pub fn sat(&mut self, assumptions: &[Lit]) -> bool {
        self.solve(assumptions, Unknowns::Any)
    }

    /// [`Encoding::sat`], and then as many facts known as the assumptions
    /// allow (one fact after another, in the order they were encoded):
    /// an example patient reads best with only the unknowns that matter.
    pub fn sat_with_few_unknowns(&mut self, assumptions: &[Lit]) -> bool {
        self.solve(assumptions, Unknowns::Few)
    }

    fn solve(&mut self, assumptions: &[Lit], unknowns: Unknowns) -> bool {
        let Cone {
            renumber,
            order,
            clauses,
        } = self.cone(assumptions);
        let mut solver = BasicSolver::default();
        // Example patients read best with few unknown facts: the solver
        // tries "known" first.
        let vars: Vec<Var> = order
            .iter()
            .map(|var| match self.defined.get(*var as usize) {
                Some(Definition::Known) => solver.new_var(lbool::TRUE, true),
                _ => solver.new_var_default(),
            })
            .collect();
        // Every variable of a clause or an assumption was renumbered and
        // given a solver variable above.
        let map = |l: &Lit| {
            let var = renumber
                .get(&l.var().idx())
                .and_then(|&new| vars.get(new as usize))
                .copied()
                .or_never(Var::UNDEF);
            Lit::new(var, l.sign())
        };
        for clause in &clauses {
            let mut mapped: Vec<Lit> = clause.iter().map(map).collect();
            solver.add_clause_reuse(&mut mapped);
        }
        let mapped: Vec<Lit> = assumptions.iter().map(map).collect();
        let satisfiable = solver.solve_limited(&mapped) == lbool::TRUE;
        if satisfiable && unknowns == Unknowns::Few {
            self.fewest_unknowns(&mut solver, &order, &vars, mapped);
        }
        self.model.clear();
        if satisfiable {
            for (old, new) in order.iter().zip(&vars) {
                self.model
                    .insert(*old, solver.value_var(*new) == lbool::TRUE);
            }
        }
        satisfiable
    }

    /// The clauses in the cone of the assumptions: the gates they are
    /// built from and the domain clauses of the facts they read, with
    /// their variables in the order found.
    fn cone(&self, assumptions: &[Lit]) -> Cone {
        let mut renumber: HashMap<u32, u32> = HashMap::new();
        let mut order: Vec<u32> = Vec::new();
        let mut facts_seen: Vec<bool> = vec![false; self.facts.len()];
        let mut clauses: Vec<Vec<Lit>> = vec![vec![self.truth]];
        let mut stack: Vec<u32> = assumptions.iter().map(|l| l.var().idx()).collect();
        stack.push(self.truth.var().idx());
        while let Some(var) = stack.pop() {
            if renumber.contains_key(&var) {
                continue;
            }
            renumber.insert(var, order.len() as u32);
            order.push(var);
            match self.defined.get(var as usize) {
                Some(Definition::And(inputs)) => {
                    let out = Lit::new(Var::unsafe_from_idx(var), true);
                    let mut back: Vec<Lit> = inputs.iter().map(|l| !*l).collect();
                    back.push(out);
                    clauses.push(back);
                    for input in inputs {
                        clauses.push(vec![!out, *input]);
                        stack.push(input.var().idx());
                    }
                }
                Some(Definition::Fact(fact))
                    if facts_seen
                        .get_mut(*fact)
                        .is_some_and(|seen| !std::mem::replace(seen, true)) =>
                {
                    for clause in self.domain.get(*fact).never_none().into_iter().flatten() {
                        stack.extend(clause.iter().map(|l| l.var().idx()));
                        clauses.push(clause.clone());
                    }
                }
                _ => {}
            }
        }
        Cone {
            renumber,
            order,
            clauses,
        }
    }

    /// After a model is found: as many facts known as the assumptions
    /// allow, kept in `solver`'s last model. `order` and `vars` are the
    /// old variables and their solver variables.
    fn fewest_unknowns(
        &self,
        solver: &mut BasicSolver,
        order: &[u32],
        vars: &[Var],
        mut mapped: Vec<Lit>,
    ) {
        let mut known: Vec<(u32, Var)> = order
            .iter()
            .zip(vars)
            .filter(|(var, _)| matches!(self.defined.get(**var as usize), Some(Definition::Known)))
            .map(|(var, new)| (*var, *new))
            .collect();
        known.sort_unstable_by_key(|(var, _)| *var);
        let known_now: Vec<bool> = known
            .iter()
            .map(|(_, var)| solver.value_var(*var) == lbool::TRUE)
            .collect();
        // Known in the current model: keep them known from here on.
        for ((_, var), now) in known.iter().zip(&known_now) {
            if *now {
                mapped.push(Lit::new(*var, true));
            }
        }
        // The others, as many at once as can be: a group that cannot be
        // known together is split in halves (a few calls, not one per
        // fact, on guidelines with many facts).
        let rest: Vec<Var> = known
            .iter()
            .zip(&known_now)
            .filter(|(_, now)| !**now)
            .map(|((_, var), _)| *var)
            .collect();
        let mut groups: Vec<&[Var]> = vec![rest.as_slice()];
        while let Some(group) = groups.pop() {
            let before = mapped.len();
            mapped.extend(group.iter().map(|var| Lit::new(*var, true)));
            if solver.solve_limited(&mapped) == lbool::TRUE {
                continue;
            }
            mapped.truncate(before);
            if group.len() > 1 {
                let (first, second) = group.split_at(group.len() / 2);
                // First half first: facts are tried in the order they
                // were encoded.
                groups.push(second);
                groups.push(first);
            }
        }
        // The last call may have failed: solve again under what was kept.
        let _ = solver.solve_limited(&mapped);
    }

    /// The literal of a condition (definitions by their literals).
    pub fn condition(&mut self, condition: &Condition) -> Lit {
        match &condition.kind {
            ConditionKind::Const(true) => self.truth,
            ConditionKind::Const(false) => !self.truth,
            ConditionKind::Fact(fact) => match self.facts.get(fact.index()).never_none() {
                Some(FactVars::Bool(l)) => *l,
                _ => !self.truth,
            },
            ConditionKind::Definition(id) => self
                .definitions
                .get(id.index())
                .copied()
                .unwrap_or(!self.truth),
            ConditionKind::Not(inner) => !self.condition(inner),
            ConditionKind::And(parts) => {
                let literals: Vec<Lit> = parts.iter().map(|p| self.condition(p)).collect();
                self.and(&literals)
            }
            ConditionKind::Or(parts) => {
                let literals: Vec<Lit> = parts.iter().map(|p| self.condition(p)).collect();
                self.or(&literals)
            }
            ConditionKind::Implies(left, right) => {
                let left = self.condition(left);
                let right = self.condition(right);
                self.or(&[!left, right])
            }
            ConditionKind::Compare { fact, op, value } => self.compare(*fact, *op, *value),
            ConditionKind::EnumIn { fact, values } => {
                let Some(encoded) = self.facts.get(fact.index()).never_none().cloned() else {
                    return !self.truth;
                };
                let codes: Vec<Lit> = values.iter().map(|v| self.code(&encoded, *v)).collect();
                self.or(&codes)
            }
            ConditionKind::SetHas { fact, value } => {
                match self.facts.get(fact.index()).never_none() {
                    Some(FactVars::Set(tested)) => tested
                        .iter()
                        .find(|(v, _)| v == value)
                        .map_or(!self.truth, |(_, l)| *l),
                    _ => !self.truth,
                }
            }
            ConditionKind::Points(test) => {
                let items: Vec<Lit> = test
                    .items
                    .iter()
                    .map(|item| self.condition(&item.condition))
                    .collect();
                test.build(&mut TwoValued(self), &items)
            }
        }
    }

    fn compare(&mut self, fact: FactId, op: CmpOp, value: f64) -> Lit {
        let Some(FactVars::Number { constants, order }) = self.facts.get(fact.index()).never_none()
        else {
            return !self.truth;
        };
        let value = canonical(value);
        let Some(j) = constants.iter().position(|c| c.total_cmp(&value).is_eq()) else {
            return !self.truth;
        };
        // The constant's own cell is 2j+1; `at_least(i)` ⇔ cell ≥ i.
        let at_least = |i: usize| -> Lit {
            match i {
                0 => self.truth,
                i => order.get(i - 1).copied().unwrap_or(!self.truth),
            }
        };
        let point = 2 * j + 1;
        let (low, high) = (at_least(point), at_least(point + 1));
        match op {
            CmpOp::Lt => !low,
            CmpOp::Le => !high,
            CmpOp::Gt => high,
            CmpOp::Ge => low,
            CmpOp::Eq => self.and(&[low, !high]),
            CmpOp::Ne => !self.and(&[low, !high]),
        }
    }

    /// The literal of "this enum fact has value `v`".
    fn code(&mut self, encoded: &FactVars, v: u32) -> Lit {
        let FactVars::Enum { bits, .. } = encoded else {
            return !self.truth;
        };
        let literals: Vec<Lit> = bits
            .iter()
            .enumerate()
            .map(|(bit, l)| if v & (1 << bit) != 0 { *l } else { !*l })
            .collect();
        self.and(&literals)
    }

    /// A literal's value in the last model; variables outside the last
    /// question's cone are false (any value would do).
    fn value(&self, literal: Lit) -> bool {
        let var_value = self
            .model
            .get(&literal.var().idx())
            .copied()
            .unwrap_or(false);
        var_value == literal.sign()
    }

    /// A fully known patient from the last satisfying model: each fact gets
    /// a value in its cell (constants exactly; gaps by a point inside them).
    pub fn patient(&self) -> Patient {
        let values = self.facts.iter().enumerate().map(|(fact, encoded)| {
            let unknown = self.known.get(fact).copied().flatten();
            if unknown.is_some_and(|known| !self.value(known)) {
                return Value::Unknown;
            }
            self.value_of(encoded)
        });
        Patient::from_values(None, values)
    }

    /// The value of a known fact in the last model.
    fn value_of(&self, encoded: &FactVars) -> Value {
        match encoded {
            FactVars::Bool(l) => Value::Bool(self.value(*l)),
            FactVars::Number { constants, order } => {
                let cell = order.iter().take_while(|l| self.value(**l)).count();
                Value::Number(representative(constants, cell))
            }
            FactVars::Enum { size, bits } => {
                let mut index = 0u32;
                for (bit, l) in bits.iter().enumerate() {
                    if self.value(*l) {
                        index |= 1 << bit;
                    }
                }
                Value::Enum(index.min(size.saturating_sub(1)))
            }
            FactVars::Set(tested) => {
                let mut bits = 0u128;
                for (value, l) in tested {
                    if self.value(*l) && *value < 128 {
                        bits |= 1u128 << value;
                    }
                }
                Value::Set(bits)
            }
        }
    }
}

/// The one representation of a constant the encoder compares: `-0` and
/// `0` are one value to the interpreter (IEEE `==`), but `total_cmp`, which
/// sorts and finds constants here, tells them apart; a threshold written
/// `-0` in one rule and `0` in another must land in one cell. Every
/// constant enters the encoder through this function (when cells are
/// collected and when a comparison is encoded), so `gdl diff`, which
/// shares the encoder, gets the same treatment.
fn canonical(value: f64) -> f64 {
    if value == 0.0 { 0.0 } else { value }
}

fn bits_for(size: usize) -> usize {
    let mut bits = 0;
    while (1usize << bits) < size {
        bits += 1;
    }
    bits
}

/// A value inside cell `cell` of the constants' partition.
fn representative(constants: &[f64], cell: usize) -> f64 {
    let Some(&first) = constants.first() else {
        return 0.0;
    };
    if cell % 2 == 1 {
        return constants.get(cell / 2).copied().or_never(first);
    }
    if cell == 0 {
        return if first > 0.0 {
            first / 2.0
        } else {
            first - 1.0
        };
    }
    let below = constants.get(cell / 2 - 1).copied().or_never(first);
    match constants.get(cell / 2) {
        Some(&above) => roundest_between(below, above),
        None => below + below.abs().max(1.0),
    }
}

/// The roundest number strictly between `below` and `above` (50 between 45
/// and 60), so example patients read like patients; else the midpoint, or
/// the next float above `below` when the two are too close for a midpoint
/// (the encoder keeps patients out of gaps that hold no float at all).
fn roundest_between(below: f64, above: f64) -> f64 {
    for exponent in (-6..=9).rev() {
        let step = 10f64.powi(exponent);
        let candidate = (below / step).floor() * step + step;
        let candidate: f64 = format!("{candidate:.11e}").parse().unwrap_or(candidate);
        if candidate > below && candidate < above {
            return candidate;
        }
    }
    let middle = below + (above - below) / 2.0;
    if middle > below && middle < above {
        middle
    } else {
        below.next_up()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cell of `value` among sorted distinct constants, computed with
    /// the interpreter's comparisons (IEEE, where -0 equals 0).
    fn cell_of(constants: &[f64], value: f64) -> usize {
        let mut cell = 0;
        for (k, c) in constants.iter().enumerate() {
            if value == *c {
                return 2 * k + 1;
            }
            if value > *c {
                cell = 2 * k + 2;
            }
        }
        cell
    }

    #[test]
    fn representatives_lie_in_their_cells_around_zero_and_below() {
        let lists: [&[f64]; 8] = [
            &[0.0],
            &[-3.0],
            &[-0.5, 0.0, 2.0],
            &[-60.0, -45.0],
            &[-1.0, 1.0],
            &[1e-300, 1.0],
            &[-1e14, 1e14],
            &[0.1, 0.1f64.next_up().next_up()],
        ];
        for constants in lists {
            for cell in 0..=2 * constants.len() {
                let value = representative(constants, cell);
                assert_eq!(
                    cell_of(constants, value),
                    cell,
                    "{value} for cell {cell} of {constants:?}"
                );
            }
        }
        assert_eq!(representative(&[-60.0, -45.0], 2), -50.0);
    }

    #[test]
    fn minus_zero_is_zero() {
        assert_eq!(canonical(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(canonical(-2.5), -2.5);
    }
}
