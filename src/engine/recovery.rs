//! The recovery part owns what a channel may have missed across a reconnect: the `resumed`
//! report every resubscription on a new connection gets (on any server), and, on Sockudo's
//! protocol 2 (`connectionRecovery: true`), each channel's stream position (the last serial
//! delivered), the `sockudo:resume` sent after a resubscription, the hold buffer that keeps
//! the channel's live events back until the resume outcome (or a timeout) so the replay comes
//! first, and the suppression of duplicates (a serial at or below the last one delivered).
//!
//! Nothing here is dropped but a duplicate: held events are delivered in serial order at the
//! outcome, at the timeout, when the buffer is full, or when the connection goes. After a
//! timeout or a full buffer, replayed events that still arrive late are delivered (out of
//! order) rather than taken for duplicates: the serials delivered since the old position are
//! remembered. When the connection goes while holding, the held events are delivered; if that
//! moved the position past the gap the replay would have filled, the next resubscription does
//! not resume (reported `no_position`, `recovered: false`). Neither does one whose live events
//! came in more than one stream since its acknowledgement (`mixed_streams`: published through
//! several Sockudo nodes, whose buffers and streams are their own). A failed resume delivers everything held, then goes on from the
//! acknowledged position. `replayed` counts the replayed events delivered (those at or below
//! the acknowledged position), not the held live ones after it.

use super::output::{Output, Outputs, Resumed};
use super::own::{forget_before, remember, take_own};
use super::track::{advance, deliverable, delivered_before, is_duplicate, resolve, Held, Outcome, Resolution, Track, Waiting};
use crate::fast_map::FastMap;
use crate::payload::Payload;
use crate::position::Position;
use crate::protocol::{self, FrameError};
use crate::time::Millis;

/// How long a channel's live events are held for its resume outcome.
pub const RESUME_TIMEOUT_MS: Millis = 5_000;

/// Events held per channel at most; one more resolves the channel as `overflow`.
pub const MAX_HELD: usize = 1_000;

/// What to do with a channel event (see [`Recovery::accept`]).
pub(super) enum Accepted<P> {
    /// Deliver it now.
    Deliver(Held<P>),
    /// Held (or a duplicate, dropped): nothing to do now.
    Kept,
    /// The hold buffer overflowed: deliver this resolution.
    Overflow(Resolution<P>),
}

/// The recovery state of every channel the app holds.
pub(super) struct Recovery<P> {
    /// `connectionRecovery: true`: the client asked for protocol 2.
    enabled: bool,
    /// The current connection speaks protocol 2.
    v2: bool,
    /// The current connection's server said recovery is not enabled (4301).
    refused: bool,
    /// Counts connections, to tell a resubscription on a new one from a retry.
    epoch: u32,
    last_inbound: Millis,
    down_since: Option<Millis>,
    tracks: FastMap<String, Track<P>>,
    /// Channels waiting for their outcome, by deadline (oldest first; removed at the outcome).
    deadlines: Vec<(Millis, String)>,
}

impl<P: Payload> Recovery<P> {
    pub(super) fn new(enabled: bool) -> Self {
        Recovery { enabled, v2: false, refused: false, epoch: 0, last_inbound: 0, down_since: None, tracks: FastMap::default(), deadlines: Default::default() }
    }

    /// Whether the client asks for protocol 2.
    pub(super) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether the current connection speaks protocol 2 (events carry positions).
    #[inline]
    pub(super) fn is_v2(&self) -> bool {
        self.v2
    }

    /// A frame arrived on the live connection.
    #[inline]
    pub(super) fn note_inbound(&mut self, now: Millis) {
        self.last_inbound = now;
    }

    /// The handshake said which protocol this connection speaks; called just before it is up.
    pub(super) fn handshake(&mut self, v2: bool) {
        self.v2 = v2 && self.enabled;
    }

    /// The connection is up.
    pub(super) fn connection_up(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        self.refused = false;
    }

    /// The connection went: the downtime starts at its last inbound frame; held events are
    /// handed back to be delivered (no report: the next resubscription makes one).
    pub(super) fn connection_lost(&mut self) -> Vec<Resolution<P>> {
        self.down_since = Some(self.last_inbound);
        let mut flushed = Vec::new();
        for (name, track) in self.tracks.iter_mut() {
            track.late = None;
            if let Some(waiting) = track.waiting.take() {
                // The replay has not come: what was held is delivered, and if that moved the
                // position past the gap, the next resubscription is not resumed from it
                // (reported `no_position`, never `recovered`).
                let (events, serials, _) = deliverable(track, waiting.held, true, None);
                track.stale |= !serials.is_empty();
                flushed.push(Resolution { channel: name.clone(), events, resumed: None });
            }
        }
        self.deadlines.clear();
        self.v2 = false;
        flushed
    }

    /// The app asked for `name`: with recovery, its positions count from now on (also
    /// before its first acknowledgement).
    pub(super) fn track(&mut self, name: &str) {
        if self.enabled {
            self.tracks.get_or_insert_with(name.to_owned(), Track::new);
        }
    }

    /// The app left `name`: forget it (a later subscription is a first one).
    pub(super) fn forget(&mut self, name: &str) {
        self.tracks.remove(name);
    }

    /// The subscription of `name` was acknowledged at `ack`. A resubscription on a new
    /// connection sends the resume (protocol 2, a position known) and starts holding, or is
    /// reported at once (protocol 7, no position, recovery refused).
    pub(super) fn subscribed(&mut self, out: &mut Outputs<P>, now: Millis, name: &str, ack: Option<Position>) -> Option<Resolution<P>> {
        if name.starts_with('#') {
            return None;
        }
        let epoch = self.epoch;
        let downtime_ms = self.down_since.map_or(0, |since| now.saturating_sub(since));
        let track = self.tracks.get_or_insert_with(name.to_owned(), Track::new);
        // Protocol 7 has no positions: a later resume from before it would replay what it
        // delivered (the old position still drops duplicates).
        track.stale |= !self.v2;
        let previous = track.acked_on.replace(epoch);
        let mixed = std::mem::take(&mut track.mixed);
        if previous.is_none() || previous == Some(epoch) {
            if self.v2 && track.last.is_none() {
                track.last = ack;
            }
            return None;
        }
        let reason = if !self.v2 {
            "unsupported"
        } else if self.refused {
            "recovery_disabled"
        } else if mixed {
            "mixed_streams"
        } else if let Some(last) = track.last.as_ref().filter(|_| !track.stale) {
            out.push(Output::Send(protocol::resume_frame(name, last)));
            let deadline = now.saturating_add(RESUME_TIMEOUT_MS);
            track.waiting = Some(Box::new(Waiting { deadline, downtime: downtime_ms, ack, held: Vec::new() }));
            self.deadlines.push((deadline, name.to_owned()));
            return None;
        } else {
            "no_position"
        };
        if self.v2 {
            advance(&mut track.last, ack);
            track.stale = false;
        }
        forget_before(&mut track.sent, epoch);
        let resumed = Resumed { channel: name.to_owned(), recovered: false, downtime_ms, replayed: 0, reason: Some(reason.to_owned()) };
        Some(Resolution { channel: name.to_owned(), events: Vec::new(), resumed: Some(resumed) })
    }

    /// A channel event on a protocol 2 connection: delivered, held for the channel's
    /// outcome, or dropped as a duplicate.
    pub(super) fn accept(&mut self, name: &str, mut event: Held<P>) -> Accepted<P> {
        let Some(track) = self.tracks.get_mut(name) else { return Accepted::Deliver(event) };
        let Some(position) = &event.position else { return Accepted::Deliver(event) };
        if let Some(waiting) = &mut track.waiting {
            event.own = take_own(&mut track.sent, self.epoch, &event.event, &event.data);
            // Kept in serial order as they come (after equal serials: stable) within the run
            // of their stream (a new stream comes after the old one), so the outcome needs no
            // sort (a sort would cost kilobytes of wasm).
            let (serial, stream) = (position.serial, &position.stream_id);
            let held = &mut waiting.held;
            let run = held.iter().rposition(|h| h.position.as_ref().map(|p| &p.stream_id) != Some(stream)).map_or(0, |i| i + 1);
            let at = run + held[run..].partition_point(|h| h.position.as_ref().map_or(0, |p| p.serial) <= serial);
            held.insert(at, event);
            if waiting.held.len() <= MAX_HELD {
                return Accepted::Kept;
            }
            let resolution = resolve(track, name, Outcome::Failed("overflow"), true);
            self.settled(name);
            return resolution.map_or(Accepted::Kept, Accepted::Overflow);
        }
        if delivered_before(track, position) {
            let position = event.position.take();
            advance(&mut track.last, position);
            return Accepted::Kept;
        }
        let serial = position.serial;
        let late = is_duplicate(&track.last, position);
        match &mut track.late {
            // A late replay after a timeout: delivered once, out of order (not this client's own).
            Some((floor, seen)) if serial > *floor => seen.push(serial),
            _ if late => return Accepted::Kept,
            _ => {}
        }
        if late && take_own(&mut track.sent, self.epoch, &event.event, &event.data) {
            return Accepted::Kept;
        }
        if track.late.as_ref().is_some_and(|(_, seen)| seen.len() > 4 * MAX_HELD) {
            track.late = None;
        }
        let position = event.position.take();
        if !late {
            if track.last.as_ref().map(|l| &l.stream_id) != position.as_ref().map(|p| &p.stream_id) {
                // The memory counts in the old stream; a resume from one stream would miss
                // the other's events.
                track.late = None;
                // A new stream starts at serial 1 (Sockudo's buffer for a channel quiet past
                // its TTL is dropped and begins again); a switch to a stream already under
                // way is another node's.
                track.mixed |= track.last.is_some() && serial > 1;
            }
            track.last = position;
        }
        Accepted::Deliver(event)
    }

    /// This client sent client event `event` with `data` on `name` (remembered on protocol 2,
    /// so a replay does not deliver it back).
    pub(super) fn sent(&mut self, name: &str, event: &str, data: Option<P>) {
        if let (true, Some(track), Some(data)) = (self.v2, self.tracks.get_mut(name), data) {
            remember(&mut track.sent, self.epoch, event, data);
        }
    }

    /// `sockudo:resume_failed` for `name`, with the server's `code`.
    pub(super) fn resume_failed(&mut self, name: &str, data: &P) -> Result<Option<Resolution<P>>, FrameError> {
        let code = data.get("code").and_then(|c| c.as_text()).ok_or(FrameError::WrongType("code"))?;
        let Some(track) = self.tracks.get_mut(name) else { return Ok(None) };
        let resolution = resolve(track, name, Outcome::Failed(&code), false);
        forget_before(&mut track.sent, self.epoch);
        self.settled(name);
        Ok(resolution)
    }

    /// `sockudo:resume_success` `{recovered: [{channel, ..}], failed: [{channel, code, ..}]}`:
    /// resolves each channel it names that is still waiting.
    pub(super) fn resume_success(&mut self, data: &P) -> Result<Vec<Resolution<P>>, FrameError> {
        let list = |key: &'static str| match data.get(key) {
            None => Ok(Vec::new()),
            Some(items) => items.items().ok_or(FrameError::WrongType(key)),
        };
        let (recovered, failed) = (list("recovered")?, list("failed")?);
        let mut resolved = Vec::new();
        let entries = recovered.iter().map(|e| (e, None)).chain(failed.iter().map(|e| (e, Some(e.get("code").and_then(|c| c.as_text())))));
        for (entry, failure) in entries {
            let Some(name) = entry.get("channel").and_then(|c| c.as_text()) else { continue };
            let Some(track) = self.tracks.get_mut(&name) else { continue };
            let outcome = match &failure {
                None => Outcome::Recovered,
                Some(code) => Outcome::Failed(code.as_deref().unwrap_or("unknown")),
            };
            resolved.extend(resolve(track, &name, outcome, false));
            forget_before(&mut track.sent, self.epoch);
            self.settled(&name);
        }
        Ok(resolved)
    }

    /// `name` has its outcome: its deadline goes (nothing waits for it any more).
    fn settled(&mut self, name: &str) {
        self.deadlines.retain(|(_, n)| n != name);
    }

    /// Whether some channel waits for its outcome.
    pub(super) fn awaiting(&self) -> bool {
        !self.deadlines.is_empty()
    }

    /// The server answered that recovery is not enabled (error 4301): every waiting channel
    /// is resolved, and later resubscriptions on this connection do not ask.
    pub(super) fn refused_by_server(&mut self) -> Vec<Resolution<P>> {
        self.refused = true;
        self.expire(Millis::MAX, "recovery_disabled")
    }

    /// Channels whose outcome did not arrive by `now`.
    pub(super) fn timeouts(&mut self, now: Millis) -> Vec<Resolution<P>> {
        self.expire(now, "timeout")
    }

    fn expire(&mut self, now: Millis, reason: &str) -> Vec<Resolution<P>> {
        let mut resolved = Vec::new();
        let due = self.deadlines.partition_point(|(deadline, _)| *deadline <= now);
        for (deadline, name) in self.deadlines.drain(..due) {
            if let Some(track) = self.tracks.get_mut(&name) {
                if track.waiting.as_ref().is_some_and(|w| w.deadline == deadline) {
                    resolved.extend(resolve(track, &name, Outcome::Failed(reason), reason == "timeout"));
                }
            }
        }
        resolved
    }

    /// The earliest resume timeout.
    pub(super) fn deadline(&self) -> Option<Millis> {
        self.deadlines.first().map(|(deadline, _)| *deadline)
    }
}
