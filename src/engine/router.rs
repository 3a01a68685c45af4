//! The inbound-frame router, the one place every frame goes through: the link says which
//! stage it reaches (handshake, live connection, or a forgotten socket), and each frame on
//! the live connection is handed to the part that owns it.

use super::link::{error_fields, FrameFor};
use super::{Engine, Output, SocketHandle};
use crate::error::ConnectionError;
use crate::payload::Payload;
use crate::protocol::{self, FrameError, InboundFrame};
use crate::time::Millis;

impl<P: Payload> Engine<P> {
    /// Input: a text frame arrived, already decoded (or not decodable).
    pub fn handle_frame(&mut self, now: Millis, socket: SocketHandle, frame: Result<InboundFrame<P>, FrameError>) {
        match self.link.accept_frame(now, socket) {
            FrameFor::Stale => {}
            FrameFor::Live => match frame {
                Ok(frame) => self.route(now, frame),
                Err(error) => self.out.push(Output::Error(ConnectionError::Frame(error))),
            },
            FrameFor::Handshake => match frame {
                Ok(frame) => self.step_link(now, |link, out, options| link.handshake_frame(out, options, now, frame)),
                Err(error) => self.out.push(Output::Error(ConnectionError::Frame(error))),
            },
        }
    }

    /// Input: a text frame arrived as text (native callers; the browser parses with
    /// `JSON.parse` and uses [`Engine::handle_frame`]).
    pub fn handle_text(&mut self, now: Millis, socket: SocketHandle, text: &str) {
        self.handle_frame(now, socket, protocol::decode_text(text));
    }

    /// A frame on the live connection, to the part that owns it.
    fn route(&mut self, now: Millis, frame: InboundFrame<P>) {
        let InboundFrame { event, channel, data, user_id } = frame;
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
            // The rest concern a channel; without one they mean nothing.
            (_, None) => {}
            ("pusher_internal:subscription_succeeded", Some(channel)) => subscriptions.subscription_succeeded(out, channel, &data),
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
