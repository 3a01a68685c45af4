//! The hub's keep-alive of the real socket, with the engine's own rule: after
//! `min(activityTimeout option, server activity_timeout)` without an inbound frame, a
//! `pusher:ping`; after the pong timeout with still nothing, the socket is dead.

use crate::options::Options;
use crate::time::Millis;

/// What the timer found due.
#[derive(Debug, PartialEq, Eq)]
pub enum Due {
    /// Send a ping.
    Ping,
    /// Nothing came after the ping: close the socket (4201).
    Dead,
}

/// Activity and ping state of one real socket.
#[derive(Debug)]
pub struct KeepAlive {
    cap_ms: Millis,
    pong_timeout_ms: Millis,
    activity_ms: Millis,
    last_inbound: Millis,
    ping_sent: Option<Millis>,
}

impl KeepAlive {
    /// Timeouts from the leader's options (`activityTimeout` caps the server's value).
    pub fn new(options: &Options) -> Self {
        KeepAlive { cap_ms: options.activity_timeout_ms, pong_timeout_ms: options.pong_timeout_ms, activity_ms: options.activity_timeout_ms, last_inbound: 0, ping_sent: None }
    }

    /// The handshake gave `activity_timeout` (seconds), if any.
    pub fn established(&mut self, server_seconds: Option<f64>) {
        self.activity_ms = server_seconds.map_or(self.cap_ms, |s| ((s * 1000.0) as Millis).min(self.cap_ms));
    }

    /// A frame arrived (or the socket opened).
    pub fn inbound(&mut self, now: Millis) {
        self.last_inbound = now;
        self.ping_sent = None;
    }

    /// When the timer is due.
    pub fn deadline(&self) -> Millis {
        match self.ping_sent {
            Some(sent) => sent.saturating_add(self.pong_timeout_ms),
            None => self.last_inbound.saturating_add(self.activity_ms),
        }
    }

    /// The timer fired at `now`: what is due (a ping is marked sent).
    pub fn timeout(&mut self, now: Millis) -> Option<Due> {
        if now < self.deadline() {
            return None;
        }
        if self.ping_sent.is_some() {
            return Some(Due::Dead);
        }
        self.ping_sent = Some(now);
        Some(Due::Ping)
    }
}
