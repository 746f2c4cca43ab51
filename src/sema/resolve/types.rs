//! Declared types: a fact's type expression to a [`Type`], with unknown
//! types and units, durations not in time and oversized `set of` enums
//! reported; and how a type reads in a message.

use super::{MAX_SET_VALUES, Resolver};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::sema::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::ast;
use crate::units::{Unit, parse_unit, unit_alias};

impl Resolver {
    fn check_set_size(&mut self, enum_id: EnumId, span: Span) -> Option<EnumId> {
        let enum_type = &self.model.enums[enum_id.index()];
        let size = enum_type.values.len();
        if size <= MAX_SET_VALUES {
            return Some(enum_id);
        }
        let message = format!(
            "`{}` has {size} values; a `set of` fact holds at most {MAX_SET_VALUES}",
            enum_type.name
        );
        self.error(
            Diagnostic::new(Code::EnumTooLarge, message)
                .primary(span, "set of a large enum")
                .help("split the enum, or use several bool facts"),
        );
        None
    }

    pub(super) fn fact_type(&mut self, ty: &Spanned<ast::TypeExpr>) -> Option<Type> {
        Some(match &ty.node {
            ast::TypeExpr::Bool => Type::Bool,
            ast::TypeExpr::Number => Type::Number,
            ast::TypeExpr::Quantity(unit) => Type::Quantity(self.unit(unit)?),
            ast::TypeExpr::Duration(unit) => {
                let parsed = self.unit(unit)?;
                if !parsed.dimension.is_time() {
                    self.error(
                        Diagnostic::new(
                            Code::UnitMismatch,
                            format!("a duration needs a unit of time, not `{}`", unit.node),
                        )
                        .primary(unit.span, format!("this measures {}", parsed.dimension))
                        .help("use d, wk, mo or a (years), or declare a `quantity` instead"),
                    );
                    return None;
                }
                Type::Quantity(parsed)
            }
            ast::TypeExpr::SetOf(name) => {
                let enum_id = self.enum_type(name)?;
                Type::Set(self.check_set_size(enum_id, ty.span)?)
            }
            ast::TypeExpr::Named(name) => Type::Enum(self.enum_type(name)?),
        })
    }

    fn enum_type(&mut self, name: &Spanned<String>) -> Option<EnumId> {
        if let Some(&id) = self.enum_names.get(&name.node) {
            return Some(id);
        }
        let builtin = ["bool", "number", "quantity", "duration"];
        let candidates: Vec<&str> = self
            .enum_names
            .keys()
            .map(String::as_str)
            .chain(builtin)
            .collect();
        let diagnostic =
            Diagnostic::new(Code::UnknownName, format!("unknown type `{}`", name.node))
                .primary(name.span, "not a declared enum or a built-in type");
        let diagnostic = if let Some(help) = unsupported_type_help(&name.node) {
            diagnostic.help(help)
        } else if let Some(number) = number_type_alias(&name.node) {
            diagnostic
                .help(format!("a number is written `{number}`"))
                .fix(name.span, number)
        } else if let Some(candidate) = closest(&name.node, candidates) {
            diagnostic
                .help(format!("did you mean `{candidate}`?"))
                .fix(name.span, candidate)
        } else {
            diagnostic.help("declare it with `enum Name { value, … }`")
        };
        self.error(diagnostic);
        None
    }

    pub(super) fn unit(&mut self, unit: &Spanned<String>) -> Option<Unit> {
        match parse_unit(&unit.node) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                let diagnostic =
                    Diagnostic::new(Code::UnknownUnit, format!("unknown unit `{}`", unit.node))
                        .primary(unit.span, format!("`{}` is not understood", error.part));
                self.error(match unit_alias(&unit.node) {
                    Some(ucum) => diagnostic
                        .help(format!(
                            "gdl writes units in UCUM style: did you mean `{ucum}` (UCUM's symbol for `{}`)?",
                            unit.node
                        ))
                        .fix(unit.span, ucum),
                    None => diagnostic.help(
                        "write units in UCUM style: mg, g/L, mL/min/1.73m2, mm[Hg], 10*9/L, d, wk, mo, a",
                    ),
                });
                None
            }
        }
    }

    pub(super) fn describe_type(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "a bool".to_owned(),
            Type::Number => "a number".to_owned(),
            Type::Quantity(unit) => format!("a quantity in {}", unit.text),
            Type::Enum(id) => format!("an enum `{}`", self.model.enums[id.index()].name),
            Type::Set(id) => format!("a set of `{}`", self.model.enums[id.index()].name),
        }
    }
}

/// Help for a type gdl does not have yet but a newcomer may expect, such as
/// `date`: an enum would be the wrong fix, so say what to use instead.
fn unsupported_type_help(name: &str) -> Option<&'static str> {
    match name.to_lowercase().as_str() {
        "date" | "datetime" | "time" | "timestamp" | "instant" => Some(
            "dates are not supported yet: declare the time that matters as a quantity, \
             e.g. `fact age: quantity a` or `fact days_since_onset: quantity d`, \
             and let the record system compute it",
        ),
        "string" | "str" | "text" => Some(
            "free text cannot be tested: list the possible values with \
             `enum Name { value, … }`, or use a bool fact",
        ),
        _ => None,
    }
}

/// The built-in type for the usual names of a number type.
fn number_type_alias(name: &str) -> Option<&'static str> {
    match name {
        "int" | "integer" | "float" | "double" | "real" | "decimal" | "num" => Some("number"),
        "boolean" => Some("bool"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{found, model};
    use crate::sema::model::*;

    /// `guideline` + `declaration`, as codes and the text they point at.
    fn declared(declaration: &str) -> Vec<(&'static str, String)> {
        let text = format!("guideline g \"G\" {{}}\n{declaration}\n");
        found(&text)
            .into_iter()
            .filter(|(code, _)| !code.starts_with('W'))
            .map(|(code, at)| (code, at.to_owned()))
            .collect()
    }

    #[test]
    fn each_bad_type_is_pointed_at() {
        let cases = [
            ("fact d: duration kg", ("E0302", "kg")),
            ("fact w: quantity kilos", ("E0303", "kilos")),
            ("fact t: date", ("E0201", "date")),
            ("fact n: int", ("E0201", "int")),
            ("fact e: Colour", ("E0201", "Colour")),
        ];
        for (declaration, (code, at)) in cases {
            assert_eq!(
                declared(declaration),
                [(code, at.to_owned())],
                "{declaration}"
            );
        }
    }

    #[test]
    fn a_fact_whose_type_failed_is_not_also_unknown() {
        let text = "guideline g \"G\" {}\nfact t: date\ndefine d = t\n";
        let codes: Vec<&str> = found(text).into_iter().map(|(code, _)| code).collect();
        assert_eq!(codes, ["W0211", "E0201", "W0209"]);
    }

    #[test]
    fn a_duration_is_a_quantity_in_time() {
        let text = "guideline g \"G\" {}\nfact d: duration wk\n";
        let Type::Quantity(unit) = &model(text).facts[0].ty else {
            panic!("not a quantity");
        };
        assert_eq!(unit.text, "wk");
    }
}
