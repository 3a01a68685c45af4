//! The hub host: the leader tab's side of `shareConnection`. It runs the core's [`Hub`]
//! with the one real WebSocket ([`Socket`]), its own `BroadcastChannel` (tabs' messages in,
//! the hub's out; the protocol is written down in `web/share.rs`), one timer for the hub's
//! keep-alive, and a [`LockWatch`] per attached tab, which fires when that tab is gone.
//!
//! It runs no app code: its inputs come from the socket, the channel, the watches and the
//! timer, each borrow ends before the next output is performed.

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
use crate::hub::{Hub, HubOutput};
use crate::options::Options;

struct State {
    hub: Hub<JsValue, String>,
    socket: Option<(SocketHandle, Socket)>,
    next_socket: u32,
    channel: Option<Channel>,
    watches: FastMap<String, LockWatch>,
    /// The timer and the deadline it is armed for.
    timer: Option<(gloo_timers::callback::Timeout, u64)>,
    tabs_told: usize,
}

/// The hub of one sharing key, hosted by the leader.
pub struct HubHost {
    /// This hub's id (in every message it sends).
    pub id: String,
    key: String,
    state: RefCell<State>,
    me: Weak<HubHost>,
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
}

impl HubHost {
    /// Starts the hub of `key` (the sharing key's hash) and announces it.
    pub fn start(key: &str, options: &Options) -> Result<Rc<HubHost>, JsValue> {
        let host = Rc::new_cyclic(|me: &Weak<HubHost>| HubHost {
            id: share_js::random_id(),
            key: key.to_owned(),
            state: RefCell::new(State {
                hub: Hub::new(options),
                socket: None,
                next_socket: 0,
                channel: None,
                watches: FastMap::default(),
                timer: None,
                tabs_told: 0,
            }),
            me: me.clone(),
        });
        let weak = host.me.clone();
        let channel = Channel::open(&format!("echo-wasm:share:{key}"), move |message| {
            if let Some(host) = weak.upgrade() {
                host.message(&message);
            }
        })?;
        channel.poster().post(&[("t", &"hub".into()), ("hub", &host.id.as_str().into())]);
        host.state.borrow_mut().channel = Some(channel);
        Ok(host)
    }

    fn message(&self, message: &JsValue) {
        let kind = share_js::text(message, "t");
        let tab = share_js::text(message, "tab");
        let asked = match (kind.as_deref(), tab) {
            (Some("attach"), Some(tab)) => FromTab::Attach(tab, share_js::text(message, "url").unwrap_or_default()),
            (Some("frame"), Some(tab)) => match share_js::text(message, "text") {
                Some(text) => FromTab::Frame(tab, text),
                None => return,
            },
            (Some("detach"), Some(tab)) => FromTab::Detach(tab),
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

    fn post(&self, pairs: &[(&str, &JsValue)]) {
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
                    self.post(&[("t", &"to".into()), ("to", &to), ("text", &text.into())]);
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

    /// Arms the timer for the hub's deadline unless it is armed for that or an earlier one
    /// (a timer that fires early finds nothing due and is armed again).
    fn rearm(&self) {
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
    pub fn stop(&self) {
        self.post(&[("t", &"bye".into())]);
        let (socket, channel, watches, timer) = {
            let mut state = self.state.borrow_mut();
            (state.socket.take(), state.channel.take(), std::mem::take(&mut state.watches), state.timer.take())
        };
        if let Some((_, socket)) = socket {
            socket.close(1000, "hub handed off");
        }
        drop((channel, watches, timer));
    }
}
