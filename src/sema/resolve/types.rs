//! Declared types: a fact's type expression to a [`Type`], with unknown
//! types and units, durations not in time and oversized `set of` enums
//! reported.

use super::{MAX_SET_VALUES, Resolver};
use crate::sema::error::{Error, UnitMismatch, UnknownName};
use crate::sema::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::ast;
use crate::units::{Unit, parse_unit};

/// The built-in type names, offered with the enums for a misspelt type.
const BUILTIN_TYPES: [&str; 5] = ["bool", "number", "quantity", "duration", "date"];

impl Resolver {
    fn check_set_size(&mut self, enum_id: EnumId, span: Span) -> Option<EnumId> {
        let size = self.model.enums.at(enum_id).values.len();
        if size <= MAX_SET_VALUES {
            return Some(enum_id);
        }
        self.error(Error::EnumTooLarge { enum_id, span });
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
                    self.error(Error::UnitMismatch(UnitMismatch::DurationNotTime {
                        unit: unit.clone(),
                        found: parsed,
                    }));
                    return None;
                }
                Type::Quantity(parsed)
            }
            ast::TypeExpr::Date => Type::Date,
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
        let candidates = self.enum_names.keys().map(String::as_str);
        self.error(Error::UnknownName(UnknownName::Type {
            name: name.clone(),
            candidates: sorted(candidates.chain(BUILTIN_TYPES)),
        }));
        None
    }

    pub(super) fn unit(&mut self, unit: &Spanned<String>) -> Option<Unit> {
        match parse_unit(&unit.node) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                self.error(Error::UnknownUnit {
                    unit: unit.clone(),
                    part: error.part,
                });
                None
            }
        }
    }
}

/// Names, sorted: the candidates an error carries for "did you mean".
pub(super) fn sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = names.map(str::to_owned).collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::super::MAX_SET_VALUES;
    use super::super::test_support::{found, model, the_error};
    use crate::sema::error::{Error, UnitMismatch, UnknownName};
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
            ("fact t: datetime", ("E0201", "datetime")),
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
        let text = "guideline g \"G\" {}\nfact t: datetime\ndefine d = t\n";
        let codes: Vec<&str> = found(text).into_iter().map(|(code, _)| code).collect();
        assert_eq!(codes, ["W0211", "E0201", "W0209"]);
    }

    #[test]
    fn a_duration_is_a_quantity_in_time() {
        let text = "guideline g \"G\" {}\nfact d: duration wk\n";
        let model = model(text);
        let Type::Quantity(unit) = &model.facts.as_slice()[0].ty else {
            panic!("not a quantity");
        };
        assert_eq!(unit.text, "wk");
    }

    fn type_error(declaration: &str) -> Error {
        the_error(&format!("guideline g \"G\" {{}}\n{declaration}\n"))
    }

    #[test]
    fn an_unknown_type_is_offered_the_enums_and_the_built_in_types() {
        let Error::UnknownName(UnknownName::Type { name, candidates }) =
            type_error("enum Colour { red }\nfact e: Colur")
        else {
            panic!("not an unknown type");
        };
        assert_eq!(name.node, "Colur");
        assert_eq!(
            candidates,
            [
                "Action", "Colour", "bool", "date", "duration", "number", "quantity"
            ]
        );
    }

    #[test]
    fn a_unit_error_carries_the_part_not_understood_or_the_unit_found() {
        assert!(matches!(
            type_error("fact w: quantity kg/zz"),
            Error::UnknownUnit { part, .. } if part == "zz"
        ));
        let Error::UnitMismatch(UnitMismatch::DurationNotTime { unit, found }) =
            type_error("fact d: duration kg")
        else {
            panic!("not a duration error");
        };
        assert_eq!((unit.node.as_str(), found.text.as_str()), ("kg", "kg"));
    }

    #[test]
    fn a_set_of_a_large_enum_names_the_enum() {
        let values: Vec<String> = (0..=MAX_SET_VALUES).map(|i| format!("v{i}")).collect();
        let text = format!("enum Big {{ {} }}\nfact s: set of Big", values.join(", "));
        assert!(matches!(
            type_error(&text),
            Error::EnumTooLarge {
                enum_id: EnumId(0),
                ..
            }
        ));
    }
}
