//! The inbound-frame router, the one place every frame goes through: the link says which
//! stage it reaches (handshake, live connection, or a forgotten socket), and each frame on
//! the live connection is handed to the part that owns it. With `connectionRecovery`,
//! Sockudo's protocol 2 names (`sockudo:`, `sockudo_internal:`) are read as protocol 7's,
//! and channel events pass the recovery part (hold, duplicates) on their way.

use super::link::{error_fields, FrameFor};
use super::recovery::Accepted;
use super::track::{Held, Resolution};
use super::{Engine, Output, SocketHandle};
use crate::error::ConnectionError;
use crate::payload::Payload;
use crate::protocol::{self, FrameError, InboundFrame};
use crate::time::Millis;

impl<P: Payload> Engine<P> {
    /// Input: a text frame arrived, already decoded (or not decodable).
    pub fn handle_frame(&mut self, now: Millis, socket: SocketHandle, frame: Result<InboundFrame<P>, FrameError>) {
        let recovery = self.recovery.enabled();
        match self.link.accept_frame(now, socket) {
            FrameFor::Stale => {}
            FrameFor::Live => {
                self.recovery.note_inbound(now);
                match frame {
                    Ok(mut frame) => {
                        if recovery {
                            protocol_7_name(&mut frame.event);
                        }
                        self.route(now, frame)
                    }
                    Err(error) => self.out.push(Output::Error(ConnectionError::Frame(error))),
                }
            }
            FrameFor::Handshake => match frame {
                Ok(mut frame) => {
                    if recovery {
                        let v2 = protocol_7_name(&mut frame.event);
                        self.recovery.handshake(v2);
                    }
                    self.step_link(now, |link, out, options| link.handshake_frame(out, options, now, frame))
                }
                Err(error) => self.out.push(Output::Error(ConnectionError::Frame(error))),
            },
        }
    }

    /// Delivers resolved channels: their events in order, then their `resumed` report.
    pub(super) fn deliver(&mut self, now: Millis, resolutions: Vec<Resolution<P>>) {
        let socket_id = self.link.socket_id();
        for Resolution { channel, events, resumed } in resolutions {
            for Held { event, data, user_id, .. } in events {
                self.subscriptions.dispatch_event(&mut self.out, &self.options, now, socket_id, channel.clone(), event, data, user_id);
            }
            if let Some(resumed) = resumed {
                self.out.push(Output::Resumed(resumed));
            }
        }
    }

    /// Input: a text frame arrived as text (native callers; the browser parses with
    /// `JSON.parse` and uses [`Engine::handle_frame`]).
    pub fn handle_text(&mut self, now: Millis, socket: SocketHandle, text: &str) {
        self.handle_frame(now, socket, protocol::decode_text(text));
    }

    /// A frame on the live connection, to the part that owns it.
    fn route(&mut self, now: Millis, frame: InboundFrame<P>) {
        let InboundFrame { event, channel, data, user_id, position } = frame;
        // Protocol 2: a channel's events pass the recovery part (held, or dropped as duplicates).
        let (event, data, user_id, position) = match channel {
            Some(ref name) if self.recovery.is_v2() && position.is_some() && !event.starts_with("pusher") => {
                match self.recovery.accept(name, Held { event, data, user_id, position, own: false }) {
                    Accepted::Deliver(held) => (held.event, held.data, held.user_id, None),
                    Accepted::Kept => return,
                    Accepted::Overflow(resolution) => return self.deliver(now, vec![resolution]),
                }
            }
            _ => (event, data, user_id, position),
        };
        let (out, options, socket_id) = (&mut self.out, &self.options, self.link.socket_id());
        // User events first: they are the hot path.
        if !event.starts_with("pusher") {
            match channel {
                Some(channel) => self.subscriptions.dispatch_event(out, options, now, socket_id, channel, event, data, user_id),
                // Sockudo's watchlist frames: channel-less `online`/`offline` with `{user_ids}`.
                None if event == "online" || event == "offline" => self.user.watchlist_change(out, event, &data),
                None => {}
            }
            return;
        }
        let subscriptions = &mut self.subscriptions;
        match (event.as_str(), channel) {
            ("pusher:ping", _) => out.push(Output::Send(protocol::pong_frame())),
            ("pusher:pong" | "pusher:connection_established", _) => {}
            ("pusher:error", None) if self.recovery.awaiting() && is_recovery_refusal(&data) => {
                let resolved = self.recovery.refused_by_server();
                self.deliver(now, resolved);
            }
            ("pusher:error", channel) => {
                let (code, message) = error_fields(&data);
                let Some(message) = subscriptions.claim_error(out, options, now, channel, code, message) else { return };
                if code == Some(4009) && self.user.awaiting_signin() {
                    self.user.signin_rejected(out, message);
                } else {
                    out.push(Output::Error(ConnectionError::Server { code, message }));
                }
            }
            ("pusher:signin_success", _) => {
                if let Some((channel, user_data)) = self.user.signin_succeeded(out, &data) {
                    subscriptions.add_user_channel(out, options, now, socket_id, &channel);
                    out.push(Output::SignedIn { user_data });
                }
            }
            ("pusher_internal:watchlist_events", _) => self.user.watchlist_events(out, &data),
            ("pusher:resume_success", _) => match self.recovery.resume_success(&data) {
                Ok(resolved) => self.deliver(now, resolved),
                Err(error) => out.push(Output::Error(ConnectionError::Frame(error))),
            },
            // Delta compression is only sent when asked for, and echo-wasm does not ask.
            ("pusher:delta" | "pusher:delta_compression_enabled" | "pusher:delta_cache_sync", _) => {}
            // The rest concern a channel; without one they mean nothing.
            (_, None) => {}
            ("pusher_internal:subscription_succeeded", Some(channel)) => {
                if subscriptions.subscription_succeeded(out, channel.clone(), &data) {
                    let resolved = self.recovery.subscribed(out, now, &channel, position);
                    self.deliver(now, resolved.into_iter().collect());
                }
            }
            ("pusher:resume_failed", Some(channel)) => match self.recovery.resume_failed(&channel, &data) {
                Ok(resolved) => self.deliver(now, resolved.into_iter().collect()),
                Err(error) => out.push(Output::Error(ConnectionError::Frame(error))),
            },
            ("pusher:subscription_error", Some(channel)) => subscriptions.subscription_error(out, options, now, &channel, &data),
            ("pusher_internal:member_added", Some(channel)) => subscriptions.member_added(out, channel, &data),
            ("pusher_internal:member_removed", Some(channel)) => subscriptions.member_removed(out, channel, &data),
            ("pusher_internal:subscription_count", Some(channel)) => subscriptions.subscription_count(out, channel, data),
            ("pusher:cache_miss", Some(channel)) => subscriptions.cache_miss(out, channel, event, data),
            // Other protocol events on a channel reach its listen-to-all listeners.
            (_, Some(channel)) => subscriptions.dispatch_event(out, options, now, socket_id, channel, event, data, user_id),
        }
    }
}

/// Sockudo's protocol 2 names to protocol 7's (`sockudo:x` -> `pusher:x`, `sockudo_internal:x`
/// -> `pusher_internal:x`); true when `event` was one.
fn protocol_7_name(event: &mut String) -> bool {
    let Some(rest) = event.strip_prefix("sockudo") else { return false };
    if !(rest.starts_with(':') || rest.starts_with("_internal:")) {
        return false;
    }
    let mut name = String::with_capacity(rest.len() + 6);
    name.push_str("pusher");
    name.push_str(rest);
    *event = name;
    true
}

/// Sockudo's channel-less error 4301 "Connection recovery is not enabled" (4301 is also
/// the client-event rate limit, so the message decides).
fn is_recovery_refusal<P: Payload>(data: &P) -> bool {
    let (code, message) = error_fields(data);
    // A byte search: `str::contains` would pull the pattern searcher (and `core::fmt`) into the wasm.
    code == Some(4301) && message.as_bytes().windows(8).any(|w| w.eq_ignore_ascii_case(b"recovery"))
}
