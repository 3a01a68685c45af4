//! `echo.diagnose()`: one plain object that says what state everything is in. No secrets:
//! the URL carries only the public app key.

use js_sys::{Array, Object};
use wasm_bindgen::JsValue;

use crate::channels::Subscription;
use crate::error::Diagnostic;
use crate::web::client::Client;
use crate::web::clock::now;
use crate::web::js::set;
use crate::web::notify;

fn opt_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// Builds the diagnostics object.
pub fn diagnose(shared: &Client) -> JsValue {
    // Read before any borrow: `Notification.permission` is JS a page may replace.
    let permission = notify::permission();
    let core = shared.runtime.borrow();
    let engine = &core.engine;
    let stats = engine.stats();
    let out = Object::new();
    set(&out, "state", &engine.state().as_str().into());
    set(&out, "status", &engine.status().as_str().into());
    set(&out, "socketId", &opt_str(engine.socket_id()));
    set(&out, "url", &opt_str(stats.last_url.as_deref()));
    set(&out, "serverActivityTimeout", &stats.server_activity_timeout_s.map_or(JsValue::NULL, |s| (s as f64).into()));
    let connected_for = match (engine.socket_id(), stats.connected_since) {
        (Some(_), Some(since)) => JsValue::from(now().saturating_sub(since) as f64),
        _ => JsValue::NULL,
    };
    set(&out, "connectedForMs", &connected_for);
    set(&out, "reconnectAttempts", &engine.attempts().into());
    set(&out, "reconnects", &stats.reconnects.into());
    set(&out, "signedInUser", &opt_str(engine.signed_in_user()));

    let errors = Array::new();
    for record in &shared.diagnostics.borrow().errors {
        let e = Object::new();
        set(&e, "code", &record.code.into());
        set(&e, "message", &record.message.as_str().into());
        set(&e, "channel", &opt_str(record.channel.as_deref()));
        set(&e, "at", &record.at.into());
        errors.push(&e);
    }
    set(&out, "lastErrors", &errors);

    let mut names: Vec<&str> = engine.channel_names().collect();
    names.sort_unstable();
    let channels = Array::new();
    for name in names {
        let c = Object::new();
        set(&c, "name", &name.into());
        let state = engine.subscription(name);
        set(&c, "state", &state.map_or("unsubscribed", Subscription::as_str).into());
        let error = match state {
            Some(Subscription::Failed { error, .. }) => {
                let e = Object::new();
                set(&e, "code", &error.code().into());
                set(&e, "message", &error.message().into());
                set(&e, "status", &error.status().map_or(JsValue::NULL, |s| s.into()));
                e.into()
            }
            _ => JsValue::NULL,
        };
        set(&c, "error", &error);
        if let Some(members) = engine.members(name).filter(|_| name.starts_with("presence-")) {
            set(&c, "members", &(members.count() as u32).into());
        }
        if let Some(count) = engine.subscription_count(name) {
            set(&c, "subscriptionCount", &(count as f64).into());
        }
        channels.push(&c);
    }
    set(&out, "channels", &channels);
    set(&out, "listeners", &(shared.listeners.borrow().len() as u32).into());
    set(&out, "notificationPermission", &permission.into());
    set(&out, "desktopNotifications", &shared.desktop.borrow().enabled().into());
    out.into()
}

/// What `diagnose()` reports for a destroyed Echo: disconnected, nothing held.
pub fn destroyed() -> JsValue {
    let out = Object::new();
    set(&out, "state", &"disconnected".into());
    set(&out, "status", &"disconnected".into());
    set(&out, "destroyed", &true.into());
    for key in ["socketId", "url", "serverActivityTimeout", "connectedForMs", "signedInUser"] {
        set(&out, key, &JsValue::NULL);
    }
    set(&out, "reconnectAttempts", &0.into());
    set(&out, "reconnects", &0.into());
    set(&out, "lastErrors", &Array::new());
    set(&out, "channels", &Array::new());
    set(&out, "listeners", &0.into());
    set(&out, "notificationPermission", &notify::permission().into());
    set(&out, "desktopNotifications", &false.into());
    out.into()
}
