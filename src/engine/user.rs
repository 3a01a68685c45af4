//! The user's side of the connection: sign-in (`pusher:signin`, repeated after every
//! reconnect), server-to-user events, watchlist events, and client events (whispers) with
//! their validation and rate limit.

use super::link::Link;
use super::{AuthPurpose, Engine, Output, UserAuthOutcome};
use crate::channels::{Channel, ChannelKind, Subscription};
use crate::error::{ClientEventError, SigninError};
use crate::payload::Payload;
use crate::protocol;
use crate::time::Millis;

/// Sign-in progress.
#[derive(Clone, Debug, Default)]
pub(super) struct UserState {
    /// The app called `signin()`; sign in again after every reconnect.
    pub wanted: bool,
    /// The user-authentication request that is out.
    pub request: Option<u64>,
    /// `pusher:signin` sent; waiting for `signin_success`.
    pub signin_sent: bool,
    /// The signed-in user's id.
    pub signed_in: Option<String>,
    /// After a transient failure (network, timeout, 5xx): when sign-in is tried again.
    pub retry_at: Option<Millis>,
    /// Consecutive transient failures (the backoff attempt).
    pub failures: u32,
}

impl UserState {
    pub(super) fn on_disconnect(&mut self) {
        self.request = None;
        self.signin_sent = false;
        self.signed_in = None;
        // A new connection signs in again at once.
        self.retry_at = None;
    }

    pub(super) fn awaiting_signin(&self) -> bool {
        self.signin_sent
    }
}

impl<P: Payload> Engine<P> {
    /// Command: sign the user in (now if connected, else after connecting; again after
    /// every reconnect).
    pub fn signin(&mut self, now: Millis) {
        self.user.wanted = true;
        self.resume_signin(now);
    }

    /// Starts a sign-in if one is wanted and none is under way.
    pub(super) fn resume_signin(&mut self, now: Millis) {
        if !self.user.wanted || self.user.request.is_some() || self.user.signin_sent || self.user.signed_in.is_some() {
            return;
        }
        if self.user.retry_at.is_some_and(|t| t > now) {
            return;
        }
        self.user.retry_at = None;
        let Link::Connected(live) = &self.link else { return };
        let socket_id = live.socket_id.clone();
        let request = self.add_auth_request(now, AuthPurpose::User);
        self.user.request = Some(request);
        self.outputs.push_back(Output::AuthenticateUser { request, socket_id });
    }

    /// Input: the answer to an [`Output::AuthenticateUser`].
    pub fn handle_user_auth(&mut self, now: Millis, request: u64, outcome: UserAuthOutcome) {
        if self.user.request != Some(request) {
            return;
        }
        self.auth_requests.remove(&request);
        self.deadline_changed = true;
        self.user.request = None;
        match outcome {
            UserAuthOutcome::Granted { auth, user_data } => {
                let has_id = P::parse_json(&user_data).and_then(|d| d.get("id")).and_then(|id| id.as_id()).is_some_and(|id| !id.is_empty());
                if !has_id {
                    self.user.wanted = false;
                    self.outputs.push_back(Output::SigninFailed(SigninError::InvalidUserData("user_data must be JSON with an `id`".into())));
                    return;
                }
                self.user.signin_sent = true;
                self.outputs.push_back(Output::Send(protocol::signin_frame(&auth, &user_data)));
            }
            UserAuthOutcome::Failed(failure) => {
                match &failure {
                    // The backend refused this user: stop until `signin()` is called again.
                    crate::error::AuthFailure::Http { status: 401 | 403, .. } => self.user.wanted = false,
                    // Passes by itself: retry with backoff (and on every new connection).
                    f if super::subscriptions::is_transient(f) => {
                        self.user.retry_at = Some(now.saturating_add(self.options.reconnect.bound(self.user.failures)));
                        self.user.failures = self.user.failures.saturating_add(1);
                    }
                    // Anything else (a broken answer): tried again on the next connection.
                    _ => {}
                }
                self.outputs.push_back(Output::SigninFailed(SigninError::Auth(failure)));
            }
        }
    }

    pub(super) fn signin_succeeded(&mut self, now: Millis, data: &P) {
        if !self.user.signin_sent {
            return;
        }
        self.user.signin_sent = false;
        let user_data = match data.get("user_data") {
            Some(text) => match text.as_text() {
                Some(text) => protocol::decode_data_text::<P>(&text),
                None => text,
            },
            None => P::null(),
        };
        let Some(id) = user_data.get("id").and_then(|id| id.as_id()) else {
            self.outputs.push_back(Output::SigninFailed(SigninError::InvalidUserData("signin_success without user_data.id".into())));
            return;
        };
        self.user.signed_in = Some(id.clone());
        self.user.failures = 0;
        let channel = format!("#server-to-user-{id}");
        self.channels.insert(channel.clone(), Box::new(Channel::new(&channel)));
        self.start_subscription(now, &channel);
        self.outputs.push_back(Output::SignedIn { user_data });
    }

    pub(super) fn signin_rejected(&mut self, message: String) {
        self.user.signin_sent = false;
        self.user.wanted = false;
        self.outputs.push_back(Output::SigninFailed(SigninError::Rejected(message)));
    }

    pub(super) fn watchlist_events(&mut self, data: &P) {
        let Some(events) = data.get("events").and_then(|e| e.items()) else { return };
        for event in events {
            let Some(name) = event.get("name").and_then(|n| n.as_text()) else { continue };
            let user_ids = event.get("user_ids").and_then(|ids| ids.items()).unwrap_or_default().iter().filter_map(|id| id.as_id()).collect();
            self.outputs.push_back(Output::Watchlist { name, user_ids });
        }
    }

    /// Sockudo's form of a watchlist change: a channel-less `online`/`offline` frame with
    /// `{user_ids}` (the frame decoder already parsed a string `data`). Only for a signed-in user (or one
    /// signing in): nobody else has a watchlist.
    pub(super) fn watchlist_change(&mut self, name: String, data: &P) {
        if self.user.signed_in.is_none() && !self.user.signin_sent {
            return;
        }
        let Some(ids) = data.get("user_ids").and_then(|ids| ids.items()) else { return };
        let user_ids = ids.iter().filter_map(|id| id.as_id()).collect();
        self.outputs.push_back(Output::Watchlist { name, user_ids });
    }

    /// Command: send a client event. Checked before anything is sent: `client-` prefix,
    /// private or presence channel (not encrypted), subscribed, size and rate limits.
    pub fn trigger(&mut self, now: Millis, channel: &str, event: &str, data: &P) -> Result<(), ClientEventError> {
        let Some(name) = event.strip_prefix("client-") else {
            return Err(ClientEventError::NotClientEvent(event.to_owned()));
        };
        if name.is_empty() || event.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(ClientEventError::InvalidEventName(event.to_owned()));
        }
        match ChannelKind::of(channel) {
            ChannelKind::Encrypted => return Err(ClientEventError::EncryptedChannel(channel.to_owned())),
            kind if !kind.allows_client_events() => return Err(ClientEventError::PublicChannel(channel.to_owned())),
            _ => {}
        }
        if self.options.never_connect {
            // The `null` broadcaster: a valid whisper is accepted and goes nowhere (laravel-echo).
            return Ok(());
        }
        if !matches!(self.link, Link::Connected(_)) {
            return Err(ClientEventError::NotConnected);
        }
        if self.channels.get(channel).map(|c| &c.state) != Some(&Subscription::Subscribed) {
            return Err(ClientEventError::NotSubscribed(channel.to_owned()));
        }
        let json = data.to_json().ok_or(ClientEventError::NotSerializable)?;
        let frame = protocol::client_event_frame(channel, event, &json);
        let limit = self.options.max_client_event_bytes;
        if frame.len() > limit {
            return Err(ClientEventError::TooLarge { size: frame.len(), limit });
        }
        while self.client_event_times.front().is_some_and(|t| now.saturating_sub(*t) >= 1000) {
            self.client_event_times.pop_front();
        }
        let rate = self.options.max_client_events_per_second;
        if self.client_event_times.len() >= rate as usize {
            return Err(ClientEventError::RateLimited { limit: rate });
        }
        self.client_event_times.push_back(now);
        self.outputs.push_back(Output::Send(frame));
        Ok(())
    }
}
