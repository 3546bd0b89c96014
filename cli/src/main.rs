//! `wxpay`: every WeChat Pay APIv3 operation of the spec as a command, generated at build time
//! from the client crate's operation catalogue, so a new spec operation is a new command with
//! no Rust written by hand. `wxpay --help` lists the commands, flags and exit codes.

mod app;
mod args;
mod commands;
mod config;
mod dry_run;
mod exit;
mod help;
mod options;
mod output;
mod sandbox;
mod values;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(raw) => {
                eprintln!("wxpay: argument {raw:?} is not valid UTF-8");
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    let env = |name: &str| std::env::var(name).ok();
    // Unlocked handles: the sandbox command logs from other threads while this one waits.
    let code = app::run(&args, &env, &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(code)
}
