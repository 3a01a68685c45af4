//! The Echo-compatible JavaScript API (wasm-bindgen facade, camelCase names).
//!
//! [`Echo`] mirrors laravel-echo 2.5.0's `Echo` with the Pusher/Reverb connector; channels
//! are [`channel::ChannelHandle`]s (JS class `Channel`); `echo.connector` is a
//! [`connector::Connector`] with `signin`, `onConnectionChange` and our connection-level
//! extras. Every registration can be undone: `stopListening*` for events, `off(kind, cb?)`
//! for lifecycle callbacks, and the function returned by each `connector.on*` call.
//!
//! The facade uses `web/` (the client) and the core; nothing there uses it back.
//!
//! - this module: `Echo` itself.
//! - [`channel`]: a channel's handle (`listen`, `whisper`, `here`, `off`, ...).
//! - [`connector`]: the `echo.connector` object.
//! - [`notifications`]: `echo.notifications` (the desktop permission).
//! - [`options`]: reading `new Echo(options)`; `option_fields.rs`: one field to a value or a
//!   refusal that names its path.
//! - [`errors`]: the `EchoError`s thrown.
//! - `alive.rs`: whether a handle's client is still usable (`echo_destroyed` when not).
//! - `members.rs`: the presence members view; `diagnose.rs`: `echo.diagnose()`;
//!   `interceptor.rs`: the axios `X-Socket-ID` interceptor.

mod alive;
pub mod channel;
pub mod connector;
mod diagnose;
pub mod errors;
mod interceptor;
mod members;
pub mod notifications;
mod option_fields;
pub mod options;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::engine::Engine;
use crate::reconnect::RandomSource;
use crate::web::client::Client;
use alive::destroyed;
use channel::ChannelHandle;
use connector::Connector;

/// `Math.random`, the browser's random source for reconnect jitter.
struct MathRandom;

impl RandomSource for MathRandom {
    fn next_f64(&mut self) -> f64 {
        js_sys::Math::random()
    }
}

/// The Echo client: `new Echo({broadcaster: 'reverb', key, wsHost, ...})`.
///
/// The Echo, its channels, its connector and its `notifications` each own the client state
/// (as in laravel-echo, a channel keeps working while the app holds it, even if the Echo
/// itself is no longer referenced); the client caches channel handles only through `WeakRef`s.
/// `destroy()` shuts the client down at once; otherwise it shuts down when the Echo and every
/// handle are unreachable (wasm-bindgen's FinalizationRegistry frees them, the last one drops
/// the state). A listener that references a handle keeps it alive through Rust (a cycle the
/// JS collector cannot see): then only `destroy()` ends it.
#[wasm_bindgen]
pub struct Echo {
    client: RefCell<Option<Rc<Client>>>,
    options: JsValue,
}

impl Echo {
    /// The live client (a clone, so a callback that destroys the Echo cannot free it under
    /// the running call), or `None` after `destroy()`.
    fn live(&self) -> Option<Rc<Client>> {
        self.client.borrow().clone()
    }

    fn alive(&self) -> Result<Rc<Client>, JsValue> {
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
        let client = Client::new(engine, config.auth, config.namespace, config.desktop, config.debug);
        if !config.without_interceptors {
            // Owned by the client, not the Echo: it lives as long as any handle does.
            let interceptor = interceptor::register(&client).map(|i| Box::new(i) as Box<dyn std::any::Any>);
            *client.interceptor.borrow_mut() = interceptor;
        }
        if config.share_connection {
            client.start_sharing();
        }
        let echo = Echo { client: RefCell::new(Some(client)), options };
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
        ChannelHandle::open(&self.alive()?, name.to_owned())
    }

    /// `private-{name}`.
    pub fn private(&self, name: &str) -> Result<JsValue, JsValue> {
        ChannelHandle::open(&self.alive()?, format!("private-{name}"))
    }

    /// `private-encrypted-{name}`.
    #[wasm_bindgen(js_name = encryptedPrivate)]
    pub fn encrypted_private(&self, name: &str) -> Result<JsValue, JsValue> {
        ChannelHandle::open(&self.alive()?, format!("private-encrypted-{name}"))
    }

    /// `presence-{name}`.
    pub fn join(&self, name: &str) -> Result<JsValue, JsValue> {
        ChannelHandle::open(&self.alive()?, format!("presence-{name}"))
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
        if let Some(client) = self.live() {
            channel::leave(&client, name);
        }
    }

    /// Leaves every channel.
    #[wasm_bindgen(js_name = leaveAllChannels)]
    pub fn leave_all_channels(&self) {
        let Some(client) = self.live() else { return };
        let names: Vec<String> = client.runtime.borrow().engine.channel_names().map(str::to_owned).collect();
        for name in names {
            self.leave_channel(&name);
        }
    }

    /// `echo.listen(channel, event, callback)`: listens on a public channel.
    pub fn listen(&self, channel: &str, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        let client = self.alive()?;
        let handle = ChannelHandle::open(&client, channel.to_owned())?;
        channel::listen(&client, channel, event, callback, &JsValue::UNDEFINED);
        Ok(handle)
    }

    /// The socket id while connected, else `undefined`.
    #[wasm_bindgen(js_name = socketId)]
    pub fn socket_id(&self) -> Option<String> {
        self.live()?.runtime.borrow().engine.socket_id().map(str::to_owned)
    }

    /// `connected` | `connecting` | `reconnecting` | `failed` | `disconnected`.
    #[wasm_bindgen(js_name = connectionStatus)]
    pub fn connection_status(&self) -> String {
        self.live().map_or_else(|| "disconnected".to_owned(), |s| s.runtime.borrow().engine.status().as_str().to_owned())
    }

    /// The pusher-js state name (`initialized`, `connecting`, `connected`, `unavailable`,
    /// `failed`, `disconnected`).
    #[wasm_bindgen(js_name = connectionState)]
    pub fn connection_state(&self) -> String {
        self.live().map_or_else(|| "disconnected".to_owned(), |s| s.runtime.borrow().engine.state().as_str().to_owned())
    }

    /// Connects (again); channels are resubscribed. Throws `echo_destroyed` after `destroy()`.
    pub fn connect(&self) -> Result<(), JsValue> {
        self.alive()?.command(|engine, now| engine.connect(now)).map_err(|e| errors::throwable(&e))
    }

    /// Disconnects and stops reconnecting. `connect()` resumes.
    pub fn disconnect(&self) {
        if let Some(client) = self.live() {
            client.command(|engine, now| engine.disconnect(now));
        }
    }

    /// The connector: `signin()`, `onConnectionChange(cb)` and connection-level events.
    #[wasm_bindgen(getter)]
    pub fn connector(&self) -> Connector {
        Connector { client: self.live() }
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
            Some(client) => diagnose::diagnose(client),
            None => diagnose::destroyed(),
        }
    }

    /// Not API (the package's JS): a call the app made before the wasm was ready threw an
    /// `EchoError` (`code`, `message`) once applied; it is recorded and given to the error
    /// listeners of `channel` (when given) and of the connector, as the sync call would have
    /// thrown it. `heard`: the JS has listeners of its own for it (or, once the queue ran a
    /// `destroy()`, already warned about this code). Returns the error object. A destroyed
    /// client has no log and no listeners: unless `heard`, the error is printed (`console.warn`).
    #[wasm_bindgen(js_name = __reportQueued, skip_typescript)]
    pub fn report_queued(&self, code: &str, message: &str, channel: Option<String>, heard: bool) -> JsValue {
        let code = errors::thrown_code(code);
        match self.live() {
            Some(client) => client.report_refused_call(code, message, channel.as_deref(), heard).into(),
            None => {
                if !heard {
                    crate::web::diagnostics::print_warning(code, message);
                }
                crate::web::error_object::error_object("UsageError", code, message, channel.as_deref()).into()
            }
        }
    }

    /// Releases everything (socket, timer, page listeners, listeners). The instance is
    /// unusable after: channel methods and `connect()` throw `echo_destroyed`; status is
    /// `disconnected`. Calling it again does nothing.
    pub fn destroy(&self) {
        let taken = self.client.borrow_mut().take();
        if let Some(client) = taken {
            client.shutdown();
        }
    }
}
