//! Decoding JSON with the path of the value that does not fit (`data[3].coupon_id`), the one
//! place where response bodies and tool input are turned into typed values.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Decodes a verified response body. Trailing bytes after the value are an error too, as in
/// `serde_json::from_slice`.
///
/// # Errors
/// [`Error::Decode`] with the JSON path of the failure and the [`serde_json::Error`] as its
/// source.
pub(crate) fn decode_body<T: DeserializeOwned>(
    body: &[u8],
    request_id: Option<String>,
) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            return Err(Error::decode(path, error.into_inner(), body, request_id));
        }
    };
    deserializer
        .end()
        .map_err(|error| Error::decode(".".to_owned(), error, body, request_id))?;
    Ok(value)
}

/// Converts a JSON value into `T`; on failure, the path inside the value (`stock_use_rule.
/// max_coupons`, `.` for the value itself) and what is wrong.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, (String, serde_json::Error)> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        (path, error.into_inner())
    })
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    struct Item {
        coupon_id: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    struct List {
        data: Vec<Item>,
    }

    #[test]
    fn decode_errors_name_the_path_and_keep_the_json_error() {
        let body =
            br#"{"data":[{"coupon_id":"1"},{"coupon_id":"2"},{"coupon_id":"3"},{"coupon_id":4}]}"#;
        let err = decode_body::<List>(body, Some("req".into())).expect_err("4 is a number");
        let Error::Decode { path, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, "data[3].coupon_id");
        assert!(err.source().is_some_and(|s| s.is::<serde_json::Error>()));
        assert!(err.to_string().contains("at `data[3].coupon_id`"), "{err}");
        assert!(err.to_string().contains("req"), "{err}");
        assert!(format!("{err:#}").contains("expected a string"), "{err:#}");
    }

    #[test]
    fn trailing_bytes_and_truncation_are_decode_errors() {
        for body in [&b"{\"data\":[]} x"[..], b"{\"data\":[", b""] {
            let err = decode_body::<List>(body, None).expect_err("not one JSON value");
            assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        }
        assert!(decode_body::<List>(b" {\"data\":[]} \n", None).is_ok());
    }

    #[test]
    fn values_name_the_nested_path() {
        let value = serde_json::json!({"data": [{"coupon_id": "1"}, {"coupon_id": true}]});
        let (path, error) = from_value::<List>(value).expect_err("bool is not a string");
        assert_eq!(path, "data[1].coupon_id");
        assert!(error.to_string().contains("expected a string"), "{error}");
    }
}
