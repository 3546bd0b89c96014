//! `wxpay pay-sign`: the parameters that open the WeChat Pay cashier for a `prepay_id`
//! (调起支付), signed with the merchant key by the client crate's `PaySigner`
//! (`wechatpay_apiv3::paysign`) — the one implementation of the signature.

use std::io::Write;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgMatches, Command};
use serde_json::Value;
use wechatpay_apiv3::auth::{
    Clock as _, MerchantPrivateKey, NonceSource as _, RandomNonce, SystemClock,
};
use wechatpay_apiv3::paysign::PaySigner;

use crate::config::{self, ConfigError};
use crate::exit::{Failure, usage};
use crate::output::{self, Style};
use crate::shared::{self, Globals, Scope};

/// The front ends `--for` names, as the official pages do.
const FRONT_ENDS: [&str; 3] = ["jsapi", "mini-program", "app"];

/// The `wxpay pay-sign` command.
pub fn subcommand() -> Command {
    let command = Command::new("pay-sign")
        .about("Print the signed 调起支付 parameters for a prepay_id (JSAPI, mini program, APP)")
        .long_about(
            "Print the parameters a front end needs to open the WeChat Pay cashier for a \
             prepay_id from jsapi-prepay or app-prepay, signed (SHA256withRSA) with the \
             merchant private key of the settings: for WeixinJSBridge \
             getBrandWCPayRequest (--for jsapi: appId, timeStamp, nonceStr, package, signType, \
             paySign), for wx.requestPayment (--for mini-program: the same without appId) or \
             for the OpenSDK PayReq (--for app: appId, partnerId, prepayId, package, nonceStr, \
             timeStamp, sign). Only the merchant ID and private key are needed; nothing is \
             sent. H5 and Native payments need no such parameters.",
        )
        .after_long_help(
            "Examples:\n  \
             wxpay pay-sign --appid wxd678efh567hg6787 --prepay-id \
             wx201410272009395522657a690389285100\n  \
             wxpay pay-sign --for app --appid wxd678efh567hg6787 --prepay-id \
             wx201410272009395522657a690389285100",
        )
        .arg(
            Arg::new("for")
                .long("for")
                .value_name("FRONT_END")
                .default_value(FRONT_ENDS[0])
                .value_parser(PossibleValuesParser::new(FRONT_ENDS))
                .help("Who opens the cashier: a WeChat web page, a mini program or an app"),
        )
        .arg(
            Arg::new("appid")
                .long("appid")
                .value_name("APPID")
                .required(true)
                .help("The AppID the order was made with (the prepay's appid)"),
        )
        .arg(
            Arg::new("prepay_id")
                .long("prepay-id")
                .value_name("PREPAY_ID")
                .required(true)
                .help("The prepay_id from jsapi-prepay or app-prepay"),
        )
        .arg(
            Arg::new("timestamp")
                .long("timestamp")
                .value_name("UNIX_SECONDS")
                .value_parser(clap::value_parser!(i64))
                .help("Sign for this time instead of now (to reproduce a signature)"),
        )
        .arg(
            Arg::new("nonce")
                .long("nonce")
                .value_name("NONCE")
                .help("Sign with this nonceStr instead of a random one"),
        );
    let scope = Scope {
        walk: false,
        dry_run: false,
        call: false,
        data: false,
        ..Scope::ALL
    };
    shared::add(command, scope, &|_| false)
}

/// Runs `wxpay pay-sign`.
///
/// # Errors
/// A configuration error without the merchant ID or key, a usage error for values the
/// signature cannot carry.
pub fn run(
    matches: &ArgMatches,
    globals: &Globals,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let resolved = config::resolve(&globals.given, globals.config.as_deref(), env)?;
    let setting = |env: &str| {
        resolved.get(env).ok_or_else(|| {
            ConfigError::new(format!("pay-sign needs {}", crate::config::describe(env)))
        })
    };
    let mchid = setting("WECHATPAY_MCHID")?;
    let key = MerchantPrivateKey::from_pem_file(setting("WECHATPAY_PRIVATE_KEY")?)?;
    let signer = PaySigner::new(key);
    let text = |name: &str| matches.get_one::<String>(name).cloned().unwrap_or_default();
    let (front_end, appid, prepay_id) = (text("for"), text("appid"), text("prepay_id"));
    let timestamp = matches
        .get_one::<i64>("timestamp")
        .copied()
        .unwrap_or_else(|| SystemClock.now_unix());
    let nonce = matches
        .get_one::<String>("nonce")
        .cloned()
        .unwrap_or_else(|| RandomNonce.nonce());
    let bad = |e: wechatpay_apiv3::Error| usage(e.to_string());
    let jsapi = || signer.jsapi_at(&appid, &prepay_id, timestamp, &nonce);
    let params = match front_end.as_str() {
        "app" => serde_json::to_value(
            signer
                .app_at(&appid, &mchid, &prepay_id, timestamp, &nonce)
                .map_err(bad)?,
        ),
        "mini-program" => serde_json::to_value(jsapi().map_err(bad)?.payment),
        _ => serde_json::to_value(jsapi().map_err(bad)?),
    }
    // The parameter structs are strings only: serializing cannot fail.
    .unwrap_or(Value::Null);
    let style = if globals.compact {
        Style::Compact
    } else {
        Style::Pretty
    };
    output::write_value(out, &params, style)?;
    Ok(())
}
