//! The generator never panics, whatever the spec says: property tests feed `load` +
//! `check_sources` (and `generate_sources` whenever the check passes) with
//!
//! - (a) arbitrary text as a spec file,
//! - (b) random YAML structures built from the spec language's own vocabulary, and
//! - (c) small mutations of the real spec files (delete, duplicate or re-indent a line, replace a
//!   token, truncate), and
//! - (d) arbitrary free text (docs, examples, links) and arbitrary names in the real spec,
//!
//! and check that every diagnostic names a file that exists, with a 1-based line no further than
//! one past the file's last line (and a column no further than one past its line's end), lines
//! counted as the YAML parser counts them. A spec that passes the check must also generate.
//!
//! **Deterministic by default**: `cargo test --workspace` runs 256 cases per property from a
//! fixed seed, after the saved regressions in `never_panics.proptest-regressions` (keep that file
//! in git), so a failure here is reproducible and never blocks an unrelated change at random.
//!
//! **A longer randomized hunt** is its own command (a fresh seed each run; proptest prints and
//! saves the shrunk input of any failure to the regressions file, which then replays it first):
//!
//! ```sh
//! PROPTEST_RNG_SEED=$RANDOM$RANDOM PROPTEST_CASES=20000 cargo test --release -p wechatpay-tests --test never_panics
//! ```

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::RngSeed;
use wechatpay_generator::load::{Source, lines};
use wechatpay_generator::{Diagnostic, check_sources, generate_sources};
use wechatpay_tests::{diagnostics_text, real_sources};

/// The seed of the default run. Any fixed value will do; it only has to stay the same.
const SEED: u64 = 0x5EED_0010;

/// 256 cases per property from [`SEED`]; `PROPTEST_CASES` and `PROPTEST_RNG_SEED` (read by
/// proptest itself) override both for a longer or a randomized run.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(SEED);
    }
    config
}

/// A source as `read_dir` would make it for `spec/<rel_path>`.
fn source(rel_path: &str, text: String) -> Source {
    Source {
        rel_path: rel_path.to_string(),
        display: format!("spec/{rel_path}"),
        text,
    }
}

/// The real sources with `file` added, or replacing the source of the same path.
fn with_file(file: Source) -> Vec<Source> {
    let mut sources: Vec<Source> = real_sources()
        .into_iter()
        .filter(|s| s.rel_path != file.rel_path)
        .collect();
    sources.push(file);
    sources.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    sources
}

/// Why a diagnostic's position is impossible, if it is.
fn bad_position(sources: &[Source], diag: &Diagnostic) -> Option<String> {
    let Some(source) = sources.iter().find(|s| s.display == diag.pos.file) else {
        return Some("names a file that does not exist".into());
    };
    let lines = lines::lines(&source.text).count();
    if diag.pos.line == 0 || diag.pos.col == 0 {
        return Some("line and column are 1-based".into());
    }
    if diag.pos.line > lines + 1 {
        return Some(format!("line is past the end of the file ({lines} lines)"));
    }
    // A column at most one past the end of its line (the end of the file is line + 1, column 1).
    let len = lines::lines(&source.text)
        .nth(diag.pos.line - 1)
        .map_or(0, |l| l.chars().count());
    if diag.pos.col > len + 1 {
        return Some(format!(
            "column is past the end of the line ({len} characters)"
        ));
    }
    None
}

/// Loads, checks and (when the check passes) generates; asserts the invariants above.
fn run(sources: &[Source]) -> Result<(), TestCaseError> {
    match check_sources(sources) {
        Ok(_) => {
            if let Err(diags) = generate_sources(sources, "spec") {
                return Err(TestCaseError::fail(format!(
                    "the check passed but generation failed:\n{}",
                    diagnostics_text(&diags)
                )));
            }
        }
        Err(diags) => {
            prop_assert!(!diags.is_empty());
            for diag in &diags {
                if let Some(problem) = bad_position(sources, diag) {
                    return Err(TestCaseError::fail(format!("`{diag}`: {problem}")));
                }
                prop_assert!(!diag.message.is_empty(), "`{}` has no message", diag);
                let rendered = match sources.iter().find(|s| s.display == diag.pos.file) {
                    Some(source) => diag.render_with_source(&source.text),
                    None => diag.to_string(),
                };
                prop_assert!(!rendered.is_empty());
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (a) Arbitrary text.

/// Text that looks a little like YAML: indentation, `:`, `-`, flow brackets, quotes, anchors,
/// tags, comments, block scalars and a few spec words.
fn yamlish_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("\n".to_string()),
        Just("  ".to_string()),
        Just(": ".to_string()),
        Just("- ".to_string()),
        Just("spec: 1\n".to_string()),
        Just("types:\n".to_string()),
        Just("fields:\n".to_string()),
        Just("type: ".to_string()),
        Just("path: /v3/x/{id}\n".to_string()),
        Just("operations:\n".to_string()),
        Just("|\n".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("!!str ".to_string()),
        Just("<<: ".to_string()),
        Just("# c\n".to_string()),
        Just("---\n".to_string()),
        "[a-zA-Z_0-9{}\\[\\],'\"#|>&*!%@?\t 中文🎟-]{1,8}",
    ];
    proptest::collection::vec(atom, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_alone_never_panics(text in prop_oneof![any::<String>(), yamlish_text()]) {
        run(&[source("types/fuzz.yaml", text)])?;
    }

    #[test]
    fn arbitrary_text_among_the_real_files_never_panics(
        text in prop_oneof![any::<String>(), yamlish_text()],
        file in prop::sample::select(vec![
            "types/fuzz.yaml",
            "types/coupon.yaml",
            "error-codes.yaml",
            "v3/marketing/favor/users/_openid_/coupons.yaml",
        ]),
    ) {
        run(&with_file(source(file, text)))?;
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Random YAML structures from the spec vocabulary.

/// A YAML node; scalars are kept as the exact YAML text to write.
#[derive(Debug, Clone)]
enum Node {
    Scalar(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// Block-style YAML, as maintainers write the spec.
    fn to_yaml(&self) -> String {
        let mut out = String::new();
        match self {
            Node::Scalar(s) => {
                out.push_str(s);
                out.push('\n');
            }
            _ => self.write(0, &mut out),
        }
        out
    }

    fn write(&self, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match self {
            Node::Scalar(s) => {
                out.push_str(&pad);
                out.push_str(s);
                out.push('\n');
            }
            Node::List(items) if items.is_empty() => out.push_str(&format!("{pad}[]\n")),
            Node::Map(entries) if entries.is_empty() => out.push_str(&format!("{pad}{{}}\n")),
            Node::List(items) => {
                for item in items {
                    match item {
                        Node::Scalar(s) => out.push_str(&format!("{pad}- {s}\n")),
                        nested => {
                            out.push_str(&format!("{pad}-\n"));
                            nested.write(indent + 2, out);
                        }
                    }
                }
            }
            Node::Map(entries) => {
                for (key, value) in entries {
                    match value {
                        Node::Scalar(s) => out.push_str(&format!("{pad}{key}: {s}\n")),
                        Node::List(items) if items.is_empty() => {
                            out.push_str(&format!("{pad}{key}: []\n"));
                        }
                        Node::Map(entries) if entries.is_empty() => {
                            out.push_str(&format!("{pad}{key}: {{}}\n"));
                        }
                        nested => {
                            out.push_str(&format!("{pad}{key}:\n"));
                            nested.write(indent + 2, out);
                        }
                    }
                }
            }
        }
    }
}

fn word(words: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(words).prop_map(str::to_string).boxed()
}

const TYPE_NAMES: &[&str] = &[
    "string",
    "bool",
    "i32",
    "i64",
    "u32",
    "u64",
    "money",
    "time",
    "list",
    "Coupon",
    "CouponStatus",
    "CouponList",
    "SendCouponBody",
    "BusinessType",
    "Fuzz",
    "FuzzStatus",
    "fuzz_thing",
    "Unknown",
    "Strin",
];
const FIELD_NAMES: &[&str] = &[
    "stock_id",
    "stock-id",
    "out_request_no",
    "offset",
    "limit",
    "data",
    "total_count",
    "openid",
    "id",
    "type",
    "self",
    "r#type",
    "9lives",
    "金额",
    "_",
    "\"\"",
];
const ENUM_VALUES: &[&str] = &[
    "SENDED", "USED", "CUT_TO", "cut-to", "UNKNOWN", "unknown", "A", "a", "\"\"", "\"1\"", "1",
];
const ERROR_CODES: &[&str] = &["PARAM_ERROR", "SYSTEM_ERROR", "NOT_DECLARED", "param_error"];
const PATHS: &[&str] = &[
    "/v3/fuzz/items",
    "/v3/fuzz/{id}/items",
    "/v3/fuzz/users/{openid}/items",
    "/v3/marketing/favor/users/{openid}/coupons",
    "/v3/marketing/favor/users/{id}/coupons",
    "/v3/fuzz/{id}/{id}",
    "/{id}",
    "/v3//x",
    "/v3/x/",
    "v3/x",
    "/v3/a-b/{b}",
    "/v3/{bad",
    "/",
    "\"\"",
];
const METHOD_KEYS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "GET"];

/// Any scalar: spec words, numbers (huge and negative too), booleans, null, quoted text.
fn scalar() -> BoxedStrategy<Node> {
    prop_oneof![
        word(TYPE_NAMES),
        word(FIELD_NAMES),
        word(ENUM_VALUES),
        word(PATHS),
        word(&[
            "1",
            "0",
            "-1",
            "2",
            "true",
            "false",
            "null",
            "~",
            "1.5",
            ".inf",
            "18446744073709551616",
            "-9223372036854775809",
            "page_index",
            "item_offset",
            "\"0-9A-Za-z|_*-\"",
            "z-a",
            "https://pay.weixin.qq.com/doc",
            "http://x",
            "[]",
            "{}",
            "[a, {b: c}]",
            "!!binary aGk=",
            "&anchor x",
            "*anchor",
        ]),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
    ]
    .prop_map(Node::Scalar)
    .boxed()
}

fn int() -> BoxedStrategy<Node> {
    prop_oneof![
        (-3i64..300).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("-1".to_string()),
        Just("1.5".to_string()),
        Just("ten".to_string()),
    ]
    .prop_map(Node::Scalar)
    .boxed()
}

fn named(words: &'static [&'static str]) -> BoxedStrategy<Node> {
    word(words).prop_map(Node::Scalar).boxed()
}

/// Any node at all, for keys the language does not have and values of the wrong shape.
fn junk() -> BoxedStrategy<Node> {
    scalar()
        .prop_recursive(3, 12, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Node::List),
                proptest::collection::vec(("[a-z_]{1,10}", inner), 0..4).prop_map(Node::Map),
            ]
        })
        .boxed()
}

type Entry = BoxedStrategy<(String, Node)>;

fn entry(key: &'static str, value: BoxedStrategy<Node>) -> Entry {
    value.prop_map(move |v| (key.to_string(), v)).boxed()
}

fn junk_entry() -> Entry {
    (
        prop_oneof![
            word(&["requird", "tpye", "sumary", "enums", "field", "x"]),
            "[a-z_]{1,8}"
        ],
        junk(),
    )
        .boxed()
}

fn map_of(entries: Vec<Entry>, max: usize) -> BoxedStrategy<Node> {
    proptest::collection::vec(proptest::strategy::Union::new(entries), 0..max)
        .prop_map(Node::Map)
        .boxed()
}

/// An `items:` mapping: the item type and constraints on each item.
fn items_mapping() -> BoxedStrategy<Node> {
    map_of(
        vec![
            entry("type", named(TYPE_NAMES)),
            entry("type", named(TYPE_NAMES)),
            entry("min_length", int()),
            entry("max_length", int()),
            entry("minimum", int()),
            entry("maximum", int()),
            entry("charset", scalar()),
            entry("format", named(&["https_url", "https_uri", "url"])),
            junk_entry(),
        ],
        5,
    )
}

fn field() -> BoxedStrategy<Node> {
    map_of(
        vec![
            entry("type", named(TYPE_NAMES)),
            entry("type", named(TYPE_NAMES)),
            entry("items", named(TYPE_NAMES)),
            entry("items", items_mapping()),
            entry("format", named(&["https_url", "https_uri", "url"])),
            entry("always_serialize", named(&["true", "false", "1"])),
            entry("required", scalar()),
            entry("required", named(&["true", "false"])),
            entry("doc", scalar()),
            entry("example", scalar()),
            entry("default", scalar()),
            entry("min_length", int()),
            entry("max_length", int()),
            entry("minimum", int()),
            entry("maximum", int()),
            entry("charset", scalar()),
            entry("min_items", int()),
            entry("max_items", int()),
            junk_entry(),
        ],
        7,
    )
}

fn fields() -> BoxedStrategy<Node> {
    prop_oneof![
        8 => proptest::collection::vec((word(FIELD_NAMES), field()), 0..5).prop_map(Node::Map),
        1 => junk(),
    ]
    .boxed()
}

fn enum_values() -> BoxedStrategy<Node> {
    prop_oneof![
        8 => proptest::collection::vec((word(ENUM_VALUES), scalar()), 0..5).prop_map(Node::Map),
        1 => junk(),
    ]
    .boxed()
}

fn type_decl() -> BoxedStrategy<Node> {
    map_of(
        vec![
            entry("doc", scalar()),
            entry("fields", fields()),
            entry("fields", fields()),
            entry("enum", enum_values()),
            junk_entry(),
        ],
        4,
    )
}

fn types() -> BoxedStrategy<Node> {
    proptest::collection::vec((word(TYPE_NAMES), type_decl()), 0..5)
        .prop_map(Node::Map)
        .boxed()
}

fn pagination() -> BoxedStrategy<Node> {
    map_of(
        vec![
            entry("style", named(&["page_index", "item_offset", "cursor"])),
            entry("offset", named(FIELD_NAMES)),
            entry("limit", named(FIELD_NAMES)),
            entry("items", named(FIELD_NAMES)),
            entry("total", named(FIELD_NAMES)),
            junk_entry(),
        ],
        7,
    )
}

fn list_of(item: BoxedStrategy<Node>) -> BoxedStrategy<Node> {
    proptest::collection::vec(item, 0..4)
        .prop_map(Node::List)
        .boxed()
}

fn operation() -> BoxedStrategy<Node> {
    map_of(
        vec![
            entry(
                "id",
                named(&[
                    "send_fuzz",
                    "list_fuzz",
                    "SendFuzz",
                    "coupon",
                    "send_coupon",
                ]),
            ),
            entry("summary", scalar()),
            entry("description", scalar()),
            entry("docs", list_of(scalar())),
            entry("rate_limit", scalar()),
            entry("idempotency_key", named(FIELD_NAMES)),
            entry("idempotent", named(&["true", "false", "yes"])),
            entry("signed_response", scalar()),
            entry("query", fields()),
            entry("body", named(TYPE_NAMES)),
            entry("response", named(TYPE_NAMES)),
            entry("errors", list_of(named(ERROR_CODES))),
            entry("pagination", pagination()),
            junk_entry(),
        ],
        9,
    )
}

fn error_codes() -> BoxedStrategy<Node> {
    proptest::collection::vec(
        (
            word(ERROR_CODES),
            map_of(
                vec![entry("status", int()), entry("doc", scalar()), junk_entry()],
                3,
            ),
        ),
        0..3,
    )
    .prop_map(Node::Map)
    .boxed()
}

/// A whole spec file: mostly the language's own keys with plausible values, some junk.
fn spec_file() -> BoxedStrategy<Node> {
    map_of(
        vec![
            entry(
                "spec",
                prop_oneof![4 => Just(Node::Scalar("1".into())), 1 => int()].boxed(),
            ),
            entry("spec", Just(Node::Scalar("1".into())).boxed()),
            entry("path", named(PATHS)),
            entry("path_params", fields()),
            entry(
                "operations",
                proptest::collection::vec((word(METHOD_KEYS), operation()), 0..3)
                    .prop_map(Node::Map)
                    .boxed(),
            ),
            entry("types", types()),
            entry("types", types()),
            entry("error_codes", error_codes()),
            junk_entry(),
        ],
        7,
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_spec_structures_never_panic(
        file in spec_file(),
        rel_path in prop::sample::select(vec![
            "types/fuzz.yaml",
            "fuzz.yml",
            "v3/fuzz/items.yaml",
            "v3/fuzz/_id_/items.yaml",
            "v3/fuzz/users/_openid_/items.yaml",
            "v3/marketing/favor/users/_openid_/coupons.yaml",
            "types/coupon.yaml",
        ]),
        alone in any::<bool>(),
    ) {
        let text = file.to_yaml();
        let fuzz = source(rel_path, text);
        if alone {
            run(&[fuzz])?;
        } else {
            run(&with_file(fuzz))?;
        }
    }

    #[test]
    fn random_yaml_values_never_panic(node in junk()) {
        run(&[source("types/fuzz.yaml", node.to_yaml())])?;
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Mutations of the real spec.

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    Reindent(Index, i8),
    SwapLines(Index, Index),
    ReplaceToken(Index, Index),
    ReplaceTokenWith(Index, String),
    InsertLine(Index, String),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), -6i8..=6).prop_map(|(i, d)| Mutation::Reindent(i, d)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::ReplaceToken(a, b)),
        (
            any::<Index>(),
            prop_oneof![
                any::<String>(),
                "[a-zA-Z_0-9:{}\\[\\]#'\"|>&*!-]{0,6}",
                Just(String::new())
            ]
        )
            .prop_map(|(i, s)| Mutation::ReplaceTokenWith(i, s)),
        (any::<Index>(), yamlish_text()).prop_map(|(i, s)| Mutation::InsertLine(i, s)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// The byte ranges of the tokens of a text: runs of characters that are not whitespace or YAML
/// punctuation.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let separator = c.is_whitespace() || matches!(c, ':' | '-' | '#' | '"' | '\'' | '|');
        match (start, separator) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let trailing_newline = text.ends_with('\n');
    let join = |lines: &[String]| {
        let mut out = lines.join("\n");
        if trailing_newline {
            out.push('\n');
        }
        out
    };
    if lines.is_empty() {
        return text.to_string();
    }
    match mutation {
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(lines.len()));
            join(&lines)
        }
        Mutation::DuplicateLine(i) => {
            let at = i.index(lines.len());
            lines.insert(at, lines[at].clone());
            join(&lines)
        }
        Mutation::Reindent(i, delta) => {
            let at = i.index(lines.len());
            let line = &lines[at];
            let indent = line.len() - line.trim_start_matches(' ').len();
            let new_indent = (indent as i64 + i64::from(*delta)).max(0) as usize;
            lines[at] = format!("{}{}", " ".repeat(new_indent), line.trim_start_matches(' '));
            join(&lines)
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            join(&lines)
        }
        Mutation::ReplaceToken(target, with) => {
            let tokens = tokens(text);
            if tokens.is_empty() {
                return text.to_string();
            }
            let (s, e) = tokens[target.index(tokens.len())];
            let (ws, we) = tokens[with.index(tokens.len())];
            format!("{}{}{}", &text[..s], &text[ws..we], &text[e..])
        }
        Mutation::ReplaceTokenWith(target, with) => {
            let tokens = tokens(text);
            if tokens.is_empty() {
                return text.to_string();
            }
            let (s, e) = tokens[target.index(tokens.len())];
            format!("{}{}{}", &text[..s], with, &text[e..])
        }
        Mutation::InsertLine(i, line) => {
            lines.insert(i.index(lines.len() + 1), line.clone());
            join(&lines)
        }
        Mutation::Truncate(i) => {
            let mut cut = i.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_real_spec_never_panics(
        file in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut sources = real_sources();
        let at = file.index(sources.len());
        for m in &mutations {
            sources[at].text = apply(&sources[at].text, m);
        }
        run(&sources)?;
    }
}

// ---------------------------------------------------------------------------------------------
// (d) Free text and names in an otherwise valid spec: the check passes, so these drive `ir`, `emit`
// and `render` (doc comments, string literals, identifiers) with arbitrary input.

/// The lines of the real spec whose value is free text: docs, summaries, examples, rate limits,
/// doc links and enum value docs. Returns `(file index, line index, indentation + key)`.
fn free_text_lines(sources: &[Source]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (f, source) in sources.iter().enumerate() {
        let mut in_enum = false;
        for (l, line) in source.text.lines().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            if trimmed.starts_with("enum:") {
                in_enum = true;
                continue;
            }
            if in_enum && indent.len() <= 4 {
                in_enum = false;
            }
            let key = trimmed.split_once(": ").map(|(k, _)| k);
            match key {
                Some(k @ ("doc" | "summary" | "example" | "rate_limit")) => {
                    out.push((f, l, format!("{indent}{k}: ")));
                }
                Some(k) if in_enum => out.push((f, l, format!("{indent}{k}: "))),
                _ if trimmed.starts_with("- https://") => {
                    out.push((f, l, format!("{indent}- https://")));
                }
                _ => {}
            }
        }
    }
    out
}

fn replace_line(text: &str, index: usize, new_line: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[index] = new_line;
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_free_text_in_a_valid_spec_generates(
        at in any::<Index>(),
        text in prop_oneof![
            any::<String>(),
            "[ -~]{0,40}",
            Just("*/ /* \\ \" ' ` # { } \r \u{0} \u{2028} \u{feff}".to_string()),
        ],
    ) {
        let mut sources = real_sources();
        let candidates = free_text_lines(&sources);
        prop_assert!(!candidates.is_empty());
        let (f, l, prefix) = &candidates[at.index(candidates.len())];
        let quoted = serde_json::to_string(&text).unwrap_or_default();
        let value = if prefix.ends_with("https://") {
            // A link stays a link; the rest of it is arbitrary.
            serde_json::to_string(&format!("https://{text}")).unwrap_or_default()
        } else {
            quoted
        };
        let line = match prefix.strip_suffix("https://") {
            Some(dash) => format!("{dash}{value}"),
            None => format!("{prefix}{value}"),
        };
        sources[*f].text = replace_line(&sources[*f].text, *l, &line);
        if let Err(diags) = check_sources(&sources) {
            return Err(TestCaseError::fail(format!(
                "free text made the spec invalid:\n{line}\n{}",
                diagnostics_text(&diags)
            )));
        }
        run(&sources)?;
    }

    #[test]
    fn arbitrary_names_in_a_valid_spec_never_panic(
        at in any::<Index>(),
        name in prop_oneof![
            "[a-zA-Z_][a-zA-Z0-9_-]{0,12}",
            prop::sample::select(vec![
                "type", "self", "Self", "super", "crate", "_", "r#type", "async", "gen", "new",
                "validate", "body", "query", "path", "Unknown", "Option", "String", "None",
                "as_str", "to_query_string", "0", "9a", "a--b", "__",
            ]).prop_map(str::to_string),
            any::<String>(),
        ],
    ) {
        // Names are the keys of `fields`, `query`, `types`, `enum` and `path_params` mappings;
        // replace one key (quoted, so any text is a valid YAML key).
        let mut sources = real_sources();
        let mut keys = Vec::new();
        for (f, source) in sources.iter().enumerate() {
            for (l, line) in source.text.lines().enumerate() {
                let trimmed = line.trim_start();
                let indent = line.len() - trimmed.len();
                if indent >= 2 && trimmed.ends_with(':') && !trimmed.starts_with('-') {
                    keys.push((f, l, indent));
                }
            }
        }
        prop_assert!(!keys.is_empty());
        let (f, l, indent) = keys[at.index(keys.len())];
        let quoted = serde_json::to_string(&name).unwrap_or_default();
        let line = format!("{}{quoted}:", " ".repeat(indent));
        sources[f].text = replace_line(&sources[f].text, l, &line);
        run(&sources)?;
    }
}

// ---------------------------------------------------------------------------------------------
// The strategies above do reach the interesting paths.

/// Found by `arbitrary_names_in_a_valid_spec_never_panic`: a name holding U+2028, which the YAML
/// parser counts as a line break, once got `error-codes.yaml:6:17 … column is past the end of
/// the line` (the parser's line 6 is the second half of \n-line 5). Every position now counts
/// the parser's lines, and the code frame shows the line the position means.
#[test]
fn a_line_separator_in_a_name_points_at_the_parsers_line() {
    let name = "\u{2028}Aপ 0 ᰻ਸ ꧞Aࡰ\u{119da}0 A";
    let mut sources = real_sources();
    let file = sources
        .iter()
        .position(|s| s.rel_path == "error-codes.yaml")
        .expect("spec/error-codes.yaml");
    let line = sources[file]
        .text
        .lines()
        .position(|l| l == "  PARAM_ERROR:")
        .expect("the PARAM_ERROR key");
    let quoted = serde_json::to_string(name).unwrap_or_default();
    sources[file].text = replace_line(&sources[file].text, line, &format!("  {quoted}:"));
    if let Err(failure) = run(&sources) {
        panic!("{failure}");
    }
    let diags: Vec<Diagnostic> = check_sources(&sources)
        .expect_err("a key broken over two lines")
        .into_iter()
        .filter(|d| d.pos.file == "spec/error-codes.yaml")
        .collect();
    let text = &sources[file].text;
    let frames: Vec<String> = diags.iter().map(|d| d.render_with_source(text)).collect();
    // The parser's line 7 is what follows the separator; column 17 is the `:` after the key.
    insta::assert_snapshot!(frames.join("\n"), @r#"
    error: YAML syntax error: mapping values are not allowed in this context
     --> spec/error-codes.yaml:7:17
      |
    7 | Aপ 0 ᰻ਸ ꧞Aࡰ𑧚0 A":
      |                ^
    "#);
}

#[test]
fn the_unmutated_real_spec_generates() {
    let sources = real_sources();
    assert!(check_sources(&sources).is_ok());
    assert!(generate_sources(&sources, "spec").is_ok());
}

#[test]
fn block_yaml_writer_round_trips_through_the_loader() {
    let node = Node::Map(vec![
        ("spec".into(), Node::Scalar("1".into())),
        (
            "types".into(),
            Node::Map(vec![(
                "Fuzz".into(),
                Node::Map(vec![(
                    "enum".into(),
                    Node::Map(vec![("A".into(), Node::Scalar("a".into()))]),
                )]),
            )]),
        ),
        (
            "x".into(),
            Node::List(vec![Node::Map(vec![(
                "k".into(),
                Node::Scalar("v".into()),
            )])]),
        ),
    ]);
    let text = node.to_yaml();
    assert_eq!(
        text,
        "spec: 1\ntypes:\n  Fuzz:\n    enum:\n      A: a\nx:\n  -\n    k: v\n"
    );
    let diags = check_sources(&[source("types/fuzz.yaml", text)]).expect_err("`x` is unknown");
    assert_eq!(
        diagnostics_text(&diags),
        "spec/types/fuzz.yaml:6:1: unknown key `x` in a spec file; expected one of: spec, path, path_params, operations, types, error_codes, notifications"
    );
}
