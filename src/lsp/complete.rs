//! Completion: what may be written at the cursor, from the words before
//! it. Fact, definition, value and score names in a condition; actions
//! after `recommend`, `avoid`, `any of` and `exclusive`; references after
//! `cite`; an enum fact's values after `=`, `!=` or `in`; units of the
//! fact's dimension after a number; types after `fact name:`; lint names
//! after `expect`; GRADE's words after `strength` and `certainty`; and the
//! keywords that may start a declaration or a clause where one may start.
//!
//! Input: the text before the cursor, read by a small lexer that knows
//! strings and comments (the file need not parse), and the names of the
//! last tree. Invariant: only names the file declares (or gdl's own
//! words) are offered, those that start with what is already typed.

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, InsertTextFormat,
};

use super::hover::find_item;
use super::symbols::{ACTION_ENUM, Kind, Symbols};
use super::workspace::Workspace;
use crate::sema::{Certainty, Strength};
use crate::syntax::ast::{File, Item, TypeExpr};
use crate::units::parse_unit;

/// Keywords that start a top-level declaration.
const DECLARATIONS: &[&str] = &[
    "guideline",
    "reference",
    "enum",
    "fact",
    "define",
    "score",
    "value",
    "invariant",
    "exclusive",
    "action",
    "goal",
    "rule",
    "section",
];
/// Keywords that start a clause of a rule.
const RULE_CLAUSES: &[&str] = &[
    "when",
    "then",
    "recommend",
    "avoid",
    "cite",
    "strength",
    "certainty",
    "else-escalate",
    "expect",
];
/// Keywords that start a clause of an action.
const ACTION_CLAUSES: &[&str] = &["contraindicated-if", "caution-if", "because", "cite"];
/// Keywords inside a condition.
const CONDITION_WORDS: &[&str] = &[
    "and", "or", "not", "implies", "in", "true", "false", "at", "least", "most", "of",
];
/// Words after which a line continues what they started.
const CONTINUED: &[&str] = &[
    "and",
    "or",
    "not",
    "implies",
    "in",
    "when",
    "then",
    "recommend",
    "avoid",
    "cite",
    "of",
    "because",
    "expect",
    "strength",
    "certainty",
    "else-escalate",
    "contraindicated-if",
    "caution-if",
    "least",
    "most",
];
/// The words of a fact's type.
const TYPES: &[&str] = &["bool", "number", "quantity", "duration", "date", "set of"];
/// Units offered after a number, when they measure what the fact does.
const UNITS: &[&str] = &[
    "mg",
    "g",
    "kg",
    "ug",
    "ng",
    "mL",
    "L",
    "dL",
    "mg/dL",
    "g/dL",
    "g/L",
    "mg/L",
    "ug/L",
    "ng/mL",
    "mmol/L",
    "umol/L",
    "mol/L",
    "mL/min",
    "mL/min/1.73m2",
    "kg/m2",
    "cm",
    "m",
    "mm",
    "s",
    "min",
    "h",
    "d",
    "wk",
    "mo",
    "a",
    "mmHg",
    "kPa",
    "%",
    "[IU]",
    "[IU]/L",
    "U/L",
    "10*9/L",
    "/min",
];

/// The completions at a position.
pub fn completion(
    workspace: &mut Workspace,
    params: CompletionParams,
) -> Option<CompletionResponse> {
    let at = params.text_document_position;
    let document = workspace.documents.get_mut(at.text_document.uri.as_str())?;
    let offset = document.lines.offset(&document.text, at.position);
    document.front();
    let document = &*document;
    let front = document.front_if_ready()?;
    let before = document.text.get(..offset)?;
    let context = Context::read(before);
    // While the text does not parse, the names of the last one that did.
    let offer = match (&front.tree, document.last_parsed()) {
        (Some(tree), _) => Offer {
            symbols: &front.symbols,
            tree,
            text: &document.text,
        },
        (None, Some(parsed)) => Offer {
            symbols: &parsed.symbols,
            tree: &parsed.tree,
            text: &parsed.text,
        },
        (None, None) => return Some(CompletionResponse::Array(Vec::new())),
    };
    let items = offer.items(&context);
    let prefix = context.partial.to_lowercase();
    let items = items
        .into_iter()
        .filter(|item| item.label.to_lowercase().starts_with(&prefix))
        .collect();
    Some(CompletionResponse::Array(items))
}

/// A token of the text before the cursor.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// A name, keyword, number or unit.
    Word(String),
    /// A string literal.
    Str,
    /// One punctuation character (`<=`, `>=`, `!=` as one).
    Punct(String),
}

/// What comes before the cursor.
#[derive(Debug)]
struct Context {
    /// The complete tokens before the word being typed.
    tokens: Vec<Token>,
    /// The word being typed (empty after a space).
    partial: String,
    /// The keyword of the declaration whose braces the cursor is in.
    enclosing: Option<String>,
    /// Whether only blanks come before the cursor on its line.
    line_start: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || "_-./%*^[]µμ".contains(c)
}

impl Context {
    fn read(before: &str) -> Context {
        let mut tokens = Vec::new();
        let mut chars = before.char_indices().peekable();
        let mut partial = String::new();
        // The declaration keyword at depth 0, and one per open brace.
        let mut openers: Vec<Option<String>> = Vec::new();
        let mut last_top: Option<String> = None;
        while let Some((at, c)) = chars.next() {
            partial.clear();
            if c.is_whitespace() {
                continue;
            }
            if c == '#' {
                while chars.next_if(|(_, c)| *c != '\n').is_some() {}
                continue;
            }
            if c == '"' {
                let mut escaped = false;
                while let Some((_, c)) = chars.next_if(|(_, c)| *c != '\n') {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                tokens.push(Token::Str);
                continue;
            }
            if is_word_char(c) {
                let mut end = at + c.len_utf8();
                while let Some((i, c)) = chars.next_if(|(_, c)| is_word_char(*c)) {
                    end = i + c.len_utf8();
                }
                let word = before.get(at..end).unwrap_or("").to_owned();
                if end == before.len() {
                    partial = word;
                    break;
                }
                if openers.is_empty() && DECLARATIONS.contains(&word.as_str()) {
                    last_top = Some(word.clone());
                }
                tokens.push(Token::Word(word));
                continue;
            }
            let mut punct = c.to_string();
            if "<>!".contains(c) && chars.next_if(|(_, c)| *c == '=').is_some() {
                punct.push('=');
            }
            match c {
                '{' => openers.push(if openers.is_empty() {
                    last_top.clone()
                } else {
                    openers.last().cloned().flatten()
                }),
                '}' => {
                    openers.pop();
                }
                _ => {}
            }
            tokens.push(Token::Punct(punct));
        }
        let line = before.rsplit('\n').next().unwrap_or(before);
        Context {
            line_start: line.trim_start().len() == partial.len(),
            tokens,
            partial,
            enclosing: openers.last().cloned().flatten(),
        }
    }

    /// The `n`th complete token back from the cursor (0 the last).
    fn back(&self, n: usize) -> Option<&Token> {
        self.tokens
            .len()
            .checked_sub(n + 1)
            .and_then(|i| self.tokens.get(i))
    }

    fn word_back(&self, n: usize) -> Option<&str> {
        match self.back(n) {
            Some(Token::Word(word)) => Some(word),
            _ => None,
        }
    }

    fn punct_back(&self, n: usize) -> Option<&str> {
        match self.back(n) {
            Some(Token::Punct(p)) => Some(p),
            _ => None,
        }
    }

    /// The nearest word back from the cursor, skipping `name ,` pairs: the
    /// keyword a list (`cite A, B, `) hangs from, and how far back it is.
    fn list_head(&self) -> Option<(usize, &str)> {
        let mut n = 0;
        while self.punct_back(n) == Some(",") {
            n += 2;
        }
        self.word_back(n).map(|w| (n, w))
    }
}

/// Builds completion items from a file's names.
struct Offer<'a> {
    symbols: &'a Symbols,
    tree: &'a File,
    text: &'a str,
}

impl Offer<'_> {
    fn items(&self, context: &Context) -> Vec<CompletionItem> {
        if let Some((n, head)) = context.list_head() {
            match head {
                "cite" => return self.names(Kind::Reference),
                "recommend" | "avoid" | "exclusive" => return self.names(Kind::Action),
                "of" if context.word_back(n + 1) == Some("any") => {
                    return self.names(Kind::Action);
                }
                _ => {}
            }
        }
        match context.back(0) {
            Some(Token::Word(word)) => match word.as_str() {
                "of" if context.word_back(1) == Some("set") => return self.enums(),
                "expect" => return lints(),
                "strength" => return words(Strength::ALL.iter().map(|s| s.word())),
                "certainty" => return words(Certainty::ALL.iter().map(|c| c.word())),
                "in" => {
                    if let Some(values) = self.values_of(context.word_back(1)) {
                        return values.into_iter().map(|v| braced(&v)).collect();
                    }
                }
                _ if starts_number(word) => return self.units_after_number(context),
                _ => {}
            },
            Some(Token::Punct(p)) => match p.as_str() {
                ":" if matches!(context.word_back(2), Some("fact" | "value")) => {
                    let mut items = keywords(TYPES);
                    items.extend(self.enums());
                    return items;
                }
                "=" | "!=" => {
                    if let Some(values) = self.values_of(context.word_back(1)) {
                        return values.iter().map(|v| value_item(v)).collect();
                    }
                    if self.fact_type(context.word_back(1)) == Some(FactType::Bool) {
                        return keywords(&["true", "false"]);
                    }
                }
                "{" | "," => {
                    let mut n = 0;
                    while context.punct_back(n) == Some(",") {
                        n += 2;
                    }
                    if context.punct_back(n) == Some("{")
                        && context.word_back(n + 1) == Some("in")
                        && let Some(values) = self.values_of(context.word_back(n + 2))
                    {
                        return values.iter().map(|v| value_item(v)).collect();
                    }
                }
                _ => {}
            },
            _ => {}
        }
        if self.at_clause_start(context) {
            return match context.enclosing.as_deref() {
                None => keywords(DECLARATIONS),
                Some("rule" | "section") => {
                    let mut items = keywords(RULE_CLAUSES);
                    items.extend(keywords(&["rule", "section"]));
                    if matches!(context.back(0), Some(Token::Word(_))) {
                        // The line may also go on with the condition above.
                        items.extend(keywords(&["and", "or", "implies"]));
                    }
                    items
                }
                Some("action" | "goal") => keywords(ACTION_CLAUSES),
                Some(_) => Vec::new(),
            };
        }
        let mut items = Vec::new();
        for kind in [Kind::Fact, Kind::Definition, Kind::Value, Kind::Score] {
            items.extend(self.names(kind));
        }
        items.extend(keywords(CONDITION_WORDS));
        items
    }

    /// Whether the cursor is where a declaration or a clause may start:
    /// at the start of the file, after a closing brace, or after a string
    /// (the end of a description, a `because`, a title).
    fn at_clause_start(&self, context: &Context) -> bool {
        match context.back(0) {
            None | Some(Token::Str) => true,
            Some(Token::Punct(p)) => p == "}" || p == "{",
            // A line that starts after a complete word (`cite Ref`), not
            // after a word that needs more (`and`, `when`, `cite`).
            Some(Token::Word(word)) => context.line_start && !CONTINUED.contains(&word.as_str()),
        }
    }

    fn names(&self, kind: Kind) -> Vec<CompletionItem> {
        self.symbols
            .names_of(kind)
            .into_iter()
            .map(|name| CompletionItem {
                label: name.to_owned(),
                kind: Some(item_kind(kind)),
                detail: self.detail(kind, name),
                ..CompletionItem::default()
            })
            .collect()
    }

    fn enums(&self) -> Vec<CompletionItem> {
        let mut items = self.names(Kind::Enum);
        items.push(CompletionItem {
            label: ACTION_ENUM.to_owned(),
            kind: Some(CompletionItemKind::ENUM),
            detail: Some("the built-in enum of the declared actions".to_owned()),
            ..CompletionItem::default()
        });
        items
    }

    /// One line about a declaration: a fact's type, an action's label.
    fn detail(&self, kind: Kind, name: &str) -> Option<String> {
        let slice = |span: crate::span::Span| {
            self.text
                .get(span.start_usize()..span.end as usize)
                .map(str::to_owned)
        };
        self.tree.items.iter().find_map(|item| match (kind, item) {
            (Kind::Fact, Item::Fact(f)) if f.name.node == name => slice(f.ty.span),
            (Kind::Action, Item::Action(a)) if a.name.node == name => {
                a.label.as_ref().map(|l| l.node.clone())
            }
            (Kind::Definition, Item::Define(d)) if d.name.node == name => {
                d.description.as_ref().map(|l| l.node.clone())
            }
            (Kind::Reference, Item::Reference(r)) if r.key.node == name => {
                Some(r.citation.node.clone())
            }
            _ => None,
        })
    }

    /// The values of the enum of a fact, when it is one of enum or set type.
    fn values_of(&self, fact: Option<&str>) -> Option<Vec<String>> {
        let enum_name = self.symbols.fact_enums.get(fact?)?;
        let values = self.symbols.enum_values(enum_name);
        Some(values.into_iter().map(str::to_owned).collect())
    }

    fn fact_type(&self, fact: Option<&str>) -> Option<FactType> {
        let fact = fact?;
        find_item(self.tree, |item| match item {
            Item::Fact(f) if f.name.node == fact => Some(&f.ty.node),
            _ => None,
        })
        .map(|ty| match ty {
            TypeExpr::Bool => FactType::Bool,
            TypeExpr::Quantity(unit) | TypeExpr::Duration(unit) => {
                FactType::Quantity(unit.node.clone())
            }
            _ => FactType::Other,
        })
    }

    /// Units after a number: those of the dimension of the quantity fact
    /// the number is compared with (the nearest fact name before it).
    fn units_after_number(&self, context: &Context) -> Vec<CompletionItem> {
        let unit = (1..6).find_map(|n| match self.fact_type(context.word_back(n)) {
            Some(FactType::Quantity(unit)) => Some(unit),
            _ => None,
        });
        let Some(dimension) = unit.and_then(|u| parse_unit(&u).ok()).map(|u| u.dimension) else {
            return Vec::new();
        };
        UNITS
            .iter()
            .filter(|u| parse_unit(u).is_ok_and(|u| u.dimension == dimension))
            .map(|u| CompletionItem {
                label: (*u).to_owned(),
                kind: Some(CompletionItemKind::UNIT),
                ..CompletionItem::default()
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
enum FactType {
    Bool,
    Quantity(String),
    Other,
}

fn starts_number(word: &str) -> bool {
    let digits = word.strip_prefix('-').unwrap_or(word);
    digits.starts_with(|c: char| c.is_ascii_digit())
}

fn item_kind(kind: Kind) -> CompletionItemKind {
    match kind {
        Kind::Fact | Kind::Value => CompletionItemKind::VARIABLE,
        Kind::Definition | Kind::Score => CompletionItemKind::FUNCTION,
        Kind::Action => CompletionItemKind::EVENT,
        Kind::Reference => CompletionItemKind::REFERENCE,
        Kind::Enum => CompletionItemKind::ENUM,
        Kind::EnumValue => CompletionItemKind::ENUM_MEMBER,
        Kind::Rule | Kind::Section | Kind::Guideline => CompletionItemKind::MODULE,
    }
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words
        .iter()
        .map(|w| CompletionItem {
            label: (*w).to_owned(),
            kind: Some(CompletionItemKind::KEYWORD),
            ..CompletionItem::default()
        })
        .collect()
}

fn words<'w>(words: impl Iterator<Item = &'w str>) -> Vec<CompletionItem> {
    words
        .map(|w| CompletionItem {
            label: w.to_owned(),
            kind: Some(CompletionItemKind::KEYWORD),
            ..CompletionItem::default()
        })
        .collect()
}

fn lints() -> Vec<CompletionItem> {
    crate::diagnostics::Code::ALL
        .iter()
        .filter(|code| code.default_severity() == crate::diagnostics::Severity::Warning)
        .map(|code| CompletionItem {
            label: code.name().to_owned(),
            kind: Some(CompletionItemKind::KEYWORD),
            detail: Some(format!("{}: {}", code.id(), code.summary())),
            ..CompletionItem::default()
        })
        .collect()
}

fn value_item(value: &str) -> CompletionItem {
    CompletionItem {
        label: value.to_owned(),
        kind: Some(CompletionItemKind::ENUM_MEMBER),
        ..CompletionItem::default()
    }
}

/// An enum value after `fact in`: written as a one-value set.
fn braced(value: &str) -> CompletionItem {
    CompletionItem {
        label: value.to_owned(),
        kind: Some(CompletionItemKind::ENUM_MEMBER),
        insert_text: Some(format!("{{{value}}}")),
        insert_text_format: Some(InsertTextFormat::PLAIN_TEXT),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_list_a_name_is_typed_in() {
        let context = Context::read("rule r { when x then recommend a, b cite Ref, Ot");
        assert_eq!(context.partial, "Ot");
        assert_eq!(context.list_head(), Some((2, "cite")));
        assert_eq!(context.enclosing.as_deref(), Some("rule"));
        let context = Context::read("fact x: bool \"a # not a comment\" # comment\n");
        assert_eq!(context.back(0), Some(&Token::Str));
        assert_eq!(context.enclosing, None);
    }
}
