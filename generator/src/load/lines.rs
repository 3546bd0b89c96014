//! Where a line ends, as the YAML parser counts it. The parser (libyaml, YAML 1.1) breaks lines
//! at `\n`, `\r\n`, a lone `\r`, U+0085 (NEL), U+2028 (LINE SEPARATOR) and U+2029 (PARAGRAPH
//! SEPARATOR), and counts columns in characters. Every position the generator reports — the
//! parser's own, the span index's, the refinements of syntax errors — and every code frame counts
//! lines here, so `file:line:col` always means the line the parser meant.

/// Whether `c` ends a line for the YAML parser (`\r\n` is one break made of two characters).
pub fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The lines of `text` without their breaks, like [`str::lines`] but with the parser's breaks:
/// a break at the very end does not start another (empty) line.
pub fn lines(text: &str) -> Lines<'_> {
    Lines { rest: Some(text) }
}

/// The iterator of [`lines`].
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        if rest.is_empty() {
            self.rest = None;
            return None;
        }
        match rest.char_indices().find(|(_, c)| is_break(*c)) {
            Some((at, c)) => {
                let mut next = at + c.len_utf8();
                if c == '\r' && rest[next..].starts_with('\n') {
                    next += 1;
                }
                self.rest = Some(&rest[next..]);
                Some(&rest[..at])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The byte offset of a 1-based line and (character) column; a column past the end of its line
/// gives the line's end. `None` when the text has no such line.
pub fn offset(text: &str, line: usize, col: usize) -> Option<usize> {
    let text_line = lines(text).nth(line.checked_sub(1)?)?;
    // `text_line` is a slice of `text`, so its start is an offset into it.
    let start = text_line.as_ptr() as usize - text.as_ptr() as usize;
    let within = text_line
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(text_line.len(), |(i, _)| i);
    Some(start + within)
}

/// The text with every break written as `\n`, so tools that only know `\n` (the code-frame
/// renderer) see the parser's lines.
pub fn normalized(text: &str) -> String {
    let mut out: Vec<&str> = lines(text).collect();
    if text.ends_with(is_break) {
        out.push("");
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_break_of_the_parser_ends_a_line() {
        let text = "a\nb\r\nc\rd\u{85}e\u{2028}f\u{2029}g";
        assert_eq!(
            lines(text).collect::<Vec<_>>(),
            ["a", "b", "c", "d", "e", "f", "g"]
        );
        assert_eq!(lines("a\n").collect::<Vec<_>>(), ["a"]);
        assert_eq!(lines("a\n\n").collect::<Vec<_>>(), ["a", ""]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(normalized("a\r\nb\u{2028}c\n"), "a\nb\nc\n");
    }

    #[test]
    fn offsets_count_characters() {
        let text = "aé\u{2028}é: @x\n";
        assert_eq!(offset(text, 2, 4), text.find('@'));
        assert_eq!(offset(text, 2, 99), text.find('\n'));
        assert_eq!(offset(text, 1, 1), Some(0));
        assert_eq!(offset(text, 3, 1), None);
    }

    /// The parser itself agrees: a syntax error after each kind of break is reported on the line
    /// (and at the column) this module counts.
    #[test]
    fn the_yaml_parser_counts_the_same_lines_and_columns() {
        for brk in ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"] {
            let text = format!("a: 1{brk}é: @x\n");
            let err = crate::load::yaml::parse(&text)
                .err()
                .unwrap_or_else(|| panic!("{text:?} parses"));
            assert_eq!((err.line, err.col), (2, 4), "{brk:?}");
            assert_eq!(offset(&text, err.line, err.col), text.find('@'), "{brk:?}");
        }
    }
}
