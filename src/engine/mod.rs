//! The sans-IO protocol engine: every rule, state, timer and policy, with no socket, no
//! clock and no browser.
//!
//! The edge (the browser client in `web/`, or a test) feeds it **inputs** that carry the current time
//! (`handle_open`, `handle_frame`, `handle_close`, `handle_timeout`, `handle_auth`,
//! `handle_user_auth`, `handle_online`, `handle_wake`), calls **commands** (`connect`,
//! `disconnect`, `subscribe`, `unsubscribe`, `trigger`, `signin`), and performs the
//! **outputs** it drains with [`Engine::poll_output`]: open or close a socket, send a frame,
//! request an authorization, emit an event. [`Engine::poll_timeout`] is the one deadline to
//! arm a timer for; [`Engine::take_deadline_change`] says when the armed timer must move, so
//! the edge does not re-arm a timer per inbound message (activity is a timestamp checked
//! when the timer fires).
//!
//! `Engine` holds three parts, each owning its state and tested on its own, and the shared
//! things they are handed as arguments (the options and the `Outputs` queue, which also
//! mints request ids):
//! - `link` ([`link`](self)): the socket's life, the handshake, liveness (ping/pong), close
//!   codes, reconnect attempts, the connection state and the diagnostics figures.
//! - `subscriptions`: the channels, their authorization requests and timeouts, presence
//!   members, encrypted channels' keys, and the self-retries of failed channels.
//! - `user`: sign-in and its request, watchlist events, client events and their rate limit.
//! - `recovery`: what a channel may have missed across a reconnect (the `resumed` report),
//!   and on Sockudo's protocol 2 the stream positions, the resume and its hold buffer
//!   (with leaves `track`, one channel's state, and `own`, its own whispers kept out of a replay).
//!
//! The engine wires them together: `router` is the one inbound-frame router; a link step
//! that brings the connection up resubscribes and signs in, and one that takes it down
//! drops the parts' connection state, once (`Engine::step_link`).

mod link;
mod output;
mod own;
mod recovery;
mod router;
mod track;
mod subscriptions;
mod user;

use crate::channels::Subscription;
use crate::connection::{ConnectionState, ConnectionStatus};
use crate::error::{ChannelNameError, ClientEventError, ConfigError};
use crate::options::Options;
use crate::payload::Payload;
use crate::presence::Members;
use crate::reconnect::RandomSource;
use crate::time::Millis;

pub use link::Stats;
pub use output::{AuthOutcome, Authorization, Output, Resumed, SocketHandle, UserAuthOutcome};
pub use recovery::{MAX_HELD, RESUME_TIMEOUT_MS};
use output::Outputs;

/// The deadline last reported by [`Engine::take_deadline_change`]: what the edge's timer is
/// armed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Armed {
    /// Nothing reported yet, or the timer fired (`handle_timeout`).
    Nothing,
    /// Reported: no deadline (no timer).
    NoDeadline,
    /// Reported: a timer at this time.
    At(Millis),
}

/// The protocol engine. `P` is the payload type (a `JsValue` in the browser).
pub struct Engine<P: Payload> {
    options: Options,
    link: link::Link,
    subscriptions: subscriptions::Subscriptions<P>,
    user: user::User,
    recovery: recovery::Recovery<P>,
    out: Outputs<P>,
    armed: Armed,
    /// How often the parts' connection state was dropped (a test checks: once per drop).
    #[cfg(test)]
    drops: u32,
}

impl<P: Payload> Engine<P> {
    /// A new engine in state `initialized`. Nothing happens until [`Engine::connect`].
    pub fn new(options: Options, random: Box<dyn RandomSource>) -> Self {
        Engine {
            link: link::Link::new(&options, random),
            recovery: recovery::Recovery::new(options.connection_recovery),
            options,
            subscriptions: Default::default(),
            user: Default::default(),
            out: Outputs::new(),
            armed: Armed::Nothing,
            #[cfg(test)]
            drops: 0,
        }
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The next output to perform, in order.
    pub fn poll_output(&mut self) -> Option<Output<P>> {
        self.out.pop()
    }

    /// The connection state.
    pub fn state(&self) -> ConnectionState {
        self.link.state()
    }

    /// Echo's connection status (with `reconnecting`).
    pub fn status(&self) -> ConnectionStatus {
        self.link.status()
    }

    /// The socket id while connected.
    pub fn socket_id(&self) -> Option<&str> {
        self.link.socket_id()
    }

    /// Figures for diagnostics.
    pub fn stats(&self) -> &Stats {
        self.link.stats()
    }

    /// Consecutive failed attempts since the last stable connection.
    pub fn attempts(&self) -> u32 {
        self.link.attempts()
    }

    /// The subscription state of `channel`, if the app asked for it.
    pub fn subscription(&self, channel: &str) -> Option<&Subscription> {
        self.subscriptions.get(channel).map(|c| &c.state)
    }

    /// Presence members of `channel`.
    pub fn members(&self, channel: &str) -> Option<&Members<P>> {
        self.subscriptions.members(channel)
    }

    /// The last `subscription_count` reported for `channel`.
    pub fn subscription_count(&self, channel: &str) -> Option<u32> {
        self.subscriptions.get(channel).and_then(|c| c.subscription_count)
    }

    /// Names of the channels the app asked for (excluding internal ones), in name order.
    pub fn channel_names(&self) -> impl Iterator<Item = &str> {
        self.subscriptions.names()
    }

    /// Number of channels held (including the internal user channel).
    pub fn channel_count(&self) -> usize {
        self.subscriptions.len()
    }

    /// The signed-in user's id, once `pusher:signin_success` arrived.
    pub fn signed_in_user(&self) -> Option<&str> {
        self.user.signed_in()
    }

    /// The earliest time [`Engine::handle_timeout`] must be called, if any.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let up = self.link.is_up();
        let parts = [self.link.deadline(&self.options), self.subscriptions.deadline(up), self.user.deadline(up), self.recovery.deadline()];
        parts.into_iter().flatten().min()
    }

    /// `Some(deadline)` when the timer must be re-armed: nothing is armed (never reported,
    /// or it fired), the deadline came earlier, or there is none any more. `None`: keep the
    /// timer. A deadline that moved later (as inbound traffic moves the ping) is left to the
    /// armed timer: firing early is harmless, and [`Engine::handle_timeout`] reports the
    /// next one.
    pub fn take_deadline_change(&mut self) -> Option<Option<Millis>> {
        let next = self.poll_timeout();
        let rearm = match (self.armed, next) {
            (Armed::Nothing, _) => true,
            (Armed::At(armed), Some(next)) => next < armed,
            (Armed::At(_), None) => true,
            (Armed::NoDeadline, next) => next.is_some(),
        };
        if !rearm {
            return None;
        }
        self.armed = next.map_or(Armed::NoDeadline, Armed::At);
        Some(next)
    }

    /// Command: start connecting (no-op when already connecting or connected). The one
    /// place a connection starts.
    pub fn connect(&mut self, now: Millis) -> Result<(), ConfigError> {
        let mut result = Ok(());
        self.step_link(now, |link, out, options| result = link.connect(out, options, now));
        result
    }

    /// Command: close the connection and stop reconnecting. Channels are kept and
    /// resubscribed by the next [`Engine::connect`].
    pub fn disconnect(&mut self, now: Millis) {
        self.step_link(now, |link, out, _| link.disconnect(out));
    }

    /// Input: the socket opened.
    pub fn handle_open(&mut self, now: Millis, socket: SocketHandle) {
        self.link.handle_open(&self.options, now, socket);
    }

    /// Input: the socket closed (or failed to open) with `code` and `reason`.
    pub fn handle_close(&mut self, now: Millis, socket: SocketHandle, code: u16, reason: &str) {
        self.step_link(now, |link, out, options| link.handle_close(out, options, now, socket, code, reason));
    }

    /// Input: `shareConnection`'s link `socket` moved to another hub: closed as 4200 and
    /// reopened at once, never backed off.
    pub fn handle_moved(&mut self, now: Millis, socket: SocketHandle, reason: &str) {
        self.step_link(now, |link, out, options| link.handle_moved(out, options, now, socket, reason));
    }

    /// Input: the browser reports it is online again.
    pub fn handle_online(&mut self, now: Millis) {
        self.step_link(now, |link, out, options| link.check_liveness_or_retry(out, options, now));
    }

    /// Input: the page woke up (timer drift after sleep, or it became visible again).
    pub fn handle_wake(&mut self, now: Millis) {
        self.step_link(now, |link, out, options| link.check_liveness_or_retry(out, options, now));
    }

    /// Handles every deadline that has passed by `now`. The armed timer has fired, so the
    /// next [`Engine::take_deadline_change`] reports the deadline again.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.armed = Armed::Nothing;
        self.step_link(now, |link, out, options| link.handle_timeout(out, options, now));
        self.subscriptions.auth_timeouts(&mut self.out, &self.options, now);
        self.user.auth_timeout(&mut self.out, &self.options, now);
        let socket_id = self.link.socket_id();
        self.subscriptions.retries_due(&mut self.out, &self.options, now, socket_id);
        self.user.retry_due(&mut self.out, &self.options, now, socket_id);
        let timed_out = self.recovery.timeouts(now);
        self.deliver(now, timed_out);
    }

    /// Command: subscribe to `name` (now if connected, else on connection). Subscribing to a
    /// channel the app already has does nothing, even when it failed: a failed channel is
    /// retried on the next connection, by itself after transient failures, or on request
    /// with [`Engine::retry_subscription`].
    pub fn subscribe(&mut self, now: Millis, name: &str) -> Result<(), ChannelNameError> {
        self.subscriptions.subscribe(&mut self.out, &self.options, now, self.link.socket_id(), name)?;
        self.recovery.track(name);
        Ok(())
    }

    /// Command: subscribe a failed channel again now (e.g. after the user logged in).
    /// Returns false when the channel is unknown or not failed.
    pub fn retry_subscription(&mut self, now: Millis, name: &str) -> bool {
        self.subscriptions.retry(&mut self.out, &self.options, now, self.link.socket_id(), name)
    }

    /// Command: unsubscribe from `name`. Ends unsubscribed whatever the subscription's stage
    /// (a late authorization or confirmation is ignored).
    pub fn unsubscribe(&mut self, _now: Millis, name: &str) {
        self.subscriptions.unsubscribe(&mut self.out, self.link.is_up(), name);
        self.recovery.forget(name);
    }

    /// Input: the answer to an [`Output::Authorize`].
    pub fn handle_auth(&mut self, now: Millis, request: u64, outcome: AuthOutcome) {
        self.subscriptions.handle_auth(&mut self.out, &self.options, now, request, outcome);
    }

    /// Command: sign the user in (now if connected, else after connecting; again after
    /// every reconnect).
    pub fn signin(&mut self, now: Millis) {
        self.user.signin(&mut self.out, &self.options, now, self.link.socket_id());
    }

    /// Input: the answer to an [`Output::AuthenticateUser`].
    pub fn handle_user_auth(&mut self, now: Millis, request: u64, outcome: UserAuthOutcome) {
        self.user.handle_auth(&mut self.out, &self.options, now, request, outcome);
    }

    /// Command: send a client event. Checked before anything is sent: `client-` prefix,
    /// private or presence channel (not encrypted), subscribed, size and rate limits.
    pub fn trigger(&mut self, now: Millis, channel: &str, event: &str, data: &P) -> Result<(), ClientEventError> {
        let subscriptions = &self.subscriptions;
        let subscribed = || subscriptions.is_subscribed(channel);
        self.user.trigger(&mut self.out, &self.options, now, self.link.is_up(), subscribed, channel, event, data)?;
        if self.recovery.is_v2() {
            // A copy as sent (the app may change its object later).
            self.recovery.sent(channel, event, data.to_json().and_then(|json| P::parse_json(&json)));
        }
        Ok(())
    }

    /// Runs one step of the link, then tells the other parts when it brought the
    /// connection up (resubscribe, sign in) or took it down (drop their connection state).
    /// Derived from the link's state before and after, so a drop is seen once.
    fn step_link(&mut self, now: Millis, step: impl FnOnce(&mut link::Link, &mut Outputs<P>, &Options)) {
        let was_up = self.link.is_up();
        step(&mut self.link, &mut self.out, &self.options);
        match (was_up, self.link.is_up()) {
            (false, true) => self.connection_up(now),
            (true, false) => self.connection_lost(now),
            _ => {}
        }
    }

    /// After a handshake: subscribe every channel again and sign in again.
    fn connection_up(&mut self, now: Millis) {
        self.recovery.connection_up();
        let socket_id = self.link.socket_id();
        if let Some(id) = socket_id {
            self.subscriptions.resubscribe_all(&mut self.out, &self.options, now, id);
        }
        self.user.resume(&mut self.out, &self.options, now, socket_id);
    }

    /// When the connection is gone: events held for a resume outcome are delivered, every
    /// channel waits, members, keys and outstanding authorizations (for the old socket id)
    /// are forgotten, nobody is signed in.
    fn connection_lost(&mut self, now: Millis) {
        #[cfg(test)]
        {
            self.drops += 1;
        }
        let held = self.recovery.connection_lost();
        self.deliver(now, held);
        self.subscriptions.connection_lost();
        self.user.connection_lost();
    }
}


// Native only: the tests read frames with serde_json, a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::reconnect::SeededRandom;
    use serde_json::Value;

    /// A connected engine and its socket.
    fn connected() -> (Engine<Value>, SocketHandle) {
        let mut o = Options::new("app-key");
        o.hosts = vec!["127.0.0.1".into()];
        o.force_tls = Some(false);
        let mut engine = Engine::new(o, Box::new(SeededRandom::new(1)));
        engine.connect(0).unwrap();
        let socket = std::iter::from_fn(|| engine.poll_output()).find_map(|o| if let Output::OpenSocket { socket, .. } = o { Some(socket) } else { None }).unwrap();
        engine.handle_open(0, socket);
        engine.handle_text(0, socket, r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":30}"}"#);
        assert_eq!(engine.state(), ConnectionState::Connected);
        (engine, socket)
    }

    #[test]
    fn disconnect_drops_the_connection_state_once() {
        let (mut engine, _) = connected();
        engine.disconnect(1);
        assert_eq!(engine.drops, 1);
        engine.disconnect(2);
        assert_eq!(engine.drops, 1, "nothing left to drop");
    }

    #[test]
    fn a_close_or_a_pong_timeout_drops_once_and_a_failed_handshake_not_at_all() {
        let (mut engine, socket) = connected();
        engine.handle_close(1, socket, 1006, "gone");
        assert_eq!(engine.drops, 1);
        // The retry's handshake fails: the state was already dropped.
        let retry = engine.poll_timeout().unwrap();
        engine.handle_timeout(retry);
        let socket = std::iter::from_fn(|| engine.poll_output()).find_map(|o| if let Output::OpenSocket { socket, .. } = o { Some(socket) } else { None }).unwrap();
        engine.handle_open(retry, socket);
        engine.handle_close(retry + 1, socket, 1006, "gone again");
        assert_eq!(engine.drops, 1);

        let (mut engine, _) = connected();
        engine.handle_timeout(30_000); // ping
        engine.handle_timeout(30_000 + engine.options.pong_timeout_ms); // pong timeout: close and reconnect
        assert_eq!(engine.drops, 1);
    }

    #[test]
    fn the_timer_is_rearmed_for_an_earlier_deadline_and_after_it_fired() {
        let (mut engine, socket) = connected();
        assert_eq!(engine.take_deadline_change(), Some(Some(30_000)));
        assert_eq!(engine.take_deadline_change(), None);
        engine.handle_text(1_000, socket, r#"{"event":"x","channel":"c","data":"{}"}"#);
        assert_eq!(engine.take_deadline_change(), None, "activity moves the ping later: the armed timer checks it");
        engine.subscribe(1_000, "private-x").unwrap();
        assert_eq!(engine.take_deadline_change(), Some(Some(1_000 + engine.options.auth_timeout_ms)), "the authorization times out first");
        engine.handle_timeout(11_000);
        assert_eq!(engine.take_deadline_change(), Some(engine.poll_timeout()), "the timer fired: arm the next one");
        engine.disconnect(12_000);
        assert_eq!(engine.take_deadline_change(), Some(None), "nothing left to wait for: cancel the timer");
        assert_eq!(engine.take_deadline_change(), None);
    }
}
