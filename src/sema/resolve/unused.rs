//! The unused pass: a fact, definition, action or reference that nothing
//! uses is a warning (W0206–W0209), reported where it is declared.

use super::Resolver;
use crate::id_vec::{Id, IdVec};
use crate::sema::error::{Error, Unused};
use crate::span::Span;

impl Resolver {
    /// Facts, definitions, actions, then references: the order the
    /// warnings are reported in.
    pub(super) fn report_unused(&mut self) {
        let model = &self.model;
        let found: Vec<Error> = unused(&model.facts, &self.used_facts, |f| (&f.name, f.span))
            .map(Error::UnusedFact)
            .chain(
                unused(&model.definitions, &self.used_definitions, |d| {
                    (&d.name, d.span)
                })
                .map(Error::UnusedDefinition),
            )
            .chain(
                unused(&model.scores, &self.used_scores, |s| (&s.name, s.span))
                    .map(Error::UnusedScore),
            )
            .chain(
                unused(&model.actions, &self.used_actions, |a| (&a.name, a.span))
                    .map(Error::UnusedAction),
            )
            .chain(
                unused(&model.references, &self.used_references, |r| {
                    (&r.key, r.span)
                })
                .map(Error::UnusedReference),
            )
            .collect();
        self.errors.extend(found);
    }
}

/// The declarations not marked used, by name and span.
fn unused<'m, I: Id, T>(
    declarations: &'m IdVec<I, T>,
    used: &'m IdVec<I, bool>,
    declared: impl Fn(&'m T) -> (&'m String, Span) + 'm,
) -> impl Iterator<Item = Unused> + 'm {
    declarations
        .iter()
        .zip(used)
        .filter(|(_, used)| !**used)
        .map(move |(declaration, _)| {
            let (name, span) = declared(declaration);
            Unused {
                name: name.clone(),
                span,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{errors, found};
    use crate::sema::error::{Error, Unused};

    #[test]
    fn each_unused_declaration_is_a_warning_where_it_is_declared() {
        let text = "guideline g \"G\" {}\n\
                    reference Q pmid 2 \"q\"\n\
                    fact unread: bool\n\
                    define idle = true\n\
                    action spare\n\
                    reference R pmid 1 \"r\"\n\
                    action a\n\
                    rule r { when true then recommend a cite R }\n";
        assert_eq!(
            found(text),
            [
                ("W0208", "reference Q pmid 2 \"q\""),
                ("W0206", "fact unread: bool"),
                ("W0209", "define idle = true"),
                ("W0207", "action spare"),
            ]
        );
    }

    #[test]
    fn a_use_anywhere_counts() {
        // In an invariant, an exclusive group (for actions only through a
        // rule), a definition and a clause.
        let text = "guideline g \"G\" {}\n\
                    reference R pmid 1 \"r\"\n\
                    fact x: bool\nfact y: bool\n\
                    define d = y\n\
                    invariant x implies true\n\
                    action a { caution-if d cite R }\n\
                    rule r { when true then recommend a cite R }\n";
        assert_eq!(found(text), []);
    }

    #[test]
    fn each_kind_of_unused_declaration_is_its_own_variant() {
        let text = "guideline g \"G\" {}\nreference Q pmid 2 \"q\"\nfact u: bool\n\
                    define d = true\naction spare\n";
        let unused: Vec<(&str, String)> = errors(text)
            .into_iter()
            .filter_map(|error| match error {
                Error::UnusedFact(Unused { name, .. }) => Some(("fact", name)),
                Error::UnusedDefinition(Unused { name, .. }) => Some(("definition", name)),
                Error::UnusedAction(Unused { name, .. }) => Some(("action", name)),
                Error::UnusedReference(Unused { name, .. }) => Some(("reference", name)),
                _ => None,
            })
            .collect();
        let expected = [
            ("fact", "u"),
            ("definition", "d"),
            ("action", "spare"),
            ("reference", "Q"),
        ]
        .map(|(kind, name)| (kind, name.to_owned()));
        assert_eq!(unused, expected);
    }
}
