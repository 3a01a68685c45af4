//! A channel as JS sees it: Echo's `listen`/`stopListening`/`whisper`/`notification`,
//! presence's `here`/`joining`/`leaving`, plus `off()` and a members view.
//!
//! A [`ChannelHandle`] (JS class `Channel`) is a light handle (the client and a name). As in laravel-echo, the
//! client hands out one handle per channel: `echo.private('x') === echo.private('x')`, and
//! every chainable method returns that same object (no new wrapper per call). Leaving the
//! channel forgets the handle; the next `echo.private('x')` makes a new one.
//!
//! A handle holds the client strongly, as laravel-echo's channels hold their connector: any
//! live handle (the Echo, a channel, the connector, `notifications`) keeps the client and its
//! connection; only when all are unreachable is it collected and shut down. The client's
//! cache holds each handle through a `WeakRef` (`web/handles.rs`) (a strong handle where `WeakRef` is missing:
//! that client then lives until `destroy()`), so it is no cycle. Used after `destroy()`, a
//! method throws `echo_destroyed`. A handle of a channel that was left is
//! stale: adding a listener to it (`listen`, `here`, `notification`, ...) subscribes the
//! channel again, so no listener is ever kept on a channel that is not requested; chained
//! calls then return the channel's current handle (the one `echo.channel(name)` returns).

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::alive::{destroyed, usable};
use super::{errors, members};
use crate::channels::Subscription;
use crate::event_name::{format_event_name, NOTIFICATION_EVENT};
use crate::listeners::{Lifecycle, Place, Topic};
use crate::web::client::Client;
use crate::web::handles::HandleRef;

/// A subscribed (or subscribing) channel: the JS class `Channel`.
#[wasm_bindgen(js_name = Channel)]
pub struct ChannelHandle {
    client: Rc<Client>,
    name: String,
}

/// Unsubscribes `name`, forgets its listeners and its handle.
pub(crate) fn leave(client: &Rc<Client>, name: &str) {
    client.listeners.borrow_mut().clear_channel(name);
    client.channel_handles.borrow_mut().remove(name);
    client.command(|engine, now| engine.unsubscribe(now, name));
}

/// Registers `callback` for `event` (Echo naming) on `channel`; `{desktop: true}` in
/// `options` also marks it for desktop notifications.
pub(crate) fn listen(client: &Rc<Client>, channel: &str, event: &str, callback: Function, options: &JsValue) {
    let name = format_event_name(client.namespace.as_deref(), event);
    let desktop = options.is_object() && js_sys::Reflect::get(options, &"desktop".into()).ok().and_then(|d| d.as_bool()) == Some(true);
    client.add_listener(Place::Channel(channel, Topic::Event(&name)), callback, desktop);
}

/// The JS handle of `name`: the cached one while the app holds it, else a new one, cached
/// when `cache` or when the channel is still joined (its old handle was collected).
fn handle_of(client: &Rc<Client>, name: &str, cache: bool) -> JsValue {
    // Copied out before `deref` (JS) runs: no borrow is held across it.
    let cached = client.channel_handles.borrow().get(name).cloned();
    let joined = cached.is_some();
    if let Some(handle) = cached.and_then(|h| h.get()) {
        return handle;
    }
    let handle = JsValue::from(ChannelHandle { client: client.clone(), name: name.to_owned() });
    if cache || joined {
        let held = HandleRef::new(&handle);
        client.channel_handles.borrow_mut().insert(name.to_owned(), held);
    }
    handle
}

impl ChannelHandle {
    /// Subscribes (if needed) and returns the channel's handle. Throws on an invalid name.
    pub(crate) fn open(client: &Rc<Client>, name: String) -> Result<JsValue, JsValue> {
        client.command(|engine, now| engine.subscribe(now, &name)).map_err(|e| errors::throwable(&e))?;
        Ok(handle_of(client, &name, true))
    }

    /// The client (a clone, so a callback cannot free it under the running call), or the
    /// `echo_destroyed` error after `destroy()`.
    fn client(&self) -> Result<Rc<Client>, JsValue> {
        usable(Some(&self.client)).ok_or_else(destroyed)
    }

    /// This channel's handle, for chaining (a left channel's stale handle is not re-cached).
    fn handle(&self, client: &Rc<Client>) -> JsValue {
        handle_of(client, &self.name, false)
    }

    /// Before a listener is added: a left channel (its handle no longer cached) is
    /// subscribed again, so the listener can fire.
    fn revive(&self, client: &Rc<Client>) -> Result<(), JsValue> {
        let left = !client.channel_handles.borrow().contains_key(&self.name);
        if left {
            ChannelHandle::open(client, self.name.clone())?;
        }
        Ok(())
    }

    fn add(&self, topic: Topic, callback: Function) -> Result<JsValue, JsValue> {
        let client = self.client()?;
        self.revive(&client)?;
        client.add_listener(Place::Channel(&self.name, topic), callback, false);
        Ok(self.handle(&client))
    }

    /// Removes `callback` (or every listener) at `place`; a desktop mark goes with its listener.
    fn remove(&self, place: Place, callback: Option<Function>) -> Result<JsValue, JsValue> {
        let client = self.client()?;
        let mut listeners = client.listeners.borrow_mut();
        match &callback {
            Some(cb) => listeners.remove_matching(place, |l| JsValue::from(l) == JsValue::from(cb)),
            None => listeners.remove_matching(place, |_| true),
        };
        drop(listeners);
        Ok(self.handle(&client))
    }

    fn remove_event(&self, event: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        self.remove(Place::Channel(&self.name, Topic::Event(event)), callback)
    }

    fn all(&self) -> Place<'_> {
        Place::All { channel: &self.name, event: "" }
    }
}

#[wasm_bindgen(js_class = Channel)]
impl ChannelHandle {
    /// The full channel name (`private-tenant.1.inventory`).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// `waiting` | `authorizing` | `pending` | `subscribed` | `failed` | `unsubscribed`.
    #[wasm_bindgen(getter, js_name = subscriptionState)]
    pub fn subscription_state(&self) -> String {
        let Ok(client) = self.client() else { return "unsubscribed".to_owned() };
        let runtime = client.runtime.borrow();
        runtime.engine.subscription(&self.name).map_or("unsubscribed", Subscription::as_str).to_owned()
    }

    /// Listens to `event` (Echo naming: `.inventory.update` verbatim, `OrderShipped` in the
    /// namespace). The callback gets `(data, {user_id}?)`. With `{desktop: true}` as third
    /// argument the event also raises a desktop notification (see `desktopNotifications`).
    /// On a left channel's handle this subscribes the channel again.
    pub fn listen(&self, event: &str, callback: Function, options: JsValue) -> Result<JsValue, JsValue> {
        let client = self.client()?;
        self.revive(&client)?;
        listen(&client, &self.name, event, callback, &options);
        Ok(self.handle(&client))
    }

    /// Listens to every event: the callback gets `(eventName, data)`.
    #[wasm_bindgen(js_name = listenToAll)]
    pub fn listen_to_all(&self, callback: Function) -> Result<JsValue, JsValue> {
        let client = self.client()?;
        self.revive(&client)?;
        client.add_listener(self.all(), callback, false);
        Ok(self.handle(&client))
    }

    /// Stops `callback` (or every listener) for `event`.
    #[wasm_bindgen(js_name = stopListening)]
    pub fn stop_listening(&self, event: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        let client = self.client()?;
        self.remove_event(&format_event_name(client.namespace.as_deref(), event), callback)
    }

    /// Stops `callback` (or every listen-to-all listener).
    #[wasm_bindgen(js_name = stopListeningToAll)]
    pub fn stop_listening_to_all(&self, callback: Option<Function>) -> Result<JsValue, JsValue> {
        self.remove(self.all(), callback)
    }

    /// Calls `callback()` each time the subscription succeeds (again after reconnects).
    pub fn subscribed(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Lifecycle(Lifecycle::Subscribed), callback)
    }

    /// Calls `callback({recovered, downtimeMs, replayed, reason})` each time the channel,
    /// subscribed before, is subscribed again on a new connection (after the replayed events
    /// when recovered).
    pub fn resumed(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Lifecycle(Lifecycle::Resumed), callback)
    }

    /// Calls `callback({type, status, code, message})` when the subscription fails.
    pub fn error(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Lifecycle(Lifecycle::Error), callback)
    }

    /// Listens to Laravel notifications (`BroadcastNotificationCreated`).
    pub fn notification(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Event(NOTIFICATION_EVENT), callback)
    }

    /// Stops `callback` (or every notification listener).
    #[wasm_bindgen(js_name = stopListeningForNotification)]
    pub fn stop_listening_for_notification(&self, callback: Option<Function>) -> Result<JsValue, JsValue> {
        self.remove_event(NOTIFICATION_EVENT, callback)
    }

    /// Sends `client-{event}` to the other members. Throws an `EchoError` (nothing sent)
    /// on a public or encrypted channel, before the subscription, over 10 KB or over 10/s.
    pub fn whisper(&self, event: &str, data: JsValue) -> Result<JsValue, JsValue> {
        let client = self.client()?;
        let name = format!("client-{event}");
        // Serialized here, before the engine is borrowed: `toJSON`, getters and Proxy traps are
        // app code that may call back into the client. The engine gets a plain copy (or
        // `undefined`, which it refuses as not serializable).
        let data = crate::web::payload::plain_copy(&data);
        client.command(|engine, now| engine.trigger(now, &self.name, &name, &data)).map_err(|e| errors::throwable(&e))?;
        Ok(self.handle(&client))
    }

    /// Listens to whispers named `event`.
    #[wasm_bindgen(js_name = listenForWhisper)]
    pub fn listen_for_whisper(&self, event: &str, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Event(&format!("client-{event}")), callback)
    }

    /// Stops `callback` (or every listener) for whispers named `event`.
    #[wasm_bindgen(js_name = stopListeningForWhisper)]
    pub fn stop_listening_for_whisper(&self, event: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        self.remove_event(&format!("client-{event}"), callback)
    }

    /// Presence: `callback(users)` with everyone here, after each (re)subscription.
    pub fn here(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Lifecycle(Lifecycle::Here), callback)
    }

    /// Presence: `callback(user)` when someone joins.
    pub fn joining(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Lifecycle(Lifecycle::Joining), callback)
    }

    /// Presence: `callback(user)` when someone leaves.
    pub fn leaving(&self, callback: Function) -> Result<JsValue, JsValue> {
        self.add(Topic::Lifecycle(Lifecycle::Leaving), callback)
    }

    /// Undoes `subscribed`, `error`, `here`, `joining`, `leaving` or `resumed`: `off('here', cb)` removes
    /// one callback, `off('here')` all of that kind.
    pub fn off(&self, kind: &str, callback: Option<Function>) -> Result<JsValue, JsValue> {
        let Some(kind) = Lifecycle::from_name(kind) else {
            return Err(errors::throwable_parts(
                crate::error::code::CONFIG,
                &format!("off('{kind}'): expected 'subscribed', 'error', 'here', 'joining', 'leaving' or 'resumed'; use stopListening for events."),
            ));
        };
        self.remove(Place::Channel(&self.name, Topic::Lifecycle(kind)), callback)
    }

    /// Presence members: `{count, me, members: [{id, info}]}`.
    #[wasm_bindgen(getter)]
    pub fn members(&self) -> JsValue {
        members::view(self.client().ok(), &self.name)
    }

    /// Subscribes again after a failure (e.g. once the user has logged in); does nothing on a
    /// channel that is subscribed or on its way.
    /// On a left channel's handle this subscribes the channel again.
    pub fn subscribe(&self) -> Result<JsValue, JsValue> {
        let client = self.client()?;
        self.revive(&client)?;
        client.command(|engine, now| engine.retry_subscription(now, &self.name));
        Ok(self.handle(&client))
    }

    /// Unsubscribes this channel (like `echo.leaveChannel(name)`).
    pub fn unsubscribe(&self) {
        if let Ok(client) = self.client() {
            leave(&client, &self.name);
        }
    }
}
