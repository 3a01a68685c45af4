//! The hub host's beat and its doubt (issue #15): the hub tells its tabs it is alive every
//! [`BEAT_MS`] (and at once when a tab probes it), and it notices that it was frozen: a gap
//! of more than [`DOUBT_MS`] between its beats (a frozen page runs no timer; a throttled one
//! runs them late). From then on every input (real-socket events, tabs' messages) is held
//! back until Web Locks say whether this page still holds the leader lock: if it does, the
//! held inputs are handled in order (nothing lost); if another tab took the lock (a
//! takeover, `web/share_lead.rs`), the hub stops: what its socket buffered while it was
//! frozen is dropped unrouted (those tabs get it from the new hub's socket), the socket
//! closes, it says `bye`, and the participant is told so it queues for the lock again.
//! The timings and their reasons are in `web/share_timing.rs`. Also here: the hub's
//! keep-alive timer, armed from the core hub's deadline, and the hub's end ([`HubHost::stop`]).

use super::clock::now;
use super::input::{Input, InputSink};
use super::js;
use super::share_hub::{Held, HubHost};
use super::share_js;
use super::share_timing::{BEAT_MS, DOUBT_MS};

impl HubHost {
    /// Starts the beat.
    pub(super) fn start_beat(&self) {
        let weak = self.me.clone();
        let interval = gloo_timers::callback::Interval::new(BEAT_MS, move || {
            if let Some(host) = weak.upgrade() {
                host.beat();
            }
        });
        let mut state = self.state.borrow_mut();
        state.beat = Some(interval);
        state.last_beat = now();
    }

    fn beat(&self) {
        if self.state.borrow().doubt.is_some() || self.late() {
            return self.begin_doubt(None);
        }
        self.state.borrow_mut().last_beat = now();
        self.post(&[("t", &"beat".into())]);
    }

    fn late(&self) -> bool {
        now().saturating_sub(self.state.borrow().last_beat) as f64 > DOUBT_MS
    }

    /// What may pass now: `Some(item)` while the hub is sure it leads; `None` when it
    /// stopped (dropped) or doubts (held).
    pub(super) fn gate(&self, item: Held) -> Option<Held> {
        {
            let mut state = self.state.borrow_mut();
            if state.stopped {
                return None;
            }
            if let Some(held) = state.doubt.as_mut() {
                held.push(item);
                return None;
            }
        }
        if self.late() {
            self.begin_doubt(Some(item));
            return None;
        }
        Some(item)
    }

    fn begin_doubt(&self, item: Option<Held>) {
        let started = {
            let mut state = self.state.borrow_mut();
            let started = state.doubt.is_none();
            state.doubt.get_or_insert_with(Vec::new).extend(item);
            started
        };
        if !started {
            return;
        }
        let weak = self.me.clone();
        let leader = format!("echo-wasm:share:{}:leader", self.key);
        let mine = format!("echo-wasm:share:{}:tab:{}", self.key, self.tab);
        js::spawn(Box::pin(async move {
            // Cannot be told: not sure it leads, so it stops (the next in the queue hosts).
            let still = share_js::same_holder(&leader, &mine).await.unwrap_or(false);
            if let Some(host) = weak.upgrade() {
                host.verdict(still);
            }
        }));
    }

    fn verdict(&self, still_leader: bool) {
        if self.state.borrow().stopped {
            return;
        }
        if !still_leader {
            self.stop();
            return (self.lost)();
        }
        let held = {
            let mut state = self.state.borrow_mut();
            state.last_beat = now();
            state.doubt.take().unwrap_or_default()
        };
        self.post(&[("t", &"beat".into())]);
        for item in held {
            match item {
                Held::Socket(input) => self.socket_input(input),
                Held::Tab(message) => self.message(&message),
            }
            if self.state.borrow().stopped {
                return;
            }
        }
    }

    /// Arms the timer for the hub's deadline unless it is armed for that or an earlier one
    /// (a timer that fires early finds nothing due and is armed again).
    pub(super) fn rearm(&self) {
        let deadline = self.state.borrow().hub.poll_timeout();
        let armed = self.state.borrow().timer.as_ref().map(|(_, at)| *at);
        let Some(deadline) = deadline else {
            let old = self.state.borrow_mut().timer.take();
            drop(old);
            return;
        };
        if armed.is_some_and(|at| at <= deadline) {
            return;
        }
        let delay = deadline.saturating_sub(now()).min(i32::MAX as u64) as u32;
        let weak = self.me.clone();
        let timeout = gloo_timers::callback::Timeout::new(delay, move || {
            if let Some(host) = weak.upgrade() {
                host.input(Input::Timer);
            }
        });
        let old = self.state.borrow_mut().timer.replace((timeout, deadline));
        drop(old);
    }

    /// Stops the hub (hand-off): tabs are told it is gone (their links close and reattach
    /// to the next hub), the real socket closes, the channel and watches are dropped.
    /// Anything held back while it doubted is dropped unrouted. Idempotent.
    pub fn stop(&self) {
        if std::mem::replace(&mut self.state.borrow_mut().stopped, true) {
            return;
        }
        self.post(&[("t", &"bye".into())]);
        let (socket, channel, watches, timer, beat, held) = {
            let mut state = self.state.borrow_mut();
            (state.socket.take(), state.channel.take(), std::mem::take(&mut state.watches), state.timer.take(), state.beat.take(), state.doubt.take())
        };
        if let Some((_, socket)) = socket {
            socket.close(1000, "hub handed off");
        }
        drop((channel, watches, timer, beat, held));
    }
}
