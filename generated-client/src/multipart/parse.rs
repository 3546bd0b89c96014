//! Reading a `multipart/form-data` body (RFC 7578): what the server side of an upload needs, in
//! the module that also writes the format.

/// One part of a parsed multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, when there is one.
    pub filename: Option<String>,
    /// Its `Content-Type`, when there is one.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: &'a [u8],
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub fn boundary_of(content_type: &str) -> Option<&str> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
            .filter(|b| !b.is_empty())
    })
}

/// Parses a `multipart/form-data` body (RFC 7578) into its parts. A small parser over bytes
/// already read (the server reads a request whole, within its size limit); it accepts what
/// [`UploadSpec::encode`](super::UploadSpec::encode) and common clients (Go's `mime/multipart`, curl) write.
///
/// # Errors
/// A message saying what is malformed: no opening delimiter, a part without headers or without
/// a `Content-Disposition: form-data; name=…`, a missing closing delimiter.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let start = find(body, delimiter, 0).ok_or("the body has no multipart boundary")?;
    let mut at = start + delimiter.len();
    let mut parts = Vec::new();
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let rest_start = at + line_end(rest).ok_or("a boundary line is not terminated")?;
        let head_end = find(body, b"\r\n\r\n", rest_start)
            .ok_or("a part has no blank line after its headers")?;
        let head = std::str::from_utf8(&body[rest_start..head_end])
            .map_err(|_| "a part's headers are not UTF-8")?;
        let data_start = head_end + 4;
        let mut next_delimiter = b"\r\n".to_vec();
        next_delimiter.extend_from_slice(delimiter);
        let data_end = find(body, &next_delimiter, data_start)
            .ok_or("the body ends without its closing boundary")?;
        parts.push(part(head, &body[data_start..data_end])?);
        at = data_end + next_delimiter.len();
    }
}

/// The length of the rest of a boundary line (transport padding and `\r\n` included).
fn line_end(rest: &[u8]) -> Option<usize> {
    find(rest, b"\r\n", 0).map(|i| i + 2)
}

pub(super) fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn part<'a>(head: &str, data: &'a [u8]) -> Result<Part<'a>, String> {
    let mut disposition = None;
    let mut content_type = None;
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("the part header {line:?} has no `:`"))?;
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            disposition = Some(value.trim().to_owned());
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    let disposition = disposition.ok_or("a part has no Content-Disposition header")?;
    let mut params = disposition.split(';').map(str::trim);
    if !params
        .next()
        .is_some_and(|kind| kind.eq_ignore_ascii_case("form-data"))
    {
        return Err(format!(
            "a part's Content-Disposition is {disposition:?}, not form-data"
        ));
    }
    let (mut name, mut filename) = (None, None);
    for param in params.filter(|p| !p.is_empty()) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => filename = Some(value),
            _ => {}
        }
    }
    Ok(Part {
        name: name.ok_or("a part's Content-Disposition has no name")?,
        filename,
        content_type,
        data,
    })
}
