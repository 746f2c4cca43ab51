//! AST → [`Model`]: resolves names, checks types and units, orders
//! definitions, and reports every problem it finds (not only the first).

use std::collections::{HashMap, HashSet};

use super::model::*;
use super::units::{parse_unit, unit_alias};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{self, ExprKind, Operand, SetExpr};

/// Largest number of values the enum of a `set of` fact may have: sets are
/// 128-bit bitsets in the evaluator, so a patient's facts stay fixed-size.
pub const MAX_SET_VALUES: usize = 128;

/// Resolves a parsed file. Returns the model when there are no errors,
/// together with all diagnostics (warnings included).
pub fn resolve(file: &ast::File) -> (Option<Model>, Vec<Diagnostic>) {
    let mut resolver = Resolver::default();
    resolver.run(file);
    let has_errors = resolver.diagnostics.iter().any(Diagnostic::is_error);
    let mut diagnostics = resolver.diagnostics;
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
}

#[derive(Default)]
struct Resolver {
    model: Model,
    diagnostics: Vec<Diagnostic>,
    /// Facts and definitions share one namespace.
    condition_names: HashMap<String, (ConditionName, Span)>,
    enum_names: HashMap<String, EnumId>,
    action_names: HashMap<String, ActionId>,
    reference_names: HashMap<String, ReferenceId>,
    /// Rules and sections share one namespace.
    rule_names: HashMap<String, Span>,
    /// Facts whose declared type was an error: using them is not a second one.
    untyped_facts: HashSet<String>,
    used_facts: Vec<bool>,
    used_definitions: Vec<bool>,
    used_actions: Vec<bool>,
    used_references: Vec<bool>,
    /// Definitions each definition refers to, for the cycle check.
    definition_edges: Vec<Vec<(DefinitionId, Span)>>,
}

fn id32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

impl Resolver {
    fn run(&mut self, file: &ast::File) {
        self.declare_header(file);
        for item in &file.items {
            match item {
                ast::Item::Reference(reference) => self.declare_reference(reference),
                ast::Item::Enum(decl) => self.declare_enum(decl),
                ast::Item::Action(decl) => self.declare_action(decl),
                _ => {}
            }
        }
        self.declare_action_enum();
        let mut definitions = Vec::new();
        for item in &file.items {
            match item {
                ast::Item::Fact(decl) => self.declare_fact(decl),
                ast::Item::Define(define) => definitions.push(self.declare_definition(define)),
                _ => {}
            }
        }
        for (define, id) in definitions.iter().filter_map(|d| d.as_ref()) {
            let mut edges = Vec::new();
            let condition = self.condition(&define.body, &mut edges);
            if let Some(slot) = self.model.definitions.get_mut(id.index()) {
                slot.condition = condition;
            }
            if let Some(slot) = self.definition_edges.get_mut(id.index()) {
                *slot = edges;
            }
        }
        self.order_definitions();
        let mut action_decls = file.items.iter().filter_map(|item| match item {
            ast::Item::Action(decl) => Some(decl),
            _ => None,
        });
        for index in 0..self.model.actions.len() {
            if let Some(decl) = action_decls.next() {
                self.resolve_action_clauses(ActionId(id32(index)), decl);
            }
        }
        for item in &file.items {
            match item {
                ast::Item::Invariant(invariant) => {
                    let condition = self.condition(&invariant.condition, &mut Vec::new());
                    self.model.invariants.push(Invariant {
                        condition,
                        description: invariant.description.as_ref().map(|s| s.node.clone()),
                        span: invariant.span,
                    });
                }
                ast::Item::Exclusive(exclusive) => {
                    let actions = exclusive
                        .actions
                        .iter()
                        .filter_map(|name| self.action(name, false))
                        .collect();
                    self.model.exclusives.push(Exclusive {
                        actions,
                        description: exclusive.description.as_ref().map(|s| s.node.clone()),
                        span: exclusive.span,
                    });
                }
                ast::Item::Rule(rule) => {
                    let id = self.rule(rule, None);
                    self.model.top_level.push(Member::Rule(id));
                }
                ast::Item::Section(section) => {
                    let id = self.section(section, None);
                    self.model.top_level.push(Member::Section(id));
                }
                _ => {}
            }
        }
        self.report_unused();
        self.report_no_rules();
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// W0210 for a declared name that mixes scripts with look-alike
    /// letters. Reported where the name is declared, once; uses of it are
    /// the same name and would only repeat the warning.
    fn check_script(&mut self, name: &Spanned<String>) {
        let Some(found) = super::names::confusable(&name.node) else {
            return;
        };
        let message = format!(
            "`{}` mixes {} and {} letters",
            name.node, found.main_script, found.odd_script
        );
        let label = format!(
            "`{}` (U+{:04X}) is a {} letter",
            found.odd,
            u32::from(found.odd),
            found.odd_script
        );
        // A rename must reach every use, which one edit cannot do: the help
        // names the spelling and leaves the edit to the author.
        let help = match &found.lookalike {
            Some(lookalike) => format!(
                "it reads as `{lookalike}` but is another name; spell it in {} letters only, \
                 here and where it is used",
                found.main_script
            ),
            None => format!(
                "spell it in {} letters only, here and where it is used",
                found.main_script
            ),
        };
        self.error(
            Diagnostic::new(Code::ConfusableName, message)
                .primary(name.span, label)
                .help(help),
        );
    }

    fn duplicate(&mut self, kind: &str, name: &Spanned<String>, first: Span) {
        self.error(
            Diagnostic::new(
                Code::DuplicateDefinition,
                format!("{kind} `{}` is declared twice", name.node),
            )
            .primary(name.span, "declared again here")
            .secondary(first, "first declared here")
            .help("rename one of them, or delete the second declaration"),
        );
    }

    // ---- declarations -------------------------------------------------

    fn declare_header(&mut self, file: &ast::File) {
        let headers: Vec<&ast::Guideline> = file
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Guideline(header) => Some(header),
                _ => None,
            })
            .collect();
        match headers.as_slice() {
            [] => {
                let at = file.items.first().map_or(Span::default(), ast::Item::span);
                let diagnostic = if file.items.is_empty() {
                    Diagnostic::new(Code::EmptyFile, "the file declares nothing")
                        .primary(Span::default(), "empty")
                        .help("start with a header: guideline my_guideline \"Title\" { version \"1.0\" }")
                } else {
                    Diagnostic::new(Code::MissingHeader, "the file has no `guideline` header")
                        .primary(
                            Span::new(at.start_usize(), at.start_usize()),
                            "expected a header before this",
                        )
                        .help("add a header: guideline my_guideline \"Title\" { version \"1.0\" }")
                };
                self.error(diagnostic);
            }
            [first, rest @ ..] => {
                for extra in rest {
                    self.error(
                        Diagnostic::new(
                            Code::MissingHeader,
                            "a file has exactly one `guideline` header",
                        )
                        .primary(extra.id.span, "second header")
                        .secondary(first.id.span, "first header")
                        .help("put each guideline in its own file"),
                    );
                }
                self.model.header = Header {
                    id: first.id.node.clone(),
                    title: first.title.node.clone(),
                    meta: first
                        .meta
                        .iter()
                        .map(|(k, v)| (k.node.clone(), v.node.clone()))
                        .collect(),
                    span: first.span,
                };
            }
        }
    }

    fn declare_reference(&mut self, decl: &ast::Reference) {
        if let Some(&first) = self.reference_names.get(&decl.key.node) {
            let first_span = self.model.references[first.index()].span;
            self.duplicate("reference", &decl.key, first_span);
            return;
        }
        let pmid = decl.pmid.as_ref().and_then(|pmid| {
            let valid = !pmid.node.is_empty()
                && pmid.node.len() <= 8
                && pmid.node.bytes().all(|b| b.is_ascii_digit())
                && !pmid.node.starts_with('0');
            if valid {
                pmid.node.parse::<u32>().ok()
            } else {
                self.error(
                    Diagnostic::new(Code::MalformedPmid, format!("`{}` is not a PubMed ID", pmid.node))
                        .primary(pmid.span, "expected 1 to 8 digits, not starting with 0")
                        .help("copy the number from the PubMed address, e.g. pubmed/14501840 → pmid 14501840"),
                );
                None
            }
        });
        if let Some(doi) = decl.doi.as_ref().filter(|doi| !is_doi(&doi.node)) {
            {
                self.error(
                    Diagnostic::new(Code::MalformedDoi, format!("`{}` is not a DOI", doi.node))
                        .primary(doi.span, "expected `10.NNNN/suffix`")
                        .help("write the DOI without the https://doi.org/ prefix, e.g. doi \"10.1002/art.21023\""),
                );
            }
        }
        self.check_script(&decl.key);
        let id = ReferenceId(id32(self.model.references.len()));
        self.reference_names.insert(decl.key.node.clone(), id);
        self.used_references.push(false);
        self.model.references.push(Reference {
            key: decl.key.node.clone(),
            pmid,
            doi: decl.doi.as_ref().map(|d| d.node.clone()),
            urls: decl.urls.iter().map(|u| u.node.clone()).collect(),
            citation: decl.citation.node.clone(),
            link: if let Some(pmid) = pmid {
                Some(format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"))
            } else if let Some(doi) = &decl.doi {
                Some(format!("https://doi.org/{}", doi.node))
            } else {
                decl.urls.first().map(|u| u.node.clone())
            },
            span: decl.span,
        });
    }

    fn declare_enum(&mut self, decl: &ast::EnumDecl) {
        if decl.name.node == "Action" {
            self.error(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    "`Action` is the built-in enum of declared actions",
                )
                .primary(decl.name.span, "cannot be redeclared")
                .help("choose another name for this enum"),
            );
            return;
        }
        if let Some(&first) = self.enum_names.get(&decl.name.node) {
            let first_span = self.model.enums[first.index()].span;
            self.duplicate("enum", &decl.name, first_span);
            return;
        }
        self.check_script(&decl.name);
        let mut values: Vec<String> = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for value in &decl.values {
            self.check_script(value);
            if let Some(&first) = seen.get(value.node.as_str()) {
                self.duplicate("enum value", value, first);
            } else {
                seen.insert(&value.node, value.span);
                values.push(value.node.clone());
            }
        }
        let id = EnumId(id32(self.model.enums.len()));
        self.enum_names.insert(decl.name.node.clone(), id);
        self.model.enums.push(EnumType {
            name: decl.name.node.clone(),
            values,
            span: decl.span,
        });
    }

    fn check_set_size(&mut self, enum_id: EnumId, span: Span) -> Option<EnumId> {
        let enum_type = &self.model.enums[enum_id.index()];
        let size = enum_type.values.len();
        if size <= MAX_SET_VALUES {
            return Some(enum_id);
        }
        let message = format!(
            "`{}` has {size} values; a `set of` fact holds at most {MAX_SET_VALUES}",
            enum_type.name
        );
        self.error(
            Diagnostic::new(Code::EnumTooLarge, message)
                .primary(span, "set of a large enum")
                .help("split the enum, or use several bool facts"),
        );
        None
    }

    fn declare_action(&mut self, decl: &ast::ActionDecl) {
        if let Some(&first) = self.action_names.get(&decl.name.node) {
            let first_span = self.model.actions[first.index()].span;
            self.duplicate("action", &decl.name, first_span);
            return;
        }
        self.check_script(&decl.name);
        let id = ActionId(id32(self.model.actions.len()));
        self.action_names.insert(decl.name.node.clone(), id);
        self.used_actions.push(false);
        self.model.actions.push(Action {
            name: decl.name.node.clone(),
            label: decl.label.as_ref().map(|l| l.node.clone()),
            contraindications: Vec::new(),
            cautions: Vec::new(),
            span: decl.span,
        });
    }

    fn declare_action_enum(&mut self) {
        let values: Vec<String> = self.model.actions.iter().map(|a| a.name.clone()).collect();
        let id = EnumId(id32(self.model.enums.len()));
        self.model.action_enum = id;
        self.enum_names.insert("Action".to_owned(), id);
        self.model.enums.push(EnumType {
            name: "Action".to_owned(),
            values,
            span: Span::default(),
        });
    }

    fn declare_fact(&mut self, decl: &ast::FactDecl) {
        if let Some(&(_, first)) = self.condition_names.get(&decl.name.node) {
            self.duplicate("name", &decl.name, first);
            return;
        }
        self.check_script(&decl.name);
        let Some(ty) = self.fact_type(&decl.ty) else {
            // Its type was reported; its uses are not unknown names.
            self.untyped_facts.insert(decl.name.node.clone());
            return;
        };
        let id = FactId(id32(self.model.facts.len()));
        self.condition_names.insert(
            decl.name.node.clone(),
            (ConditionName::Fact(id), decl.name.span),
        );
        self.used_facts.push(false);
        self.model.facts.push(Fact {
            name: decl.name.node.clone(),
            ty,
            description: decl.description.as_ref().map(|d| d.node.clone()),
            span: decl.span,
        });
    }

    fn fact_type(&mut self, ty: &Spanned<ast::TypeExpr>) -> Option<Type> {
        Some(match &ty.node {
            ast::TypeExpr::Bool => Type::Bool,
            ast::TypeExpr::Number => Type::Number,
            ast::TypeExpr::Quantity(unit) => Type::Quantity(self.unit(unit)?),
            ast::TypeExpr::Duration(unit) => {
                let parsed = self.unit(unit)?;
                if !parsed.dimension.is_time() {
                    self.error(
                        Diagnostic::new(
                            Code::UnitMismatch,
                            format!("a duration needs a unit of time, not `{}`", unit.node),
                        )
                        .primary(unit.span, format!("this measures {}", parsed.dimension))
                        .help("use d, wk, mo or a (years), or declare a `quantity` instead"),
                    );
                    return None;
                }
                Type::Quantity(parsed)
            }
            ast::TypeExpr::SetOf(name) => {
                let enum_id = self.enum_type(name)?;
                Type::Set(self.check_set_size(enum_id, ty.span)?)
            }
            ast::TypeExpr::Named(name) => Type::Enum(self.enum_type(name)?),
        })
    }

    fn enum_type(&mut self, name: &Spanned<String>) -> Option<EnumId> {
        if let Some(&id) = self.enum_names.get(&name.node) {
            return Some(id);
        }
        let builtin = ["bool", "number", "quantity", "duration"];
        let candidates: Vec<&str> = self
            .enum_names
            .keys()
            .map(String::as_str)
            .chain(builtin)
            .collect();
        let diagnostic =
            Diagnostic::new(Code::UnknownName, format!("unknown type `{}`", name.node))
                .primary(name.span, "not a declared enum or a built-in type");
        let diagnostic = if let Some(help) = unsupported_type_help(&name.node) {
            diagnostic.help(help)
        } else if let Some(number) = number_type_alias(&name.node) {
            diagnostic
                .help(format!("a number is written `{number}`"))
                .fix(name.span, number)
        } else if let Some(candidate) = closest(&name.node, candidates) {
            diagnostic
                .help(format!("did you mean `{candidate}`?"))
                .fix(name.span, candidate)
        } else {
            diagnostic.help("declare it with `enum Name { value, … }`")
        };
        self.error(diagnostic);
        None
    }

    fn unit(&mut self, unit: &Spanned<String>) -> Option<super::units::Unit> {
        match parse_unit(&unit.node) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                let diagnostic =
                    Diagnostic::new(Code::UnknownUnit, format!("unknown unit `{}`", unit.node))
                        .primary(unit.span, format!("`{}` is not understood", error.part));
                self.error(match unit_alias(&unit.node) {
                    Some(ucum) => diagnostic
                        .help(format!(
                            "gdl writes units in UCUM style: did you mean `{ucum}` (UCUM's symbol for `{}`)?",
                            unit.node
                        ))
                        .fix(unit.span, ucum),
                    None => diagnostic.help(
                        "write units in UCUM style: mg, g/L, mL/min/1.73m2, mm[Hg], 10*9/L, d, wk, mo, a",
                    ),
                });
                None
            }
        }
    }

    fn declare_definition(&mut self, define: &ast::Define) -> Option<(ast::Define, DefinitionId)> {
        if let Some(&(_, first)) = self.condition_names.get(&define.name.node) {
            self.duplicate("name", &define.name, first);
            return None;
        }
        self.check_script(&define.name);
        let id = DefinitionId(id32(self.model.definitions.len()));
        self.condition_names.insert(
            define.name.node.clone(),
            (ConditionName::Definition(id), define.name.span),
        );
        self.used_definitions.push(false);
        self.definition_edges.push(Vec::new());
        self.model.definitions.push(Definition {
            name: define.name.node.clone(),
            condition: Condition {
                kind: ConditionKind::Const(false),
                span: define.body.span,
            },
            description: define.description.as_ref().map(|d| d.node.clone()),
            span: define.span,
        });
        Some((define.clone(), id))
    }

    /// Reorders definitions so each uses only earlier ones, and reports
    /// cycles. Iterative (Kahn's algorithm): no recursion on hostile input.
    fn order_definitions(&mut self) {
        let count = self.model.definitions.len();
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); count];
        let mut pending: Vec<usize> = vec![0; count];
        for (user, edges) in self.definition_edges.iter().enumerate() {
            for (used, _) in edges {
                if let Some(list) = users.get_mut(used.index()) {
                    list.push(user);
                }
                if let Some(p) = pending.get_mut(user) {
                    *p += 1;
                }
            }
        }
        let mut ready: Vec<usize> = (0..count).filter(|&i| pending[i] == 0).rev().collect();
        let mut order = Vec::with_capacity(count);
        while let Some(next) = ready.pop() {
            order.push(next);
            for &user in &users[next] {
                pending[user] -= 1;
                if pending[user] == 0 {
                    ready.push(user);
                }
            }
        }
        if order.len() < count {
            self.report_cycles(&pending);
            return;
        }
        // Renumber: old index → new index.
        let mut new_index = vec![0u32; count];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = id32(new);
        }
        let mut old_definitions: Vec<Option<Definition>> =
            std::mem::take(&mut self.model.definitions)
                .into_iter()
                .map(Some)
                .collect();
        for &old in &order {
            if let Some(mut definition) = old_definitions[old].take() {
                renumber(&mut definition.condition, &new_index);
                self.model.definitions.push(definition);
            }
        }
        let mut used = vec![false; count];
        for (old, &new) in new_index.iter().enumerate() {
            used[new as usize] = self.used_definitions[old];
        }
        self.used_definitions = used;
        for (_, entry) in self.condition_names.iter_mut() {
            if let ConditionName::Definition(id) = &mut entry.0 {
                *id = DefinitionId(new_index[id.index()]);
            }
        }
    }

    fn report_cycles(&mut self, pending: &[usize]) {
        // Every definition still pending is on or behind a cycle; report
        // one cycle by walking edges among pending definitions.
        let Some(start) = pending.iter().position(|&p| p > 0) else {
            return;
        };
        let mut path = vec![start];
        let mut position: HashMap<usize, usize> = HashMap::from([(start, 0)]);
        let mut current = start;
        let cycle = loop {
            let next = self.definition_edges[current]
                .iter()
                .map(|(id, _)| id.index())
                .find(|&n| pending[n] > 0);
            let Some(next) = next else { break Vec::new() };
            if let Some(&at) = position.get(&next) {
                break path[at..].to_vec();
            }
            position.insert(next, path.len());
            path.push(next);
            current = next;
        };
        let names: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", self.model.definitions[i].name))
            .collect();
        let Some(&first) = cycle.first() else { return };
        let mut chain = names.clone();
        chain.push(names[0].clone());
        let mut diagnostic = Diagnostic::new(
            Code::RecursiveDefinition,
            format!(
                "definition `{}` refers to itself",
                self.model.definitions[first].name
            ),
        );
        for (step, &index) in cycle.iter().enumerate() {
            let target = cycle[(step + 1) % cycle.len()];
            let use_span = self.definition_edges[index]
                .iter()
                .find(|(id, _)| id.index() == target)
                .map_or(self.model.definitions[index].span, |(_, span)| *span);
            let message = format!("uses `{}`", self.model.definitions[target].name);
            diagnostic = if step == 0 {
                diagnostic.primary(use_span, message)
            } else {
                diagnostic.secondary(use_span, message)
            };
        }
        self.error(diagnostic.help(format!(
            "definitions cannot be recursive ({}); write the condition out in terms of facts",
            chain.join(" → ")
        )));
    }

    // ---- conditions ---------------------------------------------------

    fn condition(&mut self, expr: &ast::Expr, edges: &mut Vec<(DefinitionId, Span)>) -> Condition {
        let kind = match &expr.kind {
            ExprKind::Bool(value) => ConditionKind::Const(*value),
            ExprKind::Name(name) => self.condition_name(name, expr.span, edges),
            ExprKind::Not(inner) => ConditionKind::Not(Box::new(self.condition(inner, edges))),
            ExprKind::And(parts) => {
                ConditionKind::And(parts.iter().map(|p| self.condition(p, edges)).collect())
            }
            ExprKind::Or(parts) => {
                ConditionKind::Or(parts.iter().map(|p| self.condition(p, edges)).collect())
            }
            ExprKind::Implies(left, right) => ConditionKind::Implies(
                Box::new(self.condition(left, edges)),
                Box::new(self.condition(right, edges)),
            ),
            ExprKind::Compare { fact, op, operand } => self.compare(fact, *op, operand, expr.span),
            ExprKind::In { element, set } => self.membership(element, set),
        };
        Condition {
            kind,
            span: expr.span,
        }
    }

    fn condition_name(
        &mut self,
        name: &str,
        span: Span,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> ConditionKind {
        match self.condition_names.get(name).copied() {
            Some((ConditionName::Definition(id), _)) => {
                self.used_definitions[id.index()] = true;
                edges.push((id, span));
                ConditionKind::Definition(id)
            }
            Some((ConditionName::Fact(id), _)) => {
                self.used_facts[id.index()] = true;
                let fact = &self.model.facts[id.index()];
                if fact.ty == Type::Bool {
                    ConditionKind::Fact(id)
                } else {
                    let help = match &fact.ty {
                        Type::Quantity(unit) => {
                            format!("compare it, e.g. `{name} < 60 {}`", unit.text)
                        }
                        Type::Number => format!("compare it, e.g. `{name} >= 18`"),
                        Type::Enum(e) => format!(
                            "compare it, e.g. `{name} = {}`",
                            self.model.enums[e.index()]
                                .values
                                .first()
                                .map_or("value", String::as_str)
                        ),
                        _ => format!("test membership, e.g. `value in {name}`"),
                    };
                    let message = format!(
                        "`{name}` is {}, but a condition needs a yes/no value",
                        self.describe_type(&fact.ty)
                    );
                    let declared = fact.span;
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, message)
                            .primary(span, "used as a condition here")
                            .secondary(declared, "declared here")
                            .help(help),
                    );
                    ConditionKind::Const(false)
                }
            }
            None => {
                self.unknown_name(name, span);
                ConditionKind::Const(false)
            }
        }
    }

    fn unknown_name(&mut self, name: &str, span: Span) {
        if self.untyped_facts.contains(name) {
            return;
        }
        let mut candidates: Vec<&str> = self.condition_names.keys().map(String::as_str).collect();
        candidates.sort_unstable();
        let mut diagnostic = Diagnostic::new(Code::UnknownName, format!("unknown name `{name}`"))
            .primary(span, "not a declared fact or definition");
        diagnostic = match closest(name, candidates) {
            Some(candidate) => {
                // A parenthesised name's span includes the parentheses; a
                // name in parentheses is still a valid condition.
                let replacement = if span.len() == name.len() {
                    candidate.to_owned()
                } else {
                    format!("({candidate})")
                };
                diagnostic
                    .help(format!("did you mean `{candidate}`?"))
                    .fix(span, replacement)
            }
            None => diagnostic.help(format!(
                "declare it, e.g. `fact {name}: bool \"…\"` or `define {name} = …`"
            )),
        };
        self.error(diagnostic);
    }

    /// Looks up a fact used in a comparison or membership test.
    fn fact_for_test(&mut self, name: &Spanned<String>) -> Option<FactId> {
        match self.condition_names.get(&name.node).copied() {
            Some((ConditionName::Fact(id), _)) => {
                self.used_facts[id.index()] = true;
                Some(id)
            }
            Some((ConditionName::Definition(_), _)) => {
                self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "`{}` is a definition (a yes/no condition), not a fact with a value",
                            name.node
                        ),
                    )
                    .primary(name.span, "a definition cannot be compared")
                    .help(format!(
                        "use it directly: `{}` or `not {}`",
                        name.node, name.node
                    )),
                );
                None
            }
            None => {
                self.unknown_name(&name.node, name.span);
                None
            }
        }
    }

    fn describe_type(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "a bool".to_owned(),
            Type::Number => "a number".to_owned(),
            Type::Quantity(unit) => format!("a quantity in {}", unit.text),
            Type::Enum(id) => format!("an enum `{}`", self.model.enums[id.index()].name),
            Type::Set(id) => format!("a set of `{}`", self.model.enums[id.index()].name),
        }
    }

    fn compare(
        &mut self,
        fact_name: &Spanned<String>,
        op: CmpOp,
        operand: &Spanned<Operand>,
        span: Span,
    ) -> ConditionKind {
        let unresolved = ConditionKind::Const(false);
        let Some(fact) = self.fact_for_test(fact_name) else {
            return unresolved;
        };
        let ty = self.model.facts[fact.index()].ty.clone();
        let fact_span = self.model.facts[fact.index()].span;
        let type_error = |resolver: &mut Self, expected: String, help: String| {
            let message = format!(
                "`{}` is {}, but it is compared with {expected}",
                fact_name.node,
                resolver.describe_type(&ty)
            );
            resolver.error(
                Diagnostic::new(Code::TypeMismatch, message)
                    .primary(operand.span, "this value")
                    .secondary(fact_span, "declared here")
                    .help(help),
            );
            unresolved.clone()
        };
        let is_equality = matches!(op, CmpOp::Eq | CmpOp::Ne);
        match (&ty, &operand.node) {
            (Type::Bool, Operand::Bool(value)) if is_equality => {
                let positive = *value == (op == CmpOp::Eq);
                let base = ConditionKind::Fact(fact);
                if positive {
                    base
                } else {
                    ConditionKind::Not(Box::new(Condition { kind: base, span }))
                }
            }
            (Type::Bool, _) => type_error(
                self,
                "something other than `true`/`false` using `=`/`!=`".to_owned(),
                format!("use `{0}` or `not {0}`", fact_name.node),
            ),
            (Type::Number, Operand::Number { value, unit: None }) => ConditionKind::Compare {
                fact,
                op,
                value: *value,
            },
            (
                Type::Number,
                Operand::Number {
                    value,
                    unit: Some(unit),
                },
            ) => {
                // Dropping the unit is always valid; declaring a quantity is
                // offered only in a unit gdl knows.
                let plain = tidy_number(*value);
                let known_unit = if parse_unit(&unit.node).is_ok() {
                    Some(unit.node.clone())
                } else {
                    unit_alias(&unit.node).map(str::to_owned)
                };
                let drop = format!(
                    "drop the unit: `{} {} {plain}`",
                    fact_name.node,
                    op.symbol()
                );
                let help = match known_unit {
                    Some(known) => format!(
                        "{drop}, or declare the fact as a quantity: `fact {}: quantity {known}`",
                        fact_name.node
                    ),
                    None => drop,
                };
                self.error(
                    Diagnostic::new(
                        Code::UnitMismatch,
                        format!(
                            "`{}` is a plain number, but it is compared with a quantity in `{}`",
                            fact_name.node, unit.node
                        ),
                    )
                    .primary(unit.span, "unexpected unit")
                    .secondary(fact_span, "declared as `number`")
                    .help(help)
                    .fix(operand.span, plain),
                );
                unresolved
            }
            (Type::Quantity(fact_unit), Operand::Number { value, unit }) => {
                let Some(unit) = unit else {
                    self.error(
                        missing_unit(fact_name, op, *value, fact_unit, operand.span)
                            .secondary(fact_span, "declared here"),
                    );
                    return unresolved;
                };
                let Some(literal_unit) = self.unit(unit) else {
                    return unresolved;
                };
                if literal_unit.dimension != fact_unit.dimension {
                    self.error(
                        Diagnostic::new(
                            Code::UnitMismatch,
                            format!(
                                "`{}` is measured in {} ({}), which does not convert to `{}` ({})",
                                fact_name.node,
                                fact_unit.text,
                                fact_unit.dimension,
                                unit.node,
                                literal_unit.dimension
                            ),
                        )
                        .primary(
                            unit.span,
                            format!("this measures {}", literal_unit.dimension),
                        )
                        .secondary(fact_span, format!("declared in {}", fact_unit.text))
                        .help(format!(
                            "compare with a value in a unit of {}, such as {}",
                            fact_unit.dimension, fact_unit.text
                        )),
                    );
                    return unresolved;
                }
                ConditionKind::Compare {
                    fact,
                    op,
                    value: literal_unit.convert(*value, fact_unit),
                }
            }
            (Type::Enum(enum_id), Operand::Name(value)) if is_equality => {
                let Some(index) = self.enum_value(*enum_id, value, operand.span) else {
                    return unresolved;
                };
                let base = ConditionKind::EnumIn {
                    fact,
                    values: vec![index],
                };
                if op == CmpOp::Eq {
                    base
                } else {
                    ConditionKind::Not(Box::new(Condition { kind: base, span }))
                }
            }
            (Type::Enum(_), Operand::Name(_)) => type_error(
                self,
                format!("`{}`", op.symbol()),
                "enum values have no order; compare with `=`, `!=` or `in {a, b}`".to_owned(),
            ),
            (Type::Enum(_), _) => type_error(
                self,
                "a value that is not in its enum".to_owned(),
                format!(
                    "compare with one of its values, e.g. `{} = value`",
                    fact_name.node
                ),
            ),
            (Type::Set(_), _) => type_error(
                self,
                format!("`{}`", op.symbol()),
                format!("test membership instead: `value in {}`", fact_name.node),
            ),
            (Type::Number | Type::Quantity(_), Operand::Name(other))
                if self.condition_names.contains_key(other) =>
            {
                // Two facts cannot be compared with each other (yet); the
                // example threshold carries the fact's unit, so it is valid.
                // The other name is used here: no "unused" warning for it.
                let kind = match self.condition_names.get(other).map(|(name, _)| *name) {
                    Some(ConditionName::Fact(id)) => {
                        self.used_facts[id.index()] = true;
                        "fact"
                    }
                    Some(ConditionName::Definition(id)) => {
                        self.used_definitions[id.index()] = true;
                        "definition"
                    }
                    None => "name",
                };
                let example = match &ty {
                    Type::Quantity(unit) => format!("1 {}", unit.text),
                    _ => "1".to_owned(),
                };
                type_error(
                    self,
                    format!("the {kind} `{other}`; gdl compares a fact only with a constant"),
                    format!(
                        "compare each fact with a threshold, e.g. `{} {} {example}`; \
                         a relation between two measurements needs a fact of its own \
                         (e.g. a ratio that the record system computes)",
                        fact_name.node,
                        op.symbol()
                    ),
                )
            }
            (Type::Number | Type::Quantity(_), _) => {
                let example = match &ty {
                    Type::Quantity(unit) => format!("1 {}", unit.text),
                    _ => "1".to_owned(),
                };
                type_error(
                    self,
                    "a value that is not a number".to_owned(),
                    format!(
                        "compare with a number, e.g. `{} {} {example}`",
                        fact_name.node,
                        op.symbol()
                    ),
                )
            }
        }
    }

    fn enum_value(&mut self, enum_id: EnumId, value: &str, span: Span) -> Option<u32> {
        let enum_type = &self.model.enums[enum_id.index()];
        if let Some(index) = enum_type.value(value) {
            return Some(index);
        }
        let message = format!("`{value}` is not a value of `{}`", enum_type.name);
        let help = enum_type.suggest(value);
        let fix = enum_type.closest(value).map(str::to_owned);
        let declared = enum_type.span;
        let mut diagnostic = Diagnostic::new(Code::UnknownEnumValue, message)
            .primary(span, "not in the enum")
            .help(help);
        if let Some(value) = fix {
            diagnostic = diagnostic.fix(span, value);
        }
        if enum_id != self.model.action_enum {
            diagnostic = diagnostic.secondary(declared, "enum declared here");
        }
        self.error(diagnostic);
        None
    }

    fn membership(&mut self, element: &Spanned<String>, set: &Spanned<SetExpr>) -> ConditionKind {
        let unresolved = ConditionKind::Const(false);
        match &set.node {
            SetExpr::Fact(set_name) => {
                let Some(fact) = self.fact_for_test(set_name) else {
                    return unresolved;
                };
                let ty = self.model.facts[fact.index()].ty.clone();
                let Type::Set(enum_id) = ty else {
                    let message = format!(
                        "`{}` is {}, not a set",
                        set_name.node,
                        self.describe_type(&ty)
                    );
                    let help = if matches!(ty, Type::Enum(_)) {
                        format!(
                            "to test one value, write `{} = {}`",
                            set_name.node, element.node
                        )
                    } else {
                        "`in` tests membership of a `set of` fact or a `{a, b}` list".to_owned()
                    };
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, message)
                            .primary(set_name.span, "not a set")
                            .help(help),
                    );
                    return unresolved;
                };
                match self.enum_value(enum_id, &element.node, element.span) {
                    Some(value) => ConditionKind::SetHas { fact, value },
                    None => unresolved,
                }
            }
            SetExpr::Literal(values) => {
                let Some(fact) = self.fact_for_test(element) else {
                    return unresolved;
                };
                let ty = self.model.facts[fact.index()].ty.clone();
                let Type::Enum(enum_id) = ty else {
                    let message = format!(
                        "`{}` is {}; only an enum fact can be tested against a list of values",
                        element.node,
                        self.describe_type(&ty)
                    );
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, message)
                            .primary(element.span, "not an enum fact")
                            .help("use `value in set_fact` for sets, or comparisons for numbers"),
                    );
                    return unresolved;
                };
                let mut indices = Vec::new();
                for value in values {
                    if let Some(index) = self.enum_value(enum_id, &value.node, value.span) {
                        indices.push(index);
                    }
                }
                indices.sort_unstable();
                indices.dedup();
                ConditionKind::EnumIn {
                    fact,
                    values: indices,
                }
            }
        }
    }

    // ---- actions and rules --------------------------------------------

    fn resolve_action_clauses(&mut self, id: ActionId, decl: &ast::ActionDecl) {
        if self.action_names.get(&decl.name.node) != Some(&id) {
            return;
        }
        for clause in &decl.clauses {
            let condition = self.condition(&clause.condition, &mut Vec::new());
            let citations = self.citations(&clause.cite);
            if clause.kind == ast::ClauseKind::Contraindication && clause.cite.is_empty() {
                self.error(
                    Diagnostic::new(
                        Code::MissingCitation,
                        format!(
                            "a contraindication of `{}` cites no evidence",
                            decl.name.node
                        ),
                    )
                    .primary(clause.condition.span, "this contraindication")
                    .help("add `cite KEY` after the clause, naming the reference that supports it"),
                );
            }
            let resolved = ActionClause {
                condition,
                because: clause.because.as_ref().map(|b| b.node.clone()),
                citations,
                span: clause.span,
            };
            let action = &mut self.model.actions[id.index()];
            match clause.kind {
                ast::ClauseKind::Contraindication => action.contraindications.push(resolved),
                ast::ClauseKind::Caution => action.cautions.push(resolved),
            }
        }
    }

    fn citations(&mut self, keys: &[Spanned<String>]) -> Vec<ReferenceId> {
        let mut out = Vec::new();
        for key in keys {
            match self.reference_names.get(&key.node).copied() {
                Some(id) => {
                    self.used_references[id.index()] = true;
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                None => {
                    let candidates: Vec<&str> =
                        self.reference_names.keys().map(String::as_str).collect();
                    let diagnostic = Diagnostic::new(
                        Code::UnknownReference,
                        format!("unknown reference `{}`", key.node),
                    )
                    .primary(key.span, "not a declared reference");
                    let diagnostic = match closest(&key.node, candidates) {
                        Some(candidate) => diagnostic
                            .help(format!("did you mean `{candidate}`?"))
                            .fix(key.span, candidate),
                        None => diagnostic.help(format!(
                            "declare it: reference {} pmid NNNNNNNN \"Author. Title. Journal. Year\"",
                            key.node
                        )),
                    };
                    self.error(diagnostic);
                }
            }
        }
        out
    }

    fn action(&mut self, name: &Spanned<String>, mark_used: bool) -> Option<ActionId> {
        match self.action_names.get(&name.node).copied() {
            Some(id) => {
                if mark_used {
                    self.used_actions[id.index()] = true;
                }
                Some(id)
            }
            None => {
                let candidates: Vec<&str> = self.action_names.keys().map(String::as_str).collect();
                let diagnostic =
                    Diagnostic::new(Code::UnknownName, format!("unknown action `{}`", name.node))
                        .primary(name.span, "not a declared action");
                let diagnostic = match closest(&name.node, candidates) {
                    Some(candidate) => diagnostic
                        .help(format!("did you mean `{candidate}`?"))
                        .fix(name.span, candidate),
                    None => diagnostic.help(format!("declare it: action {} \"…\"", name.node)),
                };
                self.error(diagnostic);
                None
            }
        }
    }

    fn claim_rule_name(&mut self, kind: &str, name: &Spanned<String>) {
        if let Some(&first) = self.rule_names.get(&name.node) {
            self.duplicate(kind, name, first);
        } else {
            self.check_script(name);
            self.rule_names.insert(name.node.clone(), name.span);
        }
    }

    fn rule(&mut self, rule: &ast::Rule, section: Option<SectionId>) -> RuleId {
        self.claim_rule_name("rule", &rule.name);
        let condition = match &rule.when {
            Some(when) => self.condition(when, &mut Vec::new()),
            None => Condition {
                kind: ConditionKind::Const(false),
                span: rule.name.span,
            },
        };
        if rule.when.is_none() || (rule.thens.is_empty() && rule.escalate.is_none()) {
            let missing = if rule.when.is_none() {
                "has no `when` condition"
            } else {
                "has no `then` and no `else-escalate`"
            };
            self.error(
                Diagnostic::new(Code::EmptyRule, format!("rule `{}` {missing}", rule.name.node))
                    .primary(rule.name.span, "this rule can never do anything")
                    .help("a rule needs `when CONDITION` and at least one `then recommend ACTION` (or `else-escalate \"reason\"`)"),
            );
        }
        let mut choices = Vec::new();
        for then in &rule.thens {
            let actions = then
                .actions
                .iter()
                .filter_map(|name| self.action(name, true))
                .collect();
            choices.push(Choice {
                outcome: then.outcome,
                actions,
                span: then.span,
            });
        }
        let citations = self.citations(&rule.cite);
        if !rule.thens.is_empty() && rule.cite.is_empty() {
            let verb = if rule.thens.iter().all(|t| t.outcome == ast::Outcome::Avoid) {
                "advises avoiding an action"
            } else {
                "recommends"
            };
            self.error(
                Diagnostic::new(
                    Code::MissingCitation,
                    format!("rule `{}` {verb} without citing evidence", rule.name.node),
                )
                .primary(rule.name.span, "no `cite`")
                .secondary(rule.thens[0].span, "this outcome needs evidence")
                .help("add `cite KEY` naming the reference(s) that support it"),
            );
        }
        let mut expects = Vec::new();
        for expect in &rule.expects {
            match Code::from_name(&expect.lint.node) {
                Some(code) => expects.push((code, expect.reason.node.clone())),
                None => {
                    let names = Code::ALL.iter().map(|c| c.name());
                    let diagnostic = Diagnostic::new(
                        Code::UnknownLint,
                        format!("unknown lint `{}`", expect.lint.node),
                    )
                    .primary(expect.lint.span, "not a diagnostic name");
                    let diagnostic = match closest(&expect.lint.node, names) {
                        Some(candidate) => diagnostic
                            .help(format!("did you mean `{candidate}`?"))
                            .fix(expect.lint.span, candidate),
                        None => diagnostic.help("see docs/diagnostics.md for the lint names"),
                    };
                    self.error(diagnostic);
                }
            }
        }
        let id = RuleId(id32(self.model.rules.len()));
        self.model.rules.push(Rule {
            name: rule.name.node.clone(),
            title: rule.title.as_ref().map(|t| t.node.clone()),
            condition,
            choices,
            escalation: rule.escalate.as_ref().map(|e| e.node.clone()),
            citations,
            section,
            expects,
            span: rule.span,
            name_span: rule.name.span,
        });
        id
    }

    fn section(&mut self, section: &ast::Section, parent: Option<SectionId>) -> SectionId {
        self.claim_rule_name("section", &section.name);
        let id = SectionId(id32(self.model.sections.len()));
        self.model.sections.push(Section {
            name: section.name.node.clone(),
            title: section.title.as_ref().map(|t| t.node.clone()),
            first_match: section.first_match,
            complete: section.complete,
            parent,
            members: Vec::new(),
            span: section.span,
        });
        let mut members = Vec::new();
        for item in &section.items {
            members.push(match item {
                ast::SectionItem::Rule(rule) => Member::Rule(self.rule(rule, Some(id))),
                ast::SectionItem::Section(inner) => Member::Section(self.section(inner, Some(id))),
            });
        }
        self.model.sections[id.index()].members = members;
        id
    }

    // ---- unused declarations ------------------------------------------

    fn report_unused(&mut self) {
        let mut found = Vec::new();
        for (fact, used) in self.model.facts.iter().zip(&self.used_facts) {
            if !used {
                found.push(
                    Diagnostic::new(
                        Code::UnusedFact,
                        format!("fact `{}` is never used", fact.name),
                    )
                    .primary(fact.span, "declared here")
                    .help("use it in a condition, or delete it"),
                );
            }
        }
        for (definition, used) in self.model.definitions.iter().zip(&self.used_definitions) {
            if !used {
                found.push(
                    Diagnostic::new(
                        Code::UnusedDefinition,
                        format!("definition `{}` is never used", definition.name),
                    )
                    .primary(definition.span, "declared here")
                    .help("use it in a condition, or delete it"),
                );
            }
        }
        for (action, used) in self.model.actions.iter().zip(&self.used_actions) {
            if !used {
                found.push(
                    Diagnostic::new(
                        Code::UnusedAction,
                        format!("action `{}` is never recommended or avoided", action.name),
                    )
                    .primary(action.span, "declared here")
                    .help("name it in a rule's `then`, or delete it"),
                );
            }
        }
        for (reference, used) in self.model.references.iter().zip(&self.used_references) {
            if !used {
                found.push(
                    Diagnostic::new(
                        Code::UnusedReference,
                        format!("reference `{}` is never cited", reference.key),
                    )
                    .primary(reference.span, "declared here")
                    .help("cite it where it supports a rule or clause, or delete it"),
                );
            }
        }
        self.diagnostics.extend(found);
    }
}

impl Resolver {
    /// A guideline without rules checks clean otherwise, yet gives every
    /// patient "nothing applies": say so instead of passing silently.
    fn report_no_rules(&mut self) {
        if self.model.rules.is_empty() && !self.model.header.id.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::NoRules,
                    format!(
                        "guideline `{}` has no rules: no patient gets a decision",
                        self.model.header.id
                    ),
                )
                .primary(self.model.header.span, "this guideline")
                .help("add at least one rule (docs/tutorial.md shows how); without rules, every patient's report says only that nothing applies"),
            );
        }
    }
}

fn renumber(condition: &mut Condition, new_index: &[u32]) {
    let mut stack = vec![condition];
    while let Some(condition) = stack.pop() {
        match &mut condition.kind {
            ConditionKind::Definition(id) => *id = DefinitionId(new_index[id.index()]),
            ConditionKind::Not(inner) => stack.push(inner),
            ConditionKind::And(parts) | ConditionKind::Or(parts) => stack.extend(parts.iter_mut()),
            ConditionKind::Implies(left, right) => {
                stack.push(left);
                stack.push(right);
            }
            _ => {}
        }
    }
}

fn is_doi(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("10.") else {
        return false;
    };
    let Some((registrant, suffix)) = rest.split_once('/') else {
        return false;
    };
    registrant.len() >= 4
        && registrant.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !suffix.is_empty()
        && !suffix.contains(char::is_whitespace)
}

/// Help for a type gdl does not have yet but a newcomer may expect, such as
/// `date`: an enum would be the wrong fix, so say what to use instead.
fn unsupported_type_help(name: &str) -> Option<&'static str> {
    match name.to_lowercase().as_str() {
        "date" | "datetime" | "time" | "timestamp" | "instant" => Some(
            "dates are not supported yet: declare the time that matters as a quantity, \
             e.g. `fact age: quantity a` or `fact days_since_onset: quantity d`, \
             and let the record system compute it",
        ),
        "string" | "str" | "text" => Some(
            "free text cannot be tested: list the possible values with \
             `enum Name { value, … }`, or use a bool fact",
        ),
        _ => None,
    }
}

/// The built-in type for the usual names of a number type.
fn number_type_alias(name: &str) -> Option<&'static str> {
    match name {
        "int" | "integer" | "float" | "double" | "real" | "decimal" | "num" => Some("number"),
        "boolean" => Some("bool"),
        _ => None,
    }
}

/// E0302 for a number written without its fact's unit. A number between 0
/// and 1 against a percentage is most likely a fraction (`0.92` for 92 %):
/// writing `0.92 %` would silently mean something a hundred times smaller.
fn missing_unit(
    fact_name: &Spanned<String>,
    op: CmpOp,
    value: f64,
    fact_unit: &super::units::Unit,
    at: Span,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::UnitMismatch,
        format!(
            "`{}` is a quantity in {}, but this number has no unit",
            fact_name.node, fact_unit.text
        ),
    );
    let is_fraction = fact_unit.text == "%" && value > 0.0 && value < 1.0;
    let (label, help, replacement) = if is_fraction {
        let percent = format!("{} %", tidy_number(value * 100.0));
        (
            "a fraction, not a percentage",
            format!(
                "a fraction is not a percentage: {} is {percent}; write `{} {} {percent}`",
                tidy_number(value),
                fact_name.node,
                op.symbol()
            ),
            percent,
        )
    } else {
        let written = format!("{} {}", tidy_number(value), fact_unit.text);
        (
            "no unit",
            format!(
                "write the unit: `{} {} {written}`",
                fact_name.node,
                op.symbol()
            ),
            written,
        )
    };
    diagnostic
        .primary(at, label)
        .help(help)
        .fix(at, replacement)
}

/// A number as a help text writes it: 12 significant digits, so that
/// `0.92 * 100` reads `92`, not `92.00000000000001`.
fn tidy_number(value: f64) -> String {
    let rounded: f64 = format!("{value:.11e}").parse().unwrap_or(value);
    format!("{rounded}")
}
