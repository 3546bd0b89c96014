//! The constraints on one value (a field, or each item of a list): each applies to the right
//! type, ranges are not backwards and fit the type, the charset parses, the format is known.

use super::{FORMATS, Kind};
use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::load::model::ConstraintsDecl;
use crate::symbols::Builtin;

/// What a set of constraints applies to, for messages.
pub(super) enum Subject<'t> {
    /// A field (of an object, a query or a path).
    Field { name: &'t str, ty: &'t str },
    /// Each item of a list field.
    Items { field: &'t str, ty: &'t str },
}

impl Subject<'_> {
    /// "`max_length` applies to `string` fields; `x` is `u32`" and the like.
    fn wrong_type(&self, constraint: &str, applies_to: &str) -> String {
        match self {
            Subject::Field { name, ty } => {
                format!("`{constraint}` applies to {applies_to} fields; `{name}` is `{ty}`")
            }
            Subject::Items { field, ty } => format!(
                "`{constraint}` applies to {applies_to} items; the items of `{field}` are `{ty}`"
            ),
        }
    }

    /// "of `x`" / "of the items of `x`".
    fn of(&self) -> String {
        match self {
            Subject::Field { name, .. } => format!("`{name}`"),
            Subject::Items { field, .. } => format!("the items of `{field}`"),
        }
    }
}

/// The constraints on one value: each applies to the right type, ranges are not backwards and
/// fit the type, the charset parses, the format is known.
pub(super) fn check_constraints(
    c: &ConstraintsDecl,
    kind: Kind<'_, '_>,
    subject: &Subject<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let builtin = match kind {
        Kind::Builtin(b) => Some(b),
        Kind::Named(_) => None,
    };
    let string = builtin == Some(Builtin::String);
    let integer = builtin.is_some_and(Builtin::is_integer);
    for (constraint, present) in [
        ("min_length", c.min_length.as_ref().map(|s| &s.pos)),
        ("max_length", c.max_length.as_ref().map(|s| &s.pos)),
        ("charset", c.charset.as_ref().map(|s| &s.pos)),
        ("format", c.format.as_ref().map(|s| &s.pos)),
    ] {
        if let Some(pos) = present
            && !string
        {
            diags.push(Diagnostic::new(
                pos.clone(),
                subject.wrong_type(constraint, "`string`"),
            ));
        }
    }
    for (constraint, present) in [
        ("minimum", c.minimum.as_ref().map(|s| &s.pos)),
        ("maximum", c.maximum.as_ref().map(|s| &s.pos)),
    ] {
        if let Some(pos) = present
            && !integer
        {
            diags.push(Diagnostic::new(
                pos.clone(),
                subject.wrong_type(constraint, "integer and money"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (&c.min_length, &c.max_length)
        && min.value > max.value
    {
        diags.push(Diagnostic::new(
            min.pos.clone(),
            format!(
                "`min_length` {} is greater than `max_length` {} of {}",
                min.value,
                max.value,
                subject.of()
            ),
        ));
    }
    if let (Some(min), Some(max)) = (&c.minimum, &c.maximum)
        && min.value > max.value
    {
        diags.push(Diagnostic::new(
            min.pos.clone(),
            format!(
                "`minimum` {} is greater than `maximum` {} of {}",
                min.value,
                max.value,
                subject.of()
            ),
        ));
    }
    if let Some(b) = builtin.filter(|b| b.is_integer()) {
        let (lo, hi) = b.int_bounds();
        let ty = Builtin::ALL
            .iter()
            .find(|(_, x)| *x == b)
            .map_or("", |(n, _)| n);
        for bound in [&c.minimum, &c.maximum].into_iter().flatten() {
            if bound.value < lo || bound.value > hi {
                diags.push(Diagnostic::new(
                    bound.pos.clone(),
                    format!("{} does not fit `{ty}` ({lo}..={hi})", bound.value),
                ));
            }
        }
    }
    if let Some(charset) = &c.charset
        && crate::charset::parse(&charset.value).is_none()
    {
        diags.push(Diagnostic::new(
            charset.pos.clone(),
            format!(
                "`charset` {:?} is not a list of characters and ranges like `0-9A-Za-z_-`",
                charset.value
            ),
        ));
    }
    if let Some(format) = &c.format
        && !FORMATS.contains(&format.value.as_str())
    {
        let hint = match did_you_mean(&format.value, FORMATS.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the formats are: {}", FORMATS.join(", ")),
        };
        diags.push(Diagnostic::new(
            format.pos.clone(),
            format!("unknown `format` {:?}; {hint}", format.value),
        ));
    }
}
