//! The first-match analyses on decision tables (one first-match section of
//! 50 to 200 rules over 3 quantity columns, an enum and a bool; `complete`
//! or not) never contradict the interpreter, and the interval-box search
//! that decides them agrees with the plain SAT questions:
//!
//! - an exhaustive oracle: a patient in every cell of the thresholds (every
//!   multiple of 5 from 0 to 65 mg), every enum value and both bools; a
//!   rule is unreachable (W0401) or shadowed (W0402) exactly when none of
//!   them fires it, and a `complete` table has a gap (W0408) exactly when
//!   one of them gets no decision;
//! - a sampling oracle: random patients with values off the thresholds'
//!   grid (fractions, negatives, far above) never fire a rule reported as
//!   never firing, and a patient who gets no decision means a gap;
//! - the box search and SAT alone (`findings_within(model, 0)`) give the
//!   same findings on the smaller tables;
//! - a budget too small to decide reports rules not analysed (W0409)
//!   instead of passing them.
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]
#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::collections::BTreeSet;

use gdl::analysis::{FindingKind, Shadower, findings, findings_within};
use gdl::diagnostics::Code;
use gdl::eval::{Patient, Program, RuleStatus, Value, evaluate};
use gdl::sema::Model;
use proptest::prelude::*;

mod support;

use support::Rng;

/// A first-match table of `rules` rows, `complete` and `disjoint` or not;
/// thresholds are multiples of 10 from 10 to 60 mg.
fn table(seed: u64, rules: usize, complete: bool, disjoint: bool) -> String {
    let mut rng = Rng(seed | 1);
    let mut out = String::from(
        "guideline t \"T\" {}\nreference R pmid 1 \"r\"\nenum Level { v0, v1, v2, v3 }\n\
         fact q0: quantity mg\nfact q1: quantity mg\nfact q2: quantity mg\n\
         fact e: Level\nfact b: bool\naction a0\naction a1\naction a2\n",
    );
    let mut modifiers = String::from("first-match");
    if complete {
        modifiers.push_str(" complete");
    }
    if disjoint {
        modifiers.push_str(" disjoint");
    }
    out.push_str(&format!("section table {modifiers} {{\n"));
    for rule in 0..rules {
        let mut tests = Vec::new();
        for column in 0..5u64 {
            if rng.below(5) >= 2 {
                continue;
            }
            let low = 10 * (1 + rng.below(4));
            let high = low + 10 * (1 + rng.below(2));
            tests.push(match column {
                0..=2 => match rng.below(6) {
                    0 => format!("q{column} in {low}..<{high} mg"),
                    1 => format!("q{column} > {low} mg and q{column} <= {high} mg"),
                    2 if rng.below(2) == 0 => format!("q{column} in {low}..{high} mg"),
                    2 => format!("q{column} = {low} mg"),
                    3 => format!("not (q{column} < {low} mg)"),
                    4 => format!("q{column} < {low} mg"),
                    _ => format!("q{column} != {low} mg"),
                },
                3 => format!("e in {{v{}, v{}}}", rng.below(4), rng.below(4)),
                _ => ["b", "not b"][rng.below(2) as usize].to_owned(),
            });
        }
        let when = if tests.is_empty() {
            "b".to_owned()
        } else {
            tests.join(" and ")
        };
        out.push_str(&format!(
            "  rule r{rule} {{ when {when} then recommend a{} cite R }}\n",
            rng.below(3)
        ));
    }
    out.push_str("}\n");
    out
}

fn model(text: &str) -> Model {
    let compiled = gdl::compile(text);
    compiled
        .model
        .unwrap_or_else(|| panic!("{text}\n{:#?}", compiled.diagnostics))
}

fn patient(q: [f64; 3], e: u32, b: bool) -> Patient {
    Patient::from_values(
        None,
        [
            Value::Number(q[0]),
            Value::Number(q[1]),
            Value::Number(q[2]),
            Value::Enum(e),
            Value::Bool(b),
        ],
    )
}

/// Which rules fire for some patient, and whether some patient gets no
/// decision, over these patients.
fn run(model: &Model, patients: impl Iterator<Item = Patient>) -> (Vec<bool>, bool) {
    let program = Program::new(model);
    let mut fired = vec![false; model.rules.len()];
    let mut gap = false;
    for patient in patients {
        let evaluation = evaluate(&program, &patient);
        let mut any = false;
        for (index, status) in evaluation.rules.iter().enumerate() {
            if *status == RuleStatus::Fired {
                fired[index] = true;
                any = true;
            }
        }
        gap |= !any;
    }
    (fired, gap)
}

/// For each rule, the rules that fire first for some of its patients,
/// over these patients: `plain` is the table with its rules in a plain
/// section, where a rule fires exactly when its condition holds.
fn takers(
    model: &Model,
    plain: &Model,
    patients: impl Iterator<Item = Patient>,
) -> Vec<BTreeSet<usize>> {
    let (program, plain) = (Program::new(model), Program::new(plain));
    let mut out = vec![BTreeSet::new(); model.rules.len()];
    for patient in patients {
        let fired = evaluate(&program, &patient)
            .rules
            .iter()
            .position(|s| *s == RuleStatus::Fired);
        let holds = evaluate(&plain, &patient);
        for (index, status) in holds.rules.iter().enumerate() {
            if let (RuleStatus::Fired, Some(fired)) = (status, fired)
                && fired < index
            {
                out[index].insert(fired);
            }
        }
    }
    out
}

/// Each W0402 names earlier rules that take its patients (all of them, or
/// three and "more" when there are more), by the exhaustive oracle.
fn check_takers(model: &Model, text: &str) {
    let plain = self::model(&text.replace("section table first-match", "section table"));
    let truth = takers(model, &plain, every_cell());
    for finding in findings(model) {
        let FindingKind::ShadowedRule {
            rule,
            shadowers,
            more,
        } = finding.kind
        else {
            continue;
        };
        let named: BTreeSet<usize> = shadowers.iter().map(|s| s.rule.index()).collect();
        let all = &truth[rule.index()];
        assert!(
            named.is_subset(all),
            "r{}: {named:?} of {all:?}\n{text}",
            rule.index()
        );
        if more {
            assert!(
                named.len() == 3 && all.len() > 3,
                "r{}\n{text}",
                rule.index()
            );
        } else {
            assert_eq!(&named, all, "r{}\n{text}", rule.index());
        }
    }
}

/// Pairs of rules, (later, earlier), by index.
type Pairs = BTreeSet<(usize, usize)>;

/// The W0410 pairs (later rule, earlier rule) found, and the pairs of rules
/// some patient satisfies both of by the exhaustive oracle, which must be
/// the same; `plain` is the table in a plain section, where a rule fires
/// exactly when its condition holds.
fn overlaps(model: &Model, text: &str) -> (Pairs, Pairs) {
    let plain = self::model(&text.replace("section table first-match", "section table"));
    let plain = Program::new(&plain);
    let mut truth = BTreeSet::new();
    if model.sections.as_slice()[0].disjoint {
        for patient in every_cell() {
            let holds: Vec<usize> = evaluate(&plain, &patient)
                .rules
                .iter()
                .enumerate()
                .filter(|(_, status)| **status == RuleStatus::Fired)
                .map(|(index, _)| index)
                .collect();
            for (at, later) in holds.iter().enumerate() {
                truth.extend(holds[..at].iter().map(|earlier| (*later, *earlier)));
            }
        }
    }
    let found = findings(model)
        .into_iter()
        .filter_map(|finding| match finding.kind {
            FindingKind::OverlappingMembers { rule, other, .. } => {
                Some((rule.index(), other.index()))
            }
            _ => None,
        })
        .collect();
    (found, truth)
}

/// A patient in every cell: the thresholds 10 … 60 and a point in each gap.
fn every_cell() -> impl Iterator<Item = Patient> {
    let values: Vec<f64> = (0..=13).map(|i| 5.0 * i as f64).collect();
    let mut out = Vec::new();
    for &q0 in &values {
        for &q1 in &values {
            for &q2 in &values {
                for e in 0..4 {
                    for b in [false, true] {
                        out.push(patient([q0, q1, q2], e, b));
                    }
                }
            }
        }
    }
    out.into_iter()
}

/// Random patients, their values off the grid of `every_cell`.
fn samples(seed: u64, count: usize) -> impl Iterator<Item = Patient> {
    let mut rng = Rng((seed ^ 0x5a5a) | 1);
    (0..count).map(move |_| {
        let mut q = [0.0; 3];
        for value in &mut q {
            *value = rng.below(7000) as f64 / 100.0 - 5.0;
        }
        patient(q, rng.below(4) as u32, rng.below(2) == 0)
    })
}

/// (code, rule) of each finding; W0408 as rule `usize::MAX`.
fn codes(model: &Model, budget: Option<u64>) -> BTreeSet<(Code, usize)> {
    let found = match budget {
        Some(budget) => findings_within(model, budget),
        None => findings(model),
    };
    found
        .iter()
        .map(|f| {
            let rule = match f.kind {
                FindingKind::CoverageGap { .. } => usize::MAX,
                _ => f.rule().map_or(usize::MAX, |r| r.index()),
            };
            (f.code(), rule)
        })
        .collect()
}

fn check_table(seed: u64, rules: usize, complete: bool, disjoint: bool) {
    let text = table(seed, rules, complete, disjoint);
    let model = model(&text);
    let found = codes(&model, None);
    let (fired, gap) = run(&model, every_cell());
    let (overlapping, overlapping_truth) = overlaps(&model, &text);
    assert_eq!(overlapping, overlapping_truth, "table:\n{text}");
    let mut expected: BTreeSet<(Code, usize)> = overlapping
        .iter()
        .map(|(later, _)| (Code::OverlappingMembers, *later))
        .collect();
    for (index, fired) in fired.iter().enumerate() {
        if !fired {
            // Never fired: unreachable when no patient satisfies the
            // condition, else shadowed; the analysis tells which.
            let code = if found.contains(&(Code::UnreachableRule, index)) {
                Code::UnreachableRule
            } else {
                Code::ShadowedRule
            };
            expected.insert((code, index));
        }
    }
    if complete && gap {
        expected.insert((Code::CoverageGap, usize::MAX));
    }
    assert_eq!(found, expected, "table:\n{text}");
    let (sampled, sample_gap) = run(&model, samples(seed, 3000));
    for (index, fired) in sampled.iter().enumerate() {
        let never_fires = [Code::UnreachableRule, Code::ShadowedRule];
        assert!(
            !fired
                || !never_fires
                    .iter()
                    .any(|code| found.contains(&(*code, index))),
            "rule r{index} fires for a sampled patient:\n{text}"
        );
    }
    assert!(!complete || !sample_gap || found.contains(&(Code::CoverageGap, usize::MAX)));
    check_takers(&model, &text);
}

/// A finding as the box search and SAT alone must agree on it: which
/// earlier rule fires for the example patient, and which three are named
/// when more than three take a rule's patients, depend on the patients
/// each finds (`check_takers` holds both to the oracle).
fn comparable(kind: FindingKind) -> FindingKind {
    match kind {
        FindingKind::ShadowedRule {
            rule,
            shadowers,
            more,
        } => FindingKind::ShadowedRule {
            rule,
            shadowers: if more {
                Vec::new()
            } else {
                shadowers
                    .into_iter()
                    .map(|s| Shadower {
                        fires_for_witness: false,
                        ..s
                    })
                    .collect()
            },
            more,
        },
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn tables_agree_with_every_cell_and_with_samples(
        seed in any::<u64>(),
        rules in 50usize..=120,
        complete in any::<bool>(),
        disjoint in any::<bool>(),
    ) {
        check_table(seed, rules, complete, disjoint);
    }

    #[test]
    fn boxes_agree_with_sat_alone(
        seed in any::<u64>(),
        complete in any::<bool>(),
        disjoint in any::<bool>(),
    ) {
        let model = model(&table(seed, 50, complete, disjoint));
        let with_boxes: Vec<FindingKind> =
            findings(&model).into_iter().map(|f| comparable(f.kind)).collect();
        let sat_only: Vec<FindingKind> =
            findings_within(&model, 0).into_iter().map(|f| comparable(f.kind)).collect();
        prop_assert_eq!(with_boxes, sat_only);
    }
}

#[test]
fn a_table_of_200_rules_agrees() {
    check_table(7, 200, true, true);
}

/// A dose table of 1,000 bands (40 of one quantity by 25 of another),
/// `first-match complete disjoint`: its bands tile the space, so nothing is
/// found, and each of its half a million pairs is a box intersection, not
/// a SAT call (this test would take minutes otherwise).
#[test]
fn a_disjoint_table_of_1000_bands_has_no_overlap() {
    let mut text = String::from(
        "guideline t \"T\" {}\nreference R pmid 1 \"r\"\n\
         fact q0: quantity mg\nfact q1: quantity mg\naction a\n\
         section table first-match complete disjoint {\n",
    );
    let band = |column: usize, at: usize, last: usize| match at {
        0 => format!("q{column} < 10 mg"),
        _ if at == last => format!("q{column} >= {} mg", 10 * at),
        _ => format!("q{column} in {}..<{} mg", 10 * at, 10 * (at + 1)),
    };
    for row in 0..40 {
        for column in 0..25 {
            text.push_str(&format!(
                "  rule r{row}_{column} {{ when {} and {} then recommend a cite R }}\n",
                band(0, row, 39),
                band(1, column, 24)
            ));
        }
    }
    text.push_str("}\n");
    let model = model(&text);
    let found = codes(&model, None);
    assert_eq!(found, BTreeSet::new());
}

/// Rule `late` needs two pieces: its box minus `low0`, then minus `low1`.
const TWO_PIECES: &str = "guideline t \"T\" {}\nreference R pmid 1 \"r\"\n\
    fact q0: quantity mg\nfact q1: quantity mg\naction a\n\
    section table first-match {\n\
    rule low0 { when q0 < 20 mg then recommend a cite R }\n\
    rule low1 { when q1 < 20 mg then recommend a cite R }\n\
    rule late { when q0 >= 10 mg and q1 >= 10 mg then recommend a cite R }\n}\n";

#[test]
fn a_budget_too_small_reports_rules_not_analysed() {
    let model = model(TWO_PIECES);
    let found = codes(&model, Some(1));
    assert!(
        found.iter().any(|(code, _)| *code == Code::NotAnalysed),
        "{found:?}"
    );
    // A rule left undecided has no other finding.
    for (code, rule) in &found {
        if *code == Code::NotAnalysed && *rule != usize::MAX {
            assert_eq!(found.iter().filter(|(_, r)| r == rule).count(), 1);
        }
    }
}

/// The golden of W0409 (docs/diagnostics.md): no table small enough for a
/// golden file exceeds the default budget, so it is rendered here with a
/// budget of 1 piece, as `gdl check` prints it.
#[test]
fn not_analysed_golden() {
    use gdl::diagnostics::render::{self, HumanStyle, SourceFile};
    let text = TWO_PIECES.to_owned();
    let model = model(&text);
    let source = SourceFile::new("table.gdl", text.clone());
    let mut out = format!("----- SOURCE CODE\n{text}----- DIAGNOSTICS\n");
    for finding in findings_within(&model, 1) {
        if finding.code() == Code::NotAnalysed {
            let diagnostic = finding.to_diagnostic(&model);
            out.push_str(&render::human(&diagnostic, &source, HumanStyle::PLAIN));
            out.push('\n');
        }
    }
    insta::assert_snapshot!(out);
}
