//! The scores pass: each score's items become conditions with their
//! points, in declaration order. A test of a score (`curb65 >= 3`) copies
//! the score's items, so it may appear only where they are already
//! resolved: in definitions and rules (resolved after this pass) and in
//! the items of later scores (E0314 otherwise). The definitions the items
//! use are recorded, so that a definition testing the score uses them too
//! and a cycle through a score is reported like any other (E0203).

use super::Resolver;
use crate::never::OrNever;
use crate::sema::MAX_POINTS;
use crate::sema::error::Error;
use crate::sema::model::*;
use crate::span::Span;
use crate::syntax::ast;

impl Resolver {
    /// Resolves each declared score's items, in declaration order.
    pub(super) fn resolve_scores(&mut self, scores: &[(&ast::ScoreDecl, ScoreId)]) {
        for &(decl, id) in scores {
            self.score_within = Some(id);
            let mut edges = Vec::new();
            let items: Vec<ScoreItem> = decl
                .items
                .iter()
                .map(|item| ScoreItem {
                    points: item.points.node,
                    condition: self.condition(&item.condition, &mut edges),
                })
                .collect();
            self.check_points(Some(id), &items, decl.span);
            if let Some(score) = self.model.scores.get_mut(id).never_none() {
                score.items = items;
            }
            self.score_edges.set(id, edges);
            self.scores_resolved = id.index() + 1;
        }
        self.score_within = None;
    }

    /// E0313 when the points' magnitudes add up to more than
    /// [`MAX_POINTS`].
    pub(super) fn check_points(&mut self, score: Option<ScoreId>, items: &[ScoreItem], span: Span) {
        let total = items.iter().fold(0u64, |sum, item| {
            sum.saturating_add(item.points.unsigned_abs())
        });
        if total > MAX_POINTS {
            self.error(Error::ScoreTooLarge { score, span, total });
        }
    }

    /// `score op operand`, once the operand is a whole number: the test
    /// with the score's items copied, or E0314 when they are not resolved
    /// yet (a later score, or the score itself, tested in an item).
    pub(super) fn score_test(
        &mut self,
        score: ScoreId,
        op: CmpOp,
        value: i64,
        span: Span,
        edges: &mut Vec<(DefinitionId, Span)>,
    ) -> ConditionKind {
        self.used_scores.set(score, true);
        if score.index() >= self.scores_resolved {
            self.error(Error::ScoreDeclaredLater {
                score,
                used: span,
                within: self.score_within,
            });
            return ConditionKind::Const(false);
        }
        edges.extend(
            self.score_edges
                .at(score)
                .iter()
                .map(|(used, _)| (*used, span)),
        );
        ConditionKind::Points(Box::new(PointsTest {
            score: Some(score),
            items: self.model.scores.at(score).items.clone(),
            op,
            value,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HEAD, found, model, the_error};
    use crate::sema::error::Error;
    use crate::sema::model::*;

    const SCORE: &str = "fact confusion: bool\nfact age: number\n\
                         score s \"S\" {\n  +1 if confusion\n  +2 if age >= 65\n}\n";

    #[test]
    fn a_test_of_a_score_copies_its_items() {
        let text = format!("{HEAD}{SCORE}rule r {{ when s >= 2 then recommend a cite R }}\n");
        let model = model(&text);
        let ConditionKind::Points(test) = &model.rules.at(RuleId(0)).condition.kind else {
            panic!("not a points test");
        };
        assert_eq!(test.score, Some(ScoreId(0)));
        assert_eq!((test.op, test.value), (CmpOp::Ge, 2));
        let points: Vec<i64> = test.items.iter().map(|i| i.points).collect();
        assert_eq!(points, [1, 2]);
        assert_eq!(test.items, model.scores.at(ScoreId(0)).items);
    }

    #[test]
    fn a_count_is_a_points_test_of_one_point_each() {
        let text = format!(
            "{HEAD}fact x: bool\nfact y: bool\nfact z: bool\n\
             rule r {{ when at most 1 of (x, y, z) then recommend a cite R }}\n"
        );
        let model = model(&text);
        let ConditionKind::Points(test) = &model.rules.at(RuleId(0)).condition.kind else {
            panic!("not a points test");
        };
        assert_eq!((test.score, test.op, test.value), (None, CmpOp::Le, 1));
        assert!(test.items.iter().all(|i| i.points == 1));
    }

    #[test]
    fn a_score_is_not_a_condition_and_compares_only_with_whole_numbers() {
        let rule =
            |when: &str| format!("{HEAD}{SCORE}rule r {{ when {when} then recommend a cite R }}\n");
        assert_eq!(found(&rule("s")), [("E0301", "s")]);
        assert_eq!(found(&rule("s >= 2.5")), [("E0301", "2.5")]);
        assert_eq!(found(&rule("s >= 2 points")), [("E0301", "2 points")]);
        assert_eq!(found(&rule("s >= confusion")), [("E0301", "confusion")]);
        assert_eq!(found(&rule("s in {a}")), [("E0301", "s")]);
    }

    #[test]
    fn a_score_may_test_only_earlier_scores() {
        let text = format!(
            "{HEAD}fact x: bool\nscore early {{ +1 if x }}\n\
             score late {{ +1 if early >= 1\n +1 if late >= 1\n +1 if later >= 1 }}\n\
             score later {{ +1 if x }}\n\
             rule r {{ when late >= 1 and later >= 1 then recommend a cite R }}\n"
        );
        assert_eq!(
            found(&text),
            [("E0314", "late >= 1"), ("E0314", "later >= 1")]
        );
    }

    #[test]
    fn a_definition_testing_a_score_whose_items_use_it_is_a_cycle() {
        let text = format!(
            "{HEAD}fact x: bool\nscore s {{ +1 if d\n +1 if x }}\ndefine d = s >= 2\n\
             rule r {{ when d then recommend a cite R }}\n"
        );
        assert!(matches!(
            the_error(&text),
            Error::RecursiveDefinition { .. }
        ));
    }

    #[test]
    fn points_adding_up_past_the_limit_are_an_error() {
        let text = format!(
            "{HEAD}fact x: bool\nfact y: bool\nscore s {{ +400 if x\n -101 if y }}\n\
             rule r {{ when s >= 1 then recommend a cite R }}\n"
        );
        let Error::ScoreTooLarge { total, .. } = the_error(&text) else {
            panic!("no error");
        };
        assert_eq!(total, 501);
    }

    #[test]
    fn definitions_in_score_items_are_renumbered_with_the_definitions() {
        let text = format!(
            "{HEAD}fact x: bool\ndefine late = early\ndefine early = x\n\
             score s {{ +1 if late }}\nrule r {{ when s >= 1 then recommend a cite R }}\n"
        );
        let model = model(&text);
        // `late` is the second definition once ordered.
        let late = ConditionKind::Definition(DefinitionId(1));
        assert_eq!(model.scores.at(ScoreId(0)).items[0].condition.kind, late);
        let ConditionKind::Points(test) = &model.rules.at(RuleId(0)).condition.kind else {
            panic!("not a points test");
        };
        assert_eq!(test.items[0].condition.kind, late);
    }
}
