//! `wxpay sandbox` as a user runs it: the built binary serving on a free port, its export lines
//! pointing a second `wxpay` at it.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Kills the sandbox process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wxpay() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wxpay"));
    command
        .env_clear()
        .env("HOME", "/nonexistent-wxpay-test-home");
    command
}

/// Starts `wxpay sandbox` with `args` and its keys in `keys`; returns the process and the
/// environment its export lines set.
fn start(args: &[&str], keys: &Path) -> (Running, Vec<(String, String)>) {
    let mut child = wxpay()
        .args(["sandbox", "--port", "0", "--quiet"])
        .args(args)
        .arg("--keys-dir")
        .arg(keys)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wxpay sandbox");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);

    // Read the export lines up to the last one.
    let mut env = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line of the export lines");
        if line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .strip_prefix("export ")
            .and_then(|rest| rest.split_once('='))
            .unwrap_or_else(|| panic!("not an export line: {line}"));
        env.push((name.to_owned(), value.trim_matches('\'').to_owned()));
        if name == "WECHATPAY_APIV3_KEY" {
            break;
        }
    }
    (running, env)
}

#[test]
fn the_export_lines_point_wxpay_at_the_sandbox() {
    let keys = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wxpay-sandbox-command");
    let (running, env) = start(&["--serial-mode", "platform"], &keys);
    let names: Vec<&str> = env.iter().map(|(name, _)| name.as_str()).collect();
    for name in [
        "WECHATPAY_BASE_URL",
        "WECHATPAY_MCHID",
        "WECHATPAY_PRIVATE_KEY",
        "WECHATPAY_PUBLIC_KEY_ID",
        "WECHATPAY_APIV3_KEY",
    ] {
        assert!(names.contains(&name), "{name} is exported: {names:?}");
    }
    assert!(
        !names.contains(&"WECHATPAY_API_V3_KEY"),
        "one name for the APIv3 key: {names:?}"
    );

    let output = wxpay()
        .args([
            "list-coupons-by-filter",
            "--openid",
            "o-cli-sandbox",
            "--appid",
            "wx",
        ])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run wxpay");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(answer["total_count"], 0, "{answer}");

    let output = wxpay()
        .args(["certificates", "download", "--out"])
        .arg(keys.join("downloaded"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run wxpay");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    drop(running);
}

#[test]
fn operations_can_answer_from_the_spec() {
    let keys = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wxpay-sandbox-spec-answers");
    let query_stock = |env: &[(String, String)]| {
        let mchid = env
            .iter()
            .find(|(name, _)| name == "WECHATPAY_MCHID")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        wxpay()
            .args([
                "query-stock",
                "--stock-id",
                "404404",
                "--stock-creator-mchid",
            ])
            .arg(mchid)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run wxpay")
    };

    // The sandbox's state has no such stock …
    let (running, env) = start(&[], &keys);
    let output = query_stock(&env);
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    drop(running);

    // … the spec's answer is its example stock, for one operation or for all of them.
    for flags in [
        &["--answer-from-spec", "list_stocks,query-stock"][..],
        &["--answer-all-from-spec"],
    ] {
        let (running, env) = start(flags, &keys);
        let output = query_stock(&env);
        assert!(output.status.success(), "{flags:?}: {output:?}");
        let stock: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert!(stock["stock_id"].is_string(), "{stock}");
        assert_ne!(stock["stock_id"], "404404", "{stock}");
        drop(running);
    }

    // An operation the spec does not have is a usage error, with a suggestion.
    let output = wxpay()
        .args(["sandbox", "--answer-from-spec", "query_stok"])
        .output()
        .expect("run wxpay");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'query_stock'"), "{stderr}");
}
