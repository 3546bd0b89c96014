//! Generates the client API from `spec/` into `OUT_DIR` on every `cargo build` that needs it
//! (see `wechatpay_generator::build_script`: spec problems fail the build with one
//! `cargo::error=FILE:LINE:COL: message` line each, and unchanged output is not rewritten).
//!
//! `spec/` next to this manifest is, in the repository, a symbolic link to the top-level `spec/`
//! (the one source maintainers edit) and, in the published package, a folder of the same files:
//! `cargo package` follows the link. A checkout without symbolic links (git's
//! `core.symlinks=false`, the default on Windows) has a one-line text file there instead; then the
//! top-level `../spec` is read directly. See "Packaging" in the README.

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

    // The repository (the link, or the top-level folder): the path-only dev-dependency on the
    // sandbox is there, so the crate docs' quick start runs as a doctest. In the published
    // package cargo has stripped that dev-dependency, and the quick start is only rendered.
    println!("cargo::rustc-check-cfg=cfg(wechatpay_repository)");
    if from_repository {
        println!("cargo::rustc-cfg=wechatpay_repository");
    }

    wechatpay_generator::build_script::generate_into_out_dir(&spec_dir)
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
