//! `gdl lsp`: the language server's library side. A [`Server`] turns the
//! client's messages (JSON-RPC, as `lsp-server` carries them) into the
//! messages to send back; the CLI's stdio loop (`src/cli/lsp.rs`) only
//! moves them, so everything here can be driven without a process.
//!
//! Input: requests and notifications. Output: responses, and
//! `textDocument/publishDiagnostics` notifications. Invariants:
//! - every position is in UTF-16 code units ([`position`]);
//! - diagnostics are published in two steps for each text: the front
//!   end's (syntax, names, types, units) as soon as the queue of incoming
//!   messages is empty ([`Server::front_work`]), then, when the front end
//!   found no error, all of `gdl check`'s with the logic findings, computed
//!   by a [`document::LogicJob`] that the stdio loop runs on a thread of
//!   its own, so the front end of the next edit is never held up by them;
//!   a job whose text was edited meanwhile is dropped, and the last
//!   publication for a text is `gdl check`'s;
//! - a request about a text that does not parse answers what it can (the
//!   outline and names of a tree with placeholders, nothing after a syntax
//!   error), never an error; only a rename is refused, with its reason.
//!
//! One module per feature: [`convert`] (diagnostics), [`hover`],
//! [`navigate`] (definition, references, symbols), [`format`],
//! [`complete`], [`rename`], [`actions`] (quick fixes, witness copy),
//! [`lens`] (cases per rule), [`tokens`] (semantic highlighting).

pub mod actions;
pub mod complete;
pub mod convert;
pub mod document;
pub mod format;
pub mod hover;
pub mod lens;
pub mod navigate;
pub mod position;
pub mod rename;
pub mod symbols;
pub mod tokens;
pub mod uri;
pub mod workspace;

use std::collections::BTreeSet;
use std::path::PathBuf;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, InitializeParams, OneOf,
    PublishDiagnosticsParams, RenameOptions, SemanticTokensFullOptions, SemanticTokensOptions,
    SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri, WorkDoneProgressOptions,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use document::{Document, LogicDone, LogicJob};
use workspace::{CaseFile, Workspace, is_case_file};

/// The command a "run cases" lens asks the client to run: `gdl test` on
/// the case file given as its argument.
pub const RUN_CASES: &str = "gdl.runCases";
/// The command of the "Copy witness as facts JSON" code action: put the
/// argument (a facts document) on the clipboard.
pub const COPY_WITNESS: &str = "gdl.copyWitness";

/// The language server's state.
#[derive(Debug)]
pub struct Server {
    workspace: Workspace,
    /// Guidelines whose front-end diagnostics are not yet published.
    front_pending: BTreeSet<String>,
    /// Guidelines whose logic findings are not yet published.
    logic_pending: BTreeSet<String>,
    /// Open case files whose diagnostics are not yet published.
    cases_pending: BTreeSet<PathBuf>,
    /// The client refreshes code lenses when asked.
    lens_refresh: bool,
    /// Requests this server sent, for their ids.
    sent: i32,
}

impl Server {
    /// A server for the workspace the client names in `initialize`.
    pub fn new(params: &InitializeParams) -> Server {
        let folder = params
            .workspace_folders
            .as_ref()
            .and_then(|folders| folders.first())
            .map(|folder| folder.uri.clone());
        #[expect(deprecated, reason = "older clients send only `rootUri`")]
        let root = folder.or_else(|| params.root_uri.clone());
        let lens_refresh = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        Server {
            workspace: Workspace::new(root.as_ref().and_then(uri::to_path)),
            front_pending: BTreeSet::new(),
            logic_pending: BTreeSet::new(),
            cases_pending: BTreeSet::new(),
            lens_refresh,
            sent: 0,
        }
    }

    /// What the server can do, for the `initialize` response.
    pub fn capabilities() -> ServerCapabilities {
        ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Kind(
                TextDocumentSyncKind::INCREMENTAL,
            )),
            hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![" ".to_owned(), "{".to_owned(), ",".to_owned()]),
                ..CompletionOptions::default()
            }),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            code_lens_provider: Some(lsp_types::CodeLensOptions {
                resolve_provider: Some(false),
            }),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: tokens::legend(),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
            ),
            ..ServerCapabilities::default()
        }
    }

    /// The `initialize` response's result.
    pub fn initialize_result() -> Value {
        let result = lsp_types::InitializeResult {
            capabilities: Server::capabilities(),
            server_info: Some(ServerInfo {
                name: "gdl".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
        };
        serde_json::to_value(result).unwrap_or(Value::Null)
    }

    /// Handles one message from the client; returns what to send back
    /// now: a request's response, or the empty diagnostics of a closed file
    /// (a text's diagnostics come from [`Server::front_work`] and the logic
    /// jobs).
    pub fn handle(&mut self, message: Message) -> Vec<Message> {
        match message {
            Message::Request(request) => vec![Message::Response(self.request(request))],
            Message::Notification(notification) => self.notification(notification),
            // Answers to our lens refreshes: nothing to do.
            Message::Response(_) => Vec::new(),
        }
    }

    /// Whether diagnostics are waiting to be published.
    pub fn has_work(&self) -> bool {
        self.has_front_work() || !self.logic_pending.is_empty()
    }

    /// Whether front-end or case-file diagnostics are waiting: the quick
    /// work, done before any logic analysis starts.
    pub fn has_front_work(&self) -> bool {
        !self.front_pending.is_empty() || !self.cases_pending.is_empty()
    }

    /// One step of the waiting work, all of it here: the quick work
    /// ([`Server::front_work`]) if any, else the logic analyses of one
    /// guideline. The stdio loop runs the analyses on a thread of their
    /// own instead ([`Server::next_logic_job`]); this is for a caller that
    /// has no other thread, such as the benchmark.
    pub fn work(&mut self) -> Vec<Message> {
        if self.has_front_work() {
            return self.front_work();
        }
        match self.next_logic_job() {
            Some(job) => self.finish_logic(job.run()),
            None => Vec::new(),
        }
    }

    /// The quick work: the front-end diagnostics of every changed
    /// guideline; else the diagnostics of the open case files that depend
    /// on them. Between two steps the loop reads what arrived, so a burst
    /// of edits is checked once, on its last text.
    pub fn front_work(&mut self) -> Vec<Message> {
        let mut out = Vec::new();
        if !self.front_pending.is_empty() {
            for key in std::mem::take(&mut self.front_pending) {
                let Some(document) = self.workspace.documents.get_mut(&key) else {
                    continue;
                };
                let front = document.front();
                let diagnostics = front.diagnostics.clone();
                if front.model.is_some() {
                    self.logic_pending.insert(key.clone());
                }
                let document = &*document;
                out.push(publish(document, &diagnostics));
                if let Some(path) = uri::to_path(&document.uri) {
                    let dependents = self.workspace.cases_of(&path);
                    self.cases_pending.extend(
                        dependents
                            .into_iter()
                            .filter(|(_, file)| file.open)
                            .map(|(path, _)| path.clone()),
                    );
                }
            }
            return out;
        }
        if !self.cases_pending.is_empty() {
            for path in std::mem::take(&mut self.cases_pending) {
                let diagnostics = self.workspace.case_file_diagnostics(&path);
                if let Some(file) = self.workspace.case_files.get(&path) {
                    out.push(publish_case_file(file, &diagnostics));
                }
            }
            if self.lens_refresh {
                self.sent += 1;
                out.push(Message::Request(Request::new(
                    RequestId::from(format!("gdl-{}", self.sent)),
                    lsp_types::request::CodeLensRefresh::METHOD.to_owned(),
                    Value::Null,
                )));
            }
        }
        out
    }

    /// The logic analyses of the next guideline whose front end is
    /// published, to run on any thread; give the result to
    /// [`Server::finish_logic`].
    pub fn next_logic_job(&mut self) -> Option<LogicJob> {
        while let Some(key) = self.logic_pending.pop_first() {
            if let Some(job) = self
                .workspace
                .documents
                .get_mut(&key)
                .and_then(Document::logic_job)
            {
                return Some(job);
            }
        }
        None
    }

    /// Publishes what a logic job found, unless its text has been edited
    /// (or closed) since: then a newer job is on its way.
    pub fn finish_logic(&mut self, done: LogicDone) -> Vec<Message> {
        let Some(document) = self.workspace.documents.get_mut(&done.uri) else {
            return Vec::new();
        };
        if !document.finish_logic(done) {
            return Vec::new();
        }
        let diagnostics = document.logic().diagnostics.clone();
        vec![publish(document, &diagnostics)]
    }

    fn notification(&mut self, notification: Notification) -> Vec<Message> {
        use lsp_types::notification::{
            DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
        };
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Some(params) =
                    parse::<lsp_types::DidOpenTextDocumentParams>(notification.params)
                {
                    let item = params.text_document;
                    self.open(item.uri, &item.language_id, item.version, item.text);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Some(params) =
                    parse::<lsp_types::DidChangeTextDocumentParams>(notification.params)
                {
                    let id = params.text_document;
                    self.change(&id.uri, id.version, params.content_changes);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Some(params) =
                    parse::<lsp_types::DidCloseTextDocumentParams>(notification.params)
                {
                    return self.close(params.text_document.uri);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                // A guideline or case file changed on disk: the open case
                // files may depend on it.
                self.workspace.rescan();
                let open = self.workspace.case_files.iter().filter(|(_, f)| f.open);
                let paths: Vec<PathBuf> = open.map(|(path, _)| path.clone()).collect();
                self.cases_pending.extend(paths);
            }
            _ => {}
        }
        Vec::new()
    }

    /// Starts following an opened file: a guideline (language `gdl`, or
    /// a `.gdl` file), or a case file; any other file is not this server's.
    fn open(&mut self, uri: Uri, language: &str, version: i32, text: String) {
        let path = uri::to_path(&uri);
        if let Some(path) = path.clone().filter(|p| is_case_file(p)) {
            let file = CaseFile {
                uri,
                text,
                open: true,
            };
            self.workspace.case_files.insert(path.clone(), file);
            self.cases_pending.insert(path);
            return;
        }
        let is_gdl = path.is_some_and(|p| p.extension().is_some_and(|e| e == "gdl"));
        if language == "gdl" || is_gdl {
            let key = uri.as_str().to_owned();
            let document = Document::new(uri, version, text);
            self.workspace.documents.insert(key.clone(), document);
            self.front_pending.insert(key);
        }
    }

    fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<lsp_types::TextDocumentContentChangeEvent>,
    ) {
        if let Some(document) = self.workspace.documents.get_mut(uri.as_str()) {
            document.edit(version, changes);
            self.front_pending.insert(uri.as_str().to_owned());
            self.logic_pending.remove(uri.as_str());
            return;
        }
        if let Some(path) = uri::to_path(uri)
            && let Some(file) = self.workspace.case_files.get_mut(&path)
        {
            document::apply_changes(&mut file.text, changes);
            self.cases_pending.insert(path);
        }
    }

    /// Forgets a closed file and clears its diagnostics (a case file on
    /// disk stays known, with the disk's text).
    fn close(&mut self, uri: Uri) -> Vec<Message> {
        self.front_pending.remove(uri.as_str());
        self.logic_pending.remove(uri.as_str());
        self.workspace.documents.remove(uri.as_str());
        if let Some(path) = uri::to_path(&uri)
            && is_case_file(&path)
        {
            self.cases_pending.remove(&path);
            self.workspace.case_files.remove(&path);
            self.workspace.rescan();
        }
        vec![notify(PublishDiagnosticsParams {
            uri,
            diagnostics: Vec::new(),
            version: None,
        })]
    }

    fn request(&mut self, request: Request) -> Response {
        use lsp_types::request::{
            CodeActionRequest, CodeLensRequest, Completion, DocumentSymbolRequest, Formatting,
            GotoDefinition, HoverRequest, PrepareRenameRequest, References, Rename,
            SemanticTokensFullRequest, WorkspaceSymbolRequest,
        };
        let Request { id, method, params } = request;
        let workspace = &mut self.workspace;
        match method.as_str() {
            HoverRequest::METHOD => answer(id, params, |p| hover::hover(workspace, p)),
            GotoDefinition::METHOD => answer(id, params, |p| navigate::definition(workspace, p)),
            References::METHOD => answer(id, params, |p| navigate::references(workspace, p)),
            DocumentSymbolRequest::METHOD => {
                answer(id, params, |p| navigate::document_symbols(workspace, p))
            }
            WorkspaceSymbolRequest::METHOD => {
                answer(id, params, |p| navigate::workspace_symbols(workspace, p))
            }
            Formatting::METHOD => answer(id, params, |p| format::formatting(workspace, p)),
            Completion::METHOD => answer(id, params, |p| complete::completion(workspace, p)),
            CodeActionRequest::METHOD => {
                answer(id, params, |p| actions::code_actions(workspace, p))
            }
            CodeLensRequest::METHOD => answer(id, params, |p| lens::code_lenses(workspace, p)),
            SemanticTokensFullRequest::METHOD => {
                answer(id, params, |p| tokens::semantic_tokens(workspace, p))
            }
            PrepareRenameRequest::METHOD => {
                refusable(id, params, |p| rename::prepare(workspace, p))
            }
            Rename::METHOD => refusable(id, params, |p| rename::rename(workspace, p)),
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("gdl lsp does not handle `{method}`"),
            ),
        }
    }
}

/// A request's response: its result, or an invalid-params error.
fn answer<P: DeserializeOwned, R: Serialize>(
    id: RequestId,
    params: Value,
    handler: impl FnOnce(P) -> R,
) -> Response {
    refusable(id, params, |p| Ok(handler(p)))
}

/// A request that may be refused with a reason the client shows (a
/// rename that would break the guideline).
fn refusable<P: DeserializeOwned, R: Serialize>(
    id: RequestId,
    params: Value,
    handler: impl FnOnce(P) -> Result<R, String>,
) -> Response {
    let Some(params) = parse::<P>(params) else {
        return Response::new_err(
            id,
            ErrorCode::InvalidParams as i32,
            "the request's parameters are not of its shape".to_owned(),
        );
    };
    match handler(params) {
        Ok(result) => Response::new_ok(id, result),
        Err(reason) => Response::new_err(id, ErrorCode::RequestFailed as i32, reason),
    }
}

fn parse<P: DeserializeOwned>(params: Value) -> Option<P> {
    serde_json::from_value(params).ok()
}

fn publish(document: &Document, diagnostics: &[crate::diagnostics::Diagnostic]) -> Message {
    let converted = diagnostics
        .iter()
        .map(|d| convert::diagnostic(d, &document.uri, &document.text, &document.lines))
        .collect();
    notify(PublishDiagnosticsParams {
        uri: document.uri.clone(),
        diagnostics: converted,
        version: Some(document.version),
    })
}

fn publish_case_file(file: &CaseFile, diagnostics: &[crate::diagnostics::Diagnostic]) -> Message {
    let lines = position::LineIndex::new(&file.text);
    let converted = diagnostics
        .iter()
        .map(|d| convert::diagnostic(d, &file.uri, &file.text, &lines))
        .collect();
    notify(PublishDiagnosticsParams {
        uri: file.uri.clone(),
        diagnostics: converted,
        version: None,
    })
}

fn notify(params: PublishDiagnosticsParams) -> Message {
    Message::Notification(Notification::new(
        lsp_types::notification::PublishDiagnostics::METHOD.to_owned(),
        params,
    ))
}
