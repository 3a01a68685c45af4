//! `echo.diagnose()`: one plain object that says what state everything is in, serialized
//! with serde ([`Diagnosis`]). No secrets: the URL carries only the public app key.
//!
//! The figures are copied out of the client first and serialized after every borrow (and
//! the client itself) is released:
//! serializing sets properties on new JS objects, where a page's `Object.prototype` setter
//! could call back into the client.

use std::rc::Rc;

use serde::Serialize;

use crate::channels::Subscription;
use crate::error::Diagnostic;
use crate::web::boundary;
use crate::web::client::Client;
use crate::web::clock::now;
use crate::web::notify;

/// What `diagnose()` returns (`Diagnosis` in `pkg/index.d.ts`); `None` is `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Diagnosis {
    state: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    destroyed: bool,
    socket_id: Option<String>,
    url: Option<String>,
    server_activity_timeout: Option<f64>,
    connected_for_ms: Option<f64>,
    reconnect_attempts: u32,
    reconnects: u32,
    signed_in_user: Option<String>,
    last_errors: Vec<ErrorEntry>,
    channels: Vec<ChannelEntry>,
    listeners: u32,
    notification_permission: &'static str,
    desktop_notifications: bool,
    sharing: SharingEntry,
}

/// `shareConnection` (`sharing`): `{enabled, role, tabs, reason?}`.
#[derive(Serialize)]
struct SharingEntry {
    enabled: bool,
    role: &'static str,
    tabs: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl SharingEntry {
    fn off() -> Self {
        SharingEntry { enabled: false, role: "solo", tabs: 1, reason: None }
    }
}

/// One recorded error (`lastErrors[i]`).
#[derive(Serialize)]
struct ErrorEntry {
    code: &'static str,
    message: String,
    channel: Option<String>,
    at: f64,
}

/// One channel (`channels[i]`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChannelEntry {
    name: String,
    state: &'static str,
    error: Option<ChannelErrorEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscription_count: Option<f64>,
}

/// Why a channel failed (`channels[i].error`).
#[derive(Serialize)]
struct ChannelErrorEntry {
    code: &'static str,
    message: String,
    status: Option<u16>,
}

/// Builds the diagnostics object.
pub fn diagnose(client: Rc<Client>) -> wasm_bindgen::JsValue {
    // Read before any borrow: `Notification.permission` is JS a page may replace.
    let permission = notify::permission();
    let listeners = client.listeners.borrow().len() as u32;
    let desktop_notifications = client.desktop.borrow().enabled();
    let last_errors = client
        .diagnostics
        .borrow()
        .errors
        .iter()
        .map(|r| ErrorEntry { code: r.code, message: r.message.clone(), channel: r.channel.clone(), at: r.at })
        .collect();
    let now = now();
    let diagnosis = {
        let runtime = client.runtime.borrow();
        let engine = &runtime.engine;
        let stats = engine.stats();
        // In name order: the engine's channel map iterates in key order.
        let channels = engine
            .channel_names()
            .map(|name| {
                let state = engine.subscription(name);
                ChannelEntry {
                    name: name.to_owned(),
                    state: state.map_or("unsubscribed", Subscription::as_str),
                    error: match state {
                        Some(Subscription::Failed { error, .. }) => Some(ChannelErrorEntry { code: error.code(), message: error.message(), status: error.status() }),
                        _ => None,
                    },
                    members: engine.members(name).filter(|_| name.starts_with("presence-")).map(|m| m.count() as u32),
                    subscription_count: engine.subscription_count(name).map(|count| count as f64),
                }
            })
            .collect();
        Diagnosis {
            state: engine.state().as_str(),
            status: engine.status().as_str(),
            destroyed: false,
            socket_id: engine.socket_id().map(str::to_owned),
            url: stats.last_url.clone(),
            server_activity_timeout: stats.server_activity_timeout_s.map(|s| s as f64),
            connected_for_ms: match (engine.socket_id(), stats.connected_since) {
                (Some(_), Some(since)) => Some(now.saturating_sub(since) as f64),
                _ => None,
            },
            reconnect_attempts: engine.attempts(),
            reconnects: stats.reconnects,
            signed_in_user: engine.signed_in_user().map(str::to_owned),
            last_errors,
            channels,
            listeners,
            notification_permission: permission,
            desktop_notifications,
            sharing: {
                let (enabled, view) = runtime.share.view();
                SharingEntry { enabled, role: view.role, tabs: view.tabs, reason: view.reason }
            },
        }
    };
    // The client is released first too: a throw out of `write` would leak what is still held.
    drop(client);
    boundary::write(&diagnosis)
}

/// What `diagnose()` reports for a destroyed Echo: disconnected, nothing held.
pub fn destroyed() -> wasm_bindgen::JsValue {
    boundary::write(&Diagnosis {
        state: "disconnected",
        status: "disconnected",
        destroyed: true,
        socket_id: None,
        url: None,
        server_activity_timeout: None,
        connected_for_ms: None,
        reconnect_attempts: 0,
        reconnects: 0,
        signed_in_user: None,
        last_errors: Vec::new(),
        channels: Vec::new(),
        listeners: 0,
        notification_permission: notify::permission(),
        desktop_notifications: false,
        sharing: SharingEntry::off(),
    })
}
