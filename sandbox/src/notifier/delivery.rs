//! Delivery over HTTP: one signed POST per attempt, repeated on the retry schedule until the
//! receiver acknowledges or the schedule is used up.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;
use wechatpay_apiv3::auth::{
    HEADER_NONCE, HEADER_SERIAL, HEADER_SIGNATURE, HEADER_SIGNATURE_TYPE, HEADER_TIMESTAMP,
    NonceSource as _, RandomNonce, SIGNATURE_TYPE, response_message,
};

use super::Shared;
use super::log::{AttemptOutcome, DeliveryAttempt, DeliveryStatus};
use super::schedule::RetrySchedule;

/// The most characters of a rejecting receiver's answer kept in the delivery log.
const EXCERPT_CHARS: usize = 200;

impl Shared {
    /// One POST; the timestamp it was signed with and how it ended.
    async fn attempt(&self, url: &str, body: &str) -> (i64, AttemptOutcome) {
        let timestamp = self.clock.now_unix();
        let http = match &self.http {
            Ok(http) => http,
            Err(e) => {
                return (timestamp, AttemptOutcome::Failed { error: e.clone() });
            }
        };
        let timestamp_text = timestamp.to_string();
        let nonce = RandomNonce.nonce();
        let signature = self
            .keys
            .platform_signing_key()
            .sign_base64(&response_message(&timestamp_text, &nonce, body.as_bytes()));
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        let request_id = format!("{:016X}{n:012X}-0", self.request_id_prefix);
        let request = http
            .post(url)
            .timeout(self.attempt_timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Request-ID", request_id)
            .header(HEADER_TIMESTAMP, &timestamp_text)
            .header(HEADER_NONCE, &nonce)
            .header(HEADER_SERIAL, &self.serial)
            .header(HEADER_SIGNATURE, &signature)
            .header(HEADER_SIGNATURE_TYPE, SIGNATURE_TYPE)
            .body(body.to_owned());
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                if response.status().is_success() {
                    AttemptOutcome::Acknowledged { status }
                } else {
                    let answer = response.bytes().await.unwrap_or_default();
                    AttemptOutcome::Rejected {
                        status,
                        body: String::from_utf8_lossy(&answer)
                            .chars()
                            .take(EXCERPT_CHARS)
                            .collect(),
                    }
                }
            }
            Err(e) => AttemptOutcome::Failed {
                error: error_chain(&e),
            },
        };
        (timestamp, outcome)
    }
}

/// Delivers one notification: attempts until acknowledged or the schedule is used up, or
/// until the sandbox stops.
pub(super) async fn deliver(
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
    schedule: RetrySchedule,
    id: String,
    url: String,
    body: String,
) {
    let max = schedule.max_attempts();
    for attempt in 1..=max {
        let (timestamp, outcome) = tokio::select! {
            done = shared.attempt(&url, &body) => done,
            _ = stop.changed() => return,
        };
        let acknowledged = matches!(outcome, AttemptOutcome::Acknowledged { .. });
        let status = if acknowledged {
            DeliveryStatus::Delivered
        } else if attempt == max {
            DeliveryStatus::GaveUp
        } else {
            DeliveryStatus::Pending
        };
        tracing::info!(
            notification_id = %id,
            attempt,
            outcome = ?outcome,
            "notification attempt"
        );
        shared.update(|log| {
            if let Some(record) = log.notifications.iter_mut().find(|n| n.id == id) {
                record.attempts = attempt;
                record.status = status;
            }
            log.attempts.push(DeliveryAttempt {
                notification_id: id.clone(),
                attempt,
                url: url.clone(),
                timestamp,
                outcome,
            });
        });
        if status.is_settled() {
            return;
        }
        let delay = schedule
            .delays()
            .get(attempt - 1)
            .copied()
            .unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

/// An error and its sources, `: `-separated (reqwest's own message is terse).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
