//! The timings of `shareConnection`'s takeover of a frozen leader (issue #15), in one place
//! with their reasons. A leaf: constants only.
//!
//! A frozen page runs nothing (no timer, no message handler), but a merely *throttled* one
//! (a hidden tab: timers at most once a second, once a minute after five hidden minutes)
//! still handles messages at once. So silence alone never triggers a takeover: a follower
//! that heard nothing from its hub for [`QUIET_MS`] asks it (`probe`), and takes over only
//! when that probe stays unanswered for [`PROBE_WAIT_MS`]. The hub, for its part, doubts
//! itself after a gap of [`DOUBT_MS`] between its beats and checks with Web Locks whether it
//! still holds the leader lock before it routes anything that came in meanwhile.
//!
//! From a freeze to a takeover: the last beat is at most [`BEAT_MS`] old, the probe goes out
//! [`QUIET_MS`] after it (plus one [`WATCH_MS`] tick), the takeover [`PROBE_WAIT_MS`] later
//! (plus a tick): at most about 3 s, well inside the 5 s target; then the steal, the new
//! hub's socket and the resubscriptions. (A takeover lock kept by a tab frozen mid-takeover
//! adds [`TAKEOVER_STUCK_MS`] and up to [`TAKEOVER_STUCK_SPREAD_MS`]: about 5 to 6 s.) For a
//! tab whose link is still attaching, the quiet
//! is counted from its attach or the last beat of any hub, whichever is later.

/// The hub's beat (`{t:'beat'}`): how often it tells its tabs it is alive.
pub const BEAT_MS: u32 = 1_000;

/// A follower's watchdog tick: how often it checks how long its hub has been silent.
pub const WATCH_MS: u32 = 250;

/// Silence from the hub (no beat, no frame, no answer) after which a follower probes it: one
/// and a half beats, so one beat late is not yet a doubt.
pub const QUIET_MS: f64 = 1_500.0;

/// How long a probe may stay unanswered before the follower takes over. A throttled hub
/// answers in milliseconds (message handlers are not throttled); only a frozen one stays
/// silent this long.
pub const PROBE_WAIT_MS: f64 = 1_000.0;

/// A gap between the hub's own beats after which it doubts it is still the leader (it was
/// frozen, or its timer was throttled): it holds back what came in and asks Web Locks who
/// holds the leader lock. Shorter than a follower's quiet + probe wait, so a hub that was
/// replaced always doubts before it routes a frame buffered while it was frozen.
pub const DOUBT_MS: f64 = 2_000.0;

/// How long, after its probe's wait, a follower refused the takeover lock (`ifAvailable`)
/// keeps asking before it steals that lock too: a winner holds it for milliseconds (until
/// its hub announced itself), so one still holding it this much later froze mid-takeover.
pub const TAKEOVER_STUCK_MS: f64 = 2_000.0;

/// The random spread added to [`TAKEOVER_STUCK_MS`] per follower: the first to steal a stuck
/// takeover lock announces its hub before the others steal it too.
pub const TAKEOVER_STUCK_SPREAD_MS: f64 = 1_000.0;
