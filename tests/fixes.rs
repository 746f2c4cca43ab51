//! A help text that proposes a fix is a promise that the fix is right.
//!
//! Input: every `.gdl` file under `tests/` and `guidelines/`, every
//! ```gdl block of the docs, and mutants of the clean guidelines
//! (misspelled names, look-alike letters, dropped and glued units, the
//! robustness test's injected tokens). Output: for every diagnostic with a
//! [`Fix`], applying it removes that diagnostic and adds no error, and the
//! help shows the text the fix writes; every help that shows code in
//! backticks either carries a fix or is of a kind listed below as not a
//! single edit (an example with placeholders, a rename, a choice).
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]
#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gdl::diagnostics::{Code, Diagnostic, Fix};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn gdl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            gdl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "gdl") {
            out.push(path);
        }
    }
}

/// ```gdl blocks of the docs and README, named `file:line`.
fn doc_blocks() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.push(root().join("README.md"));
    files.sort();
    let mut out = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut current: Option<(String, String)> = None;
        for (index, line) in text.lines().enumerate() {
            match (&mut current, line.trim_start().strip_prefix("```")) {
                (None, Some(info)) if info.starts_with("gdl") => {
                    current = Some((format!("{}:{}", path.display(), index + 1), String::new()));
                }
                (Some(_), Some(_)) => out.extend(current.take()),
                (Some((_, block)), None) => {
                    block.push_str(line);
                    block.push('\n');
                }
                (None, _) => {}
            }
        }
    }
    out
}

/// Every stored input: test files, shipped guidelines, doc examples.
fn stored_corpus() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    gdl_files(&root().join("tests"), &mut paths);
    gdl_files(&root().join("guidelines"), &mut paths);
    let mut out: Vec<(String, String)> = paths
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            Some((path.display().to_string(), text))
        })
        .collect();
    out.extend(doc_blocks());
    out
}

/// Byte ranges of the words outside strings and comments.
fn code_words(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut start: Option<usize> = None;
    for (index, c) in text.char_indices() {
        let word_char = !in_string && !in_comment && (c.is_alphanumeric() || c == '_');
        if let Some(s) = start.filter(|_| !word_char) {
            words.push((s, index));
            start = None;
        }
        if word_char {
            start.get_or_insert(index);
            continue;
        }
        match c {
            '\n' => in_comment = false,
            _ if in_comment => {}
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => in_comment = true,
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

/// Single edits of a clean guideline that a guideline author makes by
/// mistake; each mutant has the problems of one edit only.
fn mutants(text: &str) -> Vec<String> {
    let words = code_words(text);
    let mut out = Vec::new();
    let splice = |(start, end): (usize, usize), with: &str| {
        format!("{}{with}{}", &text[..start], &text[end..])
    };
    let names: Vec<(usize, usize)> = words
        .iter()
        .copied()
        .filter(|&(s, e)| e - s >= 5 && text[s..e].chars().next().is_some_and(char::is_alphabetic))
        .collect();
    // About 40 long words, spread over the file: two letters swapped, and
    // a Latin letter replaced by its Cyrillic look-alike.
    for &(start, end) in names.iter().step_by((names.len() / 40).max(1)) {
        let word = &text[start..end];
        let mut chars: Vec<char> = word.chars().collect();
        chars.swap(1, 2);
        out.push(splice((start, end), &chars.iter().collect::<String>()));
        if let Some(i) = word.find(['a', 'e', 'o']) {
            let lookalike = match &word[i..=i] {
                "a" => "\u{430}",
                "e" => "\u{435}",
                _ => "\u{43e}",
            };
            out.push(splice((start + i, start + i + 1), lookalike));
        }
    }
    // Quantities (up to 40 mutants): the unit dropped, glued to the number, or
    // spelled the everyday way.
    let quantities_start = out.len();
    for pair in words.windows(2) {
        if out.len() - quantities_start >= 40 {
            break;
        }
        let [(n_start, n_end), (u_start, u_end)] = [pair[0], pair[1]];
        let number = &text[n_start..n_end];
        let between = &text[n_end..u_start];
        if !number.bytes().all(|b| b.is_ascii_digit()) || between != " " {
            continue;
        }
        let unit_end = text[u_start..]
            .find(|c: char| c.is_whitespace() || c == ')')
            .map_or(text.len(), |i| u_start + i);
        if unit_end < u_end || text[..n_start].ends_with('"') {
            continue;
        }
        out.push(splice((n_end, unit_end), ""));
        out.push(splice((n_end, u_start), ""));
        if &text[u_start..unit_end] == "a" {
            out.push(splice((u_start, unit_end), "years"));
        }
    }
    // The robustness test's hostile tokens, before about 20 words.
    let tokens = ["+ ", "é", "60kg ", "0.5 ", "date "];
    for (k, &(start, _)) in words.iter().step_by((words.len() / 20).max(1)).enumerate() {
        let token = tokens[k % tokens.len()];
        out.push(format!("{}{token}{}", &text[..start], &text[start..]));
    }
    out
}

type Key = (Code, String);

fn error_counts(diagnostics: &[Diagnostic]) -> HashMap<Key, usize> {
    let mut counts = HashMap::new();
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        *counts.entry((d.code, d.message.clone())).or_insert(0) += 1;
    }
    counts
}

fn backticked(help: &str) -> Vec<&str> {
    help.split('`').skip(1).step_by(2).collect()
}

/// Applies `fix` of `diagnostic` in `text` and returns what is wrong.
fn check_fix(text: &str, diagnostic: &Diagnostic, fix: &Fix, before: &[Diagnostic]) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(fixed) = fix.apply(text) else {
        return vec![format!("fix {fix:?} is outside the text")];
    };
    // The help must show what the fix writes, as the fixed line reads.
    let line_start = fixed[..fix.span.start_usize()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = fix.span.start_usize() + fix.replacement.len();
    let line_end = fixed[end..].find('\n').map_or(fixed.len(), |i| end + i);
    let line = &fixed[line_start..line_end];
    let help = diagnostic.help.as_deref().unwrap_or("");
    if !backticked(help)
        .iter()
        .any(|snippet| line.contains(snippet))
    {
        problems.push(format!(
            "the help {help:?} does not show the fixed line {line:?}"
        ));
    }
    let after = gdl::compile(&fixed).diagnostics;
    let mut allowed = error_counts(before);
    let key = (diagnostic.code, diagnostic.message.clone());
    let still = after
        .iter()
        .filter(|d| d.code == diagnostic.code && d.message == diagnostic.message)
        .count();
    let had = before
        .iter()
        .filter(|d| d.code == diagnostic.code && d.message == diagnostic.message)
        .count();
    if still >= had {
        problems.push("the diagnostic is still there after the fix".to_owned());
    }
    if let Some(count) = allowed.get_mut(&key) {
        *count = count.saturating_sub(1);
    }
    for ((code, message), count) in error_counts(&after) {
        if count > allowed.get(&(code, message.clone())).copied().unwrap_or(0) {
            problems.push(format!("the fix adds error {}: {message}", code.id()));
        }
    }
    problems
}

/// What [`examine`] found in one text.
#[derive(Default)]
struct Findings {
    /// Fixes that are wrong, and why.
    failures: Vec<String>,
    /// Fixes applied.
    applied: usize,
    /// Helps that show an edit but carry no fix.
    missing: Vec<String>,
}

/// Checks every fix proposed for `text`, and that every help showing an
/// edit carries one.
fn examine(name: &str, text: &str, found: &mut Findings) {
    let before = gdl::compile(text).diagnostics;
    for diagnostic in &before {
        if let Some(help) = diagnostic.help.as_deref()
            && diagnostic.fix.is_none()
            && help.contains('`')
            && !explains_without_a_single_edit(diagnostic, help)
        {
            found
                .missing
                .push(format!("{name}: {}: {help}", diagnostic.code.id()));
        }
    }
    let failures = &mut found.failures;
    let applied = &mut found.applied;
    for diagnostic in &before {
        let Some(fix) = &diagnostic.fix else { continue };
        *applied += 1;
        for problem in check_fix(text, diagnostic, fix, &before) {
            failures.push(format!(
                "{name}: {} `{}` (fix {:?}): {problem}",
                diagnostic.code.id(),
                diagnostic.message,
                fix
            ));
        }
    }
}

fn report(found: &mut Findings) {
    assert!(
        found.failures.is_empty(),
        "{} wrong fixes:\n{}",
        found.failures.len(),
        found.failures.join("\n")
    );
    found.missing.sort();
    found.missing.dedup();
    assert!(
        found.missing.is_empty(),
        "helps that show an edit without a fix (give the diagnostic a fix, or \
         list the kind of help in explains_without_a_single_edit):\n{}",
        found.missing.join("\n")
    );
}

#[test]
fn fixes_in_the_stored_corpus_remove_their_diagnostic() {
    let mut found = Findings::default();
    for (name, text) in stored_corpus() {
        examine(&name, &text, &mut found);
    }
    // The goldens propose at least a dozen fixes: none silently skipped.
    assert!(
        found.applied >= 12,
        "only {} fixes in the corpus",
        found.applied
    );
    report(&mut found);
}

#[test]
fn fixes_for_mutated_guidelines_remove_their_diagnostic() {
    let mut found = Findings::default();
    let mut mutated = 0;
    for path in [
        "tests/guidelines/demo.gdl",
        "guidelines/dermatomyositis.gdl",
    ] {
        let text = std::fs::read_to_string(root().join(path)).unwrap_or_default();
        assert!(!text.is_empty(), "{path} is missing");
        for (index, mutant) in mutants(&text).iter().enumerate() {
            mutated += 1;
            examine(&format!("{path} mutant {index}"), mutant, &mut found);
        }
    }
    assert!(
        found.applied >= 100,
        "only {} fixes over {mutated} mutants",
        found.applied
    );
    report(&mut found);
}

/// Keywords a help may name without proposing an edit.
const KEYWORDS: &[&str] = &[
    "when",
    "then",
    "define",
    "cite",
    "recommend",
    "avoid",
    "else-escalate",
    "expect",
    "in",
    "not",
    "and",
    "or",
    "enum",
    "fact",
    "action",
    "bool",
    "number",
    "quantity",
    "set of",
];

/// Helps that show code in backticks but are not one edit, by what makes
/// them so. A new backticked help must carry a fix or be added here.
fn explains_without_a_single_edit(diagnostic: &Diagnostic, help: &str) -> bool {
    // An example with a made-up value or placeholder (`KEY`, `NAME`, `…`).
    help.contains("e.g.")
        || help.contains('…')
        || help.contains("KEY")
        // A rename: the declaration and every use change together.
        || diagnostic.code == Code::ConfusableName
        // A choice between alternatives the author must make.
        || help.starts_with("use it directly:")
        || help.starts_with("use `")
        // Which way to group a chained `implies` is the author's to decide.
        || help.starts_with("add parentheses:")
        // Keywords, and names the message already quotes, are not edits.
        || backticked(help).iter().all(|snippet| {
            KEYWORDS.contains(snippet) || diagnostic.message.contains(&format!("`{snippet}`"))
        })
        || help.starts_with("definitions cannot be recursive")
        // The grammar's own words, not an edit of this text.
        || (diagnostic.code == Code::SyntaxError
            && (help.starts_with("write conditions with")
                || help.starts_with("equality is")
                || help.starts_with("names are made of")
                || help.starts_with("a `{` is not closed")))
        || help.starts_with("gdl has calendar dates")
        || help.starts_with("free text cannot be tested")
        || help.starts_with("enum values have no order")
        || help.starts_with("test membership instead")
        || help.starts_with("`in` tests membership")
        || help.starts_with("a rule needs")
        // A clinical choice, not an edit to apply unseen: which GRADE word
        // an unreadable one meant, or whether a strong recommendation on
        // low certainty evidence is one of GRADE's exceptions.
        || (diagnostic.code == Code::UnknownGrade && help.starts_with("write `"))
        || diagnostic.code == Code::DiscordantRecommendation
}

#[test]
fn a_fraction_against_a_percentage_is_fixed_as_a_percentage() {
    let text =
        "guideline g \"G\" { version \"1\" }\nfact spo2: quantity %\ndefine low = spo2 < 0.92\n";
    let compiled = gdl::compile(text);
    let fixes: Vec<String> = compiled
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref()?.apply(text))
        .collect();
    assert_eq!(fixes.len(), 1, "{:?}", compiled.diagnostics);
    assert!(fixes[0].contains("spo2 < 92 %"), "{}", fixes[0]);
}
