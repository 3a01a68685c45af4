//! The desktop hook: a desktop notification for a Laravel notification, or for an event
//! listened to with `{desktop: true}`, once dispatch has decided one is wanted.
//!
//! What a notification looks like and whether the page may show one is `notify.rs`'s; this
//! module runs the app's `map`/`onClick` and records every skip worth knowing.

use js_sys::Object;
use wasm_bindgen::JsValue;

use super::thrown;
use super::client::Client;
use super::js::set;
use super::notify::{self, Skip};
use super::notify_spec::Spec;

impl Client {
    /// Shows the notification for `event` on `channel`. Never throws.
    pub(super) fn show_desktop(&self, channel: &str, event: &str, data: &JsValue, is_notification: bool) {
        // `shareConnection`: another tab shows this frame's notification (one per browser).
        let quiet = self.runtime.borrow().share.linking().is_some_and(|p| p.quiet());
        if quiet {
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
            None => Spec::default_for(data, event, is_notification),
            Some(map) => {
                let meta = Object::new();
                set(&meta, "channel", &channel.into());
                set(&meta, "event", &event.into());
                match map.call2(&JsValue::UNDEFINED, data, &meta) {
                    Ok(spec) if spec.is_null() || spec.is_undefined() => return,
                    Ok(spec) => Spec::read(&spec),
                    Err(thrown) => return self.note_skip(&Skip::Failed(format!("desktopNotifications.map threw: {}", thrown::describe(&thrown)))),
                }
            }
        };
        let me = self.me.clone();
        let on_click_threw = move |thrown: &JsValue| {
            if let Some(client) = me.upgrade() {
                client.callback_threw("desktopNotifications.onClick", "connection", thrown, true);
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
}
