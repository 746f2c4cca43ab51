//! The serde reader: every valid document, straight into slots. On error
//! it records what went wrong ([`Failure`]) and unwinds; the diagnostic then
//! points at the failing key or value ([`super::locate`]), or, for text
//! that is not JSON, at serde_json's position.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::locate::{locate, offset_of};
use super::{ID_KEY, Seen};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::eval::interp::{Patient, Value};
use crate::eval::program::Program;
use crate::sema::units::parse_unit;
use crate::sema::{EnumId, FactId, Type};
use crate::syntax::Span;

/// A problem found while reading a value, kept until serde unwinds.
struct Failure {
    code: Code,
    key: String,
    message: String,
    label: String,
    help: Option<String>,
}

/// Reads one patient from JSON text. Errors carry spans into `text`.
pub(super) fn parse(program: &Program<'_>, text: &str) -> Result<Patient, Diagnostic> {
    let failure = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = PatientSeed {
        program,
        failure: &failure,
    }
    .deserialize(&mut deserializer)
    .and_then(|patient| deserializer.end().map(|()| patient));
    match result {
        Ok(patient) => Ok(patient),
        Err(error) => Err(match failure.into_inner() {
            Some(failure) => failure_diagnostic(text, failure),
            None => json_error(text, &error),
        }),
    }
}

fn failure_diagnostic(text: &str, failure: Failure) -> Diagnostic {
    let located = locate(text, &failure.key);
    let span = match (failure.code, located) {
        (Code::UnknownFact, Some((key, _))) => key,
        (_, Some((_, value))) => value,
        (_, None) => Span::default(),
    };
    let mut diagnostic =
        Diagnostic::new(failure.code, failure.message).primary(span, failure.label);
    if let Some(help) = failure.help {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

fn json_error(text: &str, error: &serde_json::Error) -> Diagnostic {
    let offset = offset_of(text, error.line(), error.column());
    let message = error.to_string();
    // serde_json appends " at line L column C"; the label shows the place.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head)
        .to_owned();
    let help = if error.is_eof() {
        "the JSON ends early: check for a missing `}` or `]`"
    } else {
        "a facts file is one JSON object: {\"fact_name\": value, …}"
    };
    Diagnostic::new(
        Code::MalformedFacts,
        format!("facts are not valid JSON: {message}"),
    )
    .primary(Span::new(offset, offset), "here")
    .help(help)
}

struct PatientSeed<'a, 'm> {
    program: &'a Program<'m>,
    failure: &'a RefCell<Option<Failure>>,
}

impl<'de> DeserializeSeed<'de> for PatientSeed<'_, '_> {
    type Value = Patient;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Patient, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PatientSeed<'_, '_> {
    type Value = Patient;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of facts")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Patient, A::Error> {
        let mut patient = Patient::unknown(self.program);
        let mut seen = Seen::new(patient.len());
        while let Some(key) = map.next_key_seed(KeySeed {
            program: self.program,
            failure: self.failure,
        })? {
            match key {
                Key::Id => patient.id = map.next_value::<Option<String>>()?,
                Key::Fact(fact) => {
                    if !seen.insert(fact) {
                        let name = &self.program.model.facts[fact.index()].name;
                        return Err(self.fail(Failure {
                            code: Code::MalformedFacts,
                            key: name.clone(),
                            message: format!("fact `{name}` is given twice"),
                            label: "first value".to_owned(),
                            help: Some("give each fact once".to_owned()),
                        }));
                    }
                    let value = map.next_value_seed(ValueSeed {
                        program: self.program,
                        fact,
                        failure: self.failure,
                    })?;
                    patient.set(fact, value);
                }
            }
        }
        Ok(patient)
    }
}

impl PatientSeed<'_, '_> {
    fn fail<E: de::Error>(&self, failure: Failure) -> E {
        record(self.failure, failure)
    }
}

/// Keeps the failure for the diagnostic and gives serde an error to unwind
/// with.
fn record<E: de::Error>(cell: &RefCell<Option<Failure>>, failure: Failure) -> E {
    let error = E::custom(&failure.message);
    *cell.borrow_mut() = Some(failure);
    error
}

enum Key {
    Id,
    Fact(FactId),
}

struct KeySeed<'a, 'm> {
    program: &'a Program<'m>,
    failure: &'a RefCell<Option<Failure>>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_> {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, '_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fact name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        if key == ID_KEY {
            return Ok(Key::Id);
        }
        if let Some(fact) = self.program.names.fact(key.as_bytes()) {
            return Ok(Key::Fact(fact));
        }
        let mut names: Vec<&str> = self.program.fact_slots.keys().map(String::as_str).collect();
        names.sort_unstable();
        let help = did_you_mean(key, names.iter().copied()).unwrap_or_else(|| {
            "every key must be a fact the guideline declares (see docs/facts.md)".to_owned()
        });
        Err(record(
            self.failure,
            Failure {
                code: Code::UnknownFact,
                key: key.to_owned(),
                message: format!("`{key}` is not a fact of this guideline"),
                label: "unknown fact".to_owned(),
                help: Some(help),
            },
        ))
    }
}

struct ValueSeed<'a, 'm> {
    program: &'a Program<'m>,
    fact: FactId,
    failure: &'a RefCell<Option<Failure>>,
}

impl ValueSeed<'_, '_> {
    fn name(&self) -> &str {
        &self.program.model.facts[self.fact.index()].name
    }

    fn ty(&self) -> &Type {
        &self.program.model.facts[self.fact.index()].ty
    }

    fn expected(&self) -> String {
        match self.ty() {
            Type::Bool => "true, false or null".to_owned(),
            Type::Number => "a number or null".to_owned(),
            Type::Quantity(unit) => format!(
                "{{\"value\": <number>, \"unit\": \"{}\"}} or null",
                unit.text
            ),
            Type::Enum(id) => format!(
                "one of the `{}` values as a string, or null",
                self.enum_name(*id)
            ),
            Type::Set(id) => format!("a list of `{}` values, or null", self.enum_name(*id)),
        }
    }

    fn enum_name(&self, id: EnumId) -> &str {
        &self.program.model.enums[id.index()].name
    }

    fn fail<E: de::Error>(
        &self,
        code: Code,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> E {
        let failure = Failure {
            code,
            key: self.name().to_owned(),
            message,
            label: label.to_owned(),
            help,
        };
        record(self.failure, failure)
    }

    fn wrong_type<E: de::Error>(&self, found: &str) -> E {
        let message = format!(
            "fact `{}` expects {}, found {found}",
            self.name(),
            self.expected()
        );
        self.fail(Code::FactTypeMismatch, message, "wrong type", None)
    }

    fn enum_value<E: de::Error>(&self, id: EnumId, text: &str) -> Result<u32, E> {
        let enum_type = &self.program.model.enums[id.index()];
        enum_type.value(text).ok_or_else(|| {
            let help = enum_type.suggest(text);
            self.fail(
                Code::FactUnknownEnumValue,
                format!(
                    "`{text}` is not a value of `{}` (fact `{}`)",
                    enum_type.name,
                    self.name()
                ),
                "not in the enum",
                Some(help),
            )
        })
    }

    fn number<E: de::Error>(&self, value: f64) -> Result<Value, E> {
        match self.ty() {
            Type::Number if value.is_finite() => Ok(Value::Number(value)),
            Type::Quantity(unit) => {
                let message = format!(
                    "fact `{}` is a quantity in {}, but the number has no unit",
                    self.name(),
                    unit.text
                );
                Err(self.fail(
                    Code::FactUnitMismatch,
                    message,
                    "no unit",
                    Some(format!(
                        "write {{\"value\": {value}, \"unit\": \"{}\"}}",
                        unit.text
                    )),
                ))
            }
            _ => Err(self.wrong_type("a number")),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expected())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Unknown)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Unknown)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        match self.ty() {
            Type::Bool => Ok(Value::Bool(value)),
            _ => Err(self.wrong_type(if value { "true" } else { "false" })),
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        self.number(value as f64)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        self.number(value as f64)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        self.number(value)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        match self.ty() {
            Type::Enum(id) => Ok(Value::Enum(self.enum_value(*id, text)?)),
            _ => Err(self.wrong_type(&format!("the string \"{}\"", text.escape_debug()))),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let Type::Set(id) = *self.ty() else {
            return Err(self.wrong_type("a list"));
        };
        let mut bits = 0u128;
        while let Some(element) = seq.next_element_seed(ElementSeed { set: &self, id })? {
            match element {
                Some(value) => bits |= 1u128 << value.min(127),
                None => return Err(self.wrong_type("a list containing a non-string")),
            }
        }
        Ok(Value::Set(bits))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Type::Quantity(declared) = self.ty() else {
            return Err(self.wrong_type("an object"));
        };
        let mut value: Option<Option<f64>> = None;
        let mut unit: Option<Cow<'de, str>> = None;
        while let Some(key) = map.next_key_seed(Text)? {
            match &*key {
                "value" => value = Some(map.next_value()?),
                "unit" => unit = Some(map.next_value_seed(Text)?),
                other => {
                    let message = format!("a quantity has `value` and `unit`, not `{other}`");
                    return Err(self.fail(Code::FactTypeMismatch, message, "unexpected key", None));
                }
            }
        }
        let Some(value) = value else {
            let message = format!("quantity `{}` has no `value`", self.name());
            return Err(self.fail(Code::FactTypeMismatch, message, "missing `value`", None));
        };
        let Some(value) = value else {
            return Ok(Value::Unknown);
        };
        let Some(unit) = unit else {
            let message = format!(
                "quantity `{}` has no `unit`; it is declared in {}",
                self.name(),
                declared.text
            );
            let help = format!(
                "write {{\"value\": {value}, \"unit\": \"{}\"}}",
                declared.text
            );
            return Err(self.fail(
                Code::FactUnitMismatch,
                message,
                "missing `unit`",
                Some(help),
            ));
        };
        if unit == declared.text {
            return Ok(Value::Number(value));
        }
        let given = match parse_unit(&unit) {
            Ok(given) => given,
            Err(_) => {
                let message = format!("unknown unit `{unit}` for `{}`", self.name());
                let help = format!("use a UCUM unit convertible to {}", declared.text);
                return Err(self.fail(Code::FactUnitMismatch, message, "unknown unit", Some(help)));
            }
        };
        if given.dimension != declared.dimension {
            let message = format!(
                "`{}` is measured in {} ({}); `{unit}` measures {}",
                self.name(),
                declared.text,
                declared.dimension,
                given.dimension
            );
            let help = format!("give the value in {} or a convertible unit", declared.text);
            return Err(self.fail(
                Code::FactUnitMismatch,
                message,
                "incompatible unit",
                Some(help),
            ));
        }
        Ok(Value::Number(given.convert(value, declared)))
    }
}

/// A string, borrowed from the text when it has no escapes. Reads what a
/// `String` reads, with the same error ("expected a string").
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_owned()))
    }
}

/// One element of a set: the index of its enum value, or `None` for an
/// element that is not a string (which the set reports as a wrong type,
/// after reading the element).
struct ElementSeed<'s, 'a, 'm> {
    set: &'s ValueSeed<'a, 'm>,
    id: EnumId,
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_, '_, '_> {
    type Value = Option<u32>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<u32>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_, '_, '_> {
    type Value = Option<u32>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enum value name")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Option<u32>, E> {
        self.set.enum_value(self.id, text).map(Some)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<u32>, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<u32>, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}
