//! The faults a request can be given and when they strike relative to processing.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How a request fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// `500 SYSTEM_ERROR`, signed.
    Status500,
    /// `429 FREQUENCY_LIMITED` with `Retry-After: 0`, signed.
    RateLimited,
    /// Waits this long before processing (or before answering, after processing).
    Delay(Duration),
    /// Closes the connection without sending any response: the client sees a transport error.
    ConnectionReset,
    /// `200` whose body is cut to half its length, correctly signed over the truncated bytes
    /// (so only a client that checks the JSON notices).
    TruncatedBody,
    /// A valid response whose `Wechatpay-Signature` has one bit flipped.
    TamperedSignature,
    /// A correctly signed response whose `Wechatpay-Serial` names a key the client does not
    /// hold.
    WrongSerial,
    /// A response signed with a `Wechatpay-Timestamp` 600 s in the past (valid signature).
    StaleTimestamp,
    /// A response without any `Wechatpay-*` header (`Request-ID` is kept).
    MissingSignatureHeaders,
}

impl Fault {
    /// Every fault kind except `Delay` (which needs a duration).
    pub const INSTANT: [Fault; 8] = [
        Fault::Status500,
        Fault::RateLimited,
        Fault::ConnectionReset,
        Fault::TruncatedBody,
        Fault::TamperedSignature,
        Fault::WrongSerial,
        Fault::StaleTimestamp,
        Fault::MissingSignatureHeaders,
    ];

    /// The name used by the admin endpoint and the CLI: `status_500`, `rate_limited`,
    /// `delay`, `connection_reset`, `truncated_body`, `tampered_signature`, `wrong_serial`,
    /// `stale_timestamp`, `missing_signature_headers`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Status500 => "status_500",
            Fault::RateLimited => "rate_limited",
            Fault::Delay(_) => "delay",
            Fault::ConnectionReset => "connection_reset",
            Fault::TruncatedBody => "truncated_body",
            Fault::TamperedSignature => "tampered_signature",
            Fault::WrongSerial => "wrong_serial",
            Fault::StaleTimestamp => "stale_timestamp",
            Fault::MissingSignatureHeaders => "missing_signature_headers",
        }
    }

    /// Parses a [`Fault::name`]; `delay` takes `delay` as its duration.
    ///
    /// # Errors
    /// A message listing the known names, or saying that `delay` needs a duration.
    pub fn from_name(name: &str, delay: Option<Duration>) -> Result<Fault, String> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        if name == "delay" {
            return delay
                .map(Fault::Delay)
                .ok_or_else(|| "fault `delay` needs `delay_ms`".to_owned());
        }
        Fault::INSTANT
            .into_iter()
            .find(|fault| {
                fault.name() == name || (name == "status500" && *fault == Fault::Status500)
            })
            .ok_or_else(|| {
                format!(
                    "unknown fault {name:?}; known: delay, {}",
                    Fault::INSTANT.map(|f| f.name()).join(", ")
                )
            })
    }

    /// Whether the fault alters the processed response rather than replacing it.
    pub(crate) fn shapes_response(&self) -> bool {
        matches!(
            self,
            Fault::TruncatedBody
                | Fault::TamperedSignature
                | Fault::WrongSerial
                | Fault::StaleTimestamp
                | Fault::MissingSignatureHeaders
        )
    }

    pub(super) fn delay_ms(&self) -> Option<u64> {
        match self {
            Fault::Delay(d) => Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            _ => None,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Delay(d) => write!(f, "delay({d:?})"),
            other => f.write_str(other.name()),
        }
    }
}

/// When a fault strikes relative to processing the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FaultPhase {
    /// Before the request is authenticated and processed: nothing happens server-side.
    #[default]
    #[serde(rename = "before", alias = "before_processing")]
    BeforeProcessing,
    /// After the request was processed: its effect (an issued coupon) stays.
    #[serde(rename = "after", alias = "after_processing")]
    AfterProcessing,
}

impl FromStr for FaultPhase {
    type Err = String;

    /// `before` or `after`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "before" | "before_processing" => Ok(FaultPhase::BeforeProcessing),
            "after" | "after_processing" => Ok(FaultPhase::AfterProcessing),
            other => Err(format!(
                "unknown fault phase {other:?}: use before or after"
            )),
        }
    }
}
