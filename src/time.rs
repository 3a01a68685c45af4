//! Time as the engine sees it: a leaf module every other module may import.

/// Milliseconds on the edge's monotonic clock (`performance.now()` in the browser, a
/// simulated clock in tests). The core never reads a clock: every input carries one.
pub type Millis = u64;
