//! Channels: kinds by name prefix, name validation, and the one enum that says where a
//! subscription stands.

use crate::encryption::SharedSecret;
use crate::error::{ChannelError, ChannelNameError};
use crate::presence::Members;
use crate::time::Millis;

/// What a channel's name prefix makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// No prefix (or `cache-`): anyone may subscribe.
    Public,
    /// `private-` (or `private-cache-`): authorized by the backend.
    Private,
    /// `presence-` (or `presence-cache-`): authorized, with a member list.
    Presence,
    /// `private-encrypted-`: authorized, payloads end-to-end encrypted.
    Encrypted,
    /// `#server-to-user-{id}`: the signed-in user's own channel (internal).
    ServerToUser,
}

impl ChannelKind {
    /// The kind of `name`.
    pub fn of(name: &str) -> Self {
        if name.starts_with("private-encrypted-") {
            ChannelKind::Encrypted
        } else if name.starts_with("private-") {
            ChannelKind::Private
        } else if name.starts_with("presence-") {
            ChannelKind::Presence
        } else if name.starts_with("#server-to-user-") {
            ChannelKind::ServerToUser
        } else {
            ChannelKind::Public
        }
    }

    /// Whether subscribing needs an authorization from the backend.
    pub fn needs_auth(self) -> bool {
        matches!(self, ChannelKind::Private | ChannelKind::Presence | ChannelKind::Encrypted)
    }

    /// Whether client events (whispers) may be sent on it.
    pub fn allows_client_events(self) -> bool {
        matches!(self, ChannelKind::Private | ChannelKind::Presence)
    }
}

/// Checks a channel name against the protocol's character set and a length limit.
pub fn validate_channel_name(name: &str, max_len: usize) -> Result<(), ChannelNameError> {
    if name.is_empty() {
        return Err(ChannelNameError::Empty);
    }
    let len = name.chars().count();
    if len > max_len {
        return Err(ChannelNameError::TooLong { len, limit: max_len });
    }
    match name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '=' | '@' | ',' | '.' | ';'))) {
        Some(c) => Err(ChannelNameError::BadCharacter(c)),
        None => Ok(()),
    }
}

/// Where a channel's subscription stands. Unsubscribed channels are not kept at all.
#[derive(Clone, Debug, PartialEq)]
pub enum Subscription {
    /// Wanted; waits for a connection.
    Waiting,
    /// Authorization request `request` is out.
    Authorizing {
        /// The request id.
        request: u64,
    },
    /// `pusher:subscribe` sent; waiting for `subscription_succeeded`.
    Pending,
    /// Confirmed by the server.
    Subscribed,
    /// Failed. Retried on the next connection, on request, and (for transient failures:
    /// network, timeout, 5xx) by itself at `retry_at`.
    Failed {
        /// Why (boxed: a rare state should not make every channel bigger).
        error: Box<ChannelError>,
        /// When it is retried by itself, if it is.
        retry_at: Option<Millis>,
    },
}

impl Subscription {
    /// A short name for diagnostics.
    pub fn as_str(&self) -> &'static str {
        match self {
            Subscription::Waiting => "waiting",
            Subscription::Authorizing { .. } => "authorizing",
            Subscription::Pending => "pending",
            Subscription::Subscribed => "subscribed",
            Subscription::Failed { .. } => "failed",
        }
    }
}

/// Key state of an encrypted channel.
#[derive(Clone, Debug, Default)]
pub enum KeyState<P> {
    /// No key yet.
    #[default]
    None,
    /// A key that opened messages (or has not failed yet).
    Ready {
        /// The key (boxed: only encrypted channels have one).
        key: Box<SharedSecret>,
        /// The key before the last refresh: events sealed with it while the backend rotated
        /// keys still open.
        old: Option<Box<SharedSecret>>,
        /// True once this key came from a refresh after a failure; a second failure then
        /// drops the event instead of refreshing again.
        refreshed: bool,
    },
    /// A fresh key is being fetched after a failure; events wait here until it comes. The
    /// working key is kept: a failed refresh never leaves the channel without one.
    Refreshing {
        /// The authorization request that is out (`None` while waiting for `retry_at`).
        request: Option<u64>,
        /// After a transient failure (network, timeout, 5xx): when the refresh is retried.
        retry_at: Option<crate::time::Millis>,
        /// Transient failures of this refresh so far (the backoff attempt).
        failures: u32,
        /// The key in use before the refresh (kept).
        key: Box<SharedSecret>,
        /// The key before that.
        old: Option<Box<SharedSecret>>,
        /// Events waiting to be opened with the fresh key: (event, data, user id).
        queued: Vec<(String, P, Option<String>)>,
    },
}

impl<P> KeyState<P> {
    /// When a refresh waiting after a transient failure is due.
    pub fn retry_at(&self) -> Option<crate::time::Millis> {
        match self {
            KeyState::Refreshing { request: None, retry_at, .. } => *retry_at,
            _ => None,
        }
    }

    /// The refresh request that is out, if any.
    pub fn request(&self) -> Option<u64> {
        match self {
            KeyState::Refreshing { request, .. } => *request,
            _ => None,
        }
    }
}

/// One channel the app asked for (its name is the key of the engine's channel map).
#[derive(Clone, Debug)]
pub struct Channel<P> {
    /// Its kind.
    pub kind: ChannelKind,
    /// Its subscription.
    pub state: Subscription,
    /// Members (presence channels).
    pub members: Members<P>,
    /// The key (encrypted channels).
    pub key: KeyState<P>,
    /// Consecutive transient failures, for the retry backoff.
    pub failures: u32,
    /// The last `subscription_count` the server reported.
    pub subscription_count: Option<u32>,
}

impl<P: Clone> Channel<P> {
    /// A new channel waiting for a connection.
    pub fn new(name: &str) -> Self {
        Channel {
            kind: ChannelKind::of(name),
            state: Subscription::Waiting,
            members: Members::default(),
            key: KeyState::None,
            failures: 0,
            subscription_count: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_prefix() {
        assert_eq!(ChannelKind::of("tenant.1.inventory"), ChannelKind::Public);
        assert_eq!(ChannelKind::of("cache-x"), ChannelKind::Public);
        assert_eq!(ChannelKind::of("private-App.Models.User.1"), ChannelKind::Private);
        assert_eq!(ChannelKind::of("private-cache-x"), ChannelKind::Private);
        assert_eq!(ChannelKind::of("presence-cache-x"), ChannelKind::Presence);
        assert_eq!(ChannelKind::of("private-encrypted-x"), ChannelKind::Encrypted);
        assert!(!ChannelKind::Encrypted.allows_client_events());
        assert!(ChannelKind::Presence.needs_auth());
    }

    #[test]
    fn names() {
        assert_eq!(validate_channel_name("private-tenant.1;a=b@c,d_e-f", 164), Ok(()));
        assert_eq!(validate_channel_name("", 164), Err(ChannelNameError::Empty));
        assert_eq!(validate_channel_name("a b", 164), Err(ChannelNameError::BadCharacter(' ')));
        assert_eq!(validate_channel_name("#server-to-user-1", 164), Err(ChannelNameError::BadCharacter('#')));
        assert_eq!(validate_channel_name(&"a".repeat(165), 164), Err(ChannelNameError::TooLong { len: 165, limit: 164 }));
    }
}
