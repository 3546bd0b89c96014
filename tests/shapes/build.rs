//! Generates the shape corpus's API from `spec/` into `OUT_DIR`, exactly as the client's build
//! script does for the real spec (`wechatpay_generator::build_script`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    wechatpay_generator::build_script::generate_into_out_dir(&manifest_dir.join("spec"))
}
