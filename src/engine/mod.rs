//! The sans-IO protocol engine: every rule, state, timer and policy, with no socket, no
//! clock and no browser.
//!
//! The edge (the browser driver, or a test) feeds it **inputs** that carry the current time
//! (`handle_open`, `handle_frame`, `handle_close`, `handle_timeout`, `handle_auth`,
//! `handle_user_auth`, `handle_online`, `handle_wake`), calls **commands** (`connect`,
//! `disconnect`, `subscribe`, `unsubscribe`, `trigger`, `signin`), and performs the
//! **outputs** it drains with [`Engine::poll_output`]: open or close a socket, send a frame,
//! request an authorization, emit an event. [`Engine::poll_timeout`] is the one deadline to
//! arm a timer for; [`Engine::take_deadline_change`] says when it moved, so the edge does not
//! re-arm a timer per inbound message (activity is a timestamp checked when the timer fires).
//!
//! Submodules split the work: [`link`](self) (socket lifecycle, handshake, liveness,
//! reconnect), `subscriptions` (channels, authorization results, presence, encrypted
//! events) and `user` (sign-in and client events).

mod link;
mod subscriptions;
mod user;

use std::collections::VecDeque;

use crate::channels::{Channel, Subscription};
use crate::connection::{ConnectionState, ConnectionStatus};
use crate::error::{AuthFailure, ChannelError, ConnectionError, SigninError};
use crate::fast_map::FastMap;
use crate::options::Options;
use crate::payload::Payload;
use crate::presence::Members;
use crate::reconnect::RandomSource;
use crate::time::Millis;

pub use link::SocketHandle;

/// What the edge must do, or tell the app, in the order it happened.
#[derive(Clone, Debug)]
pub enum Output<P> {
    /// Open a WebSocket to `url`; report its events with `socket`.
    OpenSocket {
        /// The handle to report this socket's events with.
        socket: SocketHandle,
        /// The URL.
        url: String,
    },
    /// Close a socket (it is forgotten at once: its later events are ignored).
    CloseSocket {
        /// Which socket.
        socket: SocketHandle,
        /// A client close code (1000 or 4000-4999... browsers allow 1000 and 3000-4999).
        code: u16,
        /// A short reason.
        reason: &'static str,
    },
    /// Send a text frame on the open socket.
    Send(String),
    /// Ask the backend to authorize `socket_id` for `channel`; answer with `handle_auth`.
    Authorize {
        /// Request id to answer with.
        request: u64,
        /// The socket id the signature is for.
        socket_id: String,
        /// The channel.
        channel: String,
    },
    /// Ask the backend to authenticate the user (sign-in); answer with `handle_user_auth`.
    AuthenticateUser {
        /// Request id to answer with.
        request: u64,
        /// The socket id.
        socket_id: String,
    },
    /// The connection state changed.
    StateChanged {
        /// Before.
        previous: ConnectionState,
        /// Now.
        current: ConnectionState,
    },
    /// An event for the channel's listeners.
    Event {
        /// The channel.
        channel: String,
        /// The event name as sent (e.g. `inventory.update`, `client-typing`).
        event: String,
        /// The payload (decrypted for encrypted channels).
        data: P,
        /// The sender, on presence client events.
        user_id: Option<String>,
    },
    /// The channel is subscribed (`subscription_succeeded`; again after every reconnect).
    Subscribed {
        /// The channel.
        channel: String,
    },
    /// Presence: the members present right after subscribing (user infos, in order).
    Here {
        /// The channel.
        channel: String,
        /// Each member's user info.
        members: Vec<P>,
    },
    /// Presence: a member joined.
    Joining {
        /// The channel.
        channel: String,
        /// The member's id.
        user_id: String,
        /// The member's info.
        info: P,
    },
    /// Presence: a member left.
    Leaving {
        /// The channel.
        channel: String,
        /// The member's id.
        user_id: String,
        /// The member's info.
        info: P,
    },
    /// A channel-level error (authorization, refusal, decryption).
    ChannelError(ChannelError),
    /// A connection-level error.
    Error(ConnectionError),
    /// The user is signed in (`pusher:signin_success`), with its `user_data`.
    SignedIn {
        /// The user data the backend signed.
        user_data: P,
    },
    /// Sign-in failed.
    SigninFailed(SigninError),
    /// An event sent to the signed-in user (`sendToUser`).
    UserEvent {
        /// The event name.
        event: String,
        /// The payload.
        data: P,
    },
    /// Watchlist events for the signed-in user (`online` / `offline` user ids).
    Watchlist {
        /// `online` or `offline`.
        name: String,
        /// The user ids.
        user_ids: Vec<String>,
    },
}

/// A successful channel authorization from the backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authorization {
    /// `key:signature`.
    pub auth: String,
    /// Presence channels: the JSON string with `user_id` and `user_info`.
    pub channel_data: Option<String>,
    /// Encrypted channels: the base64 key.
    pub shared_secret: Option<String>,
}

/// The answer to an [`Output::Authorize`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    /// Authorized.
    Granted(Authorization),
    /// Refused or broken.
    Failed(AuthFailure),
}

/// The answer to an [`Output::AuthenticateUser`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserAuthOutcome {
    /// Authenticated: `auth` and the `user_data` JSON string.
    Granted {
        /// `key:signature`.
        auth: String,
        /// JSON with at least `id`.
        user_data: String,
    },
    /// Refused or broken.
    Failed(AuthFailure),
}

/// What an outstanding authorization request is for.
#[derive(Clone, Debug)]
enum AuthPurpose {
    Subscribe(String),
    KeyRefresh(String),
    User,
}

#[derive(Clone, Debug)]
struct AuthRequest {
    purpose: AuthPurpose,
    deadline: Millis,
}

/// Outstanding authorization requests. A short list (a few at a time, at most one per
/// channel), so a vector: cheaper than another hash map in the shipped wasm.
#[derive(Clone, Debug, Default)]
struct PendingAuth(Vec<(u64, AuthRequest)>);

impl PendingAuth {
    fn insert(&mut self, id: u64, request: AuthRequest) {
        self.0.push((id, request));
    }
    fn remove(&mut self, id: &u64) -> Option<AuthRequest> {
        let at = self.0.iter().position(|(i, _)| i == id)?;
        Some(self.0.swap_remove(at).1)
    }
    fn get(&self, id: &u64) -> Option<&AuthRequest> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, r)| r)
    }
    fn clear(&mut self) {
        self.0.clear();
    }
    fn values(&self) -> impl Iterator<Item = &AuthRequest> {
        self.0.iter().map(|(_, r)| r)
    }
    fn iter(&self) -> impl Iterator<Item = (&u64, &AuthRequest)> {
        self.0.iter().map(|(i, r)| (i, r))
    }
}

/// Figures for diagnostics.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Successful handshakes after the first.
    pub reconnects: u32,
    /// When the current connection was established.
    pub connected_since: Option<Millis>,
    /// The server's `activity_timeout`, in seconds.
    pub server_activity_timeout_s: Option<u64>,
    /// The URL of the last attempt.
    pub last_url: Option<String>,
}

/// The protocol engine. `P` is the payload type (a `JsValue` in the browser).
pub struct Engine<P: Payload> {
    options: Options,
    random: Box<dyn RandomSource>,
    state: ConnectionState,
    ever_connected: bool,
    /// The app wants a connection (`connect()` called, `disconnect()` not).
    wanted: bool,
    link: link::Link,
    next_socket: u32,
    tls: bool,
    host_index: usize,
    attempts: u32,
    connecting_since: Option<Millis>,
    /// Boxed: the map's buckets stay small, so growing it for thousands of channels does
    /// not copy (and briefly double) every channel's state.
    channels: FastMap<String, Box<Channel<P>>>,
    /// Channels whose `pusher:subscribe` is out, oldest first (to attribute channel-less
    /// errors).
    pending_order: VecDeque<String>,
    auth_requests: PendingAuth,
    next_request: u64,
    /// Earliest self-retry of a failed channel.
    channel_retry_at: Option<Millis>,
    user: user::UserState,
    client_event_times: VecDeque<Millis>,
    outputs: VecDeque<Output<P>>,
    deadline_changed: bool,
    stats: Stats,
}

impl<P: Payload> Engine<P> {
    /// A new engine in state `initialized`. Nothing happens until [`Engine::connect`].
    pub fn new(options: Options, random: Box<dyn RandomSource>) -> Self {
        let tls = options.use_tls();
        Engine {
            options,
            random,
            state: ConnectionState::Initialized,
            ever_connected: false,
            wanted: false,
            link: link::Link::Idle { retry_at: None },
            next_socket: 1,
            tls,
            host_index: 0,
            attempts: 0,
            connecting_since: None,
            channels: FastMap::default(),
            pending_order: VecDeque::new(),
            auth_requests: PendingAuth::default(),
            next_request: 1,
            channel_retry_at: None,
            user: Default::default(),
            client_event_times: VecDeque::new(),
            outputs: VecDeque::new(),
            deadline_changed: true,
            stats: Stats::default(),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The next output to perform, in order.
    pub fn poll_output(&mut self) -> Option<Output<P>> {
        let output = self.outputs.pop_front();
        // A burst (e.g. resubscribing thousands of channels) must not pin its peak capacity.
        if output.is_none() && self.outputs.capacity() > 256 {
            self.outputs.shrink_to(16);
        }
        output
    }

    /// The connection state.
    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// Echo's connection status (with `reconnecting`).
    pub fn status(&self) -> ConnectionStatus {
        ConnectionStatus::of(self.state, self.ever_connected)
    }

    /// The socket id while connected.
    pub fn socket_id(&self) -> Option<&str> {
        match &self.link {
            link::Link::Connected(live) => Some(&live.socket_id),
            _ => None,
        }
    }

    /// Figures for diagnostics.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Consecutive failed attempts since the last stable connection.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The subscription state of `channel`, if the app asked for it.
    pub fn subscription(&self, channel: &str) -> Option<&Subscription> {
        self.channels.get(channel).map(|c| &c.state)
    }

    /// Presence members of `channel`.
    pub fn members(&self, channel: &str) -> Option<&Members<P>> {
        self.channels.get(channel).map(|c| &c.members)
    }

    /// The last `subscription_count` reported for `channel`.
    pub fn subscription_count(&self, channel: &str) -> Option<u32> {
        self.channels.get(channel).and_then(|c| c.subscription_count)
    }

    /// Names of the channels the app asked for (excluding internal ones).
    pub fn channel_names(&self) -> impl Iterator<Item = &str> {
        self.channels.iter().filter(|(_, c)| c.kind != crate::channels::ChannelKind::ServerToUser).map(|(name, _)| name.as_str())
    }

    /// Number of channels held (including the internal user channel).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// The signed-in user's id, once `pusher:signin_success` arrived.
    pub fn signed_in_user(&self) -> Option<&str> {
        self.user.signed_in.as_deref()
    }

    /// The earliest time [`Engine::handle_timeout`] must be called, if any.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut earliest = self.link.deadline(&self.options);
        let mut consider = |t: Option<Millis>| {
            if let Some(t) = t {
                earliest = Some(earliest.map_or(t, |e: Millis| e.min(t)));
            }
        };
        if self.state == ConnectionState::Connecting {
            consider(self.connecting_since.map(|s| s.saturating_add(self.options.unavailable_timeout_ms)));
        }
        consider(self.auth_requests.values().map(|r| r.deadline).min());
        if matches!(self.link, link::Link::Connected(_)) {
            consider(self.channel_retry_at);
            consider(self.user.retry_at);
        }
        earliest
    }

    /// `Some(deadline)` when the deadline may have changed since the last call: re-arm the
    /// timer then. `None`: keep the timer as it is (inbound traffic alone never moves it).
    pub fn take_deadline_change(&mut self) -> Option<Option<Millis>> {
        if std::mem::take(&mut self.deadline_changed) {
            Some(self.poll_timeout())
        } else {
            None
        }
    }

    /// Handles every deadline that has passed by `now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.deadline_changed = true;
        self.link_timeout(now);
        if self.state == ConnectionState::Connecting {
            if let Some(since) = self.connecting_since {
                if now >= since.saturating_add(self.options.unavailable_timeout_ms) {
                    self.set_state(ConnectionState::Unavailable);
                }
            }
        }
        self.auth_timeouts(now);
        self.channel_retries(now);
        if self.user.retry_at.is_some_and(|t| t <= now) {
            self.resume_signin(now);
        }
    }

    fn set_state(&mut self, next: ConnectionState) {
        if next == self.state {
            return;
        }
        debug_assert!(self.state.can_become(next), "illegal transition {:?} -> {:?}", self.state, next);
        let previous = self.state;
        self.state = next;
        self.deadline_changed = true;
        if next == ConnectionState::Connected {
            self.ever_connected = true;
        }
        self.outputs.push_back(Output::StateChanged { previous, current: next });
    }

    fn new_request_id(&mut self) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    fn add_auth_request(&mut self, now: Millis, purpose: AuthPurpose) -> u64 {
        let request = self.new_request_id();
        self.auth_requests.insert(request, AuthRequest { purpose, deadline: now.saturating_add(self.options.auth_timeout_ms) });
        self.deadline_changed = true;
        request
    }

    fn auth_timeouts(&mut self, now: Millis) {
        let expired: Vec<u64> = self.auth_requests.iter().filter(|(_, r)| r.deadline <= now).map(|(id, _)| *id).collect();
        for request in expired {
            match self.auth_requests.get(&request).map(|r| &r.purpose) {
                Some(AuthPurpose::User) => self.handle_user_auth(now, request, UserAuthOutcome::Failed(AuthFailure::Timeout)),
                Some(_) => self.handle_auth(now, request, AuthOutcome::Failed(AuthFailure::Timeout)),
                None => {}
            }
        }
    }

}
