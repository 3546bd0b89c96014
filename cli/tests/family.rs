//! The whole cash-coupon family end to end through the built `wxpay` binary, against an
//! in-process sandbox on 127.0.0.1 — the command-line twin of `sandbox/tests/family.rs`, which
//! drives the same story through the typed client chain.
//!
//! One story walks every operation of the spec's catalogue: create a stock (from a `--data`
//! file, then again with the same `out_request_no`), query it, start it, send a coupon, query
//! and list the user's coupons, list stocks, merchants and goods ids across pages (`--all`),
//! change the goods ids, pause and restart, stop a second (unactivated) stock, download the use
//! and refund flows (whole stock and by day; the file fetched with a plain HTTP GET must have
//! the SHA-1 the signed response gave), and set and query the notify URL. A second story runs
//! every basic-payment operation and `wxpay pay-sign`. Another test runs one
//! failure of each kind (a wrong state transition, an unknown stock, client-side validation),
//! and [`every_catalogue_operation_is_covered`] fails as soon as the spec gains an operation this
//! file does not run.
//!
//! The binary signs with the system clock, so the sandbox keeps the system clock too. Whole-stock
//! flows open only 10 hours after a stock ends: the story arranges that by moving the stock's
//! window into the past through the sandbox's state handle (what `PUT /sandbox/stocks` does for
//! a shell), after the coupon has been sent and used.

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::catalog;
use wechatpay_sandbox::{Fault, FaultRoute, FaultRule};

/// The commands the story runs successfully, each with the step that runs it. Every operation
/// of [`catalog::OPERATIONS`] must be here (or in [`EXCLUDED`]), and the story checks that it
/// really ran each one with exit code 0.
const COVERED: &[(&str, &str)] = &[
    (
        "create-coupon-stock",
        "create from --data @FILE, re-create, create by flags",
    ),
    ("query-stock", "unactivated, running, paused, stoped"),
    ("start-stock", "start the new stock"),
    ("send-coupon", "send, re-send with the same out_request_no"),
    ("query-coupon", "SENDED, then USED"),
    ("list-coupons-by-filter", "the user's coupons, --all"),
    ("list-stocks", "first page, then --all"),
    ("list-available-merchants", "--all over 3 pages"),
    (
        "list-available-singleitems",
        "--all, before and after the change",
    ),
    ("modify-stock-goods-ids", "add one, delete one"),
    ("pause-stock", "running → paused"),
    ("restart-stock", "paused → running"),
    ("stop-stock", "a second, unactivated stock"),
    (
        "stock-use-flow",
        "after the stock has been over for 10 hours",
    ),
    (
        "stock-refund-flow",
        "after the stock has been over for 10 hours",
    ),
    ("stock-use-flow-by-day", "yesterday's bill"),
    ("stock-refund-flow-by-day", "yesterday's bill"),
    ("set-callback", "set, switch off"),
    ("query-callback", "after setting"),
];

/// The payment commands [`payments_through_the_cli`] runs successfully, like [`COVERED`].
const PAYMENTS_COVERED: &[(&str, &str)] = &[
    ("jsapi-prepay", "prepay, replay with the same parameters"),
    ("app-prepay", "prepay, then pay-sign --for app"),
    ("h5-prepay", "prepay with --scene-info"),
    ("native-prepay", "prepay, then close"),
    ("query-order-by-out-trade-no", "NOTPAY, SUCCESS, CLOSED"),
    ("query-order-by-id", "after the user paid"),
    ("close-order", "an unpaid Native order"),
    ("create-refund", "two partial refunds"),
    ("query-refund", "PROCESSING, then SUCCESS"),
    ("apply-abnormal-refund", "a refund made ABNORMAL"),
];

/// Operations of the catalogue this file does not run to success, with the reason.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "apply-trade-bill",
        "a bill is of a past day and this world's clock is the system's (the binary signs with \
         it), so it has no payments before today: NO_STATEMENT_EXIST / INVALID_REQUEST here; \
         run successfully in cli/tests/download.rs, whose sandbox paid an order two days ago",
    ),
    ("apply-fund-flow-bill", "as apply-trade-bill"),
    (
        "upload-image",
        "a file upload, not part of the family's story: run by cli/tests/upload.rs",
    ),
];

const APPID: &str = "wx-cli-family";
const OPENID: &str = "o-cli-family";
/// The seeded paused stock of `default_stocks` (pausing it again is a wrong transition).
const SEEDED_PAUSED_STOCK: &str = "9856003";

mod support;

use support::World;

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    // Refunds stay PROCESSING until the payment story settles them.
    WORLD.get_or_init(|| {
        support::start_with("wxpay-cli-family", |config| {
            config.refund_settle_delay(None)
        })
    })
}

impl World {
    fn mchid(&self) -> &str {
        self.sandbox.mchid()
    }

    /// Schedules a fault that strikes the first request under `prefix`: while it stays
    /// pending, the sandbox has seen no request there.
    fn watch(&self, prefix: &str) -> FaultRule {
        let rule = FaultRule::new(Fault::Status500)
            .route(FaultRoute::any().path_prefix(prefix.to_owned()));
        self.sandbox.faults().inject(rule.clone());
        rule
    }

    fn saw_no_request(&self, rule: &FaultRule) -> bool {
        self.sandbox.faults().pending().contains(rule)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path.display().to_string()
    }
}

struct Run {
    args: Vec<String>,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wxpay {}\nexit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

/// Runs the binary pointed at the sandbox, with no inherited `WECHATPAY_*` variable or config
/// file.
fn wxpay(args: &[&str]) -> Run {
    // Before the command name, where every command takes it (`pay-sign` sends nothing).
    let with_timeout: Vec<&str> = ["--timeout", "10"].iter().chain(args).copied().collect();
    let ran = support::run_wxpay(&with_timeout, &world().env(), Path::new(support::NO_HOME));
    Run {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        code: ran.code,
        stdout: ran.stdout_text(),
        stderr: ran.stderr,
    }
}

/// Runs `args`, which must fail with exit code `code` and every one of `needles` on stderr,
/// printing nothing on stdout.
fn fails(args: &[&str], code: i32, needles: &[&str]) -> Run {
    let run = wxpay(args);
    assert_eq!(run.code, code, "{run:?}");
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}: {run:?}"
        );
    }
    assert!(run.stdout.is_empty(), "{run:?}");
    run
}

/// The `code` line of an API error on stderr, e.g. `code:       PARAM_ERROR`.
fn code_line(code: &str) -> String {
    format!("code:       {code}")
}

/// The commands that succeeded, for the coverage check.
#[derive(Default)]
struct Story {
    succeeded: BTreeSet<String>,
}

impl Story {
    /// Runs `args`, which must succeed, and returns its JSON output.
    fn ok(&mut self, args: &[&str]) -> Value {
        let run = wxpay(args);
        assert_eq!(run.code, 0, "{run:?}");
        self.succeeded.insert(args[0].to_owned());
        run.json()
    }

    /// Runs a paginated command with `--all`: every item of every page, as a list.
    fn all(&mut self, args: &[&str]) -> Vec<Value> {
        let items = self.ok(&[args, &["--all"]].concat());
        match items {
            Value::Array(items) => items,
            other => panic!("--all prints an array, not {other}"),
        }
    }
}

/// Owned arguments as the `&str`s [`wxpay`] takes.
fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn str_of<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field:?} in {value}"))
}

fn strings(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| {
            item.as_str()
                .unwrap_or_else(|| panic!("not a string: {item}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Time in China (+08:00), without a date library
// ---------------------------------------------------------------------------------------------

fn now_unix() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_secs()).expect("a sane clock")
}

/// Days since 1970-01-01 as (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

const CHINA_OFFSET: i64 = 8 * 3600;

/// Unix seconds as an RFC 3339 time in +08:00.
fn china_time(unix: i64) -> String {
    let local = unix + CHINA_OFFSET;
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+08:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The date in China `offset_days` from today, `YYYY-MM-DD`.
fn china_day(offset_days: i64) -> String {
    let local = now_unix() + CHINA_OFFSET + offset_days * 86_400;
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}")
}

// ---------------------------------------------------------------------------------------------
// Downloading a flow file: a plain HTTP/1.1 GET, no signature, no authentication
// ---------------------------------------------------------------------------------------------

/// `GET url` over a fresh connection: the status, the raw header block and the body.
fn http_get(url: &str) -> (u16, String, Vec<u8>) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("the sandbox serves files over plain http: {url}"));
    let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("{url}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header block: {}", String::from_utf8_lossy(&response)));
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = response[split + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head}"));
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(&body)
    } else {
        body
    };
    (status, head, body)
}

/// The payload of a chunked body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).expect("a hex chunk size");
        body = &body[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

/// SHA-1 (FIPS 180-4) as lower-case hex: the hash WeChat Pay gives for flow files.
fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut message = data.to_vec();
    let bits = u64::try_from(data.len()).expect("a length") * 8;
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (t, word) in w.iter().enumerate() {
            let (f, k) = match t {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let temp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*word);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = temp;
        }
        for (state, add) in h.iter_mut().zip([a, b, c, d, e]) {
            *state = state.wrapping_add(add);
        }
    }
    h.iter().map(|word| format!("{word:08x}")).collect()
}

/// Fetches a flow file at `url` with a plain GET and checks it against the signed hash: the
/// file is unsigned CSV whose SHA-1 is `sha1`.
fn download(url: &str, sha1: &str) -> String {
    assert_eq!(sha1.len(), 40, "a SHA-1 in hex: {sha1}");
    let (status, head, body) = http_get(url);
    assert_eq!(status, 200, "{url}: {head}");
    assert!(
        !head.contains("wechatpay-signature"),
        "files are not signed: {head}"
    );
    assert_eq!(sha1_hex(&body), sha1, "the file's SHA-1 is the signed hash");
    String::from_utf8(body).expect("UTF-8 CSV")
}

// ---------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------

#[test]
fn the_whole_family_through_the_cli() {
    let world = world();
    let mchid = world.mchid();
    let mut story = Story::default();
    let now = now_unix();

    // -- Create: the whole body from a file, 5 merchants and 12 goods ids (a 单品 stock).
    let merchants: Vec<String> = (1..=5).map(|i| format!("98560{i:02}")).collect();
    let goods: Vec<String> = (1..=12).map(|i| format!("sku-{i:03}")).collect();
    let body = json!({
        "stock_name": "命令行全流程代金券",
        "comment": "cli family",
        "belong_merchant": mchid,
        "available_begin_time": china_time(now - 3600),
        "available_end_time": china_time(now + 30 * 86_400),
        "stock_use_rule": {
            "max_coupons": 10,
            "max_amount": 1000,
            "max_coupons_per_user": 2,
            "natural_person_limit": false,
            "prevent_api_abuse": false
        },
        "coupon_use_rule": {
            "fixed_normal_coupon": {"coupon_amount": 100, "transaction_minimum": 200},
            "available_merchants": merchants,
            "available_items": goods
        },
        "no_cash": false,
        "stock_type": "NORMAL",
        "out_request_no": "cli-family-stock-1"
    });
    let body_file = world.write("family-stock.json", &body.to_string());
    let data = format!("@{body_file}");
    let created = story.ok(&["create-coupon-stock", "--data", &data]);
    let stock_id = str_of(&created, "stock_id").to_owned();
    assert!(created["create_time"].is_string(), "{created}");
    // Idempotent on out_request_no: the same request is the same stock …
    let again = story.ok(&["create-coupon-stock", "--data", &data]);
    assert_eq!(again, created);
    // … and a flag overriding a field of --data makes it another request: refused.
    fails(
        &[
            "create-coupon-stock",
            "--data",
            &data,
            "--stock-name",
            "另一个批次",
        ],
        4,
        &[
            "HTTP 400",
            &code_line("RESOURCE_ALREADY_EXISTS"),
            "/stock_name",
        ],
    );

    let detail = |story: &mut Story, stock_id: &str| {
        story.ok(&[
            "query-stock",
            "--stock-id",
            stock_id,
            "--stock-creator-mchid",
            mchid,
        ])
    };
    let stock = detail(&mut story, &stock_id);
    assert_eq!(stock["status"], "unactivated", "{stock}");
    assert_eq!(stock["stock_name"], "命令行全流程代金券", "{stock}");
    assert_eq!(stock["create_time"], created["create_time"], "{stock}");
    assert_eq!(stock["singleitem"], true, "{stock}");
    assert_eq!(stock["stock_use_rule"]["max_coupons"], 10, "{stock}");

    // Nothing can be sent yet; only a running stock pauses.
    let send = |out_request_no: &'static str, stock_id: &str| -> Vec<String> {
        [
            "send-coupon",
            "--openid",
            OPENID,
            "--stock-id",
            stock_id,
            "--stock-creator-mchid",
            mchid,
            "--appid",
            APPID,
            "--out-request-no",
            out_request_no,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    fails(
        &as_strs(&send("cli-family-send-0", &stock_id)),
        4,
        &["HTTP 400", &code_line("INVALID_REQUEST")],
    );
    let lifecycle = |command: &'static str, stock_id: &str| -> Vec<String> {
        [
            command,
            "--stock-id",
            stock_id,
            "--stock-creator-mchid",
            mchid,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    fails(
        &as_strs(&lifecycle("pause-stock", &stock_id)),
        4,
        &["HTTP 400", &code_line("PARAM_ERROR"), "非法的批次状态"],
    );

    // -- Start, then send a coupon to the user (twice with the same number: one coupon).
    let started = story.ok(&as_strs(&lifecycle("start-stock", &stock_id)));
    assert_eq!(started["stock_id"], stock_id.as_str(), "{started}");
    let stock = detail(&mut story, &stock_id);
    assert_eq!(stock["status"], "running", "{stock}");
    assert_eq!(stock["start_time"], started["start_time"], "{stock}");

    let sent = story.ok(&as_strs(&send("cli-family-send-1", &stock_id)));
    let coupon_id = str_of(&sent, "coupon_id").to_owned();
    let resent = story.ok(&as_strs(&send("cli-family-send-1", &stock_id)));
    assert_eq!(resent["coupon_id"], coupon_id.as_str(), "{resent}");
    assert_eq!(detail(&mut story, &stock_id)["distributed_coupons"], 1);

    let query_coupon = [
        "query-coupon",
        "--openid",
        OPENID,
        "--coupon-id",
        &coupon_id,
        "--appid",
        APPID,
    ];
    let coupon = story.ok(&query_coupon);
    assert_eq!(coupon["coupon_id"], coupon_id.as_str(), "{coupon}");
    assert_eq!(coupon["stock_id"], stock_id.as_str(), "{coupon}");
    assert_eq!(coupon["status"], "SENDED", "{coupon}");
    assert_eq!(coupon["out_request_no"], "cli-family-send-1", "{coupon}");

    let listed = story.all(&[
        "list-coupons-by-filter",
        "--openid",
        OPENID,
        "--appid",
        APPID,
        "--stock-id",
        &stock_id,
        "--limit",
        "1",
    ]);
    let ids: Vec<&str> = listed.iter().map(|c| str_of(c, "coupon_id")).collect();
    assert_eq!(ids, [coupon_id.as_str()]);

    // -- Lists across pages: stocks (10 a page at most; 2 here), merchants, goods ids.
    let stocks_args = [
        "list-stocks",
        "--offset",
        "0",
        "--limit",
        "2",
        "--stock-creator-mchid",
        mchid,
    ];
    let first_page = story.ok(&stocks_args);
    assert_eq!(first_page["offset"], 0, "{first_page}");
    assert_eq!(
        first_page["data"].as_array().map(Vec::len),
        Some(2),
        "{first_page}"
    );
    let total = first_page["total_count"].as_u64().expect("total_count");
    let every = story.all(&stocks_args);
    let stock_ids: Vec<&str> = every.iter().map(|s| str_of(s, "stock_id")).collect();
    assert_eq!(stock_ids.len() as u64, total, "{stock_ids:?}");
    assert!(stock_ids.contains(&stock_id.as_str()), "{stock_ids:?}");
    assert!(stock_ids.contains(&SEEDED_PAUSED_STOCK), "{stock_ids:?}");
    let unique: BTreeSet<&str> = stock_ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        stock_ids.len(),
        "no stock twice: {stock_ids:?}"
    );

    let listed = story.all(&[
        "list-available-merchants",
        "--stock-id",
        &stock_id,
        "--offset",
        "0",
        "--limit",
        "2",
        "--stock-creator-mchid",
        mchid,
    ]);
    assert_eq!(strings(&listed), merchants);

    let items_args = [
        "list-available-singleitems",
        "--stock-id",
        stock_id.as_str(),
        "--offset",
        "0",
        "--limit",
        "5",
        "--stock-creator-mchid",
        mchid,
    ];
    let items = story.all(&items_args);
    assert_eq!(strings(&items), goods);

    // -- Goods ids: delete, then add.
    let changed = story.ok(&[
        "modify-stock-goods-ids",
        "--stock-id",
        &stock_id,
        "--stock-creator-mchid",
        mchid,
        "--add-goods-id-list",
        r#"["sku-100"]"#,
        "--delete-goods-id-list",
        r#"["sku-001", "nope"]"#,
    ]);
    assert_eq!(changed["stock_id"], stock_id.as_str(), "{changed}");
    let items = story.all(&items_args);
    let mut expected: Vec<&str> = goods[1..].iter().map(String::as_str).collect();
    expected.push("sku-100");
    assert_eq!(strings(&items), expected);

    // -- Pause (nothing can be sent), restart (it can again).
    let paused = story.ok(&as_strs(&lifecycle("pause-stock", &stock_id)));
    assert_eq!(paused["stock_id"], stock_id.as_str(), "{paused}");
    assert_eq!(detail(&mut story, &stock_id)["status"], "paused");
    fails(
        &as_strs(&send("cli-family-send-2", &stock_id)),
        4,
        &["HTTP 400", &code_line("INVALID_REQUEST")],
    );
    let restarted = story.ok(&as_strs(&lifecycle("restart-stock", &stock_id)));
    assert_eq!(restarted["stock_id"], stock_id.as_str(), "{restarted}");
    assert_eq!(detail(&mut story, &stock_id)["status"], "running");

    // -- Stop: only an unactivated stock. A second stock, created with flags this time.
    fails(
        &as_strs(&lifecycle("stop-stock", &stock_id)),
        4,
        &["HTTP 400", &code_line("PARAM_ERROR"), "非法的批次状态"],
    );
    let second = story.ok(&[
        "create-coupon-stock",
        "--stock-name",
        "待终止的批次",
        "--belong-merchant",
        mchid,
        "--available-begin-time",
        &china_time(now - 3600),
        "--available-end-time",
        &china_time(now + 86_400),
        "--stock-use-rule",
        r#"{"max_coupons": 5, "max_amount": 500, "max_coupons_per_user": 1, "natural_person_limit": false, "prevent_api_abuse": false}"#,
        "--coupon-use-rule",
        r#"{"fixed_normal_coupon": {"coupon_amount": 100, "transaction_minimum": 100}}"#,
        "--no-cash",
        "false",
        "--stock-type",
        "NORMAL",
        "--out-request-no",
        "cli-family-stock-2",
    ]);
    let second_id = str_of(&second, "stock_id").to_owned();
    assert_ne!(second_id, stock_id);
    let stopped = story.ok(&as_strs(&lifecycle("stop-stock", &second_id)));
    let stock = detail(&mut story, &second_id);
    assert_eq!(stock["status"], "stoped", "{stock}");
    assert_eq!(stock["stop_time"], stopped["stop_time"], "{stock}");
    fails(
        &as_strs(&lifecycle("start-stock", &second_id)),
        4,
        &["HTTP 400", &code_line("PARAM_ERROR")],
    );

    // -- The user pays with the coupon (no API of the family does that: the sandbox does).
    world
        .sandbox
        .consume(OPENID, &coupon_id)
        .expect("the coupon is used");
    assert_eq!(story.ok(&query_coupon)["status"], "USED");

    // -- Whole-stock flows: not before the stock has been over for 10 hours …
    let use_flow = ["stock-use-flow", "--stock-id", stock_id.as_str()];
    fails(
        &use_flow,
        4,
        &["HTTP 400", &code_line("INVALID_REQUEST"), "10 小时"],
    );
    // … so move its window into the past, as an operator would with `PUT /sandbox/stocks`.
    let mut expired = world.sandbox.state().stock(&stock_id).expect("the stock");
    expired.available_begin_time = Some(Timestamp::from_wire(china_time(now - 3 * 86_400)));
    expired.available_end_time = Some(Timestamp::from_wire(china_time(now - 11 * 3600)));
    world
        .sandbox
        .state()
        .upsert_stock(expired)
        .expect("the stock, ended 11 hours ago");

    let link = story.ok(&use_flow);
    assert_eq!(link["hash_type"], "SHA1", "{link}");
    let csv = download(str_of(&link, "url"), str_of(&link, "hash_value"));
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("批次id,优惠id"), "{csv}");
    assert_eq!(rows.len(), 2, "the header and the used coupon: {csv}");
    assert!(
        rows[1].starts_with(&format!("{stock_id},{coupon_id},")),
        "{csv}"
    );
    let link = story.ok(&["stock-refund-flow", "--stock-id", &stock_id]);
    assert_eq!(link["hash_type"], "SHA1", "{link}");
    let csv = download(str_of(&link, "url"), str_of(&link, "hash_value"));
    assert_eq!(csv.lines().count(), 1, "the sandbox has no refunds: {csv}");

    // -- Flows by day: a day's bill exists once the day is over (tomorrow's never does).
    let tomorrow = china_day(1);
    fails(
        &[
            "stock-use-flow-by-day",
            "--stock-id",
            &stock_id,
            "--bill-date",
            &tomorrow,
        ],
        4,
        &["HTTP 400", &code_line("INVALID_REQUEST"), "bill_date"],
    );
    let yesterday = china_day(-1);
    let link = story.ok(&[
        "stock-use-flow-by-day",
        "--stock-id",
        &stock_id,
        "--bill-date",
        &yesterday,
    ]);
    assert_eq!(
        link["stock_useflow_count"], "0",
        "used today, not yesterday"
    );
    let csv = download(str_of(&link, "url"), str_of(&link, "stock_useflow_hash"));
    assert!(csv.starts_with("批次id,优惠id"), "{csv}");
    let link = story.ok(&[
        "stock-refund-flow-by-day",
        "--stock-id",
        &stock_id,
        "--bill-date",
        &yesterday,
    ]);
    assert_eq!(link["stock_refundflow_count"], "0", "{link}");
    let csv = download(str_of(&link, "url"), str_of(&link, "stock_refundflow_hash"));
    assert_eq!(csv.lines().count(), 1, "{csv}");

    // -- The notify URL (set last: the coupon was used before any URL was set, so no
    // notification leaves the machine). `--mchid` after the command is the body field.
    let query_callback = ["query-callback", "--mchid", mchid];
    fails(
        &query_callback,
        4,
        &["HTTP 404", &code_line("RESOURCE_NOT_EXISTS")],
    );
    let url = "https://merchant.example.com/wxpay/coupon-notify";
    // `notify_url` is `format: https_url` in the spec: a query is refused before sending.
    fails(
        &[
            "set-callback",
            "--mchid",
            mchid,
            "--notify-url",
            "https://merchant.example.com/notify?from=wxpay",
        ],
        2,
        &[
            "invalid request: --notify-url (body.notify_url)",
            "nothing was sent",
        ],
    );
    let set = story.ok(&[
        "set-callback",
        "--mchid",
        mchid,
        "--notify-url",
        url,
        "--switch",
        "false",
    ]);
    assert_eq!(set["notify_url"], url, "{set}");
    assert!(set["update_time"].is_string(), "{set}");
    let got = story.ok(&query_callback);
    assert_eq!(
        (&got["mchid"], &got["notify_url"]),
        (&json!(mchid), &json!(url))
    );
    assert_eq!(world.sandbox.notifications().url(), None, "switched off");

    // Every command of the coverage list ran, successfully.
    let missing: Vec<&str> = COVERED
        .iter()
        .map(|(command, _)| *command)
        .filter(|command| !story.succeeded.contains(*command))
        .collect();
    assert!(
        missing.is_empty(),
        "COVERED lists commands the story never ran successfully: {missing:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Basic payments
// ---------------------------------------------------------------------------------------------

/// Every payment operation through the binary: the four prepays, the queries, close, refunds
/// and the abnormal refund against the sandbox's order state, the bills' documented errors, and
/// `wxpay pay-sign` for the prepay IDs. The user pays through the sandbox's state handle (what
/// `POST /sandbox/orders/pay` does for a shell).
#[test]
fn payments_through_the_cli() {
    let world = world();
    let mchid = world.mchid().to_owned();
    let mut story = Story::default();
    let notify = "https://merchant.example.com/wxpay/notify";
    let prepay = |command: &str, no: &str, total: i64| -> Vec<String> {
        [
            command,
            "--appid",
            "wxd678efh567hg6787",
            "--mchid",
            &mchid,
            "--description",
            "CLI 商品",
            "--out-trade-no",
            no,
            "--notify-url",
            notify,
            "--amount",
            &format!(r#"{{"total":{total},"currency":"CNY"}}"#),
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let jsapi: Vec<String> = [
        prepay("jsapi-prepay", "cli-pay-jsapi", 100),
        vec!["--payer".into(), r#"{"openid":"o-cli-payer"}"#.into()],
    ]
    .concat();
    let first = story.ok(&as_strs(&jsapi));
    let prepay_id = str_of(&first, "prepay_id").to_owned();
    assert_eq!(
        story.ok(&as_strs(&jsapi))["prepay_id"],
        prepay_id.as_str(),
        "replay"
    );
    let app = story.ok(&as_strs(&prepay("app-prepay", "cli-pay-app", 200)));
    let h5: Vec<String> = [
        prepay("h5-prepay", "cli-pay-h5", 300),
        vec![
            "--scene-info".into(),
            r#"{"payer_client_ip":"14.23.150.211","h5_info":{"type":"Wap"}}"#.into(),
        ],
    ]
    .concat();
    assert!(str_of(&story.ok(&as_strs(&h5)), "h5_url").starts_with("https://"));
    let native = story.ok(&as_strs(&prepay("native-prepay", "cli-pay-native", 400)));
    assert!(str_of(&native, "code_url").starts_with("weixin://"));

    // 调起支付 parameters, through the client crate's PaySigner.
    let sign = wxpay(&[
        "pay-sign",
        "--appid",
        "wxd678efh567hg6787",
        "--prepay-id",
        &prepay_id,
        "--timestamp",
        "1554208460",
        "--nonce",
        "593BEC0C930BF1AFEB40B4A08C8FB242",
    ]);
    assert_eq!(sign.code, 0, "{sign:?}");
    let params = sign.json();
    assert_eq!(params["package"], format!("prepay_id={prepay_id}").as_str());
    assert_eq!(
        (&params["appId"], &params["timeStamp"], &params["signType"]),
        (
            &json!("wxd678efh567hg6787"),
            &json!("1554208460"),
            &json!("RSA")
        )
    );
    // The signature the client crate makes in-process (PKCS#1 v1.5 is deterministic).
    let key = wechatpay_apiv3::auth::MerchantPrivateKey::from_pem(
        world.sandbox.merchant_private_key_pem(),
    )
    .expect("merchant key");
    let expected = wechatpay_apiv3::paysign::PaySigner::new(key)
        .jsapi_at(
            "wxd678efh567hg6787",
            &prepay_id,
            1_554_208_460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
        )
        .expect("sign");
    assert_eq!(params["paySign"], expected.payment.pay_sign.as_str());
    let app_sign = wxpay(&[
        "pay-sign",
        "--for",
        "app",
        "--appid",
        "wxd678efh567hg6787",
        "--prepay-id",
        str_of(&app, "prepay_id"),
    ]);
    assert_eq!(app_sign.code, 0, "{app_sign:?}");
    let app_params = app_sign.json();
    assert_eq!(
        (&app_params["partnerId"], &app_params["package"]),
        (&json!(mchid), &json!("Sign=WXPay"))
    );

    // Query, pay, query by transaction_id; close the Native order.
    let by_no = |no: &str| -> Vec<String> {
        [
            "query-order-by-out-trade-no",
            "--out-trade-no",
            no,
            "--mchid",
            &mchid,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let unpaid = story.ok(&as_strs(&by_no("cli-pay-jsapi")));
    assert_eq!(unpaid["trade_state"], "NOTPAY", "{unpaid}");
    world
        .sandbox
        .pay("cli-pay-jsapi", None)
        .expect("the user pays");
    let paid = story.ok(&as_strs(&by_no("cli-pay-jsapi")));
    assert_eq!(paid["trade_state"], "SUCCESS", "{paid}");
    assert_eq!(paid["payer"]["openid"], "o-cli-payer", "{paid}");
    let transaction_id = str_of(&paid, "transaction_id").to_owned();
    let by_id = story.ok(&[
        "query-order-by-id",
        "--transaction-id",
        &transaction_id,
        "--mchid",
        &mchid,
    ]);
    assert_eq!(by_id["out_trade_no"], "cli-pay-jsapi");
    let close = [
        "close-order",
        "--out-trade-no",
        "cli-pay-native",
        "--mchid",
        &mchid,
    ];
    let closed = wxpay(&close);
    assert_eq!((closed.code, closed.stdout.as_str()), (0, ""), "{closed:?}");
    story.succeeded.insert("close-order".to_owned());
    let closed = story.ok(&as_strs(&by_no("cli-pay-native")));
    assert_eq!(closed["trade_state"], "CLOSED", "{closed}");
    fails(
        &[
            "close-order",
            "--out-trade-no",
            "cli-pay-jsapi",
            "--mchid",
            &mchid,
        ],
        4,
        &[&code_line("ORDER_PAID")],
    );

    // Two partial refunds; the first succeeds, the second goes abnormal and is re-routed.
    let refund = |no: &str, amount: i64| -> Vec<String> {
        [
            "create-refund",
            "--out-trade-no",
            "cli-pay-jsapi",
            "--out-refund-no",
            no,
            "--amount",
            &format!(r#"{{"refund":{amount},"total":100,"currency":"CNY"}}"#),
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let one = story.ok(&as_strs(&refund("cli-refund-1", 40)));
    assert_eq!(one["status"], "PROCESSING", "{one}");
    let two = story.ok(&as_strs(&refund("cli-refund-2", 60)));
    fails(
        &as_strs(&refund("cli-refund-3", 1)),
        4,
        &[&code_line("INVALID_REQUEST")],
    );
    let query = |no: &str| -> Vec<String> {
        ["query-refund", "--out-refund-no", no]
            .map(str::to_owned)
            .to_vec()
    };
    assert_eq!(
        story.ok(&as_strs(&query("cli-refund-1")))["status"],
        "PROCESSING"
    );
    world
        .sandbox
        .settle_refund("cli-refund-1", wechatpay_apiv3::api::RefundStatus::Success)
        .expect("settle");
    assert_eq!(
        story.ok(&as_strs(&query("cli-refund-1")))["status"],
        "SUCCESS"
    );
    world
        .sandbox
        .settle_refund("cli-refund-2", wechatpay_apiv3::api::RefundStatus::Abnormal)
        .expect("abnormal");
    let rerouted = story.ok(&[
        "apply-abnormal-refund",
        "--refund-id",
        str_of(&two, "refund_id"),
        "--out-refund-no",
        "cli-refund-2",
        "--type",
        "MERCHANT_BANK_CARD",
    ]);
    assert_eq!(
        (&rerouted["status"], &rerouted["channel"]),
        (&json!("PROCESSING"), &json!("OTHER_BANKCARD"))
    );

    // Bills: built from the sandbox's orders of a past day; this world paid today only (the
    // day before yesterday: yesterday's is STATEMENT_CREATING until 09:00 China time).
    for command in ["apply-trade-bill", "apply-fund-flow-bill"] {
        fails(
            &[command, "--bill-date", &china_day(-2)],
            4,
            &["HTTP 400", &code_line("NO_STATEMENT_EXIST")],
        );
        fails(
            &[command, "--bill-date", &china_day(0)],
            4,
            &["HTTP 400", &code_line("INVALID_REQUEST"), "bill_date"],
        );
    }

    let missing: Vec<&str> = PAYMENTS_COVERED
        .iter()
        .map(|(command, _)| *command)
        .filter(|command| !story.succeeded.contains(*command))
        .collect();
    assert!(
        missing.is_empty(),
        "PAYMENTS_COVERED lists commands the story never ran successfully: {missing:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// One failure of each kind
// ---------------------------------------------------------------------------------------------

#[test]
fn one_error_of_each_kind() {
    let world = world();
    let mchid = world.mchid();

    // A wrong state transition: the seeded stock is paused already.
    fails(
        &[
            "pause-stock",
            "--stock-id",
            SEEDED_PAUSED_STOCK,
            "--stock-creator-mchid",
            mchid,
        ],
        4,
        &[
            "HTTP 400",
            &code_line("PARAM_ERROR"),
            "非法的批次状态",
            "Request-ID: ",
        ],
    );

    // An unknown stock.
    fails(
        &[
            "query-stock",
            "--stock-id",
            "404404",
            "--stock-creator-mchid",
            mchid,
        ],
        4,
        &[
            "HTTP 404",
            &code_line("RESOURCE_NOT_EXISTS"),
            "Request-ID: ",
        ],
    );

    // Client-side validation: the spec's constraints fail before anything is sent.
    let too_long = "9".repeat(21);
    let watched = world.watch(&format!("/v3/marketing/favor/stocks/{too_long}"));
    fails(
        &[
            "start-stock",
            "--stock-id",
            &too_long,
            "--stock-creator-mchid",
            mchid,
        ],
        2,
        &["path.stock_id", "nothing was sent"],
    );
    assert!(world.saw_no_request(&watched), "the sandbox saw a request");

    let watched = world.watch("/v3/marketing/favor/stocks/1799001/");
    fails(
        &[
            "list-available-merchants",
            "--stock-id",
            "1799001",
            "--offset",
            "0",
            "--limit",
            "51",
            "--stock-creator-mchid",
            mchid,
        ],
        2,
        &["query.limit", "nothing was sent"],
    );
    fails(
        &[
            "stock-use-flow-by-day",
            "--stock-id",
            "1799001",
            "--bill-date",
            "2025-02-30",
        ],
        2,
        &["query.bill_date", "nothing was sent"],
    );
    fails(
        &["stock-refund-flow-by-day", "--stock-id", "1799001"],
        2,
        &["--bill-date"],
    );
    assert!(world.saw_no_request(&watched), "the sandbox saw a request");
}

// ---------------------------------------------------------------------------------------------
// Coverage of the catalogue
// ---------------------------------------------------------------------------------------------

#[test]
fn every_catalogue_operation_is_covered() {
    let command = |id: &str| id.replace('_', "-");
    let catalogue: BTreeSet<String> = catalog::OPERATIONS
        .iter()
        .map(|op| command(op.id))
        .collect();
    let covered: BTreeSet<String> = COVERED
        .iter()
        .chain(PAYMENTS_COVERED)
        .map(|(c, _)| (*c).to_owned())
        .collect();
    let excluded: BTreeSet<String> = EXCLUDED.iter().map(|(c, _)| (*c).to_owned()).collect();

    let untested: Vec<&String> = catalogue
        .iter()
        .filter(|c| !covered.contains(*c) && !excluded.contains(*c))
        .collect();
    assert!(
        untested.is_empty(),
        "operations of the spec with no end-to-end CLI test: {untested:?}. Add each to the \
         story in cli/tests/family.rs and to COVERED (or to EXCLUDED, with the reason)"
    );
    let unknown: Vec<&String> = covered
        .union(&excluded)
        .filter(|c| !catalogue.contains(*c))
        .collect();
    assert!(
        unknown.is_empty(),
        "COVERED/EXCLUDED name commands the catalogue does not have: {unknown:?}"
    );
    let both: Vec<&String> = covered.intersection(&excluded).collect();
    assert!(both.is_empty(), "both covered and excluded: {both:?}");
    assert_eq!(
        COVERED.len() + PAYMENTS_COVERED.len(),
        covered.len(),
        "COVERED and PAYMENTS_COVERED have duplicates"
    );
}

#[test]
fn helpers_agree_with_known_values() {
    assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    // Two blocks (56 bytes of input need a second block for the length).
    assert_eq!(
        sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    );
    assert_eq!(china_time(0), "1970-01-01T08:00:00+08:00");
    assert_eq!(china_time(1_700_000_000), "2023-11-15T06:13:20+08:00");
    assert_eq!(china_time(951_782_400), "2000-02-29T08:00:00+08:00");
    assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), b"abcde");
}
