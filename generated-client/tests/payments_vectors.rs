//! The basic-payment operations of the spec driven through the *typed* generated API against the
//! official and derived vectors of the payments reference (J.1 #1, J.2, J.3): the generated
//! operations build exactly the bytes the vectors sign, the signed answers verify and decode
//! into the spec's types (a `204` close into `()`), and the TRANSACTION.SUCCESS and
//! REFUND.SUCCESS notifications are verified, decrypted and typed by the notification handler.

use std::sync::Arc;

use wechatpay_apiv3::api::{
    ApplyFundFlowBill, ApplyFundFlowBillQuery, ApplyTradeBill, ApplyTradeBillQuery, BillType,
    CloseOrder, CloseOrderBody, CreateRefund, CreateRefundBody, FundFlowAccountType, JsapiPayer,
    JsapiPrepay, JsapiPrepayBody, NotificationResource, PrepayAmount, QueryOrderById,
    QueryOrderByIdQuery, QueryOrderByOutTradeNo, QueryOrderByOutTradeNoQuery, QueryRefund,
    RefundRequestAmount, RefundStatus, TarType, TradeState, TransactionTradeType,
};
use wechatpay_apiv3::auth::{
    AuthorizationParams, FixedClock, FixedNonce, MerchantPrivateKey, ResponseHeaders,
    SIGNATURE_TYPE, Signer, Verifier,
};
use wechatpay_apiv3::notify::NotificationHandler;
use wechatpay_apiv3::{Date, Fen, Operation};

const KEY_PEM: &str = include_str!("fixtures/wechatpay-official-test-key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("fixtures/wechatpay-official-test-pubkey.pem");

// J.1: the official test merchant and the request timestamp/nonce of the official examples.
const MCHID: &str = "1900007291";
const SERIAL: &str = "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB";
const TIMESTAMP: i64 = 1_554_208_460;
const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
const OUT_TRADE_NO: &str = "1217752501201407033233368018";
const TRANSACTION_ID: &str = "4200000000000000000000000000";
const OUT_REFUND_NO: &str = "R1217752501201407033233368018";

// J.1 #1: the official JSAPI prepay example (4012365336 “带 Body 参数如何计算签名”).
const JSAPI_BODY: &str = r#"{"appid":"wxd678efh567hg6787","mchid":"1900007291","description":"Image形象店-深圳腾大-QQ公仔","out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php","amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"#;
const JSAPI_SIGNATURE: &str = "jnks4dlrPw3ZX+ozVvSK39oa0t7OMBsg83BHAwd8BRdUFiVaQNTLTvci+wURgP1OQBbKYhFGvt7iqYpDSTQkp7Uq1sltaQKyncCyrA1g88m5bsKERQfPyT0ahSwKTYJ1CAn9QiJuSJRq1QsQs07eehbU/k9BCS51jTyc1Jpsi2H77HF9f/BnjXAOP3/sPObg6V5Ee4EzwLox684hhuMuIwHo7D8KFk3LIHOKDcNI4It1aCXydFWNpNK+SG86VUDe5kwoDpw4Ulqfu9z8OFDGbDs9TCxEv8iqQzbpxOlEVoOe2kalSYM5kApQb3nZcxdUtoE0liJGW3RGUNE0t4v01A==";

// J.2: derived request signatures (same key, timestamp and nonce).
const QUERY_OUT_TRADE_NO_SIGNATURE: &str = "cVvdVujlEmASmAYpcmKXmIrlQualKxd87f8XZtnTeLCw3V7kZ1ST6YwX0kSLsqJeecZqmKJfd6ieRl/hRLZUodxXU1NzoTz1OXNh6TzBfcxU8xRNFbmPiEHwMJM7Jo52TYGk71MaCbvkPlUpUL6WhpmAgfC7jg/3IcA/UILbby4Nro0Nbq0An/DYEEp8vZMaags/5ed52JpGqxEOcTLIuqihy+Amy5z+t8m3a93YTRNDRi0W5b332UQBtrWRSwJOMU96Nof7hJC2MM71Y1bHB8YP8kBKaoDW7vEoNsEMVzkyp0pyjUHFWc6yaRVHE054z79S2koj3jSRbCiY+CaJzg==";
const QUERY_ID_SIGNATURE: &str = "UZG64aQP1l7LmfLjJ1KW5iTMhEyOiDOb0l89/t4/emVfFLOHsFyuLfhHZSS9h91z+2VVp2H1Tb8cd0W1zOLPB6JrmMbpx4VRcmDryPQ+mmZFlwF0Cvrz69wfK/UeePnQPxf38CMc5bAcVkHP+/HdHnGKNcoeUHNsBkNaAbK0M8vXf1Nik3zTiu7EcsnjJe8B497Eg3aMU9swdBmdEUfP0VPYF1WdOLNyahbJO0FOk1O0XuDyskWNwzpLb0TnVpDtv5ndDFEKGcNDgbe1TIMCNUHLmvJi08Xzw04UBs4O5B6lkwAXH9OP106kaHnFWVKqwPdGnaO7smVHVvUkyMbVuA==";
const CLOSE_SIGNATURE: &str = "P07HGWiMaJOltVF73HduLS9BRHZgDNu9vz6W34MvVxtX6wF7x4DukPqSYsKm1rcJ0ZGbdNZnYy4uFR/ghWB2Jr+m4wHI61IkZMKLZSO6mTycv9hrr/GSGhNgCqme+yGjonosG6p5RN9dgn2O/1SL7k3uP6639dWs2mGwBDSd/TfGI1250II3UFxdH1wUTUyJx0nIaJKnsS8JcFkv/yL1HJlM7bg+xoMLQU500RB4DPn6hG3luz4XDobPc49gT6jBxNCviFaPEanGXhW3NKe3dKBvDAsAcSTbEwI1kF2BOx8B0QTtS7FKRZ246KHDjsy5t4GWXztLdAZWIVVVVZDZEQ==";
const REFUND_BODY: &str = r#"{"out_trade_no":"1217752501201407033233368018","out_refund_no":"R1217752501201407033233368018","reason":"商品已售完","amount":{"refund":1,"total":100,"currency":"CNY"}}"#;
const REFUND_SIGNATURE: &str = "NGGyN591Bi1CmNNZ1APxeND5mwCZZFA3uUVHm0KuoufACBjPlRCrb3AKRXWAyWPRLJvLhsVus/O/B5GJglUB8UjoIwGBONQbA+PFg7VnVnaKJrOiD3BteQh6KgBqPMdPzz9I+rW3xtTCvFip3GNlHTZ3x2R+3r6zv2/ZuXpvib/+R6y6Z6TChRor6hZBHGOjcASYb9Xx1Dxv1A1ZxQtb4YaNhL1VnUwcT/Q09KSZz+w7Ob0YGoyjxA8RW5b18WA7pWQKsFHZcqYzcYyLO8JtnJzZlEgdmROqEyZTHj+FEp6SfDnUCz6AEliG4XmwijlRgWc1CTHHHvXJBUx+Q7mz2w==";
const QUERY_REFUND_SIGNATURE: &str = "poNma911LW/kI5SzFsZ+tiLF/vnSBMkOl0QgwwA455fVV1vqeGu8OnGoYXZtJ6RIibdXGB2jxUL9VLjBmeRYnGjrR3kFmVIpAhydWoGlp7cOdPFbv09R6RTqxsf+ax8qB0KPtesJuYXvmhzNlQ1yuKD0rtlxf8XvXTdf/P+1G0Nzi5/cLEUeAI27U8JDpkyWWj/zTqhQh8XYd/cvhUF7vEHsFw5PnBwzSRx2YQSNij8lhPCgAlrcLQYzVUgTEF3LIqmxO2USNgZQeCW4IsMkemcn7xB6HCHwvrYRr3CT8Iu4jKSWjgnBo5RaZlTQ+f0AyM4fzaqSwurzBLpQZUwEHQ==";
const TRADEBILL_SIGNATURE: &str = "YG2YqDII/69dqhh1rtSppeRB9DCZViYc20qBVXWGfAsqmKRa601iYyP7hB85/NUdOUNJXKLqeBY9VEBQ6eHtusECklTjAGlVWa3wmVY0lFPx/ptCONIFUytofwlFdauxVP1bAYbBMgX6P/d4XPVmvY5aUAeQx5V9DfT2k6zaSVNCaRBjH6dc/vUIiyZ6LriD56CpNAbdrXEEfYZlZIcJJFPBZcxDKr9MG/S77VTeS9sdOKbcP2uMvHvxVCRNb1wAX59HeX1BFYVcAVKbPxeZZ00jdCvFV6+CfB5Ezj4Z5IfuwiIXeT1Xln2S+xV+1tdN+aWGBHgst9JXUKELUSR9JA==";
const FUNDFLOWBILL_SIGNATURE: &str = "fY/NS2j6DfLjdw0bDVY5IYM9jkQx5yu0+zv2LM5msOoVW6I7tzSJ8NKTrLSfCGt7RL2WdsivVkNJNf0FTUpssVDMNJbJpinKi0UINjH3CdANUOHzGjaOq2XOFzTKbMKLCL9979z6lT1XgVtZKBNivQQK7dpji/5hE0/ClKCgsSr4hLNNHfFBc8vLXolaJWdbnpYCTSrhamGOJqwdsKD4C4i/BD+Rx242DjDUqKFgBUSRakwdBB6xlqMAxy7bpqV7Q82EtrfFZERfNf1mpqofmQ6UE4T2l4l30RzfS9ZrDQR5pBwC/S4pQWkCxhKNxB3i4BE+6Mh+wNXG0GrcCn6ceA==";

// J.3: the J.1 key acting as WeChat Pay, registered as `PUB_KEY_ID_TEST`.
const WECHATPAY_SERIAL: &str = "PUB_KEY_ID_TEST";
const ANSWER_TIMESTAMP: i64 = 1_554_209_980;
const ANSWER_NONCE: &str = "c5ac7061fccab6bf3e254dcf98995b8c";
const PREPAY_ANSWER: &str = r#"{"prepay_id":"wx201410272009395522657a690389285100"}"#;
const PREPAY_ANSWER_SIGNATURE: &str = "CmdAJ2qHFDeQ28gp7Lcj525Td9yLWxErvgtiN5IpnQ2R0O9RcNsMWHUCN8s4XbosYE7U0IRhHxQ3odzC7SPiRISxgTJ9KGpO6FOmEIoKJcBILAFxLty45Y6lDD88tFyxvPzqwHLARne4PFfry1MIDjmqnLVBg21hNF4DTHYm9m3fp9WSyZtq2CBIXnHBH1EFHyXIHEKvLI50K0c8YHr7fLe02syxNDrDwhyutQ+BBo8ql429TixiNf/TrPMgBlzSa4mWnZvtF85FhEce69kWF8+MB8SCv8HvaLSHtY98yXNpsYYcJ1hfNymENISHltVm0KiSu1k01AT3edmfxo9GBw==";
const CLOSE_ANSWER_SIGNATURE: &str = "gTMPIrcZYlF04qcHvC7TvlFzsi5aoaBSvunUYUwh2VGzgTKekxyCFRQxkWSrMWgHUchFuNReUgvuhiPQsZ2QN9cy5Nu8rFwByTiyn/RA4mhBQiD+CrGBMhRVOcbnFGPn7ZKezO0Gyi7q9+WzdeBrGOpT8OeoTEz4x2UA5GDwVrCp6AZ8k5Pyg7z5ewDk4NvqmfUZKZLOzGQcfgRFzft/s7NJs4iInXaEpJQaYdoYxTjTkdS4IwKRMkdI8hBT4kKTbz3KJB2sxZ8Lswmyjw9RqJZZWSiwIGoGwxodFn0vYPNnfxmCXhRiJ5lmQXREtLk9ED8Li3E9AVU1phch67JH+A==";
const API_V3_KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
const TRANSACTION_NOTIFICATION: &str = r#"{"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"DUcSk7X3A8MEOkED4MXRyFI8lVzmxofHCgQTJTZp7Le7Yh4fwJp7KJPSO4Kci7sCW6SrqBdzgGy/sMCWIPKVQdMoXpY4xG4iYhF7TH0MBs4T7FaM9hoFjn/sa9TCWtjLTRzZiknVkW9IXW37a35VmVaeZyQYgusGnnisNS4C5dQEMLenoEF4L3PO4m3uteC+aMmWJMtSbZltG3H2Cu2Vou2Js2PVFnyTfOk0kYJAGpoCL2ommjUrvbBvauITRk+k/y/n+JuGpdOpOis3M/eGUHdtAIyAvV/ITkfIG5HrFyBdGa2YLbf+GInakMOOp3keLCkCrXxqpGgj/93tkVOlMxLsBE4+v6PxO4W/XgV/4wFoXgWwZWtITpWXSw2PhtlRqB3wYR1oLOQLchwJxi52V1ku3ClmMKFUp+fxqVUY9Xd2v0aYu790sSKRsOWHztB93+hiJGRzz5d0g5EFcVOBDeBJ+CtvEvqoSFSV3DzAqI0D3zzR060zfnbXXysdautyGRF2j6wmjU07c3XWZ1AnERmofPEhEAoAoECGxd3QJSZbMotFyNGjepgqsnJTnghRjNFgIOdqvkn1WFJrrKQB","associated_data":"transaction","nonce":"fdasflkja484"}}"#;
const TRANSACTION_NOTIFICATION_SIGNATURE: &str = "nDuWkZBvchNeMGgspG5vkUT9c1WuiGTSJ4U2HcFjbc7R4pZYrJeS5CSkHDgXJlzYrDVBpssos46ZjbYn372p86KDVU88GH5fFLdwkIIzG2O/+ziyPIxWVBz+9Qoqycz/ku3g5Y0h/kWyTLHwqdsCCzoGNuC/rcVI5ipiyVwn4LBWAvs994Txfr53m1fv3cNXk/YL4Zyv3U0lUTcx94QYtDls7mRvrQchVjQxrLdQKCiTOJvbFuzlzMQHp9d5xh1F9nwBdfRyfrMJI1P/Un6ttxUlE8vUPv1tj1PYR6n6oQvB4b7dI8ApJl4iPuW/ABURzj8nJByAlGGb+EG0n2L6vg==";
const REFUND_NOTIFICATION: &str = r#"{"id":"EV-2018022511223320874","create_time":"2018-06-08T10:34:56+08:00","resource_type":"encrypt-resource","event_type":"REFUND.SUCCESS","summary":"退款成功","resource":{"original_type":"refund","algorithm":"AEAD_AES_256_GCM","ciphertext":"Eu6k3KOMCfFZPsMoOqloD2sDgi6brE00a8ph6KA9qo8zps/eFHbDkXtNp5U8prfsrGWNgItpRsjtzXx+n5uwdf3Lq+HYhBQsaypiC10Bi1OlnI9Wkr0TO+FhQOIRj0oFgb/DismYej6Q/1ivSoBQnzuK3nIJPQQOoFbyNc0iKVW/dxQ3K61fhv9VsD/MMOjZpsQWyPr3bSX3xevimdEiSsnHH6okzYixnyVxHx3StA+bdyE0oq7lmAzQieHbZp6/yCRPRLwwX594ypXJCxLUmLxRW7yFsPY6Ef543aK5yGn5Byk5Sg9hOUP2bQb2pvnLN1wsD5H1Vt/4qETRVG1w/7xzm/Sqv2O0FBSbrzfhwa/atSrI4sW+1wHe4DQB94pyI/siPPuBnHDTJTz4NQyNbMDSon5qPnnOylWFfhzHCqvkw8CykxgM703wXoHMxgaJ4hmGsQtYI1UMiN7q1/Zt9mbGBcCYWl54pGCg3LPm9OIpCuUMfrUqKPPB+c+pwG/weiSNiDzoudXy/48YmnY9FdwurTgGBhk=","associated_data":"refund","nonce":"abcdefghijkl"}}"#;
const REFUND_NOTIFICATION_SIGNATURE: &str = "MRudLdTpOkGGL/YimwlL6eLgZiNkPIe0teH0l40e35swS46Olf3/EhMqjnLStMiQckqY4AJ48/6pkruSFAj4ZPZY90VuI1Ag8uXvl49sMN6lbXGF7hSwnZSvYPJEnKade0HhDnfoW8qCEbBZQPhQtxZIJfi2b2hXKPMqylFNmWyoBJg9KjZ5D4miWgxZCXl4QsLd4wlPJb5ir/j0zalltEKYUcg8F2J9Sc2llF5sIsBi2YuTN/J1HL//+aJrIVqxydkCwHJEEYgKDtEZHxWEEkSrCo/ZGfXW+TLcvddoI4LD/oTt2Su2dLiDO0YFEQniNw8n9daZDbz5uDGGQuPVNA==";

fn signer() -> Signer {
    let key = MerchantPrivateKey::from_pem(KEY_PEM).expect("the official test key parses");
    Signer::new(MCHID, SERIAL, key)
        .with_clock(Arc::new(FixedClock(TIMESTAMP)))
        .with_nonce(Arc::new(FixedNonce(NONCE.to_owned())))
}

/// Builds the operation and signs exactly what it would send; returns (target, body, signature).
fn build_and_sign(op: &impl Operation) -> (String, String, String) {
    let request = op.build().expect("the vector's values satisfy the spec");
    let body = request.body.clone().unwrap_or_default();
    let header = signer().authorization(request.method.as_str(), &request.path_and_query, &body);
    let params = AuthorizationParams::parse(&header).expect("our own header parses");
    assert_eq!(params.mchid, MCHID);
    assert_eq!(params.serial_no, SERIAL);
    (
        request.path_and_query.clone(),
        request.body_str().to_owned(),
        params.signature,
    )
}

fn wechatpay_verifier(now: i64) -> Verifier {
    let mut verifier = Verifier::new().with_clock(Arc::new(FixedClock(now)));
    verifier
        .add_public_key_pem(WECHATPAY_SERIAL, PUBLIC_KEY_PEM)
        .expect("the official test public key parses");
    verifier
}

fn answer_headers(signature: &str) -> ResponseHeaders<'_> {
    ResponseHeaders {
        timestamp: Some("1554209980"),
        nonce: Some(ANSWER_NONCE),
        signature: Some(signature),
        serial: Some(WECHATPAY_SERIAL),
        signature_type: Some(SIGNATURE_TYPE),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

#[test]
fn jsapi_prepay_builds_and_signs_the_official_example() {
    let body = JsapiPrepayBody::new(
        "wxd678efh567hg6787",
        MCHID,
        "Image形象店-深圳腾大-QQ公仔",
        OUT_TRADE_NO,
        "https://www.weixin.qq.com/wxpay/pay.php",
        PrepayAmount::new(100).currency("CNY"),
        JsapiPayer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    );
    let (target, body, signature) = build_and_sign(&JsapiPrepay::new(body));
    assert_eq!(target, "/v3/pay/transactions/jsapi");
    assert_eq!(body, JSAPI_BODY);
    assert_eq!(signature, JSAPI_SIGNATURE);
    // Prepay is keyed on out_trade_no: a timed-out prepay is retried with the same bytes.
    const { assert!(JsapiPrepay::META.idempotent) };
}

#[test]
fn order_queries_put_mchid_in_the_signed_target() {
    let by_no = QueryOrderByOutTradeNo::new(OUT_TRADE_NO, QueryOrderByOutTradeNoQuery::new(MCHID));
    let (target, body, signature) = build_and_sign(&by_no);
    assert_eq!(
        target,
        "/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1900007291"
    );
    assert_eq!(body, "");
    assert_eq!(signature, QUERY_OUT_TRADE_NO_SIGNATURE);

    let by_id = QueryOrderById::new(TRANSACTION_ID, QueryOrderByIdQuery::new(MCHID));
    let (target, _, signature) = build_and_sign(&by_id);
    assert_eq!(
        target,
        "/v3/pay/transactions/id/4200000000000000000000000000?mchid=1900007291"
    );
    assert_eq!(signature, QUERY_ID_SIGNATURE);
}

#[test]
fn close_sends_only_the_mchid() {
    let close = CloseOrder::new(OUT_TRADE_NO, CloseOrderBody::new(MCHID));
    let (target, body, signature) = build_and_sign(&close);
    assert_eq!(
        target,
        "/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close"
    );
    assert_eq!(body, r#"{"mchid":"1900007291"}"#);
    assert_eq!(signature, CLOSE_SIGNATURE);
}

#[test]
fn refund_builds_the_derived_vector_and_is_keyed_on_out_refund_no() {
    let body = CreateRefundBody::new(OUT_REFUND_NO, RefundRequestAmount::new(1, 100, "CNY"))
        .out_trade_no(OUT_TRADE_NO)
        .reason("商品已售完");
    let (target, body, signature) = build_and_sign(&CreateRefund::new(body));
    assert_eq!(target, "/v3/refund/domestic/refunds");
    assert_eq!(body, REFUND_BODY);
    assert_eq!(signature, REFUND_SIGNATURE);
    const { assert!(CreateRefund::META.idempotent) };

    let (target, _, signature) = build_and_sign(&QueryRefund::new(OUT_REFUND_NO));
    assert_eq!(
        target,
        "/v3/refund/domestic/refunds/R1217752501201407033233368018"
    );
    assert_eq!(signature, QUERY_REFUND_SIGNATURE);
}

#[test]
fn bill_queries_follow_the_official_parameter_order() {
    let trade = ApplyTradeBillQuery::new(Date::from_wire("2019-06-11"))
        .bill_type(BillType::All)
        .tar_type(TarType::Gzip);
    let (target, _, signature) = build_and_sign(&ApplyTradeBill::new(trade));
    assert_eq!(
        target,
        "/v3/bill/tradebill?bill_date=2019-06-11&bill_type=ALL&tar_type=GZIP"
    );
    assert_eq!(signature, TRADEBILL_SIGNATURE);

    let fund = ApplyFundFlowBillQuery::new(Date::from_wire("2019-06-11"))
        .account_type(FundFlowAccountType::Basic);
    let (target, _, signature) = build_and_sign(&ApplyFundFlowBill::new(fund));
    assert_eq!(
        target,
        "/v3/bill/fundflowbill?bill_date=2019-06-11&account_type=BASIC"
    );
    assert_eq!(signature, FUNDFLOWBILL_SIGNATURE);
}

#[test]
fn spec_constraints_reject_bad_orders_before_signing() {
    let payer = JsapiPayer::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    let order = |out_trade_no: &str, total: i64| {
        JsapiPrepay::new(JsapiPrepayBody::new(
            "wxd678efh567hg6787",
            MCHID,
            "商品",
            out_trade_no,
            "https://example.com/notify",
            PrepayAmount::new(total),
            payer.clone(),
        ))
        .build()
    };
    let field = |result: Result<_, wechatpay_apiv3::Error>| match result {
        Err(wechatpay_apiv3::Error::InvalidRequest { field, .. }) => field,
        other => panic!("expected InvalidRequest, got {other:?}"),
    };
    assert_eq!(field(order("12345", 100)), "body.out_trade_no");
    assert_eq!(field(order("order#123456", 100)), "body.out_trade_no");
    assert_eq!(field(order(OUT_TRADE_NO, 0)), "body.amount.total");
    assert!(order("A_b-1|2*3", 1).is_ok());
    let bad_bill =
        ApplyTradeBill::new(ApplyTradeBillQuery::new(Date::from_wire("2019-02-30"))).build();
    assert_eq!(field(bad_bill), "query.bill_date");
}

// ---------------------------------------------------------------------------------------------
// Answers

#[test]
fn the_signed_prepay_answer_verifies_and_decodes() {
    let verifier = wechatpay_verifier(ANSWER_TIMESTAMP);
    verifier
        .verify(
            &answer_headers(PREPAY_ANSWER_SIGNATURE),
            PREPAY_ANSWER.as_bytes(),
        )
        .expect("J.3 #1 verifies");
    let answer = JsapiPrepay::decode(PREPAY_ANSWER.as_bytes(), None).unwrap();
    assert_eq!(answer.prepay_id, "wx201410272009395522657a690389285100");
}

#[test]
fn the_signed_204_close_answer_verifies_over_an_empty_body_and_decodes_to_unit() {
    let verifier = wechatpay_verifier(ANSWER_TIMESTAMP);
    verifier
        .verify(&answer_headers(CLOSE_ANSWER_SIGNATURE), b"")
        .expect("J.3 #2 verifies");
    let (): () = CloseOrder::decode(b"", None).unwrap();
}

#[test]
fn an_unpaid_order_as_observed_decodes() {
    // OBS-1: a NOTPAY answer without transaction_id, payer, trade_type, amount.currency.
    let body = r#"{"amount":{"payer_currency":"CNY","total":1},"appid":"wxfc0e36204345c206","mchid":"1642979517","out_trade_no":"1654449150982348804202305051933","promotion_detail":[],"scene_info":{"device_id":""},"trade_state":"NOTPAY","trade_state_desc":"订单未支付"}"#;
    let order = QueryOrderByOutTradeNo::decode(body.as_bytes(), None).unwrap();
    assert_eq!(order.trade_state, TradeState::Notpay);
    assert_eq!(order.transaction_id, None);
    assert_eq!(order.amount.as_ref().map(|a| a.total), Some(Fen(1)));
    assert!(order.promotion_detail.is_empty());
}

#[test]
fn an_observed_processing_refund_decodes_with_fields_the_go_sdk_lacks() {
    // OBS-1: refund_fee (absent from wechatpay-go), empty from/promotion_detail, no success_time.
    let body = r#"{"amount":{"currency":"CNY","discount_refund":0,"from":[],"payer_refund":10,"payer_total":10,"refund":10,"refund_fee":0,"settlement_refund":10,"settlement_total":10,"total":10},"channel":"ORIGINAL","create_time":"2024-07-31T16:55:39+08:00","funds_account":"AVAILABLE","out_refund_no":"1818571211644825600","out_trade_no":"1815322542292299776","promotion_detail":[],"refund_id":"50303400132024073135461150169","status":"PROCESSING","transaction_id":"4200002346202407227299244938","user_received_account":"支付用户零钱"}"#;
    let refund = CreateRefund::decode(body.as_bytes(), None).unwrap();
    assert_eq!(refund.status, RefundStatus::Processing);
    assert_eq!(refund.amount.refund_fee, Some(Fen(0)));
    assert_eq!(refund.success_time, None);
}

// ---------------------------------------------------------------------------------------------
// Notifications

fn notification_handler() -> NotificationHandler {
    NotificationHandler::with_key_bytes(wechatpay_verifier(ANSWER_TIMESTAMP), API_V3_KEY.to_vec())
        .expect("a 32-byte APIv3 key")
        .with_clock(Arc::new(FixedClock(ANSWER_TIMESTAMP)))
}

fn notification_headers(signature: &'static str) -> impl Fn(&str) -> Option<&'static str> {
    move |name| match name.to_ascii_lowercase().as_str() {
        "wechatpay-timestamp" => Some("1554209980"),
        "wechatpay-nonce" => Some(ANSWER_NONCE),
        "wechatpay-signature" => Some(signature),
        "wechatpay-serial" => Some(WECHATPAY_SERIAL),
        "wechatpay-signature-type" => Some(SIGNATURE_TYPE),
        _ => None,
    }
}

#[test]
fn transaction_success_is_verified_decrypted_and_typed_as_a_transaction() {
    let notification = notification_handler()
        .handle(
            notification_headers(TRANSACTION_NOTIFICATION_SIGNATURE),
            TRANSACTION_NOTIFICATION.as_bytes(),
        )
        .expect("J.3 #3 verifies and decrypts");
    assert_eq!(notification.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(notification.original_type, "transaction");
    let NotificationResource::TransactionSuccess(order) = &notification.resource else {
        panic!("typed as {:?}", notification.resource);
    };
    assert_eq!(order.out_trade_no, OUT_TRADE_NO);
    assert_eq!(order.transaction_id.as_deref(), Some(TRANSACTION_ID));
    assert_eq!(order.trade_state, TradeState::Success);
    assert_eq!(order.trade_type, Some(TransactionTradeType::Jsapi));
    assert_eq!(order.amount.as_ref().map(|a| a.total), Some(Fen(100)));
    assert_eq!(
        order.payer.as_ref().map(|p| p.openid.as_str()),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    );
}

#[test]
fn refund_success_is_verified_decrypted_and_typed() {
    let notification = notification_handler()
        .handle(
            notification_headers(REFUND_NOTIFICATION_SIGNATURE),
            REFUND_NOTIFICATION.as_bytes(),
        )
        .expect("J.3 #4 verifies and decrypts");
    assert_eq!(notification.event_type, "REFUND.SUCCESS");
    let NotificationResource::RefundSuccess(refund) = &notification.resource else {
        panic!("typed as {:?}", notification.resource);
    };
    assert_eq!(refund.out_refund_no, OUT_REFUND_NO);
    assert_eq!(refund.refund_status, RefundStatus::Success);
    assert_eq!(refund.amount.refund, Fen(1));
    assert_eq!(refund.user_received_account, "支付用户零钱");
}

#[test]
fn a_tampered_payment_notification_is_never_decrypted() {
    let tampered =
        TRANSACTION_NOTIFICATION.replace("EV-2018022511223320873", "EV-2018022511223320870");
    assert!(
        notification_handler()
            .handle(
                notification_headers(TRANSACTION_NOTIFICATION_SIGNATURE),
                tampered.as_bytes(),
            )
            .is_err()
    );
}
