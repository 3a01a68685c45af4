//! Channels on the wire: subscribe and resubscribe, authorization results, server
//! confirmations and refusals, presence members, and opening encrypted events.

use super::link::{error_fields, Link};
use super::{AuthOutcome, AuthPurpose, Engine, Output};
use crate::channels::{validate_channel_name, Channel, ChannelKind, KeyState, Subscription};
use crate::encryption::{DecryptError, SharedSecret};
use crate::error::{AuthFailure, ChannelError, ChannelNameError, ConnectionError};
use crate::payload::Payload;
use crate::protocol::{self, InboundFrame};
use crate::time::Millis;

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

impl<P: Payload> Engine<P> {
    /// Command: subscribe to `name` (now if connected, else on connection). Subscribing to a
    /// channel the app already has does nothing, even when it failed: a failed channel is
    /// retried on the next connection, by itself after transient failures, or on request
    /// with [`Engine::retry_subscription`].
    pub fn subscribe(&mut self, now: Millis, name: &str) -> Result<(), ChannelNameError> {
        validate_channel_name(name, self.options.max_channel_name_len)?;
        if self.channels.contains_key(name) {
            return Ok(());
        }
        self.channels.insert(name.to_owned(), Box::new(Channel::new(name)));
        self.start_subscription(now, name);
        Ok(())
    }

    /// Command: subscribe a failed channel again now (e.g. after the user logged in).
    /// Returns false when the channel is unknown or not failed.
    pub fn retry_subscription(&mut self, now: Millis, name: &str) -> bool {
        match self.channels.get_mut(name) {
            Some(channel) if matches!(channel.state, Subscription::Failed { .. }) => {
                channel.state = Subscription::Waiting;
                channel.failures = 0;
            }
            _ => return false,
        }
        self.refresh_channel_retry();
        self.start_subscription(now, name);
        true
    }

    /// Command: unsubscribe from `name`. Ends unsubscribed whatever the subscription's stage
    /// (a late authorization or confirmation is ignored).
    pub fn unsubscribe(&mut self, _now: Millis, name: &str) {
        let Some(channel) = self.channels.remove(name) else { return };
        match channel.state {
            Subscription::Pending | Subscription::Subscribed => {
                if matches!(self.link, Link::Connected(_)) {
                    self.outputs.push_back(Output::Send(protocol::unsubscribe_frame(name)));
                }
            }
            Subscription::Authorizing { request } => {
                self.auth_requests.remove(&request);
                self.deadline_changed = true;
            }
            Subscription::Failed { retry_at: Some(_), .. } => self.refresh_channel_retry(),
            _ => {}
        }
        if let Some(request) = channel.key.request() {
            self.auth_requests.remove(&request);
            self.deadline_changed = true;
        }
        if channel.key.retry_at().is_some() {
            self.refresh_channel_retry();
        }
        self.pending_order.retain(|n| n != name);
    }

    /// Starts the subscription of a `Waiting` channel when connected.
    pub(super) fn start_subscription(&mut self, now: Millis, name: &str) {
        let Link::Connected(live) = &self.link else { return };
        let socket_id = live.socket_id.clone();
        let Some(channel) = self.channels.get(name) else { return };
        if channel.kind.needs_auth() {
            let request = self.add_auth_request(now, AuthPurpose::Subscribe(name.to_owned()));
            if let Some(channel) = self.channels.get_mut(name) {
                channel.state = Subscription::Authorizing { request };
            }
            self.outputs.push_back(Output::Authorize { request, socket_id, channel: name.to_owned() });
        } else {
            self.send_subscribe(name, None, None);
        }
    }

    fn send_subscribe(&mut self, name: &str, auth: Option<&str>, channel_data: Option<&str>) {
        if let Some(channel) = self.channels.get_mut(name) {
            channel.state = Subscription::Pending;
            self.pending_order.push_back(name.to_owned());
            self.outputs.push_back(Output::Send(protocol::subscribe_frame(name, auth, channel_data)));
        }
    }

    /// After a handshake: subscribe every channel again, with fresh authorizations.
    pub(super) fn resubscribe_all(&mut self, now: Millis) {
        let names: Vec<String> = self.channels.keys().cloned().collect();
        for name in names {
            if let Some(channel) = self.channels.get_mut(&name) {
                channel.state = Subscription::Waiting;
            }
            self.start_subscription(now, &name);
        }
        self.channel_retry_at = None;
    }

    /// When the connection is gone: every channel waits, members and keys are forgotten,
    /// outstanding authorizations are void (they were for the old socket id).
    pub(super) fn drop_connection_state(&mut self) {
        let user_channel = self.user.signed_in.take().map(|id| format!("#server-to-user-{id}"));
        if let Some(name) = user_channel {
            self.channels.remove(&name);
        }
        self.user.on_disconnect();
        for channel in self.channels.values_mut() {
            if !matches!(channel.state, Subscription::Failed { .. }) {
                channel.state = Subscription::Waiting;
            }
            channel.members.clear();
            channel.key = KeyState::None;
            channel.failures = 0;
        }
        self.pending_order.clear();
        self.auth_requests.clear();
        self.client_event_times.clear();
        self.channel_retry_at = None;
        self.deadline_changed = true;
    }

    /// Input: the answer to an [`Output::Authorize`].
    pub fn handle_auth(&mut self, now: Millis, request: u64, outcome: AuthOutcome) {
        let Some(pending) = self.auth_requests.remove(&request) else { return };
        self.deadline_changed = true;
        match pending.purpose {
            AuthPurpose::Subscribe(name) => self.finish_subscribe_auth(now, request, &name, outcome),
            AuthPurpose::KeyRefresh(name) => self.finish_key_refresh(now, request, &name, outcome),
            AuthPurpose::User => {}
        }
    }

    fn finish_subscribe_auth(&mut self, now: Millis, request: u64, name: &str, outcome: AuthOutcome) {
        let Some(channel) = self.channels.get_mut(name) else { return };
        if channel.state != (Subscription::Authorizing { request }) {
            return;
        }
        let granted = match outcome {
            AuthOutcome::Granted(granted) => granted,
            AuthOutcome::Failed(failure) => {
                self.fail_channel(now, name, ChannelError::Auth { channel: name.to_owned(), failure });
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
                        self.fail_channel(now, name, error);
                        return;
                    }
                }
            }
            ChannelKind::Encrypted => match granted.shared_secret.as_deref().map(SharedSecret::from_base64) {
                Some(Ok(key)) => channel.key = KeyState::Ready { key: Box::new(key), old: None, refreshed: false },
                _ => {
                    let error = invalid("no valid shared_secret: the backend needs an encryption master key");
                    self.fail_channel(now, name, error);
                    return;
                }
            },
            _ => {}
        }
        if granted.auth.is_empty() {
            self.fail_channel(now, name, invalid("empty auth"));
            return;
        }
        self.send_subscribe(name, Some(&granted.auth), granted.channel_data.as_deref());
    }

    fn fail_channel(&mut self, now: Millis, name: &str, error: ChannelError) {
        let Some(channel) = self.channels.get_mut(name) else { return };
        let transient = match &error {
            ChannelError::Auth { failure, .. } => is_transient(failure),
            _ => false,
        };
        let retry_at = transient.then(|| now.saturating_add(self.options.reconnect.bound(channel.failures)));
        channel.failures = channel.failures.saturating_add(1);
        channel.state = Subscription::Failed { error: Box::new(error.clone()), retry_at };
        self.pending_order.retain(|n| n != name);
        self.refresh_channel_retry();
        self.outputs.push_back(Output::ChannelError(error));
    }

    fn refresh_channel_retry(&mut self) {
        self.channel_retry_at = self
            .channels
            .values()
            .filter_map(|c| match c.state {
                Subscription::Failed { retry_at, .. } => retry_at,
                _ => c.key.retry_at(),
            })
            .min();
        self.deadline_changed = true;
    }

    pub(super) fn channel_retries(&mut self, now: Millis) {
        if !matches!(self.link, Link::Connected(_)) || self.channel_retry_at.map_or(true, |t| t > now) {
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
            self.start_subscription(now, name);
        }
        // Key refreshes waiting after a transient failure.
        let keys_due: Vec<String> = self.channels.iter().filter(|(_, c)| c.key.retry_at().is_some_and(|t| t <= now)).map(|(name, _)| name.clone()).collect();
        for name in keys_due {
            self.request_key_refresh(now, &name);
        }
        self.refresh_channel_retry();
    }

    /// Frames on a live connection.
    pub(super) fn handle_connected_frame(&mut self, now: Millis, frame: InboundFrame<P>) {
        let InboundFrame { event, channel, data, user_id } = frame;
        // User events first: they are the hot path.
        if !event.starts_with("pusher") {
            match channel {
                Some(channel) => self.dispatch_channel_event(now, channel, event, data, user_id),
                // Sockudo's watchlist frames: channel-less `online`/`offline` with `{user_ids}`.
                None if event == "online" || event == "offline" => self.watchlist_change(event, &data),
                None => {}
            }
            return;
        }
        match event.as_str() {
            "pusher:ping" => self.outputs.push_back(Output::Send(protocol::pong_frame())),
            "pusher:pong" | "pusher:connection_established" => {}
            "pusher_internal:subscription_succeeded" => {
                if let Some(channel) = channel {
                    self.subscription_succeeded(channel, &data);
                }
            }
            "pusher:subscription_error" => {
                if let Some(channel) = channel {
                    let status = data.get("status").and_then(|s| s.as_number()).map(|s| s as u16);
                    let message = data
                        .get("error")
                        .or_else(|| data.get("message"))
                        .and_then(|m| m.as_text())
                        .or_else(|| data.as_text())
                        .unwrap_or_default();
                    self.reject_subscription(now, &channel, status, message);
                }
            }
            "pusher:error" => self.server_error(now, channel, &data),
            "pusher_internal:member_added" => {
                if let Some(channel) = channel {
                    self.member_added(channel, &data);
                }
            }
            "pusher_internal:member_removed" => {
                if let Some(channel) = channel {
                    self.member_removed(channel, &data);
                }
            }
            "pusher_internal:subscription_count" => {
                if let Some(name) = channel {
                    if let Some(ch) = self.channels.get_mut(&name) {
                        let count = data.get("subscription_count").and_then(|c| c.as_number()).map(|c| c as u32);
                        ch.subscription_count = count;
                        // On an encrypted channel the server's object is not passed on (it could
                        // carry any field): the listener gets only the count, rebuilt here.
                        let data = if ch.kind == ChannelKind::Encrypted {
                            P::parse_json(&format!("{{\"subscription_count\":{}}}", count.unwrap_or(0))).unwrap_or_else(P::null)
                        } else {
                            data
                        };
                        self.outputs.push_back(Output::Event { channel: name, event: "pusher:subscription_count".into(), data, user_id: None });
                    }
                }
            }
            "pusher:cache_miss" => {
                if let Some(name) = channel {
                    if let Some(ch) = self.channels.get(&name) {
                        // Nothing of the server's own reaches an encrypted channel's listeners.
                        let data = if ch.kind == ChannelKind::Encrypted { P::null() } else { data };
                        self.outputs.push_back(Output::Event { channel: name, event, data, user_id: None });
                    }
                }
            }
            "pusher:signin_success" => self.signin_succeeded(now, &data),
            "pusher_internal:watchlist_events" => self.watchlist_events(&data),
            _ => {
                // Other protocol events on a channel reach its listen-to-all listeners.
                if let Some(channel) = channel {
                    self.dispatch_channel_event(now, channel, event, data, user_id);
                }
            }
        }
    }

    fn dispatch_channel_event(&mut self, now: Millis, name: String, event: String, data: P, user_id: Option<String>) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        if !matches!(channel.state, Subscription::Subscribed | Subscription::Pending) {
            return;
        }
        match channel.kind {
            ChannelKind::ServerToUser => self.outputs.push_back(Output::UserEvent { event, data }),
            // End-to-end encryption guards against the server: the protocol events the engine
            // knows (`pusher:`/`pusher_internal:` ones handled in `handle_connected_frame`)
            // never get here; everything that does (`client-*`, `pusherish`, an unknown
            // `pusher:foo` carrying data) opens with the key or is dropped.
            ChannelKind::Encrypted => self.open_encrypted(now, name, event, data, user_id),
            _ => self.outputs.push_back(Output::Event { channel: name, event, data, user_id }),
        }
    }

    fn subscription_succeeded(&mut self, name: String, data: &P) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        if !matches!(channel.state, Subscription::Pending) {
            return;
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
        self.outputs.push_back(Output::Subscribed { channel: name.clone() });
        if let Some(members) = here {
            self.outputs.push_back(Output::Here { channel: name, members });
        }
    }

    fn reject_subscription(&mut self, now: Millis, name: &str, status: Option<u16>, message: String) {
        let pending = self.channels.get(name).is_some_and(|c| matches!(c.state, Subscription::Pending | Subscription::Subscribed));
        if pending {
            self.fail_channel(now, name, ChannelError::Rejected { channel: name.to_owned(), status, message });
        }
    }

    /// `pusher:error`: attributed to its channel, or (4009 without a channel) to the oldest
    /// pending subscription that needed a signature; else a connection-level error that
    /// does not change the connection state.
    fn server_error(&mut self, now: Millis, channel: Option<String>, data: &P) {
        let (code, message) = error_fields(data);
        if let Some(name) = channel {
            if self.channels.contains_key(&name) {
                self.reject_subscription(now, &name, code, message);
                return;
            }
        }
        if code == Some(4009) {
            let culprit = self.pending_order.iter().find(|n| ChannelKind::of(n).needs_auth()).cloned();
            if let Some(name) = culprit {
                self.reject_subscription(now, &name, code, message);
                return;
            }
            if self.user.awaiting_signin() {
                self.signin_rejected(message);
                return;
            }
        }
        self.outputs.push_back(Output::Error(ConnectionError::Server { code, message }));
    }

    fn member_added(&mut self, name: String, data: &P) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        if channel.kind != ChannelKind::Presence || channel.state != Subscription::Subscribed {
            return;
        }
        let Some(user_id) = data.get("user_id").and_then(|id| id.as_id()) else { return };
        let info = data.get("user_info").unwrap_or_else(P::null);
        if channel.members.add(user_id.clone(), info.clone()) {
            self.outputs.push_back(Output::Joining { channel: name, user_id, info });
        }
    }

    fn member_removed(&mut self, name: String, data: &P) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        if channel.kind != ChannelKind::Presence {
            return;
        }
        let Some(user_id) = data.get("user_id").and_then(|id| id.as_id()) else { return };
        if let Some(info) = channel.members.remove(&user_id) {
            self.outputs.push_back(Output::Leaving { channel: name, user_id, info });
        }
    }

    fn open_encrypted(&mut self, now: Millis, name: String, event: String, data: P, user_id: Option<String>) {
        let Some(channel) = self.channels.get_mut(&name) else { return };
        // Every outcome but a key refresh is settled here; a refresh needs the engine again.
        match &mut channel.key {
            KeyState::None => {
                self.outputs.push_back(Output::ChannelError(ChannelError::NoKeyYet { channel: name, event }));
                return;
            }
            KeyState::Refreshing { key, old, queued, .. } => {
                // The working key keeps opening what it can while a fresh one is fetched
                // (and retried): only events it cannot open wait for the fresh key.
                let opened = open_with(key, &data).or_else(|e| old.as_deref().map_or(Err(e), |old| open_with(old, &data)));
                match opened {
                    Ok(plain) => {
                        self.outputs.push_back(Output::Event { channel: name, event, data: plain, user_id });
                        return;
                    }
                    Err(DecryptError::Malformed) => {
                        let reason = DecryptError::Malformed;
                        self.outputs.push_back(Output::ChannelError(ChannelError::Decrypt { channel: name, event, reason }));
                        return;
                    }
                    Err(_) => {}
                }
                if queued.len() < MAX_QUEUED_WHILE_REFRESHING {
                    queued.push((event, data, user_id));
                } else {
                    let reason = DecryptError::Rejected;
                    self.outputs.push_back(Output::ChannelError(ChannelError::Decrypt { channel: name, event, reason }));
                }
                return;
            }
            KeyState::Ready { key, old, refreshed } => match open_with(key, &data) {
                Ok(plain) => {
                    *refreshed = false;
                    self.outputs.push_back(Output::Event { channel: name, event, data: plain, user_id });
                    return;
                }
                Err(reason) => {
                    // Sealed with the key before the last rotation (still in flight).
                    if let Some(Ok(plain)) = old.as_deref().map(|old| open_with(old, &data)) {
                        self.outputs.push_back(Output::Event { channel: name, event, data: plain, user_id });
                        return;
                    }
                    // A malformed event is not a key problem; a refreshed key that fails again is final.
                    if reason == DecryptError::Malformed || *refreshed {
                        self.outputs.push_back(Output::ChannelError(ChannelError::Decrypt { channel: name, event, reason }));
                        return;
                    }
                }
            },
        }
        // The key may have rotated: fetch a fresh one, then retry the queued events.
        let KeyState::Ready { key, old, .. } = std::mem::take(&mut channel.key) else { return };
        channel.key = KeyState::Refreshing { request: None, retry_at: None, failures: 0, key, old, queued: vec![(event, data, user_id)] };
        self.request_key_refresh(now, &name);
    }

    /// Sends the authorization request of a key refresh (first try or a retry).
    fn request_key_refresh(&mut self, now: Millis, name: &str) {
        let Link::Connected(live) = &self.link else { return };
        let socket_id = live.socket_id.clone();
        if !self.channels.get(name).is_some_and(|c| matches!(c.key, KeyState::Refreshing { request: None, .. })) {
            return;
        }
        let request = self.add_auth_request(now, AuthPurpose::KeyRefresh(name.to_owned()));
        if let Some(KeyState::Refreshing { request: r, retry_at, .. }) = self.channels.get_mut(name).map(|c| &mut c.key) {
            *r = Some(request);
            *retry_at = None;
        }
        self.outputs.push_back(Output::Authorize { request, socket_id, channel: name.to_owned() });
    }

    fn finish_key_refresh(&mut self, now: Millis, request: u64, name: &str, outcome: AuthOutcome) {
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
                        *retry_at = Some(now.saturating_add(self.options.reconnect.bound(*failures)));
                        *failures += 1;
                        self.refresh_channel_retry();
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
                self.outputs.push_back(Output::ChannelError(ChannelError::Decrypt { channel: name.to_owned(), event, reason }));
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
                    self.outputs.push_back(Output::Event { channel: name.to_owned(), event, data: plain, user_id });
                }
                Err(reason) => {
                    self.outputs.push_back(Output::ChannelError(ChannelError::Decrypt { channel: name.to_owned(), event, reason }));
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
