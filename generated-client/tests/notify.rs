//! The notification handler (`wechatpay_apiv3::notify`) against the official wechatpay-go
//! notification vector (reference B.9.3), a COUPON.USE notification derived from the B.9.5 #5
//! ciphertext and signed with the wechatpay-go test key, and every rejection path (C, D.3).
//!
//! Long on purpose: one test per step and rejection path of the handler, sharing the vectors
//! and the signing helper at the top.

use std::sync::Arc;

use wechatpay_apiv3::api::{CouponStatus, NotificationResource};
use wechatpay_apiv3::auth::{
    ApiV3Key, FixedClock, MerchantPrivateKey, SIGNATURE_TYPE, Verifier, aead, response_message,
};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::notify::{NotificationHandler, NotifyError};

const KEY_PEM: &str = include_str!("fixtures/wechatpay-go-test-key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("fixtures/wechatpay-go-test-pubkey.pem");
const CERT_PEM: &str = include_str!("fixtures/wechatpay-go-test-cert.pem");

// ---------------------------------------------------------------------------------------------
// B.9.3: wechatpay-go `core/notify/notify_test.go`

const B93_SERIAL: &str = "D7CE59D1F522D701";
const B93_NONCE: &str = "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz";
const B93_TIMESTAMP: &str = "1624523846";
const B93_NOW: i64 = 1_624_523_846;
const B93_SIGNATURE: &str = "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==";
const B93_BODY: &str = r#"{"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00","resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功","resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM","ciphertext":"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZttevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==","associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}}"#;
const B93_PLAINTEXT: &str = r#"{"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c","create_time":"2020-06-30T12:12:00+08:00","out_contract_code":"21640bdbd08e473e828f3206a2741c6e"}"#;
/// 16 bytes: the vector is really AES-128-GCM (see the reference, B.9.3).
const B93_KEY: &[u8] = b"testMchAPIv3Key0";

// ---------------------------------------------------------------------------------------------
// B.9.5 #5: the derived cash-coupon AES-256-GCM vector, wrapped in a COUPON.USE envelope

const COUPON_KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
const COUPON_NONCE: &str = "abcdefghijkl";
const COUPON_AAD: &str = "coupon";
const COUPON_PLAINTEXT: &str = r#"{"stock_creator_mchid":"8956000","stock_id":"9856000","coupon_id":"9867041","coupon_name":"微信支付代金券","status":"USED","description":"微信支付营销","create_time":"2024-05-20T13:29:35+08:00","coupon_type":"NORMAL","no_cash":false,"available_begin_time":"2024-05-20T00:00:00+08:00","available_end_time":"2024-06-20T23:59:59+08:00","singleitem":false,"normal_coupon_information":{"coupon_amount":100,"transaction_minimum":100},"consume_information":{"consume_time":"2024-05-21T10:00:00+08:00","consume_mchid":"8956000","transaction_id":"4200000000000000000000000000"}}"#;
const COUPON_CIPHERTEXT: &str = "Eu66y6SGBowAbpdwfvYqYDFS03bdolV5JocLquJs/shA6tOIQTeZ/CMesposqr/oqGWMhJlyVJixij8iwvLhIe7Jq/TCxlF9MWghRAsLi0iKmoUrxv5KbPNrUjefEZ6KEGlnFR0T0uobbIEY61XoFymW3i1fMwUPjAatce0fCE7zNBRpbIwNxqcS82ORa/rSthGZUi5//PBQWDxqMg+K3xFrvaQqnY6ljyphJSvC/1jcYCsmoK7nnBHThP7ZZ/O+zixKTb80WYZ+xZfBDgnalv1MS6qfsM0RG/p8i+3opByJGT02K2YQBA6FLBTwrbiUIk4fCJ20EZy06x+NBDcxqtU8zquX4Az6Tk3EuDvow6fSsTfa+8r5lDCcj3xUpNUrZbV2W6DSzz2KaSmsbkcHmQ1afLnoxLV3NosBgIgUuij23db+zkFUswmGVsnUh1DHtkyPuwJSI0kM1pn/y/ZuuDmeXYeFGR17t1On1uul9q9hVrRQDfQ1PPrL5c+yy2/qZi3OxmT6qiyk0fdkkORkQx8VGMAS4l0yFXYF0wA9w8xZKK2jiSw0Y/PxjUO0oVtuw5baM6oe8qKe9bO3P6NF1xr/TN0/XWdUraYMPafAjJp1yN8ZxP3Iq1G1h1nk1VLSSGATM/3JTI0RZzpjOAiSHM3kQjb1EVghZxUT1WOeAvVdOpuNjqGBeF/s/MkwkLCwrKeX9j0dQF2tLgqwmSqIwvSg/poSz/eoK4OvYuxSxEgeEYK01oiTCLHw9sdAIgeWfFdpcG+cpcJM/H6bhlwzuFY0Qcvk7Q==";
const PUB_KEY_ID: &str = "PUB_KEY_ID_TEST";
/// 2024-05-21T10:00:05+08:00, five seconds after the coupon was used.
const COUPON_NOW: i64 = 1_716_256_805;
const COUPON_NOTIFY_NONCE: &str = "fG2iJ7kL9mN0pQ3rS5tU8vW1xY4zA6bC";

/// Headers as a server hands them over: (name, value), names in any case.
type Headers = Vec<(String, String)>;

fn lookup<'a>(headers: &'a Headers) -> impl Fn(&str) -> Option<&'a str> + 'a {
    move |name| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn b93_headers() -> Headers {
    // Lower-case names, as HTTP/2 and most frameworks deliver them.
    vec![
        ("wechatpay-nonce".into(), B93_NONCE.into()),
        ("wechatpay-timestamp".into(), B93_TIMESTAMP.into()),
        ("wechatpay-serial".into(), B93_SERIAL.into()),
        ("wechatpay-signature".into(), B93_SIGNATURE.into()),
        ("wechatpay-signature-type".into(), SIGNATURE_TYPE.into()),
        (
            "request-id".into(),
            "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0".into(),
        ),
    ]
}

fn b93_handler(now: i64) -> NotificationHandler {
    let mut verifier = Verifier::new();
    verifier.add_platform_certificate_pem(CERT_PEM).unwrap();
    NotificationHandler::with_key_bytes(verifier, B93_KEY)
        .unwrap()
        .with_clock(Arc::new(FixedClock(now)))
}

/// A handler that knows the wechatpay-go test public key as `PUB_KEY_ID_TEST`.
fn coupon_handler(key: &[u8]) -> NotificationHandler {
    let mut verifier = Verifier::new();
    verifier
        .add_public_key_pem(PUB_KEY_ID, PUBLIC_KEY_PEM)
        .unwrap();
    NotificationHandler::with_key_bytes(verifier, key)
        .unwrap()
        .with_clock(Arc::new(FixedClock(COUPON_NOW)))
}

fn envelope(algorithm: &str, associated_data: Option<&str>, ciphertext: &str) -> String {
    let mut resource = serde_json::json!({
        "original_type": "coupon",
        "algorithm": algorithm,
        "ciphertext": ciphertext,
        "nonce": COUPON_NONCE,
    });
    if let Some(aad) = associated_data {
        resource["associated_data"] = aad.into();
    }
    serde_json::json!({
        "id": "8b33f79f-8869-5ae5-b41b-3c0b59f957d0",
        "create_time": "2024-05-21T10:00:05+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "COUPON.USE",
        "summary": "代金券核销通知",
        "resource": resource,
    })
    .to_string()
}

fn coupon_body() -> String {
    envelope("AEAD_AES_256_GCM", Some(COUPON_AAD), COUPON_CIPHERTEXT)
}

/// Signs `body` like WeChat Pay with the wechatpay-go test key, at `timestamp`.
fn signed(body: &str, timestamp: i64, serial: &str) -> Headers {
    let key = MerchantPrivateKey::from_pem(KEY_PEM).unwrap();
    let timestamp = timestamp.to_string();
    let signature = key.sign_base64(&response_message(
        &timestamp,
        COUPON_NOTIFY_NONCE,
        body.as_bytes(),
    ));
    vec![
        ("Wechatpay-Timestamp".into(), timestamp),
        ("Wechatpay-Nonce".into(), COUPON_NOTIFY_NONCE.into()),
        ("Wechatpay-Serial".into(), serial.into()),
        ("Wechatpay-Signature".into(), signature),
        ("Wechatpay-Signature-Type".into(), SIGNATURE_TYPE.into()),
    ]
}

fn set(headers: &mut Headers, name: &str, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.into(), value.into()));
}

fn verification(
    result: Result<wechatpay_apiv3::notify::Notification<NotificationResource>, NotifyError>,
) -> VerificationError {
    match result {
        Err(NotifyError::Verification(kind)) => kind,
        other => panic!("expected a verification error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Accepted notifications

#[test]
fn b93_official_notification_verifies_decrypts_and_stays_unknown() {
    let handler = b93_handler(B93_NOW);
    let notification = handler
        .handle(lookup(&b93_headers()), B93_BODY.as_bytes())
        .expect("the official vector is accepted");
    assert_eq!(notification.id, "3119dfba-e649-5eec-ab1e-3412bc4d2e17");
    assert_eq!(notification.create_time, "2021-06-24T16:37:26+08:00");
    assert_eq!(
        notification
            .create_time_parsed()
            .map(|t| t.unix_timestamp()),
        Some(B93_NOW)
    );
    assert_eq!(notification.event_type, "PAYSCORE.USER_OPEN_SERVICE");
    assert_eq!(notification.resource_type, "encrypt-resource");
    assert_eq!(notification.summary, "签约成功");
    assert_eq!(notification.original_type, "payscore");
    assert_eq!(notification.coupon_use(), None);
    let expected: serde_json::Value = serde_json::from_str(B93_PLAINTEXT).unwrap();
    assert_eq!(
        notification.resource,
        NotificationResource::Unknown {
            event_type: "PAYSCORE.USER_OPEN_SERVICE".into(),
            resource: expected,
        }
    );
    assert_eq!(
        notification.resource.event_type(),
        "PAYSCORE.USER_OPEN_SERVICE"
    );

    // Just inside the ±300 s window on both sides.
    for now in [B93_NOW - 299, B93_NOW + 299] {
        assert!(
            b93_handler(now)
                .handle(lookup(&b93_headers()), B93_BODY.as_bytes())
                .is_ok()
        );
    }
}

#[test]
fn b93_through_an_http_header_map() {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in b93_headers() {
        map.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    let notification = b93_handler(B93_NOW)
        .handle_http(&map, B93_BODY.as_bytes())
        .unwrap();
    assert_eq!(notification.id, "3119dfba-e649-5eec-ab1e-3412bc4d2e17");
}

#[test]
fn derived_coupon_use_notification_decodes_into_the_typed_resource() {
    // The vector itself, first: B.9.5 #5 decrypts to the documented plaintext.
    assert_eq!(
        aead::decrypt(COUPON_KEY, COUPON_NONCE, COUPON_AAD, COUPON_CIPHERTEXT).unwrap(),
        COUPON_PLAINTEXT.as_bytes()
    );
    let body = coupon_body();
    let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
    let handler = NotificationHandler::new(
        {
            let mut verifier = Verifier::new();
            verifier
                .add_public_key_pem(PUB_KEY_ID, PUBLIC_KEY_PEM)
                .unwrap();
            verifier
        },
        ApiV3Key::new(*COUPON_KEY).unwrap(),
    )
    .with_clock(Arc::new(FixedClock(COUPON_NOW)));
    let notification = handler.handle(lookup(&headers), body.as_bytes()).unwrap();
    assert_eq!(notification.event_type, "COUPON.USE");
    assert_eq!(notification.summary, "代金券核销通知");
    assert_eq!(notification.original_type, "coupon");
    assert_eq!(notification.resource.event_type(), "COUPON.USE");
    let NotificationResource::CouponUse(coupon) = &notification.resource else {
        panic!("expected CouponUse, got {:?}", notification.resource);
    };
    assert_eq!(coupon.coupon_id, "9867041");
    assert_eq!(coupon.stock_id, "9856000");
    assert_eq!(coupon.stock_creator_mchid, "8956000");
    assert_eq!(coupon.status, Some(CouponStatus::Used));
    let consumed = coupon.consume_information.as_ref().unwrap();
    assert_eq!(
        consumed.transaction_id.as_deref(),
        Some("4200000000000000000000000000")
    );
    assert_eq!(consumed.consume_mchid.as_deref(), Some("8956000"));
    assert_eq!(
        consumed.consume_time.as_ref().map(|t| t.as_str()),
        Some("2024-05-21T10:00:00+08:00")
    );
    assert_eq!(notification.coupon_use(), Some(&**coupon));
}

#[test]
fn empty_or_absent_associated_data_is_accepted() {
    let key = ApiV3Key::new(*COUPON_KEY).unwrap();
    let ciphertext = key
        .encrypt(COUPON_NONCE, "", COUPON_PLAINTEXT.as_bytes())
        .unwrap();
    for associated_data in [Some(""), None] {
        let body = envelope("AEAD_AES_256_GCM", associated_data, &ciphertext);
        let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
        let notification = coupon_handler(COUPON_KEY)
            .handle(lookup(&headers), body.as_bytes())
            .unwrap_or_else(|e| panic!("associated_data {associated_data:?}: {e}"));
        assert_eq!(notification.coupon_use().unwrap().coupon_id, "9867041");
    }
    // `null` too.
    let body = envelope("AEAD_AES_256_GCM", Some(""), &ciphertext)
        .replace(r#""associated_data":"""#, r#""associated_data":null"#);
    assert!(body.contains("null"));
    let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
    assert!(
        coupon_handler(COUPON_KEY)
            .handle(lookup(&headers), body.as_bytes())
            .is_ok()
    );
}

#[test]
fn old_style_create_time_is_kept_as_sent() {
    let body = coupon_body().replace("2024-05-21T10:00:05+08:00", "20240521100005");
    let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
    let notification = coupon_handler(COUPON_KEY)
        .handle(lookup(&headers), body.as_bytes())
        .unwrap();
    assert_eq!(notification.create_time, "20240521100005");
    assert_eq!(
        notification
            .create_time_parsed()
            .map(|t| t.unix_timestamp()),
        Some(COUPON_NOW)
    );
}

// ---------------------------------------------------------------------------------------------
// Rejected notifications

#[test]
fn tampered_body_is_a_bad_signature() {
    let tampered = B93_BODY.replace("签约成功", "签约失败");
    let err = b93_handler(B93_NOW)
        .handle(lookup(&b93_headers()), tampered.as_bytes())
        .unwrap_err();
    assert_eq!(
        err,
        NotifyError::Verification(VerificationError::BadSignature {
            serial: B93_SERIAL.into()
        })
    );
    assert_eq!(err.status(), 401);
    let (status, body) = NotificationHandler::failure_response(&err);
    assert_eq!(status, 401);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "FAIL");
    assert!(body["message"].as_str().unwrap().contains("bad signature"));
}

#[test]
fn the_signature_is_checked_before_anything_is_parsed_or_decrypted() {
    // Garbage ciphertext (not even Base64) under a signature that does not match: the answer
    // is the verification error, so the handler never reached the decryption step.
    let garbage = envelope("AEAD_AES_256_GCM", Some(COUPON_AAD), "%%% not base64 %%%");
    let signed_for_other_body = signed(&coupon_body(), COUPON_NOW, PUB_KEY_ID);
    assert_eq!(
        verification(
            coupon_handler(COUPON_KEY).handle(lookup(&signed_for_other_body), garbage.as_bytes())
        ),
        VerificationError::BadSignature {
            serial: PUB_KEY_ID.into()
        }
    );
    // The same garbage, correctly signed, does reach decryption and fails there.
    let headers = signed(&garbage, COUPON_NOW, PUB_KEY_ID);
    assert!(matches!(
        coupon_handler(COUPON_KEY).handle(lookup(&headers), garbage.as_bytes()),
        Err(NotifyError::Decryption(_))
    ));
    // A body that is not JSON at all, unsigned for it: verification, not "malformed".
    assert!(matches!(
        coupon_handler(COUPON_KEY).handle(lookup(&signed_for_other_body), b"not json"),
        Err(NotifyError::Verification(_))
    ));
    // A wrong algorithm under a bad signature: verification too.
    let aes128 = envelope("AEAD_AES_128_GCM", Some(COUPON_AAD), COUPON_CIPHERTEXT);
    assert!(matches!(
        coupon_handler(COUPON_KEY).handle(lookup(&signed_for_other_body), aes128.as_bytes()),
        Err(NotifyError::Verification(_))
    ));
}

#[test]
fn replayed_notifications_fail_the_timestamp_window() {
    // D.3: a stored notification replayed ten minutes later (wechatpay-go#203).
    let kind = verification(
        b93_handler(B93_NOW + 600).handle(lookup(&b93_headers()), B93_BODY.as_bytes()),
    );
    assert_eq!(
        kind,
        VerificationError::StaleTimestamp {
            timestamp: B93_NOW,
            skew_secs: 600
        }
    );
    // Exactly 300 s away is already too far (as wechatpay-go), in both directions.
    for now in [B93_NOW + 300, B93_NOW - 300] {
        assert!(matches!(
            verification(b93_handler(now).handle(lookup(&b93_headers()), B93_BODY.as_bytes())),
            VerificationError::StaleTimestamp { .. }
        ));
    }
    // A derived COUPON.USE notification signed an hour ago.
    let body = coupon_body();
    let headers = signed(&body, COUPON_NOW - 3600, PUB_KEY_ID);
    assert!(matches!(
        verification(coupon_handler(COUPON_KEY).handle(lookup(&headers), body.as_bytes())),
        VerificationError::StaleTimestamp {
            skew_secs: 3600,
            ..
        }
    ));
}

#[test]
fn unknown_serial_is_rejected() {
    let body = coupon_body();
    let headers = signed(&body, COUPON_NOW, "PUB_KEY_ID_0114232134912410000000000000");
    assert_eq!(
        verification(coupon_handler(COUPON_KEY).handle(lookup(&headers), body.as_bytes())),
        VerificationError::UnknownSerial("PUB_KEY_ID_0114232134912410000000000000".into())
    );
    // The B.9.3 certificate serial is not known to a public-key-only handler either.
    assert_eq!(
        verification(
            coupon_handler(B93_KEY)
                .with_clock(Arc::new(FixedClock(B93_NOW)))
                .handle(lookup(&b93_headers()), B93_BODY.as_bytes())
        ),
        VerificationError::UnknownSerial(B93_SERIAL.into())
    );
}

#[test]
fn missing_or_empty_headers_are_rejected() {
    for name in [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    ] {
        let mut headers = b93_headers();
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        assert_eq!(
            verification(b93_handler(B93_NOW).handle(lookup(&headers), B93_BODY.as_bytes())),
            VerificationError::MissingHeader(name),
            "{name} absent"
        );
        set(&mut headers, name, "");
        assert_eq!(
            verification(b93_handler(B93_NOW).handle(lookup(&headers), B93_BODY.as_bytes())),
            VerificationError::MissingHeader(name),
            "{name} empty"
        );
    }
    assert!(matches!(
        verification(b93_handler(B93_NOW).handle(|_| None, B93_BODY.as_bytes())),
        VerificationError::MissingHeader(_)
    ));
    let mut headers = b93_headers();
    set(
        &mut headers,
        "Wechatpay-Signature-Type",
        "WECHATPAY2-SM2-WITH-SM3",
    );
    assert_eq!(
        verification(b93_handler(B93_NOW).handle(lookup(&headers), B93_BODY.as_bytes())),
        VerificationError::UnsupportedSignatureType("WECHATPAY2-SM2-WITH-SM3".into())
    );
}

#[test]
fn signtest_probe_fails_verification() {
    // WeChat Pay's probe traffic: the signature value starts with `WECHATPAY/SIGNTEST/`. It is
    // not special-cased: it fails verification and gets a 4xx.
    for probe in [
        format!("WECHATPAY/SIGNTEST/{B93_SIGNATURE}"),
        "WECHATPAY/SIGNTEST/".to_owned(),
    ] {
        let mut headers = b93_headers();
        set(&mut headers, "Wechatpay-Signature", &probe);
        let err = b93_handler(B93_NOW)
            .handle(lookup(&headers), B93_BODY.as_bytes())
            .unwrap_err();
        assert_eq!(
            err,
            NotifyError::Verification(VerificationError::BadSignature {
                serial: B93_SERIAL.into()
            })
        );
        assert_eq!(NotificationHandler::failure_response(&err).0, 401);
    }
}

#[test]
fn unsupported_algorithm_is_rejected_after_verification() {
    let body = envelope("AEAD_AES_128_GCM", Some(COUPON_AAD), COUPON_CIPHERTEXT);
    let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
    let err = coupon_handler(COUPON_KEY)
        .handle(lookup(&headers), body.as_bytes())
        .unwrap_err();
    assert_eq!(
        err,
        NotifyError::UnsupportedAlgorithm("AEAD_AES_128_GCM".into())
    );
    assert_eq!(err.status(), 500);
}

#[test]
fn wrong_key_is_a_decryption_error() {
    let body = coupon_body();
    let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
    let err = coupon_handler(b"fedcba9876543210fedcba9876543210")
        .handle(lookup(&headers), body.as_bytes())
        .unwrap_err();
    assert!(matches!(err, NotifyError::Decryption(_)), "{err:?}");
    assert_eq!(err.status(), 500);
    let (status, answer) = NotificationHandler::failure_response(&err);
    assert_eq!(status, 500);
    assert!(
        String::from_utf8(answer)
            .unwrap()
            .contains(r#""code":"FAIL""#)
    );
    // Right key, wrong associated data: the same.
    let body = envelope("AEAD_AES_256_GCM", Some("certificate"), COUPON_CIPHERTEXT);
    let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
    assert!(matches!(
        coupon_handler(COUPON_KEY).handle(lookup(&headers), body.as_bytes()),
        Err(NotifyError::Decryption(_))
    ));
}

#[test]
fn malformed_envelopes_and_resources_are_rejected_after_verification() {
    let handler = coupon_handler(COUPON_KEY);
    for body in [
        "not json".to_owned(),
        r#"{"id":"x","event_type":"COUPON.USE"}"#.to_owned(),
        coupon_body().replace(r#""nonce":"abcdefghijkl""#, r#""nonce":12"#),
        coupon_body().replace(
            r#""id":"8b33f79f-8869-5ae5-b41b-3c0b59f957d0""#,
            r#""id":"""#,
        ),
    ] {
        let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
        let err = handler
            .handle(lookup(&headers), body.as_bytes())
            .unwrap_err();
        assert!(
            matches!(err, NotifyError::MalformedEnvelope(_)),
            "{body}: {err:?}"
        );
        assert_eq!(err.status(), 500);
    }
    // A COUPON.USE resource without `coupon_id` decrypts but does not decode.
    let key = ApiV3Key::new(*COUPON_KEY).unwrap();
    let ciphertext = key
        .encrypt(
            COUPON_NONCE,
            COUPON_AAD,
            br#"{"stock_creator_mchid":"1","stock_id":"2"}"#,
        )
        .unwrap();
    let body = envelope("AEAD_AES_256_GCM", Some(COUPON_AAD), &ciphertext);
    let headers = signed(&body, COUPON_NOW, PUB_KEY_ID);
    let err = handler
        .handle(lookup(&headers), body.as_bytes())
        .unwrap_err();
    match &err {
        NotifyError::ResourceDecode {
            event_type,
            message,
        } => {
            assert_eq!(event_type, "COUPON.USE");
            assert!(message.contains("coupon_id"), "{message}");
        }
        other => panic!("expected ResourceDecode, got {other:?}"),
    }
    assert_eq!(err.status(), 500);
}

#[test]
fn success_answer_and_secrets() {
    assert_eq!(NotificationHandler::success_response(), (204, Vec::new()));
    let handler = coupon_handler(COUPON_KEY);
    let debug = format!("{handler:?}");
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
    assert!(debug.contains(PUB_KEY_ID), "{debug}");
    let debug = format!("{:?}", b93_handler(B93_NOW));
    assert!(!debug.contains("testMchAPIv3Key0"), "{debug}");
    assert!(NotificationHandler::with_key_bytes(Verifier::new(), b"short".to_vec()).is_err());
}
