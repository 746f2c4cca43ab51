//! Hover: what the name under the cursor is, in Markdown. A fact: its
//! type, unit, description and the rules that read it; an action: its
//! label, contraindications and cautions, and the rules that recommend or
//! avoid it; a reference: the full citation with PubMed and DOI links; a
//! rule: its evidence and, when case files name this guideline, the cases
//! that make it fire.
//!
//! Read from the tree, so hover works on a file whose names do not all
//! resolve; only the cases need the model.

use std::fmt::Write as _;

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::document::Document;
use super::symbols::{Kind, Occurrence, Role, Symbols, Target};
use super::uri;
use super::workspace::Workspace;
use crate::syntax::ast::{self, ClauseKind, File, Item, SectionItem};

/// The hover for a position.
pub fn hover(workspace: &mut Workspace, params: HoverParams) -> Option<Hover> {
    let at = params.text_document_position_params;
    let key = at.text_document.uri.as_str().to_owned();
    let document = workspace.documents.get_mut(&key)?;
    let offset = document.lines.offset(&document.text, at.position);
    document.front();
    let document = workspace.documents.get(&key)?;
    let front = document.front_if_ready()?;
    let occurrence = front.symbols.at(offset)?;
    let tree = front.tree.as_ref()?;
    let mut text = describe(document, tree, &front.symbols, &occurrence.target)?;
    if occurrence.target.kind == Kind::Rule
        && let Some(model) = &front.model
        && let Some(path) = uri::to_path(&document.uri)
    {
        let cases = workspace.rule_cases(&path, model);
        let rule = model
            .rules
            .iter_enumerated()
            .find(|(_, rule)| rule.name == occurrence.target.name)
            .map(|(id, _)| id);
        if !cases.files.is_empty()
            && let Some(rule) = rule
        {
            let names = cases.by_rule.get(&rule).cloned().unwrap_or_default();
            let _ = write!(text, "\n\n**Covered by {}**", count(names.len(), "case"));
            if !names.is_empty() {
                let _ = write!(text, ": {}", code_list(&names));
            }
        }
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(document.lines.range(&document.text, occurrence.span)),
    })
}

/// The Markdown description of a target, from its declaration.
pub fn describe(
    document: &Document,
    tree: &File,
    symbols: &Symbols,
    target: &Target,
) -> Option<String> {
    let name = target.name.as_str();
    let mut text = match target.kind {
        Kind::Fact => {
            let fact = find_item(tree, |item| match item {
                Item::Fact(f) if f.name.node == name => Some(f),
                _ => None,
            })?;
            let mut text = format!("**fact** `{name}`: `{}`", document.slice(fact.ty.span));
            if let ast::TypeExpr::Quantity(unit) | ast::TypeExpr::Duration(unit) = &fact.ty.node {
                let _ = write!(text, "\n\nUnit: `{}`", unit.node);
            }
            push_description(&mut text, fact.description.as_ref());
            text
        }
        Kind::Value => {
            let value = find_item(tree, |item| match item {
                Item::Value(v) if v.name.node == name => Some(v),
                _ => None,
            })?;
            let mut text = format!(
                "**value** `{name}`: `{}` = `{}`",
                document.slice(value.ty.span),
                crate::fmt::arithmetic(&value.body)
            );
            push_description(&mut text, value.description.as_ref());
            text
        }
        Kind::Definition => {
            let define = find_item(tree, |item| match item {
                Item::Define(d) if d.name.node == name => Some(d),
                _ => None,
            })?;
            let mut text = format!(
                "**define** `{name}`\n\n```gdl\n{}\n```",
                document.slice(define.body.span)
            );
            push_description(&mut text, define.description.as_ref());
            text
        }
        Kind::Score => {
            let score = find_item(tree, |item| match item {
                Item::Score(s) if s.name.node == name => Some(s),
                _ => None,
            })?;
            let mut text = format!("**score** `{name}`");
            push_description(&mut text, score.title.as_ref());
            let _ = write!(text, "\n\n{}", count(score.items.len(), "item"));
            text
        }
        Kind::Action => action(document, tree, name)?,
        Kind::Reference => {
            let reference = find_item(tree, |item| match item {
                Item::Reference(r) if r.key.node == name => Some(r),
                _ => None,
            })?;
            let mut text = format!("**reference** `{name}`\n\n{}", reference.citation.node);
            for link in links(reference) {
                let _ = write!(text, "\n\n{link}");
            }
            text
        }
        Kind::Rule => {
            let rule = find_rule(tree, name)?;
            rule_text(document, tree, rule)
        }
        Kind::Section => {
            let section = find_section(tree, name)?;
            let mut text = format!("**section** `{name}`");
            push_description(&mut text, section.title.as_ref());
            let modifiers: Vec<&str> = [
                (section.first_match, "first-match"),
                (section.complete, "complete"),
                (section.disjoint, "disjoint"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, word)| *word)
            .collect();
            if !modifiers.is_empty() {
                let _ = write!(text, "\n\n{}", modifiers.join(", "));
            }
            let _ = write!(text, "\n\n{}", count(section.items.len(), "member"));
            text
        }
        Kind::Enum => {
            let values = symbols.enum_values(name);
            format!("**enum** `{name}`\n\nValues: {}", code_list(&values))
        }
        Kind::EnumValue => format!("**{}** value of enum `{}`", name, target.owner),
        Kind::Guideline => {
            let header = find_item(tree, |item| match item {
                Item::Guideline(g) => Some(g),
                _ => None,
            })?;
            let mut text = format!("**guideline** `{name}`: {}", header.title.node);
            for (key, value) in &header.meta {
                let _ = write!(text, "\n\n{}: {}", key.node, value.node);
            }
            text
        }
    };
    push_uses(&mut text, symbols, target);
    Some(text)
}

fn action(document: &Document, tree: &File, name: &str) -> Option<String> {
    let action = find_item(tree, |item| match item {
        Item::Action(a) if a.name.node == name => Some(a),
        _ => None,
    })?;
    let mut text = format!("**action** `{name}`");
    push_description(&mut text, action.label.as_ref());
    for (kind, heading) in [
        (ClauseKind::Contraindication, "Contraindicated if"),
        (ClauseKind::Caution, "Caution if"),
    ] {
        let clauses: Vec<&ast::ActionClause> =
            action.clauses.iter().filter(|c| c.kind == kind).collect();
        if clauses.is_empty() {
            continue;
        }
        let _ = write!(text, "\n\n**{heading}:**");
        for clause in clauses {
            let _ = write!(text, "\n- `{}`", document.slice(clause.condition.span));
            if let Some(because) = &clause.because {
                let _ = write!(text, ": {}", because.node);
            }
            if !clause.cite.is_empty() {
                let keys: Vec<&str> = clause.cite.iter().map(|k| k.node.as_str()).collect();
                let _ = write!(text, " (cite {})", keys.join(", "));
            }
        }
    }
    Some(text)
}

fn rule_text(document: &Document, tree: &File, rule: &ast::Rule) -> String {
    let mut text = format!("**rule** `{}`", rule.name.node);
    push_description(&mut text, rule.title.as_ref());
    if let Some(grading) = &rule.grading {
        let words: Vec<String> = [
            ("strength", &grading.strength),
            ("certainty", &grading.certainty),
        ]
        .iter()
        .filter_map(|(word, value)| value.as_ref().map(|v| format!("{word} {}", v.node)))
        .collect();
        let _ = write!(text, "\n\n{}", words.join(", "));
    }
    if let Some(when) = &rule.when {
        let _ = write!(text, "\n\n```gdl\nwhen {}\n```", document.slice(when.span));
    }
    if !rule.cite.is_empty() {
        let _ = write!(text, "\n\n**Evidence:**");
        for key in &rule.cite {
            let reference = find_item(tree, |item| match item {
                Item::Reference(r) if r.key.node == key.node => Some(r),
                _ => None,
            });
            match reference {
                Some(reference) => {
                    let _ = write!(text, "\n- `{}`: {}", key.node, reference.citation.node);
                    let links = links(reference);
                    if !links.is_empty() {
                        let _ = write!(text, " {}", links.join(" "));
                    }
                }
                None => {
                    let _ = write!(text, "\n- `{}` (not declared)", key.node);
                }
            }
        }
    }
    text
}

/// PubMed, DOI and web links of a reference, as Markdown links.
fn links(reference: &ast::Reference) -> Vec<String> {
    let mut links = Vec::new();
    if let Some(pmid) = &reference.pmid {
        links.push(format!(
            "[PubMed {0}](https://pubmed.ncbi.nlm.nih.gov/{0}/)",
            pmid.node
        ));
    }
    if let Some(doi) = &reference.doi {
        links.push(format!("[doi:{0}](https://doi.org/{0})", doi.node));
    }
    for url in &reference.urls {
        links.push(format!("<{}>", url.node));
    }
    links
}

/// "Read by rules …", "Recommended by rules …": where the target is used.
fn push_uses(text: &mut String, symbols: &Symbols, target: &Target) {
    let uses: Vec<&Occurrence> = symbols
        .uses(target)
        .filter(|o| o.role != Role::Declaration)
        .collect();
    let rules_with = |role: Role| -> Vec<&str> {
        let mut names: Vec<&str> = uses
            .iter()
            .filter(|o| o.role == role)
            .filter_map(|o| o.rule.as_deref())
            .collect();
        names.dedup();
        names
    };
    let actions_with = |role: Role| -> Vec<&str> {
        let mut names: Vec<&str> = uses
            .iter()
            .filter(|o| o.role == role)
            .filter_map(|o| o.action.as_deref())
            .collect();
        names.dedup();
        names
    };
    let mut definitions: Vec<&str> = uses
        .iter()
        .filter_map(|o| o.definition.as_deref())
        .collect();
    definitions.dedup();
    let through = rules_through_definitions(symbols, target);
    let lines = [
        ("Read by rules", rules_with(Role::Read)),
        ("Read through definitions by rules", through),
        ("Read by definitions", definitions),
        (
            "Read by the contraindications and cautions of",
            actions_with(Role::Read),
        ),
        ("Recommended by rules", rules_with(Role::Recommend)),
        ("Avoided by rules", rules_with(Role::Avoid)),
        ("Cited by rules", rules_with(Role::Cite)),
        (
            "Cited by the contraindications and cautions of",
            actions_with(Role::Cite),
        ),
    ];
    for (heading, names) in lines {
        if !names.is_empty() {
            let _ = write!(text, "\n\n**{heading}:** {}", code_list(&names));
        }
    }
}

/// The rules that read a target only through definitions (a fact in a
/// definition that a rule uses, or in one that another definition uses),
/// in source order.
fn rules_through_definitions<'s>(symbols: &'s Symbols, target: &Target) -> Vec<&'s str> {
    let mut reached: Vec<Target> = vec![target.clone()];
    let mut next = 0;
    while let Some(current) = reached.get(next).cloned() {
        next += 1;
        for occurrence in symbols.uses(&current) {
            if occurrence.role == Role::Read
                && let Some(definition) = &occurrence.definition
            {
                let via = Target {
                    kind: Kind::Definition,
                    name: definition.clone(),
                    owner: String::new(),
                };
                if !reached.contains(&via) {
                    reached.push(via);
                }
            }
        }
    }
    let direct: Vec<&str> = symbols
        .uses(target)
        .filter(|o| o.role == Role::Read)
        .filter_map(|o| o.rule.as_deref())
        .collect();
    let mut rules: Vec<&str> = symbols
        .occurrences
        .iter()
        .filter(|o| o.role == Role::Read && reached.get(1..).is_some_and(|r| r.contains(&o.target)))
        .filter_map(|o| o.rule.as_deref())
        .filter(|rule| !direct.contains(rule))
        .collect();
    rules.dedup();
    rules
}

fn push_description(text: &mut String, description: Option<&ast::StrLit>) {
    if let Some(description) = description {
        let _ = write!(text, "\n\n{}", description.node);
    }
}

fn code_list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    quoted.join(", ")
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The first top-level item `pick` accepts.
pub fn find_item<'f, T>(tree: &'f File, pick: impl Fn(&'f Item) -> Option<&'f T>) -> Option<&'f T> {
    tree.items.iter().find_map(pick)
}

/// A rule by name, in sections too.
pub fn find_rule<'f>(tree: &'f File, name: &str) -> Option<&'f ast::Rule> {
    all_rules(tree)
        .into_iter()
        .find(|rule| rule.name.node == name)
}

/// Every rule, in sections too, in source order.
pub fn all_rules(tree: &File) -> Vec<&ast::Rule> {
    let mut rules = Vec::new();
    let mut stack: Vec<&SectionItem> = Vec::new();
    for item in &tree.items {
        match item {
            Item::Rule(rule) => rules.push(rule),
            Item::Section(section) => {
                stack.extend(section.items.iter().rev());
                while let Some(member) = stack.pop() {
                    match member {
                        SectionItem::Rule(rule) => rules.push(rule),
                        SectionItem::Section(inner) => stack.extend(inner.items.iter().rev()),
                    }
                }
            }
            _ => {}
        }
    }
    rules
}

fn find_section<'f>(tree: &'f File, name: &str) -> Option<&'f ast::Section> {
    let mut stack: Vec<&ast::Section> = tree
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Section(section) => Some(section),
            _ => None,
        })
        .collect();
    while let Some(section) = stack.pop() {
        if section.name.node == name {
            return Some(section);
        }
        stack.extend(section.items.iter().filter_map(|member| match member {
            SectionItem::Section(inner) => Some(inner),
            SectionItem::Rule(_) => None,
        }));
    }
    None
}
