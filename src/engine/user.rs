//! The user part owns the user's side of the connection: sign-in (the user-authentication
//! request and its timeout, `pusher:signin`, repeated after every reconnect, with a backoff
//! after transient failures), watchlist events, and client events (whispers) with their
//! validation and rate limit.
//!
//! Server-to-user events arrive on the user's own channel, which the subscriptions part
//! holds; the engine adds it when [`User::signin_succeeded`] names it.

use std::collections::VecDeque;

use super::output::{Output, Outputs, UserAuthOutcome};
use crate::channels::ChannelKind;
use crate::error::{AuthFailure, ClientEventError, SigninError};
use crate::options::Options;
use crate::payload::Payload;
use crate::protocol;
use crate::time::Millis;

/// Sign-in progress and the client-event rate limit.
#[derive(Clone, Debug, Default)]
pub(super) struct User {
    /// The app called `signin()`; sign in again after every reconnect.
    wanted: bool,
    /// The user-authentication request that is out, and when it times out.
    request: Option<(u64, Millis)>,
    /// `pusher:signin` sent; waiting for `signin_success`.
    signin_sent: bool,
    /// The signed-in user's id.
    signed_in: Option<String>,
    /// After a transient failure (network, timeout, 5xx): when sign-in is tried again.
    retry_at: Option<Millis>,
    /// Consecutive transient failures (the backoff attempt).
    failures: u32,
    /// When the client events of the last second went out.
    client_event_times: VecDeque<Millis>,
}

impl User {
    /// The signed-in user's id, once `pusher:signin_success` arrived.
    pub(super) fn signed_in(&self) -> Option<&str> {
        self.signed_in.as_deref()
    }

    /// `pusher:signin` is out and unanswered (a channel-less 4009 error is its refusal).
    pub(super) fn awaiting_signin(&self) -> bool {
        self.signin_sent
    }

    /// The part's earliest deadline: the request's timeout, or (while connected) the retry.
    pub(super) fn deadline(&self, connected: bool) -> Option<Millis> {
        let timeout = self.request.map(|(_, deadline)| deadline);
        let retry = if connected { self.retry_at } else { None };
        match (timeout, retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Command: sign the user in (now if connected, else after connecting; again after
    /// every reconnect).
    pub(super) fn signin<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>) {
        self.wanted = true;
        self.resume(out, options, now, socket_id);
    }

    /// Starts a sign-in if one is wanted, none is under way, no backoff is running and the
    /// link is up.
    pub(super) fn resume<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>) {
        if !self.wanted || self.request.is_some() || self.signin_sent || self.signed_in.is_some() {
            return;
        }
        if self.retry_at.is_some_and(|t| t > now) {
            return;
        }
        self.retry_at = None;
        let Some(socket_id) = socket_id else { return };
        let request = out.new_request();
        self.request = Some((request, now.saturating_add(options.auth_timeout_ms)));
        out.push(Output::AuthenticateUser { request, socket_id: socket_id.to_owned() });
    }

    /// Fails the user-authentication request with a timeout when its deadline passed.
    pub(super) fn auth_timeout<P: Payload>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis) {
        if let Some((request, deadline)) = self.request {
            if deadline <= now {
                self.handle_auth(out, options, now, request, UserAuthOutcome::Failed(AuthFailure::Timeout));
            }
        }
    }

    /// Signs in again when the backoff after a transient failure is over.
    pub(super) fn retry_due<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket_id: Option<&str>) {
        if self.retry_at.is_some_and(|t| t <= now) {
            self.resume(out, options, now, socket_id);
        }
    }

    /// Input: the answer to an [`Output::AuthenticateUser`] (any other request is ignored).
    pub(super) fn handle_auth<P: Payload>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, request: u64, outcome: UserAuthOutcome) {
        if self.request.map(|(id, _)| id) != Some(request) {
            return;
        }
        self.request = None;
        match outcome {
            UserAuthOutcome::Granted { auth, user_data } => {
                let has_id = P::parse_json(&user_data).and_then(|d| d.get("id")).and_then(|id| id.as_id()).is_some_and(|id| !id.is_empty());
                if !has_id {
                    self.wanted = false;
                    out.push(Output::SigninFailed(SigninError::InvalidUserData("user_data must be JSON with an `id`".into())));
                    return;
                }
                self.signin_sent = true;
                out.push(Output::Send(protocol::signin_frame(&auth, &user_data)));
            }
            UserAuthOutcome::Failed(failure) => {
                match &failure {
                    // The backend refused this user: stop until `signin()` is called again.
                    AuthFailure::Http { status: 401 | 403, .. } => self.wanted = false,
                    // Passes by itself: retry with backoff (and on every new connection).
                    f if super::subscriptions::is_transient(f) => {
                        self.retry_at = Some(now.saturating_add(options.reconnect.bound(self.failures)));
                        self.failures = self.failures.saturating_add(1);
                    }
                    // Anything else (a broken answer): tried again on the next connection.
                    _ => {}
                }
                out.push(Output::SigninFailed(SigninError::Auth(failure)));
            }
        }
    }

    /// `pusher:signin_success`: the user is signed in. Returns the user's own channel to
    /// subscribe and the user data to announce (after subscribing) with
    /// [`Output::SignedIn`].
    pub(super) fn signin_succeeded<P: Payload>(&mut self, out: &mut Outputs<P>, data: &P) -> Option<(String, P)> {
        if !self.signin_sent {
            return None;
        }
        self.signin_sent = false;
        let user_data = match data.get("user_data") {
            Some(text) => match text.as_text() {
                Some(text) => protocol::decode_data_text::<P>(&text),
                None => text,
            },
            None => P::null(),
        };
        let Some(id) = user_data.get("id").and_then(|id| id.as_id()) else {
            out.push(Output::SigninFailed(SigninError::InvalidUserData("signin_success without user_data.id".into())));
            return None;
        };
        let channel = format!("#server-to-user-{id}");
        self.signed_in = Some(id);
        self.failures = 0;
        Some((channel, user_data))
    }

    /// The server refused the sign-in (a channel-less 4009 while it was out).
    pub(super) fn signin_rejected<P>(&mut self, out: &mut Outputs<P>, message: String) {
        self.signin_sent = false;
        self.wanted = false;
        out.push(Output::SigninFailed(SigninError::Rejected(message)));
    }

    /// `pusher_internal:watchlist_events`: `{events: [{name, user_ids}]}`.
    pub(super) fn watchlist_events<P: Payload>(&mut self, out: &mut Outputs<P>, data: &P) {
        let Some(events) = data.get("events").and_then(|e| e.items()) else { return };
        for event in events {
            let Some(name) = event.get("name").and_then(|n| n.as_text()) else { continue };
            let user_ids = event.get("user_ids").and_then(|ids| ids.items()).unwrap_or_default().iter().filter_map(|id| id.as_id()).collect();
            out.push(Output::Watchlist { name, user_ids });
        }
    }

    /// Sockudo's form of a watchlist change: a channel-less `online`/`offline` frame with
    /// `{user_ids}` (the frame decoder already parsed a string `data`). Only for a signed-in
    /// user (or one signing in): nobody else has a watchlist.
    pub(super) fn watchlist_change<P: Payload>(&mut self, out: &mut Outputs<P>, name: String, data: &P) {
        if self.signed_in.is_none() && !self.signin_sent {
            return;
        }
        let Some(ids) = data.get("user_ids").and_then(|ids| ids.items()) else { return };
        let user_ids = ids.iter().filter_map(|id| id.as_id()).collect();
        out.push(Output::Watchlist { name, user_ids });
    }

    /// Command: send a client event. Checked before anything is sent: `client-` prefix,
    /// private or presence channel (not encrypted), `connected`, `subscribed` (the channel's
    /// confirmation), size and rate limits.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn trigger<P: Payload>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, connected: bool, subscribed: impl FnOnce() -> bool, channel: &str, event: &str, data: &P) -> Result<(), ClientEventError> {
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
        if options.never_connect {
            // The `null` broadcaster: a valid whisper is accepted and goes nowhere (laravel-echo).
            return Ok(());
        }
        if !connected {
            return Err(ClientEventError::NotConnected);
        }
        if !subscribed() {
            return Err(ClientEventError::NotSubscribed(channel.to_owned()));
        }
        let json = data.to_json().ok_or(ClientEventError::NotSerializable)?;
        let frame = protocol::client_event_frame(channel, event, &json);
        let limit = options.max_client_event_bytes;
        if frame.len() > limit {
            return Err(ClientEventError::TooLarge { size: frame.len(), limit });
        }
        while self.client_event_times.front().is_some_and(|t| now.saturating_sub(*t) >= 1000) {
            self.client_event_times.pop_front();
        }
        let rate = options.max_client_events_per_second;
        if self.client_event_times.len() >= rate as usize {
            return Err(ClientEventError::RateLimited { limit: rate });
        }
        self.client_event_times.push_back(now);
        out.push(Output::Send(frame));
        Ok(())
    }

    /// When the connection is gone: the request is void (it was for the old socket id),
    /// nobody is signed in, and a new connection signs in again at once.
    pub(super) fn connection_lost(&mut self) {
        self.request = None;
        self.signin_sent = false;
        self.signed_in = None;
        self.retry_at = None;
        self.client_event_times.clear();
    }
}

// Native only: the tests read frames with serde_json, a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const SOCKET: Option<&str> = Some("1.2");

    fn setup() -> (User, Outputs<Value>, Options) {
        (User::default(), Outputs::new(), Options::new("app-key"))
    }

    fn drain(out: &mut Outputs<Value>) -> Vec<Output<Value>> {
        std::iter::from_fn(|| out.pop()).collect()
    }

    fn request(out: &mut Outputs<Value>) -> u64 {
        match &drain(out)[..] {
            [Output::AuthenticateUser { request, socket_id }] if socket_id == "1.2" => *request,
            other => panic!("expected one AuthenticateUser, got {other:?}"),
        }
    }

    fn granted() -> UserAuthOutcome {
        UserAuthOutcome::Granted { auth: "key:sig".into(), user_data: r#"{"id":"7"}"#.into() }
    }

    #[test]
    fn signin_waits_for_the_link_then_sends_the_signed_frame() {
        let (mut user, mut out, options) = setup();
        user.signin(&mut out, &options, 0, None);
        assert!(drain(&mut out).is_empty());
        user.resume(&mut out, &options, 5, SOCKET);
        let id = request(&mut out);
        assert_eq!(user.deadline(true), Some(5 + options.auth_timeout_ms));
        user.handle_auth(&mut out, &options, 6, id, granted());
        assert!(matches!(&drain(&mut out)[..], [Output::Send(f)] if f.contains("pusher:signin")));
        assert!(user.awaiting_signin());
        let (channel, data) = user.signin_succeeded(&mut out, &json!({"user_data": r#"{"id":"7","name":"Ann"}"#})).expect("signed in");
        assert_eq!(channel, "#server-to-user-7");
        assert_eq!(data["name"], "Ann");
        assert_eq!(user.signed_in(), Some("7"));
        assert_eq!(user.deadline(true), None);
    }

    #[test]
    fn a_timeout_backs_off_then_signs_in_again() {
        let (mut user, mut out, options) = setup();
        user.signin(&mut out, &options, 0, SOCKET);
        request(&mut out);
        user.auth_timeout(&mut out, &options, options.auth_timeout_ms - 1);
        assert!(drain(&mut out).is_empty(), "not yet due");
        user.auth_timeout(&mut out, &options, options.auth_timeout_ms);
        assert!(matches!(&drain(&mut out)[..], [Output::SigninFailed(SigninError::Auth(AuthFailure::Timeout))]));
        let retry = user.deadline(true).expect("a backoff retry");
        assert!(retry > options.auth_timeout_ms);
        user.retry_due(&mut out, &options, retry, SOCKET);
        request(&mut out);
    }

    #[test]
    fn a_refused_user_is_not_signed_in_again_until_asked() {
        let (mut user, mut out, options) = setup();
        user.signin(&mut out, &options, 0, SOCKET);
        let id = request(&mut out);
        user.handle_auth(&mut out, &options, 1, id, UserAuthOutcome::Failed(AuthFailure::Http { status: 403, body: String::new() }));
        drain(&mut out);
        user.connection_lost();
        user.resume(&mut out, &options, 2, SOCKET);
        assert!(drain(&mut out).is_empty());
        user.signin(&mut out, &options, 3, SOCKET);
        request(&mut out);
    }

    #[test]
    fn a_lost_connection_signs_out_and_voids_the_request() {
        let (mut user, mut out, options) = setup();
        user.signin(&mut out, &options, 0, SOCKET);
        let id = request(&mut out);
        user.connection_lost();
        assert_eq!(user.deadline(true), None);
        user.handle_auth(&mut out, &options, 1, id, granted());
        assert!(drain(&mut out).is_empty(), "the old socket's answer is ignored");
        user.resume(&mut out, &options, 2, SOCKET);
        request(&mut out);
    }

    #[test]
    fn client_events_are_checked_in_order_and_rate_limited() {
        let (mut user, mut out, options) = setup();
        let data = json!({"typing": true});
        let mut send = |user: &mut User, now, connected, subscribed: bool, event: &str| user.trigger(&mut out, &options, now, connected, || subscribed, "private-chat", event, &data);
        assert!(matches!(send(&mut user, 0, true, true, "typing"), Err(ClientEventError::NotClientEvent(_))));
        assert!(matches!(send(&mut user, 0, false, true, "client-typing"), Err(ClientEventError::NotConnected)));
        assert!(matches!(send(&mut user, 0, true, false, "client-typing"), Err(ClientEventError::NotSubscribed(_))));
        for i in 0..options.max_client_events_per_second {
            assert!(send(&mut user, u64::from(i), true, true, "client-typing").is_ok());
        }
        assert!(matches!(send(&mut user, 500, true, true, "client-typing"), Err(ClientEventError::RateLimited { limit: 10 })));
        assert!(send(&mut user, 1_000, true, true, "client-typing").is_ok(), "the oldest left the one-second window");
        let sent = drain(&mut out);
        assert_eq!(sent.len(), 11);
        assert!(matches!(&sent[0], Output::Send(f) if f.contains("client-typing") && f.contains("private-chat")));
    }

    #[test]
    fn watchlist_changes_only_for_a_signed_in_user() {
        let (mut user, mut out, options) = setup();
        user.watchlist_change(&mut out, "online".into(), &json!({"user_ids": ["3"]}));
        assert!(drain(&mut out).is_empty());
        user.signin(&mut out, &options, 0, SOCKET);
        let id = request(&mut out);
        user.handle_auth(&mut out, &options, 1, id, granted());
        drain(&mut out);
        user.watchlist_change(&mut out, "online".into(), &json!({"user_ids": ["3", 4]}));
        assert!(matches!(&drain(&mut out)[..], [Output::Watchlist { name, user_ids }] if name == "online" && user_ids == &["3", "4"]));
    }
}
