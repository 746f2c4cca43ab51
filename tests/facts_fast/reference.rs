//! A frozen copy of `src/eval/facts.rs` as it was before the fast path
//! (commit 67c8033): the reference the new `parse_patient` must agree
//! with. Do not edit: it is the "before" of the equivalence tests.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use gdl::diagnostics::{Code, Diagnostic, did_you_mean};
use gdl::eval::{Patient, Program, Value};
use gdl::sema::units::parse_unit;
use gdl::sema::{FactId, Type};
use gdl::syntax::Span;

/// The key that carries a patient identifier; fact names cannot start with `@`.
pub const ID_KEY: &str = "@id";

/// Largest facts document read for one patient, in bytes.
pub const MAX_FACTS_BYTES: usize = 16 * 1024 * 1024;

/// A problem found while reading a value, kept until serde unwinds.
struct Failure {
    code: Code,
    key: String,
    message: String,
    label: String,
    help: Option<String>,
}

/// Reads one patient from JSON text. Errors carry spans into `text`.
pub fn parse_patient(program: &Program<'_>, text: &str) -> Result<Patient, Diagnostic> {
    if text.len() > MAX_FACTS_BYTES {
        return Err(Diagnostic::new(
            Code::MalformedFacts,
            format!("facts for one patient are limited to {MAX_FACTS_BYTES} bytes"),
        )
        .help("for many patients, use one JSON object per line (NDJSON)"));
    }
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

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, content) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += content.len();
    }
    text.len()
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
        let mut seen = vec![false; patient.values.len()];
        while let Some(key) = map.next_key_seed(KeySeed {
            program: self.program,
            failure: self.failure,
        })? {
            match key {
                Key::Id => patient.id = map.next_value::<Option<String>>()?,
                Key::Fact(fact) => {
                    if std::mem::replace(&mut seen[fact.index()], true) {
                        let name = &self.program.model.facts[fact.index()].name;
                        return Err(self.fail(Failure {
                            code: Code::MalformedFacts,
                            key: name.clone(),
                            message: format!("fact `{name}` is given twice"),
                            label: "first value".to_owned(),
                            help: Some("give each fact once".to_owned()),
                        }));
                    }
                    patient.values[fact.index()] = map.next_value_seed(ValueSeed {
                        program: self.program,
                        fact,
                        failure: self.failure,
                    })?;
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
        if let Some(&fact) = self.program.fact_slots.get(key) {
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

    fn enum_name(&self, id: gdl::sema::EnumId) -> &str {
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

    fn enum_value<E: de::Error>(&self, id: gdl::sema::EnumId, text: &str) -> Result<u32, E> {
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
        while let Some(element) = seq.next_element::<SetElement>()? {
            match element {
                SetElement::Name(name) => bits |= 1u128 << self.enum_value(id, &name)?.min(127),
                SetElement::Other => return Err(self.wrong_type("a list containing a non-string")),
            }
        }
        Ok(Value::Set(bits))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Type::Quantity(declared) = self.ty().clone() else {
            return Err(self.wrong_type("an object"));
        };
        let mut value: Option<Option<f64>> = None;
        let mut unit: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "value" => value = Some(map.next_value()?),
                "unit" => unit = Some(map.next_value()?),
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
        Ok(Value::Number(given.convert(value, &declared)))
    }
}

/// A set element: a name, or anything else (an error).
enum SetElement {
    Name(String),
    Other,
}

impl<'de> de::Deserialize<'de> for SetElement {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = SetElement;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum value name")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SetElement, E> {
                Ok(SetElement::Name(text.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<SetElement, E> {
                Ok(SetElement::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<SetElement, E> {
                Ok(SetElement::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<SetElement, E> {
                Ok(SetElement::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<SetElement, E> {
                Ok(SetElement::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<SetElement, E> {
                Ok(SetElement::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SetElement, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(SetElement::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SetElement, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(SetElement::Other)
            }
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}

/// Finds the spans of a top-level key and its value in a JSON object.
/// Only used on the error path, after serde has validated the structure up
/// to the failing key. Iterative, so deep nesting cannot overflow.
fn locate(text: &str, wanted: &str) -> Option<(Span, Span)> {
    let bytes = text.as_bytes();
    let mut index = skip_ws(bytes, 0);
    if bytes.get(index) != Some(&b'{') {
        return None;
    }
    index += 1;
    loop {
        index = skip_ws(bytes, index);
        if bytes.get(index) != Some(&b'"') {
            return None;
        }
        let key_start = index;
        index = skip_string(bytes, index)?;
        let key_span = Span::new(key_start, index);
        let key: Option<String> = serde_json::from_str(text.get(key_start..index)?).ok();
        index = skip_ws(bytes, index);
        if bytes.get(index) != Some(&b':') {
            return None;
        }
        index = skip_ws(bytes, index + 1);
        let value_start = index;
        index = skip_value(bytes, index)?;
        if key.as_deref() == Some(wanted) {
            return Some((key_span, Span::new(value_start, index)));
        }
        index = skip_ws(bytes, index);
        match bytes.get(index) {
            Some(b',') => index += 1,
            _ => return None,
        }
    }
}

fn skip_ws(bytes: &[u8], mut index: usize) -> usize {
    while bytes.get(index).is_some_and(|b| b.is_ascii_whitespace()) {
        index += 1;
    }
    index
}

/// `index` at an opening quote; returns the index after the closing quote.
fn skip_string(bytes: &[u8], mut index: usize) -> Option<usize> {
    index += 1;
    loop {
        match bytes.get(index)? {
            b'\\' => index += 2,
            b'"' => return Some(index + 1),
            _ => index += 1,
        }
    }
}

fn skip_value(bytes: &[u8], mut index: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match bytes.get(index) {
            Some(b'"') => index = skip_string(bytes, index)?,
            Some(b'{' | b'[') => {
                depth += 1;
                index += 1;
            }
            Some(b'}' | b']') => {
                if depth == 0 {
                    return Some(index);
                }
                depth -= 1;
                index += 1;
            }
            Some(b',') if depth == 0 => return Some(index),
            Some(b) if depth == 0 && b.is_ascii_whitespace() => return Some(index),
            Some(_) => index += 1,
            None => return Some(index),
        }
        if depth == 0 && matches!(bytes.get(index.wrapping_sub(1)), Some(b'}' | b']' | b'"')) {
            return Some(index);
        }
    }
}
