//! The scored guideline of issue 19's speed target:
//! `guidelines/af-anticoagulation.gdl` (two CHA2DS2-VASc scores with
//! sex-specific thresholds, HAS-BLED as a caution, an equal choice of four
//! DOACs with pregnancy and renal contraindications, four first-match dose
//! sections over the Cockcroft–Gault creatinine clearance, three
//! invariants), with
//!
//! - [`cohort`]: synthetic patients for it, one JSON object per line,
//!   deterministic from a seed (plausible ages, weights, creatinine and risk
//!   factors; 65% of patients complete, 30% missing one fact, 5% missing
//!   three; 2 in 1,000 implausible);
//! - [`evaluate`]: the same decisions written by hand in Rust, as a
//!   programmer would for this one guideline, with the semantics of
//!   docs/language.md §17 under Kleene logic (`Program::kleene_only`):
//!   invariants first, scores and counts as intervals, computed values
//!   unknown when a fact they read is, first-match sections, avoids before
//!   recommendations, equal choices, withheld options and why, cautions,
//!   escalations.
//!
//! As in `benches/small`, every value carries the unknown facts it was read
//! through ([`Truth`]; a creatinine clearance through the unknown facts it
//! is computed from), so `tests/native_af.rs` compares whole decisions,
//! `needs` included. Rule, action and fact indices are the compiled
//! model's (declaration order); the test checks them.
#![allow(
    dead_code,
    reason = "the test and the benchmarks each use part of this module"
)]
#![allow(
    clippy::indexing_slicing,
    reason = "hand-written baseline over fixed indices: a panic is a failed run"
)]

use super::common::chance;
use super::common::decisions::statuses;
pub use super::common::decisions::{K, Status, Truth, Why};
use gdl::eval::{EscalationCause, Evaluation, Patient, Tri, Value, Withholding};
use gdl::sema::FactId;

/// The guideline's path, from the crate root.
pub const GUIDELINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/guidelines/af-anticoagulation.gdl"
);

// ---------------------------------------------------------------------------
// Indices of the compiled model (declaration order in the file).
// ---------------------------------------------------------------------------

/// The facts the facts file gives, in declaration order (the computed
/// values come after them in the model).
pub const FACT_NAMES: [&str; 20] = [
    "sex",
    "age",
    "weight",
    "creatinine",
    "systolic_bp",
    "heart_failure",
    "hypertension",
    "diabetes",
    "prior_stroke",
    "prior_tia_or_thromboembolism",
    "vascular_disease",
    "renal_replacement",
    "abnormal_liver_function",
    "bleeding_history",
    "labile_inr",
    "antiplatelet_or_nsaid",
    "alcohol_excess",
    "mechanical_heart_valve",
    "mitral_stenosis",
    "pregnant",
];

/// Fact indices.
pub mod fact {
    pub const SEX: u32 = 0;
    pub const AGE: u32 = 1;
    pub const WEIGHT: u32 = 2;
    pub const CREATININE: u32 = 3;
    pub const SYSTOLIC_BP: u32 = 4;
    pub const HEART_FAILURE: u32 = 5;
    pub const HYPERTENSION: u32 = 6;
    pub const DIABETES: u32 = 7;
    pub const PRIOR_STROKE: u32 = 8;
    pub const PRIOR_TIA_OR_THROMBOEMBOLISM: u32 = 9;
    pub const VASCULAR_DISEASE: u32 = 10;
    pub const RENAL_REPLACEMENT: u32 = 11;
    pub const ABNORMAL_LIVER_FUNCTION: u32 = 12;
    pub const BLEEDING_HISTORY: u32 = 13;
    pub const LABILE_INR: u32 = 14;
    pub const ANTIPLATELET_OR_NSAID: u32 = 15;
    pub const ALCOHOL_EXCESS: u32 = 16;
    pub const MECHANICAL_HEART_VALVE: u32 = 17;
    pub const MITRAL_STENOSIS: u32 = 18;
    pub const PREGNANT: u32 = 19;
}

pub const ACTION_NAMES: [&str; 14] = [
    "apixaban",
    "dabigatran",
    "edoxaban",
    "rivaroxaban",
    "warfarin",
    "aspirin_monotherapy",
    "apixaban_5mg_bd",
    "apixaban_2_5mg_bd",
    "dabigatran_150mg_bd",
    "dabigatran_110mg_bd",
    "edoxaban_60mg_od",
    "edoxaban_30mg_od",
    "rivaroxaban_20mg_od",
    "rivaroxaban_15mg_od",
];

/// Action indices.
pub mod action {
    pub const APIXABAN: u8 = 0;
    pub const DABIGATRAN: u8 = 1;
    pub const EDOXABAN: u8 = 2;
    pub const RIVAROXABAN: u8 = 3;
    pub const WARFARIN: u8 = 4;
    pub const ASPIRIN_MONOTHERAPY: u8 = 5;
    pub const APIXABAN_5MG_BD: u8 = 6;
    pub const APIXABAN_2_5MG_BD: u8 = 7;
    pub const DABIGATRAN_150MG_BD: u8 = 8;
    pub const DABIGATRAN_110MG_BD: u8 = 9;
    pub const EDOXABAN_60MG_OD: u8 = 10;
    pub const EDOXABAN_30MG_OD: u8 = 11;
    pub const RIVAROXABAN_20MG_OD: u8 = 12;
    pub const RIVAROXABAN_15MG_OD: u8 = 13;
}

/// Number of actions.
pub const ACTIONS: usize = 14;

/// Number of rules.
pub const RULES: usize = 15;

pub const RULE_NAMES: [&str; RULES] = [
    "valvular_af_vka",
    "very_low_risk_no_anticoagulation",
    "offer_doac",
    "consider_doac_men_score_1",
    "no_aspirin_monotherapy",
    "apixaban_reduced_renal",
    "apixaban_reduced_criteria",
    "apixaban_standard",
    "dabigatran_reduced_age_80",
    "dabigatran_either_dose",
    "dabigatran_standard",
    "edoxaban_reduced",
    "edoxaban_standard",
    "rivaroxaban_reduced",
    "rivaroxaban_standard",
];

/// `Sex` values (the index is [`Facts::sex`]).
pub const SEX_NAMES: [&str; 2] = ["female", "male"];
const FEMALE: u8 = 0;
const MALE: u8 = 1;

/// `MitralStenosis` values (the index is [`Facts::mitral_stenosis`]).
pub const MITRAL_STENOSIS_NAMES: [&str; 4] = ["none", "mild", "moderate", "severe"];
const MODERATE: u8 = 2;
const SEVERE: u8 = 3;

/// The invariants, in declaration order.
pub const INVARIANTS: usize = 3;

// ---------------------------------------------------------------------------
// Synthetic patients
// ---------------------------------------------------------------------------

/// `n` synthetic patients with atrial fibrillation, one JSON object per
/// line (the NDJSON shape `gdl run` reads). Deterministic in `seed`.
///
/// - Age: 20% 25–64, 35% 65–79, 45% 80–94 (whole years, so the score's
///   thresholds 65, 75 and 80 are hit exactly); sex half and half.
/// - Weight 40–130 kg and creatinine 45–400 µmol/L (a tenth of patients
///   above 150), to one decimal, so that creatinine clearance spreads over
///   every dose band (under 15, 15–30, 30–50, over 50 mL/min).
/// - Risk factors more common with age (hypertension 30% under 65, 65%
///   after; heart failure, diabetes, vascular disease, stroke or TIA
///   10–25%), HAS-BLED items 3–20%, mechanical valve 3%, mitral stenosis
///   mild 6%, moderate 3%, severe 2%; pregnancy 8% of women under 50.
/// - Unknowns: 65% of patients have every fact, 30% miss one, 5% miss
///   three (a missing key or, one time in four, `null`).
/// - Implausible: 2 in 1,000 patients break one invariant (a pregnant man,
///   a creatinine of 0, an age of 140 or more).
pub fn cohort(n: usize, seed: u64) -> Vec<String> {
    let mut rng = super::common::Rng::new(seed);
    (0..n).map(|id| patient(&mut rng, id)).collect()
}

fn patient(r: &mut super::common::Rng, id: usize) -> String {
    let age = match r.below(20) {
        0..=3 => 25 + r.below(40),
        4..=10 => 65 + r.below(15),
        _ => 80 + r.below(15),
    };
    let female = chance(r, 500);
    let old = age >= 65;
    let weight = (400 + r.below(900)) as f64 / 10.0;
    let creatinine = if chance(r, 100) {
        (1500 + r.below(2500)) as f64 / 10.0
    } else {
        (450 + r.below(1050)) as f64 / 10.0
    };
    let systolic = 100 + r.below(90);
    let mitral = match r.below(100) {
        0..=88 => "none",
        89..=94 => "mild",
        95..=97 => "moderate",
        _ => "severe",
    };
    let pregnant = female && age < 50 && chance(r, 80);
    let quantity = |value: f64, unit: &str| format!("{{\"value\": {value}, \"unit\": \"{unit}\"}}");
    let mut facts: Vec<(&str, String)> = vec![
        (
            "sex",
            format!("\"{}\"", if female { "female" } else { "male" }),
        ),
        ("age", quantity(age as f64, "a")),
        ("weight", quantity(weight, "kg")),
        ("creatinine", quantity(creatinine, "umol/L")),
        ("systolic_bp", quantity(systolic as f64, "mm[Hg]")),
    ];
    // Bool facts and their chance of being true (per mille), young and old.
    const BOOLS: [(&str, u64, u64); 14] = [
        ("heart_failure", 60, 200),
        ("hypertension", 300, 650),
        ("diabetes", 100, 250),
        ("prior_stroke", 40, 100),
        ("prior_tia_or_thromboembolism", 30, 80),
        ("vascular_disease", 50, 220),
        ("renal_replacement", 10, 30),
        ("abnormal_liver_function", 30, 40),
        ("bleeding_history", 50, 120),
        ("labile_inr", 40, 80),
        ("antiplatelet_or_nsaid", 100, 200),
        ("alcohol_excess", 150, 120),
        ("mechanical_heart_valve", 20, 30),
        ("pregnant", 0, 0),
    ];
    for (name, young, older) in BOOLS {
        let value = if name == "pregnant" {
            pregnant
        } else {
            chance(r, if old { older } else { young })
        };
        facts.push((name, value.to_string()));
    }
    // The enum goes where it is declared: before `pregnant`.
    let last = facts.len() - 1;
    facts.insert(last, ("mitral_stenosis", format!("\"{mitral}\"")));

    if chance(r, 2) {
        let (name, text) = match r.below(3) {
            0 => ("sex", "\"male\"".to_owned()),
            1 => ("creatinine", quantity(0.0, "umol/L")),
            _ => ("age", quantity((140 + r.below(20)) as f64, "a")),
        };
        for (fact, value) in facts.iter_mut() {
            if *fact == name {
                *value = text.clone();
            } else if name == "sex" && *fact == "pregnant" {
                *value = "true".to_owned();
            }
        }
    }

    let mut missing = [usize::MAX; 3];
    match r.below(20) {
        0..=12 => {}
        13..=18 => missing[0] = r.below(facts.len() as u64) as usize,
        _ => {
            for slot in &mut missing {
                *slot = r.below(facts.len() as u64) as usize;
            }
        }
    }
    super::common::facts_line(&format!("af{id}"), &facts, r, |_, index| {
        missing.contains(&index)
    })
}

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/// One patient's facts. `None` is unknown; quantities in the declared unit
/// (years, kg, µmol/L, mmHg).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Facts {
    /// Index into [`SEX_NAMES`].
    pub sex: Option<u8>,
    pub age: Option<f64>,
    pub weight: Option<f64>,
    pub creatinine: Option<f64>,
    pub systolic_bp: Option<f64>,
    pub heart_failure: Option<bool>,
    pub hypertension: Option<bool>,
    pub diabetes: Option<bool>,
    pub prior_stroke: Option<bool>,
    pub prior_tia_or_thromboembolism: Option<bool>,
    pub vascular_disease: Option<bool>,
    pub renal_replacement: Option<bool>,
    pub abnormal_liver_function: Option<bool>,
    pub bleeding_history: Option<bool>,
    pub labile_inr: Option<bool>,
    pub antiplatelet_or_nsaid: Option<bool>,
    pub alcohol_excess: Option<bool>,
    pub mechanical_heart_valve: Option<bool>,
    /// Index into [`MITRAL_STENOSIS_NAMES`].
    pub mitral_stenosis: Option<u8>,
    pub pregnant: Option<bool>,
}

impl Facts {
    /// From an interpreter patient: the facts given only (the native side
    /// computes creatinine clearance itself). Not part of what is timed:
    /// the benchmark converts the cohort once.
    pub fn from_patient(patient: &Patient) -> Facts {
        use fact as f;
        let v = |i: u32| patient.get(FactId(i));
        let b = |i: u32| match v(i) {
            Value::Bool(x) => Some(x),
            _ => None,
        };
        let number = |i: u32| match v(i) {
            Value::Number(x) => Some(x),
            _ => None,
        };
        let enumerated = |i: u32| match v(i) {
            Value::Enum(e) => Some(e as u8),
            _ => None,
        };
        Facts {
            sex: enumerated(f::SEX),
            age: number(f::AGE),
            weight: number(f::WEIGHT),
            creatinine: number(f::CREATININE),
            systolic_bp: number(f::SYSTOLIC_BP),
            heart_failure: b(f::HEART_FAILURE),
            hypertension: b(f::HYPERTENSION),
            diabetes: b(f::DIABETES),
            prior_stroke: b(f::PRIOR_STROKE),
            prior_tia_or_thromboembolism: b(f::PRIOR_TIA_OR_THROMBOEMBOLISM),
            vascular_disease: b(f::VASCULAR_DISEASE),
            renal_replacement: b(f::RENAL_REPLACEMENT),
            abnormal_liver_function: b(f::ABNORMAL_LIVER_FUNCTION),
            bleeding_history: b(f::BLEEDING_HISTORY),
            labile_inr: b(f::LABILE_INR),
            antiplatelet_or_nsaid: b(f::ANTIPLATELET_OR_NSAID),
            alcohol_excess: b(f::ALCOHOL_EXCESS),
            mechanical_heart_valve: b(f::MECHANICAL_HEART_VALVE),
            mitral_stenosis: enumerated(f::MITRAL_STENOSIS),
            pregnant: b(f::PREGNANT),
        }
    }
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/// A recommendation: rule, `then` clause, action, whether it is an option
/// of an equal choice, and its cautions by clause: `F` does not apply, `U`
/// may apply (with the unknown facts that would settle it, by fact bit),
/// `T` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rec {
    pub rule: u8,
    pub choice: u8,
    pub action: u8,
    pub offered: bool,
    pub cautions: [(K, u32); 2],
}

/// A withheld alternative, in the order the choices were resolved. `which`
/// is the contraindication clauses (by bit) for `Contraindicated` and
/// `Unsettled`, the avoiding rules (by bit) for `Avoided` and
/// `MaybeAvoided`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub rule: u8,
    pub choice: u8,
    pub action: u8,
    pub why: Why,
    pub which: u32,
    pub needs: u32,
}

/// Why a decision goes to a clinician.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The rule is undecided; `stops` when it stops a first-match section.
    Unknown {
        rule: u8,
        stops: bool,
    },
    NoAlternative {
        rule: u8,
        choice: u8,
    },
    Implausible {
        invariant: u8,
    },
    /// An escalation this guideline has no way to produce (it has no
    /// exclusive group): the native side never gives it.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Esc {
    pub cause: Cause,
    pub needs: u32,
}

/// The decisions for one patient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decisions {
    pub rules: [Status; RULES],
    pub recommended: Vec<Rec>,
    pub withheld: Vec<Held>,
    /// (action, rule).
    pub avoided: Vec<(u8, u8)>,
    pub escalations: Vec<Esc>,
}

impl Default for Decisions {
    fn default() -> Self {
        Decisions {
            rules: [Status::NotApplicable; RULES],
            recommended: Vec::new(),
            withheld: Vec::new(),
            avoided: Vec::new(),
            escalations: Vec::new(),
        }
    }
}

impl Decisions {
    /// Whether nothing in these decisions is unknown: no rule undecided, no
    /// alternative withheld on an unknown, no caution that only may apply
    /// (then exact decisions over the unknown facts change nothing).
    pub fn settled(&self) -> bool {
        !self.rules.contains(&Status::Undecided)
            && self
                .withheld
                .iter()
                .all(|h| matches!(h.why, Why::Contraindicated | Why::Avoided))
            && self
                .recommended
                .iter()
                .all(|r| r.cautions.iter().all(|(k, _)| *k != K::U))
    }

    /// The interpreter's evaluation in the same compact form. Withheld
    /// alternatives are put in resolution order (rule, then `then` clause,
    /// then the order they were tried in), which is the order [`evaluate`]
    /// produces them in.
    pub fn from_evaluation(evaluation: &Evaluation) -> Decisions {
        let mask = |facts: &[FactId]| facts.iter().fold(0u32, |m, f| m | 1 << f.0);
        let bits = |list: &[usize]| list.iter().fold(0u32, |m, i| m | 1 << i);
        let rule_bits = |list: &[gdl::sema::RuleId]| list.iter().fold(0u32, |m, r| m | 1 << r.0);
        let rules = statuses::<RULES>(evaluation);
        let held = |rule: u32, choice: usize, w: &gdl::eval::Withheld| {
            let (why, which, needs) = match &w.why {
                Withholding::Contraindicated(clauses) => (Why::Contraindicated, bits(clauses), 0),
                Withholding::Avoided(by) => (Why::Avoided, rule_bits(by), 0),
                Withholding::Unsettled { clauses, needs } => {
                    (Why::Unsettled, bits(clauses), mask(needs))
                }
                Withholding::MaybeAvoided { rules, needs } => {
                    (Why::MaybeAvoided, rule_bits(rules), mask(needs))
                }
            };
            Held {
                rule: rule as u8,
                choice: choice as u8,
                action: w.action.0 as u8,
                why,
                which,
                needs,
            }
        };
        let mut withheld = Vec::new();
        let mut recommended = Vec::new();
        for r in &evaluation.recommended {
            withheld.extend(r.skipped.iter().map(|w| held(r.rule.0, r.choice, w)));
            let mut cautions = [(K::F, 0); 2];
            for note in &r.cautions {
                let value = match note.value {
                    Tri::True => K::T,
                    Tri::Unknown => K::U,
                    // Never reported: flag it.
                    Tri::False => K::F,
                };
                let needs = if note.value == Tri::False {
                    u32::MAX
                } else {
                    mask(&note.needs)
                };
                match cautions.get_mut(note.clause) {
                    Some(slot) => *slot = (value, needs),
                    None => cautions = [(K::F, u32::MAX); 2],
                }
            }
            recommended.push(Rec {
                rule: r.rule.0 as u8,
                choice: r.choice as u8,
                action: r.action.0 as u8,
                offered: r.offered,
                cautions,
            });
        }
        let mut escalations = Vec::new();
        for e in &evaluation.escalations {
            let cause = match &e.cause {
                EscalationCause::UnknownCondition { rule, stops } => Cause::Unknown {
                    rule: rule.0 as u8,
                    stops: stops.is_some(),
                },
                EscalationCause::NoAlternative {
                    rule,
                    choice,
                    withheld: list,
                } => {
                    withheld.extend(list.iter().map(|w| held(rule.0, *choice, w)));
                    Cause::NoAlternative {
                        rule: rule.0 as u8,
                        choice: *choice as u8,
                    }
                }
                EscalationCause::ImplausibleFacts { invariant } => Cause::Implausible {
                    invariant: *invariant as u8,
                },
                EscalationCause::Exclusive { .. } => Cause::Other,
            };
            escalations.push(Esc {
                cause,
                needs: mask(&e.needs),
            });
        }
        withheld.sort_by_key(|h| (h.rule, h.choice));
        Decisions {
            rules,
            recommended,
            withheld,
            avoided: evaluation
                .avoided
                .iter()
                .map(|a| (a.action.0 as u8, a.rule.0 as u8))
                .collect(),
            escalations,
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// A score (or a count) under unknowns: the interval of sums its items
/// allow, and the unknown facts of its unknown items.
#[derive(Clone, Copy, Default)]
struct Sum {
    low: i32,
    high: i32,
    needs: u32,
}

impl Sum {
    #[inline(always)]
    fn add(mut self, points: i32, item: Truth) -> Sum {
        match item.value {
            K::T => {
                self.low += points;
                self.high += points;
            }
            K::U => {
                self.high += points;
                self.needs |= item.needs;
            }
            K::F => {}
        }
        self
    }

    #[inline(always)]
    fn verdict(self, value: K) -> Truth {
        Truth {
            value,
            needs: self.needs,
        }
    }

    /// `sum >= k`.
    #[inline(always)]
    fn at_least(self, k: i32) -> Truth {
        self.verdict(if self.low >= k {
            K::T
        } else if self.high < k {
            K::F
        } else {
            K::U
        })
    }

    /// `sum = k`.
    #[inline(always)]
    fn equals(self, k: i32) -> Truth {
        self.verdict(if self.low == k && self.high == k {
            K::T
        } else if k < self.low || k > self.high {
            K::F
        } else {
            K::U
        })
    }
}

/// Cockcroft–Gault creatinine clearance in mL/min, with actual body weight:
/// `(140 - age) * weight / (72 * creatinine in mg/dL)`, times 0.85 for a
/// woman. Unknown when any fact it reads is (the sex too: its two factors
/// differ), or when it has no finite value.
#[inline(always)]
fn creatinine_clearance(p: &Facts) -> Option<f64> {
    // µmol/L × 113.12 g/mol = µg/L; 1 mg/dL = 10,000 µg/L.
    let (age, weight, creatinine, sex) = (p.age?, p.weight?, p.creatinine?, p.sex?);
    let mass = creatinine * 113.12 / 10_000.0;
    let factor = if sex == FEMALE { 0.85 } else { 1.0 };
    let crcl = (140.0 - age) * weight / (72.0 * mass) * factor;
    crcl.is_finite().then_some(crcl)
}

/// Each rule's one `then recommend` clause: its actions, and whether it is
/// an equal choice (`any of`). Rules 1 and 4 only avoid.
const CHOICES: [(&[u8], bool); RULES] = {
    use action::*;
    const DOACS: &[u8] = &[APIXABAN, DABIGATRAN, EDOXABAN, RIVAROXABAN];
    [
        (&[WARFARIN], false),
        (&[], false),
        (DOACS, true),
        (DOACS, true),
        (&[], false),
        (&[APIXABAN_2_5MG_BD], false),
        (&[APIXABAN_2_5MG_BD], false),
        (&[APIXABAN_5MG_BD], false),
        (&[DABIGATRAN_110MG_BD], false),
        (&[DABIGATRAN_150MG_BD, DABIGATRAN_110MG_BD], true),
        (&[DABIGATRAN_150MG_BD], false),
        (&[EDOXABAN_30MG_OD], false),
        (&[EDOXABAN_60MG_OD], false),
        (&[RIVAROXABAN_15MG_OD], false),
        (&[RIVAROXABAN_20MG_OD], false),
    ]
};

/// The first-match sections, as bits over rules: `stroke_prevention` and
/// the four dose sections.
const FIRST_MATCH: [u32; 5] = [0b1111, 0b111 << 5, 0b111 << 8, 0b11 << 11, 0b11 << 13];

/// The rules with `then avoid`, each with the actions it avoids (bits).
const AVOIDS: [(u8, u16); 3] = {
    use action::*;
    const DOACS: u16 = 1 << APIXABAN | 1 << DABIGATRAN | 1 << EDOXABAN | 1 << RIVAROXABAN;
    [
        (0, DOACS),
        (1, DOACS | 1 << WARFARIN),
        (4, 1 << ASPIRIN_MONOTHERAPY),
    ]
};

/// The rules that only avoid: undecided, they escalate only where they
/// stop a first-match section.
const AVOID_ONLY: u32 = 1 << 1 | 1 << 4;

/// What a patient's facts decide about each action, worked out once.
struct Context {
    /// Per action: the contraindication clauses (at most two).
    contraindications: [[Truth; 2]; ACTIONS],
    /// Per action: the cautions (at most two).
    cautions: [[Truth; 2]; ACTIONS],
    /// Per action: the rules avoiding it that fired, and that are undecided.
    avoided: [u32; ACTIONS],
    maybe_avoided: [u32; ACTIONS],
    /// Rule conditions.
    conditions: [Truth; RULES],
}

impl Context {
    /// Why `action` is withheld, if it is: (why, clauses or rules, needs).
    #[inline(always)]
    fn withholding(&self, action: u8) -> Option<(Why, u32, u32)> {
        let a = action as usize;
        let clauses = self.contraindications[a];
        let (mut holds, mut unsettled, mut needs) = (0u32, 0u32, 0u32);
        for (i, clause) in clauses.iter().enumerate() {
            match clause.value {
                K::T => holds |= 1 << i,
                K::U => {
                    unsettled |= 1 << i;
                    needs |= clause.needs;
                }
                K::F => {}
            }
        }
        if holds != 0 {
            return Some((Why::Contraindicated, holds, 0));
        }
        if self.avoided[a] != 0 {
            return Some((Why::Avoided, self.avoided[a], 0));
        }
        if unsettled != 0 {
            return Some((Why::Unsettled, unsettled, needs));
        }
        let maybe = self.maybe_avoided[a];
        if maybe != 0 {
            let mut needs = 0;
            let mut rules = maybe;
            while rules != 0 {
                needs |= self.conditions[rules.trailing_zeros() as usize].open();
                rules &= rules - 1;
            }
            return Some((Why::MaybeAvoided, maybe, needs));
        }
        None
    }

    /// Resolves the `then recommend` clause of a rule that fired: the first
    /// alternative nothing withholds (every such option, for an equal
    /// choice), or an escalation.
    #[inline]
    fn resolve(&self, rule: u8, alternatives: &[u8], equal: bool, out: &mut Decisions) {
        let mut needs = 0;
        let mut given = false;
        for &action in alternatives {
            match self.withholding(action) {
                Some((why, which, why_needs)) => {
                    needs |= why_needs;
                    out.withheld.push(Held {
                        rule,
                        choice: 0,
                        action,
                        why,
                        which,
                        needs: why_needs,
                    });
                }
                None => {
                    let mut cautions = [(K::F, 0); 2];
                    for (slot, caution) in cautions.iter_mut().zip(self.cautions[action as usize]) {
                        *slot = (caution.value, caution.open());
                    }
                    out.recommended.push(Rec {
                        rule,
                        choice: 0,
                        action,
                        offered: equal,
                        cautions,
                    });
                    given = true;
                    if !equal {
                        return;
                    }
                }
            }
        }
        if !given {
            out.escalations.push(Esc {
                cause: Cause::NoAlternative { rule, choice: 0 },
                needs,
            });
        }
    }
}

/// Evaluates the guideline for one patient.
pub fn evaluate(facts: &Facts) -> Decisions {
    let mut out = Decisions {
        recommended: Vec::with_capacity(8),
        avoided: Vec::with_capacity(4),
        ..Decisions::default()
    };
    evaluate_into(facts, &mut out);
    out
}

/// Evaluates into `out`, reusing its vectors.
pub fn evaluate_into(p: &Facts, out: &mut Decisions) {
    use fact as f;
    out.recommended.clear();
    out.withheld.clear();
    out.avoided.clear();
    out.escalations.clear();

    let bit = |fact: u32| 1u32 << fact;
    let flag = |b: Option<bool>, fact: u32| Truth::test(b, bit(fact), |b| b);
    let age = |test: fn(f64) -> bool| Truth::test(p.age, bit(f::AGE), test);
    let weight = |test: fn(f64) -> bool| Truth::test(p.weight, bit(f::WEIGHT), test);
    let creatinine = |test: fn(f64) -> bool| Truth::test(p.creatinine, bit(f::CREATININE), test);
    let sex_is = |value: u8| Truth::test(p.sex, bit(f::SEX), |s| s == value);
    let pregnant = flag(p.pregnant, f::PREGNANT);

    // 1. Invariants: a false one means implausible facts; nothing else runs.
    let invariants = [
        pregnant.value == K::T && p.sex == Some(MALE),
        p.creatinine.is_some_and(|c| c <= 0.0),
        p.age.is_some_and(|a| a >= 140.0),
    ];
    if invariants.contains(&true) {
        for (i, broken) in invariants.iter().enumerate() {
            if *broken {
                out.escalations.push(Esc {
                    cause: Cause::Implausible { invariant: i as u8 },
                    needs: 0,
                });
            }
        }
        out.rules = [Status::NotReached; RULES];
        return;
    }

    // 2. Scores, computed values and definitions.
    let heart_failure = flag(p.heart_failure, f::HEART_FAILURE);
    let hypertension = flag(p.hypertension, f::HYPERTENSION);
    let diabetes = flag(p.diabetes, f::DIABETES);
    let prior_stroke = flag(p.prior_stroke, f::PRIOR_STROKE);
    let stroke_or_tia = prior_stroke.or(flag(
        p.prior_tia_or_thromboembolism,
        f::PRIOR_TIA_OR_THROMBOEMBOLISM,
    ));
    let female = sex_is(FEMALE);
    let male = sex_is(MALE);
    let risk_factors = Sum::default()
        .add(1, heart_failure)
        .add(1, hypertension)
        .add(1, age(|a| a >= 65.0))
        .add(1, age(|a| a >= 75.0))
        .add(1, diabetes)
        .add(2, stroke_or_tia)
        .add(1, flag(p.vascular_disease, f::VASCULAR_DISEASE));
    let chads_vasc = risk_factors.add(1, female);
    let has_bled = Sum::default()
        .add(
            1,
            Truth::test(p.systolic_bp, bit(f::SYSTOLIC_BP), |x| x > 160.0),
        )
        .add(
            1,
            flag(p.renal_replacement, f::RENAL_REPLACEMENT).or(creatinine(|c| c >= 200.0)),
        )
        .add(
            1,
            flag(p.abnormal_liver_function, f::ABNORMAL_LIVER_FUNCTION),
        )
        .add(1, prior_stroke)
        .add(1, flag(p.bleeding_history, f::BLEEDING_HISTORY))
        .add(1, flag(p.labile_inr, f::LABILE_INR))
        .add(1, age(|a| a > 65.0))
        .add(1, flag(p.antiplatelet_or_nsaid, f::ANTIPLATELET_OR_NSAID))
        .add(1, flag(p.alcohol_excess, f::ALCOHOL_EXCESS));
    // An unknown clearance is asked for through the unknown facts it is
    // computed from.
    let crcl = creatinine_clearance(p);
    let crcl_needs = [
        (p.sex.is_none(), f::SEX),
        (p.age.is_none(), f::AGE),
        (p.weight.is_none(), f::WEIGHT),
        (p.creatinine.is_none(), f::CREATININE),
    ]
    .iter()
    .fold(
        0,
        |m, &(unknown, fact)| if unknown { m | bit(fact) } else { m },
    );
    let clearance = |test: fn(f64) -> bool| Truth::test(crcl, crcl_needs, test);
    let valvular_af = flag(p.mechanical_heart_valve, f::MECHANICAL_HEART_VALVE).or(Truth::test(
        p.mitral_stenosis,
        bit(f::MITRAL_STENOSIS),
        |m| m == MODERATE || m == SEVERE,
    ));
    let doac_dosing = risk_factors
        .at_least(1)
        .and(valvular_af.not())
        .and(pregnant.not());
    let crcl_15 = clearance(|c| c >= 15.0);
    let crcl_30 = clearance(|c| c >= 30.0);
    let crcl_over_50 = clearance(|c| c > 50.0);
    let weight_60 = weight(|w| w <= 60.0);
    let old_80 = age(|a| a >= 80.0);

    // 3. Rule conditions, by rule.
    let conditions: [Truth; RULES] = [
        valvular_af,
        male.and(chads_vasc.equals(0))
            .or(female.and(chads_vasc.equals(1))),
        chads_vasc.at_least(2),
        male.and(chads_vasc.equals(1)),
        Truth::TRUE,
        doac_dosing.and(crcl_15).and(clearance(|c| c < 30.0)),
        doac_dosing.and(crcl_15).and(
            Sum::default()
                .add(1, old_80)
                .add(1, weight_60)
                .add(1, creatinine(|c| c >= 133.0))
                .at_least(2),
        ),
        doac_dosing.and(crcl_30),
        doac_dosing.and(crcl_30).and(old_80),
        doac_dosing
            .and(crcl_30)
            .and(age(|a| a >= 75.0).or(clearance(|c| c <= 50.0))),
        doac_dosing.and(crcl_over_50),
        doac_dosing
            .and(crcl_15)
            .and(clearance(|c| c <= 50.0).or(weight_60)),
        doac_dosing.and(crcl_over_50),
        doac_dosing.and(crcl_15).and(clearance(|c| c < 50.0)),
        doac_dosing.and(clearance(|c| c >= 50.0)),
    ];

    // 4. Statuses, honouring the first-match sections: as bitsets over
    // rules.
    let (mut fired, mut undecided) = (0u32, 0u32);
    for (i, v) in conditions.iter().enumerate() {
        fired |= ((v.value == K::T) as u32) << i;
        undecided |= ((v.value == K::U) as u32) << i;
    }
    let (mut shadowed, mut not_reached, mut stops) = (0u32, 0u32, 0u32);
    for section in FIRST_MATCH {
        let live = (fired | undecided) & section;
        if live != 0 {
            let first = live & live.wrapping_neg();
            let later = section & !(first | (first - 1));
            if fired & first != 0 {
                shadowed |= later;
            } else {
                not_reached |= later;
                stops |= first;
            }
            fired &= !later;
            undecided &= !later;
        }
    }
    for (i, s) in out.rules.iter_mut().enumerate() {
        *s = if fired >> i & 1 != 0 {
            Status::Fired
        } else if undecided >> i & 1 != 0 {
            Status::Undecided
        } else if shadowed >> i & 1 != 0 {
            Status::Shadowed
        } else if not_reached >> i & 1 != 0 {
            Status::NotReached
        } else {
            Status::NotApplicable
        };
    }

    // 5. Avoids, before any recommendation; contraindications; cautions.
    let mut cx = Context {
        contraindications: [[Truth::known(false); 2]; ACTIONS],
        cautions: [[Truth::known(false); 2]; ACTIONS],
        avoided: [0; ACTIONS],
        maybe_avoided: [0; ACTIONS],
        conditions,
    };
    for (rule, actions) in AVOIDS {
        let is_fired = fired >> rule & 1 != 0;
        if !is_fired && undecided >> rule & 1 == 0 {
            continue;
        }
        let mut left = actions;
        while left != 0 {
            let a = left.trailing_zeros() as usize;
            left &= left - 1;
            if is_fired {
                cx.avoided[a] |= 1 << rule;
                out.avoided.push((a as u8, rule));
            } else {
                cx.maybe_avoided[a] |= 1 << rule;
            }
        }
    }
    let bleeding_risk = has_bled.at_least(3);
    for (doac, limit) in [
        (action::APIXABAN, clearance(|c| c < 15.0)),
        (action::DABIGATRAN, crcl_30.not()),
        (action::EDOXABAN, crcl_15.not()),
        (action::RIVAROXABAN, crcl_15.not()),
    ] {
        cx.contraindications[doac as usize] = [pregnant, limit];
        cx.cautions[doac as usize][0] = bleeding_risk;
    }
    // Rivaroxaban's label: creatinine clearance 15-29 mL/min, use with
    // caution (its first caution; HAS-BLED is its second).
    cx.cautions[action::RIVAROXABAN as usize] = [crcl_30.not(), bleeding_risk];
    cx.cautions[action::WARFARIN as usize] = [bleeding_risk, pregnant];

    // 6. Rules in order: undecided ones escalate (an avoid-only one only
    // where it stops a first-match section), fired ones resolve their
    // choice.
    let mut todo = fired | (undecided & (!AVOID_ONLY | stops));
    while todo != 0 {
        let rule = todo.trailing_zeros() as usize;
        todo &= todo - 1;
        if fired >> rule & 1 != 0 {
            let (alternatives, equal) = CHOICES[rule];
            if !alternatives.is_empty() {
                cx.resolve(rule as u8, alternatives, equal, out);
            }
        } else {
            out.escalations.push(Esc {
                cause: Cause::Unknown {
                    rule: rule as u8,
                    stops: stops >> rule & 1 != 0,
                },
                needs: conditions[rule].open(),
            });
        }
    }
}
