//! The runtime's layering, checked on its source: the graph of `crate::…` references between
//! the top-level modules of `src/` has no cycle, and no runtime module refers to the generated
//! `api` (the generated code implements and extends the runtime's types instead).
//!
//! Edges come from code only: comments and string literals are blanked out, `#[cfg(test)]`
//! modules are left out (tests may use anything), a root re-export (`crate::Error`) counts as the
//! module that defines it (from `lib.rs`'s `pub use` lines), and `super::` stays inside its
//! top-level module. A cycle is reported with the modules on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Blanks out comments and string/char literals, keeping everything else.
fn code_only(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'/')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            (b'"', _) => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            (b'\'', _) if bytes.get(i + 2) == Some(&b'\'') => {
                i += 3;
            }
            (b'\'', Some(b'\\')) => {
                i += 2;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            (c, _) => {
                out.push(char::from(c));
                i += 1;
            }
        }
    }
    out
}

/// The text before a file's `#[cfg(test)]` module.
fn without_tests(code: &str) -> &str {
    code.find("#[cfg(test)]").map_or(code, |at| &code[..at])
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every module named by a `crate::NAME` path or inside a `use crate::{…}` group.
fn referenced(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find(';').unwrap_or(group.len())];
            // Top-level items of the group: identifiers right after `{` or a `,` at depth 0.
            let mut depth = 0;
            let mut expecting = true;
            let mut word = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    c if is_ident(c) && expecting && depth == 0 => word.push(c),
                    _ if !word.is_empty() => {
                        names.insert(std::mem::take(&mut word));
                        expecting = false;
                    }
                    _ => {}
                }
            }
            if !word.is_empty() {
                names.insert(word);
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            names.insert(name);
        }
    }
    names
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// `top-level module → modules it refers to`, and the root re-exports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = code_only(&std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs"));
    // `pub use client::{Client, …};` → Client is client's.
    let mut defined_in = BTreeMap::new();
    for line in lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub use "))
    {
        if let Some((module, items)) = line.split_once("::") {
            for item in items
                .split(|c: char| !is_ident(c))
                .filter(|s| !s.is_empty())
            {
                defined_in.insert(item.to_owned(), module.to_owned());
            }
        }
    }
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let top_of = |path: &Path| {
        let relative = path.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component");
        let first = first.as_os_str().to_string_lossy();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files
        .iter()
        .map(|p| top_of(p))
        .filter(|m| m != "lib")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let top = top_of(path);
        if top == "lib" {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(path).expect("source"));
        let entry = edges.entry(top.clone()).or_default();
        for name in referenced(without_tests(&code)) {
            let module = defined_in.get(&name).cloned().unwrap_or(name);
            if module != top && (modules.contains(&module) || module == "api") {
                entry.insert(module);
            }
        }
    }
    edges
}

/// A cycle through `start`, if there is one (depth-first search).
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_runtime_modules_import_each_other_without_a_cycle() {
    let edges = graph();
    let shown: Vec<String> = edges
        .iter()
        .map(|(module, to)| format!("{module} -> {to:?}"))
        .collect();
    assert!(
        edges.contains_key("client") && edges.len() > 5,
        "{shown:#?}"
    );
    assert_eq!(cycle(&edges), None, "{shown:#?}");
}

#[test]
fn no_runtime_module_refers_to_the_generated_api() {
    let edges = graph();
    let importers: Vec<&String> = edges
        .iter()
        .filter(|(_, to)| to.contains("api"))
        .map(|(module, _)| module)
        .collect();
    assert!(importers.is_empty(), "{importers:?}");
}

#[test]
fn the_checks_see_what_they_look_for() {
    let code = code_only(
        "use crate::{error::Error, keys::{FixedKeys, KeySource}, Client};\n\
         // crate::commented\n let s = \"crate::quoted\"; let c = '\"'; crate::orchestrator::Pipeline",
    );
    let names = referenced(&code);
    let expected: BTreeSet<String> = ["error", "keys", "Client", "orchestrator"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, expected);
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    assert_eq!(cycle(&edges), None);
    edges.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        cycle(&edges),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
