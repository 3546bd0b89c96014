//! The resource of a `COUPON.USE` notification, built from the used coupon.

use wechatpay_apiv3::api::{Coupon, CouponUseResource, DiscountTo, SingleitemDiscountOff};

/// The decrypted `COUPON.USE` resource of a coupon, as the list API renders it.
pub(super) fn coupon_use_resource(coupon: &Coupon) -> CouponUseResource {
    let mut resource = CouponUseResource::new(
        coupon.stock_creator_mchid.clone(),
        coupon.stock_id.clone(),
        coupon.coupon_id.clone(),
    )
    .coupon_name(coupon.coupon_name.clone())
    .status(coupon.status.clone())
    .description(coupon.description.clone())
    .create_time(coupon.create_time.clone())
    .coupon_type(coupon.coupon_type.clone())
    .available_begin_time(coupon.available_begin_time.clone())
    .available_end_time(coupon.available_end_time.clone());
    if let Some(no_cash) = coupon.no_cash {
        resource = resource.no_cash(no_cash);
    }
    if let Some(singleitem) = coupon.singleitem {
        resource = resource.singleitem(singleitem);
    }
    if let Some(normal) = &coupon.normal_coupon_information {
        resource = resource.normal_coupon_information(normal.clone());
    }
    // The list API's `cut_to_message` is two fields of the notification (reference C).
    if let Some(cut_to) = &coupon.cut_to_message {
        resource = resource
            .singleitem_discount_off(
                SingleitemDiscountOff::new().single_price_max(cut_to.single_price_max),
            )
            .discount_to(
                DiscountTo::new()
                    .cut_to_price(cut_to.cut_to_price)
                    .max_price(cut_to.single_price_max),
            );
    }
    if let Some(consumed) = &coupon.consume_information {
        resource = resource.consume_information(consumed.clone());
    }
    if let Some(business_type) = &coupon.business_type {
        resource = resource.business_type(business_type.clone());
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_apiv3::Timestamp;
    use wechatpay_apiv3::api::NotificationResource;
    use wechatpay_apiv3::api::{
        ConsumeInformation, CouponStatus, CouponType, CutToMessage, NormalCouponInformation,
    };

    use crate::notifier::COUPON_USE;

    /// Whether the client's decoder reads `plaintext` as a `COUPON.USE` resource.
    fn decodes(plaintext: &str) -> bool {
        matches!(
            NotificationResource::decode(COUPON_USE, plaintext.as_bytes()),
            Ok(NotificationResource::CouponUse(_))
        )
    }

    fn coupon(kind: CouponType) -> Coupon {
        let t = Timestamp::from_wire("2024-05-20T13:29:35+08:00");
        Coupon::new(
            "8956000",
            "9856000",
            "9867041",
            "微信支付代金券",
            CouponStatus::Used,
            "说明",
            t.clone(),
            kind,
            t.clone(),
            t.clone(),
        )
        .no_cash(false)
        .singleitem(false)
        .consume_information(
            ConsumeInformation::new().transaction_id("4200000000000000000000000000"),
        )
    }

    #[test]
    fn resources_follow_the_notification_shape() {
        let normal = coupon(CouponType::Normal)
            .normal_coupon_information(NormalCouponInformation::new(100, 100));
        let json = serde_json::to_string(&coupon_use_resource(&normal)).unwrap();
        assert!(decodes(&json), "{json}");
        assert!(
            json.contains(
                r#""normal_coupon_information":{"coupon_amount":100,"transaction_minimum":100}"#
            ),
            "{json}"
        );
        assert!(json.contains(r#""status":"USED""#), "{json}");
        assert!(!json.contains("out_request_no"), "{json}");

        let cut_to = coupon(CouponType::CutTo).cut_to_message(CutToMessage::new(1000, 1));
        let json = serde_json::to_string(&coupon_use_resource(&cut_to)).unwrap();
        assert!(decodes(&json), "{json}");
        assert!(
            json.contains(r#""singleitem_discount_off":{"single_price_max":1000}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""discount_to":{"cut_to_price":1,"max_price":1000}"#),
            "{json}"
        );
        assert!(!json.contains("cut_to_message"), "{json}");
    }
}
