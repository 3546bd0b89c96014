//! The sending handle: builds a notification, logs it and starts its delivery.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use super::delivery::deliver;
use super::events::Event;
use super::log::{DeliveryStatus, NotificationRecord};
use super::{Shared, check_url};

/// A handle that sends notifications: cheap to clone, kept by tasks that send later (a
/// refund settling); its deliveries stop with the sandbox like the notifier's.
#[derive(Clone)]
pub(crate) struct Outbox {
    pub(super) shared: Arc<Shared>,
    pub(super) runtime: tokio::runtime::Handle,
    pub(super) stop: watch::Receiver<()>,
}

impl Outbox {
    /// Creates a notification of `event` about `subject` (see
    /// [`NotificationRecord::subject`]) carrying `resource`, and starts delivering it to
    /// `url`. The one place every notification is built and sent from.
    pub(crate) fn send<R: Serialize>(
        &self,
        event: &Event,
        subject: &str,
        resource: &R,
        url: Option<String>,
    ) {
        // Serializing a generated struct of strings, numbers and booleans cannot fail.
        let plaintext = serde_json::to_string(resource).unwrap_or_default();
        let url = url.and_then(|url| match check_url(&url) {
            Ok(url) => Some(url),
            Err(e) => {
                tracing::warn!(error = %e, subject, "notification not sent");
                None
            }
        });
        let body = match self.shared.envelope(event, &plaintext) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, subject, "cannot build notification");
                return;
            }
        };
        let record = NotificationRecord {
            id: body.id.clone(),
            event_type: event.event_type.to_owned(),
            subject: subject.to_owned(),
            url: url.clone(),
            body: body.json.clone(),
            resource: plaintext,
            attempts: 0,
            status: if url.is_some() {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::NoUrl
            },
        };
        self.shared.update(|log| log.notifications.push(record));
        let Some(url) = url else {
            tracing::info!(event = event.event_type, subject, "no notify URL; not sent");
            return;
        };
        let shared = Arc::clone(&self.shared);
        let stop = self.stop.clone();
        let schedule = if event.payment {
            shared.payment_schedule.clone()
        } else {
            shared.coupon_schedule.clone()
        };
        self.runtime
            .spawn(deliver(shared, stop, schedule, body.id, url, body.json));
    }

    /// Runs `task` after `delay` on the sandbox's runtime, unless the sandbox stops first.
    pub(crate) fn after(&self, delay: Duration, task: impl FnOnce(&Outbox) + Send + 'static) {
        let outbox = self.clone();
        let mut stop = self.stop.clone();
        self.runtime.spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(delay) => task(&outbox),
                _ = stop.changed() => {}
            }
        });
    }
}
