//! The corpus's generated code, as reviewers read it: one snapshot per generated file
//! (`tests/snapshots/generated_code__<file>.snap`). The crate compiles the same code, so these
//! show every shape the generator produces in code that is known to compile.
//!
//! After a generator change, `INSTA_UPDATE=always cargo test -p wechatpay-shapes --test
//! generated_code` rewrites them; review the diff.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn generated_code_snapshots() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec");
    let generated = wechatpay_generator::generate_dir(&spec).unwrap_or_else(|diags| {
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        panic!("the shape corpus does not generate:\n{}", text.join("\n"))
    });
    let files: Vec<_> = std::iter::once(&generated.root)
        .chain(&generated.files)
        .collect();
    for file in &files {
        let mut settings = insta::Settings::clone_current();
        settings.set_description(format!("generated from {}", file.from));
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(file.file_name.clone(), file.source));
    }
    // No stale snapshot of a file the corpus no longer generates.
    let expected: BTreeSet<String> = files
        .iter()
        .map(|f| format!("generated_code__{}.snap", f.file_name))
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("generated_code__") && n.ends_with(".snap"))
        .collect();
    assert_eq!(
        present,
        expected,
        "stale or missing snapshots under {}",
        dir.display()
    );
}
