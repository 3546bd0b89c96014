//! `wxpay`: every WeChat Pay APIv3 operation of the spec as a command. The command line is built
//! at run time from the client crate's operation catalogue with clap's builder API, so a new spec
//! operation is a new command (flags, help, completions) with no Rust written by hand.
//! `wxpay --help` lists the commands, flags and exit codes.

mod app;
mod certificates;
mod commands;
mod config;
mod download;
mod dry_run;
mod exit;
mod input;
mod operation;
mod output;
mod pay_sign;
mod request;
mod sandbox;
mod shared;
mod tree;
mod values;

use std::process::ExitCode;

fn main() -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    // Unlocked handles: the sandbox command logs from other threads while this one waits.
    let code = app::run(
        std::env::args_os().skip(1),
        &env,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    ExitCode::from(code)
}
