//! 图片上传 over loopback TCP: the exact `multipart/form-data` bytes and `Content-Type` on the
//! wire, the `Authorization` signature verifying over the `meta` JSON (and not over the body),
//! the spec's limits checked before anything is sent, and no retry (the spec declares no key).

mod support;

use wechatpay_apiv3::api::UploadImage;
use wechatpay_apiv3::{Client, ClientBuilder, Error, Operation, RetryPolicy, UploadFile};

use support::{FakeWechatPay, MCHID, MERCHANT_SERIAL, Reply, keys};

/// A client with the built-in HTTP transport to the fake served on loopback TCP.
async fn over_tcp(fake: &FakeWechatPay) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .base_url(&fake.serve_tcp().await)
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
const MEDIA_URL: &str = "https://wxpaylogo.qpic.cn/mmpaymkt/abc";

/// Lower-case hex SHA-256, computed here independently of the crate.
fn sha256_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn an_upload_sends_multipart_and_signs_the_meta_json() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::ok(200, &format!(r#"{{"media_url":"{MEDIA_URL}"}}"#))]);
    let client = over_tcp(&fake).await.build().expect("client");

    let answer = client
        .v3()
        .marketing()
        .favor()
        .media()
        .image_upload()
        .post(UploadFile::new("logo.png", PNG))
        .await
        .expect("uploaded");
    assert_eq!(answer.media_url, MEDIA_URL);

    let requests = fake.requests();
    let [request] = requests.as_slice() else {
        panic!("one request, got {}", requests.len());
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/v3/marketing/favor/media/image-upload");
    let meta = format!(
        r#"{{"filename":"logo.png","sha256":"{}"}}"#,
        sha256_hex(PNG)
    );
    let content_type = request.header("content-type").expect("a Content-Type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("multipart, got {content_type}"));
    let mut expected = format!(
        "--{boundary}\r\n\
         Content-Disposition: form-data; name=\"meta\"\r\n\
         Content-Type: application/json\r\n\
         \r\n\
         {meta}\r\n\
         --{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\n\
         Content-Type: image/png\r\n\
         \r\n"
    )
    .into_bytes();
    expected.extend_from_slice(PNG);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(request.body, expected);
    assert_eq!(
        request.header("content-length"),
        Some(expected.len().to_string().as_str())
    );
    // The fake checks the signature over the meta part, with the merchant public key.
    assert_eq!(request.auth, Ok(()));
    // …and the signature is over the meta JSON exactly, not over the body.
    let built = UploadImage::new(UploadFile::new("logo.png", PNG))
        .build()
        .expect("builds");
    assert_eq!(built.signed_bytes(), meta.as_bytes());
    assert_eq!(built.body.as_deref(), Some(expected.as_slice()));
    assert_eq!(built.content_type.as_deref(), Some(content_type));
    let over_body = support::check_signature_over(request, &request.body);
    assert!(over_body.is_err(), "the signature must not cover the body");
}

#[tokio::test]
async fn files_the_spec_refuses_fail_before_sending_naming_the_field() {
    let fake = FakeWechatPay::new();
    let client = over_tcp(&fake).await.build().expect("client");
    let upload = |name: &str, bytes: Vec<u8>| {
        let client = client.clone();
        let file = UploadFile::new(name, bytes);
        async move {
            client
                .v3()
                .marketing()
                .favor()
                .media()
                .image_upload()
                .post(file)
                .await
        }
    };
    let field = |result: Result<_, Error>| match result {
        Err(Error::InvalidRequest { field, problem }) => format!("{field}: {problem}"),
        other => panic!("an invalid request, got {other:?}"),
    };
    let max = UploadImage::UPLOAD.max_bytes as usize;
    assert_eq!(
        field(upload("logo.gif", PNG.to_vec()).await),
        r#"file.filename: "logo.gif" must end in .jpg, .bmp or .png"#
    );
    assert_eq!(
        field(upload("logo.png", vec![0; max + 1]).await),
        format!(
            "file.bytes: the file is {} bytes, at most {max} allowed",
            max + 1
        )
    );
    assert_eq!(
        field(upload("logo.png", Vec::new()).await),
        "file.bytes: the file is empty"
    );
    assert_eq!(
        field(upload("", PNG.to_vec()).await),
        "file.filename: must not be empty"
    );
    // A file of exactly the limit passes the client's checks (and upper-case extensions do).
    UploadImage::new(UploadFile::new("LOGO.PNG", vec![0; max]))
        .build()
        .expect("at the limit");
    assert!(fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn an_upload_is_not_retried() {
    let fake = FakeWechatPay::new();
    fake.otherwise(Reply::error(
        500,
        r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#,
    ));
    let client = over_tcp(&fake)
        .await
        .retry(RetryPolicy::default())
        .build()
        .expect("client");
    let result = client
        .v3()
        .marketing()
        .favor()
        .media()
        .image_upload()
        .post(UploadFile::new("a.jpg", b"\xff\xd8\xff".to_vec()))
        .await;
    assert!(matches!(result, Err(Error::Api(_))), "{result:?}");
    assert_eq!(fake.requests().len(), 1, "one attempt only");
    const { assert!(!UploadImage::META.idempotent) };
}
