//! `gdl diff` against the interpreter, on seeded mutations: diff must show
//! a patient exactly when running patients finds one whose decisions change,
//! and every patient it shows must really get different decisions.
//!
//! - Small random guidelines (3 bools, a quantity, an enum and a set, with
//!   nested first-match and plain sections, ordered and equal choices):
//!   every patient over the small
//!   domains, unknown facts included, is run through both versions, so
//!   "no patient's decisions change" is checked as the proof it claims to be.
//! - The shipped guideline: mutations of its model (a disjunct added or
//!   removed, a threshold moved, alternatives reordered or switched between
//!   ordered and equal, a rule deleted,
//!   first-match switched, an avoid turned into a recommendation); patients
//!   are sampled (the clinical cases, each with facts flipped, and random
//!   patients). A difference a sample finds must be among diff's.
//!
//! `GDL_DIFF_STATS=1 cargo test --test diff_mutations -- --nocapture`
//! prints the mutation counts and diff's recall.
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]
#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::collections::BTreeMap;

use gdl::analysis::Encoding;
use gdl::diff::decision::{Decision, Names, of_evaluation};
use gdl::eval::{Patient, Program, Value, evaluate};
use gdl::facts::Reader;
use gdl::sema::{
    ChoiceKind, CmpOp, Condition, ConditionKind, FactId, Model, Outcome, RuleId, SectionId, Type,
};

mod support;

use support::{Rng, THRESHOLDS, atom, range};

/// A random element.
trait Pick {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T>;
}

impl Pick for Rng {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

/// The decisions of both versions for one patient.
fn decisions(program: &Program<'_>, model: &Model, patient: &Patient) -> Vec<Decision> {
    let renamed = BTreeMap::new();
    of_evaluation(&Names::new(model, &renamed), &evaluate(program, patient))
}

/// The checks every diff must pass whatever the patients say: nothing
/// unconfirmed, and each example's patient, read back from its facts JSON
/// by both versions, gets different decisions.
fn check_examples(diff: &gdl::diff::Diff, old: &Model, new: &Model, context: &str) {
    assert!(diff.unconfirmed.is_empty(), "{context}\n{diff:#?}");
    let (old_program, new_program) = (Program::new(old), Program::new(new));
    for example in &diff.examples {
        let facts = example.patient.to_string();
        let read = |program: &Program<'_>| {
            Reader::new(program)
                .parse_patient(&facts)
                .unwrap_or_else(|e| panic!("{context}\nexample not readable: {e:?}\n{facts}"))
        };
        let before = decisions(&old_program, old, &read(&old_program));
        let after = decisions(&new_program, new, &read(&new_program));
        assert_ne!(
            before, after,
            "{context}\nexample does not differ: {example:#?}"
        );
    }
}

fn stats(line: String) {
    if std::env::var_os("GDL_DIFF_STATS").is_some() {
        eprintln!("{line}");
    }
}

// ---------------------------------------------------------------------------
// Small guidelines, every patient.

#[derive(Clone, Debug)]
enum Formula {
    Atom(String),
    Not(Box<Formula>),
    And(Box<Formula>, Box<Formula>),
    Or(Box<Formula>, Box<Formula>),
}

impl Formula {
    fn random(rng: &mut Rng, depth: u32) -> Formula {
        if depth == 0 || rng.below(3) == 0 {
            return Formula::Atom(atom(rng));
        }
        let kind = rng.below(4);
        let mut next = || Box::new(Formula::random(rng, depth - 1));
        match kind {
            0 => Formula::Not(next()),
            1 => Formula::Or(next(), next()),
            _ => Formula::And(next(), next()),
        }
    }

    fn text(&self) -> String {
        match self {
            Formula::Atom(atom) => atom.clone(),
            Formula::Not(inner) => format!("not ({})", inner.text()),
            Formula::And(a, b) => format!("({} and {})", a.text(), b.text()),
            Formula::Or(a, b) => format!("({} or {})", a.text(), b.text()),
        }
    }
}

#[derive(Clone, Debug)]
struct RuleSpec {
    name: String,
    when: Formula,
    avoid: bool,
    /// `recommend … any of`, with this many alternatives in order before
    /// the equal options, rather than alternatives in order only.
    equal: Option<usize>,
    actions: Vec<String>,
    escalate: Option<String>,
}

#[derive(Clone, Debug)]
enum MemberSpec {
    Rule(RuleSpec),
    Section(SectionSpec),
}

#[derive(Clone, Debug)]
struct SectionSpec {
    name: String,
    first_match: bool,
    complete: bool,
    members: Vec<MemberSpec>,
}

#[derive(Clone, Debug)]
struct Spec {
    invariant: Option<Formula>,
    exclusive: bool,
    contraindications: Vec<Option<Formula>>,
    sections: Vec<SectionSpec>,
}

fn random_rule(rng: &mut Rng, name: String) -> RuleSpec {
    let avoid = rng.below(4) == 0;
    let mut pool: Vec<String> = (0..4).map(|i| format!("a{i}")).collect();
    let mut actions = Vec::new();
    // Now and then a rule that only escalates.
    let count = if avoid || rng.below(8) != 0 {
        1 + rng.below(3)
    } else {
        0
    };
    for _ in 0..count {
        let index = rng.below(pool.len() as u64) as usize;
        actions.push(pool.remove(index));
    }
    let escalate = (!avoid && (actions.is_empty() || rng.below(3) == 0))
        .then(|| ["refer", "ask a specialist"][rng.below(2) as usize].to_owned());
    let equal = (!avoid && rng.below(3) == 0).then(|| rng.below(2) as usize);
    RuleSpec {
        name,
        when: Formula::random(rng, 2),
        avoid,
        equal,
        actions,
        escalate,
    }
}

fn random_spec(seed: u64) -> Spec {
    let mut rng = Rng(seed | 1);
    let mut counter = 0;
    let mut rule = |rng: &mut Rng| {
        counter += 1;
        MemberSpec::Rule(random_rule(rng, format!("r{counter}")))
    };
    let mut first = SectionSpec {
        name: "first".into(),
        first_match: true,
        complete: false,
        members: Vec::new(),
    };
    for _ in 0..1 + rng.below(3) {
        first.members.push(rule(&mut rng));
    }
    if rng.below(2) == 0 {
        let mut nested = SectionSpec {
            name: "first_nested".into(),
            first_match: rng.below(2) == 0,
            complete: false,
            members: Vec::new(),
        };
        for _ in 0..1 + rng.below(2) {
            nested.members.push(rule(&mut rng));
        }
        let at = rng.below(first.members.len() as u64 + 1) as usize;
        first.members.insert(at, MemberSpec::Section(nested));
        first.members.push(rule(&mut rng));
    }
    let mut other = SectionSpec {
        name: "other".into(),
        first_match: false,
        complete: rng.below(2) == 0,
        members: Vec::new(),
    };
    for _ in 0..1 + rng.below(2) {
        other.members.push(rule(&mut rng));
    }
    if rng.below(3) == 0 {
        let mut nested = SectionSpec {
            name: "other_nested".into(),
            first_match: true,
            complete: false,
            members: Vec::new(),
        };
        for _ in 0..2 {
            nested.members.push(rule(&mut rng));
        }
        other.members.push(MemberSpec::Section(nested));
    }
    Spec {
        invariant: (rng.below(3) == 0).then(|| Formula::random(&mut rng, 1)),
        exclusive: rng.below(3) == 0,
        contraindications: (0..4)
            .map(|_| (rng.below(2) == 0).then(|| Formula::random(&mut rng, 1)))
            .collect(),
        sections: vec![first, other],
    }
}

fn render_section(section: &SectionSpec, indent: &str, out: &mut String) {
    let mut modifiers = String::new();
    if section.first_match {
        modifiers.push_str(" first-match");
    }
    if section.complete {
        modifiers.push_str(" complete");
    }
    out.push_str(&format!(
        "{indent}section {} \"S\"{modifiers} {{\n",
        section.name
    ));
    let inner = format!("{indent}  ");
    for member in &section.members {
        match member {
            MemberSpec::Section(nested) => render_section(nested, &inner, out),
            MemberSpec::Rule(rule) => {
                out.push_str(&format!("{inner}rule {} {{\n", rule.name));
                out.push_str(&format!("{inner}  when {}\n", rule.when.text()));
                if !rule.actions.is_empty() {
                    let outcome = if rule.avoid { "avoid" } else { "recommend" };
                    let names: Vec<String> = rule
                        .actions
                        .iter()
                        .enumerate()
                        .map(|(position, name)| match rule.equal {
                            Some(preferred)
                                if !rule.avoid
                                    && position == preferred.min(rule.actions.len() - 1) =>
                            {
                                format!("any of {name}")
                            }
                            _ => name.clone(),
                        })
                        .collect();
                    out.push_str(&format!("{inner}  then {outcome} {}\n", names.join(", ")));
                }
                if let Some(reason) = &rule.escalate {
                    out.push_str(&format!("{inner}  else-escalate \"{reason}\"\n"));
                }
                out.push_str(&format!("{inner}  cite R\n{inner}}}\n"));
            }
        }
    }
    out.push_str(&format!("{indent}}}\n"));
}

fn render(spec: &Spec) -> String {
    let mut text = String::from(
        "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nenum E { v0, v1, v2 }\n\
         fact b0: bool\nfact b1: bool\nfact b2: bool\nfact q: quantity mg\nfact e: E\nfact s: set of E\n",
    );
    if let Some(invariant) = &spec.invariant {
        text.push_str(&format!("invariant {}\n", invariant.text()));
    }
    if spec.exclusive {
        text.push_str("exclusive a0, a1\n");
    }
    for (index, clause) in spec.contraindications.iter().enumerate() {
        text.push_str(&format!("action a{index}"));
        if let Some(clause) = clause {
            text.push_str(&format!(
                " {{\n  contraindicated-if {} cite R\n}}",
                clause.text()
            ));
        }
        text.push('\n');
    }
    for section in &spec.sections {
        render_section(section, "", &mut text);
    }
    text
}

fn rules_mut(section: &mut SectionSpec) -> Vec<&mut RuleSpec> {
    let mut out = Vec::new();
    for member in &mut section.members {
        match member {
            MemberSpec::Rule(rule) => out.push(rule),
            MemberSpec::Section(nested) => out.extend(rules_mut(nested)),
        }
    }
    out
}

/// One random mutation of a small guideline, and its name.
fn mutate(spec: &Spec, rng: &mut Rng) -> (Spec, &'static str) {
    let mut spec = spec.clone();
    let kind = rng.below(12);
    let mut rules: Vec<&mut RuleSpec> = spec.sections.iter_mut().flat_map(rules_mut).collect();
    let index = rng.below(rules.len() as u64) as usize;
    let name = match kind {
        0 => {
            if let Some(rule) = rules.get_mut(index) {
                let when = rule.when.clone();
                rule.when = Formula::Or(Box::new(when), Box::new(Formula::Atom(atom(rng))));
            }
            "add a disjunct"
        }
        1 => {
            if let Some(rule) = rules.get_mut(index) {
                rule.when = remove_disjunct(&rule.when, rng);
            }
            "remove a disjunct"
        }
        2 => {
            if let Some(rule) = rules.get_mut(index) {
                rule.when = move_threshold(&rule.when, rng);
            }
            "move a threshold"
        }
        3 => {
            if let Some(rule) = rules.get_mut(index)
                && rule.actions.len() >= 2
            {
                let last = rule.actions.len() - 1;
                let first = rng.below(last as u64) as usize;
                rule.actions.swap(first, last);
            }
            "reorder alternatives"
        }
        4 => {
            drop(rules);
            let section = rng.below(spec.sections.len() as u64) as usize;
            if let Some(section) = spec.sections.get_mut(section)
                && !section.members.is_empty()
            {
                let at = rng.below(section.members.len() as u64) as usize;
                section.members.remove(at);
            }
            "delete a rule or section"
        }
        5 => {
            drop(rules);
            let pick = rng.below(spec.sections.len() as u64) as usize;
            if let Some(section) = spec.sections.get_mut(pick) {
                let nested = section.members.iter_mut().find_map(|m| match m {
                    MemberSpec::Section(inner) => Some(inner),
                    MemberSpec::Rule(_) => None,
                });
                match nested {
                    Some(inner) if rng.below(2) == 0 => inner.first_match = !inner.first_match,
                    _ => section.first_match = !section.first_match,
                }
            }
            "switch first-match"
        }
        6 => {
            if let Some(rule) = rules.get_mut(index) {
                rule.escalate = match &rule.escalate {
                    Some(reason) if reason == "refer" => Some("ask a specialist".to_owned()),
                    Some(_) if !rule.actions.is_empty() => None,
                    _ => Some("refer".to_owned()),
                };
                if rule.avoid && rule.escalate.is_some() {
                    rule.avoid = false;
                }
            }
            "change an escalation"
        }
        7 => {
            drop(rules);
            let action = rng.below(4) as usize;
            if let Some(clause) = spec.contraindications.get_mut(action) {
                *clause = match clause.take() {
                    Some(_) if rng.below(2) == 0 => None,
                    Some(formula) => Some(Formula::Or(
                        Box::new(formula),
                        Box::new(Formula::Atom(atom(rng))),
                    )),
                    None => Some(Formula::Atom(atom(rng))),
                };
            }
            "change a contraindication"
        }
        8 => {
            if let Some(rule) = rules.get_mut(index)
                && !rule.actions.is_empty()
            {
                rule.avoid = !rule.avoid;
                if rule.avoid {
                    rule.escalate = None;
                }
            }
            "switch recommend and avoid"
        }
        9 => {
            drop(rules);
            spec.invariant = match spec.invariant.take() {
                Some(_) => None,
                None => Some(Formula::random(rng, 1)),
            };
            "change the invariant"
        }
        10 => {
            if let Some(rule) = rules.get_mut(index) {
                rule.equal = match rule.equal {
                    Some(_) => None,
                    None => Some(0),
                };
            }
            "switch ordered and equal alternatives"
        }
        _ => "no change",
    };
    (spec, name)
}

fn remove_disjunct(formula: &Formula, rng: &mut Rng) -> Formula {
    match formula {
        Formula::Or(a, b) => {
            if rng.below(2) == 0 {
                (**a).clone()
            } else {
                (**b).clone()
            }
        }
        Formula::Atom(_) => formula.clone(),
        Formula::Not(inner) => Formula::Not(Box::new(remove_disjunct(inner, rng))),
        Formula::And(a, b) => {
            if rng.below(2) == 0 {
                Formula::And(Box::new(remove_disjunct(a, rng)), b.clone())
            } else {
                Formula::And(a.clone(), Box::new(remove_disjunct(b, rng)))
            }
        }
    }
}

fn move_threshold(formula: &Formula, rng: &mut Rng) -> Formula {
    match formula {
        // A range's ends move together, so that it stays a range.
        Formula::Atom(atom) if atom.starts_with("q in ") => Formula::Atom(range(rng)),
        Formula::Atom(atom) if atom.starts_with("q ") => {
            let value = THRESHOLDS[rng.below(THRESHOLDS.len() as u64) as usize];
            let mut parts: Vec<&str> = atom.split(' ').collect();
            if let Some(slot) = parts.get_mut(2) {
                *slot = value;
            }
            Formula::Atom(parts.join(" "))
        }
        Formula::Atom(_) => Formula::Atom(atom(rng)),
        Formula::Not(inner) => Formula::Not(Box::new(move_threshold(inner, rng))),
        Formula::And(a, b) | Formula::Or(a, b) => {
            let (a, b) = if rng.below(2) == 0 {
                (move_threshold(a, rng), (**b).clone())
            } else {
                ((**a).clone(), move_threshold(b, rng))
            };
            match formula {
                Formula::And(..) => Formula::And(Box::new(a), Box::new(b)),
                _ => Formula::Or(Box::new(a), Box::new(b)),
            }
        }
    }
}

/// Every patient over the small domains, unknown facts included.
fn every_patient() -> Vec<Patient> {
    let bools = [Value::Unknown, Value::Bool(false), Value::Bool(true)];
    let mut quantities = vec![Value::Unknown];
    for q in [-15, -10, -5, 0, 5, 10, 15, 20, 25, 30, 35] {
        quantities.push(Value::Number(f64::from(q)));
    }
    let mut enums = vec![Value::Unknown];
    enums.extend((0..3).map(Value::Enum));
    let mut sets = vec![Value::Unknown];
    sets.extend((0..8u128).map(Value::Set));
    let mut out = Vec::new();
    for b0 in &bools {
        for b1 in &bools {
            for b2 in &bools {
                for q in &quantities {
                    for e in &enums {
                        for s in &sets {
                            out.push(Patient::from_values(None, [*b0, *b1, *b2, *q, *e, *s]));
                        }
                    }
                }
            }
        }
    }
    out
}

fn compile(text: &str) -> (gdl::syntax::ast::File, Model) {
    let model = gdl::compile(text)
        .model
        .unwrap_or_else(|| panic!("does not compile:\n{text}"));
    (gdl::syntax::parse(text).unwrap_or_default(), model)
}

fn small_guidelines(seeds: std::ops::Range<u64>) {
    let patients = every_patient();
    let mut found = 0;
    let mut proved = 0;
    for seed in seeds.clone() {
        let spec = random_spec(seed * 7919 + 17);
        let mut rng = Rng(seed * 104_729 + 3);
        let (mutated, kind) = mutate(&spec, &mut rng);
        let (old_text, new_text) = (render(&spec), render(&mutated));
        let (old_file, old) = compile(&old_text);
        let (new_file, new) = compile(&new_text);
        let diff = gdl::diff::diff((&old_text, &old_file, &old), (&new_text, &new_file, &new));
        let context = format!("seed {seed}, {kind}\n--- old\n{old_text}\n--- new\n{new_text}");
        check_examples(&diff, &old, &new, &context);
        let (old_program, new_program) = (Program::new(&old), Program::new(&new));
        let witness = patients
            .iter()
            .find(|p| decisions(&old_program, &old, p) != decisions(&new_program, &new, p));
        match witness {
            Some(patient) => {
                found += 1;
                assert!(
                    !diff.examples.is_empty(),
                    "{context}\ndiff found no patient, but this one differs: {patient:?}"
                );
            }
            None => {
                proved += 1;
                assert!(
                    diff.examples.is_empty(),
                    "{context}\nno patient differs, but diff says: {diff:#?}"
                );
            }
        }
    }
    stats(format!(
        "small guidelines {seeds:?}: {} mutations, {found} change some patient (diff found all), {proved} change none (diff proved it)",
        seeds.end - seeds.start
    ));
}

#[test]
fn small_guidelines_every_patient_a() {
    small_guidelines(0..40);
}

#[test]
fn small_guidelines_every_patient_b() {
    small_guidelines(40..80);
}

#[test]
fn small_guidelines_every_patient_c() {
    small_guidelines(80..120);
}

/// The decisions diff reasons about, read off the SAT encoding for one
/// patient at a time, are the interpreter's: on every patient of random
/// small guidelines.
fn symbolic_agrees(model: &Model, patients: &[Patient], context: &str) {
    let program = Program::new(model);
    let mut encoding = Encoding::new(model);
    let definitions = encoding.kleene_definitions(model);
    let renamed = BTreeMap::new();
    let names = Names::new(model, &renamed);
    let symbolic = gdl::diff::decision::symbolic(&names, &program, &mut encoding, &definitions);
    let literals: Vec<batsat::Lit> = symbolic.values().copied().collect();
    for patient in patients {
        let assumptions = encoding.assume(patient);
        assert!(
            encoding.sat_reading(&assumptions, &literals),
            "{context}\nno model for {patient:?}"
        );
        let read: Vec<Decision> = symbolic
            .iter()
            .filter(|(_, literal)| encoding.holds(**literal))
            .map(|(decision, _)| decision.clone())
            .collect();
        assert_eq!(
            read,
            decisions(&program, model, patient),
            "{context}\npatient {patient:?}"
        );
    }
}

#[test]
fn symbolic_decisions_are_the_interpreters_on_small_guidelines() {
    let patients = every_patient();
    for seed in 0..12 {
        let spec = random_spec(seed * 31 + 5);
        let text = render(&spec);
        let (_, model) = compile(&text);
        // Every 11th patient: all values of each fact still occur.
        let sample: Vec<Patient> = patients.iter().step_by(11).cloned().collect();
        symbolic_agrees(&model, &sample, &format!("seed {seed}\n{text}"));
    }
}

/// Options of one equal choice in an exclusive group are no conflict, but
/// an option and another rule's recommendation are: the encoding tells the
/// two apart as the interpreter does, on every patient.
#[test]
fn symbolic_exclusive_conflicts_of_equal_choices_are_the_interpreters() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nenum E { v0, v1, v2 }\n\
         fact b0: bool\nfact b1: bool\nfact b2: bool\nfact q: quantity mg\nfact e: E\nfact s: set of E\n\
         exclusive a0, a1, a2\n\
         action a0 { contraindicated-if b2 cite R }\naction a1\naction a2\naction a3\n\
         rule options { when b0 then recommend any of a0, a1, a3 cite R }\n\
         rule preferred { when b2 then recommend a3, any of a0, a2 cite R }\n\
         rule same { when b1 then recommend any of a0, a1 cite R }\n\
         rule other { when q > 10 mg then recommend a2 cite R }\n\
         rule again { when e = v1 then recommend a0 cite R }\n";
    let (_, model) = compile(text);
    symbolic_agrees(&model, &every_patient(), text);
}

// ---------------------------------------------------------------------------
// The shipped guideline, sampled patients.

fn conditions_mut(model: &mut Model) -> Vec<&mut Condition> {
    let mut out: Vec<&mut Condition> = Vec::new();
    for rule in &mut model.rules {
        out.push(&mut rule.condition);
    }
    for action in &mut model.actions {
        for clause in &mut action.contraindications {
            out.push(&mut clause.condition);
        }
    }
    out
}

fn bool_facts(model: &Model) -> Vec<FactId> {
    (0..model.facts.len() as u32)
        .map(FactId)
        .filter(|f| matches!(model.facts.at(*f).ty, Type::Bool))
        .collect()
}

/// Applies `edit` to the first node (in a seeded walk) it accepts.
fn edit_some_node(
    condition: &mut Condition,
    rng: &mut Rng,
    edit: &mut dyn FnMut(&mut Condition, &mut Rng) -> bool,
) -> bool {
    if rng.below(2) == 0 && edit(condition, rng) {
        return true;
    }
    let done = match &mut condition.kind {
        ConditionKind::Not(inner) => edit_some_node(inner, rng, edit),
        ConditionKind::And(parts) | ConditionKind::Or(parts) => {
            let start = rng.below(parts.len() as u64) as usize;
            let count = parts.len();
            (0..count).any(|i| match parts.get_mut((start + i) % count) {
                Some(part) => edit_some_node(part, rng, edit),
                None => false,
            })
        }
        ConditionKind::Implies(left, right) => {
            edit_some_node(left, rng, edit) || edit_some_node(right, rng, edit)
        }
        _ => false,
    };
    done || edit(condition, rng)
}

/// One mutation of the shipped guideline's model, and its name; `None`
/// when the seed found nothing to mutate of that kind.
fn mutate_model(model: &Model, rng: &mut Rng) -> Option<(Model, &'static str)> {
    let mut model = model.clone();
    let bools = bool_facts(&model);
    let kind = rng.below(8);
    let name = match kind {
        0 => {
            let fact = *rng.pick(&bools)?;
            let mut conditions = conditions_mut(&mut model);
            let pick = rng.below(conditions.len() as u64) as usize;
            let condition = conditions.get_mut(pick)?;
            let span = condition.span;
            let old = (*condition).clone();
            **condition = Condition {
                kind: ConditionKind::Or(vec![
                    old,
                    Condition {
                        kind: ConditionKind::Fact(fact),
                        span,
                    },
                ]),
                span,
            };
            "add a disjunct"
        }
        1 => {
            let mut conditions = conditions_mut(&mut model);
            let pick = rng.below(conditions.len() as u64) as usize;
            let condition = conditions.get_mut(pick)?;
            let mut remove = |node: &mut Condition, rng: &mut Rng| {
                let ConditionKind::Or(parts) = &mut node.kind else {
                    return false;
                };
                if parts.len() < 2 {
                    return false;
                }
                let at = rng.below(parts.len() as u64) as usize;
                parts.remove(at);
                true
            };
            if !edit_some_node(condition, rng, &mut remove) {
                return None;
            }
            "remove a disjunct"
        }
        2 => {
            let mut conditions = conditions_mut(&mut model);
            let pick = rng.below(conditions.len() as u64) as usize;
            let condition = conditions.get_mut(pick)?;
            let mut shift = |node: &mut Condition, rng: &mut Rng| {
                let ConditionKind::Compare { value, op, .. } = &mut node.kind else {
                    return false;
                };
                *value = match rng.below(4) {
                    0 => *value * 0.5,
                    1 => *value + 1.0,
                    2 => *value - 1.0,
                    _ => {
                        *op = match op {
                            CmpOp::Lt => CmpOp::Le,
                            CmpOp::Le => CmpOp::Lt,
                            CmpOp::Gt => CmpOp::Ge,
                            CmpOp::Ge => CmpOp::Gt,
                            CmpOp::Eq => CmpOp::Ne,
                            CmpOp::Ne => CmpOp::Eq,
                        };
                        *value
                    }
                };
                true
            };
            if !edit_some_node(condition, rng, &mut shift) {
                return None;
            }
            "move a threshold"
        }
        3 => {
            let candidates: Vec<(usize, usize)> = model
                .rules
                .iter()
                .enumerate()
                .flat_map(|(r, rule)| {
                    rule.choices
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.actions.len() >= 2)
                        .map(move |(c, _)| (r, c))
                })
                .collect();
            let (rule, choice) = *rng.pick(&candidates)?;
            let choice = model
                .rules
                .get_mut(RuleId(rule as u32))?
                .choices
                .get_mut(choice)?;
            if choice.outcome == Outcome::Recommend && rng.below(3) == 0 {
                choice.kind = match choice.kind {
                    ChoiceKind::Ordered => ChoiceKind::Equal { preferred: 0 },
                    ChoiceKind::Equal { .. } => ChoiceKind::Ordered,
                };
                return Some((model, "switch ordered and equal alternatives"));
            }
            let actions = &mut choice.actions;
            let first = rng.below(actions.len() as u64 - 1) as usize;
            actions.swap(first, first + 1);
            "reorder alternatives"
        }
        4 => {
            // Deleting a rule: no patient satisfies it any more.
            let pick = rng.below(model.rules.len() as u64) as usize;
            let rule = model.rules.get_mut(RuleId(pick as u32))?;
            rule.condition.kind = ConditionKind::Const(false);
            "delete a rule"
        }
        5 => {
            let pick = rng.below(model.sections.len() as u64) as usize;
            let section = model.sections.get_mut(SectionId(pick as u32))?;
            section.first_match = !section.first_match;
            "switch first-match"
        }
        6 => {
            let avoiding: Vec<usize> = model
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.choices.iter().any(|c| c.outcome == Outcome::Avoid))
                .map(|(i, _)| i)
                .collect();
            let pick = *rng.pick(&avoiding)?;
            for choice in &mut model.rules.get_mut(RuleId(pick as u32))?.choices {
                choice.outcome = match choice.outcome {
                    Outcome::Avoid => Outcome::Recommend,
                    Outcome::Recommend => Outcome::Avoid,
                };
            }
            "switch recommend and avoid"
        }
        _ => {
            let pick = rng.below(model.rules.len() as u64) as usize;
            let rule = model.rules.get_mut(RuleId(pick as u32))?;
            rule.escalation = match rule.escalation.take() {
                Some(reason) => Some(format!("{reason} (reworded)")),
                None => Some("Refer to a specialist".to_owned()),
            };
            "change an escalation"
        }
    };
    Some((model, name))
}

/// Each fact's constants, for sampling values on both sides of them.
fn constants(model: &Model) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new(); model.facts.len()];
    let mut visit = |condition: &Condition| {
        condition.walk(&mut |c| {
            if let ConditionKind::Compare { fact, value, .. } = &c.kind
                && let Some(list) = out.get_mut(fact.index())
            {
                list.push(*value);
            }
        })
    };
    for rule in &model.rules {
        visit(&rule.condition);
    }
    for definition in &model.definitions {
        visit(&definition.condition);
    }
    for action in &model.actions {
        for clause in action.contraindications.iter().chain(&action.cautions) {
            visit(&clause.condition);
        }
    }
    out
}

fn random_value(model: &Model, constants: &[Vec<f64>], fact: usize, rng: &mut Rng) -> Value {
    if rng.below(4) == 0 {
        return Value::Unknown;
    }
    match &model.facts.as_slice()[fact].ty {
        Type::Bool => Value::Bool(rng.below(2) == 0),
        Type::Number | Type::Quantity(_) | Type::Date => {
            let base = constants
                .get(fact)
                .and_then(|list| rng.pick(list).copied())
                .unwrap_or(0.0);
            let offset = [-1.0, -0.5, 0.0, 0.0, 0.5, 1.0][rng.below(6) as usize];
            Value::Number(base + offset)
        }
        Type::Enum(id) => Value::Enum(rng.below(model.enums.at(*id).values.len() as u64) as u32),
        Type::Set(id) => {
            let size = model.enums.at(*id).values.len().min(128);
            let mut bits = 0u128;
            for value in 0..size {
                if rng.below(5) == 0 {
                    bits |= 1 << value;
                }
            }
            Value::Set(bits)
        }
    }
}

/// The cases' patients, each also with a few facts changed, and random
/// patients.
fn sampled_patients(model: &Model, program: &Program<'_>, rng: &mut Rng) -> Vec<Patient> {
    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("guidelines/dermatomyositis.cases.json"),
        )
        .unwrap_or_default(),
    )
    .unwrap_or_default();
    let constants = constants(model);
    let mut patients = Vec::new();
    for case in cases["cases"].as_array().into_iter().flatten() {
        let Ok(patient) = Reader::new(program).parse_patient(&case["facts"].to_string()) else {
            continue;
        };
        for _ in 0..4 {
            let mut changed = patient.clone();
            for _ in 0..1 + rng.below(3) {
                let fact = rng.below(model.facts.len() as u64) as usize;
                changed.set(
                    FactId(fact as u32),
                    random_value(model, &constants, fact, rng),
                );
            }
            patients.push(changed);
        }
        patients.push(patient);
    }
    for _ in 0..200 {
        patients.push(Patient::from_values(
            None,
            (0..model.facts.len()).map(|fact| random_value(model, &constants, fact, rng)),
        ));
    }
    patients
}

fn shipped_guideline(seeds: std::ops::Range<u64>) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("guidelines/dermatomyositis.gdl");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (file, model) = compile(&text);
    let program = Program::new(&model);
    let mut rng = Rng(0x5eed);
    let patients = sampled_patients(&model, &program, &mut rng);
    if seeds.start == 0 {
        symbolic_agrees(&model, &patients, "the shipped guideline");
    }
    let (mut mutations, mut reported, mut sampled, mut sampled_and_reported) = (0, 0, 0, 0);
    for seed in seeds.clone() {
        let mut rng = Rng(seed * 2_654_435_761 + 11);
        let Some((mutated, kind)) = mutate_model(&model, &mut rng) else {
            continue;
        };
        mutations += 1;
        let diff = gdl::diff::diff((&text, &file, &model), (&text, &file, &mutated));
        let context = format!("seed {seed}, {kind}");
        check_examples(&diff, &model, &mutated, &context);
        let mutated_program = Program::new(&mutated);
        let witness = patients
            .iter()
            .find(|p| decisions(&program, &model, p) != decisions(&mutated_program, &mutated, p));
        if !diff.examples.is_empty() {
            reported += 1;
        }
        if let Some(patient) = witness {
            sampled += 1;
            assert!(
                !diff.examples.is_empty(),
                "{context}\ndiff found no patient, but this sampled one differs: {patient:?}"
            );
            sampled_and_reported += 1;
        }
    }
    stats(format!(
        "shipped guideline {seeds:?}: {mutations} mutations; diff shows a patient for {reported}; \
         sampling ({} patients each) finds one for {sampled}, and diff for {sampled_and_reported} of those",
        patients.len()
    ));
}

#[test]
fn shipped_guideline_sampled_a() {
    shipped_guideline(0..80);
}

#[test]
fn shipped_guideline_sampled_b() {
    shipped_guideline(80..160);
}
