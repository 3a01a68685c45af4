//! The subscriptions part owns the channels the app asked for and everything on the wire
//! about them: subscribe and resubscribe, the authorization requests for channels (and
//! their timeouts), server confirmations and refusals, presence members, encrypted
//! channels' keys and key refreshes, and the self-retries of failed channels.
//!
//! Methods that may start an authorization take the live socket id (`None` while not
//! connected); everything else they need comes as arguments.

use super::output::{AuthOutcome, Output, Outputs};
use crate::channels::{validate_channel_name, Channel, ChannelKind, KeyState, Subscription};
use crate::encryption::{DecryptError, SharedSecret};
use crate::error::{AuthFailure, ChannelError, ChannelNameError};
use crate::fast_map::FastMap;
use crate::options::Options;
use crate::payload::Payload;
use crate::presence::Members;
use crate::protocol;
use crate::time::Millis;
use std::collections::VecDeque;

/// Encrypted events held while a fresh key is fetched, per channel, at most.
const MAX_QUEUED_WHILE_REFRESHING: usize = 256;

/// Tries of one key refresh that fail transiently before its queued events are dropped.
const MAX_KEY_REFRESH_TRIES: u32 = 5;

/// Whether an authorization failure may pass by itself (network, timeout, 5xx, 408, 429):
/// retried with backoff. Anything else is the backend's answer.
pub(super) fn is_transient(failure: &AuthFailure) -> bool {
    match failure {
        AuthFailure::Network(_) | AuthFailure::Timeout => true,
        AuthFailure::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
        _ => false,
    }
}

/// What an outstanding channel authorization request is for.
#[derive(Clone, Debug)]
enum AuthPurpose {
    Subscribe(String),
    KeyRefresh(String),
}

#[derive(Clone, Debug)]
struct AuthRequest {
    purpose: AuthPurpose,
    deadline: Millis,
}

/// Outstanding channel authorization requests. A short list (a few at a time, at most one
/// per channel), so a vector: cheaper than another hash map in the shipped wasm.
#[derive(Clone, Debug, Default)]
struct PendingAuth(Vec<(u64, AuthRequest)>);

impl PendingAuth {
    fn insert(&mut self, id: u64, request: AuthRequest) {
        self.0.push((id, request));
    }
    fn remove(&mut self, id: u64) -> Option<AuthRequest> {
        let at = self.0.iter().position(|(i, _)| *i == id)?;
        Some(self.0.swap_remove(at).1)
    }
    fn clear(&mut self) {
        self.0.clear();
    }
    fn earliest(&self) -> Option<Millis> {
        self.0.iter().map(|(_, r)| r.deadline).min()
    }
    fn expired(&self, now: Millis) -> Vec<u64> {
        self.0.iter().filter(|(_, r)| r.deadline <= now).map(|(id, _)| *id).collect()
    }
}

/// The channels and their subscriptions.
pub(super) struct Subscriptions<P> {
    /// Boxed: the map's buckets stay small, so growing it for thousands of channels does
    /// not copy (and briefly double) every channel's state.
    channels: FastMap<String, Box<Channel<P>>>,
    /// Channels whose `pusher:subscribe` is out, oldest first (to attribute channel-less
    /// errors).
    pending_order: VecDeque<String>,
    auth: PendingAuth,
    /// Earliest self-retry of a failed channel (or of a key refresh).
    retry_at: Option<Millis>,
}

impl<P> Default for Subscriptions<P> {
    fn default() -> Self {
        Subscriptions { channels: FastMap::default(), pending_order: VecDeque::new(), auth: PendingAuth::default(), retry_at: None }
    }
}

impl<P: Payload> Subscriptions<P> {
    /// The channel `name`, if the app asked for it (or it is the user's own).
    pub(super) fn get(&self, name: &str) -> Option<&Channel<P>> {
        self.channels.get(name).map(|c| &**c)
    }

    /// Presence members of `name`.
    pub(super) fn members(&self, name: &str) -> Option<&Members<P>> {
        self.get(name).map(|c| &c.members)
    }

    /// Names of the channels the app asked for (excluding internal ones), in name order (the
    /// map iterates in key order; `diagnose()` lists them so).
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.channels.iter().filter(|(_, c)| c.kind != ChannelKind::ServerToUser).map(|(name, _)| name.as_str())
    }

    /// Number of channels held (including the internal user channel).
    pub(super) fn len(&self) -> usize {
        self.channels.len()
    }

    /// Whether `name` is confirmed by the server.
    pub(super) fn is_subscribed(&self, name: &str) -> bool {
        self.get(name).is_some_and(|c| c.state == Subscription::Subscribed)
    }

    /// The part's earliest deadline: an authorization timeout, or (while connected) a retry.
    pub(super) fn deadline(&self, connected: bool) -> Option<Millis> {
        let retry = if connected { self.retry_at } else { None };
        match (self.auth.earliest(), retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Command: subscribe to `name` (now if connected, else on connection). Subscribing to a
    /// channel already held does nothing, even when it failed.
    pub(super) fn subscribe(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>, name: &str) -> Result<(), ChannelNameError> {
        validate_channel_name(name, options.max_channel_name_len)?;
        if self.channels.contains_key(name) {
            return Ok(());
        }
        self.channels.insert(name.to_owned(), Box::new(Channel::new(name)));
        self.start(out, options, now, socket_id, name);
        Ok(())
    }

    /// Adds the signed-in user's own channel (`#server-to-user-{id}`) and subscribes it.
    pub(super) fn add_user_channel(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>, name: &str) {
        self.channels.insert(name.to_owned(), Box::new(Channel::new(name)));
        self.start(out, options, now, socket_id, name);
    }

    /// Command: subscribe a failed channel again now. False when unknown or not failed.
    pub(super) fn retry(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>, name: &str) -> bool {
        match self.channels.get_mut(name) {
            Some(channel) if matches!(channel.state, Subscription::Failed { .. }) => {
                channel.state = Subscription::Waiting;
                channel.failures = 0;
            }
            _ => return false,
        }
        self.refresh_retry_at();
        self.start(out, options, now, socket_id, name);
        true
    }

    /// Command: unsubscribe from `name`, whatever the subscription's stage (a late
    /// authorization or confirmation is ignored).
    pub(super) fn unsubscribe(&mut self, out: &mut Outputs<P>, connected: bool, name: &str) {
        let Some(channel) = self.channels.remove(name) else { return };
        match channel.state {
            Subscription::Pending | Subscription::Subscribed if connected => out.push(Output::Send(protocol::unsubscribe_frame(name))),
            Subscription::Authorizing { request } => {
                self.auth.remove(request);
            }
            Subscription::Failed { retry_at: Some(_), .. } => self.refresh_retry_at(),
            _ => {}
        }
        if let Some(request) = channel.key.request() {
            self.auth.remove(request);
        }
        if channel.key.retry_at().is_some() {
            self.refresh_retry_at();
        }
        self.pending_order.retain(|n| n != name);
    }

    /// Starts the subscription of a `Waiting` channel when connected.
    fn start(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>, name: &str) {
        let Some(socket_id) = socket_id else { return };
        let Some(channel) = self.channels.get(name) else { return };
        if channel.kind.needs_auth() {
            let request = self.add_auth_request(out, options, now, AuthPurpose::Subscribe(name.to_owned()));
            if let Some(channel) = self.channels.get_mut(name) {
                channel.state = Subscription::Authorizing { request };
            }
            out.push(Output::Authorize { request, socket_id: socket_id.to_owned(), channel: name.to_owned() });
        } else {
            self.send_subscribe(out, name, None, None);
        }
    }

    fn add_auth_request(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, purpose: AuthPurpose) -> u64 {
        let request = out.new_request();
        self.auth.insert(request, AuthRequest { purpose, deadline: now.saturating_add(options.auth_timeout_ms) });
        request
    }

    fn send_subscribe(&mut self, out: &mut Outputs<P>, name: &str, auth: Option<&str>, channel_data: Option<&str>) {
        if let Some(channel) = self.channels.get_mut(name) {
            channel.state = Subscription::Pending;
            self.pending_order.push_back(name.to_owned());
            out.push(Output::Send(protocol::subscribe_frame(name, auth, channel_data)));
        }
    }

    /// After a handshake: subscribe every channel again, with fresh authorizations.
    pub(super) fn resubscribe_all(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: &str) {
        let names: Vec<String> = self.channels.keys().cloned().collect();
        for name in names {
            if let Some(channel) = self.channels.get_mut(&name) {
                channel.state = Subscription::Waiting;
            }
            self.start(out, options, now, Some(socket_id), &name);
        }
        self.retry_at = None;
    }

    /// When the connection is gone: the user's channel goes, every other channel waits,
    /// members and keys are forgotten, outstanding authorizations are void (they were for
    /// the old socket id).
    pub(super) fn connection_lost(&mut self) {
        self.channels.retain(|_, c| c.kind != ChannelKind::ServerToUser);
        for channel in self.channels.values_mut() {
            if !matches!(channel.state, Subscription::Failed { .. }) {
                channel.state = Subscription::Waiting;
            }
            channel.members.clear();
            channel.key = KeyState::None;
            channel.failures = 0;
        }
        self.pending_order.clear();
        self.auth.clear();
        self.retry_at = None;
    }

    /// Input: the answer to an [`Output::Authorize`] (an unknown request is ignored).
    pub(super) fn handle_auth(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, request: u64, outcome: AuthOutcome) {
        let Some(pending) = self.auth.remove(request) else { return };
        match pending.purpose {
            AuthPurpose::Subscribe(name) => self.finish_subscribe_auth(out, options, now, request, &name, outcome),
            AuthPurpose::KeyRefresh(name) => self.finish_key_refresh(out, options, now, request, &name, outcome),
        }
    }

    /// Fails every authorization whose deadline passed by `now` with a timeout.
    pub(super) fn auth_timeouts(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis) {
        for request in self.auth.expired(now) {
            self.handle_auth(out, options, now, request, AuthOutcome::Failed(AuthFailure::Timeout));
        }
    }

    fn finish_subscribe_auth(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, request: u64, name: &str, outcome: AuthOutcome) {
        let Some(channel) = self.channels.get_mut(name) else { return };
        if channel.state != (Subscription::Authorizing { request }) {
            return;
        }
        let granted = match outcome {
            AuthOutcome::Granted(granted) => granted,
            AuthOutcome::Failed(failure) => {
                self.fail_channel(out, options, now, name, ChannelError::Auth { channel: name.to_owned(), failure });
                return;
            }
        };
        let invalid = |detail: &str| ChannelError::Auth {
            channel: name.to_owned(),
            failure: AuthFailure::InvalidResponse { status: 200, detail: detail.to_owned() },
        };
        match channel.kind {
            ChannelKind::Presence => {
                let me = granted.channel_data.as_deref().and_then(P::parse_json).and_then(|d| d.get("user_id")).and_then(|id| id.as_id());
                match me {
                    Some(me) => channel.members.reset(Vec::new(), Some(me)),
                    None => {
                        let error = invalid("presence channel_data without user_id");
                        self.fail_channel(out, options, now, name, error);
                        return;
                    }
                }
            }
            ChannelKind::Encrypted => match granted.shared_secret.as_deref().map(SharedSecret::from_base64) {
                Some(Ok(key)) => channel.key = KeyState::Ready { key: Box::new(key), old: None, refreshed: false },
                _ => {
                    let error = invalid("no valid shared_secret: the backend needs an encryption master key");
                    self.fail_channel(out, options, now, name, error);
                    return;
                }
            },
            _ => {}
        }
        if granted.auth.is_empty() {
            self.fail_channel(out, options, now, name, invalid("empty auth"));
            return;
        }
        self.send_subscribe(out, name, Some(&granted.auth), granted.channel_data.as_deref());
    }

    fn fail_channel(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, name: &str, error: ChannelError) {
        let Some(channel) = self.channels.get_mut(name) else { return };
        let transient = match &error {
            ChannelError::Auth { failure, .. } => is_transient(failure),
            _ => false,
        };
        let retry_at = transient.then(|| now.saturating_add(options.reconnect.bound(channel.failures)));
        channel.failures = channel.failures.saturating_add(1);
        channel.state = Subscription::Failed { error: Box::new(error.clone()), retry_at };
        self.pending_order.retain(|n| n != name);
        self.refresh_retry_at();
        out.push(Output::ChannelError(error));
    }

    fn refresh_retry_at(&mut self) {
        self.retry_at = self
            .channels
            .values()
            .filter_map(|c| match c.state {
                Subscription::Failed { retry_at, .. } => retry_at,
                _ => c.key.retry_at(),
            })
            .min();
    }

    /// Retries the failed channels and key refreshes that are due (only when connected).
    pub(super) fn retries_due(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>) {
        if socket_id.is_none() || self.retry_at.map_or(true, |t| t > now) {
            return;
        }
        let due: Vec<String> = self
            .channels
            .iter()
            .filter(|(_, c)| matches!(c.state, Subscription::Failed { retry_at: Some(t), .. } if t <= now))
            .map(|(name, _)| name.clone())
            .collect();
        for name in &due {
            if let Some(channel) = self.channels.get_mut(name) {
                channel.state = Subscription::Waiting;
            }
            self.start(out, options, now, socket_id, name);
        }
        // Key refreshes waiting after a transient failure.
        let keys_due: Vec<String> = self.channels.iter().filter(|(_, c)| c.key.retry_at().is_some_and(|t| t <= now)).map(|(name, _)| name.clone()).collect();
        for name in keys_due {
            self.request_key_refresh(out, options, now, socket_id, &name);
        }
        self.refresh_retry_at();
    }

    /// An event on channel `name` for its listeners: the hot path. Dropped unless the
    /// channel is subscribed (or pending); opened first on an encrypted channel.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn dispatch_event(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>, name: String, event: String, data: P, user_id: Option<String>) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        if !matches!(channel.state, Subscription::Subscribed | Subscription::Pending) {
            return;
        }
        match channel.kind {
            ChannelKind::ServerToUser => out.push(Output::UserEvent { event, data }),
            // End-to-end encryption guards against the server: the protocol events the engine
            // knows (`pusher:`/`pusher_internal:` ones handled by the router) never get here;
            // everything that does (`client-*`, `pusherish`, an unknown `pusher:foo` carrying
            // data) opens with the key or is dropped.
            ChannelKind::Encrypted => self.open_encrypted(out, options, now, socket_id, name, event, data, user_id),
            _ => out.push(Output::Event { channel: name, event, data, user_id }),
        }
    }

    /// `pusher_internal:subscription_succeeded`; true when it confirmed a pending subscription.
    pub(super) fn subscription_succeeded(&mut self, out: &mut Outputs<P>, name: String, data: &P) -> bool {
        let Some(channel) = self.channels.get_mut(&name) else { return false };
        if !matches!(channel.state, Subscription::Pending) {
            return false;
        }
        channel.state = Subscription::Subscribed;
        channel.failures = 0;
        self.pending_order.retain(|n| *n != name);
        let here = if channel.kind == ChannelKind::Presence {
            let members = presence_members(data);
            let me = channel.members.me().map(str::to_owned);
            channel.members.reset(members, me);
            Some(channel.members.iter().map(|(_, info)| info.clone()).collect())
        } else {
            None
        };
        out.push(Output::Subscribed { channel: name.clone() });
        if let Some(members) = here {
            out.push(Output::Here { channel: name, members });
        }
        true
    }

    /// `pusher:subscription_error`: the server refused `name`.
    pub(super) fn subscription_error(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, name: &str, data: &P) {
        let status = data.get("status").and_then(|s| s.as_number()).map(|s| s as u16);
        let message = data.get("error").or_else(|| data.get("message")).and_then(|m| m.as_text()).or_else(|| data.as_text()).unwrap_or_default();
        self.reject(out, options, now, name, status, message);
    }

    fn reject(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, name: &str, status: Option<u16>, message: String) {
        let pending = self.channels.get(name).is_some_and(|c| matches!(c.state, Subscription::Pending | Subscription::Subscribed));
        if pending {
            self.fail_channel(out, options, now, name, ChannelError::Rejected { channel: name.to_owned(), status, message });
        }
    }

    /// `pusher:error`, claimed when it belongs to a channel: its own, or (4009 without a
    /// channel) the oldest pending subscription that needed a signature. Gives the message
    /// back when no channel claims it.
    pub(super) fn claim_error(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, channel: Option<String>, code: Option<u16>, message: String) -> Option<String> {
        if let Some(name) = channel {
            if self.channels.contains_key(&name) {
                self.reject(out, options, now, &name, code, message);
                return None;
            }
        }
        if code == Some(4009) {
            if let Some(name) = self.pending_order.iter().find(|n| ChannelKind::of(n).needs_auth()).cloned() {
                self.reject(out, options, now, &name, code, message);
                return None;
            }
        }
        Some(message)
    }

    /// `pusher_internal:member_added` on a subscribed presence channel.
    pub(super) fn member_added(&mut self, out: &mut Outputs<P>, name: String, data: &P) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        if channel.kind != ChannelKind::Presence || channel.state != Subscription::Subscribed {
            return;
        }
        let Some(user_id) = data.get("user_id").and_then(|id| id.as_id()) else { return };
        let info = data.get("user_info").unwrap_or_else(P::null);
        if channel.members.add(user_id.clone(), info.clone()) {
            out.push(Output::Joining { channel: name, user_id, info });
        }
    }

    /// `pusher_internal:member_removed` on a presence channel.
    pub(super) fn member_removed(&mut self, out: &mut Outputs<P>, name: String, data: &P) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        if channel.kind != ChannelKind::Presence {
            return;
        }
        let Some(user_id) = data.get("user_id").and_then(|id| id.as_id()) else { return };
        if let Some(info) = channel.members.remove(&user_id) {
            out.push(Output::Leaving { channel: name, user_id, info });
        }
    }

    /// `pusher_internal:subscription_count`: kept, and passed on as `pusher:subscription_count`.
    pub(super) fn subscription_count(&mut self, out: &mut Outputs<P>, name: String, data: P) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        let count = data.get("subscription_count").and_then(|c| c.as_number()).map(|c| c as u32);
        channel.subscription_count = count;
        // On an encrypted channel the server's object is not passed on (it could carry any
        // field): the listener gets only the count, rebuilt here.
        let data = if channel.kind == ChannelKind::Encrypted {
            P::parse_json(&format!("{{\"subscription_count\":{}}}", count.unwrap_or(0))).unwrap_or_else(P::null)
        } else {
            data
        };
        out.push(Output::Event { channel: name, event: "pusher:subscription_count".into(), data, user_id: None });
    }

    /// `pusher:cache_miss` on a held channel.
    pub(super) fn cache_miss(&mut self, out: &mut Outputs<P>, name: String, event: String, data: P) {
        let Some(channel) = self.channels.get(&name) else { return };
        // Nothing of the server's own reaches an encrypted channel's listeners.
        let data = if channel.kind == ChannelKind::Encrypted { P::null() } else { data };
        out.push(Output::Event { channel: name, event, data, user_id: None });
    }

    #[allow(clippy::too_many_arguments)]
    fn open_encrypted(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>, name: String, event: String, data: P, user_id: Option<String>) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        // Every outcome but a key refresh is settled here.
        match &mut channel.key {
            KeyState::None => {
                out.push(Output::ChannelError(ChannelError::NoKeyYet { channel: name, event }));
                return;
            }
            KeyState::Refreshing { key, old, queued, .. } => {
                // The working key keeps opening what it can while a fresh one is fetched
                // (and retried): only events it cannot open wait for the fresh key.
                let opened = open_with(key, &data).or_else(|e| old.as_deref().map_or(Err(e), |old| open_with(old, &data)));
                match opened {
                    Ok(plain) => {
                        out.push(Output::Event { channel: name, event, data: plain, user_id });
                        return;
                    }
                    Err(DecryptError::Malformed) => {
                        let reason = DecryptError::Malformed;
                        out.push(Output::ChannelError(ChannelError::Decrypt { channel: name, event, reason }));
                        return;
                    }
                    Err(_) => {}
                }
                if queued.len() < MAX_QUEUED_WHILE_REFRESHING {
                    queued.push((event, data, user_id));
                } else {
                    let reason = DecryptError::Rejected;
                    out.push(Output::ChannelError(ChannelError::Decrypt { channel: name, event, reason }));
                }
                return;
            }
            KeyState::Ready { key, old, refreshed } => match open_with(key, &data) {
                Ok(plain) => {
                    *refreshed = false;
                    out.push(Output::Event { channel: name, event, data: plain, user_id });
                    return;
                }
                Err(reason) => {
                    // Sealed with the key before the last rotation (still in flight).
                    if let Some(Ok(plain)) = old.as_deref().map(|old| open_with(old, &data)) {
                        out.push(Output::Event { channel: name, event, data: plain, user_id });
                        return;
                    }
                    // A malformed event is not a key problem; a refreshed key that fails again is final.
                    if reason == DecryptError::Malformed || *refreshed {
                        out.push(Output::ChannelError(ChannelError::Decrypt { channel: name, event, reason }));
                        return;
                    }
                }
            },
        }
        // The key may have rotated: fetch a fresh one, then retry the queued events.
        let KeyState::Ready { key, old, .. } = std::mem::take(&mut channel.key) else { return };
        channel.key = KeyState::Refreshing { request: None, retry_at: None, failures: 0, key, old, queued: vec![(event, data, user_id)] };
        self.request_key_refresh(out, options, now, socket_id, &name);
    }

    /// Sends the authorization request of a key refresh (first try or a retry).
    fn request_key_refresh(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>, name: &str) {
        let Some(socket_id) = socket_id else { return };
        if !self.channels.get(name).is_some_and(|c| matches!(c.key, KeyState::Refreshing { request: None, .. })) {
            return;
        }
        let request = self.add_auth_request(out, options, now, AuthPurpose::KeyRefresh(name.to_owned()));
        if let Some(KeyState::Refreshing { request: r, retry_at, .. }) = self.channels.get_mut(name).map(|c| &mut c.key) {
            *r = Some(request);
            *retry_at = None;
        }
        out.push(Output::Authorize { request, socket_id: socket_id.to_owned(), channel: name.to_owned() });
    }

    fn finish_key_refresh(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, request: u64, name: &str, outcome: AuthOutcome) {
        let Some(channel) = self.channels.get_mut(name) else { return };
        if channel.key.request() != Some(request) {
            return;
        }
        let fresh = match &outcome {
            AuthOutcome::Granted(granted) => granted.shared_secret.as_deref().and_then(|s| SharedSecret::from_base64(s).ok()),
            AuthOutcome::Failed(_) => None,
        };
        // A transient failure: keep the events and the working key, try again after a backoff.
        if let (None, AuthOutcome::Failed(failure)) = (&fresh, &outcome) {
            if is_transient(failure) {
                if let KeyState::Refreshing { request: r, retry_at, failures, .. } = &mut channel.key {
                    if *failures + 1 < MAX_KEY_REFRESH_TRIES {
                        *r = None;
                        *retry_at = Some(now.saturating_add(options.reconnect.bound(*failures)));
                        *failures += 1;
                        self.refresh_retry_at();
                        return;
                    }
                }
            }
        }
        let KeyState::Refreshing { key, old, queued, .. } = std::mem::take(&mut channel.key) else { return };
        let Some(fresh) = fresh.map(Box::new) else {
            // Refused (or still failing): the working key stays. After a refusal the next
            // failing event is dropped at once; after transient failures it may refresh again.
            let refused = !matches!(&outcome, AuthOutcome::Failed(f) if is_transient(f));
            channel.key = KeyState::Ready { key, old, refreshed: refused };
            for (event, _, _) in queued {
                let reason = DecryptError::BadSharedSecret;
                out.push(Output::ChannelError(ChannelError::Decrypt { channel: name.to_owned(), event, reason }));
            }
            return;
        };
        // The new key first; the one it replaces still opens events sealed before the rotation.
        let old = if fresh == key { old } else { Some(key) };
        let mut refreshed = true;
        for (event, data, user_id) in queued {
            let opened = open_with(&fresh, &data).or_else(|e| old.as_deref().map_or(Err(e), |old| open_with(old, &data)));
            match opened {
                Ok(plain) => {
                    refreshed = false;
                    out.push(Output::Event { channel: name.to_owned(), event, data: plain, user_id });
                }
                Err(reason) => {
                    out.push(Output::ChannelError(ChannelError::Decrypt { channel: name.to_owned(), event, reason }));
                }
            }
        }
        if let Some(channel) = self.channels.get_mut(name) {
            channel.key = KeyState::Ready { key: fresh, old, refreshed };
        }
    }
}

/// Opens `{nonce, ciphertext}` and parses the plaintext JSON (a non-JSON plaintext is
/// passed on as a string).
fn open_with<P: Payload>(key: &SharedSecret, data: &P) -> Result<P, DecryptError> {
    let nonce = data.get("nonce").and_then(|n| n.as_text()).ok_or(DecryptError::Malformed)?;
    let ciphertext = data.get("ciphertext").and_then(|c| c.as_text()).ok_or(DecryptError::Malformed)?;
    let plain = key.open(&nonce, &ciphertext)?;
    Ok(protocol::decode_data_text(&plain))
}

/// The members of a presence `subscription_succeeded`: `presence.hash` in `presence.ids`
/// order (ids missing from the hash get a null info).
fn presence_members<P: Payload>(data: &P) -> Vec<(String, P)> {
    let Some(presence) = data.get("presence") else { return Vec::new() };
    let hash = presence.get("hash").and_then(|h| h.entries()).unwrap_or_default();
    let ids: Option<Vec<String>> = presence.get("ids").and_then(|ids| ids.items()).map(|items| items.iter().filter_map(|v| v.as_id()).collect());
    match ids {
        Some(ids) if !ids.is_empty() => ids
            .into_iter()
            .map(|id| {
                let info = hash.iter().find(|(k, _)| *k == id).map(|(_, v)| v.clone()).unwrap_or_else(P::null);
                (id, info)
            })
            .collect(),
        _ => hash,
    }
}

// Native only: the tests read frames with serde_json, a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::engine::output::Authorization;
    use crate::error::ChannelError;
    use serde_json::{json, Value};

    const SOCKET: Option<&str> = Some("1.2");

    fn setup() -> (Subscriptions<Value>, Outputs<Value>, Options) {
        (Subscriptions::default(), Outputs::new(), Options::new("app-key"))
    }

    fn drain(out: &mut Outputs<Value>) -> Vec<Output<Value>> {
        std::iter::from_fn(|| out.pop()).collect()
    }

    fn state(subs: &Subscriptions<Value>, name: &str) -> Option<Subscription> {
        subs.get(name).map(|c| c.state.clone())
    }

    /// Subscribes `name` while connected and answers its authorization, if any.
    fn subscribed(subs: &mut Subscriptions<Value>, out: &mut Outputs<Value>, options: &Options, name: &str) {
        subs.subscribe(out, options, 0, SOCKET, name).unwrap();
        if let Some(Output::Authorize { request, .. }) = drain(out).into_iter().find(|o| matches!(o, Output::Authorize { .. })) {
            let granted = Authorization { auth: "key:sig".into(), channel_data: Some(r#"{"user_id":"7"}"#.into()), shared_secret: None };
            subs.handle_auth(out, options, 0, request, AuthOutcome::Granted(granted));
        }
        subs.subscription_succeeded(out, name.to_owned(), &json!({}));
        drain(out);
    }

    #[test]
    fn a_channel_waits_for_the_connection_and_resubscribes_on_it() {
        let (mut subs, mut out, options) = setup();
        subs.subscribe(&mut out, &options, 0, None, "news").unwrap();
        subs.subscribe(&mut out, &options, 0, None, "private-x").unwrap();
        assert!(drain(&mut out).is_empty(), "nothing goes out before the connection");
        assert_eq!(state(&subs, "news"), Some(Subscription::Waiting));
        subs.resubscribe_all(&mut out, &options, 10, "1.2");
        let outputs = drain(&mut out);
        assert!(outputs.iter().any(|o| matches!(o, Output::Send(f) if f.contains("pusher:subscribe") && f.contains("news"))));
        assert!(outputs.iter().any(|o| matches!(o, Output::Authorize { channel, socket_id, .. } if channel == "private-x" && socket_id == "1.2")));
        assert_eq!(state(&subs, "news"), Some(Subscription::Pending));
        assert!(matches!(state(&subs, "private-x"), Some(Subscription::Authorizing { .. })));
        assert_eq!(subs.deadline(true), Some(10 + options.auth_timeout_ms), "the authorization's timeout");
    }

    #[test]
    fn an_authorization_timeout_fails_the_channel_and_retries_it_by_itself() {
        let (mut subs, mut out, options) = setup();
        subs.subscribe(&mut out, &options, 0, SOCKET, "private-x").unwrap();
        drain(&mut out);
        subs.auth_timeouts(&mut out, &options, options.auth_timeout_ms);
        assert!(matches!(&drain(&mut out)[..], [Output::ChannelError(ChannelError::Auth { failure: AuthFailure::Timeout, .. })]));
        let Some(Subscription::Failed { retry_at: Some(retry), .. }) = state(&subs, "private-x") else { panic!("not failed with a retry") };
        assert_eq!(subs.deadline(true), Some(retry));
        assert_eq!(subs.deadline(false), None, "retries wait for a connection");
        subs.retries_due(&mut out, &options, retry, SOCKET);
        assert!(matches!(&drain(&mut out)[..], [Output::Authorize { channel, .. }] if channel == "private-x"));
    }

    #[test]
    fn events_reach_only_subscribed_channels() {
        let (mut subs, mut out, options) = setup();
        subscribed(&mut subs, &mut out, &options, "news");
        subs.dispatch_event(&mut out, &options, 0, SOCKET, "news".into(), "update".into(), json!({"n": 1}), None);
        subs.dispatch_event(&mut out, &options, 0, SOCKET, "other".into(), "update".into(), json!({"n": 2}), None);
        let outputs = drain(&mut out);
        assert_eq!(outputs.len(), 1);
        assert!(matches!(&outputs[0], Output::Event { channel, event, data, .. } if channel == "news" && event == "update" && data["n"] == 1));
    }

    #[test]
    fn presence_members_join_and_leave() {
        let (mut subs, mut out, options) = setup();
        subscribed(&mut subs, &mut out, &options, "presence-room");
        subs.member_added(&mut out, "presence-room".into(), &json!({"user_id": "8", "user_info": {"name": "Ann"}}));
        subs.member_added(&mut out, "presence-room".into(), &json!({"user_id": "8", "user_info": {"name": "Ann"}}));
        subs.member_removed(&mut out, "presence-room".into(), &json!({"user_id": "8"}));
        let outputs = drain(&mut out);
        assert_eq!(outputs.len(), 2, "a member already present joins once: {outputs:?}");
        assert!(matches!(&outputs[0], Output::Joining { user_id, info, .. } if user_id == "8" && info["name"] == "Ann"));
        assert!(matches!(&outputs[1], Output::Leaving { user_id, .. } if user_id == "8"));
        assert_eq!(subs.members("presence-room").map(|m| m.count()), Some(0));
    }

    #[test]
    fn a_channel_less_4009_is_claimed_by_the_oldest_pending_signed_subscription() {
        let (mut subs, mut out, options) = setup();
        subs.subscribe(&mut out, &options, 0, SOCKET, "news").unwrap();
        subs.subscribe(&mut out, &options, 0, SOCKET, "private-x").unwrap();
        let request = drain(&mut out).into_iter().find_map(|o| if let Output::Authorize { request, .. } = o { Some(request) } else { None }).unwrap();
        subs.handle_auth(&mut out, &options, 0, request, AuthOutcome::Granted(Authorization { auth: "k:s".into(), ..Default::default() }));
        drain(&mut out);
        let unclaimed = subs.claim_error(&mut out, &options, 0, None, Some(4009), "unauthorized".into());
        assert_eq!(unclaimed, None);
        assert!(matches!(state(&subs, "private-x"), Some(Subscription::Failed { .. })));
        assert_eq!(state(&subs, "news"), Some(Subscription::Pending), "a public channel is never the culprit");
        let unclaimed = subs.claim_error(&mut out, &options, 0, None, Some(4009), "again".into());
        assert_eq!(unclaimed.as_deref(), Some("again"), "nothing pending is left to blame");
    }

    #[test]
    fn a_lost_connection_forgets_the_user_channel_members_and_requests() {
        let (mut subs, mut out, options) = setup();
        subscribed(&mut subs, &mut out, &options, "presence-room");
        subs.add_user_channel(&mut out, &options, 0, SOCKET, "#server-to-user-7");
        subs.subscribe(&mut out, &options, 0, SOCKET, "private-x").unwrap();
        subs.member_added(&mut out, "presence-room".into(), &json!({"user_id": "8"}));
        assert_eq!(subs.members("presence-room").map(|m| m.count()), Some(1));
        assert!(subs.deadline(true).is_some());
        subs.connection_lost();
        assert!(subs.get("#server-to-user-7").is_none());
        assert_eq!(subs.names().count(), 2);
        assert_eq!(state(&subs, "presence-room"), Some(Subscription::Waiting));
        assert_eq!(state(&subs, "private-x"), Some(Subscription::Waiting));
        assert_eq!(subs.members("presence-room").map(|m| m.count()), Some(0));
        assert_eq!(subs.deadline(true), None, "the old socket's authorizations are void");
    }
}
