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

// Split by concern: `kind` (the faults and phases), `rule` (scheduled rules, their routes and
// JSON form); this module holds the shared handle that schedules, draws and records them.
mod kind;
mod rule;

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::Serialize;

pub use self::kind::{Fault, FaultPhase};
pub use self::rule::{FaultRoute, FaultRule};

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
}
