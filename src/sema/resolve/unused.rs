//! The unused pass: a fact, definition, action or reference that nothing
//! uses is a warning (W0206–W0209), reported where it is declared.

use super::Resolver;
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::Span;

/// For each kind of declaration: its code, its name in the message, what
/// "unused" means for it, and the help.
const UNUSED: [(Code, &str, &str, &str); 4] = [
    (
        Code::UnusedFact,
        "fact",
        "is never used",
        "use it in a condition, or delete it",
    ),
    (
        Code::UnusedDefinition,
        "definition",
        "is never used",
        "use it in a condition, or delete it",
    ),
    (
        Code::UnusedAction,
        "action",
        "is never recommended or avoided",
        "name it in a rule's `then`, or delete it",
    ),
    (
        Code::UnusedReference,
        "reference",
        "is never cited",
        "cite it where it supports a rule or clause, or delete it",
    ),
];

impl Resolver {
    pub(super) fn report_unused(&mut self) {
        let model = &self.model;
        // In the order of `UNUSED`: each declaration's name, span and use.
        let declared: [Vec<(&str, Span, bool)>; 4] = [
            model
                .facts
                .iter()
                .zip(&self.used_facts)
                .map(|(fact, used)| (fact.name.as_str(), fact.span, *used))
                .collect(),
            model
                .definitions
                .iter()
                .zip(&self.used_definitions)
                .map(|(definition, used)| (definition.name.as_str(), definition.span, *used))
                .collect(),
            model
                .actions
                .iter()
                .zip(&self.used_actions)
                .map(|(action, used)| (action.name.as_str(), action.span, *used))
                .collect(),
            model
                .references
                .iter()
                .zip(&self.used_references)
                .map(|(reference, used)| (reference.key.as_str(), reference.span, *used))
                .collect(),
        ];
        let mut found = Vec::new();
        for ((code, kind, never, help), declarations) in UNUSED.iter().zip(declared) {
            for (name, span, used) in declarations {
                if !used {
                    found.push(
                        Diagnostic::new(*code, format!("{kind} `{name}` {never}"))
                            .primary(span, "declared here")
                            .help(*help),
                    );
                }
            }
        }
        self.diagnostics.extend(found);
    }
}
