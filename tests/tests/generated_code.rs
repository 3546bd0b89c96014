//! The generated code, as maintainers review it: one insta snapshot per generated file
//! (`tests/tests/snapshots/generated_code__<file>.snap`), plus checks that every spec file that
//! declares something has its snapshot, that no snapshot is stale, and that generation is
//! deterministic and free of machine-specific paths.
//!
//! After a spec change, `INSTA_UPDATE=always cargo test -p wechatpay-tests --test generated_code`
//! (or `cargo insta review`) rewrites the snapshots; review the diff like any other code.

use std::collections::BTreeSet;

use wechatpay_generator::load::Source;
use wechatpay_generator::{Generated, check_sources, generate_dir, generate_sources};
use wechatpay_tests::{diagnostics_text, real_sources, spec_dir, workspace_root};

fn generated() -> Generated {
    generate_dir(&spec_dir())
        .unwrap_or_else(|diags| panic!("spec/ does not generate:\n{}", diagnostics_text(&diags)))
}

/// Every generated file, the root `api.rs` first.
fn all_files(generated: &Generated) -> Vec<&wechatpay_generator::GeneratedFile> {
    std::iter::once(&generated.root)
        .chain(&generated.files)
        .collect()
}

fn snapshot_name(file_name: &str) -> String {
    file_name.to_string()
}

#[test]
fn generated_code_snapshots() {
    let generated = generated();
    for file in all_files(&generated) {
        let mut settings = insta::Settings::clone_current();
        settings.set_description(format!("generated from {}", file.from));
        settings.set_omit_expression(true);
        settings.bind(|| {
            insta::assert_snapshot!(snapshot_name(&file.file_name), file.source);
        });
    }
}

/// The spec files that declare types or operations: each becomes one generated file.
fn declaring_spec_files() -> BTreeSet<String> {
    let files = check_sources(&real_sources())
        .unwrap_or_else(|diags| panic!("spec/ does not check:\n{}", diagnostics_text(&diags)));
    files
        .iter()
        .filter(|f| {
            !f.types.is_empty()
                || f.resource
                    .as_ref()
                    .is_some_and(|r| !r.operations.is_empty())
        })
        .map(|f| f.display.clone())
        .collect()
}

#[test]
fn every_declaring_spec_file_has_its_own_generated_file() {
    let generated = generated();
    // Files drawn from the whole spec (the client chain, ...) say `from: "spec/"`; every other
    // file comes from exactly one spec file.
    let per_spec_file: Vec<&str> = generated
        .files
        .iter()
        .filter(|f| f.from != "spec/")
        .map(|f| f.from.as_str())
        .collect();
    let distinct: BTreeSet<String> = per_spec_file.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        distinct.len(),
        per_spec_file.len(),
        "two generated files come from the same spec file: {per_spec_file:?}"
    );
    assert_eq!(distinct, declaring_spec_files());

    let names: BTreeSet<&str> = all_files(&generated)
        .iter()
        .map(|f| f.file_name.as_str())
        .collect();
    assert_eq!(
        names.len(),
        generated.files.len() + 1,
        "generated file names must be unique: {names:?}"
    );
    assert!(names.contains("api.rs") && names.contains("paths.rs"));
    assert_eq!(generated.root.from, "spec/");
}

/// Each generated file has a committed snapshot, and each `generated_code__*` snapshot still has
/// its generated file (a spec file that was removed leaves no stale snapshot behind).
#[test]
fn snapshots_match_generated_files_one_to_one() {
    let generated = generated();
    let expected: BTreeSet<String> = all_files(&generated)
        .iter()
        .map(|f| format!("generated_code__{}.snap", snapshot_name(&f.file_name)))
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("generated_code__") && n.ends_with(".snap"))
        .collect();
    let missing: Vec<_> = expected.difference(&present).collect();
    let stale: Vec<_> = present.difference(&expected).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "snapshots out of step with the spec: missing {missing:?} (run with INSTA_UPDATE=always and review), stale {stale:?} (delete them)"
    );
}

/// Asserts two generations are byte-identical, naming the first file and line that differ.
fn assert_same(left: &Generated, right: &Generated, what: &str) {
    let names = |g: &Generated| -> Vec<String> {
        all_files(g).iter().map(|f| f.file_name.clone()).collect()
    };
    assert_eq!(
        names(left),
        names(right),
        "{what}: different files or file order"
    );
    for (l, r) in all_files(left).into_iter().zip(all_files(right)) {
        assert_eq!(
            l.from, r.from,
            "{what}: {} comes from elsewhere",
            l.file_name
        );
        if l.source != r.source {
            let (line, (a, b)) = l
                .source
                .lines()
                .zip(r.source.lines())
                .enumerate()
                .find(|(_, (a, b))| a != b)
                .unwrap_or((0, ("(length differs)", "")));
            panic!(
                "{what}: {} differs first at line {}:\n  - {a}\n  + {b}",
                l.file_name,
                line + 1
            );
        }
    }
}

#[test]
fn generating_twice_gives_identical_bytes() {
    assert_same(&generated(), &generated(), "generate_dir twice");

    let sources = real_sources();
    let first = generate_sources(&sources, "spec").expect("spec/ generates");
    let second = generate_sources(&sources, "spec").expect("spec/ generates");
    assert_same(&first, &second, "generate_sources twice");
    assert_same(&first, &generated(), "generate_dir vs generate_sources");
}

/// `read_dir` returns the files sorted by path, so `generate_dir` (and the build) never depends on
/// the order the file system lists them in.
#[test]
fn read_dir_sorts_the_spec_files() {
    let sources = real_sources();
    let mut sorted: Vec<&str> = sources.iter().map(|s| s.rel_path.as_str()).collect();
    sorted.sort_unstable();
    let read: Vec<&str> = sources.iter().map(|s| s.rel_path.as_str()).collect();
    assert_eq!(read, sorted);
    assert!(
        sources
            .iter()
            .all(|s| s.display == format!("spec/{}", s.rel_path))
    );
}

/// Sources handed to `generate_sources` in another order should give the same output too.
#[test]
fn source_order_does_not_change_the_output() {
    let sources = real_sources();
    let sorted = generate_sources(&sources, "spec").expect("spec/ generates");
    let mut reversed: Vec<Source> = sources.clone();
    reversed.reverse();
    let from_reversed = generate_sources(&reversed, "spec").expect("spec/ generates");
    let mut rotated = sources.clone();
    rotated.rotate_left(1);
    let from_rotated = generate_sources(&rotated, "spec").expect("spec/ generates");
    assert_same(&sorted, &from_reversed, "reversed source order");
    assert_same(&sorted, &from_rotated, "rotated source order");
}

#[test]
fn output_has_no_absolute_paths_or_machine_directories() {
    let generated = generated();
    let root = workspace_root();
    let mut forbidden: Vec<String> = vec![
        root.display().to_string(),
        spec_dir().display().to_string(),
        env!("CARGO_MANIFEST_DIR").to_string(),
    ];
    if let Ok(canonical) = root.canonicalize() {
        forbidden.push(canonical.display().to_string());
    }
    for var in ["HOME", "CARGO_HOME", "CARGO_TARGET_DIR", "TMPDIR", "USER"] {
        if let Some(value) = std::env::var_os(var).map(|v| v.to_string_lossy().into_owned())
            && value.len() > 3
        {
            forbidden.push(value);
        }
    }
    for file in all_files(&generated) {
        for needle in &forbidden {
            assert!(
                !file.source.contains(needle.as_str()) && !file.from.contains(needle.as_str()),
                "{} mentions the machine path {needle:?}",
                file.file_name
            );
        }
        // Spec paths are always relative: `spec/...`, never `/...` or `C:\...`.
        assert!(
            file.from.starts_with("spec/"),
            "{}: from {:?}",
            file.file_name,
            file.from
        );
        for line in file.source.lines() {
            for marker in ["/home/", "/root/", "/tmp/", "/Users/", "/work/", ":\\"] {
                assert!(
                    !line.contains(marker),
                    "{} has a machine path: {line}",
                    file.file_name
                );
            }
        }
        // Only OUT_DIR-relative includes, which cargo fills in at build time.
        assert_eq!(
            file.source.matches("include!(").count(),
            file.source.matches("env!(\"OUT_DIR\")").count(),
            "{}: an include! that is not relative to OUT_DIR",
            file.file_name
        );
    }
}

/// The generated code says where it comes from, so a reviewer can go from snapshot to spec.
#[test]
fn every_generated_file_has_the_generated_header() {
    for file in all_files(&generated()) {
        let first = file.source.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!(
                "// @generated by wechatpay-generator from {}. Do not edit: change the spec and rebuild.",
                file.from
            ),
            "{}",
            file.file_name
        );
    }
}
