//! A channel as JS sees it: Echo's `listen`/`stopListening`/`whisper`/`notification`,
//! presence's `here`/`joining`/`leaving`, plus `off()` and a members view.
//!
//! A `Channel` is a light handle (the shared client and a name). As in laravel-echo, the
//! client hands out one handle per channel: `echo.private('x') === echo.private('x')`, and
//! every chainable method returns that same object (no new wrapper per call). Leaving the
//! channel forgets the handle; the next `echo.private('x')` makes a new one.
//!
//! A handle holds the client strongly, as laravel-echo's channels hold their connector: any
//! live handle (the Echo, a channel, the connector, `notifications`) keeps the client and its
//! connection; only when all are unreachable is it collected and shut down. The driver's
//! cache holds each handle through a `WeakRef` (a strong handle where `WeakRef` is missing:
//! that client then lives until `destroy()`), so it is no cycle. Used after `destroy()`, a
//! method throws `echo_destroyed`. A handle of a channel that was left is
//! stale: adding a listener to it (`listen`, `here`, `notification`, ...) subscribes the
//! channel again, so no listener is ever kept on a channel that is not requested; chained
//! calls then return the channel's current handle (the one `echo.channel(name)` returns).

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::errors;
use crate::channels::Subscription;
use crate::event_name::{format_event_name, NOTIFICATION_EVENT};
use crate::web::driver::{desktop_mark, slot, Shared};

/// A subscribed (or subscribing) channel.
#[wasm_bindgen]
pub struct Channel {
    shared: Rc<Shared>,
    name: String,
}

#[wasm_bindgen]
extern "C" {
    /// `WeakRef`, bound with `catch`: missing (an old browser) or replaced by the page, it
    /// throws into a `Result` instead of through the wasm.
    #[wasm_bindgen(js_name = WeakRef)]
    #[derive(Clone)]
    type JsWeakRef;
    #[wasm_bindgen(catch, constructor, js_class = "WeakRef")]
    fn new(target: &JsValue) -> Result<JsWeakRef, JsValue>;
    #[wasm_bindgen(catch, method, js_class = "WeakRef", js_name = deref)]
    fn deref(this: &JsWeakRef) -> Result<JsValue, JsValue>;
}

/// How the driver's cache holds a channel's JS handle: weakly where the browser has `WeakRef`
/// (so the cache keeps neither the handle nor, through it, the client alive), else strongly.
#[derive(Clone)]
pub struct HandleRef(HandleHold);

#[derive(Clone)]
enum HandleHold {
    Weak(JsWeakRef),
    Strong(JsValue),
}

impl HandleRef {
    fn new(handle: &JsValue) -> HandleRef {
        match JsWeakRef::new(handle) {
            Ok(weak) => HandleRef(HandleHold::Weak(weak)),
            Err(_) => HandleRef(HandleHold::Strong(handle.clone())),
        }
    }

    /// The handle, or `None` once it was collected.
    fn get(&self) -> Option<JsValue> {
        match &self.0 {
            HandleHold::Weak(weak) => weak.deref().ok().filter(|h| h.is_object()),
            HandleHold::Strong(handle) => Some(handle.clone()),
        }
    }
}

/// Unsubscribes `name`, forgets its listeners and its handle.
pub(crate) fn leave(shared: &Rc<Shared>, name: &str) {
    shared.listeners.borrow_mut().clear_channel(name);
    shared.channel_handles.borrow_mut().remove(name);
    shared.command(|engine, now| engine.unsubscribe(now, name));
}

/// Registers `callback` for `event` (Echo naming) on `channel`; `{desktop: true}` in
/// `options` also marks it for desktop notifications.
pub(crate) fn listen(shared: &Rc<Shared>, channel: &str, event: &str, callback: Function, options: &JsValue) {
    let name = format_event_name(shared.namespace.as_deref(), event);
    let desktop = options.is_object() && js_sys::Reflect::get(options, &"desktop".into()).ok().and_then(|d| d.as_bool()) == Some(true);
    if desktop {
        shared.add_listener(channel, &desktop_mark(&name), callback.clone());
    }
    shared.add_listener(channel, &name, callback);
}

/// The JS handle of `name`: the cached one while the app holds it, else a new one, cached
/// when `cache` or when the channel is still joined (its old handle was collected).
fn handle_of(shared: &Rc<Shared>, name: &str, cache: bool) -> JsValue {
    // Copied out before `deref` (JS) runs: no borrow is held across it.
    let cached = shared.channel_handles.borrow().get(name).cloned();
    let joined = cached.is_some();
    if let Some(handle) = cached.and_then(|h| h.get()) {
        return handle;
    }
    let handle = JsValue::from(Channel { shared: shared.clone(), name: name.to_owned() });
    if cache || joined {
        let held = HandleRef::new(&handle);
        shared.channel_handles.borrow_mut().insert(name.to_owned(), held);
    }
    handle
}

impl Channel {
    /// Subscribes (if needed) and returns the channel's handle. Throws on an invalid name.
    pub(crate) fn open(shared: &Rc<Shared>, name: String) -> Result<JsValue, JsValue> {
        shared.command(|engine, now| engine.subscribe(now, &name)).map_err(|e| errors::throwable(&e))?;
        Ok(handle_of(shared, &name, true))
    }

    /// The client (a clone, so a callback cannot free it under the running call), or the
    /// `echo_destroyed` error after `destroy()`.
    fn shared(&self) -> Result<Rc<Shared>, JsValue> {
        super::usable(Some(&self.shared)).ok_or_else(super::destroyed)
    }

    /// This channel's handle, for chaining (a left channel's stale handle is not re-cached).
    fn handle(&self, shared: &Rc<Shared>) -> JsValue {
        handle_of(shared, &self.name, false)
    }

    /// Before a listener is added: a left channel (its handle no longer cached) is
    /// subscribed again, so the listener can fire.
    fn revive(&self, shared: &Rc<Shared>) -> Result<(), JsValue> {
        let left = !shared.channel_handles.borrow().contains_key(&self.name);
        if left {
            Channel::open(shared, self.name.clone())?;
        }
        Ok(())
    }

    fn add(&self, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        self.revive(&shared)?;
        shared.add_listener(&self.name, event, callback);
        Ok(self.handle(&shared))
    }

    fn remove(&self, event: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        let mut listeners = shared.listeners.borrow_mut();
        let mark = desktop_mark(event);
        for name in [event, mark.as_str()] {
            match &callback {
                Some(cb) => listeners.remove_event(&self.name, name, |l| JsValue::from(l) == JsValue::from(cb)),
                None => listeners.remove_event(&self.name, name, |_| true),
            };
        }
        drop(listeners);
        Ok(self.handle(&shared))
    }
}

#[wasm_bindgen]
impl Channel {
    /// The full channel name (`private-tenant.1.inventory`).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// `waiting` | `authorizing` | `pending` | `subscribed` | `failed` | `unsubscribed`.
    #[wasm_bindgen(getter, js_name = subscriptionState)]
    pub fn subscription_state(&self) -> String {
        let Ok(shared) = self.shared() else { return "unsubscribed".to_owned() };
        let core = shared.core.borrow();
        core.engine.subscription(&self.name).map_or("unsubscribed", Subscription::as_str).to_owned()
    }

    /// Listens to `event` (Echo naming: `.inventory.update` verbatim, `OrderShipped` in the
    /// namespace). The callback gets `(data, {user_id}?)`. With `{desktop: true}` as third
    /// argument the event also raises a desktop notification (see `desktopNotifications`).
    /// On a left channel's handle this subscribes the channel again.
    pub fn listen(&self, event: &str, callback: Function, options: JsValue) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        self.revive(&shared)?;
        listen(&shared, &self.name, event, callback, &options);
        Ok(self.handle(&shared))
    }

    /// Listens to every event: the callback gets `(eventName, data)`.
    #[wasm_bindgen(js_name = listenToAll)]
    pub fn listen_to_all(&self, callback: Function) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        self.revive(&shared)?;
        shared.listeners.borrow_mut().add_all(&self.name, callback);
        Ok(self.handle(&shared))
    }

    /// Stops `callback` (or every listener) for `event`.
    #[wasm_bindgen(js_name = stopListening)]
    pub fn stop_listening(&self, event: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        self.remove(&format_event_name(shared.namespace.as_deref(), event), callback)
    }

    /// Stops `callback` (or every listen-to-all listener).
    #[wasm_bindgen(js_name = stopListeningToAll)]
    pub fn stop_listening_to_all(&self, callback: Option<Function>) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        let mut listeners = shared.listeners.borrow_mut();
        match callback {
            Some(cb) => listeners.remove_all_listeners(&self.name, |l| JsValue::from(l) == JsValue::from(&cb)),
            None => listeners.remove_all_listeners(&self.name, |_| true),
        };
        drop(listeners);
        Ok(self.handle(&shared))
    }

    /// Calls `callback()` each time the subscription succeeds (again after reconnects).
    pub fn subscribed(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(slot::SUBSCRIBED, callback)
    }

    /// Calls `callback({type, status, code, message})` when the subscription fails.
    pub fn error(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(slot::ERROR, callback)
    }

    /// Listens to Laravel notifications (`BroadcastNotificationCreated`).
    pub fn notification(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(NOTIFICATION_EVENT, callback)
    }

    /// Stops `callback` (or every notification listener).
    #[wasm_bindgen(js_name = stopListeningForNotification)]
    pub fn stop_listening_for_notification(&self, callback: Option<Function>) -> Result<JsValue, JsValue> {
        self.remove(NOTIFICATION_EVENT, callback)
    }

    /// Sends `client-{event}` to the other members. Throws an `EchoError` (nothing sent)
    /// on a public or encrypted channel, before the subscription, over 10 KB or over 10/s.
    pub fn whisper(&self, event: &str, data: JsValue) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        let name = format!("client-{event}");
        // Serialized here, before the engine is borrowed: `toJSON`, getters and Proxy traps are
        // app code that may call back into the client. The engine gets a plain copy (or
        // `undefined`, which it refuses as not serializable).
        let data = crate::web::payload::plain_copy(&data);
        shared.command(|engine, now| engine.trigger(now, &self.name, &name, &data)).map_err(|e| errors::throwable(&e))?;
        Ok(self.handle(&shared))
    }

    /// Listens to whispers named `event`.
    #[wasm_bindgen(js_name = listenForWhisper)]
    pub fn listen_for_whisper(&self, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        self.add(&format!("client-{event}"), callback)
    }

    /// Stops `callback` (or every listener) for whispers named `event`.
    #[wasm_bindgen(js_name = stopListeningForWhisper)]
    pub fn stop_listening_for_whisper(&self, event: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        self.remove(&format!("client-{event}"), callback)
    }

    /// Presence: `callback(users)` with everyone here, after each (re)subscription.
    pub fn here(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(slot::HERE, callback)
    }

    /// Presence: `callback(user)` when someone joins.
    pub fn joining(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(slot::JOINING, callback)
    }

    /// Presence: `callback(user)` when someone leaves.
    pub fn leaving(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(slot::LEAVING, callback)
    }

    /// Undoes `subscribed`, `error`, `here`, `joining` or `leaving`: `off('here', cb)` removes
    /// one callback, `off('here')` all of that kind.
    pub fn off(&self, kind: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        let slot = match kind {
            "subscribed" => slot::SUBSCRIBED,
            "error" => slot::ERROR,
            "here" => slot::HERE,
            "joining" => slot::JOINING,
            "leaving" => slot::LEAVING,
            other => {
                return Err(errors::throwable_parts(
                    crate::error::code::CONFIG,
                    &format!("off('{other}'): expected 'subscribed', 'error', 'here', 'joining' or 'leaving'; use stopListening for events."),
                ))
            }
        };
        self.remove(slot, callback)
    }

    /// Presence members: `{count, me, members: [{id, info}]}`.
    #[wasm_bindgen(getter)]
    pub fn members(&self) -> JsValue {
        let shared = self.shared().ok();
        let core = shared.as_ref().map(|s| s.core.borrow());
        super::members::view(core.as_ref().and_then(|core| core.engine.members(&self.name)))
    }

    /// Subscribes again after a failure (e.g. once the user has logged in); does nothing on a
    /// channel that is subscribed or on its way.
    /// On a left channel's handle this subscribes the channel again.
    pub fn subscribe(&self) -> Result<JsValue, JsValue> {
        let shared = self.shared()?;
        self.revive(&shared)?;
        shared.command(|engine, now| engine.retry_subscription(now, &self.name));
        Ok(self.handle(&shared))
    }

    /// Unsubscribes this channel (like `echo.leaveChannel(name)`).
    pub fn unsubscribe(&self) {
        if let Ok(shared) = self.shared() {
            leave(&shared, &self.name);
        }
    }
}
