//! The official WeChat Pay test vectors (and the ones derived from the published wechatpay-go
//! test key) for request signing, response and notification verification, and AEAD decryption:
//! domain reference sections B.9 and C.
//!
//! Long on purpose: it is the table of official vectors, one test each, kept in the reference's
//! order so that it can be checked against it.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wechatpay_apiv3::auth::{
    ApiV3Key, AuthorizationParams, FixedClock, FixedNonce, MerchantPrivateKey, NonceSource,
    RandomNonce, ResponseHeaders, SIGNATURE_TYPE, Signer, Verifier, WechatPayPublicKey, aead,
    request_message, response_message,
};
use wechatpay_apiv3::error::VerificationError;

const KEY_PEM: &str = include_str!("fixtures/wechatpay-go-test-key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("fixtures/wechatpay-go-test-pubkey.pem");
const CERT_PEM: &str = include_str!("fixtures/wechatpay-go-test-cert.pem");

fn key() -> MerchantPrivateKey {
    MerchantPrivateKey::from_pem(KEY_PEM).expect("the wechatpay-go test key parses")
}

fn public_key() -> WechatPayPublicKey {
    WechatPayPublicKey::from_pem(PUBLIC_KEY_PEM).expect("the wechatpay-go test public key parses")
}

fn signature_param(header: &str) -> String {
    AuthorizationParams::parse(header)
        .expect("our own header parses")
        .signature
}

// ---------------------------------------------------------------------------------------------
// B.9.1 wechatpay-go `sha256withrsa_signer_test.go`

const B91_SIGNATURE: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

#[test]
fn b91_signs_source_into_the_official_signature() {
    assert_eq!(key().sign_base64(b"source"), B91_SIGNATURE);
}

#[test]
fn b91_signature_verifies_with_the_public_key_and_fails_for_wrong_source() {
    let public_key = public_key();
    assert!(public_key.verify_base64(b"source", B91_SIGNATURE));
    assert!(!public_key.verify_base64(b"wrong source", B91_SIGNATURE));
    assert!(!public_key.verify_base64(b"source", "not base64!"));
    assert!(!public_key.verify_base64(b"source", "WECHATPAY/SIGNTEST/abc"));
}

#[test]
fn b91_key_loads_from_file_and_exposes_the_matching_public_key() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/wechatpay-go-test-key.pem"
    );
    let key = MerchantPrivateKey::from_pem_file(path).unwrap();
    assert_eq!(key.sign_base64(b"source"), B91_SIGNATURE);
    assert_eq!(
        key.public_key().unwrap().spki_der(),
        public_key().spki_der()
    );

    let missing = MerchantPrivateKey::from_pem_file("/nonexistent/apiclient_key.pem").unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("/nonexistent/apiclient_key.pem"),
        "{missing}"
    );
}

#[test]
fn b91_wrong_pem_kinds_are_config_errors() {
    use wechatpay_apiv3::Error;
    // The Go test file's own `TESTING KEY` label is not a PKCS#8 section.
    let go_label = KEY_PEM.replace("PRIVATE KEY", "TESTING KEY");
    let err = MerchantPrivateKey::from_pem(&go_label).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("BEGIN PRIVATE KEY"), "{err}");
    // A public key where the private key belongs (a real-world config mix-up).
    assert!(matches!(
        MerchantPrivateKey::from_pem(PUBLIC_KEY_PEM),
        Err(Error::Config(_))
    ));
    // And the other way round.
    assert!(matches!(
        WechatPayPublicKey::from_pem(KEY_PEM),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        WechatPayPublicKey::from_certificate_pem(PUBLIC_KEY_PEM),
        Err(Error::Config(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// B.9.2 wechatpay-go `wechat_pay_credential_test.go` (there with a mock signer)

fn b92_signer() -> Signer {
    Signer::new("1234567890", "0123456789ABC", key())
        .with_clock(Arc::new(FixedClock(1624523846)))
        .with_nonce(Arc::new(FixedNonce("A1B2C3D4E5F6G7".into())))
}

#[test]
fn b92_request_messages() {
    assert_eq!(
        request_message("GET", "/v3/certificates", 1624523846, "A1B2C3D4E5F6G7", b""),
        b"GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n"
    );
    // The body's own trailing `\n` plus the terminator.
    assert_eq!(
        request_message(
            "POST",
            "/v3/certificates",
            1624523846,
            "A1B2C3D4E5F6G7",
            b"Hello World!\n"
        ),
        b"POST\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\nHello World!\n\n"
    );
}

#[test]
fn b92_authorization_header_layout() {
    let signer = b92_signer();
    assert_eq!(signer.mchid(), "1234567890");
    assert_eq!(signer.serial(), "0123456789ABC");
    let public_key = public_key();

    for (method, body, message) in [
        (
            "GET",
            &b""[..],
            &b"GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n"[..],
        ),
        (
            "POST",
            &b"Hello World!\n"[..],
            &b"POST\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\nHello World!\n\n"[..],
        ),
    ] {
        let header = signer.authorization(method, "/v3/certificates", body);
        let prefix = "WECHATPAY2-SHA256-RSA2048 mchid=\"1234567890\",nonce_str=\"A1B2C3D4E5F6G7\",timestamp=\"1624523846\",serial_no=\"0123456789ABC\",signature=\"";
        let signature = header
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or_else(|| panic!("unexpected layout: {header}"));
        assert!(!signature.contains('"'));
        // PKCS#1 v1.5 is deterministic, so the header is fully determined by the message.
        assert_eq!(signature, key().sign_base64(message));
        assert!(public_key.verify_base64(message, signature), "{method}");
        assert!(!public_key.verify_base64(
            b"GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\nx\n",
            signature
        ));
    }
}

#[test]
fn b92_header_is_signed_afresh_from_the_clock_and_nonce_source() {
    let later = b92_signer().with_clock(Arc::new(FixedClock(1624523847)));
    let header = later.authorization("GET", "/v3/certificates", b"");
    assert!(header.contains("timestamp=\"1624523847\""), "{header}");
    let random = b92_signer().with_nonce(Arc::new(RandomNonce));
    let (a, b) = (
        AuthorizationParams::parse(&random.authorization("GET", "/v3/certificates", b"")).unwrap(),
        AuthorizationParams::parse(&random.authorization("GET", "/v3/certificates", b"")).unwrap(),
    );
    assert_ne!(a.nonce_str, b.nonce_str);
    assert_ne!(a.signature, b.signature);
}

// ---------------------------------------------------------------------------------------------
// B.9.5 #1 and #2: cash-coupon requests signed with the wechatpay-go test key

const B95_OPENID_PATH: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons";
const B95_SEND_BODY: &str = r#"{"stock_id":"9856000","out_request_no":"89560002019101000121","appid":"wx233544546545989","stock_creator_mchid":"8956000"}"#;
const B95_SEND_SIGNATURE: &str = "FZ2KZrYA5fgu3uoI0G+FR5SIlyGybeWMdsi8n1gx/tyrSWI6eIImgyOTfHqj28U35pIc8md9I7zOMFEKWj/MvgwDkPMnxRRg2A0ZHF087RyULH/XixlXMTO9MehTyvZBFsOPLV+0xL2T+HjRpfOj8oTbuL2l7f5ukEpEqL+C05ReSxdv3U/WGna4AekAkp7hYXn3IvC0WiC8RRFYO1B9INcP0xVygK8L1WQbh6VuvZe6BRZ2oVN9fRMSQN7yy3WkanD9T4q3AQ07t86OnJix0RcNhRu4D5lyA2EYZcWNhG9ELRwNilfE/mWWPYXYMigiEFXGDZXLQB9X0+2YnDFjVA==";
const B95_LIST_SIGNATURE: &str = "W84ZB/UMcAitBJuLfTte+/E91lQuyLMeKDrWUnbxhS5UppOyDtBdjYZqpM1Z3r/OSjvebQ6/PwfNzxxT7x1NxrNSPJrmzctDlx9+m1hHRMtej3dZJZB4nW3EOu1J++WgA118eR2oDi4H5dVi1njuV8QN19grAkew3BXOgXzSdxqgU5q1tAmL+SkJkKpbxMh1gNQ3frhFu1mDQDbS8v00K5S+J5zqKSYOVbBpDSQFntGXiHp7gaUf8BBxoRg+g6eXyWCJSSWj+yfRrwWIkyzbqJWscltWxDdpIcX4hmvFeksPr/PpubccGcxmLuXECvkZeE1Ktp01x9d5bhP2aTfMuw==";

fn b95_signer() -> Signer {
    Signer::new("1900009191", "F5765756002FDD77", key())
        .with_clock(Arc::new(FixedClock(1554208460)))
        .with_nonce(Arc::new(FixedNonce(
            "593BEC0C930BF1AFEB40B4A08C8FB242".into(),
        )))
}

#[test]
fn b95_1_send_coupon_request_signature() {
    let expected_message = format!(
        "POST\n{B95_OPENID_PATH}\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{B95_SEND_BODY}\n"
    );
    assert_eq!(
        request_message(
            "POST",
            B95_OPENID_PATH,
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            B95_SEND_BODY.as_bytes()
        ),
        expected_message.as_bytes()
    );
    let header = b95_signer().authorization("POST", B95_OPENID_PATH, B95_SEND_BODY.as_bytes());
    assert_eq!(
        header,
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",timestamp=\"1554208460\",serial_no=\"F5765756002FDD77\",signature=\"{B95_SEND_SIGNATURE}\""
        )
    );
    assert!(public_key().verify_base64(expected_message.as_bytes(), B95_SEND_SIGNATURE));
}

#[test]
fn b95_2_list_coupons_request_signature() {
    let target = format!(
        "{B95_OPENID_PATH}?appid=wx233544546545989&creator_mchid=8956000&limit=10&offset=0&status=SENDED"
    );
    let header = b95_signer().authorization("GET", &target, b"");
    assert_eq!(signature_param(&header), B95_LIST_SIGNATURE);
    assert_eq!(
        b95_signer().authorization_at(
            "GET",
            &target,
            b"",
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242"
        ),
        header
    );
    // The query is part of what is signed (a classic cause of 401 SIGN_ERROR).
    let without_query = b95_signer().authorization("GET", B95_OPENID_PATH, b"");
    assert_ne!(signature_param(&without_query), B95_LIST_SIGNATURE);
}

// ---------------------------------------------------------------------------------------------
// B.9.5 #3 and #4: a simulated WeChat Pay response, verified with a public key

const B95_TS: &str = "1554209980";
const B95_TS_SECS: i64 = 1554209980;
const B95_NONCE: &str = "c5ac7061fccab6bf3e254dcf98995b8c";
const B95_RESPONSE_BODY: &[u8] = br#"{"coupon_id":"9867041"}"#;
const B95_RESPONSE_SIGNATURE: &str = "r2Gcf72xMsWpibeGKFaIqoRTgErX36yWk9GYwADjfgrdWW4AZ9mq2yTNVclwQiL0VpKUO8SlvKfKotHREn6jNFJ0BDMv+6tIuDUcqKZAzSxjMit1cDd5IkbtiBWBUjNPVxsUe0Sc7n4U1dscEp6PHlMwDNoeP58BcImLEtDNi+NTmLKLsrpVFzzxzJcEYsaBI72ErhnMN8wzL61jBM2NTBryuhWFOfXZMNOVw3VSMD6fid/N1703hbZYJKHMl0X6cfTXFKlkfz0501wUI3CztYXTV8UsMYmOkIvrfuSKZYC8hTJREPPtWpsx/T0TPOcXOJ323kcAePY0KJNUxuM3bA==";
const B95_EMPTY_SIGNATURE: &str = "2KjblL4kjCDgxa69eexKN10rB7UdPqmw2wn4slUaPHCYLY1TAwScXSMnPIZ2fv6jkqI0x25yOWhl+ZSXR6PNPbG/clJrcqNzzFJtzTAyZ4YDyAINaPAiIY4qZYm6t/XIYqEkDKlBUG+NwOJe+96vbciGPD5dv58TbUBaHgdcz8gfYeYwbB4hf7pOOg1YJZPwhQdB1iPgQcaGzYZn0b43efi4qwDiIXl1wgyIAXsQxKyOIQAwbS8tgloL+GOr61Px0BGGwmh/0D5j1X4mZA1dxFyprU4mB95W4n3WpQmEJz91luUBqMfz3jo1zxRmLFjJDVdd2/qct0WD6fzD3HyQvw==";
const PUB_KEY_ID: &str = "PUB_KEY_ID_TEST";

fn pubkey_verifier(now: i64) -> Verifier {
    let mut verifier = Verifier::new().with_clock(Arc::new(FixedClock(now)));
    verifier
        .add_public_key_pem(PUB_KEY_ID, PUBLIC_KEY_PEM)
        .unwrap();
    verifier
}

fn b95_headers(signature: &str) -> ResponseHeaders<'_> {
    ResponseHeaders {
        timestamp: Some(B95_TS),
        nonce: Some(B95_NONCE),
        signature: Some(signature),
        serial: Some(PUB_KEY_ID),
        signature_type: Some(SIGNATURE_TYPE),
    }
}

#[test]
fn b95_3_response_verifies() {
    assert_eq!(
        response_message(B95_TS, B95_NONCE, B95_RESPONSE_BODY),
        br#"1554209980
c5ac7061fccab6bf3e254dcf98995b8c
{"coupon_id":"9867041"}
"#
    );
    for now in [B95_TS_SECS, B95_TS_SECS + 299, B95_TS_SECS - 299] {
        let verifier = pubkey_verifier(now);
        assert_eq!(
            verifier.verify(&b95_headers(B95_RESPONSE_SIGNATURE), B95_RESPONSE_BODY),
            Ok(()),
            "now={now}"
        );
    }
    // `Wechatpay-Signature-Type` is optional.
    let headers = ResponseHeaders {
        signature_type: None,
        ..b95_headers(B95_RESPONSE_SIGNATURE)
    };
    assert_eq!(
        pubkey_verifier(B95_TS_SECS).verify(&headers, B95_RESPONSE_BODY),
        Ok(())
    );
}

#[test]
fn b95_4_empty_204_response_verifies() {
    assert_eq!(
        response_message(B95_TS, B95_NONCE, b""),
        b"1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n\n"
    );
    let verifier = pubkey_verifier(B95_TS_SECS + 10);
    assert_eq!(
        verifier.verify(&b95_headers(B95_EMPTY_SIGNATURE), b""),
        Ok(())
    );
    // Each signature belongs to its own body.
    assert!(matches!(
        verifier.verify(&b95_headers(B95_EMPTY_SIGNATURE), B95_RESPONSE_BODY),
        Err(VerificationError::BadSignature { .. })
    ));
    assert!(matches!(
        verifier.verify(&b95_headers(B95_RESPONSE_SIGNATURE), b""),
        Err(VerificationError::BadSignature { .. })
    ));
}

#[test]
fn b95_response_headers_are_looked_up_by_canonical_name() {
    let raw = [
        ("wechatpay-timestamp", B95_TS),
        ("WECHATPAY-NONCE", B95_NONCE),
        ("Wechatpay-Signature", B95_RESPONSE_SIGNATURE),
        ("wechatpay-serial", PUB_KEY_ID),
        ("wechatpay-signature-type", SIGNATURE_TYPE),
        (
            "request-id",
            "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0",
        ),
    ];
    let headers = ResponseHeaders::from_lookup(|name| {
        raw.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    });
    assert_eq!(headers, b95_headers(B95_RESPONSE_SIGNATURE));
    assert_eq!(
        pubkey_verifier(B95_TS_SECS).verify(&headers, B95_RESPONSE_BODY),
        Ok(())
    );
}

#[test]
fn b95_rejects_missing_or_empty_headers() {
    let verifier = pubkey_verifier(B95_TS_SECS);
    let full = b95_headers(B95_RESPONSE_SIGNATURE);
    type Strip = fn(&mut ResponseHeaders<'static>, Option<&'static str>);
    let cases: [(&str, Strip); 4] = [
        ("Wechatpay-Timestamp", |h, v| h.timestamp = v),
        ("Wechatpay-Nonce", |h, v| h.nonce = v),
        ("Wechatpay-Signature", |h, v| h.signature = v),
        ("Wechatpay-Serial", |h, v| h.serial = v),
    ];
    for (name, strip) in cases {
        for value in [None, Some("")] {
            let mut headers = full;
            strip(&mut headers, value);
            assert_eq!(
                verifier.verify(&headers, B95_RESPONSE_BODY),
                Err(VerificationError::MissingHeader(name)),
                "{name} = {value:?}"
            );
        }
    }
    // Error responses without any Wechatpay-* header report the first missing one, not a skew.
    assert_eq!(
        verifier.verify(&ResponseHeaders::default(), b""),
        Err(VerificationError::MissingHeader("Wechatpay-Timestamp"))
    );
}

#[test]
fn b95_rejects_unknown_serial() {
    let verifier = pubkey_verifier(B95_TS_SECS);
    for serial in ["PUB_KEY_ID_OTHER", "pub_key_id_test", "D7CE59D1F522D701"] {
        let headers = ResponseHeaders {
            serial: Some(serial),
            ..b95_headers(B95_RESPONSE_SIGNATURE)
        };
        assert_eq!(
            verifier.verify(&headers, B95_RESPONSE_BODY),
            Err(VerificationError::UnknownSerial(serial.into()))
        );
    }
}

#[test]
fn b95_rejects_tampered_body_and_signature() {
    let verifier = pubkey_verifier(B95_TS_SECS);
    let bad = Err(VerificationError::BadSignature {
        serial: PUB_KEY_ID.into(),
    });
    let headers = b95_headers(B95_RESPONSE_SIGNATURE);
    assert_eq!(
        verifier.verify(&headers, br#"{"coupon_id":"9867042"}"#),
        bad
    );
    // A re-serialized body (pretty JSON) is not what was signed.
    assert_eq!(
        verifier.verify(&headers, br#"{"coupon_id": "9867041"}"#),
        bad
    );
    assert_eq!(
        verifier.verify(&headers, b"{\"coupon_id\":\"9867041\"}\n"),
        bad
    );
    // A different nonce is a different message.
    let other_nonce = ResponseHeaders {
        nonce: Some("c5ac7061fccab6bf3e254dcf98995b8d"),
        ..headers
    };
    assert_eq!(verifier.verify(&other_nonce, B95_RESPONSE_BODY), bad);
    // Probe traffic and undecodable signatures just fail.
    for signature in ["WECHATPAY/SIGNTEST/r2Gcf72x", "%%%", B95_B91_SIGNATURE_SWAP] {
        assert_eq!(
            verifier.verify(&b95_headers(signature), B95_RESPONSE_BODY),
            bad,
            "{signature}"
        );
    }
}

/// A valid signature by the right key, of another message.
const B95_B91_SIGNATURE_SWAP: &str = B91_SIGNATURE;

#[test]
fn b95_rejects_stale_timestamps_in_both_directions() {
    let headers = b95_headers(B95_RESPONSE_SIGNATURE);
    assert_eq!(
        pubkey_verifier(B95_TS_SECS + 300).verify(&headers, B95_RESPONSE_BODY),
        Err(VerificationError::StaleTimestamp {
            timestamp: B95_TS_SECS,
            skew_secs: 300
        })
    );
    assert_eq!(
        pubkey_verifier(B95_TS_SECS - 300).verify(&headers, B95_RESPONSE_BODY),
        Err(VerificationError::StaleTimestamp {
            timestamp: B95_TS_SECS,
            skew_secs: -300
        })
    );
    // Replaying a stored response much later (wechatpay-go#203).
    assert!(matches!(
        pubkey_verifier(B95_TS_SECS + 86_400).verify(&headers, B95_RESPONSE_BODY),
        Err(VerificationError::StaleTimestamp { .. })
    ));
}

#[test]
fn b95_rejects_malformed_timestamps() {
    let verifier = pubkey_verifier(B95_TS_SECS);
    for timestamp in [
        "abc",
        "1554209980000",
        "+1554209980",
        "1554209980.0",
        " 1554209980",
        "99999999999999999999",
    ] {
        let headers = ResponseHeaders {
            timestamp: Some(timestamp),
            ..b95_headers(B95_RESPONSE_SIGNATURE)
        };
        let result = verifier.verify(&headers, B95_RESPONSE_BODY);
        if timestamp == "1554209980000" {
            // Milliseconds parse, but are absurdly far away.
            assert!(
                matches!(result, Err(VerificationError::StaleTimestamp { .. })),
                "{result:?}"
            );
        } else {
            assert_eq!(
                result,
                Err(VerificationError::MalformedTimestamp(timestamp.into()))
            );
        }
    }
}

#[test]
fn b95_rejects_other_signature_types() {
    let verifier = pubkey_verifier(B95_TS_SECS);
    for kind in [
        "WECHATPAY2-SM2-WITH-SM3",
        "wechatpay2-sha256-rsa2048",
        "HMAC-SHA256",
    ] {
        let headers = ResponseHeaders {
            signature_type: Some(kind),
            ..b95_headers(B95_RESPONSE_SIGNATURE)
        };
        assert_eq!(
            verifier.verify(&headers, B95_RESPONSE_BODY),
            Err(VerificationError::UnsupportedSignatureType(kind.into()))
        );
    }
}

#[test]
fn b95_checks_run_in_the_documented_order() {
    let now = B95_TS_SECS + 1000;
    let verifier = pubkey_verifier(now);
    // Missing header before signature type.
    let h = ResponseHeaders {
        serial: None,
        signature_type: Some("X"),
        ..b95_headers("bad")
    };
    assert_eq!(
        verifier.verify(&h, b""),
        Err(VerificationError::MissingHeader("Wechatpay-Serial"))
    );
    // Signature type before malformed timestamp.
    let h = ResponseHeaders {
        timestamp: Some("x"),
        signature_type: Some("X"),
        ..b95_headers("bad")
    };
    assert_eq!(
        verifier.verify(&h, b""),
        Err(VerificationError::UnsupportedSignatureType("X".into()))
    );
    // Malformed timestamp before unknown serial.
    let h = ResponseHeaders {
        timestamp: Some("x"),
        serial: Some("NOPE"),
        ..b95_headers("bad")
    };
    assert_eq!(
        verifier.verify(&h, b""),
        Err(VerificationError::MalformedTimestamp("x".into()))
    );
    // Stale before unknown serial.
    let h = ResponseHeaders {
        serial: Some("NOPE"),
        ..b95_headers("bad")
    };
    assert!(matches!(
        verifier.verify(&h, b""),
        Err(VerificationError::StaleTimestamp { .. })
    ));
    // Unknown serial before bad signature.
    let fresh = pubkey_verifier(B95_TS_SECS);
    let h = ResponseHeaders {
        serial: Some("NOPE"),
        ..b95_headers("bad")
    };
    assert_eq!(
        fresh.verify(&h, b""),
        Err(VerificationError::UnknownSerial("NOPE".into()))
    );
}

// ---------------------------------------------------------------------------------------------
// B.9.3 wechatpay-go `notify_test.go`: a signed, encrypted notification

const B93_NONCE: &str = "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz";
const B93_TIMESTAMP: &str = "1624523846";
const B93_SIGNATURE: &str = "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==";
const B93_BODY: &str = r#"{"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00","resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功","resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM","ciphertext":"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZttevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==","associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}}"#;
const B93_PLAINTEXT: &str = r#"{"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c","create_time":"2020-06-30T12:12:00+08:00","out_contract_code":"21640bdbd08e473e828f3206a2741c6e"}"#;

#[test]
fn b93_certificate_serial_strips_the_der_sign_byte() {
    // DER encodes this serial as 00 D7 CE ...; Go's `%X` of `SerialNumber.Bytes()` has no 00.
    let (serial, key) = WechatPayPublicKey::from_certificate_pem(CERT_PEM).unwrap();
    assert_eq!(serial, "D7CE59D1F522D701");
    assert_eq!(key.spki_der(), public_key().spki_der());
    assert!(key.verify_base64(b"source", B91_SIGNATURE));
}

fn b93_headers() -> ResponseHeaders<'static> {
    ResponseHeaders {
        timestamp: Some(B93_TIMESTAMP),
        nonce: Some(B93_NONCE),
        signature: Some(B93_SIGNATURE),
        serial: Some("D7CE59D1F522D701"),
        signature_type: Some(SIGNATURE_TYPE),
    }
}

#[test]
fn b93_notification_signature_verifies_with_the_certificate() {
    let mut verifier = Verifier::new().with_clock(Arc::new(FixedClock(1624523846)));
    assert_eq!(
        verifier.add_platform_certificate_pem(CERT_PEM).unwrap(),
        "D7CE59D1F522D701"
    );
    assert_eq!(verifier.verify(&b93_headers(), B93_BODY.as_bytes()), Ok(()));

    let tampered = B93_BODY.replace("签约成功", "签约失败");
    assert_eq!(
        verifier.verify(&b93_headers(), tampered.as_bytes()),
        Err(VerificationError::BadSignature {
            serial: "D7CE59D1F522D701".into()
        })
    );
    // The certificate does not make the verifier accept a public-key ID, or vice versa.
    let as_pubkey = ResponseHeaders {
        serial: Some(PUB_KEY_ID),
        ..b93_headers()
    };
    assert_eq!(
        verifier.verify(&as_pubkey, B93_BODY.as_bytes()),
        Err(VerificationError::UnknownSerial(PUB_KEY_ID.into()))
    );
}

#[test]
fn b93_notification_resource_decrypts_with_the_16_byte_go_key() {
    let envelope: serde_json::Value = serde_json::from_str(B93_BODY).unwrap();
    let resource = &envelope["resource"];
    assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM");
    let field = |name: &str| resource[name].as_str().unwrap().to_owned();
    let plaintext = aead::decrypt(
        b"testMchAPIv3Key0",
        &field("nonce"),
        &field("associated_data"),
        &field("ciphertext"),
    )
    .unwrap();
    assert_eq!(String::from_utf8(plaintext).unwrap(), B93_PLAINTEXT);

    // The right key with the wrong associated data or nonce fails authentication.
    assert!(
        aead::decrypt(
            b"testMchAPIv3Key0",
            &field("nonce"),
            "coupon",
            &field("ciphertext")
        )
        .is_err()
    );
    assert!(
        aead::decrypt(
            b"testMchAPIv3Key0",
            "Kj7QIyUiYx1r",
            &field("associated_data"),
            &field("ciphertext")
        )
        .is_err()
    );
    // A 16-byte key is only for this vector: the APIv3 key type wants 32 bytes.
    assert!(ApiV3Key::new("testMchAPIv3Key0").is_err());
}

#[test]
fn go_utils_aes_test_vector() {
    let plaintext = aead::decrypt(
        b"testAPIv3Key0000",
        "wCq51qZv4Yfg",
        "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
        "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC",
    )
    .unwrap();
    assert_eq!(plaintext, b"Hello World");
    assert_eq!(
        aead::encrypt(
            b"testAPIv3Key0000",
            "wCq51qZv4Yfg",
            "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
            b"Hello World"
        )
        .unwrap(),
        "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC"
    );
}

// ---------------------------------------------------------------------------------------------
// B.9.5 #5 AEAD_AES_256_GCM with a 32-byte key (a COUPON.USE resource)

const B95_AEAD_KEY: &str = "0123456789abcdef0123456789abcdef";
const B95_AEAD_NONCE: &str = "abcdefghijkl";
const B95_AEAD_AAD: &str = "coupon";
const B95_AEAD_PLAINTEXT: &str = r#"{"stock_creator_mchid":"8956000","stock_id":"9856000","coupon_id":"9867041","coupon_name":"微信支付代金券","status":"USED","description":"微信支付营销","create_time":"2024-05-20T13:29:35+08:00","coupon_type":"NORMAL","no_cash":false,"available_begin_time":"2024-05-20T00:00:00+08:00","available_end_time":"2024-06-20T23:59:59+08:00","singleitem":false,"normal_coupon_information":{"coupon_amount":100,"transaction_minimum":100},"consume_information":{"consume_time":"2024-05-21T10:00:00+08:00","consume_mchid":"8956000","transaction_id":"4200000000000000000000000000"}}"#;
const B95_AEAD_CIPHERTEXT: &str = "Eu66y6SGBowAbpdwfvYqYDFS03bdolV5JocLquJs/shA6tOIQTeZ/CMesposqr/oqGWMhJlyVJixij8iwvLhIe7Jq/TCxlF9MWghRAsLi0iKmoUrxv5KbPNrUjefEZ6KEGlnFR0T0uobbIEY61XoFymW3i1fMwUPjAatce0fCE7zNBRpbIwNxqcS82ORa/rSthGZUi5//PBQWDxqMg+K3xFrvaQqnY6ljyphJSvC/1jcYCsmoK7nnBHThP7ZZ/O+zixKTb80WYZ+xZfBDgnalv1MS6qfsM0RG/p8i+3opByJGT02K2YQBA6FLBTwrbiUIk4fCJ20EZy06x+NBDcxqtU8zquX4Az6Tk3EuDvow6fSsTfa+8r5lDCcj3xUpNUrZbV2W6DSzz2KaSmsbkcHmQ1afLnoxLV3NosBgIgUuij23db+zkFUswmGVsnUh1DHtkyPuwJSI0kM1pn/y/ZuuDmeXYeFGR17t1On1uul9q9hVrRQDfQ1PPrL5c+yy2/qZi3OxmT6qiyk0fdkkORkQx8VGMAS4l0yFXYF0wA9w8xZKK2jiSw0Y/PxjUO0oVtuw5baM6oe8qKe9bO3P6NF1xr/TN0/XWdUraYMPafAjJp1yN8ZxP3Iq1G1h1nk1VLSSGATM/3JTI0RZzpjOAiSHM3kQjb1EVghZxUT1WOeAvVdOpuNjqGBeF/s/MkwkLCwrKeX9j0dQF2tLgqwmSqIwvSg/poSz/eoK4OvYuxSxEgeEYK01oiTCLHw9sdAIgeWfFdpcG+cpcJM/H6bhlwzuFY0Qcvk7Q==";

#[test]
fn b95_5_aes_256_gcm_decrypts() {
    let plaintext = aead::decrypt(
        B95_AEAD_KEY.as_bytes(),
        B95_AEAD_NONCE,
        B95_AEAD_AAD,
        B95_AEAD_CIPHERTEXT,
    )
    .unwrap();
    assert_eq!(String::from_utf8(plaintext).unwrap(), B95_AEAD_PLAINTEXT);

    let key = ApiV3Key::new(B95_AEAD_KEY).unwrap();
    let plaintext = key
        .decrypt(B95_AEAD_NONCE, B95_AEAD_AAD, B95_AEAD_CIPHERTEXT)
        .unwrap();
    let coupon: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
    assert_eq!(coupon["coupon_id"], "9867041");
    assert_eq!(coupon["status"], "USED");
}

#[test]
fn b95_5_encrypt_round_trips_to_the_vector() {
    let key = ApiV3Key::new(B95_AEAD_KEY.as_bytes().to_vec()).unwrap();
    let plaintext = key
        .decrypt(B95_AEAD_NONCE, B95_AEAD_AAD, B95_AEAD_CIPHERTEXT)
        .unwrap();
    // AES-GCM is deterministic for a given key and nonce.
    assert_eq!(
        key.encrypt(B95_AEAD_NONCE, B95_AEAD_AAD, &plaintext)
            .unwrap(),
        B95_AEAD_CIPHERTEXT
    );
    assert_eq!(
        aead::encrypt(
            B95_AEAD_KEY.as_bytes(),
            B95_AEAD_NONCE,
            B95_AEAD_AAD,
            &plaintext
        )
        .unwrap(),
        B95_AEAD_CIPHERTEXT
    );
}

#[test]
fn b95_5_tampered_ciphertext_fails() {
    let key = ApiV3Key::new(B95_AEAD_KEY).unwrap();
    let sealed = STANDARD.decode(B95_AEAD_CIPHERTEXT).unwrap();
    // One flipped bit in the ciphertext body, and one in the tag.
    for index in [0, sealed.len() - 1] {
        let mut tampered = sealed.clone();
        tampered[index] ^= 0x01;
        let err = key
            .decrypt(B95_AEAD_NONCE, B95_AEAD_AAD, &STANDARD.encode(&tampered))
            .unwrap_err();
        assert!(matches!(err, wechatpay_apiv3::Error::Config(_)), "{err:?}");
    }
    // Truncated (tag cut off), empty associated data, wrong key, not Base64.
    assert!(
        key.decrypt(
            B95_AEAD_NONCE,
            B95_AEAD_AAD,
            &STANDARD.encode(&sealed[..sealed.len() - 16])
        )
        .is_err()
    );
    assert!(
        key.decrypt(B95_AEAD_NONCE, "", B95_AEAD_CIPHERTEXT)
            .is_err()
    );
    let other = ApiV3Key::new("0123456789abcdef0123456789abcdeF").unwrap();
    assert!(
        other
            .decrypt(B95_AEAD_NONCE, B95_AEAD_AAD, B95_AEAD_CIPHERTEXT)
            .is_err()
    );
    assert!(
        key.decrypt(B95_AEAD_NONCE, B95_AEAD_AAD, "not base64!")
            .is_err()
    );
}

// ---------------------------------------------------------------------------------------------
// Verifier key map: platform certificates and PUB_KEY_ID_ keys side by side (B.7, D.1)

#[test]
fn verifier_holds_certificates_and_public_keys_at_once() {
    let mut verifier = Verifier::new().with_clock(Arc::new(FixedClock(B95_TS_SECS)));
    assert_eq!(verifier.preferred_serial(), None);
    let serial = verifier.add_platform_certificate_pem(CERT_PEM).unwrap();
    assert_eq!(
        verifier.preferred_serial().as_deref(),
        Some("D7CE59D1F522D701")
    );
    verifier
        .add_public_key_pem("PUB_KEY_ID_0114232134912410000000000000", PUBLIC_KEY_PEM)
        .unwrap();
    verifier.add_key(PUB_KEY_ID, public_key());

    assert_eq!(
        verifier.serials(),
        [
            serial.as_str(),
            "PUB_KEY_ID_0114232134912410000000000000",
            PUB_KEY_ID
        ]
    );
    assert!(verifier.contains("D7CE59D1F522D701"));
    assert!(verifier.contains(PUB_KEY_ID));
    // Serials are opaque strings: no case folding, no hex parsing.
    assert!(!verifier.contains("d7ce59d1f522d701"));
    assert!(!verifier.contains("00D7CE59D1F522D701"));
    // The public key steers WeChat Pay's gray switch, so it wins over certificates.
    assert_eq!(verifier.preferred_serial().as_deref(), Some(PUB_KEY_ID));

    // Both kinds verify through the same verifier.
    assert_eq!(
        verifier.verify(&b95_headers(B95_RESPONSE_SIGNATURE), B95_RESPONSE_BODY),
        Ok(())
    );
    let via_cert = ResponseHeaders {
        serial: Some("D7CE59D1F522D701"),
        ..b95_headers(B95_RESPONSE_SIGNATURE)
    };
    assert_eq!(verifier.verify(&via_cert, B95_RESPONSE_BODY), Ok(()));

    // Debug names the keys it holds, and nothing else of them.
    let debug = format!("{verifier:?}");
    assert!(
        debug.contains("D7CE59D1F522D701") && debug.contains(PUB_KEY_ID),
        "{debug}"
    );
    assert!(!debug.contains("MIIBIjAN"), "{debug}");
}

#[test]
fn verifier_clones_are_independent_and_re_adding_moves_a_key_to_the_end() {
    let mut verifier = Verifier::new();
    verifier.add_platform_certificate_pem(CERT_PEM).unwrap();
    let snapshot = verifier.clone();
    verifier.add_key("7F00000000000001", public_key());
    assert_eq!(snapshot.serials(), ["D7CE59D1F522D701"]);
    assert_eq!(verifier.serials(), ["D7CE59D1F522D701", "7F00000000000001"]);
    // A key without the PUB_KEY_ID_ prefix does not displace the certificate as preferred.
    assert_eq!(
        verifier.preferred_serial().as_deref(),
        Some("D7CE59D1F522D701")
    );
    verifier.add_platform_certificate_pem(CERT_PEM).unwrap();
    assert_eq!(verifier.serials(), ["7F00000000000001", "D7CE59D1F522D701"]);
}

// ---------------------------------------------------------------------------------------------
// AuthorizationParams: the orders real clients use (reference G, B.5)

#[test]
fn authorization_params_parse_any_order() {
    let headers = [
        // wechatpay-go / wechatpay-java, and ours.
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",timestamp="1554208460",serial_no="F5765756002FDD77",signature="c2ln""#,
        // wechatpayv3 (Python).
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="c2ln",timestamp="1554208460",serial_no="F5765756002FDD77""#,
        // wechatpay-axios-plugin / wechatpay-php, with spaces after the commas.
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1900009191", serial_no="F5765756002FDD77", timestamp="1554208460", nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242", signature="c2ln""#,
    ];
    for header in headers {
        let params = AuthorizationParams::parse(header).unwrap_or_else(|e| panic!("{e}: {header}"));
        assert_eq!(
            (
                params.scheme.as_str(),
                params.mchid.as_str(),
                params.nonce_str.as_str(),
                params.timestamp.as_str(),
                params.serial_no.as_str(),
                params.signature.as_str(),
            ),
            (
                "WECHATPAY2-SHA256-RSA2048",
                "1900009191",
                "593BEC0C930BF1AFEB40B4A08C8FB242",
                "1554208460",
                "F5765756002FDD77",
                "c2ln",
            )
        );
    }
    // The axios formatter vector (B.9.2).
    let axios = AuthorizationParams::parse(
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1",serial_no="5",timestamp="4",nonce_str="2",signature="3""#,
    )
    .unwrap();
    assert_eq!(
        (
            axios.mchid.as_str(),
            axios.nonce_str.as_str(),
            axios.signature.as_str(),
            axios.timestamp.as_str(),
            axios.serial_no.as_str()
        ),
        ("1", "2", "3", "4", "5")
    );
}

#[test]
fn authorization_params_round_trip_a_signed_header() {
    let header = b95_signer().authorization("POST", B95_OPENID_PATH, B95_SEND_BODY.as_bytes());
    let params = AuthorizationParams::parse(&header).unwrap();
    assert_eq!(params.scheme, SIGNATURE_TYPE);
    assert_eq!(params.signature, B95_SEND_SIGNATURE);
    // What a server does with it: rebuild the message from the request and verify.
    let message = request_message(
        "POST",
        B95_OPENID_PATH,
        params.timestamp.parse().unwrap(),
        &params.nonce_str,
        B95_SEND_BODY.as_bytes(),
    );
    assert!(public_key().verify_base64(&message, &params.signature));
}

#[test]
fn authorization_params_reject_garbage_with_a_message() {
    for garbage in [
        "",
        "WECHATPAY2-SHA256-RSA2048",
        "Basic dXNlcjpwYXNz",
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1900009191""#,
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="2",timestamp="4",serial_no="5""#,
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="2",timestamp="4",serial_no="5",signature="3"#,
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1";nonce_str="2",timestamp="4",serial_no="5",signature="3""#,
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="2",timestamp="4",serial_no="5",signature="3","#,
        "WECHATPAY2-SHA256-RSA2048 ,,,",
    ] {
        let message = AuthorizationParams::parse(garbage).expect_err(garbage);
        assert!(!message.is_empty(), "{garbage}");
    }
    let missing = AuthorizationParams::parse(
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="2",timestamp="4",serial_no="5""#,
    )
    .unwrap_err();
    assert!(missing.contains("signature"), "{missing}");
}

// ---------------------------------------------------------------------------------------------
// Secrets never reach Debug output

/// Every 12-character window of the PEM bodies' Base64 text.
fn pem_fragments(pem: &str) -> Vec<String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let chars: Vec<char> = body.chars().collect();
    chars
        .windows(12)
        .step_by(6)
        .map(|w| w.iter().collect())
        .collect()
}

#[test]
fn debug_output_redacts_keys() {
    let key = key();
    let debug = format!("{key:?}");
    assert_eq!(debug, "MerchantPrivateKey(<redacted>)");

    let signer = b95_signer();
    let debug = format!("{signer:?} {signer:#?}");
    assert!(debug.contains("redacted"), "{debug}");
    assert!(
        debug.contains("1900009191") && debug.contains("F5765756002FDD77"),
        "{debug}"
    );
    for fragment in pem_fragments(KEY_PEM) {
        assert!(!debug.contains(&fragment), "Signer Debug leaks {fragment}");
    }
    // The first bytes of the key DER, re-encoded, for good measure.
    assert!(!debug.contains("MIIEvgIBADAN"));

    let api_key = ApiV3Key::new(B95_AEAD_KEY).unwrap();
    let debug = format!("{api_key:?} {api_key:#?}");
    assert!(debug.contains("redacted"), "{debug}");
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
    assert!(!debug.contains("48, 49, 50"), "{debug}"); // the key's bytes as a Vec<u8>
    assert!(!debug.contains("MDEyMzQ1"), "{debug}"); // their Base64

    let err = ApiV3Key::new("too short key").unwrap_err().to_string();
    assert!(!err.contains("too short key"), "{err}");
}

#[test]
fn key_errors_never_quote_key_material() {
    // A truncated key: the PEM frame is fine, the DER inside is not.
    let lines: Vec<&str> = KEY_PEM.lines().collect();
    let truncated = [&lines[..6], &lines[lines.len() - 1..]].concat().join("\n");
    let err = MerchantPrivateKey::from_pem(&truncated)
        .unwrap_err()
        .to_string();
    for fragment in pem_fragments(KEY_PEM) {
        assert!(!err.contains(&fragment), "error leaks {fragment}: {err}");
    }
    // Broken Base64.
    let broken = KEY_PEM.replacen("MIIEvgIB", "MII*vgIB", 1);
    let err = MerchantPrivateKey::from_pem(&broken)
        .unwrap_err()
        .to_string();
    for fragment in pem_fragments(KEY_PEM) {
        assert!(!err.contains(&fragment), "error leaks {fragment}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Nonces

#[test]
fn random_nonce_is_32_alphanumerics_and_fresh() {
    let a = RandomNonce.nonce();
    let b = RandomNonce.nonce();
    for nonce in [&a, &b] {
        assert_eq!(nonce.len(), 32, "{nonce}");
        assert!(nonce.bytes().all(|c| c.is_ascii_alphanumeric()), "{nonce}");
    }
    assert_ne!(a, b);
    assert_eq!(
        FixedNonce("A1B2C3D4E5F6G7".into()).nonce(),
        "A1B2C3D4E5F6G7"
    );
}

#[test]
fn auth_types_can_be_shared_across_tasks() {
    fn shareable<T: Send + Sync + Clone + std::fmt::Debug + 'static>() {}
    shareable::<MerchantPrivateKey>();
    shareable::<WechatPayPublicKey>();
    shareable::<Signer>();
    shareable::<Verifier>();
    shareable::<ApiV3Key>();
    shareable::<AuthorizationParams>();
}
