//! Running the `gdl` binary from integration tests, and the guidelines
//! of the documentation's examples.
#![allow(dead_code, reason = "each test file uses part of this module")]

use std::io::Write;
use std::process::{Command, Stdio};

/// What a run of `gdl` gave.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `gdl` in the project root, with `stdin` as standard input if given
/// and colour off. Standard output must be UTF-8.
pub fn gdl(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run gdl: {e}"));
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // gdl may stop reading early (bad arguments, a broken guideline);
        // what it printed is checked by the caller.
        let _ = pipe.write_all(input.as_bytes());
    }
    drop(child.stdin.take());
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("gdl did not finish: {e}"));
    Output {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout)
            .unwrap_or_else(|e| panic!("standard output is not UTF-8: {e}")),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The model of the complete guideline in the ```` ```gdl expect=NAME ````
/// block of a file of the documentation (`doc`, from the project root).
pub fn docs_example_model(doc: &str, name: &str) -> gdl::sema::Model {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let fence = format!("```gdl expect={name}\n");
    let start = text
        .find(&fence)
        .unwrap_or_else(|| panic!("{doc}: no {name} example"));
    let body = &text[start + fence.len()..];
    let body = &body[..body.find("```").unwrap_or(body.len())];
    gdl::compile(body)
        .model
        .unwrap_or_else(|| panic!("{doc}: the {name} example does not compile"))
}
