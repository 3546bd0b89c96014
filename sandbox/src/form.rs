//! An upload's `multipart/form-data` body, parsed with axum's `Multipart` extractor (multer) from
//! the bytes the handler already read, and handed to the server layer as its parts
//! ([`Form`]). The server layer answers what WeChat Pay checks on them (the parts, `meta`, the
//! digest); the messages for a body that is not multipart or does not parse are its too.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart};
use axum::http::Request;
use axum::http::request::Parts;
use wechatpay_apiv3::server::{Form, FormPart};

/// What the framework made of an upload's body.
pub(crate) enum Received {
    /// No `multipart/form-data` content type with a boundary.
    NotMultipart,
    /// Multipart that does not parse: multer's reason.
    Malformed(String),
    /// The parts, in order, their bytes as received.
    Parts(Vec<FormPart>),
}

impl Received {
    /// The form for [`Request::with_form`](wechatpay_apiv3::server::Request::with_form); none
    /// when the body is not multipart.
    pub(crate) fn form(&self) -> Option<Form<'_>> {
        match self {
            Received::NotMultipart => None,
            Received::Malformed(why) => Some(Form::Malformed(why)),
            Received::Parts(parts) => Some(Form::Parts(parts)),
        }
    }
}

/// Parses `body` (read whole, within the sandbox's limit) with the request's headers. The
/// request's extensions go along: they carry the router's `DefaultBodyLimit`, which is the
/// sandbox's own limit rather than axum's 2 MB default.
pub(crate) async fn read(parts: &Parts, body: &Bytes) -> Received {
    let mut request = Request::new(Body::from(body.clone()));
    *request.headers_mut() = parts.headers.clone();
    *request.extensions_mut() = parts.extensions.clone();
    let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
        return Received::NotMultipart;
    };
    let mut fields = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Received::Parts(fields),
            Err(e) => return Received::Malformed(e.body_text()),
        };
        let Some(name) = field.name().map(str::to_owned) else {
            return Received::Malformed("a part's Content-Disposition has no name".to_owned());
        };
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        match field.bytes().await {
            Ok(data) => fields.push(FormPart {
                name,
                filename,
                content_type,
                data: data.to_vec(),
            }),
            Err(e) => return Received::Malformed(e.body_text()),
        }
    }
}
