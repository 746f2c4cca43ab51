//! `gdl diff OLD NEW`: what changed between two versions of a guideline —
//! declarations added, removed or changed (a rule with what changed in its
//! GRADE strength and certainty, which no decision shows) — and a patient
//! for every decision that changes, with the decisions before and after.
//!
//! Input: both texts, parsed and resolved. Output: a [`Diff`]. Both
//! versions are aligned on the facts of both (enum values matched by name);
//! each version's whole report becomes literals of one shared encoding
//! ([`decision::symbolic`], three-valued, so unknown facts are covered),
//! and each group of decisions that may differ is one SAT question. Every
//! example is confirmed by running both interpreters. No example means no
//! patient's report differs in any decision: a proof, not a sample. A fact
//! whose type changed stops the logic comparison, and the output says so.

pub mod cases;
pub mod decision;
mod exact;

use std::collections::{BTreeMap, BTreeSet};

use batsat::Lit;
use serde::Serialize;

use crate::analysis::Encoding;
use crate::eval::{Patient, Program, evaluate};
use crate::id_vec::IdVec;
use crate::never::OrNever;
use crate::sema::{
    Certainty, Condition, ConditionKind, Fact, FactId, Model, NumKind, Strength, Type,
};
use crate::syntax::ast::File;
use decision::{Decision, Names};

/// One declaration added, removed or changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Change {
    /// `rule`, `action`, `fact`, …
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// For a changed rule, what changed in its grading, e.g. `strength:
    /// conditional → strong`: a grading changes no decision, so no patient
    /// would show it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// A patient whose decisions differ between the versions.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Example {
    /// Which change it shows.
    pub subject: String,
    /// The patient as a facts file.
    pub patient: serde_json::Value,
    /// Decisions with the old version.
    pub before: Vec<String>,
    /// Decisions with the new version.
    pub after: Vec<String>,
}

/// The difference between two versions.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Diff {
    /// Schema of the JSON form.
    pub schema: &'static str,
    /// Declarations added, removed or changed.
    pub changes: Vec<Change>,
    /// Whether the logic was compared (the versions declare the same facts).
    pub logic_compared: bool,
    /// Why not, when it was not.
    pub logic_not_compared: Option<String>,
    /// A patient for each change in logic.
    pub examples: Vec<Example>,
    /// Differences the SAT search found but the interpreters did not
    /// confirm: always empty unless gdl has a bug, and then never silent.
    pub unconfirmed: Vec<String>,
    /// Differences the search found only with computed values (arithmetic)
    /// that no facts it tried give: neither shown nor ruled out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_realized: Vec<String>,
    /// Warnings about the comparison itself (e.g. different guideline ids).
    pub warnings: Vec<String>,
    /// With `--cases`: what the change does to the clinical cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases: Option<cases::CaseChanges>,
}

impl Diff {
    /// True when the versions differ in any way.
    pub fn differs(&self) -> bool {
        !self.changes.is_empty()
            || !self.examples.is_empty()
            || !self.unconfirmed.is_empty()
            || !self.not_realized.is_empty()
            || self.cases.as_ref().is_some_and(cases::CaseChanges::differs)
    }
}

/// Compares two checked versions.
pub fn diff(old: (&str, &File, &Model), new: (&str, &File, &Model)) -> Diff {
    let (result, _) = compare(old, new);
    result
}

/// [`diff`], and what the change does to the cases of a case file (its
/// text). `Err` locates why the text is not a case file.
pub fn diff_with_cases(
    old: (&str, &File, &Model),
    new: (&str, &File, &Model),
    case_file: &str,
) -> Result<Diff, crate::diagnostics::Diagnostic> {
    let (mut result, renamed) = compare(old, new);
    let old_to_new = renamed
        .into_iter()
        .map(|(new_name, old_name)| (old_name, new_name))
        .collect();
    result.cases = Some(cases::compare(old.2, new.2, &old_to_new, case_file)?);
    Ok(result)
}

/// The diff, and the renamed rules (new name → old name).
fn compare(
    old: (&str, &File, &Model),
    new: (&str, &File, &Model),
) -> (Diff, BTreeMap<String, String>) {
    let (mut changes, renamed) = structural(old.0, old.1, new.0, new.1);
    for change in &mut changes {
        if change.kind == "rule" && change.change == "changed" {
            change.details = grading_changes(old.2, new.2, &change.name);
        }
    }
    let mut warnings = Vec::new();
    if old.2.header.id != new.2.header.id {
        warnings.push(format!(
            "the guidelines have different ids (`{}` and `{}`): probably not two versions of one guideline",
            old.2.header.id, new.2.header.id
        ));
    }
    let mut result = Diff {
        schema: "gdl-diff/2",
        changes,
        logic_compared: false,
        logic_not_compared: None,
        examples: Vec::new(),
        unconfirmed: Vec::new(),
        not_realized: Vec::new(),
        warnings,
        cases: None,
    };
    // A value's arithmetic is compared as text: one that changed or went
    // would need both versions' arithmetic side by side.
    let value_changed = result
        .changes
        .iter()
        .find(|c| c.kind == "value" && c.change != "added")
        .map(|c| {
            format!(
                "value `{}` was {}: gdl diff compares decisions only while the arithmetic of every value stays the same",
                c.name, c.change
            )
        });
    match value_changed.map_or_else(|| align(old.2, new.2), Err) {
        Err(reason) => result.logic_not_compared = Some(reason),
        Ok((old_aligned, new_aligned)) => {
            result.logic_compared = true;
            let found = logic(&old_aligned, &new_aligned, &renamed);
            result.examples = found.examples;
            result.unconfirmed = found.unconfirmed;
            result.not_realized = found.not_realized;
        }
    }
    (result, renamed)
}

/// Declarations added, removed or changed, and the rules that were only
/// renamed (new name → old name).
fn structural(
    old_text: &str,
    old: &File,
    new_text: &str,
    new: &File,
) -> (Vec<Change>, BTreeMap<String, String>) {
    let index = |text: &str, file: &File| -> BTreeMap<(&'static str, String), String> {
        crate::fmt::declarations(text, file)
            .into_iter()
            .map(|(kind, name, canonical)| ((kind, name), canonical))
            .collect()
    };
    let before = index(old_text, old);
    let after = index(new_text, new);
    let mut changes = Vec::new();
    for ((kind, name), text) in &before {
        match after.get(&(kind, name.clone())) {
            None => changes.push(Change {
                kind,
                name: name.clone(),
                change: "removed",
                details: Vec::new(),
            }),
            Some(new_text) if new_text != text => changes.push(Change {
                kind,
                name: name.clone(),
                change: "changed",
                details: Vec::new(),
            }),
            Some(_) => {}
        }
    }
    for (kind, name) in after.keys() {
        if !before.contains_key(&(*kind, name.clone())) {
            changes.push(Change {
                kind,
                name: name.clone(),
                change: "added",
                details: Vec::new(),
            });
        }
    }
    // A removed rule and an added rule that read the same but for the name
    // are one rule renamed.
    let mut renamed = BTreeMap::new();
    let removed: Vec<String> = changes
        .iter()
        .filter(|c| c.kind == "rule" && c.change == "removed")
        .map(|c| c.name.clone())
        .collect();
    for old_name in removed {
        // A removed rule is one `before` lists, an added one one `after` lists.
        let Some(old_text) = before.get(&("rule", old_name.clone())).never_none() else {
            continue;
        };
        let partner = changes.iter().position(|c| {
            c.kind == "rule"
                && c.change == "added"
                && after.get(&("rule", c.name.clone())).never_none()
                    == Some(&old_text.replacen(
                        &format!("rule {old_name}"),
                        &format!("rule {}", c.name),
                        1,
                    ))
        });
        if let Some(new_name) = partner
            .and_then(|index| changes.get(index))
            .map(|c| c.name.clone())
        {
            changes.retain(|c| !(c.kind == "rule" && (c.name == old_name || c.name == new_name)));
            changes.push(Change {
                kind: "rule",
                name: format!("{old_name} → {new_name}"),
                change: "renamed",
                details: Vec::new(),
            });
            renamed.insert(new_name, old_name);
        }
    }
    (changes, renamed)
}

/// How the GRADE strength and certainty of rule `name` changed, one line
/// each that did: `strength: conditional → strong`, `certainty: not stated
/// → low`.
fn grading_changes(old: &Model, new: &Model, name: &str) -> Vec<String> {
    let find = |model: &Model| {
        let rule = model.rules.iter().find(|rule| rule.name == name);
        (
            rule.and_then(|r| r.strength).map(Strength::word),
            rule.and_then(|r| r.certainty).map(Certainty::word),
        )
    };
    let ((old_strength, old_certainty), (new_strength, new_certainty)) = (find(old), find(new));
    let stated = |word: Option<&str>| word.unwrap_or("not stated").to_owned();
    let mut details = Vec::new();
    for (what, before, after) in [
        ("strength", old_strength, new_strength),
        ("certainty", old_certainty, new_certainty),
    ] {
        if before != after {
            details.push(format!("{what}: {} → {}", stated(before), stated(after)));
        }
    }
    details
}

/// Both versions over one fact list, so that their conditions can be
/// compared on one encoding: the new version's facts, then the facts only
/// the old version declares. Enum values are matched by name (the new
/// version may add values). `Err` names a fact whose type changed.
fn align(old: &Model, new: &Model) -> Result<(Model, Model), String> {
    let mut merged: IdVec<FactId, Fact> = new.facts.clone();
    for fact in &old.facts {
        if merged.iter().any(|f| f.name == fact.name) {
            continue;
        }
        let ty = match &fact.ty {
            Type::Enum(id) | Type::Set(id) => {
                let values = &old.enums.at(*id);
                let same = new.enums.iter_enumerated().find(|(_, e)| {
                    e.name == values.name && values.values.iter().all(|v| e.values.contains(v))
                });
                let Some((id, _)) = same else {
                    return Err(format!(
                        "enum `{}` of fact `{}` differs between the versions",
                        values.name, fact.name
                    ));
                };
                if matches!(fact.ty, Type::Enum(_)) {
                    Type::Enum(id)
                } else {
                    Type::Set(id)
                }
            }
            other => other.clone(),
        };
        merged.push(Fact { ty, ..fact.clone() });
    }
    // Old fact index → merged index, and old enum value → new enum value.
    let mut fact_map: IdVec<FactId, FactId> = IdVec::with_capacity(old.facts.len());
    let mut value_maps: IdVec<FactId, Vec<u32>> = IdVec::with_capacity(old.facts.len());
    for fact in &old.facts {
        let Some((index, target)) = merged.iter_enumerated().find(|(_, f)| f.name == fact.name)
        else {
            return Err(format!("fact `{}` cannot be aligned", fact.name));
        };
        let values = match (&fact.ty, &target.ty) {
            (Type::Enum(a), Type::Enum(b)) | (Type::Set(a), Type::Set(b)) => {
                let from = &old.enums.at(*a);
                let to = &new.enums.at(*b);
                let mut map = Vec::with_capacity(from.values.len());
                for value in &from.values {
                    let Some(v) = to.value(value) else {
                        return Err(format!(
                            "`{value}` of fact `{}` was removed from its enum",
                            fact.name
                        ));
                    };
                    map.push(v);
                }
                map
            }
            (Type::Quantity(a), Type::Quantity(b)) if a.text == b.text => Vec::new(),
            (a, b)
                if std::mem::discriminant(a) == std::mem::discriminant(b)
                    && !matches!(a, Type::Quantity(_)) =>
            {
                Vec::new()
            }
            _ => return Err(format!("the type of fact `{}` changed", fact.name)),
        };
        fact_map.push(index);
        value_maps.push(values);
    }
    // Computed facts only the old version has (the difference a comparison
    // of its own computes) read the old facts: their arithmetic moves to
    // the merged facts. Both versions compute every one, in one order.
    let mut derived_order = new.derived_order.clone();
    for &old_fact in &old.derived_order {
        let merged_fact = *fact_map.at(old_fact);
        if derived_order.contains(&merged_fact) {
            continue;
        }
        if let Some(Some(derived)) = merged.get_mut(merged_fact).map(|f| f.derived.as_mut()) {
            remap_arithmetic(&mut derived.expr, &fact_map, &value_maps);
            derived.inputs = derived.inputs.iter().map(|f| *fact_map.at(*f)).collect();
            derived.inputs.sort_unstable();
        }
        derived_order.push(merged_fact);
    }
    let mut new_aligned = new.clone();
    new_aligned.facts = merged.clone();
    new_aligned.derived_order = derived_order.clone();
    let mut old_aligned = old.clone();
    old_aligned.facts = merged;
    old_aligned.derived_order = derived_order;
    old_aligned.enums = new.enums.clone();
    old_aligned.action_enum = new.action_enum;
    let remap = |condition: &mut Condition| remap_condition(condition, &fact_map, &value_maps);
    for definition in &mut old_aligned.definitions {
        remap(&mut definition.condition);
    }
    for rule in &mut old_aligned.rules {
        remap(&mut rule.condition);
    }
    for action in &mut old_aligned.actions {
        for clause in action
            .contraindications
            .iter_mut()
            .chain(action.cautions.iter_mut())
        {
            remap(&mut clause.condition);
        }
    }
    for invariant in &mut old_aligned.invariants {
        remap(&mut invariant.condition);
    }
    Ok((old_aligned, new_aligned))
}

/// Rewrites the fact and enum-value indices of arithmetic.
fn remap_arithmetic(
    expr: &mut crate::sema::NumExpr,
    facts: &IdVec<FactId, FactId>,
    values: &IdVec<FactId, Vec<u32>>,
) {
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match &mut expr.kind {
            NumKind::Fact { fact, .. } => *fact = *facts.at(*fact),
            NumKind::Binary { left, right, .. } => {
                stack.push(left);
                stack.push(right);
            }
            NumKind::Extreme { args, .. } => stack.extend(args.iter_mut()),
            NumKind::Round(inner) => stack.push(inner),
            NumKind::Between { from, to, .. } => {
                stack.push(from);
                stack.push(to);
            }
            NumKind::If {
                condition,
                then,
                otherwise,
            } => {
                remap_condition(condition, facts, values);
                stack.push(then);
                stack.push(otherwise);
            }
            NumKind::Constant(_) => {}
        }
    }
}

/// Rewrites a condition's fact and enum-value indices.
/// `facts` and `values` map every old fact and every value of its enum
/// (`align` returns an error otherwise).
fn remap_condition(
    condition: &mut Condition,
    facts: &IdVec<FactId, FactId>,
    values: &IdVec<FactId, Vec<u32>>,
) {
    let value_of = |fact: FactId, value: u32| {
        let map = values.at(fact);
        // A bool, number or quantity fact has no values to map.
        if map.is_empty() {
            return value;
        }
        map.get(value as usize).copied().or_never(value)
    };
    let fact_of = |fact: FactId| *facts.at(fact);
    let mut stack = vec![condition];
    while let Some(condition) = stack.pop() {
        match &mut condition.kind {
            ConditionKind::Fact(fact) | ConditionKind::Compare { fact, .. } => {
                *fact = fact_of(*fact)
            }
            ConditionKind::EnumIn { fact, values } => {
                for value in values.iter_mut() {
                    *value = value_of(*fact, *value);
                }
                values.sort_unstable();
                *fact = fact_of(*fact);
            }
            ConditionKind::SetHas { fact, value } => {
                *value = value_of(*fact, *value);
                *fact = fact_of(*fact);
            }
            ConditionKind::Not(inner) => stack.push(inner),
            ConditionKind::And(parts) | ConditionKind::Or(parts) => stack.extend(parts.iter_mut()),
            ConditionKind::Implies(left, right) => {
                stack.push(left);
                stack.push(right);
            }
            ConditionKind::Points(test) => {
                // The score's id is the other model's; only its meaning,
                // the items, goes across.
                test.score = None;
                stack.extend(test.items.iter_mut().map(|item| &mut item.condition));
            }
            ConditionKind::Const(_) | ConditionKind::Definition(_) => {}
        }
    }
}

/// What an example is about: a rule (in the new version's order, then
/// rules only the old version has), or a decision no rule owns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Rule {
        order: (bool, usize),
        name: String,
        action: Option<String>,
    },
    Exclusive(Vec<String>),
    Implausible,
    NothingApplies,
}

impl Subject {
    fn of(
        decision: &Decision,
        old: &Model,
        new: &Model,
        renamed: &BTreeMap<String, String>,
    ) -> Subject {
        match decision {
            Decision::Exclusive { actions } => Subject::Exclusive(actions.clone()),
            Decision::Implausible => Subject::Implausible,
            Decision::NothingApplies => Subject::NothingApplies,
            other => {
                let name = other.rule().unwrap_or_default().to_owned();
                let in_new = new.rules.iter().position(|r| r.name == name);
                let old_name = renamed.get(&name).unwrap_or(&name);
                let order = match in_new {
                    Some(index) => (false, index),
                    None => (
                        true,
                        old.rules
                            .iter()
                            .position(|r| &r.name == old_name)
                            .unwrap_or(usize::MAX),
                    ),
                };
                Subject::Rule {
                    order,
                    name,
                    action: decision.action().map(str::to_owned),
                }
            }
        }
    }

    fn describe(&self, old: &Model, new: &Model, renamed: &BTreeMap<String, String>) -> String {
        match self {
            Subject::Rule { name, action, .. } => {
                let in_new = new.rules.iter().any(|r| &r.name == name);
                let old_name = renamed.get(name).unwrap_or(name);
                let in_old = old.rules.iter().any(|r| &r.name == old_name);
                let rule = match (in_old, in_new) {
                    (true, true) => format!("rule `{name}`"),
                    (false, _) => format!("new rule `{name}`"),
                    (true, false) => format!("removed rule `{name}`"),
                };
                match action {
                    Some(action) => format!("{rule}: what happens to `{action}` changes"),
                    None => format!("{rule}: whether it escalates changes"),
                }
            }
            Subject::Exclusive(actions) => format!(
                "exclusive actions {} are recommended together for different patients",
                actions
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Subject::Implausible => "the invariants rule out different patients".to_owned(),
            Subject::NothingApplies => "different patients get no decision at all".to_owned(),
        }
    }
}

/// The whole decision of both versions over every patient, known facts
/// or not ([`decision::symbolic`]): for each decision that may differ, the
/// literal of the patients for whom it differs, grouped by subject; one SAT
/// question per subject, each answer confirmed by both interpreters. No
/// satisfiable question is a proof that no patient's report differs.
/// What the logic comparison found: examples, and the differences it could
/// not show (see [`Diff`]).
struct Found {
    examples: Vec<Example>,
    unconfirmed: Vec<String>,
    not_realized: Vec<String>,
}

fn logic(old: &Model, new: &Model, renamed: &BTreeMap<String, String>) -> Found {
    let old_to_new: BTreeMap<String, String> = renamed
        .iter()
        .map(|(new_name, old_name)| (old_name.clone(), new_name.clone()))
        .collect();
    let unchanged = BTreeMap::new();
    let old_names = Names::new(old, &old_to_new);
    let new_names = Names::new(new, &unchanged);
    let mut encoding = Encoding::shared(new, &[old]);
    let old_definitions = encoding.kleene_definitions(old);
    let new_definitions = encoding.kleene_definitions(new);
    let old_program = Program::new(old);
    let new_program = Program::new(new);
    let before = decision::symbolic(&old_names, &old_program, &mut encoding, &old_definitions);
    let after = decision::symbolic(&new_names, &new_program, &mut encoding, &new_definitions);
    let never = !encoding.truth();
    let mut subjects: BTreeMap<Subject, Vec<Lit>> = BTreeMap::new();
    let all: BTreeSet<&Decision> = before.keys().chain(after.keys()).collect();
    for decision in all {
        let was = before.get(decision).copied().unwrap_or(never);
        let is = after.get(decision).copied().unwrap_or(never);
        if was == is {
            continue;
        }
        let differs = xor(&mut encoding, was, is);
        subjects
            .entry(Subject::of(decision, old, new, renamed))
            .or_default()
            .push(differs);
    }
    let mut found: Vec<(Subject, Patient, Vec<Decision>, Vec<Decision>)> = Vec::new();
    let mut unconfirmed = Vec::new();
    let mut not_realized = Vec::new();
    for (subject, differs) in subjects {
        let shows = |decisions: &[Decision]| {
            decisions
                .iter()
                .any(|d| Subject::of(d, old, new, renamed) == subject)
        };
        // A decision no rule owns usually changes with some rule's: one
        // example shows both.
        let shown = !matches!(subject, Subject::Rule { .. })
            && found.iter().any(|(_, _, before, after)| {
                let mine = |list: &[Decision]| -> Vec<Decision> {
                    list.iter()
                        .filter(|d| shows(std::slice::from_ref(*d)))
                        .cloned()
                        .collect()
                };
                mine(before) != mine(after)
            });
        if shown {
            continue;
        }
        let question = encoding.or(&differs);
        if !encoding.sat_with_few_unknowns(&[question]) {
            continue;
        }
        // Computed facts are free in the encoding: the example is a real
        // patient with the same cells, or none.
        let Some(patient) = new_program.realize_among(&encoding.patient(), &[old]) else {
            not_realized.push(subject.describe(old, new, renamed));
            continue;
        };
        let was = decision::of_evaluation(&old_names, &evaluate(&old_program, &patient));
        let is = decision::of_evaluation(&new_names, &evaluate(&new_program, &patient));
        if was == is {
            unconfirmed.push(subject.describe(old, new, renamed));
        } else {
            found.push((subject, patient, was, is));
        }
    }
    let examples = found
        .into_iter()
        .map(|(subject, patient, was, is)| Example {
            subject: subject.describe(old, new, renamed),
            patient: facts_json(new, &patient),
            before: was.iter().map(Decision::to_string).collect(),
            after: is.iter().map(Decision::to_string).collect(),
        })
        .collect();
    Found {
        examples,
        unconfirmed,
        not_realized,
    }
}

fn xor(encoding: &mut Encoding, a: Lit, b: Lit) -> Lit {
    let only_a = encoding.and(&[a, !b]);
    let only_b = encoding.and(&[!a, b]);
    encoding.or(&[only_a, only_b])
}

fn facts_json(model: &Model, patient: &Patient) -> serde_json::Value {
    // A witness is a facts document gdl has just written.
    serde_json::from_str(&crate::facts::write::witness_json(model, patient))
        .or_never(serde_json::Value::Null)
}
