//! Native baseline: the rules of `guidelines/dermatomyositis.gdl` written
//! by hand in Rust, as a programmer would for this one guideline, with the
//! semantics of docs/language.md §17: Kleene three-valued logic, invariants
//! first (a false one stops evaluation), first-match sections, avoids before
//! recommendations, and exclusive conflicts.
//!
//! Input: [`Facts`], a plain struct (`None` = unknown; quantities in the
//! declared unit; sets as bitsets over the enum's declaration order).
//! Output: [`Decisions`], the interpreter's `Evaluation` in compact form:
//! every rule's status, the recommendations (rule, choice, action, caution),
//! the withheld alternatives and why, the avoids, and the escalations, each
//! with the unknown facts that would settle it as a bitset over fact
//! indices. Rule, action and fact indices are the compiled model's (the
//! order of declaration in the file); `tests/native_baseline.rs` checks both
//! the indices and that the decisions equal the interpreter's.
//!
//! No interpretation, and no allocation beyond the output vectors
//! ([`evaluate_into`] reuses them: no allocation at all once warm).
#![allow(
    dead_code,
    reason = "the test and the benchmark each use part of this module"
)]
#![allow(
    clippy::indexing_slicing,
    reason = "hand-written baseline over fixed indices: a panic is a failed run"
)]

use super::common::decisions::statuses;
pub use super::common::decisions::{K, Status, Why};
use gdl::eval::{EscalationCause, Evaluation, Patient, Tri, Value, Withholding};
use gdl::sema::FactId;

// ---------------------------------------------------------------------------
// Indices of the compiled model (declaration order in the file).
// ---------------------------------------------------------------------------

/// Fact indices.
pub mod fact {
    pub const MYOSITIS: u32 = 0;
    pub const MUSCLE_WEAKNESS: u32 = 1;
    pub const SUBCLINICAL_MUSCLE_DISEASE: u32 = 2;
    pub const SKIN_DISEASE: u32 = 3;
    pub const SKIN_BIOPSY_CONFIRMED: u32 = 4;
    pub const SKIN_SITES: u32 = 5;
    pub const PRURITUS: u32 = 6;
    pub const SEVERE_PRURITUS_DESPITE_TOPICALS: u32 = 7;
    pub const ANTIBODIES: u32 = 8;
    pub const INTERSTITIAL_LUNG_DISEASE: u32 = 9;
    pub const VASCULITIS: u32 = 10;
    pub const RESPIRATORY_MUSCLE_INVOLVEMENT: u32 = 11;
    pub const UNDERLYING_MALIGNANCY: u32 = 12;
    pub const SEVERE_DISEASE: u32 = 13;
    pub const ACUTE_MUSCLE_FLARE: u32 = 14;
    pub const ACUTE_SKIN_FLARE: u32 = 15;
    pub const SKIN_UNRESPONSIVE_TO_TOPICALS: u32 = 16;
    pub const ACTIVE_DESPITE_OPTIMAL_IMMUNOSUPPRESSION: u32 = 17;
    pub const FAILED: u32 = 18;
    pub const ON_SYSTEMIC_CORTICOSTEROIDS: u32 = 19;
    pub const CORTICOSTEROID_TAPER_IN_PROGRESS: u32 = 20;
    pub const TREATMENT_RESPONSE_ACHIEVED: u32 = 21;
    pub const IV_CORTICOSTEROID_COURSE_COMPLETED: u32 = 22;
    pub const PHYSICIAN_CHOOSES_INITIAL_IVIG: u32 = 23;
    pub const CORTICOSTEROID_SPARING_NEEDED: u32 = 24;
    pub const TIME_ON_AZATHIOPRINE: u32 = 25;
    pub const AZATHIOPRINE_STOPPED_FOR_TOXICITY: u32 = 26;
    pub const RENAL_IMPAIRMENT: u32 = 27;
    pub const HYPERTENSION: u32 = 28;
    pub const PREGNANT: u32 = 29;
    pub const CHILDBEARING_POTENTIAL: u32 = 30;
    pub const EFFECTIVE_CONTRACEPTION: u32 = 31;
    pub const G6PD_DEFICIENCY: u32 = 32;
}

pub const FACT_NAMES: [&str; 33] = [
    "myositis",
    "muscle_weakness",
    "subclinical_muscle_disease",
    "skin_disease",
    "skin_biopsy_confirmed",
    "skin_sites",
    "pruritus",
    "severe_pruritus_despite_topicals",
    "antibodies",
    "interstitial_lung_disease",
    "vasculitis",
    "respiratory_muscle_involvement",
    "underlying_malignancy",
    "severe_disease",
    "acute_muscle_flare",
    "acute_skin_flare",
    "skin_unresponsive_to_topicals",
    "active_despite_optimal_immunosuppression",
    "failed",
    "on_systemic_corticosteroids",
    "corticosteroid_taper_in_progress",
    "treatment_response_achieved",
    "iv_corticosteroid_course_completed",
    "physician_chooses_initial_ivig",
    "corticosteroid_sparing_needed",
    "time_on_azathioprine",
    "azathioprine_stopped_for_toxicity",
    "renal_impairment",
    "hypertension",
    "pregnant",
    "childbearing_potential",
    "effective_contraception",
    "g6pd_deficiency",
];

/// Action indices (also the bit of each action in the `failed` set).
pub mod action {
    pub const GOAL_REMISSION_OR_CONTROL: u8 = 0;
    pub const GOAL_SUPPRESS_MUSCLE_INFLAMMATION: u8 = 1;
    pub const GOAL_IMPROVE_MUSCLE_STRENGTH: u8 = 2;
    pub const GOAL_PREVENT_SYSTEMIC_COMPLICATIONS: u8 = 3;
    pub const GOAL_CONTROL_SKIN_DISEASE: u8 = 4;
    pub const HIGH_DOSE_ORAL_CORTICOSTEROIDS: u8 = 5;
    pub const IV_CORTICOSTEROIDS: u8 = 6;
    pub const IVIG_WITH_IV_CORTICOSTEROIDS: u8 = 7;
    pub const LOWEST_EFFECTIVE_CORTICOSTEROID_DOSE: u8 = 8;
    pub const TAPER_CORTICOSTEROIDS: u8 = 9;
    pub const INCREASE_CORTICOSTEROID_DOSE: u8 = 10;
    pub const METHOTREXATE: u8 = 11;
    pub const AZATHIOPRINE: u8 = 12;
    pub const CICLOSPORIN: u8 = 13;
    pub const TACROLIMUS_ORAL: u8 = 14;
    pub const MYCOPHENOLATE: u8 = 15;
    pub const CYCLOPHOSPHAMIDE: u8 = 16;
    pub const CHLORAMBUCIL: u8 = 17;
    pub const RITUXIMAB: u8 = 18;
    pub const IVIG: u8 = 19;
    pub const CONCOMITANT_IMMUNOSUPPRESSANT: u8 = 20;
    pub const ASSESS_INTERSTITIAL_LUNG_DISEASE: u8 = 21;
    pub const THALIDOMIDE: u8 = 22;
    pub const DAPSONE: u8 = 23;
    pub const HYDROXYCHLOROQUINE: u8 = 24;
    pub const CHLOROQUINE: u8 = 25;
    pub const SUNSCREEN_HIGH_PROTECTION: u8 = 26;
    pub const TOPICAL_CORTICOSTEROID: u8 = 27;
    pub const TOPICAL_CORTICOSTEROID_POTENT: u8 = 28;
    pub const TOPICAL_CORTICOSTEROID_MILD_MODERATE: u8 = 29;
    pub const SCALP_FOAM_OR_LOTION: u8 = 30;
    pub const TOPICAL_ANTIPRURITIC: u8 = 31;
    pub const SEDATING_ANTIHISTAMINE_AT_NIGHT: u8 = 32;
    pub const NON_SEDATING_ANTIHISTAMINE_DAYTIME: u8 = 33;
    pub const TACROLIMUS_TOPICAL: u8 = 34;
    pub const ADD_SKIN_DIRECTED_TREATMENT: u8 = 35;
    pub const TREAT_UNDERLYING_MALIGNANCY: u8 = 36;
}

pub const ACTION_NAMES: [&str; 37] = [
    "goal_remission_or_control",
    "goal_suppress_muscle_inflammation",
    "goal_improve_muscle_strength",
    "goal_prevent_systemic_complications",
    "goal_control_skin_disease",
    "high_dose_oral_corticosteroids",
    "iv_corticosteroids",
    "ivig_with_iv_corticosteroids",
    "lowest_effective_corticosteroid_dose",
    "taper_corticosteroids",
    "increase_corticosteroid_dose",
    "methotrexate",
    "azathioprine",
    "ciclosporin",
    "tacrolimus_oral",
    "mycophenolate",
    "cyclophosphamide",
    "chlorambucil",
    "rituximab",
    "ivig",
    "concomitant_immunosuppressant",
    "assess_interstitial_lung_disease",
    "thalidomide",
    "dapsone",
    "hydroxychloroquine",
    "chloroquine",
    "sunscreen_high_protection",
    "topical_corticosteroid",
    "topical_corticosteroid_potent",
    "topical_corticosteroid_mild_moderate",
    "scalp_foam_or_lotion",
    "topical_antipruritic",
    "sedating_antihistamine_at_night",
    "non_sedating_antihistamine_daytime",
    "tacrolimus_topical",
    "add_skin_directed_treatment",
    "treat_underlying_malignancy",
];

/// Number of rules.
pub const RULES: usize = 43;

pub const RULE_NAMES: [&str; RULES] = [
    "goal_for_every_patient",
    "initial_goals_with_muscle_involvement",
    "goal_skin_disease",
    "severe_step_down_to_oral",
    "severe_initial_iv_corticosteroids",
    "severe_ivig_not_chosen",
    "corticosteroids_lowest_dose",
    "corticosteroids_taper_on_response",
    "anti_synthetase_add_immunosuppressant",
    "anti_SRP_early_escalation",
    "anti_SRP_after_immunosuppressant",
    "anti_MDA5_early_combined_therapy",
    "muscle_first_line",
    "muscle_second_line",
    "muscle_third_line",
    "muscle_cyclophosphamide_after_others",
    "muscle_azathioprine_judged_early",
    "muscle_adjunctive_ivig",
    "sunscreen_for_all",
    "skin_topical_corticosteroid",
    "skin_topical_corticosteroid_potent_sites",
    "skin_topical_corticosteroid_atrophy_prone_sites",
    "skin_scalp_formulation",
    "skin_topical_antipruritic",
    "skin_oral_antihistamines",
    "skin_recalcitrant_ild_ciclosporin",
    "skin_third_line_after_methotrexate",
    "skin_third_line_methotrexate",
    "skin_second_line_antimalarial",
    "skin_topical_tacrolimus",
    "skin_flare_on_taper_add_treatment",
    "skin_adjunctive_ivig",
    "treat_malignancy",
    "no_repeat_methotrexate",
    "no_repeat_azathioprine",
    "no_repeat_ciclosporin",
    "no_repeat_tacrolimus_oral",
    "no_repeat_mycophenolate",
    "no_repeat_cyclophosphamide",
    "no_repeat_chlorambucil",
    "no_repeat_thalidomide",
    "no_repeat_dapsone",
    "no_repeat_ivig",
];

/// `Antibody` values (bits of [`Facts::antibodies`]).
pub const ANTIBODY_NAMES: [&str; 11] = [
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
const ANTI_SYNTHETASE: u16 = 1 << 0;
const ANTI_SRP: u16 = 1 << 1;
const ANTI_MDA5: u16 = 1 << 2;

/// `BodySite` values (bits of [`Facts::skin_sites`]).
pub const SITE_NAMES: [&str; 7] = [
    "trunk", "limbs", "hands", "scalp", "face", "eyelids", "neck",
];
const TRUNK: u8 = 1 << 0;
const LIMBS: u8 = 1 << 1;
const HANDS: u8 = 1 << 2;
const SCALP: u8 = 1 << 3;
const FACE: u8 = 1 << 4;
const EYELIDS: u8 = 1 << 5;
const NECK: u8 = 1 << 6;

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/// One patient's facts. `None` is unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Facts {
    pub myositis: Option<bool>,
    pub muscle_weakness: Option<bool>,
    pub subclinical_muscle_disease: Option<bool>,
    pub skin_disease: Option<bool>,
    pub skin_biopsy_confirmed: Option<bool>,
    /// Bits: [`SITE_NAMES`].
    pub skin_sites: Option<u8>,
    pub pruritus: Option<bool>,
    pub severe_pruritus_despite_topicals: Option<bool>,
    /// Bits: [`ANTIBODY_NAMES`].
    pub antibodies: Option<u16>,
    pub interstitial_lung_disease: Option<bool>,
    pub vasculitis: Option<bool>,
    pub respiratory_muscle_involvement: Option<bool>,
    pub underlying_malignancy: Option<bool>,
    pub severe_disease: Option<bool>,
    pub acute_muscle_flare: Option<bool>,
    pub acute_skin_flare: Option<bool>,
    pub skin_unresponsive_to_topicals: Option<bool>,
    pub active_despite_optimal_immunosuppression: Option<bool>,
    /// Bits: action indices.
    pub failed: Option<u64>,
    pub on_systemic_corticosteroids: Option<bool>,
    pub corticosteroid_taper_in_progress: Option<bool>,
    pub treatment_response_achieved: Option<bool>,
    pub iv_corticosteroid_course_completed: Option<bool>,
    pub physician_chooses_initial_ivig: Option<bool>,
    pub corticosteroid_sparing_needed: Option<bool>,
    /// Months.
    pub time_on_azathioprine: Option<f64>,
    pub azathioprine_stopped_for_toxicity: Option<bool>,
    pub renal_impairment: Option<bool>,
    pub hypertension: Option<bool>,
    pub pregnant: Option<bool>,
    pub childbearing_potential: Option<bool>,
    pub effective_contraception: Option<bool>,
    pub g6pd_deficiency: Option<bool>,
}

impl Facts {
    /// The unknown facts, as a bitset over fact indices.
    #[inline]
    pub fn unknown(&self) -> u64 {
        let u = |known: bool, fact: u32| (!known as u64) << fact;
        u(self.myositis.is_some(), fact::MYOSITIS)
            | u(self.muscle_weakness.is_some(), fact::MUSCLE_WEAKNESS)
            | u(
                self.subclinical_muscle_disease.is_some(),
                fact::SUBCLINICAL_MUSCLE_DISEASE,
            )
            | u(self.skin_disease.is_some(), fact::SKIN_DISEASE)
            | u(
                self.skin_biopsy_confirmed.is_some(),
                fact::SKIN_BIOPSY_CONFIRMED,
            )
            | u(self.skin_sites.is_some(), fact::SKIN_SITES)
            | u(self.pruritus.is_some(), fact::PRURITUS)
            | u(
                self.severe_pruritus_despite_topicals.is_some(),
                fact::SEVERE_PRURITUS_DESPITE_TOPICALS,
            )
            | u(self.antibodies.is_some(), fact::ANTIBODIES)
            | u(
                self.interstitial_lung_disease.is_some(),
                fact::INTERSTITIAL_LUNG_DISEASE,
            )
            | u(self.vasculitis.is_some(), fact::VASCULITIS)
            | u(
                self.respiratory_muscle_involvement.is_some(),
                fact::RESPIRATORY_MUSCLE_INVOLVEMENT,
            )
            | u(
                self.underlying_malignancy.is_some(),
                fact::UNDERLYING_MALIGNANCY,
            )
            | u(self.severe_disease.is_some(), fact::SEVERE_DISEASE)
            | u(self.acute_muscle_flare.is_some(), fact::ACUTE_MUSCLE_FLARE)
            | u(self.acute_skin_flare.is_some(), fact::ACUTE_SKIN_FLARE)
            | u(
                self.skin_unresponsive_to_topicals.is_some(),
                fact::SKIN_UNRESPONSIVE_TO_TOPICALS,
            )
            | u(
                self.active_despite_optimal_immunosuppression.is_some(),
                fact::ACTIVE_DESPITE_OPTIMAL_IMMUNOSUPPRESSION,
            )
            | u(self.failed.is_some(), fact::FAILED)
            | u(
                self.on_systemic_corticosteroids.is_some(),
                fact::ON_SYSTEMIC_CORTICOSTEROIDS,
            )
            | u(
                self.corticosteroid_taper_in_progress.is_some(),
                fact::CORTICOSTEROID_TAPER_IN_PROGRESS,
            )
            | u(
                self.treatment_response_achieved.is_some(),
                fact::TREATMENT_RESPONSE_ACHIEVED,
            )
            | u(
                self.iv_corticosteroid_course_completed.is_some(),
                fact::IV_CORTICOSTEROID_COURSE_COMPLETED,
            )
            | u(
                self.physician_chooses_initial_ivig.is_some(),
                fact::PHYSICIAN_CHOOSES_INITIAL_IVIG,
            )
            | u(
                self.corticosteroid_sparing_needed.is_some(),
                fact::CORTICOSTEROID_SPARING_NEEDED,
            )
            | u(
                self.time_on_azathioprine.is_some(),
                fact::TIME_ON_AZATHIOPRINE,
            )
            | u(
                self.azathioprine_stopped_for_toxicity.is_some(),
                fact::AZATHIOPRINE_STOPPED_FOR_TOXICITY,
            )
            | u(self.renal_impairment.is_some(), fact::RENAL_IMPAIRMENT)
            | u(self.hypertension.is_some(), fact::HYPERTENSION)
            | u(self.pregnant.is_some(), fact::PREGNANT)
            | u(
                self.childbearing_potential.is_some(),
                fact::CHILDBEARING_POTENTIAL,
            )
            | u(
                self.effective_contraception.is_some(),
                fact::EFFECTIVE_CONTRACEPTION,
            )
            | u(self.g6pd_deficiency.is_some(), fact::G6PD_DEFICIENCY)
    }

    /// From an interpreter patient (slots in fact-index order). Not part of
    /// what is timed: the benchmark converts the cohort once.
    pub fn from_patient(patient: &Patient) -> Facts {
        let v = |i: u32| patient.get(FactId(i));
        let b = |i: u32| match v(i) {
            Value::Bool(x) => Some(x),
            _ => None,
        };
        let set = |i: u32| match v(i) {
            Value::Set(bits) => Some(bits as u64),
            _ => None,
        };
        Facts {
            myositis: b(fact::MYOSITIS),
            muscle_weakness: b(fact::MUSCLE_WEAKNESS),
            subclinical_muscle_disease: b(fact::SUBCLINICAL_MUSCLE_DISEASE),
            skin_disease: b(fact::SKIN_DISEASE),
            skin_biopsy_confirmed: b(fact::SKIN_BIOPSY_CONFIRMED),
            skin_sites: set(fact::SKIN_SITES).map(|x| x as u8),
            pruritus: b(fact::PRURITUS),
            severe_pruritus_despite_topicals: b(fact::SEVERE_PRURITUS_DESPITE_TOPICALS),
            antibodies: set(fact::ANTIBODIES).map(|x| x as u16),
            interstitial_lung_disease: b(fact::INTERSTITIAL_LUNG_DISEASE),
            vasculitis: b(fact::VASCULITIS),
            respiratory_muscle_involvement: b(fact::RESPIRATORY_MUSCLE_INVOLVEMENT),
            underlying_malignancy: b(fact::UNDERLYING_MALIGNANCY),
            severe_disease: b(fact::SEVERE_DISEASE),
            acute_muscle_flare: b(fact::ACUTE_MUSCLE_FLARE),
            acute_skin_flare: b(fact::ACUTE_SKIN_FLARE),
            skin_unresponsive_to_topicals: b(fact::SKIN_UNRESPONSIVE_TO_TOPICALS),
            active_despite_optimal_immunosuppression: b(
                fact::ACTIVE_DESPITE_OPTIMAL_IMMUNOSUPPRESSION,
            ),
            failed: set(fact::FAILED),
            on_systemic_corticosteroids: b(fact::ON_SYSTEMIC_CORTICOSTEROIDS),
            corticosteroid_taper_in_progress: b(fact::CORTICOSTEROID_TAPER_IN_PROGRESS),
            treatment_response_achieved: b(fact::TREATMENT_RESPONSE_ACHIEVED),
            iv_corticosteroid_course_completed: b(fact::IV_CORTICOSTEROID_COURSE_COMPLETED),
            physician_chooses_initial_ivig: b(fact::PHYSICIAN_CHOOSES_INITIAL_IVIG),
            corticosteroid_sparing_needed: b(fact::CORTICOSTEROID_SPARING_NEEDED),
            time_on_azathioprine: match v(fact::TIME_ON_AZATHIOPRINE) {
                Value::Number(x) => Some(x),
                _ => None,
            },
            azathioprine_stopped_for_toxicity: b(fact::AZATHIOPRINE_STOPPED_FOR_TOXICITY),
            renal_impairment: b(fact::RENAL_IMPAIRMENT),
            hypertension: b(fact::HYPERTENSION),
            pregnant: b(fact::PREGNANT),
            childbearing_potential: b(fact::CHILDBEARING_POTENTIAL),
            effective_contraception: b(fact::EFFECTIVE_CONTRACEPTION),
            g6pd_deficiency: b(fact::G6PD_DEFICIENCY),
        }
    }
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/// A recommendation: which rule and `then` clause, which action, and its
/// caution (every action here has at most one caution clause): `F` none,
/// `U` may apply (with `caution_needs`), `T` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rec {
    pub rule: u8,
    pub choice: u8,
    pub action: u8,
    pub caution: K,
    pub caution_needs: u64,
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
    pub needs: u64,
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
    Exclusive {
        group: u8,
    },
    Implausible {
        invariant: u8,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Esc {
    pub cause: Cause,
    pub needs: u64,
}

impl Decisions {
    /// The decisions with every `needs` mask taken out, and those masks in
    /// order: the interpreter names only the unknown facts that can settle a
    /// decision, a subset of the unknown facts it reads, which is what this
    /// baseline computes.
    pub fn split_needs(&self) -> (Decisions, Vec<u64>) {
        let mut plain = self.clone();
        let mut needs = Vec::new();
        for r in &mut plain.recommended {
            needs.push(std::mem::take(&mut r.caution_needs));
        }
        for w in &mut plain.withheld {
            needs.push(std::mem::take(&mut w.needs));
        }
        for e in &mut plain.escalations {
            needs.push(std::mem::take(&mut e.needs));
        }
        (plain, needs)
    }
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
        let mask = |facts: &[gdl::sema::FactId]| facts.iter().fold(0u64, |m, f| m | 1 << f.0);
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
                    Tri::False => (K::F, u64::MAX), // never reported: flag it
                },
                _ => (K::F, u64::MAX),
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
                EscalationCause::Exclusive { group, .. } => Cause::Exclusive {
                    group: *group as u8,
                },
                EscalationCause::ImplausibleFacts { invariant } => Cause::Implausible {
                    invariant: *invariant as u8,
                },
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

impl K {
    #[inline(always)]
    fn of(b: Option<bool>) -> K {
        match b {
            Some(true) => K::T,
            Some(false) => K::F,
            None => K::U,
        }
    }
    #[inline(always)]
    fn known(b: bool) -> K {
        if b { K::T } else { K::F }
    }
    #[inline(always)]
    fn and(self, o: K) -> K {
        self.min(o)
    }
    #[inline(always)]
    fn or(self, o: K) -> K {
        self.max(o)
    }
    #[inline(always)]
    fn not(self) -> K {
        match self {
            K::F => K::T,
            K::U => K::U,
            K::T => K::F,
        }
    }
    #[inline(always)]
    fn implies(self, o: K) -> K {
        self.not().or(o)
    }
}

/// `any of bits in set`, three-valued.
#[inline(always)]
fn any_in<T: Copy + std::ops::BitAnd<Output = T> + PartialEq + Default>(
    set: Option<T>,
    bits: T,
) -> K {
    match set {
        Some(s) => K::known(s & bits != T::default()),
        None => K::U,
    }
}

const fn facts(list: &[u32]) -> u64 {
    let mut m = 0u64;
    let mut i = 0;
    while i < list.len() {
        m |= 1 << list[i];
        i += 1;
    }
    m
}

use fact as f;
// The facts each definition reads (transitively).
const SEVERE_OR_ACUTE_FLARE: u64 = facts(&[
    f::SEVERE_DISEASE,
    f::ACUTE_MUSCLE_FLARE,
    f::SKIN_DISEASE,
    f::ACUTE_SKIN_FLARE,
    f::ON_SYSTEMIC_CORTICOSTEROIDS,
    f::CORTICOSTEROID_TAPER_IN_PROGRESS,
]);
const MUSCLE_SECOND_LINE: u64 = facts(&[
    f::MYOSITIS,
    f::FAILED,
    f::ON_SYSTEMIC_CORTICOSTEROIDS,
    f::CORTICOSTEROID_SPARING_NEEDED,
]);
const MUSCLE_THIRD_LINE: u64 = MUSCLE_SECOND_LINE;
const ORGAN: u64 = facts(&[
    f::VASCULITIS,
    f::INTERSTITIAL_LUNG_DISEASE,
    f::RESPIRATORY_MUSCLE_INVOLVEMENT,
]);
const SKIN_SECOND_LINE: u64 = facts(&[f::SKIN_DISEASE, f::SKIN_UNRESPONSIVE_TO_TOPICALS]);
const SKIN_THIRD_LINE: u64 = SKIN_SECOND_LINE | facts(&[f::FAILED]);
const SKIN_SITES_AND_DISEASE: u64 = facts(&[f::SKIN_DISEASE, f::SKIN_SITES]);
const FAILED_ONLY: u64 = facts(&[f::FAILED]);

/// The facts each rule's condition reads (transitively), by rule.
const RULE_FACTS: [u64; RULES] = [
    0,
    facts(&[
        f::MUSCLE_WEAKNESS,
        f::SKIN_DISEASE,
        f::SKIN_BIOPSY_CONFIRMED,
        f::SUBCLINICAL_MUSCLE_DISEASE,
    ]),
    facts(&[f::SKIN_DISEASE]),
    SEVERE_OR_ACUTE_FLARE | facts(&[f::IV_CORTICOSTEROID_COURSE_COMPLETED]),
    SEVERE_OR_ACUTE_FLARE | facts(&[f::IV_CORTICOSTEROID_COURSE_COMPLETED]),
    SEVERE_OR_ACUTE_FLARE | facts(&[f::PHYSICIAN_CHOOSES_INITIAL_IVIG]),
    facts(&[f::ON_SYSTEMIC_CORTICOSTEROIDS]),
    facts(&[
        f::ON_SYSTEMIC_CORTICOSTEROIDS,
        f::TREATMENT_RESPONSE_ACHIEVED,
    ]),
    facts(&[f::ANTIBODIES]),
    facts(&[f::ANTIBODIES, f::FAILED]),
    facts(&[f::ANTIBODIES]),
    facts(&[f::ANTIBODIES]),
    SEVERE_OR_ACUTE_FLARE | facts(&[f::MYOSITIS, f::FAILED]),
    MUSCLE_SECOND_LINE,
    MUSCLE_THIRD_LINE,
    MUSCLE_THIRD_LINE | ORGAN,
    facts(&[
        f::FAILED,
        f::AZATHIOPRINE_STOPPED_FOR_TOXICITY,
        f::TIME_ON_AZATHIOPRINE,
    ]),
    facts(&[
        f::MYOSITIS,
        f::MUSCLE_WEAKNESS,
        f::ACTIVE_DESPITE_OPTIMAL_IMMUNOSUPPRESSION,
    ]),
    0,
    facts(&[f::SKIN_DISEASE]),
    SKIN_SITES_AND_DISEASE,
    SKIN_SITES_AND_DISEASE,
    SKIN_SITES_AND_DISEASE,
    facts(&[f::SKIN_DISEASE, f::PRURITUS]),
    facts(&[
        f::SKIN_DISEASE,
        f::PRURITUS,
        f::SEVERE_PRURITUS_DESPITE_TOPICALS,
    ]),
    SKIN_THIRD_LINE | facts(&[f::INTERSTITIAL_LUNG_DISEASE]),
    SKIN_THIRD_LINE,
    SKIN_THIRD_LINE,
    SKIN_SECOND_LINE,
    SKIN_SECOND_LINE,
    facts(&[
        f::SKIN_DISEASE,
        f::ACUTE_SKIN_FLARE,
        f::ON_SYSTEMIC_CORTICOSTEROIDS,
        f::CORTICOSTEROID_TAPER_IN_PROGRESS,
    ]),
    SKIN_THIRD_LINE | facts(&[f::ACTIVE_DESPITE_OPTIMAL_IMMUNOSUPPRESSION]),
    facts(&[f::UNDERLYING_MALIGNANCY]),
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
    FAILED_ONLY,
];

use action as a;

/// Every alternative of the clause is tried in order (no `any of`).
const ORDERED: usize = usize::MAX;

/// The `then recommend` clauses of each rule: (index of the `then` clause
/// in the rule, alternatives, how many of them are tried in order before
/// the rest are offered as equal options; [`ORDERED`] for all).
const CHOICES: [&[(u8, &[u8], usize)]; RULES] = [
    &[(0, &[a::GOAL_REMISSION_OR_CONTROL], ORDERED)],
    &[
        (0, &[a::GOAL_SUPPRESS_MUSCLE_INFLAMMATION], ORDERED),
        (1, &[a::GOAL_IMPROVE_MUSCLE_STRENGTH], ORDERED),
        (2, &[a::GOAL_PREVENT_SYSTEMIC_COMPLICATIONS], ORDERED),
    ],
    &[(0, &[a::GOAL_CONTROL_SKIN_DISEASE], ORDERED)],
    &[(0, &[a::HIGH_DOSE_ORAL_CORTICOSTEROIDS], ORDERED)],
    &[(
        0,
        &[a::IVIG_WITH_IV_CORTICOSTEROIDS, a::IV_CORTICOSTEROIDS],
        ORDERED,
    )],
    &[],
    &[(0, &[a::LOWEST_EFFECTIVE_CORTICOSTEROID_DOSE], ORDERED)],
    &[(0, &[a::TAPER_CORTICOSTEROIDS], ORDERED)],
    &[(0, &[a::CONCOMITANT_IMMUNOSUPPRESSANT], ORDERED)],
    &[(
        0,
        &[a::CONCOMITANT_IMMUNOSUPPRESSANT, a::IVIG, a::RITUXIMAB],
        0,
    )],
    &[(0, &[a::IVIG, a::RITUXIMAB], 0)],
    &[
        (0, &[a::CONCOMITANT_IMMUNOSUPPRESSANT], ORDERED),
        (1, &[a::HIGH_DOSE_ORAL_CORTICOSTEROIDS], ORDERED),
        (2, &[a::ASSESS_INTERSTITIAL_LUNG_DISEASE], ORDERED),
    ],
    &[(0, &[a::HIGH_DOSE_ORAL_CORTICOSTEROIDS], ORDERED)],
    &[(0, &[a::METHOTREXATE, a::AZATHIOPRINE], ORDERED)],
    &[(
        0,
        &[
            a::CYCLOPHOSPHAMIDE,
            a::CICLOSPORIN,
            a::TACROLIMUS_ORAL,
            a::MYCOPHENOLATE,
            a::CHLORAMBUCIL,
        ],
        1,
    )],
    &[],
    &[],
    &[(0, &[a::IVIG], ORDERED)],
    &[(0, &[a::SUNSCREEN_HIGH_PROTECTION], ORDERED)],
    &[(0, &[a::TOPICAL_CORTICOSTEROID], ORDERED)],
    &[(0, &[a::TOPICAL_CORTICOSTEROID_POTENT], ORDERED)],
    &[(0, &[a::TOPICAL_CORTICOSTEROID_MILD_MODERATE], ORDERED)],
    &[(0, &[a::SCALP_FOAM_OR_LOTION], ORDERED)],
    &[(0, &[a::TOPICAL_ANTIPRURITIC], ORDERED)],
    &[
        (0, &[a::SEDATING_ANTIHISTAMINE_AT_NIGHT], ORDERED),
        (1, &[a::NON_SEDATING_ANTIHISTAMINE_DAYTIME], ORDERED),
    ],
    &[(0, &[a::CICLOSPORIN, a::THALIDOMIDE, a::DAPSONE], 0)],
    &[(
        0,
        &[
            a::AZATHIOPRINE,
            a::MYCOPHENOLATE,
            a::THALIDOMIDE,
            a::DAPSONE,
        ],
        0,
    )],
    &[(0, &[a::METHOTREXATE], ORDERED)],
    &[(0, &[a::HYDROXYCHLOROQUINE, a::CHLOROQUINE], ORDERED)],
    &[(0, &[a::TACROLIMUS_TOPICAL], ORDERED)],
    // `then avoid increase_corticosteroid_dose` is clause 0.
    &[(1, &[a::ADD_SKIN_DIRECTED_TREATMENT], ORDERED)],
    &[(0, &[a::IVIG], ORDERED)],
    &[(0, &[a::TREAT_UNDERLYING_MALIGNANCY], ORDERED)],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
];

/// `then avoid` clauses: (rule, action). Each has exactly one action;
/// cyclophosphamide is avoided by two rules.
const AVOIDS: [(u8, u8); 13] = [
    (5, a::IVIG_WITH_IV_CORTICOSTEROIDS),
    (15, a::CYCLOPHOSPHAMIDE),
    (30, a::INCREASE_CORTICOSTEROID_DOSE),
    (33, a::METHOTREXATE),
    (34, a::AZATHIOPRINE),
    (35, a::CICLOSPORIN),
    (36, a::TACROLIMUS_ORAL),
    (37, a::MYCOPHENOLATE),
    (38, a::CYCLOPHOSPHAMIDE),
    (39, a::CHLORAMBUCIL),
    (40, a::THALIDOMIDE),
    (41, a::DAPSONE),
    (42, a::IVIG),
];

/// Rules whose only `then`s are avoids (undecided, they escalate only
/// through what they withhold, unless they stop a first-match section).
const AVOID_ONLY: u64 = (((1u64 << 43) - 1) & !((1u64 << 33) - 1)) | 1 << 5 | 1 << 15;

/// Rules with only `else-escalate`: when they fire, they escalate.
const REFERRAL_ONLY: u64 = 1 << 16;

/// Rules of each first-match section (`severe_initial_therapy`,
/// `anti_SRP_options`, `muscle_lines`, `skin_systemic_lines`), as bitsets
/// over rules.
const fn rule_range(first: u32, end: u32) -> u64 {
    ((1u64 << end) - 1) & !((1u64 << first) - 1)
}
const FIRST_MATCH_SECTIONS: [u64; 4] = [
    rule_range(3, 5),
    rule_range(9, 11),
    rule_range(13, 15),
    rule_range(25, 29),
];

/// `exclusive` declarations, as action bitsets.
const EXCLUSIVES: [u64; 2] = [
    1 << a::IV_CORTICOSTEROIDS | 1 << a::IVIG_WITH_IV_CORTICOSTEROIDS,
    1 << a::HYDROXYCHLOROQUINE | 1 << a::CHLOROQUINE,
];

const CAUTION_SYSTEMIC_CORTICOSTEROIDS: u64 = 1 << a::HIGH_DOSE_ORAL_CORTICOSTEROIDS
    | 1 << a::IV_CORTICOSTEROIDS
    | 1 << a::IVIG_WITH_IV_CORTICOSTEROIDS;
const CAUTION_ALWAYS: u64 = 1 << a::METHOTREXATE
    | 1 << a::AZATHIOPRINE
    | 1 << a::MYCOPHENOLATE
    | 1 << a::THALIDOMIDE
    | 1 << a::HYDROXYCHLOROQUINE
    | 1 << a::CHLOROQUINE;
const CAUTION_AMYOPATHIC_FACTS: u64 = facts(&[f::SKIN_DISEASE, f::MUSCLE_WEAKNESS, f::ANTIBODIES]);

/// Everything a choice needs to know about the patient.
struct Context {
    unknown: u64,
    /// Actions with a contraindication that is true / unknown.
    contraindicated: u64,
    unsettled: u64,
    /// Actions avoided by a rule that fired / is undecided.
    avoided: u64,
    maybe_avoided: u64,
    /// The caution on systemic corticosteroids in amyopathic DM.
    amyopathic_caution: K,
    /// The G6PD caution on dapsone.
    g6pd_caution: K,
    /// Actions recommended so far.
    given: u64,
}

impl Context {
    /// The unknown facts of the contraindication of `action`.
    #[inline]
    fn contraindication_needs(&self, action: u8) -> u64 {
        let facts = match action {
            a::CICLOSPORIN => facts(&[f::RENAL_IMPAIRMENT, f::HYPERTENSION]),
            a::THALIDOMIDE => facts(&[
                f::PREGNANT,
                f::CHILDBEARING_POTENTIAL,
                f::EFFECTIVE_CONTRACEPTION,
            ]),
            _ => 0,
        };
        facts & self.unknown
    }

    /// The unknown facts of the rules that avoid `action`.
    #[inline]
    fn avoid_needs(&self, action: u8) -> u64 {
        let mut needs = 0;
        for (rule, avoided) in AVOIDS {
            if avoided == action {
                needs |= RULE_FACTS[rule as usize];
            }
        }
        needs & self.unknown
    }
}

/// Resolves one `then recommend` clause of a rule that fired: the first
/// `in_order` alternatives in order, then every equal option not withheld.
#[inline]
fn resolve(
    rule: u8,
    choice: u8,
    alternatives: &[u8],
    in_order: usize,
    cx: &mut Context,
    out: &mut Decisions,
) {
    let mut needs = 0u64;
    let mut given = false;
    for (position, &action) in alternatives.iter().enumerate() {
        let bit = 1u64 << action;
        let held = if cx.contraindicated & bit != 0 {
            Some((Why::Contraindicated, 0))
        } else if cx.avoided & bit != 0 {
            Some((Why::Avoided, 0))
        } else if cx.unsettled & bit != 0 {
            Some((Why::Unsettled, cx.contraindication_needs(action)))
        } else if cx.maybe_avoided & bit != 0 {
            Some((Why::MaybeAvoided, cx.avoid_needs(action)))
        } else {
            None
        };
        match held {
            Some((why, why_needs)) => {
                needs |= why_needs;
                out.withheld.push(Held {
                    rule,
                    choice,
                    action,
                    why,
                    needs: why_needs,
                });
            }
            None => {
                let (caution, caution_needs) = if CAUTION_ALWAYS & bit != 0 {
                    (K::T, 0)
                } else if CAUTION_SYSTEMIC_CORTICOSTEROIDS & bit != 0 {
                    let needs = if cx.amyopathic_caution == K::U {
                        CAUTION_AMYOPATHIC_FACTS & cx.unknown
                    } else {
                        0
                    };
                    (cx.amyopathic_caution, needs)
                } else if action == a::DAPSONE {
                    let needs = if cx.g6pd_caution == K::U {
                        facts(&[f::G6PD_DEFICIENCY]) & cx.unknown
                    } else {
                        0
                    };
                    (cx.g6pd_caution, needs)
                } else {
                    (K::F, 0)
                };
                cx.given |= bit;
                out.recommended.push(Rec {
                    rule,
                    choice,
                    action,
                    caution,
                    caution_needs,
                });
                // An ordered alternative is given alone; equal options
                // are all offered.
                if position < in_order {
                    return;
                }
                given = true;
            }
        }
    }
    if given {
        return;
    }
    out.escalations.push(Esc {
        cause: Cause::NoAlternative { rule, choice },
        needs,
    });
}

/// Evaluates the guideline for one patient.
pub fn evaluate(facts: &Facts) -> Decisions {
    let mut out = Decisions {
        recommended: Vec::with_capacity(16),
        ..Decisions::default()
    };
    evaluate_into(facts, &mut out);
    out
}

/// Evaluates into `out`, reusing its vectors.
pub fn evaluate_into(p: &Facts, out: &mut Decisions) {
    out.recommended.clear();
    out.withheld.clear();
    out.avoided.clear();
    out.escalations.clear();

    let myositis = K::of(p.myositis);
    let weakness = K::of(p.muscle_weakness);
    let subclinical = K::of(p.subclinical_muscle_disease);
    let skin = K::of(p.skin_disease);
    let biopsy = K::of(p.skin_biopsy_confirmed);
    let pruritus = K::of(p.pruritus);
    let severe_pruritus = K::of(p.severe_pruritus_despite_topicals);
    let ild = K::of(p.interstitial_lung_disease);
    let on_steroids = K::of(p.on_systemic_corticosteroids);
    let taper = K::of(p.corticosteroid_taper_in_progress);
    let skin_flare = K::of(p.acute_skin_flare);
    let unresponsive = K::of(p.skin_unresponsive_to_topicals);
    let active_despite = K::of(p.active_despite_optimal_immunosuppression);
    let pregnant = K::of(p.pregnant);
    let childbearing = K::of(p.childbearing_potential);

    // 1. Invariants: a false one means implausible facts; nothing else runs.
    let failed = |action: u8| any_in(p.failed, 1u64 << action);
    let toxicity = K::of(p.azathioprine_stopped_for_toxicity);
    let course = K::of(p.iv_corticosteroid_course_completed);
    let sparing = K::of(p.corticosteroid_sparing_needed);
    let invariants = [
        pregnant.implies(childbearing),
        subclinical.implies(weakness.not()),
        taper.implies(on_steroids),
        skin_flare.implies(skin),
        unresponsive.implies(skin),
        severe_pruritus.implies(pruritus),
        course.implies(on_steroids),
        sparing.implies(on_steroids),
        toxicity.implies(failed(a::AZATHIOPRINE)),
    ];
    if invariants.contains(&K::F) {
        for (i, v) in invariants.iter().enumerate() {
            if *v == K::F {
                out.escalations.push(Esc {
                    cause: Cause::Implausible { invariant: i as u8 },
                    needs: 0,
                });
            }
        }
        out.rules = [Status::NotReached; RULES];
        return;
    }

    // 2. Definitions.
    let antibody = |bit: u16| any_in(p.antibodies, bit);
    let methotrexate_failed = failed(a::METHOTREXATE);
    let azathioprine_failed = failed(a::AZATHIOPRINE);
    let under_six_months = match p.time_on_azathioprine {
        Some(t) => K::known(t < 6.0),
        None => K::U,
    };
    let severe_or_acute_flare = K::of(p.severe_disease)
        .or(K::of(p.acute_muscle_flare))
        .or(skin.and(skin_flare).and(on_steroids.and(taper).not()));
    let skin_flare_on_taper = skin.and(skin_flare).and(on_steroids).and(taper);
    let muscle_second_line =
        myositis.and(failed(a::HIGH_DOSE_ORAL_CORTICOSTEROIDS).or(on_steroids.and(sparing)));
    let muscle_third_line = muscle_second_line
        .and(methotrexate_failed)
        .and(azathioprine_failed);
    let organ = K::of(p.vasculitis)
        .or(ild)
        .or(K::of(p.respiratory_muscle_involvement));
    let skin_second_line = skin.and(unresponsive);
    let skin_third_line = skin_second_line.and(
        failed(a::HYDROXYCHLOROQUINE)
            .or(failed(a::CHLOROQUINE))
            .or(methotrexate_failed),
    );
    let anti_srp = antibody(ANTI_SRP);

    // 3. Rule conditions, by rule.
    let sites = |bits: u8| any_in(p.skin_sites, bits);
    let c: [K; RULES] = [
        K::T,
        weakness.and(skin).or(skin.and(biopsy).and(subclinical)),
        skin,
        severe_or_acute_flare.and(on_steroids).and(course),
        severe_or_acute_flare.and(on_steroids.not().or(course.not())),
        severe_or_acute_flare.and(K::of(p.physician_chooses_initial_ivig).not()),
        on_steroids,
        on_steroids.and(K::of(p.treatment_response_achieved)),
        antibody(ANTI_SYNTHETASE),
        anti_srp.and(failed(a::CONCOMITANT_IMMUNOSUPPRESSANT).not()),
        anti_srp,
        antibody(ANTI_MDA5),
        myositis
            .and(on_steroids.not())
            .and(failed(a::HIGH_DOSE_ORAL_CORTICOSTEROIDS).not())
            .and(severe_or_acute_flare.not()),
        muscle_second_line.and(methotrexate_failed.and(azathioprine_failed).not()),
        muscle_third_line,
        muscle_third_line.and(organ.not()).and(
            failed(a::CICLOSPORIN)
                .and(failed(a::TACROLIMUS_ORAL))
                .and(failed(a::MYCOPHENOLATE))
                .not(),
        ),
        azathioprine_failed
            .and(toxicity.not())
            .and(under_six_months),
        myositis.and(weakness).and(active_despite),
        K::T,
        skin,
        skin.and(sites(TRUNK | LIMBS | HANDS | SCALP)),
        skin.and(sites(FACE | EYELIDS | NECK)),
        skin.and(sites(SCALP)),
        skin.and(pruritus),
        skin.and(pruritus).and(severe_pruritus),
        skin_third_line
            .and(methotrexate_failed)
            .and(azathioprine_failed)
            .and(failed(a::MYCOPHENOLATE))
            .and(ild),
        skin_third_line.and(methotrexate_failed),
        skin_third_line,
        skin_second_line,
        skin_second_line,
        skin_flare_on_taper,
        skin_third_line.and(active_despite),
        K::of(p.underlying_malignancy),
        methotrexate_failed,
        azathioprine_failed,
        failed(a::CICLOSPORIN),
        failed(a::TACROLIMUS_ORAL),
        failed(a::MYCOPHENOLATE),
        failed(a::CYCLOPHOSPHAMIDE),
        failed(a::CHLORAMBUCIL),
        failed(a::THALIDOMIDE),
        failed(a::DAPSONE),
        failed(a::IVIG),
    ];

    // 4. Statuses, honouring the first-match sections: as bitsets over
    // rules, then written out.
    let (mut fired, mut undecided) = (0u64, 0u64);
    for (i, &v) in c.iter().enumerate() {
        fired |= ((v == K::T) as u64) << i;
        undecided |= ((v == K::U) as u64) << i;
    }
    let (mut shadowed, mut not_reached, mut stops) = (0u64, 0u64, 0u64);
    for section in FIRST_MATCH_SECTIONS {
        // The first member that is not false fires or stops the section.
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
        const BY_CODE: [Status; 5] = [
            Status::NotApplicable,
            Status::Fired,
            Status::Undecided,
            Status::Shadowed,
            Status::NotReached,
        ];
        // At most one of the four bits is set.
        let code = ((fired >> i) & 1)
            + 2 * ((undecided >> i) & 1)
            + 3 * ((shadowed >> i) & 1)
            + 4 * ((not_reached >> i) & 1);
        *s = BY_CODE[code as usize];
    }

    // 5. Avoids, before any recommendation.
    let mut cx = Context {
        unknown: p.unknown(),
        contraindicated: 0,
        unsettled: 0,
        avoided: 0,
        maybe_avoided: 0,
        amyopathic_caution: skin.and(weakness.not()).and(antibody(ANTI_MDA5).not()),
        g6pd_caution: K::of(p.g6pd_deficiency),
        given: 0,
    };
    for (rule, action) in AVOIDS {
        let bit = 1u64 << rule;
        if fired & bit != 0 {
            cx.avoided |= 1 << action;
            out.avoided.push((action, rule));
        } else if undecided & bit != 0 {
            cx.maybe_avoided |= 1 << action;
        }
    }
    let mut contraindication = |action: u8, v: K| match v {
        K::T => cx.contraindicated |= 1 << action,
        K::U => cx.unsettled |= 1 << action,
        K::F => {}
    };
    contraindication(
        a::CICLOSPORIN,
        K::of(p.renal_impairment).or(K::of(p.hypertension)),
    );
    contraindication(
        a::THALIDOMIDE,
        childbearing.and(pregnant.or(K::of(p.effective_contraception).not())),
    );

    // 6. Rules in order: undecided ones escalate (an undecided avoid-only
    // rule only where it withholds, unless it stops a first-match section),
    // fired ones resolve their choices.
    let mut todo = fired | (undecided & !(AVOID_ONLY & !stops));
    while todo != 0 {
        let rule = todo.trailing_zeros() as usize;
        todo &= todo - 1;
        if fired & (1 << rule) != 0 {
            for &(choice, alternatives, in_order) in CHOICES[rule] {
                resolve(rule as u8, choice, alternatives, in_order, &mut cx, out);
            }
            if REFERRAL_ONLY & (1 << rule) != 0 {
                out.escalations.push(Esc {
                    cause: Cause::NoAlternative {
                        rule: rule as u8,
                        choice: 0,
                    },
                    needs: 0,
                });
            }
        } else {
            out.escalations.push(Esc {
                cause: Cause::Unknown {
                    rule: rule as u8,
                    stops: stops & (1 << rule) != 0,
                },
                needs: RULE_FACTS[rule] & cx.unknown,
            });
        }
    }

    // 7. Exclusive conflicts.
    for (group, members) in EXCLUSIVES.iter().enumerate() {
        if (cx.given & members).count_ones() > 1 {
            out.escalations.push(Esc {
                cause: Cause::Exclusive { group: group as u8 },
                needs: 0,
            });
        }
    }
}
