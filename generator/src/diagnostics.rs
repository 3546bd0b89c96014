//! Diagnostics: every problem found in the spec, with the file, line and column it points at.

use std::fmt;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

/// A position in a spec file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// The file as shown to people, e.g. `spec/types/coupon.yaml`.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One problem in the spec. Generation stops when there is at least one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Where it is.
    pub pos: Pos,
    /// What is wrong, and when possible how to fix it.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at a position.
    pub fn new(pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            pos,
            message: message.into(),
        }
    }

    /// Renders the diagnostic with a code frame of the source it points into. Lines are the YAML
    /// parser's (see [`crate::load::lines`]), so the frame shows the line the position means.
    pub fn render_with_source(&self, source: &str) -> String {
        let source = crate::load::lines::normalized(source);
        let Some(start) = crate::load::lines::offset(&source, self.pos.line, self.pos.col) else {
            return self.to_string();
        };
        // Underline the key or value pointed at: up to `: `, a ` #` comment or the line end.
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |n| start + n);
        let text = &source[start..line_end];
        let cut = [
            text.find(": "),
            text.find(" #"),
            text.ends_with(':').then(|| text.len() - 1),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(text.len());
        let end = start + text[..cut].trim_end().len();
        let title = self.message.clone();
        let report = [Level::ERROR.primary_title(&title).element(
            Snippet::source(&source)
                .path(&self.pos.file)
                .fold(true)
                .annotation(AnnotationKind::Primary.span(start..end)),
        )];
        Renderer::plain().render(&report).to_string()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// Suggests the closest candidate within a small edit distance (Levenshtein, from `strsim`),
/// for "did you mean" hints: at most a third of the longer word's length, and at least 1.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(
            did_you_mean("requird", ["required", "doc"]),
            Some("required")
        );
        assert_eq!(
            did_you_mean("max_lenght", ["max_length", "min_length"]),
            Some("max_length")
        );
        assert_eq!(did_you_mean("zzz", ["required", "doc"]), None);
    }
}
