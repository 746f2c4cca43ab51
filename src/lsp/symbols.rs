//! Every name in a guideline, declared or used, with its span and what it
//! names: the one table that hover, definition, references, rename,
//! highlighting and the outline read.
//!
//! Input: the tree of a file (it may hold lowering placeholders, and names
//! may not resolve). Output: [`Symbols`]: occurrences in source order.
//! Invariant: a use is tied to a declaration by name and kind as `sema`
//! resolves it (a condition name is a fact, value, score or definition; an
//! enum value belongs to the enum of the fact it is compared with, and the
//! values of the built-in `Action` enum are the actions), so a name the
//! resolver would reject is recorded with the kind it would need, and its
//! declaration is simply not found.

use std::collections::HashMap;

use crate::span::Span;
use crate::syntax::ast::{
    Arith, ArithKind, ClauseKind, Expr, ExprKind, File, Ident, Item, Operand, Outcome, Rule,
    Section, SectionItem, SetExpr, TypeExpr,
};

/// The name of the built-in enum whose values are the actions.
pub const ACTION_ENUM: &str = "Action";

/// What a name names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The guideline header's id.
    Guideline,
    /// A fact the facts give.
    Fact,
    /// A `value`: a number computed from facts.
    Value,
    /// A `score`.
    Score,
    /// A `define`d condition.
    Definition,
    /// An action.
    Action,
    /// A reference key.
    Reference,
    /// An enum type.
    Enum,
    /// A value of an enum (the actions are the values of `Action`, and are
    /// [`Kind::Action`]).
    EnumValue,
    /// A rule.
    Rule,
    /// A section.
    Section,
}

impl Kind {
    /// The word for it, as the language writes the declaration.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Guideline => "guideline",
            Kind::Fact => "fact",
            Kind::Value => "value",
            Kind::Score => "score",
            Kind::Definition => "definition",
            Kind::Action => "action",
            Kind::Reference => "reference",
            Kind::Enum => "enum",
            Kind::EnumValue => "enum value",
            Kind::Rule => "rule",
            Kind::Section => "section",
        }
    }

    /// Whether names of this kind share the namespace conditions read
    /// (facts, values, scores, definitions).
    pub fn is_condition_name(self) -> bool {
        matches!(
            self,
            Kind::Fact | Kind::Value | Kind::Score | Kind::Definition
        )
    }
}

/// What a name refers to: its kind, its name, and for an enum value the
/// enum it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// What kind of thing.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// The enum of an enum value; empty otherwise.
    pub owner: String,
}

impl Target {
    fn new(kind: Kind, name: &str) -> Target {
        Target {
            kind,
            name: name.to_owned(),
            owner: String::new(),
        }
    }
}

/// How a use uses its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The declaration itself.
    Declaration,
    /// Read by a condition or arithmetic.
    Read,
    /// An alternative of `then recommend`.
    Recommend,
    /// An action of `then avoid`.
    Avoid,
    /// A `cite`.
    Cite,
    /// Any other mention (a type, an `exclusive`).
    Mention,
}

/// One occurrence of a name.
#[derive(Clone, Debug)]
pub struct Occurrence {
    /// What it names.
    pub target: Target,
    /// Where the name is written.
    pub span: Span,
    /// How it is used.
    pub role: Role,
    /// The rule it is written in, if any.
    pub rule: Option<String>,
    /// The definition it is written in, if any.
    pub definition: Option<String>,
    /// The action whose contraindication or caution it is written in, if
    /// any.
    pub action: Option<String>,
}

/// Every occurrence of a name in one file.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    /// In source order.
    pub occurrences: Vec<Occurrence>,
    /// The enum of each fact of enum or set type, by fact name.
    pub fact_enums: HashMap<String, String>,
    /// The kind of each declared condition name.
    condition_kinds: HashMap<String, Kind>,
}

impl Symbols {
    /// The occurrences of `file`.
    pub fn new(file: &File) -> Symbols {
        let mut symbols = Symbols::default();
        symbols.declare_names(file);
        let mut walker = Walker {
            symbols: &mut symbols,
            rule: None,
            definition: None,
            action: None,
        };
        for item in &file.items {
            walker.item(item);
        }
        symbols.occurrences.sort_by_key(|o| o.span);
        symbols
    }

    /// The occurrence whose name contains the byte offset (or ends at it,
    /// so a cursor just after a name still finds it).
    pub fn at(&self, offset: usize) -> Option<&Occurrence> {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        self.occurrences
            .iter()
            .find(|o| o.span.start <= offset && offset < o.span.end)
            .or_else(|| self.occurrences.iter().find(|o| o.span.end == offset))
    }

    /// The declaration of a target, if the file declares it.
    pub fn declaration(&self, target: &Target) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.role == Role::Declaration && o.target == *target)
    }

    /// Every occurrence of a target, the declaration included.
    pub fn uses<'s>(&'s self, target: &'s Target) -> impl Iterator<Item = &'s Occurrence> + 's {
        self.occurrences.iter().filter(move |o| o.target == *target)
    }

    /// The declarations, in source order.
    pub fn declarations(&self) -> impl Iterator<Item = &Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.role == Role::Declaration)
    }

    /// The declared names of one kind, in source order.
    pub fn names_of(&self, kind: Kind) -> Vec<&str> {
        self.declarations()
            .filter(|o| o.target.kind == kind)
            .map(|o| o.target.name.as_str())
            .collect()
    }

    /// The values of an enum, in declaration order (the actions for
    /// `Action`).
    pub fn enum_values(&self, name: &str) -> Vec<&str> {
        if name == ACTION_ENUM {
            return self.names_of(Kind::Action);
        }
        self.declarations()
            .filter(|o| o.target.kind == Kind::EnumValue && o.target.owner == name)
            .map(|o| o.target.name.as_str())
            .collect()
    }

    /// The kind a condition name is declared as (a fact when undeclared,
    /// the kind a misspelled condition name most often needs).
    fn condition_kind(&self, name: &str) -> Kind {
        self.condition_kinds
            .get(name)
            .copied()
            .unwrap_or(Kind::Fact)
    }

    /// Declared condition names and facts' enums, before any use is read:
    /// a use may come before its declaration.
    fn declare_names(&mut self, file: &File) {
        for item in &file.items {
            let (name, kind) = match item {
                Item::Fact(fact) => {
                    if let TypeExpr::Named(e) | TypeExpr::SetOf(e) = &fact.ty.node {
                        self.fact_enums
                            .insert(fact.name.node.clone(), e.node.clone());
                    }
                    (&fact.name, Kind::Fact)
                }
                Item::Value(value) => (&value.name, Kind::Value),
                Item::Score(score) => (&score.name, Kind::Score),
                Item::Define(define) => (&define.name, Kind::Definition),
                _ => continue,
            };
            self.condition_kinds.insert(name.node.clone(), kind);
        }
    }
}

/// Walks the tree, recording occurrences.
struct Walker<'s> {
    symbols: &'s mut Symbols,
    rule: Option<String>,
    definition: Option<String>,
    action: Option<String>,
}

impl Walker<'_> {
    fn record(&mut self, target: Target, span: Span, role: Role) {
        self.symbols.occurrences.push(Occurrence {
            target,
            span,
            role,
            rule: self.rule.clone(),
            definition: self.definition.clone(),
            action: self.action.clone(),
        });
    }

    fn ident(&mut self, kind: Kind, ident: &Ident, role: Role) {
        self.record(Target::new(kind, &ident.node), ident.span, role);
    }

    /// An enum value of `enum_name` (an action for `Action`).
    fn enum_value(&mut self, enum_name: &str, name: &str, span: Span) {
        let target = if enum_name == ACTION_ENUM {
            Target::new(Kind::Action, name)
        } else {
            Target {
                kind: Kind::EnumValue,
                name: name.to_owned(),
                owner: enum_name.to_owned(),
            }
        };
        self.record(target, span, Role::Read);
    }

    /// A condition name read at `span`.
    fn condition_name(&mut self, name: &str, span: Span) {
        let kind = self.symbols.condition_kind(name);
        self.record(Target::new(kind, name), span, Role::Read);
    }

    fn fact_enum(&self, fact: &str) -> Option<String> {
        self.symbols.fact_enums.get(fact).cloned()
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Guideline(header) => self.ident(Kind::Guideline, &header.id, Role::Declaration),
            Item::Reference(reference) => {
                self.ident(Kind::Reference, &reference.key, Role::Declaration)
            }
            Item::Enum(decl) => {
                self.ident(Kind::Enum, &decl.name, Role::Declaration);
                for value in &decl.values {
                    let target = Target {
                        kind: Kind::EnumValue,
                        name: value.node.clone(),
                        owner: decl.name.node.clone(),
                    };
                    self.record(target, value.span, Role::Declaration);
                }
            }
            Item::Fact(fact) => {
                self.ident(Kind::Fact, &fact.name, Role::Declaration);
                self.type_expr(&fact.ty.node);
            }
            Item::Define(define) => {
                self.ident(Kind::Definition, &define.name, Role::Declaration);
                self.definition = Some(define.name.node.clone());
                self.expr(&define.body);
                self.definition = None;
            }
            Item::Score(score) => {
                self.ident(Kind::Score, &score.name, Role::Declaration);
                for entry in &score.items {
                    self.expr(&entry.condition);
                }
            }
            Item::Value(value) => {
                self.ident(Kind::Value, &value.name, Role::Declaration);
                self.type_expr(&value.ty.node);
                self.arith(&value.body);
            }
            Item::Invariant(invariant) => self.expr(&invariant.condition),
            Item::Exclusive(exclusive) => {
                for action in &exclusive.actions {
                    self.ident(Kind::Action, action, Role::Mention);
                }
            }
            Item::Action(action) => {
                self.ident(Kind::Action, &action.name, Role::Declaration);
                self.action = Some(action.name.node.clone());
                for clause in &action.clauses {
                    // Both kinds of clause read their condition alike.
                    let (ClauseKind::Contraindication | ClauseKind::Caution) = clause.kind;
                    self.expr(&clause.condition);
                    for key in &clause.cite {
                        self.ident(Kind::Reference, key, Role::Cite);
                    }
                }
                self.action = None;
            }
            Item::Rule(rule) => self.rule(rule),
            Item::Section(section) => self.section(section),
        }
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::SetOf(name) | TypeExpr::Named(name) => {
                if name.node != ACTION_ENUM {
                    self.ident(Kind::Enum, name, Role::Mention);
                }
            }
            TypeExpr::Bool
            | TypeExpr::Number
            | TypeExpr::Quantity(_)
            | TypeExpr::Duration(_)
            | TypeExpr::Date => {}
        }
    }

    fn section(&mut self, section: &Section) {
        self.ident(Kind::Section, &section.name, Role::Declaration);
        for member in &section.items {
            match member {
                SectionItem::Rule(rule) => self.rule(rule),
                SectionItem::Section(inner) => self.section(inner),
            }
        }
    }

    fn rule(&mut self, rule: &Rule) {
        self.ident(Kind::Rule, &rule.name, Role::Declaration);
        self.rule = Some(rule.name.node.clone());
        if let Some(when) = &rule.when {
            self.expr(when);
        }
        for then in &rule.thens {
            let role = match then.outcome {
                Outcome::Recommend => Role::Recommend,
                Outcome::Avoid => Role::Avoid,
            };
            for action in &then.actions {
                self.ident(Kind::Action, action, role);
            }
        }
        for key in &rule.cite {
            self.ident(Kind::Reference, key, Role::Cite);
        }
        self.rule = None;
    }

    fn expr(&mut self, expr: &Expr) {
        // Iterative: conditions may nest as deep as the parser allows.
        let mut stack = vec![expr];
        while let Some(expr) = stack.pop() {
            match &expr.kind {
                ExprKind::Bool(_) => {}
                ExprKind::Name(name) => self.condition_name(name, expr.span),
                ExprKind::Not(inner) => stack.push(inner),
                ExprKind::And(parts) | ExprKind::Or(parts) => stack.extend(parts.iter().rev()),
                ExprKind::Count { parts, .. } => stack.extend(parts.iter().rev()),
                ExprKind::Implies(left, right) => {
                    stack.push(right);
                    stack.push(left);
                }
                ExprKind::Compare { fact, operand, .. } => {
                    self.condition_name(&fact.node, fact.span);
                    if let Operand::Name(value) = &operand.node
                        && let Some(enum_name) = self.fact_enum(&fact.node)
                    {
                        self.enum_value(&enum_name, value, operand.span);
                    }
                }
                ExprKind::Relation { left, right, .. } => {
                    self.arith(left);
                    self.arith(right);
                }
                ExprKind::In { element, set } => match &set.node {
                    SetExpr::Fact(fact) => {
                        self.condition_name(&fact.node, fact.span);
                        if let Some(enum_name) = self.fact_enum(&fact.node) {
                            self.enum_value(&enum_name, &element.node, element.span);
                        }
                    }
                    SetExpr::Literal(values) => {
                        self.condition_name(&element.node, element.span);
                        if let Some(enum_name) = self.fact_enum(&element.node) {
                            for value in values {
                                self.enum_value(&enum_name, &value.node, value.span);
                            }
                        }
                    }
                },
                ExprKind::InRange { fact, .. } => self.condition_name(&fact.node, fact.span),
            }
        }
    }

    fn arith(&mut self, arith: &Arith) {
        let mut stack = vec![arith];
        while let Some(arith) = stack.pop() {
            match &arith.kind {
                ArithKind::Number { .. } => {}
                ArithKind::Name(name) => self.condition_name(name, arith.span),
                ArithKind::Binary { left, right, .. } => {
                    stack.push(right);
                    stack.push(left);
                }
                ArithKind::Call { args, .. } => stack.extend(args.iter().rev()),
                ArithKind::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    self.expr(condition);
                    stack.push(otherwise);
                    stack.push(then);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_uses_to_declarations_by_kind() {
        let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nenum Site { face, neck }\n\
                    fact sites: set of Site\nfact failed: set of Action\naction a\n\
                    define d = face in sites\n\
                    rule r { when d and not a in failed then recommend a cite R }\n";
        let file = crate::syntax::parse(text).unwrap_or_default();
        let symbols = Symbols::new(&file);
        let at = |needle: &str, nth: usize| {
            let offset = text.match_indices(needle).nth(nth).map_or(0, |(i, _)| i);
            symbols.at(offset).map(|o| (o.target.clone(), o.role))
        };
        let face = Target {
            kind: Kind::EnumValue,
            name: "face".to_owned(),
            owner: "Site".to_owned(),
        };
        assert_eq!(at("face", 1), Some((face, Role::Read)));
        assert_eq!(at(" d and", 0).map(|(t, _)| t.kind), None);
        assert_eq!(at("d and", 0).map(|(t, _)| t.kind), Some(Kind::Definition));
        assert_eq!(
            at("a in failed", 0).map(|(t, _)| t.kind),
            Some(Kind::Action)
        );
        assert_eq!(at("a cite", 0).map(|(_, r)| r), Some(Role::Recommend));
        let action = Target::new(Kind::Action, "a");
        assert_eq!(symbols.uses(&action).count(), 3);
    }
}
