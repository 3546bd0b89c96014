//! What a shell needs to use a running sandbox: the `export` lines that point a client or
//! `wxpay` at it, and waiting for Ctrl-C or SIGTERM. Shared by the sandbox binary and
//! `wxpay sandbox`.

use std::path::Path;

use crate::Sandbox;

impl Sandbox {
    /// The environment variables `Client::from_env` and `wxpay` read, with this sandbox's values,
    /// in printing order. Key paths are absolute when the keys live in files
    /// ([`crate::SandboxKeys::load_or_create`]) and empty when they are in memory only.
    pub fn client_env(&self) -> Vec<(&'static str, String)> {
        let keys = self.keys();
        let files = keys.files();
        let path = |pick: fn(&crate::KeyFiles) -> &Path| {
            files.map(|f| absolute(pick(f))).unwrap_or_default()
        };
        vec![
            ("WECHATPAY_BASE_URL", self.base_url().to_owned()),
            ("WECHATPAY_MCHID", keys.mchid().to_owned()),
            ("WECHATPAY_MCH_SERIAL", keys.merchant_serial().to_owned()),
            ("WECHATPAY_PRIVATE_KEY", path(|f| &f.merchant_private_key)),
            (
                "WECHATPAY_PLATFORM_CERTS",
                path(|f| &f.platform_certificate),
            ),
            ("WECHATPAY_PUBLIC_KEY", path(|f| &f.public_key)),
            ("WECHATPAY_PUBLIC_KEY_ID", keys.public_key_id().to_owned()),
            ("WECHATPAY_APIV3_KEY", keys.api_v3_key().to_owned()),
        ]
    }

    /// [`Sandbox::client_env`] as `export NAME=value` lines, quoted for a POSIX shell.
    pub fn export_lines(&self) -> String {
        self.client_env()
            .into_iter()
            .map(|(name, value)| format!("export {name}={}\n", shell_quote(&value)))
            .collect()
    }

    /// Which operations answer from the spec instead of from the sandbox's state, in words, for
    /// the banners of the sandbox binary and `wxpay sandbox`.
    pub fn spec_answers_summary(&self) -> String {
        let answers = self.spec_answers();
        if answers.all {
            "every operation".to_owned()
        } else if answers.operations.is_empty() {
            "the operations without a handler".to_owned()
        } else {
            let named: Vec<String> = answers.operations.into_iter().collect();
            format!("{}, and the operations without a handler", named.join(", "))
        }
    }

    /// A client builder already pointed at this sandbox: base URL, merchant ID, serial and
    /// private key, and both verification keys (public key and platform certificate). Add a
    /// retry policy or timeouts, then `build()`.
    pub fn client_builder(&self) -> wechatpay_apiv3::ClientBuilder {
        wechatpay_apiv3::Client::builder()
            .base_url(self.base_url())
            .mchid(self.mchid())
            .merchant_serial(self.merchant_serial())
            .private_key_pem(self.merchant_private_key_pem())
            .public_key_pem(self.public_key_id(), self.public_key_pem())
            .platform_certificate_pem(self.platform_certificate_pem())
    }
}

fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Quotes a value for a POSIX shell, leaving plain values (paths, IDs, URLs) bare.
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+=,".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix, so a server can shut down cleanly.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn quoting() {
        assert_eq!(
            shell_quote("/tmp/k/apiclient_key.pem"),
            "/tmp/k/apiclient_key.pem"
        );
        assert_eq!(shell_quote("a b'c"), r"'a b'\''c'");
        assert_eq!(shell_quote(""), "''");
    }
}
