//! The rules passes: action clauses (contraindications and cautions),
//! then invariants, exclusives, rules and sections in source order, with
//! their actions, citations and `expect`ed lints looked up and their GRADE
//! words read (a strong recommendation on low certainty evidence is
//! warned about); and the warning for a guideline that has no rules.

use super::Resolver;
use super::types::sorted;
use crate::diagnostics::Code;
use crate::never::OrNever;
use crate::sema::error::{Declared, Error, GradeClause, MissingCitation, RuleLacks, UnknownName};
use crate::sema::model::*;
use crate::span::Spanned;
use crate::syntax::ast;

impl Resolver {
    /// The clauses of each action, in declaration order. The n-th `action`
    /// item goes with the n-th declared action while there are some: a
    /// duplicate declaration is skipped by [`Resolver::action_clauses`].
    pub(super) fn resolve_action_clauses(&mut self, file: &ast::File) {
        let mut ids = self.model.actions.ids();
        for item in &file.items {
            match item {
                ast::Item::Action(decl) => {
                    if let Some(id) = ids.next() {
                        self.action_clauses(id, decl);
                    }
                }
                ast::Item::Guideline(_)
                | ast::Item::Reference(_)
                | ast::Item::Enum(_)
                | ast::Item::Fact(_)
                | ast::Item::Define(_)
                | ast::Item::Score(_)
                | ast::Item::Value(_)
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
                | ast::Item::Score(_)
                | ast::Item::Value(_)
                | ast::Item::Action(_) => {}
            }
        }
    }

    /// A guideline without rules checks clean otherwise, yet gives every
    /// patient "nothing applies": say so instead of passing silently.
    pub(super) fn report_no_rules(&mut self) {
        if self.model.rules.is_empty() && !self.model.header.id.is_empty() {
            self.error(Error::NoRules {
                guideline: self.model.header.id.clone(),
                header: self.model.header.span,
            });
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
            .filter_map(|name| self.action(name))
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
                self.error(Error::MissingCitation(MissingCitation::Contraindication {
                    action: decl.name.node.clone(),
                    condition: clause.condition.span,
                }));
            }
            let resolved = ActionClause {
                condition,
                because: clause.because.as_ref().map(|b| b.node.clone()),
                citations,
                span: clause.span,
            };
            let Some(action) = self.model.actions.get_mut(id).never_none() else {
                return;
            };
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
                    self.used_references.set(id, true);
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                None => {
                    let candidates = sorted(self.reference_names.keys().map(String::as_str));
                    self.error(Error::UnknownReference {
                        key: key.clone(),
                        candidates,
                    });
                }
            }
        }
        out
    }

    /// An action a rule recommends: [`Self::action`], and marked used, so
    /// it is not reported as unused (naming it in `exclusive` is not a use).
    fn recommended_action(&mut self, name: &Spanned<String>) -> Option<ActionId> {
        let id = self.action(name)?;
        self.used_actions.set(id, true);
        Some(id)
    }

    /// The action `name` names; an unknown name is reported.
    fn action(&mut self, name: &Spanned<String>) -> Option<ActionId> {
        match self.action_names.get(&name.node).copied() {
            Some(id) => Some(id),
            None => {
                let candidates = sorted(self.action_names.keys().map(String::as_str));
                self.error(Error::UnknownName(UnknownName::Action {
                    name: name.clone(),
                    candidates,
                }));
                None
            }
        }
    }

    fn claim_rule_name(&mut self, kind: Declared, name: &Spanned<String>) {
        if let Some(&first) = self.rule_names.get(&name.node) {
            self.duplicate(kind, name, first);
        } else {
            self.check_script(name);
            self.rule_names.insert(name.node.clone(), name.span);
        }
    }

    fn rule(&mut self, rule: &ast::Rule, section: Option<SectionId>) -> RuleId {
        self.claim_rule_name(Declared::Rule, &rule.name);
        let condition = match &rule.when {
            Some(when) => self.condition(when, &mut Vec::new()),
            None => Condition {
                kind: ConditionKind::Const(false),
                span: rule.name.span,
            },
        };
        let lacks = if rule.when.is_none() {
            Some(RuleLacks::Condition)
        } else if rule.thens.is_empty() && rule.escalate.is_none() {
            Some(RuleLacks::Outcome)
        } else {
            None
        };
        if let Some(missing) = lacks {
            self.error(Error::EmptyRule {
                rule: rule.name.clone(),
                missing,
            });
        }
        let mut choices = Vec::new();
        for then in &rule.thens {
            let actions = then
                .actions
                .iter()
                .filter_map(|name| self.recommended_action(name))
                .collect();
            choices.push(Choice {
                outcome: then.outcome,
                kind: then.kind,
                actions,
                span: then.span,
            });
        }
        let citations = self.citations(&rule.cite);
        if let Some(first) = rule.thens.first().filter(|_| rule.cite.is_empty()) {
            self.error(Error::MissingCitation(MissingCitation::Rule {
                rule: rule.name.clone(),
                outcome: first.span,
                avoids_only: rule.thens.iter().all(|t| t.outcome == ast::Outcome::Avoid),
            }));
        }
        let mut expects = Vec::new();
        for expect in &rule.expects {
            match Code::from_name(&expect.lint.node) {
                Some(code) => expects.push((code, expect.reason.node.clone())),
                None => self.error(Error::UnknownLint {
                    lint: expect.lint.clone(),
                }),
            }
        }
        let (strength, certainty) = self.grading(rule, &expects);
        self.model.rules.push(Rule {
            name: rule.name.node.clone(),
            title: rule.title.as_ref().map(|t| t.node.clone()),
            condition,
            choices,
            escalation: rule.escalate.as_ref().map(|e| e.node.clone()),
            strength,
            certainty,
            citations,
            section,
            expects,
            span: rule.span,
            name_span: rule.name.span,
        })
    }

    /// A rule's GRADE strength and certainty, each only if stated and
    /// spelt as GRADE spells it; a strong recommendation on low certainty
    /// is reported unless the rule `expect`s it.
    fn grading(
        &mut self,
        rule: &ast::Rule,
        expects: &[(Code, String)],
    ) -> (Option<Strength>, Option<Certainty>) {
        let Some(grading) = &rule.grading else {
            return (None, None);
        };
        let strength = self.grade_word(
            &grading.strength,
            GradeClause::Strength,
            Strength::from_word,
        );
        let certainty = self.grade_word(
            &grading.certainty,
            GradeClause::Certainty,
            Certainty::from_word,
        );
        let expected = expects
            .iter()
            .any(|(code, _)| *code == Code::DiscordantRecommendation);
        if let (Some(strong), Some(low)) = (&strength, &certainty)
            && strong.node == Strength::Strong
            && low.node.is_low()
            && !expected
        {
            self.error(Error::DiscordantRecommendation {
                rule: rule.name.clone(),
                strength: strong.span,
                certainty: low.clone(),
            });
        }
        (strength.map(|s| s.node), certainty.map(|c| c.node))
    }

    /// The value of a `strength` or `certainty` word, if one is written;
    /// a word `from_word` does not know is reported.
    fn grade_word<T>(
        &mut self,
        word: &Option<Spanned<String>>,
        clause: GradeClause,
        from_word: fn(&str) -> Option<T>,
    ) -> Option<Spanned<T>> {
        let word = word.as_ref()?;
        let value = from_word(&word.node);
        if value.is_none() {
            self.error(Error::UnknownGrade {
                clause,
                word: word.clone(),
            });
        }
        value.map(|value| Spanned::new(value, word.span))
    }

    fn section(&mut self, section: &ast::Section, parent: Option<SectionId>) -> SectionId {
        self.claim_rule_name(Declared::Section, &section.name);
        let id = self.model.sections.push(Section {
            name: section.name.node.clone(),
            title: section.title.as_ref().map(|t| t.node.clone()),
            first_match: section.first_match,
            complete: section.complete,
            disjoint: section.disjoint,
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
        if let Some(section) = self.model.sections.get_mut(id).never_none() {
            section.members = members;
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, errors, found, model, the_error};
    use crate::sema::error::{
        Declared, Duplicate, Error, GradeClause, MissingCitation, RuleLacks, UnknownName,
    };
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
            model.sections.as_slice()[0].members,
            [Member::Rule(RuleId(1)), Member::Section(SectionId(1))]
        );
        assert_eq!(model.sections.as_slice()[1].parent, Some(SectionId(0)));
        assert_eq!(model.rules.as_slice()[2].section, Some(SectionId(1)));
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
        assert_eq!(model(&text).rules.as_slice()[0].expects[0].1, "kept");
    }

    #[test]
    fn a_guideline_without_rules_is_a_warning_at_its_header() {
        let text = "guideline g \"G\" {}\n";
        assert_eq!(found(text), [("W0211", "guideline g \"G\" {}")]);
    }

    #[test]
    fn an_empty_rule_says_what_it_lacks() {
        let lacks = |body: &str| match the_error(&format!("{HEAD}rule r {{ {body} }}\n")) {
            Error::EmptyRule { missing, .. } => missing,
            other => panic!("{other:?}"),
        };
        assert_eq!(lacks("then recommend a cite R"), RuleLacks::Condition);
        assert_eq!(lacks("when true"), RuleLacks::Outcome);
    }

    #[test]
    fn a_missing_citation_knows_whether_the_rule_only_avoids() {
        let avoids_only = |then: &str| {
            let text = format!("{HEAD}rule r {{ when true {then} }}\n");
            match the_error(&text) {
                Error::MissingCitation(MissingCitation::Rule { avoids_only, .. }) => avoids_only,
                other => panic!("{other:?}"),
            }
        };
        assert!(avoids_only("then avoid a"));
        assert!(!avoids_only("then recommend a then avoid a"));
        let text = "guideline g \"G\" {}\naction b { contraindicated-if true }\n";
        assert!(matches!(
            the_error(text),
            Error::MissingCitation(MissingCitation::Contraindication { action, .. }) if action == "b"
        ));
    }

    #[test]
    fn unknown_actions_references_and_lints_carry_what_was_written() {
        let text = format!(
            "{HEAD}reference Q pmid 2 \"q\"\n\
             rule r {{ when true then recommend b cite RR \
             expect zzzz \"k\" }}\n"
        );
        let errors: Vec<Error> = errors(&text)
            .into_iter()
            .filter(|e| !e.code().id().starts_with('W'))
            .collect();
        let [
            Error::UnknownName(UnknownName::Action { name, candidates }),
            Error::UnknownReference {
                key,
                candidates: keys,
            },
            Error::UnknownLint { lint },
        ] = &errors[..]
        else {
            panic!("{errors:#?}");
        };
        assert_eq!(
            (name.node.as_str(), &candidates[..]),
            ("b", &["a".to_owned()][..])
        );
        assert_eq!(
            (key.node.as_str(), &keys[..]),
            ("RR", &["Q".to_owned(), "R".to_owned()][..])
        );
        assert_eq!(lint.node, "zzzz");
    }

    #[test]
    fn rules_and_sections_share_one_namespace() {
        let text =
            format!("{HEAD}section r {{ rule r {{ when true then recommend a cite R }} }}\n");
        assert!(matches!(
            the_error(&text),
            Error::DuplicateDefinition(Duplicate::Name {
                kind: Declared::Rule,
                ..
            })
        ));
    }

    #[test]
    fn no_rules_names_the_guideline() {
        assert!(matches!(
            &errors("guideline g \"G\" {}\n")[..],
            [Error::NoRules { guideline, .. }] if guideline == "g"
        ));
    }

    #[test]
    fn grading_is_read_when_stated_and_never_invented() {
        let rule = |grading: &str| {
            let text = format!("{HEAD}rule r {{ when true then recommend a {grading} cite R }}\n");
            let rule = model(&text).rules.as_slice()[0].clone();
            (rule.strength, rule.certainty)
        };
        assert_eq!(rule(""), (None, None));
        assert_eq!(
            rule("strength conditional certainty very low"),
            (Some(Strength::Conditional), Some(Certainty::VeryLow))
        );
        assert_eq!(rule("certainty high"), (None, Some(Certainty::High)));
    }

    #[test]
    fn an_unknown_grade_word_says_which_clause() {
        let text = format!("{HEAD}rule r {{ when true then recommend a strength offer cite R }}\n");
        assert!(matches!(
            the_error(&text),
            Error::UnknownGrade { clause: GradeClause::Strength, word } if word.node == "offer"
        ));
        let text = format!("{HEAD}rule r {{ when true then recommend a certainty lo cite R }}\n");
        assert_eq!(found(&text), [("E0311", "lo")]);
    }

    #[test]
    fn a_strong_recommendation_on_low_certainty_is_discordant_unless_expected() {
        let text = |expect: &str| {
            format!(
                "{HEAD}rule r {{ when true then recommend a strength strong certainty very low \
                 cite R {expect} }}\n"
            )
        };
        assert_eq!(found(&text("")), [("W0312", "strong")]);
        assert!(
            errors(&text(
                "expect discordant-recommendation \"life-threatening\""
            ))
            .is_empty()
        );
        let moderate = format!(
            "{HEAD}rule r {{ when true then recommend a strength strong certainty moderate cite R }}\n"
        );
        assert!(errors(&moderate).is_empty());
    }
}
