//! Interval-box reasoning for first-match decision tables: when every rule
//! of a top-level first-match section is a conjunction of intervals and
//! enum (or bool) values, each rule's condition is a box over the cells of
//! the encoding, and "rule r fires for some patient" is "the box of r is
//! not covered by the boxes of the rules before it" — decided by box
//! subtraction, without a SAT call whose cone holds every earlier rule.
//!
//! Input: the model, its [`Encoding`] and the firing literals. Output: for
//! each such rule, a point where it fires, or that it never fires, or that
//! the search ran out of its budget (then the rule is *not analysed*, W0409,
//! never silently passed); the same for the coverage of `complete`
//! sections; the intersection of any two box conditions; and which box
//! conditions of a `disjoint` section overlap.
//! Invariant: an answer here equals the SAT answer to the same question
//! over the same cells (`tests/analysis.rs` holds the two together); only
//! questions with no invariants are answered (else every question assumes
//! them, and they are not boxes).

use std::collections::HashMap;

use batsat::Lit;

use super::encode::{Encoding, Shape};
use super::parallel::map_indices;
use crate::id_vec::IdVec;
use crate::sema::{CmpOp, Condition, ConditionKind, Member, Model, RuleId, SectionId};

/// How many pieces one question may look at before it gives up: a rule is
/// then reported as not analysed. A piece costs about a microsecond.
pub const DEFAULT_BUDGET: u64 = 2_000_000;

/// One side of a box: a range of cells (a number), or a set of values
/// (an enum or a bool, one bit each; a set fact keeps its one value 0).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Cells(u32, u32),
    Values(u64),
}

/// A box: one side per fact.
type Cuboid = Vec<Side>;

/// What the search says about one question.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Answer {
    /// Satisfiable, at this point (a cell or value index per fact).
    At(Vec<u32>),
    /// Unsatisfiable.
    Never,
    /// The budget ran out.
    Undecided,
}

/// The box answers of one analysis run.
pub(super) struct Boxes {
    shapes: Vec<Shape>,
    budget: u64,
    /// Each box-section rule's firing literal, and its answer.
    fires: HashMap<Lit, Answer>,
    /// Each box condition's literal (of any rule), and its box.
    conditions: HashMap<Lit, Cuboid>,
    /// Each complete box section's "some rule applies" literal, and
    /// whether some patient escapes them all.
    gaps: HashMap<Lit, Answer>,
    /// The rules of each box section with their boxes, in order, and where
    /// each rule is among them.
    tables: Vec<Vec<(RuleId, Cuboid)>>,
    rows: HashMap<RuleId, (usize, usize)>,
    /// Rules and sections whose question ran out of budget.
    pub(super) undecided_rules: Vec<RuleId>,
    pub(super) undecided_sections: Vec<SectionId>,
}

impl Boxes {
    /// Decides every first-match question that boxes can decide. Nothing
    /// is decided when invariants exist (`plausible` is not the constant).
    pub(super) fn build(
        model: &Model,
        encoding: &Encoding,
        condition: &IdVec<RuleId, Lit>,
        fire: &IdVec<RuleId, Lit>,
        section_applies: &IdVec<SectionId, Option<Lit>>,
        plausible: Lit,
        budget: u64,
    ) -> Boxes {
        let mut boxes = Boxes {
            shapes: encoding.shapes(),
            budget,
            fires: HashMap::new(),
            conditions: HashMap::new(),
            gaps: HashMap::new(),
            tables: Vec::new(),
            rows: HashMap::new(),
            undecided_rules: Vec::new(),
            undecided_sections: Vec::new(),
        };
        if plausible != encoding.truth() {
            return boxes;
        }
        let cuboids: IdVec<RuleId, Option<Cuboid>> = model
            .rules
            .iter()
            .map(|rule| boxes.cuboid(model, encoding, &rule.condition, true))
            .collect();
        for (literal, cuboid) in condition.iter().zip(&cuboids) {
            if let Some(cuboid) = cuboid {
                boxes.conditions.insert(*literal, cuboid.clone());
            }
        }
        for (index, section) in model.sections.iter_enumerated() {
            let rules: Option<Vec<(RuleId, &Cuboid)>> = section
                .members
                .iter()
                .map(|member| match member {
                    Member::Rule(rule) => cuboids
                        .get(*rule)
                        .and_then(Option::as_ref)
                        .map(|c| (*rule, c)),
                    Member::Section(_) => None,
                })
                .collect();
            let Some(rules) = rules else { continue };
            if section.first_match && section.parent.is_none() {
                boxes.decide_section(&rules, fire);
                let table = boxes.tables.len();
                for (position, (rule, _)) in rules.iter().enumerate() {
                    boxes.rows.insert(*rule, (table, position));
                }
                let rows = rules.iter().map(|(r, c)| (*r, (*c).clone())).collect();
                boxes.tables.push(rows);
            }
            if let (true, Some(Some(applies))) = (section.complete, section_applies.get(index)) {
                let all: Vec<&Cuboid> = rules.iter().map(|(_, c)| *c).collect();
                let mut left = budget;
                let answer = boxes.uncovered(boxes.full(), &all, &mut left);
                if answer == Answer::Undecided {
                    boxes.undecided_sections.push(index);
                }
                boxes.gaps.insert(*applies, answer);
            }
        }
        boxes
    }

    /// Whether each rule of a first-match section fires somewhere: its box
    /// minus the boxes of the rules before it that meet it.
    fn decide_section(&mut self, rules: &[(RuleId, &Cuboid)], fire: &IdVec<RuleId, Lit>) {
        let answers = map_indices(rules.len(), |position| {
            let (_, cuboid) = rules.get(position)?;
            let earlier: Vec<&Cuboid> = rules
                .iter()
                .take(position)
                .map(|(_, c)| *c)
                .filter(|c| self.meets(c, cuboid))
                .collect();
            let mut left = self.budget;
            Some(match self.normal((*cuboid).clone()) {
                Some(region) => self.uncovered(region, &earlier, &mut left),
                None => Answer::Never,
            })
        });
        for ((rule, _), answer) in rules.iter().zip(answers) {
            let (Some(literal), Some(answer)) = (fire.get(*rule), answer) else {
                continue;
            };
            if answer == Answer::Undecided {
                self.undecided_rules.push(*rule);
            }
            self.fires.insert(*literal, answer);
        }
    }
}

/// Boxes over the shapes: building them from conditions, and the search.
impl Boxes {
    /// The box of a condition (`positive`) or of its negation, when it is
    /// one: conjunctions of comparisons with constants, enum memberships,
    /// bool facts and constants, with `not` pushed inwards.
    fn cuboid(
        &self,
        model: &Model,
        encoding: &Encoding,
        condition: &Condition,
        positive: bool,
    ) -> Option<Cuboid> {
        let single = |fact: usize, side: Side| -> Option<Cuboid> {
            let mut cuboid = self.everything();
            *cuboid.get_mut(fact)? = side;
            Some(cuboid)
        };
        match &condition.kind {
            ConditionKind::Const(value) => {
                if *value == positive {
                    Some(self.everything())
                } else {
                    Some(self.nothing())
                }
            }
            ConditionKind::Fact(fact) => {
                let Some(Shape::Values(2)) = self.shapes.get(fact.index()) else {
                    return None;
                };
                single(
                    fact.index(),
                    Side::Values(if positive { 0b10 } else { 0b01 }),
                )
            }
            ConditionKind::Definition(id) => {
                let definition = model.definitions.get(*id)?;
                self.cuboid(model, encoding, &definition.condition, positive)
            }
            ConditionKind::Not(inner) => self.cuboid(model, encoding, inner, !positive),
            ConditionKind::And(parts) | ConditionKind::Or(parts) => {
                let conjunction = matches!(condition.kind, ConditionKind::And(_)) == positive;
                if !conjunction && parts.len() != 1 {
                    return None;
                }
                let mut cuboid = self.everything();
                for part in parts {
                    let other = self.cuboid(model, encoding, part, positive)?;
                    cuboid = self.intersect(&cuboid, &other);
                }
                Some(cuboid)
            }
            ConditionKind::Implies(left, right) => {
                if positive {
                    return None;
                }
                let left = self.cuboid(model, encoding, left, true)?;
                let right = self.cuboid(model, encoding, right, false)?;
                Some(self.intersect(&left, &right))
            }
            ConditionKind::Compare { fact, op, value } => {
                let Some(Shape::Cells { last, .. }) = self.shapes.get(fact.index()) else {
                    return None;
                };
                let last = *last;
                let Some(point) = encoding.cell_of_constant(fact.index(), *value) else {
                    // A constant the encoder does not know is false.
                    return self.cuboid_const(!positive);
                };
                let op = if positive { *op } else { negate(*op) };
                let side = match op {
                    CmpOp::Lt if point == 0 => return Some(self.nothing()),
                    CmpOp::Lt => Side::Cells(0, point - 1),
                    CmpOp::Le => Side::Cells(0, point),
                    CmpOp::Gt => Side::Cells(point + 1, last),
                    CmpOp::Ge => Side::Cells(point, last),
                    CmpOp::Eq => Side::Cells(point, point),
                    CmpOp::Ne => return None,
                };
                single(fact.index(), side)
            }
            ConditionKind::EnumIn { fact, values } => {
                let Some(Shape::Values(size)) = self.shapes.get(fact.index()) else {
                    return None;
                };
                let mut mask = 0u64;
                for value in values {
                    if *value >= *size {
                        return None;
                    }
                    mask |= 1 << value;
                }
                if !positive {
                    mask = full_mask(*size) & !mask;
                }
                single(fact.index(), Side::Values(mask))
            }
            // A sum of points is no box (a union of many): the SAT
            // questions decide it.
            ConditionKind::SetHas { .. } | ConditionKind::Points(_) => None,
        }
    }

    fn cuboid_const(&self, value: bool) -> Option<Cuboid> {
        Some(if value {
            self.everything()
        } else {
            self.nothing()
        })
    }

    /// The whole space (not normalised: empty end cells kept).
    fn everything(&self) -> Cuboid {
        self.shapes
            .iter()
            .map(|shape| match shape {
                Shape::Cells { last, .. } => Side::Cells(0, *last),
                Shape::Values(size) => Side::Values(full_mask(*size)),
                Shape::Other => Side::Values(1),
            })
            .collect()
    }

    fn nothing(&self) -> Cuboid {
        self.shapes.iter().map(|_| Side::Values(0)).collect()
    }

    /// The whole space, normalised.
    fn full(&self) -> Cuboid {
        self.normal(self.everything()).unwrap_or_default()
    }

    fn intersect(&self, a: &Cuboid, b: &Cuboid) -> Cuboid {
        a.iter()
            .zip(b)
            .map(|(a, b)| intersect_side(*a, *b))
            .collect()
    }

    /// The box with each range's ends moved off cells that hold no number;
    /// `None` when it is empty.
    fn normal(&self, mut cuboid: Cuboid) -> Option<Cuboid> {
        for (side, shape) in cuboid.iter_mut().zip(&self.shapes) {
            *side = normal_side(*side, shape)?;
        }
        Some(cuboid)
    }

    /// Whether two boxes share a point (`meet`, without building it).
    fn meets(&self, a: &Cuboid, b: &Cuboid) -> bool {
        a.iter()
            .zip(b)
            .zip(&self.shapes)
            .all(|((a, b), shape)| normal_side(intersect_side(*a, *b), shape).is_some())
    }

    /// A point of `region` (normalised) outside every box of `cover`, by
    /// subtracting the boxes one after another, depth first; each piece
    /// looked at costs one unit of `budget`.
    /// The order of the boxes does not change the answer, only the work:
    /// the boxes that take most of the region go first, so that a region
    /// inside one big box is done at its first piece.
    fn uncovered(&self, region: Cuboid, cover: &[&Cuboid], budget: &mut u64) -> Answer {
        let mut sized: Vec<(f64, &Cuboid)> = cover
            .iter()
            .map(|b| (volume(&self.intersect(&region, b)), *b))
            .collect();
        // Stable: boxes of one size keep their order, so answers (and the
        // example patients made from them) are the same on every run.
        sized.sort_by(|a, b| b.0.total_cmp(&a.0));
        let cover: Vec<&Cuboid> = sized.into_iter().map(|(_, b)| b).collect();
        self.search(region, &cover, None, budget)
    }

    /// The search of [`Boxes::uncovered`]. With `taken`, it looks instead
    /// for a point whose first box of `cover` is not one of `taken` (by
    /// index): the pieces inside a taken box are dropped, a piece that no
    /// box covers is passed over, and a piece that meets a box not taken
    /// gives a point of that box.
    fn search(
        &self,
        region: Cuboid,
        cover: &[&Cuboid],
        taken: Option<&[usize]>,
        budget: &mut u64,
    ) -> Answer {
        let mut stack: Vec<(Cuboid, usize)> = vec![(region, 0)];
        while let Some((region, mut next)) = stack.pop() {
            if *budget == 0 {
                return Answer::Undecided;
            }
            *budget -= 1;
            while next < cover.len() && cover.get(next).is_none_or(|b| !self.meets(b, &region)) {
                next += 1;
            }
            let Some(first) = cover.get(next) else {
                match taken {
                    None => return Answer::At(point(&region)),
                    Some(_) => continue,
                }
            };
            if let Some(taken) = taken
                && !taken.contains(&next)
            {
                let inside = self.normal(self.intersect(&region, first));
                return inside.map_or(Answer::Never, |inside| Answer::At(point(&inside)));
            }
            let pieces = self.outside(region, first);
            // The first piece is searched first.
            stack.extend(pieces.into_iter().rev().map(|piece| (piece, next + 1)));
        }
        Answer::Never
    }

    /// `region` minus `taken`, as at most two boxes per fact: below and
    /// above its range (or the values outside its set), each within
    /// `taken` on the facts split before.
    fn outside(&self, region: Cuboid, taken: &Cuboid) -> Vec<Cuboid> {
        let mut rest = region;
        let mut pieces = Vec::new();
        for (fact, side) in taken.iter().enumerate() {
            let Some(current) = rest.get(fact).copied() else {
                continue;
            };
            let mut outside = Vec::new();
            match (current, *side) {
                (Side::Cells(low, high), Side::Cells(b_low, b_high)) => {
                    if b_low > low {
                        outside.push(Side::Cells(low, (b_low - 1).min(high)));
                    }
                    if b_high < high {
                        outside.push(Side::Cells((b_high + 1).max(low), high));
                    }
                }
                (Side::Values(have), Side::Values(take)) if have & !take != 0 => {
                    outside.push(Side::Values(have & !take));
                }
                _ => {}
            }
            for side in outside {
                let mut piece = rest.clone();
                if let Some(slot) = piece.get_mut(fact) {
                    *slot = side;
                }
                if let Some(piece) = self.normal(piece) {
                    pieces.push(piece);
                }
            }
            // The rest of the region lies inside `taken` on this fact.
            let shape = self.shapes.get(fact);
            let Some(inside) = shape.and_then(|s| normal_side(intersect_side(current, *side), s))
            else {
                break;
            };
            if let Some(slot) = rest.get_mut(fact) {
                *slot = inside;
            }
        }
        pieces
    }

    /// Earlier rules of the rule's box section that fire first for some of
    /// its patients, after `known`, one after another (each for a patient
    /// none of those before fires for), up to `limit`, each with the point
    /// of that patient; `None` when the rule is not in a box section or the
    /// search runs out of budget (ask SAT).
    pub(super) fn takers(
        &self,
        rule: RuleId,
        known: &[RuleId],
        limit: usize,
    ) -> Option<Vec<(RuleId, Vec<u32>)>> {
        let (table, position) = self.rows.get(&rule)?;
        let rows = self.tables.get(*table)?;
        let (_, own) = rows.get(*position)?;
        let region = self.normal(own.clone())?;
        let earlier: Vec<(RuleId, &Cuboid)> = rows
            .iter()
            .take(*position)
            .filter(|(_, c)| self.meets(c, own))
            .map(|(r, c)| (*r, c))
            .collect();
        let cover: Vec<&Cuboid> = earlier.iter().map(|(_, c)| *c).collect();
        let mut taken: Vec<usize> = earlier
            .iter()
            .enumerate()
            .filter(|(_, (r, _))| known.contains(r))
            .map(|(at, _)| at)
            .collect();
        let mut found = Vec::new();
        let mut left = self.budget;
        while found.len() < limit {
            match self.search(region.clone(), &cover, Some(&taken), &mut left) {
                Answer::At(point) => {
                    // The point's first box is the one the search stopped at.
                    let at = earlier.iter().position(|(_, c)| contains(c, &point))?;
                    found.push((earlier.get(at)?.0, point));
                    taken.push(at);
                }
                Answer::Never => break,
                Answer::Undecided => return None,
            }
        }
        Some(found)
    }

    /// The pairs of conditions (by position) that some point satisfies
    /// both of, as (later, earlier, a point of both), later first: each
    /// pair is one box intersection, no search. `None` when some condition
    /// is not a box.
    pub(super) fn overlapping(&self, conditions: &[Lit]) -> Option<Vec<(usize, usize, Vec<u32>)>> {
        let cuboids: Vec<&Cuboid> = conditions
            .iter()
            .map(|literal| self.conditions.get(literal))
            .collect::<Option<_>>()?;
        let mut pairs = Vec::new();
        for (later, own) in cuboids.iter().enumerate() {
            for (earlier, other) in cuboids.iter().take(later).enumerate() {
                if !self.meets(own, other) {
                    continue;
                }
                if let Some(both) = self.normal(self.intersect(own, other)) {
                    pairs.push((later, earlier, point(&both)));
                }
            }
        }
        Some(pairs)
    }

    /// The answer to a question (its assumptions), when boxes decide it:
    /// `Some(Some(point))` satisfiable, `Some(None)` not, `None` ask SAT.
    pub(super) fn answer(&self, assumptions: &[Lit], truth: Lit) -> Option<Option<Vec<u32>>> {
        if self.fires.is_empty() && self.gaps.is_empty() {
            return None;
        }
        let mut rest: Vec<Lit> = Vec::with_capacity(2);
        for literal in assumptions {
            if *literal == !truth {
                return Some(None);
            }
            if *literal != truth && !rest.contains(literal) {
                rest.push(*literal);
            }
        }
        let decided = |answer: &Answer| match answer {
            Answer::At(point) => Some(Some(point.clone())),
            Answer::Never => Some(None),
            Answer::Undecided => None,
        };
        if let [one] = rest.as_slice() {
            if let Some(answer) = self.fires.get(one) {
                return decided(answer);
            }
            if let Some(answer) = self.gaps.get(&!*one) {
                return decided(answer);
            }
        }
        self.conjunction(&rest).as_ref().and_then(decided)
    }

    /// Whether box conditions (some negated) can hold together: the
    /// positive ones' boxes met, minus the negated ones'. `None` when some
    /// literal is not a box condition.
    fn conjunction(&self, literals: &[Lit]) -> Option<Answer> {
        let mut region = self.everything();
        let mut cover: Vec<&Cuboid> = Vec::new();
        for literal in literals {
            if let Some(cuboid) = self.conditions.get(literal) {
                region = self.intersect(&region, cuboid);
            } else {
                cover.push(self.conditions.get(&!*literal)?);
            }
        }
        let Some(region) = self.normal(region) else {
            return Some(Answer::Never);
        };
        let mut left = self.budget;
        Some(self.uncovered(region, &cover, &mut left))
    }
}

/// The lowest corner of a normalised box.
fn point(region: &Cuboid) -> Vec<u32> {
    region
        .iter()
        .map(|side| match side {
            Side::Cells(low, _) => *low,
            Side::Values(mask) => mask.trailing_zeros().min(63),
        })
        .collect()
}

fn full_mask(size: u32) -> u64 {
    if size >= 64 {
        u64::MAX
    } else {
        (1u64 << size) - 1
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
    }
}

/// Whether a box holds a point (a cell or value index per fact).
fn contains(cuboid: &Cuboid, point: &[u32]) -> bool {
    cuboid.iter().zip(point).all(|(side, at)| match side {
        Side::Cells(low, high) => low <= at && at <= high,
        Side::Values(mask) => *at < 64 && mask & (1 << at) != 0,
    })
}

/// How many points (cells and values) a box holds, as a float: a product
/// over many facts can pass any integer.
fn volume(cuboid: &Cuboid) -> f64 {
    cuboid
        .iter()
        .map(|side| match side {
            Side::Cells(low, high) if high >= low => f64::from(high - low + 1),
            Side::Cells(..) => 0.0,
            Side::Values(mask) => f64::from(mask.count_ones()),
        })
        .product()
}

fn intersect_side(a: Side, b: Side) -> Side {
    match (a, b) {
        (Side::Cells(a0, a1), Side::Cells(b0, b1)) => Side::Cells(a0.max(b0), a1.min(b1)),
        (Side::Values(a), Side::Values(b)) => Side::Values(a & b),
        _ => Side::Values(0),
    }
}

/// One side with its range's ends moved off cells that hold no number;
/// `None` when it is empty.
fn normal_side(side: Side, shape: &Shape) -> Option<Side> {
    match (side, shape) {
        (Side::Cells(mut low, mut high), Shape::Cells { empty, .. }) => {
            if empty.contains(&low) {
                low += 1;
            }
            if high > 0 && empty.contains(&high) {
                high -= 1;
            }
            (low <= high).then_some(Side::Cells(low, high))
        }
        (Side::Values(0), _) | (Side::Cells(..), _) => None,
        (Side::Values(mask), _) => Some(Side::Values(mask)),
    }
}
