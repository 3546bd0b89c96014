//! The real client crate (`wechatpay_apiv3::Client`) against the sandbox: typed calls,
//! pagination, idempotent retries over injected faults, verification failures, and the
//! environment variables the binary prints.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::keys;
use futures_util::TryStreamExt as _;
use wechatpay_apiv3::api::{
    CouponStatusFilter, ErrorCode, ListCouponsByFilterQuery, SendCouponBody,
};
use wechatpay_apiv3::{Client, ClientBuilder, Error, RetryPolicy};
use wechatpay_sandbox::{
    Fault, FaultRule, ResponseSigning, SEND_COUPON, Sandbox, SandboxConfig, SandboxKeys,
};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const APPID: &str = "wx233544546545989";

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn public_key_client(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .retry(quick_retries())
        .build()
        .expect("client")
}

fn body(sandbox: &Sandbox, out_request_no: &str) -> SendCouponBody {
    SendCouponBody::new("9856000", out_request_no, APPID, sandbox.mchid())
}

#[tokio::test]
async fn typed_send_list_and_pagination() {
    let sandbox = Sandbox::start(SandboxConfig::with_keys(keys()))
        .await
        .unwrap();
    let client = public_key_client(&sandbox);
    let coupons = || client.v3().marketing().favor().users(OPENID).coupons();
    let mut ids = Vec::new();
    for i in 0..45 {
        let sent = coupons()
            .post(body(&sandbox, &format!("typed-{i:02}")))
            .await
            .expect("send coupon");
        ids.push(sent.coupon_id);
    }
    let page = coupons()
        .get(ListCouponsByFilterQuery::new(APPID).status(CouponStatusFilter::Sended))
        .await
        .expect("list");
    assert_eq!(
        (page.total_count, page.limit, page.data.len()),
        (45, 20, 20)
    );
    let all: Vec<String> = coupons()
        .get(ListCouponsByFilterQuery::new(APPID).limit(7))
        .items()
        .map_ok(|coupon| coupon.coupon_id)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(all, ids);
}

#[tokio::test]
async fn platform_certificate_mode_client() {
    let sandbox = Sandbox::start(
        SandboxConfig::with_keys(keys()).response_signing(ResponseSigning::PlatformCertificate),
    )
    .await
    .unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .mchid(sandbox.mchid())
        .merchant_serial(sandbox.merchant_serial())
        .private_key_pem(sandbox.merchant_private_key_pem())
        .platform_certificate_pem(sandbox.platform_certificate_pem())
        .build()
        .unwrap();
    let sent = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(body(&sandbox, "platform-1"))
        .await
        .unwrap();
    assert!(!sent.coupon_id.is_empty());
}

#[tokio::test]
async fn retries_after_a_500_or_a_reset_get_the_same_coupon() {
    let sandbox = Sandbox::start(SandboxConfig::with_keys(keys()))
        .await
        .unwrap();
    let client = public_key_client(&sandbox);
    for (i, fault) in [Fault::Status500, Fault::ConnectionReset, Fault::RateLimited]
        .into_iter()
        .enumerate()
    {
        // The coupon is issued, then the answer is lost: only an idempotent retry is safe.
        sandbox.faults().inject(
            FaultRule::new(fault)
                .operation(SEND_COUPON)
                .after_processing(),
        );
        let sent = client
            .v3()
            .marketing()
            .favor()
            .users(OPENID)
            .coupons()
            .post(body(&sandbox, &format!("retry-{i}")))
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        let held = sandbox.state().coupons_of(OPENID);
        assert_eq!(held.len(), i + 1, "{fault}: one coupon per request");
        assert_eq!(held[i].coupon_id, sent.coupon_id, "{fault}");
    }
    assert_eq!(sandbox.faults().applied_count(), 3);
}

#[tokio::test]
async fn errors_surface_typed() {
    let sandbox = Sandbox::start(SandboxConfig::with_keys(keys()))
        .await
        .unwrap();
    let client = public_key_client(&sandbox);
    let coupons = || client.v3().marketing().favor().users(OPENID).coupons();

    let err = coupons()
        .post(SendCouponBody::new(
            "1234567",
            "err-1",
            APPID,
            sandbox.mchid(),
        ))
        .await
        .unwrap_err();
    let api = err.as_api().expect("API error");
    assert_eq!(
        (api.status, api.code()),
        (404, Some(ErrorCode::ResourceNotExists))
    );
    assert!(api.request_id.is_some());

    for i in 0..3 {
        coupons()
            .post(SendCouponBody::new(
                "9856001",
                format!("budget-{i}"),
                APPID,
                sandbox.mchid(),
            ))
            .await
            .unwrap();
    }
    let err = coupons()
        .post(SendCouponBody::new(
            "9856001",
            "budget-3",
            APPID,
            sandbox.mchid(),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.as_api().and_then(|a| a.code()),
        Some(ErrorCode::NotEnough)
    );
    assert!(!err.is_retryable());

    sandbox.faults().next(Fault::TamperedSignature);
    let err = coupons()
        .get(ListCouponsByFilterQuery::new(APPID))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Verification { .. }), "{err}");

    sandbox.faults().next(Fault::TruncatedBody);
    let err = coupons()
        .get(ListCouponsByFilterQuery::new(APPID))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
}

#[tokio::test]
async fn the_printed_environment_configures_a_client() {
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-sandbox-env-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let keys = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || SandboxKeys::load_or_create(&dir)
    })
    .await
    .unwrap()
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::with_keys(keys.clone()))
        .await
        .unwrap();
    let files = keys.files().unwrap();
    let env: HashMap<&str, String> = HashMap::from([
        ("WECHATPAY_BASE_URL", sandbox.base_url().to_owned()),
        ("WECHATPAY_MCHID", keys.mchid().to_owned()),
        ("WECHATPAY_MCH_SERIAL", keys.merchant_serial().to_owned()),
        (
            "WECHATPAY_PRIVATE_KEY",
            files.merchant_private_key.display().to_string(),
        ),
        (
            "WECHATPAY_PLATFORM_CERTS",
            files.platform_certificate.display().to_string(),
        ),
        (
            "WECHATPAY_PUBLIC_KEY",
            files.public_key.display().to_string(),
        ),
        ("WECHATPAY_PUBLIC_KEY_ID", keys.public_key_id().to_owned()),
    ]);
    let client = ClientBuilder::from_env_vars(|name| env.get(name).cloned())
        .unwrap()
        .build()
        .unwrap();
    let list = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .get(ListCouponsByFilterQuery::new(APPID))
        .await
        .unwrap();
    assert_eq!(list.total_count, 0);
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()))
}
