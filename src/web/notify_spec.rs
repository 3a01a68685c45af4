//! What a desktop notification shows: the spec (`{title, body, icon, tag, data}`) an app's
//! `desktopNotifications.map` returns or the default mapping builds from a payload, and the
//! `Notification` constructor's arguments made from it. Read and written with serde.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::boundary::{self, Lenient};

/// The `Notification` constructor's `(title, options)` for `spec`.
pub fn constructor_args(spec: &JsValue) -> (String, JsValue) {
    let spec: Spec = boundary::read(spec, 1).unwrap_or_default();
    let options = boundary::write(&NotificationOptions { body: spec.body.ok(), icon: spec.icon.ok(), tag: spec.tag.ok(), data: &spec.data });
    (spec.title.ok().unwrap_or_default(), options)
}

/// A notification spec: what `map` returns, or [`default_spec`] (`{title, body, icon, tag,
/// data}`; strings or numbers, anything else is left out).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Spec {
    title: Lenient<String>,
    body: Lenient<String>,
    icon: Lenient<String>,
    tag: Lenient<String>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    data: JsValue,
}

/// The `Notification` constructor's options.
#[derive(Serialize)]
struct NotificationOptions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    #[serde(skip_serializing_if = "JsValue::is_undefined", serialize_with = "as_js_value")]
    data: &'a JsValue,
}

/// The fields [`default_spec`] takes from a payload.
#[derive(Deserialize, Default)]
#[serde(default)]
struct PayloadSummary {
    title: Lenient<String>,
    subject: Lenient<String>,
    #[serde(rename = "type")]
    kind: Lenient<String>,
    message: Lenient<String>,
    body: Lenient<String>,
    id: Lenient<String>,
}

/// What [`default_spec`] builds.
#[derive(Serialize)]
struct DefaultSpec<'a> {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    #[serde(serialize_with = "as_js_value")]
    data: &'a JsValue,
}

/// A JS value passed through unchanged.
fn as_js_value<S: serde::Serializer>(value: &&JsValue, serializer: S) -> Result<S::Ok, S::Error> {
    serde_wasm_bindgen::preserve::serialize(*value, serializer)
}

/// The default mapping: title from `title` / `subject` / the notification type's last
/// segment (for events: the event name), body from `message` / `body`, tag from the `id`.
pub fn default_spec(payload: &JsValue, event: &str, is_notification: bool) -> JsValue {
    let fields: PayloadSummary = boundary::read(payload, 1).unwrap_or_default();
    let title = fields.title.ok().or(fields.subject.ok()).unwrap_or_else(|| match fields.kind.ok().filter(|_| is_notification) {
        Some(kind) => kind.rsplit('\\').next().unwrap_or(&kind).to_owned(),
        None => event.to_owned(),
    });
    let tag = fields.id.ok().map(|id| if is_notification { id } else { format!("{event}:{id}") });
    boundary::write(&DefaultSpec { title, body: fields.message.ok().or(fields.body.ok()), tag, data: payload })
}
