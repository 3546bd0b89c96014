//! What the built `wxpay` binary reports, end to end over 127.0.0.1: each error with its causes
//! and one prefix (configuration, transport, verification, decode), a bad value named by its
//! flag or by its path in `--data`, and nothing at all for an answer without a body.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use wechatpay_apiv3::auth::{MerchantPrivateKey, response_message};
use wechatpay_sandbox::{Fault, FaultRoute, FaultRule};

mod support;

use support::World;

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| support::start("wxpay-cli-reporting"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the binary with the sandbox's environment, changed by `env` (an empty value removes a
/// variable), and no config file.
fn wxpay_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut vars: Vec<(&str, String)> = world().env();
    for &(name, value) in env {
        vars.retain(|(n, _)| *n != name);
        if !value.is_empty() {
            vars.push((name, value.to_owned()));
        }
    }
    let ran = support::run_wxpay(args, &vars, Path::new(support::NO_HOME));
    Run {
        code: ran.code,
        stdout: ran.stdout_text(),
        stderr: ran.stderr,
    }
}

fn wxpay(args: &[&str]) -> Run {
    wxpay_with(args, &[])
}

/// Asserts a one-line error report: exit `code`, nothing on stdout, and stderr starting with
/// `start` with `prefix` in it exactly once.
fn reports(run: &Run, code: i32, start: &str, prefix: &str) {
    assert_eq!(run.code, code, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.starts_with(start), "{run:?}");
    assert_eq!(run.stderr.matches(prefix).count(), 1, "{run:?}");
}

fn list(openid: &str) -> Vec<&str> {
    vec![
        "list-coupons-by-filter",
        "--openid",
        openid,
        "--appid",
        "wx-cli-reporting",
    ]
}

#[test]
fn configuration_errors_show_their_cause_once() {
    let run = wxpay_with(
        &list("o-cli-report-key"),
        &[("WECHATPAY_PRIVATE_KEY", "/nonexistent/apiclient_key.pem")],
    );
    reports(
        &run,
        3,
        "wxpay: configuration error: cannot read merchant private key file \
         /nonexistent/apiclient_key.pem: No such file or directory",
        "configuration error",
    );

    let broken = world().dir.join("broken-key.pem");
    std::fs::write(&broken, "not a key").expect("write the file");
    let broken = broken.display().to_string();
    let run = wxpay(&[&list("o-cli-report-key")[..], &["--private-key", &broken]].concat());
    reports(
        &run,
        3,
        "wxpay: configuration error: merchant private key",
        "configuration error",
    );
    assert!(run.stderr.contains(&broken), "{run:?}");

    let config = world().dir.join("broken-config.json");
    std::fs::write(&config, "{\"mchid\": ").expect("write the file");
    let config = config.display().to_string();
    let run = wxpay(&[&list("o-cli-report-key")[..], &["--config", &config]].concat());
    reports(
        &run,
        3,
        &format!("wxpay: configuration error: config file {config}: not valid JSON: EOF"),
        "configuration error",
    );

    // The APIv3 key is the client's to check; the error names it, never its value.
    let run = wxpay_with(
        &list("o-cli-report-key"),
        &[("WECHATPAY_APIV3_KEY", "too-short-secret")],
    );
    reports(
        &run,
        3,
        "wxpay: configuration error: WECHATPAY_APIV3_KEY: ",
        "configuration error",
    );
    assert!(!run.stderr.contains("too-short-secret"), "{run:?}");
}

#[test]
fn a_transport_error_shows_its_cause_once() {
    // A port nothing listens on: connection refused, named by the operating system.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let base = format!("http://127.0.0.1:{port}");
    let run = wxpay(&[&list("o-cli-report-down")[..], &["--base-url", &base]].concat());
    reports(
        &run,
        7,
        &format!("wxpay: transport error: cannot connect to 127.0.0.1:{port}: "),
        "transport error",
    );
    assert!(run.stderr.contains("onnection refused"), "{run:?}");
}

#[test]
fn a_verification_error_is_reported_once() {
    let openid = "o-cli-report-verify";
    world().sandbox.faults().inject(
        FaultRule::new(Fault::WrongSerial)
            .route(FaultRoute::any().path_prefix(format!("/v3/marketing/favor/users/{openid}/"))),
    );
    let run = wxpay(&list(openid));
    reports(
        &run,
        6,
        "wxpay: response verification failed: unknown serial ",
        "verification failed",
    );
    assert!(run.stderr.contains("Request-ID: "), "{run:?}");
}

/// A server on 127.0.0.1 that answers every request with `200` and `body`, signed with the
/// sandbox's platform key under its public key ID (so the answer verifies), and `Request-ID`.
fn signed_answer_server(body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let keys = world().sandbox.keys();
    let key = MerchantPrivateKey::from_pem(keys.platform_private_key_pem()).expect("key");
    let serial = keys.public_key_id().to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            // The request: its head, then as many body bytes as it announces.
            let mut reader = BufReader::new(&mut stream);
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let _ = reader.take(length).read_to_end(&mut Vec::new());
            let timestamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
                .to_string();
            let nonce = "reporting-nonce";
            let signature = key.sign_base64(&response_message(&timestamp, nonce, body.as_bytes()));
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Request-ID: REQ-DECODE-1\r\nWechatpay-Timestamp: {timestamp}\r\n\
                 Wechatpay-Nonce: {nonce}\r\nWechatpay-Serial: {serial}\r\n\
                 Wechatpay-Signature: {signature}\r\n\
                 Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    base
}

#[test]
fn a_verified_answer_that_does_not_decode_names_the_path() {
    let base = signed_answer_server(r#"{"total_count": 1, "data": [{"coupon_id": 7}]}"#);
    let run = wxpay(&[&list("o-cli-report-decode")[..], &["--base-url", &base]].concat());
    reports(
        &run,
        8,
        "wxpay: the verified response does not decode as the spec declares at \
         `data[0].coupon_id`: invalid type: integer `7`, expected a string",
        "does not decode",
    );
    assert!(
        run.stderr
            .contains("  body:       \"{\\\"total_count\\\": 1"),
        "{run:?}"
    );
    assert!(run.stderr.contains("  Request-ID: REQ-DECODE-1"), "{run:?}");

    // `wxpay request` prints the verified JSON as it is: no type to decode into.
    let run = wxpay(&[
        "request",
        "GET",
        "/v3/marketing/favor/users/o/coupons",
        "--base-url",
        &base,
        "--compact",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "{\"data\":[{\"coupon_id\":7}],\"total_count\":1}\n"
    );
}

#[test]
fn a_bad_value_is_named_by_its_flag_or_its_data_path() {
    let openid = "o-cli-report-value";
    let prefix = format!("/v3/marketing/favor/users/{openid}/");
    let watch = FaultRule::new(Fault::Status500).route(FaultRoute::any().path_prefix(prefix));
    world().sandbox.faults().inject(watch.clone());

    let run = wxpay(&[&list(openid)[..], &["--limit", "-1"]].concat());
    reports(
        &run,
        2,
        "wxpay: invalid request: --limit (query.limit) ",
        "invalid request",
    );
    assert!(run.stderr.contains("nothing was sent"), "{run:?}");
    assert!(world().sandbox.faults().pending().contains(&watch));

    // A stock whose use rule is wrong deep inside, from --data: its body path.
    let create = FaultRule::new(Fault::Status500)
        .route(FaultRoute::any().path_prefix("/v3/marketing/favor/coupon-stocks"));
    world().sandbox.faults().inject(create.clone());
    let mchid = world().sandbox.mchid();
    let stock = |max_coupons: serde_json::Value| {
        json!({
            "stock_name": "reporting",
            "belong_merchant": mchid,
            "available_begin_time": "2030-01-01T00:00:00+08:00",
            "available_end_time": "2030-02-01T00:00:00+08:00",
            "stock_use_rule": {"max_coupons": max_coupons, "max_amount": 1000,
                               "max_coupons_per_user": 1, "natural_person_limit": false,
                               "prevent_api_abuse": false},
            "coupon_use_rule": {"fixed_normal_coupon": {"coupon_amount": 100,
                                                        "transaction_minimum": 200}},
            "no_cash": false,
            "stock_type": "NORMAL",
            "out_request_no": "cli-report-stock-1"
        })
    };
    let data = stock(json!("ten")).to_string();
    let run = wxpay(&["create-coupon-stock", "--data", &data]);
    reports(
        &run,
        2,
        "wxpay: invalid request: --data (body.stock_use_rule.max_coupons) invalid type: \
         string \"ten\"",
        "invalid request",
    );
    let data = stock(json!(0)).to_string();
    let run = wxpay(&["create-coupon-stock", "--data", &data]);
    reports(
        &run,
        2,
        "wxpay: invalid request: --data (body.stock_use_rule.max_coupons) ",
        "invalid request",
    );
    // The same mistake in a flag that overrides --data is the flag's.
    let rule = stock(json!(0))["stock_use_rule"].to_string();
    let run = wxpay(&[
        "create-coupon-stock",
        "--data",
        &data,
        "--stock-use-rule",
        &rule,
    ]);
    reports(
        &run,
        2,
        "wxpay: invalid request: --stock-use-rule (body.stock_use_rule.max_coupons) ",
        "invalid request",
    );
    assert!(
        world().sandbox.faults().pending().contains(&create),
        "the sandbox saw a request"
    );
}

#[test]
fn an_answer_without_a_body_prints_nothing() {
    // 关闭订单 answers 204 No Content. Its body has a `mchid`, which takes the place of the
    // shared flag after the command name; the merchant comes from the environment.
    // The sandbox closes only orders it has: make one (closing twice is re-entrant).
    let mchid = world().sandbox.mchid();
    let prepay = wxpay(&[
        "native-prepay",
        "--appid",
        "wxd678efh567hg6787",
        "--mchid",
        mchid,
        "--description",
        "reporting",
        "--out-trade-no",
        "cli-report-close",
        "--notify-url",
        "https://merchant.example.com/notify",
        "--amount",
        r#"{"total":1}"#,
    ]);
    assert_eq!(prepay.code, 0, "{prepay:?}");
    for style in [&[][..], &["--compact"]] {
        let args = [
            &[
                "close-order",
                "--out-trade-no",
                "cli-report-close",
                "--mchid",
                mchid,
            ][..],
            style,
        ]
        .concat();
        let run = wxpay(&args);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stdout, "", "{run:?}");
        assert_eq!(run.stderr, "", "{run:?}");
    }
}
