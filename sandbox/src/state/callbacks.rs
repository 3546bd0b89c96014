//! The notify URL set with `POST /v3/marketing/favor/callbacks` (one merchant: one setting).

use wechatpay_apiv3::Timestamp;

use super::SandboxState;
use crate::stocks::wire_time;

/// The merchant's cash-coupon notify URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallbackSetting {
    /// 通知地址.
    pub(crate) notify_url: String,
    /// 回调开关: `false` stops notifications (the URL is kept).
    pub(crate) switch: bool,
    /// 修改时间.
    pub(crate) update_time: Timestamp,
}

impl SandboxState {
    /// Stores the notify URL (replacing any earlier one) and returns the setting.
    pub(crate) fn set_callback(&self, notify_url: &str, switch: bool) -> CallbackSetting {
        let setting = CallbackSetting {
            notify_url: notify_url.to_owned(),
            switch,
            update_time: wire_time(self.now()),
        };
        self.lock().callback = Some(setting.clone());
        setting
    }

    /// The notify URL set through the API, if any.
    pub(crate) fn callback(&self) -> Option<CallbackSetting> {
        self.lock().callback.clone()
    }
}
