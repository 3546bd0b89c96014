//! Generates the client API from `spec/` into `OUT_DIR` on every `cargo build` that needs it.
//!
//! `spec/` next to this manifest is, in the repository, a symbolic link to the top-level `spec/`
//! (the one source maintainers edit) and, in the published package, a folder of the same files:
//! `cargo package` follows the link. A checkout without symbolic links (git's
//! `core.symlinks=false`, the default on Windows) has a one-line text file there instead; then the
//! top-level `../spec` is read directly. See "Packaging" in the README.
//!
//! Spec problems fail the build with one `cargo::error=FILE:LINE:COL: message` line each, never a
//! panic. Files are only rewritten when their content changes, so unchanged output does not make
//! cargo recompile the crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let Some((spec_dir, from_repository)) = spec_dir(&manifest_dir) else {
        println!(
            "cargo::error=no spec folder: neither {} nor {} is a folder",
            manifest_dir.join("spec").display(),
            manifest_dir.join("../spec").display()
        );
        return ExitCode::SUCCESS;
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        println!("cargo::error=OUT_DIR is not set; build.rs must run under cargo");
        return ExitCode::FAILURE;
    };

    // The repository (the link, or the top-level folder): the path-only dev-dependency on the
    // sandbox is there, so the crate docs' quick start runs as a doctest. In the published
    // package cargo has stripped that dev-dependency, and the quick start is only rendered.
    println!("cargo::rustc-check-cfg=cfg(wechatpay_repository)");
    if from_repository {
        println!("cargo::rustc-cfg=wechatpay_repository");
    }

    println!("cargo::rerun-if-changed={}", spec_dir.display());
    if let Ok(files) = wechatpay_generator::load::spec_files(&spec_dir) {
        for file in files {
            println!("cargo::rerun-if-changed={}", file.display());
        }
    }
    // Folders too, so that adding a spec file in a new folder is noticed.
    for dir in spec_dirs(&spec_dir) {
        println!("cargo::rerun-if-changed={}", dir.display());
    }

    let generated = match wechatpay_generator::generate_dir(&spec_dir) {
        Ok(generated) => generated,
        Err(diagnostics) => {
            for diagnostic in diagnostics {
                // One line each: cargo shows `error: FILE:LINE:COL: message`.
                let line = diagnostic.to_string().replace(['\n', '\r'], " ");
                println!("cargo::error={line}");
            }
            return ExitCode::SUCCESS;
        }
    };

    let module_dir = out_dir.join("wechatpay_api");
    if let Err(err) = std::fs::create_dir_all(&module_dir) {
        println!("cargo::error=cannot create {}: {err}", module_dir.display());
        return ExitCode::SUCCESS;
    }
    let mut writes = vec![(out_dir.join("api.rs"), generated.root.source)];
    writes.extend(
        generated
            .files
            .into_iter()
            .map(|f| (module_dir.join(f.file_name), f.source)),
    );
    for (path, content) in writes {
        if let Err(err) = write_if_changed(&path, &content) {
            println!("cargo::error=cannot write {}: {err}", path.display());
        }
    }
    ExitCode::SUCCESS
}

/// The spec folder, with links resolved so that `rerun-if-changed` names the real files, and
/// whether it is the repository's: `spec/` next to the manifest (the link, or the packaged copy),
/// else the top-level `../spec` of a checkout without links.
fn spec_dir(manifest_dir: &Path) -> Option<(PathBuf, bool)> {
    let next_to_manifest = manifest_dir.join("spec");
    let (dir, from_repository) = if next_to_manifest.is_dir() {
        let is_link = std::fs::symlink_metadata(&next_to_manifest)
            .is_ok_and(|meta| meta.file_type().is_symlink());
        (next_to_manifest, is_link)
    } else {
        let top_level = manifest_dir.join("../spec");
        if !top_level.is_dir() {
            return None;
        }
        (top_level, true)
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    Some((dir, from_repository))
}

fn write_if_changed(path: &Path, content: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    std::fs::write(path, content)
}

fn spec_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                }
            }
        }
        dirs.push(dir);
    }
    dirs.sort();
    dirs
}
