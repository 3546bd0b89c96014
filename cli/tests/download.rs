//! `wxpay apply-trade-bill`, `apply-fund-flow-bill` and `download` against an in-process
//! sandbox: a bill of the day before yesterday (an order paid while the sandbox's clock read
//! that day, then set back to the real time so that the binary's signatures are fresh), fetched
//! plain and gzipped to `--out` and to standard output, its SHA-1 checked; a wrong SHA-1 exits 6
//! and leaves no file.

mod support;

use std::future::IntoFuture as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::Value;
use time::{OffsetDateTime, UtcOffset};
use wechatpay_apiv3::api::{BillDownloadLink, HashType, JsapiPayer, JsapiPrepayBody, PrepayAmount};
use wechatpay_apiv3::auth::{Clock, SystemClock};
use wechatpay_apiv3::{Client, Date};

const DAY: i64 = 86_400;

/// The system clock plus an offset the test moves.
#[derive(Debug)]
struct ShiftedClock(AtomicI64);

impl Clock for ShiftedClock {
    fn now_unix(&self) -> i64 {
        SystemClock.now_unix() + self.0.load(Ordering::SeqCst)
    }
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn wxpay(world: &support::World, args: &[&str]) -> Run {
    let ran = support::run_wxpay(args, &world.env(), Path::new(support::NO_HOME));
    Run {
        code: ran.code,
        stdout: ran.stdout,
        stderr: ran.stderr,
    }
}

#[test]
fn downloads_a_bill_and_checks_its_sha1() {
    let clock = Arc::new(ShiftedClock(AtomicI64::new(0)));
    // Noon of the day before yesterday, China time (yesterday's bill is STATEMENT_CREATING
    // until 09:00).
    let china = UtcOffset::from_hms(8, 0, 0).expect("+08:00");
    let today = OffsetDateTime::now_utc().to_offset(china);
    let noon = today.replace_time(time::Time::MIDNIGHT).unix_timestamp() - 2 * DAY + DAY / 2;
    clock
        .0
        .store(noon - SystemClock.now_unix(), Ordering::SeqCst);
    let shared = Arc::clone(&clock) as Arc<dyn Clock>;
    let world = support::start_with("wxpay-cli-download", |config| {
        config.clock(Arc::clone(&shared))
    });
    let client: Client = world
        .sandbox
        .client_builder()
        .clock(Arc::clone(&shared))
        .build()
        .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let bill_day = Date::from_date((today - time::Duration::days(2)).date());

    let body = JsapiPrepayBody::new(
        "wxd678efh567hg6787",
        world.sandbox.mchid(),
        "CLI 账单",
        "cli-bill-1",
        "https://merchant.example.com/notify",
        PrepayAmount::new(123),
        JsapiPayer::new("o-cli-bill"),
    );
    runtime
        .block_on(
            client
                .v3()
                .pay()
                .transactions()
                .jsapi()
                .post(body)
                .into_future(),
        )
        .expect("prepay");
    world.sandbox.pay("cli-bill-1", None).expect("pay");
    // Back to the real time: the binary signs with the system clock.
    clock.0.store(0, Ordering::SeqCst);
    // The bills applied for through the binary too.
    let apply = |args: &[&str]| -> (String, String) {
        let run = wxpay(&world, args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let link: Value = serde_json::from_slice(&run.stdout).expect("JSON");
        assert_eq!(link["hash_type"], "SHA1", "{link}");
        let text = |key: &str| link[key].as_str().expect("a string").to_owned();
        (text("download_url"), text("hash_value"))
    };
    let day = bill_day.as_str();
    let (plain_url, plain_sha1) = apply(&["apply-trade-bill", "--bill-date", day]);
    let (gz_url, gz_sha1) = apply(&["apply-trade-bill", "--bill-date", day, "--tar-type", "GZIP"]);
    let (fund_url, fund_sha1) = apply(&["apply-fund-flow-bill", "--bill-date", day]);
    let plain = BillDownloadLink::new(HashType::Sha1, plain_sha1, plain_url);
    let gz = BillDownloadLink::new(HashType::Sha1, gz_sha1, gz_url);

    let dir = world.dir.join("bills");
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("bill.csv");
    let out_str = out.to_str().expect("UTF-8 path");
    let run = wxpay(
        &world,
        &[
            "download",
            &plain.download_url,
            "--sha1",
            &plain.hash_value,
            "--out",
            out_str,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    assert_eq!(summary["file"], out_str);
    assert_eq!(summary["sha1"], plain.hash_value);
    let csv = std::fs::read_to_string(&out).expect("the file");
    assert_eq!(summary["bytes"], csv.len());
    assert!(csv.contains("`cli-bill-1,"), "{csv}");
    assert!(csv.contains("`1.23,"), "{csv}");

    // Gzip, decompressed: the same file; to standard output without --out.
    let gz_out = dir.join("bill-gz.csv");
    let upper = gz.hash_value.to_ascii_uppercase();
    let run = wxpay(
        &world,
        &[
            "download",
            &gz.download_url,
            "--sha1",
            &upper,
            "--gzip",
            "--out",
            gz_out.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&gz_out).expect("gz file"), csv);
    let run = wxpay(
        &world,
        &["download", &plain.download_url, "--sha1", &plain.hash_value],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(String::from_utf8(run.stdout).expect("UTF-8"), csv);
    let run = wxpay(&world, &["download", &fund_url, "--sha1", &fund_sha1]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fund = String::from_utf8(run.stdout).expect("UTF-8");
    assert!(fund.contains("`收入,`1.23,"), "{fund}");

    // A wrong digest: exit 6, nothing kept.
    let bad = dir.join("bad.csv");
    let run = wxpay(
        &world,
        &[
            "download",
            &plain.download_url,
            "--sha1",
            &"0".repeat(40),
            "--out",
            bad.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(!bad.exists() && !Path::new(&format!("{}.part", bad.display())).exists());
    // A URL on another host is refused before anything is sent.
    let run = wxpay(
        &world,
        &[
            "download",
            "https://api.mch.weixin.qq.com/v3/billdownload/file?token=x",
            "--sha1",
            &plain.hash_value,
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}
