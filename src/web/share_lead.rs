//! A participant's leadership and its watch over its hub and its page (issue #15): queuing
//! for the leader lock, hosting the hub once it is held and stopping when it is lost; the
//! watchdog that takes over from a frozen leader; the page's visibility reports (which tab
//! shows a desktop notification); and `pagehide`/`pageshow` (a closing or cached page lets
//! go at once; one restored from the back/forward cache joins again).
//!
//! **Takeover:** a follower whose hub was silent for `QUIET_MS` (or whose attach no hub
//! answered, nor beat, that long: a tab opened or reconnecting while the leader is frozen)
//! probes it; when the probe stays unanswered for `PROBE_WAIT_MS` (`web/share_timing.rs`),
//! it asks for the lock `echo-wasm:share:<key>:takeover` with `ifAvailable` (one follower
//! steals, the others wait for the new hub's announce; the winner lets the lock go once its
//! hub announced itself; a tab refused it for `TAKEOVER_STUCK_MS` (plus a random spread)
//! steals it once: its holder froze mid-takeover), gives up its queued leader request and requests the leader lock
//! with `steal: true`. A granted leader lock is hosted only once Web Locks confirm this page
//! holds it, or cannot tell (a grant that ran late, after a steal, queues again). The stolen hub finds out
//! on thaw (`web/share_doubt.rs`).

use gloo_events::EventListener;

use super::clock::now;
use super::js;
use super::share::{Participant, Probe};
use super::share_hub::HubHost;
use super::share_js::{self, Ask, HeldLock};
use super::share_timing::{PROBE_WAIT_MS, QUIET_MS, TAKEOVER_STUCK_MS, TAKEOVER_STUCK_SPREAD_MS, WATCH_MS};

impl Participant {
    /// Requests the leader lock: queued, or (`steal`, a takeover) taken from its holder.
    /// Replaces (and so gives up) an earlier request: never two at once.
    pub(super) fn queue_for_leader(&self, steal: bool) {
        let Some(key) = self.state.borrow().key.clone() else { return };
        let old = self.state.borrow_mut().leader_lock.take();
        drop(old);
        // Each request has its generation: a grant or a loss of an older one changes nothing.
        let generation = {
            let mut state = self.state.borrow_mut();
            state.lead_generation += 1;
            state.lead_generation
        };
        let (weak, lost) = (self.me.clone(), self.me.clone());
        let ask = share_js::Ask { steal, if_available: false };
        let granted = move |_| {
            if let Some(p) = weak.upgrade() {
                p.lead(generation);
            }
            true
        };
        let lost = move || {
            if let Some(p) = lost.upgrade() {
                if p.state.borrow().lead_generation == generation {
                    p.lost_lead();
                }
            }
        };
        let leader = HeldLock::ask(&format!("echo-wasm:share:{key}:leader"), ask, granted, lost);
        self.state.borrow_mut().leader_lock = leader.ok();
    }

    /// The leader lock was granted: host the hub once Web Locks confirm this page holds it (or
    /// cannot tell).
    /// A grant can run late (a page frozen or busy when it came: its callback waits) after
    /// another tab stole the lock; such a tab must not announce a hub (every tab would move
    /// to it), so it queues again instead.
    fn lead(&self, generation: u64) {
        let Some(key) = self.state.borrow().key.clone() else { return };
        let (weak, leader, mine) = (self.me.clone(), format!("echo-wasm:share:{key}:leader"), format!("echo-wasm:share:{key}:tab:{}", self.id));
        js::spawn(Box::pin(async move {
            let ours = share_js::same_holder(&leader, &mine).await;
            if let Some(p) = weak.upgrade() {
                // Cannot be told: trust the grant.
                p.host(key, generation, ours != Some(false));
            }
        }));
    }

    /// Hosts the hub for the grant of request `generation`, unless that request was given up
    /// or lost during the check (a steal: `lost_lead` queued again), this Echo left the group
    /// (the lock is let go), or the check said the lock is not this page's (queued again).
    fn host(&self, key: String, generation: u64, ours: bool) {
        // A takeover's lock is let go only after this hub announced itself (below): a
        // follower whose probe also went unanswered most likely hears the announce first and
        // then does not steal again (its probe was about the link that moves). Not held any
        // longer: a tab frozen while holding it would stall every takeover.
        if self.state.borrow().lead_generation != generation {
            // Given up or lost meanwhile: a takeover under way now is a newer request's.
            return;
        }
        let takeover = self.state.borrow_mut().takeover.take();
        let (out, hosting) = {
            let state = self.state.borrow();
            (state.solo.is_some() || state.channel.is_none() || state.leader_lock.is_none(), state.hub.is_some())
        };
        if hosting {
            return;
        }
        if out {
            // Solo or gone from the group: holding the leader lock with no hub would stall
            // the group's next hand-off.
            let lock = self.state.borrow_mut().leader_lock.take();
            drop(lock);
            return;
        }
        if !ours {
            drop(takeover);
            return self.queue_for_leader(false);
        }
        let weak = self.me.clone();
        let lost = move || {
            if let Some(p) = weak.upgrade() {
                p.lost_lead();
            }
        };
        match HubHost::start(&key, &self.id, &self.options, lost) {
            Ok(host) => self.state.borrow_mut().hub = Some(host),
            // Holding the leader lock with no hub would stall the whole group: give it up.
            Err(_) => self.go_solo("the shared connection's hub could not start (BroadcastChannel refused): this Echo connects on its own".into()),
        }
        drop(takeover);
    }

    /// The leader lock was lost (stolen, also while its grant was being checked), or the hub
    /// found another leader after a freeze: stop the hub if any, move this Echo's link, and
    /// queue for the lock again (a new generation: a check still under way comes to nothing).
    pub(super) fn lost_lead(&self) {
        // A takeover under way ends with it (its steal was the request lost): left set, it
        // would keep this tab's watchdog off (`tick`).
        let takeover = self.state.borrow_mut().takeover.take();
        drop(takeover);
        let hub = self.state.borrow_mut().hub.take();
        if let Some(hub) = hub {
            hub.stop();
            let on_it = self.state.borrow().link.as_ref().is_some_and(|l| l.hub.as_deref() == Some(hub.id.as_str()));
            if on_it {
                self.move_link("the shared connection's leader was replaced while frozen");
            }
            drop(hub);
        }
        self.queue_for_leader(false);
    }

    /// Listens to the page: `pagehide` (detach, stop hosting, let the locks go), `pageshow`
    /// from the back/forward cache (join again, the link moves at once), `visibilitychange`
    /// (reported to the hub) and `resume` (back from a freeze: a probe sent before it is
    /// forgotten and the hub's silence counted afresh; the group may have a new hub whose
    /// announce this page missed, and its first beat comes within a second).
    pub(super) fn watch_page(&self) {
        let Some(window) = web_sys::window() else { return };
        let mut page = Vec::new();
        let weak = self.me.clone();
        page.push(EventListener::new(&window, "pagehide", move |_| {
            if let Some(p) = weak.upgrade() {
                let handle = p.state.borrow().link.as_ref().map(|l| l.handle);
                p.detach();
                p.state.borrow_mut().parked = handle;
                p.teardown(false);
            }
        }));
        let weak = self.me.clone();
        page.push(EventListener::new(&window, "pageshow", move |event| {
            let persisted = js_sys::Reflect::get(event, &"persisted".into()).ok().and_then(|v| v.as_bool()) == Some(true);
            if let Some(p) = weak.upgrade().filter(|_| persisted) {
                p.restored();
            }
        }));
        if let Some(document) = window.document() {
            let weak = self.me.clone();
            page.push(EventListener::new(&document, "visibilitychange", move |_| {
                if let Some(p) = weak.upgrade() {
                    p.report_page("vis", None);
                }
            }));
            let weak = self.me.clone();
            page.push(EventListener::new(&document, "resume", move |_| {
                if let Some(p) = weak.upgrade() {
                    let mut state = p.state.borrow_mut();
                    state.probe = None;
                    state.heard = now();
                }
            }));
        }
        self.state.borrow_mut().page = page;
    }

    /// Back from the back/forward cache: the link was detached on `pagehide` while the
    /// engine thinks it is connected; join the group again and move the link at once.
    fn restored(&self) {
        let key = {
            let state = self.state.borrow();
            // Still in the group, or solo for good.
            if state.channel.is_some() || state.solo.is_some() {
                return;
            }
            state.key.clone()
        };
        let Some(key) = key else { return };
        self.join(key);
        let parked = self.state.borrow_mut().parked.take();
        self.moved(parked, "the page came back from the back/forward cache");
    }

    /// Starts the watchdog.
    pub(super) fn start_watch(&self) {
        let weak = self.me.clone();
        let interval = gloo_timers::callback::Interval::new(WATCH_MS, move || {
            if let Some(p) = weak.upgrade() {
                p.tick();
            }
        });
        let old = self.state.borrow_mut().watch.replace(interval);
        drop(old);
    }

    fn tick(&self) {
        let now = now();
        let (silent, probe, link) = {
            let state = self.state.borrow();
            // A leader's own link is to its own hub: if the hub is frozen, so is this page.
            if state.hub.is_some() || state.takeover.is_some() {
                return;
            }
            // An open link waits on its hub; one still attaching (its attach sent) on any hub
            // answering: a frozen holder of the leader lock answers neither.
            let link = match &state.link {
                Some(link) if link.hub.is_some() || state.tab_locked => (link.handle, link.hub.clone()),
                _ => return,
            };
            (now.saturating_sub(state.heard) as f64, state.probe.clone(), link)
        };
        match probe {
            None if silent >= QUIET_MS => {
                // Spread over the followers: the first that steals a stuck takeover lock
                // announces its hub before the others would.
                let stuck_after = PROBE_WAIT_MS + TAKEOVER_STUCK_MS + js_sys::Math::random() * TAKEOVER_STUCK_SPREAD_MS;
                self.state.borrow_mut().probe = Some(Probe { sent: now, link, stuck_after, stole: false });
                self.post(&[("t", &"probe".into())]);
            }
            Some(probe) if now.saturating_sub(probe.sent) as f64 >= PROBE_WAIT_MS => {
                // Refused the takeover lock all this while: its holder froze mid-takeover.
                // Stolen once per probe.
                let stuck = !probe.stole && now.saturating_sub(probe.sent) as f64 >= probe.stuck_after;
                if stuck {
                    if let Some(probe) = self.state.borrow_mut().probe.as_mut() {
                        probe.stole = true;
                    }
                }
                self.take_over(stuck)
            }
            _ => {}
        }
    }

    /// The hub did not answer its probe: one follower steals the leader lock.
    /// `stuck`: the takeover lock was refused for `TAKEOVER_STUCK_MS`: it is taken too.
    fn take_over(&self, stuck: bool) {
        let Some(key) = self.state.borrow().key.clone() else { return };
        let weak = self.me.clone();
        let granted = move |got: bool| {
            let Some(p) = weak.upgrade() else { return false };
            // Still silent? (The hub may have answered, or a new one announced itself: then
            // the probe was cleared, or the link it was about moved or opened.)
            let still = {
                let state = p.state.borrow();
                let link = state.link.as_ref().map(|l| (l.handle, l.hub.clone()));
                state.hub.is_none() && state.probe.as_ref().is_some_and(|probe| Some(&probe.link) == link.as_ref())
            };
            if !(got && still) {
                // Dropped from a microtask: this callback belongs to that lock.
                let mine = p.state.borrow_mut().takeover.take();
                js::spawn(Box::pin(async move { drop(mine) }));
                return false;
            }
            p.queue_for_leader(true);
            true
        };
        let lock = HeldLock::ask(&format!("echo-wasm:share:{key}:takeover"), Ask { steal: stuck, if_available: !stuck }, granted, || {});
        if let Ok(lock) = lock {
            self.state.borrow_mut().takeover = Some(lock);
        }
    }
}
