//! One channel's recovery state, a leaf the recovery part uses: its last delivered
//! position, the wait for a resume outcome and its hold buffer (kept in serial order), the
//! memory of a late replay, duplicate detection, and the resolution of a wait into the
//! events to deliver and the `resumed` report.

use super::output::Resumed;
use crate::position::Position;
use crate::time::Millis;

/// A channel event on its way to the listeners (held, or handed back to be delivered).
#[derive(Clone, Debug)]
pub(super) struct Held<P> {
    pub(super) event: String,
    pub(super) data: P,
    pub(super) user_id: Option<String>,
    pub(super) position: Option<Position>,
}

/// A channel whose resume outcome has not arrived yet.
pub(super) struct Waiting<P> {
    pub(super) deadline: Millis,
    pub(super) downtime: Millis,
    /// The position the resubscription was acknowledged at (where a failed resume restarts).
    pub(super) ack: Option<Position>,
    pub(super) held: Vec<Held<P>>,
}

/// What the part knows of one channel.
pub(super) struct Track<P> {
    /// The last position delivered.
    pub(super) last: Option<Position>,
    /// The connection (epoch) the channel was last acknowledged on.
    pub(super) acked_on: Option<u32>,
    pub(super) waiting: Option<Box<Waiting<P>>>,
    /// After a timeout or overflow: the old position's serial and the serials delivered
    /// above it, so a late replay is delivered once and not dropped.
    pub(super) late: Option<(u64, Vec<u64>)>,
    /// Acknowledged on a protocol 7 connection since `last`: not a position to resume from.
    pub(super) stale: bool,
}

impl<P> Track<P> {
    pub(super) fn new() -> Self {
        Track { last: None, acked_on: None, waiting: None, late: None, stale: false }
    }
}

/// A channel's outcome: its events to deliver, in order, then its `resumed` report.
pub(super) struct Resolution<P> {
    pub(super) channel: String,
    pub(super) events: Vec<Held<P>>,
    /// None when the connection went (the next resubscription reports).
    pub(super) resumed: Option<Resumed>,
}

/// How a wait ended.
pub(super) enum Outcome<'a> {
    Recovered,
    Failed(&'a str),
}

/// Whether `p` is at or below `last` in the same stream (a stream id missing on either side
/// counts as the same stream).
pub(super) fn is_duplicate(last: &Option<Position>, p: &Position) -> bool {
    match last {
        Some(last) => p.serial <= last.serial && (last.stream_id.is_none() || p.stream_id.is_none() || last.stream_id == p.stream_id),
        None => false,
    }
}

/// Moves `last` to `to`, never back within one stream (a position below the last delivered
/// one would let duplicates through).
pub(super) fn advance(last: &mut Option<Position>, to: Option<Position>) {
    if let Some(to) = to {
        if !is_duplicate(last, &to) || last.as_ref().is_some_and(|l| l.stream_id != to.stream_id) {
            *last = Some(to);
        }
    }
}

/// Ends the wait of `track`: its held events in serial order without duplicates, and its
/// report. `late`: replayed events may still come (a timeout, an overflow).
pub(super) fn resolve<P>(track: &mut Track<P>, name: &str, outcome: Outcome<'_>, late: bool) -> Option<Resolution<P>> {
    let waiting = track.waiting.take()?;
    let recovered = matches!(outcome, Outcome::Recovered);
    let floor = track.last.as_ref().map_or(0, |p| p.serial);
    if !recovered && !late {
        // The server cannot replay: its stream goes on from the acknowledged position.
        advance(&mut track.last, waiting.ack);
    }
    let (events, serials) = deliverable(track, waiting.held, late);
    if late {
        track.late = Some((floor, serials));
    }
    let reason = match outcome {
        Outcome::Recovered => None,
        Outcome::Failed(code) => Some(code.to_owned()),
    };
    let replayed = if recovered { events.len() as u32 } else { 0 };
    let resumed = Resumed { channel: name.to_owned(), recovered, downtime_ms: waiting.downtime, replayed, reason };
    Some(Resolution { channel: name.to_owned(), events, resumed: Some(resumed) })
}

/// `held` (in serial order) without duplicates, the position advanced; with `remember`, the
/// serials delivered too.
pub(super) fn deliverable<P>(track: &mut Track<P>, held: Vec<Held<P>>, remember: bool) -> (Vec<Held<P>>, Vec<u64>) {
    let mut serials = Vec::new();
    let mut events = Vec::with_capacity(held.len());
    for mut event in held {
        let Some(position) = event.position.take() else {
            events.push(event);
            continue;
        };
        if is_duplicate(&track.last, &position) {
            continue;
        }
        if remember {
            serials.push(position.serial);
        }
        track.last = Some(position);
        events.push(event);
    }
    (events, serials)
}
