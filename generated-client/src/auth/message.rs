//! The exact byte strings that APIv3 signs.

/// The request string to sign: `METHOD\nREQUEST-TARGET\nTIMESTAMP\nNONCE\nBODY\n`.
///
/// Every line ends in `\n`, the last one included, even when the body itself already ends in
/// `\n` or is empty. `target` is the path plus `?query` exactly as sent (no scheme or host,
/// percent-encoding untouched) and `body` the exact bytes sent.
///
/// ```
/// use wechatpay_apiv3::auth::request_message;
///
/// let message = request_message("GET", "/v3/certificates", 1554208460, "593BEC0C", b"");
/// assert_eq!(message, b"GET\n/v3/certificates\n1554208460\n593BEC0C\n\n");
/// ```
pub fn request_message(
    method: &str,
    target: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let timestamp = timestamp.to_string();
    let mut message = Vec::with_capacity(
        method.len() + target.len() + timestamp.len() + nonce.len() + body.len() + 5,
    );
    for line in [
        method.as_bytes(),
        target.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        message.extend_from_slice(line);
        message.push(b'\n');
    }
    message
}

/// The response (and notification) string to verify: `TIMESTAMP\nNONCE\nBODY\n`.
///
/// The timestamp is taken as the header text, not re-formatted, and `body` must be the raw bytes
/// received; an empty body (204) gives `TIMESTAMP\nNONCE\n\n`.
///
/// ```
/// use wechatpay_apiv3::auth::response_message;
///
/// assert_eq!(response_message("3", "2", b"1"), b"3\n2\n1\n");
/// assert_eq!(response_message("3", "2", b""), b"3\n2\n\n");
/// ```
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for line in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        message.extend_from_slice(line);
        message.push(b'\n');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    // wechatpay-axios-plugin `tests/lib/formatter.test.js`.
    #[test]
    fn axios_formatter_vectors() {
        assert_eq!(request_message("1", "2", 3, "4", b"5"), b"1\n2\n3\n4\n5\n");
        assert_eq!(request_message("6", "7", 8, "9", b""), b"6\n7\n8\n9\n\n");
        assert_eq!(response_message("3", "2", b"1"), b"3\n2\n1\n");
    }
}
