//! Where a request goes: an operation of the spec (the generated route table), or one of the
//! endpoints that are not in the spec — `GET /v3/certificates`, the flow-file and bill-file
//! downloads and the `/sandbox` admin endpoints.

mod admin;
mod bill_file;
mod download;

use axum::http::Method;
use wechatpay_apiv3::Operation as _;
use wechatpay_apiv3::api::{ListCouponsByFilter, SendCoupon};
use wechatpay_apiv3::server::{Request, Resolution};

use crate::app::App;

pub(crate) use admin::handle as admin;
pub(crate) use bill_file::{BILL_DOWNLOAD_PATH, bill_file};
pub(crate) use download::{DOWNLOAD_PATH, download};

/// The operation ID of send coupon, from the spec.
pub const SEND_COUPON: &str = SendCoupon::META.id;
/// The operation ID of list coupons, from the spec.
pub const LIST_COUPONS: &str = ListCouponsByFilter::META.id;
/// The operation ID of `GET /v3/certificates` (not in the spec; wechatpay-go's name).
pub const DOWNLOAD_CERTIFICATES: &str = "download_certificates";
/// The operation ID of a flow file download (`GET /mkt/storage/bill/download`; not in the
/// spec). Faults never apply to it.
pub const DOWNLOAD_FLOW_FILE: &str = "download_flow_file";
/// The operation ID of a bill file download (`GET /v3/billdownload/file`; not in the spec).
/// Faults never apply to it.
pub const DOWNLOAD_BILL_FILE: &str = "download_bill_file";
/// The operation ID faults see for paths the sandbox does not serve.
pub const UNKNOWN_OPERATION: &str = "unknown";

/// Where a request goes. Spec'd operations keep their raw parts until they are decoded.
#[derive(Debug)]
pub(crate) enum Target<'a> {
    /// An operation of the spec.
    Spec(Request<'a>),
    /// `GET /v3/certificates`.
    Certificates,
    /// A flow file: unauthenticated and unsigned.
    Download,
    /// A bill file: authenticated, unsigned.
    BillFile,
    /// `/sandbox/…`.
    Admin,
    /// A served path with another method.
    WrongMethod {
        operation: &'static str,
        allow: String,
    },
    NotFound,
}

impl Target<'_> {
    /// The operation ID fault rules match on.
    pub(crate) fn operation(&self) -> &'static str {
        match self {
            Target::Spec(request) => request.operation(),
            Target::Certificates => DOWNLOAD_CERTIFICATES,
            Target::Download => DOWNLOAD_FLOW_FILE,
            Target::BillFile => DOWNLOAD_BILL_FILE,
            Target::WrongMethod { operation, .. } => operation,
            Target::Admin | Target::NotFound => UNKNOWN_OPERATION,
        }
    }
}

/// Resolves a request: `path` is the raw path, `target` the raw path and query, `content_type`
/// the request's (an upload that is not multipart names it).
pub(crate) fn resolve<'a>(
    app: &App,
    method: &Method,
    path: &str,
    target: &'a str,
    body: &'a [u8],
    content_type: Option<&'a str>,
) -> Target<'a> {
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        return Target::Admin;
    }
    if path == DOWNLOAD_PATH && method == Method::GET {
        return Target::Download;
    }
    if path == BILL_DOWNLOAD_PATH {
        return if method == Method::GET {
            Target::BillFile
        } else {
            Target::WrongMethod {
                operation: DOWNLOAD_BILL_FILE,
                allow: "GET".to_owned(),
            }
        };
    }
    if path == "/v3/certificates" {
        return if method == Method::GET {
            Target::Certificates
        } else {
            Target::WrongMethod {
                operation: DOWNLOAD_CERTIFICATES,
                allow: "GET".to_owned(),
            }
        };
    }
    match app.router.resolve(method.as_str(), target, body) {
        Resolution::Operation(request) => Target::Spec(request.with_content_type(content_type)),
        Resolution::MethodNotAllowed { operation, allow } => {
            Target::WrongMethod { operation, allow }
        }
        Resolution::NotFound => Target::NotFound,
    }
}
