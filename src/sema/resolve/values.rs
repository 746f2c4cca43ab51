//! Values and arithmetic: a `value` declaration's arithmetic, and a
//! comparison with arithmetic on a side, become computed facts
//! ([`Fact::derived`]) with their dimensions checked.
//!
//! A value is a fact the guideline computes: `value crcl: quantity mL/min =
//! …` is a fact `crcl` whose arithmetic is resolved here, in base units,
//! with every `+`, `-`, `min`, `max`, conditional and comparison joining
//! quantities of one dimension and the whole measuring what the declared
//! type says. A comparison such as `creatinine > 1.5 * baseline` is the
//! computed fact `creatinine - 1.5 * baseline` compared with 0, so every
//! later stage reads it as any comparison of a fact with a constant.
//!
//! Values are resolved in declaration order, before scores, definitions and
//! rules: a value may use facts and earlier values (E0314). The last pass,
//! [`Resolver::finish_values`], runs once everything is resolved: it lists
//! each computed fact's inputs and reports divisors that the invariants do
//! not keep away from zero (E0315).

use std::collections::{HashMap, HashSet};

use super::{ConditionName, Resolver};
use crate::never::OrNever as _;
use crate::sema::error::{Error, Joined, NonNumber, TypeMismatch, UnitMismatch};
use crate::sema::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{self, ArithKind, ArithOp, Function};
use crate::units::{Dimension, Unit};

/// Resolved arithmetic with what it measures, a unit of that dimension
/// met in it (to name the unit of a comparison's value), and whether it is
/// a date (a time since 1970-01-01, in seconds, that only subtracts from
/// another date or moves by a duration).
struct Typed {
    expr: NumExpr,
    dimension: Dimension,
    unit: Option<Unit>,
    date: bool,
}

impl Typed {
    /// The same arithmetic, a date or not.
    fn dated(mut self, date: bool) -> Typed {
        self.date = date;
        self
    }
}

/// Seconds in a day: a date is held in days, and arithmetic is in seconds.
const DAY: f64 = 86_400.0;

impl Resolver {
    /// Resolves each declared value's arithmetic, in declaration order.
    pub(super) fn resolve_values(&mut self, values: &[(&ast::ValueDecl, FactId)]) {
        for &(decl, id) in values {
            self.value_within = Some(id);
            let mut edges = Vec::new();
            let Some(typed) = self.arith(&decl.body, &mut edges) else {
                continue;
            };
            let declared_type = self.model.facts.at(id).ty.clone();
            if (declared_type == Type::Date) != typed.date {
                self.error(Error::UnitMismatch(UnitMismatch::DateArithmetic {
                    span: decl.body.span,
                }));
                continue;
            }
            if declared_type == Type::Date {
                self.set_derived(id, typed.expr, 1.0 / DAY, true);
                continue;
            }
            let declared = match declared_type {
                Type::Quantity(unit) => Some(unit),
                _ => None,
            };
            let expected = declared.as_ref().map_or(Dimension::NONE, |u| u.dimension);
            if typed.dimension != expected {
                self.error(Error::UnitMismatch(UnitMismatch::ValueType {
                    name: decl.name.clone(),
                    declared,
                    found: typed.dimension,
                    body: decl.body.span,
                }));
                continue;
            }
            let to_unit = declared.map_or(1.0, |unit| 1.0 / unit.factor);
            self.set_derived(id, typed.expr, to_unit, true);
        }
        self.value_within = None;
    }

    fn set_derived(&mut self, id: FactId, expr: NumExpr, to_unit: f64, declared: bool) {
        if let Some(fact) = self.model.facts.get_mut(id).never_none() {
            fact.derived = Some(Derived {
                expr,
                to_unit,
                inputs: Vec::new(),
                declared,
            });
        }
        self.model.derived_order.push(id);
    }

    /// Whether a value is declared but not yet computed at this point (a
    /// later value, or the value being resolved): E0314 when it is used.
    pub(super) fn value_pending(&mut self, fact: FactId, used: Span) -> bool {
        if !self.pending_values.contains(&fact) || self.model.derived_order.contains(&fact) {
            return false;
        }
        // Outside the values pass, a value not computed is one whose
        // arithmetic had an error, reported already.
        if let Some(within) = self.value_within {
            self.error(Error::ValueDeclaredLater {
                value: fact,
                used,
                within,
            });
        }
        true
    }

    /// Arithmetic, typed; `None` after an error (reported).
    fn arith(
        &mut self,
        arith: &ast::Arith,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> Option<Typed> {
        let span = arith.span;
        let typed = |kind: NumKind, dimension: Dimension, unit: Option<Unit>| Typed {
            expr: NumExpr { kind, span },
            dimension,
            unit,
            date: false,
        };
        match &arith.kind {
            ArithKind::Number { value, unit: None } => {
                Some(typed(NumKind::Constant(*value), Dimension::NONE, None))
            }
            ArithKind::Number {
                value,
                unit: Some(unit),
            } => {
                let unit = self.unit(unit)?;
                Some(typed(
                    NumKind::Constant(value * unit.factor),
                    unit.dimension,
                    Some(unit),
                ))
            }
            ArithKind::Name(name) => self.arith_name(&Spanned::new(name.clone(), span)),
            ArithKind::Binary { op, left, right } => {
                let left = self.arith(left, edges);
                let right = self.arith(right, edges);
                let (left, right) = (left?, right?);
                // date - date is a duration; date ± duration a date;
                // nothing else takes a date.
                let date = match (op, left.date, right.date) {
                    (_, false, false) => false,
                    (ArithOp::Sub, true, true) => false,
                    (ArithOp::Add, true, false) | (ArithOp::Add, false, true) => true,
                    (ArithOp::Sub, true, false) => true,
                    _ => return self.date_misused(span),
                };
                let (dimension, unit) = match op {
                    ArithOp::Add | ArithOp::Sub => {
                        self.same_dimension(span, Joined::Operator(*op), &left, &right)?;
                        let unit = left.unit.clone().or(right.unit.clone());
                        (left.dimension, if date { None } else { unit })
                    }
                    ArithOp::Mul => (
                        left.dimension.times(right.dimension),
                        scaled_unit(&left, &right),
                    ),
                    ArithOp::Div => {
                        if right.expr.kind == NumKind::Constant(0.0) {
                            self.error(Error::DivisionByZero {
                                divisor: right.expr.span,
                                fact: None,
                            });
                            return None;
                        }
                        let unit = (right.dimension == Dimension::NONE)
                            .then(|| left.unit.clone())
                            .flatten();
                        (left.dimension.per(right.dimension), unit)
                    }
                };
                Some(
                    typed(
                        NumKind::Binary {
                            op: *op,
                            left: Box::new(left.expr),
                            right: Box::new(right.expr),
                        },
                        dimension,
                        unit,
                    )
                    .dated(date),
                )
            }
            ArithKind::Call { function, args } => {
                let mut typed_args = Vec::new();
                for arg in args {
                    typed_args.push(self.arith(arg, edges));
                }
                let typed_args: Vec<Typed> = typed_args.into_iter().collect::<Option<_>>()?;
                let dates = typed_args.iter().filter(|t| t.date).count();
                let between = matches!(function, Function::YearsBetween | Function::MonthsBetween);
                if (between && dates != typed_args.len())
                    || (!between
                        && dates != 0
                        && (dates != typed_args.len() || *function == Function::Round))
                {
                    return self.date_misused(span);
                }
                match function {
                    Function::YearsBetween | Function::MonthsBetween => {
                        let [from, to] = <[Typed; 2]>::try_from(typed_args).ok()?;
                        let years = *function == Function::YearsBetween;
                        let unit = crate::units::parse_unit(if years { "a" } else { "mo" }).ok()?;
                        Some(typed(
                            NumKind::Between {
                                years,
                                from: Box::new(from.expr),
                                to: Box::new(to.expr),
                                factor: unit.factor,
                            },
                            unit.dimension,
                            Some(unit),
                        ))
                    }
                    Function::Round => {
                        let [only] = <[Typed; 1]>::try_from(typed_args).ok()?;
                        if only.dimension != Dimension::NONE {
                            self.error(Error::UnitMismatch(UnitMismatch::RoundQuantity {
                                span: only.expr.span,
                                found: only.dimension,
                            }));
                            return None;
                        }
                        Some(typed(
                            NumKind::Round(Box::new(only.expr)),
                            Dimension::NONE,
                            None,
                        ))
                    }
                    Function::Min | Function::Max => {
                        let first = typed_args.first()?;
                        for other in typed_args.iter().skip(1) {
                            self.same_dimension(span, Joined::Extreme, first, other)?;
                        }
                        let (dimension, unit, date) =
                            (first.dimension, first.unit.clone(), first.date);
                        let args = typed_args.into_iter().map(|t| t.expr).collect();
                        Some(
                            typed(
                                NumKind::Extreme {
                                    max: *function == Function::Max,
                                    args,
                                },
                                dimension,
                                unit,
                            )
                            .dated(date),
                        )
                    }
                }
            }
            ArithKind::If {
                condition,
                then,
                otherwise,
            } => {
                let condition = self.condition(condition, edges);
                let then = self.arith(then, edges);
                let otherwise = self.arith(otherwise, edges);
                let (then, otherwise) = (then?, otherwise?);
                if then.date != otherwise.date {
                    return self.date_misused(span);
                }
                self.same_dimension(span, Joined::Branches, &then, &otherwise)?;
                let date = then.date;
                let (dimension, unit) = (then.dimension, then.unit.clone().or(otherwise.unit));
                Some(
                    typed(
                        NumKind::If {
                            condition: Box::new(condition),
                            then: Box::new(then.expr),
                            otherwise: Box::new(otherwise.expr),
                        },
                        dimension,
                        unit,
                    )
                    .dated(date),
                )
            }
        }
    }

    /// A name in arithmetic: a number or quantity fact, given or computed.
    fn arith_name(&mut self, name: &Spanned<String>) -> Option<Typed> {
        let is = match self.condition_names.get(&name.node).copied() {
            Some((ConditionName::Fact(id), _)) => {
                self.used_facts.set(id, true);
                if self.value_pending(id, name.span) {
                    return None;
                }
                let (dimension, factor, unit, date) = match &self.model.facts.at(id).ty {
                    Type::Number => (Dimension::NONE, 1.0, None, false),
                    Type::Quantity(unit) => {
                        (unit.dimension, unit.factor, Some(unit.clone()), false)
                    }
                    Type::Date => {
                        let day = crate::units::parse_unit("d").ok();
                        let dimension = day.as_ref().map_or(Dimension::NONE, |d| d.dimension);
                        (dimension, DAY, None, true)
                    }
                    _ => {
                        return self.reject_arith(name, NonNumber::Fact(id));
                    }
                };
                return Some(Typed {
                    expr: NumExpr {
                        kind: NumKind::Fact { fact: id, factor },
                        span: name.span,
                    },
                    dimension,
                    unit,
                    date,
                });
            }
            Some((ConditionName::Definition(id), _)) => {
                self.used_definitions.set(id, true);
                NonNumber::Definition
            }
            Some((ConditionName::Score(id), _)) => {
                self.used_scores.set(id, true);
                NonNumber::Score
            }
            None => {
                self.unknown_name(&name.node, name.span);
                return None;
            }
        };
        self.reject_arith(name, is)
    }

    fn date_misused(&mut self, span: Span) -> Option<Typed> {
        self.error(Error::UnitMismatch(UnitMismatch::DateArithmetic { span }));
        None
    }

    fn reject_arith(&mut self, name: &Spanned<String>, is: NonNumber) -> Option<Typed> {
        self.error(Error::TypeMismatch(TypeMismatch::NotANumber {
            name: name.clone(),
            is,
        }));
        None
    }

    /// E0302 unless `left` and `right` measure the same thing.
    fn same_dimension(
        &mut self,
        span: Span,
        joined_by: Joined,
        left: &Typed,
        right: &Typed,
    ) -> Option<()> {
        if left.dimension == right.dimension {
            return Some(());
        }
        self.error(Error::UnitMismatch(UnitMismatch::Arithmetic {
            span,
            joined_by,
            left: left.dimension,
            right: right.dimension,
        }));
        None
    }

    /// `left op right` with arithmetic on a side: the computed fact
    /// `left - right` (one per distinct text), compared with 0.
    pub(super) fn relation(
        &mut self,
        left: &ast::Arith,
        op: CmpOp,
        right: &ast::Arith,
        span: Span,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> ConditionKind {
        let typed_left = self.arith(left, edges);
        let typed_right = self.arith(right, edges);
        let (Some(typed_left), Some(typed_right)) = (typed_left, typed_right) else {
            return ConditionKind::Const(false);
        };
        if typed_left.date != typed_right.date {
            self.date_misused(span);
            return ConditionKind::Const(false);
        }
        if self
            .same_dimension(span, Joined::Comparison, &typed_left, &typed_right)
            .is_none()
        {
            return ConditionKind::Const(false);
        }
        let difference = ast::Arith {
            kind: ArithKind::Binary {
                op: ArithOp::Sub,
                left: Box::new(left.clone()),
                right: Box::new(right.clone()),
            },
            span,
        };
        let name = crate::fmt::arithmetic(&difference);
        let fact = match self.compared_values.get(&name) {
            Some(&fact) => fact,
            None => {
                // Two dates differ by a duration, in days.
                let day = typed_left
                    .date
                    .then(|| crate::units::parse_unit("d").ok())
                    .flatten();
                let unit = day.or(typed_left.unit.clone()).or(typed_right.unit.clone());
                let (ty, to_unit) = match (typed_left.dimension == Dimension::NONE, unit) {
                    (true, _) => (Type::Number, 1.0),
                    (false, Some(unit)) => {
                        let to_unit = 1.0 / unit.factor;
                        (Type::Quantity(unit), to_unit)
                    }
                    (false, None) => (
                        Type::Quantity(Unit {
                            text: typed_left.dimension.to_string(),
                            dimension: typed_left.dimension,
                            factor: 1.0,
                        }),
                        1.0,
                    ),
                };
                self.used_facts.push(true);
                let fact = self.model.facts.push(Fact {
                    name: name.clone(),
                    ty,
                    description: None,
                    span,
                    derived: None,
                });
                let expr = NumExpr {
                    kind: NumKind::Binary {
                        op: ArithOp::Sub,
                        left: Box::new(typed_left.expr),
                        right: Box::new(typed_right.expr),
                    },
                    span,
                };
                self.set_derived(fact, expr, to_unit, false);
                self.compared_values.insert(name, fact);
                fact
            }
        };
        ConditionKind::Compare {
            fact,
            op,
            value: 0.0,
        }
    }

    /// Once everything is resolved: each computed fact's inputs, cycles
    /// through definitions (E0314), and divisors the invariants do not keep
    /// from zero (E0315).
    pub(super) fn finish_values(&mut self) {
        let order = self.model.derived_order.clone();
        let mut signs: HashMap<FactId, Sign> = HashMap::new();
        let bounds = invariant_signs(&self.model);
        for fact in order {
            let Some(derived) = self.model.facts.at(fact).derived.clone() else {
                continue;
            };
            let mut inputs = HashSet::new();
            let mut loops = false;
            derived.expr.walk(&mut |expr| match &expr.kind {
                NumKind::Fact { fact: used, .. } => match &self.model.facts.at(*used).derived {
                    Some(other) => inputs.extend(other.inputs.iter().copied()),
                    None => {
                        inputs.insert(*used);
                    }
                },
                NumKind::If { condition, .. } => {
                    for read in facts_read(&self.model, condition) {
                        if read == fact {
                            loops = true;
                        }
                        match &self.model.facts.at(read).derived {
                            Some(other) => inputs.extend(other.inputs.iter().copied()),
                            None => {
                                inputs.insert(read);
                            }
                        }
                    }
                }
                _ => {}
            });
            if loops {
                self.error(Error::ValueDeclaredLater {
                    value: fact,
                    used: derived.expr.span,
                    within: fact,
                });
            }
            let mut inputs: Vec<FactId> = inputs.into_iter().collect();
            inputs.sort_unstable();
            if let Some(Some(slot)) = self
                .model
                .facts
                .get_mut(fact)
                .never_none()
                .map(|f| f.derived.as_mut())
            {
                slot.inputs = inputs;
            }
            let mut divisions = Vec::new();
            derived.expr.walk(&mut |expr| {
                if let NumKind::Binary {
                    op: ArithOp::Div,
                    right,
                    ..
                } = &expr.kind
                {
                    divisions.push((**right).clone());
                }
            });
            for divisor in divisions {
                if sign(&divisor, &bounds, &signs).excludes_zero() {
                    continue;
                }
                let lone = match divisor.kind {
                    NumKind::Fact { fact, .. } => Some(fact),
                    _ => None,
                };
                self.error(Error::DivisionByZero {
                    divisor: divisor.span,
                    fact: lone,
                });
            }
            signs.insert(fact, sign(&derived.expr, &bounds, &signs));
        }
    }
}

/// The unit of a product, when one side is a plain number: the other's.
fn scaled_unit(left: &Typed, right: &Typed) -> Option<Unit> {
    if left.dimension == Dimension::NONE {
        right.unit.clone()
    } else if right.dimension == Dimension::NONE {
        left.unit.clone()
    } else {
        None
    }
}

/// The facts a condition reads, through definitions, each once.
fn facts_read(model: &Model, condition: &Condition) -> Vec<FactId> {
    let mut found = Vec::new();
    let mut seen_definitions = HashSet::new();
    let mut stack = vec![condition];
    while let Some(condition) = stack.pop() {
        condition.walk(&mut |c| match &c.kind {
            ConditionKind::Fact(fact)
            | ConditionKind::Compare { fact, .. }
            | ConditionKind::EnumIn { fact, .. }
            | ConditionKind::SetHas { fact, .. }
                if !found.contains(fact) =>
            {
                found.push(*fact);
            }
            ConditionKind::Definition(id) => {
                if seen_definitions.insert(*id)
                    && let Some(definition) = model.definitions.get(*id)
                {
                    stack.push(&definition.condition);
                }
            }
            _ => {}
        });
    }
    found
}

/// What is known of a number's sign for every plausible patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sign {
    Positive,
    Negative,
    NonZero,
    Any,
}

impl Sign {
    fn excludes_zero(self) -> bool {
        self != Sign::Any
    }

    fn of(value: f64) -> Sign {
        if value > 0.0 {
            Sign::Positive
        } else if value < 0.0 {
            Sign::Negative
        } else {
            Sign::Any
        }
    }

    fn product(self, other: Sign) -> Sign {
        match (self, other) {
            (Sign::Any, _) | (_, Sign::Any) => Sign::Any,
            (Sign::NonZero, _) | (_, Sign::NonZero) => Sign::NonZero,
            (a, b) if a == b => Sign::Positive,
            _ => Sign::Negative,
        }
    }

    fn negate(self) -> Sign {
        match self {
            Sign::Positive => Sign::Negative,
            Sign::Negative => Sign::Positive,
            other => other,
        }
    }

    fn sum(self, other: Sign) -> Sign {
        if self == other && matches!(self, Sign::Positive | Sign::Negative) {
            self
        } else {
            Sign::Any
        }
    }
}

/// The signs the invariants fix: a fact whose invariant (or a conjunct of
/// one) says `fact > c` with `c >= 0` is positive, `fact < c` with
/// `c <= 0` negative (`>=`/`<=` only with `c` strictly past zero).
fn invariant_signs(model: &Model) -> HashMap<FactId, Sign> {
    let mut signs = HashMap::new();
    for invariant in &model.invariants {
        let mut stack = vec![&invariant.condition];
        while let Some(condition) = stack.pop() {
            match &condition.kind {
                ConditionKind::And(parts) => stack.extend(parts),
                ConditionKind::Compare { fact, op, value } => {
                    let sign = match op {
                        CmpOp::Gt if *value >= 0.0 => Sign::Positive,
                        CmpOp::Ge if *value > 0.0 => Sign::Positive,
                        CmpOp::Lt if *value <= 0.0 => Sign::Negative,
                        CmpOp::Le if *value < 0.0 => Sign::Negative,
                        _ => continue,
                    };
                    signs.insert(*fact, sign);
                }
                _ => {}
            }
        }
    }
    signs
}

/// The sign of arithmetic for every patient the invariants allow; `Any`
/// when nothing is known. Sound: it never claims a sign a patient can
/// break.
fn sign(expr: &NumExpr, bounds: &HashMap<FactId, Sign>, computed: &HashMap<FactId, Sign>) -> Sign {
    match &expr.kind {
        NumKind::Constant(value) => Sign::of(*value),
        NumKind::Fact { fact, factor } => {
            let own = bounds
                .get(fact)
                .or_else(|| computed.get(fact))
                .copied()
                .unwrap_or(Sign::Any);
            own.product(Sign::of(*factor))
        }
        NumKind::Binary { op, left, right } => {
            let (left, right) = (sign(left, bounds, computed), sign(right, bounds, computed));
            match op {
                ArithOp::Mul | ArithOp::Div => left.product(right),
                ArithOp::Add => left.sum(right),
                ArithOp::Sub => left.sum(right.negate()),
            }
        }
        NumKind::Extreme { args, .. } => {
            let mut signs = args.iter().map(|arg| sign(arg, bounds, computed));
            let first = signs.next().unwrap_or(Sign::Any);
            if matches!(first, Sign::Positive | Sign::Negative) && signs.all(|s| s == first) {
                first
            } else {
                Sign::Any
            }
        }
        // `round(0.3)` is 0, and two dates may be under a year apart.
        NumKind::Round(_) | NumKind::Between { .. } => Sign::Any,
        NumKind::If {
            then, otherwise, ..
        } => {
            let (then, otherwise) = (
                sign(then, bounds, computed),
                sign(otherwise, bounds, computed),
            );
            if then == otherwise { then } else { Sign::Any }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, found, model};

    const FACTS: &str = "fact weight: quantity kg\nfact height: quantity cm\nfact age: number\n\
                         fact flag: bool\ninvariant height > 0 cm\n";

    fn rule(declarations: &str, when: &str) -> String {
        format!("{HEAD}{FACTS}{declarations}\nrule r {{ when {when} then recommend a cite R }}\n")
    }

    /// The errors of `text`, warnings (facts some case leaves unused) left out.
    fn errors(text: &str) -> Vec<(&'static str, &str)> {
        found(text)
            .into_iter()
            .filter(|(code, _)| code.starts_with('E'))
            .collect()
    }

    #[test]
    fn a_value_is_a_computed_fact_in_its_declared_unit() {
        let text = rule(
            "value bmi: quantity kg/m2 = weight / (height * height)",
            "bmi > 30 kg/m2",
        );
        let model = model(&text);
        let (id, bmi) = model
            .facts
            .iter_enumerated()
            .find(|(_, f)| f.name == "bmi")
            .unwrap_or_else(|| panic!("no bmi"));
        let derived = bmi
            .derived
            .as_ref()
            .unwrap_or_else(|| panic!("not computed"));
        assert!(derived.declared);
        // Arithmetic is in base units, g/m²: a thousandth is in kg/m².
        assert_eq!(derived.to_unit, 0.001);
        let names: Vec<&str> = derived
            .inputs
            .iter()
            .map(|f| model.facts.at(*f).name.as_str())
            .collect();
        assert_eq!(names, ["weight", "height"]);
        assert_eq!(model.derived_order, [id]);
    }

    #[test]
    fn sides_and_declared_units_must_measure_the_same_thing() {
        let cases = [
            (
                "value v: quantity kg = weight + height",
                "v > 1 kg",
                "E0302",
                "weight + height",
            ),
            (
                "value v: quantity kg = weight / (height / 1 cm)",
                "v > 1 kg",
                "",
                "",
            ),
            ("value v: quantity kg = weight * 2", "v > 1 kg", "", ""),
            ("value v: number = weight", "v > 1", "E0302", "weight"),
            (
                "value v: number = round(weight)",
                "v > 1",
                "E0302",
                "weight",
            ),
            ("value v: number = round(weight / 1 kg)", "v > 1", "", ""),
            (
                "value v: quantity kg = min(weight, 100 kg)",
                "v > 1 kg",
                "",
                "",
            ),
            (
                "value v: quantity kg = max(weight, 1 m)",
                "v > 1 kg",
                "E0302",
                "max(weight, 1 m)",
            ),
            (
                "value v: quantity kg = (if flag then weight else 1 cm)",
                "v > 1 kg",
                "E0302",
                "if flag then weight else 1 cm",
            ),
            ("value v: number = flag * 2", "v > 1", "E0301", "flag"),
            ("", "weight > 2 * height", "E0302", "weight > 2 * height"),
            ("", "weight > 2 * weight", "", ""),
        ];
        for (declarations, when, code, at) in cases {
            let expected: Vec<(&str, &str)> = if code.is_empty() {
                vec![]
            } else {
                vec![(code, at)]
            };
            assert_eq!(
                errors(&rule(declarations, when)),
                expected,
                "{declarations} / {when}"
            );
        }
    }

    #[test]
    fn a_value_may_use_only_earlier_values() {
        let text = rule(
            "value early: quantity kg = weight\nvalue late: quantity kg = later + early\n\
             value later: quantity kg = weight\nvalue own: quantity kg = own + weight",
            "late > 1 kg and later > 1 kg and own > 1 kg",
        );
        assert_eq!(errors(&text), [("E0314", "later"), ("E0314", "own")]);
    }

    #[test]
    fn a_divisor_must_be_kept_from_zero_by_the_invariants() {
        let cases = [
            ("value v: number = (weight / 1 kg) / (height / 1 cm)", ""),
            ("value v: number = age / (height / 1 cm)", ""),
            ("value v: number = (height / 1 cm) / age", "age"),
            (
                "value v: number = 1 / (height / 1 cm - 1)",
                "height / 1 cm - 1",
            ),
            ("value v: number = 1 / 0", "0"),
            ("value v: number = 1 / (if flag then 2 else 3)", ""),
        ];
        for (declaration, at) in cases {
            let expected: Vec<(&str, &str)> = if at.is_empty() {
                vec![]
            } else {
                vec![("E0315", at)]
            };
            assert_eq!(
                errors(&rule(declaration, "v > 1")),
                expected,
                "{declaration}"
            );
        }
    }

    #[test]
    fn one_comparison_text_is_one_computed_fact() {
        let text = rule("", "weight > 2 * weight or (flag and weight > 2 * weight)");
        let model = model(&text);
        let computed: Vec<&str> = model
            .facts
            .iter()
            .filter(|f| f.derived.is_some())
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(computed, ["weight - 2 * weight"]);
    }
}
