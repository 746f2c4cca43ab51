//! The rules passes: action clauses (contraindications and cautions),
//! then invariants, exclusives, rules and sections in source order, with
//! their actions, citations and `expect`ed lints looked up; and the
//! warning for a guideline that has no rules.

use super::{Resolver, id32};
use crate::diagnostics::{Code, Diagnostic, closest};
use crate::sema::model::*;
use crate::span::Spanned;
use crate::syntax::ast;

impl Resolver {
    /// The clauses of each action, in declaration order. The n-th `action`
    /// item goes with the n-th declared action while there are some: a
    /// duplicate declaration is skipped by [`Resolver::action_clauses`].
    pub(super) fn resolve_action_clauses(&mut self, file: &ast::File) {
        let mut index = 0;
        for item in &file.items {
            match item {
                ast::Item::Action(decl) => {
                    if index < self.model.actions.len() {
                        self.action_clauses(ActionId(id32(index)), decl);
                    }
                    index += 1;
                }
                ast::Item::Guideline(_)
                | ast::Item::Reference(_)
                | ast::Item::Enum(_)
                | ast::Item::Fact(_)
                | ast::Item::Define(_)
                | ast::Item::Invariant(_)
                | ast::Item::Exclusive(_)
                | ast::Item::Rule(_)
                | ast::Item::Section(_) => {}
            }
        }
    }

    /// Invariants, exclusives, rules and sections, in source order.
    pub(super) fn resolve_rules(&mut self, file: &ast::File) {
        for item in &file.items {
            match item {
                ast::Item::Invariant(invariant) => self.invariant(invariant),
                ast::Item::Exclusive(exclusive) => self.exclusive(exclusive),
                ast::Item::Rule(rule) => {
                    let id = self.rule(rule, None);
                    self.model.top_level.push(Member::Rule(id));
                }
                ast::Item::Section(section) => {
                    let id = self.section(section, None);
                    self.model.top_level.push(Member::Section(id));
                }
                ast::Item::Guideline(_)
                | ast::Item::Reference(_)
                | ast::Item::Enum(_)
                | ast::Item::Fact(_)
                | ast::Item::Define(_)
                | ast::Item::Action(_) => {}
            }
        }
    }

    /// A guideline without rules checks clean otherwise, yet gives every
    /// patient "nothing applies": say so instead of passing silently.
    pub(super) fn report_no_rules(&mut self) {
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

    fn invariant(&mut self, invariant: &ast::Invariant) {
        let condition = self.condition(&invariant.condition, &mut Vec::new());
        self.model.invariants.push(Invariant {
            condition,
            description: invariant.description.as_ref().map(|s| s.node.clone()),
            span: invariant.span,
        });
    }

    fn exclusive(&mut self, exclusive: &ast::Exclusive) {
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

    fn action_clauses(&mut self, id: ActionId, decl: &ast::ActionDecl) {
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
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, found, model};
    use crate::sema::model::*;

    #[test]
    fn sections_nest_and_keep_source_order() {
        let text = format!(
            "{HEAD}fact x: bool\n\
             rule top {{ when x then recommend a cite R }}\n\
             section outer first-match {{\n\
               rule one {{ when x then recommend a cite R }}\n\
               section inner {{ rule two {{ when x then recommend a cite R }} }}\n\
             }}\n"
        );
        let model = model(&text);
        assert_eq!(
            model.top_level,
            [Member::Rule(RuleId(0)), Member::Section(SectionId(0))]
        );
        assert_eq!(
            model.sections[0].members,
            [Member::Rule(RuleId(1)), Member::Section(SectionId(1))]
        );
        assert_eq!(model.sections[1].parent, Some(SectionId(0)));
        assert_eq!(model.rules[2].section, Some(SectionId(1)));
    }

    #[test]
    fn a_rule_needs_a_condition_an_outcome_and_evidence() {
        let text = format!("{HEAD}rule r {{ then recommend a cite R }}\n");
        assert_eq!(found(&text), [("E0308", "r")]);
        let text = format!("{HEAD}fact x: bool\nrule r {{ when x then recommend a }}\n");
        assert_eq!(
            found(&text),
            [("W0208", "reference R pmid 1 \"r\""), ("E0305", "r")]
        );
        let text = format!("{HEAD}fact x: bool\nrule r {{ when x then recommend b cite R }}\n");
        assert_eq!(found(&text), [("W0207", "action a"), ("E0201", "b")]);
    }

    #[test]
    fn a_contraindication_needs_evidence_and_a_citation_a_declared_reference() {
        let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact x: bool\n\
                    action a { contraindicated-if x cite Q }\n\
                    rule r { when x then recommend a cite R }\n";
        assert_eq!(found(text), [("E0204", "Q")]);
        let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact x: bool\n\
                    action a { contraindicated-if x }\n\
                    rule r { when x then recommend a cite R }\n";
        assert_eq!(found(text), [("E0305", "x")]);
    }

    #[test]
    fn an_expect_names_a_lint() {
        let text = format!(
            "{HEAD}fact x: bool\nrule r {{ when x then recommend a cite R \
             expect unreachable-rules \"kept\" }}\n"
        );
        assert_eq!(found(&text), [("E0309", "unreachable-rules")]);
        let text = format!(
            "{HEAD}fact x: bool\nrule r {{ when x then recommend a cite R \
             expect unreachable-rule \"kept\" }}\n"
        );
        assert_eq!(model(&text).rules[0].expects[0].1, "kept");
    }

    #[test]
    fn a_guideline_without_rules_is_a_warning_at_its_header() {
        let text = "guideline g \"G\" {}\n";
        assert_eq!(found(text), [("W0211", "guideline g \"G\" {}")]);
    }
}
