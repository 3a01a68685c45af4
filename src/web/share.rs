//! `shareConnection: true`: one WebSocket per browser for the Echos of one sharing key
//! (issues #14 and #15). Each Echo is a *participant*: its engine runs unchanged, but the socket it
//! opens is a *link* to the hub (`web/share_hub.rs`, the core's `hub/`) hosted by the
//! leader tab, which owns the one real socket. Here: the participant's state, joining and
//! leaving the group; its link is `web/share_link.rs`, the hubs' messages `web/share_inbox.rs`,
//! leadership and the takeover watch `web/share_lead.rs`.
//!
//! # The protocol between tabs
//!
//! - **The sharing key** is the SHA-256 (hex) of the resolved socket URL of every host (key,
//!   hosts, ports, path, TLS), the auth and user-auth endpoints, `bearerToken`, and
//!   `auth.headers` and `userAuthentication.headers` (sorted) (`web/sharing.rs`); functions
//!   (`authorizer`, `headersProvider`) are not part of it: each tab uses its own.
//! - **Locks** (Web Locks): every participant has a random id and holds
//!   `echo-wasm:share:<key>:tab:<id>` for its life (the hub requests it to learn when the
//!   tab is gone: closed, crashed or destroyed), and queues for `echo-wasm:share:<key>:leader`.
//!   The holder of the leader lock hosts the hub until it is destroyed (hand-off), its page
//!   hides (`pagehide`: it stops hosting and lets both locks go at once) or the lock is taken
//!   from it (a takeover). `echo-wasm:share:<key>:takeover` (asked with `ifAvailable`) lets
//!   only one follower steal the leader lock from a frozen hub.
//! - **Messages** go over the `BroadcastChannel` `echo-wasm:share:<key>` as plain objects
//!   with a type `t`. From a participant: `{t:'attach', tab, url, page, visible, desktop}`
//!   (its engine opened a socket; sent once its tab lock is held, and again whenever a hub
//!   announces itself while the link is not open; `page` is its page's id, `visible` its
//!   page's visibility, `desktop` whether its Echo shows desktop notifications),
//!   `{t:'frame', tab, text}` (a frame its engine sends), `{t:'detach', tab, at}` (`at` the hub its link was open to, absent
//!   while it attached: every hub; its engine
//!   closed the socket, `disconnect()`, `destroy()`, `pagehide`), `{t:'vis', tab, visible,
//!   page, desktop}` (its page's visibility changed), `{t:'probe', tab}` (its hub was
//!   silent: is it alive?). From the hub (each with `hub`, the hub's id): `{t:'hub'}`
//!   (announce, on start), `{t:'open', to}` (the link is open; the handshake follows),
//!   `{t:'to', to:[ids], text, n}` (one frame for these tabs; `n` the one of them that
//!   shows its desktop notification: of those whose Echo shows them, a visible one, else
//!   one in the hub's page, else the first), `{t:'close', to, code, reason}` (the link
//!   closed: the server's close code, so each engine applies its own policy), `{t:'solo',
//!   to, reason}` (another user: leave the group), `{t:'tabs', n}` (the number of attached
//!   tabs, on each change), `{t:'beat'}` (every second, and in answer to a probe),
//!   `{t:'bye'}` (the hub stops).
//! - **Hub changes**: a link open to a hub that says `bye`, or when another hub announces
//!   itself, *moves*: the engine gets it closed as 4200 and reconnects at once (never backed
//!   off: `Engine::handle_moved`), the link attaches to the new hub and the engine
//!   resubscribes (authorizing its own channels). The old hub gets a `detach` (should it still
//!   run). A participant ignores every message from a hub other than the one its link is open
//!   to, but for the announce, a beat while its own hub is silent (probed: it moves to the one
//!   that beats; a page frozen or busy may have missed the announce), and, while it attaches,
//!   an `open` to it (from whichever hub answers first), the tab count and any hub's beat
//!   (heard: a hub is alive). The leader's own engine links to its hub through the same channel (a
//!   second `BroadcastChannel` object in the page): asynchronous, never re-entrant.
//! - **Frozen leader** (`web/share_lead.rs`, `web/share_doubt.rs`, timings in
//!   `web/share_timing.rs`): a follower whose hub stays silent (or whose attach no hub
//!   answers nor beats: opened or reconnecting while the leader is frozen) probes it; an
//!   unanswered probe makes it take the takeover lock and steal the leader lock; its new
//!   hub announces itself and every link moves. A hub starts only once Web Locks confirm
//!   its page holds the leader lock, or cannot tell (a grant that ran late, after a steal,
//!   queues again), and a hub that may have been frozen answers a probe only after its own
//!   check; a page resumed from a freeze forgets a probe it sent before (`resume`) and
//!   watches afresh. The old hub, thawed, doubts itself (a gap between its beats) and holds
//!   back every input until Web Locks say whose page holds the leader lock: not its own, so
//!   it drops what its socket buffered while frozen, closes that socket, says `bye`; its
//!   own engine's link moves to the new hub and the tab queues for the lock again.
//! - **Back/forward cache**: `pagehide` detaches and lets the locks go; a `pageshow` with
//!   `persisted` joins the group again and moves the engine's link at once.
//! - **Solo**: on `solo` (this Echo names another user than the group's) the participant
//!   leaves the group for its life: its link closes with 4200 and the engine connects directly.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use wasm_bindgen::JsValue;

use super::input::InputSink;
use super::js;
use super::share_hub::HubHost;
use super::share_js::{self, Channel, HeldLock};
use crate::engine::SocketHandle;
use crate::options::Options;

/// One link: the engine's socket, virtual.
pub(super) struct Link {
    pub(super) handle: SocketHandle,
    pub(super) url: String,
    /// The hub it is open to; `None` while the attach waits for an answer.
    pub(super) hub: Option<String>,
}

pub(super) struct State {
    pub(super) solo: Option<String>,
    pub(super) key: Option<String>,
    pub(super) channel: Option<Channel>,
    pub(super) tab_lock: Option<HeldLock>,
    pub(super) tab_locked: bool,
    pub(super) leader_lock: Option<HeldLock>,
    /// The leader lock request's generation (`web/share_lead.rs`).
    pub(super) lead_generation: u64,
    pub(super) hub: Option<Rc<HubHost>>,
    pub(super) link: Option<Link>,
    pub(super) tabs: u32,
    /// When the hub this link is open to was last heard from (for a link still attaching:
    /// when the attach went out, or any hub last beat), and the probe sent since.
    pub(super) heard: u64,
    pub(super) probe: Option<Probe>,
    /// The watchdog (`web/share_lead.rs`) and a takeover under way.
    pub(super) watch: Option<gloo_timers::callback::Interval>,
    pub(super) takeover: Option<HeldLock>,
    pub(super) page: Vec<EventListener>,
    /// The link detached on `pagehide` (moved if the page comes back from the cache).
    pub(super) parked: Option<SocketHandle>,
}

/// One Echo's part in the sharing.
pub struct Participant {
    pub(super) id: String,
    pub(super) options: Options,
    pub(super) state: RefCell<State>,
    pub(super) sink: Weak<dyn InputSink>,
    pub(super) me: Weak<Participant>,
    /// Set while a frame this tab is not to show a desktop notification for is delivered.
    pub(super) quiet: Cell<bool>,
    /// Its Echo shows desktop notifications (reported to the hub, which names one such tab).
    pub(super) desktop: bool,
}

/// A probe of a silent hub (`web/share_lead.rs`): when it went out, and the link it was
/// about. A takeover goes ahead only while the link is still that one: a link that moved
/// or opened meanwhile heard from a live hub.
#[derive(Clone, PartialEq)]
pub(super) struct Probe {
    pub(super) sent: u64,
    pub(super) link: (SocketHandle, Option<String>),
    /// When (ms after `sent`) a refused takeover lock is taken anyway, and whether it was.
    pub(super) stuck_after: f64,
    pub(super) stole: bool,
}

/// What `diagnose().sharing` shows.
pub struct View {
    /// `'leader'`, `'follower'` or `'solo'`.
    pub role: &'static str,
    /// Attached tabs (as the hub last said).
    pub tabs: u32,
    /// Why solo.
    pub reason: Option<String>,
}

impl Participant {
    /// Joins the group of `text`'s hash (computed asynchronously: links made before are
    /// attached once it is known and the tab lock is held).
    pub fn start(text: String, options: Options, desktop: bool, sink: Weak<dyn InputSink>) -> Rc<Participant> {
        let participant = Rc::new_cyclic(|me: &Weak<Participant>| Participant {
            id: share_js::random_id(),
            options,
            state: RefCell::new(State {
                solo: None,
                key: None,
                channel: None,
                tab_lock: None,
                tab_locked: false,
                leader_lock: None,
                lead_generation: 0,
                hub: None,
                link: None,
                tabs: 0,
                heard: 0,
                probe: None,
                watch: None,
                takeover: None,
                page: Vec::new(),
                parked: None,
            }),
            sink,
            me: me.clone(),
            quiet: Cell::new(false),
            desktop,
        });
        participant.watch_page();
        let weak = participant.me.clone();
        js::spawn(Box::pin(async move {
            let hashed = share_js::sha256_hex(&text).await;
            let Some(p) = weak.upgrade() else { return };
            match hashed {
                Ok(key) => p.join(key),
                Err(_) => p.go_solo("the sharing key could not be hashed (crypto.subtle failed): this Echo connects on its own".into()),
            }
        }));
        participant
    }

    pub(super) fn join(&self, key: String) {
        let weak = self.me.clone();
        let channel = Channel::open(&format!("echo-wasm:share:{key}"), move |message| {
            if let Some(p) = weak.upgrade() {
                p.message(&message);
            }
        });
        let weak = self.me.clone();
        let tab_lock = HeldLock::request(&format!("echo-wasm:share:{key}:tab:{}", self.id), move || {
            if let Some(p) = weak.upgrade() {
                p.tab_locked();
            }
        });
        match (channel, tab_lock) {
            (Ok(channel), Ok(lock)) => {
                let mut state = self.state.borrow_mut();
                state.key = Some(key);
                state.channel = Some(channel);
                state.tab_lock = Some(lock);
                drop(state);
                self.start_watch();
            }
            _ => self.go_solo("the shared connection could not be joined (BroadcastChannel or Web Locks refused): this Echo connects on its own".into()),
        }
    }

    fn tab_locked(&self) {
        self.state.borrow_mut().tab_locked = true;
        self.queue_for_leader(false);
        self.send_attach();
    }

    pub(super) fn post(&self, pairs: &[(&str, &JsValue)]) {
        let mut all = pairs.to_vec();
        let tab = JsValue::from_str(&self.id);
        all.push(("tab", &tab));
        let poster = self.state.borrow().channel.as_ref().map(Channel::poster);
        if let Some(poster) = poster {
            poster.post(&all);
        }
    }

    /// True while this Echo shares (not solo): its engine's sockets are links.
    pub fn is_shared(&self) -> bool {
        self.state.borrow().solo.is_none()
    }

    pub(super) fn go_solo(&self, reason: String) {
        self.state.borrow_mut().solo = Some(reason);
        self.teardown(false);
        self.close_link(4200, "leaving the shared connection: connecting on its own");
    }

    /// Stops the hub (the next tab in the leader queue takes over), releases the locks and
    /// the channel (`all`: the page listener too).
    pub(super) fn teardown(&self, all: bool) {
        let (hub, leader, tab, channel, page, watch, takeover) = {
            let mut state = self.state.borrow_mut();
            let page = if all { std::mem::take(&mut state.page) } else { Vec::new() };
            state.tab_locked = false;
            (state.hub.take(), state.leader_lock.take(), state.tab_lock.take(), state.channel.take(), page, state.watch.take(), state.takeover.take())
        };
        if let Some(hub) = &hub {
            hub.stop();
        }
        drop((hub, leader, tab, channel, page, watch, takeover));
    }

    /// True while a frame is delivered whose desktop notification another tab shows.
    pub fn quiet(&self) -> bool {
        self.quiet.get()
    }

    /// What `diagnose().sharing` shows.
    pub fn view(&self) -> View {
        let state = self.state.borrow();
        match &state.solo {
            Some(reason) => View { role: "solo", tabs: 1, reason: Some(reason.clone()) },
            None => View { role: if state.hub.is_some() { "leader" } else { "follower" }, tabs: state.tabs, reason: None },
        }
    }

    /// `destroy()`: detaches, stops the hub (hand-off) and releases the locks.
    pub fn stop(&self) {
        self.detach();
        self.teardown(true);
    }
}
