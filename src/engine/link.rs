//! The link owns the socket's life and the connection state it puts the app in: open,
//! handshake, liveness (ping/pong), close codes, reconnect attempts and their backoff, and
//! the figures for diagnostics.
//!
//! One socket at a time: a new one is opened only after the old one was closed and
//! forgotten (its late events carry a stale [`SocketHandle`] and are ignored). The reconnect
//! delay comes from [`crate::reconnect`]; the close-code classes from
//! [`crate::reconnect::close_action`]. The link knows nothing of channels or the user: the
//! engine sees it come up or go down by [`Link::is_up`] and tells the other parts.

use super::output::{Output, Outputs, SocketHandle};
use crate::connection::{ConnectionState, ConnectionStatus};
use crate::error::{ConfigError, ConnectionError};
use crate::options::Options;
use crate::payload::Payload;
use crate::protocol::{self, InboundFrame};
use crate::reconnect::{close_action, CloseAction, RandomSource};
use crate::time::Millis;

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

/// Where the socket stands.
#[derive(Clone, Debug)]
enum Phase {
    /// No socket; a retry is due at `retry_at` when the app wants a connection.
    Idle { retry_at: Option<Millis> },
    /// Asked the edge to open `socket`; give up at `deadline`.
    Opening { socket: SocketHandle, deadline: Millis },
    /// Open, waiting for `pusher:connection_established` until `deadline`.
    Handshaking { socket: SocketHandle, deadline: Millis, refused_code: Option<u16> },
    /// Connected.
    Connected(Live),
}

/// A connected socket.
#[derive(Clone, Debug)]
struct Live {
    socket: SocketHandle,
    socket_id: String,
    since: Millis,
    /// min(client activityTimeout, server activity_timeout), in ms.
    activity_timeout: Millis,
    /// Time of the last inbound frame.
    last_activity: Millis,
    /// When a ping went out that nothing has answered yet.
    ping_sent: Option<Millis>,
}

/// Which stage an inbound frame reaches (see [`Link::accept_frame`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FrameFor {
    /// The live connection: route it to the parts.
    Live,
    /// The handshake: [`Link::handshake_frame`].
    Handshake,
    /// A socket the link has forgotten (or none): ignore it.
    Stale,
}

/// The socket lifecycle, the connection state and the reconnect attempts.
pub(super) struct Link {
    phase: Phase,
    state: ConnectionState,
    ever_connected: bool,
    /// The app wants a connection (`connect()` called, `disconnect()` not).
    wanted: bool,
    next_socket: u32,
    tls: bool,
    host_index: usize,
    /// Consecutive failed attempts since the last stable connection.
    attempts: u32,
    connecting_since: Option<Millis>,
    random: Box<dyn RandomSource>,
    stats: Stats,
}

impl Link {
    /// A link in state `initialized`, with no socket.
    pub(super) fn new(options: &Options, random: Box<dyn RandomSource>) -> Self {
        Link {
            phase: Phase::Idle { retry_at: None },
            state: ConnectionState::Initialized,
            ever_connected: false,
            wanted: false,
            next_socket: 1,
            tls: options.use_tls(),
            host_index: 0,
            attempts: 0,
            connecting_since: None,
            random,
            stats: Stats::default(),
        }
    }

    pub(super) fn state(&self) -> ConnectionState {
        self.state
    }

    pub(super) fn status(&self) -> ConnectionStatus {
        ConnectionStatus::of(self.state, self.ever_connected)
    }

    /// The socket id while connected.
    pub(super) fn socket_id(&self) -> Option<&str> {
        match &self.phase {
            Phase::Connected(live) => Some(&live.socket_id),
            _ => None,
        }
    }

    /// Whether the handshake is done and the socket is still open.
    pub(super) fn is_up(&self) -> bool {
        matches!(self.phase, Phase::Connected(_))
    }

    pub(super) fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(super) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The link's own deadline: the retry, the open or handshake timeout, the ping or pong
    /// due, and the `unavailable` timeout while connecting.
    pub(super) fn deadline(&self, options: &Options) -> Option<Millis> {
        let phase = match &self.phase {
            Phase::Idle { retry_at } => *retry_at,
            Phase::Opening { deadline, .. } | Phase::Handshaking { deadline, .. } => Some(*deadline),
            Phase::Connected(live) => Some(match live.ping_sent {
                Some(sent) => sent.saturating_add(options.pong_timeout_ms),
                None => live.last_activity.saturating_add(live.activity_timeout),
            }),
        };
        let unavailable = match self.state {
            ConnectionState::Connecting => self.connecting_since.map(|s| s.saturating_add(options.unavailable_timeout_ms)),
            _ => None,
        };
        match (phase, unavailable) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Command: start connecting (no-op when already connecting or connected, and always with
    /// [`Options::never_connect`], the `null` broadcaster). The one place a connection starts.
    pub(super) fn connect<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis) -> Result<(), ConfigError> {
        if options.never_connect {
            return Ok(());
        }
        if let Err(error) = options.validate() {
            // Invalid options: `failed`, nothing retried; the caller reports the error.
            if self.state.can_become(ConnectionState::Failed) {
                self.set_state(out, ConnectionState::Failed);
            }
            return Err(error);
        }
        if self.wanted && !matches!(self.state, ConnectionState::Failed) {
            return Ok(());
        }
        self.wanted = true;
        self.attempts = 0;
        self.enter_connecting(out, now);
        self.open_socket(out, options, now);
        Ok(())
    }

    /// Command: close the socket and stop reconnecting.
    pub(super) fn disconnect<P>(&mut self, out: &mut Outputs<P>) {
        self.wanted = false;
        self.ever_connected = false;
        self.close_socket(out, 1000, "disconnect");
        self.phase = Phase::Idle { retry_at: None };
        self.connecting_since = None;
        self.set_state(out, ConnectionState::Disconnected);
    }

    /// Input: the socket opened.
    pub(super) fn handle_open(&mut self, options: &Options, now: Millis, socket: SocketHandle) {
        if let Phase::Opening { socket: current, .. } = self.phase {
            if current == socket {
                self.phase = Phase::Handshaking { socket, deadline: now.saturating_add(options.connect_timeout_ms), refused_code: None };
            }
        }
    }

    /// Input: a frame arrived on `socket`. On the live connection it counts as activity (and
    /// answers an outstanding ping); the activity is a timestamp, checked when the timer
    /// fires, so it never moves the armed timer.
    #[inline]
    pub(super) fn accept_frame(&mut self, now: Millis, socket: SocketHandle) -> FrameFor {
        match &mut self.phase {
            Phase::Connected(live) if live.socket == socket => {
                live.last_activity = now;
                live.ping_sent = None;
                FrameFor::Live
            }
            Phase::Handshaking { socket: current, .. } if *current == socket => FrameFor::Handshake,
            _ => FrameFor::Stale,
        }
    }

    /// A frame during the handshake: `connection_established`, a refusal, or a ping.
    pub(super) fn handshake_frame<P: Payload>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, frame: InboundFrame<P>) {
        match frame.event.as_str() {
            "pusher:connection_established" => {
                let socket_id = frame.data.get("socket_id").and_then(|v| v.as_text()).unwrap_or_default();
                if !protocol::is_valid_socket_id(&socket_id) {
                    out.push(Output::Error(ConnectionError::InvalidSocketId(socket_id)));
                    self.close_socket(out, 3000, "invalid socket id");
                    self.after_drop(out, options, now, CloseAction::Normal, 0);
                    return;
                }
                let server_timeout_s = frame.data.get("activity_timeout").and_then(|v| v.as_number()).filter(|t| *t > 0.0);
                self.stats.server_activity_timeout_s = server_timeout_s.map(|t| t as u64);
                let activity_timeout = match server_timeout_s {
                    Some(seconds) => ((seconds * 1000.0) as Millis).min(options.activity_timeout_ms),
                    None => options.activity_timeout_ms,
                };
                let Phase::Handshaking { socket, .. } = self.phase else { return };
                self.phase = Phase::Connected(Live { socket, socket_id, since: now, activity_timeout, last_activity: now, ping_sent: None });
                if self.ever_connected {
                    self.stats.reconnects += 1;
                }
                self.stats.connected_since = Some(now);
                self.connecting_since = None;
                self.set_state(out, ConnectionState::Connected);
            }
            "pusher:error" => {
                let (code, message) = error_fields(&frame.data);
                if let Phase::Handshaking { refused_code, .. } = &mut self.phase {
                    *refused_code = code;
                }
                out.push(Output::Error(ConnectionError::Server { code, message }));
            }
            "pusher:ping" => out.push(Output::Send(protocol::pong_frame())),
            _ => {}
        }
    }

    /// Input: the socket closed (or failed to open) with `code` and `reason`.
    pub(super) fn handle_close<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket: SocketHandle, code: u16, reason: &str) {
        if self.socket() != Some(socket) {
            return;
        }
        let previous = std::mem::replace(&mut self.phase, Phase::Idle { retry_at: None });
        let (code, lasted) = match previous {
            Phase::Opening { .. } => {
                out.push(Output::Error(ConnectionError::Unreachable { url: self.last_url(), key: options.key.clone() }));
                self.after_drop(out, options, now, CloseAction::Normal, 0);
                return;
            }
            // A refusal announced by `pusher:error` counts even when the close code is generic.
            Phase::Handshaking { refused_code, .. } => {
                let code = match refused_code {
                    Some(c) if (4000..5000).contains(&c) && !(4000..5000).contains(&code) => c,
                    _ => code,
                };
                if !(4000..5000).contains(&code) {
                    let key = options.key.clone();
                    out.push(Output::Error(ConnectionError::HandshakeClosed { url: self.last_url(), key, code }));
                }
                (code, 0)
            }
            Phase::Connected(live) => (code, now.saturating_sub(live.since)),
            Phase::Idle { .. } => return,
        };
        let action = close_action(code);
        match action {
            CloseAction::Refused => {
                out.push(Output::Error(ConnectionError::Refused { code, reason: reason.to_owned(), key: options.key.clone() }));
                self.wanted = false;
                self.connecting_since = None;
                self.set_state(out, ConnectionState::Failed);
            }
            CloseAction::SwitchToTlsNow => {
                out.push(Output::Error(ConnectionError::TlsRequired));
                // Already on TLS: switching cannot help; back off like any other retry
                // (else a server that always says 4000 gets an instant reconnect loop).
                let action = if self.tls { CloseAction::BackOff } else { action };
                self.tls = true;
                self.after_drop(out, options, now, action, lasted);
            }
            _ => self.after_drop(out, options, now, action, lasted),
        }
    }

    /// Input: `shareConnection`'s link moved to another hub (a hand-off or a takeover). The
    /// connection is not failing, so the reconnect is immediate whatever the earlier attempts
    /// (a plain 4200 is immediate only on the first attempt).
    pub(super) fn handle_moved<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, socket: SocketHandle, reason: &str) {
        if self.socket() == Some(socket) {
            self.attempts = 0;
            self.handle_close(out, options, now, socket, 4200, reason);
        }
    }

    /// Input: the page is online again or woke up: retry a waiting attempt now, or check a
    /// live connection with a ping.
    pub(super) fn check_liveness_or_retry<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis) {
        match &mut self.phase {
            Phase::Idle { retry_at: Some(_) } if self.wanted => self.open_socket(out, options, now),
            Phase::Connected(live) if live.ping_sent.is_none() => {
                live.ping_sent = Some(now);
                out.push(Output::Send(protocol::ping_frame()));
            }
            _ => {}
        }
    }

    /// Handles the link's deadlines that passed by `now`.
    pub(super) fn handle_timeout<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis) {
        match &mut self.phase {
            Phase::Idle { retry_at: Some(at) } if *at <= now && self.wanted => self.open_socket(out, options, now),
            Phase::Opening { deadline, .. } if *deadline <= now => {
                out.push(Output::Error(ConnectionError::Unreachable { url: self.last_url(), key: options.key.clone() }));
                self.close_socket(out, 3000, "connect timeout");
                self.after_drop(out, options, now, CloseAction::Normal, 0);
            }
            Phase::Handshaking { deadline, .. } if *deadline <= now => {
                out.push(Output::Error(ConnectionError::HandshakeTimeout { url: self.last_url() }));
                self.close_socket(out, 3000, "handshake timeout");
                self.after_drop(out, options, now, CloseAction::Normal, 0);
            }
            Phase::Connected(live) => match live.ping_sent {
                Some(sent) if now >= sent.saturating_add(options.pong_timeout_ms) => {
                    let lasted = now.saturating_sub(live.since);
                    out.push(Output::Error(ConnectionError::PongTimeout));
                    self.close_socket(out, 4201, "pong timeout");
                    self.after_drop(out, options, now, CloseAction::ReconnectNow, lasted);
                }
                None if now >= live.last_activity.saturating_add(live.activity_timeout) => {
                    live.ping_sent = Some(now);
                    out.push(Output::Send(protocol::ping_frame()));
                }
                _ => {}
            },
            _ => {}
        }
        if self.state == ConnectionState::Connecting && self.connecting_since.is_some_and(|since| now >= since.saturating_add(options.unavailable_timeout_ms)) {
            self.set_state(out, ConnectionState::Unavailable);
        }
    }

    fn socket(&self) -> Option<SocketHandle> {
        match &self.phase {
            Phase::Idle { .. } => None,
            Phase::Opening { socket, .. } | Phase::Handshaking { socket, .. } => Some(*socket),
            Phase::Connected(live) => Some(live.socket),
        }
    }

    fn set_state<P>(&mut self, out: &mut Outputs<P>, next: ConnectionState) {
        if next == self.state {
            return;
        }
        debug_assert!(self.state.can_become(next), "illegal transition {:?} -> {:?}", self.state, next);
        let previous = self.state;
        self.state = next;
        if next == ConnectionState::Connected {
            self.ever_connected = true;
        }
        out.push(Output::StateChanged { previous, current: next });
    }

    /// The URL of the current (last) attempt, for error messages.
    fn last_url(&self) -> String {
        self.stats.last_url.clone().unwrap_or_default()
    }

    /// Closes the current socket, if any, and forgets it.
    fn close_socket<P>(&mut self, out: &mut Outputs<P>, code: u16, reason: &'static str) {
        if let Some(socket) = self.socket() {
            out.push(Output::CloseSocket { socket, code, reason });
            self.phase = Phase::Idle { retry_at: None };
        }
    }

    fn enter_connecting<P>(&mut self, out: &mut Outputs<P>, now: Millis) {
        if !matches!(self.state, ConnectionState::Connecting | ConnectionState::Unavailable) {
            self.connecting_since = Some(now);
            self.set_state(out, ConnectionState::Connecting);
        }
    }

    fn open_socket<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis) {
        self.close_socket(out, 1000, "replaced");
        let socket = SocketHandle(self.next_socket);
        self.next_socket = self.next_socket.wrapping_add(1);
        let url = options.url(self.tls, self.host_index);
        self.stats.last_url = Some(url.clone());
        self.phase = Phase::Opening { socket, deadline: now.saturating_add(options.connect_timeout_ms) };
        out.push(Output::OpenSocket { socket, url });
    }

    /// After a socket is gone: move to `connecting` and schedule (or make) the next attempt.
    /// `lasted` is how long the connection was up (0 if it never connected).
    fn after_drop<P>(&mut self, out: &mut Outputs<P>, options: &Options, now: Millis, action: CloseAction, lasted: Millis) {
        if !self.wanted {
            return;
        }
        let config = &options.reconnect;
        if lasted >= config.stable_after_ms {
            self.attempts = 0;
        }
        let immediate = matches!(action, CloseAction::SwitchToTlsNow) || (action == CloseAction::ReconnectNow && self.attempts == 0);
        // Try the next host on a failure; stay on the host when the server asked for a reconnect.
        if !matches!(action, CloseAction::ReconnectNow | CloseAction::SwitchToTlsNow) {
            self.host_index = (self.host_index + 1) % options.host_count();
        }
        let delay = if immediate {
            0
        } else {
            let random = self.random.next_f64();
            let jittered = config.delay(self.attempts, random);
            match action {
                CloseAction::BackOff => jittered.max(config.base_ms),
                _ => jittered,
            }
        };
        self.attempts = self.attempts.saturating_add(1);
        self.enter_connecting(out, now);
        if delay == 0 {
            self.open_socket(out, options, now);
        } else {
            self.phase = Phase::Idle { retry_at: Some(now.saturating_add(delay)) };
        }
    }
}

/// `(code, message)` of a `pusher:error` payload (`{code, message}`, possibly null code).
pub(super) fn error_fields<P: Payload>(data: &P) -> (Option<u16>, String) {
    let code = data.get("code").and_then(|c| c.as_number()).filter(|c| (0.0..65536.0).contains(c)).map(|c| c as u16);
    let message = data.get("message").and_then(|m| m.as_text()).or_else(|| data.as_text()).unwrap_or_default();
    (code, message)
}

// Native only: the tests read frames with serde_json, a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::reconnect::SeededRandom;
    use serde_json::Value;

    fn options() -> Options {
        let mut o = Options::new("app-key");
        o.hosts = vec!["127.0.0.1".into()];
        o.ws_port = 6001;
        o.force_tls = Some(false);
        o
    }

    fn setup() -> (Link, Outputs<Value>, Options) {
        let options = options();
        (Link::new(&options, Box::new(SeededRandom::new(3))), Outputs::new(), options)
    }

    fn drain(out: &mut Outputs<Value>) -> Vec<Output<Value>> {
        std::iter::from_fn(|| out.pop()).collect()
    }

    fn opened(out: &mut Outputs<Value>) -> Vec<SocketHandle> {
        drain(out).into_iter().filter_map(|o| if let Output::OpenSocket { socket, .. } = o { Some(socket) } else { None }).collect()
    }

    /// Connects, opens and completes the handshake with `activity_timeout` seconds.
    fn establish(link: &mut Link, out: &mut Outputs<Value>, options: &Options, now: Millis, activity_timeout: u64) -> SocketHandle {
        link.connect(out, options, now).unwrap();
        let socket = *opened(out).last().expect("a socket to open");
        link.handle_open(options, now, socket);
        assert_eq!(link.accept_frame(now, socket), FrameFor::Handshake);
        let text = format!(r#"{{"event":"pusher:connection_established","data":"{{\"socket_id\":\"1.2\",\"activity_timeout\":{activity_timeout}}}"}}"#);
        link.handshake_frame(out, options, now, protocol::decode_text::<Value>(&text).unwrap());
        socket
    }

    #[test]
    fn connect_opens_one_socket_and_a_second_connect_does_nothing() {
        let (mut link, mut out, options) = setup();
        link.connect(&mut out, &options, 0).unwrap();
        let outputs = drain(&mut out);
        assert!(matches!(&outputs[0], Output::StateChanged { current: ConnectionState::Connecting, .. }));
        assert!(matches!(&outputs[1], Output::OpenSocket { url, .. } if url.starts_with("ws://127.0.0.1:6001/app/app-key")));
        link.connect(&mut out, &options, 5).unwrap();
        assert!(drain(&mut out).is_empty());
        assert_eq!(link.deadline(&options), Some(options.connect_timeout_ms), "open timeout and unavailable timeout");
    }

    #[test]
    fn invalid_options_fail_without_a_socket() {
        let (mut link, mut out, _) = setup();
        let bad = Options::new("");
        assert!(link.connect(&mut out, &bad, 0).is_err());
        assert_eq!(link.state(), ConnectionState::Failed);
        assert!(opened(&mut out).is_empty());
    }

    #[test]
    fn handshake_brings_the_link_up_with_the_shorter_activity_timeout() {
        let (mut link, mut out, options) = setup();
        let socket = establish(&mut link, &mut out, &options, 100, 20);
        assert!(link.is_up());
        assert_eq!(link.socket_id(), Some("1.2"));
        assert_eq!(link.state(), ConnectionState::Connected);
        assert_eq!(link.deadline(&options), Some(100 + 20_000));
        assert_eq!(link.stats().server_activity_timeout_s, Some(20));
        // A frame is activity: the ping moves, and a stale socket's frames are ignored.
        assert_eq!(link.accept_frame(5_000, socket), FrameFor::Live);
        assert_eq!(link.deadline(&options), Some(25_000));
        assert_eq!(link.accept_frame(6_000, SocketHandle(socket.0 + 9)), FrameFor::Stale);
        assert_eq!(link.deadline(&options), Some(25_000));
    }

    #[test]
    fn a_quiet_link_pings_then_reconnects_at_once_after_the_pong_timeout() {
        let (mut link, mut out, options) = setup();
        establish(&mut link, &mut out, &options, 0, 20);
        drain(&mut out);
        link.handle_timeout(&mut out, &options, 20_000);
        assert!(matches!(&drain(&mut out)[..], [Output::Send(frame)] if frame.contains("pusher:ping")));
        assert_eq!(link.deadline(&options), Some(20_000 + options.pong_timeout_ms));
        link.handle_timeout(&mut out, &options, 20_000 + options.pong_timeout_ms);
        let outputs = drain(&mut out);
        assert!(outputs.iter().any(|o| matches!(o, Output::CloseSocket { code: 4201, .. })));
        assert!(outputs.iter().any(|o| matches!(o, Output::OpenSocket { .. })), "first retry after a pong timeout is immediate");
        assert!(!link.is_up());
        assert_eq!(link.attempts(), 1);
    }

    #[test]
    fn a_dropped_connection_schedules_a_retry_and_a_refusal_fails() {
        let (mut link, mut out, options) = setup();
        let socket = establish(&mut link, &mut out, &options, 0, 120);
        drain(&mut out);
        link.handle_close(&mut out, &options, 1_000, socket, 1006, "gone");
        assert!(!link.is_up());
        assert_eq!(link.state(), ConnectionState::Connecting);
        let retry = link.deadline(&options).expect("a retry");
        assert!(retry <= 1_000 + options.reconnect.bound(0), "retry at {retry}");
        link.handle_timeout(&mut out, &options, retry);
        let socket = *opened(&mut out).last().expect("the retry opens a socket");
        link.handle_open(&options, retry, socket);
        link.handle_close(&mut out, &options, retry + 1, socket, 4001, "app disabled");
        assert_eq!(link.state(), ConnectionState::Failed);
        assert_eq!(link.deadline(&options), None, "a refusal is never retried");
    }

    #[test]
    fn disconnect_closes_the_socket_and_stops() {
        let (mut link, mut out, options) = setup();
        let socket = establish(&mut link, &mut out, &options, 0, 120);
        drain(&mut out);
        link.disconnect(&mut out);
        let outputs = drain(&mut out);
        assert!(matches!(&outputs[0], Output::CloseSocket { socket: s, code: 1000, .. } if *s == socket));
        assert_eq!(link.state(), ConnectionState::Disconnected);
        assert_eq!(link.deadline(&options), None);
        link.handle_close(&mut out, &options, 10, socket, 1000, "late");
        assert!(drain(&mut out).is_empty(), "the closed socket is forgotten");
    }
}
