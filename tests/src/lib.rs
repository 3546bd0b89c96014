//! Shared helpers for the cross-crate tests under `tests/tests/`.
//!
//! The test files themselves live in `tests/tests/*.rs`; this library only knows where things are
//! (the workspace, its `spec/`, the fixture corpora) and how to show diagnostics as text, so that
//! every test file finds and prints them the same way.

use std::path::{Path, PathBuf};

use wechatpay_generator::Diagnostic;
use wechatpay_generator::load::Source;

/// The workspace root (the folder holding `spec/`, `generator/`, `tests/`, ...).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The real spec folder, `<workspace>/spec`.
pub fn spec_dir() -> PathBuf {
    workspace_root().join("spec")
}

/// The fixtures folder of this crate, `<workspace>/tests/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The broken-spec corpus: every folder under `tests/fixtures/broken-specs`, as
/// `(case name, folder)`, sorted by name. Each folder is a complete spec folder with one mistake
/// (or, for `several-mistakes`, a few in different files).
pub fn broken_spec_cases() -> Vec<(String, PathBuf)> {
    sub_dirs(&fixtures_dir().join("broken-specs"))
}

/// Mistakes the generator does not catch yet: every folder under
/// `tests/fixtures/unchecked-specs`, as `(case name, folder)`, sorted by name. Each passes the check
/// today but generates Rust that cannot compile; its `CASE.md` says why.
pub fn unchecked_spec_cases() -> Vec<(String, PathBuf)> {
    sub_dirs(&fixtures_dir().join("unchecked-specs"))
}

/// The sub-folders of `dir` as `(name, path)`, sorted by name; empty when `dir` cannot be read.
pub fn sub_dirs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            Some((name, path))
        })
        .collect();
    out.sort();
    out
}

/// Reads the real spec as the build does (files named `spec/...`).
///
/// # Panics
/// When the spec folder cannot be read: every test needs it, so there is nothing to fall back to.
pub fn real_sources() -> Vec<Source> {
    match wechatpay_generator::load::read_dir(&spec_dir(), "spec") {
        Ok(sources) => sources,
        Err(diags) => panic!("cannot read spec/:\n{}", diagnostics_text(&diags)),
    }
}

/// Diagnostics as text, `file:line:col: message`, one per line (no trailing newline).
pub fn diagnostics_text(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of the source a diagnostic points into, by its display name (`spec/...`).
pub fn source_of<'a>(sources: &'a [Source], diag: &Diagnostic) -> Option<&'a Source> {
    sources.iter().find(|s| s.display == diag.pos.file)
}
