//! The socket's life: open, handshake, liveness (ping/pong), close codes and reconnects.
//!
//! One socket at a time: a new one is opened only after the old one was closed and
//! forgotten (its late events carry a stale [`SocketHandle`] and are ignored). The reconnect
//! delay comes from [`crate::reconnect`]; the close-code classes from
//! [`crate::reconnect::close_action`].

use super::{Engine, Output};
use crate::connection::ConnectionState;
use crate::error::{ConfigError, ConnectionError};
use crate::options::Options;
use crate::payload::Payload;
use crate::protocol::{self, FrameError, InboundFrame};
use crate::reconnect::{close_action, CloseAction};
use crate::time::Millis;

/// Identifies one socket the engine asked the edge to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SocketHandle(pub u32);

/// Where the socket stands.
#[derive(Clone, Debug)]
pub(super) enum Link {
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
pub(super) struct Live {
    pub socket: SocketHandle,
    pub socket_id: String,
    pub since: Millis,
    /// min(client activityTimeout, server activity_timeout), in ms.
    pub activity_timeout: Millis,
    /// Time of the last inbound frame.
    pub last_activity: Millis,
    /// When a ping went out that nothing has answered yet.
    pub ping_sent: Option<Millis>,
}

impl Link {
    fn socket(&self) -> Option<SocketHandle> {
        match self {
            Link::Idle { .. } => None,
            Link::Opening { socket, .. } | Link::Handshaking { socket, .. } => Some(*socket),
            Link::Connected(live) => Some(live.socket),
        }
    }

    /// The link's own deadline.
    pub(super) fn deadline(&self, options: &Options) -> Option<Millis> {
        match self {
            Link::Idle { retry_at } => *retry_at,
            Link::Opening { deadline, .. } | Link::Handshaking { deadline, .. } => Some(*deadline),
            Link::Connected(live) => Some(match live.ping_sent {
                Some(sent) => sent.saturating_add(options.pong_timeout_ms),
                None => live.last_activity.saturating_add(live.activity_timeout),
            }),
        }
    }
}

impl<P: Payload> Engine<P> {
    /// Command: start connecting (no-op when already connecting or connected, and always with
    /// [`crate::options::Options::never_connect`], the `null` broadcaster).
    pub fn connect(&mut self, now: Millis) -> Result<(), ConfigError> {
        if self.options.never_connect {
            return Ok(());
        }
        if let Err(error) = self.options.validate() {
            // Invalid options: `failed`, nothing retried; the caller reports the error.
            if self.state.can_become(ConnectionState::Failed) {
                self.set_state(ConnectionState::Failed);
            }
            return Err(error);
        }
        if self.wanted && !matches!(self.state, ConnectionState::Failed) {
            return Ok(());
        }
        self.wanted = true;
        self.attempts = 0;
        self.enter_connecting(now);
        self.open_socket(now);
        Ok(())
    }

    /// Command: close the connection and stop reconnecting. Channels are kept and
    /// resubscribed by the next [`Engine::connect`].
    pub fn disconnect(&mut self, _now: Millis) {
        self.wanted = false;
        self.ever_connected = false;
        self.close_socket(1000, "disconnect");
        self.link = Link::Idle { retry_at: None };
        self.drop_connection_state();
        self.connecting_since = None;
        self.set_state(ConnectionState::Disconnected);
    }

    /// Input: the socket opened.
    pub fn handle_open(&mut self, now: Millis, socket: SocketHandle) {
        if let Link::Opening { socket: current, .. } = self.link {
            if current == socket {
                self.link = Link::Handshaking { socket, deadline: now.saturating_add(self.options.connect_timeout_ms), refused_code: None };
                self.deadline_changed = true;
            }
        }
    }

    /// Input: a text frame arrived, already decoded (or not decodable).
    pub fn handle_frame(&mut self, now: Millis, socket: SocketHandle, frame: Result<InboundFrame<P>, FrameError>) {
        match &mut self.link {
            Link::Connected(live) if live.socket == socket => {
                live.last_activity = now;
                if live.ping_sent.take().is_some() {
                    self.deadline_changed = true;
                }
                match frame {
                    Ok(frame) => self.handle_connected_frame(now, frame),
                    Err(error) => self.outputs.push_back(Output::Error(ConnectionError::Frame(error))),
                }
            }
            Link::Handshaking { socket: current, .. } if *current == socket => match frame {
                Ok(frame) => self.handle_handshake_frame(now, frame),
                Err(error) => self.outputs.push_back(Output::Error(ConnectionError::Frame(error))),
            },
            _ => {}
        }
    }

    /// Input: a text frame arrived as text (native callers; the browser parses with
    /// `JSON.parse` and uses [`Engine::handle_frame`]).
    pub fn handle_text(&mut self, now: Millis, socket: SocketHandle, text: &str) {
        self.handle_frame(now, socket, protocol::decode_text(text));
    }

    fn handle_handshake_frame(&mut self, now: Millis, frame: InboundFrame<P>) {
        match frame.event.as_str() {
            "pusher:connection_established" => {
                let socket_id = frame.data.get("socket_id").and_then(|v| v.as_text()).unwrap_or_default();
                if !protocol::is_valid_socket_id(&socket_id) {
                    self.outputs.push_back(Output::Error(ConnectionError::InvalidSocketId(socket_id)));
                    self.close_socket(3000, "invalid socket id");
                    self.after_drop(now, CloseAction::Normal, 0);
                    return;
                }
                let server_timeout_s = frame.data.get("activity_timeout").and_then(|v| v.as_number()).filter(|t| *t > 0.0);
                self.stats.server_activity_timeout_s = server_timeout_s.map(|t| t as u64);
                let activity_timeout = match server_timeout_s {
                    Some(seconds) => ((seconds * 1000.0) as Millis).min(self.options.activity_timeout_ms),
                    None => self.options.activity_timeout_ms,
                };
                let Link::Handshaking { socket, .. } = self.link else { return };
                self.link = Link::Connected(Live { socket, socket_id, since: now, activity_timeout, last_activity: now, ping_sent: None });
                if self.ever_connected {
                    self.stats.reconnects += 1;
                }
                self.stats.connected_since = Some(now);
                self.connecting_since = None;
                self.set_state(ConnectionState::Connected);
                self.resubscribe_all(now);
                self.resume_signin(now);
            }
            "pusher:error" => {
                let (code, message) = error_fields(&frame.data);
                if let Link::Handshaking { refused_code, .. } = &mut self.link {
                    *refused_code = code;
                }
                self.outputs.push_back(Output::Error(ConnectionError::Server { code, message }));
            }
            "pusher:ping" => self.outputs.push_back(Output::Send(protocol::pong_frame())),
            _ => {}
        }
    }

    /// Input: the socket closed (or failed to open) with `code` and `reason`.
    pub fn handle_close(&mut self, now: Millis, socket: SocketHandle, code: u16, reason: &str) {
        if self.link.socket() != Some(socket) {
            return;
        }
        let previous = std::mem::replace(&mut self.link, Link::Idle { retry_at: None });
        self.deadline_changed = true;
        self.drop_connection_state();
        let (code, lasted) = match previous {
            Link::Opening { .. } => {
                self.outputs.push_back(Output::Error(ConnectionError::Unreachable { url: self.last_url(), key: self.options.key.clone() }));
                self.after_drop(now, CloseAction::Normal, 0);
                return;
            }
            // A refusal announced by `pusher:error` counts even when the close code is generic.
            Link::Handshaking { refused_code, .. } => {
                let code = match refused_code {
                    Some(c) if (4000..5000).contains(&c) && !(4000..5000).contains(&code) => c,
                    _ => code,
                };
                if !(4000..5000).contains(&code) {
                    let key = self.options.key.clone();
                    self.outputs.push_back(Output::Error(ConnectionError::HandshakeClosed { url: self.last_url(), key, code }));
                }
                (code, 0)
            }
            Link::Connected(live) => (code, now.saturating_sub(live.since)),
            Link::Idle { .. } => return,
        };
        let action = close_action(code);
        match action {
            CloseAction::Refused => {
                self.outputs.push_back(Output::Error(ConnectionError::Refused {
                    code,
                    reason: reason.to_owned(),
                    key: self.options.key.clone(),
                }));
                self.wanted = false;
                self.connecting_since = None;
                self.set_state(ConnectionState::Failed);
            }
            CloseAction::SwitchToTlsNow => {
                self.outputs.push_back(Output::Error(ConnectionError::TlsRequired));
                // Already on TLS: switching cannot help; back off like any other retry
                // (else a server that always says 4000 gets an instant reconnect loop).
                let action = if self.tls { CloseAction::BackOff } else { action };
                self.tls = true;
                self.after_drop(now, action, lasted);
            }
            _ => self.after_drop(now, action, lasted),
        }
    }

    /// Input: the browser reports it is online again.
    pub fn handle_online(&mut self, now: Millis) {
        self.check_liveness_or_retry(now);
    }

    /// Input: the page woke up (timer drift after sleep, or it became visible again).
    pub fn handle_wake(&mut self, now: Millis) {
        self.check_liveness_or_retry(now);
    }

    fn check_liveness_or_retry(&mut self, now: Millis) {
        match &mut self.link {
            Link::Idle { retry_at: Some(_) } if self.wanted => self.open_socket(now),
            Link::Connected(live) if live.ping_sent.is_none() => {
                live.ping_sent = Some(now);
                self.deadline_changed = true;
                self.outputs.push_back(Output::Send(protocol::ping_frame()));
            }
            _ => {}
        }
    }

    pub(super) fn link_timeout(&mut self, now: Millis) {
        match &mut self.link {
            Link::Idle { retry_at: Some(at) } if *at <= now && self.wanted => self.open_socket(now),
            Link::Opening { deadline, .. } if *deadline <= now => {
                let (url, key) = (self.last_url(), self.options.key.clone());
                self.outputs.push_back(Output::Error(ConnectionError::Unreachable { url, key }));
                self.close_socket(3000, "connect timeout");
                self.after_drop(now, CloseAction::Normal, 0);
            }
            Link::Handshaking { deadline, .. } if *deadline <= now => {
                let url = self.last_url();
                self.outputs.push_back(Output::Error(ConnectionError::HandshakeTimeout { url }));
                self.close_socket(3000, "handshake timeout");
                self.after_drop(now, CloseAction::Normal, 0);
            }
            Link::Connected(live) => match live.ping_sent {
                Some(sent) if now >= sent.saturating_add(self.options.pong_timeout_ms) => {
                    let lasted = now.saturating_sub(live.since);
                    self.outputs.push_back(Output::Error(ConnectionError::PongTimeout));
                    self.close_socket(4201, "pong timeout");
                    self.after_drop(now, CloseAction::ReconnectNow, lasted);
                }
                None if now >= live.last_activity.saturating_add(live.activity_timeout) => {
                    live.ping_sent = Some(now);
                    self.outputs.push_back(Output::Send(protocol::ping_frame()));
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// The URL of the current (last) attempt, for error messages.
    fn last_url(&self) -> String {
        self.stats.last_url.clone().unwrap_or_default()
    }

    /// Closes the current socket, if any, and forgets it.
    fn close_socket(&mut self, code: u16, reason: &'static str) {
        let was_connected = matches!(self.link, Link::Connected(_));
        if let Some(socket) = self.link.socket() {
            self.outputs.push_back(Output::CloseSocket { socket, code, reason });
            self.link = Link::Idle { retry_at: None };
            self.deadline_changed = true;
            if was_connected {
                self.drop_connection_state();
            }
        }
    }

    fn enter_connecting(&mut self, now: Millis) {
        if !matches!(self.state, ConnectionState::Connecting | ConnectionState::Unavailable) {
            self.connecting_since = Some(now);
            self.set_state(ConnectionState::Connecting);
        }
    }

    fn open_socket(&mut self, now: Millis) {
        self.close_socket(1000, "replaced");
        let socket = SocketHandle(self.next_socket);
        self.next_socket = self.next_socket.wrapping_add(1);
        let url = self.options.url(self.tls, self.host_index);
        self.stats.last_url = Some(url.clone());
        self.link = Link::Opening { socket, deadline: now.saturating_add(self.options.connect_timeout_ms) };
        self.deadline_changed = true;
        self.outputs.push_back(Output::OpenSocket { socket, url });
    }

    /// After a socket is gone: move to `connecting` and schedule (or make) the next attempt.
    /// `lasted` is how long the connection was up (0 if it never connected).
    fn after_drop(&mut self, now: Millis, action: CloseAction, lasted: Millis) {
        if !self.wanted {
            return;
        }
        let config = &self.options.reconnect;
        if lasted >= config.stable_after_ms {
            self.attempts = 0;
        }
        let immediate = matches!(action, CloseAction::SwitchToTlsNow) || (action == CloseAction::ReconnectNow && self.attempts == 0);
        // Try the next host on a failure; stay on the host when the server asked for a reconnect.
        if !matches!(action, CloseAction::ReconnectNow | CloseAction::SwitchToTlsNow) {
            self.host_index = (self.host_index + 1) % self.options.host_count();
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
        self.enter_connecting(now);
        if delay == 0 {
            self.open_socket(now);
        } else {
            self.link = Link::Idle { retry_at: Some(now.saturating_add(delay)) };
            self.deadline_changed = true;
        }
    }
}

/// `(code, message)` of a `pusher:error` payload (`{code, message}`, possibly null code).
pub(super) fn error_fields<P: Payload>(data: &P) -> (Option<u16>, String) {
    let code = data.get("code").and_then(|c| c.as_number()).filter(|c| (0.0..65536.0).contains(c)).map(|c| c as u16);
    let message = data
        .get("message")
        .and_then(|m| m.as_text())
        .or_else(|| data.as_text())
        .unwrap_or_default();
    (code, message)
}
