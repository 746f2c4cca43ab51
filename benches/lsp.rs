//! `gdl lsp` latency: a one-character edit of the DM guideline (with one
//! rule added so that a logic finding, with its witness, is found and
//! published) until the server has published its diagnostics, logic
//! findings included. The server is driven through the library as the
//! stdio loop drives it (`Server::handle` on the change, then its work
//! until nothing is left), with the logic analyses run inline
//! (`Server::work`) where the loop hands them to its worker thread: the
//! same work, without the process, the pipe and the hand-over. Prints the
//! median and the 99th percentile of 300 edits first, then criterion's
//! estimate.
//!
//! `cargo bench --bench lsp` (the `bench` profile: the shipped build).
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a benchmark may stop on a broken setup"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gdl::lsp::Server;
use lsp_server::{Message, Notification};
use serde_json::json;

const URI: &str = "file:///bench/dermatomyositis.gdl";
const CONFLICT: &str = "\nrule avoid_ivig_in_weakness \"Avoid IVIG in weakness\" {\n  when myositis and muscle_weakness\n  then avoid ivig\n  cite GuidelineText\n}\n";

struct Session {
    server: Server,
    version: i32,
    /// Where the edited character goes: inside the first comment.
    line: u32,
}

impl Session {
    fn open() -> Session {
        let params: lsp_types::InitializeParams =
            serde_json::from_value(json!({"capabilities": {}})).expect("initialize params");
        let mut server = Server::new(&params);
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/guidelines/dermatomyositis.gdl"
        ))
        .expect("the DM guideline")
            + CONFLICT;
        server.handle(notification(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": URI, "languageId": "gdl", "version": 1, "text": text}}),
        ));
        let mut session = Session {
            server,
            version: 1,
            line: 1,
        };
        assert_eq!(session.settle(), 1, "one logic finding");
        session
    }

    /// Types (or deletes, every other time) one character in a comment
    /// and returns when the diagnostics with the logic findings are out.
    fn edit(&mut self) -> usize {
        self.version += 1;
        let (range, text) = if self.version % 2 == 0 {
            (
                json!({"start": {"line": self.line, "character": 2}, "end": {"line": self.line, "character": 2}}),
                "x",
            )
        } else {
            (
                json!({"start": {"line": self.line, "character": 2}, "end": {"line": self.line, "character": 3}}),
                "",
            )
        };
        self.server.handle(notification(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": URI, "version": self.version},
                "contentChanges": [{"range": range, "text": text}],
            }),
        ));
        self.settle()
    }

    /// Runs the waiting work; returns how many diagnostics the last
    /// publication had.
    fn settle(&mut self) -> usize {
        let mut last = 0;
        while self.server.has_work() {
            for message in self.server.work() {
                if let Message::Notification(n) = message {
                    last = n.params["diagnostics"].as_array().map_or(0, Vec::len);
                }
            }
        }
        last
    }
}

fn notification(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(Notification::new(method.to_owned(), params))
}

fn percentiles() {
    let mut session = Session::open();
    let mut times: Vec<Duration> = (0..300)
        .map(|_| {
            let start = Instant::now();
            black_box(session.edit());
            start.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "lsp/edit-to-logic-diagnostics: median {:.2?}, p99 {:.2?}, max {:.2?} over {} edits",
        at(0.5),
        at(0.99),
        at(1.0),
        times.len()
    );
}

fn bench(c: &mut Criterion) {
    percentiles();
    let mut session = Session::open();
    c.bench_function("lsp/edit-to-logic-diagnostics", |b| {
        b.iter(|| black_box(session.edit()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
