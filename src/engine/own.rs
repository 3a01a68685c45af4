//! This client's own client events (whispers), a leaf the recovery part uses to keep a
//! replay from delivering them back. Sockudo's protocol 2 does not echo a whisper to its
//! sender (`echo_messages=false`), but a resume replays the channel's buffer as it is, own
//! whispers included, and a replayed frame names no sender.
//!
//! The rule: each channel remembers the client events it sent on protocol 2 (event name and
//! data as sent, the last [`MAX_SENT`]); a client event in a replay that equals one sent on an
//! earlier connection (same name, same data: objects compared key by key in any order,
//! `user_id` ignored) is taken for this client's own and dropped, consuming the memory.
//! The memory of earlier connections goes once a resume outcome arrives. Its limit: another
//! user's whisper identical to one of ours in the same replay window is dropped in its place
//! (one per whisper remembered), and a whisper sent before the last delivered position is
//! remembered until then although the replay cannot contain it.

use crate::payload::Payload;

/// Client events remembered per channel.
pub(super) const MAX_SENT: usize = 16;

/// One client event this client sent.
pub(super) struct Sent<P> {
    /// The connection (epoch) it was sent on.
    pub(super) epoch: u32,
    pub(super) event: String,
    pub(super) data: P,
}

/// Remembers a client event sent on connection `epoch`.
pub(super) fn remember<P>(sent: &mut Vec<Sent<P>>, epoch: u32, event: &str, data: P) {
    if sent.len() >= MAX_SENT {
        sent.remove(0);
    }
    sent.push(Sent { epoch, event: event.to_owned(), data });
}

/// Whether a replayed `event` with `data` is one this client sent before connection `epoch`;
/// the match is consumed.
pub(super) fn take_own<P: Payload>(sent: &mut Vec<Sent<P>>, epoch: u32, event: &str, data: &P) -> bool {
    if !event.starts_with("client-") {
        return false;
    }
    let found = sent.iter().position(|s| s.epoch != epoch && s.event == event && (same(&s.data, data) || data.is_string() && !s.data.is_string() && data.parse_string().is_some_and(|d| same(&s.data, &d))));
    found.map(|i| sent.remove(i)).is_some()
}

/// Forgets what was sent before connection `epoch` (its replay window has passed).
pub(super) fn forget_before<P>(sent: &mut Vec<Sent<P>>, epoch: u32) {
    sent.retain(|s| s.epoch == epoch);
}

/// JSON equality, object keys in any order (a server may reorder them).
fn same<P: Payload>(a: &P, b: &P) -> bool {
    if let (Some(x), Some(y)) = (a.entries(), b.entries()) {
        return x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same(v, v2)));
    }
    if let (Some(x), Some(y)) = (a.items(), b.items()) {
        return x.len() == y.len() && x.iter().zip(&y).all(|(v, w)| same(v, w));
    }
    a.to_json() == b.to_json()
}
