//! `wxpay download URL --sha1 HEX`: a file an answer links to (a bill's `download_url` and
//! `hash_value`), fetched with a signed GET, gunzipped on request and checked by its SHA-1
//! before it is kept (`wechatpay_apiv3::download`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::json;
use wechatpay_apiv3::Download;

use crate::config;
use crate::exit::{Failure, usage};
use crate::output::{self, Style};
use crate::shared::{self, Globals, Scope};

/// The `wxpay download` command.
pub fn subcommand() -> Command {
    let command = Command::new("download")
        .about("Download a file an answer links to (a bill), check its SHA-1, keep it only if it matches")
        .long_about(
            "Download the file at URL (the download_url of apply-trade-bill or \
             apply-fund-flow-bill) with a signed GET, decompress it with --gzip (a bill applied \
             for with --tar-type GZIP), and check the SHA-1 of the (decompressed) file against \
             --sha1 (the answer's hash_value, any case). The URL must be on the configured base \
             URL: a signed request never goes to another host.\n\n\
             With --out FILE the file is written to FILE.part and renamed to FILE only once the \
             digest matches (FILE.part is removed otherwise); {\"file\", \"bytes\", \"sha1\"} is \
             printed as JSON. Without --out the file goes to standard output as it arrives: on \
             a digest mismatch (exit 6) discard what was written.\n\n\
             e.g.\n  \
             wxpay download \"$URL\" --sha1 \"$HASH\" --out bill.csv\n  \
             wxpay download \"$URL\" --sha1 \"$HASH\" --gzip --out bill.csv",
        )
        .arg(
            Arg::new("url")
                .required(true)
                .value_name("URL")
                .help("The download_url of the answer"),
        )
        .arg(
            Arg::new("sha1")
                .long("sha1")
                .required(true)
                .value_name("HEX")
                .help("The SHA-1 the file must have: the answer's hash_value"),
        )
        .arg(
            Arg::new("gzip")
                .long("gzip")
                .action(ArgAction::SetTrue)
                .help("The file is gzip (tar_type GZIP): write it decompressed"),
        )
        .arg(
            Arg::new("out")
                .long("out")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Write the file here (default: standard output)"),
        );
    shared::add(command, Scope::DOWNLOAD, &|_| false)
}

/// Runs `wxpay download`.
///
/// # Errors
/// Configuration errors, the client's errors (`DigestMismatch` exits 6), and I/O errors.
pub async fn run(
    matches: &ArgMatches,
    globals: &Globals,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let url = matches
        .get_one::<String>("url")
        .ok_or_else(|| usage("name the URL"))?;
    let sha1 = matches
        .get_one::<String>("sha1")
        .ok_or_else(|| usage("give --sha1"))?;
    let download = Download::new(url, sha1).gzip(matches.get_flag("gzip"));
    let settings = config::resolve(&globals.given, globals.config.as_deref(), env)?;
    let mut builder = settings.builder()?;
    if let Some(timeout) = globals.timeout {
        builder = builder.timeout(timeout);
    }
    let client = builder.build()?;
    let Some(path) = matches.get_one::<PathBuf>("out") else {
        client.download(&download, out).await?;
        out.flush()?;
        return Ok(());
    };
    let part = part_path(path);
    let mut file = std::fs::File::create(&part).map_err(|e| io_error(&part, e))?;
    let written = match client.download(&download, &mut file).await {
        Ok(written) => written,
        Err(error) => {
            drop(file);
            let _ = std::fs::remove_file(&part);
            return Err(error.into());
        }
    };
    file.sync_all().map_err(|e| io_error(&part, e))?;
    drop(file);
    std::fs::rename(&part, path).map_err(|e| io_error(path, e))?;
    let style = if globals.compact {
        Style::Compact
    } else {
        Style::Pretty
    };
    let summary = json!({
        "file": path.display().to_string(),
        "bytes": written,
        "sha1": sha1.to_ascii_lowercase(),
    });
    output::write_value(out, &summary, style)?;
    Ok(())
}

/// `FILE.part`, next to `FILE`.
fn part_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

fn io_error(path: &Path, error: std::io::Error) -> Failure {
    Failure::Io(std::io::Error::new(
        error.kind(),
        format!("{}: {error}", path.display()),
    ))
}
