"""Drive the sandbox with wechatpayv3 (PyPI), a third-party WeChat Pay APIv3 SDK for Python.

Usage: python3 python_client.py public-key|platform

Reads the variables `wechatpay-sandbox` prints (WECHATPAY_BASE_URL, WECHATPAY_MCHID,
WECHATPAY_MCH_SERIAL, WECHATPAY_PRIVATE_KEY, WECHATPAY_PUBLIC_KEY, WECHATPAY_PUBLIC_KEY_ID,
WECHATPAY_APIV3_KEY) and optionally INTEROP_OPENID, INTEROP_LOST_OPENID, INTEROP_PREFIX.

In public-key mode the SDK verifies responses with the WeChat Pay public key; in platform mode it
downloads and decrypts the platform certificate from GET /v3/certificates with the APIv3 key and
verifies with that. Then it sends a coupon, re-sends the same request (same out_request_no),
sends a second coupon whose first answer the test makes the sandbox lose (an injected 500 after
the coupon is issued) and re-sends it, lists the user's coupons with the SDK's default paging,
and sends to an unknown stock. Then the payments: a JSAPI prepay (and the same again), a query
by out_trade_no, the user pays (the sandbox's admin endpoint POST /sandbox/orders/pay), a
query by transaction_id, the SDK's 调起支付 signature (`sign`) for the prepay_id at a fixed
time and nonce, a refund and its query. It prints one JSON object with every status and ID on stdout;
sandbox/tests/interop.rs checks it. Any exception (a response the SDK could not verify
included) exits non-zero with the traceback on stderr.
"""

import json
import os
import sys

import requests

import wechatpayv3
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3 import core as wxcore

APPID = "wx233544546545989"
STOCK_ID = "9856000"
UNKNOWN_STOCK_ID = "1234567"


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"python_client.py: environment variable {name} is not set")
    return value


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def make_client(mode):
    options = dict(
        wechatpay_type=WeChatPayType.MINIPROG,
        mchid=env("WECHATPAY_MCHID"),
        private_key=read(env("WECHATPAY_PRIVATE_KEY")),
        cert_serial_no=env("WECHATPAY_MCH_SERIAL"),
        appid=APPID,
        apiv3_key=env("WECHATPAY_APIV3_KEY"),
        timeout=(5, 30),
    )
    if mode == "public-key":
        options.update(
            public_key=read(env("WECHATPAY_PUBLIC_KEY")),
            public_key_id=env("WECHATPAY_PUBLIC_KEY_ID"),
        )
    elif mode != "platform":
        sys.exit(f"python_client.py: unknown mode {mode!r}: use public-key or platform")
    # wechatpayv3 has no base-URL option: its gateway is fixed to the production host and, in
    # platform mode, the constructor downloads certificates from it at once. Construct without
    # that download, point the gateway at the sandbox, then download from the sandbox.
    init_certificates = wxcore.Core._init_certificates
    wxcore.Core._init_certificates = lambda self: None
    try:
        pay = WeChatPay(**options)
    finally:
        wxcore.Core._init_certificates = init_certificates
    pay._core._gate_way = env("WECHATPAY_BASE_URL").rstrip("/")
    if mode == "platform":
        pay._core._init_certificates()
    return pay


def answer(code, message):
    """(status, parsed JSON body or None)."""
    try:
        body = json.loads(message) if message else None
    except (TypeError, ValueError):
        body = None
    return code, body


def send(pay, openid, out_request_no, stock_id=STOCK_ID):
    code, body = answer(
        *pay.marketing_favor_stock_send(
            stock_id=stock_id,
            openid=openid,
            out_request_no=out_request_no,
            stock_creator_mchid=env("WECHATPAY_MCHID"),
        )
    )
    result = {"status": code}
    if body:
        for key in ("coupon_id", "code", "message"):
            if key in body:
                result[key] = body[key]
    return result


def payments(pay, prefix):
    """The payment walk; every answer's status and the fields the test checks."""
    out_trade_no = f"{prefix}-order-1"
    order = dict(
        description="interop 商品",
        out_trade_no=out_trade_no,
        amount={"total": 100, "currency": "CNY"},
        payer={"openid": "o_interop_payer"},
        notify_url="https://merchant.example.com/wxpay/notify",
        pay_type=WeChatPayType.JSAPI,
    )
    report = {}
    code, body = answer(*pay.pay(**order))
    report["prepay"] = {"status": code, "prepay_id": (body or {}).get("prepay_id")}
    code, body = answer(*pay.pay(**order))
    report["prepay_again"] = {"status": code, "prepay_id": (body or {}).get("prepay_id")}
    code, body = answer(*pay.query(out_trade_no=out_trade_no))
    report["query_unpaid"] = {"status": code, "trade_state": (body or {}).get("trade_state")}

    # The user pays, as WeChat's cashier would: the sandbox's admin endpoint.
    paid = requests.post(
        env("WECHATPAY_BASE_URL").rstrip("/") + "/sandbox/orders/pay",
        json={"out_trade_no": out_trade_no},
        timeout=30,
    )
    report["pay"] = {"status": paid.status_code}
    transaction_id = paid.json().get("transaction_id")
    code, body = answer(*pay.query(transaction_id=transaction_id))
    body = body or {}
    report["query_paid"] = {
        "status": code,
        "trade_state": body.get("trade_state"),
        "transaction_id": body.get("transaction_id"),
        "openid": (body.get("payer") or {}).get("openid"),
    }

    # 调起支付 (wx.requestPayment): the SDK's signature over appId, timeStamp, nonceStr, package.
    prepay_id = report["prepay"]["prepay_id"] or ""
    report["pay_sign"] = {
        "timestamp": "1554208460",
        "nonce": "593BEC0C930BF1AFEB40B4A08C8FB242",
        "pay_sign": pay.sign(
            [APPID, "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", f"prepay_id={prepay_id}"]
        ),
    }

    out_refund_no = f"{prefix}-refund-1"
    code, body = answer(
        *pay.refund(
            out_refund_no=out_refund_no,
            amount={"refund": 40, "total": 100, "currency": "CNY"},
            out_trade_no=out_trade_no,
        )
    )
    body = body or {}
    report["refund"] = {
        "status": code,
        "refund_status": body.get("status"),
        "refund_id": body.get("refund_id"),
    }
    code, body = answer(*pay.query_refund(out_refund_no=out_refund_no))
    body = body or {}
    report["query_refund"] = {
        "status": code,
        "refund_status": body.get("status"),
        "refund_id": body.get("refund_id"),
        "refund": (body.get("amount") or {}).get("refund"),
    }
    return report


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "public-key"
    tag = mode.replace("-", "_")
    openid = os.environ.get("INTEROP_OPENID") or f"o_interop_py_{tag}"
    lost_openid = os.environ.get("INTEROP_LOST_OPENID") or f"o_interop_py_lost_{tag}"
    prefix = os.environ.get("INTEROP_PREFIX") or f"py-{tag}"

    pay = make_client(mode)
    report = {
        "client": "wechatpayv3",
        "version": wechatpayv3.__version__,
        "mode": mode,
        "certificates": [format(c.serial_number, "X") for c in pay._core._certificates],
    }
    report["send"] = send(pay, openid, f"{prefix}-1")
    report["resend"] = send(pay, openid, f"{prefix}-1")
    report["lost"] = send(pay, lost_openid, f"{prefix}-2")
    report["lost_resend"] = send(pay, lost_openid, f"{prefix}-2")

    # The SDK's defaults: offset=0&limit=20.
    code, body = answer(*pay.marketing_favor_user_coupon(openid=openid))
    body = body or {}
    report["list"] = {
        "status": code,
        "total_count": body.get("total_count"),
        "offset": body.get("offset"),
        "limit": body.get("limit"),
        "coupon_ids": [c.get("coupon_id") for c in body.get("data") or []],
        "out_request_nos": [c.get("out_request_no") for c in body.get("data") or []],
    }
    code, body = answer(
        *pay.marketing_favor_user_coupon(
            openid=openid, status="SENDED", creator_mchid=env("WECHATPAY_MCHID")
        )
    )
    report["list_filtered"] = {"status": code, "total_count": (body or {}).get("total_count")}

    report["unknown_stock"] = send(pay, openid, f"{prefix}-3", stock_id=UNKNOWN_STOCK_ID)
    report["payments"] = payments(pay, prefix)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
