//! `wechatpay-gen`: check the spec (diagnostics with code frames) or print the generated Rust.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use wechatpay_generator::{display_root, load};

/// Checks the WeChat Pay APIv3 spec, or prints the Rust generated from it.
#[derive(Debug, Parser)]
#[command(name = "wechatpay-gen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the spec; print every problem with a code frame; exit 1 if any.
    Check(SpecDir),
    /// Print the generated Rust for the spec to stdout (api.rs, then each file it includes).
    Print(SpecDir),
}

#[derive(Debug, clap::Args)]
struct SpecDir {
    /// The spec folder.
    #[arg(value_name = "SPEC_DIR", default_value = "spec")]
    dir: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = match &cli.command {
        Command::Check(spec) | Command::Print(spec) => &spec.dir,
    };
    let root = display_root(dir);
    let sources = match load::read_dir(dir, &root) {
        Ok(sources) => sources,
        Err(diags) => {
            for d in diags {
                eprintln!("error: {d}");
            }
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Check(_) => match wechatpay_generator::check_sources(&sources) {
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
        Command::Print(_) => match wechatpay_generator::generate_sources(&sources, &root) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::path::Path;

    #[test]
    fn command_line() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["wechatpay-gen", "check"]).unwrap();
        assert!(matches!(cli.command, Command::Check(SpecDir { dir }) if dir == Path::new("spec")));
        let cli = Cli::try_parse_from(["wechatpay-gen", "print", "other/spec"]).unwrap();
        assert!(
            matches!(cli.command, Command::Print(SpecDir { dir }) if dir == Path::new("other/spec"))
        );
        let err = Cli::try_parse_from(["wechatpay-gen", "chekc"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("check"), "{err}");
        assert!(Cli::try_parse_from(["wechatpay-gen"]).is_err());
    }
}
