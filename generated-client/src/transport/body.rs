//! Reading a response body without ever holding more than the limit.
//!
//! A JSON answer of APIv3 is a few KiB; a server (or anything between it and the client) that
//! announces or streams more than the limit is refused: an announced `Content-Length` above it
//! before a byte of the body is read, a body that grows past it as soon as it does. The body
//! buffer never exceeds the limit; besides it, only the chunk being looked at is held (for
//! hyper at most its read buffer, about 400 KiB).

use reqwest::header::{CONTENT_LENGTH, HeaderMap};

use super::ResponseBody;
use crate::error::BoxError;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Larger than the limit; `content_length` when that is what announced it.
    TooLarge { content_length: Option<u64> },
    /// The body broke off (connection closed, reset, …).
    Broken(BoxError),
}

/// Reads `body` to its end, refusing more than `limit` bytes.
pub(crate) async fn read_limited(
    headers: &HeaderMap,
    mut body: ResponseBody,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    let announced = content_length(headers);
    if let Some(length) = announced
        && length > limit
    {
        return Err(ReadError::TooLarge {
            content_length: Some(length),
        });
    }
    // An announced length (within the limit) sizes the buffer once; a body that turns out
    // longer than announced is still bounded by the checks below.
    let capacity = announced.map_or(0, |length| usize::try_from(length).unwrap_or(0));
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut buffer = Vec::with_capacity(capacity);
    while let Some(chunk) = body.next_chunk().await {
        let chunk = chunk.map_err(ReadError::Broken)?;
        if chunk.len() > limit - buffer.len() {
            return Err(ReadError::TooLarge {
                content_length: None,
            });
        }
        let needed = buffer.len() + chunk.len();
        if needed > buffer.capacity() {
            // Grow by doubling as `Vec` would, but never past the limit.
            let target = (buffer.capacity() * 2).max(needed).min(limit);
            buffer.reserve_exact(target - buffer.len());
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer)
}

/// `Content-Length` as a number, when it is one.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use reqwest::header::HeaderValue;

    use super::*;

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    fn chunks(sizes: &[usize]) -> ResponseBody {
        let chunks: Vec<Result<Bytes, BoxError>> = sizes
            .iter()
            .map(|&n| Ok(Bytes::from(vec![b'x'; n])))
            .collect();
        ResponseBody::from_stream(futures_util::stream::iter(chunks))
    }

    fn with_length(length: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_LENGTH,
            HeaderValue::from_str(length).expect("value"),
        );
        headers
    }

    #[test]
    fn reads_up_to_the_limit_exactly() {
        let body = run(read_limited(&HeaderMap::new(), chunks(&[4, 6]), 10)).expect("fits");
        assert_eq!(body.len(), 10);
        let body = run(read_limited(&with_length("10"), chunks(&[10]), 10)).expect("fits");
        assert_eq!(body.len(), 10);
        let body = run(read_limited(&HeaderMap::new(), chunks(&[]), 0)).expect("empty");
        assert!(body.is_empty());
    }

    #[test]
    fn an_announced_length_above_the_limit_is_refused_before_reading() {
        let unread =
            ResponseBody::from_stream(futures_util::stream::iter([Err::<Bytes, BoxError>(
                "must not be read".into(),
            )]));
        let err = run(read_limited(&with_length("11"), unread, 10)).expect_err("too large");
        assert!(
            matches!(
                err,
                ReadError::TooLarge {
                    content_length: Some(11)
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_body_growing_past_the_limit_is_cut_off() {
        for sizes in [&[11][..], &[5, 5, 1], &[10, 1]] {
            let err = run(read_limited(&HeaderMap::new(), chunks(sizes), 10)).expect_err("cut off");
            assert!(
                matches!(
                    err,
                    ReadError::TooLarge {
                        content_length: None
                    }
                ),
                "{sizes:?}: {err:?}"
            );
        }
        // A body longer than it announced is cut off at the limit too.
        let err = run(read_limited(&with_length("2"), chunks(&[8, 8]), 10)).expect_err("cut off");
        assert!(
            matches!(
                err,
                ReadError::TooLarge {
                    content_length: None
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_broken_body_keeps_its_cause() {
        let broken = ResponseBody::from_stream(futures_util::stream::iter([
            Ok(Bytes::from_static(b"{")),
            Err::<Bytes, BoxError>(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))),
        ]));
        let err = run(read_limited(&HeaderMap::new(), broken, 10)).expect_err("broken");
        let ReadError::Broken(source) = err else {
            panic!("{err:?}");
        };
        assert!(source.is::<std::io::Error>());
    }
}
