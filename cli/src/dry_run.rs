//! `--dry-run`: the request exactly as it would be sent, signed, without sending it.

use std::fmt::Write as _;

use wechatpay_apiv3::{Client, Error, HttpRequest};

/// The request as an HTTP/1.1 message: request line, the headers the client would send (with a
/// fresh, valid `Authorization` signature over the exact target and body bytes), blank line,
/// body.
///
/// # Errors
/// The client's error when it cannot sign the request.
pub fn render(request: &HttpRequest, client: &Client) -> Result<String, Error> {
    let headers = client.signed_headers(request)?;
    Ok(format_request(request, client.base_url(), &headers))
}

/// Formats `request` for `base_url` with the given headers.
pub fn format_request(
    request: &HttpRequest,
    base_url: &str,
    headers: &[(String, String)],
) -> String {
    let host = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
        .trim_end_matches('/');
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} HTTP/1.1",
        request.method.as_str(),
        request.path_and_query
    );
    let _ = writeln!(text, "Host: {host}");
    for (name, value) in headers {
        let _ = writeln!(text, "{name}: {value}");
    }
    if let Some(body) = &request.body {
        let _ = writeln!(text, "Content-Length: {}", body.len());
    }
    text.push('\n');
    match (&request.body, &request.file_bytes) {
        (Some(body), Some(file)) => {
            text.push_str(&summarise_file(body, file.clone()));
            text.push('\n');
        }
        (Some(_), None) => {
            text.push_str(request.body_str());
            text.push('\n');
        }
        (None, _) => {}
    }
    text
}

/// An upload's multipart body as text: the framing and the `meta` part as they are, the file
/// (binary, possibly megabytes) replaced by `<N bytes>`, so the terminal gets the request's shape
/// rather than an image. The client said where the file sits when it encoded the body.
fn summarise_file(body: &[u8], file: std::ops::Range<usize>) -> String {
    let start = file.start.min(body.len());
    let end = file.end.clamp(start, body.len());
    format!(
        "{}<{} bytes>{}",
        String::from_utf8_lossy(&body[..start]),
        end - start,
        String::from_utf8_lossy(&body[end..])
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_apiv3::Method;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn post_with_body() {
        let request = HttpRequest::new(Method::Post, "/v3/x?a=1", Some(b"{\"a\":1}".to_vec()));
        let sent = headers(&[
            ("Authorization", "SIG"),
            ("Content-Type", "application/json"),
        ]);
        let text = format_request(&request, "https://api.example:8443", &sent);
        let expected = "POST /v3/x?a=1 HTTP/1.1\nHost: api.example:8443\nAuthorization: SIG\n\
             Content-Type: application/json\nContent-Length: 7\n\n{\"a\":1}\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn get_without_body() {
        let request = HttpRequest::new(Method::Get, "/v3/y", None);
        let text = format_request(
            &request,
            "http://127.0.0.1:9",
            &headers(&[("Accept", "application/json")]),
        );
        assert_eq!(
            text,
            "GET /v3/y HTTP/1.1\nHost: 127.0.0.1:9\nAccept: application/json\n\n"
        );
    }

    #[test]
    fn an_upload_shows_its_framing_and_meta_and_summarises_the_file() {
        let spec = wechatpay_apiv3::api::UploadImage::UPLOAD;
        let file = wechatpay_apiv3::UploadFile::new("a.png", b"\x89PNG\r\n".to_vec());
        let encoded = spec
            .encode(&wechatpay_apiv3::wire::FieldPath::root("file"), &file)
            .unwrap();
        let meta = String::from_utf8(encoded.meta.clone()).unwrap();
        let request = HttpRequest::upload(Method::Post, "/v3/u", encoded);
        let text = format_request(&request, "http://127.0.0.1:9", &[]);
        assert!(text.contains(&meta), "{text}");
        assert!(
            text.contains("filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n<6 bytes>\r\n--"),
            "{text}"
        );
        assert!(!text.contains("PNG"), "{text}");
    }
}
