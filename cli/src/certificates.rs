//! `wxpay certificates download`: the WeChat Pay platform certificates (平台证书) from
//! `GET /v3/certificates`, decrypted with the APIv3 key and checked against the answer's
//! signature by the client (see `wechatpay_apiv3::certificates`), written as PEM files.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgMatches, Command};
use serde_json::{Value, json};
use wechatpay_apiv3::{PlatformCertificate, RetryPolicy, Timestamp};

use crate::config::{self, API_V3_KEY, ConfigError};
use crate::exit::Failure;
use crate::output::{self, Style};
use crate::shared::{self, Globals, Scope};

/// The `wxpay certificates` command and its `download` subcommand.
pub fn subcommand() -> Command {
    let download = Command::new("download")
        .about("Download, verify and decrypt the platform certificates; write them as PEM files")
        .long_about(
            "Download the WeChat Pay platform certificates (GET /v3/certificates), decrypt each \
             with the APIv3 key, check the answer's signature, and write each certificate to \
             DIR/wechatpay_SERIAL.pem. Prints each certificate's serial, validity and file as \
             JSON.\n\n\
             Needs the merchant's signing settings and the APIv3 key; a WeChat Pay public key or \
             platform certificates already configured verify the answer, otherwise the \
             certificates it carries do (each one authenticated by the APIv3 key, as the \
             official certificate downloaders do). Merchants onboarded in public-key mode have \
             no platform certificate: WeChat Pay answers 404, and the error says what to \
             configure instead.",
        )
        .arg(
            Arg::new("out")
                .long("out")
                .value_name("DIR")
                .default_value(".")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Folder to write the PEM files to (created if needed)"),
        );
    Command::new("certificates")
        .about("WeChat Pay platform certificates (平台证书): download")
        .subcommand_required(true)
        .subcommand(shared::add(download, Scope::DOWNLOAD, &|_| false))
}

/// The file a certificate is written to.
fn file_name(certificate: &PlatformCertificate) -> String {
    format!("wechatpay_{}.pem", certificate.serial_no)
}

/// Runs `wxpay certificates download`.
///
/// # Errors
/// A configuration error without the APIv3 key, the client's errors, and I/O errors writing the
/// files.
pub async fn download(
    matches: &ArgMatches,
    globals: &Globals,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let dir = matches
        .get_one::<PathBuf>("out")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let settings = config::resolve(&globals.given, globals.config.as_deref(), env)?;
    if settings.get(API_V3_KEY).is_none() {
        return Err(ConfigError::new(format!(
            "downloading platform certificates needs the {}",
            config::describe(API_V3_KEY)
        ))
        .into());
    }
    let mut builder = settings.builder()?;
    if let Some(timeout) = globals.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(retries) = globals.retries {
        builder = builder.retry(RetryPolicy::default().max_attempts(retries.saturating_add(1)));
    }
    let client = builder.build()?;
    let certificates = client.refresh_certificates().await?;

    std::fs::create_dir_all(&dir).map_err(|e| write_error(&dir, e))?;
    let mut listed = Vec::new();
    let mut paths = Vec::new();
    for certificate in &certificates {
        let path = dir.join(file_name(certificate));
        std::fs::write(&path, &certificate.pem).map_err(|e| write_error(&path, e))?;
        listed.push(json!({
            "serial_no": certificate.serial_no,
            "effective_time": certificate.effective_time.as_ref().map(Timestamp::as_str),
            "expire_time": certificate.expire_time.as_ref().map(Timestamp::as_str),
            "file": path.display().to_string(),
        }));
        paths.push(path.display().to_string());
    }
    let style = if globals.compact {
        Style::Compact
    } else {
        Style::Pretty
    };
    output::write_value(out, &Value::Array(listed), style)?;
    writeln!(
        err,
        "wxpay: {} platform certificate(s) written to {}; to verify responses with them:\n  \
         export WECHATPAY_PLATFORM_CERTS={}",
        certificates.len(),
        dir.display(),
        paths.join(",")
    )?;
    Ok(())
}

fn write_error(path: &Path, error: std::io::Error) -> Failure {
    Failure::Io(std::io::Error::new(
        error.kind(),
        format!("{}: {error}", path.display()),
    ))
}
