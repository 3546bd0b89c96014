//! The server side of an upload (an operation whose spec has `upload:`): the parts of its
//! `multipart/form-data` body, its `meta` JSON (which the request signature covers instead of the
//! body) and the file checked against it.
//!
//! This layer is framework-free and does not parse multipart: the server's HTTP framework does
//! (the sandbox uses axum's `Multipart` extractor, i.e. multer) and passes the parts in with
//! [`Request::with_form`]. What stays here is what WeChat Pay checks on the parts: each of
//! `meta` and `file` exactly once, `meta` the JSON `{filename, sha256}`, the file's SHA-256. Every
//! problem is a `400 PARAM_ERROR` naming the part.

use super::decode::Request;
use super::reject::{Detail, Rejection};
use crate::multipart::{self, Meta, UploadFile, UploadSpec};

/// One part of a `multipart/form-data` body, as the server's framework parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, when there is one.
    pub filename: Option<String>,
    /// Its `Content-Type`, when there is one.
    pub content_type: Option<String>,
    /// Its bytes, exactly as received (the `meta` part's are what the signature covers).
    pub data: Vec<u8>,
}

/// An upload's body as the server's framework read it, for [`Request::with_form`]. A request
/// given no form is answered as one whose body is not `multipart/form-data` with a boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form<'a> {
    /// The body's parts, in order.
    Parts(&'a [FormPart]),
    /// The body is `multipart/form-data` but does not parse: the framework's reason.
    Malformed(&'a str),
}

/// An upload request's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadParts<'a> {
    /// The `meta` part's bytes as received: what the request signature covers.
    pub meta_json: &'a [u8],
    /// The `meta` part decoded.
    pub meta: Meta,
    /// The file part.
    pub file: &'a FormPart,
}

fn part_error(part: &str, message: impl Into<String>, issue: impl Into<String>) -> Rejection {
    Rejection::param(message).detail(Detail::at("body", part).issue(issue))
}

impl<'a> Request<'a> {
    /// The parts of an upload: its `meta` JSON (as received, and decoded) and its file.
    ///
    /// # Errors
    /// `400 PARAM_ERROR` when the route is not an upload, the server passed no
    /// [`Form`] (the body is not `multipart/form-data` with a boundary), the body does not
    /// parse, a part is missing or repeated, or `meta` is not the JSON `{filename, sha256}`.
    pub fn upload(&self) -> Result<UploadParts<'a>, Rejection> {
        let spec = self.upload_spec()?;
        let parts = match self.form() {
            Some(Form::Parts(parts)) => parts,
            Some(Form::Malformed(why)) => {
                return Err(part_error(
                    "/",
                    format!("参数错误：multipart 请求体格式错误：{why}"),
                    why,
                ));
            }
            None => {
                let content_type = self.content_type().unwrap_or("");
                return Err(
                    Rejection::param("参数错误：请求需为 multipart/form-data").detail(
                        Detail::at("header", "Content-Type")
                            .value(content_type.to_owned())
                            .issue("an upload must be multipart/form-data with a boundary"),
                    ),
                );
            }
        };
        let one = |name: &str| {
            let mut found = parts.iter().filter(|p| p.name == name);
            match (found.next(), found.next()) {
                (Some(part), None) => Ok(part),
                (None, _) => Err(part_error(
                    name,
                    format!("参数错误：缺少 {name} 部分"),
                    format!("the multipart body has no `{name}` part"),
                )),
                (Some(_), Some(_)) => Err(part_error(
                    name,
                    format!("参数错误：{name} 部分重复"),
                    format!("the multipart body has more than one `{name}` part"),
                )),
            }
        };
        let meta_part = one(spec.meta_part)?;
        let file = one(spec.file_part)?;
        let meta: Meta = serde_json::from_slice(&meta_part.data).map_err(|e| {
            part_error(
                spec.meta_part,
                format!(
                    "参数错误：{} 不是合法的 JSON {{filename, sha256}}",
                    spec.meta_part
                ),
                e.to_string(),
            )
        })?;
        Ok(UploadParts {
            meta_json: &meta_part.data,
            meta,
            file,
        })
    }

    /// The uploaded file, named as its `meta` says, once its SHA-256 matches `meta.sha256`
    /// (compared case-insensitively). Size and type are checked afterwards by the operation's
    /// `build()`, as the client checks them.
    ///
    /// # Errors
    /// Those of [`upload`](Self::upload); `400 PARAM_ERROR` for a digest that does not match.
    pub fn upload_file(&self) -> Result<UploadFile, Rejection> {
        let parts = self.upload()?;
        let actual = multipart::sha256_hex(&parts.file.data);
        if !actual.eq_ignore_ascii_case(&parts.meta.sha256) {
            let spec = self.upload_spec()?;
            return Err(
                Rejection::param("参数错误：文件的 sha256 与 meta 中的 sha256 不一致").detail(
                    Detail::at("body", format!("{}.sha256", spec.meta_part))
                        .value(parts.meta.sha256.clone())
                        .issue(format!("the file's SHA-256 is {actual}")),
                ),
            );
        }
        Ok(UploadFile::new(
            parts.meta.filename,
            parts.file.data.clone(),
        ))
    }

    fn upload_spec(&self) -> Result<&'static UploadSpec, Rejection> {
        self.route().upload.as_ref().ok_or_else(|| {
            Rejection::param(format!(
                "参数错误：{} 不是文件上传接口",
                self.route().operation
            ))
        })
    }
}

/// The `400 PARAM_ERROR` for a file the spec's limits refuse (`file.filename`, `file.bytes`, as
/// the client's `build()` names them).
pub(super) fn invalid_file(field: &str, problem: &str) -> Rejection {
    let message = if field.ends_with(".bytes") {
        format!("参数错误：文件大小不符合要求：{problem}")
    } else {
        format!("参数错误：文件名或格式不符合要求：{problem}")
    };
    Rejection::param(message).detail(Detail::at("body", field).issue(problem.to_owned()))
}
