//! Client-side payment signatures (调起支付签名): the parameters a front end needs to open the
//! WeChat Pay cashier for a `prepay_id` from JSAPI/小程序下单 or APP下单.
//!
//! The back end signs; the front end only passes the values on:
//!
//! | front end | call | built by | message signed (every line ends in `\n`) |
//! |---|---|---|---|
//! | 公众号 (WeChat's browser) | `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` | [`PaySigner::jsapi`] | `appId`, `timeStamp`, `nonceStr`, `prepay_id=…` |
//! | 小程序 | `wx.requestPayment(…)` | [`PaySigner::mini_program`] | the same four lines (the AppID is signed but not passed) |
//! | APP (OpenSDK) | `PayReq` + `sendReq` | [`PaySigner::app`] | `appid`, `timestamp`, `noncestr`, the **bare** `prepay_id` |
//!
//! Signatures are SHA256withRSA with the merchant API private key — the same key that signs the
//! prepay request (“调起支付与下单计算签名使用的商户API证书需保持一致”) — in standard Base64.
//! `timeStamp` is Unix seconds as a decimal string and `nonceStr` 32 characters of
//! `[0-9A-Za-z]`, both from an injectable [`Clock`] and [`NonceSource`] like the request
//! [`Signer`](crate::auth::Signer). H5 and Native payments need no client-side signature.
//!
//! Field names: the JSAPI and 小程序 structs serialize to exactly the keys the JavaScript APIs
//! take. For APP, the three official SDKs disagree (wechatpay-go: `partnerId`, `prepayId`,
//! `timeStamp`, `nonceStr`, `package`, `sign` without the AppID; wechatpay-java: lower case
//! `appid`, `partnerid`, `prepayid`, `noncestr`, `timestamp`, `package`, `sign`); [`AppPayParams`]
//! follows the OpenSDK `PayReq` fields instead — `appId`, `partnerId`, `prepayId`, `package`,
//! `nonceStr`, `timeStamp`, `sign` — the names the app sets, with iOS's `package` for the field
//! Android calls `packageValue`.
//!
//! A successful front-end callback is not proof of payment: confirm with the payment
//! notification (`TRANSACTION.SUCCESS`) or by querying the order.
//!
//! ```
//! use wechatpay_apiv3::auth::MerchantPrivateKey;
//! use wechatpay_apiv3::paysign::PaySigner;
//!
//! # fn demo(key: MerchantPrivateKey) -> Result<(), wechatpay_apiv3::Error> {
//! let signer = PaySigner::new(key);
//! let params = signer.jsapi("wx2421b1c4370ec43b", "wx201410272009395522657a690389285100")?;
//! assert_eq!(params.payment.package, "prepay_id=wx201410272009395522657a690389285100");
//! // Hand `serde_json::to_string(&params)` to the page for WeixinJSBridge.
//! # Ok(()) }
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::auth::{Clock, MerchantPrivateKey, NonceSource, RandomNonce, SystemClock};
use crate::error::Error;

/// The `signType` of JSAPI and 小程序 payments: the only value APIv3 accepts (“仅支持RSA”).
pub const SIGN_TYPE: &str = "RSA";

/// The fixed `package` value of APP payments (`packageValue` on Android).
pub const APP_PACKAGE: &str = "Sign=WXPay";

/// The prefix of the JSAPI/小程序 `package` value; the APP message signs the bare `prepay_id`.
const PACKAGE_PREFIX: &str = "prepay_id=";

/// Signs the parameters that open the WeChat Pay cashier on a front end.
///
/// Cloning is cheap (the key, clock and nonce source are shared); `Debug` never shows the key.
#[derive(Clone, Debug)]
pub struct PaySigner {
    key: MerchantPrivateKey,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
}

/// Parameters for `WeixinJSBridge.invoke('getBrandWCPayRequest', params, callback)` inside
/// WeChat's browser (JSAPI支付): the AppID plus the [`MiniProgramPayParams`] fields, serialized
/// flat as `{"appId","timeStamp","nonceStr","package","signType","paySign"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JsapiPayParams {
    /// `appId`: the AppID the order was made with (the prepay's `appid`, spelled `appId` here).
    #[serde(rename = "appId")]
    pub app_id: String,
    /// The other five fields; `paySign` signs `appId\ntimeStamp\nnonceStr\npackage\n`.
    #[serde(flatten)]
    pub payment: MiniProgramPayParams,
}

/// Parameters for `wx.requestPayment(params)` in a 小程序. Serializes to
/// `{"timeStamp","nonceStr","package","signType","paySign"}`: the mini program's AppID is
/// implied, yet it is still the first line of the signed message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MiniProgramPayParams {
    /// `timeStamp`: Unix seconds, as a decimal string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// `nonceStr`: a random string of at most 32 characters.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `package`: `prepay_id=` followed by the prepay ID.
    pub package: String,
    /// `signType`: always [`SIGN_TYPE`] (`RSA`); not signed.
    #[serde(rename = "signType")]
    pub sign_type: String,
    /// `paySign`: the Base64 signature over `appid\ntimeStamp\nnonceStr\npackage\n`.
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

/// Parameters for the OpenSDK `PayReq` of an APP payment (APP调起支付). Serializes to
/// `{"appId","partnerId","prepayId","package","nonceStr","timeStamp","sign"}` (see the
/// [module docs](self) for why these names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppPayParams {
    /// `appId`: the 开放平台移动应用 AppID the order was made with.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// `partnerId`: the merchant ID (`mchid`); not signed.
    #[serde(rename = "partnerId")]
    pub partner_id: String,
    /// `prepayId`: the prepay ID from APP下单.
    #[serde(rename = "prepayId")]
    pub prepay_id: String,
    /// `package` (`packageValue` on Android): always [`APP_PACKAGE`] (`Sign=WXPay`); not signed.
    pub package: String,
    /// `nonceStr`: a random string of at most 32 characters.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `timeStamp`: Unix seconds, as a decimal string of 10 digits.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// `sign`: the Base64 signature over `appId\ntimeStamp\nnonceStr\nprepayId\n`.
    pub sign: String,
}

impl PaySigner {
    /// A signer with the merchant API private key, the system clock and random nonces.
    pub fn new(key: MerchantPrivateKey) -> Self {
        PaySigner {
            key,
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomNonce),
        }
    }

    /// Replaces the clock `timeStamp` is read from.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the source of `nonceStr`.
    pub fn with_nonce(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// The parameters for `WeixinJSBridge` (JSAPI支付), with a fresh timestamp and nonce.
    ///
    /// `appid` is the prepay's `appid` and `prepay_id` the bare value JSAPI/小程序下单 returned
    /// (without the `prepay_id=` prefix, which is added here).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when `appid` or `prepay_id` is empty, contains a control
    /// character (a line break would change the signed message), or `prepay_id` already starts
    /// with `prepay_id=`; or when the nonce source yields such a nonce.
    pub fn jsapi(&self, appid: &str, prepay_id: &str) -> Result<JsapiPayParams, Error> {
        self.jsapi_at(appid, prepay_id, self.clock.now_unix(), &self.nonce.nonce())
    }

    /// [`jsapi`](Self::jsapi) with an explicit timestamp and nonce, ignoring the configured
    /// clock and nonce source.
    ///
    /// # Errors
    /// As [`jsapi`](Self::jsapi).
    pub fn jsapi_at(
        &self,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<JsapiPayParams, Error> {
        check_line("appid", appid)?;
        check_prepay_id(prepay_id)?;
        check_line("nonceStr", nonce)?;
        let time_stamp = timestamp.to_string();
        let package = format!("{PACKAGE_PREFIX}{prepay_id}");
        let pay_sign = self.sign(&[appid, &time_stamp, nonce, &package]);
        Ok(JsapiPayParams {
            app_id: appid.to_owned(),
            payment: MiniProgramPayParams {
                time_stamp,
                nonce_str: nonce.to_owned(),
                package,
                sign_type: SIGN_TYPE.to_owned(),
                pay_sign,
            },
        })
    }

    /// The parameters for `wx.requestPayment` (小程序支付), with a fresh timestamp and nonce.
    /// `appid` is the mini program's AppID (the prepay's `appid`): signed, not passed.
    ///
    /// # Errors
    /// As [`jsapi`](Self::jsapi).
    pub fn mini_program(
        &self,
        appid: &str,
        prepay_id: &str,
    ) -> Result<MiniProgramPayParams, Error> {
        self.jsapi(appid, prepay_id).map(|params| params.payment)
    }

    /// The parameters for the OpenSDK `PayReq` (APP支付), with a fresh timestamp and nonce.
    ///
    /// `appid` is the prepay's `appid` (the 开放平台移动应用 AppID), `mchid` the merchant ID
    /// (sent as `partnerId`, not signed) and `prepay_id` the value APP下单 returned.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] as for [`jsapi`](Self::jsapi), and for an empty `mchid` or one
    /// with control characters.
    pub fn app(&self, appid: &str, mchid: &str, prepay_id: &str) -> Result<AppPayParams, Error> {
        self.app_at(
            appid,
            mchid,
            prepay_id,
            self.clock.now_unix(),
            &self.nonce.nonce(),
        )
    }

    /// [`app`](Self::app) with an explicit timestamp and nonce, ignoring the configured clock
    /// and nonce source.
    ///
    /// # Errors
    /// As [`app`](Self::app).
    pub fn app_at(
        &self,
        appid: &str,
        mchid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<AppPayParams, Error> {
        check_line("appid", appid)?;
        check_line("mchid", mchid)?;
        check_prepay_id(prepay_id)?;
        check_line("nonceStr", nonce)?;
        let time_stamp = timestamp.to_string();
        let sign = self.sign(&[appid, &time_stamp, nonce, prepay_id]);
        Ok(AppPayParams {
            app_id: appid.to_owned(),
            partner_id: mchid.to_owned(),
            prepay_id: prepay_id.to_owned(),
            package: APP_PACKAGE.to_owned(),
            nonce_str: nonce.to_owned(),
            time_stamp,
            sign,
        })
    }

    /// Signs the lines, each followed by `\n` (the last one included).
    fn sign(&self, lines: &[&str]) -> String {
        let mut message = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in lines {
            message.push_str(line);
            message.push('\n');
        }
        self.key.sign_base64(message.as_bytes())
    }
}

/// A value that becomes one line of the signed message: non-empty, no control characters.
fn check_line(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must not contain control characters (a line break would change the signed message)",
        ));
    }
    Ok(())
}

fn check_prepay_id(prepay_id: &str) -> Result<(), Error> {
    check_line("prepay_id", prepay_id)?;
    if prepay_id.starts_with(PACKAGE_PREFIX) {
        return Err(Error::invalid(
            "prepay_id",
            "pass the bare prepay_id returned by the prepay call, without the `prepay_id=` prefix",
        ));
    }
    Ok(())
}
