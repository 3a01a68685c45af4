//! A presence channel's roster as the hub keeps it for late joiners: member ids in order and
//! each one's `user_info` as JSON text, kept from `subscription_succeeded`, `member_added`
//! and `member_removed`, and the `subscription_succeeded` frame rebuilt from it.

use crate::payload::Payload;
use crate::protocol::push_json_string;

/// The members of one presence channel (ids in arrival order, info as JSON text).
#[derive(Clone, Debug, Default)]
pub struct Roster {
    members: Vec<(String, String)>,
}

impl Roster {
    /// Reads `{presence: {ids, hash}}` (the decoded `subscription_succeeded` data); members
    /// whose id is not a string or number are skipped, a missing `hash` entry is `null`.
    pub fn from_succeeded<P: Payload>(data: &P) -> Roster {
        let mut roster = Roster::default();
        let Some(presence) = data.get("presence") else { return roster };
        let hash = presence.get("hash");
        let ids: Vec<String> = match presence.get("ids").and_then(|ids| ids.items()) {
            Some(items) => items.iter().filter_map(|id| id.as_id()).collect(),
            // No `ids`: the hash's keys, in order.
            None => hash.as_ref().and_then(|h| h.entries()).map(|e| e.into_iter().map(|(k, _)| k).collect()).unwrap_or_default(),
        };
        for id in ids {
            let info = hash.as_ref().and_then(|h| h.get(&id)).and_then(|v| v.to_json()).unwrap_or_else(|| "null".into());
            roster.add(id, info);
        }
        roster
    }

    /// Adds a member, or replaces its info when it is already there.
    pub fn add(&mut self, id: String, info: String) {
        match self.members.iter_mut().find(|(known, _)| *known == id) {
            Some(member) => member.1 = info,
            None => self.members.push((id, info)),
        }
    }

    /// Removes a member (nothing when it is not there).
    pub fn remove(&mut self, id: &str) {
        self.members.retain(|(known, _)| known != id);
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when nobody is there.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// `pusher_internal:subscription_succeeded` for `channel` with this roster, as the server
    /// sends it (data double-encoded).
    pub fn succeeded_frame(&self, channel: &str) -> String {
        let mut data = String::from("{\"presence\":{\"ids\":[");
        for (i, (id, _)) in self.members.iter().enumerate() {
            if i > 0 {
                data.push(',');
            }
            push_json_string(&mut data, id);
        }
        data.push_str("],\"hash\":{");
        for (i, (id, info)) in self.members.iter().enumerate() {
            if i > 0 {
                data.push(',');
            }
            push_json_string(&mut data, id);
            data.push(':');
            data.push_str(info);
        }
        data.push_str("},\"count\":");
        data.push_str(&self.members.len().to_string());
        data.push_str("}}");
        let mut out = String::from("{\"event\":\"pusher_internal:subscription_succeeded\",\"channel\":");
        push_json_string(&mut out, channel);
        out.push_str(",\"data\":");
        push_json_string(&mut out, &data);
        out.push('}');
        out
    }
}
