//! Maps key paths to line:column. serde_yaml only reports positions for its own syntax errors, so
//! the loader indexes each file once: every block-style key and list item gets its position, and a
//! path inside a flow collection resolves to its nearest indexed ancestor. Lines are the parser's
//! (see [`super::lines`]), so an index position and a parser position mean the same line.

use std::collections::HashMap;

/// One step of a key path: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path from the document root to a node.
pub type KeyPath = Vec<Seg>;

/// Positions of the keys and list items of one file.
#[derive(Debug, Default)]
pub struct SpanIndex {
    positions: HashMap<KeyPath, (usize, usize)>,
    /// Where a scalar value written on the same line as its key (or dash) starts.
    values: HashMap<KeyPath, (usize, usize)>,
}

struct Open {
    indent: usize,
    seg: Seg,
}

impl SpanIndex {
    /// Indexes a block-style YAML text. Never fails: what it cannot follow, it skips.
    pub fn build(text: &str) -> Self {
        let mut index = SpanIndex::default();
        let mut stack: Vec<Open> = Vec::new();
        let mut counters: HashMap<KeyPath, usize> = HashMap::new();
        let mut block_scalar_parent: Option<usize> = None;

        for (line_no, raw) in super::lines::lines(text).enumerate() {
            let line_no = line_no + 1;
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let content = strip_comment(&raw[indent..]);
            if let Some(parent) = block_scalar_parent {
                if content.trim().is_empty() || indent > parent {
                    continue;
                }
                block_scalar_parent = None;
            }
            if content.trim().is_empty() || content.starts_with("---") || content.starts_with("...")
            {
                continue;
            }

            let mut col = indent;
            let mut rest = content;
            // Each leading "- " opens a list item (several on one line for nested lists).
            while rest == "-" || rest.starts_with("- ") {
                while stack.last().is_some_and(|o| {
                    o.indent > col || (o.indent == col && matches!(o.seg, Seg::Index(_)))
                }) {
                    stack.pop();
                }
                let parent: KeyPath = stack.iter().map(|o| o.seg.clone()).collect();
                let counter = counters.entry(parent.clone()).or_insert(0);
                let item = *counter;
                *counter += 1;
                let mut path = parent;
                path.push(Seg::Index(item));
                index.positions.entry(path).or_insert((line_no, col + 1));
                stack.push(Open {
                    indent: col,
                    seg: Seg::Index(item),
                });
                let after = &rest[1..];
                let skipped = after.len() - after.trim_start_matches(' ').len();
                col += 1 + skipped;
                rest = after.trim_start_matches(' ');
                if !rest.is_empty()
                    && split_key(rest).is_none()
                    && !rest.starts_with("- ")
                    && rest != "-"
                {
                    let item: KeyPath = stack.iter().map(|o| o.seg.clone()).collect();
                    index.values.entry(item).or_insert((line_no, col + 1));
                }
            }

            let Some((key, value)) = split_key(rest) else {
                continue;
            };
            while stack.last().is_some_and(|o| o.indent >= col) {
                stack.pop();
            }
            let mut path: KeyPath = stack.iter().map(|o| o.seg.clone()).collect();
            path.push(Seg::Key(key.clone()));
            // A new mapping under this key restarts list numbering below it.
            counters.retain(|p, _| !p.starts_with(&path));
            index.positions.entry(path).or_insert((line_no, col + 1));
            stack.push(Open {
                indent: col,
                seg: Seg::Key(key),
            });
            let value = value.trim();
            if value.starts_with('|') || value.starts_with('>') {
                block_scalar_parent = Some(indent.min(col));
            }
        }
        index
    }

    /// Where the scalar value at `path` starts when it was written on its key's line; otherwise
    /// the position of the key (or of its nearest indexed ancestor).
    pub fn value_position(&self, path: &[Seg]) -> (usize, usize) {
        self.values
            .get(path)
            .copied()
            .unwrap_or_else(|| self.position(path))
    }

    /// The position of the node at `path`, or of its nearest indexed ancestor; `(1, 1)` at worst.
    pub fn position(&self, path: &[Seg]) -> (usize, usize) {
        (0..=path.len())
            .rev()
            .find_map(|len| self.positions.get(&path[..len]).copied())
            .unwrap_or((1, 1))
    }
}

/// Drops a trailing `# comment` that is outside quotes.
fn strip_comment(text: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev_space => return &text[..i],
            None => {}
        }
        prev_space = c == ' ' || c == '\t';
    }
    text
}

/// Splits `key: value` (or `key:`) into the unquoted key and the rest.
fn split_key(text: &str) -> Option<(String, &str)> {
    if let Some(q) = text.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = text[1..].find(q)? + 1;
        let after = &text[end + 1..];
        let after = after.strip_prefix(':')?;
        if !(after.is_empty() || after.starts_with(' ')) {
            return None;
        }
        return Some((text[1..end].to_string(), after));
    }
    if text.starts_with(['{', '[', '|', '>', '&', '*', '!']) {
        return None;
    }
    let mut search = 0;
    while let Some(found) = text[search..].find(':') {
        let at = search + found;
        let after = &text[at + 1..];
        if after.is_empty() || after.starts_with(' ') {
            return Some((text[..at].trim_end().to_string(), after));
        }
        search = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> KeyPath {
        path.split('/')
            .map(|s| match s.parse() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key(s.to_string()),
            })
            .collect()
    }

    #[test]
    fn indexes_keys_items_and_skips_block_scalars() {
        let text = "spec: 1\nops:\n  post:\n    description: |\n      text: not a key\n    errors:\n      - A\n      - B\n    docs:\n    - x\n    - y\n  get:\n    id: g # comment: here\n";
        let index = SpanIndex::build(text);
        assert_eq!(index.position(&key("spec")), (1, 1));
        assert_eq!(index.position(&key("ops/post/description")), (4, 5));
        assert_eq!(index.position(&key("ops/post/errors/1")), (8, 7));
        assert_eq!(index.position(&key("ops/post/docs/1")), (11, 5));
        assert_eq!(index.position(&key("ops/get/id")), (13, 5));
        assert_eq!(index.position(&key("ops/get/id/missing")), (13, 5));
        assert!(
            !index
                .positions
                .contains_key(&key("ops/post/description/text"))
        );
    }

    #[test]
    fn list_items_holding_mappings() {
        let text = "items:\n  - name: a\n    doc: x\n  - name: b\n";
        let index = SpanIndex::build(text);
        assert_eq!(index.position(&key("items/1/name")), (4, 5));
        assert_eq!(index.position(&key("items/0/doc")), (3, 5));
    }
}
