//! The hub's channel table: who holds each channel (a reference count by tab), whether the
//! one real subscription is pending or done, and what a late holder gets at once (the
//! server's `subscription_succeeded` verbatim, or for presence one rebuilt from the roster).

use crate::channels::ChannelKind;
use crate::fast_map::FastMap;

use super::roster::Roster;

/// What to do with a tab's `pusher:subscribe`.
#[derive(Debug, PartialEq, Eq)]
pub enum Subscribe {
    /// The first holder: forward it to the server.
    Forward,
    /// The subscription is pending: the tab gets the server's answer with the others.
    Wait,
    /// Already subscribed: give the tab this `subscription_succeeded` at once.
    Reply(String),
}

#[derive(Debug)]
enum State {
    /// Forwarded, unanswered; the number says in which order (the oldest signed one is what
    /// a channel-less 4009 refuses, as the engine reads it).
    Pending(u64),
    /// Subscribed: the success frame (non-presence) or the roster (presence).
    Subscribed { frame: String, roster: Option<Roster> },
}

#[derive(Debug)]
struct Channel<T> {
    /// In the order they subscribed.
    holders: Vec<T>,
    state: State,
}

/// Every channel some tab holds.
#[derive(Debug)]
pub struct Table<T> {
    channels: FastMap<String, Channel<T>>,
    forwarded: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { channels: FastMap::default(), forwarded: 0 }
    }
}

impl<T: Clone + PartialEq> Table<T> {
    /// `tab` subscribes to `channel`.
    pub fn subscribe(&mut self, tab: &T, channel: &str) -> Subscribe {
        match self.channels.get_mut(channel) {
            None => {
                self.forwarded += 1;
                self.channels.insert(channel.to_owned(), Channel { holders: vec![tab.clone()], state: State::Pending(self.forwarded) });
                Subscribe::Forward
            }
            Some(entry) => {
                if !entry.holders.contains(tab) {
                    entry.holders.push(tab.clone());
                }
                match &entry.state {
                    State::Pending(_) => Subscribe::Wait,
                    State::Subscribed { roster: Some(roster), .. } => Subscribe::Reply(roster.succeeded_frame(channel)),
                    State::Subscribed { frame, roster: None } => Subscribe::Reply(frame.clone()),
                }
            }
        }
    }

    /// `tab` stops holding `channel`; true when it was the last holder (forward the
    /// unsubscribe: the channel is forgotten).
    pub fn unsubscribe(&mut self, tab: &T, channel: &str) -> bool {
        let Some(entry) = self.channels.get_mut(channel) else { return false };
        let Some(at) = entry.holders.iter().position(|t| t == tab) else { return false };
        entry.holders.remove(at);
        if entry.holders.is_empty() {
            self.channels.remove(channel);
            return true;
        }
        false
    }

    /// The server confirmed `channel`: keeps `frame` (or the roster for presence) and returns
    /// the holders, who were all waiting for it. A confirmation for a channel nobody holds,
    /// or a second one (a subscribe forwarded again after the last holder left, answered
    /// twice), returns nobody: each holder gets one.
    pub fn succeeded(&mut self, channel: &str, frame: &str, roster: Option<Roster>) -> Vec<T> {
        let Some(entry) = self.channels.get_mut(channel) else { return Vec::new() };
        let waited = matches!(entry.state, State::Pending(_));
        entry.state = State::Subscribed { frame: frame.to_owned(), roster };
        if waited { entry.holders.clone() } else { Vec::new() }
    }

    /// The oldest pending channel that needed a signature (private, presence, encrypted):
    /// the one a channel-less `pusher:error` 4009 refuses.
    pub fn oldest_pending_signed(&self) -> Option<String> {
        self.channels
            .iter()
            .filter(|(name, _)| ChannelKind::of(name).needs_auth())
            .filter_map(|(name, entry)| match entry.state {
                State::Pending(order) => Some((order, name)),
                State::Subscribed { .. } => None,
            })
            .min_by_key(|(order, _)| *order)
            .map(|(_, name)| name.clone())
    }

    /// The server refused `channel` (or sent an error on it): returns its holders; a pending
    /// channel is forgotten (the next subscribe is forwarded), a subscribed one is kept.
    pub fn failed(&mut self, channel: &str) -> Vec<T> {
        match self.channels.get(channel) {
            Some(entry) if matches!(entry.state, State::Pending(_)) => self.channels.remove(channel).map(|e| e.holders).unwrap_or_default(),
            _ => self.holders(channel),
        }
    }

    /// The tabs holding `channel`.
    pub fn holders(&self, channel: &str) -> Vec<T> {
        self.channels.get(channel).map(|entry| entry.holders.clone()).unwrap_or_default()
    }

    /// True when `tab` holds `channel`.
    pub fn holds(&self, tab: &T, channel: &str) -> bool {
        self.channels.get(channel).is_some_and(|entry| entry.holders.contains(tab))
    }

    /// The roster of a subscribed presence channel, to keep up to date.
    pub fn roster_mut(&mut self, channel: &str) -> Option<&mut Roster> {
        match self.channels.get_mut(channel).map(|entry| &mut entry.state) {
            Some(State::Subscribed { roster: Some(roster), .. }) => Some(roster),
            _ => None,
        }
    }

    /// `tab` is gone: it stops holding everything; returns the channels it was the last
    /// holder of (forward their unsubscribes).
    pub fn release(&mut self, tab: &T) -> Vec<String> {
        let held: Vec<String> = self.channels.iter().filter(|(_, e)| e.holders.contains(tab)).map(|(name, _)| name.clone()).collect();
        held.into_iter().filter(|name| self.unsubscribe(tab, name)).collect()
    }

    /// The number of channels held.
    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// True when no channel is held.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Forgets every channel (the real socket closed).
    pub fn clear(&mut self) {
        self.channels = FastMap::default();
    }
}
