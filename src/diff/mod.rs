//! `gdl diff OLD NEW`: what changed between two versions of a guideline —
//! declarations added, removed or changed — and, for every change in logic,
//! a patient whose decisions differ, with the decisions before and after.
//!
//! Input: both texts, parsed and resolved. Output: a [`Diff`]. Both
//! versions are aligned on the facts of both (enum values matched by name);
//! every question is one SAT call over an encoding they share, and each
//! example is confirmed by running both interpreters. No example for any
//! change means no patient's decisions change: a proof, not a sample. A fact
//! whose type changed stops the logic comparison, and the output says so.

use std::collections::BTreeMap;

use batsat::Lit;
use serde::Serialize;

use crate::analysis::{Encoding, Firing};
use crate::eval::{Evaluation, Patient, Program, evaluate};
use crate::sema::{Condition, ConditionKind, EnumId, Fact, FactId, Model, Type};
use crate::syntax::ast::File;

/// One declaration added, removed or changed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Change {
    /// `rule`, `action`, `fact`, …
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
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
    /// Changes in a condition whose example patient's decisions came out the
    /// same (the difference was masked by other rules): not a proof that no
    /// decision changes.
    pub unconfirmed: Vec<String>,
}

impl Diff {
    /// True when the versions differ in any way.
    pub fn differs(&self) -> bool {
        !self.changes.is_empty() || !self.examples.is_empty() || !self.unconfirmed.is_empty()
    }
}

/// Compares two checked versions.
pub fn diff(old: (&str, &File, &Model), new: (&str, &File, &Model)) -> Diff {
    let (changes, renamed) = structural(old.0, old.1, new.0, new.1);
    let mut result = Diff {
        schema: "gdl-diff/1",
        changes,
        logic_compared: false,
        logic_not_compared: None,
        examples: Vec::new(),
        unconfirmed: Vec::new(),
    };
    match align(old.2, new.2) {
        Err(reason) => result.logic_not_compared = Some(reason),
        Ok((old_aligned, new_aligned)) => {
            result.logic_compared = true;
            (result.examples, result.unconfirmed) = logic(&old_aligned, &new_aligned, &renamed);
        }
    }
    result
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
            }),
            Some(new_text) if new_text != text => changes.push(Change {
                kind,
                name: name.clone(),
                change: "changed",
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
        let old_text = &before[&("rule", old_name.clone())];
        let partner = changes.iter().position(|c| {
            c.kind == "rule"
                && c.change == "added"
                && after[&("rule", c.name.clone())]
                    == old_text.replacen(
                        &format!("rule {old_name}"),
                        &format!("rule {}", c.name),
                        1,
                    )
        });
        if let Some(index) = partner {
            let new_name = changes[index].name.clone();
            changes.retain(|c| !(c.kind == "rule" && (c.name == old_name || c.name == new_name)));
            changes.push(Change {
                kind: "rule",
                name: format!("{old_name} → {new_name}"),
                change: "renamed",
            });
            renamed.insert(new_name, old_name);
        }
    }
    (changes, renamed)
}

/// Both versions over one fact list, so that their conditions can be
/// compared on one encoding: the new version's facts, then the facts only
/// the old version declares. Enum values are matched by name (the new
/// version may add values). `Err` names a fact whose type changed.
fn align(old: &Model, new: &Model) -> Result<(Model, Model), String> {
    let mut merged: Vec<Fact> = new.facts.clone();
    for fact in &old.facts {
        if merged.iter().any(|f| f.name == fact.name) {
            continue;
        }
        let ty = match &fact.ty {
            Type::Enum(id) | Type::Set(id) => {
                let values = &old.enums[id.index()];
                let same = new.enums.iter().position(|e| {
                    e.name == values.name && values.values.iter().all(|v| e.values.contains(v))
                });
                let Some(index) = same else {
                    return Err(format!(
                        "enum `{}` of fact `{}` differs between the versions",
                        values.name, fact.name
                    ));
                };
                let id = EnumId(index as u32);
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
    let mut fact_map = Vec::with_capacity(old.facts.len());
    let mut value_maps: Vec<Vec<u32>> = Vec::with_capacity(old.facts.len());
    for fact in &old.facts {
        let Some(index) = merged.iter().position(|f| f.name == fact.name) else {
            return Err(format!("fact `{}` cannot be aligned", fact.name));
        };
        let target = &merged[index];
        let values = match (&fact.ty, &target.ty) {
            (Type::Enum(a), Type::Enum(b)) | (Type::Set(a), Type::Set(b)) => {
                let from = &old.enums[a.index()];
                let to = &new.enums[b.index()];
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
        fact_map.push(index as u32);
        value_maps.push(values);
    }
    let mut new_aligned = new.clone();
    new_aligned.facts = merged.clone();
    let mut old_aligned = old.clone();
    old_aligned.facts = merged;
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

/// Rewrites a condition's fact and enum-value indices.
fn remap_condition(condition: &mut Condition, facts: &[u32], values: &[Vec<u32>]) {
    let value_of = |fact: FactId, value: u32| {
        values
            .get(fact.index())
            .and_then(|map| map.get(value as usize))
            .copied()
            .unwrap_or(value)
    };
    let fact_of = |fact: FactId| FactId(facts.get(fact.index()).copied().unwrap_or(fact.0));
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
            ConditionKind::Const(_) | ConditionKind::Definition(_) => {}
        }
    }
}

/// One SAT question per rule and per action present in both versions (and
/// per rule present in one only): a plausible patient for whom the old and
/// the new version decide differently.
fn logic(
    old: &Model,
    new: &Model,
    renamed: &BTreeMap<String, String>,
) -> (Vec<Example>, Vec<String>) {
    let mut encoding = Encoding::shared(new, &[old]);
    let old_definitions = encoding.definitions_of(old);
    let new_definitions = encoding.definitions_of(new);
    let literals = |encoding: &mut Encoding, model: &Model, definitions: &[Lit]| {
        let conditions: Vec<Lit> = model
            .rules
            .iter()
            .map(|r| encoding.condition_of(definitions, &r.condition))
            .collect();
        let firing = Firing::of(model, encoding, &conditions);
        let contraindicated: Vec<Lit> = model
            .actions
            .iter()
            .map(|a| {
                let clauses: Vec<Lit> = a
                    .contraindications
                    .iter()
                    .map(|c| encoding.condition_of(definitions, &c.condition))
                    .collect();
                encoding.or(&clauses)
            })
            .collect();
        let invariants: Vec<Lit> = model
            .invariants
            .iter()
            .map(|i| encoding.condition_of(definitions, &i.condition))
            .collect();
        let plausible = encoding.and(&invariants);
        (firing.fire, contraindicated, plausible)
    };
    let (old_fire, old_contra, old_plausible) = literals(&mut encoding, old, &old_definitions);
    let (new_fire, new_contra, new_plausible) = literals(&mut encoding, new, &new_definitions);
    let old_program = Program::new(old);
    let new_program = Program::new(new);
    let mut examples = Vec::new();
    let mut unconfirmed = Vec::new();
    let mut ask = |encoding: &mut Encoding, subject: String, differs: Lit| {
        if !encoding.sat(&[differs]) {
            return;
        }
        let patient = encoding.patient();
        let before = decisions(&old_program, &patient);
        let after = decisions(&new_program, &patient);
        if before == after {
            unconfirmed.push(subject);
        } else {
            examples.push(Example {
                subject,
                patient: facts_json(new, &patient),
                before,
                after,
            });
        }
    };
    let plausible_in_both = encoding.and(&[old_plausible, new_plausible]);
    let implausible_in_one = xor(&mut encoding, old_plausible, new_plausible);
    ask(
        &mut encoding,
        "the invariants changed".to_owned(),
        implausible_in_one,
    );
    for (new_index, rule) in new.rules.iter().enumerate() {
        let old_name = renamed.get(&rule.name).unwrap_or(&rule.name);
        let old_index = old.rules.iter().position(|r| &r.name == old_name);
        let (subject, differs) = match old_index {
            Some(old_index) => {
                let choices_same = outcome(old, &old.rules[old_index]) == outcome(new, rule);
                if choices_same {
                    let differs = xor(&mut encoding, old_fire[old_index], new_fire[new_index]);
                    (
                        format!("rule `{}` applies to different patients", rule.name),
                        differs,
                    )
                } else {
                    let either = encoding.or(&[old_fire[old_index], new_fire[new_index]]);
                    (
                        format!("rule `{}` has different outcomes", rule.name),
                        either,
                    )
                }
            }
            None => (format!("rule `{}` is new", rule.name), new_fire[new_index]),
        };
        let question = encoding.and(&[differs, plausible_in_both]);
        ask(&mut encoding, subject, question);
    }
    for (old_index, rule) in old.rules.iter().enumerate() {
        let kept = new.rules.iter().any(|r| r.name == rule.name)
            || renamed.values().any(|n| *n == rule.name);
        if !kept {
            let question = encoding.and(&[old_fire[old_index], plausible_in_both]);
            ask(
                &mut encoding,
                format!("rule `{}` was removed", rule.name),
                question,
            );
        }
    }
    for (new_index, action) in new.actions.iter().enumerate() {
        if let Some(old_index) = old.actions.iter().position(|a| a.name == action.name) {
            let differs = xor(&mut encoding, old_contra[old_index], new_contra[new_index]);
            // Only patients for whom some rule offers the action can see it.
            let offered: Vec<Lit> = recommenders(new, &action.name)
                .map(|r| new_fire[r])
                .chain(recommenders(old, &action.name).map(|r| old_fire[r]))
                .collect();
            let offered = encoding.or(&offered);
            let question = encoding.and(&[differs, offered, plausible_in_both]);
            ask(
                &mut encoding,
                format!(
                    "the contraindications of `{}` hold for different patients",
                    action.name
                ),
                question,
            );
        }
    }
    (examples, unconfirmed)
}

/// What a rule does when it fires: its `then` clauses by action name, and
/// its escalation reason.
fn outcome(model: &Model, rule: &crate::sema::Rule) -> String {
    let choices: Vec<(bool, Vec<&str>)> = rule
        .choices
        .iter()
        .map(|c| {
            let names = c
                .actions
                .iter()
                .map(|a| model.actions[a.index()].name.as_str())
                .collect();
            (c.outcome == crate::sema::Outcome::Avoid, names)
        })
        .collect();
    format!("{choices:?} {:?}", rule.escalation)
}

/// Rules of a model that recommend the named action.
fn recommenders<'m>(model: &'m Model, action: &'m str) -> impl Iterator<Item = usize> + 'm {
    model
        .rules
        .iter()
        .enumerate()
        .filter_map(move |(index, rule)| {
            rule.choices
                .iter()
                .any(|c| {
                    c.outcome == crate::sema::Outcome::Recommend
                        && c.actions
                            .iter()
                            .any(|a| model.actions[a.index()].name == action)
                })
                .then_some(index)
        })
}

fn xor(encoding: &mut Encoding, a: Lit, b: Lit) -> Lit {
    let only_a = encoding.and(&[a, !b]);
    let only_b = encoding.and(&[!a, b]);
    encoding.or(&[only_a, only_b])
}

/// A patient's decisions, one line each, in a stable order.
fn decisions(program: &Program<'_>, patient: &Patient) -> Vec<String> {
    let evaluation: Evaluation = evaluate(program, patient);
    let report = crate::report::build(program, patient, &evaluation);
    let mut lines = Vec::new();
    for r in &report.recommended {
        lines.push(format!("recommend {} (rule {})", r.action, r.rule.name));
    }
    for w in &report.withheld {
        lines.push(format!(
            "withhold {} ({}, rule {})",
            w.action, w.reason, w.rule.name
        ));
    }
    for a in &report.avoid {
        lines.push(format!("avoid {} (rule {})", a.action, a.rule.name));
    }
    for e in &report.escalations {
        lines.push(format!("escalate: {}", e.reason));
    }
    if report.nothing_applies {
        lines.push("nothing applies".to_owned());
    }
    lines
}

fn facts_json(model: &Model, patient: &Patient) -> serde_json::Value {
    serde_json::from_str(&crate::analysis::witness_json(model, patient)).unwrap_or_default()
}
