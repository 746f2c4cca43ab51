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
use super::{Names, Reader};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::eval::{Patient, Program, Value};
use crate::sema::{EnumId, FactId, Type};
use crate::span::Span;
use crate::units::parse_unit;

/// A problem found while reading a value, kept until serde unwinds.
struct Failure {
    code: Code,
    /// The top-level key whose value is wrong; `None` for the document
    /// itself (not an object).
    key: Option<String>,
    message: String,
    label: String,
    help: Option<String>,
}

/// What the text being read is, for the help of an error that depends on
/// it (several JSON values where one was expected).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// A facts file, or standard input read as one document.
    Document,
    /// One line of an NDJSON cohort.
    Line,
}

/// Reads one patient from JSON text. Errors carry spans into `text`.
pub(super) fn parse(reader: &Reader<'_>, text: &str, shape: Shape) -> Result<Patient, Diagnostic> {
    let failure = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = PatientSeed {
        program: reader.program,
        names: &reader.names,
        failure: &failure,
    }
    .deserialize(&mut deserializer)
    .and_then(|patient| deserializer.end().map(|()| patient));
    match result {
        Ok(patient) => Ok(patient),
        Err(error) => Err(match failure.into_inner() {
            Some(failure) => failure_diagnostic(text, failure),
            None => json_error(text, &error, shape),
        }),
    }
}

fn failure_diagnostic(text: &str, failure: Failure) -> Diagnostic {
    let span = match &failure.key {
        Some(key) => match (failure.code, locate(text, key)) {
            (Code::UnknownFact, Some((key, _))) => key,
            (_, Some((_, value))) => value,
            (_, None) => Span::default(),
        },
        None => {
            let start = text.len() - text.trim_start().len();
            let end = text.trim_end().len().max(start);
            // The whole value when it is short, its first character if not.
            if end - start <= 40 {
                Span::new(start, end)
            } else {
                Span::new(start, start + 1)
            }
        }
    };
    let mut diagnostic =
        Diagnostic::new(failure.code, failure.message).primary(span, failure.label);
    if let Some(help) = failure.help {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

fn json_error(text: &str, error: &serde_json::Error, shape: Shape) -> Diagnostic {
    let offset = offset_of(text, error.line(), error.column());
    let message = error.to_string();
    // serde_json appends " at line L column C"; the label shows the place.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head)
        .to_owned();
    // serde_json stops at the first character after the value it read.
    let another_object = message == "trailing characters"
        && text.get(offset..).is_some_and(|rest| rest.starts_with('{'));
    let help = if error.is_eof() {
        "the JSON ends early: check for a missing `}` or `]`"
    } else if another_object && shape == Shape::Document {
        "a facts file holds one patient, as one JSON object; for a cohort, write one patient's \
         object per line in a file named `.ndjson` or `.jsonl`, or pass `--ndjson`"
    } else if another_object {
        "each line of a cohort holds one patient: put each object on a line of its own"
    } else {
        "a facts file is one JSON object: {\"fact_name\": value, …}"
    };
    let message = match (another_object, shape) {
        (true, Shape::Document) => "the facts are more than one JSON object".to_owned(),
        (true, Shape::Line) => "this line holds more than one JSON object".to_owned(),
        (false, _) => format!("facts are not valid JSON: {message}"),
    };
    Diagnostic::new(Code::MalformedFacts, message)
        .primary(
            Span::new(offset, offset),
            if another_object {
                "another object"
            } else {
                "here"
            },
        )
        .help(help)
}

struct PatientSeed<'a, 'm> {
    program: &'a Program<'m>,
    names: &'a Names,
    failure: &'a RefCell<Option<Failure>>,
}

impl<'de> DeserializeSeed<'de> for PatientSeed<'_, '_> {
    type Value = Patient;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Patient, D::Error> {
        // Any value, so one that is not an object can be named.
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PatientSeed<'_, '_> {
    type Value = Patient;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of facts")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Patient, E> {
        Err(self.not_an_object(&Found::Bool(value).to_string()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Patient, E> {
        Err(self.not_an_object(&Found::Number(value as f64).to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Patient, E> {
        Err(self.not_an_object(&Found::Number(value as f64).to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Patient, E> {
        Err(self.not_an_object(&Found::Number(value).to_string()))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Patient, E> {
        Err(self.not_an_object(&Found::Str(text).to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Patient, E> {
        Err(self.not_an_object(&Found::Null.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Patient, A::Error> {
        Err(self.not_an_object(&Found::List.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Patient, A::Error> {
        let mut patient = Patient::unknown(self.program);
        let mut seen = Seen::new(patient.len());
        while let Some(key) = map.next_key_seed(KeySeed {
            program: self.program,
            names: self.names,
            failure: self.failure,
        })? {
            match key {
                Key::Id => {
                    patient.id = map.next_value_seed(IdSeed {
                        failure: self.failure,
                    })?;
                }
                Key::Fact(fact) => {
                    if !seen.insert(fact) {
                        let name = &self.program.model.facts.at(fact).name;
                        return Err(self.fail(Failure {
                            code: Code::MalformedFacts,
                            key: Some(name.clone()),
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
        self.program.derive(&mut patient);
        Ok(patient)
    }
}

impl PatientSeed<'_, '_> {
    fn fail<E: de::Error>(&self, failure: Failure) -> E {
        record(self.failure, failure)
    }

    fn not_an_object<E: de::Error>(&self, found: &str) -> E {
        self.fail(Failure {
            code: Code::MalformedFacts,
            key: None,
            message: format!("the facts must be a JSON object, found {found}"),
            label: "not an object".to_owned(),
            help: Some("a facts file is one JSON object: {\"fact_name\": value, …}".to_owned()),
        })
    }
}

/// What a value turned out to be, for "expects X, found Y". Strings are
/// quoted, and cut short: a value may be a whole line long.
enum Found<'t> {
    Null,
    Bool(bool),
    Number(f64),
    Str(&'t str),
    List,
    Object,
}

/// Longest string quoted whole in a message, in chars.
const QUOTED_CHARS: usize = 40;

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Null => f.write_str("null"),
            Found::Bool(value) => write!(f, "{value}"),
            Found::Number(value) => write!(f, "the number {value}"),
            Found::Str(text) => write!(f, "the string \"{}\"", quoted(text)),
            Found::List => f.write_str("a list"),
            Found::Object => f.write_str("an object"),
        }
    }
}

/// `text` escaped for a message, cut to [`QUOTED_CHARS`] with an ellipsis.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text).escape_debug()),
        None => text.escape_debug().to_string(),
    }
}

/// The help for a number or a literal written as a string: the same
/// without quotes, when that is what was meant.
fn unquote_help(text: &str, ty: &Type) -> Option<String> {
    let unquoted = match ty {
        Type::Number => serde_json::from_str::<f64>(text).is_ok_and(f64::is_finite),
        Type::Bool => matches!(text, "true" | "false"),
        _ => false,
    };
    unquoted.then(|| format!("write the value without quotes: {text}"))
}

/// The value of `@id`: a string or null.
struct IdSeed<'a> {
    failure: &'a RefCell<Option<Failure>>,
}

impl IdSeed<'_> {
    fn wrong<E: de::Error>(&self, found: &Found<'_>) -> E {
        record(
            self.failure,
            Failure {
                code: Code::MalformedFacts,
                key: Some(ID_KEY.to_owned()),
                message: format!("`{ID_KEY}` expects a string or null, found {found}"),
                label: "wrong type".to_owned(),
                help: Some(format!(
                    "the patient identifier is a string: \"{ID_KEY}\": \"p1\""
                )),
            },
        )
    }
}

impl<'de> DeserializeSeed<'de> for IdSeed<'_> {
    type Value = Option<String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdSeed<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(text.to_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Err(self.wrong(&Found::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Err(self.wrong(&Found::Number(value as f64)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Err(self.wrong(&Found::Number(value as f64)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Err(self.wrong(&Found::Number(value)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong(&Found::List))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong(&Found::Object))
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
    names: &'a Names,
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
        if let Some(fact) = self.names.fact(key.as_bytes()) {
            return Ok(Key::Fact(fact));
        }
        let facts = &self.program.model.facts;
        if let Some(computed) = self
            .program
            .fact_slots
            .get(key)
            .and_then(|id| facts.get(*id))
            .and_then(|fact| fact.derived.as_ref())
        {
            let inputs: Vec<String> = computed
                .inputs
                .iter()
                .map(|input| format!("`{}`", facts.at(*input).name))
                .collect();
            return Err(record(
                self.failure,
                Failure {
                    code: Code::UnknownFact,
                    key: Some(key.to_owned()),
                    message: format!(
                        "`{}` is computed by the guideline, not read from the facts",
                        quoted(key)
                    ),
                    label: "computed value".to_owned(),
                    help: Some(format!(
                        "give the facts it is computed from instead: {}",
                        inputs.join(", ")
                    )),
                },
            ));
        }
        let mut names: Vec<&str> = self
            .program
            .fact_slots
            .iter()
            .filter(|(_, id)| facts.get(**id).is_some_and(|f| f.derived.is_none()))
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        let help = did_you_mean(key, names.iter().copied()).unwrap_or_else(|| {
            "every key must be a fact the guideline declares (see docs/facts.md)".to_owned()
        });
        Err(record(
            self.failure,
            Failure {
                code: Code::UnknownFact,
                key: Some(key.to_owned()),
                message: format!("`{}` is not a fact of this guideline", quoted(key)),
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
        &self.program.model.facts.at(self.fact).name
    }

    fn ty(&self) -> &Type {
        &self.program.model.facts.at(self.fact).ty
    }

    fn expected(&self) -> String {
        match self.ty() {
            Type::Bool => "true, false or null".to_owned(),
            Type::Number => "a number or null".to_owned(),
            Type::Date => "a date as a string \"YYYY-MM-DD\", or null".to_owned(),
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
        &self.program.model.enums.at(id).name
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
            key: Some(self.name().to_owned()),
            message,
            label: label.to_owned(),
            help,
        };
        record(self.failure, failure)
    }

    fn wrong_type<E: de::Error>(&self, found: &Found<'_>) -> E {
        let message = format!(
            "fact `{}` expects {}, found {found}",
            self.name(),
            self.expected()
        );
        let help = match found {
            Found::Str(text) => unquote_help(text, self.ty()),
            _ => None,
        };
        self.fail(Code::FactTypeMismatch, message, "wrong type", help)
    }

    /// A quantity's `value` or `unit` of the wrong type.
    fn wrong_part<E: de::Error>(&self, part: &str, expected: &str, found: &Found<'_>) -> E {
        let message = format!(
            "fact `{}`: `{part}` expects {expected}, found {found}",
            self.name()
        );
        let help = match (part, found) {
            ("value", Found::Str(text)) => unquote_help(text, &Type::Number),
            _ => None,
        };
        self.fail(Code::FactTypeMismatch, message, "wrong type", help)
    }

    fn enum_value<E: de::Error>(&self, id: EnumId, text: &str) -> Result<u32, E> {
        let enum_type = &self.program.model.enums.at(id);
        enum_type.value(text).ok_or_else(|| {
            let help = enum_type.suggest(text);
            self.fail(
                Code::FactUnknownEnumValue,
                format!(
                    "`{}` is not a value of `{}` (fact `{}`)",
                    quoted(text),
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
            _ => Err(self.wrong_type(&Found::Number(value))),
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
            _ => Err(self.wrong_type(&Found::Bool(value))),
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
            Type::Date => match crate::calendar::parse_date(text) {
                Some(days) => Ok(Value::Number(days as f64)),
                None => {
                    let message = format!(
                        "fact `{}` expects a date as \"YYYY-MM-DD\", found \"{}\"",
                        self.name(),
                        quoted(text)
                    );
                    let help = "write the date as year, month and day, e.g. \"2026-12-06\" (a real date: 2023-02-29 is not one)";
                    Err(self.fail(
                        Code::FactTypeMismatch,
                        message,
                        "not a date",
                        Some(help.to_owned()),
                    ))
                }
            },
            _ => Err(self.wrong_type(&Found::Str(text))),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let Type::Set(id) = *self.ty() else {
            return Err(self.wrong_type(&Found::List));
        };
        let mut bits = 0u128;
        while let Some(element) = seq.next_element_seed(ElementSeed { set: &self, id })? {
            match element {
                Ok(value) => bits |= 1u128 << value.min(127),
                Err(found) => {
                    let message = format!(
                        "fact `{}` expects {}, found a list containing {found}",
                        self.name(),
                        self.expected()
                    );
                    return Err(self.fail(Code::FactTypeMismatch, message, "wrong type", None));
                }
            }
        }
        Ok(Value::Set(bits))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Type::Quantity(declared) = self.ty() else {
            return Err(self.wrong_type(&Found::Object));
        };
        let mut value: Option<Option<f64>> = None;
        let mut unit: Option<Cow<'de, str>> = None;
        while let Some(key) = map.next_key_seed(Part)? {
            // JSON keys are strings: the other arm is never taken.
            let PartValue::Text(key) = key else {
                return Err(de::Error::custom("a key that is not a string"));
            };
            match &*key {
                "value" => {
                    value = Some(match map.next_value_seed(Part)? {
                        PartValue::Null => None,
                        PartValue::Number(number) => Some(number),
                        other => {
                            let found = other.found();
                            return Err(self.wrong_part("value", "a number or null", &found));
                        }
                    });
                }
                "unit" => {
                    unit = Some(match map.next_value_seed(Part)? {
                        PartValue::Text(text) => text,
                        other => {
                            let expected = format!("a string such as \"{}\"", declared.text);
                            let found = other.found();
                            return Err(self.wrong_part("unit", &expected, &found));
                        }
                    });
                }
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

/// The value of a quantity's `value` or `unit`, whatever its type, so a
/// wrong one can be named. Strings are borrowed from the text when they
/// have no escapes.
struct Part;

/// What [`Part`] read.
enum PartValue<'de> {
    Null,
    Bool(bool),
    Number(f64),
    Text(Cow<'de, str>),
    List,
    Object,
}

impl PartValue<'_> {
    fn found(&self) -> Found<'_> {
        match self {
            PartValue::Null => Found::Null,
            PartValue::Bool(value) => Found::Bool(*value),
            PartValue::Number(value) => Found::Number(*value),
            PartValue::Text(text) => Found::Str(text),
            PartValue::List => Found::List,
            PartValue::Object => Found::Object,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Part {
    type Value = PartValue<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Part {
    type Value = PartValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(PartValue::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(PartValue::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(PartValue::Number(value as f64))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(PartValue::Number(value as f64))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(PartValue::Number(value))
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(PartValue::Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(PartValue::Text(Cow::Owned(text.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(PartValue::List)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(PartValue::Object)
    }
}

/// One element of a set: the index of its enum value, or, for an element
/// that is not a string, what it is (which the set reports as a wrong
/// type, after reading the element).
struct ElementSeed<'s, 'a, 'm> {
    set: &'s ValueSeed<'a, 'm>,
    id: EnumId,
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_, '_, '_> {
    type Value = Result<u32, String>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_, '_, '_> {
    type Value = Result<u32, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enum value name")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        self.set.enum_value(self.id, text).map(Ok)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Err(Found::Bool(value).to_string()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Err(Found::Number(value as f64).to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Err(Found::Number(value as f64).to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Err(Found::Number(value).to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(Found::Null.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Err(Found::List.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Err(Found::Object.to_string()))
    }
}
