//! `wxpay request METHOD PATH`: raw APIv3 calls through the built binary, against an in-process
//! sandbox on 127.0.0.1 — signed, their answers verified, the same exit codes as an operation
//! command, and a dry run that sends nothing.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::{Value, json};
use wechatpay_sandbox::{Fault, FaultRoute, FaultRule};

mod support;

use support::World;

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| support::start("wxpay-cli-request"))
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

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

/// Runs the binary pointed at the sandbox, with no inherited setting or config file.
fn wxpay(args: &[&str]) -> Run {
    let ran = support::run_wxpay(args, &world().env(), Path::new(support::NO_HOME));
    Run {
        code: ran.code,
        stdout: ran.stdout_text(),
        stderr: ran.stderr,
    }
}

/// Schedules a fault that strikes the first request under `prefix`: while it stays pending,
/// the sandbox has seen no request there.
fn watch(prefix: &str) -> FaultRule {
    let rule =
        FaultRule::new(Fault::Status500).route(FaultRoute::any().path_prefix(prefix.to_owned()));
    world().sandbox.faults().inject(rule.clone());
    rule
}

fn saw_no_request(rule: &FaultRule) -> bool {
    world().sandbox.faults().pending().contains(rule)
}

#[test]
fn a_get_prints_the_verified_json() {
    let mchid = world().sandbox.mchid().to_owned();
    let query = format!("stock_creator_mchid={mchid}");
    let args = [
        "request",
        "GET",
        "/v3/marketing/favor/stocks/9856000",
        "--query",
        &query,
    ];
    let run = wxpay(&args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["stock_id"], "9856000", "{run:?}");
    assert_eq!(run.json()["stock_creator_mchid"], mchid.as_str(), "{run:?}");
    assert!(run.stdout.contains("\n  \"stock_id\""), "pretty: {run:?}");

    // The method in any case, the query already in PATH, one line with --compact.
    let path = format!("/v3/marketing/favor/stocks/9856000?{query}");
    let run = wxpay(&["request", "get", &path, "--compact"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert_eq!(run.json()["stock_id"], "9856000", "{run:?}");
}

#[test]
fn a_post_sends_its_data_as_the_body() {
    let openid = "o-cli-request-post";
    let body = json!({
        "stock_id": "9856000",
        "out_request_no": "cli-request-1",
        "appid": "wx-cli-request",
        "stock_creator_mchid": world().sandbox.mchid(),
    });
    let path = format!("/v3/marketing/favor/users/{openid}/coupons");
    let file = world().dir.join("request-body.json");
    std::fs::write(&file, body.to_string()).expect("write the body");
    let data = format!("@{}", file.display());
    let run = wxpay(&["request", "POST", &path, "--data", &data]);
    assert_eq!(run.code, 0, "{run:?}");
    let coupon_id = run.json()["coupon_id"].as_str().map(str::to_owned);
    assert!(coupon_id.is_some(), "{run:?}");
    let coupons = world().sandbox.state().coupons_of(openid);
    assert_eq!(coupons.len(), 1);

    // A GET carries no body.
    let run = wxpay(&["request", "GET", &path, "--data", &data]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no body"), "{run:?}");
}

#[test]
fn api_errors_exit_like_operation_commands() {
    let run = wxpay(&["request", "GET", "/v3/marketing/favor/nowhere"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("HTTP 404"), "{run:?}");
    assert!(run.stderr.contains("code:       NOT_FOUND"), "{run:?}");
    assert!(run.stderr.contains("Request-ID: "), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");

    // A known path with a bad input: the sandbox's 400 naming the field.
    let run = wxpay(&["request", "GET", "/v3/marketing/favor/stocks/9856000"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("PARAM_ERROR"), "{run:?}");
    assert!(run.stderr.contains("stock_creator_mchid"), "{run:?}");

    // A 5xx on a POST: nothing says it is safe to send again.
    let openid = "o-cli-request-500";
    world().sandbox.faults().inject(
        FaultRule::new(Fault::Status500)
            .route(FaultRoute::any().path_prefix(format!("/v3/marketing/favor/users/{openid}/"))),
    );
    let path = format!("/v3/marketing/favor/users/{openid}/coupons");
    let run = wxpay(&["request", "POST", &path, "--data", "{}"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("SYSTEM_ERROR"), "{run:?}");
    assert!(
        run.stderr.contains("check before sending it again"),
        "{run:?}"
    );
}

#[test]
fn a_tampered_answer_is_never_printed() {
    let openid = "o-cli-request-tampered";
    world().sandbox.faults().inject(
        FaultRule::new(Fault::TamperedSignature)
            .route(FaultRoute::any().path_prefix(format!("/v3/marketing/favor/users/{openid}/"))),
    );
    let path = format!("/v3/marketing/favor/users/{openid}/coupons?appid=wx");
    let run = wxpay(&["request", "GET", &path]);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(run.stderr.contains("verification failed"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
}

#[test]
fn an_empty_answer_prints_nothing() {
    // 关闭订单 answers 204 No Content, for an order the sandbox has: make one first.
    let mchid = world().sandbox.mchid();
    let order = json!({
        "appid": "wxd678efh567hg6787",
        "mchid": mchid,
        "description": "request",
        "out_trade_no": "cli-request-close",
        "notify_url": "https://merchant.example.com/notify",
        "amount": {"total": 1},
    })
    .to_string();
    let run = wxpay(&[
        "request",
        "POST",
        "/v3/pay/transactions/native",
        "--data",
        &order,
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = json!({"mchid": mchid}).to_string();
    let path = "/v3/pay/transactions/out-trade-no/cli-request-close/close";
    let run = wxpay(&["request", "POST", path, "--data", &body]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
}

#[test]
fn dry_run_prints_the_signed_request_and_sends_nothing() {
    let openid = "o-cli-request-dry";
    let prefix = format!("/v3/marketing/favor/users/{openid}/");
    let watch = watch(&prefix);
    let path = format!("{prefix}coupons");
    let key = world().sandbox.api_v3_key().to_owned();
    let run = wxpay(&[
        "request",
        "POST",
        &path,
        "--data",
        r#"{"appid": "wx", "stock_id": "9856000"}"#,
        "--dry-run",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(&format!("POST {path} HTTP/1.1\n")),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("Authorization: WECHATPAY2-SHA256-RSA2048 mchid="),
        "{run:?}"
    );
    assert!(
        run.stdout
            .ends_with("\n\n{\"appid\":\"wx\",\"stock_id\":\"9856000\"}\n"),
        "{run:?}"
    );
    assert!(run.stderr.contains("was not sent"), "{run:?}");
    assert!(
        !run.stdout.contains(&key) && !run.stderr.contains(&key),
        "{run:?}"
    );
    assert!(saw_no_request(&watch), "the sandbox saw a request");

    // A target the client would not send as it is: refused before anything, dry run or not.
    for dry in [true, false] {
        let mut args = vec!["request", "GET", "/v3/marketing/favor/users/o x/coupons"];
        if dry {
            args.push("--dry-run");
        }
        let run = wxpay(&args);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("PATH (request_target)"), "{run:?}");
        assert!(run.stderr.contains("nothing was sent"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

#[test]
fn help_shows_the_command() {
    let run = wxpay(&["request", "--help"]);
    assert_eq!(run.code, 0, "{run:?}");
    for needle in [
        "<METHOD>",
        "<PATH>",
        "--query",
        "--data",
        "--dry-run",
        "--compact",
    ] {
        assert!(run.stdout.contains(needle), "{needle}: {run:?}");
    }
    assert!(!run.stdout.contains("--all"), "{run:?}");
}
