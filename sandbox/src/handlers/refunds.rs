//! Refunds: apply (`PROCESSING`), query, settle (by itself after a delay, or by hand to
//! `SUCCESS`, `ABNORMAL` or `CLOSED`, each with its `REFUND.*` notification), and the abnormal
//! refund re-route.

use std::time::Duration;

use wechatpay_apiv3::api::{ApplyAbnormalRefund, CreateRefund, QueryRefund, Refund, RefundStatus};

use crate::SandboxConfig;
use crate::app::App;
use crate::notifier::{Event, Outbox};
use crate::protocol::Caller;
use crate::reply::ApiFailure;
use crate::state::SandboxState;

type Handled<T> = Result<T, ApiFailure>;

/// How long a refund stays `PROCESSING` by default before it succeeds.
pub(crate) const DEFAULT_REFUND_SETTLE_DELAY: Duration = Duration::from_secs(1);

impl SandboxConfig {
    /// How long a refund stays `PROCESSING` before it succeeds by itself and its
    /// `REFUND.SUCCESS` is sent (default 1 s; WeChat Pay takes minutes to days). `None`: it
    /// stays `PROCESSING` until settled with [`Sandbox::settle_refund`](crate::Sandbox::settle_refund)
    /// or `POST /sandbox/refunds/settle`.
    pub fn refund_settle_delay(mut self, delay: Option<Duration>) -> Self {
        self.refund_settle_delay = delay;
        self
    }
}

pub(super) fn create(app: &App, _caller: &Caller, input: CreateRefund) -> Handled<Refund> {
    let applied = app.state.refund(&input.body)?;
    if applied.replayed {
        tracing::debug!(out_refund_no = %input.body.out_refund_no, "idempotent replay of refund");
    } else {
        app.settle_later(&applied.refund.out_refund_no);
    }
    Ok(applied.refund)
}

pub(super) fn query(app: &App, _caller: &Caller, input: QueryRefund) -> Handled<Refund> {
    app.state.query_refund(&input.out_refund_no)
}

pub(super) fn abnormal(app: &App, _caller: &Caller, input: ApplyAbnormalRefund) -> Handled<Refund> {
    let refund = app
        .state
        .apply_abnormal_refund(&input.refund_id, &input.body)?;
    app.settle_later(&refund.out_refund_no);
    Ok(refund)
}

/// The event a refund's final state is told with.
fn event_of(status: &RefundStatus) -> Option<&'static Event> {
    match status {
        RefundStatus::Success => Some(&Event::REFUND_SUCCESS),
        RefundStatus::Abnormal => Some(&Event::REFUND_ABNORMAL),
        RefundStatus::Closed => Some(&Event::REFUND_CLOSED),
        _ => None,
    }
}

/// Settles a processing refund and sends its notification; `false` when it was not
/// processing.
fn settle(state: &SandboxState, outbox: &Outbox, out_refund_no: &str, to: RefundStatus) -> bool {
    let Some(event) = event_of(&to) else {
        return false;
    };
    let Some(settled) = state.settle_refund(out_refund_no, to) else {
        return false;
    };
    outbox.send(event, out_refund_no, &settled.resource, settled.notify_url);
    true
}

impl App {
    /// Lets a processing refund succeed after the configured delay.
    fn settle_later(&self, out_refund_no: &str) {
        let Some(delay) = self.refund_settle_delay else {
            return;
        };
        let state = self.state.clone();
        let out_refund_no = out_refund_no.to_owned();
        self.notifier.outbox().after(delay, move |outbox| {
            settle(&state, outbox, &out_refund_no, RefundStatus::Success);
        });
    }

    /// Settles the processing refund `out_refund_no` now as `to` (`SUCCESS`, `ABNORMAL` or
    /// `CLOSED`) and sends its `REFUND.*` notification; the one place
    /// [`Sandbox::settle_refund`](crate::Sandbox::settle_refund) and
    /// `POST /sandbox/refunds/settle` go through. Returns the refund as it is now.
    pub(crate) fn settle_refund(&self, out_refund_no: &str, to: RefundStatus) -> Handled<Refund> {
        let current = self.state.query_refund(out_refund_no)?;
        if event_of(&to).is_none() {
            return Err(ApiFailure::param(format!(
                "退款只能结束为 SUCCESS、ABNORMAL 或 CLOSED，不能是 {}",
                to.as_str()
            )));
        }
        if !settle(&self.state, &self.notifier.outbox(), out_refund_no, to) {
            return Err(ApiFailure::param(format!(
                "退款不在处理中（PROCESSING），当前为 {}",
                current.status.as_str()
            )));
        }
        self.state.query_refund(out_refund_no)
    }
}
