//! Building a notification: the `resource` encrypted with the APIv3 key (AEAD_AES_256_GCM)
//! inside the envelope WeChat Pay POSTs. The signature is made per attempt ([`super::delivery`]).

use serde::Serialize;
use time::OffsetDateTime;
use wechatpay_apiv3::auth::{NonceSource as _, RandomNonce, aead};

use super::Shared;
use super::events::Event;
use crate::error::SandboxError;
use crate::stocks::wire_time;

impl Shared {
    /// The envelope JSON of a new notification.
    pub(super) fn envelope(&self, event: &Event, plaintext: &str) -> Result<Built, SandboxError> {
        let nonce: String = RandomNonce.nonce().chars().take(12).collect();
        let ciphertext = aead::encrypt(
            self.keys.api_v3_key().as_bytes(),
            &nonce,
            event.original_type,
            plaintext.as_bytes(),
        )
        .map_err(|e| SandboxError::Config(e.to_string()))?;
        let now = OffsetDateTime::from_unix_timestamp(self.clock.now_unix())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let id = uuid_like();
        let envelope = Envelope {
            id: &id,
            create_time: wire_time(now).as_str().to_owned(),
            resource_type: "encrypt-resource",
            event_type: event.event_type,
            summary: event.summary,
            resource: EncryptedResource {
                original_type: event.original_type,
                algorithm: "AEAD_AES_256_GCM",
                ciphertext,
                associated_data: event.original_type,
                nonce,
            },
        };
        let json = serde_json::to_string(&envelope)
            .map_err(|e| SandboxError::Config(format!("notification JSON: {e}")))?;
        Ok(Built { id, json })
    }
}

pub(super) struct Built {
    pub(super) id: String,
    pub(super) json: String,
}

/// The envelope, fields in WeChat Pay's order.
#[derive(Serialize)]
struct Envelope<'a> {
    id: &'a str,
    create_time: String,
    resource_type: &'static str,
    event_type: &'static str,
    summary: &'static str,
    resource: EncryptedResource,
}

#[derive(Serialize)]
struct EncryptedResource {
    original_type: &'static str,
    algorithm: &'static str,
    ciphertext: String,
    associated_data: &'static str,
    nonce: String,
}

/// A random UUID (version 4 layout), like the IDs WeChat Pay gives notifications.
fn uuid_like() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_uuids() {
        let id = uuid_like();
        assert_eq!(id.len(), 36);
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        assert_ne!(uuid_like(), id);
    }
}
