//! Time as the engine sees it: a leaf module every other module may import.

/// Milliseconds on the edge's monotonic clock (`performance.now()` in the browser, a
/// simulated clock in tests). The core never reads a clock: every input carries one.
pub type Millis = u64;

/// The longest timeout or backoff delay accepted, in ms: 2^31-1, the most a browser timer
/// holds (a larger `setTimeout` delay fires at once).
pub const MAX_TIMEOUT_MS: Millis = i32::MAX as Millis;
