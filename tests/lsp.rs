//! `gdl lsp` against the real binary over stdio, as an editor drives it:
//! JSON-RPC framed with `Content-Length`, the DM guideline opened, edited
//! (a typo, a unit error, a conflict), and the published diagnostics,
//! hovers, completions, rename edits, formatting edits, code actions,
//! lenses and symbols snapshotted with insta (the workspace folder's path
//! written `file:///ROOT`). Then random edit sequences (proptest): the
//! server never dies, and its last diagnostics for the final text are
//! `gdl check`'s. Regenerate the snapshots: INSTA_UPDATE=always cargo
//! test --test lsp, then review the diff.
#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "test helpers fail the test by panicking"
)]
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Value, json};

/// Longest wait for one message: generous for a debug build on a busy
/// machine; a server that hangs fails the test instead of blocking it.
const PATIENCE: Duration = Duration::from_secs(60);
const DM: &str = "guidelines/dermatomyositis.gdl";
const SNAPSHOT_HEADER: &str = "`gdl lsp` over stdio. Regenerate: INSTA_UPDATE=always cargo test --test lsp, then review the diff";

/// A client speaking to one `gdl lsp` process.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications read while waiting for something else.
    backlog: Vec<Value>,
    next_id: i64,
    root: PathBuf,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

impl Client {
    /// Starts the server and initializes it over the repository.
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gdl"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start gdl lsp: {e}"));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            backlog: Vec::new(),
            next_id: 0,
            root: root(),
        };
        let root_uri = file_uri(&client.root);
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "gdl"}],
                "capabilities": {},
            }),
        );
        assert!(result["capabilities"].is_object(), "{result}");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| panic!("the server stopped reading: {e}"));
    }

    fn next(&mut self) -> Value {
        match self.incoming.recv_timeout(PATIENCE) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server in {PATIENCE:?}"),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed its output (crashed?)")
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message["id"] == json!(id) && message.get("method").is_none() {
                return message;
            }
            self.backlog.push(message);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// The next diagnostics published for `uri` at `version`.
    fn published(&mut self, uri: &str, version: i64) -> Vec<Value> {
        self.published_as(uri, json!(version))
    }

    /// The next diagnostics published for `uri` with `version` (`null`
    /// for a case file).
    fn published_as(&mut self, uri: &str, version: Value) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        };
        if let Some(at) = self.backlog.iter().position(matches) {
            let message = self.backlog.remove(at);
            return message["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        loop {
            let message = self.next();
            if matches(&message) {
                return message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            self.backlog.push(message);
        }
    }

    /// The diagnostics of `text` at `version` once the server is done: the
    /// front end's, and then, for a text whose front end finds no error,
    /// the second publication with the logic findings.
    fn final_diagnostics(&mut self, uri: &str, version: i64, text: &str) -> Vec<Value> {
        let front = self.published(uri, version);
        if gdl::compile(text).model.is_some() {
            return self.published(uri, version);
        }
        front
    }

    fn open(&mut self, path: &str, text: &str) -> String {
        let uri = file_uri(&self.root.join(path));
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "gdl", "version": 1, "text": text}}),
        );
        uri
    }

    /// Replaces `old` (its first occurrence) with `new`, as one edit.
    fn replace(&mut self, uri: &str, version: i64, text: &mut String, old: &str, new: &str) {
        let at = text
            .find(old)
            .unwrap_or_else(|| panic!("`{old}` is not in the text"));
        let (start, end) = (position(text, at), position(text, at + old.len()));
        text.replace_range(at..at + old.len(), new);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": start, "end": end}, "text": new}],
            }),
        );
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("the server exits");
        assert!(status.success(), "gdl lsp exited with {status}");
    }
}

/// The LSP position (UTF-16) of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let character = before[line_start..].encode_utf16().count();
    json!({"line": line, "character": character})
}

/// The position just after the first occurrence of `needle` (or at its
/// start plus `into` bytes).
fn at(text: &str, needle: &str, into: usize) -> Value {
    let found = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the text"));
    position(text, found + into)
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// Pretty JSON with the repository's path written `ROOT`.
fn redact(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.replace(&file_uri(&root()), "file:///ROOT")
        .replace(&root().display().to_string(), "ROOT")
}

fn snapshot(name: &str, value: &Value) {
    insta::with_settings!({ description => SNAPSHOT_HEADER, omit_expression => true }, {
        insta::assert_snapshot!(name, redact(value));
    });
}

fn dm_text() -> String {
    std::fs::read_to_string(root().join(DM)).expect("the DM guideline")
}

#[test]
fn initialize_announces_the_features() {
    let client = Client::start();
    client.shutdown();
    // The capabilities themselves, from the library (the same value the
    // binary sends, without a process).
    snapshot("capabilities", &gdl::lsp::Server::initialize_result());
}

#[test]
fn diagnostics_follow_edits_front_end_first_then_logic() {
    let mut client = Client::start();
    let mut text = dm_text();
    let uri = client.open(DM, &text);
    // The DM guideline checks clean: both publications are empty.
    assert_eq!(client.published(&uri, 1), Vec::<Value>::new());
    assert_eq!(client.published(&uri, 1), Vec::<Value>::new());

    // A typo: an unknown name, with "did you mean" and its quick fix.
    let typo = "when myositis and muscle_weakness and active_despite";
    client.replace(
        &uri,
        2,
        &mut text,
        typo,
        "when myositis and muscle_weaknes and active_despite",
    );
    let diagnostics = client.final_diagnostics(&uri, 2, &text);
    snapshot("typo_diagnostics", &json!(diagnostics));
    let range = diagnostics[0]["range"].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}}),
    );
    snapshot("typo_code_actions", &actions);

    // A unit error: a number without the fact's unit.
    client.replace(
        &uri,
        3,
        &mut text,
        "muscle_weaknes and",
        "muscle_weakness and",
    );
    client.replace(
        &uri,
        4,
        &mut text,
        "time_on_azathioprine < 6 mo",
        "time_on_azathioprine < 6",
    );
    let diagnostics = client.final_diagnostics(&uri, 4, &text);
    snapshot("unit_diagnostics", &json!(diagnostics));
    let range = diagnostics[0]["range"].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}}),
    );
    snapshot("unit_code_actions", &actions);

    // A conflict: a rule that avoids what another recommends. The front
    // end is clean, so the logic finding comes in a second publication.
    client.replace(
        &uri,
        5,
        &mut text,
        "time_on_azathioprine < 6\n",
        "time_on_azathioprine < 6 mo\n",
    );
    let conflict = "\nrule avoid_ivig_in_weakness \"Avoid IVIG in weakness\" {\n  when myositis and muscle_weakness\n  then avoid ivig\n  cite GuidelineText\n}\n";
    let end = text.len();
    let end_position = position(&text, end);
    text.push_str(conflict);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 6},
            "contentChanges": [{"range": {"start": end_position, "end": end_position}, "text": conflict}],
        }),
    );
    let front = client.published(&uri, 6);
    assert_eq!(front, Vec::<Value>::new(), "the front end finds nothing");
    let logic = client.published(&uri, 6);
    snapshot("conflict_diagnostics", &json!(logic));
    let range = logic[0]["range"].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&Value> = actions
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| &a["title"])
        .collect();
    assert_eq!(titles, [&json!("Copy witness as facts JSON")]);
    let witness = actions[0]["command"]["arguments"][0].as_str().unwrap_or("");
    let facts: Value = serde_json::from_str(witness).expect("the witness is JSON");
    assert_eq!(facts["myositis"], json!(true), "{witness}");

    // A rule without evidence: "Add `cite KEY`", the most cited first.
    client.replace(
        &uri,
        7,
        &mut text,
        "  then avoid ivig\n  cite GuidelineText\n",
        "  then avoid ivig\n",
    );
    let diagnostics = client.final_diagnostics(&uri, 7, &text);
    assert_eq!(diagnostics[0]["code"], "E0305", "{diagnostics:?}");
    let range = diagnostics[0]["range"].clone();
    let mut actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}}),
    );
    for action in actions.as_array_mut().into_iter().flatten() {
        action.as_object_mut().map(|a| a.remove("diagnostics"));
    }
    snapshot("missing_cite_code_actions", &actions);
    // The first one's edit gives a rule that cites, and checks clean.
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    let line = edit["range"]["start"]["line"].as_u64().expect("line") as usize;
    let at: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    text.insert_str(at, edit["newText"].as_str().expect("text"));
    let codes: Vec<&str> = gdl::check(&text)
        .diagnostics
        .iter()
        .map(|d| d.code.id())
        .collect();
    assert_eq!(codes, ["W0403"], "{}", &text[at - 80..at + 40]);
    client.shutdown();
}

#[test]
fn case_files_are_checked_again_when_their_guideline_changes() {
    let mut client = Client::start();
    let mut text = dm_text();
    let uri = client.open(DM, &text);
    // An open case file (not on disk) that names an action the guideline
    // does not declare.
    let cases_uri = file_uri(&client.root.join("guidelines/scratch.cases.json"));
    let cases = r#"{"guideline": "dermatomyositis.gdl", "cases": [{"name": "one", "facts": {}, "expect": {"recommended": ["plasma_exchange"]}}]}"#;
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": cases_uri, "languageId": "json", "version": 1, "text": cases}}),
    );
    let diagnostics = client.published_as(&cases_uri, Value::Null);
    let codes: Vec<&Value> = diagnostics.iter().map(|d| &d["code"]).collect();
    assert_eq!(codes, [&json!("E0702")], "{diagnostics:?}");
    // The guideline declares it now: the case file is checked again.
    client.replace(
        &uri,
        2,
        &mut text,
        "action cyclophosphamide",
        "action plasma_exchange
action cyclophosphamide",
    );
    let guideline = client.published(&uri, 2);
    assert_eq!(guideline.len(), 1, "W0207: the new action is unused");
    assert_eq!(
        client.published_as(&cases_uri, Value::Null),
        Vec::<Value>::new()
    );
    client.shutdown();
}

#[test]
fn hovers_show_facts_actions_references_and_rules() {
    let mut client = Client::start();
    let text = dm_text();
    let uri = client.open(DM, &text);
    let mut hovers = serde_json::Map::new();
    for (name, needle, into) in [
        ("fact", "and time_on_azathioprine < 6 mo", 6),
        ("action", "action ciclosporin", 8),
        (
            "fact read through definitions",
            "fact skin_unresponsive_to_topicals",
            6,
        ),
        ("reference", "cite Quain2006", 6),
        ("rule", "rule muscle_azathioprine_judged_early", 6),
        ("enum value", "anti_MDA5 in antibodies", 2),
    ] {
        let hover = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": at(&text, needle, into)}),
        );
        hovers.insert(name.to_owned(), hover);
    }
    snapshot("hovers", &Value::Object(hovers));
    client.shutdown();
}

#[test]
fn completions_offer_names_values_units_and_keywords() {
    let mut client = Client::start();
    let mut text = dm_text();
    let uri = client.open(DM, &text);
    let mut completions = serde_json::Map::new();
    let labels = |result: &Value| -> Value {
        json!(
            result
                .as_array()
                .into_iter()
                .flatten()
                .map(|item| item["label"].clone())
                .collect::<Vec<_>>()
        )
    };
    // Each probe types a line into the rule body, asks, and takes it back.
    let anchor = "    else-escalate\n      \"Azathioprine was stopped";
    let mut version = 1;
    for (name, typed) in [
        ("after cite", "    cite Q"),
        ("enum values after in {", "      and skin_sites in {"),
        (
            "enum values after a comma",
            "      and skin_sites in {face, n",
        ),
        (
            "units after a number",
            "      and time_on_azathioprine > 3 ",
        ),
        ("condition names", "      and renal_"),
        ("rule clause keywords", "    cite GuidelineText\n    "),
        ("after recommend", "    then recommend cyclo"),
        ("after expect", "    expect unr"),
    ] {
        version += 1;
        let line = format!("{typed}\n");
        client.replace(&uri, version, &mut text, anchor, &format!("{line}{anchor}"));
        let offset = text.find(anchor).expect("anchor") - 1;
        let result = client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": position(&text, offset)}),
        );
        completions.insert(name.to_owned(), labels(&result));
        version += 1;
        client.replace(&uri, version, &mut text, &format!("{line}{anchor}"), anchor);
    }
    snapshot("completions", &Value::Object(completions));
    client.shutdown();
}

#[test]
fn rename_reaches_case_files_and_facts_examples_or_is_refused() {
    let mut client = Client::start();
    let text = dm_text();
    let uri = client.open(DM, &text);
    let position = at(&text, "fact effective_contraception", 6);
    let prepared = client.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": uri}, "position": position}),
    );
    assert_eq!(prepared["placeholder"], "effective_contraception");
    let edit = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": position, "newName": "contraception_in_place"}),
    );
    // Sorted by file, so the snapshot does not depend on hash order.
    let mut files: Vec<(String, Value)> = edit["changes"]
        .as_object()
        .expect("changes by file")
        .iter()
        .map(|(file, edits)| (file.clone(), edits.clone()))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let files: serde_json::Map<String, Value> = files.into_iter().collect();
    snapshot("rename_edits", &Value::Object(files));

    let refused = client.call(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": position, "newName": "hypertension"}),
    );
    snapshot("rename_refused_taken", &refused["error"]);
    let refused = client.call(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": position, "newName": "not-a-name"}),
    );
    snapshot("rename_refused_not_a_name", &refused["error"]);
    client.shutdown();
}

/// Applies one file's edits (LSP ranges) to its text.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().expect("line") as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let rest = &text[start..];
        let units = p["character"].as_u64().expect("character") as usize;
        let mut seen = 0;
        let within = rest
            .char_indices()
            .find(|(_, c)| {
                let before = seen;
                seen += c.len_utf16();
                before >= units
            })
            .map_or(rest.len(), |(i, _)| i);
        start + within
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let text = e["newText"].as_str().expect("newText");
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                text,
            )
        })
        .collect();
    spans.sort();
    let mut out = text.to_owned();
    for (start, end, new) in spans.into_iter().rev() {
        out.replace_range(start..end, new);
    }
    out
}

#[test]
fn renamed_actions_enum_values_and_rules_keep_every_case_passing() {
    let mut client = Client::start();
    let text = dm_text();
    let uri = client.open(DM, &text);
    let cases_path = client.root.join("guidelines/dermatomyositis.cases.json");
    let cases_uri = file_uri(&cases_path);
    let scratch = std::env::temp_dir().join(format!("gdl-lsp-rename-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch directory");
    for (needle, into, new_name) in [
        ("action methotrexate ", 7, "methotrexate_weekly"),
        (
            "enum BodySite { trunk, limbs, hands, scalp, face",
            44,
            "face_skin",
        ),
        (
            "rule muscle_azathioprine_judged_early",
            5,
            "azathioprine_judged_too_early",
        ),
    ] {
        let edit = client.request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": at(&text, needle, into), "newName": new_name}),
        );
        let changes = &edit["changes"];
        let renamed = apply_edits(&text, changes[&uri].as_array().expect("guideline edits"));
        let cases = std::fs::read_to_string(&cases_path).expect("the DM cases");
        let case_edits = changes[&cases_uri].as_array().expect("case file edits");
        let renamed_cases = apply_edits(&cases, case_edits);
        std::fs::write(scratch.join("dermatomyositis.gdl"), &renamed).expect("write");
        let case_file = scratch.join("dermatomyositis.cases.json");
        std::fs::write(&case_file, &renamed_cases).expect("write");
        let output = Command::new(env!("CARGO_BIN_EXE_gdl"))
            .arg("test")
            .arg(&case_file)
            .output()
            .expect("gdl test runs");
        assert!(
            output.status.success(),
            "after renaming to `{new_name}`, gdl test fails:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        // Every other mention kept its name: one string per edit changed.
        let changed = cases.matches('"').count() == renamed_cases.matches('"').count()
            && renamed_cases.matches(&format!("\"{new_name}\"")).count() == case_edits.len();
        assert!(changed, "{new_name}: {} case-file edits", case_edits.len());
    }
    let _ = std::fs::remove_dir_all(&scratch);
    client.shutdown();
}

#[test]
fn formatting_edits_restore_the_layout() {
    let mut client = Client::start();
    let original = dm_text();
    let mut text = original.clone();
    let uri = client.open(DM, &text);
    client.replace(
        &uri,
        2,
        &mut text,
        "action cyclophosphamide \"Cyclophosphamide\"",
        "action   cyclophosphamide\n\"Cyclophosphamide\"",
    );
    client.replace(
        &uri,
        3,
        &mut text,
        "    when azathioprine in failed\n",
        "  when azathioprine in failed\n",
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    snapshot("formatting_edits", &edits);
    // Applied from the last to the first, they give back the file.
    let mut formatted = text.clone();
    for edit in edits.as_array().expect("edits").iter().rev() {
        let offset = |p: &Value| {
            let line = p["line"].as_u64().expect("line") as usize;
            let start: usize = formatted
                .split_inclusive('\n')
                .take(line)
                .map(str::len)
                .sum();
            start + p["character"].as_u64().expect("character") as usize
        };
        let (start, end) = (
            offset(&edit["range"]["start"]),
            offset(&edit["range"]["end"]),
        );
        formatted.replace_range(start..end, edit["newText"].as_str().expect("text"));
    }
    assert_eq!(formatted, original);
    client.shutdown();
}

#[test]
fn navigation_outline_lenses_and_tokens() {
    let mut client = Client::start();
    let text = dm_text();
    let uri = client.open(DM, &text);
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": at(&text, "and time_on_azathioprine < 6", 6)}),
    );
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": at(&text, "and time_on_azathioprine < 6", 6), "context": {"includeDeclaration": true}}),
    );
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    // The outline's shape: each top-level symbol's kind and name, and the
    // names of a section's members.
    let outline: Vec<String> = symbols
        .as_array()
        .expect("symbols")
        .iter()
        .filter(|s| s["kind"] == 3 || s["kind"] == 6 || s["kind"] == 2)
        .map(|s| {
            let children: Vec<&str> = s["children"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"].as_str())
                .collect();
            format!(
                "{} {}: {}",
                s["kind"],
                s["name"].as_str().unwrap_or(""),
                children.join(", ")
            )
        })
        .collect();
    let workspace = client.request("workspace/symbol", json!({"query": "judged_early"}));
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let lens_titles: Vec<&Value> = lenses
        .as_array()
        .expect("lenses")
        .iter()
        .map(|l| &l["command"]["title"])
        .take(6)
        .collect();
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data = tokens["data"].as_array().expect("token data");
    assert_eq!(data.len() % 5, 0);
    snapshot(
        "navigation",
        &json!({
            "definition": definition,
            "references": references,
            "outline": outline,
            "workspace symbols": workspace,
            "first lenses": lens_titles,
            "semantic tokens": data.len() / 5,
            "first tokens": data.iter().take(20).collect::<Vec<_>>(),
        }),
    );
    client.shutdown();
}

/// One random edit: replace `len` characters at a fraction of the text.
#[derive(Clone, Debug)]
struct Edit {
    at: f64,
    len: usize,
    insert: String,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let insert = prop_oneof![
        Just(String::new()),
        Just("x".to_owned()),
        Just(" and ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\"".to_owned()),
        Just("\n".to_owned()),
        Just("é𝑥".to_owned()),
        Just(" 6 mg".to_owned()),
        Just("rule r { when myositis then recommend ivig cite GuidelineText }\n".to_owned()),
    ];
    prop::collection::vec(
        (0.0..1.0f64, 0usize..8, insert).prop_map(|(at, len, insert)| Edit { at, len, insert }),
        1..6,
    )
}

proptest! {
    // Each case starts a server and checks the guideline a few times: a
    // handful of cases keeps the test within a minute on two cores.
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_never_crash_and_end_as_gdl_check(edits in edits()) {
        let mut client = Client::start();
        let mut text = dm_text();
        let uri = client.open(DM, &text);
        let mut version = 1;
        for edit in &edits {
            // A character boundary at the fraction, and `len` characters on.
            let mut start = ((text.len() as f64) * edit.at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let end = text[start..].char_indices().nth(edit.len).map_or(text.len(), |(i, _)| start + i);
            let (from, to) = (position(&text, start), position(&text, end));
            text.replace_range(start..end, &edit.insert);
            version += 1;
            client.notify(
                "textDocument/didChange",
                json!({
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {"start": from, "end": to}, "text": edit.insert}],
                }),
            );
            // Requests on the edited text must not crash the server either.
            let document = json!({"textDocument": {"uri": uri}});
            let at = json!({"textDocument": {"uri": uri}, "position": from});
            for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/prepareRename"] {
                client.call(method, at.clone());
            }
            for method in ["textDocument/documentSymbol", "textDocument/semanticTokens/full"] {
                client.call(method, document.clone());
            }
            client.call(
                "textDocument/formatting",
                json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
            );
            client.call(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": {"start": from, "end": to}, "context": {"diagnostics": []}}),
            );
        }
        let published = client.final_diagnostics(&uri, version, &text);
        let expected = expected_diagnostics(&text);
        let actual: Vec<(String, Value)> = published
            .iter()
            .map(|d| (d["code"].as_str().unwrap_or("").to_owned(), d["range"].clone()))
            .collect();
        prop_assert_eq!(actual, expected);
        client.shutdown();
    }
}

/// `gdl check --format json`'s codes and ranges for a text,
/// from the binary on a file in a scratch directory.
fn expected_diagnostics(text: &str) -> Vec<(String, Value)> {
    let dir = std::env::temp_dir().join(format!("gdl-lsp-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let file = dir.join(format!("{:x}.gdl", fxhash(text)));
    std::fs::write(&file, text).expect("scratch file");
    let output = Command::new(env!("CARGO_BIN_EXE_gdl"))
        .args(["check", "--format", "json"])
        .arg(&file)
        .output()
        .expect("gdl check runs");
    let _ = std::fs::remove_file(&file);
    let document: Value = serde_json::from_slice(&output.stdout).expect("gdl check prints JSON");
    document["files"][0]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let labels = d["labels"].as_array().cloned().unwrap_or_default();
            let primary = labels
                .iter()
                .find(|l| l["primary"] == true)
                .or(labels.first());
            let offset = |key: &str| {
                let at = primary.map_or(0, |l| l[key].as_u64().unwrap_or(0) as usize);
                position(text, at.min(text.len()))
            };
            let range = json!({"start": offset("start"), "end": offset("end")});
            (d["code"].as_str().unwrap_or("").to_owned(), range)
        })
        .collect()
}

/// A name for a scratch file: a hash of its text.
fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}
