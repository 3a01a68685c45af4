//! `shareConnection: true`: one WebSocket per browser for the Echos of one sharing key
//! (issue #14). Each Echo is a *participant*: its engine runs unchanged, but the socket it
//! opens is a *link* to the hub (`web/share_hub.rs`, the core's `hub/`) hosted by the
//! leader tab, which owns the one real socket.
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
//!   The holder of the leader lock hosts the hub until it is destroyed (hand-off) or its
//!   page goes away.
//! - **Messages** go over the `BroadcastChannel` `echo-wasm:share:<key>` as plain objects
//!   with a type `t`. From a participant: `{t:'attach', tab, url}` (its engine opened a
//!   socket; sent once its tab lock is held, and again whenever a hub announces itself while
//!   the link is not open), `{t:'frame', tab, text}` (a frame its engine sends),
//!   `{t:'detach', tab}` (its engine closed the socket, `disconnect()`, `destroy()`,
//!   `pagehide`). From the hub (each with `hub`, the hub's id): `{t:'hub'}` (announce, on
//!   start), `{t:'open', to}` (the link is open; the handshake follows), `{t:'to', to:[ids],
//!   text}` (one frame for these tabs), `{t:'close', to, code, reason}` (the link closed: the
//!   server's close code, so each engine applies its own policy), `{t:'solo', to, reason}`
//!   (another user: leave the group), `{t:'tabs', n}` (the number of attached tabs, on each
//!   change), `{t:'bye'}` (the hub stops).
//! - **Hub changes**: a link open to a hub that says `bye`, or when another hub announces
//!   itself, is closed with 4200 (reconnect at once): the engine reconnects with its normal
//!   policy, the link attaches to the new hub and the engine resubscribes (authorizing its own
//!   channels). The leader's own engine links to its hub through the same channel (a second
//!   `BroadcastChannel` object in the page): asynchronous, never re-entrant.
//! - **Solo**: on `solo` (this Echo names another user than the group's) the participant
//!   leaves the group for its life: its link closes with 4200 and the engine connects directly.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use wasm_bindgen::JsValue;

use super::input::{Input, InputSink};
use super::share_hub::HubHost;
use super::clock::now;
use super::share_js::{self, Channel, HeldLock};
use crate::engine::SocketHandle;
use crate::options::Options;

/// One link: the engine's socket, virtual.
pub(super) struct Link {
    pub(super) handle: SocketHandle,
    url: String,
    /// The hub it is open to; `None` while the attach waits for an answer.
    pub(super) hub: Option<String>,
}

pub(super) struct State {
    solo: Option<String>,
    pub(super) key: Option<String>,
    pub(super) channel: Option<Channel>,
    pub(super) tab_lock: Option<HeldLock>,
    tab_locked: bool,
    pub(super) leader_lock: Option<HeldLock>,
    pub(super) hub: Option<Rc<HubHost>>,
    pub(super) link: Option<Link>,
    tabs: u32,
    /// When the hub this link is open to was last heard from, and the probe sent since.
    pub(super) heard: u64,
    pub(super) probe: Option<u64>,
    /// The watchdog (`web/share_takeover.rs`) and a takeover under way.
    pub(super) watch: Option<gloo_timers::callback::Interval>,
    pub(super) takeover: Option<HeldLock>,
    pub(super) page: Vec<EventListener>,
    /// The link detached on `pagehide` (moved if the page comes back from the cache).
    pub(super) parked: Option<SocketHandle>,
}

/// One Echo's part in the sharing.
pub struct Participant {
    pub(super) id: String,
    options: Options,
    pub(super) state: RefCell<State>,
    sink: Weak<dyn InputSink>,
    pub(super) me: Weak<Participant>,
    /// Set while a frame this tab is not to show a desktop notification for is delivered.
    quiet: Cell<bool>,
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
    pub fn start(text: String, options: Options, sink: Weak<dyn InputSink>) -> Rc<Participant> {
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
        });
        participant.watch_page();
        let weak = participant.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let hashed = share_js::sha256_hex(&text).await;
            let Some(p) = weak.upgrade() else { return };
            match hashed {
                Ok(key) => p.join(key),
                Err(_) => p.go_solo("the sharing key could not be hashed (crypto.subtle failed): this Echo connects on its own".into()),
            }
        });
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

    /// Requests the leader lock: queued, or (`steal`, a takeover) taken from its holder.
    /// Replaces (and so gives up) an earlier request: never two at once.
    pub(super) fn queue_for_leader(&self, steal: bool) {
        let Some(key) = self.state.borrow().key.clone() else { return };
        let old = self.state.borrow_mut().leader_lock.take();
        drop(old);
        let (weak, lost) = (self.me.clone(), self.me.clone());
        let ask = share_js::Ask { steal, if_available: false };
        let granted = move |_| {
            if let Some(p) = weak.upgrade() {
                p.lead();
            }
            true
        };
        let lost = move || {
            if let Some(p) = lost.upgrade() {
                p.lost_lead();
            }
        };
        let leader = HeldLock::ask(&format!("echo-wasm:share:{key}:leader"), ask, granted, lost);
        self.state.borrow_mut().leader_lock = leader.ok();
    }

    /// The leader lock is ours: host the hub.
    fn lead(&self) {
        let Some(key) = self.state.borrow().key.clone() else { return };
        let takeover = self.state.borrow_mut().takeover.take();
        drop(takeover);
        if self.state.borrow().solo.is_some() || self.state.borrow().hub.is_some() {
            return;
        }
        let weak = self.me.clone();
        let lost = move || {
            if let Some(p) = weak.upgrade() {
                p.lost_lead();
            }
        };
        if let Ok(host) = HubHost::start(&key, &self.id, &self.options, lost) {
            self.state.borrow_mut().hub = Some(host);
        }
    }

    /// The hub stopped leading (its lock was stolen, or it found another leader after a
    /// freeze): stop it, move this Echo's link, and queue for the lock again.
    pub(super) fn lost_lead(&self) {
        let hub = self.state.borrow_mut().hub.take();
        let Some(hub) = hub else { return };
        hub.stop();
        let on_it = self.state.borrow().link.as_ref().is_some_and(|l| l.hub.as_deref() == Some(hub.id.as_str()));
        if on_it {
            self.move_link("the shared connection's leader was replaced while frozen");
        }
        drop(hub);
        self.queue_for_leader(false);
    }

    pub(super) fn post(&self, pairs: &[(&str, &JsValue)]) {
        let mut all = pairs.to_vec();
        let tab = JsValue::from_str(&self.id);
        all.push(("tab", &tab));
        if let Some(channel) = self.state.borrow().channel.as_ref() {
            channel.post(&all);
        }
    }

    fn send_attach(&self) {
        let url = {
            let state = self.state.borrow();
            match &state.link {
                Some(link) if link.hub.is_none() && state.tab_locked => link.url.clone(),
                _ => return,
            }
        };
        let (page, visible) = (JsValue::from_str(&share_js::page_id()), JsValue::from_bool(share_js::page_visible()));
        self.post(&[("t", &"attach".into()), ("url", &url.into()), ("page", &page), ("visible", &visible)]);
    }

    /// True while this Echo shares (not solo): its engine's sockets are links.
    pub fn is_shared(&self) -> bool {
        self.state.borrow().solo.is_none()
    }

    /// The engine opens a socket: a link to the hub.
    pub fn link(&self, handle: SocketHandle, url: &str) {
        let old = self.state.borrow_mut().link.replace(Link { handle, url: url.to_owned(), hub: None });
        if old.is_some() {
            self.post(&[("t", &"detach".into())]);
        }
        self.send_attach();
    }

    /// The engine sends a frame on its link.
    pub fn send(&self, text: &str) {
        let open = self.state.borrow().link.as_ref().is_some_and(|l| l.hub.is_some());
        if open {
            self.post(&[("t", &"frame".into()), ("text", &text.into())]);
        }
    }

    /// The engine closes link `handle`.
    pub fn unlink(&self, handle: SocketHandle) {
        let matches = self.state.borrow().link.as_ref().is_some_and(|l| l.handle == handle);
        if matches {
            self.detach();
        }
    }

    pub(super) fn detach(&self) {
        if self.state.borrow_mut().link.take().is_some() {
            self.post(&[("t", &"detach".into())]);
        }
    }

    /// Moves the link (if any) to the next hub: closed as 4200, reopened at once.
    pub(super) fn move_link(&self, reason: &str) {
        let link = self.state.borrow_mut().link.take();
        self.moved(link.map(|l| l.handle), reason);
    }

    /// Tells the engine its link `handle` moved (closed as 4200, reopened at once).
    pub(super) fn moved(&self, handle: Option<SocketHandle>, reason: &str) {
        if let (Some(handle), Some(sink)) = (handle, self.sink.upgrade()) {
            sink.input(Input::Moved(handle, reason.to_owned()));
        }
    }

    /// Closes the link (if any) for the engine, with `code` and `reason`.
    fn close_link(&self, code: u16, reason: &str) {
        let link = self.state.borrow_mut().link.take();
        if let (Some(link), Some(sink)) = (link, self.sink.upgrade()) {
            sink.input(Input::Close(link.handle, code, reason.to_owned()));
        }
    }

    fn go_solo(&self, reason: String) {
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

    fn message(&self, message: &JsValue) {
        let (Some(kind), Some(hub)) = (share_js::text(message, "t"), share_js::text(message, "hub")) else { return };
        let to_me = share_js::text(message, "to").as_deref() == Some(self.id.as_str());
        let (handle, linked_to) = match self.state.borrow().link.as_ref() {
            Some(link) => (Some(link.handle), Some(link.hub.clone())),
            None => (None, None),
        };
        let on_this_hub = matches!(&linked_to, Some(Some(h)) if *h == hub);
        if on_this_hub {
            let mut state = self.state.borrow_mut();
            state.heard = now();
            state.probe = None;
        }
        match kind.as_str() {
            "hub" => match linked_to {
                Some(None) => self.send_attach(),
                Some(Some(other)) if other != hub => self.move_link("the shared connection has a new leader"),
                _ => {}
            },
            "bye" if on_this_hub => self.move_link("the shared connection's leader left"),
            "open" if to_me && linked_to == Some(None) => {
                {
                    let mut state = self.state.borrow_mut();
                    if let Some(link) = state.link.as_mut() {
                        link.hub = Some(hub);
                    }
                    state.heard = now();
                    state.probe = None;
                }
                self.deliver(handle, |h| Input::Open(h));
            }
            "to" if on_this_hub => {
                let to = share_js::field(message, "to");
                let me = JsValue::from_str(&self.id);
                if js_sys::Array::is_array(&to) && js_sys::Array::from(&to).includes(&me, 0) {
                    let text = share_js::field(message, "text");
                    // Another recipient shows this frame's desktop notification.
                    let quiet = share_js::text(message, "n").is_some_and(|n| n != self.id);
                    self.quiet.set(quiet);
                    self.deliver(handle, |h| Input::Frame(h, text));
                    self.quiet.set(false);
                }
            }
            "close" if to_me && linked_to.is_some() => {
                let code = share_js::field(message, "code").as_f64().unwrap_or(1006.0) as u16;
                let reason = share_js::text(message, "reason").unwrap_or_default();
                self.close_link(code, &reason);
            }
            "solo" if to_me => {
                let reason = share_js::text(message, "reason").unwrap_or_default();
                self.state.borrow_mut().link = None;
                let reason = format!("{reason}: this Echo connects on its own");
                self.go_solo(reason);
                if let Some((h, sink)) = handle.zip(self.sink.upgrade()) {
                    sink.input(Input::Close(h, 4200, "leaving the shared connection: connecting on its own".into()));
                }
            }
            // From its hub, or the one it is attaching to (the count may change before the open).
            "tabs" if on_this_hub || linked_to == Some(None) => {
                if let Some(n) = share_js::field(message, "n").as_f64() {
                    self.state.borrow_mut().tabs = n as u32;
                }
            }
            _ => {}
        }
    }

    fn deliver(&self, handle: Option<SocketHandle>, input: impl FnOnce(SocketHandle) -> Input) {
        if let (Some(handle), Some(sink)) = (handle, self.sink.upgrade()) {
            sink.input(input(handle));
        }
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
