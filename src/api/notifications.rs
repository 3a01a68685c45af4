//! `echo.notifications`: the desktop-notification permission, readable and requestable.
//!
//! Browsers only grant a permission prompt from a user gesture (a click on the bell): called
//! without one, `requestPermission()` resolves with the current state and records why.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::alive::usable;
use crate::error::code;
use crate::web::client::Client;
use crate::web::notify;

/// Notification permission for desktop notifications.
#[wasm_bindgen]
pub struct Notifications {
    client: Option<Rc<Client>>,
}

impl Notifications {
    pub(crate) fn new(client: Option<Rc<Client>>) -> Self {
        Notifications { client }
    }
}

#[wasm_bindgen]
impl Notifications {
    /// `'default' | 'granted' | 'denied' | 'unsupported'`.
    #[wasm_bindgen(getter)]
    pub fn permission(&self) -> String {
        notify::permission().to_owned()
    }

    /// Asks the user (call it from a click). Resolves with the resulting permission; never
    /// rejects.
    #[wasm_bindgen(js_name = requestPermission)]
    pub fn request_permission(&self) -> js_sys::Promise {
        let current = notify::permission();
        let Some(client) = usable(self.client.as_ref()) else {
            return js_sys::Promise::resolve(&JsValue::from_str(current));
        };
        if let Some(why) = notify::unsupported_reason() {
            client.record(code::NOTIFICATIONS_UNSUPPORTED, format!("Desktop notifications are unavailable: {why}."), None);
            return js_sys::Promise::resolve(&JsValue::from_str(current));
        }
        if current != "default" {
            if current == "denied" {
                client.record(code::NOTIFICATIONS_DENIED, "Desktop notifications are blocked for this site; re-enable them in the browser's site settings (the page cannot ask again).".into(), None);
            }
            return js_sys::Promise::resolve(&JsValue::from_str(current));
        }
        if notify::has_user_gesture() == Some(false) {
            client.record(
                code::NOTIFICATIONS_DENIED,
                "requestPermission() was called without a user gesture; browsers ignore that. Call it from a click handler (e.g. the bell).".into(),
                None,
            );
            return js_sys::Promise::resolve(&JsValue::from_str(current));
        }
        match notify::request_permission() {
            Ok(promise) => {
                // Weak while the prompt is open: a pending prompt must not keep an unreachable client alive.
                let weak = std::rc::Rc::downgrade(&client);
                wasm_bindgen_futures::future_to_promise(async move {
                let result = wasm_bindgen_futures::JsFuture::from(promise).await;
                let permission = notify::permission();
                if let (Err(error), Some(client)) = (result, weak.upgrade()) {
                    client.record(code::NOTIFICATION_FAILED, format!("requestPermission failed: {}", crate::web::thrown::describe(&error)), None);
                }
                Ok(JsValue::from_str(permission))
            })
            }
            Err(why) => {
                client.record(code::NOTIFICATION_FAILED, format!("requestPermission failed: {why}"), None);
                js_sys::Promise::resolve(&JsValue::from_str(current))
            }
        }
    }
}
