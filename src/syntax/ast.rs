//! The abstract syntax tree: what the author wrote, with a span on every
//! node. Names are plain strings here; `sema` resolves them.

use crate::span::{Span, Spanned};

/// An identifier as written.
pub type Ident = Spanned<String>;
/// A string literal, escapes already decoded.
pub type StrLit = Spanned<String>;

/// A whole `.gdl` file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `guideline id "title" { ... }`
    Guideline(Guideline),
    /// `reference Key pmid N "citation"`
    Reference(Reference),
    /// `enum Name { a, b }`
    Enum(EnumDecl),
    /// `fact name: type "description"`
    Fact(FactDecl),
    /// `define name = condition`
    Define(Define),
    /// `score name "title" { +1 if condition … }`
    Score(ScoreDecl),
    /// `value name: type = arithmetic "description"`
    Value(ValueDecl),
    /// `invariant condition "reason"`
    Invariant(Invariant),
    /// `exclusive a, b "reason"`
    Exclusive(Exclusive),
    /// `action name "label" { clauses }`
    Action(ActionDecl),
    /// `rule name "title" { ... }`
    Rule(Rule),
    /// `section name "title" modifiers { rules }`
    Section(Section),
}

impl Item {
    /// The whole declaration's span.
    pub fn span(&self) -> Span {
        match self {
            Item::Guideline(x) => x.span,
            Item::Reference(x) => x.span,
            Item::Enum(x) => x.span,
            Item::Fact(x) => x.span,
            Item::Define(x) => x.span,
            Item::Score(x) => x.span,
            Item::Value(x) => x.span,
            Item::Invariant(x) => x.span,
            Item::Exclusive(x) => x.span,
            Item::Action(x) => x.span,
            Item::Rule(x) => x.span,
            Item::Section(x) => x.span,
        }
    }
}

/// The guideline header.
#[derive(Clone, Debug, PartialEq)]
pub struct Guideline {
    /// Machine name.
    pub id: Ident,
    /// Human title.
    pub title: StrLit,
    /// `version "1.0"` and friends.
    pub meta: Vec<(Ident, StrLit)>,
    /// The whole header.
    pub span: Span,
}

/// A piece of evidence that rules cite.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// The key rules cite it by.
    pub key: Ident,
    /// PubMed identifier as written (validated in `sema`).
    pub pmid: Option<Spanned<String>>,
    /// Digital object identifier.
    pub doi: Option<StrLit>,
    /// Web addresses.
    pub urls: Vec<StrLit>,
    /// The human-readable citation.
    pub citation: StrLit,
    /// The whole declaration.
    pub span: Span,
}

/// An enumeration type.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    /// Type name.
    pub name: Ident,
    /// Its values in order.
    pub values: Vec<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// A typed input about the patient.
#[derive(Clone, Debug, PartialEq)]
pub struct FactDecl {
    /// Fact name, the key in a facts file.
    pub name: Ident,
    /// Declared type.
    pub ty: Spanned<TypeExpr>,
    /// What the fact means, for reports.
    pub description: Option<StrLit>,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    /// `bool`
    Bool,
    /// `number`
    Number,
    /// `quantity UNIT`
    Quantity(Spanned<String>),
    /// `duration UNIT`
    Duration(Spanned<String>),
    /// `date`
    Date,
    /// `set of Enum`
    SetOf(Ident),
    /// An enum type by name.
    Named(Ident),
}

/// `define name = condition "description"`
#[derive(Clone, Debug, PartialEq)]
pub struct Define {
    /// Definition name.
    pub name: Ident,
    /// Its condition.
    pub body: Expr,
    /// Optional description.
    pub description: Option<StrLit>,
    /// The whole declaration.
    pub span: Span,
}

/// `score name "title" { +1 if condition … }`: a sum of points.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreDecl {
    /// Score name.
    pub name: Ident,
    /// Optional title.
    pub title: Option<StrLit>,
    /// Its items, in order.
    pub items: Vec<ScoreItem>,
    /// The whole declaration.
    pub span: Span,
}

/// `+1 if condition`: points a score counts when the condition holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreItem {
    /// The points, with their sign.
    pub points: Spanned<i64>,
    /// When they count.
    pub condition: Expr,
    /// The whole item.
    pub span: Span,
}

/// `value name: type = arithmetic "description"`: a number computed from
/// facts.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueDecl {
    /// Value name.
    pub name: Ident,
    /// Its declared type (`number`, `quantity U` or `duration U`).
    pub ty: Spanned<TypeExpr>,
    /// How it is computed.
    pub body: Arith,
    /// Optional description.
    pub description: Option<StrLit>,
    /// The whole declaration.
    pub span: Span,
}

/// An arithmetic expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Arith {
    /// What kind.
    pub kind: ArithKind,
    /// Where it was written.
    pub span: Span,
}

/// Arithmetic forms.
#[derive(Clone, Debug, PartialEq)]
pub enum ArithKind {
    /// A number, with its unit as written.
    Number {
        /// The value.
        value: f64,
        /// The unit.
        unit: Option<Spanned<String>>,
    },
    /// A fact or value.
    Name(String),
    /// `a + b`, `a - b`, `a * b`, `a / b`.
    Binary {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        left: Box<Arith>,
        /// Right operand.
        right: Box<Arith>,
    },
    /// `min(a, b, …)`, `max(a, b, …)`, `round(a)`.
    Call {
        /// The function.
        function: Function,
        /// Its arguments.
        args: Vec<Arith>,
    },
    /// `(if condition then a else b)`.
    If {
        /// The condition.
        condition: Box<Expr>,
        /// Its value when the condition holds.
        then: Box<Arith>,
        /// Its value otherwise.
        otherwise: Box<Arith>,
    },
}

/// An arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl ArithOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// A built-in function of arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    /// The smallest argument.
    Min,
    /// The largest argument.
    Max,
    /// The argument rounded to the nearest whole number (halves away from 0).
    Round,
    /// Whole years completed between two dates (an age).
    YearsBetween,
    /// Whole months completed between two dates.
    MonthsBetween,
}

impl Function {
    /// The function's name as written.
    pub fn name(self) -> &'static str {
        match self {
            Function::Min => "min",
            Function::Max => "max",
            Function::Round => "round",
            Function::YearsBetween => "years_between",
            Function::MonthsBetween => "months_between",
        }
    }
}

/// `invariant condition "reason"`: holds for every real patient.
#[derive(Clone, Debug, PartialEq)]
pub struct Invariant {
    /// The condition that always holds.
    pub condition: Expr,
    /// Why it holds.
    pub description: Option<StrLit>,
    /// The whole declaration.
    pub span: Span,
}

/// `exclusive a, b "reason"`: never recommend these together.
#[derive(Clone, Debug, PartialEq)]
pub struct Exclusive {
    /// The mutually exclusive actions.
    pub actions: Vec<Ident>,
    /// Why.
    pub description: Option<StrLit>,
    /// The whole declaration.
    pub span: Span,
}

/// An action a guideline can recommend.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionDecl {
    /// Action name.
    pub name: Ident,
    /// Human label.
    pub label: Option<StrLit>,
    /// `contraindicated-if` and `caution-if` clauses.
    pub clauses: Vec<ActionClause>,
    /// Declared with `goal`: a treatment goal, reported apart from the
    /// actions to give.
    pub goal: bool,
    /// The whole declaration.
    pub span: Span,
}

/// Whether a clause forbids the action or only warns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClauseKind {
    /// `contraindicated-if`: the action must not be given.
    Contraindication,
    /// `caution-if`: give, but warn or monitor.
    Caution,
}

/// `contraindicated-if COND because "..." cite K`
#[derive(Clone, Debug, PartialEq)]
pub struct ActionClause {
    /// Contraindication or caution.
    pub kind: ClauseKind,
    /// When it applies.
    pub condition: Expr,
    /// Why, for reports.
    pub because: Option<StrLit>,
    /// Evidence.
    pub cite: Vec<Ident>,
    /// The whole clause.
    pub span: Span,
}

/// A group of rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Section name.
    pub name: Ident,
    /// Human title.
    pub title: Option<StrLit>,
    /// Only the first applicable rule fires.
    pub first_match: bool,
    /// The author asks for every patient to be covered.
    pub complete: bool,
    /// The author asks that no patient satisfy two members.
    pub disjoint: bool,
    /// Rules and nested sections in order.
    pub items: Vec<SectionItem>,
    /// The whole section.
    pub span: Span,
}

/// What a section contains.
#[derive(Clone, Debug, PartialEq)]
pub enum SectionItem {
    /// A rule.
    Rule(Rule),
    /// A nested section.
    Section(Section),
}

/// `rule name "title" { when … then … else-escalate … strength … certainty … cite … }`
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Rule name.
    pub name: Ident,
    /// Human title.
    pub title: Option<StrLit>,
    /// When the rule applies.
    pub when: Option<Expr>,
    /// Each `then` clause: a choice among alternatives.
    pub thens: Vec<Then>,
    /// Reason handed to a clinician when no alternative can be given.
    pub escalate: Option<StrLit>,
    /// `strength` and `certainty`, when either is written. Boxed: most
    /// rules are ungraded, and a rule is the largest item.
    pub grading: Option<Box<Grading>>,
    /// Evidence.
    pub cite: Vec<Ident>,
    /// Accepted findings: `expect lint-name "reason"`.
    pub expects: Vec<Expect>,
    /// The whole rule.
    pub span: Span,
}

/// A rule's GRADE words, as written (checked against GRADE's words in
/// `sema`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Grading {
    /// `strength WORD`: how strongly the rule recommends.
    pub strength: Option<Spanned<String>>,
    /// `certainty WORD`: how certain the evidence is.
    pub certainty: Option<Spanned<String>>,
}

/// What a `then` clause does with its actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Give the first alternative that is not contraindicated.
    Recommend,
    /// Do not give any of these.
    Avoid,
}

/// How the alternatives of a `then recommend` clause relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChoiceKind {
    /// `then recommend a, b`: in order of preference; the first that is
    /// not withheld is given.
    Ordered,
    /// `then recommend any of a, b`, or `then recommend p, any of a, b`:
    /// the first `preferred` alternatives (none for a plain `any of`) are
    /// tried in order as in an ordered choice; when each of them is
    /// withheld, the rest are equally acceptable options, every one that is
    /// not withheld is offered, and the clinician gives one of them.
    Equal {
        /// How many alternatives come, in order, before `any of`.
        preferred: usize,
    },
}

impl ChoiceKind {
    /// How many of a clause's `len` alternatives are tried in order: all of
    /// an ordered clause's, the preferred ones of an equal clause's. The
    /// rest are equal options.
    pub fn in_order(self, len: usize) -> usize {
        match self {
            ChoiceKind::Ordered => len,
            ChoiceKind::Equal { preferred } => preferred.min(len),
        }
    }

    /// Whether alternative `position` of a clause is an equal option.
    pub fn is_option(self, position: usize) -> bool {
        match self {
            ChoiceKind::Ordered => false,
            ChoiceKind::Equal { preferred } => position >= preferred,
        }
    }
}

/// `then recommend a, b`, `then recommend any of a, b` or
/// `then recommend p, any of a, b`
#[derive(Clone, Debug, PartialEq)]
pub struct Then {
    /// Recommend or avoid.
    pub outcome: Outcome,
    /// Ordered or equal alternatives (always ordered for `avoid`).
    pub kind: ChoiceKind,
    /// Actions as written: in order of preference when ordered.
    pub actions: Vec<Ident>,
    /// The whole clause.
    pub span: Span,
}

/// `expect unreachable-rule "reason"`
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// Kebab-case lint name.
    pub lint: Ident,
    /// Why the finding is accepted.
    pub reason: StrLit,
    /// The whole clause.
    pub span: Span,
}

/// A condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What kind of condition.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `!=`
    Ne,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A number, with a unit if one was written.
    Number {
        /// The value.
        value: f64,
        /// The unit as written.
        unit: Option<Spanned<String>>,
    },
    /// `true` or `false`.
    Bool(bool),
    /// An enum value.
    Name(String),
}

/// Which ends of a range belong to it; the lower end always does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangeKind {
    /// `low..high`: both ends included.
    Closed,
    /// `low..<high`: the upper end left out, so that bands written one
    /// after another (`30..<50`, `50..<80`) share no value.
    HalfOpen,
}

impl RangeKind {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            RangeKind::Closed => "..",
            RangeKind::HalfOpen => "..<",
        }
    }

    /// How a value compares with the upper end when it is in the range.
    pub fn upper(self) -> CmpOp {
        match self {
            RangeKind::Closed => CmpOp::Le,
            RangeKind::HalfOpen => CmpOp::Lt,
        }
    }

    /// Whether no value lies between `low` and `high`.
    pub fn is_empty(self, low: f64, high: f64) -> bool {
        match self {
            RangeKind::Closed => low > high,
            RangeKind::HalfOpen => low >= high,
        }
    }
}

/// The range side of `x in low..high UNIT`.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    /// The lower end, always included.
    pub low: f64,
    /// The upper end.
    pub high: f64,
    /// Whether the upper end is included.
    pub kind: RangeKind,
    /// The unit of both ends, written once after the upper one.
    pub unit: Option<Spanned<String>>,
}

/// The set side of `x in …`.
#[derive(Clone, Debug, PartialEq)]
pub enum SetExpr {
    /// A fact of set type.
    Fact(Ident),
    /// `{a, b}`
    Literal(Vec<Ident>),
}

/// Condition forms.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `true` / `false`
    Bool(bool),
    /// A bool fact or a definition.
    Name(String),
    /// `not e`
    Not(Box<Expr>),
    /// `a and b and …`
    And(Vec<Expr>),
    /// `a or b or …`
    Or(Vec<Expr>),
    /// `a implies b`
    Implies(Box<Expr>, Box<Expr>),
    /// `fact op operand`
    Compare {
        /// The fact compared.
        fact: Ident,
        /// The operator.
        op: CmpOp,
        /// The constant.
        operand: Spanned<Operand>,
    },
    /// `left op right` with arithmetic on a side: `creatinine > 1.5 * baseline`.
    Relation {
        /// Left side.
        left: Arith,
        /// The operator.
        op: CmpOp,
        /// Right side.
        right: Arith,
    },
    /// `at least 2 of (a, b, c)` or `at most 1 of (a, b)`.
    Count {
        /// `at least` (true) or `at most` (false).
        at_least: bool,
        /// The bound.
        count: Spanned<u32>,
        /// The conditions counted.
        parts: Vec<Expr>,
    },
    /// `element in set`
    In {
        /// Left side: an enum value (set fact on the right) or an enum fact
        /// (set literal on the right).
        element: Ident,
        /// Right side.
        set: Spanned<SetExpr>,
    },
    /// `fact in low..high UNIT` or `fact in low..<high UNIT`
    InRange {
        /// The number or quantity fact tested.
        fact: Ident,
        /// The range, as written.
        range: Spanned<Range>,
    },
}
