//! Bill file download over real TCP on 127.0.0.1: the typed bill answer, then
//! `Client::download` of its `download_url` (signed, unverified, streamed, gunzipped on request,
//! SHA-1 checked), against the fake WeChat Pay served by axum.

mod support;

use std::io::Write as _;

use wechatpay_apiv3::api::ApplyTradeBillQuery;
use wechatpay_apiv3::{Client, Date, Download, Error, RetryPolicy};

use support::{FakeWechatPay, Reply, Signing};

const FILE: &[u8] = b"a,b\n1,2\n";
/// `printf 'a,b\n1,2\n' | sha1sum`, computed outside the crate.
const FILE_SHA1: &str = "2aa26ec98d674d5160b612c7edad7172d85c9df7";
const TARGET: &str = "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA";

fn client(base_url: &str) -> Client {
    support::tcp_builder(base_url)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A fake whose download route serves `file` unsigned; returns it and its base URL.
async fn serving(file: Vec<u8>) -> (FakeWechatPay, String) {
    let fake = FakeWechatPay::new();
    fake.route(move |request| {
        request.target.starts_with("/v3/billdownload/").then(|| {
            let mut reply = Reply::ok(200, "").signing(Signing::Unsigned);
            reply.body = file.clone();
            reply
        })
    });
    let base = fake.serve_tcp().await;
    (fake, base)
}

#[tokio::test]
async fn plain_bill_is_applied_for_downloaded_and_checked() {
    let (fake, base) = serving(FILE.to_vec()).await;
    fake.script([Reply::ok(
        200,
        &format!(
            r#"{{"hash_type":"SHA1","hash_value":"{}","download_url":"{base}{TARGET}"}}"#,
            FILE_SHA1.to_uppercase()
        ),
    )]);
    let client = client(&base);
    let link = client
        .v3()
        .bill()
        .tradebill()
        .get(ApplyTradeBillQuery::new(Date::from_wire("2019-06-11")))
        .await
        .expect("the link verifies");
    let mut out = Vec::new();
    let written = client
        .download(
            &Download::new(&link.download_url, &link.hash_value),
            &mut out,
        )
        .await
        .expect("downloaded, hash matches (case-insensitively)");
    assert_eq!(written, FILE.len() as u64);
    assert_eq!(out, FILE);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].target, TARGET);
    fake.assert_all_signed();
}

#[tokio::test]
async fn gzip_bill_is_decompressed_and_hashed_after_decompression() {
    let (fake, base) = serving(gzip(FILE)).await;
    let client = client(&base);
    // As a bill applied for with `.tar_type(TarType::Gzip)` is served.
    let mut out = Vec::new();
    let download = Download::new(format!("{base}{TARGET}"), FILE_SHA1).gzip(true);
    client
        .download(&download, &mut out)
        .await
        .expect("gunzipped, hash matches");
    assert_eq!(out, FILE);
    fake.assert_all_signed();
}

#[tokio::test]
async fn a_wrong_hash_is_a_digest_mismatch() {
    let (_fake, base) = serving(FILE.to_vec()).await;
    let client = client(&base);
    let tampered = "0".repeat(40);
    let mut out = Vec::new();
    let error = client
        .download(
            &Download::new(format!("{base}{TARGET}"), &tampered),
            &mut out,
        )
        .await
        .expect_err("the digest differs");
    match &error {
        Error::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &tampered);
            assert_eq!(actual, FILE_SHA1);
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
    assert!(error.to_string().contains("discard"), "{error}");
}

#[tokio::test]
async fn a_file_over_the_cap_is_refused_without_being_held() {
    // 4 MiB served, cap 64 KiB: the writer never sees more than the cap.
    let big = vec![b'x'; 4 << 20];
    let (_fake, base) = serving(big.clone()).await;
    let client = client(&base);
    let mut out = Vec::new();
    let error = client
        .download(
            &Download::new(format!("{base}{TARGET}"), FILE_SHA1).max_bytes(64 << 10),
            &mut out,
        )
        .await
        .expect_err("over the cap");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit, .. } if limit == 64 << 10),
        "{error:?}"
    );
    assert!(out.len() <= 64 << 10);

    // A small gzip that expands past the cap is cut off while it expands.
    let (_fake, base) = serving(gzip(&big)).await;
    let client = self::client(&base);
    let mut out = Vec::new();
    let error = client
        .download(
            &Download::new(format!("{base}{TARGET}"), FILE_SHA1)
                .gzip(true)
                .max_bytes(64 << 10),
            &mut out,
        )
        .await
        .expect_err("expands past the cap");
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
    assert!(out.len() <= 64 << 10);
}

#[tokio::test]
async fn another_host_is_refused_before_sending() {
    let (fake, base) = serving(FILE.to_vec()).await;
    let client = client(&base);
    for url in [
        "https://evil.example/v3/billdownload/file?token=x".to_owned(),
        format!("{base}.evil.example/v3/billdownload/file"),
        format!("{base}@evil.example/v3/billdownload/file"),
    ] {
        let error = client
            .download(&Download::new(&url, FILE_SHA1), &mut Vec::new())
            .await
            .expect_err("refused");
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{url}: {error:?}"
        );
    }
    assert!(fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_non_gzip_body_with_gzip_asked_is_a_decode_error() {
    let (_fake, base) = serving(FILE.to_vec()).await;
    let client = client(&base);
    let error = client
        .download(
            &Download::new(format!("{base}{TARGET}"), FILE_SHA1).gzip(true),
            &mut Vec::new(),
        )
        .await
        .expect_err("not gzip");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}
