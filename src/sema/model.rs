//! The semantic model: a guideline with every name resolved to an index,
//! every type known and every constant converted to its fact's unit. Later
//! stages (analysis, evaluation, reports) work only on this.

pub use super::grade::{Certainty, Strength};
use crate::span::Span;
pub use crate::syntax::ast::CmpOp;
use crate::units::Unit;

use crate::id_vec::{IdVec, Placeholder, id_type};

id_type! {
    pub FactId: "Index of a fact in [`Model::facts`].";
    pub DefinitionId: "Index of a definition in [`Model::definitions`].";
    pub ScoreId: "Index of a score in [`Model::scores`].";
    pub ActionId: "Index of an action in [`Model::actions`].";
    pub ReferenceId: "Index of a reference in [`Model::references`].";
    pub EnumId: "Index of an enum in [`Model::enums`].";
    pub RuleId: "Index of a rule in [`Model::rules`].";
    pub SectionId: "Index of a section in [`Model::sections`].";
}

const NO_SPAN: Span = Span { start: 0, end: 0 };
const NO_CONDITION: Condition = Condition {
    kind: ConditionKind::Const(false),
    span: NO_SPAN,
};

// What `IdVec::at` returns in release for an id that broke the model's
// invariant (every id indexes its own table): nameless and empty.
impl Placeholder for Reference {
    const PLACEHOLDER: &'static Self = &Reference {
        key: String::new(),
        pmid: None,
        doi: None,
        urls: Vec::new(),
        citation: String::new(),
        link: None,
        span: NO_SPAN,
    };
}
impl Placeholder for EnumType {
    const PLACEHOLDER: &'static Self = &EnumType {
        name: String::new(),
        values: Vec::new(),
        span: NO_SPAN,
    };
}
impl Placeholder for Fact {
    const PLACEHOLDER: &'static Self = &Fact {
        name: String::new(),
        ty: Type::Bool,
        description: None,
        span: NO_SPAN,
        derived: None,
    };
}
impl Placeholder for Definition {
    const PLACEHOLDER: &'static Self = &Definition {
        name: String::new(),
        condition: NO_CONDITION,
        description: None,
        span: NO_SPAN,
    };
}
impl Placeholder for Score {
    const PLACEHOLDER: &'static Self = &Score {
        name: String::new(),
        title: None,
        items: Vec::new(),
        span: NO_SPAN,
    };
}
impl Placeholder for Action {
    const PLACEHOLDER: &'static Self = &Action {
        name: String::new(),
        label: None,
        contraindications: Vec::new(),
        cautions: Vec::new(),
        goal: false,
        span: NO_SPAN,
    };
}
impl Placeholder for ActionClause {
    const PLACEHOLDER: &'static Self = &ActionClause {
        condition: NO_CONDITION,
        because: None,
        citations: Vec::new(),
        span: NO_SPAN,
    };
}
impl Placeholder for Invariant {
    const PLACEHOLDER: &'static Self = &Invariant {
        condition: NO_CONDITION,
        description: None,
        span: NO_SPAN,
    };
}
impl Placeholder for Exclusive {
    const PLACEHOLDER: &'static Self = &Exclusive {
        actions: Vec::new(),
        description: None,
        span: NO_SPAN,
    };
}
impl Placeholder for Rule {
    const PLACEHOLDER: &'static Self = &Rule {
        name: String::new(),
        title: None,
        condition: NO_CONDITION,
        choices: Vec::new(),
        escalation: None,
        strength: None,
        certainty: None,
        citations: Vec::new(),
        section: None,
        expects: Vec::new(),
        span: NO_SPAN,
        name_span: NO_SPAN,
    };
}
impl Placeholder for Section {
    const PLACEHOLDER: &'static Self = &Section {
        name: String::new(),
        title: None,
        first_match: false,
        complete: false,
        disjoint: false,
        parent: None,
        members: Vec::new(),
        span: NO_SPAN,
    };
}

/// A resolved guideline.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// The `guideline` header.
    pub header: Header,
    /// Evidence, in declaration order.
    pub references: IdVec<ReferenceId, Reference>,
    /// Enum types; [`Model::action_enum`] is the built-in `Action`.
    pub enums: IdVec<EnumId, EnumType>,
    /// The built-in enum whose values are the declared actions.
    pub action_enum: EnumId,
    /// Patient facts, computed ones (`Fact::derived`) included.
    pub facts: IdVec<FactId, Fact>,
    /// The computed facts, each after the facts it is computed from.
    pub derived_order: Vec<FactId>,
    /// Named conditions, in an order where each only uses earlier ones.
    pub definitions: IdVec<DefinitionId, Definition>,
    /// Scores, in declaration order.
    pub scores: IdVec<ScoreId, Score>,
    /// Actions.
    pub actions: IdVec<ActionId, Action>,
    /// Conditions every real patient satisfies.
    pub invariants: Vec<Invariant>,
    /// Sets of actions never to recommend together.
    pub exclusives: Vec<Exclusive>,
    /// Rules in source order.
    pub rules: IdVec<RuleId, Rule>,
    /// Sections in source order.
    pub sections: IdVec<SectionId, Section>,
    /// Rules and sections outside any section, in source order.
    pub top_level: Vec<Member>,
}

/// The guideline header.
#[derive(Clone, Debug, Default)]
pub struct Header {
    /// Machine name.
    pub id: String,
    /// Title.
    pub title: String,
    /// Metadata such as version and source.
    pub meta: Vec<(String, String)>,
    /// Where it was declared.
    pub span: Span,
}

impl Model {
    /// Every condition of the guideline that decides something:
    /// definitions, rules, contraindications, cautions and invariants.
    pub fn conditions(&self) -> Vec<&Condition> {
        let clauses = self
            .actions
            .iter()
            .flat_map(|action| action.contraindications.iter().chain(&action.cautions))
            .map(|clause| &clause.condition);
        self.definitions
            .iter()
            .map(|d| &d.condition)
            .chain(self.rules.iter().map(|r| &r.condition))
            .chain(clauses)
            .chain(self.invariants.iter().map(|i| &i.condition))
            .collect()
    }
}

impl Header {
    /// A metadata value by key.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A piece of evidence.
#[derive(Clone, Debug)]
pub struct Reference {
    /// Key used in `cite`.
    pub key: String,
    /// PubMed ID.
    pub pmid: Option<u32>,
    /// DOI.
    pub doi: Option<String>,
    /// Web addresses.
    pub urls: Vec<String>,
    /// Human citation.
    pub citation: String,
    /// The best link to the evidence: PubMed first, then DOI, then the first
    /// URL (computed once, used by every report).
    pub link: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// An enum type.
#[derive(Clone, Debug)]
pub struct EnumType {
    /// Type name.
    pub name: String,
    /// Values in declaration order; a value is its index.
    pub values: Vec<String>,
    /// Where it was declared.
    pub span: Span,
}

impl EnumType {
    /// Help for a name that is not one of the values: "did you mean", or
    /// the first values.
    pub fn suggest(&self, name: &str) -> String {
        crate::diagnostics::did_you_mean(name, self.values.iter().map(String::as_str))
            .unwrap_or_else(|| {
                let listed: Vec<&str> = self.values.iter().take(10).map(String::as_str).collect();
                format!("the values of `{}` are: {}", self.name, listed.join(", "))
            })
    }

    /// The value a misspelled name most likely means.
    pub fn closest(&self, name: &str) -> Option<&str> {
        crate::diagnostics::closest(name, self.values.iter().map(String::as_str))
    }

    /// The index of a value by name.
    pub fn value(&self, name: &str) -> Option<u32> {
        self.values
            .iter()
            .position(|v| v == name)
            .and_then(|i| u32::try_from(i).ok())
    }
}

/// A fact's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// Yes or no.
    Bool,
    /// A plain number.
    Number,
    /// A measurement; values are held in this unit.
    Quantity(Unit),
    /// A calendar date; values are held as days since 1970-01-01.
    Date,
    /// One value of an enum.
    Enum(EnumId),
    /// Any subset of an enum's values.
    Set(EnumId),
}

impl Type {
    /// A bool or an enum: a fact of it takes one of a few values, so an
    /// unknown one can be decided over by trying each.
    pub fn is_few_valued(&self) -> bool {
        matches!(self, Type::Bool | Type::Enum(_))
    }
}

/// A patient fact: given in the facts, or (`derived`) computed from them.
#[derive(Clone, Debug)]
pub struct Fact {
    /// Name, also its key in facts files.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// What it means.
    pub description: Option<String>,
    /// Where it was declared.
    pub span: Span,
    /// How it is computed, for a `value` or a comparison with arithmetic
    /// on a side (`a > 1.5 * b` compares the value `a - 1.5 * b` with 0);
    /// `None` for a fact the facts give.
    pub derived: Option<Derived>,
}

/// How a computed fact is computed. Its facts come before it in the
/// model's order of computation ([`Model::derived_order`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    /// The arithmetic, in base units (g, m, s, mol, IU).
    pub expr: NumExpr,
    /// Multiply the result by this to get the fact's own unit.
    pub to_unit: f64,
    /// The facts given in the facts file that it is computed from,
    /// through other computed facts too, sorted.
    pub inputs: Vec<FactId>,
    /// Declared with `value` (else it is the difference a comparison with
    /// arithmetic computes, named by its text).
    pub declared: bool,
}

/// Resolved arithmetic; every number is in base units.
#[derive(Clone, Debug, PartialEq)]
pub struct NumExpr {
    /// What kind.
    pub kind: NumKind,
    /// Where it was written.
    pub span: Span,
}

/// Arithmetic forms.
#[derive(Clone, Debug, PartialEq)]
pub enum NumKind {
    /// A constant.
    Constant(f64),
    /// A number or quantity fact (given or computed), times `factor` to
    /// base units.
    Fact {
        /// The fact.
        fact: FactId,
        /// Its unit's factor to base units (1 for a number).
        factor: f64,
    },
    /// `+ - * /`.
    Binary {
        /// The operator.
        op: crate::syntax::ast::ArithOp,
        /// Left operand.
        left: Box<NumExpr>,
        /// Right operand.
        right: Box<NumExpr>,
    },
    /// `min(…)` or `max(…)`.
    Extreme {
        /// `max` (true) or `min`.
        max: bool,
        /// The arguments.
        args: Vec<NumExpr>,
    },
    /// `round(…)`, halves away from zero.
    Round(Box<NumExpr>),
    /// Whole calendar years (`years_between`) or months completed from one
    /// date to another, times `factor` (the seconds of a year or month).
    Between {
        /// Years (else months).
        years: bool,
        /// The earlier date.
        from: Box<NumExpr>,
        /// The later date.
        to: Box<NumExpr>,
        /// Base units (seconds) per year or month: the result is a quantity.
        factor: f64,
    },
    /// `(if condition then a else b)`.
    If {
        /// The condition.
        condition: Box<Condition>,
        /// Its value when the condition holds.
        then: Box<NumExpr>,
        /// Its value otherwise.
        otherwise: Box<NumExpr>,
    },
}

impl NumExpr {
    /// Calls `visit` on this expression and every sub-expression.
    pub fn walk(&self, visit: &mut impl FnMut(&NumExpr)) {
        let mut stack = vec![self];
        while let Some(expr) = stack.pop() {
            visit(expr);
            match &expr.kind {
                NumKind::Binary { left, right, .. } => {
                    stack.push(right);
                    stack.push(left);
                }
                NumKind::Extreme { args, .. } => stack.extend(args.iter().rev()),
                NumKind::Round(inner) => stack.push(inner),
                NumKind::Between { from, to, .. } => {
                    stack.push(to);
                    stack.push(from);
                }
                NumKind::If {
                    then, otherwise, ..
                } => {
                    stack.push(otherwise);
                    stack.push(then);
                }
                NumKind::Constant(_) | NumKind::Fact { .. } => {}
            }
        }
    }
}

/// A named condition.
#[derive(Clone, Debug)]
pub struct Definition {
    /// Name.
    pub name: String,
    /// The condition.
    pub condition: Condition,
    /// What it means.
    pub description: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// A score: whole points for each condition that holds, added up.
#[derive(Clone, Debug)]
pub struct Score {
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Its items, in order.
    pub items: Vec<ScoreItem>,
    /// Where it was declared.
    pub span: Span,
}

/// Points a score or a count adds when a condition holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreItem {
    /// The points (negative ones subtract).
    pub points: i64,
    /// When they count.
    pub condition: Condition,
}

/// A sum of points compared with a whole number: a score test
/// (`curb65 >= 3`) or a count (`at least 2 of (a, b, c)`, each condition one
/// point). Its items are the score's, copied, so every stage reads the test
/// without looking the score up.
#[derive(Clone, Debug, PartialEq)]
pub struct PointsTest {
    /// The score tested; `None` for a count.
    pub score: Option<ScoreId>,
    /// The points and their conditions.
    pub items: Vec<ScoreItem>,
    /// The comparison.
    pub op: CmpOp,
    /// The bound.
    pub value: i64,
}

/// A resolved condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// What kind.
    pub kind: ConditionKind,
    /// Where it was written.
    pub span: Span,
}

/// Condition forms after desugaring (`x = true` is `x`, `a != v` is
/// `not (a in {v})`, `n in 30..<50` is `n >= 30 and n < 50`, its parts
/// spanning the range as written).
#[derive(Clone, Debug, PartialEq)]
pub enum ConditionKind {
    /// A constant.
    Const(bool),
    /// A bool fact.
    Fact(FactId),
    /// A definition.
    Definition(DefinitionId),
    /// Negation.
    Not(Box<Condition>),
    /// Conjunction.
    And(Vec<Condition>),
    /// Disjunction.
    Or(Vec<Condition>),
    /// Implication.
    Implies(Box<Condition>, Box<Condition>),
    /// A number or quantity fact against a constant in the fact's unit.
    Compare {
        /// The fact.
        fact: FactId,
        /// Operator.
        op: CmpOp,
        /// Constant, converted to the fact's unit.
        value: f64,
    },
    /// An enum fact is one of these values.
    EnumIn {
        /// The fact.
        fact: FactId,
        /// Value indices, sorted.
        values: Vec<u32>,
    },
    /// A set fact contains this value.
    SetHas {
        /// The fact.
        fact: FactId,
        /// Value index.
        value: u32,
    },
    /// A sum of points against a bound.
    Points(Box<PointsTest>),
}

impl Condition {
    /// Calls `visit` on this condition and every sub-condition (not through
    /// definitions).
    pub fn walk(&self, visit: &mut impl FnMut(&Condition)) {
        let mut stack = vec![self];
        while let Some(condition) = stack.pop() {
            visit(condition);
            match &condition.kind {
                ConditionKind::Not(inner) => stack.push(inner),
                ConditionKind::And(parts) | ConditionKind::Or(parts) => stack.extend(parts),
                ConditionKind::Implies(left, right) => {
                    stack.push(right);
                    stack.push(left);
                }
                ConditionKind::Points(test) => {
                    stack.extend(test.items.iter().rev().map(|item| &item.condition))
                }
                _ => {}
            }
        }
    }
}

/// An action.
#[derive(Clone, Debug)]
pub struct Action {
    /// Name.
    pub name: String,
    /// Human label.
    pub label: Option<String>,
    /// When it must not be given.
    pub contraindications: Vec<ActionClause>,
    /// When to give it with care.
    pub cautions: Vec<ActionClause>,
    /// Declared with `goal`: a treatment goal, which reports show apart
    /// from the actions to give.
    pub goal: bool,
    /// Where it was declared.
    pub span: Span,
}

/// A `contraindicated-if` or `caution-if` clause.
#[derive(Clone, Debug)]
pub struct ActionClause {
    /// When it applies.
    pub condition: Condition,
    /// Why.
    pub because: Option<String>,
    /// Evidence.
    pub citations: Vec<ReferenceId>,
    /// Where it was written.
    pub span: Span,
}

/// A declared invariant.
#[derive(Clone, Debug)]
pub struct Invariant {
    /// Holds for every real patient.
    pub condition: Condition,
    /// Why.
    pub description: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// Actions never to recommend together.
#[derive(Clone, Debug)]
pub struct Exclusive {
    /// The actions.
    pub actions: Vec<ActionId>,
    /// Why.
    pub description: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// Recommend or avoid; ordered or equal alternatives.
pub use crate::syntax::ast::{ChoiceKind, Outcome};

/// One `then` clause.
#[derive(Clone, Debug)]
pub struct Choice {
    /// What to do with the actions.
    pub outcome: Outcome,
    /// Whether the alternatives are in order of preference or equally
    /// acceptable (always ordered for `avoid`).
    pub kind: ChoiceKind,
    /// Alternatives, as written: in order of preference when ordered.
    pub actions: Vec<ActionId>,
    /// Where it was written.
    pub span: Span,
}

/// A resolved rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// When it applies.
    pub condition: Condition,
    /// Its `then` clauses.
    pub choices: Vec<Choice>,
    /// Reason to hand to a clinician when no alternative can be given.
    pub escalation: Option<String>,
    /// How strongly it recommends (GRADE), when the guideline says.
    pub strength: Option<Strength>,
    /// How certain its evidence is (GRADE), when the guideline says.
    pub certainty: Option<Certainty>,
    /// Evidence.
    pub citations: Vec<ReferenceId>,
    /// Enclosing section.
    pub section: Option<SectionId>,
    /// Findings the author accepts, by lint, with the reason.
    pub expects: Vec<(crate::diagnostics::Code, String)>,
    /// Where it was declared.
    pub span: Span,
    /// Where its name was written.
    pub name_span: Span,
}

/// A rule or a nested section, as a member of a section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    /// A rule.
    Rule(RuleId),
    /// A nested section.
    Section(SectionId),
}

/// A resolved section.
#[derive(Clone, Debug)]
pub struct Section {
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Only the first member that applies fires.
    pub first_match: bool,
    /// The author asks that every patient be covered.
    pub complete: bool,
    /// The author asks that no patient satisfy two members.
    pub disjoint: bool,
    /// Enclosing section.
    pub parent: Option<SectionId>,
    /// Members in order.
    pub members: Vec<Member>,
    /// Where it was declared.
    pub span: Span,
}
