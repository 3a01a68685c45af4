//! One channel's recovery state, a leaf the recovery part uses: its last delivered
//! position, the wait for a resume outcome and its hold buffer (kept in serial order), the
//! memory of a late replay, duplicate detection, and the resolution of a wait into the
//! events to deliver and the `resumed` report.

use super::own::Sent;
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
    /// A replayed copy of this client's own client event: counts as delivered, is not.
    pub(super) own: bool,
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
    /// A live event came in another stream than `last`, past that stream's first serial,
    /// since the channel was last acknowledged: its events come from more than one stream
    /// (published through several Sockudo nodes, each with its own buffer), so no one
    /// position covers them.
    pub(super) mixed: bool,
    /// The client events this client sent (see `own`).
    pub(super) sent: Vec<Sent<P>>,
}

impl<P> Track<P> {
    pub(super) fn new() -> Self {
        Track { last: None, acked_on: None, waiting: None, late: None, stale: false, mixed: false, sent: Vec::new() }
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
        Some(last) => p.serial <= last.serial && same_stream(last, p),
        None => false,
    }
}

pub(super) fn same_stream(a: &Position, b: &Position) -> bool {
    a.stream_id.is_none() || b.stream_id.is_none() || a.stream_id == b.stream_id
}

/// Whether `p` was delivered already: above the `late` floor (same stream), one of the
/// serials remembered there; otherwise at or below the last position.
pub(super) fn delivered_before<P>(track: &Track<P>, p: &Position) -> bool {
    match (&track.late, &track.last) {
        (Some((floor, seen)), Some(last)) if p.serial > *floor && same_stream(last, p) => seen.contains(&p.serial),
        _ => is_duplicate(&track.last, p),
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
/// report. `late`: replayed events may still come (a timeout, an overflow). `replayed`
/// counts the events delivered from the replay: those at or below the acknowledged
/// position (held live events come after it).
pub(super) fn resolve<P>(track: &mut Track<P>, name: &str, outcome: Outcome<'_>, late: bool) -> Option<Resolution<P>> {
    let waiting = track.waiting.take()?;
    let recovered = matches!(outcome, Outcome::Recovered);
    let floor = track.last.as_ref().map_or(0, |p| p.serial);
    let ack = waiting.ack.as_ref().map(|a| a.serial);
    let stream = track.last.as_ref().map(|l| l.stream_id.clone());
    let (events, serials, replayed) = deliverable(track, waiting.held, true, ack);
    let same = track.last.as_ref().map(|l| l.stream_id.clone()) == stream;
    // Remembered only while a replay may still come; merged with a memory from the same floor
    // (a drop while holding, then a timeout).
    let old = track.late.take().filter(|(f, _)| *f == floor);
    if late {
        // Serials of two streams cannot be told apart: a new stream keeps no memory.
        if same {
            let mut seen = old.map_or_else(Vec::new, |(_, seen)| seen);
            seen.extend(serials);
            track.late = Some((floor, seen));
        }
        return finish(name, outcome, waiting.downtime, events, 0);
    }
    // Forgotten now: the last position moves over what it delivered.
    if let (Some((_, seen)), Some(last)) = (old, &mut track.last) {
        if let Some(top) = seen.into_iter().max().filter(|top| *top > last.serial) {
            *last = Position { serial: top, stream_id: last.stream_id.take(), message_id: None };
        }
    }
    if !recovered {
        // The server cannot replay: its stream goes on from the acknowledged position
        // (after delivering what was held, below it too). Held events in another stream came
        // after the acknowledgement: then they are the position.
        if let Some(ack) = waiting.ack.filter(|a| track.last.as_ref().map_or(true, |l| same_stream(l, a))) {
            advance(&mut track.last, Some(ack));
        }
    }
    finish(name, outcome, waiting.downtime, events, replayed)
}

fn finish<P>(name: &str, outcome: Outcome<'_>, downtime_ms: Millis, events: Vec<Held<P>>, replayed: u32) -> Option<Resolution<P>> {
    let (recovered, reason) = match outcome {
        Outcome::Recovered => (true, None),
        Outcome::Failed(code) => (false, Some(code.to_owned())),
    };
    let replayed = if recovered { replayed } else { 0 };
    let resumed = Resumed { channel: name.to_owned(), recovered, downtime_ms, replayed, reason };
    Some(Resolution { channel: name.to_owned(), events, resumed: Some(resumed) })
}

/// `held` (in serial order) without what was delivered before; with `move_last` the last
/// position advances over them (and over remembered ones). Also returns the serials
/// delivered and how many of them are at or below `ack` (all of them without one).
pub(super) fn deliverable<P>(track: &mut Track<P>, held: Vec<Held<P>>, move_last: bool, ack: Option<u64>) -> (Vec<Held<P>>, Vec<u64>, u32) {
    let mut serials = Vec::new();
    let mut below_ack = 0u32;
    let mut events = Vec::with_capacity(held.len());
    // The previous held position: `held` is in serial order, so a repeat follows its first.
    let mut prev = None;
    for mut event in held {
        let Some(position) = event.position.take() else {
            events.push(event);
            continue;
        };
        let before = delivered_before(track, &position) || is_duplicate(&prev, &position);
        prev = Some(position.clone());
        if !before {
            serials.push(position.serial);
            if !event.own {
                below_ack += u32::from(ack.map_or(true, |a| position.serial <= a));
                events.push(event);
            }
        }
        if move_last {
            let stream = track.last.as_ref().map(|l| l.stream_id.clone());
            advance(&mut track.last, Some(position));
            if track.last.as_ref().map(|l| l.stream_id.clone()) != stream {
                // The memory counts in the old stream.
                track.late = None;
            }
        }
    }
    (events, serials, below_ack)
}
