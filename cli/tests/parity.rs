//! Parity of the clap command line with the hand-written parser it replaced.
//!
//! The command lines of `cli.rs` and `family.rs` (and a few corner cases of the old parser's
//! own tests) were run through the last binary with the hand-written parser; what it did is
//! recorded in `tests/parity/hand-written.json`: the exit code, the standard output (a dry run's
//! signed request without its `Authorization` line, `wxpay config`'s JSON, ...), and the flags its
//! error message named. This test runs today's binary on the same command lines, in the same
//! environment, and requires:
//!
//! - the same exit code;
//! - the same standard output (for JSON: every field the old output had, with the same value;
//!   new fields are allowed, such as the `api_v3_key` setting); help texts are not compared,
//!   they are clap's now;
//! - every `--flag` the old error named is named by the new one (the wording is clap's).
//!
//! A case whose old behaviour was deliberately changed is listed in [`CHANGED`] with the reason,
//! and checked for its new behaviour instead.
//!
//! `WXPAY_PARITY_RECORD=/path/to/wxpay cargo test -p wxpay --test parity` rewrites the record
//! with that binary's behaviour. It was made with the binary built at commit 4664957 ("Parity
//! test: record what the hand-written parser does…"), the last with the hand-written parser;
//! check that commit out and build it to record again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use wechatpay_sandbox::SandboxKeys;

/// Where the old binary's behaviour is recorded.
const RECORD: &str = "tests/parity/hand-written.json";

/// Which environment a case runs in.
#[derive(Clone, Copy)]
enum Env {
    /// Complete credentials (a key set in files), the base URL `http://127.0.0.1:9`.
    Full,
    /// No `WECHATPAY_*` variable at all.
    Empty,
    /// [`Env::Full`] with the merchant ID and base URL taken out and `$WECHATPAY_CONFIG` set to
    /// the file `precedence.json` (`mchid` 111, base URL port 1001), plus these variables.
    Layered(&'static [(&'static str, &'static str)]),
    /// [`Env::Full`], with the base URL replaced.
    BaseUrl(&'static str),
    /// Only these variables (with `$DIR` replaced by the folder of the test's files).
    Only(&'static [(&'static str, &'static str)]),
}

/// One command line. `$DIR` in an argument is the folder of the test's files.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    env: Env,
    /// Whether standard output and the flags named on standard error are compared (not for
    /// help texts: they are clap's now).
    texts: bool,
}

const fn case(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        args,
        env: Env::Full,
        texts: true,
    }
}

const fn help(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        args,
        env: Env::Empty,
        texts: false,
    }
}

const fn with(name: &'static str, args: &'static [&'static str], env: Env) -> Case {
    Case {
        name,
        args,
        env,
        texts: true,
    }
}

const SEND: &[&str] = &[
    "send-coupon",
    "--openid",
    "o-cli-send",
    "--stock-id",
    "9856000",
    "--stock-creator-mchid",
    "1900009191",
    "--appid",
    "wx-cli-test",
    "--out-request-no",
    "cli-send-1",
];

macro_rules! send {
    ($($extra:expr),* $(,)?) => {
        &[
            "send-coupon", "--openid", "o-cli-send", "--stock-id", "9856000",
            "--stock-creator-mchid", "1900009191", "--appid", "wx-cli-test",
            "--out-request-no", "cli-send-1", $($extra),*
        ]
    };
}

macro_rules! list {
    ($($extra:expr),* $(,)?) => {
        &[
            "list-coupons-by-filter", "--openid", "o-cli-list", "--appid", "wx-cli-test",
            $($extra),*
        ]
    };
}

/// A stock command of the family, for the sandbox merchant's stock 9856000.
macro_rules! stock {
    ($command:expr $(, $extra:expr)* $(,)?) => {
        &[
            $command, "--stock-id", "9856000", "--stock-creator-mchid", "1900009191",
            $($extra),*
        ]
    };
}

const CASES: &[Case] = &[
    // cli.rs
    help("help", &["--help"]),
    help("help-send-coupon", &["send-coupon", "--help"]),
    help("help-subcommand", &["help", "list_coupons_by_filter"]),
    case("send", send!["--dry-run"]),
    case("send-compact", send!["--compact", "--dry-run"]),
    case("list-all", list!["--limit", "2", "--all", "--dry-run"]),
    case(
        "list-jsonl",
        list!["--limit", "2", "--all", "--jsonl", "--dry-run"],
    ),
    case("list-first-page", list!["--limit", "2", "--dry-run"]),
    case(
        "send-too-long-stock-id",
        &[
            "send-coupon",
            "--openid",
            "o",
            "--stock-id",
            "123456789012345678901",
            "--stock-creator-mchid",
            "1900009191",
            "--appid",
            "wx",
            "--out-request-no",
            "r",
        ],
    ),
    case(
        "send-bad-out-request-no",
        &[
            "send-coupon",
            "--openid",
            "o",
            "--stock-id",
            "9856000",
            "--stock-creator-mchid",
            "1900009191",
            "--appid",
            "wx",
            "--out-request-no",
            "not allowed!",
        ],
    ),
    case(
        "send-missing-body-flags",
        &["send-coupon", "--openid", "o", "--appid", "wx"],
    ),
    case("list-limit-not-a-number", list!["--limit", "ten"]),
    case(
        "unknown-flag",
        &["send-coupon", "--openid", "o", "--bogus", "1"],
    ),
    case("send-retries", send!["--retries", "0", "--dry-run"]),
    case(
        "send-timeout",
        send!["--timeout", "0.3", "--retries", "0", "--dry-run"],
    ),
    case(
        "base-url-flag-beats-env",
        send!["--base-url", "http://127.0.0.1:1", "--dry-run"],
    ),
    case(
        "connection-refused",
        send!["--base-url", "http://127.0.0.1:1", "--retries", "0"],
    ),
    with("no-configuration", SEND, Env::Empty),
    with(
        "plain-http-to-a-public-host",
        SEND,
        Env::BaseUrl("http://example.com"),
    ),
    with(
        "precedence-flag",
        list![
            "--dry-run",
            "--mchid",
            "333",
            "--base-url",
            "http://127.0.0.1:1003"
        ],
        Env::Layered(&[
            ("WECHATPAY_MCHID", "222"),
            ("WECHATPAY_BASE_URL", "http://127.0.0.1:1002"),
        ]),
    ),
    with(
        "precedence-environment",
        list!["--dry-run"],
        Env::Layered(&[
            ("WECHATPAY_MCHID", "222"),
            ("WECHATPAY_BASE_URL", "http://127.0.0.1:1002"),
        ]),
    ),
    with("precedence-file", list!["--dry-run"], Env::Layered(&[])),
    with(
        "precedence-config-flag",
        list!["--dry-run", "--config", "$DIR/other.json"],
        Env::Layered(&[]),
    ),
    with(
        "config-file-alone",
        send!["--config", "$DIR/full.json", "--dry-run"],
        Env::Only(&[]),
    ),
    with(
        "config-command",
        &["config", "--config", "$DIR/full.json"],
        Env::Only(&[("WECHATPAY_MCHID", "9")]),
    ),
    // family.rs
    case(
        "create-from-data-file",
        &[
            "create-coupon-stock",
            "--data",
            "@$DIR/stock.json",
            "--dry-run",
        ],
    ),
    case(
        "create-from-data-file-and-flag",
        &[
            "create-coupon-stock",
            "--data",
            "@$DIR/stock.json",
            "--stock-name",
            "另一个批次",
            "--dry-run",
        ],
    ),
    case(
        "create-from-flags",
        &[
            "create-coupon-stock",
            "--stock-name",
            "待终止的批次",
            "--belong-merchant",
            "1900009191",
            "--available-begin-time",
            "2025-01-01T00:00:00+08:00",
            "--available-end-time",
            "2025-01-02T00:00:00+08:00",
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
            "--dry-run",
        ],
    ),
    case("query-stock", stock!["query-stock", "--dry-run"]),
    case("start-stock", stock!["start-stock", "--dry-run"]),
    case("pause-stock", stock!["pause-stock", "--dry-run"]),
    case("restart-stock", stock!["restart-stock", "--dry-run"]),
    case("stop-stock", stock!["stop-stock", "--dry-run"]),
    case(
        "query-coupon",
        &[
            "query-coupon",
            "--openid",
            "o-cli-family",
            "--coupon-id",
            "123",
            "--appid",
            "wx-cli-family",
            "--dry-run",
        ],
    ),
    case(
        "list-coupons-of-a-stock",
        list![
            "--stock-id",
            "9856000",
            "--limit",
            "1",
            "--all",
            "--dry-run"
        ],
    ),
    case(
        "list-stocks",
        &[
            "list-stocks",
            "--offset",
            "0",
            "--limit",
            "2",
            "--stock-creator-mchid",
            "1900009191",
            "--all",
            "--dry-run",
        ],
    ),
    case(
        "list-available-merchants",
        stock![
            "list-available-merchants",
            "--offset",
            "0",
            "--limit",
            "2",
            "--all",
            "--dry-run"
        ],
    ),
    case(
        "list-available-singleitems",
        stock![
            "list-available-singleitems",
            "--offset",
            "0",
            "--limit",
            "5",
            "--all",
            "--dry-run"
        ],
    ),
    case(
        "modify-stock-goods-ids",
        stock![
            "modify-stock-goods-ids",
            "--add-goods-id-list",
            r#"["sku-100"]"#,
            "--delete-goods-id-list",
            r#"["sku-001", "nope"]"#,
            "--dry-run",
        ],
    ),
    case(
        "stock-use-flow",
        &["stock-use-flow", "--stock-id", "9856000", "--dry-run"],
    ),
    case(
        "stock-refund-flow",
        &["stock-refund-flow", "--stock-id", "9856000", "--dry-run"],
    ),
    case(
        "stock-use-flow-by-day",
        &[
            "stock-use-flow-by-day",
            "--stock-id",
            "9856000",
            "--bill-date",
            "2025-01-31",
            "--dry-run",
        ],
    ),
    case(
        "stock-refund-flow-by-day",
        &[
            "stock-refund-flow-by-day",
            "--stock-id",
            "9856000",
            "--bill-date",
            "2025-01-31",
            "--dry-run",
        ],
    ),
    case(
        "query-callback",
        &["query-callback", "--mchid", "1900009191", "--dry-run"],
    ),
    case(
        "set-callback",
        &[
            "set-callback",
            "--mchid",
            "1900009191",
            "--notify-url",
            "https://merchant.example.com/wxpay/coupon-notify",
            "--switch",
            "false",
            "--dry-run",
        ],
    ),
    case(
        "start-stock-too-long",
        &[
            "start-stock",
            "--stock-id",
            "999999999999999999999",
            "--stock-creator-mchid",
            "1900009191",
        ],
    ),
    case(
        "list-merchants-limit-too-big",
        &[
            "list-available-merchants",
            "--stock-id",
            "1799001",
            "--offset",
            "0",
            "--limit",
            "51",
            "--stock-creator-mchid",
            "1900009191",
        ],
    ),
    case(
        "use-flow-by-day-bad-date",
        &[
            "stock-use-flow-by-day",
            "--stock-id",
            "1799001",
            "--bill-date",
            "2025-02-30",
        ],
    ),
    case(
        "refund-flow-by-day-missing-date",
        &["stock-refund-flow-by-day", "--stock-id", "1799001"],
    ),
    // The hand-written parser's own cases.
    help("version-flag", &["--version"]),
    help("version-command", &["version"]),
    help("no-command", &[]),
    help("short-help", &["list-coupons-by-filter", "-h"]),
    help("sandbox-help", &["sandbox", "--help"]),
    case("version-with-argument", &["version", "x"]),
    case("unknown-command", &["sned-coupon"]),
    case(
        "command-by-spec-id",
        &[
            "send_coupon",
            "--openid",
            "o",
            "--stock-id",
            "1",
            "--stock-creator-mchid",
            "1",
            "--appid",
            "wx",
            "--out-request-no",
            "r",
            "--dry-run",
        ],
    ),
    case(
        "underscores-and-equals",
        &[
            "send-coupon",
            "--openid=a=b",
            "--stock_id",
            "1",
            "--stock_creator_mchid=1",
            "--appid",
            "wx",
            "--out_request_no=r1",
            "--coupon-value",
            "100",
            "--dry_run",
        ],
    ),
    case(
        "global-flags-before-the-command",
        &[
            "--compact",
            "--mchid",
            "1900009191",
            "query-callback",
            "--mchid",
            "42",
            "--dry-run",
        ],
    ),
    case(
        "double-dash-ends-flags",
        &["query-callback", "--mchid", "1", "--", "--dry-run"],
    ),
    case("all-on-a-plain-operation", send!["--all"]),
    case("data-without-a-body", list!["--data", "{}", "--dry-run"]),
    case(
        "data-not-an-object",
        &["create-coupon-stock", "--data", "[1]", "--dry-run"],
    ),
    case(
        "data-unknown-field",
        &[
            "set-callback",
            "--data",
            r#"{"mchid": "1", "extra": 1}"#,
            "--dry-run",
        ],
    ),
    case(
        "bool-not-a-bool",
        &["set-callback", "--mchid", "1", "--switch", "yes"],
    ),
    case("repeated-parameter", list!["--appid", "wx2"]),
    case("repeated-global", send!["--timeout", "1", "--timeout", "2"]),
    case("timeout-zero", send!["--timeout", "0"]),
    case("timeout-not-a-number", send!["--timeout", "abc"]),
    case("retries-negative", send!["--retries", "-1"]),
    case("value-missing", &["send-coupon", "--openid"]),
    case(
        "value-missing-before-a-flag",
        &["send-coupon", "--openid", "--dry-run"],
    ),
    case("switch-with-a-value", send!["--dry-run=1"]),
    case("stray-argument", &["send-coupon", "stray"]),
    case("negative-integer", list!["--limit", "-1", "--dry-run"]),
    case("negative-integer-inline", list!["--limit=-1", "--dry-run"]),
    case("sandbox-bad-port", &["sandbox", "--port", "70000"]),
    case(
        "sandbox-bad-serial-mode",
        &["sandbox", "--serial-mode", "rsa"],
    ),
    case("sandbox-stray-argument", &["sandbox", "x"]),
    with(
        "config-sources",
        &["config", "--mchid", "1"],
        Env::Only(&[("WECHATPAY_MCH_SERIAL", "S")]),
    ),
];

/// Cases whose old behaviour was deliberately changed, with the reason: only their exit code is
/// compared.
const CHANGED: &[(&str, &str)] = &[(
    "all-on-a-plain-operation",
    "a command takes --all and --jsonl only when its operation is paginated, so clap refuses \
     `--all` as an unexpected argument (and no longer mentions --jsonl)",
)];

/// What a binary did with one command line.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Observed {
    code: i32,
    /// Standard output, normalized (see [`normalize`]); `None` when not compared.
    stdout: Option<String>,
    /// The `--flags` standard error names.
    flags: BTreeSet<String>,
}

/// The key set and files every case may use.
struct Fixture {
    dir: PathBuf,
    keys: SandboxKeys,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wxpay-parity");
        // One key set for every run: generating one takes a second, and nothing depends on it.
        let keys = SandboxKeys::load_or_create(dir.join("keys")).expect("keys");
        let fixture = Fixture { dir, keys };
        fixture.write("stock.json", &stock_body().to_string());
        fixture.write(
            "precedence.json",
            r#"{"mchid": "111", "base_url": "http://127.0.0.1:1001"}"#,
        );
        fixture.write("other.json", r#"{"mchid": "444"}"#);
        let full = json!({
            "base_url": "http://127.0.0.1:9",
            "mchid": fixture.keys.mchid(),
            "mch_serial": fixture.keys.merchant_serial(),
            "private_key": "keys/apiclient_key.pem",
            "platform_certs": ["keys/wechatpay_platform_cert.pem"],
            "public_key": "keys/pub_key.pem",
            "public_key_id": fixture.keys.public_key_id(),
        });
        fixture.write("full.json", &full.to_string());
        fixture
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).expect("write a test file");
    }

    fn dir(&self) -> String {
        self.dir.display().to_string()
    }

    fn full_env(&self) -> Vec<(String, String)> {
        let key = |name: &str| self.dir.join("keys").join(name).display().to_string();
        [
            ("WECHATPAY_BASE_URL", "http://127.0.0.1:9".to_owned()),
            ("WECHATPAY_MCHID", self.keys.mchid().to_owned()),
            (
                "WECHATPAY_MCH_SERIAL",
                self.keys.merchant_serial().to_owned(),
            ),
            ("WECHATPAY_PRIVATE_KEY", key("apiclient_key.pem")),
            (
                "WECHATPAY_PLATFORM_CERTS",
                key("wechatpay_platform_cert.pem"),
            ),
            ("WECHATPAY_PUBLIC_KEY", key("pub_key.pem")),
            (
                "WECHATPAY_PUBLIC_KEY_ID",
                self.keys.public_key_id().to_owned(),
            ),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec()
    }

    fn env(&self, env: Env) -> Vec<(String, String)> {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), v.replace("$DIR", &self.dir())))
                .collect()
        };
        match env {
            Env::Full => self.full_env(),
            Env::Empty => Vec::new(),
            Env::Layered(extra) => {
                let mut env: Vec<(String, String)> = self
                    .full_env()
                    .into_iter()
                    .filter(|(k, _)| k != "WECHATPAY_MCHID" && k != "WECHATPAY_BASE_URL")
                    .collect();
                env.push((
                    "WECHATPAY_CONFIG".to_owned(),
                    self.dir.join("precedence.json").display().to_string(),
                ));
                env.extend(pairs(extra));
                env
            }
            Env::BaseUrl(url) => {
                let mut env = self.full_env();
                for (k, v) in &mut env {
                    if k == "WECHATPAY_BASE_URL" {
                        *v = url.to_owned();
                    }
                }
                env
            }
            Env::Only(list) => pairs(list),
        }
    }

    /// Replaces what differs between key sets and machines by names.
    fn normalize(&self, text: &str) -> String {
        let mut text = text
            .lines()
            // A fresh signature each run; the platform in the user agent.
            .filter(|line| !line.starts_with("Authorization: "))
            .map(|line| match line.strip_prefix("User-Agent: ") {
                Some(agent) => format!("User-Agent: {}\n", agent.split(' ').next().unwrap_or("")),
                None => format!("{line}\n"),
            })
            .collect::<String>();
        for (value, name) in [
            (self.dir(), "$DIR"),
            (self.keys.merchant_serial().to_owned(), "$MCH_SERIAL"),
            (self.keys.public_key_id().to_owned(), "$PUBLIC_KEY_ID"),
            (self.keys.platform_serial().to_owned(), "$PLATFORM_SERIAL"),
        ] {
            text = text.replace(&value, name);
        }
        text
    }

    fn run(&self, binary: &Path, case: &Case) -> Observed {
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| a.replace("$DIR", &self.dir()))
            .collect();
        let output = Command::new(binary)
            .args(&args)
            .env_clear()
            .env("HOME", "/nonexistent-wxpay-test-home")
            .envs(self.env(case.env))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        Observed {
            code: output.status.code().unwrap_or(-1),
            stdout: case.texts.then(|| self.normalize(&stdout)),
            flags: if case.texts {
                flags_named(&stderr)
            } else {
                BTreeSet::new()
            },
        }
    }
}

fn stock_body() -> Value {
    json!({
        "stock_name": "命令行全流程代金券",
        "belong_merchant": "1900009191",
        "available_begin_time": "2025-01-01T00:00:00+08:00",
        "available_end_time": "2025-01-31T00:00:00+08:00",
        "stock_use_rule": {
            "max_coupons": 10,
            "max_amount": 1000,
            "max_coupons_per_user": 2,
            "natural_person_limit": false,
            "prevent_api_abuse": false
        },
        "coupon_use_rule": {
            "fixed_normal_coupon": {"coupon_amount": 100, "transaction_minimum": 200},
            "available_merchants": ["1900000001"],
            "available_items": ["sku-001"]
        },
        "no_cash": false,
        "stock_type": "NORMAL",
        "out_request_no": "cli-family-stock-1"
    })
}

/// Every `--flag` named in `text`, without `--help` (both binaries point to it) and the
/// placeholder `--name` (of the old "parameters are given as --name VALUE").
fn flags_named(text: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("--") {
        let tail = &rest[start + 2..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        if !name.is_empty()
            && name != "help"
            && name != "name"
            && name.chars().next().is_some_and(char::is_alphabetic)
        {
            flags.insert(format!("--{}", name.replace('_', "-")));
        }
        rest = &tail[end..];
    }
    flags
}

/// Whether `new` has everything `old` has: equal text, or JSON where every field of `old` is in
/// `new` with the same value.
fn stdout_matches(old: &str, new: &str) -> bool {
    fn contains(old: &Value, new: &Value) -> bool {
        match (old, new) {
            (Value::Object(old), Value::Object(new)) => old
                .iter()
                .all(|(k, v)| new.get(k).is_some_and(|n| contains(v, n))),
            _ => old == new,
        }
    }
    if old == new {
        return true;
    }
    match (
        serde_json::from_str::<Value>(old),
        serde_json::from_str::<Value>(new),
    ) {
        (Ok(old), Ok(new)) => contains(&old, &new),
        _ => false,
    }
}

#[test]
fn the_clap_command_line_behaves_like_the_hand_written_one() {
    let fixture = Fixture::new();
    let record_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(RECORD);
    if let Some(old) = std::env::var_os("WXPAY_PARITY_RECORD") {
        let observed: BTreeMap<&str, Observed> = CASES
            .iter()
            .map(|case| (case.name, fixture.run(Path::new(&old), case)))
            .collect();
        let text = serde_json::to_string_pretty(&observed).expect("JSON");
        std::fs::write(&record_path, text + "\n").expect("write the record");
        return;
    }
    let text = std::fs::read_to_string(&record_path).expect("the record");
    let recorded: BTreeMap<String, Observed> = serde_json::from_str(&text).expect("the record");
    let names: BTreeSet<&str> = CASES.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), CASES.len(), "case names are unique");
    let recorded_names: BTreeSet<&str> = recorded.keys().map(String::as_str).collect();
    assert_eq!(
        names, recorded_names,
        "the record has every case, and no other"
    );

    let binary = Path::new(env!("CARGO_BIN_EXE_wxpay"));
    let mut differences = Vec::new();
    for case in CASES {
        let old = &recorded[case.name];
        let new = fixture.run(binary, case);
        let mut problems = Vec::new();
        if old.code != new.code {
            problems.push(format!("exit code {} became {}", old.code, new.code));
        }
        let changed = CHANGED.iter().any(|(name, _)| *name == case.name);
        if let (false, Some(old), Some(new)) = (changed, &old.stdout, &new.stdout)
            && !stdout_matches(old, new)
        {
            problems.push(format!("stdout\n{old}became\n{new}"));
        }
        let lost: Vec<&String> = old.flags.difference(&new.flags).collect();
        if !changed && !lost.is_empty() {
            problems.push(format!(
                "the error no longer names {lost:?} (it names {:?})",
                new.flags
            ));
        }
        if !problems.is_empty() {
            differences.push(format!(
                "{} (wxpay {}):\n  {}",
                case.name,
                case.args.join(" "),
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} command lines behave differently:\n\n{}",
        differences.len(),
        CASES.len(),
        differences.join("\n\n")
    );
}
