//! Stage 1, load: reads spec files into the spec model, keeping file:line:col for every part.

mod decode;
mod document;
mod fields;
pub mod lines;
pub mod model;
mod operations;
pub mod spans;
mod yaml;

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Pos};
use model::SpecFile;
pub use operations::METHODS;
use spans::SpanIndex;

/// Every `.yaml`/`.yml` file under `dir`, sorted, so output never depends on directory order.
pub fn spec_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).map_err(|e| io_error(&current, &e))?;
        for entry in entries {
            let path = entry.map_err(|e| io_error(&current, &e))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn io_error(path: &Path, err: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Pos {
            file: path.display().to_string(),
            line: 1,
            col: 1,
        },
        format!("cannot read: {err}"),
    )
}

/// One spec file's text, as it was read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the spec folder, `/`-separated.
    pub rel_path: String,
    /// Path as shown to people (`spec/...`).
    pub display: String,
    /// The text.
    pub text: String,
}

/// Reads every spec file under `dir`. `display_root` prefixes paths in messages (e.g. `spec`).
pub fn read_dir(dir: &Path, display_root: &str) -> Result<Vec<Source>, Vec<Diagnostic>> {
    let files = spec_files(dir).map_err(|d| vec![d])?;
    let mut sources = Vec::new();
    let mut diags = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let display = format!("{display_root}/{rel}");
        match std::fs::read(&file) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => sources.push(Source {
                    rel_path: rel,
                    display,
                    text,
                }),
                Err(_) => diags.push(Diagnostic::new(
                    Pos {
                        file: display,
                        line: 1,
                        col: 1,
                    },
                    "spec files must be UTF-8",
                )),
            },
            Err(e) => diags.push(io_error(&file, &e)),
        }
    }
    // One order everywhere: the `/`-separated relative path, as `check_sources` sorts.
    sources.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    if diags.is_empty() {
        Ok(sources)
    } else {
        Err(diags)
    }
}

/// Parses and decodes one source, appending its problems to `diags`.
pub fn load_source(source: &Source, diags: &mut Vec<Diagnostic>) -> Option<SpecFile> {
    let value = match yaml::parse(&source.text) {
        Ok(value) => value,
        Err(err) => {
            let (line, col, message) = refine_syntax_error(&source.text, err);
            let file = source.display.clone();
            diags.push(Diagnostic::new(Pos { file, line, col }, message));
            return None;
        }
    };
    let spans = SpanIndex::build(&source.text);
    decode::Decoder::new(&source.display, &spans, diags).file(&value, &source.rel_path)
}

/// The YAML parser places two common mistakes badly: a duplicate key at the start of the mapping
/// holding it, and an unclosed quote at the end of the file. Point at the mistake instead.
fn refine_syntax_error(text: &str, err: yaml::SyntaxError) -> (usize, usize, String) {
    if let Some(key) = err
        .message
        .split("duplicate entry with key \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        && let Some((line, col)) = second_occurrence(text, err.line, key)
    {
        return (
            line,
            col,
            format!("duplicate key `{key}`: it is already set above in the same mapping"),
        );
    }
    if err.message.contains("end of stream")
        && let Some((line, col)) = unclosed_quote(text)
    {
        return (
            line,
            col,
            "unclosed quote: this string has no closing quote on its line".to_string(),
        );
    }
    (err.line, err.col, err.message)
}

/// The second `key:` at the indentation of the mapping that starts on `from_line`.
fn second_occurrence(text: &str, from_line: usize, key: &str) -> Option<(usize, usize)> {
    let all: Vec<&str> = lines::lines(text).collect();
    let start = all.get(from_line.checked_sub(1)?)?;
    let indent = start.len() - start.trim_start_matches([' ', '-']).len();
    let mut seen = 0;
    for (i, line) in all.iter().enumerate().skip(from_line - 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let this_indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if this_indent < indent && i + 1 > from_line {
            break;
        }
        let content = &line[this_indent..];
        let written = content
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with(':'))
            || content
                .strip_prefix(&format!("\"{key}\""))
                .is_some_and(|rest| rest.starts_with(':'));
        if this_indent == indent && written {
            seen += 1;
            if seen == 2 {
                return Some((i + 1, this_indent + 1));
            }
        }
    }
    None
}

/// The first quote that does not close on its own line (outside comments).
fn unclosed_quote(text: &str) -> Option<(usize, usize)> {
    for (i, line) in lines::lines(text).enumerate() {
        let mut open: Option<(char, usize)> = None;
        let mut prev = ' ';
        for (col, c) in line.chars().enumerate() {
            match open {
                Some((q, _)) if c == q && !(q == '"' && prev == '\\') => open = None,
                Some(_) => {}
                None if c == '#' && (prev == ' ' || col == 0) => break,
                // A quote only opens a scalar at its start, not inside plain text like `it's`.
                None if (c == '"' || c == '\'')
                    && matches!(prev, ' ' | ':' | '-' | '[' | '{' | ',') =>
                {
                    open = Some((c, col));
                }
                None if (c == '"' || c == '\'') && col == 0 => open = Some((c, col)),
                None => {}
            }
            prev = c;
        }
        if let Some((_, col)) = open {
            return Some((i + 1, col + 1));
        }
    }
    None
}
