//! The logic analyses never contradict a brute-force enumeration: on random
//! small guidelines, every verdict equals what the interpreter does for all
//! patients over the small domains (3 bools, a quantity compared with 10, 20
//! and 30 mg, an enum of 3 values and a set over it).

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::collections::BTreeSet;

use gdl::diagnostics::Code;
use gdl::eval::explain::{Target, explain};
use gdl::eval::{
    EscalationCause, Evaluation, Patient, Program, RuleStatus, Tri, Value, Withholding, evaluate,
};
use gdl::sema::{Model, Outcome};
use proptest::prelude::*;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn atom(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("b{}", rng.below(3)),
        1 => {
            let op = ["<", "<=", ">", ">=", "=", "!="][rng.below(6) as usize];
            format!("q {op} {} mg", 10 * (1 + rng.below(3)))
        }
        2 => format!("e = v{}", rng.below(3)),
        3 => format!("e in {{v{}, v{}}}", rng.below(3), rng.below(3)),
        _ => format!("v{} in s", rng.below(3)),
    }
}

fn formula(rng: &mut Rng, depth: u32) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return atom(rng);
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

fn rule(rng: &mut Rng, name: &str) -> String {
    let avoid = rng.below(6) == 0;
    let outcome = if avoid { "avoid" } else { "recommend" };
    let escalate = if !avoid && rng.below(3) == 0 {
        "    else-escalate \"refer\"\n"
    } else {
        ""
    };
    format!(
        "  rule {name} {{\n    when {}\n    then {outcome} {}\n{escalate}    cite R\n  }}\n",
        formula(rng, 2),
        alternatives(rng).join(", ")
    )
}

fn guideline(seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let mut text = String::from(
        "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nenum E { v0, v1, v2 }\n\
         fact b0: bool\nfact b1: bool\nfact b2: bool\nfact q: quantity mg\nfact e: E\nfact s: set of E\n",
    );
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
    text.push_str("section first \"First\" first-match {\n");
    for i in 0..2 + rng.below(4) {
        text.push_str(&rule(&mut rng, &format!("f{i}")));
    }
    text.push_str("}\n");
    let complete = if rng.below(2) == 0 { " complete" } else { "" };
    text.push_str(&format!("section other \"Other\"{complete} {{\n"));
    for i in 0..1 + rng.below(3) {
        text.push_str(&rule(&mut rng, &format!("o{i}")));
    }
    text.push_str("}\n");
    text
}

/// Every total patient over the small domains.
fn all_patients() -> Vec<Patient> {
    let mut out = Vec::new();
    for bools in 0..8u32 {
        for q in [5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0] {
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
    let runs: Vec<(Patient, Evaluation)> = all_patients()
        .into_iter()
        .map(|p| {
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
        let contraindicated = (0..model.actions[action].contraindications.len()).any(|clause| {
            explain(program, patient, Target::Contraindication(action, clause))
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
            explain(program, p, Target::Rule(index))
                .first()
                .is_some_and(|root| root.value == Tri::True)
        });
        let fired: Vec<&(Patient, Evaluation)> = runs
            .iter()
            .filter(|(_, e)| e.rules[index] == RuleStatus::Fired)
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
                let name = model.actions[action.index()].name.clone();
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
                if position > 0 && !given {
                    expected.insert((Code::UnreachableAlternative, index, name));
                }
            }
        }
    }
    // Redundancy: same outcome signature, fires whenever the other fires.
    for (index, rule) in model.rules.iter().enumerate() {
        let fired_here: Vec<usize> = (0..runs.len())
            .filter(|&i| runs[i].1.rules[index] == RuleStatus::Fired)
            .collect();
        if fired_here.is_empty() {
            continue;
        }
        let signature = |r: &gdl::sema::Rule| -> Vec<(bool, Vec<usize>)> {
            r.choices
                .iter()
                .map(|c| {
                    (
                        c.outcome == Outcome::Avoid,
                        c.actions.iter().map(|a| a.index()).collect(),
                    )
                })
                .collect()
        };
        let covered_by = |other: usize| {
            fired_here
                .iter()
                .all(|&i| runs[i].1.rules[other] == RuleStatus::Fired)
        };
        let found = (0..model.rules.len()).any(|other| {
            other != index
                && signature(&model.rules[other]) == signature(rule)
                && covered_by(other)
                && (other < index
                    || runs.iter().any(|(_, e)| {
                        e.rules[other] == RuleStatus::Fired && e.rules[index] != RuleStatus::Fired
                    }))
        });
        if found {
            expected.insert((Code::RedundantRule, index, String::new()));
        }
    }
    for (index, section) in model.sections.iter().enumerate() {
        if !section.complete {
            continue;
        }
        let rules: Vec<usize> = (0..model.rules.len())
            .filter(|&r| model.rules[r].section.map(|s| s.index()) == Some(index))
            .collect();
        let gap = runs
            .iter()
            .any(|(_, e)| rules.iter().all(|&r| e.rules[r] != RuleStatus::Fired));
        if let (true, Some(&first)) = (gap, rules.first()) {
            expected.insert((Code::CoverageGap, first, String::new()));
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
                if model.rules[rule.index()].escalation.is_some() {
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

fn analysed(model: &Model) -> BTreeSet<(Code, usize, String)> {
    gdl::analysis::findings(model)
        .into_iter()
        .map(|f| match f.code {
            Code::AlwaysWithheld | Code::UnreachableAlternative => {
                let name = f.message.split('`').nth(1).unwrap_or_default().to_owned();
                (f.code, f.rule.index(), name)
            }
            Code::ExclusiveConflict => (f.code, usize::MAX, String::new()),
            _ => (f.code, f.rule.index(), String::new()),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

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
