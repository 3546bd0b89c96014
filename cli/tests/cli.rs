//! End-to-end tests: the built `wxpay` binary against an in-process sandbox on 127.0.0.1.
//!
//! One sandbox serves every test (key generation takes a second); each test uses its own
//! openid, so tests running in parallel never see each other's coupons or faults.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;
use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::auth::{AuthorizationParams, MerchantPrivateKey, request_message};
use wechatpay_sandbox::{Fault, FaultRoute, FaultRule};

mod support;

use support::World;

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| support::start("wxpay-cli"))
}

impl World {
    /// Schedules a fault that strikes the first request under `/users/{openid}/`: while it
    /// stays pending, the sandbox has seen no request for that user.
    fn watch(&self, openid: &str) -> FaultRule {
        let rule = FaultRule::new(Fault::Status500)
            .route(FaultRoute::any().path_prefix(format!("/v3/marketing/favor/users/{openid}/")));
        self.sandbox.faults().inject(rule.clone());
        rule
    }

    fn saw_no_request(&self, rule: &FaultRule) -> bool {
        self.sandbox.faults().pending().contains(rule)
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
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

/// Runs the binary with exactly `env` (no inherited WECHATPAY_* variables or config file).
fn wxpay_with(args: &[&str], env: &[(&str, String)]) -> Run {
    let ran = support::run_wxpay(args, env, Path::new(support::NO_HOME));
    Run {
        code: ran.code,
        stdout: ran.stdout_text(),
        stderr: ran.stderr,
    }
}

/// Runs the binary pointed at the sandbox.
fn wxpay(args: &[&str]) -> Run {
    wxpay_with(args, &world().env())
}

fn send_args<'a>(openid: &'a str, out_request_no: &'a str, stock_id: &'a str) -> Vec<&'a str> {
    vec![
        "send-coupon",
        "--openid",
        openid,
        "--stock-id",
        stock_id,
        "--stock-creator-mchid",
        "1900009191",
        "--appid",
        "wx-cli-test",
        "--out-request-no",
        out_request_no,
    ]
}

#[test]
fn help_lists_every_command_of_the_catalogue() {
    let run = wxpay_with(&["--help"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    for op in catalog::OPERATIONS {
        assert!(
            run.stdout.contains(&op.id.replace('_', "-")),
            "{}: {run:?}",
            op.id
        );
        assert!(run.stdout.contains(op.summary), "{}: {run:?}", op.id);
    }
    assert!(run.stdout.contains("Exit codes"), "{run:?}");

    let run = wxpay_with(&["send-coupon", "--help"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("POST /v3/marketing/favor/users/{openid}/coupons"),
        "{run:?}"
    );
    // clap lays the help out (and wraps it): compare with the white space folded.
    let folded = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        folded.contains("--out-request-no <string> required, body"),
        "{run:?}"
    );

    let run = wxpay_with(&["help", "list_coupons_by_filter"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("values: SENDED, USED"), "{run:?}");
}

#[test]
fn send_coupon_and_resend_idempotently() {
    world();
    let first = wxpay(&send_args("o-cli-send", "cli-send-1", "9856000"));
    assert_eq!(first.code, 0, "{first:?}");
    let coupon_id = first.json()["coupon_id"].as_str().map(str::to_owned);
    assert!(
        coupon_id.as_deref().is_some_and(|id| !id.is_empty()),
        "{first:?}"
    );
    assert!(
        first.stdout.contains("\n  \"coupon_id\""),
        "pretty by default: {first:?}"
    );

    let mut again = send_args("o-cli-send", "cli-send-1", "9856000");
    again.push("--compact");
    let again = wxpay(&again);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.stdout.lines().count(), 1, "{again:?}");
    assert_eq!(again.json()["coupon_id"].as_str(), coupon_id.as_deref());
    assert_eq!(world().sandbox.state().coupons_of("o-cli-send").len(), 1);
}

#[test]
fn list_walks_every_page() {
    world();
    for n in 1..=3 {
        let out_request_no = format!("cli-list-{n}");
        let run = wxpay(&send_args("o-cli-list", &out_request_no, "9856000"));
        assert_eq!(run.code, 0, "{run:?}");
    }
    let base = [
        "list-coupons-by-filter",
        "--openid",
        "o-cli-list",
        "--appid",
        "wx-cli-test",
        "--limit",
        "2",
    ];

    let run = wxpay(&[&base[..], &["--all"]].concat());
    assert_eq!(run.code, 0, "{run:?}");
    let items = run.json();
    let ids: Vec<&str> = items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {run:?}"))
        .iter()
        .filter_map(|c| c["out_request_no"].as_str())
        .collect();
    assert_eq!(ids, ["cli-list-1", "cli-list-2", "cli-list-3"], "{run:?}");

    let run = wxpay(&[&base[..], &["--all", "--jsonl"]].concat());
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert_eq!(lines[2]["out_request_no"], "cli-list-3");

    // Without --all: the first page as the API returns it.
    let run = wxpay(&base);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total_count"], 3, "{run:?}");
    assert_eq!(
        run.json()["data"].as_array().map(Vec::len),
        Some(2),
        "{run:?}"
    );
}

#[test]
fn invalid_requests_exit_2_and_send_nothing() {
    let world = world();
    let watch = world.watch("o-cli-invalid");

    let run = wxpay(&send_args(
        "o-cli-invalid",
        "cli-invalid-1",
        "123456789012345678901",
    ));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("body.stock_id"), "{run:?}");
    assert!(run.stderr.contains("nothing was sent"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");

    let run = wxpay(&send_args("o-cli-invalid", "not allowed!", "9856000"));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("body.out_request_no"), "{run:?}");

    let run = wxpay(&["send-coupon", "--openid", "o-cli-invalid", "--appid", "wx"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--stock-id"), "{run:?}");

    let run = wxpay(&[
        "list-coupons-by-filter",
        "--openid",
        "o-cli-invalid",
        "--appid",
        "wx",
        "--limit",
        "ten",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--limit expects an integer"), "{run:?}");

    let run = wxpay(&["send-coupon", "--openid", "o-cli-invalid", "--bogus", "1"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("unexpected argument '--bogus'"),
        "{run:?}"
    );

    assert!(world.saw_no_request(&watch), "the sandbox saw a request");
    assert!(world.sandbox.state().coupons_of("o-cli-invalid").is_empty());
}

#[test]
fn unknown_stock_is_a_4xx_with_code_and_request_id() {
    world();
    let run = wxpay(&send_args("o-cli-404", "cli-404-1", "1234567"));
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("HTTP 404"), "{run:?}");
    assert!(
        run.stderr.contains("code:       RESOURCE_NOT_EXISTS"),
        "{run:?}"
    );
    assert!(run.stderr.contains("field=/stock_id"), "{run:?}");
    let request_id = run
        .stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("Request-ID: "));
    assert!(request_id.is_some_and(|id| !id.is_empty()), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
}

#[test]
fn a_tampered_response_signature_exits_6() {
    let world = world();
    world.sandbox.faults().inject(
        FaultRule::new(Fault::TamperedSignature)
            .route(FaultRoute::any().path_prefix("/v3/marketing/favor/users/o-cli-verify/")),
    );
    let run = wxpay(&[
        "list-coupons-by-filter",
        "--openid",
        "o-cli-verify",
        "--appid",
        "wx",
    ]);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(run.stderr.contains("verification failed"), "{run:?}");
    assert!(
        run.stdout.is_empty(),
        "an unverified body is never printed: {run:?}"
    );
}

#[test]
fn server_errors_exit_5_with_a_retry_hint() {
    let world = world();
    world.sandbox.faults().inject(
        FaultRule::new(Fault::Status500)
            .route(FaultRoute::any().path_prefix("/v3/marketing/favor/users/o-cli-500/"))
            .after_processing(),
    );
    let mut args = send_args("o-cli-500", "cli-500-1", "9856000");
    args.extend(["--retries", "0"]);
    let run = wxpay(&args);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("SYSTEM_ERROR"), "{run:?}");
    assert!(run.stderr.contains("--out-request-no cli-500-1"), "{run:?}");
    // The coupon was issued before the 500: re-sending with the same number returns it.
    let again = wxpay(&send_args("o-cli-500", "cli-500-1", "9856000"));
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(world.sandbox.state().coupons_of("o-cli-500").len(), 1);
}

#[test]
fn per_call_timeout() {
    let world = world();
    world.sandbox.faults().inject(
        FaultRule::new(Fault::Delay(std::time::Duration::from_secs(3)))
            .route(FaultRoute::any().path_prefix("/v3/marketing/favor/users/o-cli-slow/")),
    );
    let mut args = send_args("o-cli-slow", "cli-slow-1", "9856000");
    args.extend(["--timeout", "0.3", "--retries", "0"]);
    let started = std::time::Instant::now();
    let run = wxpay(&args);
    assert_eq!(run.code, 7, "{run:?}");
    assert!(run.stderr.contains("timed out"), "{run:?}");
    assert!(
        run.stderr.contains("--out-request-no cli-slow-1"),
        "{run:?}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{run:?}"
    );
}

#[test]
fn transport_and_configuration_failures() {
    world();
    let mut args = send_args("o-cli-down", "cli-down-1", "9856000");
    args.extend(["--base-url", "http://127.0.0.1:1"]);
    let run = wxpay(&args);
    assert_eq!(run.code, 7, "{run:?}");

    let run = wxpay_with(&send_args("o-cli-noconf", "cli-noconf-1", "9856000"), &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("WECHATPAY_MCHID"), "{run:?}");

    let env: Vec<(&str, String)> = world()
        .env()
        .into_iter()
        .map(|(k, v)| match k {
            "WECHATPAY_BASE_URL" => (k, "http://example.com".to_owned()),
            _ => (k, v),
        })
        .collect();
    let run = wxpay_with(&send_args("o-cli-noconf", "cli-noconf-2", "9856000"), &env);
    assert_eq!(
        run.code, 3,
        "plain http to a public host is refused: {run:?}"
    );
}

/// The `Authorization` header of a `--dry-run` output, parsed.
fn authorization(run: &Run) -> AuthorizationParams {
    let header = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("Authorization: "))
        .unwrap_or_else(|| panic!("no Authorization header: {run:?}"));
    AuthorizationParams::parse(header).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

fn header<'a>(run: &'a Run, name: &str) -> Option<&'a str> {
    let prefix = format!("{name}: ");
    run.stdout
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
}

#[test]
fn dry_run_prints_the_signed_request_and_sends_nothing() {
    let world = world();
    let watch = world.watch("o-cli-dry");
    let mut args = send_args("o-cli-dry", "cli-dry-1", "9856000");
    args.push("--dry-run");
    let run = wxpay(&args);
    assert_eq!(run.code, 0, "{run:?}");

    let target = "/v3/marketing/favor/users/o-cli-dry/coupons";
    assert!(
        run.stdout.starts_with(&format!("POST {target} HTTP/1.1\n")),
        "{run:?}"
    );
    let host = world.sandbox.base_url().trim_start_matches("http://");
    assert_eq!(header(&run, "Host"), Some(host), "{run:?}");
    assert_eq!(header(&run, "Accept"), Some("application/json"), "{run:?}");
    assert_eq!(
        header(&run, "Content-Type"),
        Some("application/json"),
        "{run:?}"
    );
    assert!(header(&run, "User-Agent").is_some_and(|ua| ua.starts_with("wechatpay-apiv3-rust/")));
    assert_eq!(
        header(&run, "Wechatpay-Serial"),
        Some(world.sandbox.public_key_id()),
        "{run:?}"
    );
    let (_, body) = run
        .stdout
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("{run:?}"));
    let body = body.trim_end_matches('\n');
    let json: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    assert_eq!(json["out_request_no"], "cli-dry-1");
    assert_eq!(
        header(&run, "Content-Length"),
        Some(body.len().to_string().as_str())
    );

    // The signature is real: it verifies with the merchant key over the printed request.
    let params = authorization(&run);
    assert_eq!(params.mchid, world.sandbox.mchid());
    assert_eq!(params.serial_no, world.sandbox.merchant_serial());
    let timestamp: i64 = params.timestamp.parse().unwrap_or_default();
    let message = request_message(
        "POST",
        target,
        timestamp,
        &params.nonce_str,
        body.as_bytes(),
    );
    let public = MerchantPrivateKey::from_pem(world.sandbox.merchant_private_key_pem())
        .and_then(|key| key.public_key())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(public.verify_base64(&message, &params.signature), "{run:?}");

    assert!(run.stderr.contains("was not sent"), "{run:?}");
    assert!(world.saw_no_request(&watch), "the sandbox saw a request");
    assert!(world.sandbox.state().coupons_of("o-cli-dry").is_empty());

    // The watch does see a real send (its 500 is retried away: the operation is idempotent).
    let sent = wxpay(&send_args("o-cli-dry", "cli-dry-1", "9856000"));
    assert_eq!(sent.code, 0, "{sent:?}");
    assert!(!world.saw_no_request(&watch));
}

fn write_config(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path.display().to_string()
}

#[test]
fn settings_come_from_flag_then_environment_then_config_file() {
    let world = world();
    let file = write_config(
        &world.dir,
        "precedence.json",
        r#"{"mchid": "111", "base_url": "http://127.0.0.1:1001"}"#,
    );
    let dry = |extra: &[&str], env: &[(&str, String)]| {
        let mut args = vec![
            "list-coupons-by-filter",
            "--openid",
            "o-cli-conf",
            "--appid",
            "wx",
            "--dry-run",
        ];
        args.extend_from_slice(extra);
        let mut full: Vec<(&str, String)> = world
            .env()
            .into_iter()
            .filter(|(k, _)| *k != "WECHATPAY_MCHID" && *k != "WECHATPAY_BASE_URL")
            .collect();
        full.push(("WECHATPAY_CONFIG", file.clone()));
        full.extend(env.iter().cloned());
        let run = wxpay_with(&args, &full);
        assert_eq!(run.code, 0, "{run:?}");
        (
            authorization(&run).mchid,
            header(&run, "Host").map(str::to_owned),
        )
    };
    let env = [
        ("WECHATPAY_MCHID", "222".to_owned()),
        ("WECHATPAY_BASE_URL", "http://127.0.0.1:1002".to_owned()),
    ];
    assert_eq!(
        dry(
            &["--mchid", "333", "--base-url", "http://127.0.0.1:1003"],
            &env
        ),
        ("333".to_owned(), Some("127.0.0.1:1003".to_owned()))
    );
    assert_eq!(
        dry(&[], &env),
        ("222".to_owned(), Some("127.0.0.1:1002".to_owned()))
    );
    assert_eq!(
        dry(&[], &[]),
        ("111".to_owned(), Some("127.0.0.1:1001".to_owned()))
    );
    // --config beats $WECHATPAY_CONFIG.
    let other = write_config(&world.dir, "other.json", r#"{"mchid": "444"}"#);
    assert_eq!(dry(&["--config", &other], &[]).0, "444");
}

#[test]
fn a_config_file_alone_is_enough() {
    let world = world();
    // Relative key paths are relative to the file; platform_certs may be a list.
    let config = serde_json::json!({
        "base_url": world.sandbox.base_url(),
        "mchid": world.sandbox.mchid(),
        "mch_serial": world.sandbox.merchant_serial(),
        "private_key": wechatpay_sandbox::keys::MERCHANT_KEY_FILE,
        "platform_certs": [wechatpay_sandbox::keys::PLATFORM_CERT_FILE],
        "public_key": wechatpay_sandbox::keys::PUBLIC_KEY_FILE,
        "public_key_id": world.sandbox.public_key_id(),
    });
    let file = write_config(&world.dir, "full.json", &config.to_string());
    let mut args = send_args("o-cli-file", "cli-file-1", "9856000");
    args.extend(["--config", &file]);
    let run = wxpay_with(&args, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.json()["coupon_id"].is_string(), "{run:?}");

    let run = wxpay_with(
        &["config", "--config", &file],
        &[("WECHATPAY_MCHID", "9".to_owned())],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["settings"]["mchid"]["source"],
        "environment",
        "{run:?}"
    );
    assert_eq!(
        run.json()["settings"]["private_key"]["source"],
        "config file",
        "{run:?}"
    );
}
