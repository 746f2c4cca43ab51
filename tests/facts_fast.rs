//! `parse_patient` reads facts exactly as the serde reader does (the
//! reader that defines the facts format and its diagnostics): the same
//! patient for valid text, the same located diagnostic (code, message,
//! labels, help) for anything else. Checked on every input:
//!
//! - `parse_patient`, what `gdl run` uses (scanner, then serde), against
//!   `parse_patient_reference`, the serde reader alone;
//! - `parse_patient_fast`, the scanner alone: whatever it accepts, the
//!   serde reader accepts with the same values.
//!
//! (When the scanner was written, the serde reader was also checked against
//! a frozen copy of the reader before it; the golden facts-error tests in
//! `tests/run.rs` keep its diagnostics fixed.)
//!
//! Inputs: random fact lines for the shipped guideline, for a guideline with
//! every kind of fact (numbers, enums, `Action`, several units) and for a
//! synthetic guideline with 300 facts; valid ones (any subset of facts, any
//! order, any JSON whitespace, escaped strings, convertible units, null)
//! and broken ones (unknown keys, wrong types, keys given twice, bad units,
//! bad numbers, truncations, random edits).
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops on a broken setup or a wrong result"
)]

#[path = "../benches/common/mod.rs"]
mod common;

use gdl::diagnostics::Diagnostic;
use gdl::eval::{Patient, Program, Value};
use gdl::facts::Reader;
use gdl::sema::{Model, Type};
use proptest::prelude::*;
use proptest::sample::select;
use std::sync::LazyLock;

/// A guideline with every kind of fact the facts format has.
const EVERY_KIND_GDL: &str = r#"guideline facts_types "Every kind of fact" {
  version "1"
}

reference R1 pmid 14501840 "A reference"

enum Level { low, mid, high }

fact ok: bool "A bool"
fact age: number "A number"
fact level: Level "An enum"
fact levels: set of Level "A set"
fact weight: quantity kg "A mass"
fact egfr: quantity mL/min/1.73m2 "A normalised clearance"
fact duration: duration wk "A duration"
fact tried: set of Action "Actions tried"
fact last: Action "The last action"

action treat "Treat"
action wait "Wait"

section main "Main" {
  rule r "R" {
    when ok and age > 3 and level = low and high in levels and weight < 70 kg
      and egfr < 60 mL/min/1.73m2 and duration > 2 wk and wait in tried and last = treat
    then recommend treat
    cite R1
  }
}
"#;

fn compile(text: &str) -> Model {
    gdl::compile(text).model.expect("the guideline compiles")
}

/// A guideline compiled once for all cases (its model lives as long as the
/// tests).
fn program(text: &str) -> Program<'static> {
    Program::new(Box::leak(Box::new(compile(text))))
}

static SHIPPED: LazyLock<Program<'static>> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/guidelines/dermatomyositis.gdl"
    );
    program(&std::fs::read_to_string(path).unwrap())
});

static EVERY_KIND: LazyLock<Program<'static>> = LazyLock::new(|| program(EVERY_KIND_GDL));

/// 300 facts: more than the scanner's inline bitset of seen facts holds.
static MANY_FACTS: LazyLock<Program<'static>> =
    LazyLock::new(|| program(&common::guideline(40, 300)));

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// Values compared bit for bit, so `-0` and `0` differ.
fn same_patient(a: &Patient, b: &Patient) -> bool {
    a.id == b.id
        && a.len() == b.len()
        && a.values().zip(b.values()).all(|(x, y)| match (x, y) {
            (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
            _ => x == y,
        })
}

fn same_result(a: &Result<Patient, Diagnostic>, b: &Result<Patient, Diagnostic>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => same_patient(a, b),
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

/// `parse_patient` and the scanner agree with the serde reader on `text`;
/// returns whether the scanner took it.
fn check(program: &Program<'_>, text: &str) -> bool {
    let serde = Reader::new(program).parse_patient_reference(text);
    let new = Reader::new(program).parse_patient(text);
    assert!(
        same_result(&serde, &new),
        "parse_patient differs on {text:?}\nserde: {serde:?}\nnew: {new:?}"
    );
    match Reader::new(program).parse_patient_fast(text) {
        Some(fast) => {
            assert!(
                serde.as_ref().is_ok_and(|serde| same_patient(serde, &fast)),
                "the scanner accepts {text:?}\nserde: {serde:?}\nfast: {fast:?}"
            );
            true
        }
        None => false,
    }
}

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------
//
// Each generator takes a [`Mode`]: valid text (what a cohort holds, in any
// form JSON allows) or text where each part may also be wrong; strings
// escaped now and then, or never (the lines the scanner is for).

#[derive(Clone, Copy, Debug)]
struct Mode {
    valid: bool,
    escapes: bool,
}

/// JSON whitespace, including none.
fn ws() -> BoxedStrategy<String> {
    prop_oneof![
        6 => Just(String::new()),
        6 => Just(" ".to_owned()),
        2 => select(vec!["  ", "\t", "\n", "\r\n", " \n  ", "\r"]).prop_map(str::to_owned),
    ]
    .boxed()
}

/// `text` with its character `at` escaped (`\uXXXX`, or `\/` for a slash).
fn escape_one(text: &str, at: usize) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| match (i == at, c) {
            (true, '/') => "\\/".to_owned(),
            (true, c) if (c as u32) < 0x10000 => format!("\\u{:04x}", c as u32),
            (_, c) => c.to_string(),
        })
        .collect()
}

/// `text` as a JSON string: plain, or (`mode.escapes`) with one character
/// escaped; when not `mode.valid`, sometimes with a raw control character.
fn quoted(text: String, mode: Mode) -> BoxedStrategy<String> {
    let len = text.chars().count().max(1);
    let plain = format!("\"{text}\"");
    let escaped = (0..len).prop_map(move |at| format!("\"{}\"", escape_one(&text, at)));
    let broken = select(vec!["\t", "\n", "\u{1}"]).prop_map(|c| format!("\"x{c}y\""));
    match (mode.valid, mode.escapes) {
        (true, false) => Just(plain).boxed(),
        (true, true) => prop_oneof![8 => Just(plain), 2 => escaped].boxed(),
        (false, false) => prop_oneof![8 => Just(plain), 1 => broken].boxed(),
        (false, true) => prop_oneof![8 => Just(plain), 2 => escaped, 1 => broken].boxed(),
    }
}

/// Numbers in every form JSON allows; when not `valid`, also out of range
/// or not JSON.
fn number(mode: Mode) -> BoxedStrategy<String> {
    let finite = || any::<f64>().prop_filter("finite", |f| f.is_finite());
    let good = prop_oneof![
        4 => (0u32..400).prop_map(|n| n.to_string()),
        3 => "-?(0|[1-9][0-9]{0,3})\\.[0-9]{1,4}",
        2 => "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,2})?",
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => finite().prop_map(|f| format!("{f:?}")),
        1 => finite().prop_map(|f| format!("{f:e}")),
        1 => select(vec![
            "-0", "-0.0", "0e0", "1E+2", "9007199254740992", "9007199254740993", "1e22",
            "1e23", "1.5e-22", "1e-23", "1e-400", "0.1e-30", "0e999", "4.35", "5.9", "6.1",
        ])
        .prop_map(str::to_owned),
    ];
    let bad = select(vec![
        "1e400",
        "-1e400",
        "01",
        "1.",
        ".5",
        "+1",
        "-",
        "1e",
        "1e+",
        "NaN",
        "Infinity",
        "0x1F",
        "1_0",
        "--1",
        "1e99999999999",
    ])
    .prop_map(str::to_owned);
    match mode.valid {
        true => good.boxed(),
        false => prop_oneof![8 => good, 1 => bad].boxed(),
    }
}

/// Units: the declared one, convertible ones; when not `valid`, also ones
/// of another dimension and unknown ones.
fn unit(declared: &str, mode: Mode) -> BoxedStrategy<String> {
    let dimension = |text: &str| gdl::units::parse_unit(text).ok().map(|u| u.dimension);
    let mut units: Vec<String> = [
        "kg",
        "g",
        "mg",
        "wk",
        "d",
        "mo",
        "a",
        "h",
        "min",
        "mL/min/1.73m2",
        "mL/s/1.73m2",
        "L/min/1.73m2",
        "mL/min",
        "furlong",
        "",
        "KG",
        "1",
    ]
    .into_iter()
    .filter(|unit| {
        !mode.valid || (dimension(unit).is_some() && dimension(unit) == dimension(declared))
    })
    .map(str::to_owned)
    .collect();
    units.push(declared.to_owned());
    let declared = declared.to_owned();
    prop_oneof![
        2 => Just(declared).prop_flat_map(move |unit| quoted(unit, mode)),
        1 => select(units).prop_flat_map(move |unit| quoted(unit, mode)),
    ]
    .boxed()
}

/// A quantity object, keys in either order, a number or null; when not
/// `valid`, also with a key missing, repeated or unknown, or a value or
/// unit of the wrong type.
fn quantity(declared: &str, mode: Mode) -> BoxedStrategy<String> {
    let value = prop_oneof![8 => number(mode), 1 => Just("null".to_owned())].boxed();
    let well_formed = (
        value.clone(),
        unit(declared, mode),
        any::<bool>(),
        ws(),
        ws(),
    )
        .prop_map(|(value, unit, unit_first, a, b)| {
            let value = format!("\"value\":{a}{value}");
            let unit = format!("\"unit\":{b}{unit}");
            match unit_first {
                true => format!("{{{unit},{a}{value}}}"),
                false => format!("{{{a}{value}, {unit}{b}}}"),
            }
        });
    if mode.valid {
        return well_formed.boxed();
    }
    let value = prop_oneof![6 => value, 1 => Just("\"5\"".to_owned())];
    let unit = prop_oneof![8 => unit(declared, mode), 1 => Just("null".to_owned()), 1 => Just("5".to_owned())];
    let entry = prop_oneof![
        4 => value.clone().prop_map(|v| ("\"value\"".to_owned(), v)),
        4 => unit.prop_map(|u| ("\"unit\"".to_owned(), u)),
        1 => value.clone().prop_map(|v| ("\"valeu\"".to_owned(), v)),
        1 => value.prop_map(|v| ("\"v\\u0061lue\"".to_owned(), v)),
    ];
    let any_entries = proptest::collection::vec((entry, ws()), 0..4).prop_map(|entries| {
        let entries: Vec<String> = entries
            .into_iter()
            .map(|((key, value), ws)| format!("{ws}{key}:{ws}{value}{ws}"))
            .collect();
        format!("{{{}}}", entries.join(","))
    });
    prop_oneof![3 => well_formed, 1 => any_entries].boxed()
}

/// A list of enum values (repeats allowed); when not `valid`, sometimes
/// with an unknown value or an element that is not a string.
fn list(values: Vec<String>, mode: Mode) -> BoxedStrategy<String> {
    let known = select(values).prop_flat_map(move |value| quoted(value, mode));
    let element = match mode.valid {
        true => known.boxed(),
        false => prop_oneof![
            12 => known,
            1 => Just("\"not_a_value\"".to_owned()),
            1 => select(vec!["1", "null", "true", "[]", "{}", "[\"a\"]", "{\"a\": [1]}"])
                .prop_map(str::to_owned),
        ]
        .boxed(),
    };
    (proptest::collection::vec((element, ws()), 0..6), ws())
        .prop_map(|(elements, end)| {
            let elements: Vec<String> = elements
                .into_iter()
                .map(|(e, ws)| format!("{ws}{e}"))
                .collect();
            format!("[{}{end}]", elements.join(","))
        })
        .boxed()
}

/// Any JSON value, whatever the fact's type (mostly a wrong type).
fn any_value(model: &Model) -> BoxedStrategy<String> {
    let values = model
        .enums
        .as_slice()
        .first()
        .map_or_else(|| vec!["x".to_owned()], |e| e.values.clone());
    prop_oneof![
        select(vec![
            "true", "false", "null", "\"yes\"", "{}", "[]", "tru", "nul", "True"
        ])
        .prop_map(str::to_owned),
        number(BROKEN),
        quantity("mg", BROKEN),
        list(values, BROKEN),
    ]
    .boxed()
}

/// A value of the fact's type, or null; when not `valid`, sometimes any
/// value at all.
fn value(model: &Model, fact: usize, mode: Mode) -> BoxedStrategy<String> {
    let enum_values = |id: gdl::sema::EnumId| model.enums.at(id).values.clone();
    let typed = match &model.facts.as_slice()[fact].ty {
        Type::Bool => select(vec!["true", "false"])
            .prop_map(str::to_owned)
            .boxed(),
        Type::Number => number(mode),
        Type::Date => {
            let mut dates = vec!["\"2024-02-29\"", "\"1961-12-06\""];
            if !mode.valid {
                dates.push("\"2023-02-29\"");
            }
            select(dates).prop_map(str::to_owned).boxed()
        }
        Type::Quantity(declared) => quantity(&declared.text, mode),
        Type::Enum(id) => {
            let mut values = enum_values(*id);
            if !mode.valid {
                values.push("not_a_value".to_owned());
            }
            select(values)
                .prop_flat_map(move |value| quoted(value, mode))
                .boxed()
        }
        Type::Set(id) => list(enum_values(*id), mode),
    };
    match mode.valid {
        true => prop_oneof![8 => typed, 1 => Just("null".to_owned())].boxed(),
        false => {
            prop_oneof![12 => typed, 2 => Just("null".to_owned()), 1 => any_value(model)].boxed()
        }
    }
}

/// A key: the fact's name, sometimes escaped; when not `valid`, sometimes
/// misspelled.
fn key(model: &Model, fact: usize, mode: Mode) -> BoxedStrategy<String> {
    let name = model.facts.as_slice()[fact].name.clone();
    let misspelled = format!("\"{name}x\"");
    let named = prop_oneof![10 => Just(format!("\"{name}\"")), 1 => quoted(name, mode)];
    match mode.valid {
        true => named.boxed(),
        false => prop_oneof![20 => named, 1 => Just(misspelled)].boxed(),
    }
}

/// `"@id"` values: strings in any JSON spelling, null; when not `valid`,
/// also a number or a raw control character.
fn id_value(mode: Mode) -> BoxedStrategy<String> {
    let good = prop_oneof![
        6 => "[a-zA-Z0-9_-]{0,12}".prop_map(|id| format!("\"{id}\"")),
        2 => "[a-z é€\"\\\\/\n\t]{0,8}"
            .prop_filter("escapes", move |id| mode.escapes || !id.contains(['"', '\\', '\n', '\t']))
            .prop_map(|id| serde_json::to_string(&id).unwrap()),
        1 => "[a-z]{1,4}".prop_flat_map(move |id| quoted(id, mode)),
        1 => Just("null".to_owned()),
    ];
    match mode.valid {
        true => good.boxed(),
        false => {
            prop_oneof![10 => good, 1 => Just("17".to_owned()), 1 => Just("\"a\tb\"".to_owned())]
                .boxed()
        }
    }
}

/// A facts line: any subset of the facts, in declaration order or
/// shuffled, an optional id first or last, any whitespace. When not
/// `valid`, each part may be wrong, and now and then a fact is given twice
/// or an unknown key is added.
fn line_in(model: &Model, mode: Mode) -> BoxedStrategy<String> {
    let count = model.facts.len();
    let entries: Vec<BoxedStrategy<(String, String)>> = (0..count)
        .map(|fact| (key(model, fact, mode), value(model, fact, mode)).boxed())
        .collect();
    let facts = proptest::sample::subsequence((0..count).collect::<Vec<_>>(), 0..=count)
        .prop_flat_map(
            |facts| prop_oneof![3 => Just(facts.clone()), 1 => Just(facts).prop_shuffle()],
        );
    let twice = match mode.valid {
        true => Just(None).boxed(),
        false => prop_oneof![6 => Just(None), 1 => (0..count).prop_map(Some)].boxed(),
    };
    let unknown = match mode.valid {
        true => Just(false).boxed(),
        false => proptest::bool::weighted(0.1).boxed(),
    };
    (
        facts,
        twice,
        unknown,
        any::<prop::sample::Index>(),
        proptest::option::weighted(0.7, (id_value(mode), any::<bool>())),
        proptest::collection::vec(ws(), 8),
    )
        .prop_flat_map(move |(mut facts, twice, unknown, at, id, spaces)| {
            if let Some(fact) = twice {
                facts.insert(at.index(facts.len() + 1), fact);
            }
            let pairs: Vec<BoxedStrategy<(String, String)>> =
                facts.iter().map(|&fact| entries[fact].clone()).collect();
            pairs.prop_map(move |pairs| {
                let ws = |i: usize| spaces[i % spaces.len()].as_str();
                let mut parts: Vec<String> = pairs
                    .iter()
                    .enumerate()
                    .map(|(i, (key, value))| {
                        format!(
                            "{}{key}{}:{}{value}{}",
                            ws(i),
                            ws(i + 1),
                            ws(i + 2),
                            ws(i + 3)
                        )
                    })
                    .collect();
                if let Some((id, first)) = &id {
                    let entry = format!("{}\"@id\":{}{id}", ws(5), ws(6));
                    match first {
                        true => parts.insert(0, entry),
                        false => parts.push(entry),
                    }
                }
                if unknown {
                    parts.insert(parts.len() / 2, "\"unknown_fact\": true".to_owned());
                }
                format!("{}{{{}{}}}{}", ws(7), parts.join(","), ws(4), ws(3))
            })
        })
        .boxed()
}

/// A valid line (`valid`) or one where each part may be wrong; half of
/// them without escapes.
fn line(model: &Model, valid: bool) -> BoxedStrategy<String> {
    prop_oneof![
        line_in(
            model,
            Mode {
                valid,
                escapes: false
            }
        ),
        line_in(
            model,
            Mode {
                valid,
                escapes: true
            }
        ),
    ]
    .boxed()
}

/// Any part may be wrong.
const BROKEN: Mode = Mode {
    valid: false,
    escapes: true,
};

/// Damage to a line: cut it short, drop, replace or insert a character,
/// repeat a stretch, add text after it.
#[derive(Clone, Debug)]
enum Edit {
    Truncate(prop::sample::Index),
    Remove(prop::sample::Index),
    Replace(prop::sample::Index, char),
    Insert(prop::sample::Index, char),
    Repeat(prop::sample::Index, usize),
    Append(&'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    let char_ = select(vec![
        '"', '{', '}', '[', ']', ',', ':', '\\', ' ', '0', '9', '-', '.', 'e', 'n', 'x', '\n', 'é',
        '\u{c}', '\u{a0}', '\u{1}',
    ]);
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Edit::Truncate),
        any::<prop::sample::Index>().prop_map(Edit::Remove),
        (any::<prop::sample::Index>(), char_.clone()).prop_map(|(at, c)| Edit::Replace(at, c)),
        (any::<prop::sample::Index>(), char_).prop_map(|(at, c)| Edit::Insert(at, c)),
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(at, len)| Edit::Repeat(at, len)),
        select(vec!["}", " x", ",", "\n{}", "\u{0}", "{\"a\": 1}"]).prop_map(Edit::Append),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    match edit {
        Edit::Truncate(at) => out.truncate(at.index(chars.len() + 1)),
        Edit::Remove(at) if !chars.is_empty() => {
            out.remove(at.index(chars.len()));
        }
        Edit::Replace(at, c) if !chars.is_empty() => out[at.index(chars.len())] = *c,
        Edit::Insert(at, c) => out.insert(at.index(chars.len() + 1), *c),
        Edit::Repeat(at, len) => {
            let start = at.index(chars.len() + 1);
            let end = (start + len).min(chars.len());
            let stretch: Vec<char> = chars[start..end].to_vec();
            out.splice(start..start, stretch);
        }
        Edit::Append(tail) => out.extend(tail.chars()),
        _ => {}
    }
    out.into_iter().collect()
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(1000))]

    #[test]
    fn valid_lines_read_as_before(text in line(SHIPPED.model, true)) {
        check(&SHIPPED, &text);
    }

    #[test]
    fn valid_lines_of_every_kind_read_as_before(text in line(EVERY_KIND.model, true)) {
        check(&EVERY_KIND, &text);
    }

    #[test]
    fn broken_lines_fail_as_before(text in line(SHIPPED.model, false)) {
        check(&SHIPPED, &text);
    }

    #[test]
    fn broken_lines_of_every_kind_fail_as_before(text in line(EVERY_KIND.model, false)) {
        check(&EVERY_KIND, &text);
    }

    #[test]
    fn damaged_lines_fail_as_before(
        mut text in line(SHIPPED.model, true),
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        for edit in &edits {
            text = apply(&text, edit);
            check(&SHIPPED, &text);
        }
    }

    #[test]
    fn damaged_lines_of_every_kind_fail_as_before(
        mut text in line(EVERY_KIND.model, true),
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        for edit in &edits {
            text = apply(&text, edit);
            check(&EVERY_KIND, &text);
        }
    }
}

proptest! {
    #![proptest_config(cases(100))]

    #[test]
    fn lines_with_many_facts_read_as_before(
        text in line(MANY_FACTS.model, true),
        broken in line(MANY_FACTS.model, false),
    ) {
        check(&MANY_FACTS, &text);
        check(&MANY_FACTS, &broken);
    }
}

// ---------------------------------------------------------------------------
// Fixed cases
// ---------------------------------------------------------------------------

/// The benchmark cohort: every line is valid, the scanner takes every one
/// (or the speed-up is gone), and reads each as before.
#[test]
fn the_scanner_takes_every_line_of_the_benchmark_cohort() {
    for line in common::dermatomyositis_cohort(2_000, 0x00c0_ffee, 10) {
        assert!(check(&SHIPPED, &line), "left to serde: {line}");
        assert!(Reader::new(&SHIPPED).parse_patient(&line).is_ok());
    }
}

/// Cases on the boundary of what the scanner takes: each is read as before,
/// and the scanner takes exactly the ones marked.
#[test]
fn boundary_cases_read_as_before() {
    let program = &EVERY_KIND;
    let cases: &[(&str, bool)] = &[
        (r#"{}"#, true),
        (" \t\r\n{ }\n", true),
        (r#"{"@id": "p1", "ok": true, "age": 67}"#, true),
        (r#"{"age": -0}"#, true),
        (r#"{"age": -0.0e3}"#, true),
        (r#"{"age": 9007199254740992}"#, true),
        (r#"{"age": 9007199254740993}"#, false),
        (r#"{"age": 0.1}"#, true),
        (r#"{"age": 0.30000000000000004}"#, false),
        (r#"{"age": 1e22}"#, true),
        (r#"{"age": 1e23}"#, false),
        (r#"{"age": 1e400}"#, false),
        (r#"{"age": 01}"#, false),
        (
            r#"{"level": "mid", "levels": ["high", "low", "high"]}"#,
            true,
        ),
        (r#"{"levels": []}"#, true),
        (r#"{"levels": [ ]}"#, true),
        (r#"{"levels": ["h\u0069gh"]}"#, false),
        (r#"{"levels": ["high",]}"#, false),
        (r#"{"tried": ["wait", "treat"], "last": "wait"}"#, true),
        (r#"{"weight": {"value": 70, "unit": "kg"}}"#, true),
        (r#"{"weight": {"unit": "g", "value": 70000}}"#, true),
        (r#"{"weight": {"value": null, "unit": "nonsense"}}"#, true),
        (r#"{"weight": {"value": null}}"#, true),
        (r#"{"weight": {"value": 70}}"#, false),
        (r#"{"weight": {"value": 70, "unit": "wk"}}"#, false),
        (
            r#"{"weight": {"value": 70, "value": 71, "unit": "kg"}}"#,
            false,
        ),
        (r#"{"weight": {"value": 70, "unit": "k\u0067"}}"#, false),
        (r#"{"weight": 70}"#, false),
        (r#"{"duration": {"value": 6, "unit": "mo"}}"#, true),
        (r#"{"egfr": {"value": 0.75, "unit": "mL/s/1.73m2"}}"#, true),
        (r#"{"ok": true, "ok": false}"#, false),
        (r#"{"ok": null, "ok": null}"#, false),
        (r#"{"@id": "a", "@id": "b"}"#, false),
        (r#"{"@id": null}"#, true),
        (r#"{"@id": "p\u00e9"}"#, false),
        (r#"{"@id": "pé€"}"#, true),
        (r#"{"\u006fk": true}"#, false),
        (r#"{"okk": true}"#, false),
        (r#"{"ok": "true"}"#, false),
        (r#"{"ok": true,}"#, false),
        (r#"{"ok": true} x"#, false),
        (r#"{"ok": truex}"#, false),
        (r#"{"ok": tru"#, false),
        (r#"["ok"]"#, false),
        ("\u{feff}{}", false),
        ("{\u{c}}", false),
        ("", false),
    ];
    for &(text, fast) in cases {
        assert_eq!(check(program, text), fast, "{text}");
    }
}

/// The facts files of the golden tests and the documentation's examples.
#[test]
fn test_files_read_as_before() {
    let demo = compile(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/guidelines/demo.gdl"
        ))
        .unwrap(),
    );
    let program = Program::new(&demo);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/facts");
    let mut read = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        check(&program, &text);
        read += 1;
    }
    assert!(read >= 5);
    for text in [
        r#"{"@id": "p1", "muscle_weakness": true, "failed": [], "skin_flare": false}"#,
        r#"{"@id": "p2", "muscle_weakness": "yes"}"#,
        r#"{"@id": "p4", "egfr": 45}"#,
        r#"{"egfr": {"value": 45, "unit": "mL/min"}}"#,
        r#"{"egfr": {"value": 1.5, "unit": "mL/s/1.73m2"}, "sex": "female", "pregnant": false}"#,
    ] {
        check(&program, text);
    }
}

/// A document over the size limit is refused before either reader runs.
#[test]
fn oversized_documents_are_refused_as_before() {
    let text = format!(
        "{{\"ok\": true{}}}",
        " ".repeat(gdl::facts::MAX_FACTS_BYTES)
    );
    assert!(!check(&EVERY_KIND, &text));
}
