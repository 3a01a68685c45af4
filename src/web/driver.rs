//! The driver: the one loop that feeds the engine and performs its outputs.
//!
//! Browser callbacks (socket, timer, fetch completions, page events) only push an [`Input`]
//! and call [`Shared::pump`]. `pump` runs one loop: apply queued inputs, drain the engine's
//! outputs, perform each one, re-arm the single timer when the deadline moved. Borrows of the
//! engine are short and never held while JS code runs, so a listener may call back into the
//! SDK (`leave()` inside a callback): its command changes the engine at once, and the outer
//! loop performs the resulting outputs in order (a nested `pump` returns immediately).
//!
//! Re-entrancy is the normal case: every call into JS (listeners, `desktopNotifications`
//! callbacks, console methods, user getters) happens with no `RefCell` borrow held, every
//! imported JS function that can throw is imported with `catch`, and the loop flag is reset by
//! a drop guard. A listener removed during a dispatch is not called afterwards in it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::auth::{self, AuthConfig};
use super::callback;
use super::browser::BrowserEvents;
use super::notify::{self, Desktop, DesktopConfig, Skip};
use super::socket::Socket;
use crate::connection::ConnectionStatus;
use crate::engine::{AuthOutcome, Engine, Output, SocketHandle, UserAuthOutcome};
use crate::error::{ConnectionError, Diagnostic};
use crate::listeners::{ListenerId, Registry};
use crate::protocol::FrameError;
use crate::time::Millis;

/// Reserved listener names (they cannot collide with Pusher event names).
pub mod slot {
    /// `channel.subscribed(cb)`.
    pub const SUBSCRIBED: &str = "\u{1}subscribed";
    /// `channel.error(cb)`.
    pub const ERROR: &str = "\u{1}error";
    /// `presence.here(cb)`.
    pub const HERE: &str = "\u{1}here";
    /// `presence.joining(cb)`.
    pub const JOINING: &str = "\u{1}joining";
    /// `presence.leaving(cb)`.
    pub const LEAVING: &str = "\u{1}leaving";
    /// The pseudo-channel of connection-level listeners.
    pub const CONNECTION: &str = "\u{1}connection";
    /// The pseudo-channel of server-to-user events.
    pub const USER: &str = "\u{1}user";
    /// Connection status changes (`onConnectionChange`).
    pub const STATUS: &str = "status";
    /// pusher-js style `{previous, current}` state changes.
    pub const STATE: &str = "state_change";
    /// Connection-level errors (`onError`).
    pub const ERRORS: &str = "error";
    /// `pusher:signin_success`.
    pub const SIGNED_IN: &str = "signin";
    /// Prefix of the desktop-notification marks (`listen(event, cb, {desktop: true})`).
    pub const DESKTOP: &str = "\u{2}";
    /// Watchlist events.
    pub const WATCHLIST: &str = "watchlist";
}

// `catch` on all of them: pages and test frameworks replace console methods with ones that
// throw (fail-on-console setups).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn, catch)]
    fn console_warn(message: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = console, js_name = error, catch)]
    fn console_error2(message: &str, error: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = console, js_name = debug, catch)]
    fn console_debug(prefix: &str, message: &JsValue) -> Result<(), JsValue>;
    type Performance;
    #[wasm_bindgen(method, catch)]
    fn now(this: &Performance) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, getter, js_name = timeOrigin)]
    fn time_origin(this: &Performance) -> JsValue;
}

thread_local! {
    static LAST_NOW: Cell<Millis> = const { Cell::new(0) };
    /// `performance` and its `timeOrigin`, when the platform has `performance.now()`.
    static MONOTONIC: Option<(Performance, f64)> = monotonic_source();
}

fn monotonic_source() -> Option<(Performance, f64)> {
    let performance = Reflect::get(&js_sys::global(), &"performance".into()).ok()?;
    if !performance.is_object() || !Reflect::get(&performance, &"now".into()).is_ok_and(|f| f.is_function()) {
        return None;
    }
    let performance: Performance = performance.unchecked_into();
    let origin = performance.time_origin().as_f64().filter(|o| o.is_finite() && *o > 0.0).unwrap_or_else(js_sys::Date::now);
    Some((performance, origin))
}

/// The clock the engine runs on: monotonic milliseconds, `performance.timeOrigin +
/// performance.now()` (so the values have `Date.now()`'s scale), never going back. Not the
/// wall clock: a clock set back (NTP, the user, a VM resume) would hold engine time still
/// for as long, and no deadline (ping, reconnect, auth timeout) would arrive meanwhile.
/// Where there is no `performance.now()` (or it throws), `Date.now()` clamped monotonic.
/// Cost: one call into JS per reading, ~0.1 µs more than `Date.now()` in Chromium; the clock
/// is read once per input (frame), see BENCHMARKS.md's CPU section.
pub fn now() -> Millis {
    let reading = MONOTONIC.with(|source| match source {
        Some((performance, origin)) => performance.now().ok().map(|t| origin + t),
        None => None,
    });
    let reading = reading.filter(|t| t.is_finite()).unwrap_or_else(js_sys::Date::now).max(0.0) as Millis;
    LAST_NOW.with(|last| {
        let now = reading.max(last.get());
        last.set(now);
        now
    })
}

/// Resets the loop flag however the loop is left.
struct LoopGuard<'a>(&'a Cell<bool>);

impl Drop for LoopGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Something that happened at the edge.
pub enum Input {
    /// The socket opened.
    Open(SocketHandle),
    /// A text frame (a JS string).
    Frame(SocketHandle, JsValue),
    /// A binary frame.
    Binary(SocketHandle),
    /// The socket closed.
    Close(SocketHandle, u16, String),
    /// The timer fired.
    Timer,
    /// A channel authorization finished.
    Auth(u64, AuthOutcome),
    /// A user authentication finished.
    UserAuth(u64, UserAuthOutcome),
    /// The browser is online again.
    Online,
    /// The page woke up (visible again, resumed, or the timer fired far too late).
    Wake,
}

/// A recorded error, for `diagnose()`.
#[derive(Clone, Debug)]
pub struct ErrorRecord {
    /// The stable code.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The channel, for channel errors.
    pub channel: Option<String>,
    /// Wall-clock time (ms since the epoch).
    pub at: f64,
}

/// How many recent errors `diagnose()` keeps.
const ERROR_HISTORY: usize = 20;

/// The engine and everything that owns browser resources.
pub struct Core {
    /// The protocol engine.
    pub engine: Engine<JsValue>,
    socket: Option<(SocketHandle, Socket)>,
    timer: Option<(gloo_timers::callback::Timeout, f64)>,
    browser: Option<BrowserEvents>,
    /// Authorization settings.
    pub auth: Rc<AuthConfig>,
    /// Recent errors, newest last.
    pub errors: VecDeque<ErrorRecord>,
    last_status: ConnectionStatus,
    /// Error codes already printed to the console since the last connection.
    warned: Vec<&'static str>,
    /// Log protocol traffic to the console.
    pub debug: bool,
}

/// State shared by the Echo facade, its channels and every browser callback.
pub struct Shared {
    /// The engine and browser resources.
    pub core: RefCell<Core>,
    /// Every listener: channel events, lifecycle callbacks, connection callbacks.
    pub listeners: RefCell<Registry<Function>>,
    /// Echo's namespace for event names (`App.Events`), `None` when disabled.
    pub namespace: Option<String>,
    /// The namespace as it appears in event names (`App\\Events`), for `listenToAll`.
    namespace_prefix: Option<String>,
    queue: RefCell<VecDeque<Input>>,
    running: Cell<bool>,
    scratch: RefCell<Vec<(ListenerId, Function)>>,
    /// Desktop notifications.
    pub desktop: RefCell<Desktop>,
    /// The JS handle of each channel (one object per channel, as in Echo), held weakly (a
    /// `WeakRef`): the handles hold this value strongly, so the app's handles keep the client
    /// alive and the cache does not. The key stays until the channel is left.
    pub channel_handles: RefCell<crate::fast_map::FastMap<String, crate::api::channel::HandleRef>>,
    /// Set by [`Shared::shutdown`] (`destroy()`): every handle method then throws `echo_destroyed`.
    pub destroyed: Cell<bool>,
    /// What lives exactly as long as the client (the axios `X-Socket-ID` interceptor).
    pub interceptor: RefCell<Option<Box<dyn std::any::Any>>>,
    me: Weak<Shared>,
    /// This client's number in [`callback`]'s table (what its undo functions name).
    instance: u32,
}

impl Drop for Shared {
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

/// The listener slots undo functions can name (see [`Shared::remover`]).
const UNDO_SLOTS: [&str; 2] = [slot::CONNECTION, slot::USER];

impl Shared {
    /// Wraps an engine; attaches page listeners when there is a page.
    pub fn new(engine: Engine<JsValue>, auth: AuthConfig, namespace: Option<String>, desktop: DesktopConfig, debug: bool) -> Rc<Shared> {
        let shared = Rc::new_cyclic(|me: &Weak<Shared>| Shared {
            core: RefCell::new(Core {
                engine,
                socket: None,
                timer: None,
                browser: None,
                auth: Rc::new(auth),
                errors: VecDeque::new(),
                last_status: ConnectionStatus::Disconnected,
                warned: Vec::new(),
                debug,
            }),
            listeners: RefCell::new(Registry::new()),
            namespace_prefix: namespace.as_ref().map(|ns| ns.replace('.', "\\")),
            namespace,
            queue: RefCell::new(VecDeque::new()),
            running: Cell::new(false),
            scratch: RefCell::new(Vec::new()),
            desktop: RefCell::new(Desktop::new(desktop)),
            channel_handles: RefCell::new(Default::default()),
            destroyed: Cell::new(false),
            interceptor: RefCell::new(None),
            me: me.clone(),
            instance: callback::register_instance(me.clone()),
        });
        let browser = BrowserEvents::attach(shared.me.clone());
        shared.core.borrow_mut().browser = Some(browser);
        shared
    }

    /// Queues an input and runs the loop.
    pub fn input(&self, input: Input) {
        self.queue.borrow_mut().push_back(input);
        self.pump();
    }

    /// Runs a command on the engine, then the loop. Safe to call from inside a listener.
    pub fn command<R>(&self, f: impl FnOnce(&mut Engine<JsValue>, Millis) -> R) -> R {
        let now = now();
        let result = {
            let mut core = self.core.borrow_mut();
            f(&mut core.engine, now)
        };
        self.pump();
        result
    }

    /// The loop: inputs first, then outputs, until both are empty.
    pub fn pump(&self) {
        if self.running.replace(true) {
            return;
        }
        let _running = LoopGuard(&self.running);
        loop {
            let input = self.queue.borrow_mut().pop_front();
            if let Some(input) = input {
                self.apply(input);
                continue;
            }
            let output = self.core.borrow_mut().engine.poll_output();
            match output {
                Some(output) => self.perform(output),
                None => break,
            }
        }
        self.rearm_timer();
    }

    fn apply(&self, input: Input) {
        let now = now();
        // Everything that reads JS values runs before the engine is borrowed.
        let (input, frame) = match input {
            Input::Frame(socket, text) => {
                if self.core.borrow().debug {
                    let _ = console_debug("echo-wasm <-", &text);
                }
                let frame = match super::payload::json_parse(&text) {
                    Ok(value) => super::payload::decode_js_frame(&value),
                    Err(_) => Err(FrameError::NotJson),
                };
                (Input::Frame(socket, JsValue::UNDEFINED), Some(frame))
            }
            other => (other, None),
        };
        let wall = if matches!(input, Input::Timer) { js_sys::Date::now() } else { 0.0 };
        // What the input retires is dropped after the borrow ends: dropping a socket or a
        // timer calls into the page.
        let mut retired_socket = None;
        let mut retired_timer = None;
        let mut core = self.core.borrow_mut();
        match input {
            Input::Open(socket) => core.engine.handle_open(now, socket),
            Input::Frame(socket, _) => {
                if let Some(frame) = frame {
                    core.engine.handle_frame(now, socket, frame);
                }
            }
            Input::Binary(socket) => core.engine.handle_frame(now, socket, Err(FrameError::Binary)),
            Input::Close(socket, code, reason) => {
                if core.socket.as_ref().is_some_and(|(h, _)| *h == socket) {
                    retired_socket = core.socket.take();
                }
                core.engine.handle_close(now, socket, code, &reason);
            }
            Input::Timer => {
                // Wall clock on purpose: a suspended machine stops the monotonic clock on some
                // systems, and a timer firing far too late by the wall clock means a wake-up.
                let late_by = core.timer.as_ref().map_or(0.0, |(_, expected)| wall - expected);
                retired_timer = core.timer.take();
                if late_by > 5_000.0 {
                    core.engine.handle_wake(now);
                }
                core.engine.handle_timeout(now);
            }
            Input::Auth(request, outcome) => core.engine.handle_auth(now, request, outcome),
            Input::UserAuth(request, outcome) => core.engine.handle_user_auth(now, request, outcome),
            Input::Online => core.engine.handle_online(now),
            Input::Wake => core.engine.handle_wake(now),
        }
        drop(core);
        drop((retired_socket, retired_timer));
    }

    fn rearm_timer(&self) {
        let Some(deadline) = self.core.borrow_mut().engine.take_deadline_change() else { return };
        let timer = deadline.map(|deadline| {
            let delay = deadline.saturating_sub(now()).min(i32::MAX as u64) as u32;
            let me = self.me.clone();
            let timeout = gloo_timers::callback::Timeout::new(delay, move || {
                if let Some(shared) = me.upgrade() {
                    shared.input(Input::Timer);
                }
            });
            (timeout, js_sys::Date::now() + delay as f64)
        });
        let old = std::mem::replace(&mut self.core.borrow_mut().timer, timer);
        drop(old);
    }

    fn perform(&self, output: Output<JsValue>) {
        match output {
            Output::Event { channel, event, data, user_id } => self.dispatch_event(&channel, &event, &data, user_id),
            Output::Send(text) => {
                if self.core.borrow().debug {
                    let _ = console_debug("echo-wasm ->", &JsValue::from_str(&text));
                }
                let ws = self.core.borrow().socket.as_ref().map(|(_, socket)| socket.web_socket());
                if let Some(ws) = ws {
                    // A failure needs no handling: the close event follows.
                    let _ = ws.send_with_str(&text);
                }
            }
            Output::OpenSocket { socket, url } => {
                let opened = Socket::open(&url, socket, self.me.clone());
                match opened {
                    Ok(ws) => {
                        let replaced = std::mem::replace(&mut self.core.borrow_mut().socket, Some((socket, ws)));
                        drop(replaced);
                    }
                    Err(error) => self.queue.borrow_mut().push_back(Input::Close(socket, 1006, auth::describe(&error))),
                }
            }
            Output::CloseSocket { socket, code, reason } => {
                let closing = {
                    let mut core = self.core.borrow_mut();
                    if core.socket.as_ref().is_some_and(|(h, _)| *h == socket) { core.socket.take() } else { None }
                };
                if let Some((_, ws)) = closing {
                    ws.close(code, reason);
                }
            }
            Output::Authorize { request, socket_id, channel } => {
                let config = self.core.borrow().auth.clone();
                let me = self.me.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let outcome = auth::authorize(&config, &socket_id, &channel).await;
                    if let Some(shared) = me.upgrade() {
                        shared.input(Input::Auth(request, outcome));
                    }
                });
            }
            Output::AuthenticateUser { request, socket_id } => {
                let config = self.core.borrow().auth.clone();
                let me = self.me.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let outcome = auth::authenticate_user(&config, &socket_id).await;
                    if let Some(shared) = me.upgrade() {
                        shared.input(Input::UserAuth(request, outcome));
                    }
                });
            }
            Output::StateChanged { previous, current } => {
                let status = {
                    let mut core = self.core.borrow_mut();
                    if current == crate::connection::ConnectionState::Connected {
                        core.warned.clear();
                    }
                    let status = core.engine.status();
                    let changed = status != core.last_status;
                    core.last_status = status;
                    changed.then_some(status)
                };
                let change = Object::new();
                set(&change, "previous", &previous.as_str().into());
                set(&change, "current", &current.as_str().into());
                self.emit(slot::CONNECTION, slot::STATE, &[&change]);
                if let Some(status) = status {
                    self.emit(slot::CONNECTION, slot::STATUS, &[&status.as_str().into()]);
                }
            }
            Output::Subscribed { channel } => {
                self.emit(&channel, slot::SUBSCRIBED, &[]);
            }
            Output::Here { channel, members } => {
                let list: Array = members.into_iter().collect();
                self.emit(&channel, slot::HERE, &[&list]);
                
            }
            Output::Joining { channel, info, .. } => {
                self.emit(&channel, slot::JOINING, &[&info]);
            }
            Output::Leaving { channel, info, .. } => {
                self.emit(&channel, slot::LEAVING, &[&info]);
            }
            Output::ChannelError(error) => {
                let object = crate::api::errors::channel_error_object(&error);
                self.record(error.code(), error.message(), Some(error.channel().to_owned()));
                let channel = error.channel().to_owned();
                if !self.emit(&channel, slot::ERROR, &[&object]) {
                    self.warn_once(error.code(), &error.message());
                }
            }
            Output::Error(error) => self.report_connection_error(&error),
            Output::SignedIn { user_data } => {
                self.emit(slot::CONNECTION, slot::SIGNED_IN, &[&user_data]);
            }
            Output::SigninFailed(error) => {
                let object = crate::api::errors::error_object("SigninError", error.code(), &error.message(), None);
                self.record(error.code(), error.message(), None);
                if !self.emit(slot::CONNECTION, slot::ERRORS, &[&object]) {
                    self.warn_once(error.code(), &error.message());
                }
            }
            Output::UserEvent { event, data } => {
                self.emit(slot::USER, &event, &[&data]);
            }
            Output::Watchlist { name, user_ids } => {
                let ids: Array = user_ids.iter().map(|id| JsValue::from_str(id)).collect();
                self.emit(slot::CONNECTION, slot::WATCHLIST, &[&name.into(), &ids]);
            }
        }
    }

    fn report_connection_error(&self, error: &ConnectionError) {
        let object = crate::api::errors::error_object("ConnectionError", error.code(), &error.message(), None);
        if let ConnectionError::Refused { code, .. } = error {
            set(&object, "status", &(*code).into());
        }
        self.record(error.code(), error.message(), None);
        if !self.emit(slot::CONNECTION, slot::ERRORS, &[&object]) {
            self.warn_once(error.code(), &error.message());
        }
    }

    /// Keeps an error for `diagnose()`.
    pub fn record(&self, code: &'static str, message: String, channel: Option<String>) {
        let at = js_sys::Date::now();
        let mut core = self.core.borrow_mut();
        if core.errors.len() == ERROR_HISTORY {
            core.errors.pop_front();
        }
        core.errors.push_back(ErrorRecord { code, message, channel, at });
    }

    /// Prints an unobserved error once per connection cycle, so nothing fails silently.
    fn warn_once(&self, code: &'static str, message: &str) {
        let first = {
            let mut core = self.core.borrow_mut();
            let first = !core.warned.contains(&code);
            if first {
                core.warned.push(code);
            }
            first
        };
        if first {
            let _ = console_warn(&format!("echo-wasm [{code}] {message}"));
        }
    }

    /// Calls the listeners of `event` on `channel` with `args`. Returns whether any ran.
    pub fn emit(&self, channel: &str, event: &str, args: &[&JsValue]) -> bool {
        let mut listeners = std::mem::take(&mut *self.scratch.borrow_mut());
        self.listeners.borrow().collect_with_ids(channel, event, &mut listeners);
        let any = !listeners.is_empty();
        self.call_each(&mut listeners, channel, event, false, args);
        *self.scratch.borrow_mut() = listeners;
        any
    }

    /// Calls (and drains) `listeners` with `args`; a listener that throws is reported and the
    /// others still run. One removed meanwhile (by an earlier listener) is skipped. `all`: the
    /// listeners are listen-to-all ones.
    fn call_each(&self, listeners: &mut Vec<(ListenerId, Function)>, channel: &str, event: &str, all: bool, args: &[&JsValue]) {
        let removals = self.listeners.borrow().removals();
        for (id, listener) in listeners.drain(..) {
            // `destroy()` from an earlier listener: the rest are not called.
            if self.destroyed.get() {
                continue;
            }
            let removed = {
                let registry = self.listeners.borrow();
                registry.removals() != removals && !registry.contains(channel, (!all).then_some(event), id)
            };
            if removed {
                continue;
            }
            let result = match args {
                [] => listener.call0(&JsValue::UNDEFINED),
                [a] => listener.call1(&JsValue::UNDEFINED, a),
                [a, b, ..] => listener.call2(&JsValue::UNDEFINED, a, b),
            };
            if let Err(thrown) = result {
                self.listener_threw(channel, event, &thrown);
            }
        }
    }

    /// Delivers a channel event: its listeners get `(data, {user_id}?)`, listen-to-all
    /// listeners get `(formattedName, data)`.
    fn dispatch_event(&self, channel: &str, event: &str, data: &JsValue, user_id: Option<String>) {
        let mut listeners = std::mem::take(&mut *self.scratch.borrow_mut());
        self.listeners.borrow().collect_with_ids(channel, event, &mut listeners);
        if !listeners.is_empty() {
            match user_id {
                Some(id) => {
                    let meta = Object::new();
                    set(&meta, "user_id", &JsValue::from_str(&id));
                    self.call_each(&mut listeners, channel, event, false, &[data, &meta]);
                }
                None => self.call_each(&mut listeners, channel, event, false, &[data]),
            }
        }
        if !event.starts_with("pusher:") {
            self.listeners.borrow().collect_all_with_ids(channel, &mut listeners);
            if !listeners.is_empty() {
                let name = JsValue::from_str(&self.name_for_all_listeners(event));
                self.call_each(&mut listeners, channel, event, true, &[&name, data]);
            }
        }
        *self.scratch.borrow_mut() = listeners;
        if self.desktop.borrow().enabled() {
            self.show_desktop(channel, event, data);
        }
    }

    /// A desktop notification for a Laravel notification, or for an event listened to with
    /// `{desktop: true}`. Never throws; every skip worth knowing is recorded.
    fn show_desktop(&self, channel: &str, event: &str, data: &JsValue) {
        let is_notification = event == crate::event_name::NOTIFICATION_EVENT;
        let wanted = {
            let listeners = self.listeners.borrow();
            (is_notification && listeners.has_event_listeners(channel, event)) || listeners.has_event_listeners(channel, &desktop_mark(event))
        };
        if !wanted {
            return;
        }
        // The config is copied out: the checks, `map`, the constructor and `onClick` are JS
        // (a page may replace `Notification`), so no borrow of `desktop` is held across them.
        let config = self.desktop.borrow().config();
        let ctor = match notify::precheck(&config) {
            Ok(ctor) => ctor,
            Err(skip) => return self.note_skip(&skip),
        };
        let spec = match &config.map {
            None => notify::default_spec(data, event, is_notification),
            Some(map) => {
                let meta = Object::new();
                set(&meta, "channel", &channel.into());
                set(&meta, "event", &event.into());
                match map.call2(&JsValue::UNDEFINED, data, &meta) {
                    Ok(spec) if spec.is_null() || spec.is_undefined() => return,
                    Ok(spec) => spec,
                    Err(thrown) => return self.note_skip(&Skip::Failed(format!("desktopNotifications.map threw: {}", auth::describe(&thrown)))),
                }
            }
        };
        let me = self.me.clone();
        let on_click_threw = move |thrown: &JsValue| {
            if let Some(shared) = me.upgrade() {
                shared.listener_threw(slot::CONNECTION, "desktopNotifications.onClick", thrown);
            }
        };
        match notify::show(&ctor, &spec, data, config.on_click.clone(), on_click_threw) {
            Ok(shown) => {
                let evicted = self.desktop.borrow_mut().keep(shown);
                // Dropping detaches its `onclick` (a JS setter): after the borrow ends.
                drop(evicted);
            }
            Err(skip) => self.note_skip(&skip),
        }
    }

    fn note_skip(&self, skip: &Skip) {
        if let Some((code, message)) = skip.diagnostic() {
            self.record(code, message.clone(), None);
            self.warn_once(code, &message);
        }
    }

    /// Echo's `listenToAll` naming: strip the namespace, else prefix a `.`.
    fn name_for_all_listeners(&self, event: &str) -> String {
        if let Some(prefix) = &self.namespace_prefix {
            if let Some(rest) = event.strip_prefix(prefix.as_str()) {
                return rest.strip_prefix(['\\', '.']).unwrap_or(rest).to_owned();
            }
        }
        format!(".{event}")
    }

    pub(crate) fn listener_threw(&self, channel: &str, event: &str, thrown: &JsValue) {
        let message = format!("A listener for {} on {} threw: {}", event.trim_start_matches('\u{1}'), channel.trim_start_matches('\u{1}'), auth::describe(thrown));
        let _ = console_error2("echo-wasm: listener threw", thrown);
        self.record(crate::error::code::LISTENER_THREW, message.clone(), Some(channel.to_owned()));
        if event != slot::ERRORS {
            let object = crate::api::errors::error_object("ListenerError", crate::error::code::LISTENER_THREW, &message, Some(channel));
            set(&object, "cause", thrown);
            self.emit(slot::CONNECTION, slot::ERRORS, &[&object]);
        }
    }

    /// Adds a listener.
    pub fn add_listener(&self, channel: &str, event: &str, listener: Function) -> ListenerId {
        self.listeners.borrow_mut().add(channel, event, listener)
    }

    /// A JS function that removes listener `id` of `channel` when called (the undo of a
    /// registration). It may be called any number of times (later calls do nothing), also
    /// after the client is gone, and holds no Rust memory (see [`callback`]).
    pub fn remover(&self, channel: &'static str, id: ListenerId) -> JsValue {
        let slot = UNDO_SLOTS.iter().position(|s| *s == channel).unwrap_or(0) as u32;
        callback::undo_function(self.instance, slot, id)
    }

    /// What an undo function does: removes listener `id` of [`UNDO_SLOTS`]`[slot]`.
    pub(crate) fn remove_listener(&self, slot: u32, id: ListenerId) {
        if let Some(channel) = UNDO_SLOTS.get(slot as usize) {
            self.listeners.borrow_mut().remove(channel, id);
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
        let mut core = self.core.borrow_mut();
        let timer = core.timer.take();
        let browser = core.browser.take();
        drop(core);
        drop((timer, browser));
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
        let ws = self.core.borrow().socket.as_ref().map(|(_, socket)| socket.web_socket());
        ws.map_or(0, |ws| ws.buffered_amount())
    }
}

/// The registry name that marks `event` for desktop notifications.
pub fn desktop_mark(event: &str) -> String {
    format!("{}{event}", slot::DESKTOP)
}

/// `object[key] = value`.
pub fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}
