//! No tracked file names a path of one machine: a home directory, a
//! workspace or an administrator's directory (the top directories are listed
//! in `MACHINE_DIRECTORIES`) means the text was written against a checkout
//! that readers do not have. Files are listed with
//! `git ls-files`; without git (a source archive) the tree is walked,
//! skipping `target/` and `.git/`. A failure names every file:line.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::{Path, PathBuf};

/// The top directories of absolute paths that belong to one machine, and
/// the Windows one. Assembled at run time (`machine_patterns`), so this file
/// holds no such path and is searched like every other.
const MACHINE_DIRECTORIES: [&str; 4] = ["home", "Users", "work", "root"];
const WINDOWS_USERS: [&str; 2] = ["C:", "Users"];

/// Each top directory between slashes, and the Windows users folder.
fn machine_patterns() -> Vec<String> {
    let mut patterns: Vec<String> = MACHINE_DIRECTORIES
        .iter()
        .map(|directory| format!("/{directory}/"))
        .collect();
    patterns.push(WINDOWS_USERS.join("\\"));
    patterns
}

fn tracked_files(root: &Path) -> Vec<PathBuf> {
    let listed = std::process::Command::new("git")
        .arg("ls-files")
        .arg("-z")
        .current_dir(root)
        .output()
        .ok()
        .filter(|out| out.status.success() && !out.stdout.is_empty());
    match listed {
        Some(out) => out
            .stdout
            .split(|b| *b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
            .collect(),
        None => {
            let mut out = Vec::new();
            walk(root, Path::new(""), &mut out);
            out
        }
    }
}

fn walk(root: &Path, relative: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(relative)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let path = relative.join(&name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name != "target" && name != ".git" {
                walk(root, &path, out);
            }
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

/// Every `file:line: text` holding a machine path.
fn machine_paths(root: &Path, files: &[PathBuf]) -> Vec<String> {
    let patterns = machine_patterns();
    let mut found = Vec::new();
    for file in files {
        // Binary files (and files deleted but still listed) are skipped.
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            if patterns.iter().any(|p| line.contains(p.as_str())) {
                found.push(format!("{}:{}: {}", file.display(), index + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn no_tracked_file_holds_a_machine_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = tracked_files(root);
    assert!(
        files.iter().any(|f| f == Path::new("Cargo.toml")),
        "listing the repository found no Cargo.toml: {} files",
        files.len()
    );
    let found = machine_paths(root, &files);
    assert!(
        found.is_empty(),
        "absolute paths of one machine in tracked files (write a path relative to the \
         repository, or describe the file instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn a_machine_path_is_found_and_named() {
    let dir = std::env::temp_dir().join(format!("gdl-hygiene-{}", std::process::id()));
    let _ = std::fs::create_dir_all(dir.join("docs"));
    let planted = ["", "home", "alice", "notes.txt"].join("/");
    let _ = std::fs::write(dir.join("docs/a.md"), format!("fine\nsee {planted}\n"));
    let _ = std::fs::write(dir.join("b.txt"), "nothing here\n");
    let mut files = Vec::new();
    walk(&dir, Path::new(""), &mut files);
    files.sort();
    let found = machine_paths(&dir, &files);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found, vec![format!("docs/a.md:2: see {planted}")]);
}
