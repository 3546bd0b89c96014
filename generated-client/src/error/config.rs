//! [`ConfigError`]: what is wrong with the client's configuration, and why.

use std::fmt;

use super::BoxError;

/// What is wrong with the client's configuration, naming the setting (a builder method, an
/// environment variable or a file), with the underlying error as its source when there is one
/// (an [`std::io::Error`] for a file that cannot be read). Never contains key material.
#[derive(Debug)]
pub struct ConfigError {
    message: String,
    source: Option<BoxError>,
}

impl ConfigError {
    /// A configuration error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
            source: None,
        }
    }

    /// A configuration error caused by `source`.
    pub fn with_source(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        ConfigError {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The message, without the cause.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

impl From<String> for ConfigError {
    fn from(message: String) -> Self {
        ConfigError::new(message)
    }
}

impl From<&str> for ConfigError {
    fn from(message: &str) -> Self {
        ConfigError::new(message)
    }
}
