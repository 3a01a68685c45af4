//! Dispatch to JS listeners: who gets called with what, in which order, and what happens
//! when one throws or removes others.
//!
//! Listeners are copied out of the registry before any runs (into a reused scratch vector),
//! so each may change the registry: one removed meanwhile (by an earlier listener) is skipped
//! (DOM `EventTarget` semantics), `destroy()` stops the rest, and one that throws is reported
//! while the others still run. The per-frame path makes one registry lookup per table (event
//! listeners, then listen-to-all ones) and reads each listener's desktop flag from the copy.

use wasm_bindgen::JsValue;

use super::client::Client;
use super::error_object::error_object;
use super::js::{self, set};
use crate::error::code::LISTENER_THREW;
use crate::event_name::NOTIFICATION_EVENT;
use crate::listeners::{ConnectionEvent, Listener, Place, Topic};

/// Where connection-level errors go (`connector.onError`).
const ERRORS: Place<'static> = Place::Connection(ConnectionEvent::Error);

impl Client {
    /// Calls the listeners at `place` with `args`. Returns whether any ran.
    pub(super) fn emit(&self, place: Place, args: &[&JsValue]) -> bool {
        let mut listeners = std::mem::take(&mut *self.scratch.borrow_mut());
        self.listeners.borrow().collect(place, &mut listeners);
        let any = !listeners.is_empty();
        self.call_each(&mut listeners, place, args);
        *self.scratch.borrow_mut() = listeners;
        any
    }

    /// Calls (and drains) `listeners`, collected at `place`, with `args`; a listener that
    /// throws is reported and the others still run. One removed meanwhile is skipped.
    fn call_each(&self, listeners: &mut Vec<Listener<js_sys::Function>>, place: Place, args: &[&JsValue]) {
        let removals = self.listeners.borrow().removals();
        for listener in listeners.drain(..) {
            // `destroy()` from an earlier listener: the rest are not called.
            if self.destroyed.get() {
                continue;
            }
            let removed = {
                let registry = self.listeners.borrow();
                registry.removals() != removals && !registry.contains(place, listener.id)
            };
            if removed {
                continue;
            }
            let result = match args {
                [] => listener.f.call0(&JsValue::UNDEFINED),
                [a] => listener.f.call1(&JsValue::UNDEFINED, a),
                [a, b, ..] => listener.f.call2(&JsValue::UNDEFINED, a, b),
            };
            if let Err(thrown) = result {
                self.listener_threw(place, &thrown);
            }
        }
    }

    /// Delivers a channel event: its listeners get `(data, {user_id}?)`, listen-to-all
    /// listeners get `(formattedName, data)`; then the desktop notification, if one is wanted.
    pub(super) fn dispatch_event(&self, channel: &str, event: &str, data: &JsValue, user_id: Option<String>) {
        let place = Place::Channel(channel, Topic::Event(event));
        let mut listeners = std::mem::take(&mut *self.scratch.borrow_mut());
        let changes = {
            let registry = self.listeners.borrow();
            registry.collect(place, &mut listeners);
            registry.changes()
        };
        let listened = !listeners.is_empty();
        let marked = listeners.iter().any(|l| l.desktop);
        if listened {
            match user_id {
                Some(id) => {
                    let meta = js_sys::Object::new();
                    set(&meta, "user_id", &JsValue::from_str(&id));
                    self.call_each(&mut listeners, place, &[data, &meta]);
                }
                None => self.call_each(&mut listeners, place, &[data]),
            }
        }
        if !event.starts_with("pusher:") {
            let all = Place::All { channel, event };
            self.listeners.borrow().collect(all, &mut listeners);
            if !listeners.is_empty() {
                let name = JsValue::from_str(&self.name_for_all_listeners(event));
                self.call_each(&mut listeners, all, &[&name, data]);
            }
        }
        *self.scratch.borrow_mut() = listeners;
        if self.desktop.borrow().enabled() && !self.destroyed.get() {
            let is_notification = event == NOTIFICATION_EVENT;
            let wanted = {
                let registry = self.listeners.borrow();
                if registry.changes() == changes {
                    (is_notification && listened) || marked
                } else {
                    // A listener added or removed listeners meanwhile: ask the registry as it is now.
                    (is_notification && registry.has(place)) || registry.has_desktop(channel, event)
                }
            };
            if wanted {
                self.show_desktop(channel, event, data, is_notification);
            }
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

    /// A listener at `place` threw: reported (see [`Client::callback_threw`]), and given to
    /// the connection's error listeners unless one of those threw.
    fn listener_threw(&self, place: Place, thrown: &JsValue) {
        let (callback, owner) = place.describe();
        self.callback_threw(callback, owner, thrown, place != ERRORS);
    }

    /// An app callback threw: printed, recorded as `listener_threw` with a message naming
    /// `callback` and `owner` (a channel, `connection` or `user`), and, with
    /// `tell_error_listeners`, given to `connector.onError` listeners as a `ListenerError`.
    pub(super) fn callback_threw(&self, callback: &str, owner: &str, thrown: &JsValue, tell_error_listeners: bool) {
        let message = format!("A listener for {callback} on {owner} threw: {}", super::thrown::describe(thrown));
        js::error("echo-wasm: listener threw", thrown);
        self.record(LISTENER_THREW, message.clone(), Some(owner.to_owned()));
        if tell_error_listeners {
            let object = error_object("ListenerError", LISTENER_THREW, &message, Some(owner));
            set(&object, "cause", thrown);
            self.emit(ERRORS, &[&object]);
        }
    }

    /// A call the package's JS queued before the wasm was ready, which refused once applied
    /// (what it would have thrown): recorded for `diagnose()` and given, as a `UsageError`, to
    /// `channel`'s error listeners (when it names one) and to `connector.onError` listeners.
    /// Printed once when nobody heard it (`heard`: the JS has listeners of its own for it).
    /// Returns the error object.
    pub fn report_refused_call(&self, code: &'static str, message: &str, channel: Option<&str>, heard: bool) -> js_sys::Object {
        let object = error_object("UsageError", code, message, channel);
        self.record(code, message.to_owned(), channel.map(str::to_owned));
        let mut any = heard;
        if let Some(channel) = channel {
            any |= self.emit(Place::Channel(channel, Topic::Lifecycle(crate::listeners::Lifecycle::Error)), &[&object]);
        }
        any |= self.emit(ERRORS, &[&object]);
        if !any {
            self.warn_once(code, message);
        }
        object
    }
}
