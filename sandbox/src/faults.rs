//! Fault injection: make the next N matching requests fail in a chosen way.
//!
//! A [`FaultRule`] names a [`Fault`], the requests it applies to ([`FaultRoute`]: an operation
//! ID such as `send_coupon`, a method, a path prefix, or everything), when it strikes
//! ([`FaultPhase`]) and how many times. Rules are kept in order; a request takes the first rule
//! that matches and uses up one of its `times`. At most one fault applies per request.
//!
//! * [`FaultPhase::BeforeProcessing`]: the request is not processed (nothing is issued) —
//!   `Status500`, `RateLimited` and `ConnectionReset` answer instead; `Delay` waits, then
//!   processes.
//! * [`FaultPhase::AfterProcessing`]: the request is processed (a coupon *is* issued), then the
//!   real answer is replaced by the 500 / 429 / reset, or held back by the delay. This is what
//!   makes idempotent retries matter.
//!
//! The response-shaping faults (`TruncatedBody`, `TamperedSignature`, `WrongSerial`,
//! `StaleTimestamp`, `MissingSignatureHeaders`) always act on the real, processed response; the
//! phase does not matter for them.
//!
//! [`Faults::set_random`] adds a seeded random mode for load tests. The same controls are
//! reachable over HTTP at `/sandbox/faults` (see the crate docs).

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};

/// How a request fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// `500 SYSTEM_ERROR`, signed.
    Status500,
    /// `429 FREQUENCY_LIMITED` with `Retry-After: 0`, signed.
    RateLimited,
    /// Waits this long before processing (or before answering, after processing).
    Delay(Duration),
    /// Closes the connection without sending any response: the client sees a transport error.
    ConnectionReset,
    /// `200` whose body is cut to half its length, correctly signed over the truncated bytes
    /// (so only a client that checks the JSON notices).
    TruncatedBody,
    /// A valid response whose `Wechatpay-Signature` has one bit flipped.
    TamperedSignature,
    /// A correctly signed response whose `Wechatpay-Serial` names a key the client does not
    /// hold.
    WrongSerial,
    /// A response signed with a `Wechatpay-Timestamp` 600 s in the past (valid signature).
    StaleTimestamp,
    /// A response without any `Wechatpay-*` header (`Request-ID` is kept).
    MissingSignatureHeaders,
}

impl Fault {
    /// Every fault kind except `Delay` (which needs a duration).
    pub const INSTANT: [Fault; 8] = [
        Fault::Status500,
        Fault::RateLimited,
        Fault::ConnectionReset,
        Fault::TruncatedBody,
        Fault::TamperedSignature,
        Fault::WrongSerial,
        Fault::StaleTimestamp,
        Fault::MissingSignatureHeaders,
    ];

    /// The name used by the admin endpoint and the CLI: `status_500`, `rate_limited`,
    /// `delay`, `connection_reset`, `truncated_body`, `tampered_signature`, `wrong_serial`,
    /// `stale_timestamp`, `missing_signature_headers`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Status500 => "status_500",
            Fault::RateLimited => "rate_limited",
            Fault::Delay(_) => "delay",
            Fault::ConnectionReset => "connection_reset",
            Fault::TruncatedBody => "truncated_body",
            Fault::TamperedSignature => "tampered_signature",
            Fault::WrongSerial => "wrong_serial",
            Fault::StaleTimestamp => "stale_timestamp",
            Fault::MissingSignatureHeaders => "missing_signature_headers",
        }
    }

    /// Parses a [`Fault::name`]; `delay` takes `delay` as its duration.
    ///
    /// # Errors
    /// A message listing the known names, or saying that `delay` needs a duration.
    pub fn from_name(name: &str, delay: Option<Duration>) -> Result<Fault, String> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        if name == "delay" {
            return delay
                .map(Fault::Delay)
                .ok_or_else(|| "fault `delay` needs `delay_ms`".to_owned());
        }
        Fault::INSTANT
            .into_iter()
            .find(|fault| {
                fault.name() == name || (name == "status500" && *fault == Fault::Status500)
            })
            .ok_or_else(|| {
                format!(
                    "unknown fault {name:?}; known: delay, {}",
                    Fault::INSTANT.map(|f| f.name()).join(", ")
                )
            })
    }

    /// Whether the fault alters the processed response rather than replacing it.
    pub(crate) fn shapes_response(&self) -> bool {
        matches!(
            self,
            Fault::TruncatedBody
                | Fault::TamperedSignature
                | Fault::WrongSerial
                | Fault::StaleTimestamp
                | Fault::MissingSignatureHeaders
        )
    }

    fn delay_ms(&self) -> Option<u64> {
        match self {
            Fault::Delay(d) => Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            _ => None,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Delay(d) => write!(f, "delay({d:?})"),
            other => f.write_str(other.name()),
        }
    }
}

/// When a fault strikes relative to processing the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FaultPhase {
    /// Before the request is authenticated and processed: nothing happens server-side.
    #[default]
    #[serde(rename = "before", alias = "before_processing")]
    BeforeProcessing,
    /// After the request was processed: its effect (an issued coupon) stays.
    #[serde(rename = "after", alias = "after_processing")]
    AfterProcessing,
}

impl FromStr for FaultPhase {
    type Err = String;

    /// `before` or `after`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "before" | "before_processing" => Ok(FaultPhase::BeforeProcessing),
            "after" | "after_processing" => Ok(FaultPhase::AfterProcessing),
            other => Err(format!(
                "unknown fault phase {other:?}: use before or after"
            )),
        }
    }
}

/// Which requests a rule applies to; every given part must match, an empty route matches all
/// API requests (never the `/sandbox/` admin endpoints).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultRoute {
    /// An operation ID: `send_coupon`, `list_coupons_by_filter` (the spec's IDs),
    /// `download_certificates`, or `unknown` for paths the sandbox does not serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// An HTTP method, case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A prefix of the request path (decoded form not used: compared with the raw path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
}

impl FaultRoute {
    /// Every API request.
    pub fn any() -> Self {
        FaultRoute::default()
    }

    /// The requests of one operation, e.g. `send_coupon`.
    pub fn operation(id: impl Into<String>) -> Self {
        FaultRoute {
            operation: Some(id.into()),
            ..FaultRoute::default()
        }
    }

    /// Also requires this HTTP method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Also requires the raw path to start with `prefix`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Whether a request of operation `operation` with `method` and raw `path` matches.
    pub fn matches(&self, operation: &str, method: &str, path: &str) -> bool {
        self.operation.as_deref().is_none_or(|op| op == operation)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
    }
}

/// One scheduled fault: what, where, when, how many times.
///
/// In JSON (the admin endpoint): `{"fault": "status_500", "operation": "send_coupon",
/// "phase": "after", "times": 2}`; `delay` takes `"delay_ms"`; `operation`, `method`,
/// `path_prefix`, `phase` (default `before`) and `times` (default 1) are optional.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "FaultRuleWire", try_from = "FaultRuleWire")]
#[non_exhaustive]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// The requests it applies to.
    pub route: FaultRoute,
    /// Before or after processing.
    pub phase: FaultPhase,
    /// How many matching requests it still applies to.
    pub times: u32,
}

impl FaultRule {
    /// `fault` once, on any route, before processing.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            route: FaultRoute::any(),
            phase: FaultPhase::BeforeProcessing,
            times: 1,
        }
    }

    /// Restricts the rule to `route`.
    pub fn route(mut self, route: FaultRoute) -> Self {
        self.route = route;
        self
    }

    /// Restricts the rule to one operation ID (shorthand for [`FaultRoute::operation`]).
    pub fn operation(mut self, id: impl Into<String>) -> Self {
        self.route = FaultRoute::operation(id);
        self
    }

    /// Sets the phase.
    pub fn phase(mut self, phase: FaultPhase) -> Self {
        self.phase = phase;
        self
    }

    /// Strikes after processing (see [`FaultPhase::AfterProcessing`]).
    pub fn after_processing(self) -> Self {
        self.phase(FaultPhase::AfterProcessing)
    }

    /// Applies to the next `times` matching requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRuleWire {
    fault: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path_prefix: Option<String>,
    #[serde(default)]
    phase: FaultPhase,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

impl From<FaultRule> for FaultRuleWire {
    fn from(rule: FaultRule) -> Self {
        FaultRuleWire {
            fault: rule.fault.name().to_owned(),
            delay_ms: rule.fault.delay_ms(),
            operation: rule.route.operation,
            method: rule.route.method,
            path_prefix: rule.route.path_prefix,
            phase: rule.phase,
            times: rule.times,
        }
    }
}

impl TryFrom<FaultRuleWire> for FaultRule {
    type Error = String;

    fn try_from(wire: FaultRuleWire) -> Result<Self, String> {
        Ok(FaultRule {
            fault: Fault::from_name(&wire.fault, wire.delay_ms.map(Duration::from_millis))?,
            route: FaultRoute {
                operation: wire.operation,
                method: wire.method,
                path_prefix: wire.path_prefix,
            },
            phase: wire.phase,
            times: wire.times,
        })
    }
}

/// The random mode's settings, as reported by [`Faults::random`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RandomFaults {
    /// Chance, 0–1, that a request not hit by a scheduled rule gets a fault.
    pub probability: f64,
    /// The seed the generator started from.
    pub seed: u64,
    /// The faults drawn from, uniformly.
    pub kinds: Vec<String>,
}

/// A fault that was applied, for tests to assert on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AppliedFault {
    /// The operation ID of the request.
    pub operation: String,
    /// Its method.
    pub method: String,
    /// Its raw path.
    pub path: String,
    /// The fault name ([`Fault::name`]).
    pub fault: String,
    /// When it struck.
    pub phase: FaultPhase,
    /// Whether the random mode chose it.
    pub random: bool,
}

/// Most recent applied faults kept for [`Faults::applied`].
const APPLIED_KEPT: usize = 10_000;

struct Random {
    probability: f64,
    seed: u64,
    kinds: Vec<Fault>,
    rng: StdRng,
}

#[derive(Default)]
struct FaultState {
    rules: VecDeque<FaultRule>,
    random: Option<Random>,
    applied: VecDeque<AppliedFault>,
    applied_total: u64,
}

/// The fault injection handle of a sandbox ([`Sandbox::faults`](crate::Sandbox::faults)).
/// Cheap to clone; all clones control the same sandbox.
#[derive(Clone, Default)]
pub struct Faults {
    inner: Arc<Mutex<FaultState>>,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Faults")
            .field("rules", &state.rules)
            .field("random", &state.random.as_ref().map(|r| r.probability))
            .field("applied_total", &state.applied_total)
            .finish()
    }
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        // A panic elsewhere cannot leave this state inconsistent (every update is one step).
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Schedules a rule after those already scheduled. A rule with `times == 0` is ignored.
    pub fn inject(&self, rule: FaultRule) {
        if rule.times > 0 {
            self.lock().rules.push_back(rule);
        }
    }

    /// `fault` on the next API request of any route, before processing.
    pub fn next(&self, fault: Fault) {
        self.inject(FaultRule::new(fault));
    }

    /// Removes every scheduled rule and turns the random mode off.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.rules.clear();
        state.random = None;
    }

    /// Random mode: every API request not hit by a scheduled rule gets, with `probability`
    /// (clamped to 0–1), one of `kinds` chosen uniformly, before or after processing with equal
    /// chance, from a generator seeded with `seed`. Empty `kinds` means [`Fault::INSTANT`].
    /// With concurrent requests the sequence depends on arrival order.
    pub fn set_random(&self, probability: f64, seed: u64, kinds: impl IntoIterator<Item = Fault>) {
        let mut kinds: Vec<Fault> = kinds.into_iter().collect();
        if kinds.is_empty() {
            kinds = Fault::INSTANT.to_vec();
        }
        let probability = if probability.is_nan() {
            0.0
        } else {
            probability.clamp(0.0, 1.0)
        };
        self.lock().random = Some(Random {
            probability,
            seed,
            kinds,
            rng: StdRng::seed_from_u64(seed),
        });
    }

    /// Turns the random mode off (scheduled rules stay).
    pub fn clear_random(&self) {
        self.lock().random = None;
    }

    /// The scheduled rules, in order, with their remaining `times`.
    pub fn pending(&self) -> Vec<FaultRule> {
        self.lock().rules.iter().cloned().collect()
    }

    /// The random mode's settings, when on.
    pub fn random(&self) -> Option<RandomFaults> {
        self.lock().random.as_ref().map(|r| RandomFaults {
            probability: r.probability,
            seed: r.seed,
            kinds: r.kinds.iter().map(ToString::to_string).collect(),
        })
    }

    /// The faults applied so far (the most recent 10 000), oldest first.
    pub fn applied(&self) -> Vec<AppliedFault> {
        self.lock().applied.iter().cloned().collect()
    }

    /// How many faults have been applied in total.
    pub fn applied_count(&self) -> u64 {
        self.lock().applied_total
    }

    /// Takes the fault for one request, if any: the first matching scheduled rule, else a
    /// random draw.
    pub(crate) fn take(
        &self,
        operation: &str,
        method: &str,
        path: &str,
    ) -> Option<(Fault, FaultPhase)> {
        let mut state = self.lock();
        let mut chosen = None;
        if let Some(index) = state
            .rules
            .iter()
            .position(|rule| rule.route.matches(operation, method, path))
        {
            let rule = &mut state.rules[index];
            chosen = Some((rule.fault, rule.phase, false));
            rule.times = rule.times.saturating_sub(1);
            if rule.times == 0 {
                state.rules.remove(index);
            }
        } else if let Some(random) = state.random.as_mut()
            && random.rng.random_bool(random.probability)
        {
            let fault = random.kinds[random.rng.random_range(0..random.kinds.len())];
            let phase = if random.rng.random_bool(0.5) {
                FaultPhase::AfterProcessing
            } else {
                FaultPhase::BeforeProcessing
            };
            chosen = Some((fault, phase, true));
        }
        let (fault, phase, random) = chosen?;
        if state.applied.len() == APPLIED_KEPT {
            state.applied.pop_front();
        }
        state.applied.push_back(AppliedFault {
            operation: operation.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            fault: fault.to_string(),
            phase,
            random,
        });
        state.applied_total += 1;
        Some((fault, phase))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_in_order_and_run_out() {
        let faults = Faults::default();
        faults.inject(
            FaultRule::new(Fault::Status500)
                .operation("send_coupon")
                .times(2),
        );
        faults.inject(FaultRule::new(Fault::RateLimited).after_processing());
        let path = "/v3/marketing/favor/users/o/coupons";
        assert_eq!(
            faults.take("list_coupons_by_filter", "GET", path),
            Some((Fault::RateLimited, FaultPhase::AfterProcessing))
        );
        assert_eq!(faults.take("list_coupons_by_filter", "GET", path), None);
        for _ in 0..2 {
            assert_eq!(
                faults.take("send_coupon", "POST", path),
                Some((Fault::Status500, FaultPhase::BeforeProcessing))
            );
        }
        assert_eq!(faults.take("send_coupon", "POST", path), None);
        assert_eq!(faults.applied_count(), 3);
        assert!(faults.pending().is_empty());
    }

    #[test]
    fn routes_combine_parts() {
        let route = FaultRoute::any()
            .method("post")
            .path_prefix("/v3/marketing/");
        assert!(route.matches("send_coupon", "POST", "/v3/marketing/favor"));
        assert!(!route.matches("send_coupon", "GET", "/v3/marketing/favor"));
        assert!(!route.matches("download_certificates", "POST", "/v3/certificates"));
    }

    #[test]
    fn random_mode_is_seeded() {
        let draw = || {
            let faults = Faults::default();
            faults.set_random(0.5, 42, [Fault::Status500, Fault::ConnectionReset]);
            (0..200)
                .map(|_| faults.take("send_coupon", "POST", "/"))
                .collect::<Vec<_>>()
        };
        let first = draw();
        assert_eq!(first, draw());
        let hits = first.iter().filter(|f| f.is_some()).count();
        assert!((50..150).contains(&hits), "{hits}");
        let faults = Faults::default();
        faults.set_random(f64::NAN, 1, []);
        assert_eq!(faults.random().unwrap().probability, 0.0);
        assert_eq!(faults.take("x", "GET", "/"), None);
    }

    #[test]
    fn rules_round_trip_as_json() {
        let rule = FaultRule::new(Fault::Delay(Duration::from_millis(250)))
            .route(FaultRoute::operation("send_coupon").method("POST"))
            .after_processing()
            .times(3);
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(
            json,
            r#"{"fault":"delay","delay_ms":250,"operation":"send_coupon","method":"POST","phase":"after","times":3}"#
        );
        assert_eq!(serde_json::from_str::<FaultRule>(&json).unwrap(), rule);
        let minimal: FaultRule = serde_json::from_str(r#"{"fault":"connection-reset"}"#).unwrap();
        assert_eq!(minimal, FaultRule::new(Fault::ConnectionReset));
        assert!(serde_json::from_str::<FaultRule>(r#"{"fault":"delay"}"#).is_err());
        assert!(serde_json::from_str::<FaultRule>(r#"{"fault":"boom"}"#).is_err());
    }
}
