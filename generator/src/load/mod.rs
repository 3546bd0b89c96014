//! Stage 1, load: reads spec files into the spec model, keeping file:line:col for every part.

mod decode;
pub mod model;
pub mod spans;
mod yaml;

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Pos};
pub use decode::METHODS;
use model::SpecFile;
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
            diags.push(Diagnostic::new(
                Pos {
                    file: source.display.clone(),
                    line: err.line,
                    col: err.col,
                },
                err.message,
            ));
            return None;
        }
    };
    let spans = SpanIndex::build(&source.text);
    decode::Decoder::new(&source.display, &spans, diags).file(&value, &source.rel_path)
}
