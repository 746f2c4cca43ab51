//! The logic analyses never contradict a brute-force enumeration: on random
//! small guidelines, every verdict equals what the interpreter does for all
//! patients over the small domains (3 bools, a quantity compared with -10,
//! -0, 0, 10 and 20 mg or tested with a range between them, an enum of 3
//! values and a set over it), with a score of random points (some negative)
//! and counts (`at least k of`) among the tests, and the overlapping pairs of
//! `disjoint` sections (W0410) included.
//!
//! The generator is built to reach the corners where the analyses were once
//! wrong: thresholds written `-0` next to `0`, negative thresholds and
//! thresholds shared across rules (the encoder's cells), sections of every
//! kind left empty, nested or not (coverage gaps), and rules that repeat an
//! earlier rule's `then` with a narrower condition and another
//! `else-escalate` reason (redundancy). Recommendations are ordered or
//! equal choices (`recommend any of`), so the checker is held to the
//! interpreter on both: no unreachable option, and no exclusive conflict
//! between options of one choice.
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]
#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::collections::BTreeSet;

use gdl::analysis::FindingKind;
use gdl::diagnostics::Code;
use gdl::eval::proof::{Target, proof_tree};
use gdl::eval::{
    EscalationCause, Evaluation, Patient, Program, RuleStatus, Tri, Value, Withholding, evaluate,
};
use gdl::sema::{ActionId, ChoiceKind, Member, Model, Outcome, RuleId, SectionId};
use proptest::prelude::*;

mod support;

use support::{Rng, atom};

thread_local! {
    /// Whether the guidelines generated on this thread have a computed
    /// value `v` (and comparisons with arithmetic) among their tests.
    static WITH_VALUES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A test: an atom, or now and then a test of the score `sc` or a count,
/// and with values, a test of `v` or a comparison with arithmetic.
fn leaf(rng: &mut Rng) -> String {
    if WITH_VALUES.get() && rng.below(3) == 0 {
        let op = ["<", "<=", ">", ">=", "=", "!="][rng.below(6) as usize];
        let threshold = [-10, 0, 5, 10, 20][rng.below(5) as usize];
        return match rng.below(2) {
            0 => format!("v {op} {threshold} mg"),
            _ => format!("q * 3 {op} v + {threshold} mg"),
        };
    }
    match rng.below(8) {
        0 => {
            let op = ["<", "<=", ">", ">=", "=", "!="][rng.below(6) as usize];
            format!("sc {op} {}", rng.below(8) as i64 - 2)
        }
        1 => {
            let bound = ["at least", "at most"][rng.below(2) as usize];
            let parts: Vec<String> = (0..2 + rng.below(2)).map(|_| atom(rng)).collect();
            format!("{bound} {} of ({})", rng.below(4), parts.join(", "))
        }
        _ => atom(rng),
    }
}

fn formula(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return leaf(rng);
    }
    match rng.below(4) {
        0 => format!("not ({})", formula(rng, depth - 1)),
        1 => format!(
            "({} or {})",
            formula(rng, depth - 1),
            formula(rng, depth - 1)
        ),
        _ => format!(
            "({} and {})",
            formula(rng, depth - 1),
            formula(rng, depth - 1)
        ),
    }
}

fn alternatives(rng: &mut Rng) -> Vec<String> {
    let mut actions: Vec<String> = (0..4).map(|i| format!("a{i}")).collect();
    let count = 1 + rng.below(3) as usize;
    let mut chosen = Vec::new();
    for _ in 0..count {
        let index = rng.below(actions.len() as u64) as usize;
        chosen.push(actions.remove(index));
    }
    chosen
}

/// Writes rules and sections, remembering the last rule so that the next
/// one can repeat its outcome under a narrower condition.
struct Writer {
    rng: Rng,
    rules: u32,
    sections: u32,
    last: Option<(String, String)>,
}

impl Writer {
    fn rule(&mut self, indent: &str) -> String {
        let name = format!("r{}", self.rules);
        self.rules += 1;
        let rng = &mut self.rng;
        let (condition, then) = match &self.last {
            // Same `then`, implied condition: redundant unless the
            // escalation reasons differ.
            Some((condition, then)) if rng.below(3) == 0 => {
                (format!("({condition} and {})", atom(rng)), then.clone())
            }
            _ => {
                // Equal choices (plain, or after a preferred alternative)
                // about as often as ordered ones, so that exclusive groups
                // meet their options.
                let outcome = match rng.below(6) {
                    0 => "avoid",
                    1 | 2 => "recommend",
                    _ => "recommend ordered",
                };
                let names = alternatives(rng);
                let list = match (outcome, rng.below(2)) {
                    ("recommend", 0) => format!("any of {}", names.join(", ")),
                    ("recommend", _) => match names.split_first() {
                        Some((first, rest)) if !rest.is_empty() => {
                            format!("{first}, any of {}", rest.join(", "))
                        }
                        _ => format!("any of {}", names.join(", ")),
                    },
                    _ => names.join(", "),
                };
                let outcome = outcome.trim_end_matches(" ordered");
                (formula(rng, 2), format!("{outcome} {list}"))
            }
        };
        let escalate = if then.starts_with("recommend") {
            match rng.below(4) {
                0 => format!("{indent}  else-escalate \"refer\"\n"),
                1 => format!("{indent}  else-escalate \"ask a specialist\"\n"),
                _ => String::new(),
            }
        } else {
            String::new()
        };
        self.last = Some((condition.clone(), then.clone()));
        format!(
            "{indent}rule {name} {{\n{indent}  when {condition}\n{indent}  then {then}\n{escalate}{indent}  cite R\n{indent}}}\n"
        )
    }

    /// A section of a random kind with up to `most` rules (possibly none),
    /// and at depth 0 possibly a nested section.
    fn section(&mut self, indent: &str, most: u64, depth: u32) -> String {
        let name = format!("s{}", self.sections);
        self.sections += 1;
        let kind = match self.rng.below(6) {
            0 => "",
            1 => " first-match",
            2 => " complete",
            3 => " disjoint",
            4 => " first-match complete disjoint",
            _ => " first-match complete",
        };
        let inner = format!("{indent}  ");
        let mut text = format!("{indent}section {name} \"S\"{kind} {{\n");
        let count = self.rng.below(most + 1);
        let nested_at = (depth == 0 && self.rng.below(2) == 0).then(|| self.rng.below(count + 1));
        for i in 0..=count {
            if nested_at == Some(i) {
                text.push_str(&self.section(&inner, 2, depth + 1));
            }
            if i < count {
                text.push_str(&self.rule(&inner));
            }
        }
        text.push_str(&format!("{indent}}}\n"));
        text
    }
}

fn guideline(seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let mut text = String::from(
        "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nenum E { v0, v1, v2 }\n\
         fact b0: bool\nfact b1: bool\nfact b2: bool\nfact q: quantity mg\nfact e: E\nfact s: set of E\n",
    );
    if WITH_VALUES.get() {
        text.push_str("value v: quantity mg = q * 2 - 5 mg\n");
    }
    text.push_str("score sc {\n");
    for _ in 0..2 + rng.below(3) {
        let points = [-2, -1, 1, 2, 3][rng.below(5) as usize];
        text.push_str(&format!("  {points:+} if {}\n", atom(&mut rng)));
    }
    text.push_str("}\n");
    if rng.below(3) == 0 {
        text.push_str(&format!("invariant {}\n", formula(&mut rng, 1)));
    }
    if rng.below(3) == 0 {
        text.push_str("exclusive a0, a1\n");
    }
    for action in 0..4 {
        text.push_str(&format!("action a{action}"));
        if rng.below(2) == 0 {
            text.push_str(&format!(
                " {{\n  contraindicated-if {} cite R\n}}",
                formula(&mut rng, 1)
            ));
        }
        text.push('\n');
    }
    let mut writer = Writer {
        rng,
        rules: 0,
        sections: 0,
        last: None,
    };
    for _ in 0..writer.rng.below(2) {
        text.push_str(&writer.rule(""));
    }
    for _ in 0..1 + writer.rng.below(3) {
        text.push_str(&writer.section("", 4, 0));
    }
    text
}

/// Every total patient over the small domains.
fn all_patients() -> Vec<Patient> {
    // A point in every cell of the thresholds, and -0 beside 0.
    patients_over(&[-15.0, -10.0, -5.0, -0.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0])
}

/// [`all_patients`], with `q` also where the values of the guidelines with
/// values (`v = 2q - 5 mg`, and `3q - (v + t) = q + 5 - t`) meet each of
/// their thresholds `t`, and just beside.
fn all_patients_with_values() -> Vec<Patient> {
    let mut qs = vec![-15.0, -10.0, -5.0, -0.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0];
    for t in [-10.0, 0.0, 5.0, 10.0, 20.0] {
        for q in [(t + 5.0) / 2.0, t - 5.0] {
            qs.extend([q - 0.25, q, q + 0.25]);
        }
    }
    qs.sort_by(f64::total_cmp);
    qs.dedup();
    patients_over(&qs)
}

fn patients_over(qs: &[f64]) -> Vec<Patient> {
    let mut out = Vec::new();
    for bools in 0..8u32 {
        for &q in qs {
            for e in 0..3u32 {
                for s in 0..8u128 {
                    out.push(Patient::from_values(
                        None,
                        [
                            Value::Bool(bools & 1 != 0),
                            Value::Bool(bools & 2 != 0),
                            Value::Bool(bools & 4 != 0),
                            Value::Number(q),
                            Value::Enum(e),
                            Value::Set(s),
                        ],
                    ));
                }
            }
        }
    }
    out
}

/// What the analyses should find, computed by running every patient.
fn brute_force(model: &Model, program: &Program<'_>) -> BTreeSet<(Code, usize, String)> {
    brute_force_over(model, program, all_patients())
}

/// What running these patients shows (their computed values worked out).
fn brute_force_over(
    model: &Model,
    program: &Program<'_>,
    patients: Vec<Patient>,
) -> BTreeSet<(Code, usize, String)> {
    let runs: Vec<(Patient, Evaluation)> = patients
        .into_iter()
        .map(|given| {
            // A slot for every fact, computed ones included.
            let mut p = Patient::unknown(program);
            for index in 0..given.len() {
                let fact = gdl::sema::FactId::from_index(index);
                p.set(fact, given.get(fact));
            }
            program.derive(&mut p);
            let e = evaluate(program, &p);
            (p, e)
        })
        .filter(|(_, e)| {
            !e.escalations
                .iter()
                .any(|x| matches!(x.cause, EscalationCause::ImplausibleFacts { .. }))
        })
        .collect();
    let mut expected = BTreeSet::new();
    let blocked = |patient: &Patient, evaluation: &Evaluation, action: usize| {
        let contraindicated =
            (0..model.actions.as_slice()[action].contraindications.len()).any(|clause| {
                proof_tree(
                    program,
                    patient,
                    Target::Contraindication(ActionId(action as u32), clause),
                )
                .first()
                .is_some_and(|root| root.value == Tri::True)
            });
        contraindicated
            || evaluation
                .avoided
                .iter()
                .any(|a| a.action.index() == action)
    };
    for (index, rule) in model.rules.iter().enumerate() {
        // Shadowed rules are not evaluated, so ask for the condition itself.
        let applies = runs.iter().any(|(p, _)| {
            proof_tree(program, p, Target::Rule(RuleId(index as u32)))
                .first()
                .is_some_and(|root| root.value == Tri::True)
        });
        let fired: Vec<&(Patient, Evaluation)> = runs
            .iter()
            .filter(|(_, e)| e.rules.as_slice()[index] == RuleStatus::Fired)
            .collect();
        if !applies {
            expected.insert((Code::UnreachableRule, index, String::new()));
            continue;
        }
        if fired.is_empty() {
            expected.insert((Code::ShadowedRule, index, String::new()));
            continue;
        }
        for (choice_index, choice) in rule.choices.iter().enumerate() {
            if choice.outcome != Outcome::Recommend {
                continue;
            }
            for (position, action) in choice.actions.iter().enumerate() {
                let name = model.actions.at(*action).name.clone();
                let always = fired.iter().all(|(p, e)| blocked(p, e, action.index()));
                if always {
                    expected.insert((Code::AlwaysWithheld, index, name));
                    continue;
                }
                let given = fired.iter().any(|(_, e)| {
                    e.recommended.iter().any(|r| {
                        r.rule.index() == index && r.choice == choice_index && r.action == *action
                    })
                });
                // An option of a plain equal choice is reached whenever it
                // is not withheld; one after a preferred alternative may not be.
                if position > 0 && !given {
                    expected.insert((Code::UnreachableAlternative, index, name));
                }
            }
        }
    }
    // Redundancy: same outcome signature, fires whenever the other fires.
    for (index, rule) in model.rules.iter().enumerate() {
        let fired_here: Vec<usize> = (0..runs.len())
            .filter(|&i| runs[i].1.rules.as_slice()[index] == RuleStatus::Fired)
            .collect();
        if fired_here.is_empty() {
            continue;
        }
        // The outcome a clinician reads: the `then` clauses and the
        // escalation reason.
        type Signature = (Vec<(bool, ChoiceKind, Vec<usize>)>, Option<String>);
        let signature = |r: &gdl::sema::Rule| -> Signature {
            let choices = r
                .choices
                .iter()
                .map(|c| {
                    (
                        c.outcome == Outcome::Avoid,
                        c.kind,
                        c.actions.iter().map(|a| a.index()).collect(),
                    )
                })
                .collect();
            (choices, r.escalation.clone())
        };
        let covered_by = |other: usize| {
            fired_here
                .iter()
                .all(|&i| runs[i].1.rules.as_slice()[other] == RuleStatus::Fired)
        };
        let found = (0..model.rules.len()).any(|other| {
            other != index
                && signature(&model.rules.as_slice()[other]) == signature(rule)
                && covered_by(other)
                && (other < index
                    || runs.iter().any(|(_, e)| {
                        e.rules.as_slice()[other] == RuleStatus::Fired
                            && e.rules.as_slice()[index] != RuleStatus::Fired
                    }))
        });
        if found {
            expected.insert((Code::RedundantRule, index, String::new()));
        }
    }
    // A gap: a plausible patient for whom no rule of the section, nested
    // sections included, applies (patients an enclosing first-match
    // section sends elsewhere are not the section's gap). A section with no
    // rules is all gap.
    for (index, section) in model.sections.iter().enumerate() {
        if !section.complete {
            continue;
        }
        let rules = rules_in(model, index);
        let gap = runs.iter().any(|(p, _)| {
            rules.iter().all(|&r| {
                proof_tree(program, p, Target::Rule(RuleId(r as u32)))
                    .first()
                    .is_none_or(|root| root.value != Tri::True)
            })
        });
        if gap {
            let first = rules.first().copied().unwrap_or(usize::MAX);
            expected.insert((Code::CoverageGap, first, section.name.clone()));
        }
    }
    // An overlap: a plausible patient who satisfies two rules of
    // different members of a `disjoint` section.
    for (index, section) in model.sections.iter().enumerate() {
        if !section.disjoint {
            continue;
        }
        let members: Vec<Vec<usize>> = section
            .members
            .iter()
            .map(|member| match member {
                Member::Rule(rule) => vec![rule.index()],
                Member::Section(inner) => rules_in(model, inner.index()),
            })
            .collect();
        for (position, later) in members.iter().enumerate() {
            for earlier in &members[..position] {
                for &rule in later {
                    for &other in earlier {
                        let both = runs.iter().any(|(p, _)| {
                            [rule, other].iter().all(|&r| {
                                proof_tree(program, p, Target::Rule(RuleId(r as u32)))
                                    .first()
                                    .is_some_and(|root| root.value == Tri::True)
                            })
                        });
                        if both {
                            let about =
                                format!("{} r{other}", model.sections.as_slice()[index].name);
                            expected.insert((Code::OverlappingMembers, rule, about));
                        }
                    }
                }
            }
        }
    }
    if runs.iter().any(|(_, e)| {
        e.escalations
            .iter()
            .any(|x| matches!(x.cause, EscalationCause::Exclusive { .. }))
    }) {
        expected.insert((Code::ExclusiveConflict, usize::MAX, String::new()));
    }
    for (_, e) in &runs {
        for escalation in &e.escalations {
            if let EscalationCause::NoAlternative { rule, withheld, .. } = &escalation.cause {
                if model.rules.at(*rule).escalation.is_some() {
                    continue;
                }
                let by_avoid = withheld
                    .iter()
                    .any(|w| matches!(&w.why, Withholding::Avoided(_)));
                if by_avoid {
                    expected.insert((Code::Conflict, rule.index(), String::new()));
                }
            }
        }
    }
    expected
}

/// Every rule of a section, nested sections included.
fn rules_in(model: &Model, section: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for member in &model.sections.as_slice()[section].members {
        match member {
            Member::Rule(rule) => out.push(rule.index()),
            Member::Section(inner) => out.extend(rules_in(model, inner.index())),
        }
    }
    out
}

fn analysed(model: &Model) -> BTreeSet<(Code, usize, String)> {
    claims(&gdl::analysis::findings(model), model)
}

/// Findings keyed as the brute force keys them.
fn claims(findings: &[gdl::analysis::Finding], model: &Model) -> BTreeSet<(Code, usize, String)> {
    findings
        .iter()
        .map(|f| {
            let code = f.code();
            let rule = f.rule().map_or(usize::MAX, |r| r.index());
            match code {
                Code::AlwaysWithheld | Code::UnreachableAlternative => {
                    let action = f
                        .kind
                        .alternative()
                        .map(|a| model.actions.at(a).name.clone());
                    (code, rule, action.unwrap_or_default())
                }
                Code::CoverageGap => {
                    let section = f.section().map(|s| model.sections.at(s).name.clone());
                    (code, rule, section.unwrap_or_default())
                }
                Code::ExclusiveConflict => (code, usize::MAX, String::new()),
                Code::OverlappingMembers => {
                    let FindingKind::OverlappingMembers { section, other, .. } = f.kind else {
                        panic!("{:?}", f.kind);
                    };
                    let section = &model.sections.at(section).name;
                    (code, rule, format!("{section} r{}", other.index()))
                }
                _ => (code, rule, String::new()),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    /// With computed values, which the analysis treats as free, it claims
    /// only what real patients show: each claim that something never
    /// happens holds for every patient of the small domains, and each
    /// claim about some patient holds for its example (a real patient:
    /// its computed values come from its facts).
    #[test]
    fn with_values_the_analysis_claims_only_what_patients_show(seed in any::<u64>()) {
        WITH_VALUES.set(true);
        let text = guideline(seed);
        WITH_VALUES.set(false);
        let compiled = gdl::compile(&text);
        let model = compiled.model.unwrap_or_else(|| panic!("{text}\n{:#?}", compiled.diagnostics));
        let program = Program::new(&model);
        let findings: Vec<gdl::analysis::Finding> = gdl::analysis::findings(&model)
            .into_iter()
            .filter(|f| f.code() != Code::NotAnalysed)
            .collect();
        let mut patients = all_patients_with_values();
        for finding in &findings {
            if let Some(witness) = &finding.witness {
                let mut again = witness.clone();
                program.derive(&mut again);
                prop_assert_eq!(&again, witness, "a witness whose values its facts do not give:\n{}", text);
                patients.push(witness.clone());
            }
        }
        let shown = brute_force_over(&model, &program, patients);
        let claimed = claims(&findings, &model);
        // Values free of their facts can leave a stronger finding unproved,
        // so a weaker one is claimed: "never given" where the patients show
        // "always withheld", or a rule that "never fires" found only
        // shadowed or redundant. Each is still true.
        let stronger = |(code, rule, action): &(Code, usize, String)| -> Vec<(Code, usize, String)> {
            let never_fires = [
                (Code::UnreachableRule, *rule, String::new()),
                (Code::ShadowedRule, *rule, String::new()),
            ];
            match code {
                Code::UnreachableAlternative => std::iter::once((Code::AlwaysWithheld, *rule, action.clone()))
                    .chain(never_fires)
                    .collect(),
                Code::ShadowedRule | Code::RedundantRule | Code::AlwaysWithheld => never_fires.to_vec(),
                _ => Vec::new(),
            }
        };
        let unshown: Vec<_> = claimed
            .iter()
            .filter(|claim| !shown.contains(*claim) && !stronger(claim).iter().any(|s| shown.contains(s)))
            .collect();
        prop_assert!(unshown.is_empty(), "claimed but not shown {:?}\nshown {:?}\nguideline:\n{}", unshown, shown, text);
    }

    #[test]
    fn analysis_agrees_with_brute_force(seed in any::<u64>()) {
        let text = guideline(seed);
        let compiled = gdl::compile(&text);
        let model = compiled.model.unwrap_or_else(|| panic!("{text}\n{:#?}", compiled.diagnostics));
        let program = Program::new(&model);
        let expected = brute_force(&model, &program);
        let found = analysed(&model);
        prop_assert_eq!(found, expected, "guideline:\n{}", text);
    }
}

#[test]
fn opposite_thresholds_in_two_rules_are_fine() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact egfr: quantity mL/min/1.73m2\n\
        action low \"low\"\naction high \"high\"\n\
        rule below { when egfr < 60 mL/min/1.73m2 then recommend low cite R }\n\
        rule above { when egfr >= 60 mL/min/1.73m2 then recommend high cite R }\n";
    let compiled = gdl::check(text);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:#?}",
        compiled.diagnostics
    );
}

#[test]
fn expect_silences_a_finding_with_a_reason() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact weak: bool\nfact ck: bool\naction steroids \"s\"\n\
        rule weakness { when weak then recommend steroids cite R }\n\
        rule weakness_ck { when weak and ck then recommend steroids cite R expect redundant-rule \"kept to cite the CK evidence\" }\n";
    assert!(gdl::check(text).diagnostics.is_empty());
    let without = text.replace(
        " expect redundant-rule \"kept to cite the CK evidence\"",
        "",
    );
    let codes: Vec<Code> = gdl::check(&without)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, vec![Code::RedundantRule]);
}

fn codes(text: &str) -> Vec<Code> {
    gdl::check(text)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

const HEAD: &str = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact weight: quantity kg\n\
    action low \"low\"\naction high \"high\"\n";

#[test]
fn minus_zero_and_zero_are_one_threshold() {
    let text = format!(
        "{HEAD}rule light {{ when weight <= -0 kg then recommend low cite R }}\n\
         rule heavy {{ when weight > 0 kg then recommend high cite R }}\n"
    );
    assert_eq!(codes(&text), vec![]);
    // And the interpreter agrees that 0 kg triggers the `-0` rule.
    let compiled = gdl::compile(&text);
    let model = compiled.model.unwrap_or_else(|| panic!("{text}"));
    let program = Program::new(&model);
    for weight in [0.0, -0.0] {
        let patient = Patient::from_values(None, [Value::Number(weight)]);
        let evaluation = evaluate(&program, &patient);
        assert_eq!(
            evaluation.rules.as_slice()[0],
            RuleStatus::Fired,
            "{weight}"
        );
    }
}

#[test]
fn no_weight_lies_between_two_adjacent_floats() {
    let above = 0.1f64.next_up();
    let text = format!(
        "{HEAD}rule between {{ when weight > 0.1 kg and weight < {above:?} kg then recommend low cite R }}\n\
         rule other {{ when weight >= 0.1 kg then recommend high cite R }}\n"
    );
    assert_eq!(codes(&text), vec![Code::UnreachableRule]);
}

#[test]
fn an_empty_complete_section_is_a_coverage_gap() {
    let text = format!(
        "{HEAD}rule any {{ when weight > 0 kg then recommend low, high cite R }}\n\
         section dosing \"Dosing\" complete {{\n  section inner \"Inner\" first-match {{\n  }}\n}}\n"
    );
    let compiled = gdl::compile(&text);
    let model = compiled.model.unwrap_or_else(|| panic!("{text}"));
    let findings = gdl::analysis::findings(&model);
    let gaps: Vec<_> = findings
        .iter()
        .filter(|f| f.code() == Code::CoverageGap)
        .collect();
    assert_eq!(gaps.len(), 1, "{findings:#?}");
    for gap in gaps {
        // A section that holds no rule at all: the finding has no rule.
        assert_eq!(
            gap.kind,
            FindingKind::CoverageGap {
                section: SectionId(0),
                first_rule: None
            }
        );
        // The witness is a patient the interpreter accepts as plausible.
        let witness = gap.witness.clone().unwrap_or_else(|| panic!("no witness"));
        let evaluation = evaluate(&Program::new(&model), &witness);
        assert_ne!(evaluation.rules.as_slice()[0], RuleStatus::NotReached);
    }
    assert!(codes(&text).contains(&Code::CoverageGap));
}

#[test]
fn a_guideline_without_rules_warns() {
    assert_eq!(
        codes("guideline g \"G\" { version \"1\" }\n"),
        vec![Code::NoRules]
    );
    assert_eq!(codes(HEAD).first(), Some(&Code::NoRules));
}

#[test]
fn rules_that_escalate_differently_are_not_redundant() {
    let rule = |name: &str, when: &str, reason: &str| {
        format!(
            "rule {name} {{ when {when} then recommend low else-escalate \"{reason}\" cite R }}\n"
        )
    };
    let same = format!(
        "{HEAD}{}{}",
        rule("wide", "weight > 10 kg", "refer"),
        rule("narrow", "weight > 20 kg", "refer")
    );
    assert_eq!(codes(&same), vec![Code::UnusedAction, Code::RedundantRule]);
    let differ = same.replacen("\"refer\"", "\"refer to a paediatric team\"", 1);
    assert_eq!(codes(&differ), vec![Code::UnusedAction]);
}
