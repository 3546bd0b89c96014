//! The README's first command: `cargo run --example quickstart`.
//!
//! Starts the sandbox in this process (a local WeChat Pay that checks signatures for real),
//! builds a [`Client`] from its keys in public-key mode (微信支付公钥), then:
//!
//! 1. sends a coupon and prints what went over the wire;
//! 2. makes the sandbox issue the next coupon and then answer `500`: the client re-sends the
//!    same body (same `out_request_no`) by itself and gets the coupon, and the sandbox shows it
//!    issued exactly one; re-sending the same body by hand returns the same `coupon_id`;
//! 3. sends a few more and lists the user's coupons page by page with `.items()`;
//! 4. shows a WeChat Pay error (unknown stock → `404 RESOURCE_NOT_EXISTS`, with its Request-ID)
//!    and a client-side validation error (names the field; nothing is sent).
//!
//! Takes a few seconds, most of them generating the sandbox's RSA keys.

use std::fmt;
use std::time::Instant;

use futures_util::TryStreamExt as _;
use wechatpay_apiv3::api::{Coupon, ListCouponsByFilterQuery, SendCouponBody};
use wechatpay_apiv3::{Client, Error};
use wechatpay_sandbox::{
    Fault, FaultPhase, FaultRule, SEND_COUPON, Sandbox, SandboxConfig, SandboxError,
};

/// The user (openid) and the mini-program (appid) coupons are sent to.
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const APPID: &str = "wx233544546545989";
/// The sandbox's everyday stock: 1 元 off orders of at least 1 元, 10 000 coupons.
const STOCK: &str = "9856000";
/// A 减至 stock: items up to 10 元 cost 1 分.
const CUT_TO_STOCK: &str = "9856002";
/// Page size for the listing, small so that several pages are fetched.
const PAGE_SIZE: u32 = 3;

#[tokio::main]
async fn main() -> Result<(), QuickstartError> {
    let started = Instant::now();
    println!(
        "WeChat Pay APIv3 quickstart: a real client against a local sandbox, no merchant account needed"
    );

    // ── 1. The sandbox and a client ────────────────────────────────────────────────────────
    heading("1. Start the sandbox and build a client");
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    println!(
        "   sandbox     {} (merchant {}, fresh RSA keys)",
        sandbox.base_url(),
        sandbox.mchid()
    );
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .mchid(sandbox.mchid())
        .merchant_serial(sandbox.merchant_serial())
        .private_key_pem(sandbox.merchant_private_key_pem())
        .public_key_pem(sandbox.public_key_id(), sandbox.public_key_pem())
        .build()?;
    println!(
        "   client      signs as serial {}; verifies responses with {}",
        sandbox.merchant_serial(),
        sandbox.public_key_id()
    );
    let coupons = || client.v3().marketing().favor().users(OPENID).coupons();
    let path = format!("/v3/marketing/favor/users/{OPENID}/coupons");

    // ── 2. Send a coupon ───────────────────────────────────────────────────────────────────
    heading("2. Send a coupon (发放代金券)");
    let body = SendCouponBody::new(STOCK, "quickstart-0001", APPID, sandbox.mchid());
    println!("   POST {path}");
    println!("   body        {}", serde_json::to_string(&body)?);
    let sent = coupons().post(body).await?;
    println!("   coupon_id   {}", sent.coupon_id);

    // ── 3. An idempotent retry ─────────────────────────────────────────────────────────────
    heading("3. Idempotent retry: the coupon is issued, then the answer is lost");
    sandbox.faults().inject(
        FaultRule::new(Fault::Status500)
            .operation(SEND_COUPON)
            .after_processing(),
    );
    println!("   injected    the next send_coupon is processed, then answered with HTTP 500");
    let issued_before = issued(&sandbox, STOCK);
    let body = SendCouponBody::new(STOCK, "quickstart-0002", APPID, sandbox.mchid());
    println!("   body        {}", serde_json::to_string(&body)?);
    let sent = coupons().post(body.clone()).await?;
    let struck = sandbox
        .faults()
        .applied()
        .into_iter()
        .filter(|f| f.operation == SEND_COUPON && f.phase == FaultPhase::AfterProcessing)
        .count();
    println!(
        "   coupon_id   {}: the client got a 500 ({struck} injected), re-sent the same body \
         with the same out_request_no, and got the coupon",
        sent.coupon_id
    );
    let issued_now = issued(&sandbox, STOCK);
    let same_request = sandbox
        .state()
        .coupons_of(OPENID)
        .into_iter()
        .filter(|c| c.out_request_no.as_deref() == Some("quickstart-0002"))
        .count();
    println!(
        "   sandbox     issued {} coupon for these two requests ({issued_before} → {issued_now}); \
         coupons with out_request_no quickstart-0002: {same_request}",
        issued_now - issued_before
    );
    let again = coupons().post(body).await?;
    println!(
        "   re-sent     the same body by hand → coupon_id {} ({}); issued is still {}",
        again.coupon_id,
        if again.coupon_id == sent.coupon_id {
            "the same coupon"
        } else {
            "A DIFFERENT COUPON?!"
        },
        issued(&sandbox, STOCK)
    );

    // ── 4. A few more, then list them page by page ─────────────────────────────────────────
    heading("4. Send a few more, then list the user's coupons (根据商户号查用户的券)");
    for n in 3..=6 {
        let body = SendCouponBody::new(STOCK, format!("quickstart-{n:04}"), APPID, sandbox.mchid());
        let sent = coupons().post(body).await?;
        println!(
            "   sent        quickstart-{n:04} → coupon_id {}",
            sent.coupon_id
        );
    }
    let body = SendCouponBody::new(CUT_TO_STOCK, "quickstart-0007", APPID, sandbox.mchid());
    let sent = coupons().post(body).await?;
    println!(
        "   sent        quickstart-0007 → coupon_id {} (a 减至 coupon of stock {CUT_TO_STOCK})",
        sent.coupon_id
    );
    let query = ListCouponsByFilterQuery::new(APPID).limit(PAGE_SIZE);
    println!(
        "\n   GET {path}{}  …then offset=1, 2, … (offset is a page index)",
        query.to_query_string()
    );
    let mut listed = Vec::new();
    {
        let mut items = std::pin::pin!(coupons().get(query).items());
        while let Some(coupon) = items.try_next().await? {
            listed.push(coupon);
        }
    }
    print_table(&listed);
    println!(
        "   {} coupons in {} pages of at most {PAGE_SIZE}, fetched lazily by `.items()`",
        listed.len(),
        listed.len().div_ceil(PAGE_SIZE as usize)
    );

    // ── 5. Errors ──────────────────────────────────────────────────────────────────────────
    heading("5. A WeChat Pay error: an unknown stock");
    let body = SendCouponBody::new("1234567", "quickstart-0008", APPID, sandbox.mchid());
    match coupons().post(body).await {
        Ok(sent) => println!("   unexpected  coupon {}", sent.coupon_id),
        Err(err) => {
            let Some(api) = err.as_api() else {
                return Err(err.into());
            };
            println!("   error       {api}");
            println!("   status      {}", api.status);
            println!("   code        {}", api.code_str().unwrap_or("(none)"));
            println!(
                "   message     {}",
                api.message.as_deref().unwrap_or("(none)")
            );
            if let Some(detail) = &api.detail {
                println!("   detail      {detail}");
            }
            println!(
                "   Request-ID  {} (quote it to WeChat Pay support)",
                api.request_id.as_deref().unwrap_or("(none)")
            );
            println!(
                "   retryable   {}",
                if err.is_retryable() {
                    "yes"
                } else {
                    "no: a business error, sending it again cannot help"
                }
            );
        }
    }

    heading("6. A client-side validation error: nothing is sent");
    // A trap: a fault armed for the next API request of any kind. If the call below sent
    // anything, the request would use it up.
    sandbox.faults().next(Fault::Status500);
    let body = SendCouponBody::new(STOCK, "quickstart/0009", APPID, sandbox.mchid());
    println!("   body        {}", serde_json::to_string(&body)?);
    match coupons().post(body).await {
        Ok(sent) => println!("   unexpected  coupon {}", sent.coupon_id),
        Err(Error::InvalidRequest { field, problem }) => {
            println!("   error       invalid request: `{field}` {problem}");
            println!("   field       {field}");
            let untouched = sandbox.faults().pending().len() == 1;
            println!(
                "   sent        {}",
                if untouched {
                    "nothing: the sandbox received no request"
                } else {
                    "SOMETHING REACHED THE SANDBOX?!"
                }
            );
        }
        Err(other) => return Err(other.into()),
    }
    sandbox.faults().clear();

    println!(
        "\nDone in {:.1} s. Next: `cargo test --workspace`, or run the sandbox as a server for \
         any client with `cargo run -p wechatpay-sandbox -- --port 8080 --keys-dir ./sandbox-keys`.",
        started.elapsed().as_secs_f64()
    );
    sandbox.shutdown().await;
    Ok(())
}

fn heading(title: &str) {
    println!("\n{title}");
}

/// How many coupons the sandbox has issued from a stock.
fn issued(sandbox: &Sandbox, stock_id: &str) -> u64 {
    sandbox.state().issued_count(stock_id).unwrap_or(0)
}

/// The listed coupons as a table: coupon_id, stock, status, amount (分 and 元), create_time.
fn print_table(coupons: &[Coupon]) {
    let rows: Vec<[String; 5]> = coupons
        .iter()
        .map(|c| {
            [
                c.coupon_id.clone(),
                c.stock_id.clone(),
                c.status.as_str().to_owned(),
                amount(c),
                c.create_time.as_str().to_owned(),
            ]
        })
        .collect();
    let header = ["coupon_id", "stock", "status", "amount", "create_time"].map(str::to_owned);
    let mut widths = header.clone().map(|h| width(&h));
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |row: &[String; 5]| {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - width(cell))))
            .collect();
        println!("   {}", cells.join("  ").trim_end());
    };
    println!();
    line(&header);
    line(&widths.map(|w| "-".repeat(w)));
    for row in &rows {
        line(row);
    }
    println!();
}

/// A coupon's value: `100分 (¥1.00) off ≥ 100分` or `items ≤ 1000分 → 1分`.
fn amount(coupon: &Coupon) -> String {
    if let Some(normal) = &coupon.normal_coupon_information {
        format!(
            "{} ({}) off orders ≥ {}",
            normal.coupon_amount,
            yuan(normal.coupon_amount.get()),
            yuan(normal.transaction_minimum.get())
        )
    } else if let Some(cut) = &coupon.cut_to_message {
        format!(
            "items ≤ {} cost {} ({})",
            yuan(cut.single_price_max.get()),
            cut.cut_to_price,
            yuan(cut.cut_to_price.get())
        )
    } else {
        "-".to_owned()
    }
}

/// Fen as yuan: `¥1.00`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", fen / 100, fen % 100)
}

/// Display width in a terminal: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{9FFF}').contains(&c) || ('\u{FF00}'..='\u{FF60}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// What can stop the quickstart. `main` returns it, and its `Debug` is the readable message
/// (that is what Rust prints when `main` returns an error).
enum QuickstartError {
    Sandbox(SandboxError),
    Client(Error),
    Json(serde_json::Error),
}

impl From<SandboxError> for QuickstartError {
    fn from(e: SandboxError) -> Self {
        QuickstartError::Sandbox(e)
    }
}

impl From<Error> for QuickstartError {
    fn from(e: Error) -> Self {
        QuickstartError::Client(e)
    }
}

impl From<serde_json::Error> for QuickstartError {
    fn from(e: serde_json::Error) -> Self {
        QuickstartError::Json(e)
    }
}

impl fmt::Debug for QuickstartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuickstartError::Sandbox(e) => write!(f, "the sandbox could not start: {e}"),
            QuickstartError::Client(e) => {
                write!(f, "a client call failed: {e}")?;
                if e.is_retryable() {
                    write!(
                        f,
                        " (retryable: sending the same request again may succeed)"
                    )?;
                }
                Ok(())
            }
            QuickstartError::Json(e) => write!(f, "cannot show a request body as JSON: {e}"),
        }
    }
}
