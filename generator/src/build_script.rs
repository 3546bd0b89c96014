//! What a crate's `build.rs` does with the generator (the client's, the shape corpus's): generate
//! from a spec folder into `OUT_DIR` (`api.rs` and `wechatpay_api/*.rs`), tell cargo when to run
//! again, and report spec problems.
//!
//! Spec problems fail the build with one `cargo::error=FILE:LINE:COL: message` line each, never a
//! panic. Files are only rewritten when their content changes, so unchanged output does not make
//! cargo recompile the crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs the build script for the spec folder `spec_dir`; prints cargo directives on stdout.
pub fn generate_into_out_dir(spec_dir: &Path) -> ExitCode {
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        println!("cargo::error=OUT_DIR is not set; build.rs must run under cargo");
        return ExitCode::FAILURE;
    };

    println!("cargo::rerun-if-changed={}", spec_dir.display());
    if let Ok(files) = crate::load::spec_files(spec_dir) {
        for file in files {
            println!("cargo::rerun-if-changed={}", file.display());
        }
    }
    // Folders too, so that adding a spec file in a new folder is noticed.
    for dir in spec_dirs(spec_dir) {
        println!("cargo::rerun-if-changed={}", dir.display());
    }

    let generated = match crate::generate_dir(spec_dir) {
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
