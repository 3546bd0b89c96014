//! The `charset` constraint's notation: characters and `a-z` ranges, e.g. `0-9A-Za-z|_*-`. A `-`
//! that cannot form a range (first or last) stands for itself.

/// Parses a charset into inclusive ranges; `None` if it is empty or has a backwards range.
pub fn parse(text: &str) -> Option<Vec<(char, char)>> {
    let chars: Vec<char> = text.chars().collect();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            if chars[i] > chars[i + 2] {
                return None;
            }
            ranges.push((chars[i], chars[i + 2]));
            i += 3;
        } else {
            ranges.push((chars[i], chars[i]));
            i += 1;
        }
    }
    (!ranges.is_empty()).then_some(ranges)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_and_literal_dash() {
        assert_eq!(
            super::parse("0-9a|_*-"),
            Some(vec![
                ('0', '9'),
                ('a', 'a'),
                ('|', '|'),
                ('_', '_'),
                ('*', '*'),
                ('-', '-')
            ])
        );
        assert_eq!(super::parse("z-a"), None);
        assert_eq!(super::parse(""), None);
    }
}
