//! The declaring passes: the header, then references, enums and actions,
//! then facts and definitions. Each name is entered once (a second one is
//! E0202) and checked for look-alike letters; definition bodies wait for
//! the `definitions` pass, when every name is known.

use std::collections::HashMap;

use super::{ConditionName, Resolver};
use crate::sema::error::{Declared, Duplicate, Error, MissingHeader};
use crate::sema::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::ast;

impl Resolver {
    /// One `guideline` header: none is E0205 (E0106 for an empty file),
    /// and so is a second one.
    pub(super) fn declare_header(&mut self, file: &ast::File) {
        let mut headers: Vec<&ast::Guideline> = Vec::new();
        for item in &file.items {
            match item {
                ast::Item::Guideline(header) => headers.push(header),
                ast::Item::Reference(_)
                | ast::Item::Enum(_)
                | ast::Item::Fact(_)
                | ast::Item::Define(_)
                | ast::Item::Score(_)
                | ast::Item::Value(_)
                | ast::Item::Invariant(_)
                | ast::Item::Exclusive(_)
                | ast::Item::Action(_)
                | ast::Item::Rule(_)
                | ast::Item::Section(_) => {}
            }
        }
        match headers.as_slice() {
            [] => {
                let at = file.items.first().map_or(Span::default(), ast::Item::span);
                self.error(if file.items.is_empty() {
                    Error::EmptyFile
                } else {
                    Error::MissingHeader(MissingHeader::Missing {
                        at: Span::new(at.start_usize(), at.start_usize()),
                    })
                });
            }
            [first, rest @ ..] => {
                for extra in rest {
                    self.error(Error::MissingHeader(MissingHeader::Second {
                        at: extra.id.span,
                        first: first.id.span,
                    }));
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

    /// References, enums and actions, in source order, then the built-in
    /// `Action` enum whose values are the actions.
    pub(super) fn declare_types_and_actions(&mut self, file: &ast::File) {
        for item in &file.items {
            match item {
                ast::Item::Reference(reference) => self.declare_reference(reference),
                ast::Item::Enum(decl) => self.declare_enum(decl),
                ast::Item::Action(decl) => self.declare_action(decl),
                ast::Item::Guideline(_)
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
        self.declare_action_enum();
    }

    /// Facts, definitions and scores, which share one namespace; returns
    /// each definition and score declared, with its id, for the passes
    /// that resolve them.
    pub(super) fn declare_conditions<'f>(
        &mut self,
        file: &'f ast::File,
    ) -> ConditionDeclarations<'f> {
        let mut definitions = Vec::new();
        let mut scores = Vec::new();
        let mut values = Vec::new();
        for item in &file.items {
            match item {
                ast::Item::Fact(decl) => self.declare_fact(decl),
                ast::Item::Define(define) => definitions.extend(self.declare_definition(define)),
                ast::Item::Score(decl) => scores.extend(self.declare_score(decl)),
                ast::Item::Value(decl) => values.extend(self.declare_value(decl)),
                ast::Item::Guideline(_)
                | ast::Item::Reference(_)
                | ast::Item::Enum(_)
                | ast::Item::Invariant(_)
                | ast::Item::Exclusive(_)
                | ast::Item::Action(_)
                | ast::Item::Rule(_)
                | ast::Item::Section(_) => {}
            }
        }
        ConditionDeclarations {
            definitions,
            scores,
            values,
        }
    }

    fn declare_reference(&mut self, decl: &ast::Reference) {
        if let Some(&first) = self.reference_names.get(&decl.key.node) {
            let first_span = self.model.references.at(first).span;
            self.duplicate(Declared::Reference, &decl.key, first_span);
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
                self.error(Error::MalformedPmid { pmid: pmid.clone() });
                None
            }
        });
        if let Some(doi) = decl.doi.as_ref().filter(|doi| !is_doi(&doi.node)) {
            self.error(Error::MalformedDoi { doi: doi.clone() });
        }
        self.check_script(&decl.key);
        self.used_references.push(false);
        let id = self.model.references.push(Reference {
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
        self.reference_names.insert(decl.key.node.clone(), id);
    }

    fn declare_enum(&mut self, decl: &ast::EnumDecl) {
        if decl.name.node == "Action" {
            self.error(Error::DuplicateDefinition(Duplicate::ActionEnum {
                span: decl.name.span,
            }));
            return;
        }
        if let Some(&first) = self.enum_names.get(&decl.name.node) {
            let first_span = self.model.enums.at(first).span;
            self.duplicate(Declared::Enum, &decl.name, first_span);
            return;
        }
        self.check_script(&decl.name);
        let mut values: Vec<String> = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for value in &decl.values {
            self.check_script(value);
            if let Some(&first) = seen.get(value.node.as_str()) {
                self.duplicate(Declared::EnumValue, value, first);
            } else {
                seen.insert(&value.node, value.span);
                values.push(value.node.clone());
            }
        }
        let id = self.model.enums.push(EnumType {
            name: decl.name.node.clone(),
            values,
            span: decl.span,
        });
        self.enum_names.insert(decl.name.node.clone(), id);
    }

    fn declare_action(&mut self, decl: &ast::ActionDecl) {
        if let Some(&first) = self.action_names.get(&decl.name.node) {
            let first_span = self.model.actions.at(first).span;
            self.duplicate(Declared::Action, &decl.name, first_span);
            return;
        }
        self.check_script(&decl.name);
        self.used_actions.push(false);
        let id = self.model.actions.push(Action {
            name: decl.name.node.clone(),
            label: decl.label.as_ref().map(|l| l.node.clone()),
            contraindications: Vec::new(),
            cautions: Vec::new(),
            goal: decl.goal,
            span: decl.span,
        });
        self.action_names.insert(decl.name.node.clone(), id);
    }

    fn declare_action_enum(&mut self) {
        let values: Vec<String> = self.model.actions.iter().map(|a| a.name.clone()).collect();
        let id = self.model.enums.push(EnumType {
            name: "Action".to_owned(),
            values,
            span: Span::default(),
        });
        self.model.action_enum = id;
        self.enum_names.insert("Action".to_owned(), id);
    }

    fn declare_fact(&mut self, decl: &ast::FactDecl) {
        self.push_fact(&decl.name, &decl.ty, decl.description.as_ref(), decl.span);
    }

    /// A fact (given, or a value's, computed), in the namespace of facts,
    /// definitions and scores; `None` after an error (reported).
    fn push_fact(
        &mut self,
        name: &Spanned<String>,
        ty: &Spanned<ast::TypeExpr>,
        description: Option<&ast::StrLit>,
        span: Span,
    ) -> Option<FactId> {
        if let Some(&(_, first)) = self.condition_names.get(&name.node) {
            self.duplicate(Declared::Name, name, first);
            return None;
        }
        self.check_script(name);
        let Some(ty) = self.fact_type(ty) else {
            // Its type was reported; its uses are not unknown names.
            self.untyped_facts.insert(name.node.clone());
            return None;
        };
        self.used_facts.push(false);
        let id = self.model.facts.push(Fact {
            name: name.node.clone(),
            ty,
            description: description.map(|d| d.node.clone()),
            span,
            derived: None,
        });
        self.condition_names
            .insert(name.node.clone(), (ConditionName::Fact(id), name.span));
        Some(id)
    }

    fn declare_definition<'f>(
        &mut self,
        define: &'f ast::Define,
    ) -> Option<(&'f ast::Define, DefinitionId)> {
        if let Some(&(_, first)) = self.condition_names.get(&define.name.node) {
            self.duplicate(Declared::Name, &define.name, first);
            return None;
        }
        self.check_script(&define.name);
        self.used_definitions.push(false);
        self.definition_edges.push(Vec::new());
        let id = self.model.definitions.push(Definition {
            name: define.name.node.clone(),
            condition: Condition {
                kind: ConditionKind::Const(false),
                span: define.body.span,
            },
            description: define.description.as_ref().map(|d| d.node.clone()),
            span: define.span,
        });
        self.condition_names.insert(
            define.name.node.clone(),
            (ConditionName::Definition(id), define.name.span),
        );
        Some((define, id))
    }
}

impl Resolver {
    /// A value is a fact the guideline computes: declared as a fact (its
    /// arithmetic comes in the values pass), in the same namespace.
    fn declare_value<'f>(
        &mut self,
        decl: &'f ast::ValueDecl,
    ) -> Option<(&'f ast::ValueDecl, FactId)> {
        let id = self.push_fact(&decl.name, &decl.ty, decl.description.as_ref(), decl.span)?;
        self.pending_values.insert(id);
        Some((decl, id))
    }

    fn declare_score<'f>(
        &mut self,
        decl: &'f ast::ScoreDecl,
    ) -> Option<(&'f ast::ScoreDecl, ScoreId)> {
        if let Some(&(_, first)) = self.condition_names.get(&decl.name.node) {
            self.duplicate(Declared::Name, &decl.name, first);
            return None;
        }
        self.check_script(&decl.name);
        self.used_scores.push(false);
        self.score_edges.push(Vec::new());
        let id = self.model.scores.push(Score {
            name: decl.name.node.clone(),
            title: decl.title.as_ref().map(|t| t.node.clone()),
            items: Vec::new(),
            span: decl.span,
        });
        self.condition_names.insert(
            decl.name.node.clone(),
            (ConditionName::Score(id), decl.name.span),
        );
        Some((decl, id))
    }
}

/// The definitions and scores declared, each with its id, for the passes
/// that resolve their bodies.
pub(super) struct ConditionDeclarations<'f> {
    pub(super) definitions: Vec<(&'f ast::Define, DefinitionId)>,
    pub(super) scores: Vec<(&'f ast::ScoreDecl, ScoreId)>,
    pub(super) values: Vec<(&'f ast::ValueDecl, FactId)>,
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, errors, found, model, the_error};
    use crate::sema::error::{Declared, Duplicate, Error, MissingHeader};
    use crate::span::{Span, Spanned};

    #[test]
    fn a_file_without_a_header_is_pointed_at_its_first_item() {
        let text = "fact x: bool\n";
        assert_eq!(found(text), [("E0205", ""), ("W0206", "fact x: bool")]);
        assert_eq!(found(""), [("E0106", "")]);
    }

    #[test]
    fn a_second_header_is_an_error_at_its_name() {
        let text = "guideline g \"G\" {}\nguideline h \"H\" {}\n";
        assert_eq!(
            found(text),
            [("W0211", "guideline g \"G\" {}"), ("E0205", "h")]
        );
    }

    #[test]
    fn facts_and_definitions_share_one_namespace() {
        let text = format!("{HEAD}fact x: bool\ndefine x = true\n");
        assert!(found(&text).contains(&("E0202", "x")));
        let text = format!("{HEAD}enum Action {{ go }}\n");
        assert!(found(&text).contains(&("E0202", "Action")));
    }

    #[test]
    fn a_malformed_pmid_or_doi_is_pointed_at() {
        let text = "guideline g \"G\" {}\nreference R pmid 0123 doi \"11.1/x\" \"r\"\n";
        let codes = found(text);
        assert!(codes.contains(&("E0306", "0123")), "{codes:?}");
        assert!(codes.contains(&("E0307", "\"11.1/x\"")), "{codes:?}");
    }

    #[test]
    fn a_reference_links_to_pubmed_before_its_doi() {
        let text = "guideline g \"G\" {}\nreference R pmid 14501840 doi \"10.1002/art.1\" \"r\"\n";
        let references = model(text).references;
        assert_eq!(references.as_slice()[0].pmid, Some(14501840));
        assert_eq!(
            references.as_slice()[0].link.as_deref(),
            Some("https://pubmed.ncbi.nlm.nih.gov/14501840/")
        );
    }

    #[test]
    fn the_action_enum_lists_the_declared_actions() {
        let text = format!("{HEAD}action b\n");
        let model = model(&text);
        let actions = &model.enums.at(model.action_enum);
        assert_eq!(
            (actions.name.as_str(), &actions.values[..]),
            ("Action", &["a".to_owned(), "b".to_owned()][..])
        );
    }

    #[test]
    fn the_header_errors_are_told_apart() {
        assert_eq!(errors(""), [Error::EmptyFile]);
        assert_eq!(
            the_error("fact x: bool\n"),
            Error::MissingHeader(MissingHeader::Missing {
                at: Span::new(0, 0)
            })
        );
        let Error::MissingHeader(MissingHeader::Second { at, first }) =
            the_error("guideline g \"G\" {}\nguideline h \"H\" {}\n")
        else {
            panic!("not a second header");
        };
        assert!(first.start < at.start);
    }

    #[test]
    fn a_duplicate_says_what_kind_of_name_it_is() {
        let cases = [
            ("fact x: bool\ndefine x = true", Declared::Name, "x"),
            ("enum E { p, p }", Declared::EnumValue, "p"),
            ("enum E { p }\nenum E { q }", Declared::Enum, "E"),
            ("action a", Declared::Action, "a"),
            ("reference R pmid 2 \"s\"", Declared::Reference, "R"),
        ];
        for (declarations, kind, name) in cases {
            let error = the_error(&format!("{HEAD}{declarations}\n"));
            let Error::DuplicateDefinition(Duplicate::Name {
                kind: found,
                name: found_name,
                ..
            }) = error
            else {
                panic!("{declarations}: {error:?}");
            };
            assert_eq!((found, found_name.node.as_str()), (kind, name));
        }
        assert!(matches!(
            the_error(&format!("{HEAD}enum Action {{ go }}\n")),
            Error::DuplicateDefinition(Duplicate::ActionEnum { .. })
        ));
    }

    #[test]
    fn a_malformed_pmid_or_doi_carries_what_was_written() {
        let text = "guideline g \"G\" {}\nreference R pmid 0123 doi \"11.1/x\" \"r\"\n";
        let errors = errors(text);
        let written = |text: &str| Spanned::new(text.to_owned(), Span::default());
        assert!(errors.contains(&Error::MalformedPmid {
            pmid: written("0123")
        }));
        assert!(errors.contains(&Error::MalformedDoi {
            doi: written("11.1/x")
        }));
    }

    #[test]
    fn a_name_with_a_look_alike_letter_is_reported_once_where_declared() {
        // A Cyrillic `о` in a Latin name, declared and then used.
        let text = format!(
            "{HEAD}fact d\u{43e}se: bool\nrule r {{ when d\u{43e}se then recommend a cite R }}\n"
        );
        let found: Vec<_> = errors(&text)
            .into_iter()
            .filter_map(|error| match error {
                Error::ConfusableName { name, found } => Some((name.node, found)),
                _ => None,
            })
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1.odd, '\u{43e}');
        assert_eq!(found[0].1.lookalike.as_deref(), Some("dose"));
    }
}
