//! Client-side payment signatures (`wechatpay_apiv3::paysign`) against the official test data
//! (payments reference I.3 / J.1: the published test merchant key, AppID, timestamp, nonce and
//! prepay_id), plus an independent check: every signature verifies with the public key over a
//! message built here by hand, and only over that message.

use std::sync::Arc;

use wechatpay_apiv3::Error;
use wechatpay_apiv3::auth::{
    FixedClock, FixedNonce, MerchantPrivateKey, NonceSource, WechatPayPublicKey,
};
use wechatpay_apiv3::paysign::{APP_PACKAGE, PaySigner, SIGN_TYPE};

const KEY_PEM: &str = include_str!("fixtures/wechatpay-official-test-key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("fixtures/wechatpay-official-test-pubkey.pem");

// I.3: “官方测试验证数据”.
const APPID: &str = "wx2421b1c4370ec43b";
const MCHID: &str = "1900007291";
const TIMESTAMP: i64 = 1_554_208_460;
const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
const PREPAY_ID: &str = "wx201410272009395522657a690389285100";
const JSAPI_PAY_SIGN: &str = "mI35pfNEQV6777ke/1T+LJLQDNTm7yeoUJH+j/adPGhmCCi0PbgkvYQTRcXH0uibcLVtvFLdGLpmoYO9FV6lBBsTAjuhh5YOvQi0e2g3e0yytitiNET9FEuqM0pjnKfRW4K6LIZDdbWJv9KhZUx3DrJa5TL7OJ7VdADVivxVySIlPVKjGwuCXzuXSJes0UcILgWQUMyha5/3nYofuHtS7r+KYyMuxD+oJ9VM1Qdxk4UIG59CP5Y3wtYIFybyF3bdu1caHTRRX+DLyMXyYA/IrTmiW01c4RPjpHBX5Dk1sZyY1zVsWNsvMHr2e1NTWtBxKJ+qk5N61J7caYoepHFaxw==";
const APP_SIGN: &str = "gXx9KhTP6IooKV1SuG3OCGlBIgZbKtubCZvnau6khw1iffvNT28IzLbKmztq2xA/RCNbZa1XOsoiuVmAEeTZQicWfhv4P+O4oBRIrx0X9f3cnWFkMBU9alTWs0nyQ1N9fcILOTe0f4kxOhVh+/Xhn5hOiUK7Sz3XA1mcpa3R2NCWf/e+0ow/RDf15iTymOHgDrEkT/gedg/3E0iXfDX3mFicSZhrHESZDOTXcl9RzELREBUFznd/o2NQM99WcL86m23HY0cTy+QGWU4QDmNrbQ9ihmLW71qPb0Cx/d7EQvw/Kyx0A6s64ZQp3hHdcmiRcLnjVXrKCk7LShaCK+lS3Q==";

fn key() -> MerchantPrivateKey {
    MerchantPrivateKey::from_pem(KEY_PEM).expect("the official test key parses")
}

fn public_key() -> WechatPayPublicKey {
    WechatPayPublicKey::from_pem(PUBLIC_KEY_PEM).expect("its public key parses")
}

/// A signer pinned to the official test data's timestamp and nonce.
fn official_signer() -> PaySigner {
    PaySigner::new(key())
        .with_clock(Arc::new(FixedClock(TIMESTAMP)))
        .with_nonce(Arc::new(FixedNonce(NONCE.to_owned())))
}

/// The four-line message, written out independently of the library.
fn by_hand(lines: [&str; 4]) -> Vec<u8> {
    format!("{}\n{}\n{}\n{}\n", lines[0], lines[1], lines[2], lines[3]).into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Official vectors

#[test]
fn jsapi_reproduces_the_official_pay_sign() {
    let params = official_signer().jsapi(APPID, PREPAY_ID).unwrap();
    assert_eq!(params.app_id, APPID);
    let payment = &params.payment;
    assert_eq!(payment.pay_sign, JSAPI_PAY_SIGN);
    assert_eq!(payment.time_stamp, "1554208460");
    assert_eq!(payment.nonce_str, NONCE);
    assert_eq!(payment.package, format!("prepay_id={PREPAY_ID}"));
    assert_eq!(payment.sign_type, "RSA");
}

#[test]
fn jsapi_serializes_to_the_names_weixin_js_bridge_takes() {
    let params = official_signer().jsapi(APPID, PREPAY_ID).unwrap();
    let json = serde_json::to_string(&params).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"appId":"{APPID}","timeStamp":"1554208460","nonceStr":"{NONCE}","package":"prepay_id={PREPAY_ID}","signType":"RSA","paySign":"{JSAPI_PAY_SIGN}"}}"#
        )
    );
    let back: wechatpay_apiv3::paysign::JsapiPayParams = serde_json::from_str(&json).unwrap();
    assert_eq!(back, params);
}

#[test]
fn mini_program_signs_like_jsapi_and_leaves_the_appid_out() {
    let params = official_signer().mini_program(APPID, PREPAY_ID).unwrap();
    assert_eq!(params.pay_sign, JSAPI_PAY_SIGN);
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "timeStamp": "1554208460",
            "nonceStr": NONCE,
            "package": format!("prepay_id={PREPAY_ID}"),
            "signType": "RSA",
            "paySign": JSAPI_PAY_SIGN,
        })
    );
}

#[test]
fn app_reproduces_the_official_sign() {
    let params = official_signer().app(APPID, MCHID, PREPAY_ID).unwrap();
    assert_eq!(params.sign, APP_SIGN);
    assert_eq!(params.app_id, APPID);
    assert_eq!(params.partner_id, MCHID);
    assert_eq!(params.prepay_id, PREPAY_ID);
    assert_eq!(params.package, "Sign=WXPay");
    assert_eq!(params.nonce_str, NONCE);
    assert_eq!(params.time_stamp, "1554208460");
}

#[test]
fn app_serializes_to_the_open_sdk_pay_req_names() {
    let params = official_signer().app(APPID, MCHID, PREPAY_ID).unwrap();
    assert_eq!(
        serde_json::to_string(&params).unwrap(),
        format!(
            r#"{{"appId":"{APPID}","partnerId":"{MCHID}","prepayId":"{PREPAY_ID}","package":"Sign=WXPay","nonceStr":"{NONCE}","timeStamp":"1554208460","sign":"{APP_SIGN}"}}"#
        )
    );
}

#[test]
fn the_at_variants_ignore_the_configured_clock_and_nonce() {
    let signer = PaySigner::new(key())
        .with_clock(Arc::new(FixedClock(1)))
        .with_nonce(Arc::new(FixedNonce("other".into())));
    let jsapi = signer.jsapi_at(APPID, PREPAY_ID, TIMESTAMP, NONCE).unwrap();
    assert_eq!(jsapi.payment.pay_sign, JSAPI_PAY_SIGN);
    let app = signer
        .app_at(APPID, MCHID, PREPAY_ID, TIMESTAMP, NONCE)
        .unwrap();
    assert_eq!(app.sign, APP_SIGN);
}

// ---------------------------------------------------------------------------------------------
// Independent check: verify with the public key over a message built by hand

#[test]
fn jsapi_signature_verifies_over_the_hand_built_message_only() {
    let public_key = public_key();
    let params = official_signer().jsapi(APPID, PREPAY_ID).unwrap().payment;
    let package = format!("prepay_id={PREPAY_ID}");
    let message = by_hand([APPID, "1554208460", NONCE, &package]);
    assert!(public_key.verify_base64(&message, &params.pay_sign));
    // Line 4 is the whole `package` value: the bare prepay_id (the APP message) does not verify,
    // nor does a message without the final line break.
    assert!(!public_key.verify_base64(
        &by_hand([APPID, "1554208460", NONCE, PREPAY_ID]),
        &params.pay_sign
    ));
    assert!(!public_key.verify_base64(&message[..message.len() - 1], &params.pay_sign));
}

#[test]
fn app_signature_verifies_over_the_hand_built_message_only() {
    let public_key = public_key();
    let params = official_signer().app(APPID, MCHID, PREPAY_ID).unwrap();
    let message = by_hand([APPID, "1554208460", NONCE, PREPAY_ID]);
    assert!(public_key.verify_base64(&message, &params.sign));
    // Neither the `prepay_id=` form nor the unsigned partnerId/package are part of it.
    let package = format!("prepay_id={PREPAY_ID}");
    assert!(!public_key.verify_base64(
        &by_hand([APPID, "1554208460", NONCE, &package]),
        &params.sign
    ));
    assert!(!public_key.verify_base64(
        format!("{APPID}\n1554208460\n{NONCE}\n{PREPAY_ID}\n{MCHID}\n{APP_PACKAGE}\n").as_bytes(),
        &params.sign
    ));
}

#[test]
fn fresh_parameters_use_the_clock_in_seconds_and_32_character_nonces() {
    let signer = PaySigner::new(key());
    let public_key = public_key();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let jsapi = signer.jsapi(APPID, PREPAY_ID).unwrap().payment;
    let app = signer.app(APPID, MCHID, PREPAY_ID).unwrap();
    for (time_stamp, nonce) in [
        (&jsapi.time_stamp, &jsapi.nonce_str),
        (&app.time_stamp, &app.nonce_str),
    ] {
        assert_eq!(time_stamp.len(), 10, "{time_stamp}");
        let seconds: u64 = time_stamp.parse().unwrap();
        assert!(seconds.abs_diff(before) < 60, "{seconds} vs {before}");
        assert_eq!(nonce.len(), 32);
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
    }
    assert_ne!(jsapi.nonce_str, app.nonce_str);
    assert!(public_key.verify_base64(
        &by_hand([APPID, &jsapi.time_stamp, &jsapi.nonce_str, &jsapi.package]),
        &jsapi.pay_sign
    ));
    assert!(public_key.verify_base64(
        &by_hand([APPID, &app.time_stamp, &app.nonce_str, PREPAY_ID]),
        &app.sign
    ));
    assert_eq!(jsapi.sign_type, SIGN_TYPE);
}

// ---------------------------------------------------------------------------------------------
// Bad input: a clear error naming the value, never a panic, never a signature over a message
// whose lines were shifted

fn invalid_field(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::InvalidRequest { field, .. }) => field,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[test]
fn empty_values_are_rejected_by_name() {
    let signer = official_signer();
    assert_eq!(invalid_field(signer.jsapi("", PREPAY_ID)), "appid");
    assert_eq!(invalid_field(signer.jsapi(APPID, "")), "prepay_id");
    assert_eq!(invalid_field(signer.app(APPID, "", PREPAY_ID)), "mchid");
    assert_eq!(
        invalid_field(signer.jsapi_at(APPID, PREPAY_ID, TIMESTAMP, "")),
        "nonceStr"
    );
}

#[test]
fn line_breaks_cannot_reshape_the_signed_message() {
    let signer = official_signer();
    let shifted = format!("{APPID}\n1554208460");
    assert_eq!(invalid_field(signer.jsapi(&shifted, PREPAY_ID)), "appid");
    assert_eq!(
        invalid_field(signer.app(APPID, MCHID, &format!("{PREPAY_ID}\n"))),
        "prepay_id"
    );
    assert_eq!(
        invalid_field(signer.app(APPID, "1900007291\r", PREPAY_ID)),
        "mchid"
    );
}

#[test]
fn a_prepay_id_with_its_package_prefix_is_refused() {
    let signer = official_signer();
    let doubled = format!("prepay_id={PREPAY_ID}");
    assert_eq!(invalid_field(signer.jsapi(APPID, &doubled)), "prepay_id");
    assert_eq!(
        invalid_field(signer.app(APPID, MCHID, &doubled)),
        "prepay_id"
    );
}

#[derive(Debug)]
struct LineBreakNonce;

impl NonceSource for LineBreakNonce {
    fn nonce(&self) -> String {
        "abc\ndef".into()
    }
}

#[test]
fn a_broken_nonce_source_is_an_error_not_a_signature() {
    let signer = PaySigner::new(key()).with_nonce(Arc::new(LineBreakNonce));
    assert_eq!(invalid_field(signer.jsapi(APPID, PREPAY_ID)), "nonceStr");
    assert_eq!(
        invalid_field(signer.app(APPID, MCHID, PREPAY_ID)),
        "nonceStr"
    );
}

#[test]
fn debug_never_shows_the_key() {
    let shown = format!("{:?}", official_signer());
    assert!(shown.contains("<redacted>"), "{shown}");
    assert!(!shown.contains("MIIE"), "{shown}");
}
