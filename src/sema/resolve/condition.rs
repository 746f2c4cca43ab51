//! Conditions: an AST expression to a [`Condition`], with names looked up
//! (facts and definitions share one namespace), comparisons checked
//! against the fact's type and converted to its unit, and enum values
//! looked up. Any pass may resolve a condition; a definition's body also
//! records the definitions it uses, for the cycle check.

use super::{ConditionName, Resolver};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::sema::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{self, ExprKind, Operand, SetExpr};
use crate::units::{Unit, parse_unit, unit_alias};

/// What a condition that could not be resolved stands for: the file has an
/// error, so no model is built and the value is never read.
const UNRESOLVED: ConditionKind = ConditionKind::Const(false);

/// A comparison `fact op operand` whose fact is known.
struct Comparison<'a> {
    fact_name: &'a Spanned<String>,
    fact: FactId,
    /// The fact's declared type.
    ty: Type,
    /// Where the fact is declared.
    fact_span: Span,
    op: CmpOp,
    operand: &'a Spanned<Operand>,
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

    /// A threshold in the fact's unit, for an example in a help.
    fn example_threshold(&self) -> String {
        match &self.ty {
            Type::Quantity(unit) => format!("1 {}", unit.text),
            _ => "1".to_owned(),
        }
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
            ExprKind::Compare { fact, op, operand } => self.compare(fact, *op, operand, expr.span),
            ExprKind::In { element, set } => self.membership(element, set),
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
                self.used_definitions[id.index()] = true;
                edges.push((id, span));
                ConditionKind::Definition(id)
            }
            Some((ConditionName::Fact(id), _)) => {
                self.used_facts[id.index()] = true;
                let fact = &self.model.facts[id.index()];
                if fact.ty == Type::Bool {
                    ConditionKind::Fact(id)
                } else {
                    let help = match &fact.ty {
                        Type::Quantity(unit) => {
                            format!("compare it, e.g. `{name} < 60 {}`", unit.text)
                        }
                        Type::Number => format!("compare it, e.g. `{name} >= 18`"),
                        Type::Enum(e) => format!(
                            "compare it, e.g. `{name} = {}`",
                            self.model.enums[e.index()]
                                .values
                                .first()
                                .map_or("value", String::as_str)
                        ),
                        _ => format!("test membership, e.g. `value in {name}`"),
                    };
                    let message = format!(
                        "`{name}` is {}, but a condition needs a yes/no value",
                        self.describe_type(&fact.ty)
                    );
                    let declared = fact.span;
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, message)
                            .primary(span, "used as a condition here")
                            .secondary(declared, "declared here")
                            .help(help),
                    );
                    ConditionKind::Const(false)
                }
            }
            None => {
                self.unknown_name(name, span);
                ConditionKind::Const(false)
            }
        }
    }

    fn unknown_name(&mut self, name: &str, span: Span) {
        if self.untyped_facts.contains(name) {
            return;
        }
        let mut candidates: Vec<&str> = self.condition_names.keys().map(String::as_str).collect();
        candidates.sort_unstable();
        let mut diagnostic = Diagnostic::new(Code::UnknownName, format!("unknown name `{name}`"))
            .primary(span, "not a declared fact or definition");
        diagnostic = match closest(name, candidates) {
            Some(candidate) => {
                // A parenthesised name's span includes the parentheses; a
                // name in parentheses is still a valid condition.
                let replacement = if span.len() == name.len() {
                    candidate.to_owned()
                } else {
                    format!("({candidate})")
                };
                diagnostic
                    .help(format!("did you mean `{candidate}`?"))
                    .fix(span, replacement)
            }
            None => diagnostic.help(format!(
                "declare it, e.g. `fact {name}: bool \"…\"` or `define {name} = …`"
            )),
        };
        self.error(diagnostic);
    }

    /// Looks up a fact used in a comparison or membership test.
    fn fact_for_test(&mut self, name: &Spanned<String>) -> Option<FactId> {
        match self.condition_names.get(&name.node).copied() {
            Some((ConditionName::Fact(id), _)) => {
                self.used_facts[id.index()] = true;
                Some(id)
            }
            Some((ConditionName::Definition(_), _)) => {
                self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "`{}` is a definition (a yes/no condition), not a fact with a value",
                            name.node
                        ),
                    )
                    .primary(name.span, "a definition cannot be compared")
                    .help(format!(
                        "use it directly: `{}` or `not {}`",
                        name.node, name.node
                    )),
                );
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
        operand: &Spanned<Operand>,
        span: Span,
    ) -> ConditionKind {
        let Some(fact) = self.fact_for_test(fact_name) else {
            return UNRESOLVED;
        };
        let declared = &self.model.facts[fact.index()];
        let test = Comparison {
            fact_name,
            fact,
            ty: declared.ty.clone(),
            fact_span: declared.span,
            op,
            operand,
            span,
        };
        let is_equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
        match (&test.ty, &operand.node) {
            (Type::Bool, Operand::Bool(value)) if is_equality => test.bool_equality(*value),
            (Type::Bool, _) => self.compare_type_error(
                &test,
                "something other than `true`/`false` using `=`/`!=`".to_owned(),
                format!("use `{0}` or `not {0}`", fact_name.node),
            ),
            (Type::Number, Operand::Number { value, unit: None }) => ConditionKind::Compare {
                fact,
                op,
                value: *value,
            },
            (
                Type::Number,
                Operand::Number {
                    value,
                    unit: Some(unit),
                },
            ) => self.unit_on_number(&test, *value, unit),
            (Type::Quantity(fact_unit), Operand::Number { value, unit }) => {
                self.compare_quantity(&test, fact_unit, *value, unit.as_ref())
            }
            (Type::Enum(enum_id), Operand::Name(value)) if is_equality => {
                match self.enum_value(*enum_id, value, operand.span) {
                    Some(index) => test.equality(ConditionKind::EnumIn {
                        fact,
                        values: vec![index],
                    }),
                    None => UNRESOLVED,
                }
            }
            (Type::Enum(_), Operand::Name(_)) => self.compare_type_error(
                &test,
                format!("`{}`", op.symbol()),
                "enum values have no order; compare with `=`, `!=` or `in {a, b}`".to_owned(),
            ),
            (Type::Enum(_), _) => self.compare_type_error(
                &test,
                "a value that is not in its enum".to_owned(),
                format!(
                    "compare with one of its values, e.g. `{} = value`",
                    fact_name.node
                ),
            ),
            (Type::Set(_), _) => self.compare_type_error(
                &test,
                format!("`{}`", op.symbol()),
                format!("test membership instead: `value in {}`", fact_name.node),
            ),
            (Type::Number | Type::Quantity(_), Operand::Name(other))
                if self.condition_names.contains_key(other) =>
            {
                self.compare_with_name(&test, other)
            }
            (Type::Number | Type::Quantity(_), _) => self.compare_type_error(
                &test,
                "a value that is not a number".to_owned(),
                format!(
                    "compare with a number, e.g. `{} {} {}`",
                    fact_name.node,
                    op.symbol(),
                    test.example_threshold()
                ),
            ),
        }
    }

    /// E0301: the fact's type and the value it is compared with differ.
    fn compare_type_error(
        &mut self,
        test: &Comparison<'_>,
        expected: String,
        help: String,
    ) -> ConditionKind {
        let message = format!(
            "`{}` is {}, but it is compared with {expected}",
            test.fact_name.node,
            self.describe_type(&test.ty)
        );
        self.error(
            Diagnostic::new(Code::TypeMismatch, message)
                .primary(test.operand.span, "this value")
                .secondary(test.fact_span, "declared here")
                .help(help),
        );
        UNRESOLVED
    }

    /// A plain number compared with a value that has a unit.
    fn unit_on_number(
        &mut self,
        test: &Comparison<'_>,
        value: f64,
        unit: &Spanned<String>,
    ) -> ConditionKind {
        let fact_name = test.fact_name;
        // Dropping the unit is always valid; declaring a quantity is
        // offered only in a unit gdl knows.
        let plain = tidy_number(value);
        let known_unit = if parse_unit(&unit.node).is_ok() {
            Some(unit.node.clone())
        } else {
            unit_alias(&unit.node).map(str::to_owned)
        };
        let drop = format!(
            "drop the unit: `{} {} {plain}`",
            fact_name.node,
            test.op.symbol()
        );
        let help = match known_unit {
            Some(known) => format!(
                "{drop}, or declare the fact as a quantity: `fact {}: quantity {known}`",
                fact_name.node
            ),
            None => drop,
        };
        self.error(
            Diagnostic::new(
                Code::UnitMismatch,
                format!(
                    "`{}` is a plain number, but it is compared with a quantity in `{}`",
                    fact_name.node, unit.node
                ),
            )
            .primary(unit.span, "unexpected unit")
            .secondary(test.fact_span, "declared as `number`")
            .help(help)
            .fix(test.operand.span, plain),
        );
        UNRESOLVED
    }

    /// A quantity compared with a number: the number needs a unit of the
    /// same dimension, and is converted to the fact's unit.
    fn compare_quantity(
        &mut self,
        test: &Comparison<'_>,
        fact_unit: &Unit,
        value: f64,
        unit: Option<&Spanned<String>>,
    ) -> ConditionKind {
        let fact_name = test.fact_name;
        let Some(unit) = unit else {
            self.error(
                missing_unit(fact_name, test.op, value, fact_unit, test.operand.span)
                    .secondary(test.fact_span, "declared here"),
            );
            return UNRESOLVED;
        };
        let Some(literal_unit) = self.unit(unit) else {
            return UNRESOLVED;
        };
        if literal_unit.dimension != fact_unit.dimension {
            self.error(
                Diagnostic::new(
                    Code::UnitMismatch,
                    format!(
                        "`{}` is measured in {} ({}), which does not convert to `{}` ({})",
                        fact_name.node,
                        fact_unit.text,
                        fact_unit.dimension,
                        unit.node,
                        literal_unit.dimension
                    ),
                )
                .primary(
                    unit.span,
                    format!("this measures {}", literal_unit.dimension),
                )
                .secondary(test.fact_span, format!("declared in {}", fact_unit.text))
                .help(format!(
                    "compare with a value in a unit of {}, such as {}",
                    fact_unit.dimension, fact_unit.text
                )),
            );
            return UNRESOLVED;
        }
        ConditionKind::Compare {
            fact: test.fact,
            op: test.op,
            value: literal_unit.convert(value, fact_unit),
        }
    }

    /// A number or quantity compared with another declared name.
    fn compare_with_name(&mut self, test: &Comparison<'_>, other: &str) -> ConditionKind {
        // Two facts cannot be compared with each other (yet); the
        // example threshold carries the fact's unit, so it is valid.
        // The other name is used here: no "unused" warning for it.
        let kind = match self.condition_names.get(other).map(|(name, _)| *name) {
            Some(ConditionName::Fact(id)) => {
                self.used_facts[id.index()] = true;
                "fact"
            }
            Some(ConditionName::Definition(id)) => {
                self.used_definitions[id.index()] = true;
                "definition"
            }
            None => "name",
        };
        self.compare_type_error(
            test,
            format!("the {kind} `{other}`; gdl compares a fact only with a constant"),
            format!(
                "compare each fact with a threshold, e.g. `{} {} {}`; \
                 a relation between two measurements needs a fact of its own \
                 (e.g. a ratio that the record system computes)",
                test.fact_name.node,
                test.op.symbol(),
                test.example_threshold()
            ),
        )
    }

    pub(super) fn enum_value(&mut self, enum_id: EnumId, value: &str, span: Span) -> Option<u32> {
        let enum_type = &self.model.enums[enum_id.index()];
        if let Some(index) = enum_type.value(value) {
            return Some(index);
        }
        let message = format!("`{value}` is not a value of `{}`", enum_type.name);
        let help = enum_type.suggest(value);
        let fix = enum_type.closest(value).map(str::to_owned);
        let declared = enum_type.span;
        let mut diagnostic = Diagnostic::new(Code::UnknownEnumValue, message)
            .primary(span, "not in the enum")
            .help(help);
        if let Some(value) = fix {
            diagnostic = diagnostic.fix(span, value);
        }
        if enum_id != self.model.action_enum {
            diagnostic = diagnostic.secondary(declared, "enum declared here");
        }
        self.error(diagnostic);
        None
    }

    fn membership(&mut self, element: &Spanned<String>, set: &Spanned<SetExpr>) -> ConditionKind {
        match &set.node {
            SetExpr::Fact(set_name) => {
                let Some(fact) = self.fact_for_test(set_name) else {
                    return UNRESOLVED;
                };
                let ty = self.model.facts[fact.index()].ty.clone();
                let Type::Set(enum_id) = ty else {
                    let message = format!(
                        "`{}` is {}, not a set",
                        set_name.node,
                        self.describe_type(&ty)
                    );
                    let help = if matches!(ty, Type::Enum(_)) {
                        format!(
                            "to test one value, write `{} = {}`",
                            set_name.node, element.node
                        )
                    } else {
                        "`in` tests membership of a `set of` fact or a `{a, b}` list".to_owned()
                    };
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, message)
                            .primary(set_name.span, "not a set")
                            .help(help),
                    );
                    return UNRESOLVED;
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
                let ty = self.model.facts[fact.index()].ty.clone();
                let Type::Enum(enum_id) = ty else {
                    let message = format!(
                        "`{}` is {}; only an enum fact can be tested against a list of values",
                        element.node,
                        self.describe_type(&ty)
                    );
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, message)
                            .primary(element.span, "not an enum fact")
                            .help("use `value in set_fact` for sets, or comparisons for numbers"),
                    );
                    return UNRESOLVED;
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

/// E0302 for a number written without its fact's unit. A number between 0
/// and 1 against a percentage is most likely a fraction (`0.92` for 92 %):
/// writing `0.92 %` would silently mean something a hundred times smaller.
fn missing_unit(
    fact_name: &Spanned<String>,
    op: CmpOp,
    value: f64,
    fact_unit: &Unit,
    at: Span,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::UnitMismatch,
        format!(
            "`{}` is a quantity in {}, but this number has no unit",
            fact_name.node, fact_unit.text
        ),
    );
    let is_fraction = fact_unit.text == "%" && value > 0.0 && value < 1.0;
    let (label, help, replacement) = if is_fraction {
        let percent = format!("{} %", tidy_number(value * 100.0));
        (
            "a fraction, not a percentage",
            format!(
                "a fraction is not a percentage: {} is {percent}; write `{} {} {percent}`",
                tidy_number(value),
                fact_name.node,
                op.symbol()
            ),
            percent,
        )
    } else {
        let written = format!("{} {}", tidy_number(value), fact_unit.text);
        (
            "no unit",
            format!(
                "write the unit: `{} {} {written}`",
                fact_name.node,
                op.symbol()
            ),
            written,
        )
    };
    diagnostic
        .primary(at, label)
        .help(help)
        .fix(at, replacement)
}

/// A number as a help text writes it: 12 significant digits, so that
/// `0.92 * 100` reads `92`, not `92.00000000000001`.
fn tidy_number(value: f64) -> String {
    let rounded: f64 = format!("{value:.11e}").parse().unwrap_or(value);
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, found, model};
    use crate::sema::model::*;

    /// The condition of the only rule of `HEAD` + `declarations` + a rule
    /// `when condition`.
    fn rule_condition(declarations: &str, condition: &str) -> ConditionKind {
        let text = format!(
            "{HEAD}{declarations}\nrule r {{ when {condition} then recommend a cite R }}\n"
        );
        model(&text).rules[0].condition.kind.clone()
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
        assert_eq!(found(&text), [("E0301", "h")]);
    }

    #[test]
    fn a_name_that_is_not_a_condition_is_a_type_mismatch() {
        let text = format!("{HEAD}fact n: number\nrule r {{ when n then recommend a cite R }}\n");
        assert_eq!(found(&text), [("E0301", "n")]);
        let text = format!("{HEAD}rule r {{ when nope then recommend a cite R }}\n");
        assert_eq!(found(&text), [("E0201", "nope")]);
    }
}
