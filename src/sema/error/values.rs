//! The wording of the type, unit and evidence errors (E03xx): a value that
//! does not fit its fact, units that do not convert, unknown units and
//! enum values, missing citations, malformed identifiers, empty rules,
//! unknown lints, GRADE words and discordant recommendations. Each function turns one [`super::Error`] variant's data
//! into its diagnostic.

use super::{
    GradeClause, MissingCitation, NumberTest, Operand, RuleLacks, TypeMismatch, UnitMismatch,
    describe_type, suggest,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::sema::MAX_SET_VALUES;
use crate::sema::model::{Certainty, CmpOp, EnumId, Fact, FactId, Model, Strength, Type};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{Range, RangeKind};
use crate::units::{Unit, parse_unit, unit_alias};

/// The fact an error refers to. Its id was minted by the resolver for this
/// very model, so it indexes the model's facts.
fn fact(model: &Model, id: FactId) -> &Fact {
    model.facts.at(id)
}

/// "`weight` is a quantity in kg": how a type error starts.
fn fact_is(model: &Model, fact: &Fact) -> String {
    format!("`{}` is {}", fact.name, describe_type(model, &fact.ty))
}

pub(super) fn type_mismatch(code: Code, model: &Model, mismatch: &TypeMismatch) -> Diagnostic {
    match mismatch {
        TypeMismatch::NotANumber { name, is } => {
            super::arithmetic::not_a_number(code, model, name, is)
        }
        TypeMismatch::ScoreNotACondition { score, span } => {
            super::scores::not_a_condition(code, model, *score, *span)
        }
        TypeMismatch::ScoreCompared {
            score,
            op,
            operand,
            with,
        } => super::scores::compared(code, model, *score, *op, *operand, with),
        TypeMismatch::NotACondition { fact: id, span } => {
            let fact = fact(model, *id);
            let name = &fact.name;
            let help = match &fact.ty {
                Type::Quantity(unit) => format!("compare it, e.g. `{name} < 60 {}`", unit.text),
                Type::Number => format!("compare it, e.g. `{name} >= 18`"),
                Type::Date => {
                    format!("compare the time since it, e.g. `as_of - {name} >= 90 d`")
                }
                Type::Enum(e) => format!(
                    "compare it, e.g. `{name} = {}`",
                    model
                        .enums
                        .get(*e)
                        .and_then(|e| e.values.first())
                        .map_or("value", String::as_str)
                ),
                Type::Bool | Type::Set(_) => format!("test membership, e.g. `value in {name}`"),
            };
            let message = format!(
                "{}, but a condition needs a yes/no value",
                fact_is(model, fact)
            );
            Diagnostic::new(code, message)
                .primary(*span, "used as a condition here")
                .secondary(fact.span, "declared here")
                .help(help)
        }
        TypeMismatch::DefinitionWithValue { name } => Diagnostic::new(
            code,
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
        TypeMismatch::Compared {
            fact: id,
            op,
            operand,
            with,
        } => {
            let fact = fact(model, *id);
            let (expected, help) = compared(fact, *op, with);
            let message = format!(
                "{}, but it is compared with {expected}",
                fact_is(model, fact)
            );
            Diagnostic::new(code, message)
                .primary(*operand, "this value")
                .secondary(fact.span, "declared here")
                .help(help)
        }
        TypeMismatch::NotASet {
            fact: id,
            span,
            element,
        } => {
            let fact = fact(model, *id);
            let message = format!("{}, not a set", fact_is(model, fact));
            let help = if matches!(fact.ty, Type::Enum(_)) {
                format!("to test one value, write `{} = {element}`", fact.name)
            } else {
                "`in` tests membership of a `set of` fact or a `{a, b}` list".to_owned()
            };
            Diagnostic::new(code, message)
                .primary(*span, "not a set")
                .help(help)
        }
        TypeMismatch::NotAnEnum { fact: id, span } => {
            let fact = fact(model, *id);
            let message = format!(
                "{}; only an enum fact can be tested against a list of values",
                fact_is(model, fact)
            );
            Diagnostic::new(code, message)
                .primary(*span, "not an enum fact")
                .help("use `value in set_fact` for sets, or comparisons for numbers")
        }
        TypeMismatch::RangeOfNonNumber { fact: id, range } => {
            let fact = fact(model, *id);
            let name = &fact.name;
            let message = format!(
                "{}, but a range needs a number or a quantity",
                fact_is(model, fact)
            );
            let help = match &fact.ty {
                Type::Enum(e) => {
                    let values = &model.enums.at(*e).values;
                    let listed: Vec<&str> = values.iter().take(2).map(String::as_str).collect();
                    format!(
                        "an enum's values have no order; list the ones meant, e.g. `{name} in {{{}}}`",
                        listed.join(", ")
                    )
                }
                Type::Set(_) => format!("test membership instead: `value in {name}`"),
                Type::Date => {
                    format!("compare the time since it, e.g. `as_of - {name} >= 30 d`")
                }
                Type::Bool | Type::Number | Type::Quantity(_) => {
                    format!("use `{name}` or `not {name}`")
                }
            };
            Diagnostic::new(code, message)
                .primary(*range, "a range of numbers")
                .secondary(fact.span, "declared here")
                .help(help)
        }
    }
}

/// How a number test reads after its fact's name, with `unit` after the
/// number (after the upper end of a range): the operator (`<`, or `in`
/// for a range) and the value (`60 mg`, `30..<50 mg`).
fn number_test(test: &NumberTest, unit: Option<&str>) -> (&'static str, String) {
    let unit = unit.map(|unit| format!(" {unit}")).unwrap_or_default();
    match test {
        NumberTest::Compare { op, value } => {
            (op.symbol(), format!("{}{unit}", tidy_number(*value)))
        }
        NumberTest::Range { low, high, kind } => (
            "in",
            format!(
                "{}{}{}{unit}",
                tidy_number(*low),
                kind.symbol(),
                tidy_number(*high)
            ),
        ),
    }
}

/// What a comparison's value was, in words, and the help for it.
fn compared(fact: &Fact, op: CmpOp, with: &Operand) -> (String, String) {
    let name = &fact.name;
    let op = op.symbol();
    // A threshold in the fact's unit, for an example: it is valid as is.
    let example = match &fact.ty {
        Type::Quantity(unit) => format!("1 {}", unit.text),
        Type::Bool | Type::Number | Type::Date | Type::Enum(_) | Type::Set(_) => "1".to_owned(),
    };
    match with {
        Operand::NotTrueOrFalse => (
            "something other than `true`/`false` using `=`/`!=`".to_owned(),
            format!("use `{name}` or `not {name}`"),
        ),
        Operand::EnumOrdered => (
            format!("`{op}`"),
            "enum values have no order; compare with `=`, `!=` or `in {a, b}`".to_owned(),
        ),
        Operand::NotAnEnumValue => (
            "a value that is not in its enum".to_owned(),
            format!("compare with one of its values, e.g. `{name} = value`"),
        ),
        Operand::Set => (
            format!("`{op}`"),
            format!("test membership instead: `value in {name}`"),
        ),
        // A number or quantity fact on the right is a relation; this
        // name is something else.
        Operand::OtherName {
            name: other,
            is_fact,
        } => (
            format!(
                "`{other}`, which is not a number ({})",
                if *is_fact {
                    "a fact of another type"
                } else {
                    "a condition or a score"
                }
            ),
            format!(
                "compare with a threshold, e.g. `{name} {op} {example}`, or with a number or \
                 quantity fact of the same dimension"
            ),
        ),
        Operand::NotANumber => (
            "a value that is not a number".to_owned(),
            format!("compare with a number, e.g. `{name} {op} {example}`"),
        ),
        Operand::NotADate => (
            "a value that is not a date".to_owned(),
            format!(
                "compare it with another date fact, or the time since it with a duration, e.g. `as_of - {name} >= 90 d`"
            ),
        ),
    }
}

pub(super) fn unit_mismatch(code: Code, model: &Model, mismatch: &UnitMismatch) -> Diagnostic {
    match mismatch {
        UnitMismatch::Arithmetic {
            span,
            joined_by,
            left,
            right,
        } => super::arithmetic::joined(code, *span, *joined_by, *left, *right),
        UnitMismatch::ValueType {
            name,
            declared,
            found,
            body,
        } => super::arithmetic::value_type(code, name, declared.as_ref(), *found, *body),
        UnitMismatch::DateArithmetic { span } => super::arithmetic::date_arithmetic(code, *span),
        UnitMismatch::RoundQuantity { span, found } => {
            super::arithmetic::round_quantity(code, *span, *found)
        }
        UnitMismatch::UnitOnNumber {
            fact: id,
            test,
            unit,
            operand,
        } => {
            let fact = fact(model, *id);
            // Dropping the unit is always valid; declaring a quantity is
            // offered only in a unit gdl knows.
            let (op, plain) = number_test(test, None);
            let known_unit = if parse_unit(&unit.node).is_ok() {
                Some(unit.node.as_str())
            } else {
                unit_alias(&unit.node)
            };
            let drop = format!("drop the unit: `{} {op} {plain}`", fact.name);
            let help = match known_unit {
                Some(known) => format!(
                    "{drop}, or declare the fact as a quantity: `fact {}: quantity {known}`",
                    fact.name
                ),
                None => drop,
            };
            let compared = match test {
                NumberTest::Compare { .. } => "compared with a quantity",
                NumberTest::Range { .. } => "tested with a range",
            };
            Diagnostic::new(
                code,
                format!(
                    "`{}` is a plain number, but it is {compared} in `{}`",
                    fact.name, unit.node
                ),
            )
            .primary(unit.span, "unexpected unit")
            .secondary(fact.span, "declared as `number`")
            .help(help)
            .fix(*operand, plain)
        }
        UnitMismatch::NoUnit {
            fact: id,
            expected,
            test,
            operand,
        } => {
            let fact = fact(model, *id);
            no_unit(code, &fact.name, test, expected, *operand)
                .secondary(fact.span, "declared here")
        }
        UnitMismatch::Dimension {
            fact: id,
            expected,
            unit,
            found,
        } => {
            let fact = fact(model, *id);
            Diagnostic::new(
                code,
                format!(
                    "`{}` is measured in {} ({}), which does not convert to `{}` ({})",
                    fact.name, expected.text, expected.dimension, unit.node, found.dimension
                ),
            )
            .primary(unit.span, format!("this measures {}", found.dimension))
            .secondary(fact.span, format!("declared in {}", expected.text))
            .help(format!(
                "compare with a value in a unit of {}, such as {}",
                expected.dimension, expected.text
            ))
        }
        UnitMismatch::DurationNotTime { unit, found } => Diagnostic::new(
            code,
            format!("a duration needs a unit of time, not `{}`", unit.node),
        )
        .primary(unit.span, format!("this measures {}", found.dimension))
        .help("use d, wk, mo or a (years), or declare a `quantity` instead"),
    }
}

/// E0302 for a number (or a range) written without its fact's unit. A
/// number between 0 and 1 against a percentage is most likely a fraction
/// (`0.92` for 92 %): writing `0.92 %` would silently mean something a
/// hundred times smaller. So is a range with both ends from 0 to 1.
fn no_unit(
    code: Code,
    fact_name: &str,
    test: &NumberTest,
    fact_unit: &Unit,
    at: Span,
) -> Diagnostic {
    let what = match test {
        NumberTest::Compare { .. } => "number",
        NumberTest::Range { .. } => "range",
    };
    let diagnostic = Diagnostic::new(
        code,
        format!(
            "`{fact_name}` is a quantity in {}, but this {what} has no unit",
            fact_unit.text
        ),
    );
    let is_fraction = fact_unit.text == "%"
        && match test {
            NumberTest::Compare { value, .. } => *value > 0.0 && *value < 1.0,
            NumberTest::Range { low, high, .. } => *low >= 0.0 && *high > 0.0 && *high <= 1.0,
        };
    let (label, help, replacement) = if is_fraction {
        let percent = match *test {
            NumberTest::Compare { op, value } => NumberTest::Compare {
                op,
                value: value * 100.0,
            },
            NumberTest::Range { low, high, kind } => NumberTest::Range {
                low: low * 100.0,
                high: high * 100.0,
                kind,
            },
        };
        let (_, fraction) = number_test(test, None);
        let (op, percent) = number_test(&percent, Some("%"));
        (
            "a fraction, not a percentage",
            format!(
                "a fraction is not a percentage: {fraction} is {percent}; write `{fact_name} {op} {percent}`",
            ),
            percent,
        )
    } else {
        let (op, written) = number_test(test, Some(&fact_unit.text));
        (
            "no unit",
            format!("write the unit: `{fact_name} {op} {written}`"),
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

pub(super) fn unknown_unit(code: Code, unit: &Spanned<String>, part: &str) -> Diagnostic {
    let diagnostic = Diagnostic::new(code, format!("unknown unit `{}`", unit.node))
        .primary(unit.span, format!("`{part}` is not understood"));
    match unit_alias(&unit.node) {
        Some(ucum) => diagnostic
            .help(format!(
                "gdl writes units in UCUM style: did you mean `{ucum}` (UCUM's symbol for `{}`)?",
                unit.node
            ))
            .fix(unit.span, ucum),
        None => diagnostic.help(
            "write units in UCUM style: mg, g/L, mL/min/1.73m2, mm[Hg], 10*9/L, d, wk, mo, a",
        ),
    }
}

/// The help names the closest value, or lists the first ones; the enum's
/// declaration is shown unless it is the built-in `Action`.
pub(super) fn unknown_enum_value(
    code: Code,
    model: &Model,
    value: &Spanned<String>,
    enum_id: EnumId,
) -> Diagnostic {
    let Some(enum_type) = model.enums.get(enum_id) else {
        return Diagnostic::new(code, format!("`{}` is not a value", value.node))
            .primary(value.span, "not in the enum");
    };
    let mut diagnostic = Diagnostic::new(
        code,
        format!("`{}` is not a value of `{}`", value.node, enum_type.name),
    )
    .primary(value.span, "not in the enum")
    .help(enum_type.suggest(&value.node));
    if let Some(closest) = enum_type.closest(&value.node) {
        diagnostic = diagnostic.fix(value.span, closest);
    }
    if enum_id != model.action_enum {
        diagnostic = diagnostic.secondary(enum_type.span, "enum declared here");
    }
    diagnostic
}

pub(super) fn missing_citation(code: Code, missing: &MissingCitation) -> Diagnostic {
    match missing {
        MissingCitation::Contraindication { action, condition } => Diagnostic::new(
            code,
            format!("a contraindication of `{action}` cites no evidence"),
        )
        .primary(*condition, "this contraindication")
        .help("add `cite KEY` after the clause, naming the reference that supports it"),
        MissingCitation::Rule {
            rule,
            outcome,
            avoids_only,
        } => {
            let verb = if *avoids_only {
                "advises avoiding an action"
            } else {
                "recommends"
            };
            Diagnostic::new(
                code,
                format!("rule `{}` {verb} without citing evidence", rule.node),
            )
            .primary(rule.span, "no `cite`")
            .secondary(*outcome, "this outcome needs evidence")
            .help("add `cite KEY` naming the reference(s) that support it")
        }
    }
}

pub(super) fn malformed_pmid(code: Code, pmid: &Spanned<String>) -> Diagnostic {
    Diagnostic::new(code, format!("`{}` is not a PubMed ID", pmid.node))
        .primary(pmid.span, "expected 1 to 8 digits, not starting with 0")
        .help("copy the number from the PubMed address, e.g. pubmed/14501840 → pmid 14501840")
}

pub(super) fn malformed_doi(code: Code, doi: &Spanned<String>) -> Diagnostic {
    Diagnostic::new(code, format!("`{}` is not a DOI", doi.node))
        .primary(doi.span, "expected `10.NNNN/suffix`")
        .help("write the DOI without the https://doi.org/ prefix, e.g. doi \"10.1002/art.21023\"")
}

pub(super) fn empty_rule(code: Code, rule: &Spanned<String>, missing: RuleLacks) -> Diagnostic {
    let missing = match missing {
        RuleLacks::Condition => "has no `when` condition",
        RuleLacks::Outcome => "has no `then` and no `else-escalate`",
    };
    Diagnostic::new(code, format!("rule `{}` {missing}", rule.node))
        .primary(rule.span, "this rule can never do anything")
        .help("a rule needs `when CONDITION` and at least one `then recommend ACTION` (or `else-escalate \"reason\"`)")
}

pub(super) fn unknown_lint(code: Code, lint: &Spanned<String>) -> Diagnostic {
    let diagnostic = Diagnostic::new(code, format!("unknown lint `{}`", lint.node))
        .primary(lint.span, "not a diagnostic name");
    let names = Code::ALL.iter().map(|c| c.name());
    suggest(diagnostic, &lint.node, lint.span, names, |d| {
        d.help("see docs/diagnostics.md for the lint names")
    })
}

pub(super) fn enum_too_large(code: Code, model: &Model, enum_id: EnumId, span: Span) -> Diagnostic {
    let enum_type = model.enums.at(enum_id);
    let (name, size) = (enum_type.name.as_str(), enum_type.values.len());
    Diagnostic::new(
        code,
        format!("`{name}` has {size} values; a `set of` fact holds at most {MAX_SET_VALUES}"),
    )
    .primary(span, "set of a large enum")
    .help("split the enum, or use several bool facts")
}

pub(super) fn unknown_grade(code: Code, clause: GradeClause, word: &Spanned<String>) -> Diagnostic {
    let (what, words, all): (_, Vec<&str>, _) = match clause {
        GradeClause::Strength => (
            "strength",
            Strength::ALL.iter().map(|s| s.word()).collect(),
            "`strong` or `conditional`",
        ),
        GradeClause::Certainty => (
            "certainty",
            Certainty::ALL.iter().map(|c| c.word()).collect(),
            "`high`, `moderate`, `low` or `very low`",
        ),
    };
    let diagnostic = Diagnostic::new(code, format!("`{}` is not a GRADE {what}", word.node))
        .primary(word.span, format!("expected {all}"));
    // NICE's verbs and GRADE's former "weak" have a GRADE word, though not
    // a similar-looking one.
    let synonym = Strength::from_synonym(&word.node).filter(|_| clause == GradeClause::Strength);
    if let Some(strength) = synonym {
        let grade = strength.word();
        return diagnostic
            .help(format!(
                "\"{}\" means a {grade} recommendation; GRADE's word for it is `{grade}`",
                word.node
            ))
            .fix(word.span, grade);
    }
    suggest(diagnostic, &word.node, word.span, words, |d| {
        d.help(format!("write {all}"))
    })
}

pub(super) fn discordant_recommendation(
    code: Code,
    rule: &Spanned<String>,
    strength: Span,
    certainty: &Spanned<Certainty>,
) -> Diagnostic {
    let level = certainty.node.word();
    Diagnostic::new(
        code,
        format!(
            "rule `{}` makes a strong recommendation on {level} certainty evidence",
            rule.node
        ),
    )
    .primary(strength, "strong")
    .secondary(certainty.span, format!("{level} certainty"))
    .help(
        "GRADE advises a conditional recommendation when the certainty is low or very low, \
         except in a few paradigmatic situations (such as a life-threatening condition); \
         make it `strength conditional`, or name the situation with \
         `expect discordant-recommendation \"...\"`",
    )
}

/// E0323: the help writes the range that was most likely meant: the ends
/// the other way round, or (for `30..<30`) the one value, both ends kept.
pub(super) fn empty_range(code: Code, fact: &str, range: &Spanned<Range>) -> Diagnostic {
    let Range {
        low,
        high,
        kind,
        ref unit,
    } = range.node;
    let unit = unit.as_ref().map(|u| u.node.as_str());
    let (_, written) = number_test(&NumberTest::Range { low, high, kind }, unit);
    let (label, meant) = if low > high {
        (
            "its lower end is above its upper end",
            NumberTest::Range {
                low: high,
                high: low,
                kind,
            },
        )
    } else {
        (
            "`..<` leaves out its upper end, which is its lower end",
            NumberTest::Range {
                low,
                high,
                kind: RangeKind::Closed,
            },
        )
    };
    let (_, meant) = number_test(&meant, unit);
    let help = if low > high {
        format!("write the lower end first: `{fact} in {meant}`")
    } else {
        format!("to test the one value, include both ends: `{fact} in {meant}`")
    };
    Diagnostic::new(code, format!("the range `{written}` holds no value"))
        .primary(range.span, label)
        .help(help)
        .fix(range.span, meant)
}
