//! What a maintainer sees when the spec is wrong: for each folder of the broken-spec corpus
//! (`tests/fixtures/broken-specs/<case>/`, a complete spec with one mistake, described in its
//! `CASE.md`), a snapshot of every diagnostic as `file:line:col: message`, one per line.
//!
//! Positions are checked, not just snapshotted: every line holding a mistake carries the comment
//! `# <- mistake`, every diagnostic must point at such a line (so `1:1` only when the mistake is on
//! line 1) and at a column inside it, and every marked line must get a diagnostic (so a folder
//! with several mistakes proves that all of them are reported at once).

use std::path::{Path, PathBuf};

use wechatpay_generator::load::{self, Source};
use wechatpay_generator::{Diagnostic, check_sources, generate_dir};
use wechatpay_tests::{
    broken_spec_cases, diagnostics_text, fixtures_dir, source_of, unchecked_spec_cases,
};

/// The comment that marks a line holding a mistake.
const MARK: &str = "# <- mistake";

/// The display root the build uses, so messages read `spec/...` as they do in `cargo build`.
const ROOT: &str = "spec";

/// Every problem in a fixture folder: read errors, or else load + validate errors.
fn diagnose(dir: &Path) -> (Vec<Source>, Vec<Diagnostic>) {
    match load::read_dir(dir, ROOT) {
        Err(diags) => (Vec::new(), diags),
        Ok(sources) => match check_sources(&sources) {
            Ok(_) => (sources, Vec::new()),
            Err(diags) => (sources, diags),
        },
    }
}

fn cases() -> Vec<(String, PathBuf)> {
    let cases = broken_spec_cases();
    assert!(
        cases.len() >= 14,
        "the broken-spec corpus has only {} cases",
        cases.len()
    );
    cases
}

fn case_doc(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("CASE.md"))
        .unwrap_or_else(|e| {
            panic!(
                "{}: every case describes itself in CASE.md: {e}",
                dir.display()
            )
        })
        .trim()
        .to_string()
}

#[test]
fn the_base_of_the_corpus_is_valid() {
    // Every broken case is this folder plus its mistake; it must itself generate cleanly, so
    // that each case's diagnostics are about its mistake only.
    let valid = fixtures_dir().join("valid-spec");
    let generated = generate_dir(&valid)
        .unwrap_or_else(|d| panic!("valid-spec has problems:\n{}", diagnostics_text(&d)));
    let per_file: Vec<&str> = generated
        .files
        .iter()
        .filter(|f| f.from != "valid-spec/")
        .map(|f| f.from.as_str())
        .collect();
    assert_eq!(
        per_file,
        [
            "valid-spec/types/item.yaml",
            "valid-spec/v3/demo/users/_openid_/items.yaml"
        ]
    );
}

#[test]
fn broken_spec_diagnostics() {
    for (name, dir) in cases() {
        let (_, diags) = diagnose(&dir);
        assert!(!diags.is_empty(), "{name}: no diagnostic for a broken spec");
        let mut settings = insta::Settings::clone_current();
        settings.set_description(case_doc(&dir));
        settings.set_omit_expression(true);
        settings.set_snapshot_suffix(name.clone());
        settings.bind(|| {
            insta::assert_snapshot!("broken_spec", diagnostics_text(&diags));
        });
    }
}

/// The lines of a fixture file as the YAML parser counts them (lossy, so a non-UTF-8 fixture
/// can still be checked).
fn fixture_lines(dir: &Path, display: &str) -> Option<Vec<String>> {
    let rel = display.strip_prefix(&format!("{ROOT}/"))?;
    let bytes = std::fs::read(dir.join(rel)).ok()?;
    Some(
        load::lines::lines(&String::from_utf8_lossy(&bytes))
            .map(str::to_string)
            .collect(),
    )
}

/// Checks one diagnostic's position against the marked lines; returns what is wrong, if anything.
fn position_problem(dir: &Path, diag: &Diagnostic) -> Option<String> {
    let Some(lines) = fixture_lines(dir, &diag.pos.file) else {
        return Some("names a file that is not in the fixture".into());
    };
    let (line, col) = (diag.pos.line, diag.pos.col);
    if line == 0 || col == 0 {
        return Some("positions are 1-based".into());
    }
    let Some(text) = lines.get(line - 1) else {
        return Some(format!(
            "line {line} is past the end ({} lines)",
            lines.len()
        ));
    };
    if !text.contains(MARK) {
        return Some(format!(
            "points at line {line}, which holds no mistake: {text:?}"
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    match chars.get(col - 1) {
        None => Some(format!(
            "column {col} is past the end of line {line}: {text:?}"
        )),
        // A tab is whitespace, but it is the very mistake of a tab-indentation error.
        Some(c) if c.is_whitespace() && *c != '\t' => Some(format!(
            "column {col} of line {line} is whitespace, not the token: {text:?}"
        )),
        Some(_) => None,
    }
}

/// Checks the positions of the given cases; returns every failure.
fn check_positions(cases: &[(String, PathBuf)]) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, dir) in cases {
        let (_, diags) = diagnose(dir);
        for diag in &diags {
            if let Some(problem) = position_problem(dir, diag) {
                failures.push(format!("{name}: `{diag}`: {problem}"));
            }
        }
        // Every marked line gets at least one diagnostic: nothing is left unreported.
        for file in fixture_files(dir) {
            let display = format!("{ROOT}/{file}");
            let lines = fixture_lines(dir, &display).unwrap_or_default();
            for (index, text) in lines.iter().enumerate() {
                let line = index + 1;
                if text.contains(MARK)
                    && !diags
                        .iter()
                        .any(|d| d.pos.file == display && d.pos.line == line)
                {
                    failures.push(format!(
                        "{name}: the mistake at {display}:{line} is not reported: {text:?}"
                    ));
                }
            }
        }
    }
    failures
}

#[test]
fn diagnostics_point_at_the_marked_mistakes() {
    let failures = check_positions(&cases());
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The `.yaml`/`.yml` files of a fixture, relative and `/`-separated.
fn fixture_files(dir: &Path) -> Vec<String> {
    load::spec_files(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.strip_prefix(dir).ok())
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

#[test]
fn every_case_marks_its_mistake() {
    for (name, dir) in cases().into_iter().chain(unchecked_spec_cases()) {
        case_doc(&dir);
        let marked = fixture_files(&dir).iter().any(|file| {
            fixture_lines(&dir, &format!("{ROOT}/{file}"))
                .unwrap_or_default()
                .iter()
                .any(|l| l.contains(MARK))
        });
        assert!(marked, "{name}: no line is marked `{MARK}`");
    }
}

#[test]
fn several_mistakes_in_several_files_are_all_reported_at_once() {
    let dir = fixtures_dir().join("broken-specs/several-mistakes");
    let (_, diags) = diagnose(&dir);
    let mut files: Vec<&str> = diags.iter().map(|d| d.pos.file.as_str()).collect();
    files.dedup();
    assert_eq!(
        files,
        [
            "spec/error-codes.yaml",
            "spec/types/item.yaml",
            "spec/v3/demo/users/_openid_/items.yaml"
        ],
        "{}",
        diagnostics_text(&diags)
    );
    // Sorted by file, then line, then column: the order a reader fixes them in.
    let mut sorted = diags.clone();
    sorted.sort();
    assert_eq!(sorted, diags);
}

/// Mistakes that once passed the check but generated Rust that cannot compile
/// (`tests/fixtures/unchecked-specs/`: duplicate modules, files, types, fields or methods; see
/// each `CASE.md`). Each must now be reported, at the marked line.
#[test]

fn unchecked_mistakes_are_reported() {
    let cases = unchecked_spec_cases();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for (name, dir) in &cases {
        if diagnose(dir).1.is_empty() {
            failures.push(format!("{name}: not reported"));
        }
    }
    failures.extend(check_positions(&cases));
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The CLI's `check` output: each diagnostic with a code frame of the line it points at.
fn code_frames(case: &str) -> String {
    let dir = fixtures_dir().join("broken-specs").join(case);
    let (sources, diags) = diagnose(&dir);
    diags
        .iter()
        .map(|d| match source_of(&sources, d) {
            Some(source) => d.render_with_source(&source.text),
            None => format!("error: {d}"),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn code_frame_of_an_unknown_key() {
    insta::assert_snapshot!(code_frames("unknown-field-key"));
}

#[test]
fn code_frame_of_a_yaml_syntax_error() {
    insta::assert_snapshot!(code_frames("yaml-syntax-error"));
}

#[test]
fn code_frames_of_several_mistakes() {
    insta::assert_snapshot!(code_frames("several-mistakes"));
}
