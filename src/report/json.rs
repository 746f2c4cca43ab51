//! The JSON rendering of a [`Report`] (schema `gdl-report/2`, documented in
//! `docs/report.md`, machine-checkable in `docs/report.schema.json`).
//!
//! Written straight into a byte buffer: a cohort run writes one report per
//! patient, so this is on the hot path, and a buffer the caller reuses
//! costs no allocation. What is the same in every report of a guideline (an
//! action with its label, a rule with its title, a fact's name, a reference)
//! can be rendered once into [`Fragments`] and copied; the fragments are
//! made by the same code that writes them without, so there is one
//! definition of the shape. With fragments, a report also copies what it
//! has written already (a fact's value, a rule's list of facts) when it
//! needs it again. The indented form is this output re-indented by
//! serde_json.

use super::{
    AvoidItem, BranchItem, Builder, CautionItem, Citation, EscalationItem, EscalationReason,
    FactJson, Facts, RecommendedItem, Report, RuleInfo, WithheldItem,
};
use std::io::Write as _;

use crate::eval::{Avoidance, Evaluation, Patient, Program, Recommendation, Value};
use crate::sema::{ActionId, FactId, Model, ReferenceId, RuleId, Type};

/// JSON text that is the same in every report of one guideline, rendered
/// once: for writing many reports. Use it only with reports built from the
/// model it was made from.
#[derive(Debug, Default)]
pub struct Fragments {
    /// `"action":…,"label":…` by action.
    actions: Vec<Box<[u8]>>,
    /// `{"name":…,"title":…,"strength":…,"certainty":…}` by rule.
    rules: Vec<Box<[u8]>>,
    /// `{"fact":…,"value":` by fact.
    facts: Vec<Box<[u8]>>,
    /// A whole `{"fact":…,"value":…}` by fact, for the values that need no
    /// rendering: `[null]`, `[null, false, true]` for a bool fact,
    /// `[null, value 0, value 1, …]` for an enum fact.
    fact_values: Vec<Vec<Box<[u8]>>>,
    /// Whether a report copies what it has already written when it needs it
    /// again (see [`Written`]); off for the plain writer.
    copy_written: bool,
    /// `"key":{"citation":…,"pmid":…,"doi":…,"link":…}` by reference.
    references: Vec<Box<[u8]>>,
    /// `"key"` by reference.
    keys: Vec<Box<[u8]>>,
    /// `"name"` by fact.
    fact_names: Vec<Box<[u8]>>,
    /// `{"schema":…,"guideline":{…},"patient":`, the start of every report;
    /// none in the empty fragments (nothing to copy).
    head: Option<Box<[u8]>>,
    /// `{"action":…,"label":…,"rule":{…}`, the start of an item, by rule,
    /// for each action the rule lists.
    item_heads: Vec<Vec<(ActionId, Box<[u8]>)>>,
    /// `"value"` of each enum, by enum.
    enum_values: Vec<Vec<Box<[u8]>>>,
    /// A rule's citation list `[…]` by rule, with the list it renders.
    rule_citations: Vec<CitationList>,
    /// `,"because":…,"needs":` and the citation list of a caution, by
    /// action and clause.
    cautions: Vec<Vec<(Box<[u8]>, CitationList)>>,
}

/// A rendered citation list, `[…]`, and the references it lists: copied
/// only for an item that cites exactly those.
#[derive(Debug, Default)]
struct CitationList {
    ids: Box<[ReferenceId]>,
    json: Box<[u8]>,
}

impl Fragments {
    /// Renders the fragments of a model.
    pub fn new(model: &Model) -> Fragments {
        let none = Fragments::default();
        let render = |write: &dyn Fn(&mut Writer<'_>)| render(&none, write);
        Fragments {
            actions: model
                .actions
                .iter_enumerated()
                .map(|(id, action)| {
                    render(&|w| w.action(id, &action.name, action.label.as_deref()))
                })
                .collect(),
            rules: model
                .rules
                .iter_enumerated()
                .map(|(index, rule)| {
                    let info = RuleInfo::of(index, rule);
                    render(&|w| w.rule(&info))
                })
                .collect(),
            facts: model
                .facts
                .iter_enumerated()
                .map(|(index, fact)| render(&|w| w.fact_name(index, &fact.name)))
                .collect(),
            fact_values: fact_values(&none, model),
            copy_written: true,
            references: model
                .references
                .iter_enumerated()
                .map(|(index, reference)| {
                    let citation = Citation::of(index, reference);
                    render(&|w| w.reference(&citation))
                })
                .collect(),
            keys: model
                .references
                .iter()
                .map(|reference| render(&|w| w.string(&reference.key)))
                .collect(),
            fact_names: model
                .facts
                .iter()
                .map(|fact| render(&|w| w.string(&fact.name)))
                .collect(),
            head: Some(render(&|w| {
                w.head(&super::GuidelineInfo::of(model));
            })),
            rule_citations: model
                .rules
                .iter()
                .map(|rule| citation_list(&none, model, &rule.citations))
                .collect(),
            item_heads: item_heads(&none, model),
            enum_values: model
                .enums
                .iter()
                .map(|e| e.values.iter().map(|v| render(&|w| w.string(v))).collect())
                .collect(),
            cautions: cautions(&none, model),
        }
    }
}

/// What `write` writes, with the empty fragments `none` (nothing to copy).
fn render(none: &Fragments, write: &dyn Fn(&mut Writer<'_>)) -> Box<[u8]> {
    let mut out = Vec::new();
    write(&mut Writer::new(&mut out, none, &[]));
    out.into_boxed_slice()
}

/// A citation list; it renders keys only, which need no reference table.
fn citation_list(none: &Fragments, model: &Model, ids: &[ReferenceId]) -> CitationList {
    CitationList {
        ids: ids.into(),
        json: render(none, &|w| {
            w.list(ids, |w, id| {
                let key = model.references.get(*id).map(|r| r.key.as_str());
                w.optional_string(key);
            })
        }),
    }
}

/// [`Fragments::fact_values`]: every fact with each value that needs no
/// rendering.
fn fact_values(none: &Fragments, model: &Model) -> Vec<Vec<Box<[u8]>>> {
    model
        .facts
        .iter_enumerated()
        .map(|(id, fact)| {
            let mut values = vec![Value::Unknown];
            match &fact.ty {
                Type::Bool => values.extend([Value::Bool(false), Value::Bool(true)]),
                Type::Enum(e) => {
                    values.extend((0..model.enums.at(*e).values.len() as u32).map(Value::Enum))
                }
                _ => {}
            }
            values
                .into_iter()
                .map(|value| {
                    render(none, &|w| {
                        w.fact_value(id, &fact.name, FactJson::new(model, id, value))
                    })
                })
                .collect()
        })
        .collect()
}

/// [`Fragments::item_heads`]: by rule, the start of an item for each action
/// the rule lists.
fn item_heads(none: &Fragments, model: &Model) -> Vec<Vec<(ActionId, Box<[u8]>)>> {
    model
        .rules
        .iter_enumerated()
        .map(|(index, rule)| {
            let info = RuleInfo::of(index, rule);
            let mut actions: Vec<ActionId> = rule
                .choices
                .iter()
                .flat_map(|choice| choice.actions.iter().copied())
                .collect();
            actions.sort_unstable();
            actions.dedup();
            actions
                .into_iter()
                .map(|id| {
                    let action = &model.actions.at(id);
                    let head = render(none, &|w| {
                        w.item_head(id, &action.name, action.label.as_deref(), &info);
                    });
                    (id, head)
                })
                .collect()
        })
        .collect()
}

/// [`Fragments::cautions`]: by action and clause, a caution's `because`
/// and its citation list.
fn cautions(none: &Fragments, model: &Model) -> Vec<Vec<(Box<[u8]>, CitationList)>> {
    model
        .actions
        .iter()
        .map(|action| {
            action
                .cautions
                .iter()
                .map(|clause| {
                    (
                        render(none, &|w| w.caution_because(clause.because.as_deref())),
                        citation_list(none, model, &clause.citations),
                    )
                })
                .collect()
        })
        .collect()
}

/// The report as one line of JSON.
pub fn to_string(report: &Report) -> String {
    let mut out = Vec::with_capacity(4096);
    write(report, &Fragments::default(), &mut out);
    into_string(out)
}

/// The report as indented JSON.
pub fn to_string_pretty(report: &Report) -> String {
    let mut out = Vec::with_capacity(4096);
    write(report, &Fragments::default(), &mut out);
    pretty(&out)
}

/// Re-indents one JSON document written by this module (or any valid JSON),
/// keeping the order of keys.
pub fn pretty(compact: &[u8]) -> String {
    let mut out = Vec::with_capacity(compact.len() * 2);
    let mut deserializer = serde_json::Deserializer::from_slice(compact);
    let mut serializer = serde_json::Serializer::pretty(&mut out);
    match serde_transcode::transcode(&mut deserializer, &mut serializer) {
        Ok(()) => into_string(out),
        // Only reachable if the writer produced invalid JSON; say so in JSON.
        Err(error) => format!("{{\"error\":\"cannot indent the report: {error}\"}}"),
    }
}

/// Appends the report as one line of JSON (no newline) to `out`, copying
/// what `fragments` holds (empty [`Fragments`] render everything).
pub fn write(report: &Report, fragments: &Fragments, out: &mut Vec<u8>) {
    let mut w = Writer::new(out, fragments, &report.references);
    if !w.copied(fragments.head.as_deref()) {
        w.head(&report.guideline);
    }
    w.optional_string(report.patient);
    w.raw(",\"recommended\":");
    w.list(&report.recommended, Writer::recommended);
    w.raw(",\"withheld\":");
    w.list(&report.withheld, Writer::withheld);
    w.raw(",\"avoid\":");
    w.list(&report.avoid, Writer::avoid);
    w.raw(",\"escalations\":");
    w.list(&report.escalations, Writer::escalation);
    w.tail(report.nothing_applies);
    w.sequence(b'{', b'}', &report.references, Writer::reference);
    w.raw("}");
}

/// Appends the report of one evaluated patient, as [`write()`] of
/// [`super::build`] would, without the [`Report`] in between: for a
/// cohort, where each item is written as soon as it is built and the
/// references are copied straight from `fragments`. Byte for byte the same
/// output (checked in `tests/run.rs`). Use `fragments` made from the
/// program's model.
pub fn write_evaluation(
    program: &Program<'_>,
    patient: &Patient,
    evaluation: &Evaluation,
    fragments: &Fragments,
    out: &mut Vec<u8>,
) {
    let Some(head) = fragments.head.as_deref() else {
        // Keys of citations are rendered from the report's references.
        return write(&super::build(program, patient, evaluation), fragments, out);
    };
    let builder = Builder::new(program, patient);
    let withheld = builder.withheld_items(evaluation);
    let mut w = Writer::new(out, fragments, &[]);
    w.out.extend_from_slice(head);
    w.optional_string(patient.id.as_deref());
    w.raw(",\"recommended\":");
    w.list(&evaluation.recommended, |w, r| {
        w.recommendation(&builder, r, evaluation)
    });
    w.raw(",\"withheld\":");
    w.list(&withheld, Writer::withheld);
    w.raw(",\"avoid\":");
    w.list(&evaluation.avoided, |w, a| w.avoidance(&builder, a));
    w.raw(",\"escalations\":");
    w.list(&evaluation.escalations, |w, e| {
        w.escalation(&builder.escalation(e));
    });
    w.tail(evaluation.nothing_applies());
    let cited = builder.cited.borrow();
    let model = program.model;
    w.sequence(b'{', b'}', cited.iter(), |w, index| {
        let fragment = w.fragments.references.get(index).map(|b| &**b);
        if !w.copied(fragment)
            && let Some(reference) = model.references.get(ReferenceId::from_index(index))
        {
            w.reference(&Citation::of(ReferenceId::from_index(index), reference));
        }
    });
    w.raw("}");
}

fn into_string(bytes: Vec<u8>) -> String {
    // Everything written is UTF-8: ASCII punctuation and copies of `str`s.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Whether any byte must be escaped in a JSON string. Every byte is looked
/// at, without an early exit, which the compiler turns into vector
/// instructions: faster than stopping early on the short, plain strings
/// of a report.
fn needs_escaping(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &b| {
        found | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

struct Writer<'o> {
    out: &'o mut Vec<u8>,
    fragments: &'o Fragments,
    /// The report's reference table, for keys without a fragment.
    references: &'o [Citation<'o>],
    /// What was written for this report, to copy rather than render again
    /// (only with fragments, so that the plain writer stays the reference
    /// the copies are tested against).
    written: Written,
}

/// Parts of one report already in the output, by position: within a
/// report, a fact has one value, and the items of one rule (or of rules
/// reading the same facts) list the same facts.
struct Written {
    /// The last list of fact values: up to [`Written::LIST`] facts, and
    /// where the list is.
    list: [FactId; Written::LIST],
    list_len: usize,
    list_at: std::ops::Range<usize>,
    /// `{"fact":…,"value":…}` of each of the first 64 facts that needed
    /// rendering (a set, a number), once written: bit `i` of `facts`.
    facts: u64,
    fact_at: [(u32, u32); 64],
}

impl Written {
    const LIST: usize = 8;
}

impl Default for Written {
    fn default() -> Written {
        Written {
            list: [FactId(0); Written::LIST],
            list_len: 0,
            list_at: 0..0,
            facts: 0,
            fact_at: [(0, 0); 64],
        }
    }
}

impl<'o> Writer<'o> {
    fn new(
        out: &'o mut Vec<u8>,
        fragments: &'o Fragments,
        references: &'o [Citation<'o>],
    ) -> Writer<'o> {
        Writer {
            out,
            fragments,
            references,
            written: Written::default(),
        }
    }

    fn raw(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    /// Copies a rendered fragment; false if there is none.
    fn copied(&mut self, fragment: Option<&[u8]>) -> bool {
        match fragment {
            Some(bytes) => {
                self.out.extend_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// A JSON string. Text without quotes, backslashes or control
    /// characters (almost all of a report) is copied in one go.
    fn string(&mut self, text: &str) {
        if needs_escaping(text.as_bytes()) {
            // serde_json's escaping, for the rare string that needs it.
            let _ = serde_json::to_writer(&mut *self.out, text);
        } else {
            self.out.reserve(text.len() + 2);
            self.out.push(b'"');
            self.out.extend_from_slice(text.as_bytes());
            self.out.push(b'"');
        }
    }

    /// `,"nothing_applies":…,"references":`
    fn tail(&mut self, nothing_applies: bool) {
        self.raw(",\"nothing_applies\":");
        self.raw(if nothing_applies { "true" } else { "false" });
        self.raw(",\"references\":");
    }

    /// A reason as one JSON string, written piece by piece.
    fn reason(&mut self, reason: &EscalationReason<'_>) {
        if let EscalationReason::Text(text) = reason {
            return self.string(text);
        }
        let start = self.out.len();
        self.out.push(b'"');
        reason.pieces(|piece| self.out.extend_from_slice(piece.as_bytes()));
        let written = self.out.get(start + 1..).unwrap_or_default();
        if needs_escaping(written) {
            // Names are identifiers: this is for safety, not speed.
            let text = String::from_utf8_lossy(written).into_owned();
            self.out.truncate(start);
            self.string(&text);
        } else {
            self.out.push(b'"');
        }
    }

    /// `{"schema":…,"guideline":{…},"patient":`
    fn head(&mut self, guideline: &super::GuidelineInfo<'_>) {
        self.raw("{\"schema\":");
        self.string(super::SCHEMA);
        self.raw(",\"guideline\":{\"id\":");
        self.string(guideline.id);
        self.raw(",\"title\":");
        self.string(guideline.title);
        self.raw(",\"version\":");
        self.optional_string(guideline.version);
        self.raw("},\"patient\":");
    }

    fn optional_string(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.string(text),
            None => self.raw("null"),
        }
    }

    fn number(&mut self, value: f64) {
        // Whole numbers (most quantities) as serde_json writes them, `45.0`,
        // without its float formatting; the rest through serde_json, which
        // writes shortest round-trip floats and null for NaN and infinities.
        let whole = value.fract() == 0.0 && value.abs() < 1e15;
        if whole && !(value == 0.0 && value.is_sign_negative()) {
            let _ = write!(self.out, "{}.0", value as i64);
        } else {
            let _ = serde_json::to_writer(&mut *self.out, &value);
        }
    }

    /// `open`, the items separated by commas, `close`.
    fn sequence<T>(
        &mut self,
        open: u8,
        close: u8,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut Self, T),
    ) {
        self.out.push(open);
        for (index, value) in items.into_iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            item(self, value);
        }
        self.out.push(close);
    }

    /// A JSON array.
    fn list<T>(&mut self, items: impl IntoIterator<Item = T>, item: impl FnMut(&mut Self, T)) {
        self.sequence(b'[', b']', items, item);
    }

    fn names(&mut self, facts: &Facts<'_>) {
        self.list(facts.ids().iter().zip(facts.names()), |w, (id, name)| {
            if !w.copied(w.fragments.fact_names.get(id.index()).map(|b| &**b)) {
                w.string(name);
            }
        });
    }

    /// Cited references, by key: copied from `fragment` when it lists
    /// exactly these.
    fn citations_like(&mut self, fragment: Option<&CitationList>, ids: &[ReferenceId]) {
        match fragment {
            Some(list) if *list.ids == *ids => self.out.extend_from_slice(&list.json),
            _ => self.citations(ids),
        }
    }

    /// Cited references, by key.
    fn citations(&mut self, ids: &[ReferenceId]) {
        self.list(ids, |w, id| {
            if !w.copied(w.fragments.keys.get(id.index()).map(|b| &**b)) {
                let key = w.references.iter().find(|c| c.id == *id).map(|c| c.key);
                w.optional_string(key);
            }
        });
    }

    fn fact(&mut self, value: FactJson<'_>) {
        match value {
            FactJson::Unknown => self.raw("null"),
            FactJson::Bool(true) => self.raw("true"),
            FactJson::Bool(false) => self.raw("false"),
            FactJson::Number(x) => self.number(x),
            FactJson::Quantity(x, unit) => {
                self.raw("{\"value\":");
                self.number(x);
                self.raw(",\"unit\":");
                self.string(unit);
                self.raw("}");
            }
            FactJson::Enum(name) => self.string(name),
            FactJson::Date(days) => self.string(&crate::calendar::format_date(days)),
            FactJson::Set(values, bits) => {
                self.list(FactJson::set_members(values, bits), Writer::string)
            }
        }
    }

    fn values(&mut self, facts: &Facts<'_>) {
        let ids = facts.ids();
        let copy = self.fragments.copy_written;
        let written = &self.written;
        if copy && !ids.is_empty() && written.list.get(..written.list_len) == Some(ids) {
            self.out.extend_from_within(written.list_at.clone());
            return;
        }
        let start = self.out.len();
        self.list(ids, |w, &id| w.fact_value_of(facts, id));
        if copy && !ids.is_empty() && ids.len() <= Written::LIST {
            if let Some(list) = self.written.list.get_mut(..ids.len()) {
                list.copy_from_slice(ids);
            }
            self.written.list_len = ids.len();
            self.written.list_at = start..self.out.len();
        }
    }

    /// `{"fact":…,"value":…}` for one fact of `facts`: a fragment, a copy
    /// of what this report wrote for it before, or rendered.
    fn fact_value_of(&mut self, facts: &Facts<'_>, id: FactId) {
        let value = facts.patient.get(id);
        let code = match value {
            Value::Unknown => Some(0),
            Value::Bool(b) => Some(1 + b as usize),
            Value::Enum(index) => Some(1 + index as usize),
            _ => None,
        };
        let fragment = self.fragments.fact_values.get(id.index());
        if self.copied(fragment.and_then(|values| values.get(code?)).map(|b| &**b)) {
            return;
        }
        let bit = 1u64.checked_shl(id.0).unwrap_or(0);
        let memo = self.fragments.copy_written && bit != 0;
        // `bit` is not 0: the id is below 64, in `fact_at`.
        if memo
            && self.written.facts & bit != 0
            && let Some(&(start, end)) = self.written.fact_at.get(id.index())
        {
            self.out.extend_from_within(start as usize..end as usize);
            return;
        }
        let start = self.out.len();
        let fact = &facts.model.facts.at(id);
        let members = match (&fact.ty, value) {
            (Type::Set(e), Value::Set(bits)) => self
                .fragments
                .enum_values
                .get(e.index())
                .map(|members| (members, bits)),
            _ => None,
        };
        match members {
            // A set's members copied from their fragments.
            Some((members, bits)) => {
                self.fact_name(id, &fact.name);
                let present =
                    crate::facts::write::member_indices(bits).filter_map(|m| members.get(m));
                self.list(present, |w, member| w.out.extend_from_slice(member));
                self.raw("}");
            }
            None => self.fact_value(id, &fact.name, FactJson::new(facts.model, id, value)),
        }
        if let (true, Ok(start), Ok(end)) =
            (memo, u32::try_from(start), u32::try_from(self.out.len()))
            && let Some(at) = self.written.fact_at.get_mut(id.index())
        {
            self.written.facts |= bit;
            *at = (start, end);
        }
    }

    /// `{"fact":…,"value":…}`
    fn fact_value(&mut self, id: FactId, name: &str, value: FactJson<'_>) {
        self.fact_name(id, name);
        self.fact(value);
        self.raw("}");
    }

    /// `{"fact":…,"value":`
    fn fact_name(&mut self, id: FactId, name: &str) {
        if !self.copied(self.fragments.facts.get(id.index()).map(|b| &**b)) {
            self.raw("{\"fact\":");
            self.string(name);
            self.raw(",\"value\":");
        }
    }

    /// `"action":…,"label":…`
    fn action(&mut self, id: ActionId, name: &str, label: Option<&str>) {
        if !self.copied(self.fragments.actions.get(id.index()).map(|b| &**b)) {
            self.raw("\"action\":");
            self.string(name);
            self.raw(",\"label\":");
            self.optional_string(label);
        }
    }

    /// `{"action":…,"label":…,"rule":{…}`, the start of every item about
    /// an action.
    fn item_head(&mut self, id: ActionId, action: &str, label: Option<&str>, rule: &RuleInfo<'_>) {
        self.raw("{");
        self.action(id, action, label);
        self.raw(",\"rule\":");
        self.rule(rule);
    }

    fn rule(&mut self, rule: &RuleInfo<'_>) {
        if !self.copied(self.fragments.rules.get(rule.id.index()).map(|b| &**b)) {
            self.raw("{\"name\":");
            self.string(rule.name);
            self.raw(",\"title\":");
            self.optional_string(rule.title);
            // Written only when stated: absent means the guideline does
            // not grade the rule, and reports without grading keep their
            // shape.
            if let Some(strength) = rule.strength {
                self.raw(",\"strength\":");
                self.string(strength.word());
            }
            if let Some(certainty) = rule.certainty {
                self.raw(",\"certainty\":");
                self.string(certainty.word());
            }
            self.raw("}");
        }
    }

    fn recommended(&mut self, item: &RecommendedItem<'_>) {
        self.item_head(item.action_id, item.action, item.label, &item.rule);
        self.recommended_rest(
            item.action_id,
            item.rule.id,
            &item.because,
            &item.cautions,
            &item.citations,
            item.any_of.as_deref(),
        );
    }

    /// A recommendation straight from the evaluation: its action and rule
    /// copied from their fragments (through its report item when there
    /// are none).
    fn recommendation(
        &mut self,
        builder: &Builder<'_, '_>,
        r: &Recommendation,
        evaluation: &Evaluation,
    ) {
        if !self.copied_item_head(r.action, r.rule) {
            return self.recommended(&builder.recommended(r, evaluation));
        }
        self.recommended_rest(
            r.action,
            r.rule,
            &builder.rule_facts(r.rule),
            &builder.cautions(r),
            builder.rule_citations(r.rule),
            builder.any_of(r, evaluation).as_deref(),
        );
    }

    /// `{"action":…,"label":…,"rule":{…}` from fragments; false (and
    /// nothing written) without them.
    fn copied_item_head(&mut self, action: ActionId, rule: RuleId) -> bool {
        let head = self
            .fragments
            .item_heads
            .get(rule.index())
            .and_then(|heads| heads.iter().find(|(id, _)| *id == action));
        self.copied(head.map(|(_, head)| &**head))
    }

    /// A recommendation after its action and rule:
    /// `,"because":…,"cautions":…,"citations":…}`, and `,"any_of":[…]`
    /// before the `}` for an option of an equal choice (written only
    /// then: reports without equal choices keep their shape).
    fn recommended_rest(
        &mut self,
        action: ActionId,
        rule: RuleId,
        because: &Facts<'_>,
        cautions: &[CautionItem<'_>],
        citations: &[ReferenceId],
        any_of: Option<&[&str]>,
    ) {
        self.raw(",\"because\":");
        self.values(because);
        self.raw(",\"cautions\":");
        self.list(cautions, |w, caution| w.caution(action, caution));
        self.raw(",\"citations\":");
        self.rule_citations(rule, citations);
        if let Some(options) = any_of {
            self.raw(",\"any_of\":");
            self.list(options, |w, name| w.string(name));
        }
        self.raw("}");
    }

    fn rule_citations(&mut self, rule: RuleId, ids: &[ReferenceId]) {
        let fragment = self.fragments.rule_citations.get(rule.index());
        self.citations_like(fragment, ids);
    }

    fn caution(&mut self, action: ActionId, item: &CautionItem<'_>) {
        let fragment = self
            .fragments
            .cautions
            .get(action.index())
            .and_then(|clauses| clauses.get(item.clause));
        self.raw("{\"status\":");
        self.string(item.status);
        if !self.copied(fragment.map(|(because, _)| &**because)) {
            self.caution_because(item.because);
        }
        self.names(&item.needs);
        self.raw(",\"citations\":");
        self.citations_like(fragment.map(|(_, list)| list), &item.citations);
        self.raw("}");
    }

    /// `,"because":…,"needs":`
    fn caution_because(&mut self, because: Option<&str>) {
        self.raw(",\"because\":");
        self.optional_string(because);
        self.raw(",\"needs\":");
    }

    fn withheld(&mut self, item: &WithheldItem<'_>) {
        self.item_head(item.action_id, item.action, item.label, &item.rule);
        self.raw(",\"reason\":");
        self.string(item.reason);
        self.raw(",\"because\":");
        self.list(&item.because, |w, text| w.string(text));
        self.raw(",\"values\":");
        self.values(&item.values);
        self.raw(",\"needs\":");
        self.names(&item.needs);
        self.raw(",\"citations\":");
        self.citations(&item.citations);
        self.raw("}");
    }

    fn avoid(&mut self, item: &AvoidItem<'_>) {
        self.item_head(item.action_id, item.action, item.label, &item.rule);
        self.avoid_rest(item.rule.id, &item.because, &item.citations);
    }

    /// An avoidance straight from the evaluation (see [`Self::recommendation`]).
    fn avoidance(&mut self, builder: &Builder<'_, '_>, a: &Avoidance) {
        if !self.copied_item_head(a.action, a.rule) {
            return self.avoid(&builder.avoid(a));
        }
        self.avoid_rest(
            a.rule,
            &builder.rule_facts(a.rule),
            builder.rule_citations(a.rule),
        );
    }

    /// An avoidance after its action and rule: `,"because":…,"citations":…}`
    fn avoid_rest(&mut self, rule: RuleId, because: &Facts<'_>, citations: &[ReferenceId]) {
        self.raw(",\"because\":");
        self.values(because);
        self.raw(",\"citations\":");
        self.rule_citations(rule, citations);
        self.raw("}");
    }

    fn escalation(&mut self, item: &EscalationItem<'_>) {
        self.raw("{\"kind\":");
        self.string(item.kind);
        self.raw(",\"rule\":");
        match &item.rule {
            Some(rule) => self.rule(rule),
            None => self.raw("null"),
        }
        self.raw(",\"reason\":");
        self.reason(&item.reason);
        self.raw(",\"needs\":");
        self.names(&item.needs);
        self.raw(",\"values\":");
        self.values(&item.values);
        self.raw(",\"answers\":");
        self.list(&item.answers, Writer::branch);
        self.raw("}");
    }

    /// `{"if":[{"fact":…,"member":…,"condition":…}],"then":[{"decision":…,…}]}`
    fn branch(&mut self, branch: &BranchItem<'_>) {
        self.raw("{\"if\":");
        self.list(&branch.answers, |w, answer| {
            w.raw("{\"fact\":");
            w.string(answer.fact);
            w.raw(",\"member\":");
            w.optional_string(answer.member);
            w.raw(",\"condition\":");
            w.string(&answer.condition);
            w.raw("}");
        });
        self.raw(",\"then\":");
        self.list(&branch.decisions, |w, decision| {
            w.raw("{\"decision\":");
            w.string(decision.decision);
            w.raw(",\"rule\":");
            w.optional_string(decision.rule);
            w.raw(",\"action\":");
            w.optional_string(decision.action);
            w.raw(",\"because\":");
            w.optional_string(decision.because);
            // Written only for an option of an equal choice, so that
            // reports without equal choices keep their shape.
            if decision.offered {
                w.raw(",\"any_of\":true");
            }
            w.raw("}");
        });
        self.raw("}");
    }

    /// `"key":{"citation":…,"pmid":…,"doi":…,"link":…}`
    fn reference(&mut self, citation: &Citation<'_>) {
        if self.copied(
            self.fragments
                .references
                .get(citation.id.index())
                .map(|b| &**b),
        ) {
            return;
        }
        self.string(citation.key);
        self.raw(":{\"citation\":");
        self.string(citation.citation);
        self.raw(",\"pmid\":");
        match citation.pmid {
            Some(pmid) => {
                let _ = serde_json::to_writer(&mut *self.out, &pmid);
            }
            None => self.raw("null"),
        }
        self.raw(",\"doi\":");
        self.optional_string(citation.doi);
        self.raw(",\"link\":");
        self.optional_string(citation.link);
        self.raw("}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(text: &str) -> String {
        let mut out = Vec::new();
        Writer::new(&mut out, &Fragments::default(), &[]).string(text);
        into_string(out)
    }

    #[test]
    fn strings_are_escaped_only_when_needed() {
        assert_eq!(string("plain text"), "\"plain text\"");
        assert_eq!(string("a \"b\" \\ c\n"), r#""a \"b\" \\ c\n""#);
        assert_eq!(string("\u{1}é"), "\"\\u0001é\"");
    }

    #[test]
    fn escapes_are_found_anywhere_in_long_strings() {
        for length in [0, 1, 31, 32, 33, 64, 70] {
            let plain = "a".repeat(length);
            assert!(!needs_escaping(plain.as_bytes()));
            for at in 0..length {
                for special in ["\"", "\\", "\n"] {
                    let mut text = plain.clone();
                    text.replace_range(at..=at, special);
                    assert!(needs_escaping(text.as_bytes()), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn composed_reasons_are_escaped_when_a_piece_needs_it() {
        let model = crate::test_model("guideline g \"G\" {}\nfact a: bool\nfact b: bool\n");
        let patient = crate::eval::Patient::with_unknown(model.facts.len());
        let ids = [crate::sema::FactId(0), crate::sema::FactId(1)];
        for (rule, section) in [("plain", None), ("odd \"name\"\n", Some("s\\t"))] {
            let reason = EscalationReason::Undecided {
                rule,
                needs: super::super::Facts {
                    ids: std::borrow::Cow::Borrowed(&ids),
                    model: &model,
                    patient: &patient,
                },
                section,
            };
            let mut out = Vec::new();
            Writer::new(&mut out, &Fragments::default(), &[]).reason(&reason);
            let expected = serde_json::to_string(&reason.to_string()).unwrap_or_default();
            assert_eq!(into_string(out), expected);
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            8.0,
            45.5,
            0.1,
            1e14,
            1e15 - 1.0,
            1e15,
            1e16,
        ];
        values.extend((0..2000).map(|i| f64::from(i) * 0.37 - 200.0));
        values.extend((0..200).map(|i| f64::from(i) * 1e13));
        for value in values {
            let mut out = Vec::new();
            Writer::new(&mut out, &Fragments::default(), &[]).number(value);
            let expected = serde_json::to_string(&value).unwrap_or_default();
            assert_eq!(into_string(out), expected, "{value}");
        }
    }

    #[test]
    fn pretty_keeps_key_order() {
        assert_eq!(
            pretty(br#"{"b":1,"a":[]}"#),
            "{\n  \"b\": 1,\n  \"a\": []\n}"
        );
    }
}
