//! An escalation's answers, named for the report: each way the unknown
//! facts it turns on can go, written as gdl conditions
//! (`not methotrexate in failed`), and the decisions it leads to
//! (`eval::answers` finds them).

use crate::eval::answers::{Answer, Answers};
use crate::eval::decision::Decision;
use crate::sema::{Model, Type};
use crate::syntax::ast::RangeKind;

/// One branch of [`crate::eval::answers::Answers`], named.
#[derive(Clone, Debug, PartialEq)]
pub struct BranchItem<'a> {
    /// The answers on this branch, each a condition that holds on it.
    pub answers: Vec<AnswerItem<'a>>,
    /// The decisions this branch leads to that not every branch shares.
    pub decisions: Vec<DecisionItem<'a>>,
}

/// One answer: a fact (and for a set, the member asked about), and the
/// condition the answer makes true, in gdl syntax.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerItem<'a> {
    /// The fact.
    pub fact: &'a str,
    /// For a set fact, the member.
    pub member: Option<&'a str>,
    /// `pregnant`, `not methotrexate in failed`, `time_on_azathioprine < 6 mo`,
    /// `crcl in 15..50 mL/min`.
    pub condition: String,
}

/// One decision, named.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionItem<'a> {
    /// `recommend`, `withhold`, `avoid`, `cannot-decide`, `no-alternative`,
    /// `exclusive-conflict` or `nothing-applies`.
    pub decision: &'static str,
    /// The rule, if any.
    pub rule: Option<&'a str>,
    /// The action, if any.
    pub action: Option<&'a str>,
    /// For `withhold`: `contraindicated`, `avoided by a rule`, …
    pub because: Option<&'static str>,
    /// For `recommend`: the action is one of the options of an equal
    /// choice (`then recommend any of`), offered with the others.
    pub offered: bool,
}

impl DecisionItem<'_> {
    /// The decision in words: `recommend`, `offer`, `withhold`, `cannot
    /// decide`, `no alternative left`, …
    pub fn verb(&self) -> &'static str {
        match self.decision {
            "recommend" if self.offered => "offer",
            "cannot-decide" => "cannot decide",
            "no-alternative" => "no alternative left",
            "exclusive-conflict" => "exclusive actions recommended together",
            "nothing-applies" => "nothing applies",
            other => other,
        }
    }
}

impl std::fmt::Display for DecisionItem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.verb())?;
        if let Some(action) = self.action {
            write!(f, " {action}")?;
        }
        if let Some(because) = self.because {
            write!(f, " ({because})")?;
        }
        if let Some(rule) = self.rule {
            write!(f, " [rule {rule}]")?;
        }
        Ok(())
    }
}

/// The branches of `answers`, named from the model.
pub fn branches<'a>(model: &'a Model, answers: &Answers) -> Vec<BranchItem<'a>> {
    answers
        .branches
        .iter()
        .map(|branch| BranchItem {
            answers: branch
                .answers
                .iter()
                .map(|(question, answer)| {
                    let fact = model.facts.get(question.fact);
                    let fact_name = fact.map_or("?", |f| f.name.as_str());
                    let member = question.member.and_then(|member| {
                        let Some(Type::Set(id)) = fact.map(|f| &f.ty) else {
                            return None;
                        };
                        model.enums.get(*id)?.values.get(member as usize)
                    });
                    let condition = match (answer, member) {
                        (Answer::Yes, Some(member)) => format!("{member} in {fact_name}"),
                        (Answer::No, Some(member)) => format!("not {member} in {fact_name}"),
                        (Answer::Yes, None) => fact_name.to_owned(),
                        (Answer::No, None) => format!("not {fact_name}"),
                        (Answer::Enum(value), _) => {
                            let value = match fact.map(|f| &f.ty) {
                                Some(Type::Enum(id)) => model
                                    .enums
                                    .get(*id)
                                    .and_then(|e| e.values.get(*value as usize))
                                    .map_or("?", String::as_str),
                                _ => "?",
                            };
                            format!("{fact_name} = {value}")
                        }
                        (Answer::Number(range), _) => {
                            let unit = match fact.map(|f| &f.ty) {
                                Some(Type::Quantity(unit)) => format!(" {}", unit.text),
                                _ => String::new(),
                            };
                            let n = |x: &f64| format!("{}{unit}", super::text::number(*x));
                            match (range.low, range.high) {
                                (Some((low, true)), Some((high, true))) if low == high => {
                                    format!("{fact_name} = {}", n(&low))
                                }
                                // A band with its lower end in reads as the
                                // range an author writes for it.
                                (Some((low, true)), Some((high, inclusive))) => {
                                    let kind = if inclusive {
                                        RangeKind::Closed
                                    } else {
                                        RangeKind::HalfOpen
                                    };
                                    let low = super::text::number(low);
                                    format!("{fact_name} in {low}{}{}", kind.symbol(), n(&high))
                                }
                                (low, high) => {
                                    let low = low.map(|(x, inclusive)| {
                                        let op = if inclusive { ">=" } else { ">" };
                                        format!("{fact_name} {op} {}", n(&x))
                                    });
                                    let high = high.map(|(x, inclusive)| {
                                        let op = if inclusive { "<=" } else { "<" };
                                        format!("{fact_name} {op} {}", n(&x))
                                    });
                                    match (low, high) {
                                        (Some(low), Some(high)) => format!("{low} and {high}"),
                                        (Some(bound), None) | (None, Some(bound)) => bound,
                                        (None, None) => format!("any {fact_name}"),
                                    }
                                }
                            }
                        }
                    };
                    AnswerItem {
                        fact: fact_name,
                        member: member.map(String::as_str),
                        condition,
                    }
                })
                .collect(),
            decisions: branch
                .decisions
                .iter()
                .map(|decision| named(model, decision))
                .collect(),
        })
        .collect()
}

/// A decision with the model's names.
fn named<'a>(model: &'a Model, decision: &Decision) -> DecisionItem<'a> {
    let rule = |id: crate::sema::RuleId| model.rules.get(id).map(|r| r.name.as_str());
    let action = |id: crate::sema::ActionId| model.actions.get(id).map(|a| a.name.as_str());
    let item = |decision, rule, action, because| DecisionItem {
        decision,
        rule,
        action,
        because,
        offered: false,
    };
    match *decision {
        Decision::Recommend { rule: r, action: a } => item("recommend", rule(r), action(a), None),
        // An offered option is recommended too, marked as one of equal
        // options (the decision keeps the schema's words).
        Decision::Offer { rule: r, action: a } => DecisionItem {
            offered: true,
            ..item("recommend", rule(r), action(a), None)
        },
        Decision::Withhold {
            rule: r,
            action: a,
            because,
        } => item("withhold", rule(r), action(a), Some(because.words())),
        Decision::Avoid { rule: r, action: a } => item("avoid", rule(r), action(a), None),
        Decision::Undecided { rule: r } => item("cannot-decide", rule(r), None, None),
        Decision::NoAlternative { rule: r, .. } => item("no-alternative", rule(r), None, None),
        Decision::Exclusive { .. } => item("exclusive-conflict", None, None, None),
        // Left out of answers: an implausible combination is no answer.
        Decision::Implausible => item("implausible-facts", None, None, None),
        Decision::NothingApplies => item("nothing-applies", None, None, None),
    }
}
