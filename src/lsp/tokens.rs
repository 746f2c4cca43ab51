//! Semantic tokens: each name coloured by what it names (a fact, an
//! action, a rule, …), declarations marked, which a TextMate grammar
//! cannot know. Keywords, strings, numbers and comments are left to the
//! editor's grammar (`editors/vscode/syntaxes/gdl.tmLanguage.json`).
//!
//! Invariant: tokens are in source order, one per name, each on one line,
//! lengths in UTF-16 units, encoded relative to the previous token as the
//! protocol asks.

use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
    SemanticTokensParams, SemanticTokensResult,
};

use super::symbols::{Kind, Role};
use super::workspace::Workspace;

/// The token types, in legend order.
const TYPES: [SemanticTokenType; 9] = [
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::EVENT,
    SemanticTokenType::MACRO,
    SemanticTokenType::ENUM,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::METHOD,
];

/// The legend the server announces.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

/// Each kind's index in [`TYPES`].
fn type_index(kind: Kind) -> u32 {
    match kind {
        Kind::Guideline | Kind::Section => 0,
        Kind::Fact => 1,
        Kind::Value => 2,
        Kind::Definition | Kind::Score => 3,
        Kind::Action => 4,
        Kind::Reference => 5,
        Kind::Enum => 6,
        Kind::EnumValue => 7,
        Kind::Rule => 8,
    }
}

/// The tokens of a document.
pub fn semantic_tokens(
    workspace: &mut Workspace,
    params: SemanticTokensParams,
) -> Option<SemanticTokensResult> {
    let document = workspace
        .documents
        .get_mut(params.text_document.uri.as_str())?;
    document.front();
    let document = &*document;
    let symbols = &document.front_if_ready()?.symbols;
    let mut data = Vec::new();
    let (mut line, mut start) = (0, 0);
    for occurrence in &symbols.occurrences {
        let range = document.lines.range(&document.text, occurrence.span);
        if range.start.line != range.end.line || range.end.character <= range.start.character {
            continue;
        }
        // Occurrences are sorted by span, so neither delta is negative.
        let delta_line = range.start.line.saturating_sub(line);
        let delta_start = if delta_line == 0 {
            range.start.character.saturating_sub(start)
        } else {
            range.start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: range.end.character.saturating_sub(range.start.character),
            token_type: type_index(occurrence.target.kind),
            token_modifiers_bitset: u32::from(occurrence.role == Role::Declaration),
        });
        line = range.start.line;
        start = range.start.character;
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    }))
}
