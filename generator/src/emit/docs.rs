//! Doc comments: spec text kept verbatim, plus the facts a reader needs (HTTP line, units,
//! constraints, links), as `#[doc]` attributes that render as `///` lines.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Constraints, FieldDef, Format, Idempotency, OperationDef, Response, Ty};

/// Doc attributes for paragraphs of text; empty paragraphs are skipped, blank lines separate.
pub fn doc(paragraphs: &[String]) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in paragraphs
        .iter()
        .map(|p| p.trim_end())
        .filter(|p| !p.trim().is_empty())
    {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        let mut in_list = false;
        for line in paragraph.lines().map(str::trim_end) {
            // Markdown would fold a plain line that follows a list item into that item (and
            // clippy flags it as a lazy continuation), so the plain line starts a new paragraph.
            let item = is_list_item(line);
            if in_list && !item && !line.is_empty() && !line.starts_with(' ') {
                lines.push(String::new());
            }
            in_list = (in_list || item) && !line.is_empty();
            lines.push(line.to_string());
        }
    }
    let attrs = lines.iter().map(|line| {
        let text = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #text])
    });
    quote!(#(#attrs)*)
}

/// `- x`, `* x`, `1. x`, `2) x`: a Markdown list item.
fn is_list_item(line: &str) -> bool {
    let line = line.trim_start();
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return true;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

fn count(n: impl Into<i128>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The facts a value's constraints state, as sentences: lengths, range, charset, format.
fn constraint_facts(c: &Constraints, line: &mut Vec<String>) {
    match (c.min_length, c.max_length) {
        (Some(min), Some(max)) => line.push(format!("Length: {min}..={max} characters.")),
        (None, Some(max)) => line.push(format!(
            "Max length: {}.",
            count(max, "character", "characters")
        )),
        (Some(min), None) => line.push(format!(
            "Min length: {}.",
            count(min, "character", "characters")
        )),
        (None, None) => {}
    }
    match (c.minimum, c.maximum) {
        (Some(min), Some(max)) => line.push(format!("Range: {min}..={max}.")),
        (Some(min), None) => line.push(format!("Minimum: {min}.")),
        (None, Some(max)) => line.push(format!("Maximum: {max}.")),
        (None, None) => {}
    }
    if let Some(charset) = &c.charset {
        line.push(format!("Characters: {}.", code_span(&charset.text)));
    }
    match c.format {
        Some(Format::HttpsUrl) => {
            line.push("Format: an `https://` URL without query or fragment.".into())
        }
        None => {}
    }
}

/// The facts about a field, after its own text.
pub fn field(field: &FieldDef) -> TokenStream {
    let c = &field.constraints;
    let mut line = Vec::new();
    line.push(if field.required {
        "Required.".to_string()
    } else {
        "Optional.".to_string()
    });
    match field.ty {
        Ty::Money => line.push("Unit: 分 (fen).".into()),
        Ty::Time => line.push("RFC 3339 time.".into()),
        Ty::Date => line.push("Date, `YYYY-MM-DD`.".into()),
        Ty::List(ref inner) if **inner == Ty::Money => line.push("Unit: 分 (fen).".into()),
        _ => {}
    }
    constraint_facts(c, &mut line);
    match (c.min_items, c.max_items) {
        (Some(min), Some(max)) => line.push(format!("Items: {min}..={max}.")),
        (Some(min), None) => line.push(format!("At least {}.", count(min, "item", "items"))),
        (None, Some(max)) => line.push(format!("At most {}.", count(max, "item", "items"))),
        (None, None) => {}
    }
    let mut each = Vec::new();
    constraint_facts(&field.items, &mut each);
    if !each.is_empty() {
        line.push(format!("Each item: {}", lower_first(&each.join(" "))));
    }
    if field.always_serialize {
        line.push("Sent as `[]` when empty.".into());
    }
    if let Some(default) = &field.default {
        line.push(format!("Default: `{default}`."));
    }
    if let Some(example) = &field.example {
        line.push(format!("Example: `{example}`."));
    }
    if !field.aliases.is_empty() {
        let names: Vec<String> = field.aliases.iter().map(|a| format!("`{a}`")).collect();
        line.push(format!(
            "Also decoded from {} (never sent).",
            names.join(", ")
        ));
    }
    if field.comma_separated {
        line.push("Also decoded from one comma-separated string (sent as a list).".into());
    }
    let mut paragraphs = Vec::new();
    paragraphs.extend(field.doc.clone());
    paragraphs.push(line.join(" "));
    doc(&paragraphs)
}

/// `text` as a Markdown code span; one with a backtick in it needs double backticks.
pub fn code_span(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// `Max length: 3.` -> `max length: 3.`, to follow "Each item:".
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The full doc of an operation: summary, description, HTTP line, behaviour, links.
pub fn operation(op: &OperationDef) -> Vec<String> {
    let mut paragraphs = Vec::new();
    paragraphs.extend(op.summary.clone());
    paragraphs.extend(op.description.clone());
    paragraphs.push(format!("HTTP: `{} {}`", op.method.as_str(), op.path));
    let mut facts = Vec::new();
    if let Some(rate) = &op.rate_limit {
        facts.push(format!("Rate limit: {rate}."));
    }
    match &op.idempotency {
        Idempotency::Key(key) => facts.push(format!(
            "Idempotent on `{key}`: a retry re-sends the same body, so it cannot act twice."
        )),
        Idempotency::Get => facts.push("Safe to retry.".into()),
        Idempotency::Declared => facts.push(
            "Idempotent (the official documentation says re-sending is safe): retried with the same request."
                .into(),
        ),
        Idempotency::None => {
            facts.push("Not retried: the spec declares no idempotency key.".into())
        }
    }
    if let Some(upload) = &op.upload {
        let types: Vec<String> = upload
            .media_types
            .iter()
            .map(|(content_type, exts)| format!("`{content_type}` (.{})", exts.join(", .")))
            .collect();
        facts.push(format!(
            "Uploads a file as `multipart/form-data`: part `{}` holds the file (at most {} bytes; {}), part `{}` the JSON `{{filename, sha256}}`, which the signature covers instead of the body.",
            upload.file_part,
            upload.max_bytes,
            types.join(", "),
            upload.meta_part
        ));
    }
    if op.response == Response::NoBody {
        facts.push("Answers with no body (`204 No Content`): the call returns `()`.".into());
    }
    if !op.signed_response {
        facts.push("The response is not signed by WeChat Pay and is not verified.".into());
    }
    paragraphs.push(facts.join(" "));
    if !op.errors.is_empty() {
        let codes: Vec<String> = op.errors.iter().map(|c| format!("`{c}`")).collect();
        paragraphs.push(format!("Documented errors: {}.", codes.join(", ")));
    }
    if !op.docs.is_empty() {
        let links: Vec<String> = op.docs.iter().map(|d| format!("- <{d}>")).collect();
        paragraphs.push(format!("Official documentation:\n{}", links.join("\n")));
    }
    paragraphs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_after_a_list_start_a_paragraph() {
        let tokens = doc(&["1. 第一步\n2. 第二步\n之后的说明\n- a\n  b".to_string()]);
        let text = tokens.to_string();
        assert!(
            text.contains(r#"" 2. 第二步"] # [doc = ""] # [doc = " 之后的说明"]"#),
            "{text}"
        );
        assert!(text.contains(r#"" - a"] # [doc = "   b"]"#), "{text}");
    }
}
