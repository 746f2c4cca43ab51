//! `gdl graph`: a guideline as a clinical-algorithm flowchart.
//!
//! Input: a checked [`Model`] and, optionally, one patient's [`Patient`]
//! and [`Evaluation`]. Output: a [`Graph`], plain data that each writer
//! ([`dot`], [`mermaid`], [`svg`]) turns into text. Sections are lanes
//! (nested sections nest), each rule a decision whose question is its
//! condition in words, its `then` clauses edges to action boxes (ordered
//! alternatives one under the other, the next reached "if withheld"), its
//! `else-escalate` an exit; contraindications and cautions are lines on the
//! action boxes; citation numbers (references in declaration order) are on
//! the edges. With a patient, every node and edge is marked: taken, not
//! taken, withheld or undecided, always in words and line style as well as
//! colour.
//!
//! Invariants: the graph holds everything in model order, so every writer's
//! output is the same byte for byte for the same input; every rule and
//! every action a rule names has a node; labels put clinical words first
//! and the machine name second.

pub mod dot;
pub mod mermaid;
pub mod svg;
pub mod words;

use crate::eval::{EscalationCause, Evaluation, Patient, RuleStatus, Tri, Withheld, Withholding};
use crate::sema::{
    Action, ActionId, ConditionKind, Member, Model, Outcome, Rule, RuleId, Section, SectionId,
};

/// Characters per line of a wrapped label.
pub const WIDTH: usize = 42;

/// A guideline as a flowchart.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    /// The guideline's title.
    pub title: String,
    /// Its machine name.
    pub name: String,
    /// The patient whose path is marked, if any ("@id" of the facts).
    pub patient: Option<String>,
    /// Top-level sections, in source order; rules outside every section
    /// form a lane of their own, first.
    pub lanes: Vec<Lane>,
    /// Every edge, in the order the nodes were made.
    pub edges: Vec<Edge>,
    /// The references: number (from 1), key and citation.
    pub references: Vec<(usize, String, String)>,
}

/// A section: a swim-lane, or a lane inside one.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// A unique identifier (letters, digits and `_`).
    pub id: String,
    /// The section's title in words.
    pub title: String,
    /// The section's machine name.
    pub name: String,
    /// Only the first member that applies fires ("no" edges chain them).
    pub first_match: bool,
    /// Nodes and nested lanes, top to bottom.
    pub items: Vec<Item>,
}

/// What a lane holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A node.
    Node(Node),
    /// A nested section.
    Lane(Lane),
}

/// A box of the flowchart.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// A unique identifier (letters, digits and `_`).
    pub id: String,
    /// What it stands for.
    pub shape: Shape,
    /// Its text, wrapped, clinical words first.
    pub lines: Vec<Line>,
    /// A longer description (a rule's title, a clause's reason), for a
    /// tooltip.
    pub detail: String,
    /// What happened to it for the patient.
    pub mark: Mark,
}

/// Kinds of node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A rule: its condition as a question (a diamond).
    Decision,
    /// An action to recommend (a box).
    Action,
    /// An action a rule says to avoid (a box with a crossed border).
    Avoid,
    /// A decision handed to a clinician (an exit).
    Exit,
}

/// One line of a node's text.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// How it is shown.
    pub kind: LineKind,
    /// The text.
    pub text: String,
}

/// How a line is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// The clinical words: a question, an action's label.
    Main,
    /// The machine name, smaller.
    Name,
    /// A contraindication ("✗ not if …"), red.
    Guard,
    /// A caution ("⚠ caution if …"), amber.
    Caution,
    /// What happened for the patient ("✓ held", "withheld: …").
    Status,
}

/// What happened to a node or an edge for the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// No patient given.
    Plain,
    /// On the patient's path: held, given, avoided, escalated.
    Taken,
    /// Off the path.
    NotTaken,
    /// Reached, but not given: withheld for the patient.
    Withheld,
    /// Could not be decided from the facts.
    Undecided,
}

/// An arrow between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The node it leaves.
    pub from: String,
    /// The node it enters.
    pub to: String,
    /// Its words: "yes", "if withheld: 2nd", citation numbers.
    pub label: String,
    /// What it means.
    pub kind: EdgeKind,
    /// Whether the patient's path follows it.
    pub mark: Mark,
}

/// Kinds of edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// The condition holds: to the first alternative of a clause.
    Yes,
    /// The alternative before was withheld: to the next one.
    Next,
    /// One of equally acceptable options.
    Option,
    /// The condition holds: avoid this action.
    Avoid,
    /// No alternative can be given: to the exit.
    Escalate,
    /// In a first-match section: the condition does not hold, to the next
    /// rule.
    No,
    /// Only keeps rules in order, top to bottom; not drawn.
    Order,
}

/// One patient's evaluation, to mark on the graph.
pub struct PatientPath<'a> {
    /// The patient's facts.
    pub patient: &'a Patient,
    /// What the interpreter decided.
    pub evaluation: &'a Evaluation,
}

/// The flowchart of a guideline; with a patient, their path marked.
pub fn build(model: &Model, path: Option<&PatientPath<'_>>) -> Graph {
    let mut builder = Builder {
        model,
        path,
        edges: Vec::new(),
    };
    let mut lanes = Vec::new();
    let loose: Vec<Member> = model
        .top_level
        .iter()
        .copied()
        .filter(|m| matches!(m, Member::Rule(_)))
        .collect();
    if !loose.is_empty() {
        lanes.push(builder.lane(
            "lane_top".to_owned(),
            "Outside any section".to_owned(),
            String::new(),
            false,
            &loose,
        ));
    }
    for member in &model.top_level {
        if let Member::Section(id) = member {
            lanes.push(builder.section(*id));
        }
    }
    let references = model
        .references
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r.key.clone(), r.citation.clone()))
        .collect();
    Graph {
        title: model.header.title.clone(),
        name: model.header.id.clone(),
        patient: path.map(|p| {
            p.patient
                .id
                .clone()
                .unwrap_or_else(|| "the patient".to_owned())
        }),
        lanes,
        edges: builder.edges,
        references,
    }
}

impl Graph {
    /// Every node, lanes walked in order.
    pub fn nodes(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack: Vec<&Item> = Vec::new();
        for lane in self.lanes.iter().rev() {
            stack.extend(lane.items.iter().rev());
        }
        while let Some(item) = stack.pop() {
            match item {
                Item::Node(node) => out.push(node),
                Item::Lane(lane) => stack.extend(lane.items.iter().rev()),
            }
        }
        out
    }
}

struct Builder<'a> {
    model: &'a Model,
    path: Option<&'a PatientPath<'a>>,
    edges: Vec<Edge>,
}

/// The nodes a rule made: its decision first, its last node last.
struct RuleNodes {
    decision: String,
    last: String,
    items: Vec<Item>,
}

impl Builder<'_> {
    fn section(&mut self, id: SectionId) -> Lane {
        let section: &Section = self.model.sections.at(id);
        let title = section
            .title
            .clone()
            .unwrap_or_else(|| words::spaced(&section.name));
        self.lane(
            format!("s_{}", section.name),
            title,
            section.name.clone(),
            section.first_match,
            &section.members,
        )
    }

    fn lane(
        &mut self,
        id: String,
        title: String,
        name: String,
        first_match: bool,
        members: &[Member],
    ) -> Lane {
        let mut items = Vec::new();
        // The member before: the rule it is left from when it does not
        // hold, and its last node.
        let mut previous: Option<(RuleId, String)> = None;
        for member in members {
            let (first, last, leaving, new_items) = match member {
                Member::Rule(rule) => {
                    let made = self.rule(*rule);
                    (made.decision, made.last, *rule, made.items)
                }
                Member::Section(section) => {
                    let lane = self.section(*section);
                    // A nested section is left, when none of its rules
                    // holds, from its last rule.
                    let found = (
                        first_decision(&lane.items),
                        last_node(&lane.items),
                        last_rule(self.model, *section),
                    );
                    match found {
                        (Some(first), Some(last), Some(leaving)) => {
                            (first, last, leaving, vec![Item::Lane(lane)])
                        }
                        _ => {
                            items.push(Item::Lane(lane));
                            continue;
                        }
                    }
                }
            };
            if let Some((before, before_last)) = previous.take() {
                if first_match {
                    self.edges.push(Edge {
                        from: rule_id(&self.model.rules.at(before).name),
                        to: first.clone(),
                        label: "no".to_owned(),
                        kind: EdgeKind::No,
                        mark: self.no_mark(before),
                    });
                }
                self.edges.push(Edge {
                    from: before_last,
                    to: first.clone(),
                    label: String::new(),
                    kind: EdgeKind::Order,
                    mark: Mark::Plain,
                });
            }
            items.extend(new_items);
            previous = Some((leaving, last));
        }
        Lane {
            id,
            title,
            name,
            first_match,
            items,
        }
    }

    /// A "no" edge is taken when the rule it leaves did not hold.
    fn no_mark(&self, rule: RuleId) -> Mark {
        let Some(path) = self.path else {
            return Mark::Plain;
        };
        match path.evaluation.rules.get(rule) {
            Some(RuleStatus::NotApplicable) => Mark::Taken,
            _ => Mark::NotTaken,
        }
    }

    fn rule(&mut self, id: RuleId) -> RuleNodes {
        let model = self.model;
        let rule: &Rule = model.rules.at(id);
        let decision_id = rule_id(&rule.name);
        let status = self.path.and_then(|p| p.evaluation.rules.get(id).copied());
        let mut lines = text(
            LineKind::Main,
            &format!("{}?", words::condition(model, &rule.condition)),
        );
        lines.push(Line {
            kind: LineKind::Name,
            text: format!("rule {}", rule.name),
        });
        lines.extend(self.rule_status(id, rule, status));
        let decision = Node {
            id: decision_id.clone(),
            shape: Shape::Decision,
            lines,
            detail: rule.title.clone().unwrap_or_default(),
            mark: match status {
                None => Mark::Plain,
                Some(RuleStatus::Fired) => Mark::Taken,
                Some(RuleStatus::Undecided) => Mark::Undecided,
                Some(_) => Mark::NotTaken,
            },
        };
        let cites: Vec<usize> = rule.citations.iter().map(|r| r.index() + 1).collect();
        let cited = words::citations(&cites);
        let mut items = vec![Item::Node(decision)];
        let mut last = decision_id.clone();
        for (clause, choice) in rule.choices.iter().enumerate() {
            let in_order = choice.kind.in_order(choice.actions.len());
            let mut before = decision_id.clone();
            for (k, action) in choice.actions.iter().enumerate() {
                let node_id = format!("a_{}_{}_{}", rule.name, clause + 1, k + 1);
                let (mark, status_line) = self.action_mark(id, clause, *action, choice.outcome);
                let avoid = choice.outcome == Outcome::Avoid;
                let (from, kind, label) = if avoid {
                    (
                        decision_id.clone(),
                        EdgeKind::Avoid,
                        join(&["yes: avoid", &cited]),
                    )
                } else if k == 0 && in_order > 0 {
                    let rank = if in_order > 1 { "yes: 1st" } else { "yes" };
                    (decision_id.clone(), EdgeKind::Yes, join(&[rank, &cited]))
                } else if k < in_order {
                    (
                        before.clone(),
                        EdgeKind::Next,
                        format!("if withheld: {}", ordinal(k + 1)),
                    )
                } else if in_order == 0 {
                    (
                        decision_id.clone(),
                        EdgeKind::Option,
                        join(&["yes: any of", &cited]),
                    )
                } else {
                    let from = format!("a_{}_{}_{}", rule.name, clause + 1, in_order);
                    (from, EdgeKind::Option, "if withheld: any of".to_owned())
                };
                let edge_mark = match (self.path, mark) {
                    (None, _) => Mark::Plain,
                    (Some(_), Mark::Taken | Mark::Withheld | Mark::Undecided) => Mark::Taken,
                    _ => Mark::NotTaken,
                };
                self.edges.push(Edge {
                    from,
                    to: node_id.clone(),
                    label,
                    kind,
                    mark: edge_mark,
                });
                items.push(Item::Node(self.action_node(
                    &node_id,
                    model.actions.at(*action),
                    avoid,
                    mark,
                    status_line,
                )));
                if k < in_order {
                    before = node_id.clone();
                }
                last = node_id;
            }
            if choice.outcome == Outcome::Recommend
                && let Some(reason) = &rule.escalation
            {
                let exit_id = format!("x_{}_{}", rule.name, clause + 1);
                let escalated = self.path.map(|p| {
                    p.evaluation.escalations.iter().any(|e| {
                        matches!(e.cause, EscalationCause::NoAlternative { rule, choice, .. }
                            if rule == id && choice == clause)
                    })
                });
                let from = if in_order > 0 && in_order == choice.actions.len() {
                    before.clone()
                } else {
                    decision_id.clone()
                };
                items.push(Item::Node(exit(&exit_id, reason, escalated)));
                self.edges.push(Edge {
                    from,
                    to: exit_id.clone(),
                    label: "none can be given".to_owned(),
                    kind: EdgeKind::Escalate,
                    mark: mark_of(escalated),
                });
                last = exit_id;
            }
        }
        // A rule that only escalates: `else-escalate` and no `then`.
        if rule.choices.is_empty()
            && let Some(reason) = &rule.escalation
        {
            let exit_id = format!("x_{}_1", rule.name);
            let escalated = self.path.map(|p| {
                p.evaluation.escalations.iter().any(|e| {
                    matches!(e.cause, EscalationCause::NoAlternative { rule, .. } if rule == id)
                })
            });
            items.push(Item::Node(exit(&exit_id, reason, escalated)));
            self.edges.push(Edge {
                from: decision_id.clone(),
                to: exit_id.clone(),
                label: join(&["yes", &cited]),
                kind: EdgeKind::Escalate,
                mark: mark_of(escalated),
            });
            last = exit_id;
        }
        RuleNodes {
            decision: decision_id,
            last,
            items,
        }
    }

    /// The lines that say what happened to a rule for the patient.
    fn rule_status(&self, id: RuleId, rule: &Rule, status: Option<RuleStatus>) -> Vec<Line> {
        let Some(path) = self.path else {
            return Vec::new();
        };
        let status_line = |text: &str| Line {
            kind: LineKind::Status,
            text: text.to_owned(),
        };
        match status {
            Some(RuleStatus::Fired) => {
                let mut lines = vec![status_line("✓ held")];
                let model = self.model;
                for literal in words::literals(&rule.condition) {
                    let value =
                        crate::eval::exact::meaning(model, literal, &|fact| path.patient.get(fact));
                    if value == Tri::True {
                        lines.extend(text(
                            LineKind::Status,
                            &format!("✓ {}", words::condition(model, literal)),
                        ));
                    }
                }
                lines
            }
            Some(RuleStatus::NotApplicable) => vec![status_line("✗ does not hold")],
            Some(RuleStatus::Undecided) => {
                let needs: Vec<String> = path
                    .evaluation
                    .escalations
                    .iter()
                    .filter(|e| {
                        matches!(e.cause, EscalationCause::UnknownCondition { rule, .. } if rule == id)
                    })
                    .flat_map(|e| e.needs.iter())
                    .map(|fact| self.model.facts.at(*fact).name.clone())
                    .collect();
                text(
                    LineKind::Status,
                    &format!("? cannot be decided: needs {}", needs.join(", ")),
                )
            }
            Some(RuleStatus::Shadowed) => vec![status_line("– not reached: a rule above applied")],
            Some(RuleStatus::NotReached) => {
                vec![status_line("– not reached: a rule above is undecided")]
            }
            None => Vec::new(),
        }
    }

    /// What happened to alternative `action` of clause `clause` of rule `id`.
    fn action_mark(
        &self,
        id: RuleId,
        clause: usize,
        action: ActionId,
        outcome: Outcome,
    ) -> (Mark, Option<String>) {
        let Some(path) = self.path else {
            return (Mark::Plain, None);
        };
        let evaluation = path.evaluation;
        if outcome == Outcome::Avoid {
            return if evaluation
                .avoided
                .iter()
                .any(|a| a.rule == id && a.action == action)
            {
                (Mark::Taken, Some("✓ avoid".to_owned()))
            } else {
                (Mark::NotTaken, None)
            };
        }
        if let Some(given) = evaluation
            .recommended
            .iter()
            .find(|r| r.rule == id && r.choice == clause && r.action == action)
        {
            let words = if given.offered {
                "✓ offered (one of equal options)"
            } else {
                "✓ recommended"
            };
            return (Mark::Taken, Some(words.to_owned()));
        }
        if let Some(withheld) = evaluation
            .withheld()
            .find(|w| w.rule == id && w.action == action)
        {
            let undecided = matches!(
                withheld.why,
                Withholding::Unsettled { .. } | Withholding::MaybeAvoided { .. }
            );
            let mark = if undecided {
                Mark::Undecided
            } else {
                Mark::Withheld
            };
            return (mark, Some(self.withheld_words(withheld)));
        }
        (Mark::NotTaken, None)
    }

    fn withheld_words(&self, withheld: &Withheld) -> String {
        let model = self.model;
        let action = model.actions.at(withheld.action);
        let clauses = |indices: &[usize]| -> String {
            indices
                .iter()
                .filter_map(|i| action.contraindications.get(*i))
                .map(|c| words::condition(model, &c.condition))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let rules = |ids: &[RuleId]| -> String {
            ids.iter()
                .map(|r| format!("rule {}", model.rules.at(*r).name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let facts = |ids: &[crate::sema::FactId]| -> String {
            ids.iter()
                .map(|f| model.facts.at(*f).name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &withheld.why {
            Withholding::Contraindicated(indices) => {
                format!("withheld: contraindicated ({})", clauses(indices))
            }
            Withholding::Unsettled { clauses: c, needs } => format!(
                "withheld: may be contraindicated ({}); needs {}",
                clauses(c),
                facts(needs)
            ),
            Withholding::Avoided(ids) => format!("withheld: avoided by {}", rules(ids)),
            Withholding::MaybeAvoided { rules: r, needs } => format!(
                "withheld: may be avoided by {}; needs {}",
                rules(r),
                facts(needs)
            ),
        }
    }

    fn action_node(
        &self,
        id: &str,
        action: &Action,
        avoid: bool,
        mark: Mark,
        status: Option<String>,
    ) -> Node {
        let model = self.model;
        let label = action
            .label
            .clone()
            .unwrap_or_else(|| sentence(&words::spaced(&action.name)));
        let mut lines = if avoid {
            text(LineKind::Main, &format!("✗ Avoid: {label}"))
        } else {
            text(LineKind::Main, &label)
        };
        lines.push(Line {
            kind: LineKind::Name,
            text: format!("action {}", action.name),
        });
        let mut details = Vec::new();
        if !avoid {
            for (kind, prefix, clauses) in [
                (LineKind::Guard, "✗ not if", &action.contraindications),
                (LineKind::Caution, "⚠ caution if", &action.cautions),
            ] {
                for clause in clauses {
                    let cites: Vec<usize> =
                        clause.citations.iter().map(|r| r.index() + 1).collect();
                    // `caution-if true`: a caution for everyone, its reason
                    // is what to watch.
                    let always = matches!(clause.condition.kind, ConditionKind::Const(true));
                    let when = match (&clause.because, always) {
                        (Some(because), true) => format!("⚠ caution: {because}"),
                        (None, true) => "⚠ caution: always".to_owned(),
                        (_, false) => {
                            format!("{prefix} {}", words::condition(model, &clause.condition))
                        }
                    };
                    lines.extend(text(kind, &join(&[&when, &words::citations(&cites)])));
                    if let Some(because) = &clause.because {
                        details.push(because.clone());
                    }
                }
            }
        }
        if let Some(status) = status {
            lines.extend(text(LineKind::Status, &status));
        }
        Node {
            id: id.to_owned(),
            shape: if avoid { Shape::Avoid } else { Shape::Action },
            lines,
            detail: details.join(" "),
            mark,
        }
    }
}

/// The identifier of a rule's decision node.
fn rule_id(name: &str) -> String {
    format!("r_{name}")
}

fn exit(id: &str, reason: &str, escalated: Option<bool>) -> Node {
    let mut lines = text(LineKind::Main, &format!("Escalate: {reason}"));
    if escalated == Some(true) {
        lines.push(Line {
            kind: LineKind::Status,
            text: "⚠ escalated for this patient".to_owned(),
        });
    }
    Node {
        id: id.to_owned(),
        shape: Shape::Exit,
        lines,
        detail: reason.to_owned(),
        mark: mark_of(escalated),
    }
}

fn mark_of(taken: Option<bool>) -> Mark {
    match taken {
        None => Mark::Plain,
        Some(true) => Mark::Taken,
        Some(false) => Mark::NotTaken,
    }
}

/// `text` wrapped into lines of one kind.
fn text(kind: LineKind, text: &str) -> Vec<Line> {
    words::wrap(text, WIDTH)
        .into_iter()
        .map(|text| Line { kind, text })
        .collect()
}

/// The non-empty parts, separated by spaces.
fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Words with a capital first letter.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn first_decision(items: &[Item]) -> Option<String> {
    items.iter().find_map(|item| match item {
        Item::Node(node) if node.shape == Shape::Decision => Some(node.id.clone()),
        Item::Node(_) => None,
        Item::Lane(lane) => first_decision(&lane.items),
    })
}

/// The last rule of a section, nested sections included.
fn last_rule(model: &Model, section: SectionId) -> Option<RuleId> {
    model
        .sections
        .at(section)
        .members
        .iter()
        .rev()
        .find_map(|member| match member {
            Member::Rule(rule) => Some(*rule),
            Member::Section(inner) => last_rule(model, *inner),
        })
}

fn last_node(items: &[Item]) -> Option<String> {
    items.iter().rev().find_map(|item| match item {
        Item::Node(node) => Some(node.id.clone()),
        Item::Lane(lane) => last_node(&lane.items),
    })
}
