//! Facts written back as JSON, in the shape a facts file uses
//! (`docs/facts.md`): a fact's value ([`FactJson`], which reports show too)
//! and a whole patient ([`witness_json`], the patient that an analysis
//! finding gives as its witness). A witness is a facts document, so it is
//! written here, beside the reader, not by the report.

use crate::eval::{Patient, Value};
use crate::sema::{FactId, Model, Type};

/// A fact's value as a report shows it: in JSON, the same shape a facts file
/// uses (`docs/facts.md`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FactJson<'a> {
    /// Unknown: `null`.
    Unknown,
    /// A bool fact.
    Bool(bool),
    /// A number fact.
    Number(f64),
    /// A quantity in its declared unit: `{"value": x, "unit": u}`.
    Quantity(f64, &'a str),
    /// An enum value's name.
    Enum(&'a str),
    /// A date, as days since 1970-01-01: `"YYYY-MM-DD"`.
    Date(i64),
    /// A set: the enum's values and which of them are in the set.
    Set(&'a [String], u128),
}

impl<'a> FactJson<'a> {
    /// The value of `fact` for a patient.
    pub fn new(model: &'a Model, fact: FactId, value: Value) -> FactJson<'a> {
        let ty = &model.facts.at(fact).ty;
        match (value, ty) {
            (Value::Bool(b), _) => FactJson::Bool(b),
            (Value::Number(x), Type::Quantity(unit)) => FactJson::Quantity(x, &unit.text),
            (Value::Number(x), Type::Date) => FactJson::Date(x.floor() as i64),
            (Value::Number(x), _) => FactJson::Number(x),
            (Value::Enum(v), Type::Enum(id)) => model
                .enums
                .at(*id)
                .values
                .get(v as usize)
                .map_or(FactJson::Unknown, |name| FactJson::Enum(name)),
            (Value::Set(bits), Type::Set(id)) => FactJson::Set(&model.enums.at(*id).values, bits),
            _ => FactJson::Unknown,
        }
    }

    /// The names in a set value, in the enum's order. Visits only the
    /// members, not every value of the enum.
    pub fn set_members(values: &'a [String], bits: u128) -> impl Iterator<Item = &'a str> {
        member_indices(bits).filter_map(|index| values.get(index).map(String::as_str))
    }
}

/// The indices of the members of a set value, in increasing order.
pub(crate) fn member_indices(bits: u128) -> impl Iterator<Item = usize> {
    let mut rest = bits;
    std::iter::from_fn(move || {
        (rest != 0).then(|| {
            let index = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            index
        })
    })
}

/// Appends a fact's value in the shape a facts file uses. Numbers and
/// strings as serde_json writes them, as the report's writer does.
pub fn write_fact(value: FactJson<'_>, out: &mut Vec<u8>) {
    match value {
        FactJson::Unknown => out.extend_from_slice(b"null"),
        FactJson::Bool(true) => out.extend_from_slice(b"true"),
        FactJson::Bool(false) => out.extend_from_slice(b"false"),
        FactJson::Number(x) => {
            let _ = serde_json::to_writer(&mut *out, &x);
        }
        FactJson::Quantity(x, unit) => {
            out.extend_from_slice(b"{\"value\":");
            let _ = serde_json::to_writer(&mut *out, &x);
            out.extend_from_slice(b",\"unit\":");
            let _ = serde_json::to_writer(&mut *out, unit);
            out.push(b'}');
        }
        FactJson::Enum(name) => {
            let _ = serde_json::to_writer(&mut *out, name);
        }
        FactJson::Date(days) => {
            let _ = serde_json::to_writer(&mut *out, &crate::calendar::format_date(days));
        }
        FactJson::Set(values, bits) => {
            out.push(b'[');
            for (index, name) in FactJson::set_members(values, bits).enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, name);
            }
            out.push(b']');
        }
    }
}

/// A witness as one line of facts JSON, keys sorted by name: the facts a
/// facts file gives (computed ones are worked out from them).
pub fn witness_json(model: &Model, patient: &Patient) -> String {
    let mut facts: Vec<(&str, FactId)> = model
        .facts
        .iter_enumerated()
        .filter(|(_, fact)| fact.derived.is_none())
        .map(|(id, fact)| (fact.name.as_str(), id))
        .collect();
    facts.sort_unstable();
    let mut out = Vec::with_capacity(64 * facts.len());
    out.push(b'{');
    for (index, (name, fact)) in facts.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        write_fact(FactJson::new(model, fact, patient.get(fact)), &mut out);
    }
    out.push(b'}');
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_keep_the_facts_file_shape() {
        let values = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let render = |value| {
            let mut out = Vec::new();
            write_fact(value, &mut out);
            String::from_utf8(out).unwrap_or_default()
        };
        assert_eq!(render(FactJson::Unknown), "null");
        assert_eq!(render(FactJson::Bool(true)), "true");
        assert_eq!(render(FactJson::Number(8.0)), "8.0");
        assert_eq!(render(FactJson::Number(-0.0)), "-0.0");
        assert_eq!(
            render(FactJson::Quantity(45.5, "mL/min")),
            r#"{"value":45.5,"unit":"mL/min"}"#
        );
        assert_eq!(render(FactJson::Enum("a\"b")), r#""a\"b""#);
        assert_eq!(render(FactJson::Set(&values, 0b101)), r#"["a","c"]"#);
    }
}
