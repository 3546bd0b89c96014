//! Turning a [`ClientBuilder`] into a [`Client`]: checking every setting, then wiring the
//! signer, the transport, the pipeline and the key source; and the asynchronous
//! [`start`](ClientBuilder::start), which also downloads certificates and starts their refresh.

use std::sync::Arc;
use std::time::Duration;

use super::ClientBuilder;
use crate::auth::{Signer, SystemClock};
use crate::certificates::{CertificateStore, RefreshTask};
use crate::client::{Client, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL, KeySet};
use crate::error::Error;
use crate::keys::FixedKeys;
use crate::orchestrator::{DEFAULT_MAX_RESPONSE_BYTES, Pipeline};
use crate::target::{check_header_token, user_agent, validate_base_url};
use crate::transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, HttpSettings, ReqwestTransport, Transport,
};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A checked configuration, before certificates are downloaded.
struct Parts {
    mchid: String,
    merchant_serial: String,
    pipeline: Arc<Pipeline>,
    keys: KeySet,
    refresh_every: Option<Duration>,
}

impl ClientBuilder {
    /// Builds the client. Nothing is downloaded: with
    /// [`auto_certificates`](Self::auto_certificates), platform certificates are downloaded
    /// when a response first needs them; use [`start`](Self::start) to download them now, or
    /// for a periodic refresh.
    ///
    /// # Errors
    /// [`Error::Config`] naming what is missing or unusable: merchant ID, serial, private key,
    /// a verification key, a certificate or public key that does not parse, a bad base URL or
    /// proxy, settings that exclude each other, or
    /// [`certificate_refresh_every`](Self::certificate_refresh_every) (which needs `start`).
    pub fn build(self) -> Result<Client, Error> {
        // (A zero interval is reported by `check`, as with `start`.)
        if self
            .certificate_refresh_every
            .is_some_and(|every| !every.is_zero())
        {
            return Err(Error::config(
                "certificate_refresh_every runs a background task on the tokio runtime: build the \
                 client with `ClientBuilder::start().await` instead of `build()`",
            ));
        }
        let parts = self.check()?;
        Ok(Client::from_parts(
            parts.mchid,
            parts.merchant_serial,
            parts.pipeline,
            parts.keys,
            None,
        ))
    }

    /// Builds the client, then, when it manages platform certificates
    /// ([`auto_certificates`](Self::auto_certificates) or
    /// [`certificate_refresh_every`](Self::certificate_refresh_every)), downloads them before
    /// returning and starts the periodic refresh on the current tokio runtime. A wrong APIv3 key,
    /// merchant key or serial thus fails here, at start-up. Otherwise the same as
    /// [`build`](Self::build).
    ///
    /// # Errors
    /// As [`build`](Self::build), and any error of the download
    /// ([`Client::refresh_certificates`]).
    pub async fn start(self) -> Result<Client, Error> {
        let parts = self.check()?;
        let mut refresh = None;
        if let KeySet::Managed(store) = &parts.keys {
            if store.lazy() || parts.refresh_every.is_some() {
                store.refresh(None).await?;
            }
            if let Some(every) = parts.refresh_every {
                refresh = Some(RefreshTask::spawn(Arc::clone(store), every));
            }
        }
        Ok(Client::from_parts(
            parts.mchid,
            parts.merchant_serial,
            parts.pipeline,
            parts.keys,
            refresh,
        ))
    }

    /// Every check, in the order the settings are documented.
    fn check(self) -> Result<Parts, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mchid = self
            .mchid
            .ok_or_else(|| Error::config("missing mchid (ClientBuilder::mchid)"))?;
        check_header_token(&mchid, "mchid")?;
        let merchant_serial = self.merchant_serial.ok_or_else(|| {
            Error::config("missing merchant certificate serial (ClientBuilder::merchant_serial)")
        })?;
        check_header_token(&merchant_serial, "merchant certificate serial")?;
        let private_key = self.private_key.ok_or_else(|| {
            Error::config(
                "missing merchant private key (ClientBuilder::private_key_pem / private_key_file)",
            )
        })?;

        let base_url = validate_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            "base_url",
        )?;
        let backup_base_url = if self.failover {
            let backup = self.backup_base_url.as_deref();
            Some(validate_base_url(
                backup.unwrap_or(DEFAULT_BACKUP_BASE_URL),
                "backup_base_url",
            )?)
        } else {
            None
        };

        let mut verifier = self.verifier.unwrap_or_default();
        if let Some(clock) = &self.clock {
            verifier = verifier.with_clock(Arc::clone(clock));
        }
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        for pem in &self.platform_certificates {
            verifier.add_platform_certificate_pem(pem)?;
        }
        for (id, pem) in &self.public_keys {
            verifier.add_public_key_pem(id.as_str(), pem)?;
        }
        let periodic = self.certificate_refresh_every;
        if let Some(every) = periodic
            && every.is_zero()
        {
            return Err(Error::config(
                "certificate_refresh_every must be greater than zero",
            ));
        }
        let managed = self.auto_certificates || periodic.is_some();
        if managed && self.api_v3_key.is_none() {
            return Err(Error::config(
                "auto_certificates and certificate_refresh_every need the APIv3 key to decrypt \
                 downloaded certificates (ClientBuilder::api_v3_key)",
            ));
        }
        if verifier.preferred_serial().is_none() && !managed {
            return Err(Error::config(
                "no WeChat Pay key to verify responses with: add the WeChat Pay public key \
                 (public_key_pem) or a platform certificate (platform_certificate_pem), or set \
                 api_v3_key with auto_certificates(true) to download platform certificates",
            ));
        }

        let mut signer = Signer::new(mchid.clone(), merchant_serial.clone(), private_key)
            .with_clock(Arc::clone(&clock));
        if let Some(nonce) = self.nonce_source {
            signer = signer.with_nonce(nonce);
        }

        let timeout = positive(self.timeout.unwrap_or(DEFAULT_TIMEOUT), "timeout")?;
        let transport: Arc<dyn Transport> = match self.transport {
            Some(transport) => {
                if self.proxy.is_some()
                    || self.connect_timeout.is_some()
                    || self.pool_idle_timeout.is_some()
                {
                    return Err(Error::config(
                        "proxy, connect_timeout and pool_idle_timeout configure the built-in HTTP \
                         client; with http_client or transport, configure the client you pass",
                    ));
                }
                transport
            }
            None => Arc::new(ReqwestTransport::with_settings(&HttpSettings {
                connect_timeout: positive(
                    self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                    "connect_timeout",
                )?,
                pool_idle_timeout: self.pool_idle_timeout.unwrap_or(DEFAULT_POOL_IDLE_TIMEOUT),
                proxy: self.proxy,
            })?),
        };
        let pipeline = Arc::new(Pipeline {
            signer,
            clock,
            transport,
            base_url,
            backup_base_url,
            user_agent: user_agent(),
            timeout,
            retry: self.retry.unwrap_or_default(),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
        });
        let keys = match self.api_v3_key {
            None => KeySet::Fixed(FixedKeys::new(verifier)?),
            Some(api_v3_key) => KeySet::Managed(Arc::new(CertificateStore::new(
                Arc::clone(&pipeline),
                api_v3_key,
                verifier,
                self.auto_certificates,
                self.certificate_refresh_interval,
            )?)),
        };
        Ok(Parts {
            mchid,
            merchant_serial,
            pipeline,
            keys,
            refresh_every: periodic,
        })
    }
}

fn positive(value: Duration, what: &str) -> Result<Duration, Error> {
    if value.is_zero() {
        return Err(Error::config(format!("{what} must be greater than zero")));
    }
    Ok(value)
}
