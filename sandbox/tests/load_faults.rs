//! Load with random faults: over a thousand coupons sent through the real client, 32 at a time,
//! while the sandbox injects every kind of fault at random — 500 and 429 before or after the
//! coupon is issued, connections cut after processing, short and long delays (the long ones
//! outlast the client's timeout), truncated bodies, tampered signatures, unknown serials, stale
//! timestamps, missing signature headers.
//!
//! Each logical send uses one `out_request_no` for its whole life, the way a careful merchant
//! does: the client retries what it may by itself (a tiny-backoff [`RetryPolicy`]); when a call
//! still ends without a definite answer — a retryable error after the client's attempts, or an
//! *ambiguous* one (a response that fails verification or decoding says nothing trustworthy
//! about whether the coupon was issued) — the test re-sends the *same* body, up to
//! [`MAX_CALLS_PER_SEND`] calls. Every 50th send names a stock that does not exist and must end
//! in a definite `404`.
//!
//! Asserts: every send ends in a coupon ID or a definite error (none unresolved); no
//! `out_request_no` maps to two coupon IDs (neither in what the client returned nor in the
//! sandbox); the user holds exactly one coupon per successful `out_request_no`; the stock's issued
//! count equals the coupons in the sandbox's state; listing through the client (once the faults
//! are off) returns the same coupons; and every fault kind was in fact injected.
//!
//! Bounded by construction: a fixed number of sends, at most [`MAX_CALLS_PER_SEND`] calls each,
//! at most [`CLIENT_ATTEMPTS`] attempts per call, each attempt bounded by [`CLIENT_TIMEOUT`].
//! No assertion depends on timing. Run with `--nocapture` to see the tally.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt as _;
use wechatpay_apiv3::api::{ErrorCode, ListCouponsByFilterQuery, SendCouponBody};
use wechatpay_apiv3::error::ApiError;
use wechatpay_apiv3::{Client, Error, RetryPolicy};
use wechatpay_sandbox::{Fault, FaultPhase, Sandbox, SandboxConfig, Stock};

const OPENID: &str = "oLoadFaults_user_0001";
const APPID: &str = "wx233544546545989";
/// A stock whose budget never runs out during the test.
const STOCK: &str = "9857000";
/// A stock that does not exist: sends of it must end in `404 RESOURCE_NOT_EXISTS`.
const MISSING_STOCK: &str = "9857999";

/// Logical sends (each one `out_request_no`).
const SENDS: usize = 1_100;
/// Every this many sends, one names [`MISSING_STOCK`].
const MISSING_EVERY: usize = 50;
/// Sends in flight at once.
const CONCURRENCY: usize = 32;
/// Chance that the sandbox injects a fault into any one request.
const FAULT_PROBABILITY: f64 = 0.25;
/// Attempts the client makes per call (the first included).
const CLIENT_ATTEMPTS: u32 = 6;
/// The client's per-attempt timeout; [`LONG_DELAY`] outlasts it.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// A delay the client waits out.
const SHORT_DELAY: Duration = Duration::from_millis(20);
/// A delay that makes the client time out (before processing: the coupon is issued after the
/// client gave up; after processing: it was issued before).
const LONG_DELAY: Duration = Duration::from_secs(3);
/// Calls per logical send, the first included, before the test gives up on it.
const MAX_CALLS_PER_SEND: u32 = 12;

/// How one logical send ended.
#[derive(Debug)]
enum Outcome {
    /// A coupon ID.
    Issued(String),
    /// A definite answer that no coupon was issued.
    Rejected(Box<ApiError>),
    /// Still ambiguous after [`MAX_CALLS_PER_SEND`] calls.
    Unresolved(Error),
}

/// One logical send and everything its calls returned.
#[derive(Debug)]
struct Record {
    out_request_no: String,
    missing_stock: bool,
    outcome: Outcome,
    /// Client calls made (each may have made several attempts).
    calls: u32,
    /// Every coupon ID any call returned (must be one at most).
    coupon_ids: BTreeSet<String>,
    /// Why each call that was not final ended, by kind.
    interim: Vec<&'static str>,
}

/// What a failed call means for a careful merchant.
enum Verdict {
    /// No coupon was issued by this request, and sending it again will not change that.
    Definite,
    /// Unknown whether the coupon was issued: re-send the same body to find out.
    ResendSame(&'static str),
}

fn verdict(error: &Error) -> Verdict {
    match error {
        Error::Api(api) if api.status == 429 => Verdict::ResendSame("429 after all attempts"),
        Error::Api(api) if api.status >= 500 => Verdict::ResendSame("5xx after all attempts"),
        // Any other non-2xx is a business answer: this request issued nothing.
        Error::Api(_) => Verdict::Definite,
        Error::Transport { .. } => Verdict::ResendSame("transport error after all attempts"),
        Error::Timeout(_) => Verdict::ResendSame("timeout after all attempts"),
        // A 2xx whose signature or body cannot be trusted: the coupon may well exist.
        Error::Verification { .. } => Verdict::ResendSame("verification failed (ambiguous)"),
        Error::Decode { .. } => Verdict::ResendSame("undecodable 2xx body (ambiguous)"),
        // Would mean the test itself is wrong; never re-sent.
        Error::InvalidRequest { .. } | Error::Config(_) => Verdict::Definite,
        _ => Verdict::ResendSame("other error"),
    }
}

async fn send_one(client: &Client, mchid: &str, index: usize) -> Record {
    let missing_stock = index % MISSING_EVERY == MISSING_EVERY - 1;
    let out_request_no = format!("load-{index:05}");
    let stock = if missing_stock { MISSING_STOCK } else { STOCK };
    let body = SendCouponBody::new(stock, out_request_no.clone(), APPID, mchid);
    let mut record = Record {
        out_request_no,
        missing_stock,
        outcome: Outcome::Unresolved(Error::Config("never sent".into())),
        calls: 0,
        coupon_ids: BTreeSet::new(),
        interim: Vec::new(),
    };
    let coupons = client.v3().marketing().favor().users(OPENID).coupons();
    while record.calls < MAX_CALLS_PER_SEND {
        record.calls += 1;
        match coupons.post(body.clone()).await {
            Ok(sent) => {
                record.coupon_ids.insert(sent.coupon_id.clone());
                record.outcome = Outcome::Issued(sent.coupon_id);
                return record;
            }
            Err(error) => match verdict(&error) {
                Verdict::Definite => {
                    record.outcome = match error {
                        Error::Api(api) => Outcome::Rejected(api),
                        other => Outcome::Unresolved(other),
                    };
                    return record;
                }
                Verdict::ResendSame(why) => {
                    record.interim.push(why);
                    record.outcome = Outcome::Unresolved(error);
                }
            },
        }
    }
    record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sends_under_random_faults_issue_each_coupon_once() {
    let sandbox = Sandbox::start(
        SandboxConfig::with_keys(common::keys())
            .stock(Stock::normal(STOCK, "", 100, 100, 1_000_000)),
    )
    .await
    .expect("start sandbox");
    let client = sandbox
        .client_builder()
        .timeout(CLIENT_TIMEOUT)
        .retry(
            RetryPolicy::default()
                .max_attempts(CLIENT_ATTEMPTS)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(10)),
        )
        .build()
        .expect("client");

    let mut kinds: Vec<Fault> = Fault::INSTANT.to_vec();
    kinds.push(Fault::Delay(SHORT_DELAY));
    kinds.push(Fault::Delay(LONG_DELAY));
    sandbox
        .faults()
        .set_random(FAULT_PROBABILITY, 20_241_127, kinds.iter().copied());

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mchid: Arc<str> = Arc::from(sandbox.mchid());
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let client = client.clone();
            let next = Arc::clone(&next);
            let mchid = Arc::clone(&mchid);
            tokio::spawn(async move {
                let mut records = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= SENDS {
                        return records;
                    }
                    records.push(send_one(&client, &mchid, index).await);
                }
            })
        })
        .collect();
    let mut records = Vec::with_capacity(SENDS);
    for worker in workers {
        records.extend(worker.await.expect("worker task"));
    }
    let elapsed = started.elapsed();
    sandbox.faults().clear();

    // ── Tally ──────────────────────────────────────────────────────────────────────────────
    let applied = sandbox.faults().applied();
    let mut applied_by_kind: BTreeMap<(String, bool), usize> = BTreeMap::new();
    for fault in &applied {
        *applied_by_kind
            .entry((
                fault.fault.clone(),
                fault.phase == FaultPhase::AfterProcessing,
            ))
            .or_default() += 1;
    }
    let mut interim: BTreeMap<&str, usize> = BTreeMap::new();
    for why in records.iter().flat_map(|r| &r.interim) {
        *interim.entry(why).or_default() += 1;
    }
    let issued: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Issued(_)))
        .collect();
    let rejected: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Rejected(_)))
        .collect();
    let unresolved: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Unresolved(_)))
        .collect();
    let calls: u32 = records.iter().map(|r| r.calls).sum();
    let resent = records.iter().filter(|r| r.calls > 1).count();
    println!(
        "{SENDS} sends in {:.1} s at concurrency {CONCURRENCY}: {} issued, {} rejected (definite), \
         {} unresolved; {calls} client calls, {resent} sends re-sent by the test",
        elapsed.as_secs_f64(),
        issued.len(),
        rejected.len(),
        unresolved.len(),
    );
    println!("faults applied: {}", applied.len());
    for ((fault, after), n) in &applied_by_kind {
        let phase = if *after {
            "after processing"
        } else {
            "before processing"
        };
        println!("  {fault:<28} {phase:<18} {n}");
    }
    println!("calls that ended without a definite answer (then re-sent):");
    for (why, n) in &interim {
        println!("  {why:<40} {n}");
    }

    // ── Every send ended in a coupon ID or a definite error ────────────────────────────────
    assert_eq!(records.len(), SENDS);
    if let Some(record) = unresolved.first()
        && let Outcome::Unresolved(last) = &record.outcome
    {
        panic!(
            "{} sends never got a definite answer in {MAX_CALLS_PER_SEND} calls; {} last got: {last}",
            unresolved.len(),
            record.out_request_no
        );
    }
    assert_eq!(issued.len() + rejected.len(), SENDS);
    for record in &rejected {
        let Outcome::Rejected(api) = &record.outcome else {
            continue;
        };
        assert!(
            record.missing_stock,
            "a send of the real stock was rejected: {record:?}"
        );
        // The status is definite; the code is readable unless the fault truncated the body.
        assert_eq!(api.status, 404, "{record:?}");
        assert!(
            api.code().is_none() || api.code() == Some(ErrorCode::ResourceNotExists),
            "{record:?}"
        );
    }
    let missing = records.iter().filter(|r| r.missing_stock).count();
    assert_eq!(
        rejected.len(),
        missing,
        "every send of the missing stock, and only those, is rejected"
    );
    assert!(
        issued.len() >= 1_000,
        "at least 1 000 coupons: {}",
        issued.len()
    );

    // ── No out_request_no maps to two coupons ──────────────────────────────────────────────
    for record in &records {
        assert!(
            record.coupon_ids.len() <= 1,
            "{} got several coupon IDs: {:?}",
            record.out_request_no,
            record.coupon_ids
        );
    }
    let by_request: HashMap<&str, &str> = issued
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Issued(id) => Some((r.out_request_no.as_str(), id.as_str())),
            _ => None,
        })
        .collect();
    let client_ids: BTreeSet<&str> = by_request.values().copied().collect();
    assert_eq!(
        client_ids.len(),
        by_request.len(),
        "two out_request_nos got the same coupon"
    );

    let held = sandbox.state().coupons_of(OPENID);
    let mut held_by_request: HashMap<String, Vec<String>> = HashMap::new();
    for coupon in &held {
        held_by_request
            .entry(coupon.out_request_no.clone().unwrap_or_default())
            .or_default()
            .push(coupon.coupon_id.clone());
    }
    let duplicated: Vec<_> = held_by_request
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    assert!(
        duplicated.is_empty(),
        "the sandbox issued duplicates: {duplicated:?}"
    );
    assert_eq!(
        held.len(),
        by_request.len(),
        "the user holds exactly one coupon per successful out_request_no"
    );
    for (out_request_no, coupon_id) in &by_request {
        assert_eq!(
            held_by_request
                .get(*out_request_no)
                .map(|ids| ids[0].as_str()),
            Some(*coupon_id),
            "the coupon the client got for {out_request_no} is the one the sandbox holds"
        );
    }

    // ── The stock's books balance ──────────────────────────────────────────────────────────
    assert_eq!(
        sandbox.state().issued_count(STOCK),
        Some(held.len() as u64),
        "the stock's issued count equals the coupons in the sandbox"
    );
    assert_eq!(sandbox.state().coupon_count(), held.len());
    assert_eq!(sandbox.state().issued_count(MISSING_STOCK), None);

    // ── Listing through the client sees the same coupons ───────────────────────────────────
    let listed: Vec<String> = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .get(ListCouponsByFilterQuery::new(APPID).limit(100))
        .items()
        .map_ok(|coupon| coupon.coupon_id)
        .try_collect()
        .await
        .expect("list every page once the faults are off");
    let held_ids: Vec<String> = held.iter().map(|c| c.coupon_id.clone()).collect();
    assert_eq!(listed, held_ids);

    // ── The faults really happened ─────────────────────────────────────────────────────────
    for kind in &kinds {
        assert!(
            applied.iter().any(|f| f.fault == kind.to_string()),
            "fault {kind} was never injected"
        );
    }
    for phase in [FaultPhase::BeforeProcessing, FaultPhase::AfterProcessing] {
        assert!(
            applied.iter().any(|f| f.phase == phase && f.random),
            "no fault {phase:?}"
        );
    }
    assert!(
        resent > 0,
        "some sends needed the merchant's own re-send of the same body"
    );
}
