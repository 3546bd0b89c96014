//! Scheduled fault rules: which requests a rule matches, and its JSON form (the admin
//! endpoint's).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::kind::{Fault, FaultPhase};

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

#[cfg(test)]
mod tests {
    use super::*;

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
