//! Conditions: an AST expression to a [`Condition`], with names looked up
//! (facts and definitions share one namespace), comparisons checked
//! against the fact's type and converted to its unit, and enum values
//! looked up. Any pass may resolve a condition; a definition's body also
//! records the definitions it uses, for the cycle check.

use super::types::sorted;
use super::{ConditionName, Resolver};
use crate::sema::error::{
    Error, NumberTest, Operand, ScoreOperand, TypeMismatch, UnitMismatch, UnknownName,
};
use crate::sema::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{self, ExprKind, Operand as Value, Range, SetExpr};
use crate::units::Unit;

/// What a condition that could not be resolved stands for: the file has an
/// error, so no model is built and the value is never read.
const UNRESOLVED: ConditionKind = ConditionKind::Const(false);

/// A comparison `fact op operand` whose fact is known.
struct Comparison<'a> {
    fact: FactId,
    op: CmpOp,
    operand: &'a Spanned<Value>,
    /// The whole comparison.
    span: Span,
}

impl Comparison<'_> {
    /// `kind`, or its negation for `!=`.
    fn equality(&self, kind: ConditionKind) -> ConditionKind {
        if self.op == CmpOp::Eq {
            kind
        } else {
            ConditionKind::Not(Box::new(Condition {
                kind,
                span: self.span,
            }))
        }
    }

    /// A bool fact `= value` or `!= value`: the fact or its negation.
    fn bool_equality(&self, value: bool) -> ConditionKind {
        let kind = ConditionKind::Fact(self.fact);
        if value == (self.op == CmpOp::Eq) {
            kind
        } else {
            ConditionKind::Not(Box::new(Condition {
                kind,
                span: self.span,
            }))
        }
    }

    /// E0301: the fact's type and the value it is compared with differ.
    fn mismatch(&self, with: Operand) -> Error {
        Error::TypeMismatch(TypeMismatch::Compared {
            fact: self.fact,
            op: self.op,
            operand: self.operand.span,
            with,
        })
    }
}

impl Resolver {
    pub(super) fn condition(
        &mut self,
        expr: &ast::Expr,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> Condition {
        let kind = match &expr.kind {
            ExprKind::Bool(value) => ConditionKind::Const(*value),
            ExprKind::Name(name) => self.condition_name(name, expr.span, edges),
            ExprKind::Not(inner) => ConditionKind::Not(Box::new(self.condition(inner, edges))),
            ExprKind::And(parts) => {
                ConditionKind::And(parts.iter().map(|p| self.condition(p, edges)).collect())
            }
            ExprKind::Or(parts) => {
                ConditionKind::Or(parts.iter().map(|p| self.condition(p, edges)).collect())
            }
            ExprKind::Implies(left, right) => ConditionKind::Implies(
                Box::new(self.condition(left, edges)),
                Box::new(self.condition(right, edges)),
            ),
            ExprKind::Compare { fact, op, operand } => {
                match self.condition_names.get(&fact.node).copied() {
                    Some((ConditionName::Score(score), _)) => {
                        self.compare_score(score, *op, operand, expr.span, edges)
                    }
                    _ => match &operand.node {
                        // Two numbers or quantities compared: a relation.
                        Value::Name(other)
                            if self.is_numeric(&fact.node) && self.is_numeric(other) =>
                        {
                            let side = |name: &Spanned<String>| ast::Arith {
                                kind: ast::ArithKind::Name(name.node.clone()),
                                span: name.span,
                            };
                            let right = Spanned::new(other.clone(), operand.span);
                            self.relation(&side(fact), *op, &side(&right), expr.span, edges)
                        }
                        _ => self.compare(fact, *op, operand, expr.span),
                    },
                }
            }
            ExprKind::Relation { left, op, right } => {
                self.relation(left, *op, right, expr.span, edges)
            }
            ExprKind::Count {
                at_least,
                count,
                parts,
            } => {
                let items: Vec<ScoreItem> = parts
                    .iter()
                    .map(|part| ScoreItem {
                        points: 1,
                        condition: self.condition(part, edges),
                    })
                    .collect();
                self.check_points(None, &items, expr.span);
                ConditionKind::Points(Box::new(PointsTest {
                    score: None,
                    items,
                    op: if *at_least { CmpOp::Ge } else { CmpOp::Le },
                    value: i64::from(count.node),
                }))
            }
            ExprKind::In { element, set } => self.membership(element, set),
            ExprKind::InRange { fact, range } => self.range(fact, range, expr.span, edges),
        };
        Condition {
            kind,
            span: expr.span,
        }
    }

    fn condition_name(
        &mut self,
        name: &str,
        span: Span,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> ConditionKind {
        match self.condition_names.get(name).copied() {
            Some((ConditionName::Definition(id), _)) => {
                self.used_definitions.set(id, true);
                edges.push((id, span));
                ConditionKind::Definition(id)
            }
            Some((ConditionName::Score(score), _)) => {
                self.used_scores.set(score, true);
                self.reject(Error::TypeMismatch(TypeMismatch::ScoreNotACondition {
                    score,
                    span,
                }))
            }
            Some((ConditionName::Fact(id), _)) => {
                self.used_facts.set(id, true);
                if self.model.facts.at(id).ty == Type::Bool {
                    ConditionKind::Fact(id)
                } else {
                    self.error(Error::TypeMismatch(TypeMismatch::NotACondition {
                        fact: id,
                        span,
                    }));
                    UNRESOLVED
                }
            }
            None => {
                self.unknown_name(name, span);
                UNRESOLVED
            }
        }
    }

    pub(super) fn unknown_name(&mut self, name: &str, span: Span) {
        if self.untyped_facts.contains(name) {
            return;
        }
        // A value not computed yet (the one being resolved, or a later
        // one) is no candidate: using it here would be E0314.
        let usable = |(_, (named, _)): &(&String, &(ConditionName, Span))| match named {
            ConditionName::Fact(id) => {
                !self.pending_values.contains(id) || self.model.derived_order.contains(id)
            }
            _ => true,
        };
        let candidates = sorted(
            self.condition_names
                .iter()
                .filter(usable)
                .map(|(name, _)| name.as_str()),
        );
        self.error(Error::UnknownName(UnknownName::Condition {
            name: name.to_owned(),
            span,
            candidates,
        }));
    }

    /// Whether a name is a number or quantity fact (given or computed).
    fn is_numeric(&self, name: &str) -> bool {
        match self.condition_names.get(name) {
            Some((ConditionName::Fact(id), _)) => {
                matches!(
                    self.model.facts.at(*id).ty,
                    Type::Number | Type::Quantity(_) | Type::Date
                )
            }
            _ => false,
        }
    }

    /// Looks up a fact used in a comparison or membership test.
    fn fact_for_test(&mut self, name: &Spanned<String>) -> Option<FactId> {
        match self.condition_names.get(&name.node).copied() {
            Some((ConditionName::Fact(id), _)) => {
                self.used_facts.set(id, true);
                if self.value_pending(id, name.span) {
                    return None;
                }
                Some(id)
            }
            Some((ConditionName::Definition(_), _)) => {
                self.error(Error::TypeMismatch(TypeMismatch::DefinitionWithValue {
                    name: name.clone(),
                }));
                None
            }
            Some((ConditionName::Score(score), _)) => {
                self.used_scores.set(score, true);
                self.error(Error::TypeMismatch(TypeMismatch::ScoreNotACondition {
                    score,
                    span: name.span,
                }));
                None
            }
            None => {
                self.unknown_name(&name.node, name.span);
                None
            }
        }
    }

    /// A comparison, by the fact's type and the kind of value it is
    /// compared with.
    fn compare(
        &mut self,
        fact_name: &Spanned<String>,
        op: CmpOp,
        operand: &Spanned<Value>,
        span: Span,
    ) -> ConditionKind {
        let Some(fact) = self.fact_for_test(fact_name) else {
            return UNRESOLVED;
        };
        let test = Comparison {
            fact,
            op,
            operand,
            span,
        };
        let is_equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
        let ty = self.model.facts.at(fact).ty.clone();
        match (&ty, &operand.node) {
            (Type::Bool, Value::Bool(value)) if is_equality => test.bool_equality(*value),
            (Type::Bool, _) => self.reject(test.mismatch(Operand::NotTrueOrFalse)),
            (Type::Number, Value::Number { value, unit: None }) => ConditionKind::Compare {
                fact,
                op,
                value: *value,
            },
            (
                Type::Number,
                Value::Number {
                    value,
                    unit: Some(unit),
                },
            ) => self.reject(Error::UnitMismatch(UnitMismatch::UnitOnNumber {
                fact,
                test: NumberTest::Compare { op, value: *value },
                unit: unit.clone(),
                operand: operand.span,
            })),
            (Type::Quantity(fact_unit), Value::Number { value, unit }) => {
                let written = NumberTest::Compare { op, value: *value };
                match self.in_fact_unit(fact, fact_unit, written, unit.as_ref(), operand.span) {
                    Some(convert) => ConditionKind::Compare {
                        fact,
                        op,
                        value: convert(*value),
                    },
                    None => UNRESOLVED,
                }
            }
            (Type::Enum(enum_id), Value::Name(value)) if is_equality => {
                match self.enum_value(*enum_id, value, operand.span) {
                    Some(index) => test.equality(ConditionKind::EnumIn {
                        fact,
                        values: vec![index],
                    }),
                    None => UNRESOLVED,
                }
            }
            (Type::Enum(_), Value::Name(_)) => self.reject(test.mismatch(Operand::EnumOrdered)),
            (Type::Enum(_), _) => self.reject(test.mismatch(Operand::NotAnEnumValue)),
            (Type::Set(_), _) => self.reject(test.mismatch(Operand::Set)),
            (Type::Number | Type::Quantity(_), Value::Name(other)) => {
                let with = self.other_name(other);
                self.reject(test.mismatch(with))
            }
            (Type::Number | Type::Quantity(_), _) => {
                self.reject(test.mismatch(Operand::NotANumber))
            }
            (Type::Date, _) => self.reject(test.mismatch(Operand::NotADate)),
        }
    }

    /// `score op operand`: the operand must be a whole number, without a
    /// unit.
    fn compare_score(
        &mut self,
        score: ScoreId,
        op: CmpOp,
        operand: &Spanned<Value>,
        span: Span,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> ConditionKind {
        let with = match &operand.node {
            Value::Number { value, unit: None } if value.fract() == 0.0 => {
                // Whole and below 1e15 in magnitude (lowering's limit), so
                // it converts exactly.
                return self.score_test(score, op, *value as i64, span, edges);
            }
            Value::Number { value, unit: None } => ScoreOperand::Fraction(*value),
            Value::Number { value, .. } => ScoreOperand::Unit { value: *value },
            Value::Bool(_) => ScoreOperand::NotANumber,
            Value::Name(other) => {
                self.other_name(other);
                ScoreOperand::NotANumber
            }
        };
        self.used_scores.set(score, true);
        self.reject(Error::TypeMismatch(TypeMismatch::ScoreCompared {
            score,
            op,
            operand: operand.span,
            with,
        }))
    }

    /// `score in low..high`: both ends whole numbers without a unit, the
    /// two score tests they mean.
    fn score_range(
        &mut self,
        score: ScoreId,
        range: &Spanned<Range>,
        span: Span,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> ConditionKind {
        let Range {
            low,
            high,
            kind,
            ref unit,
        } = range.node;
        let with = if unit.is_some() {
            Some(ScoreOperand::Unit { value: low })
        } else {
            [low, high]
                .into_iter()
                .find(|end| end.fract() != 0.0)
                .map(ScoreOperand::Fraction)
        };
        if let Some(with) = with {
            self.used_scores.set(score, true);
            return self.reject(Error::TypeMismatch(TypeMismatch::ScoreCompared {
                score,
                op: CmpOp::Ge,
                operand: range.span,
                with,
            }));
        }
        if kind.is_empty(low, high) {
            return self.reject(Error::EmptyRange {
                fact: self.model.scores.at(score).name.clone(),
                range: range.clone(),
            });
        }
        // Whole and below 1e15 in magnitude (lowering's limit).
        let from = self.score_test(score, CmpOp::Ge, low as i64, span, edges);
        let to = self.score_test(score, kind.upper(), high as i64, span, edges);
        let part = |kind| Condition { kind, span };
        ConditionKind::And(vec![part(from), part(to)])
    }

    /// Reports an error in a condition, which stands for nothing.
    fn reject(&mut self, error: Error) -> ConditionKind {
        self.error(error);
        UNRESOLVED
    }

    /// A number or quantity compared with another name: a declared fact or
    /// definition (then used: no "unused" warning for it), else the name
    /// is no number.
    fn other_name(&mut self, other: &str) -> Operand {
        match self.condition_names.get(other).map(|(name, _)| *name) {
            Some(ConditionName::Score(id)) => {
                self.used_scores.set(id, true);
                Operand::OtherName {
                    name: other.to_owned(),
                    is_fact: false,
                }
            }
            Some(ConditionName::Fact(id)) => {
                self.used_facts.set(id, true);
                Operand::OtherName {
                    name: other.to_owned(),
                    is_fact: true,
                }
            }
            Some(ConditionName::Definition(id)) => {
                self.used_definitions.set(id, true);
                Operand::OtherName {
                    name: other.to_owned(),
                    is_fact: false,
                }
            }
            None => Operand::NotANumber,
        }
    }

    /// A quantity tested with a number or a range (`written`): it needs a
    /// unit of the same dimension, and the conversion from that unit to
    /// the fact's is returned; `None` once the problem is reported.
    fn in_fact_unit(
        &mut self,
        fact: FactId,
        fact_unit: &Unit,
        written: NumberTest,
        unit: Option<&Spanned<String>>,
        operand: Span,
    ) -> Option<impl Fn(f64) -> f64 + use<>> {
        let Some(unit) = unit else {
            self.error(Error::UnitMismatch(UnitMismatch::NoUnit {
                fact,
                expected: fact_unit.clone(),
                test: written,
                operand,
            }));
            return None;
        };
        let literal_unit = self.unit(unit)?;
        if literal_unit.dimension != fact_unit.dimension {
            self.error(Error::UnitMismatch(UnitMismatch::Dimension {
                fact,
                expected: fact_unit.clone(),
                unit: unit.clone(),
                found: literal_unit,
            }));
            return None;
        }
        let fact_unit = fact_unit.clone();
        Some(move |value| literal_unit.convert(value, &fact_unit))
    }

    /// `fact in low..high`: a number or quantity fact at or above `low`
    /// and below (or at) `high`, as the two comparisons, each spanning
    /// the whole range test so that an explanation shows it as written.
    fn range(
        &mut self,
        fact_name: &Spanned<String>,
        range: &Spanned<Range>,
        span: Span,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> ConditionKind {
        if let Some((ConditionName::Score(score), _)) =
            self.condition_names.get(&fact_name.node).copied()
        {
            return self.score_range(score, range, span, edges);
        }
        let Some(fact) = self.fact_for_test(fact_name) else {
            return UNRESOLVED;
        };
        let Range {
            low,
            high,
            kind,
            ref unit,
        } = range.node;
        if kind.is_empty(low, high) {
            return self.reject(Error::EmptyRange {
                fact: fact_name.node.clone(),
                range: range.clone(),
            });
        }
        let written = NumberTest::Range { low, high, kind };
        let (low, high) = match (&self.model.facts.at(fact).ty.clone(), unit) {
            (Type::Number, None) => (low, high),
            (Type::Number, Some(unit)) => {
                return self.reject(Error::UnitMismatch(UnitMismatch::UnitOnNumber {
                    fact,
                    test: written,
                    unit: unit.clone(),
                    operand: range.span,
                }));
            }
            (Type::Quantity(fact_unit), unit) => {
                match self.in_fact_unit(fact, fact_unit, written, unit.as_ref(), range.span) {
                    Some(convert) => (convert(low), convert(high)),
                    None => return UNRESOLVED,
                }
            }
            (Type::Bool | Type::Enum(_) | Type::Set(_) | Type::Date, _) => {
                return self.reject(Error::TypeMismatch(TypeMismatch::RangeOfNonNumber {
                    fact,
                    range: range.span,
                }));
            }
        };
        let bound = |op, value| Condition {
            kind: ConditionKind::Compare { fact, op, value },
            span,
        };
        ConditionKind::And(vec![bound(CmpOp::Ge, low), bound(kind.upper(), high)])
    }

    pub(super) fn enum_value(&mut self, enum_id: EnumId, value: &str, span: Span) -> Option<u32> {
        if let Some(index) = self.model.enums.at(enum_id).value(value) {
            return Some(index);
        }
        self.error(Error::UnknownEnumValue {
            value: Spanned::new(value.to_owned(), span),
            enum_id,
        });
        None
    }

    fn membership(&mut self, element: &Spanned<String>, set: &Spanned<SetExpr>) -> ConditionKind {
        match &set.node {
            SetExpr::Fact(set_name) => {
                let Some(fact) = self.fact_for_test(set_name) else {
                    return UNRESOLVED;
                };
                let Type::Set(enum_id) = self.model.facts.at(fact).ty else {
                    return self.reject(Error::TypeMismatch(TypeMismatch::NotASet {
                        fact,
                        span: set_name.span,
                        element: element.node.clone(),
                    }));
                };
                match self.enum_value(enum_id, &element.node, element.span) {
                    Some(value) => ConditionKind::SetHas { fact, value },
                    None => UNRESOLVED,
                }
            }
            SetExpr::Literal(values) => {
                let Some(fact) = self.fact_for_test(element) else {
                    return UNRESOLVED;
                };
                let Type::Enum(enum_id) = self.model.facts.at(fact).ty else {
                    return self.reject(Error::TypeMismatch(TypeMismatch::NotAnEnum {
                        fact,
                        span: element.span,
                    }));
                };
                let mut indices = Vec::new();
                for value in values {
                    if let Some(index) = self.enum_value(enum_id, &value.node, value.span) {
                        indices.push(index);
                    }
                }
                indices.sort_unstable();
                indices.dedup();
                ConditionKind::EnumIn {
                    fact,
                    values: indices,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, found, model, the_error};
    use crate::sema::error::{Error, NumberTest, Operand, TypeMismatch, UnitMismatch, UnknownName};
    use crate::sema::model::*;
    use crate::span::Spanned;

    /// The condition of the only rule of `HEAD` + `declarations` + a rule
    /// `when condition`.
    fn rule_condition(declarations: &str, condition: &str) -> ConditionKind {
        let text = format!(
            "{HEAD}{declarations}\nrule r {{ when {condition} then recommend a cite R }}\n"
        );
        model(&text).rules.as_slice()[0].condition.kind.clone()
    }

    #[test]
    fn a_threshold_is_converted_to_its_facts_unit() {
        let kind = rule_condition("fact w: quantity kg", "w > 500 g");
        assert_eq!(
            kind,
            ConditionKind::Compare {
                fact: FactId(0),
                op: CmpOp::Gt,
                value: 0.5
            }
        );
    }

    #[test]
    fn equality_with_false_is_a_negation() {
        let kind = rule_condition("fact x: bool", "x = false");
        let ConditionKind::Not(inner) = kind else {
            panic!("{kind:?}");
        };
        assert_eq!(inner.kind, ConditionKind::Fact(FactId(0)));
    }

    #[test]
    fn a_list_of_enum_values_is_sorted_without_repeats() {
        let kind = rule_condition("enum E { p, q, s }\nfact e: E", "e in {s, p, s}");
        assert_eq!(
            kind,
            ConditionKind::EnumIn {
                fact: FactId(0),
                values: vec![0, 2]
            }
        );
    }

    #[test]
    fn each_mismatch_of_type_and_value_points_at_the_value() {
        let cases = [
            ("fact w: quantity kg", "w > 5", ("E0302", "5")),
            ("fact w: quantity kg", "w > 5 mm", ("E0302", "mm")),
            ("fact n: number", "n > 5 kg", ("E0302", "kg")),
            ("fact x: bool", "x = 1", ("E0301", "1")),
            ("enum E { p }\nfact e: E", "e < p", ("E0301", "p")),
            ("enum E { p }\nfact e: E", "e = z", ("E0304", "z")),
            ("enum E { p }\nfact s: set of E", "s = p", ("E0301", "p")),
        ];
        for (declarations, condition, expected) in cases {
            let text = format!(
                "{HEAD}{declarations}\nrule r {{ when {condition} then recommend a cite R }}\n"
            );
            assert_eq!(found(&text), [expected], "{condition}");
        }
    }

    #[test]
    fn a_fact_compared_with_another_leaves_the_other_used() {
        let text = format!(
            "{HEAD}fact w: quantity kg\nfact h: quantity cm\n\
             rule r {{ when w >= h then recommend a cite R }}\n"
        );
        // Two quantities of different dimensions; neither is unused.
        assert_eq!(found(&text), [("E0302", "w >= h")]);
    }

    #[test]
    fn a_name_that_is_not_a_condition_is_a_type_mismatch() {
        let text = format!("{HEAD}fact n: number\nrule r {{ when n then recommend a cite R }}\n");
        assert_eq!(found(&text), [("E0301", "n")]);
        let text = format!("{HEAD}rule r {{ when nope then recommend a cite R }}\n");
        assert_eq!(found(&text), [("E0201", "nope")]);
    }

    /// The only error of a rule `when condition` after `declarations`.
    fn condition_error(declarations: &str, condition: &str) -> Error {
        the_error(&format!(
            "{HEAD}{declarations}\nrule r {{ when {condition} then recommend a cite R }}\n"
        ))
    }

    #[test]
    fn each_value_a_type_cannot_be_compared_with_is_named() {
        let cases = [
            ("fact x: bool", "x = 1", CmpOp::Eq, Operand::NotTrueOrFalse),
            (
                "fact x: bool",
                "x < true",
                CmpOp::Lt,
                Operand::NotTrueOrFalse,
            ),
            (
                "enum E { p }\nfact e: E",
                "e < p",
                CmpOp::Lt,
                Operand::EnumOrdered,
            ),
            (
                "enum E { p }\nfact e: E",
                "e = 3",
                CmpOp::Eq,
                Operand::NotAnEnumValue,
            ),
            (
                "enum E { p }\nfact s: set of E",
                "s = p",
                CmpOp::Eq,
                Operand::Set,
            ),
            (
                "fact n: number",
                "n >= true",
                CmpOp::Ge,
                Operand::NotANumber,
            ),
            ("fact n: number", "n >= zz", CmpOp::Ge, Operand::NotANumber),
        ];
        for (declarations, condition, op, with) in cases {
            let error = condition_error(declarations, condition);
            let Error::TypeMismatch(TypeMismatch::Compared {
                fact,
                op: found_op,
                with: found_with,
                ..
            }) = error
            else {
                panic!("{condition}: {error:?}");
            };
            assert_eq!(
                (fact, found_op, found_with),
                (FactId(0), op, with),
                "{condition}"
            );
        }
    }

    #[test]
    fn a_fact_compared_with_another_name_says_which_kind_it_is() {
        let cases = [
            ("fact n: number\nfact b: bool", "n >= b", "b", true),
            ("fact n: number\ndefine d = true", "n >= d", "d", false),
        ];
        for (declarations, condition, name, is_fact) in cases {
            let Error::TypeMismatch(TypeMismatch::Compared { with, .. }) =
                condition_error(declarations, condition)
            else {
                panic!("{condition}");
            };
            let expected = Operand::OtherName {
                name: name.to_owned(),
                is_fact,
            };
            assert_eq!(with, expected);
        }
    }

    #[test]
    fn each_unit_mismatch_carries_the_number_and_the_units() {
        let no_unit = condition_error("fact p: quantity %", "p > 0.92");
        assert!(
            matches!(&no_unit, Error::UnitMismatch(UnitMismatch::NoUnit { fact: FactId(0), expected, test: NumberTest::Compare { op: CmpOp::Gt, value }, .. })
                if expected.text == "%" && *value == 0.92),
            "{no_unit:?}"
        );
        let dimension = condition_error("fact w: quantity kg", "w > 5 mm");
        assert!(
            matches!(&dimension, Error::UnitMismatch(UnitMismatch::Dimension { expected, unit, found, .. })
                if expected.text == "kg" && unit.node == "mm" && expected.dimension != found.dimension),
            "{dimension:?}"
        );
        let on_number = condition_error("fact n: number", "n > 5 kg");
        assert!(
            matches!(&on_number, Error::UnitMismatch(UnitMismatch::UnitOnNumber { test: NumberTest::Compare { value, .. }, unit, .. })
                if *value == 5.0 && unit.node == "kg"),
            "{on_number:?}"
        );
    }

    #[test]
    fn a_range_is_two_comparisons_in_the_facts_unit_spanning_the_range() {
        let text = format!(
            "{HEAD}fact c: quantity mL/min\n\
             rule r {{ when c in 0.5..<1 mL/s then recommend a cite R }}\n"
        );
        let condition = model(&text).rules.as_slice()[0].condition.clone();
        let ConditionKind::And(parts) = &condition.kind else {
            panic!("{condition:?}");
        };
        let kinds: Vec<&ConditionKind> = parts.iter().map(|p| &p.kind).collect();
        let bound = |op, value| ConditionKind::Compare {
            fact: FactId(0),
            op,
            value,
        };
        assert_eq!(
            kinds,
            [&bound(CmpOp::Ge, 30.0), &bound(CmpOp::Lt, 60.0)],
            "1 mL/s is 60 mL/min"
        );
        assert!(parts.iter().all(|p| p.span == condition.span));
        let closed = rule_condition("fact n: number", "n in 1..2");
        let ConditionKind::And(parts) = &closed else {
            panic!("{closed:?}");
        };
        let kinds: Vec<&ConditionKind> = parts.iter().map(|p| &p.kind).collect();
        assert_eq!(kinds, [&bound(CmpOp::Ge, 1.0), &bound(CmpOp::Le, 2.0)]);
    }

    #[test]
    fn each_mistake_in_a_range_is_the_error_a_comparison_gets() {
        let cases = [
            ("fact w: quantity kg", "w in 5..10", ("E0302", "5..10")),
            ("fact w: quantity kg", "w in 5..10 mm", ("E0302", "mm")),
            ("fact w: quantity kg", "w in 5..10 zz", ("E0303", "zz")),
            ("fact n: number", "n in 5..10 kg", ("E0302", "kg")),
            ("fact x: bool", "x in 1..2", ("E0301", "1..2")),
            ("enum E { p }\nfact e: E", "e in 1..2", ("E0301", "1..2")),
            ("fact n: number", "n in 10..<5", ("E0323", "10..<5")),
            ("fact n: number", "n in 5..<5", ("E0323", "5..<5")),
            ("define d = true", "d in 1..2", ("E0301", "d")),
        ];
        for (declarations, condition, expected) in cases {
            let text = format!(
                "{HEAD}{declarations}\nrule r {{ when {condition} then recommend a cite R }}\n"
            );
            let errors: Vec<_> = found(&text)
                .into_iter()
                .filter(|(code, _)| code.starts_with('E'))
                .collect();
            assert_eq!(errors, [expected], "{condition}");
        }
        let text =
            format!("{HEAD}fact n: number\nrule r {{ when n in 5..5 then recommend a cite R }}\n");
        assert_eq!(found(&text), [], "one value, both ends included");
    }

    #[test]
    fn an_unknown_name_carries_the_names_in_scope() {
        let error = condition_error("fact nope1: bool\ndefine other = true", "(nope)");
        let Error::UnknownName(UnknownName::Condition {
            name,
            span,
            candidates,
        }) = error
        else {
            panic!("{error:?}");
        };
        assert_eq!(name, "nope");
        // The span keeps the parentheses, for the fix to keep them too.
        assert_eq!(span.len(), "(nope)".len());
        assert_eq!(candidates, ["nope1", "other"]);
    }

    #[test]
    fn a_name_in_the_wrong_place_is_a_type_mismatch_of_its_own_kind() {
        let mismatch = |declarations, condition| match condition_error(declarations, condition) {
            Error::TypeMismatch(mismatch) => mismatch,
            other => panic!("{condition}: {other:?}"),
        };
        let not_a_condition = mismatch("fact n: number", "n");
        assert!(matches!(
            not_a_condition,
            TypeMismatch::NotACondition {
                fact: FactId(0),
                ..
            }
        ));
        let definition = mismatch("define d = true", "d > 3");
        assert!(
            matches!(definition, TypeMismatch::DefinitionWithValue { name } if name.node == "d")
        );
        let not_a_set = mismatch("enum E { p }\nfact e: E", "p in e");
        assert!(matches!(not_a_set, TypeMismatch::NotASet { element, .. } if element == "p"));
        let not_an_enum = mismatch("fact n: number", "n in {a, b}");
        assert!(matches!(
            not_an_enum,
            TypeMismatch::NotAnEnum {
                fact: FactId(0),
                ..
            }
        ));
    }

    #[test]
    fn an_unknown_enum_value_names_its_enum() {
        let error = condition_error("enum E { p, q }\nfact e: E", "e in {p, zz}");
        assert_eq!(
            error,
            Error::UnknownEnumValue {
                value: Spanned::new("zz".to_owned(), crate::span::Span::default()),
                enum_id: EnumId(0),
            }
        );
    }
}
