//! 图片上传（营销专用）: the file has already been parsed from the multipart body, its SHA-256
//! checked against `meta` and its name, type and size checked against the spec's `upload:` by
//! the generated server layer; the signature was checked over the `meta` part. What is left is
//! the answer.

use wechatpay_apiv3::api::{ImageUploadResponse, UploadImage};
use wechatpay_apiv3::multipart::sha256_hex;

/// Where uploaded images are said to live: WeChat Pay's marketing image host, as in the URLs
/// its documents show (`https://wxpaylogo.qpic.cn/mmpaymkt/…`). The sandbox stores nothing and
/// serves nothing there; the URL is an opaque, valid `https` value to put in other requests.
const MEDIA_HOST: &str = "https://wxpaylogo.qpic.cn/mmpaymkt/";

/// The image's URL, named by its SHA-256: the same image always gets the same URL.
pub(super) fn upload_image(input: &UploadImage) -> ImageUploadResponse {
    ImageUploadResponse::new(format!("{MEDIA_HOST}{}", sha256_hex(input.file.bytes())))
}
