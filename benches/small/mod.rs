//! The second rule set of issue 18: `benches/small/type2-diabetes.gdl`, 12
//! rules over 20 facts (thresholds on quantities, enum tests, set
//! membership, a first-match section, contraindications, cautions, avoids,
//! else-escalate), with
//!
//! - [`cohort`]: synthetic patients for it, one JSON object per line,
//!   deterministic from a seed (values at and around every threshold; half
//!   the patients complete, the rest missing 5–35% of facts);
//! - [`evaluate`]: the same decisions written by hand in Rust, as a
//!   programmer would for this one rule set, with the semantics of
//!   docs/language.md §17 (Kleene logic; first-match; avoids before
//!   recommendations; withheld alternatives and why; escalations).
//!
//! Unlike `benches/native`, the native side here also names exactly the
//! facts the interpreter names: each value carries the unknown facts it was
//! read through ([`Truth`]), so `tests/native_small.rs` compares whole
//! decisions, `needs` included. Rule, action and fact indices are the
//! compiled model's (declaration order); the test checks them.
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

/// The rule set's path, from the crate root.
pub const GUIDELINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/benches/small/type2-diabetes.gdl"
);

// ---------------------------------------------------------------------------
// Indices of the compiled model (declaration order in the file).
// ---------------------------------------------------------------------------

pub const FACT_NAMES: [&str; 20] = [
    "hba1c",
    "egfr",
    "bmi",
    "age",
    "systolic_bp",
    "frailty",
    "comorbidities",
    "current",
    "not_tolerated",
    "pregnant",
    "type1_suspected",
    "ketosis",
    "symptomatic_hyperglycaemia",
    "pancreatitis_history",
    "medullary_thyroid_cancer_history",
    "recurrent_genital_infection",
    "bladder_cancer_history",
    "hypoglycaemia_unawareness",
    "lives_alone",
    "foot_ulcer",
];

/// Fact indices.
mod fact {
    pub const HBA1C: u32 = 0;
    pub const EGFR: u32 = 1;
    pub const BMI: u32 = 2;
    pub const AGE: u32 = 3;
    pub const SYSTOLIC_BP: u32 = 4;
    pub const FRAILTY: u32 = 5;
    pub const COMORBIDITIES: u32 = 6;
    pub const CURRENT: u32 = 7;
    pub const NOT_TOLERATED: u32 = 8;
    pub const PREGNANT: u32 = 9;
    pub const TYPE1_SUSPECTED: u32 = 10;
    pub const KETOSIS: u32 = 11;
    pub const SYMPTOMATIC_HYPERGLYCAEMIA: u32 = 12;
    pub const PANCREATITIS_HISTORY: u32 = 13;
    pub const MEDULLARY_THYROID_CANCER_HISTORY: u32 = 14;
    pub const RECURRENT_GENITAL_INFECTION: u32 = 15;
    pub const BLADDER_CANCER_HISTORY: u32 = 16;
    pub const HYPOGLYCAEMIA_UNAWARENESS: u32 = 17;
    pub const LIVES_ALONE: u32 = 18;
    pub const FOOT_ULCER: u32 = 19;
}

pub const ACTION_NAMES: [&str; 12] = [
    "lifestyle",
    "refer_diabetes_team",
    "relaxed_target",
    "blood_pressure_treatment",
    "foot_protection",
    "metformin",
    "sglt2_inhibitor",
    "glp1_agonist",
    "dpp4_inhibitor",
    "pioglitazone",
    "sulfonylurea",
    "basal_insulin",
];

/// Action indices (also the bit of each action in `current` and
/// `not_tolerated`).
mod action {
    pub const LIFESTYLE: u8 = 0;
    pub const REFER_DIABETES_TEAM: u8 = 1;
    pub const RELAXED_TARGET: u8 = 2;
    pub const BLOOD_PRESSURE_TREATMENT: u8 = 3;
    pub const FOOT_PROTECTION: u8 = 4;
    pub const METFORMIN: u8 = 5;
    pub const SGLT2_INHIBITOR: u8 = 6;
    pub const GLP1_AGONIST: u8 = 7;
    pub const DPP4_INHIBITOR: u8 = 8;
    pub const PIOGLITAZONE: u8 = 9;
    pub const SULFONYLUREA: u8 = 10;
    pub const BASAL_INSULIN: u8 = 11;
}

/// Number of rules.
pub const RULES: usize = 12;

pub const RULE_NAMES: [&str; RULES] = [
    "urgent_referral",
    "lifestyle_for_all",
    "relax_target",
    "blood_pressure",
    "foot_care",
    "pregnancy",
    "cardiorenal",
    "cardiovascular",
    "intensify",
    "first_line",
    "no_metformin_again",
    "no_sulfonylurea_with_unawareness",
];

/// `Frailty` values (the index is [`Facts::frailty`]).
pub const FRAILTY_NAMES: [&str; 4] = ["fit", "mild", "moderate", "severe"];
const MODERATE: u8 = 2;
const SEVERE: u8 = 3;

/// `Comorbidity` values (bits of [`Facts::comorbidities`]).
pub const COMORBIDITY_NAMES: [&str; 6] = [
    "ascvd",
    "heart_failure",
    "ckd",
    "obesity",
    "retinopathy",
    "liver_disease",
];
const ASCVD: u8 = 1 << 0;
const HEART_FAILURE: u8 = 1 << 1;
const CKD: u8 = 1 << 2;
const LIVER_DISEASE: u8 = 1 << 5;

// ---------------------------------------------------------------------------
// Synthetic patients
// ---------------------------------------------------------------------------

/// `n` synthetic patients, one JSON object per line. Values are drawn from
/// short lists that sit on and just below every threshold of the rule set;
/// half the patients have every fact, the others lose each fact with
/// probability 5%, 15% or 35% (a missing key or, one time in four, `null`).
pub fn cohort(n: usize, seed: u64) -> Vec<String> {
    let mut rng = super::common::Rng::new(seed);
    (0..n).map(|id| patient(&mut rng, id)).collect()
}

fn patient(r: &mut super::common::Rng, id: usize) -> String {
    const HBA1C: [f64; 12] = [
        38.0, 45.0, 47.9, 48.0, 52.0, 57.9, 58.0, 64.0, 75.0, 90.0, 108.0, 120.0,
    ];
    const EGFR: [f64; 13] = [
        12.0, 19.9, 20.0, 25.0, 29.9, 30.0, 40.0, 44.9, 45.0, 59.9, 60.0, 75.0, 95.0,
    ];
    const BMI: [f64; 6] = [22.0, 27.0, 31.0, 34.9, 35.0, 41.0];
    const AGE: [f64; 6] = [34.0, 52.0, 68.0, 74.9, 75.0, 83.0];
    const SYSTOLIC: [f64; 7] = [118.0, 128.0, 130.0, 135.0, 140.0, 152.0, 168.0];
    // Comorbidities and their chance (per mille).
    const COMORBID: [u64; 6] = [250, 120, 200, 300, 150, 80];
    let mut pick = |values: &[f64]| values[r.below(values.len() as u64) as usize];
    let quantity = |value: f64, unit: &str| format!("{{\"value\": {value}, \"unit\": \"{unit}\"}}");
    let mut facts: Vec<(&str, String)> = vec![
        ("hba1c", quantity(pick(&HBA1C), "mmol/mol")),
        ("egfr", quantity(pick(&EGFR), "mL/min/1.73m2")),
        ("bmi", quantity(pick(&BMI), "kg/m2")),
        ("age", quantity(pick(&AGE), "a")),
        ("systolic_bp", quantity(pick(&SYSTOLIC), "mmHg")),
    ];
    let frailty = FRAILTY_NAMES[r.below(4) as usize];
    facts.push(("frailty", format!("\"{frailty}\"")));
    let comorbidities: Vec<&str> = COMORBIDITY_NAMES
        .iter()
        .zip(COMORBID)
        .filter_map(|(name, per_mille)| chance(r, per_mille).then_some(*name))
        .collect();
    facts.push(("comorbidities", format!("{comorbidities:?}")));
    let agents = &ACTION_NAMES[action::METFORMIN as usize..];
    let current: Vec<&str> = agents
        .iter()
        .filter(|name| chance(r, if **name == "metformin" { 500 } else { 100 }))
        .copied()
        .collect();
    facts.push(("current", format!("{current:?}")));
    let not_tolerated: Vec<&str> = agents
        .iter()
        .filter(|name| {
            let per_mille = match **name {
                "metformin" => 120,
                "sulfonylurea" => 80,
                _ => 40,
            };
            chance(r, per_mille)
        })
        .copied()
        .collect();
    facts.push(("not_tolerated", format!("{not_tolerated:?}")));
    // Bool facts and their chance of being true (per mille).
    const BOOLS: [(&str, u64); 11] = [
        ("pregnant", 40),
        ("type1_suspected", 50),
        ("ketosis", 40),
        ("symptomatic_hyperglycaemia", 200),
        ("pancreatitis_history", 60),
        ("medullary_thyroid_cancer_history", 20),
        ("recurrent_genital_infection", 100),
        ("bladder_cancer_history", 30),
        ("hypoglycaemia_unawareness", 80),
        ("lives_alone", 300),
        ("foot_ulcer", 60),
    ];
    for (name, per_mille) in BOOLS {
        facts.push((name, chance(r, per_mille).to_string()));
    }

    let missing = match r.below(6) {
        0..=2 => 0,
        3 => 50,
        4 => 150,
        _ => 350,
    };
    super::common::facts_line(&format!("t{id}"), &facts, r, |r, _| chance(r, missing))
}

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/// One patient's facts. `None` is unknown; quantities in the declared unit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Facts {
    pub hba1c: Option<f64>,
    pub egfr: Option<f64>,
    pub bmi: Option<f64>,
    pub age: Option<f64>,
    pub systolic_bp: Option<f64>,
    /// Index into [`FRAILTY_NAMES`].
    pub frailty: Option<u8>,
    /// Bits: [`COMORBIDITY_NAMES`].
    pub comorbidities: Option<u8>,
    /// Bits: action indices.
    pub current: Option<u16>,
    /// Bits: action indices.
    pub not_tolerated: Option<u16>,
    pub pregnant: Option<bool>,
    pub type1_suspected: Option<bool>,
    pub ketosis: Option<bool>,
    pub symptomatic_hyperglycaemia: Option<bool>,
    pub pancreatitis_history: Option<bool>,
    pub medullary_thyroid_cancer_history: Option<bool>,
    pub recurrent_genital_infection: Option<bool>,
    pub bladder_cancer_history: Option<bool>,
    pub hypoglycaemia_unawareness: Option<bool>,
    pub lives_alone: Option<bool>,
    pub foot_ulcer: Option<bool>,
}

impl Facts {
    /// From an interpreter patient. Not part of what is timed: the
    /// benchmark converts the cohort once.
    pub fn from_patient(patient: &Patient) -> Facts {
        let v = |i: u32| patient.get(FactId(i));
        let b = |i: u32| match v(i) {
            Value::Bool(x) => Some(x),
            _ => None,
        };
        let number = |i: u32| match v(i) {
            Value::Number(x) => Some(x),
            _ => None,
        };
        let set = |i: u32| match v(i) {
            Value::Set(bits) => Some(bits as u16),
            _ => None,
        };
        Facts {
            hba1c: number(fact::HBA1C),
            egfr: number(fact::EGFR),
            bmi: number(fact::BMI),
            age: number(fact::AGE),
            systolic_bp: number(fact::SYSTOLIC_BP),
            frailty: match v(fact::FRAILTY) {
                Value::Enum(e) => Some(e as u8),
                _ => None,
            },
            comorbidities: set(fact::COMORBIDITIES).map(|bits| bits as u8),
            current: set(fact::CURRENT),
            not_tolerated: set(fact::NOT_TOLERATED),
            pregnant: b(fact::PREGNANT),
            type1_suspected: b(fact::TYPE1_SUSPECTED),
            ketosis: b(fact::KETOSIS),
            symptomatic_hyperglycaemia: b(fact::SYMPTOMATIC_HYPERGLYCAEMIA),
            pancreatitis_history: b(fact::PANCREATITIS_HISTORY),
            medullary_thyroid_cancer_history: b(fact::MEDULLARY_THYROID_CANCER_HISTORY),
            recurrent_genital_infection: b(fact::RECURRENT_GENITAL_INFECTION),
            bladder_cancer_history: b(fact::BLADDER_CANCER_HISTORY),
            hypoglycaemia_unawareness: b(fact::HYPOGLYCAEMIA_UNAWARENESS),
            lives_alone: b(fact::LIVES_ALONE),
            foot_ulcer: b(fact::FOOT_ULCER),
        }
    }
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/// A recommendation: rule, `then` clause, action, and its caution (every
/// action here has at most one): `F` none, `U` may apply, `T` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rec {
    pub rule: u8,
    pub choice: u8,
    pub action: u8,
    pub caution: K,
    /// The unknown facts a caution that may apply needs, by fact bit.
    pub caution_needs: u32,
}

/// A withheld alternative, in the order the choices were resolved. Every
/// action here has at most one contraindication clause and is avoided by at
/// most one rule, so `why` says which clause or rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub rule: u8,
    pub choice: u8,
    pub action: u8,
    pub why: Why,
    pub needs: u32,
}

/// Why a decision goes to a clinician.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The rule is undecided; `stops` when it stops the first-match section.
    Unknown {
        rule: u8,
        stops: bool,
    },
    NoAlternative {
        rule: u8,
        choice: u8,
    },
    /// An escalation this rule set has no way to produce (it has no
    /// invariant and no exclusive group): the native side never gives it.
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
    /// The interpreter's evaluation in the same compact form. Withheld
    /// alternatives are put in resolution order (rule, then `then` clause),
    /// which is the order [`evaluate`] produces them in.
    pub fn from_evaluation(evaluation: &Evaluation) -> Decisions {
        let mask = |facts: &[FactId]| facts.iter().fold(0u32, |m, f| m | 1 << f.0);
        let rules = statuses::<RULES>(evaluation);
        let held = |rule: u32, choice: usize, w: &gdl::eval::Withheld| {
            let (why, needs) = match &w.why {
                Withholding::Contraindicated(_) => (Why::Contraindicated, 0),
                Withholding::Avoided(_) => (Why::Avoided, 0),
                Withholding::Unsettled { needs, .. } => (Why::Unsettled, mask(needs)),
                Withholding::MaybeAvoided { needs, .. } => (Why::MaybeAvoided, mask(needs)),
            };
            Held {
                rule: rule as u8,
                choice: choice as u8,
                action: w.action.0 as u8,
                why,
                needs,
            }
        };
        let mut withheld = Vec::new();
        let mut recommended = Vec::new();
        for r in &evaluation.recommended {
            withheld.extend(r.skipped.iter().map(|w| held(r.rule.0, r.choice, w)));
            let (caution, caution_needs) = match r.cautions.as_slice() {
                [] => (K::F, 0),
                [note] => match note.value {
                    Tri::True => (K::T, mask(&note.needs)),
                    Tri::Unknown => (K::U, mask(&note.needs)),
                    Tri::False => (K::F, u32::MAX), // never reported: flag it
                },
                _ => (K::F, u32::MAX),
            };
            recommended.push(Rec {
                rule: r.rule.0 as u8,
                choice: r.choice as u8,
                action: r.action.0 as u8,
                caution,
                caution_needs,
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
                EscalationCause::Exclusive { .. } | EscalationCause::ImplausibleFacts { .. } => {
                    Cause::Other
                }
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

/// What withholds one action for this patient, worked out once.
#[derive(Clone, Copy, Default)]
struct Withholds {
    /// The action's contraindication clause: true, or unknown with needs.
    contraindicated: bool,
    unsettled: Option<u32>,
    /// The rule avoiding it fired, or is undecided (with its needs).
    avoided: bool,
    maybe_avoided: Option<u32>,
}

/// Resolves one `then recommend` clause of a rule that fired: the first
/// alternative nothing withholds, or an escalation.
#[inline]
fn resolve(
    rule: u8,
    alternatives: &[u8],
    withholds: &[Withholds; 12],
    cautions: &[Truth; 12],
    out: &mut Decisions,
) {
    let mut needs = 0;
    for &action in alternatives {
        let w = withholds[action as usize];
        let held = if w.contraindicated {
            Some((Why::Contraindicated, 0))
        } else if w.avoided {
            Some((Why::Avoided, 0))
        } else if let Some(needs) = w.unsettled {
            Some((Why::Unsettled, needs))
        } else {
            w.maybe_avoided.map(|needs| (Why::MaybeAvoided, needs))
        };
        match held {
            Some((why, why_needs)) => {
                needs |= why_needs;
                out.withheld.push(Held {
                    rule,
                    choice: 0,
                    action,
                    why,
                    needs: why_needs,
                });
            }
            None => {
                let caution = cautions[action as usize];
                out.recommended.push(Rec {
                    rule,
                    choice: 0,
                    action,
                    caution: caution.value,
                    caution_needs: caution.open(),
                });
                return;
            }
        }
    }
    out.escalations.push(Esc {
        cause: Cause::NoAlternative { rule, choice: 0 },
        needs,
    });
}

/// Each rule's one `then recommend` clause (rules 10 and 11 only avoid).
const CHOICES: [&[u8]; RULES] = {
    use action::*;
    [
        &[REFER_DIABETES_TEAM],
        &[LIFESTYLE],
        &[RELAXED_TARGET],
        &[BLOOD_PRESSURE_TREATMENT],
        &[FOOT_PROTECTION],
        &[BASAL_INSULIN],
        &[SGLT2_INHIBITOR, GLP1_AGONIST],
        &[GLP1_AGONIST, SGLT2_INHIBITOR],
        &[SULFONYLUREA, PIOGLITAZONE, DPP4_INHIBITOR],
        &[METFORMIN, SGLT2_INHIBITOR, DPP4_INHIBITOR],
        &[],
        &[],
    ]
};

/// The rules of the first-match section `drug_treatment`, as bits.
const FIRST_MATCH: u32 = 0b11111 << 5;

/// The avoid-only rules and the action each avoids.
const AVOIDS: [(u8, u8); 2] = [(10, action::METFORMIN), (11, action::SULFONYLUREA)];

/// Evaluates the rule set for one patient.
pub fn evaluate(facts: &Facts) -> Decisions {
    let mut out = Decisions {
        recommended: Vec::with_capacity(8),
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

    let flag = |b: Option<bool>, fact: u32| Truth::test(b, 1 << fact, |b| b);
    let hba1c_at_least = |t: f64| Truth::test(p.hba1c, 1 << f::HBA1C, |x| x >= t);
    let egfr_below = |t: f64| Truth::test(p.egfr, 1 << f::EGFR, |x| x < t);
    let comorbid =
        |bits: u8| Truth::test(p.comorbidities, 1 << f::COMORBIDITIES, |s| s & bits != 0);
    let frailty_in =
        |values: &[u8]| Truth::test(p.frailty, 1 << f::FRAILTY, |e| values.contains(&e));
    let ketosis = flag(p.ketosis, f::KETOSIS);
    let pancreatitis = flag(p.pancreatitis_history, f::PANCREATITIS_HISTORY);
    let old = Truth::test(p.age, 1 << f::AGE, |x| x >= 75.0);
    let frail = frailty_in(&[MODERATE, SEVERE]);
    let ckd = comorbid(CKD);
    let hba1c_48 = hba1c_at_least(48.0);
    let not_tolerated =
        |a: u8| Truth::test(p.not_tolerated, 1 << f::NOT_TOLERATED, |s| s & 1 << a != 0);

    // Rule conditions, by rule.
    let c: [Truth; RULES] = [
        flag(p.type1_suspected, f::TYPE1_SUSPECTED)
            .or(ketosis)
            .or(hba1c_at_least(108.0).and(flag(
                p.symptomatic_hyperglycaemia,
                f::SYMPTOMATIC_HYPERGLYCAEMIA,
            ))),
        Truth::TRUE,
        old.or(frail),
        Truth::test(p.systolic_bp, 1 << f::SYSTOLIC_BP, |x| x >= 140.0).or(Truth::test(
            p.systolic_bp,
            1 << f::SYSTOLIC_BP,
            |x| x >= 130.0,
        )
        .and(ckd)),
        flag(p.foot_ulcer, f::FOOT_ULCER),
        flag(p.pregnant, f::PREGNANT),
        hba1c_48.and(comorbid(HEART_FAILURE).or(ckd).or(egfr_below(60.0))),
        hba1c_48.and(comorbid(ASCVD).or(Truth::test(p.bmi, 1 << f::BMI, |x| x >= 35.0))),
        hba1c_at_least(58.0).and(Truth::test(p.current, 1 << f::CURRENT, |s| {
            s & 1 << action::METFORMIN != 0
        })),
        hba1c_48.and(Truth::test(p.frailty, 1 << f::FRAILTY, |e| e != SEVERE)),
        not_tolerated(action::METFORMIN),
        flag(p.hypoglycaemia_unawareness, f::HYPOGLYCAEMIA_UNAWARENESS)
            .or(not_tolerated(action::SULFONYLUREA)),
    ];

    // Statuses, honouring the first-match section: as bitsets over rules.
    let (mut fired, mut undecided) = (0u32, 0u32);
    for (i, v) in c.iter().enumerate() {
        fired |= ((v.value == K::T) as u32) << i;
        undecided |= ((v.value == K::U) as u32) << i;
    }
    let (mut shadowed, mut not_reached, mut stops) = (0u32, 0u32, 0u32);
    let live = (fired | undecided) & FIRST_MATCH;
    if live != 0 {
        let first = live & live.wrapping_neg();
        let later = FIRST_MATCH & !(first | (first - 1));
        if fired & first != 0 {
            shadowed = later;
        } else {
            not_reached = later;
            stops = first;
        }
        fired &= !later;
        undecided &= !later;
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

    // What withholds each action: avoids, before any recommendation, then
    // contraindications.
    let mut withholds = [Withholds::default(); 12];
    for (rule, action) in AVOIDS {
        let w = &mut withholds[action as usize];
        if fired >> rule & 1 != 0 {
            w.avoided = true;
            out.avoided.push((action, rule));
        } else if undecided >> rule & 1 != 0 {
            w.maybe_avoided = Some(c[rule as usize].open());
        }
    }
    let contraindications = [
        (action::METFORMIN, egfr_below(30.0)),
        (action::SGLT2_INHIBITOR, ketosis.or(egfr_below(20.0))),
        (
            action::GLP1_AGONIST,
            pancreatitis.or(flag(
                p.medullary_thyroid_cancer_history,
                f::MEDULLARY_THYROID_CANCER_HISTORY,
            )),
        ),
        (action::DPP4_INHIBITOR, pancreatitis),
        (
            action::PIOGLITAZONE,
            comorbid(HEART_FAILURE)
                .or(flag(p.bladder_cancer_history, f::BLADDER_CANCER_HISTORY))
                .or(comorbid(LIVER_DISEASE)),
        ),
    ];
    for (action, clause) in contraindications {
        let w = &mut withholds[action as usize];
        match clause.value {
            K::T => w.contraindicated = true,
            K::U => w.unsettled = Some(clause.open()),
            K::F => {}
        }
    }
    let mut cautions = [Truth::known(false); 12];
    cautions[action::METFORMIN as usize] = egfr_below(45.0);
    cautions[action::SGLT2_INHIBITOR as usize] = flag(
        p.recurrent_genital_infection,
        f::RECURRENT_GENITAL_INFECTION,
    );
    cautions[action::SULFONYLUREA as usize] =
        frail.or(flag(p.lives_alone, f::LIVES_ALONE).and(old));

    // Rules in order: undecided ones escalate (the avoid-only ones only
    // where they withhold, as they stop no first-match section), fired
    // ones resolve their choice.
    let avoid_only = 1 << 10 | 1 << 11;
    let mut todo = fired | (undecided & !avoid_only);
    while todo != 0 {
        let rule = todo.trailing_zeros() as usize;
        todo &= todo - 1;
        if fired >> rule & 1 != 0 {
            if !CHOICES[rule].is_empty() {
                resolve(rule as u8, CHOICES[rule], &withholds, &cautions, out);
            }
        } else {
            out.escalations.push(Esc {
                cause: Cause::Unknown {
                    rule: rule as u8,
                    stops: stops >> rule & 1 != 0,
                },
                needs: c[rule].open(),
            });
        }
    }
}
