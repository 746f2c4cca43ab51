//! What the logic analyses find, as data: one [`FindingKind`] variant per
//! W04xx code, carrying the rules, alternatives, actions and section
//! involved, and the one place where a finding is worded
//! ([`Finding::to_diagnostic`]).
//!
//! Input: a finding and the model it is about. Output: a [`Diagnostic`]
//! with the witness patient as a note. Invariant: the lint families write
//! no user-facing words; their tests and `gdl test` coverage read the
//! variants, never the rendered text.

use crate::diagnostics::{Code, Diagnostic};
use crate::eval::Patient;
use crate::facts::write::witness_json;
use crate::sema::{ActionId, Model, RuleId, SectionId};
use crate::span::Span;

/// A finding, confirmed by the interpreter where it has a witness.
#[derive(Clone, Debug)]
pub struct Finding {
    /// What was found, and about what.
    pub kind: FindingKind,
    /// A patient that shows it.
    pub witness: Option<Patient>,
}

/// What a logic analysis found: one variant per code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// W0401: no plausible patient satisfies the rule's condition.
    UnreachableRule {
        /// The rule.
        rule: RuleId,
        /// Whether some patient who contradicts an invariant satisfies it
        /// (that patient is the witness); else none does at all.
        only_implausible: bool,
    },
    /// W0402: earlier rules of a first-match section take every patient
    /// the rule applies to.
    ShadowedRule {
        /// The rule.
        rule: RuleId,
        /// Earlier rules that fire first for some of its patients (a few:
        /// the one for the example patient first found).
        shadowers: Vec<Shadower>,
        /// Whether still other earlier rules take some of its patients.
        more: bool,
    },
    /// W0403: an alternative contraindicated or avoided whenever its rule
    /// fires.
    AlwaysWithheld {
        /// The rule.
        rule: RuleId,
        /// The alternative.
        action: ActionId,
    },
    /// W0404: an alternative never given because an earlier one always
    /// can be.
    UnreachableAlternative {
        /// The rule.
        rule: RuleId,
        /// The alternative.
        action: ActionId,
    },
    /// W0405: an avoiding rule leaves a recommending rule, without
    /// `else-escalate`, nothing to give.
    Conflict {
        /// The recommending rule.
        rule: RuleId,
        /// The rule that says to avoid.
        avoider: RuleId,
    },
    /// W0406: two mutually exclusive actions recommended to one patient.
    ExclusiveConflict {
        /// The first rule.
        rule: RuleId,
        /// What it recommends.
        action: ActionId,
        /// The second rule.
        other_rule: RuleId,
        /// What that one recommends.
        other_action: ActionId,
        /// The `exclusive` group, by index.
        group: usize,
    },
    /// W0407: another rule with the same outcome applies whenever this one
    /// does.
    RedundantRule {
        /// The redundant rule.
        rule: RuleId,
        /// The rule that covers it.
        cover: RuleId,
    },
    /// W0408: a `complete` section that gives some plausible patient no
    /// decision.
    CoverageGap {
        /// The section.
        section: SectionId,
        /// Its first rule; `None` when it holds no rule at all.
        first_rule: Option<RuleId>,
    },
    /// W0410: two rules of different members of a `disjoint` section that
    /// apply to one patient.
    OverlappingMembers {
        /// The section marked `disjoint`.
        section: SectionId,
        /// The later rule.
        rule: RuleId,
        /// The earlier rule it overlaps.
        other: RuleId,
    },
    /// W0409: the analysis ran out of its budget before deciding the
    /// rule's first-match question (or the section's coverage): none of
    /// its findings were looked for.
    NotAnalysed {
        /// The rule, when a rule's question was left undecided.
        rule: Option<RuleId>,
        /// The section, when its coverage was left undecided.
        section: Option<SectionId>,
        /// Why.
        why: Unanalysed,
    },
}

/// Why a rule or section was not analysed (W0409).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unanalysed {
    /// The box search ran out of its budget.
    Budget,
    /// The analysis found a possible finding of this code, but its patient
    /// needs computed values (arithmetic) that no facts it tried give: the
    /// checker treats computed values as free, so it cannot tell whether
    /// a real patient has them.
    Arithmetic(Code),
}

/// An earlier rule that shadows a rule of its first-match section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shadower {
    /// The earlier rule.
    pub rule: RuleId,
    /// Whether it fires first for the witness patient (else only for
    /// some of the rule's patients).
    pub fires_for_witness: bool,
}

impl FindingKind {
    /// The diagnostic code.
    pub fn code(&self) -> Code {
        match self {
            FindingKind::UnreachableRule { .. } => Code::UnreachableRule,
            FindingKind::ShadowedRule { .. } => Code::ShadowedRule,
            FindingKind::AlwaysWithheld { .. } => Code::AlwaysWithheld,
            FindingKind::UnreachableAlternative { .. } => Code::UnreachableAlternative,
            FindingKind::Conflict { .. } => Code::Conflict,
            FindingKind::ExclusiveConflict { .. } => Code::ExclusiveConflict,
            FindingKind::RedundantRule { .. } => Code::RedundantRule,
            FindingKind::CoverageGap { .. } => Code::CoverageGap,
            FindingKind::NotAnalysed { .. } => Code::NotAnalysed,
            FindingKind::OverlappingMembers { .. } => Code::OverlappingMembers,
        }
    }

    /// The rule the finding is about (its primary label, and where an
    /// `expect` acknowledges it); `None` only for a coverage gap of a
    /// section that holds no rule.
    pub fn rule(&self) -> Option<RuleId> {
        match self {
            FindingKind::UnreachableRule { rule, .. }
            | FindingKind::ShadowedRule { rule, .. }
            | FindingKind::AlwaysWithheld { rule, .. }
            | FindingKind::UnreachableAlternative { rule, .. }
            | FindingKind::Conflict { rule, .. }
            | FindingKind::ExclusiveConflict { rule, .. }
            | FindingKind::RedundantRule { rule, .. }
            | FindingKind::OverlappingMembers { rule, .. } => Some(*rule),
            FindingKind::CoverageGap { first_rule, .. } => *first_rule,
            FindingKind::NotAnalysed { rule, .. } => *rule,
        }
    }

    /// The section of a coverage gap or of overlapping members.
    pub fn section(&self) -> Option<SectionId> {
        match self {
            FindingKind::CoverageGap { section, .. }
            | FindingKind::OverlappingMembers { section, .. } => Some(*section),
            FindingKind::NotAnalysed { section, .. } => *section,
            FindingKind::UnreachableRule { .. }
            | FindingKind::ShadowedRule { .. }
            | FindingKind::AlwaysWithheld { .. }
            | FindingKind::UnreachableAlternative { .. }
            | FindingKind::Conflict { .. }
            | FindingKind::ExclusiveConflict { .. }
            | FindingKind::RedundantRule { .. } => None,
        }
    }

    /// The alternative an alternative finding (W0403, W0404) is about.
    pub fn alternative(&self) -> Option<ActionId> {
        match self {
            FindingKind::AlwaysWithheld { action, .. }
            | FindingKind::UnreachableAlternative { action, .. } => Some(*action),
            FindingKind::UnreachableRule { .. }
            | FindingKind::ShadowedRule { .. }
            | FindingKind::Conflict { .. }
            | FindingKind::ExclusiveConflict { .. }
            | FindingKind::RedundantRule { .. }
            | FindingKind::CoverageGap { .. }
            | FindingKind::NotAnalysed { .. }
            | FindingKind::OverlappingMembers { .. } => None,
        }
    }
}

/// The wording of each kind: the statement, the help, and the labels of
/// the other rules involved.
impl FindingKind {
    fn message(&self, model: &Model) -> String {
        let rule = |id: &RuleId| model.rules.at(*id).name.as_str();
        let action = |id: &ActionId| model.actions.at(*id).name.as_str();
        match self {
            FindingKind::UnreachableRule {
                rule: id,
                only_implausible,
            } => {
                let detail = if *only_implausible {
                    "only patients who contradict an invariant satisfy its condition"
                } else {
                    "no patient satisfies its condition"
                };
                format!("rule `{}` can never fire: {detail}", rule(id))
            }
            FindingKind::ShadowedRule { rule: id, .. } => format!(
                "rule `{}` is shadowed: in its first-match section, earlier rules apply to every patient it applies to",
                rule(id)
            ),
            FindingKind::AlwaysWithheld {
                rule: id,
                action: a,
            } => format!(
                "`{}` is withheld whenever rule `{}` fires: a contraindication or avoidance always holds",
                action(a),
                rule(id)
            ),
            FindingKind::UnreachableAlternative {
                rule: id,
                action: a,
            } => format!(
                "alternative `{}` of rule `{}` is never given: an earlier alternative can always be given when the rule fires",
                action(a),
                rule(id)
            ),
            FindingKind::Conflict { rule: id, avoider } => format!(
                "rules `{}` and `{}` conflict: one recommends what the other says to avoid, and the patient is left without a recommendation",
                rule(id),
                rule(avoider)
            ),
            FindingKind::ExclusiveConflict {
                rule: id,
                action: a,
                other_rule,
                other_action,
                group: _,
            } => format!(
                "`{}` (rule `{}`) and `{}` (rule `{}`) can be recommended together, but they are declared mutually exclusive",
                action(a),
                rule(id),
                action(other_action),
                rule(other_rule)
            ),
            FindingKind::RedundantRule { rule: id, cover } => format!(
                "rule `{}` is redundant: rule `{}` has the same outcome and applies whenever it does",
                rule(id),
                rule(cover)
            ),
            FindingKind::CoverageGap {
                section,
                first_rule,
            } => {
                let name = model.sections.at(*section).name.as_str();
                if first_rule.is_some() {
                    format!(
                        "section `{name}` is marked complete, but some patients get no decision from it"
                    )
                } else {
                    format!(
                        "section `{name}` is marked complete, but it has no rules: no patient gets a decision from it"
                    )
                }
            }
            FindingKind::NotAnalysed {
                rule,
                section,
                why: Unanalysed::Arithmetic(code),
            } => {
                let subject = match (rule, section) {
                    (Some(id), _) => format!("rule `{}`", model.rules.at(*id).name),
                    (None, Some(id)) => format!("section `{}`", model.sections.at(*id).name),
                    (None, None) => "a rule".to_owned(),
                };
                format!(
                    "{subject} was not analysed: a possible {} {} needs computed values that no patient found gives (arithmetic is not decided exactly)",
                    code.id(),
                    code.name()
                )
            }
            FindingKind::OverlappingMembers {
                section,
                rule: id,
                other,
            } => format!(
                "rules `{}` and `{}` overlap: section `{}` is marked disjoint, but some patients satisfy both",
                rule(other),
                rule(id),
                model.sections.at(*section).name
            ),
            FindingKind::NotAnalysed { rule: Some(id), .. } => format!(
                "rule `{}` was not analysed: budget exceeded (whether earlier rules of its first-match section take all its patients is undecided)",
                rule(id)
            ),
            FindingKind::NotAnalysed { section, .. } => format!(
                "section `{}` was not analysed: budget exceeded (whether it gives every patient a decision is undecided)",
                section
                    .and_then(|s| model.sections.get(s))
                    .map_or("?", |s| s.name.as_str())
            ),
        }
    }

    fn help(&self) -> &'static str {
        match self {
            FindingKind::UnreachableRule { .. } => {
                "fix the condition (a contradiction, or a threshold on the wrong side), or delete the rule"
            }
            FindingKind::ShadowedRule { .. } => {
                "move the rule before the rules that shadow it, narrow their conditions, or delete it"
            }
            FindingKind::AlwaysWithheld { .. } => {
                "remove the alternative, or narrow the rule to patients who can receive it"
            }
            FindingKind::UnreachableAlternative { .. } => {
                "remove the alternative, or give the earlier ones the contraindications that should make way for it"
            }
            FindingKind::Conflict { .. } => {
                "make the conditions exclusive, or add an alternative the avoiding rule allows"
            }
            FindingKind::ExclusiveConflict { .. } => {
                "make the rules' conditions exclusive, or put them in one first-match section"
            }
            FindingKind::RedundantRule { .. } => {
                "delete one of the rules, or merge their citations into one"
            }
            FindingKind::CoverageGap {
                first_rule: Some(_),
                ..
            } => "add a rule (or an else-escalate rule) for these patients, or drop `complete`",
            FindingKind::CoverageGap {
                first_rule: None, ..
            } => {
                "add the section's rules (an else-escalate rule hands patients to a clinician), or drop `complete`"
            }
            FindingKind::NotAnalysed {
                why: Unanalysed::Arithmetic(_),
                ..
            } => {
                "check this part by tests (`gdl test`), or compare the computed value with thresholds the facts can reach; nothing was proved about it"
            }
            FindingKind::NotAnalysed { .. } => {
                "split the first-match section into smaller ones, or check this part by tests (`gdl test`); nothing was proved about it"
            }
            FindingKind::OverlappingMembers { .. } => {
                "make the conditions exclusive (half-open bands such as `x in 30..<50` and `x in 50..<80` share no value), or drop `disjoint`"
            }
        }
    }

    /// The other rules involved, each with its label.
    fn others(&self) -> Vec<(RuleId, &'static str)> {
        match self {
            FindingKind::ShadowedRule { shadowers, .. } => shadowers
                .iter()
                .map(|shadower| {
                    let label = if shadower.fires_for_witness {
                        "fires first for the example patient"
                    } else {
                        "fires first for other patients of it"
                    };
                    (shadower.rule, label)
                })
                .collect(),
            FindingKind::Conflict { avoider, .. } => vec![(*avoider, "says to avoid it")],
            FindingKind::ExclusiveConflict { other_rule, .. } => {
                vec![(*other_rule, "recommends the other")]
            }
            FindingKind::RedundantRule { cover, .. } => vec![(*cover, "covers it")],
            FindingKind::OverlappingMembers { other, .. } => {
                vec![(*other, "also applies to the example patient")]
            }
            FindingKind::UnreachableRule { .. }
            | FindingKind::AlwaysWithheld { .. }
            | FindingKind::UnreachableAlternative { .. }
            | FindingKind::CoverageGap { .. }
            | FindingKind::NotAnalysed { .. } => Vec::new(),
        }
    }
}

impl Finding {
    /// The diagnostic code.
    pub fn code(&self) -> Code {
        self.kind.code()
    }

    /// See [`FindingKind::rule`].
    pub fn rule(&self) -> Option<RuleId> {
        self.kind.rule()
    }

    /// See [`FindingKind::section`].
    pub fn section(&self) -> Option<SectionId> {
        self.kind.section()
    }

    /// The finding, worded: the statement, the rule (or section) it is
    /// about, the other rules involved, the help, and the witness patient
    /// as a facts file.
    pub fn to_diagnostic(&self, model: &Model) -> Diagnostic {
        let diagnostic = Diagnostic::new(self.code(), self.kind.message(model));
        let mut diagnostic = self.about(model, diagnostic).help(self.kind.help());
        for (other, label) in self.kind.others() {
            if let Some(rule) = model.rules.get(other) {
                diagnostic = diagnostic.secondary(rule.name_span, label);
            }
        }
        if let FindingKind::ShadowedRule { more: true, .. } = self.kind {
            diagnostic = diagnostic
                .note("still other earlier rules take some of its patients: the labels show a few");
        }
        if let Some(patient) = &self.witness {
            diagnostic = diagnostic.note(format!(
                "example patient (a facts file for `gdl run`): {}",
                witness_json(model, patient)
            ));
        }
        diagnostic
    }

    /// The primary label: the rule the finding is about, else (a coverage
    /// gap in a section without rules) the section.
    fn about(&self, model: &Model, diagnostic: Diagnostic) -> Diagnostic {
        let rule = self.rule().and_then(|rule| model.rules.get(rule));
        let section = self.section().and_then(|s| model.sections.get(s));
        match (rule, section) {
            (Some(rule), _) => diagnostic.primary(rule.name_span, "this rule"),
            (None, Some(section)) => {
                // The section's span covers its whole body; its `section`
                // keyword is one line however long the body.
                let start = section.span.start_usize();
                let keyword = Span::new(start, start + "section".len());
                diagnostic.primary(keyword, "this section")
            }
            (None, None) => diagnostic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_code_of_its_own_among_the_logic_codes() {
        let (rule, action) = (RuleId(0), ActionId(0));
        let kinds = [
            FindingKind::UnreachableRule {
                rule,
                only_implausible: false,
            },
            FindingKind::ShadowedRule {
                rule,
                shadowers: Vec::new(),
                more: false,
            },
            FindingKind::AlwaysWithheld { rule, action },
            FindingKind::UnreachableAlternative { rule, action },
            FindingKind::Conflict {
                rule,
                avoider: rule,
            },
            FindingKind::ExclusiveConflict {
                rule,
                action,
                other_rule: rule,
                other_action: action,
                group: 0,
            },
            FindingKind::RedundantRule { rule, cover: rule },
            FindingKind::CoverageGap {
                section: SectionId(0),
                first_rule: None,
            },
            FindingKind::NotAnalysed {
                rule: Some(rule),
                section: None,
                why: Unanalysed::Budget,
            },
            FindingKind::OverlappingMembers {
                section: SectionId(0),
                rule,
                other: rule,
            },
        ];
        let codes: std::collections::BTreeSet<&str> =
            kinds.iter().map(|kind| kind.code().id()).collect();
        assert_eq!(codes.len(), kinds.len());
        assert!(
            codes.iter().all(|code| code.starts_with("W04")),
            "{codes:?}"
        );
    }

    #[test]
    fn a_gap_in_a_section_without_rules_points_at_its_keyword() {
        let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact x: bool\naction a\n\
                    rule any { when x then recommend a cite R }\n\
                    section empty complete {\n}\n";
        let model = crate::test_model(text);
        let finding = Finding {
            kind: FindingKind::CoverageGap {
                section: SectionId(0),
                first_rule: None,
            },
            witness: None,
        };
        let span = finding.to_diagnostic(&model).primary_span();
        let start = span.start_usize();
        assert_eq!(&text[start..start + span.len()], "section");
    }
}
