//! How long generation takes and how much memory it needs: the real spec, and synthetic specs of
//! 10, 100 and 1,000 operations made of copies of the real coupons resource
//! (`v3/marketing/favor/users/_openid_/coupons.yaml`, two operations) and its types
//! (`types/coupon.yaml`), each copy at its own path with its own type and operation names.
//!
//! Time: criterion, in this process. Peak memory: each size is generated once more in a child
//! process (this same binary, told so by an environment variable), which reports its peak
//! resident set (`VmHWM` in `/proc/self/status`) before and after. A child per size, because the
//! peak of a process only grows; resident memory, because that is what a build machine runs
//! out of (allocator overhead, thread stacks and all). A counting global allocator would need
//! `unsafe impl GlobalAlloc`, which the workspace forbids.
//!
//! Run: `cargo bench -p wechatpay-generator --bench generate`.

#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, criterion_group};
use wechatpay_generator::{Source, check_sources, generate_sources, load};

/// Set in a child process: the number of operations to generate once and measure.
const CHILD: &str = "WECHATPAY_GENERATOR_BENCH_CHILD";

/// The sizes measured, in operations.
const SIZES: [usize; 3] = [10, 100, 1000];

fn real_spec() -> Vec<Source> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    load::read_dir(&dir, "spec").unwrap_or_default()
}

fn source(rel_path: String, text: String) -> Source {
    Source {
        display: format!("spec/{rel_path}"),
        rel_path,
        text,
    }
}

/// `text` with every identifier-like token found in `renames` replaced by its new name.
fn rename_tokens(text: &str, renames: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        match renames.iter().find(|(old, _)| old == token) {
            Some((_, new)) => out.push_str(new),
            None => out.push_str(token),
        }
        token.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// The real error codes, then `operations / 2` copies of the coupons resource and its types.
fn synthetic(operations: usize) -> Vec<Source> {
    let real = real_spec();
    let find = |rel: &str| real.iter().find(|s| s.rel_path == rel).cloned();
    let (Some(codes), Some(resource), Some(types)) = (
        find("error-codes.yaml"),
        find("v3/marketing/favor/users/_openid_/coupons.yaml"),
        find("types/coupon.yaml"),
    ) else {
        return Vec::new();
    };
    // The names each copy renames: the types the two files declare and the operation ids.
    let checked =
        check_sources(&[codes.clone(), resource.clone(), types.clone()]).unwrap_or_default();
    let mut names: Vec<String> = checked
        .iter()
        .flat_map(|f| f.types.iter().map(|t| t.name.value.clone()))
        .collect();
    names.extend(
        checked
            .iter()
            .filter_map(|f| f.resource.as_ref())
            .flat_map(|r| r.operations.iter().map(|op| op.id.value.clone())),
    );
    let path = "/v3/marketing/favor/users/{openid}/coupons";
    let mut sources = vec![codes];
    for copy in 0..operations.div_ceil(2) {
        let renames: Vec<(String, String)> = names
            .iter()
            .map(|name| {
                let new = if name.contains('_') {
                    format!("{name}_{copy}")
                } else {
                    format!("{name}{copy}")
                };
                (name.clone(), new)
            })
            .collect();
        let copied_path = format!("/v3/marketing/favor/copies/c{copy}/users/{{openid}}/coupons");
        let text = rename_tokens(&resource.text, &renames).replace(path, &copied_path);
        sources.push(source(
            format!("v3/marketing/favor/copies/c{copy}/users/_openid_/coupons.yaml"),
            text,
        ));
        sources.push(source(
            format!("types/coupon_{copy}.yaml"),
            rename_tokens(&types.text, &renames),
        ));
    }
    sources
}

fn operations_in(sources: &[Source]) -> usize {
    check_sources(sources)
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f.resource.as_ref())
                .map(|r| r.operations.len())
                .sum()
        })
        .unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let real = real_spec();
    assert!(
        generate_sources(&real, "spec").is_ok(),
        "the real spec must generate"
    );
    c.bench_function("generate/real_spec", |b| {
        b.iter(|| generate_sources(black_box(&real), "spec"))
    });

    let mut group = c.benchmark_group("generate/synthetic");
    group.sample_size(10);
    for operations in SIZES {
        let sources = synthetic(operations);
        assert_eq!(operations_in(&sources), operations, "synthetic spec size");
        assert!(
            generate_sources(&sources, "spec").is_ok(),
            "the synthetic spec must generate"
        );
        group.bench_with_input(
            BenchmarkId::from_parameter(operations),
            &sources,
            |b, sources| b.iter(|| generate_sources(black_box(sources), "spec")),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// In the child: generate once and print `before after seconds` (KiB, KiB, s).
fn child(operations: usize) {
    let sources = synthetic(operations);
    let before = peak_rss_kib().unwrap_or(0);
    let start = Instant::now();
    let generated = generate_sources(&sources, "spec");
    let seconds = start.elapsed().as_secs_f64();
    let after = peak_rss_kib().unwrap_or(0);
    let bytes: usize = generated
        .map(|g| g.files.iter().map(|f| f.source.len()).sum::<usize>() + g.root.source.len())
        .unwrap_or(0);
    println!("{before} {after} {seconds:.3} {bytes}");
}

/// Generates each size once in a child process and prints its peak memory.
fn memory() {
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("memory: cannot find this binary");
        return;
    };
    println!("generate/memory (one run per size, in a child process; VmHWM)");
    for operations in SIZES {
        let output = std::process::Command::new(&exe)
            .env(CHILD, operations.to_string())
            .output();
        let text = output
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let fields: Vec<f64> = text
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        match fields.as_slice() {
            [before, after, seconds, bytes] => println!(
                "  {operations:>5} operations: peak RSS {:.1} MiB ({:.1} MiB before generating, +{:.1} MiB), one cold run {:.0} ms, {:.1} MiB of Rust",
                after / 1024.0,
                before / 1024.0,
                (after - before) / 1024.0,
                seconds * 1000.0,
                bytes / 1_048_576.0
            ),
            _ => println!("  {operations:>5} operations: the child printed {text:?}"),
        }
    }
}

fn main() {
    if let Some(operations) = std::env::var(CHILD).ok().and_then(|n| n.parse().ok()) {
        child(operations);
        return;
    }
    memory();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
