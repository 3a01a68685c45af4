//! The reconnect policy: exponential backoff with full jitter, and what each close code means.
//!
//! pusher-js retries after a fixed second and never jitters, so a fleet of tabs reconnects
//! in lockstep after a server restart. Here every wait is uniformly random in `[0, bound]`
//! ("full jitter"): the first retry after a drop comes quickly (bound `first`, 250 ms: most
//! drops are a restart or a network blip that is already over), then the bounds are `base`
//! (1 s), doubling, capped at `max` (30 s). A fleet is still spread over the window instead
//! of arriving in lockstep.
//! The random source is injected so tests are deterministic. The attempt counter resets once
//! a connection has stayed up for `stable_after_ms`.

/// Backoff settings (all configurable from JS as `reconnect: {baseMs, maxMs}`).
#[derive(Clone, Debug, PartialEq)]
pub struct BackoffConfig {
    /// Upper bound of the first retry delay after a drop.
    pub first_ms: u64,
    /// Upper bound of the second retry delay; it doubles from there.
    pub base_ms: u64,
    /// Cap of the delay bound.
    pub max_ms: u64,
    /// A connection that lasted this long resets the attempt counter.
    pub stable_after_ms: u64,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig { first_ms: 250, base_ms: 1_000, max_ms: 30_000, stable_after_ms: 30_000 }
    }
}

impl BackoffConfig {
    /// The upper bound of the delay before retry number `attempt` (0-based).
    pub fn bound(&self, attempt: u32) -> u64 {
        if attempt == 0 {
            return self.first_ms.min(self.base_ms).min(self.max_ms).max(1);
        }
        let factor = 1u64.checked_shl((attempt - 1).min(62)).unwrap_or(u64::MAX);
        self.base_ms.saturating_mul(factor).min(self.max_ms).max(1)
    }

    /// The delay before retry `attempt`, drawn with `random` in `[0, 1)`.
    pub fn delay(&self, attempt: u32, random: f64) -> u64 {
        let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.5 };
        (self.bound(attempt) as f64 * random) as u64
    }
}

/// A source of uniform random numbers in `[0, 1)`: `Math.random` in the browser, a seeded
/// generator in tests.
pub trait RandomSource {
    /// The next number in `[0, 1)`.
    fn next_f64(&mut self) -> f64;
}

/// A small deterministic generator (xorshift64*), for tests and as a fallback.
#[derive(Clone, Debug)]
pub struct SeededRandom(u64);

impl SeededRandom {
    /// A generator started from `seed` (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        SeededRandom(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }
}

impl RandomSource for SeededRandom {
    fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What to do after the socket closed with a given code (PROTOCOL.md, "Close codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseAction {
    /// 4000: the server only accepts TLS; switch to `wss` and reconnect at once.
    SwitchToTlsNow,
    /// 4001-4099 and >= 4300: the server refused this client; do not reconnect.
    Refused,
    /// 4100-4199, 1002-1004: reconnect after the backoff delay, at least `base`.
    BackOff,
    /// 4200-4299: reconnect immediately.
    ReconnectNow,
    /// Anything else (1000, 1001, 1005, 1006, ...): the normal backoff policy.
    Normal,
}

/// Classifies a close code.
pub fn close_action(code: u16) -> CloseAction {
    match code {
        4000 => CloseAction::SwitchToTlsNow,
        4001..=4099 => CloseAction::Refused,
        4100..=4199 | 1002..=1004 => CloseAction::BackOff,
        4200..=4299 => CloseAction::ReconnectNow,
        4300.. => CloseAction::Refused,
        _ => CloseAction::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_double_and_cap() {
        let c = BackoffConfig::default();
        let bounds: Vec<u64> = (0..8).map(|n| c.bound(n)).collect();
        assert_eq!(bounds, vec![250, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(c.bound(500), 30000);
        assert_eq!(c.delay(3, 0.5), 2000);
        assert_eq!(c.delay(0, f64::NAN), 125);
        let short = BackoffConfig { first_ms: 250, base_ms: 100, max_ms: 400, stable_after_ms: 1 };
        assert_eq!(short.bound(0), 100, "the first bound never exceeds base");
    }

    #[test]
    fn seeded_random_is_uniformish_and_in_range() {
        let mut r = SeededRandom::new(42);
        let xs: Vec<f64> = (0..10_000).map(|_| r.next_f64()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn close_code_classes() {
        assert_eq!(close_action(4000), CloseAction::SwitchToTlsNow);
        assert_eq!(close_action(4001), CloseAction::Refused);
        assert_eq!(close_action(4099), CloseAction::Refused);
        assert_eq!(close_action(4100), CloseAction::BackOff);
        assert_eq!(close_action(1003), CloseAction::BackOff);
        assert_eq!(close_action(4201), CloseAction::ReconnectNow);
        assert_eq!(close_action(4300), CloseAction::Refused);
        assert_eq!(close_action(1006), CloseAction::Normal);
        assert_eq!(close_action(1000), CloseAction::Normal);
    }
}
