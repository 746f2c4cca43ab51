//! One open guideline: its text as the editor has it (saved or not), and
//! what the checker says about that text, computed when first asked for
//! and kept until the text changes.
//!
//! Two stages, so the cheap one is never held up by the other: the front
//! end ([`Front`]: the tree, its names, the model and the syntax, name,
//! type and unit diagnostics) and the logic analyses ([`Logic`]: every
//! diagnostic `gdl check` gives, with the witness patient of each logic
//! finding). Invariant: both describe `text` as it is now; an edit drops
//! them.

use std::sync::Arc;

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::position::LineIndex;
use super::symbols::Symbols;
use crate::diagnostics::{Code, Diagnostic};
use crate::sema::Model;
use crate::span::Span;
use crate::syntax::ast::File;

/// An open guideline.
#[derive(Debug)]
pub struct Document {
    /// Its URI, as the client names it.
    pub uri: Uri,
    /// The client's version of the text.
    pub version: i32,
    /// The text, unsaved edits included.
    pub text: String,
    /// Lines of `text`.
    pub lines: LineIndex,
    front: Option<Front>,
    logic: Option<Logic>,
    /// The last text that parsed, with its tree and names: completion
    /// offers its names while the text being typed does not parse.
    last_parsed: Option<Parsed>,
}

/// A text that parsed, its tree and its names.
#[derive(Debug)]
pub struct Parsed {
    /// The text.
    pub text: String,
    /// Its tree.
    pub tree: File,
    /// Its names.
    pub symbols: Symbols,
}

/// What the front end makes of a text.
#[derive(Debug)]
pub struct Front {
    /// The tree, `None` after a syntax error.
    pub tree: Option<File>,
    /// Every name in the tree.
    pub symbols: Symbols,
    /// The model, when the front end found no error; shared, so a logic
    /// job on another thread takes it without a copy.
    pub model: Option<Arc<Model>>,
    /// The front end's diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// What `gdl check` says about a text.
#[derive(Debug)]
pub struct Logic {
    /// Every diagnostic, the front end's and the logic findings, sorted
    /// as `gdl check` sorts them.
    pub diagnostics: Vec<Diagnostic>,
    /// The witness patient of each logic finding that has one.
    pub witnesses: Vec<Witness>,
}

/// A logic finding's example patient, as a facts file.
#[derive(Clone, Debug)]
pub struct Witness {
    /// The finding's code.
    pub code: Code,
    /// Its primary span.
    pub span: Span,
    /// The patient, as facts JSON.
    pub facts: String,
}

impl Document {
    /// A document as opened.
    pub fn new(uri: Uri, version: i32, text: String) -> Document {
        let mut document = Document {
            uri,
            version,
            lines: LineIndex::new(&text),
            text,
            front: None,
            logic: None,
            last_parsed: None,
        };
        // Now, not when first asked: its diagnostics are published next
        // anyway, and an edit that follows at once then has a parsed text
        // to fall back on.
        document.front();
        document
    }

    /// Applies the client's edits, in order (each range is in the text
    /// the edits before it made).
    pub fn edit(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        if let Some(Front {
            tree: Some(tree),
            symbols,
            ..
        }) = self.front.take()
        {
            self.last_parsed = Some(Parsed {
                text: self.text.clone(),
                tree,
                symbols,
            });
        }
        self.lines = apply_changes(&mut self.text, changes);
        self.version = version;
        self.front = None;
        self.logic = None;
    }

    /// The front end's view of the text, computed if need be.
    pub fn front(&mut self) -> &Front {
        self.front.get_or_insert_with(|| {
            let (tree, compiled) = crate::compile_with_tree(&self.text);
            let crate::Compiled { model, diagnostics } = compiled;
            let symbols = tree.as_ref().map(Symbols::new).unwrap_or_default();
            Front {
                tree,
                symbols,
                model: model.map(Arc::new),
                diagnostics,
            }
        })
    }

    /// The last text that parsed before the current one, if the current
    /// one does not.
    pub fn last_parsed(&self) -> Option<&Parsed> {
        self.last_parsed.as_ref()
    }

    /// The front end's view if it is already computed.
    pub fn front_if_ready(&self) -> Option<&Front> {
        self.front.as_ref()
    }

    /// Whether the logic analyses have run on this text.
    pub fn has_logic(&self) -> bool {
        self.logic.is_some()
    }

    /// `gdl check`'s diagnostics for the text, running the logic analyses
    /// here if need be (see [`LogicJob`] to run them elsewhere).
    pub fn logic(&mut self) -> &Logic {
        if self.logic.is_none() {
            let logic = match self.logic_job() {
                Some(job) => job.run().logic,
                None => Logic {
                    diagnostics: self.front().diagnostics.clone(),
                    witnesses: Vec::new(),
                },
            };
            self.logic = Some(logic);
        }
        self.logic.get_or_insert_with(|| Logic {
            diagnostics: Vec::new(),
            witnesses: Vec::new(),
        })
    }

    /// The logic analyses of the current text, to run on any thread;
    /// `None` when the front end found an error (then `gdl check` has
    /// only the front end's diagnostics) or they have run already.
    pub fn logic_job(&mut self) -> Option<LogicJob> {
        if self.logic.is_some() {
            return None;
        }
        let version = self.version;
        let front = self.front();
        let model = front.model.clone()?;
        Some(LogicJob {
            uri: self.uri.as_str().to_owned(),
            version,
            model,
            front: self.front().diagnostics.clone(),
        })
    }

    /// Keeps the result of a [`LogicJob`]; `false` (and nothing kept) when
    /// the text changed since the job was made.
    pub fn finish_logic(&mut self, done: LogicDone) -> bool {
        if done.version != self.version || self.front.is_none() {
            return false;
        }
        self.logic = Some(done.logic);
        true
    }

    /// The logic view if it is already computed.
    pub fn logic_if_ready(&self) -> Option<&Logic> {
        self.logic.as_ref()
    }

    /// The text of a span (empty if it is not in the text).
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start_usize()..span.end as usize)
            .unwrap_or("")
    }
}

/// Applies the client's edits to a text, in order (each range is in the
/// text the edits before it made); returns the new text's lines.
pub fn apply_changes(text: &mut String, changes: Vec<TextDocumentContentChangeEvent>) -> LineIndex {
    let mut lines = LineIndex::new(text);
    for change in changes {
        match change.range {
            Some(range) => {
                let span = lines.span(text, range);
                text.replace_range(span.start_usize()..span.end as usize, &change.text);
            }
            None => *text = change.text,
        }
        lines = LineIndex::new(text);
    }
    lines
}

/// The logic analyses of one text, owning what they need: made by
/// [`Document::logic_job`], run anywhere ([`LogicJob::run`]), given back
/// to the document with [`Document::finish_logic`].
#[derive(Debug)]
pub struct LogicJob {
    /// The document, by URI.
    pub uri: String,
    /// The version of its text.
    pub version: i32,
    model: Arc<Model>,
    /// The front end's diagnostics of that text.
    front: Vec<Diagnostic>,
}

/// What a [`LogicJob`] found.
#[derive(Debug)]
pub struct LogicDone {
    /// The document, by URI.
    pub uri: String,
    /// The version of the text analysed.
    pub version: i32,
    /// `gdl check`'s diagnostics for it.
    pub logic: Logic,
}

impl LogicJob {
    /// Runs the logic analyses: the front end's diagnostics and every
    /// finding `gdl check` reports, sorted as it sorts them, with the
    /// witness of each.
    pub fn run(self) -> LogicDone {
        let model = &self.model;
        let mut diagnostics = self.front;
        let mut witnesses = Vec::new();
        let findings = crate::analysis::reported(model, crate::analysis::findings(model));
        for finding in &findings {
            let diagnostic = finding.to_diagnostic(model);
            if let Some(patient) = &finding.witness {
                witnesses.push(Witness {
                    code: diagnostic.code,
                    span: diagnostic.primary_span(),
                    facts: crate::facts::write::witness_json(model, patient),
                });
            }
            diagnostics.push(diagnostic);
        }
        crate::diagnostics::sort(&mut diagnostics);
        LogicDone {
            uri: self.uri,
            version: self.version,
            logic: Logic {
                diagnostics,
                witnesses,
            },
        }
    }
}
