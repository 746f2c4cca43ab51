//! Go to definition, find references, the outline of a guideline
//! (document symbols) and workspace symbols: all read from [`Symbols`] and
//! the tree.
//!
//! Invariant: a name is tied to its declaration within its own file (a
//! guideline is one file); workspace symbols list the open guidelines
//! from the editor's text and the others from disk.

use lsp_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Location, OneOf, ReferenceParams, SymbolKind, Uri, WorkspaceSymbol,
    WorkspaceSymbolParams, WorkspaceSymbolResponse,
};

use super::document::Document;
use super::position::LineIndex;
use super::symbols::{Kind, Role, Symbols};
use super::uri;
use super::workspace::Workspace;
use crate::span::Span;
use crate::syntax::ast::{File, Ident, Item, Rule, Section, SectionItem};

/// The declaration of the name under the cursor.
pub fn definition(
    workspace: &mut Workspace,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let at = params.text_document_position_params;
    let document = workspace.documents.get_mut(at.text_document.uri.as_str())?;
    let offset = document.lines.offset(&document.text, at.position);
    let symbols = &document.front().symbols;
    let target = symbols.at(offset)?.target.clone();
    let span = symbols.declaration(&target)?.span;
    let document = &*document;
    Some(GotoDefinitionResponse::Scalar(location(document, span)))
}

/// Every occurrence of the name under the cursor (the declaration when
/// the client asks for it).
pub fn references(workspace: &mut Workspace, params: ReferenceParams) -> Option<Vec<Location>> {
    let at = params.text_document_position;
    let document = workspace.documents.get_mut(at.text_document.uri.as_str())?;
    let offset = document.lines.offset(&document.text, at.position);
    let symbols = &document.front().symbols;
    let target = symbols.at(offset)?.target.clone();
    let spans: Vec<Span> = symbols
        .uses(&target)
        .filter(|o| params.context.include_declaration || o.role != Role::Declaration)
        .map(|o| o.span)
        .collect();
    let document = &*document;
    Some(spans.into_iter().map(|s| location(document, s)).collect())
}

/// The outline: the header, references, enums, facts, definitions,
/// actions, and sections with their rules, in source order.
pub fn document_symbols(
    workspace: &mut Workspace,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let document = workspace
        .documents
        .get_mut(params.text_document.uri.as_str())?;
    document.front();
    let document = &*document;
    let tree = document.front_if_ready()?.tree.as_ref()?;
    let outline = Outline {
        text: &document.text,
        lines: &document.lines,
    };
    Some(DocumentSymbolResponse::Nested(outline.file(tree)))
}

/// The declarations of every guideline in the workspace whose name
/// contains the query (ignoring case).
pub fn workspace_symbols(
    workspace: &mut Workspace,
    params: WorkspaceSymbolParams,
) -> Option<WorkspaceSymbolResponse> {
    let query = params.query.to_lowercase();
    let mut found = Vec::new();
    let mut open = Vec::new();
    for document in workspace.documents.values_mut() {
        document.front();
        let document = &*document;
        if let Some(front) = document.front_if_ready() {
            symbols_matching(
                &query,
                &document.uri,
                &document.text,
                &front.symbols,
                &mut found,
            );
        }
        open.extend(uri::to_path(&document.uri));
    }
    for path in workspace.guideline_files() {
        if open.contains(&path) {
            continue;
        }
        let (Ok(text), Some(uri)) = (std::fs::read_to_string(&path), uri::from_path(&path)) else {
            continue;
        };
        let Ok(tree) = crate::syntax::parse(&text) else {
            continue;
        };
        symbols_matching(&query, &uri, &text, &Symbols::new(&tree), &mut found);
    }
    Some(WorkspaceSymbolResponse::Nested(found))
}

fn symbols_matching(
    query: &str,
    uri: &Uri,
    text: &str,
    symbols: &Symbols,
    found: &mut Vec<WorkspaceSymbol>,
) {
    let lines = LineIndex::new(text);
    let guideline = symbols
        .names_of(Kind::Guideline)
        .first()
        .map(|g| (*g).to_owned());
    for declaration in symbols.declarations() {
        if !declaration.target.name.to_lowercase().contains(query) {
            continue;
        }
        let container = match declaration.target.kind {
            Kind::EnumValue => Some(declaration.target.owner.clone()),
            _ => guideline.clone(),
        };
        found.push(WorkspaceSymbol {
            name: declaration.target.name.clone(),
            kind: symbol_kind(declaration.target.kind),
            tags: None,
            container_name: container,
            location: OneOf::Left(Location::new(
                uri.clone(),
                lines.range(text, declaration.span),
            )),
            data: None,
        });
    }
}

/// The protocol's kind for each of gdl's.
pub fn symbol_kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Guideline => SymbolKind::MODULE,
        Kind::Fact => SymbolKind::FIELD,
        Kind::Value => SymbolKind::PROPERTY,
        Kind::Score | Kind::Definition => SymbolKind::FUNCTION,
        Kind::Action => SymbolKind::EVENT,
        Kind::Reference => SymbolKind::KEY,
        Kind::Enum => SymbolKind::ENUM,
        Kind::EnumValue => SymbolKind::ENUM_MEMBER,
        Kind::Rule => SymbolKind::METHOD,
        Kind::Section => SymbolKind::NAMESPACE,
    }
}

fn location(document: &Document, span: Span) -> Location {
    Location::new(
        document.uri.clone(),
        document.lines.range(&document.text, span),
    )
}

/// Builds document symbols for one text.
struct Outline<'a> {
    text: &'a str,
    lines: &'a LineIndex,
}

impl Outline<'_> {
    fn file(&self, tree: &File) -> Vec<DocumentSymbol> {
        tree.items
            .iter()
            .filter_map(|item| self.item(item))
            .collect()
    }

    #[allow(
        deprecated,
        reason = "`DocumentSymbol::deprecated` must be written to build one; it is left `None`"
    )]
    fn symbol(
        &self,
        name: &Ident,
        kind: Kind,
        detail: Option<String>,
        whole: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        DocumentSymbol {
            name: name.node.clone(),
            detail,
            kind: symbol_kind(kind),
            tags: None,
            deprecated: None,
            range: self.lines.range(self.text, whole.to(name.span)),
            selection_range: self.lines.range(self.text, name.span),
            children: (!children.is_empty()).then_some(children),
        }
    }

    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        let title = |s: Option<&crate::syntax::ast::StrLit>| s.map(|s| s.node.clone());
        Some(match item {
            Item::Guideline(g) => self.symbol(
                &g.id,
                Kind::Guideline,
                Some(g.title.node.clone()),
                g.span,
                Vec::new(),
            ),
            Item::Reference(r) => self.symbol(&r.key, Kind::Reference, None, r.span, Vec::new()),
            Item::Enum(e) => {
                let values = e
                    .values
                    .iter()
                    .map(|v| self.symbol(v, Kind::EnumValue, None, v.span, Vec::new()))
                    .collect();
                self.symbol(&e.name, Kind::Enum, None, e.span, values)
            }
            Item::Fact(f) => self.symbol(
                &f.name,
                Kind::Fact,
                self.text
                    .get(f.ty.span.start_usize()..f.ty.span.end as usize)
                    .map(str::to_owned),
                f.span,
                Vec::new(),
            ),
            Item::Define(d) => self.symbol(
                &d.name,
                Kind::Definition,
                title(d.description.as_ref()),
                d.span,
                Vec::new(),
            ),
            Item::Score(s) => self.symbol(
                &s.name,
                Kind::Score,
                title(s.title.as_ref()),
                s.span,
                Vec::new(),
            ),
            Item::Value(v) => self.symbol(
                &v.name,
                Kind::Value,
                title(v.description.as_ref()),
                v.span,
                Vec::new(),
            ),
            Item::Action(a) => self.symbol(
                &a.name,
                Kind::Action,
                title(a.label.as_ref()),
                a.span,
                Vec::new(),
            ),
            Item::Rule(r) => self.rule(r),
            Item::Section(s) => self.section(s),
            Item::Invariant(_) | Item::Exclusive(_) => return None,
        })
    }

    fn rule(&self, rule: &Rule) -> DocumentSymbol {
        let title = rule.title.as_ref().map(|t| t.node.clone());
        self.symbol(&rule.name, Kind::Rule, title, rule.span, Vec::new())
    }

    fn section(&self, section: &Section) -> DocumentSymbol {
        let members = section
            .items
            .iter()
            .map(|member| match member {
                SectionItem::Rule(rule) => self.rule(rule),
                SectionItem::Section(inner) => self.section(inner),
            })
            .collect();
        let title = section.title.as_ref().map(|t| t.node.clone());
        self.symbol(&section.name, Kind::Section, title, section.span, members)
    }
}
