//! Evaluation: [`Program`] (the model compiled to slots and flat nodes), a
//! [`Patient`]'s values, and the three-valued interpreter ([`evaluate`])
//! producing an [`Evaluation`]. Reading facts from JSON is the `facts`
//! layer's, above this one: eval never reads JSON.

pub mod answers;
pub mod decision;
mod derived;
pub mod exact;
mod interp;
mod logic;
mod patient;
mod program;
pub mod proof;

pub use decision::WithheldBecause;
pub use interp::{
    Avoidance, CautionNote, Escalation, EscalationCause, Evaluation, Needs, Recommendation,
    RuleStatus, Scratch, Withheld, Withholding, evaluate, evaluate_in,
};
pub use logic::Tri;
pub use patient::{Patient, Value};
pub use program::{CompiledCondition, Program};
