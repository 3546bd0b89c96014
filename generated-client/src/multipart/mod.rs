//! File uploads: the `multipart/form-data` request of an operation whose spec has `upload:`.
//!
//! The one home of the format the client writes: it encodes the exact bytes it signs and sends.
//! Servers parse it with their HTTP framework (the sandbox: axum's `Multipart`, i.e. multer) and
//! pass the parts to the server layer (`server::Form`). The shape follows the official Go SDK
//! (`services/fileuploader/file_uploader.go`, `core/client.go` `CreateFormField` and
//! `CreateFormFile`): a `meta` part (`Content-Type: application/json`) holding
//! `{"filename":…,"sha256":…}` — `sha256` the lower-case hex SHA-256 of the file — then the
//! `file` part with its `filename` and content type. The request signature covers the `meta`
//! JSON, not the multipart body (`client.Upload(ctx, url, metaStr, body, contentType)` signs
//! `metaStr`).
//!
//! The limits (size, content types and the extensions that select them) come from the spec, as
//! an [`UploadSpec`] the generated operation holds; nothing here restates them.

use std::fmt;
use std::ops::Range;

use aws_lc_rs::digest;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::wire::FieldPath;

/// The content type of the `meta` part.
pub const META_CONTENT_TYPE: &str = "application/json";

/// A file to upload: its name (the extension selects the content type) and its bytes.
///
/// `Debug` shows the name and the size, not the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadFile {
    filename: String,
    bytes: Vec<u8>,
}

impl UploadFile {
    /// A file named `filename` (e.g. `logo.png`; no directory) with these bytes.
    pub fn new(filename: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        UploadFile {
            filename: filename.into(),
            bytes: bytes.into(),
        }
    }

    /// The file name, as given.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFile")
            .field("filename", &self.filename)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// One allowed content type of an upload and the file extensions (lower case, no dot) that
/// select it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    /// The content type sent in the file part, e.g. `image/png`.
    pub content_type: &'static str,
    /// The extensions, e.g. `["png"]`.
    pub extensions: &'static [&'static str],
}

/// What the spec's `upload:` says: the part names and the limits on the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadSpec {
    /// The file part's name (`file`).
    pub file_part: &'static str,
    /// The meta part's name (`meta`).
    pub meta_part: &'static str,
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// The allowed content types.
    pub media_types: &'static [MediaType],
}

/// The `meta` JSON: `{"filename":…,"sha256":…}`, in this key order (the Go SDK's
/// `json.Marshal` of a map writes keys sorted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The file name.
    pub filename: String,
    /// Lower-case hex SHA-256 of the file bytes.
    pub sha256: String,
}

/// An encoded upload: the bytes sent, their content type, and the bytes signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedUpload {
    /// The `multipart/form-data` body.
    pub body: Vec<u8>,
    /// `multipart/form-data; boundary=…`.
    pub content_type: String,
    /// The `meta` JSON, which the signature covers.
    pub meta: Vec<u8>,
    /// Where the file's bytes sit in `body` (so a display can summarise them).
    pub file: Range<usize>,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = digest::digest(&digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl UploadSpec {
    /// The media type a file name selects by its extension (case-insensitive).
    pub fn media_type_of(&self, filename: &str) -> Option<&'static MediaType> {
        let (_, ext) = filename.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        self.media_types
            .iter()
            .find(|m| m.extensions.contains(&ext.as_str()))
    }

    /// `.jpg, .bmp or .png`, for messages.
    pub fn extensions_text(&self) -> String {
        let all: Vec<String> = self
            .media_types
            .iter()
            .flat_map(|m| m.extensions.iter().map(|e| format!(".{e}")))
            .collect();
        match all.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    }

    /// Checks a file name and size against the spec; the content type its extension selects.
    /// `field` names the file (`file`): a problem names `file.filename` or `file.bytes`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`]: an empty name, one with a path separator, a quote, a
    /// backslash, a control character or a character WeChat Pay does not accept, an extension
    /// the spec does not list; an empty file or one larger than `max_bytes`.
    pub fn check(
        &self,
        field: &FieldPath<'_>,
        filename: &str,
        len: u64,
    ) -> Result<&'static MediaType, Error> {
        let name = field.field("filename");
        if filename.is_empty() {
            return Err(Error::invalid(name.to_string(), "must not be empty"));
        }
        crate::wire::check_text(&name, filename)?;
        if let Some(c) = filename.chars().find(|c| matches!(c, '/' | '\\' | '"')) {
            return Err(Error::invalid(
                name.to_string(),
                format!("contains {c:?}: give the file's name only, without a directory or quotes"),
            ));
        }
        let media = self.media_type_of(filename).ok_or_else(|| {
            Error::invalid(
                name.to_string(),
                format!("{filename:?} must end in {}", self.extensions_text()),
            )
        })?;
        let bytes = field.field("bytes");
        if len == 0 {
            return Err(Error::invalid(bytes.to_string(), "the file is empty"));
        }
        if len > self.max_bytes {
            return Err(Error::invalid(
                bytes.to_string(),
                format!(
                    "the file is {len} bytes, at most {} allowed",
                    self.max_bytes
                ),
            ));
        }
        Ok(media)
    }

    /// Checks `file` (see [`check`](Self::check)) and encodes the request. Pure: the boundary is
    /// derived from the content, so the same file always gives the same bytes.
    ///
    /// # Errors
    /// As [`check`](Self::check).
    pub fn encode(&self, field: &FieldPath<'_>, file: &UploadFile) -> Result<EncodedUpload, Error> {
        let media = self.check(field, &file.filename, file.bytes.len() as u64)?;
        let meta = Meta {
            filename: file.filename.clone(),
            sha256: sha256_hex(&file.bytes),
        };
        let meta = crate::wire::to_json(&meta)?;
        let boundary = boundary_for(&meta, &file.bytes);
        let mut body = Vec::with_capacity(file.bytes.len() + meta.len() + 400);
        let mut part = |headers: String, data: &[u8]| {
            body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n").as_bytes());
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        };
        part(
            format!(
                "Content-Disposition: form-data; name=\"{}\"\r\nContent-Type: {META_CONTENT_TYPE}\r\n",
                self.meta_part
            ),
            &meta,
        );
        part(
            format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n",
                self.file_part, file.filename, media.content_type
            ),
            &file.bytes,
        );
        // The file part ends with the file, then `\r\n` (the delimiter's line break).
        let end = body.len() - 2;
        let file_at = end - file.bytes.len()..end;
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Ok(EncodedUpload {
            body,
            content_type: format!("multipart/form-data; boundary={boundary}"),
            meta,
            file: file_at,
        })
    }
}

/// A boundary that occurs in neither the meta nor the file: 32 hex digits of a hash of both.
fn boundary_for(meta: &[u8], file: &[u8]) -> String {
    let mut salt: u32 = 0;
    loop {
        let mut context = digest::Context::new(&digest::SHA256);
        context.update(meta);
        context.update(&salt.to_be_bytes());
        let hex = sha256_hex(context.finish().as_ref());
        let boundary = format!("wechatpay-{}", &hex[..32]);
        let delimiter = format!("--{boundary}");
        if !contains(meta, delimiter.as_bytes()) && !contains(file, delimiter.as_bytes()) {
            return boundary;
        }
        salt += 1;
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: UploadSpec = UploadSpec {
        file_part: "file",
        meta_part: "meta",
        max_bytes: 8,
        media_types: &[
            MediaType {
                content_type: "image/jpg",
                extensions: &["jpg"],
            },
            MediaType {
                content_type: "image/png",
                extensions: &["png"],
            },
        ],
    };

    #[test]
    fn encodes_meta_then_file() {
        let file = UploadFile::new("a.PNG", b"\x89PNG".to_vec());
        let encoded = SPEC.encode(&FieldPath::root("file"), &file).unwrap();
        let sha = sha256_hex(b"\x89PNG");
        let meta = format!("{{\"filename\":\"a.PNG\",\"sha256\":\"{sha}\"}}");
        assert_eq!(encoded.meta, meta.as_bytes());
        let boundary = encoded
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let mut expected = format!(
            "--{boundary}\r\n\
             Content-Disposition: form-data; name=\"meta\"\r\n\
             Content-Type: application/json\r\n\r\n\
             {meta}\r\n\
             --{boundary}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"a.PNG\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        expected.extend_from_slice(b"\x89PNG");
        expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        assert_eq!(encoded.body, expected);
        assert_eq!(&encoded.body[encoded.file.clone()], b"\x89PNG");
        // Pure: the same file gives the same bytes.
        assert_eq!(
            SPEC.encode(&FieldPath::root("file"), &file).unwrap(),
            encoded
        );
    }

    #[test]
    fn sha256_is_lower_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn checks_name_and_size() {
        let root = FieldPath::root("file");
        let err = |name: &str, len: u64| SPEC.check(&root, name, len).unwrap_err().to_string();
        assert!(
            err("a.gif", 1).contains("file.filename"),
            "{}",
            err("a.gif", 1)
        );
        assert!(err("a.gif", 1).contains(".jpg or .png"));
        assert!(err("", 1).contains("file.filename"));
        assert!(err("x/a.png", 1).contains("file.filename"));
        assert!(err("a.png", 0).contains("file.bytes"));
        assert!(err("a.png", 9).contains("at most 8"));
        assert_eq!(
            SPEC.check(&root, "a.JPG", 8).unwrap().content_type,
            "image/jpg"
        );
    }
}
