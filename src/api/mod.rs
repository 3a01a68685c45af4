//! The Echo-compatible JavaScript API (wasm-bindgen facade, camelCase names).
//!
//! [`Echo`] mirrors laravel-echo 2.5.0's `Echo` with the Pusher/Reverb connector; channels
//! are [`channel::Channel`]s; `echo.connector` is a [`Connector`] with `signin`,
//! `onConnectionChange` and our connection-level extras. Every registration can be undone:
//! `stopListening*` for events, `off(kind, cb?)` for lifecycle callbacks, and the function
//! returned by each `connector.on*` call.

pub mod channel;
mod diagnose;
mod members;
pub mod errors;
pub mod notifications;
pub mod options;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::reconnect::RandomSource;
use crate::web::driver::{slot, Shared};
use crate::Engine;
use channel::Channel;

/// `Math.random`, the browser's random source for reconnect jitter.
struct MathRandom;

impl RandomSource for MathRandom {
    fn next_f64(&mut self) -> f64 {
        js_sys::Math::random()
    }
}

/// The axios `X-Socket-ID` interceptor, ejected when the Echo instance is dropped.
struct Interceptor {
    axios: JsValue,
    id: JsValue,
    _closure: Closure<dyn FnMut(JsValue) -> JsValue>,
}

impl Drop for Interceptor {
    fn drop(&mut self) {
        let eject = Reflect::get(&self.axios, &"interceptors".into())
            .and_then(|i| Reflect::get(&i, &"request".into()))
            .and_then(|r| Ok((Reflect::get(&r, &"eject".into())?, r)));
        if let Ok((eject, request)) = eject {
            if let Some(eject) = eject.dyn_ref::<Function>() {
                let _ = eject.call1(&request, &self.id);
            }
        }
    }
}

/// The Echo client: `new Echo({broadcaster: 'reverb', key, wsHost, ...})`.
///
/// The Echo, its channels, its connector and its `notifications` each own the client state
/// (as in laravel-echo, a channel keeps working while the app holds it, even if the Echo
/// itself is no longer referenced); the driver caches channel handles only through `WeakRef`s.
/// `destroy()` shuts the client down at once; otherwise it shuts down when the Echo and every
/// handle are unreachable (wasm-bindgen's FinalizationRegistry frees them, the last one drops
/// the state). A listener that references a handle keeps it alive through Rust (a cycle the
/// JS collector cannot see): then only `destroy()` ends it.
#[wasm_bindgen]
pub struct Echo {
    shared: RefCell<Option<Rc<Shared>>>,
    options: JsValue,
}

/// The `EchoError` thrown by any use of a destroyed instance.
pub(crate) fn destroyed() -> JsValue {
    errors::throwable_parts(
        crate::error::code::DESTROYED,
        "This Echo was destroyed (destroy() or configureEcho() again): create a new Echo and take channels from it.",
    )
}

/// The client behind a handle (a clone), or `None` after `destroy()`.
pub(crate) fn usable(shared: Option<&Rc<Shared>>) -> Option<Rc<Shared>> {
    shared.filter(|s| !s.destroyed.get()).cloned()
}

impl Echo {
    /// The live client (a clone, so a callback that destroys the Echo cannot free it under
    /// the running call), or `None` after `destroy()`.
    fn live(&self) -> Option<Rc<Shared>> {
        self.shared.borrow().clone()
    }

    fn alive(&self) -> Result<Rc<Shared>, JsValue> {
        self.live().ok_or_else(destroyed)
    }
}

#[wasm_bindgen]
impl Echo {
    /// Creates the client and connects, as laravel-echo does. Throws an `EchoError` with a
    /// `code` when the options are invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Echo, JsValue> {
        let page_is_https = web_sys::window().and_then(|w| w.location().protocol().ok()).as_deref() == Some("https:");
        let config = options::read(&options, page_is_https).map_err(|(code, message)| errors::throwable_parts(code, &message))?;
        let engine = Engine::new(config.engine, Box::new(MathRandom));
        let shared = Shared::new(engine, config.auth, config.namespace, config.desktop, config.debug);
        if !config.without_interceptors {
            // Owned by the client, not the Echo: it lives as long as any handle does.
            let interceptor = register_axios_interceptor(&shared).map(|i| Box::new(i) as Box<dyn std::any::Any>);
            *shared.interceptor.borrow_mut() = interceptor;
        }
        let echo = Echo { shared: RefCell::new(Some(shared)), options };
        echo.connect()?;
        Ok(echo)
    }

    /// The options this client was created with.
    #[wasm_bindgen(getter)]
    pub fn options(&self) -> JsValue {
        self.options.clone()
    }

    /// A public channel (subscribed on first use).
    pub fn channel(&self, name: &str) -> Result<JsValue, JsValue> {
        Channel::open(&self.alive()?, name.to_owned())
    }

    /// `private-{name}`.
    pub fn private(&self, name: &str) -> Result<JsValue, JsValue> {
        Channel::open(&self.alive()?, format!("private-{name}"))
    }

    /// `private-encrypted-{name}`.
    #[wasm_bindgen(js_name = encryptedPrivate)]
    pub fn encrypted_private(&self, name: &str) -> Result<JsValue, JsValue> {
        Channel::open(&self.alive()?, format!("private-encrypted-{name}"))
    }

    /// `presence-{name}`.
    pub fn join(&self, name: &str) -> Result<JsValue, JsValue> {
        Channel::open(&self.alive()?, format!("presence-{name}"))
    }

    /// Leaves `name` under every prefix (public, private, encrypted, presence).
    pub fn leave(&self, name: &str) {
        for full in [name.to_owned(), format!("private-{name}"), format!("private-encrypted-{name}"), format!("presence-{name}")] {
            self.leave_channel(&full);
        }
    }

    /// Leaves one channel by its full name: unsubscribes and removes its listeners.
    #[wasm_bindgen(js_name = leaveChannel)]
    pub fn leave_channel(&self, name: &str) {
        if let Some(shared) = self.live() {
            channel::leave(&shared, name);
        }
    }

    /// Leaves every channel.
    #[wasm_bindgen(js_name = leaveAllChannels)]
    pub fn leave_all_channels(&self) {
        let Some(shared) = self.live() else { return };
        let names: Vec<String> = shared.core.borrow().engine.channel_names().map(str::to_owned).collect();
        for name in names {
            self.leave_channel(&name);
        }
    }

    /// `echo.listen(channel, event, callback)`: listens on a public channel.
    pub fn listen(&self, channel: &str, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        let shared = self.alive()?;
        let handle = Channel::open(&shared, channel.to_owned())?;
        channel::listen(&shared, channel, event, callback, &JsValue::UNDEFINED);
        Ok(handle)
    }

    /// The socket id while connected, else `undefined`.
    #[wasm_bindgen(js_name = socketId)]
    pub fn socket_id(&self) -> Option<String> {
        self.live()?.core.borrow().engine.socket_id().map(str::to_owned)
    }

    /// `connected` | `connecting` | `reconnecting` | `failed` | `disconnected`.
    #[wasm_bindgen(js_name = connectionStatus)]
    pub fn connection_status(&self) -> String {
        self.live().map_or_else(|| "disconnected".to_owned(), |s| s.core.borrow().engine.status().as_str().to_owned())
    }

    /// The pusher-js state name (`initialized`, `connecting`, `connected`, `unavailable`,
    /// `failed`, `disconnected`).
    #[wasm_bindgen(js_name = connectionState)]
    pub fn connection_state(&self) -> String {
        self.live().map_or_else(|| "disconnected".to_owned(), |s| s.core.borrow().engine.state().as_str().to_owned())
    }

    /// Connects (again); channels are resubscribed. Throws `echo_destroyed` after `destroy()`.
    pub fn connect(&self) -> Result<(), JsValue> {
        self.alive()?.command(|engine, now| engine.connect(now)).map_err(|e| errors::throwable(&e))
    }

    /// Disconnects and stops reconnecting. `connect()` resumes.
    pub fn disconnect(&self) {
        if let Some(shared) = self.live() {
            shared.command(|engine, now| engine.disconnect(now));
        }
    }

    /// The connector: `signin()`, `onConnectionChange(cb)` and connection-level events.
    #[wasm_bindgen(getter)]
    pub fn connector(&self) -> Connector {
        Connector { shared: self.live() }
    }

    /// Desktop notification permission: `echo.notifications.permission` and
    /// `echo.notifications.requestPermission()`.
    #[wasm_bindgen(getter)]
    pub fn notifications(&self) -> notifications::Notifications {
        notifications::Notifications::new(self.live())
    }

    /// A plain object describing the connection, channels, recent errors and notification
    /// permission (no secrets), for support and for a diagnostics drawer.
    pub fn diagnose(&self) -> JsValue {
        match self.live() {
            Some(shared) => diagnose::diagnose(&shared),
            None => diagnose::destroyed(),
        }
    }

    /// Releases everything (socket, timer, page listeners, listeners). The instance is
    /// unusable after: channel methods and `connect()` throw `echo_destroyed`; status is
    /// `disconnected`. Calling it again does nothing.
    pub fn destroy(&self) {
        let taken = self.shared.borrow_mut().take();
        if let Some(shared) = taken {
            shared.shutdown();
        }
    }
}

/// `echo.connector`: sign-in and connection-level events.
#[wasm_bindgen]
pub struct Connector {
    shared: Option<Rc<Shared>>,
}

impl Connector {
    fn live(&self) -> Option<Rc<Shared>> {
        usable(self.shared.as_ref())
    }
}

#[wasm_bindgen]
impl Connector {
    /// Signs the user in (`userAuthentication`), now and after every reconnect.
    pub fn signin(&self) {
        if let Some(shared) = self.live() {
            shared.command(|engine, now| engine.signin(now));
        }
    }

    /// The socket id while connected.
    #[wasm_bindgen(js_name = socketId)]
    pub fn socket_id(&self) -> Option<String> {
        self.live()?.core.borrow().engine.socket_id().map(str::to_owned)
    }

    /// Calls `callback(status)` whenever Echo's connection status changes; returns a
    /// function that stops it.
    #[wasm_bindgen(js_name = onConnectionChange)]
    pub fn on_connection_change(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(slot::STATUS, callback)
    }

    /// Calls `callback({previous, current})` on every pusher-js state change (the
    /// `connector.pusher.connection.bind('state_change')` equivalent); returns an undo function.
    #[wasm_bindgen(js_name = onStateChange)]
    pub fn on_state_change(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(slot::STATE, callback)
    }

    /// Calls `callback(error)` for connection-level errors (`{type, code, message}`);
    /// returns an undo function.
    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(slot::ERRORS, callback)
    }

    /// Calls `callback(userData)` when sign-in succeeds; returns an undo function.
    #[wasm_bindgen(js_name = onSignin)]
    pub fn on_signin(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(slot::SIGNED_IN, callback)
    }

    /// Calls `callback(name, userIds)` for watchlist events; returns an undo function.
    #[wasm_bindgen(js_name = onWatchlist)]
    pub fn on_watchlist(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.on(slot::WATCHLIST, callback)
    }

    /// Listens to an event sent to the signed-in user (`sendToUser`); returns an undo
    /// function.
    #[wasm_bindgen(js_name = listenToUser)]
    pub fn listen_to_user(&self, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        let shared = self.live().ok_or_else(destroyed)?;
        let id = shared.add_listener(slot::USER, event, callback);
        Ok(shared.remover(slot::USER, id))
    }

    fn on(&self, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        let shared = self.live().ok_or_else(destroyed)?;
        let id = shared.add_listener(slot::CONNECTION, event, callback);
        Ok(shared.remover(slot::CONNECTION, id))
    }
}

/// `axios.interceptors.request.use(config => add X-Socket-ID)` when `window.axios` exists.
fn register_axios_interceptor(shared: &Rc<Shared>) -> Option<Interceptor> {
    let window = web_sys::window()?;
    let axios = Reflect::get(&window, &"axios".into()).ok().filter(|a| !a.is_undefined() && !a.is_null())?;
    let request = Reflect::get(&Reflect::get(&axios, &"interceptors".into()).ok()?, &"request".into()).ok()?;
    let use_fn: Function = Reflect::get(&request, &"use".into()).ok()?.dyn_into().ok()?;
    let weak = Rc::downgrade(shared);
    let closure = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |config: JsValue| {
        // The id is copied out first: `config.headers` may be a getter (app code).
        let id = weak.upgrade().and_then(|shared| shared.core.borrow().engine.socket_id().map(str::to_owned));
        if let Some(id) = id {
            if let Ok(headers) = Reflect::get(&config, &"headers".into()) {
                if headers.is_object() {
                    let _ = Reflect::set(&headers, &"X-Socket-ID".into(), &JsValue::from_str(&id));
                }
            }
        }
        config
    });
    let id = use_fn.call1(&request, closure.as_ref()).ok()?;
    Some(Interceptor { axios, id, _closure: closure })
}
