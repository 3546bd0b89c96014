//! Turns a parsed YAML value into the spec model, checking every key against the language and
//! collecting every problem rather than stopping at the first. This file holds the decoder's
//! cursor (where each part of a file sits, how problems are reported) and the scalar, list and
//! mapping readers; the sections are decoded in `document` (the file and its top-level tables),
//! `operations` and `fields`.

use super::model::Spanned;
use super::spans::{KeyPath, Seg, SpanIndex};
use super::yaml::{Value, describe};
use crate::diagnostics::{Diagnostic, Pos, did_you_mean};

pub(crate) struct Decoder<'a> {
    pub(super) display: &'a str,
    pub(super) spans: &'a SpanIndex,
    pub(super) diags: &'a mut Vec<Diagnostic>,
}

type Entries<'v> = Vec<(String, &'v Value, KeyPath)>;

impl<'a> Decoder<'a> {
    pub(crate) fn new(
        display: &'a str,
        spans: &'a SpanIndex,
        diags: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Decoder {
            display,
            spans,
            diags,
        }
    }

    pub(super) fn pos(&self, path: &[Seg]) -> Pos {
        let (line, col) = self.spans.position(path);
        Pos {
            file: self.display.to_string(),
            line,
            col,
        }
    }

    pub(super) fn error(&mut self, path: &[Seg], message: impl Into<String>) {
        let pos = self.pos(path);
        self.diags.push(Diagnostic::new(pos, message));
    }

    pub(super) fn spanned<T>(&self, value: T, path: &[Seg]) -> Spanned<T> {
        Spanned {
            value,
            pos: self.pos(path),
        }
    }

    /// A scalar value, positioned at the value itself when it sits on its key's line.
    pub(super) fn spanned_value<T>(&self, value: T, path: &[Seg]) -> Spanned<T> {
        let (line, col) = self.spans.value_position(path);
        Spanned {
            value,
            pos: Pos {
                file: self.display.to_string(),
                line,
                col,
            },
        }
    }

    /// The entries of a mapping, reporting keys outside `allowed` (when given).
    pub(super) fn mapping<'v>(
        &mut self,
        value: &'v Value,
        path: &KeyPath,
        what: &str,
        allowed: Option<&[&str]>,
    ) -> Option<Entries<'v>> {
        let Value::Mapping(map) = value else {
            self.error(
                path,
                format!("{what} must be a mapping, found {}", describe(value)),
            );
            return None;
        };
        let mut entries = Vec::new();
        for (key, child) in map {
            let Value::String(key) = key else {
                self.error(
                    path,
                    format!("keys of {what} must be strings, found {}", describe(key)),
                );
                continue;
            };
            let mut child_path = path.clone();
            child_path.push(Seg::Key(key.clone()));
            if let Some(allowed) = allowed
                && !allowed.contains(&key.as_str())
            {
                let hint = match did_you_mean(key, allowed.iter().copied()) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => format!("; expected one of: {}", allowed.join(", ")),
                };
                self.error(&child_path, format!("unknown key `{key}` in {what}{hint}"));
                continue;
            }
            entries.push((key.clone(), child, child_path));
        }
        Some(entries)
    }

    pub(super) fn string(&mut self, value: &Value, path: &KeyPath, what: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            // Numbers and booleans written without quotes are still meant as text here.
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.error(
                    path,
                    format!("{what} must be a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    pub(super) fn strict_string(
        &mut self,
        value: &Value,
        path: &KeyPath,
        what: &str,
    ) -> Option<Spanned<String>> {
        match value {
            Value::String(s) => Some(self.spanned_value(s.clone(), path)),
            other => {
                self.error(
                    path,
                    format!("{what} must be a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, value: &Value, path: &KeyPath, what: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                self.error(
                    path,
                    format!(
                        "{what} must be `true` or `false`, found {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    pub(super) fn integer(
        &mut self,
        value: &Value,
        path: &KeyPath,
        what: &str,
    ) -> Option<Spanned<i128>> {
        let parsed = match value {
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from)),
            _ => None,
        };
        match parsed {
            Some(n) => Some(self.spanned_value(n, path)),
            None => {
                self.error(
                    path,
                    format!("{what} must be an integer, found {}", describe(value)),
                );
                None
            }
        }
    }

    pub(super) fn count(
        &mut self,
        value: &Value,
        path: &KeyPath,
        what: &str,
    ) -> Option<Spanned<u64>> {
        let n = self.integer(value, path, what)?;
        match u64::try_from(n.value) {
            Ok(v) => Some(Spanned {
                value: v,
                pos: n.pos,
            }),
            Err(_) => {
                self.error(
                    path,
                    format!("{what} must not be negative, found {}", n.value),
                );
                None
            }
        }
    }

    pub(super) fn string_list(
        &mut self,
        value: &Value,
        path: &KeyPath,
        what: &str,
    ) -> Vec<Spanned<String>> {
        let Value::Sequence(items) = value else {
            self.error(
                path,
                format!("{what} must be a list, found {}", describe(value)),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let mut item_path = path.clone();
            item_path.push(Seg::Index(i));
            if let Some(s) = self.strict_string(item, &item_path, &format!("each item of {what}")) {
                out.push(s);
            }
        }
        out
    }

    pub(super) fn required<T>(
        &mut self,
        found: Option<T>,
        path: &KeyPath,
        what: &str,
        key: &str,
    ) -> Option<T> {
        if found.is_none() {
            self.error(path, format!("{what} is missing the required key `{key}`"));
        }
        found
    }
}
