//! The hub host: the leader tab's side of `shareConnection`. It runs the core's [`Hub`]
//! with the one real WebSocket ([`Socket`]), its own `BroadcastChannel` (tabs' messages in,
//! the hub's out; the protocol is written down in `web/share.rs`), one timer for the hub's
//! keep-alive, and a [`LockWatch`] per attached tab, which fires when that tab is gone.
//!
//! It runs no app code: its inputs come from the socket, the channel, the watches and the
//! timer, each borrow ends before the next output is performed. Every input passes the gate
//! of `web/share_doubt.rs` first (the beat, and the check after a freeze that this hub is
//! still the leader); a hub that stopped takes nothing.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Array;
use wasm_bindgen::JsValue;

use super::clock::now;
use super::input::{Input, InputSink};
use super::share_js::{self, Channel, LockWatch};
use super::socket::Socket;
use crate::engine::SocketHandle;
use crate::fast_map::FastMap;
use crate::hub::notifier::Seen;
use crate::hub::{Hub, HubOutput};
use crate::options::Options;

pub(super) struct State {
    pub(super) hub: Hub<JsValue, String>,
    pub(super) socket: Option<(SocketHandle, Socket)>,
    next_socket: u32,
    pub(super) channel: Option<Channel>,
    pub(super) watches: FastMap<String, LockWatch>,
    /// The timer and the deadline it is armed for.
    pub(super) timer: Option<(gloo_timers::callback::Timeout, u64)>,
    pub(super) tabs_told: usize,
    /// The beat's interval (`web/share_doubt.rs`) and when it last ran.
    pub(super) beat: Option<gloo_timers::callback::Interval>,
    pub(super) last_beat: u64,
    /// While the hub doubts it still leads: what came in meanwhile, in order.
    pub(super) doubt: Option<Vec<Held>>,
    pub(super) stopped: bool,
}

/// An input held back while the hub doubts it still leads.
pub(super) enum Held {
    /// From the real socket.
    Socket(Input),
    /// A tab's message.
    Tab(JsValue),
}

/// The hub of one sharing key, hosted by the leader.
pub struct HubHost {
    /// This hub's id (in every message it sends).
    pub id: String,
    pub(super) key: String,
    /// The hosting participant's tab id (its tab lock tells whose page holds the leader lock).
    pub(super) tab: String,
    pub(super) state: RefCell<State>,
    pub(super) me: Weak<HubHost>,
    /// Told (from a microtask) when the hub stopped because it no longer leads.
    pub(super) lost: Box<dyn Fn()>,
}

/// What a tab's message asks the hub.
enum FromTab {
    Attach(String, String),
    Frame(String, String),
    Detach(String),
}

impl InputSink for HubHost {
    /// The real socket's events.
    fn input(&self, input: Input) {
        if let Some(Held::Socket(input)) = self.gate(Held::Socket(input)) {
            self.socket_input(input);
        }
    }
}

impl HubHost {
    pub(super) fn socket_input(&self, input: Input) {
        let now = now();
        let current = self.state.borrow().socket.as_ref().map(|(h, _)| *h);
        {
            let mut state = self.state.borrow_mut();
            match input {
                Input::Open(h) if Some(h) == current => state.hub.server_open(now),
                Input::Frame(h, text) if Some(h) == current => {
                    if let Some(text) = text.as_string() {
                        state.hub.server_frame(now, &text);
                    }
                }
                Input::Close(h, code, reason) if Some(h) == current => {
                    let socket = state.socket.take();
                    state.hub.server_close(code, &reason);
                    drop(state);
                    drop(socket);
                }
                Input::Timer => {
                    let fired = state.timer.take();
                    state.hub.handle_timeout(now);
                    drop(state);
                    drop(fired);
                }
                _ => {}
            }
        }
        self.perform();
    }

    /// Starts the hub of `key` (the sharing key's hash) for participant `tab`, announces it
    /// and starts its beat; `lost` is told if it stops because another tab took over.
    pub fn start(key: &str, tab: &str, options: &Options, lost: impl Fn() + 'static) -> Result<Rc<HubHost>, JsValue> {
        let host = Rc::new_cyclic(|me: &Weak<HubHost>| HubHost {
            id: share_js::random_id(),
            key: key.to_owned(),
            tab: tab.to_owned(),
            lost: Box::new(lost),
            state: RefCell::new(State {
                hub: Hub::new(options),
                socket: None,
                next_socket: 0,
                channel: None,
                watches: FastMap::default(),
                timer: None,
                tabs_told: 0,
                beat: None,
                last_beat: now(),
                doubt: None,
                stopped: false,
            }),
            me: me.clone(),
        });
        let weak = host.me.clone();
        let channel = Channel::open(&format!("echo-wasm:share:{key}"), move |message| {
            if let Some(host) = weak.upgrade() {
                if let Some(Held::Tab(message)) = host.gate(Held::Tab(message)) {
                    host.message(&message);
                }
            }
        })?;
        channel.poster().post(&[("t", &"hub".into()), ("hub", &host.id.as_str().into())]);
        host.state.borrow_mut().channel = Some(channel);
        host.start_beat();
        Ok(host)
    }

    pub(super) fn message(&self, message: &JsValue) {
        let kind = share_js::text(message, "t");
        let tab = share_js::text(message, "tab");
        let asked = match (kind.as_deref(), tab) {
            (Some("attach"), Some(tab)) => {
                let seen = self.seen(message);
                self.state.borrow_mut().hub.report(tab.clone(), seen);
                FromTab::Attach(tab, share_js::text(message, "url").unwrap_or_default())
            }
            (Some("vis"), Some(tab)) => {
                let seen = self.seen(message);
                let mut state = self.state.borrow_mut();
                if state.hub.is_attached(&tab) {
                    state.hub.report(tab, seen);
                }
                return;
            }
            // Like every tab message, held back while the hub doubts (`gate`): a hub that was
            // replaced while frozen never answers.
            (Some("probe"), Some(_)) => return self.post(&[("t", &"beat".into())]),
            (Some("frame"), Some(tab)) => match share_js::text(message, "text") {
                Some(text) => FromTab::Frame(tab, text),
                None => return,
            },
            // A detach names the hub the link was open to (none while it attached).
            (Some("detach"), Some(tab)) if share_js::text(message, "at").map_or(true, |at| at == self.id) => FromTab::Detach(tab),
            _ => return,
        };
        let now = now();
        let mut watch_tab = None;
        {
            let mut state = self.state.borrow_mut();
            match asked {
                FromTab::Attach(tab, url) => {
                    state.hub.attach(now, tab.clone(), &url);
                    if !state.watches.contains_key(&tab) {
                        watch_tab = Some(tab);
                    }
                }
                FromTab::Frame(tab, text) => state.hub.tab_frame(now, &tab, &text),
                FromTab::Detach(tab) => {
                    state.hub.detach(&tab);
                    let watch = state.watches.remove(&tab);
                    drop(state);
                    drop(watch);
                }
            }
        }
        if let Some(tab) = watch_tab {
            let weak = self.me.clone();
            let gone = tab.clone();
            let watch = LockWatch::new(&format!("echo-wasm:share:{}:tab:{tab}", self.key), move || {
                if let Some(host) = weak.upgrade() {
                    host.tab_gone(&gone);
                }
            });
            if let Ok(watch) = watch {
                self.state.borrow_mut().watches.insert(tab, watch);
            }
        }
        self.perform();
    }

    fn tab_gone(&self, tab: &str) {
        let watch = {
            let mut state = self.state.borrow_mut();
            state.hub.detach(&tab.to_owned());
            state.watches.remove(tab)
        };
        drop(watch);
        self.perform();
    }

    /// What a tab's `attach` or `vis` says of its page.
    fn seen(&self, message: &JsValue) -> Seen {
        let visible = share_js::field(message, "visible").as_bool().unwrap_or(false);
        let local = share_js::text(message, "page") == Some(share_js::page_id());
        let desktop = share_js::field(message, "desktop").as_bool().unwrap_or(false);
        Seen { visible, local, desktop }
    }

    pub(super) fn post(&self, pairs: &[(&str, &JsValue)]) {
        let mut all: Vec<(&str, &JsValue)> = pairs.to_vec();
        let id = JsValue::from_str(&self.id);
        all.push(("hub", &id));
        let poster = self.state.borrow().channel.as_ref().map(Channel::poster);
        if let Some(poster) = poster {
            poster.post(&all);
        }
    }

    /// Performs the hub's outputs, tells the tabs their count when it changed, re-arms the timer.
    fn perform(&self) {
        loop {
            let output = self.state.borrow_mut().hub.poll_output();
            let Some(output) = output else { break };
            match output {
                HubOutput::OpenServer(url) => {
                    let handle = {
                        let mut state = self.state.borrow_mut();
                        state.next_socket += 1;
                        SocketHandle(state.next_socket)
                    };
                    match Socket::open(&url, handle, self.me.clone()) {
                        Ok(socket) => {
                            let old = self.state.borrow_mut().socket.replace((handle, socket));
                            drop(old);
                        }
                        Err(_) => self.state.borrow_mut().hub.server_close(1006, "the WebSocket could not be opened"),
                    }
                }
                HubOutput::SendServer(text) => {
                    let ws = self.state.borrow().socket.as_ref().map(|(_, s)| s.web_socket());
                    if let Some(ws) = ws {
                        let _ = ws.send_with_str(&text);
                    }
                }
                HubOutput::CloseServer(code, reason) => {
                    let socket = self.state.borrow_mut().socket.take();
                    if let Some((_, socket)) = socket {
                        socket.close(code, &reason);
                    }
                }
                HubOutput::ToTabs(tabs, text) => {
                    let to = Array::new();
                    for tab in &tabs {
                        to.push(&JsValue::from_str(tab));
                    }
                    // The one recipient that shows a desktop notification for this frame.
                    let notifier = self.state.borrow().hub.notifier(&tabs).map(|t| JsValue::from_str(t)).unwrap_or(JsValue::NULL);
                    self.post(&[("t", &"to".into()), ("to", &to), ("text", &text.into()), ("n", &notifier)]);
                }
                HubOutput::OpenTab(tab) => self.post(&[("t", &"open".into()), ("to", &tab.into())]),
                HubOutput::CloseTab(tab, code, reason) => {
                    self.post(&[("t", &"close".into()), ("to", &tab.into()), ("code", &code.into()), ("reason", &reason.into())]);
                }
                HubOutput::Solo(tab, reason) => self.post(&[("t", &"solo".into()), ("to", &tab.into()), ("reason", &reason.into())]),
            }
        }
        let (count, told) = {
            let state = self.state.borrow();
            (state.hub.tab_count(), state.tabs_told)
        };
        if count != told {
            self.state.borrow_mut().tabs_told = count;
            self.post(&[("t", &"tabs".into()), ("n", &(count as u32).into())]);
        }
        self.rearm();
    }
}
