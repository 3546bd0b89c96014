//! `wechatpay-gen`: check the spec (diagnostics with code frames) or print the generated Rust.

use std::path::PathBuf;
use std::process::ExitCode;

use wechatpay_generator::{display_root, load};

const USAGE: &str = "usage: wechatpay-gen <check|print> [SPEC_DIR]

  check   validate the spec; print every problem with a code frame; exit 1 if any
  print   print the generated Rust for the spec to stdout (api.rs, then each file it includes)

SPEC_DIR defaults to ./spec";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, dir) = match args.as_slice() {
        [command] => (command.as_str(), PathBuf::from("spec")),
        [command, dir] => (command.as_str(), PathBuf::from(dir)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = display_root(&dir);
    let sources = match load::read_dir(&dir, &root) {
        Ok(sources) => sources,
        Err(diags) => {
            for d in diags {
                eprintln!("error: {d}");
            }
            return ExitCode::FAILURE;
        }
    };
    match command {
        "check" => match wechatpay_generator::check_sources(&sources) {
            Ok(files) => {
                let operations: usize = files
                    .iter()
                    .filter_map(|f| f.resource.as_ref())
                    .map(|r| r.operations.len())
                    .sum();
                println!(
                    "{root}: {} files, {operations} operations, no problems",
                    files.len()
                );
                ExitCode::SUCCESS
            }
            Err(diags) => {
                for d in &diags {
                    let source = sources
                        .iter()
                        .find(|s| s.display == d.pos.file)
                        .map(|s| s.text.as_str());
                    match source {
                        Some(text) => eprintln!("{}\n", d.render_with_source(text)),
                        None => eprintln!("error: {d}\n"),
                    }
                }
                eprintln!(
                    "{} problem{} found",
                    diags.len(),
                    if diags.len() == 1 { "" } else { "s" }
                );
                ExitCode::FAILURE
            }
        },
        "print" => match wechatpay_generator::generate_sources(&sources, &root) {
            Ok(generated) => {
                println!("// ===== api.rs =====\n{}", generated.root.source);
                for file in &generated.files {
                    println!("// ===== {} =====\n{}", file.file_name, file.source);
                }
                ExitCode::SUCCESS
            }
            Err(diags) => {
                for d in diags {
                    eprintln!("error: {d}");
                }
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
