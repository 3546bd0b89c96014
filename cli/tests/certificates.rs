//! `wxpay certificates download` and the APIv3 key setting, end to end: the built binary against
//! in-process sandboxes on 127.0.0.1 (one signing responses with its public key, one with its
//! platform certificate, as merchants of either kind see WeChat Pay).

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;
use wechatpay_sandbox::ResponseSigning;

mod support;

use support::World;

/// A sandbox signing with the WeChat Pay public key (`PUB_KEY_ID_…`), the default.
fn public_key_mode() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| support::start("wxpay-certificates-public-key"))
}

/// A sandbox signing with its platform certificate, like WeChat Pay for a merchant onboarded
/// before public keys.
fn platform_mode() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        support::start_with("wxpay-certificates-platform", |config| {
            config.response_signing(ResponseSigning::PlatformCertificate)
        })
    })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

/// Runs the binary with exactly `env`.
fn wxpay(args: &[&str], env: &[(&str, String)]) -> Run {
    let ran = support::run_wxpay(args, env, Path::new(support::NO_HOME));
    Run {
        code: ran.code,
        stdout: ran.stdout_text(),
        stderr: ran.stderr,
    }
}

/// The sandbox's environment, less the variables named in `without`.
fn env_without(world: &World, without: &[&str]) -> Vec<(&'static str, String)> {
    world
        .env()
        .into_iter()
        .filter(|(name, _)| !without.contains(name))
        .collect()
}

/// The settings of the keys that verify responses.
const VERIFICATION_KEYS: [&str; 3] = [
    "WECHATPAY_PLATFORM_CERTS",
    "WECHATPAY_PUBLIC_KEY",
    "WECHATPAY_PUBLIC_KEY_ID",
];

/// Only what signs requests, the base URL and the APIv3 key: no key to verify responses with.
fn signing_and_api_v3_key(world: &World) -> Vec<(&'static str, String)> {
    env_without(world, &VERIFICATION_KEYS)
}

fn out_dir(world: &World, name: &str) -> String {
    let dir = world.dir.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir.display().to_string()
}

#[test]
fn the_sandbox_exports_the_api_v3_key() {
    let world = public_key_mode();
    let env = world.env();
    let key = env.iter().find(|(name, _)| *name == "WECHATPAY_APIV3_KEY");
    assert_eq!(
        key.map(|(_, v)| v.as_str()),
        Some(world.sandbox.api_v3_key())
    );
}

#[test]
fn download_writes_verified_certificates() {
    let world = public_key_mode();
    let dir = out_dir(world, "download");
    let run = wxpay(&["certificates", "download", "--out", &dir], &world.env());
    assert_eq!(run.code, 0, "{run:?}");
    let listed = run.json();
    let listed = listed.as_array().unwrap_or_else(|| panic!("{run:?}"));
    assert_eq!(listed.len(), 1, "{run:?}");
    let certificate = &listed[0];
    assert_eq!(certificate["serial_no"], world.sandbox.platform_serial());
    assert!(certificate["effective_time"].is_string(), "{run:?}");
    assert!(certificate["expire_time"].is_string(), "{run:?}");
    let file = certificate["file"].as_str().unwrap_or_default();
    let expected =
        Path::new(&dir).join(format!("wechatpay_{}.pem", world.sandbox.platform_serial()));
    assert_eq!(Path::new(file), expected);
    let pem = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(pem, world.sandbox.platform_certificate_pem());
    assert!(
        run.stderr
            .contains(&format!("export WECHATPAY_PLATFORM_CERTS={file}")),
        "{run:?}"
    );
}

#[test]
fn download_needs_the_api_v3_key_and_the_right_one() {
    let world = public_key_mode();
    let dir = out_dir(world, "no-key");
    let without = env_without(world, &["WECHATPAY_APIV3_KEY"]);
    let download = |key: Option<&str>| {
        let mut args = vec!["certificates", "download", "--out", &dir];
        args.extend(key.map(|key| ["--api-v3-key", key]).into_iter().flatten());
        wxpay(&args, &without)
    };
    let run = download(None);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("--api-v3-key"), "{run:?}");
    assert!(run.stderr.contains("WECHATPAY_APIV3_KEY"), "{run:?}");
    assert_eq!(
        run.stderr.matches("configuration error").count(),
        1,
        "{run:?}"
    );

    // A key of the right length that is not the merchant's: nothing decrypts, nothing is written.
    let wrong = "0123456789abcdef0123456789abcdef";
    let run = download(Some(wrong));
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("APIv3 key"), "{run:?}");
    assert!(
        !run.stderr.contains(wrong),
        "the key is never printed: {run:?}"
    );
    assert!(!Path::new(&dir).exists(), "{run:?}");

    let run = download(Some("short"));
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("32 bytes"), "{run:?}");
}

#[test]
fn a_first_download_is_verified_with_the_certificates_it_carries() {
    // No verification key configured: the answer is signed by the platform certificate it
    // carries, which the APIv3 key authenticates.
    let world = platform_mode();
    let dir = out_dir(world, "bootstrap");
    let env = signing_and_api_v3_key(world);
    let run = wxpay(
        &["certificates", "download", "--out", &dir, "--compact"],
        &env,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    let file = run.json()[0]["file"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // The file written verifies responses from then on.
    let keys = [&VERIFICATION_KEYS[..], &["WECHATPAY_APIV3_KEY"]];
    let mut env = env_without(world, &keys.concat());
    env.push(("WECHATPAY_PLATFORM_CERTS", file));
    let list = [
        "list-coupons-by-filter",
        "--openid",
        "o-cli-certificates",
        "--appid",
        "wx",
    ];
    let run = wxpay(&list, &env);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["total_count"], 0, "{run:?}");

    // With the APIv3 key alone, an operation downloads the certificates by itself.
    let run = wxpay(&list, &signing_and_api_v3_key(world));
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn an_answer_signed_by_an_unknown_key_is_refused() {
    // The public-key sandbox signs /v3/certificates with its public key, which this client does
    // not hold: the downloaded certificates cannot vouch for that signature.
    let world = public_key_mode();
    let dir = out_dir(world, "unverified");
    let run = wxpay(
        &["certificates", "download", "--out", &dir],
        &signing_and_api_v3_key(world),
    );
    assert_eq!(run.code, 6, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(!Path::new(&dir).exists(), "{run:?}");
}

#[test]
fn the_api_v3_key_is_never_printed() {
    let world = public_key_mode();
    let key = world.sandbox.api_v3_key().to_owned();
    let run = wxpay(&["config"], &world.env());
    assert_eq!(run.code, 0, "{run:?}");
    let settings = &run.json()["settings"];
    assert_eq!(settings["api_v3_key"]["value"], "(hidden)", "{run:?}");
    assert_eq!(settings["api_v3_key"]["source"], "environment", "{run:?}");
    assert!(!run.stdout.contains(&key), "{run:?}");

    let run = wxpay(&["config", "--api-v3-key", &key], &[]);
    assert_eq!(
        run.json()["settings"]["api_v3_key"]["source"],
        "flag",
        "{run:?}"
    );
    assert!(!run.stdout.contains(&key), "{run:?}");

    let run = wxpay(
        &[
            "list-coupons-by-filter",
            "--openid",
            "o",
            "--appid",
            "wx",
            "--dry-run",
        ],
        &world.env(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !run.stdout.contains(&key) && !run.stderr.contains(&key),
        "{run:?}"
    );

    for help in [&["--help"][..], &["certificates", "download", "--help"]] {
        let run = wxpay(help, &world.env());
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("WECHATPAY_APIV3_KEY"), "{run:?}");
        assert!(
            !run.stdout.contains(&key),
            "help shows no environment value: {run:?}"
        );
    }
}
