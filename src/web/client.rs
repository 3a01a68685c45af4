//! The client: the state the Echo facade, its channel handles and every browser callback
//! share ([`Client`]), and the engine with the browser resources that feed it ([`Runtime`]).
//!
//! Browser callbacks only hand an [`Input`] to the client ([`InputSink`]); its loop
//! (`event_loop.rs`) applies inputs and performs the engine's outputs (`effects.rs`), which
//! reach JS listeners through `dispatch.rs` and desktop notifications through `desktop.rs`.
//! Those modules add methods to [`Client`]; this one owns its construction, its commands, its
//! listener registrations and its shutdown.
//!
//! Re-entrancy is the normal case: every call into JS (listeners, `desktopNotifications`
//! callbacks, console methods, user getters) happens with no `RefCell` borrow held, every
//! imported JS function that can throw is imported with `catch`, and the loop flag is reset by
//! a drop guard. A listener may call back into the SDK (`leave()` inside a callback): its
//! command changes the engine at once, and the outer loop performs the resulting outputs.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::auth::AuthConfig;
use super::browser::BrowserEvents;
use super::callback::{self, ListenerOwner};
use super::clock::now;
use super::diagnostics::{print_warning, Diagnostics};
use super::handles::ChannelHandles;
use super::input::{Input, InputSink};
use super::notify::{Desktop, DesktopConfig};
use super::sharing::Sharing;
use super::socket::Socket;
use crate::connection::ConnectionStatus;
use crate::engine::{Engine, SocketHandle};
use crate::listeners::{Listener, ListenerId, Place, Registry, Table};
use crate::time::Millis;

/// The engine and the browser resources that feed it.
pub struct Runtime {
    /// The protocol engine.
    pub engine: Engine<JsValue>,
    pub(super) socket: Option<(SocketHandle, Socket)>,
    /// The one timer, and when (wall clock) it should fire.
    pub(super) timer: Option<(gloo_timers::callback::Timeout, f64)>,
    pub(super) browser: Option<BrowserEvents>,
    /// Authorization settings.
    pub auth: Rc<AuthConfig>,
    /// The status listeners last heard (`onConnectionChange` fires on changes only).
    pub(super) last_status: ConnectionStatus,
    /// Log protocol traffic to the console.
    pub debug: bool,
    /// `shareConnection`: this Echo's part in the group, when on.
    pub share: Sharing,
}

/// State shared by the Echo facade, its channels and every browser callback.
pub struct Client {
    /// The engine and browser resources.
    pub runtime: RefCell<Runtime>,
    /// Every listener: channel events, lifecycle callbacks, connection and user listeners.
    pub listeners: RefCell<Registry<Function>>,
    /// Recent errors and console warnings.
    pub diagnostics: RefCell<Diagnostics>,
    /// Echo's namespace for event names (`App.Events`), `None` when disabled.
    pub namespace: Option<String>,
    /// The namespace as it appears in event names (`App\\Events`), for `listenToAll`.
    pub(super) namespace_prefix: Option<String>,
    pub(super) queue: RefCell<VecDeque<Input>>,
    pub(super) running: Cell<bool>,
    /// Reused by dispatch: the listeners of one delivery, copied out of the registry.
    pub(super) scratch: RefCell<Vec<Listener<Function>>>,
    /// Desktop notifications.
    pub desktop: RefCell<Desktop>,
    /// The JS handle of each channel, held weakly (see [`super::handles`]).
    pub channel_handles: RefCell<ChannelHandles>,
    /// Set by [`Client::shutdown`] (`destroy()`): every handle method then throws `echo_destroyed`.
    pub destroyed: Cell<bool>,
    /// What lives exactly as long as the client (the axios `X-Socket-ID` interceptor).
    pub interceptor: RefCell<Option<Box<dyn std::any::Any>>>,
    pub(super) me: Weak<Client>,
    /// This client's number in [`callback`]'s table (what its undo functions name).
    instance: u32,
}

impl Drop for Client {
    /// The last owner (the Echo or any channel, connector or notifications handle) is gone:
    /// nothing can use the client any more, so it shuts down. Its listeners are dropped first,
    /// so no app callback runs from a garbage-collection finalizer.
    fn drop(&mut self) {
        callback::unregister_instance(self.instance);
        if !self.destroyed.get() {
            drop(std::mem::take(self.listeners.get_mut()));
            self.shutdown();
        }
    }
}

impl InputSink for Client {
    /// Queues an input and runs the loop.
    fn input(&self, input: Input) {
        self.queue.borrow_mut().push_back(input);
        self.pump();
    }
}

impl ListenerOwner for Client {
    /// What an undo function does.
    fn remove_listener(&self, table: Table, id: ListenerId) {
        self.listeners.borrow_mut().remove_from(table, id);
    }
}

impl Client {
    /// Wraps an engine; attaches page listeners when there is a page.
    pub fn new(engine: Engine<JsValue>, auth: AuthConfig, namespace: Option<String>, desktop: DesktopConfig, debug: bool) -> Rc<Client> {
        let client = Rc::new_cyclic(|me: &Weak<Client>| Client {
            runtime: RefCell::new(Runtime {
                engine,
                socket: None,
                timer: None,
                browser: None,
                auth: Rc::new(auth),
                last_status: ConnectionStatus::Disconnected,
                debug,
                share: Sharing::Off,
            }),
            listeners: RefCell::new(Registry::new()),
            diagnostics: RefCell::new(Diagnostics::default()),
            namespace_prefix: namespace.as_ref().map(|ns| ns.replace('.', "\\")),
            namespace,
            queue: RefCell::new(VecDeque::new()),
            running: Cell::new(false),
            scratch: RefCell::new(Vec::new()),
            desktop: RefCell::new(Desktop::new(desktop)),
            channel_handles: RefCell::new(ChannelHandles::default()),
            destroyed: Cell::new(false),
            interceptor: RefCell::new(None),
            me: me.clone(),
            instance: callback::register_instance(me.clone()),
        });
        let browser = BrowserEvents::attach(client.me.clone());
        client.runtime.borrow_mut().browser = Some(browser);
        client
    }

    /// `shareConnection: true`: joins the group of this Echo's sharing key (before the first
    /// connect, so the first socket is already a link).
    pub fn start_sharing(&self) {
        // Copied out: joining calls into JS (Web Locks, listeners), with no borrow held.
        let (options, auth) = {
            let runtime = self.runtime.borrow();
            (runtime.engine.options().clone(), runtime.auth.clone())
        };
        let desktop = self.desktop.borrow().enabled();
        let sink: Weak<dyn InputSink> = self.me.clone();
        let sharing = Sharing::start(&options, &auth, desktop, sink);
        self.runtime.borrow_mut().share = sharing;
    }

    /// Runs a command on the engine, then the loop. Safe to call from inside a listener.
    pub fn command<R>(&self, f: impl FnOnce(&mut Engine<JsValue>, Millis) -> R) -> R {
        let now = now();
        let result = {
            let mut runtime = self.runtime.borrow_mut();
            f(&mut runtime.engine, now)
        };
        self.pump();
        result
    }

    /// Adds a listener at `place`; `desktop` also marks a channel event for desktop
    /// notifications.
    pub fn add_listener(&self, place: Place, listener: Function, desktop: bool) -> ListenerId {
        self.listeners.borrow_mut().add(place, listener, desktop)
    }

    /// A JS function that removes listener `id` of `table` when called (the undo of a
    /// registration). It may be called any number of times (later calls do nothing), also
    /// after the client is gone, and holds no Rust memory (see [`callback`]).
    pub fn remover(&self, table: Table, id: ListenerId) -> JsValue {
        callback::undo_function(self.instance, table, id)
    }

    /// Keeps an error for `diagnose()`.
    pub fn record(&self, code: &'static str, message: String, channel: Option<String>) {
        // The wall clock is read before the borrow: `Date.now` is JS a page may replace.
        let at = js_sys::Date::now();
        self.diagnostics.borrow_mut().record(code, message, channel, at);
    }

    /// Prints an unobserved error once per connection cycle, so nothing fails silently.
    pub(super) fn warn_once(&self, code: &'static str, message: &str) {
        let first = self.diagnostics.borrow_mut().first_warning(code);
        if first {
            print_warning(code, message);
        }
    }

    /// Stops everything that holds browser resources (socket, timer, page listeners) and
    /// releases the listeners (a listener that references a handle is a cycle through Rust
    /// that only this breaks). Every handle method throws `echo_destroyed` after. Idempotent.
    pub fn shutdown(&self) {
        if self.destroyed.get() {
            return;
        }
        self.command(|engine, now| engine.disconnect(now));
        self.destroyed.set(true);
        let mut runtime = self.runtime.borrow_mut();
        let timer = runtime.timer.take();
        let browser = runtime.browser.take();
        let share = std::mem::take(&mut runtime.share);
        drop(runtime);
        if let Sharing::On(participant) = &share {
            participant.stop();
        }
        drop((timer, browser, share));
        // Shown notifications lose their click handlers: no app code after destroy().
        let shown = self.desktop.borrow_mut().take_shown();
        drop(shown);
        // Taken out first: dropping runs no app code, but the interceptor's eject does.
        let listeners = std::mem::take(&mut *self.listeners.borrow_mut());
        let handles = std::mem::take(&mut *self.channel_handles.borrow_mut());
        let interceptor = self.interceptor.borrow_mut().take();
        drop((listeners, handles, interceptor));
    }

    /// The bytes waiting in the socket's send buffer.
    pub fn buffered_amount(&self) -> u32 {
        let ws = self.runtime.borrow().socket.as_ref().map(|(_, socket)| socket.web_socket());
        ws.map_or(0, |ws| ws.buffered_amount())
    }
}
