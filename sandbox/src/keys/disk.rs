//! Keeping a key set in a directory: the file layout of the module documentation, loaded
//! whole or generated and written when the directory holds none of it.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::assemble::Parts;
use super::generate::generate_parts;
use super::{
    DEFAULT_MCHID, KeyFiles, MERCHANT_CERT_FILE, MERCHANT_KEY_FILE, METADATA_FILE,
    PLATFORM_CERT_FILE, PLATFORM_KEY_FILE, PUBLIC_KEY_FILE, SandboxKeys,
};
use crate::error::SandboxError;

const PEM_FILES: [&str; 5] = [
    MERCHANT_KEY_FILE,
    MERCHANT_CERT_FILE,
    PLATFORM_KEY_FILE,
    PLATFORM_CERT_FILE,
    PUBLIC_KEY_FILE,
];

impl KeyFiles {
    fn in_dir(dir: &Path) -> Self {
        KeyFiles {
            dir: dir.to_path_buf(),
            merchant_private_key: dir.join(MERCHANT_KEY_FILE),
            merchant_certificate: dir.join(MERCHANT_CERT_FILE),
            platform_private_key: dir.join(PLATFORM_KEY_FILE),
            platform_certificate: dir.join(PLATFORM_CERT_FILE),
            public_key: dir.join(PUBLIC_KEY_FILE),
            metadata: dir.join(METADATA_FILE),
        }
    }
}

/// `keys.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    mchid: String,
    /// Informational: the certificate is authoritative.
    #[serde(default)]
    merchant_serial: Option<String>,
    /// Informational: the certificate is authoritative.
    #[serde(default)]
    platform_serial: Option<String>,
    public_key_id: String,
    api_v3_key: String,
}

impl SandboxKeys {
    /// Loads the key set in `dir`, or generates one for [`DEFAULT_MCHID`] and writes it there
    /// when the directory holds none of the files (creating the directory if needed).
    ///
    /// # Errors
    /// As [`SandboxKeys::load_or_create_for`].
    pub fn load_or_create(dir: impl AsRef<Path>) -> Result<Self, SandboxError> {
        Self::load_or_create_for(dir, DEFAULT_MCHID)
    }

    /// [`SandboxKeys::load_or_create`] generating for merchant `mchid` when nothing is there.
    /// An existing set keeps its own merchant ID.
    ///
    /// # Errors
    /// [`SandboxError::Keys`] when only some of the files exist (nothing is overwritten) or
    /// they are inconsistent; [`SandboxError::Io`] when a file cannot be read or written;
    /// generation errors as [`SandboxKeys::generate_for`].
    pub fn load_or_create_for(dir: impl AsRef<Path>, mchid: &str) -> Result<Self, SandboxError> {
        let dir = dir.as_ref();
        let files = KeyFiles::in_dir(dir);
        let present = files_in(dir, true);
        if present.is_empty() {
            let keys = Self::assemble(generate_parts(mchid)?, Some(files.clone()))?;
            keys.write(&files)?;
            tracing::info!(dir = %dir.display(), "generated a new sandbox key set");
            return Ok(keys);
        }
        Self::load(dir)
    }

    /// Loads the key set in `dir` (all six files must exist).
    ///
    /// # Errors
    /// [`SandboxError::Keys`] when a file is missing or the set is inconsistent;
    /// [`SandboxError::Io`] when a file cannot be read.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, SandboxError> {
        let dir = dir.as_ref();
        let files = KeyFiles::in_dir(dir);
        let missing = files_in(dir, false);
        if !missing.is_empty() {
            return Err(SandboxError::Keys(format!(
                "{} holds an incomplete key set, missing {}; supply them or point at an empty \
                 directory to generate a new set",
                dir.display(),
                missing.join(", ")
            )));
        }
        let read = |path: &Path| fs::read_to_string(path).map_err(|e| SandboxError::io(path, e));
        let metadata_text = read(&files.metadata)?;
        let metadata: Metadata = serde_json::from_str(&metadata_text).map_err(|e| {
            SandboxError::Keys(format!("{}: not valid: {e}", files.metadata.display()))
        })?;
        let keys = Self::assemble(
            Parts {
                mchid: metadata.mchid,
                merchant_private_key_pem: read(&files.merchant_private_key)?,
                merchant_certificate_pem: read(&files.merchant_certificate)?,
                platform_private_key_pem: read(&files.platform_private_key)?,
                platform_certificate_pem: read(&files.platform_certificate)?,
                public_key_pem: read(&files.public_key)?,
                public_key_id: metadata.public_key_id,
                api_v3_key: metadata.api_v3_key,
            },
            Some(files.clone()),
        )
        .map_err(|e| match e {
            SandboxError::Keys(message) => {
                SandboxError::Keys(format!("{}: {message}", dir.display()))
            }
            other => other,
        })?;
        for (what, noted, actual) in [
            (
                "merchant_serial",
                &metadata.merchant_serial,
                keys.merchant_serial(),
            ),
            (
                "platform_serial",
                &metadata.platform_serial,
                keys.platform_serial(),
            ),
        ] {
            if let Some(noted) = noted
                && noted != actual
            {
                tracing::warn!(
                    field = what,
                    noted = %noted,
                    certificate = %actual,
                    "keys.json disagrees with the certificate; using the certificate's serial"
                );
            }
        }
        Ok(keys)
    }

    fn write(&self, files: &KeyFiles) -> Result<(), SandboxError> {
        fs::create_dir_all(&files.dir).map_err(|e| SandboxError::io(&files.dir, e))?;
        let m = &*self.inner;
        let metadata = Metadata {
            mchid: m.mchid.clone(),
            merchant_serial: Some(m.merchant_serial.clone()),
            platform_serial: Some(m.platform_serial.clone()),
            public_key_id: m.public_key_id.clone(),
            api_v3_key: m.api_v3_key.clone(),
        };
        let metadata = serde_json::to_string_pretty(&metadata)
            .map_err(|e| SandboxError::Keys(format!("cannot encode keys.json: {e}")))?;
        write_new(
            &files.merchant_private_key,
            &m.merchant_private_key_pem,
            true,
        )?;
        write_new(
            &files.merchant_certificate,
            &m.merchant_certificate_pem,
            false,
        )?;
        write_new(
            &files.platform_private_key,
            &m.platform_private_key_pem,
            true,
        )?;
        write_new(
            &files.platform_certificate,
            &m.platform_certificate_pem,
            false,
        )?;
        write_new(&files.public_key, &m.public_key_pem, false)?;
        // Holds the APIv3 key, a secret.
        write_new(&files.metadata, &(metadata + "\n"), true)?;
        Ok(())
    }
}

/// The names of the key set's files that exist in `dir` (`present`) or do not.
fn files_in(dir: &Path, present: bool) -> Vec<&'static str> {
    PEM_FILES
        .iter()
        .chain(std::iter::once(&METADATA_FILE))
        .copied()
        .filter(|name| dir.join(name).exists() == present)
        .collect()
}

/// Writes a file that must not exist yet; secrets get mode 0600 on Unix.
fn write_new(path: &Path, content: &str, secret: bool) -> Result<(), SandboxError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(|e| SandboxError::io(path, e))?;
    file.write_all(content.as_bytes())
        .map_err(|e| SandboxError::io(path, e))
}
