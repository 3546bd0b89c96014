//! Sources of "now" and of nonces, injectable so that signatures and the timestamp window are
//! reproducible in tests.

use std::time::{SystemTime, UNIX_EPOCH};

/// Where the signer and the verifier read the current time from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Seconds since the Unix epoch (APIv3 timestamps are seconds, never milliseconds).
    fn now_unix(&self) -> i64;
}

/// The system wall clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            // A clock set before 1970 is broken; a negative time keeps the skew check honest
            // instead of panicking.
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        }
    }
}

/// A clock stuck at one Unix time, for tests and test vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0
    }
}

/// Where the signer takes the `nonce_str` of each request from.
pub trait NonceSource: Send + Sync + std::fmt::Debug {
    /// A fresh nonce; it is placed inside a quoted header parameter, so it must not contain `"`.
    fn nonce(&self) -> String;
}

/// 32 random characters from `[0-9A-Za-z]`, like wechatpay-go's `GenerateNonce`, drawn from
/// the operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RandomNonce;

const NONCE_ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const NONCE_LEN: usize = 32;
/// Bytes at or above this are rejected: 248 = 4 × 62, so `byte % 62` stays uniform.
const NONCE_REJECT_FROM: u8 = 248;

impl NonceSource for RandomNonce {
    fn nonce(&self) -> String {
        let mut nonce = String::with_capacity(NONCE_LEN);
        // 48 bytes nearly always suffice (each byte is kept with probability 248/256).
        let mut buf = [0u8; 48];
        while nonce.len() < NONCE_LEN {
            // Without the OS RNG no request could be signed safely; there is no sane fallback.
            aws_lc_rs::rand::fill(&mut buf).expect("the system CSPRNG is unavailable");
            for &b in buf.iter().filter(|&&b| b < NONCE_REJECT_FROM) {
                if nonce.len() == NONCE_LEN {
                    break;
                }
                nonce.push(char::from(NONCE_ALPHABET[usize::from(b % 62)]));
            }
        }
        nonce
    }
}

/// Always the same nonce, for tests and test vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn nonce(&self) -> String {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_nonce_is_32_alphanumerics() {
        for _ in 0..100 {
            let nonce = RandomNonce.nonce();
            assert_eq!(nonce.len(), 32);
            assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
        }
    }

    #[test]
    fn random_nonce_uses_the_whole_alphabet() {
        // 200 × 32 draws over 62 symbols: missing one by chance has probability ~62·e^-103.
        let mut seen = [false; 128];
        for _ in 0..200 {
            for b in RandomNonce.nonce().bytes() {
                seen[usize::from(b)] = true;
            }
        }
        for &c in NONCE_ALPHABET {
            assert!(seen[usize::from(c)], "{} never drawn", char::from(c));
        }
    }

    #[test]
    fn system_clock_is_in_seconds() {
        let now = SystemClock.now_unix();
        // 2020-01-01 .. 2100-01-01: catches milliseconds and a broken epoch.
        assert!((1_577_836_800..4_102_444_800).contains(&now), "{now}");
    }
}
