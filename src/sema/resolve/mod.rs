//! AST → [`Model`]: resolves names, checks types and units, orders
//! definitions, and reports every problem it finds (not only the first).
//!
//! The work is a list of passes over the file's items, run in the order
//! [`Resolver::run`] gives; each pass is a file of its own:
//! 1. [`declare`]: the header, then references, enums and actions, then
//!    facts and definitions (names only, so any later item may use them);
//! 2. [`values`]: the arithmetic of values, in declaration order; then
//!    [`scores`]: score items, in declaration order (a test of a score
//!    copies its items, so a score may test only earlier scores); then
//!    [`definitions`]: definition bodies, ordered so each uses only earlier
//!    ones, with cycles reported (through scores too);
//! 3. [`rules`]: action clauses, invariants, exclusives, rules and
//!    sections, and the warning for a guideline without rules;
//! 4. [`values`] again: the inputs of each computed fact, and divisors
//!    the invariants do not keep from zero;
//! 5. [`unused`]: declarations nothing uses.
//!
//! [`condition`] resolves one condition (for any pass) and [`types`] one
//! declared type. Every pass matches every `ast::Item` variant by name, so
//! a new kind of item is a compile error in each pass that must decide
//! what to do with it.

mod condition;
mod declare;
mod definitions;
mod rules;
mod scores;
mod types;
mod unused;
mod values;

use std::collections::{HashMap, HashSet};

use super::error::{Declared, Duplicate, Error};
use super::model::*;
use crate::diagnostics::Diagnostic;
use crate::id_vec::IdVec;
use crate::span::{Span, Spanned};
use crate::syntax::ast;

/// Largest number of values the enum of a `set of` fact may have: sets are
/// 128-bit bitsets in the evaluator, so a patient's facts stay fixed-size.
pub const MAX_SET_VALUES: usize = 128;

/// Largest sum of the magnitudes of a score's (or count's) points: a test
/// of it is decided over the sums its items can reach, and this bounds
/// that work (every published score we know adds up to well under 100).
pub const MAX_POINTS: u64 = 500;

/// Resolves a parsed file. Returns the model when there are no errors,
/// together with all diagnostics (warnings included).
pub fn resolve(file: &ast::File) -> (Option<Model>, Vec<Diagnostic>) {
    let mut resolver = Resolver::default();
    resolver.run(file);
    let mut diagnostics: Vec<Diagnostic> = resolver
        .errors
        .iter()
        .map(|error| error.to_diagnostic(&resolver.model))
        .collect();
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    crate::diagnostics::sort(&mut diagnostics);
    if has_errors {
        (None, diagnostics)
    } else {
        (Some(resolver.model), diagnostics)
    }
}

/// What a condition name refers to.
#[derive(Clone, Copy, Debug)]
enum ConditionName {
    Fact(FactId),
    Definition(DefinitionId),
    Score(ScoreId),
}

#[derive(Default)]
struct Resolver {
    model: Model,
    /// What the passes found, in the order they found it.
    errors: Vec<Error>,
    /// Facts, definitions and scores share one namespace.
    condition_names: HashMap<String, (ConditionName, Span)>,
    enum_names: HashMap<String, EnumId>,
    action_names: HashMap<String, ActionId>,
    reference_names: HashMap<String, ReferenceId>,
    /// Rules and sections share one namespace.
    rule_names: HashMap<String, Span>,
    /// Facts whose declared type was an error: using them is not a second one.
    untyped_facts: HashSet<String>,
    used_facts: IdVec<FactId, bool>,
    used_definitions: IdVec<DefinitionId, bool>,
    used_scores: IdVec<ScoreId, bool>,
    /// By score, the definitions its items use: a test of the score uses
    /// them too, for the cycle check.
    score_edges: IdVec<ScoreId, Vec<(DefinitionId, Span)>>,
    /// The score whose items are being resolved, and how many scores are
    /// resolved: a test may read only those.
    score_within: Option<ScoreId>,
    scores_resolved: usize,
    /// Values declared, and the one whose arithmetic is being resolved:
    /// a value may use only values resolved before it.
    pending_values: HashSet<FactId>,
    value_within: Option<FactId>,
    /// The computed fact of each comparison with arithmetic, by its text.
    compared_values: HashMap<String, FactId>,
    used_actions: IdVec<ActionId, bool>,
    used_references: IdVec<ReferenceId, bool>,
    /// Definitions each definition refers to, for the cycle check.
    definition_edges: IdVec<DefinitionId, Vec<(DefinitionId, Span)>>,
}

impl Resolver {
    /// The passes, in order. Diagnostics are sorted afterwards, but ties
    /// keep the order they were found in, so the order matters for output.
    fn run(&mut self, file: &ast::File) {
        self.declare_header(file);
        self.declare_types_and_actions(file);
        let declared = self.declare_conditions(file);
        self.resolve_values(&declared.values);
        self.resolve_scores(&declared.scores);
        self.resolve_definitions(&declared.definitions);
        self.order_definitions();
        self.resolve_action_clauses(file);
        self.resolve_rules(file);
        self.finish_values();
        self.report_unused();
        self.report_no_rules();
    }

    fn error(&mut self, error: Error) {
        self.errors.push(error);
    }

    /// W0210 for a declared name that mixes scripts with look-alike
    /// letters. Reported where the name is declared, once; uses of it are
    /// the same name and would only repeat the warning.
    fn check_script(&mut self, name: &Spanned<String>) {
        if let Some(found) = super::names::confusable(&name.node) {
            self.error(Error::ConfusableName {
                name: name.clone(),
                found,
            });
        }
    }

    fn duplicate(&mut self, kind: Declared, name: &Spanned<String>, first: Span) {
        self.error(Error::DuplicateDefinition(Duplicate::Name {
            kind,
            name: name.clone(),
            first,
        }));
    }
}

/// What the passes' unit tests share: resolve a source text and show the
/// diagnostics as code and the text under their primary label, so each
/// test keeps the source beside what it expects.
#[cfg(test)]
mod test_support {
    use super::*;

    /// A header, a reference `R` and an action `a`, for a test to extend.
    pub(super) const HEAD: &str = "guideline g \"G\" { version \"1\" }\n\
                                   reference R pmid 1 \"r\"\n\
                                   action a\n";

    /// Resolves `text`, which must parse.
    pub(super) fn resolved(text: &str) -> (Option<Model>, Vec<Diagnostic>) {
        let file = crate::syntax::parse(text).unwrap_or_else(|d| panic!("{d:?}"));
        resolve(&file)
    }

    /// Each diagnostic, in order, as its code and the source text its
    /// primary label points at.
    pub(super) fn found(text: &str) -> Vec<(&'static str, &str)> {
        resolved(text)
            .1
            .iter()
            .map(|diagnostic| {
                let span = diagnostic.primary_span();
                let start = span.start_usize();
                (diagnostic.code.id(), &text[start..start + span.len()])
            })
            .collect()
    }

    /// The typed errors (warnings included) of `text`, which must parse,
    /// in the order the passes found them.
    pub(super) fn errors(text: &str) -> Vec<Error> {
        let file = crate::syntax::parse(text).unwrap_or_else(|d| panic!("{d:?}"));
        let mut resolver = Resolver::default();
        resolver.run(&file);
        resolver.errors
    }

    /// The only error of `text` that is not a warning.
    pub(super) fn the_error(text: &str) -> Error {
        let errors: Vec<Error> = errors(text)
            .into_iter()
            .filter(|e| !e.code().id().starts_with('W'))
            .collect();
        match <[Error; 1]>::try_from(errors) {
            Ok([error]) => error,
            Err(errors) => panic!("{errors:#?}"),
        }
    }

    /// The model of `text`, which must resolve without errors.
    pub(super) fn model(text: &str) -> Model {
        match resolved(text) {
            (Some(model), _) => model,
            (None, diagnostics) => panic!("{diagnostics:#?}"),
        }
    }
}
