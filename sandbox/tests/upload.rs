//! 图片上传 against the sandbox over TCP, through the typed client: the answer's `media_url`,
//! and the sandbox's own checks on requests the client would never send — a `meta.sha256` that
//! is not the file's, a file above the spec's size limit or of a type it does not list, a
//! multipart body that does not parse or lacks or repeats a part, and a signature over the
//! multipart body instead of the `meta` JSON.

mod common;

use common::keys;
use wechatpay_apiv3::api::UploadImage;
use wechatpay_apiv3::multipart::{EncodedUpload, MediaType, UploadSpec, sha256_hex};
use wechatpay_apiv3::wire::FieldPath;
use wechatpay_apiv3::{Client, Error, HttpRequest, Method, Operation, RetryPolicy, UploadFile};
use wechatpay_sandbox::{Sandbox, SandboxConfig};

const TARGET: &str = "/v3/marketing/favor/media/image-upload";
const JPG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00";

/// The spec's upload with its checks loosened, to encode what the client refuses to send.
const LOOSE: UploadSpec = UploadSpec {
    max_bytes: u64::MAX,
    media_types: &[MediaType {
        content_type: "image/gif",
        extensions: &["gif", "png"],
    }],
    ..UploadImage::UPLOAD
};

async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxConfig::with_keys(keys()))
        .await
        .expect("sandbox");
    let client = sandbox
        .client_builder()
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    (sandbox, client)
}

fn encode(spec: &UploadSpec, name: &str, bytes: Vec<u8>) -> EncodedUpload {
    spec.encode(&FieldPath::root("file"), &UploadFile::new(name, bytes))
        .expect("encodes")
}

/// Sends a hand-made upload; the rejection's status, code, message and detail field.
async fn rejected(client: &Client, upload: EncodedUpload) -> (u16, String, String, String) {
    let request = HttpRequest::upload(Method::Post, TARGET, upload);
    match client.send_request(request).send().await {
        Err(Error::Api(api)) => (
            api.status,
            api.code_str().unwrap_or_default().to_owned(),
            api.message.clone().unwrap_or_default(),
            api.detail
                .as_ref()
                .and_then(|d| d.field.clone())
                .unwrap_or_default(),
        ),
        other => panic!("a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn an_image_uploads_and_its_url_is_named_by_its_digest() {
    let (_sandbox, client) = start().await;
    let favor = client.v3().marketing().favor();
    let answer = favor
        .media()
        .image_upload()
        .post(UploadFile::new("logo.jpg", JPG))
        .await
        .expect("uploaded");
    assert_eq!(
        answer.media_url,
        format!("https://wxpaylogo.qpic.cn/mmpaymkt/{}", sha256_hex(JPG))
    );
    // A file of exactly the spec's size limit fits the sandbox's body limit too.
    let max = usize::try_from(UploadImage::UPLOAD.max_bytes).expect("fits");
    favor
        .media()
        .image_upload()
        .post(UploadFile::new("big.PNG", vec![7; max]))
        .await
        .expect("a file at the limit is accepted");
}

#[tokio::test]
async fn a_meta_digest_that_is_not_the_files_is_param_error() {
    let (_sandbox, client) = start().await;
    let good = UploadImage::new(UploadFile::new("logo.jpg", JPG))
        .build()
        .expect("builds");
    let real = sha256_hex(JPG);
    let fake = sha256_hex(b"another image");
    let swap = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .replace(&real, &fake)
            .into_bytes()
    };
    // The file's bytes are not UTF-8, so swap the digest in the meta part only.
    let body = good.body.clone().expect("a body");
    let at = body
        .windows(real.len())
        .position(|w| w == real.as_bytes())
        .expect("the digest is in the body");
    let mut tampered = body.clone();
    tampered[at..at + real.len()].copy_from_slice(fake.as_bytes());
    let upload = EncodedUpload {
        body: tampered,
        content_type: good.content_type.clone().expect("multipart"),
        meta: swap(good.signed_bytes()),
        file: good.file_bytes.clone().expect("an upload"),
    };
    let (status, code, message, field) = rejected(&client, upload).await;
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{message}");
    assert!(message.contains("sha256"), "{message}");
    assert_eq!(field, "meta.sha256");
}

#[tokio::test]
async fn files_the_spec_does_not_allow_are_param_error() {
    let (_sandbox, client) = start().await;
    let max = usize::try_from(UploadImage::UPLOAD.max_bytes).expect("fits");
    let (status, code, message, field) =
        rejected(&client, encode(&LOOSE, "big.png", vec![0; max + 1])).await;
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{message}");
    assert!(message.contains("文件大小"), "{message}");
    assert!(message.contains(&format!("at most {max}")), "{message}");
    assert_eq!(field, "file.bytes");

    let (status, code, message, field) =
        rejected(&client, encode(&LOOSE, "anim.gif", b"GIF89a".to_vec())).await;
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{message}");
    assert!(message.contains(".jpg, .bmp or .png"), "{message}");
    assert_eq!(field, "file.filename");
}

#[tokio::test]
async fn a_signature_over_the_body_instead_of_meta_is_sign_error() {
    let (_sandbox, client) = start().await;
    let good = encode(&UploadImage::UPLOAD, "logo.jpg", JPG.to_vec());
    let over_body = EncodedUpload {
        meta: good.body.clone(),
        ..good.clone()
    };
    let (status, code, message, _) = rejected(&client, over_body).await;
    assert_eq!((status, code.as_str()), (401, "SIGN_ERROR"), "{message}");

    // A body that is not multipart at all has no meta to check a signature over.
    let not_multipart = EncodedUpload {
        content_type: "application/json".to_owned(),
        ..good
    };
    let (status, code, message, field) = rejected(&client, not_multipart).await;
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{message}");
    assert_eq!(field, "Content-Type");
}

#[tokio::test]
async fn a_multipart_body_that_does_not_parse_or_lacks_a_part_is_param_error() {
    let (_sandbox, client) = start().await;
    let good = encode(&UploadImage::UPLOAD, "logo.jpg", JPG.to_vec());
    let boundary = good
        .content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a boundary")
        .to_owned();

    // Cut before the closing delimiter: the framework's parser refuses it.
    let cut = good.body.len() - format!("\r\n--{boundary}--\r\n").len();
    let truncated = EncodedUpload {
        body: good.body[..cut].to_vec(),
        ..good.clone()
    };
    let (status, code, message, field) = rejected(&client, truncated).await;
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{message}");
    assert!(message.contains("multipart"), "{message}");
    assert_eq!(field, "/");

    // Only the `meta` part (the file part dropped), then that part twice.
    let meta_only = |copies: usize| {
        let part = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\
             Content-Type: application/json\r\n\r\n{}\r\n",
            String::from_utf8_lossy(&good.meta)
        );
        let body = format!("{}--{boundary}--\r\n", part.repeat(copies)).into_bytes();
        EncodedUpload {
            file: 0..0,
            body,
            ..good.clone()
        }
    };
    let (status, code, message, field) = rejected(&client, meta_only(1)).await;
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{message}");
    assert!(message.contains("缺少 file"), "{message}");
    assert_eq!(field, "file");
    let (status, code, message, field) = rejected(&client, meta_only(2)).await;
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{message}");
    assert!(message.contains("meta 部分重复"), "{message}");
    assert_eq!(field, "meta");
}
