//! Generates the client API from `../spec` into `OUT_DIR` on every `cargo build` that needs it
//! (see `wechatpay_generator::build_script`: spec problems fail the build with one
//! `cargo::error=FILE:LINE:COL: message` line each, and unchanged output is not rewritten).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    wechatpay_generator::build_script::generate_into_out_dir(&manifest_dir.join("../spec"))
}
