//! Files that an answer points to: a signed GET of a download URL whose body is not signed JSON
//! but a file checked by its digest, streamed to a writer.
//!
//! The bill operations (`GET /v3/bill/tradebill`, `GET /v3/bill/fundflowbill`) answer a
//! verified `BillDownloadLink` `{hash_type, hash_value, download_url}`. Fetching
//! `download_url` is the second step: the request is signed as usual (over the URL's path and
//! query), the answer carries no WeChat Pay signature, and the file is good only when the SHA-1
//! of the **original** bill — after decompression when the bill was applied for with
//! `tar_type=GZIP` ("原始账单（gzip需要解压缩）的摘要值", payments reference C.9) — equals
//! `hash_value`, compared case-insensitively.
//!
//! [`Client::download`] does that for any such link: it refuses a URL that is not on the
//! client's base URL (or backup base URL) — a signed request is never sent to another host —,
//! streams the body chunk by chunk into an [`std::io::Write`] (gunzipping it on request), never
//! holding more than one chunk, stops at a byte cap ([`DEFAULT_MAX_DOWNLOAD_BYTES`], 1 GiB,
//! counted both over the bytes received and over the bytes written), and returns `Ok` only once
//! the digest matches. On [`Error::DigestMismatch`] (or any other error) what was written is not
//! the file and must be discarded: write to a temporary file and rename it on `Ok`.
//!
//! ```no_run
//! # async fn demo(client: wechatpay_apiv3::Client, link: wechatpay_apiv3::api::BillDownloadLink) -> Result<(), Box<dyn std::error::Error>> {
//! use wechatpay_apiv3::Download;
//! let mut file = std::fs::File::create("bill.csv.part")?;
//! // `gzip(true)` when the bill was applied for with `tar_type=GZIP`.
//! let download = Download::new(&link.download_url, &link.hash_value).gzip(true);
//! client.download(&download, &mut file).await?;
//! std::fs::rename("bill.csv.part", "bill.csv")?;
//! # Ok(()) }
//! ```

use std::io::{self, Write};

use aws_lc_rs::digest;

use crate::client::Client;
use crate::error::Error;
use crate::operation::Method;
use crate::target::target_url;
use crate::transport::TransportRequest;

/// The default cap on a downloaded file: 1 GiB, over the bytes received and over the bytes
/// written (a gzip file cannot expand past it).
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 1 << 30;

/// A file to download: its URL, the SHA-1 it must have, whether it is gzipped, and the cap.
#[derive(Debug, Clone)]
pub struct Download {
    url: String,
    sha1: String,
    gzip: bool,
    max_bytes: u64,
}

impl Download {
    /// The file at `url`, whose SHA-1 (hex, any case) must be `sha1_hex`: for a bill, the
    /// answer's `download_url` and `hash_value` (`hash_type` `SHA1`, the only one documented).
    pub fn new(url: impl Into<String>, sha1_hex: impl Into<String>) -> Self {
        Download {
            url: url.into(),
            sha1: sha1_hex.into(),
            gzip: false,
            max_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
        }
    }

    /// Whether the body is gzip and is written decompressed (a bill applied for with
    /// `tar_type=GZIP`); the digest is then checked over the decompressed bytes.
    #[must_use]
    pub fn gzip(mut self, gzip: bool) -> Self {
        self.gzip = gzip;
        self
    }

    /// The cap in bytes (default [`DEFAULT_MAX_DOWNLOAD_BYTES`]); past it the download stops
    /// with [`Error::ResponseTooLarge`].
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

/// The writer the (decompressed) bytes go through: digests, counts and caps them.
struct Sink<'w, W: Write + ?Sized> {
    out: &'w mut W,
    digest: digest::Context,
    written: u64,
    limit: u64,
    /// The cap was reached.
    over: bool,
    /// `out` failed (as opposed to the gzip decoder).
    write_failed: bool,
}

impl<W: Write + ?Sized> Write for Sink<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if u64::try_from(buf.len()).unwrap_or(u64::MAX) > self.limit - self.written {
            self.over = true;
            return Err(io::Error::other("the download cap is reached"));
        }
        let n = self
            .out
            .write(buf)
            .inspect_err(|_| self.write_failed = true)?;
        self.digest.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

enum Decoder<'s, 'w, W: Write + ?Sized> {
    Plain(&'s mut Sink<'w, W>),
    Gzip(Box<flate2::write::GzDecoder<&'s mut Sink<'w, W>>>),
}

impl Client {
    /// Downloads the file `download` names into `out` and checks its SHA-1; returns the number
    /// of bytes written. See [`download`](crate::download).
    ///
    /// The request is signed like any call; the answer is not verified (the file carries no
    /// signature, its digest is checked instead) and is not retried. `out` is written to
    /// synchronously as chunks arrive. The client's timeout bounds the wait for the head and
    /// for each chunk.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a URL that is not on the client's base URL (nothing is
    /// sent); [`Error::Api`] for a non-2xx answer; [`Error::ResponseTooLarge`] past the cap;
    /// [`Error::Decode`] for a body that is not gzip when `gzip(true)`;
    /// [`Error::DigestMismatch`] when the digest differs; [`Error::Write`] when `out` fails;
    /// [`Error::Transport`] / [`Error::Timeout`]. After any error, discard what was written.
    pub async fn download<W: Write + ?Sized>(
        &self,
        download: &Download,
        out: &mut W,
    ) -> Result<u64, Error> {
        let pipeline = self.pipeline();
        let bases =
            std::iter::once(pipeline.base_url.as_str()).chain(pipeline.backup_base_url.as_deref());
        let Some((base, path_and_query)) = bases.into_iter().find_map(|base| {
            download
                .url
                .strip_prefix(base)
                .filter(|rest| rest.starts_with('/'))
                .map(|rest| (base, rest))
        }) else {
            return Err(Error::invalid(
                "download_url",
                format!(
                    "is not on the client's base URL {}; a signed request is only sent there",
                    pipeline.base_url
                ),
            ));
        };
        let url = target_url(base, path_and_query)?;
        let headers =
            pipeline.headers(self.key_source(), Method::Get, path_and_query, b"", None)?;
        let timeout = pipeline.timeout;
        let send = pipeline.transport.send(TransportRequest {
            method: Method::Get,
            url,
            headers,
            body: None,
        });
        let response = match tokio::time::timeout(timeout, send).await {
            Err(_) => return Err(Error::Timeout(timeout)),
            Ok(result) => result.map_err(|e| Error::Transport {
                message: format!("{base}: no complete response to the download"),
                connect: e.is_connect(),
                source: e.into_source(),
            })?,
        };
        let status = response.status;
        let request_id = response
            .headers
            .get("Request-ID")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let too_large = |content_length| Error::ResponseTooLarge {
            status,
            limit: download.max_bytes,
            content_length,
            request_id: request_id.clone(),
        };
        let mut body = response.body;
        if !(200..300).contains(&status) {
            let limit = pipeline.max_response_bytes;
            return match crate::transport::read_limited(&response.headers, body, limit).await {
                Ok(bytes) => {
                    Err(
                        crate::error::ApiError::from_response(status, &bytes, request_id.clone())
                            .into(),
                    )
                }
                Err(_) => Err(too_large(None)),
            };
        }
        let announced = response
            .headers
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(length) = announced.filter(|&length| length > download.max_bytes) {
            return Err(too_large(Some(length)));
        }
        let mut sink = Sink {
            out,
            digest: digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY),
            written: 0,
            limit: download.max_bytes,
            over: false,
            write_failed: false,
        };
        let mut decoder = if download.gzip {
            Decoder::Gzip(Box::new(flate2::write::GzDecoder::new(&mut sink)))
        } else {
            Decoder::Plain(&mut sink)
        };
        let mut received: u64 = 0;
        let written = loop {
            let chunk = match tokio::time::timeout(timeout, body.next_chunk()).await {
                Err(_) => return Err(Error::Timeout(timeout)),
                Ok(None) => break Ok(()),
                Ok(Some(Err(source))) => {
                    return Err(Error::Transport {
                        message: format!("{base}: the download broke off (HTTP {status})"),
                        connect: false,
                        source,
                    });
                }
                Ok(Some(Ok(chunk))) => chunk,
            };
            received += chunk.len() as u64;
            if received > download.max_bytes {
                return Err(too_large(None));
            }
            let result = match &mut decoder {
                Decoder::Plain(sink) => sink.write_all(&chunk),
                Decoder::Gzip(gz) => gz.write_all(&chunk),
            };
            if result.is_err() {
                break result;
            }
        };
        let written = written.and_then(|()| match decoder {
            Decoder::Plain(sink) => sink.flush(),
            Decoder::Gzip(gz) => gz.finish().and_then(|sink| sink.flush()),
        });
        if let Err(error) = written {
            return Err(if sink.over {
                too_large(None)
            } else if sink.write_failed {
                Error::Write { source: error }
            } else {
                Error::Decode {
                    path: String::from("."),
                    excerpt: String::new(),
                    request_id: request_id.clone(),
                    source: error.into(),
                }
            });
        }
        let actual = hex(sink.digest.finish().as_ref());
        if !actual.eq_ignore_ascii_case(download.sha1.trim()) {
            return Err(Error::DigestMismatch {
                expected: download.sha1.clone(),
                actual,
                request_id: request_id.clone(),
            });
        }
        Ok(sink.written)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
