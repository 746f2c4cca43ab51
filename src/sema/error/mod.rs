//! What `sema` finds wrong, as data: one [`Error`] variant per diagnostic
//! code the resolver reports, carrying the spans, ids, names, candidates
//! and units involved, and nothing worded. All the prose is here and in
//! the two family files beside it ([`names`] for E01xx/E02xx, [`values`]
//! for E03xx), reached through one [`Error::to_diagnostic`].
//!
//! Input: what a pass saw. Output: a [`Diagnostic`]. Invariant: the passes
//! write no user-facing words; a test asserts on a variant, and the
//! rendered text is checked once, by the goldens.

mod arithmetic;
mod names;
mod scores;
mod values;

use names::UnusedKind;

use crate::diagnostics::{Code, Diagnostic};
use crate::sema::model::{Certainty, CmpOp, EnumId, FactId, Model, ScoreId, Type};
use crate::sema::names::Confusable;
use crate::span::{Span, Spanned};
use crate::syntax::ast::ArithOp;
use crate::syntax::ast::{Range, RangeKind};
use crate::units::{Dimension, Unit};

/// A problem in a guideline found while resolving it. Each variant is one
/// diagnostic code; a code with several causes has a sub-enum of them.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// E0106: the file declares nothing.
    EmptyFile,
    /// E0201: a name that is not declared.
    UnknownName(UnknownName),
    /// E0202: a name declared twice.
    DuplicateDefinition(Duplicate),
    /// E0203: definitions that use each other in a cycle, in the order
    /// each uses the next (the last uses the first).
    RecursiveDefinition {
        /// The cycle, from the definition declared first.
        cycle: Vec<CycleStep>,
    },
    /// E0204: a citation of a reference key that is not declared.
    UnknownReference {
        /// The key as cited.
        key: Spanned<String>,
        /// The declared keys, for "did you mean".
        candidates: Vec<String>,
    },
    /// E0205: no `guideline` header, or a second one.
    MissingHeader(MissingHeader),
    /// W0206: a fact nothing reads.
    UnusedFact(Unused),
    /// W0207: an action no rule recommends or avoids.
    UnusedAction(Unused),
    /// W0208: a reference nothing cites.
    UnusedReference(Unused),
    /// W0209: a definition no condition uses.
    UnusedDefinition(Unused),
    /// W0209: a score no condition tests.
    UnusedScore(Unused),
    /// W0210: a declared name that mixes scripts with look-alike letters.
    ConfusableName {
        /// The name where it is declared.
        name: Spanned<String>,
        /// The odd letter and the scripts.
        found: Confusable,
    },
    /// W0211: a guideline with no rules.
    NoRules {
        /// The guideline's id.
        guideline: String,
        /// Its header.
        header: Span,
    },
    /// E0301: a value used where another type is needed.
    TypeMismatch(TypeMismatch),
    /// E0302: a quantity in a unit of another dimension, or without one.
    UnitMismatch(UnitMismatch),
    /// E0303: a unit gdl does not know.
    UnknownUnit {
        /// The unit as written.
        unit: Spanned<String>,
        /// The part of it that was not understood.
        part: String,
    },
    /// E0304: a value that is not in its enum.
    UnknownEnumValue {
        /// The value as written.
        value: Spanned<String>,
        /// The enum it should be in (its values are the candidates).
        enum_id: EnumId,
    },
    /// E0305: evidence missing where it is required.
    MissingCitation(MissingCitation),
    /// E0306: a PubMed ID that is not 1 to 8 digits.
    MalformedPmid {
        /// The PMID as written.
        pmid: Spanned<String>,
    },
    /// E0307: a DOI that does not look like `10.NNNN/suffix`.
    MalformedDoi {
        /// The DOI as written.
        doi: Spanned<String>,
    },
    /// E0308: a rule without a `when` or without any outcome.
    EmptyRule {
        /// The rule's name.
        rule: Spanned<String>,
        /// What it lacks.
        missing: RuleLacks,
    },
    /// E0309: an `expect` naming a lint that does not exist (the lint
    /// names are the candidates).
    UnknownLint {
        /// The lint as written.
        lint: Spanned<String>,
    },
    /// E0310: a `set of` an enum with more values than a set can hold.
    EnumTooLarge {
        /// The enum.
        enum_id: EnumId,
        /// The `set of` type.
        span: Span,
    },
    /// E0311: a `strength` or `certainty` word that is not GRADE's.
    UnknownGrade {
        /// Which clause it follows.
        clause: GradeClause,
        /// The word as written.
        word: Spanned<String>,
    },
    /// E0323: a range no value lies in (`50..<30`, `30..<30`).
    EmptyRange {
        /// The fact tested, as written.
        fact: String,
        /// The range, as written.
        range: Spanned<Range>,
    },
    /// W0312: a strong recommendation on low or very low certainty
    /// evidence, which GRADE discourages.
    DiscordantRecommendation {
        /// The rule's name.
        rule: Spanned<String>,
        /// The word `strong`.
        strength: Span,
        /// The certainty stated.
        certainty: Spanned<Certainty>,
    },
    /// E0313: a score or count whose points, in magnitude, add up to more
    /// than [`crate::sema::MAX_POINTS`].
    ScoreTooLarge {
        /// The score, or `None` for `at least k of (…)`.
        score: Option<ScoreId>,
        /// The declaration or the count.
        span: Span,
        /// The points added up, in magnitude.
        total: u64,
    },
    /// E0314: a score item testing a score declared after it, or the
    /// score itself: a score's items are read before later ones exist.
    ScoreDeclaredLater {
        /// The score tested.
        score: ScoreId,
        /// Where the item tests it.
        used: Span,
        /// The score whose item it is; `None` in a value, which is computed
        /// before any score.
        within: Option<ScoreId>,
    },
    /// E0314: a value using a value declared after it, or itself.
    ValueDeclaredLater {
        /// The value used.
        value: FactId,
        /// Where it is used.
        used: Span,
        /// The value being computed.
        within: FactId,
    },
    /// E0315: a divisor that may be zero for a patient the invariants
    /// allow.
    DivisionByZero {
        /// The divisor.
        divisor: Span,
        /// The fact, when the divisor is one fact alone.
        fact: Option<FactId>,
    },
}

/// E0311: the clause an unknown GRADE word follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradeClause {
    /// `strength WORD`.
    Strength,
    /// `certainty WORD`.
    Certainty,
}

/// E0201: what kind of name was not found.
#[derive(Clone, Debug, PartialEq)]
pub enum UnknownName {
    /// A name in a condition that is neither a fact nor a definition.
    Condition {
        /// The name.
        name: String,
        /// Where it is used (parentheses around it included).
        span: Span,
        /// The declared facts and definitions, sorted.
        candidates: Vec<String>,
    },
    /// A type that is neither an enum nor a built-in type.
    Type {
        /// The type as written.
        name: Spanned<String>,
        /// The declared enums and the built-in types, sorted.
        candidates: Vec<String>,
    },
    /// An action a rule or an `exclusive` names.
    Action {
        /// The action as written.
        name: Spanned<String>,
        /// The declared actions, sorted.
        candidates: Vec<String>,
    },
}

/// E0202: which declaration came twice.
#[derive(Clone, Debug, PartialEq)]
pub enum Duplicate {
    /// A name already declared in its namespace.
    Name {
        /// The kind of declaration, as the namespace calls it.
        kind: Declared,
        /// The second declaration's name.
        name: Spanned<String>,
        /// The first declaration's name.
        first: Span,
    },
    /// An enum named `Action`, the built-in enum of the actions.
    ActionEnum {
        /// Its name.
        span: Span,
    },
}

/// The kinds of declaration a duplicate can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Declared {
    /// A fact or definition (one namespace).
    Name,
    /// A reference.
    Reference,
    /// An enum.
    Enum,
    /// A value within one enum.
    EnumValue,
    /// An action.
    Action,
    /// A rule (rules and sections share a namespace).
    Rule,
    /// A section.
    Section,
}

/// One definition of a cycle and where it uses the next.
#[derive(Clone, Debug, PartialEq)]
pub struct CycleStep {
    /// The definition.
    pub definition: String,
    /// Where its body uses the next definition of the cycle.
    pub uses_next: Span,
}

/// E0205: the header missing or repeated.
#[derive(Clone, Debug, PartialEq)]
pub enum MissingHeader {
    /// No header; an empty span where the first item starts.
    Missing {
        /// Before the first item.
        at: Span,
    },
    /// A second header.
    Second {
        /// Its name.
        at: Span,
        /// The first header's name.
        first: Span,
    },
}

/// W0206–W0209: a declaration nothing uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Unused {
    /// Its name.
    pub name: String,
    /// The declaration.
    pub span: Span,
}

/// E0301: where a type did not fit.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeMismatch {
    /// A fact that is not a bool, used as a condition.
    NotACondition {
        /// The fact.
        fact: FactId,
        /// Where it is used.
        span: Span,
    },
    /// A definition compared or tested as if it had a value.
    DefinitionWithValue {
        /// The definition's name where it is used.
        name: Spanned<String>,
    },
    /// A fact compared with a value its type cannot be compared with.
    Compared {
        /// The fact.
        fact: FactId,
        /// The comparison.
        op: CmpOp,
        /// The value it is compared with.
        operand: Span,
        /// What the value is.
        with: Operand,
    },
    /// `value in fact` where the fact is not a set.
    NotASet {
        /// The fact.
        fact: FactId,
        /// Where it is used.
        span: Span,
        /// The value tested.
        element: String,
    },
    /// `fact in {a, b}` where the fact is not an enum.
    NotAnEnum {
        /// The fact.
        fact: FactId,
        /// Where it is used.
        span: Span,
    },
    /// A score used as a condition, or tested with `in`.
    ScoreNotACondition {
        /// The score.
        score: ScoreId,
        /// Where it is used.
        span: Span,
    },
    /// A name in arithmetic that is not a number or quantity.
    NotANumber {
        /// The name as used.
        name: Spanned<String>,
        /// What it is.
        is: NonNumber,
    },
    /// A score compared with something that is not a whole number.
    ScoreCompared {
        /// The score.
        score: ScoreId,
        /// The comparison.
        op: CmpOp,
        /// The value it is compared with.
        operand: Span,
        /// What the value is.
        with: ScoreOperand,
    },
    /// `fact in low..high` where the fact is not a number or a quantity.
    RangeOfNonNumber {
        /// The fact.
        fact: FactId,
        /// The range.
        range: Span,
    },
}

/// What a name used in arithmetic is, when it is not a number.
#[derive(Clone, Debug, PartialEq)]
pub enum NonNumber {
    /// A fact of another type.
    Fact(FactId),
    /// A definition: a condition.
    Definition,
    /// A score: tested in conditions, not computed with.
    Score,
}

/// What a score was compared with, when it is not a whole number.
#[derive(Clone, Debug, PartialEq)]
pub enum ScoreOperand {
    /// A number with a fraction: a score never has one.
    Fraction(f64),
    /// A number with a unit: points have none.
    Unit {
        /// The number.
        value: f64,
    },
    /// Something that is not a number.
    NotANumber,
}

/// What joins two sides of arithmetic that must measure the same thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joined {
    /// `+` or `-`.
    Operator(ArithOp),
    /// `min(…)` or `max(…)`.
    Extreme,
    /// The two branches of `(if … then … else …)`.
    Branches,
    /// The two sides of a comparison.
    Comparison,
}

/// A test of a number as written, without its unit: what a unit error
/// quotes, and what its fix writes again with the right unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberTest {
    /// `op value`, e.g. `< 60`.
    Compare {
        /// The comparison.
        op: CmpOp,
        /// The number written.
        value: f64,
    },
    /// `in low..high` or `in low..<high`.
    Range {
        /// The lower end.
        low: f64,
        /// The upper end.
        high: f64,
        /// Whether the upper end is included.
        kind: RangeKind,
    },
}

/// What a fact was compared with, when its type does not allow it.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A bool fact ordered, or compared with something but `true`/`false`.
    NotTrueOrFalse,
    /// An enum fact ordered (`<`, `>=`, …) with one of its values.
    EnumOrdered,
    /// An enum fact compared with something that is not a name.
    NotAnEnumValue,
    /// A `set of` fact compared at all.
    Set,
    /// A number or quantity compared with another declared name.
    OtherName {
        /// That name.
        name: String,
        /// Whether it is a fact (else a definition).
        is_fact: bool,
    },
    /// A number or quantity compared with something that is not a number.
    NotANumber,
    /// A date compared with something that is not another date fact.
    NotADate,
}

/// E0302: how the units did not fit.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitMismatch {
    /// A plain number fact compared with a value that has a unit.
    UnitOnNumber {
        /// The fact.
        fact: FactId,
        /// The comparison or range, without the unit.
        test: NumberTest,
        /// The unit written after it.
        unit: Spanned<String>,
        /// The whole value (number or range, and unit).
        operand: Span,
    },
    /// Two sides of `+`, `-`, `min`, `max`, a comparison or a conditional
    /// that measure different things.
    Arithmetic {
        /// Where: the operator's whole expression.
        span: Span,
        /// What joins them.
        joined_by: Joined,
        /// The left (or first) side's dimension.
        left: Dimension,
        /// The other side's.
        right: Dimension,
    },
    /// A value whose arithmetic measures something else than its type.
    ValueType {
        /// The value's name.
        name: Spanned<String>,
        /// Its declared unit (`None`: `number`).
        declared: Option<Unit>,
        /// What the arithmetic measures.
        found: Dimension,
        /// The arithmetic.
        body: Span,
    },
    /// A date in arithmetic other than `date - date`, `date ± duration`,
    /// comparing two dates, or the between functions.
    DateArithmetic {
        /// The arithmetic.
        span: Span,
    },
    /// `round` of a quantity: only a plain number has whole units.
    RoundQuantity {
        /// The argument.
        span: Span,
        /// What it measures.
        found: Dimension,
    },
    /// A quantity fact compared with a number without a unit.
    NoUnit {
        /// The fact.
        fact: FactId,
        /// The fact's unit.
        expected: Unit,
        /// The comparison or range written.
        test: NumberTest,
        /// Where the number (or range) is.
        operand: Span,
    },
    /// A quantity fact compared in a unit of another dimension.
    Dimension {
        /// The fact.
        fact: FactId,
        /// The fact's unit.
        expected: Unit,
        /// The unit written.
        unit: Spanned<String>,
        /// What that unit is.
        found: Unit,
    },
    /// A `duration` in a unit that is not a time.
    DurationNotTime {
        /// The unit written.
        unit: Spanned<String>,
        /// What that unit is.
        found: Unit,
    },
}

/// E0305: what lacks a citation.
#[derive(Clone, Debug, PartialEq)]
pub enum MissingCitation {
    /// A contraindication of an action.
    Contraindication {
        /// The action's name.
        action: String,
        /// The clause's condition.
        condition: Span,
    },
    /// A rule with an outcome.
    Rule {
        /// The rule's name.
        rule: Spanned<String>,
        /// Its first outcome.
        outcome: Span,
        /// Whether every outcome says to avoid (rather than recommend).
        avoids_only: bool,
    },
}

/// E0308: what an empty rule lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLacks {
    /// It has no `when`.
    Condition,
    /// It has a `when` but no `then` and no `else-escalate`.
    Outcome,
}

impl Error {
    /// The diagnostic code of this error.
    pub fn code(&self) -> Code {
        match self {
            Error::EmptyFile => Code::EmptyFile,
            Error::UnknownName(_) => Code::UnknownName,
            Error::DuplicateDefinition(_) => Code::DuplicateDefinition,
            Error::RecursiveDefinition { .. } => Code::RecursiveDefinition,
            Error::UnknownReference { .. } => Code::UnknownReference,
            Error::MissingHeader(_) => Code::MissingHeader,
            Error::UnusedFact(_) => Code::UnusedFact,
            Error::UnusedAction(_) => Code::UnusedAction,
            Error::UnusedReference(_) => Code::UnusedReference,
            Error::UnusedDefinition(_) | Error::UnusedScore(_) => Code::UnusedDefinition,
            Error::ConfusableName { .. } => Code::ConfusableName,
            Error::NoRules { .. } => Code::NoRules,
            Error::TypeMismatch(_) => Code::TypeMismatch,
            Error::UnitMismatch(_) => Code::UnitMismatch,
            Error::UnknownUnit { .. } => Code::UnknownUnit,
            Error::UnknownEnumValue { .. } => Code::UnknownEnumValue,
            Error::MissingCitation(_) => Code::MissingCitation,
            Error::MalformedPmid { .. } => Code::MalformedPmid,
            Error::MalformedDoi { .. } => Code::MalformedDoi,
            Error::EmptyRule { .. } => Code::EmptyRule,
            Error::UnknownLint { .. } => Code::UnknownLint,
            Error::EnumTooLarge { .. } => Code::EnumTooLarge,
            Error::UnknownGrade { .. } => Code::UnknownGrade,
            Error::EmptyRange { .. } => Code::EmptyRange,
            Error::DiscordantRecommendation { .. } => Code::DiscordantRecommendation,
            Error::ScoreTooLarge { .. } => Code::ScoreTooLarge,
            Error::ScoreDeclaredLater { .. } | Error::ValueDeclaredLater { .. } => {
                Code::DeclaredLater
            }
            Error::DivisionByZero { .. } => Code::DivisionByZero,
        }
    }

    /// The diagnostic, worded: the model names the facts, enums and types
    /// the error refers to by id.
    pub fn to_diagnostic(&self, model: &Model) -> Diagnostic {
        let code = self.code();
        match self {
            Error::EmptyFile => names::empty_file(code),
            Error::UnknownName(unknown) => names::unknown_name(code, unknown),
            Error::DuplicateDefinition(duplicate) => names::duplicate(code, duplicate),
            Error::RecursiveDefinition { cycle } => names::recursive(code, cycle),
            Error::UnknownReference { key, candidates } => {
                names::unknown_reference(code, key, candidates)
            }
            Error::MissingHeader(missing) => names::missing_header(code, missing),
            Error::UnusedFact(unused) => names::unused(code, UnusedKind::Fact, unused),
            Error::UnusedAction(unused) => names::unused(code, UnusedKind::Action, unused),
            Error::UnusedReference(unused) => names::unused(code, UnusedKind::Reference, unused),
            Error::UnusedDefinition(unused) => names::unused(code, UnusedKind::Definition, unused),
            Error::UnusedScore(unused) => names::unused(code, UnusedKind::Score, unused),
            Error::ConfusableName { name, found } => names::confusable(code, name, found),
            Error::NoRules { guideline, header } => names::no_rules(code, guideline, *header),
            Error::TypeMismatch(mismatch) => values::type_mismatch(code, model, mismatch),
            Error::UnitMismatch(mismatch) => values::unit_mismatch(code, model, mismatch),
            Error::UnknownUnit { unit, part } => values::unknown_unit(code, unit, part),
            Error::UnknownEnumValue { value, enum_id } => {
                values::unknown_enum_value(code, model, value, *enum_id)
            }
            Error::MissingCitation(missing) => values::missing_citation(code, missing),
            Error::MalformedPmid { pmid } => values::malformed_pmid(code, pmid),
            Error::MalformedDoi { doi } => values::malformed_doi(code, doi),
            Error::EmptyRule { rule, missing } => values::empty_rule(code, rule, *missing),
            Error::UnknownLint { lint } => values::unknown_lint(code, lint),
            Error::EnumTooLarge { enum_id, span } => {
                values::enum_too_large(code, model, *enum_id, *span)
            }
            Error::UnknownGrade { clause, word } => values::unknown_grade(code, *clause, word),
            Error::EmptyRange { fact, range } => values::empty_range(code, fact, range),
            Error::DiscordantRecommendation {
                rule,
                strength,
                certainty,
            } => values::discordant_recommendation(code, rule, *strength, certainty),
            Error::ScoreTooLarge { score, span, total } => {
                scores::too_large(code, model, *score, *span, *total)
            }
            Error::ScoreDeclaredLater {
                score,
                used,
                within,
            } => scores::declared_later(code, model, *score, *used, *within),
            Error::ValueDeclaredLater {
                value,
                used,
                within,
            } => arithmetic::declared_later(code, model, *value, *used, *within),
            Error::DivisionByZero { divisor, fact } => {
                arithmetic::division_by_zero(code, model, *divisor, *fact)
            }
        }
    }
}

/// How a type reads in a message: "a bool", "a quantity in kg", "an enum
/// `Stage`".
fn describe_type(model: &Model, ty: &Type) -> String {
    match ty {
        Type::Bool => "a bool".to_owned(),
        Type::Number => "a number".to_owned(),
        Type::Date => "a date".to_owned(),
        Type::Quantity(unit) => format!("a quantity in {}", unit.text),
        Type::Enum(id) => format!("an enum `{}`", enum_name(model, *id)),
        Type::Set(id) => format!("a set of `{}`", enum_name(model, *id)),
    }
}

fn enum_name(model: &Model, id: EnumId) -> &str {
    model.enums.at(id).name.as_str()
}

/// "did you mean" with its fix when a candidate is close, else `otherwise`.
fn suggest<'a>(
    diagnostic: Diagnostic,
    name: &str,
    at: Span,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce(Diagnostic) -> Diagnostic,
) -> Diagnostic {
    match crate::diagnostics::closest(name, candidates) {
        Some(candidate) => diagnostic
            .help(format!("did you mean `{candidate}`?"))
            .fix(at, candidate),
        None => otherwise(diagnostic),
    }
}
