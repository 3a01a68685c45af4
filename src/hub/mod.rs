//! The hub (sans-IO): one real socket shared by several tabs' engines (`shareConnection`,
//! issue #14). Every tab keeps its whole engine; only its socket is virtual: a link to this
//! hub, which multiplexes the tabs' frames onto the one socket and hands each tab the
//! frames meant for it.
//!
//! Inputs carry the time ([`Millis`]); outputs ([`HubOutput`]) are drained with
//! [`Hub::poll_output`], and [`Hub::poll_timeout`] says when to call [`Hub::handle_timeout`].
//! The rules: the socket is open while a tab is attached; the cached
//! `pusher:connection_established` is each tab's handshake; a channel is subscribed once and
//! held by a reference count of tabs (a late holder gets `subscription_succeeded` at once,
//! for presence rebuilt from the roster kept in [`roster`]); client events are also given to
//! the other holders; the hub answers pings itself and keeps the socket alive with the
//! engine's own activity and pong timeouts; one user per socket (another user: `Solo`).
//! Parts: [`table`] the channels, [`alive`] the keep-alive, [`user`] the user and sign-in, [`route`] reading frames,
//! [`notifier`] which tab shows a desktop notification, [`output`] the outputs.

pub mod alive;
pub mod notifier;
pub mod output;
pub mod roster;
pub mod route;
pub mod table;
pub mod user;

use std::collections::VecDeque;
use std::marker::PhantomData;

use alive::{Due, KeepAlive};
use notifier::{Notifier, Seen};
pub use output::HubOutput;
use roster::Roster;
use route::{Route, TabFrame};
use table::{Subscribe, Table};
use user::{Signin, User};

use crate::fast_map::FastMap;
use crate::options::Options;
use crate::payload::Payload;
use crate::protocol::{self, InboundFrame};
use crate::time::Millis;

#[derive(Debug, PartialEq, Eq)]
enum Server {
    Closed,
    Connecting,
    Open,
    /// The handshake arrived: its frame, verbatim, for every tab.
    Established(String),
}

/// The hub: tabs of type `T` (the edge's tab ids), payloads of type `P`.
#[derive(Debug)]
pub struct Hub<P, T> {
    server: Server,
    /// Attached tabs, and whether their link is open (it opens with the real socket, so a
    /// close before the handshake reads as such in every engine; the handshake follows).
    tabs: FastMap<T, bool>,
    table: Table<T>,
    user: User<T>,
    alive: KeepAlive,
    /// The tab that sent the last client event (a refused one is its error).
    last_client: Option<T>,
    notifier: Notifier<T>,
    out: VecDeque<HubOutput<T>>,
    _payload: PhantomData<P>,
}

impl<P: Payload, T: Clone + Ord + std::fmt::Debug> Hub<P, T> {
    /// A hub whose keep-alive follows the leader's options (`activityTimeout` caps the
    /// server's `activity_timeout`; `pongTimeout`).
    pub fn new(options: &Options) -> Self {
        Hub {
            server: Server::Closed,
            tabs: FastMap::default(),
            table: Table::default(),
            user: User::default(),
            alive: KeepAlive::new(options),
            last_client: None,
            notifier: Notifier::default(),
            out: VecDeque::new(),
            _payload: PhantomData,
        }
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<HubOutput<T>> {
        self.out.pop_front()
    }

    /// The number of attached tabs.
    pub fn tab_count(&self) -> usize {
        self.tabs.len()
    }

    /// True when `tab` is attached.
    pub fn is_attached(&self, tab: &T) -> bool {
        self.tabs.contains_key(tab)
    }

    /// The number of channels held (by any tab).
    pub fn channel_count(&self) -> usize {
        self.table.len()
    }

    /// When [`Hub::handle_timeout`] is due: the pong deadline after a ping, else the end of
    /// the activity period; `None` before the handshake.
    pub fn poll_timeout(&self) -> Option<Millis> {
        matches!(self.server, Server::Established(_)).then(|| self.alive.deadline())
    }

    /// `tab` reports its page (on attach and when its visibility changes).
    pub fn report(&mut self, tab: T, seen: Seen) {
        self.notifier.report(tab, seen);
    }

    /// The one of `tabs` (a frame's recipients, in order) that shows desktop notifications:
    /// of those whose Echo shows them (all when none does), a visible one, else one in the
    /// leader's page, else the first.
    pub fn notifier<'a>(&self, tabs: &'a [T]) -> Option<&'a T> {
        self.notifier.pick(tabs)
    }

    /// A tab attaches (its engine opened a socket at `url`). The first one opens the real
    /// socket; after the handshake a tab's link opens at once. A tab attaching again (it only
    /// attaches while its link waits: it did not get this hub's open, or its detach went to
    /// another hub) starts afresh: what it held is released (its engine subscribes again) and
    /// its link opens again.
    pub fn attach(&mut self, _now: Millis, tab: T, url: &str) {
        if self.tabs.remove(&tab).is_some() {
            self.release(&tab);
        }
        self.tabs.insert(tab.clone(), false);
        match &self.server {
            Server::Closed => {
                self.server = Server::Connecting;
                self.out.push_back(HubOutput::OpenServer(url.to_owned()));
            }
            Server::Established(frame) => {
                let frame = frame.clone();
                self.open_link(tab.clone());
                self.to_tab(&tab, frame);
            }
            Server::Open => self.open_link(tab),
            Server::Connecting => {}
        }
    }

    fn open_link(&mut self, tab: T) {
        self.tabs.insert(tab.clone(), true);
        self.out.push_back(HubOutput::OpenTab(tab));
    }

    /// A tab leaves (its engine closed its socket, or the tab is gone): it releases what it
    /// held; the last tab's leaving closes the real socket with 1000.
    pub fn detach(&mut self, tab: &T) {
        if self.tabs.remove(tab).is_none() {
            return;
        }
        self.notifier.forget(tab);
        self.release(tab);
        self.close_if_alone();
    }

    fn close_if_alone(&mut self) {
        if self.tabs.is_empty() && self.server != Server::Closed {
            self.out.push_back(HubOutput::CloseServer(1000, "no tab left".into()));
            self.reset();
        }
    }

    fn release(&mut self, tab: &T) {
        let established = matches!(self.server, Server::Established(_));
        for channel in self.table.release(tab) {
            if established {
                self.out.push_back(HubOutput::SendServer(protocol::unsubscribe_frame(&channel)));
            }
        }
        self.user.release(tab);
    }

    fn reset(&mut self) {
        self.server = Server::Closed;
        self.last_client = None;
        self.table.clear();
        self.user = User::default();
    }

    fn solo(&mut self, tab: &T, reason: &str) {
        self.tabs.remove(tab);
        self.notifier.forget(tab);
        self.release(tab);
        self.out.push_back(HubOutput::Solo(tab.clone(), reason.to_owned()));
        self.close_if_alone();
    }

    fn to_tab(&mut self, tab: &T, text: String) {
        self.out.push_back(HubOutput::ToTabs(vec![tab.clone()], text));
    }

    fn to_tabs(&mut self, tabs: Vec<T>, text: &str) {
        let open: Vec<T> = tabs.into_iter().filter(|t| self.tabs.get(t) == Some(&true)).collect();
        if !open.is_empty() {
            self.out.push_back(HubOutput::ToTabs(open, text.to_owned()));
        }
    }

    /// A text frame from an attached, open tab. Frames that cannot be read are dropped.
    pub fn tab_frame(&mut self, _now: Millis, tab: &T, text: &str) {
        if self.tabs.get(tab) != Some(&true) || !matches!(self.server, Server::Established(_)) {
            return;
        }
        let Some(frame) = route::tab_frame::<P>(text) else { return };
        match frame {
            TabFrame::Subscribe { channel, user } => {
                if channel.starts_with("presence-") {
                    match user {
                        None => return self.solo(tab, "presence channel_data names no readable user_id"),
                        Some(id) if !self.user.admits(&id) => return self.solo(tab, "presence channel_data names another user than this socket's"),
                        Some(_) => {}
                    }
                }
                match self.table.subscribe(tab, &channel) {
                    Subscribe::Forward => self.out.push_back(HubOutput::SendServer(text.to_owned())),
                    Subscribe::Wait => {}
                    Subscribe::Reply(reply) => self.to_tab(tab, reply),
                }
            }
            TabFrame::Unsubscribe(channel) => {
                if self.table.unsubscribe(tab, &channel) {
                    self.out.push_back(HubOutput::SendServer(text.to_owned()));
                }
            }
            TabFrame::Ping => self.to_tab(tab, protocol::pong_frame()),
            TabFrame::Pong => {}
            TabFrame::Signin(user) => {
                match user {
                    None => return self.solo(tab, "sign-in user_data names no readable id"),
                    Some(id) if !self.user.admits(&id) => return self.solo(tab, "sign-in user_data names another user than this socket's"),
                    Some(_) => {}
                }
                match self.user.signin(tab) {
                    Signin::Forward => self.out.push_back(HubOutput::SendServer(text.to_owned())),
                    Signin::Wait => {}
                    Signin::Reply(reply) => {
                        self.to_tab(tab, reply);
                        for status in self.user.status_frames() {
                            self.to_tab(tab, status);
                        }
                    }
                }
            }
            TabFrame::Client(frame) => self.client_event(tab, text, &frame),
            TabFrame::Other => self.out.push_back(HubOutput::SendServer(text.to_owned())),
        }
    }

    /// A client event: to the server, and to the other tabs holding the channel as the
    /// server would give it to other sockets (with `user_id` on presence channels).
    fn client_event(&mut self, tab: &T, text: &str, frame: &InboundFrame<P>) {
        let Some(channel) = frame.channel.as_deref() else { return };
        if !self.table.holds(tab, channel) {
            return;
        }
        self.out.push_back(HubOutput::SendServer(text.to_owned()));
        self.last_client = Some(tab.clone());
        let others: Vec<T> = self.table.holders(channel).into_iter().filter(|t| t != tab).collect();
        if others.is_empty() {
            return;
        }
        let copy = match self.user.id() {
            Some(user) if channel.starts_with("presence-") => route::presence_copy(frame, channel, user),
            _ => None,
        };
        let copy = copy.unwrap_or_else(|| text.to_owned());
        self.to_tabs(others, &copy);
    }

    /// The real socket opened.
    pub fn server_open(&mut self, now: Millis) {
        if self.server == Server::Connecting {
            self.server = Server::Open;
            self.alive.inbound(now);
            let waiting: Vec<T> = self.tabs.iter().filter(|(_, open)| !**open).map(|(t, _)| t.clone()).collect();
            for tab in waiting {
                self.open_link(tab);
            }
        }
    }

    /// A text frame from the server: routed to the tabs it concerns.
    pub fn server_frame(&mut self, now: Millis, text: &str) {
        if self.server == Server::Closed || self.server == Server::Connecting {
            return;
        }
        self.alive.inbound(now);
        let Some((route, data)) = route::server_frame::<P>(text) else { return };
        match route {
            Route::Established(seconds) => {
                self.alive.established(seconds);
                self.server = Server::Established(text.to_owned());
                let all: Vec<T> = self.tabs.keys().cloned().collect();
                self.to_tabs(all, text);
            }
            Route::Ping => self.out.push_back(HubOutput::SendServer(protocol::pong_frame())),
            Route::Drop => {}
            Route::Succeeded(channel) => {
                let roster = channel.starts_with("presence-").then(|| Roster::from_succeeded(&data));
                let holders = self.table.succeeded(&channel, text, roster);
                self.to_tabs(holders, text);
            }
            Route::Failed(channel) => {
                let holders = self.table.failed(&channel);
                self.to_tabs(holders, text);
            }
            Route::Member(channel, id, info) => {
                match (self.table.roster_mut(&channel), info) {
                    (Some(roster), Some(info)) => roster.add(id, info),
                    (Some(roster), None) => roster.remove(&id),
                    (None, _) => {}
                }
                self.to_tabs(self.table.holders(&channel), text);
            }
            Route::Channel(channel) => self.to_tabs(self.table.holders(&channel), text),
            Route::SignedIn => {
                let waiting = self.user.succeeded(text);
                self.to_tabs(waiting, text);
            }
            Route::User => self.to_tabs(self.user.signed(), text),
            Route::Watch(changes) => {
                for (name, ids) in &changes {
                    self.user.watched(name, ids);
                }
                self.to_tabs(self.user.signed(), text);
            }
            Route::Error(code) => self.server_error(text, &data, code),
            Route::All => {
                let all: Vec<T> = self.tabs.keys().cloned().collect();
                self.to_tabs(all, text);
            }
        }
    }

    /// A channel-less `pusher:error` goes to the tabs it concerns, read as the engine reads
    /// it: a 4009 refuses the oldest pending signed subscription (its holders get the error
    /// on that channel, and the channel is forgotten so the next subscribe is forwarded),
    /// else a pending sign-in (its tabs); a 4300-4399 (a client event refused) goes to the
    /// tab that sent the last client event; anything else to every tab.
    fn server_error(&mut self, text: &str, data: &P, code: Option<f64>) {
        if code == Some(4009.0) {
            if let Some(channel) = self.table.oldest_pending_signed() {
                let holders = self.table.failed(&channel);
                let frame = data.to_json().map(|json| protocol::client_event_frame(&channel, "pusher:error", &json));
                return self.to_tabs(holders, frame.as_deref().unwrap_or(text));
            }
            let waiting = self.user.error();
            if !waiting.is_empty() {
                return self.to_tabs(waiting, text);
            }
        }
        if code.is_some_and(|c| (4300.0..4400.0).contains(&c)) {
            if let Some(sender) = self.last_client.clone().filter(|t| self.tabs.contains_key(t)) {
                return self.to_tab(&sender, text.to_owned());
            }
        }
        let all: Vec<T> = self.tabs.keys().cloned().collect();
        self.to_tabs(all, text);
    }

    /// The real socket closed: every tab's link closes with the server's code (each engine
    /// applies its own close-code policy) and the hub forgets channels, roster and sign-in.
    pub fn server_close(&mut self, code: u16, reason: &str) {
        if self.server == Server::Closed {
            return;
        }
        let tabs: Vec<T> = self.tabs.keys().cloned().collect();
        self.tabs = FastMap::default();
        for tab in tabs {
            self.out.push_back(HubOutput::CloseTab(tab, code, reason.to_owned()));
        }
        self.reset();
    }

    /// The timer: after the activity period a ping; after the pong timeout with nothing
    /// received, the real socket is closed (4201, reconnect at once) and so is every link.
    pub fn handle_timeout(&mut self, now: Millis) {
        if !matches!(self.server, Server::Established(_)) {
            return;
        }
        match self.alive.timeout(now) {
            Some(Due::Ping) => self.out.push_back(HubOutput::SendServer(protocol::ping_frame())),
            Some(Due::Dead) => {
                self.out.push_back(HubOutput::CloseServer(4201, "pong timeout".into()));
                self.server_close(4201, "pong timeout");
            }
            None => {}
        }
    }
}
