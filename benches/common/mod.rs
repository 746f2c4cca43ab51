//! Synthetic inputs for benchmarks, deterministic from a seed.
//!
//! `guideline(rules, facts)`: `facts` facts cycling through bool, quantity
//! (eGFR-like, mL/min/1.73m2), enum (5 values) and set-of-enum types;
//! `rules / 10` actions, each with one contraindication; rules in sections
//! of 20 (every other section first-match), each rule a conjunction of 2-4
//! random comparisons, recommending 1-3 alternatives and citing a reference.
//!
//! `decision_table(rules, complete)`: one first-match section (marked
//! `complete` or not) of `rules` rows over 7 columns, the shape of a DMN
//! decision table: 5 quantity facts and 2 enum facts, each row an interval
//! (or a set of enum values) on 1 to 7 of them.
#![allow(
    clippy::indexing_slicing,
    reason = "test and benchmark helpers may index: a panic there is a failed run"
)]
#![allow(dead_code, reason = "each bench uses part of this module")]

pub mod decisions;

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn condition(rng: &mut Rng, facts: usize) -> String {
    let fact = rng.below(facts as u64) as usize;
    match fact % 4 {
        0 => {
            if rng.below(2) == 0 {
                format!("f{fact}")
            } else {
                format!("not f{fact}")
            }
        }
        1 => {
            let op = ["<", "<=", ">", ">="][rng.below(4) as usize];
            format!("f{fact} {op} {} mL/min/1.73m2", 15 * (1 + rng.below(8)))
        }
        2 => format!("f{fact} = v{}", rng.below(5)),
        _ => format!("v{} in f{fact}", rng.below(5)),
    }
}

pub fn guideline(rules: usize, facts: usize) -> String {
    let mut rng = Rng::new(0x5eed);
    let mut out = String::from("guideline synthetic \"Synthetic\" { version \"1\" }\n");
    out.push_str("reference R1 pmid 14501840 \"Synthetic reference\"\n");
    out.push_str("enum Level { v0, v1, v2, v3, v4 }\n");
    for fact in 0..facts {
        let ty = match fact % 4 {
            0 => "bool",
            1 => "quantity mL/min/1.73m2",
            2 => "Level",
            _ => "set of Level",
        };
        out.push_str(&format!("fact f{fact}: {ty} \"Fact {fact}\"\n"));
    }
    let actions = (rules / 10).max(3);
    for action in 0..actions {
        out.push_str(&format!(
            "action a{action} \"Action {action}\" {{\n  contraindicated-if {} because \"risk\" cite R1\n}}\n",
            condition(&mut rng, facts)
        ));
    }
    let mut rule = 0;
    let mut section = 0;
    while rule < rules {
        let first_match = if section % 2 == 0 { " first-match" } else { "" };
        out.push_str(&format!(
            "section s{section} \"Section {section}\"{first_match} {{\n"
        ));
        for _ in 0..20 {
            if rule >= rules {
                break;
            }
            let terms: Vec<String> = (0..2 + rng.below(3))
                .map(|_| condition(&mut rng, facts))
                .collect();
            let alternatives: Vec<String> = (0..1 + rng.below(3))
                .map(|_| format!("a{}", rng.below(actions as u64)))
                .collect();
            out.push_str(&format!(
                "  rule r{rule} \"Rule {rule}\" {{\n    when {}\n    then recommend {}\n    else-escalate \"refer\"\n    cite R1\n  }}\n",
                terms.join(" and "),
                alternatives.join(", ")
            ));
            rule += 1;
        }
        out.push_str("}\n");
        section += 1;
    }
    out
}

/// A first-match table of `rules` rows over 5 quantity columns (`n0`-`n4`,
/// in mg, thresholds multiples of 10 from 0 to 250) and 2 enum columns
/// (`e5`, `e6`, of 5 values); each row tests 1 to 7 distinct columns, an
/// interval `low <= n < high` or a membership `e in {…}`, and recommends
/// one of 10 actions. `complete` marks the section `complete` (W0408).
pub fn decision_table(rules: usize, complete: bool) -> String {
    let mut rng = Rng::new(0xd3a);
    let mut out = String::from("guideline table \"Decision table\" { version \"1\" }\n");
    out.push_str("reference R1 pmid 14501840 \"Synthetic reference\"\n");
    out.push_str("enum Level { v0, v1, v2, v3, v4 }\n");
    for column in 0..5 {
        out.push_str(&format!(
            "fact n{column}: quantity mg \"Column {column}\"\n"
        ));
    }
    for column in 5..7 {
        out.push_str(&format!("fact e{column}: Level \"Column {column}\"\n"));
    }
    for action in 0..10 {
        out.push_str(&format!("action a{action} \"Action {action}\"\n"));
    }
    let modifiers = if complete {
        "first-match complete"
    } else {
        "first-match"
    };
    out.push_str(&format!("section table \"Table\" {modifiers} {{\n"));
    for rule in 0..rules {
        let mut columns: Vec<u64> = (0..7).collect();
        let mut tests = Vec::new();
        for _ in 0..1 + rng.below(7) {
            let column = columns.remove(rng.below(columns.len() as u64) as usize);
            if column < 5 {
                let low = 10 * rng.below(20);
                let high = low + 10 * (1 + rng.below(6));
                tests.push(format!("n{column} >= {low} mg and n{column} < {high} mg"));
            } else {
                let values: Vec<String> = (0..5)
                    .filter(|_| rng.below(2) == 0)
                    .map(|v| format!("v{v}"))
                    .collect();
                let values = if values.is_empty() {
                    vec![format!("v{}", rng.below(5))]
                } else {
                    values
                };
                tests.push(format!("e{column} in {{{}}}", values.join(", ")));
            }
        }
        out.push_str(&format!(
            "  rule r{rule} {{\n    when {}\n    then recommend a{}\n    cite R1\n  }}\n",
            tests.join(" and "),
            rng.below(10)
        ));
    }
    out.push_str("}\n");
    out
}

// ---------------------------------------------------------------------------
// Synthetic patients for guidelines/dermatomyositis.gdl
// ---------------------------------------------------------------------------

/// Probability `per_mille / 1000`.
pub fn chance(rng: &mut Rng, per_mille: u64) -> bool {
    rng.below(1000) < per_mille
}

/// One patient as a line of JSON facts (the NDJSON shape `gdl run` reads):
/// `"@id"` then each fact in order, but those `missing` says to leave out
/// (asked with the fact's place in `facts`), one time in four written as
/// `null` instead.
pub fn facts_line(
    id: &str,
    facts: &[(&str, String)],
    rng: &mut Rng,
    mut missing: impl FnMut(&mut Rng, usize) -> bool,
) -> String {
    use std::fmt::Write;
    let mut line = format!("{{\"@id\": \"{id}\"");
    for (index, (name, text)) in facts.iter().enumerate() {
        if missing(rng, index) {
            if rng.below(4) == 0 {
                let _ = write!(line, ", \"{name}\": null");
            }
            continue;
        }
        let _ = write!(line, ", \"{name}\": {text}");
    }
    line.push('}');
    line
}

/// One synthetic patient for `guidelines/dermatomyositis.gdl`, as one line
/// of JSON facts (the NDJSON shape `gdl run` reads). Deterministic in `rng`.
///
/// The patient is built to be clinically plausible, then degraded:
/// - Disease: myositis 70%; weakness 75% with myositis, 10% without;
///   subclinical muscle disease 40% of those without weakness; skin disease
///   80%, with 1-4 random body sites (scalp, face, trunk… all reachable);
///   pruritus 50% (severe despite topicals: 30% of those); skin flare 20%
///   and unresponsive to topicals 45% of skin disease; severe disease 20%,
///   muscle flare 15%; ILD 25%, vasculitis 15%, respiratory muscles 10%,
///   malignancy 15%.
/// - Antibodies: anti-synthetase, anti-SRP, anti-MDA5 15% each, the other
///   eight 5% each (so the set is often empty).
/// - Treatment: on systemic corticosteroids 60% (taper 30% of those);
///   `failed` holds high-dose oral corticosteroids 45%, methotrexate 45%,
///   azathioprine 40%, hydroxychloroquine 45%, chloroquine 40% and every
///   other agent 12%; time on azathioprine around the 6-month threshold
///   (0, 3, 5.9, 6, 6.1, 8 or 12 mo, sometimes given as 26 wk or 183 d);
///   the other bools 10-60%.
/// - Safety: renal impairment 20%, hypertension 30%, child-bearing
///   potential 40% (pregnant 10% of those; effective contraception 60%),
///   G6PD deficiency 10%.
/// - Unknowns: half the patients have every fact; the others lose each fact
///   with probability 5%, 15% or 35% (by patient), written as a missing
///   key or, one time in four, as `null`.
/// - Implausible: `implausible_per_mille` patients violate one invariant
///   (its premise true, its conclusion false), e.g. pregnant without
///   child-bearing potential.
pub fn dermatomyositis_patient(rng: &mut Rng, id: usize, implausible_per_mille: u64) -> String {
    patient_missing(rng, id, implausible_per_mille, None)
}

/// A patient as [`dermatomyositis_patient`] writes one, but with each fact
/// missing with probability `missing_per_mille` when given.
fn patient_missing(
    rng: &mut Rng,
    id: usize,
    implausible_per_mille: u64,
    missing_per_mille: Option<u64>,
) -> String {
    const SITES: [&str; 7] = [
        "trunk", "limbs", "hands", "scalp", "face", "eyelids", "neck",
    ];
    const ANTIBODIES: [&str; 11] = [
        "anti_synthetase",
        "anti_SRP",
        "anti_MDA5",
        "anti_Mi2",
        "anti_TIF1_gamma",
        "anti_NXP2",
        "anti_SAE",
        "anti_PM_Scl",
        "anti_Ku",
        "anti_U1_RNP",
        "anti_Ro52",
    ];
    // Agents that can be in `failed`, with their chance (per mille).
    const FAILED: [(&str, u64); 14] = [
        ("high_dose_oral_corticosteroids", 450),
        ("methotrexate", 450),
        ("azathioprine", 400),
        ("hydroxychloroquine", 450),
        ("chloroquine", 400),
        ("ciclosporin", 120),
        ("tacrolimus_oral", 120),
        ("mycophenolate", 120),
        ("cyclophosphamide", 120),
        ("chlorambucil", 120),
        ("thalidomide", 120),
        ("dapsone", 120),
        ("concomitant_immunosuppressant", 120),
        ("ivig", 120),
    ];
    const MONTHS: [&str; 9] = [
        "{\"value\": 0, \"unit\": \"mo\"}",
        "{\"value\": 3, \"unit\": \"mo\"}",
        "{\"value\": 5.9, \"unit\": \"mo\"}",
        "{\"value\": 6, \"unit\": \"mo\"}",
        "{\"value\": 6.1, \"unit\": \"mo\"}",
        "{\"value\": 8, \"unit\": \"mo\"}",
        "{\"value\": 12, \"unit\": \"mo\"}",
        "{\"value\": 26, \"unit\": \"wk\"}",
        "{\"value\": 183, \"unit\": \"d\"}",
    ];

    let r = rng;
    let myositis = chance(r, 700);
    let weakness = chance(r, if myositis { 750 } else { 100 });
    let subclinical = !weakness && chance(r, 400);
    let skin = chance(r, 800);
    let biopsy = skin && chance(r, 500);
    let mut sites = Vec::new();
    if skin {
        for _ in 0..1 + r.below(4) {
            let site = SITES[r.below(7) as usize];
            if !sites.contains(&site) {
                sites.push(site);
            }
        }
    }
    let pruritus = skin && chance(r, 500);
    let severe_pruritus = pruritus && chance(r, 300);
    let mut antibodies = Vec::new();
    for (i, name) in ANTIBODIES.iter().enumerate() {
        if chance(r, if i < 3 { 150 } else { 50 }) {
            antibodies.push(*name);
        }
    }
    let skin_flare = skin && chance(r, 200);
    let unresponsive = skin && chance(r, 450);
    let on_steroids = chance(r, 600);
    let taper = on_steroids && chance(r, 300);
    let mut failed = Vec::new();
    for (name, per_mille) in FAILED {
        if chance(r, per_mille) {
            failed.push(name);
        }
    }
    let months = MONTHS[r.below(MONTHS.len() as u64) as usize];
    let childbearing = chance(r, 400);
    let pregnant = childbearing && chance(r, 100);

    let mut facts: Vec<(&str, String)> = vec![
        ("myositis", myositis.to_string()),
        ("muscle_weakness", weakness.to_string()),
        ("subclinical_muscle_disease", subclinical.to_string()),
        ("skin_disease", skin.to_string()),
        ("skin_biopsy_confirmed", biopsy.to_string()),
        ("skin_sites", format!("{sites:?}")),
        ("pruritus", pruritus.to_string()),
        (
            "severe_pruritus_despite_topicals",
            severe_pruritus.to_string(),
        ),
        ("antibodies", format!("{antibodies:?}")),
        ("interstitial_lung_disease", chance(r, 250).to_string()),
        ("vasculitis", chance(r, 150).to_string()),
        ("respiratory_muscle_involvement", chance(r, 100).to_string()),
        ("underlying_malignancy", chance(r, 150).to_string()),
        ("severe_disease", chance(r, 200).to_string()),
        ("acute_muscle_flare", chance(r, 150).to_string()),
        ("acute_skin_flare", skin_flare.to_string()),
        ("skin_unresponsive_to_topicals", unresponsive.to_string()),
        (
            "active_despite_optimal_immunosuppression",
            chance(r, 200).to_string(),
        ),
        ("failed", format!("{failed:?}")),
        ("on_systemic_corticosteroids", on_steroids.to_string()),
        ("corticosteroid_taper_in_progress", taper.to_string()),
        ("treatment_response_achieved", chance(r, 400).to_string()),
        // Invariants: an IV course, and a corticosteroid-sparing need, are
        // of corticosteroids being taken; toxicity means azathioprine failed.
        (
            "iv_corticosteroid_course_completed",
            (chance(r, 300) && on_steroids).to_string(),
        ),
        ("physician_chooses_initial_ivig", chance(r, 250).to_string()),
        (
            "corticosteroid_sparing_needed",
            (chance(r, 400) && on_steroids).to_string(),
        ),
        ("time_on_azathioprine", months.to_owned()),
        (
            "azathioprine_stopped_for_toxicity",
            (chance(r, 300) && failed.contains(&"azathioprine")).to_string(),
        ),
        ("renal_impairment", chance(r, 200).to_string()),
        ("hypertension", chance(r, 300).to_string()),
        ("pregnant", pregnant.to_string()),
        ("childbearing_potential", childbearing.to_string()),
        ("effective_contraception", chance(r, 600).to_string()),
        ("g6pd_deficiency", chance(r, 100).to_string()),
    ];

    if chance(r, implausible_per_mille) {
        // (premise, conclusion, value that violates the conclusion)
        const VIOLATIONS: [(&str, &str, &str); 8] = [
            ("pregnant", "childbearing_potential", "false"),
            ("subclinical_muscle_disease", "muscle_weakness", "true"),
            (
                "corticosteroid_taper_in_progress",
                "on_systemic_corticosteroids",
                "false",
            ),
            ("acute_skin_flare", "skin_disease", "false"),
            ("skin_unresponsive_to_topicals", "skin_disease", "false"),
            ("severe_pruritus_despite_topicals", "pruritus", "false"),
            (
                "iv_corticosteroid_course_completed",
                "on_systemic_corticosteroids",
                "false",
            ),
            (
                "corticosteroid_sparing_needed",
                "on_systemic_corticosteroids",
                "false",
            ),
        ];
        let (premise, conclusion, value) = VIOLATIONS[r.below(8) as usize];
        for (name, text) in facts.iter_mut() {
            if *name == premise {
                *text = "true".to_owned();
            } else if *name == conclusion {
                *text = value.to_owned();
            }
        }
    }

    let by_patient = match r.below(6) {
        0..=2 => 0,
        3 => 50,
        4 => 150,
        _ => 350,
    };
    let missing = missing_per_mille.unwrap_or(by_patient);
    facts_line(&format!("p{id}"), &facts, r, |r, _| chance(r, missing))
}

/// `n` synthetic dermatomyositis patients, one JSON object per line (see
/// [`dermatomyositis_patient`]); the benchmark cohort uses 1% implausible.
pub fn dermatomyositis_cohort(n: usize, seed: u64, implausible_per_mille: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|id| dermatomyositis_patient(&mut rng, id, implausible_per_mille))
        .collect()
}

/// `n` synthetic patients as [`dermatomyositis_cohort`] writes them, each
/// fact missing with probability `missing_per_mille` (the evaluation
/// benchmark's cohort with 30% of facts unknown).
pub fn dermatomyositis_cohort_missing(
    n: usize,
    seed: u64,
    implausible_per_mille: u64,
    missing_per_mille: u64,
) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|id| patient_missing(&mut rng, id, implausible_per_mille, Some(missing_per_mille)))
        .collect()
}
