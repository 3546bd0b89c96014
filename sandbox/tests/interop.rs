//! Interop: third-party WeChat Pay SDKs against the sandbox *binary*, as a user would run them.
//!
//! Each test starts `wechatpay-sandbox` with a fresh key directory and a serial mode, takes the
//! `export WECHATPAY_…` lines it prints as the client's environment, and runs a published SDK as
//! a subprocess — [`wechatpayv3`](https://pypi.org/project/wechatpayv3/) 2.0.4 for Python
//! (`interop/python_client.py`) and `wechatpay-axios-plugin` 0.9.6 for Node.js
//! (`interop/node/node_client.js`) — in public-key mode (微信支付公钥) and in
//! platform-certificate mode (平台证书, downloaded from `GET /v3/certificates` and decrypted with
//! the APIv3 key). The script sends a coupon, re-sends the same request, sends a coupon whose
//! first answer the sandbox loses (a 500 injected after the coupon is issued, through the admin
//! endpoint) and re-sends it, lists the user's coupons and sends to an unknown stock, then prints
//! one JSON report. The test checks the report and the sandbox's own books (`/sandbox/coupons`).
//! The Python client also walks a payment: a JSAPI prepay (twice: the same order), the queries
//! by out_trade_no and by transaction_id around the user paying (`POST /sandbox/orders/pay`),
//! the SDK's 调起支付 signature — which must equal the client crate's `PaySigner` — and a refund
//! with its query.
//!
//! # Gate
//!
//! The tests need Python with `wechatpayv3` and Node.js with `npm ci` run in
//! `sandbox/interop/node`. They run when `WECHATPAY_INTEROP=1`, which `.ci/run` exports after
//! installing both, pinned; then a missing package **fails** the test with the command that
//! installs it. Without the variable they pass without running (a plain `cargo test` on a machine
//! without the packages must stay green), saying so on standard error. To run them:
//!
//! ```text
//! python3 -m pip install -r sandbox/interop/requirements.txt
//! npm ci --prefix sandbox/interop/node
//! WECHATPAY_INTEROP=1 cargo test -p wechatpay-sandbox --test interop
//! ```
//!
//! `PYTHON` and `NODE` override the interpreters (default `python3`, `node`). Every wait is
//! bounded: the sandbox must print its banner and each script must finish within two minutes.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The variable that turns these tests on.
const GATE: &str = "WECHATPAY_INTEROP";
/// How long the sandbox may take to print its banner, and a script to finish.
const PATIENCE: Duration = Duration::from_secs(120);
const PYTHON_INSTALL: &str = "python3 -m pip install -r sandbox/interop/requirements.txt";
const NODE_INSTALL: &str = "npm ci --prefix sandbox/interop/node";

#[test]
fn python_wechatpayv3_public_key_mode() {
    interop(Sdk::Python, Mode::PublicKey);
}

#[test]
fn python_wechatpayv3_platform_certificate_mode() {
    interop(Sdk::Python, Mode::Platform);
}

#[test]
fn node_wechatpay_axios_plugin_public_key_mode() {
    interop(Sdk::Node, Mode::PublicKey);
}

#[test]
fn node_wechatpay_axios_plugin_platform_certificate_mode() {
    interop(Sdk::Node, Mode::Platform);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sdk {
    Python,
    Node,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    PublicKey,
    Platform,
}

impl Mode {
    /// The script's argument and the binary's `--serial-mode`.
    fn args(self) -> (&'static str, &'static str) {
        match self {
            Mode::PublicKey => ("public-key", "public-key"),
            Mode::Platform => ("platform", "platform"),
        }
    }
}

impl Sdk {
    fn tag(self) -> &'static str {
        match self {
            Sdk::Python => "py",
            Sdk::Node => "node",
        }
    }

    fn interop_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
    }

    /// The interpreter and script, after checking the SDK is installed.
    fn command(self) -> Command {
        match self {
            Sdk::Python => {
                let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
                let probe = Command::new(&python)
                    .args(["-c", "import wechatpayv3; print(wechatpayv3.__version__)"])
                    .output()
                    .unwrap_or_else(|e| {
                        panic!("{GATE}=1 but `{python}` cannot be run ({e}); install Python 3, then `{PYTHON_INSTALL}`")
                    });
                assert!(
                    probe.status.success(),
                    "{GATE}=1 but the Python package wechatpayv3 is not installed for `{python}`; \
                     install it with `{PYTHON_INSTALL}` (from the repository root).\n{}",
                    String::from_utf8_lossy(&probe.stderr)
                );
                let mut command = Command::new(python);
                command.arg(Self::interop_dir().join("python_client.py"));
                command
            }
            Sdk::Node => {
                let node = std::env::var("NODE").unwrap_or_else(|_| "node".to_owned());
                let probe = Command::new(&node).arg("--version").output();
                assert!(
                    probe.as_ref().is_ok_and(|out| out.status.success()),
                    "{GATE}=1 but `{node}` cannot be run ({probe:?}); install Node.js, then `{NODE_INSTALL}`"
                );
                let dir = Self::interop_dir().join("node");
                let installed = dir.join("node_modules/wechatpay-axios-plugin/package.json");
                assert!(
                    installed.is_file(),
                    "{GATE}=1 but the npm package wechatpay-axios-plugin is not installed in {}; \
                     install it with `{NODE_INSTALL}` (from the repository root).",
                    dir.display()
                );
                let mut command = Command::new(node);
                command.arg(dir.join("node_client.js"));
                command
            }
        }
    }
}

fn interop(sdk: Sdk, mode: Mode) {
    match std::env::var(GATE).as_deref() {
        Ok("1") => {}
        _ => {
            eprintln!(
                "interop {sdk:?} {mode:?}: not run, {GATE} is not 1. To run it: `{PYTHON_INSTALL}`, \
                 `{NODE_INSTALL}`, then `{GATE}=1 cargo test -p wechatpay-sandbox --test interop`."
            );
            return;
        }
    }
    let command = sdk.command();
    let (script_mode, serial_mode) = mode.args();
    let sandbox = SandboxProcess::start(&format!("{}-{script_mode}", sdk.tag()), serial_mode);
    let info = sandbox.admin_json("GET", "/sandbox", "");
    let expected_serial = match mode {
        Mode::PublicKey => &info["public_key_id"],
        Mode::Platform => &info["platform_serial"],
    };
    assert_eq!(
        &info["response_serial"], expected_serial,
        "the sandbox signs in {serial_mode} mode"
    );

    let tag = format!("{}_{}", sdk.tag(), script_mode.replace('-', "_"));
    let openid = format!("o_interop_{tag}");
    let lost_openid = format!("o_interop_lost_{tag}");
    let prefix = format!("{}-{script_mode}", sdk.tag());
    // The first answer to the lost user's send is lost: issued, then answered with a 500.
    let rule = serde_json::json!({
        "fault": "status_500",
        "method": "POST",
        "path_prefix": format!("/v3/marketing/favor/users/{lost_openid}/"),
        "phase": "after",
    });
    sandbox.admin_json("POST", "/sandbox/faults", &rule.to_string());

    let run = sandbox.run(
        command,
        script_mode,
        &[
            ("INTEROP_OPENID", openid.as_str()),
            ("INTEROP_LOST_OPENID", lost_openid.as_str()),
            ("INTEROP_PREFIX", prefix.as_str()),
        ],
    );
    let report: Value = run
        .stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON report from the {sdk:?} client\n{run}"));
    let context = format!("{run}\nsandbox log:\n{}", sandbox.log());
    let at = |path: &str| {
        report
            .pointer(path)
            .cloned()
            .unwrap_or_else(|| panic!("the report has no {path}\n{context}"))
    };

    // Verification keys: public-key mode never downloads a certificate; platform mode downloads
    // exactly the sandbox's platform certificate.
    let certificates = at("/certificates");
    match mode {
        Mode::PublicKey => assert_eq!(certificates, Value::Array(vec![]), "{context}"),
        Mode::Platform => assert_eq!(
            certificates,
            Value::Array(vec![info["platform_serial"].clone()]),
            "{context}"
        ),
    }

    // Send, then the same request again: the same coupon.
    assert_eq!(at("/send/status"), 200, "{context}");
    let coupon_id = at("/send/coupon_id");
    assert!(
        coupon_id.as_str().is_some_and(|id| !id.is_empty()),
        "{context}"
    );
    assert_eq!(at("/resend/status"), 200, "{context}");
    assert_eq!(at("/resend/coupon_id"), coupon_id, "{context}");

    // The lost answer: a 500 although the coupon was issued; the same request again gets it.
    assert_eq!(at("/lost/status"), 500, "{context}");
    assert_eq!(at("/lost/code"), "SYSTEM_ERROR", "{context}");
    assert_eq!(at("/lost_resend/status"), 200, "{context}");
    let lost_coupon_id = at("/lost_resend/coupon_id");

    // The list, with the SDK's paging.
    assert_eq!(at("/list/status"), 200, "{context}");
    assert_eq!(at("/list/total_count"), 1, "{context}");
    assert_eq!(at("/list/offset"), 0, "{context}");
    assert_eq!(at("/list/limit"), 20, "{context}");
    assert_eq!(
        at("/list/coupon_ids"),
        Value::Array(vec![coupon_id.clone()]),
        "{context}"
    );
    assert_eq!(
        at("/list/out_request_nos"),
        serde_json::json!([format!("{prefix}-1")]),
        "{context}"
    );
    assert_eq!(at("/list_filtered/status"), 200, "{context}");
    assert_eq!(at("/list_filtered/total_count"), 1, "{context}");

    // A business error reaches the SDK as such.
    assert_eq!(at("/unknown_stock/status"), 404, "{context}");
    assert_eq!(
        at("/unknown_stock/code"),
        "RESOURCE_NOT_EXISTS",
        "{context}"
    );

    // The sandbox's books: one coupon per out_request_no, the ones the SDK was told about.
    let held = |user: &str| -> Vec<(Value, Value)> {
        let coupons = sandbox.admin_json("GET", &format!("/sandbox/coupons?openid={user}"), "");
        coupons
            .as_array()
            .unwrap_or_else(|| panic!("/sandbox/coupons answered {coupons}"))
            .iter()
            .map(|c| (c["coupon_id"].clone(), c["out_request_no"].clone()))
            .collect()
    };
    assert_eq!(
        held(&openid),
        vec![(coupon_id, Value::from(format!("{prefix}-1")))],
        "{context}"
    );
    assert_eq!(
        held(&lost_openid),
        vec![(lost_coupon_id, Value::from(format!("{prefix}-2")))],
        "{context}"
    );
    let faults = sandbox.admin_json("GET", "/sandbox/faults", "");
    assert_eq!(
        faults["applied_count"], 1,
        "the lost answer was injected: {faults}"
    );
    if sdk == Sdk::Python {
        payments(&sandbox, &report, &context);
    }
    assert!(
        !sandbox.log().contains("SIGN_ERROR"),
        "the sandbox accepted every signature\n{context}"
    );
}

/// The Python client's payment walk, from its report.
fn payments(sandbox: &SandboxProcess, report: &Value, context: &str) {
    let at = |path: &str| {
        report
            .pointer(&format!("/payments{path}"))
            .cloned()
            .unwrap_or_else(|| panic!("the report has no /payments{path}\n{context}"))
    };
    assert_eq!(at("/prepay/status"), 200, "{context}");
    let prepay_id = at("/prepay/prepay_id");
    assert!(
        prepay_id.as_str().is_some_and(|id| id.starts_with("wx")),
        "{context}"
    );
    // The same order again: the same prepay_id (idempotent on out_trade_no).
    assert_eq!(at("/prepay_again/status"), 200, "{context}");
    assert_eq!(at("/prepay_again/prepay_id"), prepay_id, "{context}");
    assert_eq!(at("/query_unpaid/status"), 200, "{context}");
    assert_eq!(at("/query_unpaid/trade_state"), "NOTPAY", "{context}");
    assert_eq!(at("/pay/status"), 200, "{context}");
    assert_eq!(at("/query_paid/status"), 200, "{context}");
    assert_eq!(at("/query_paid/trade_state"), "SUCCESS", "{context}");
    assert_eq!(at("/query_paid/openid"), "o_interop_payer", "{context}");
    assert!(at("/query_paid/transaction_id").is_string(), "{context}");

    // The SDK's 调起支付 signature is the client crate's, byte for byte.
    let key_path = sandbox
        .env
        .iter()
        .find(|(name, _)| name == "WECHATPAY_PRIVATE_KEY")
        .map(|(_, value)| value.clone())
        .expect("the banner exports WECHATPAY_PRIVATE_KEY");
    let key = wechatpay_apiv3::auth::MerchantPrivateKey::from_pem_file(key_path).expect("key");
    let ours = wechatpay_apiv3::paysign::PaySigner::new(key)
        .jsapi_at(
            "wx233544546545989",
            prepay_id.as_str().unwrap_or_default(),
            at("/pay_sign/timestamp")
                .as_str()
                .unwrap_or_default()
                .parse()
                .unwrap_or(0),
            at("/pay_sign/nonce").as_str().unwrap_or_default(),
        )
        .expect("sign");
    assert_eq!(
        at("/pay_sign/pay_sign"),
        ours.payment.pay_sign.as_str(),
        "{context}"
    );

    // The refund: accepted (PROCESSING), then found by its number (it may have succeeded by
    // then: the binary lets refunds succeed after a second).
    assert_eq!(at("/refund/status"), 200, "{context}");
    assert_eq!(at("/refund/refund_status"), "PROCESSING", "{context}");
    assert_eq!(at("/query_refund/status"), 200, "{context}");
    assert_eq!(
        at("/query_refund/refund_id"),
        at("/refund/refund_id"),
        "{context}"
    );
    assert_eq!(at("/query_refund/refund"), 40, "{context}");
    let state = at("/query_refund/refund_status");
    assert!(state == "PROCESSING" || state == "SUCCESS", "{context}");
    let balance = sandbox.admin_json("GET", "/sandbox/balance", "");
    assert_eq!(balance["available"], 60, "paid 100, refunded 40: {balance}");
}

/// The sandbox binary, running until dropped.
struct SandboxProcess {
    child: Child,
    dir: PathBuf,
    base_url: String,
    env: Vec<(String, String)>,
}

/// What a client script did.
struct Run {
    description: String,
    status: String,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} exited with {}\nstdout:\n{}\nstderr:\n{}",
            self.description, self.status, self.stdout, self.stderr
        )
    }
}

impl SandboxProcess {
    fn start(name: &str, serial_mode: &str) -> SandboxProcess {
        let dir = std::env::temp_dir().join(format!(
            "wechatpay-interop-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(&dir).expect("create the temporary directory");
        let log = File::create(dir.join("sandbox.log")).expect("create the sandbox log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_wechatpay-sandbox"))
            .arg("--port")
            .arg("0")
            .arg("--keys-dir")
            .arg(dir.join("keys"))
            .arg("--serial-mode")
            .arg(serial_mode)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start the wechatpay-sandbox binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = SandboxProcess {
            child,
            dir,
            base_url: String::new(),
            env: Vec::new(),
        };
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.starts_with("Press Ctrl-C") => break,
                Ok(line) => {
                    if let Some((name, value)) = line
                        .strip_prefix("export ")
                        .and_then(|assignment| assignment.split_once('='))
                    {
                        process.env.push((name.to_owned(), shell_unquote(value)));
                    }
                }
                Err(e) => panic!(
                    "the sandbox binary printed no banner ({e:?})\nlog:\n{}",
                    process.log()
                ),
            }
        }
        process.base_url = process
            .env
            .iter()
            .find(|(name, _)| name == "WECHATPAY_BASE_URL")
            .map(|(_, value)| value.clone())
            .expect("the banner exports WECHATPAY_BASE_URL");
        for name in [
            "WECHATPAY_MCHID",
            "WECHATPAY_MCH_SERIAL",
            "WECHATPAY_PRIVATE_KEY",
            "WECHATPAY_PLATFORM_CERTS",
            "WECHATPAY_PUBLIC_KEY",
            "WECHATPAY_PUBLIC_KEY_ID",
            "WECHATPAY_APIV3_KEY",
        ] {
            assert!(
                process.env.iter().any(|(n, _)| n == name),
                "the banner exports {name}: {:?}",
                process.env
            );
        }
        process
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sandbox.log")).unwrap_or_default()
    }

    /// Runs a client script with the banner's environment plus `extra`, bounded by [`PATIENCE`].
    fn run(&self, mut command: Command, mode: &str, extra: &[(&str, &str)]) -> Run {
        let out_path = self.dir.join("client.stdout");
        let err_path = self.dir.join("client.stderr");
        command
            .arg(mode)
            .envs(self.env.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(File::create(&out_path).expect("client stdout file"))
            .stderr(File::create(&err_path).expect("client stderr file"));
        let description = format!("{command:?}");
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {description}: {e}"));
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status.to_string(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break format!("no exit within {PATIENCE:?} (killed)");
                }
                Err(e) => break format!("unknown ({e})"),
            }
        };
        let run = Run {
            description,
            status,
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        };
        assert!(
            run.status == "exit status: 0",
            "{run}\nsandbox log:\n{}",
            self.log()
        );
        run
    }

    /// An admin request (`/sandbox/…`, unauthenticated) over a plain HTTP/1.1 connection.
    fn admin_json(&self, method: &str, target: &str, body: &str) -> Value {
        let addr = self
            .base_url
            .strip_prefix("http://")
            .expect("an http:// base URL");
        let mut stream = TcpStream::connect(addr).expect("connect to the sandbox");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("read timeout");
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("write the request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read the response");
        let (head, body) = response
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
        assert!(
            head.starts_with("HTTP/1.1 200"),
            "{method} {target}: {head}\n{body}"
        );
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{method} {target}: {e}: {body}"))
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        // Only the process this test started, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Undoes the binary's POSIX shell quoting (`'…'`, with `'\''` for a quote).
fn shell_unquote(value: &str) -> String {
    match value
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        Some(inner) => inner.replace(r"'\''", "'"),
        None => value.to_owned(),
    }
}
