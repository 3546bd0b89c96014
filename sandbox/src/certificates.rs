//! `GET /v3/certificates`: the platform certificate, encrypted with the APIv3 key the way
//! WeChat Pay delivers it (`AEAD_AES_256_GCM`, associated data `certificate`).

use axum::http::StatusCode;
use serde::Serialize;
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::ErrorCode;
use wechatpay_apiv3::auth::{NonceSource as _, RandomNonce, aead};

use crate::app::App;
use crate::reply::{ApiFailure, Reply};
use crate::stocks::wire_time;

/// WeChat Pay's answer to a merchant without platform certificates (public-key mode only).
pub const NO_PLATFORM_CERTIFICATE: &str = "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html";

#[derive(Serialize)]
struct Certificates {
    data: Vec<CertificateEntry>,
}

#[derive(Serialize)]
struct CertificateEntry {
    serial_no: String,
    effective_time: Timestamp,
    expire_time: Timestamp,
    encrypt_certificate: EncryptedCertificate,
}

#[derive(Serialize)]
struct EncryptedCertificate {
    algorithm: &'static str,
    nonce: String,
    associated_data: &'static str,
    ciphertext: String,
}

/// The response to an authenticated `GET /v3/certificates`.
pub(crate) fn download(app: &App) -> Reply {
    if !app.serve_platform_certificates {
        return ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::ResourceNotExists,
            NO_PLATFORM_CERTIFICATE,
        )
        .into();
    }
    let keys = &app.keys;
    // A fresh 12-character nonce per response, as WeChat Pay does.
    let nonce: String = RandomNonce.nonce().chars().take(12).collect();
    let ciphertext = match aead::encrypt(
        keys.api_v3_key().as_bytes(),
        &nonce,
        "certificate",
        keys.platform_certificate_pem().as_bytes(),
    ) {
        Ok(ciphertext) => ciphertext,
        Err(e) => {
            tracing::error!(error = %e, "cannot encrypt the platform certificate");
            return ApiFailure::system().into();
        }
    };
    let (effective, expire) = keys.platform_certificate_validity();
    Reply::json(
        StatusCode::OK,
        &Certificates {
            data: vec![CertificateEntry {
                serial_no: keys.platform_serial().to_owned(),
                effective_time: wire_time(effective),
                expire_time: wire_time(expire),
                encrypt_certificate: EncryptedCertificate {
                    algorithm: "AEAD_AES_256_GCM",
                    nonce,
                    associated_data: "certificate",
                    ciphertext,
                },
            }],
        },
    )
}
