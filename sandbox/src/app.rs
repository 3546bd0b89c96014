//! Everything a request needs, shared by all connections, and which operations answer from the
//! spec instead of from the sandbox's state.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use wechatpay_apiv3::api::server::SCHEMA;
use wechatpay_apiv3::server::{Router, Service};

use crate::error::SandboxError;
use crate::faults::Faults;
use crate::keys::SandboxKeys;
use crate::protocol::{Authenticator, Caller, ResponseSigner};
use crate::state::SandboxState;

/// The sandbox: keys, protocol, state, faults, notifications.
pub(crate) struct App {
    pub(crate) keys: SandboxKeys,
    pub(crate) auth: Authenticator,
    pub(crate) signer: ResponseSigner,
    pub(crate) state: SandboxState,
    pub(crate) faults: Faults,
    pub(crate) serve_platform_certificates: bool,
    pub(crate) log_requests: bool,
    pub(crate) max_body_bytes: usize,
    /// Notification delivery (`COUPON.USE`, `TRANSACTION.SUCCESS`, `REFUND.*`).
    pub(crate) notifier: crate::notifier::Notifier,
    /// The base URL clients reach the sandbox at (for the flow download links).
    pub(crate) base_url: String,
    /// The spec's route table.
    pub(crate) router: Router,
    /// Operations whose stateful handler is switched off.
    pub(crate) spec_answers: Mutex<SpecAnswers>,
    /// How long a refund stays `PROCESSING` (`None`: until settled by hand).
    pub(crate) refund_settle_delay: Option<std::time::Duration>,
}

/// Which operations answer from the spec (their examples, else values derived from their
/// types) instead of from the sandbox's state: the operations named, or all of them.
///
/// An operation the sandbox has no handler for always answers from the spec; this switches
/// the handlers it has off, e.g. to see what a client makes of the documented answer. In JSON
/// (`GET`/`PUT /sandbox/spec-answers`): `{"all": false, "operations": ["query_callback"]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SpecAnswers {
    /// Every operation answers from the spec.
    #[serde(default)]
    pub all: bool,
    /// These operations (spec ids) answer from the spec.
    #[serde(default)]
    pub operations: BTreeSet<String>,
}

impl SpecAnswers {
    /// These operations (spec ids) answer from the spec.
    pub fn operations<I: IntoIterator<Item = S>, S: Into<String>>(operations: I) -> Self {
        SpecAnswers {
            all: false,
            operations: operations.into_iter().map(Into::into).collect(),
        }
    }

    /// Every operation answers from the spec.
    pub fn all() -> Self {
        SpecAnswers {
            all: true,
            operations: BTreeSet::new(),
        }
    }

    /// Whether `operation` answers from the spec.
    pub fn includes(&self, operation: &str) -> bool {
        self.all || self.operations.contains(operation)
    }

    /// Checks that every operation named is one of the spec.
    ///
    /// # Errors
    /// [`SandboxError::Config`] naming the first unknown id.
    pub fn check(&self) -> Result<(), SandboxError> {
        match self.operations.iter().find(|id| SCHEMA.route(id).is_none()) {
            Some(unknown) => Err(SandboxError::Config(format!(
                "`{unknown}` is not an operation of the spec; known: {}",
                SCHEMA
                    .routes
                    .iter()
                    .map(|r| r.operation)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            None => Ok(()),
        }
    }
}

impl App {
    /// Which operations answer from the spec now.
    pub(crate) fn spec_answers(&self) -> SpecAnswers {
        self.spec_answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces which operations answer from the spec.
    pub(crate) fn set_spec_answers(&self, answers: SpecAnswers) -> Result<(), SandboxError> {
        answers.check()?;
        *self
            .spec_answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = answers;
        Ok(())
    }
}

impl Service for App {
    type Context = Caller;

    fn answers_from_spec(&self, operation: &str) -> bool {
        self.spec_answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .includes(operation)
    }

    fn now_unix(&self) -> i64 {
        self.state.now().unix_timestamp()
    }
}
