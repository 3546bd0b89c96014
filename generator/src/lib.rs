//! Turns the WeChat Pay APIv3 YAML spec into typed Rust, in five stages:
//! [`load`] (YAML -> spec model with positions) -> [`validate`] (every rule, every problem) ->
//! [`ir`] (resolved plain data) -> [`emit`] (`quote!` tokens) -> [`render`] (prettyplease).
//!
//! It never panics on any input: whatever it cannot handle becomes a [`Diagnostic`] with
//! `file:line:col`.

pub mod build_script;
pub mod chain;
pub mod charset;
pub mod diagnostics;
pub mod emit;
pub mod ir;
pub mod load;
pub mod naming;
mod parallel;
pub mod render;
pub mod symbols;
pub mod validate;

use std::path::Path;

use proc_macro2::TokenStream;
use quote::quote;

pub use diagnostics::{Diagnostic, Pos};
pub use load::Source;

/// One generated Rust file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name, e.g. `types_coupon.rs`.
    pub file_name: String,
    /// What it was generated from (`spec/...`, or `spec/` for files drawn from every spec file).
    pub from: String,
    /// The formatted source.
    pub source: String,
}

/// The generated client API: the root file (`api.rs`) and the files it includes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// `api.rs`, which includes the others from `OUT_DIR`.
    pub root: GeneratedFile,
    /// One file per spec file with types or operations, then `paths.rs` (the client chain),
    /// `catalog.rs` (operations as data) and `server.rs` (the server side).
    pub files: Vec<GeneratedFile>,
}

/// Loads and validates sources; returns the spec files or every problem found.
pub fn check_sources(sources: &[Source]) -> Result<Vec<load::model::SpecFile>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    // Sorted, so that the output never depends on the order the sources were given in.
    let mut sorted: Vec<&Source> = sources.iter().collect();
    sorted.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    // Files load independently (parsing dominates), so on every core; results keep their order.
    let loaded = parallel::map(&sorted, |source| {
        let mut problems = Vec::new();
        let file = load::load_source(source, &mut problems);
        (file, problems)
    });
    let mut files = Vec::with_capacity(loaded.len());
    for (file, problems) in loaded {
        files.extend(file);
        diags.extend(problems);
    }
    diags.extend(validate::validate(&files));
    diags.sort();
    diags.dedup();
    if diags.is_empty() {
        Ok(files)
    } else {
        Err(diags)
    }
}

/// Generates the API from in-memory sources. `root_name` names the spec folder in headers.
pub fn generate_sources(sources: &[Source], root_name: &str) -> Result<Generated, Vec<Diagnostic>> {
    let files = check_sources(sources)?;
    let api = ir::lower(&files);
    // The IR holds all that emitting needs; the spec model is a third of the peak memory.
    drop(files);
    let all = format!("{root_name}/");
    let include = |module: &str| -> TokenStream {
        let file = format!("/wechatpay_api/{module}.rs");
        quote!(include!(concat!(env!("OUT_DIR"), #file));)
    };
    let parts = emit::parts(&api);
    // Emitting and formatting dominate; parts are independent, so use every core. Results keep
    // their part's index, so the output does not depend on scheduling. The parts drawn from the
    // whole spec (chain, catalogue, server side, root; the last four) are the largest: they
    // start first, so that no core is left finishing one of them alone at the end.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.rotate_right(4.min(parts.len()));
    let scheduled: Vec<emit::Part<'_>> = order.iter().map(|&i| parts[i]).collect();
    let mut rendered_in_order = parallel::map(&scheduled, |part| {
        let (file_name, from) = match part {
            emit::Part::Module(module) => (format!("{}.rs", module.name), module.spec_file.clone()),
            emit::Part::Paths => (format!("{}.rs", naming::PATHS_MODULE), all.clone()),
            emit::Part::Catalog => (format!("{}.rs", naming::CATALOG_MODULE), all.clone()),
            emit::Part::Server => (format!("{}.rs", naming::SERVER_MODULE), all.clone()),
            emit::Part::Root => ("api.rs".to_string(), all.clone()),
        };
        let tokens = emit::emit_part(&api, *part, &include);
        render::render(tokens, &from).map(|source| GeneratedFile {
            file_name,
            from,
            source,
        })
    });
    // Back to the parts' order: `order[k]` is the part the k-th result was rendered from.
    let mut rendered: Vec<Option<Result<GeneratedFile, Diagnostic>>> =
        parts.iter().map(|_| None).collect();
    for (&index, result) in order.iter().zip(rendered_in_order.drain(..)) {
        rendered[index] = Some(result);
    }
    let mut files = rendered
        .into_iter()
        .flatten()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|d| vec![d])?;
    // `parts` ends with the root.
    let root = files.pop().ok_or_else(|| {
        vec![Diagnostic::new(
            Pos {
                file: all.clone(),
                line: 1,
                col: 1,
            },
            "internal error: no root file",
        )]
    })?;
    Ok(Generated { root, files })
}

/// Generates the API from a spec folder; messages name files as `<folder name>/<relative path>`.
pub fn generate_dir(dir: &Path) -> Result<Generated, Vec<Diagnostic>> {
    let root_name = display_root(dir);
    let sources = load::read_dir(dir, &root_name)?;
    generate_sources(&sources, &root_name)
}

/// The folder name used in messages, e.g. `spec` for `../spec`.
pub fn display_root(dir: &Path) -> String {
    dir.file_name()
        .map_or_else(|| "spec".to_string(), |n| n.to_string_lossy().into_owned())
}
