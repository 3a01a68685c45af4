//! What a desktop notification shows ([`Spec`]: title, body, icon, tag, data): read with serde
//! from what an app's `desktopNotifications.map` returns, or built by the default mapping
//! from a payload; and the `Notification` constructor's arguments made from it.
//!
//! The constructor's options are built as own data properties ([`object`]), not serialized:
//! this runs inside the client's loop, and a page's `Object.prototype` setter must neither
//! throw through the wasm nor swallow a value.

use serde::Deserialize;
use wasm_bindgen::JsValue;

use super::boundary;
use super::lenient::Lenient;
use super::js::object;
use super::js_de::Raw;

/// What one notification shows.
pub struct Spec {
    title: String,
    body: Option<String>,
    icon: Option<String>,
    tag: Option<String>,
    /// The notification's `data` (`undefined`: none).
    data: JsValue,
}

/// A spec as an app's `map` returns it (strings or numbers; anything else is left out).
#[derive(Deserialize, Default)]
#[serde(default)]
struct SpecFields {
    title: Lenient<String>,
    body: Lenient<String>,
    icon: Lenient<String>,
    tag: Lenient<String>,
    data: Raw,
}

/// The fields the default mapping takes from a payload.
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

impl Spec {
    /// What an app's `map` returned.
    pub fn read(value: &JsValue) -> Spec {
        let fields: SpecFields = boundary::read(value, 1).unwrap_or_default();
        Spec { title: fields.title.ok().unwrap_or_default(), body: fields.body.ok(), icon: fields.icon.ok(), tag: fields.tag.ok(), data: fields.data.0 }
    }

    /// The default mapping: title from `title` / `subject` / the notification type's last
    /// segment (for events: the event name), body from `message` / `body`, tag from the
    /// `id`, the payload as `data`.
    pub fn default_for(payload: &JsValue, event: &str, is_notification: bool) -> Spec {
        let fields: PayloadSummary = boundary::read(payload, 1).unwrap_or_default();
        let title = fields.title.ok().or(fields.subject.ok()).unwrap_or_else(|| match fields.kind.ok().filter(|_| is_notification) {
            Some(kind) => kind.rsplit('\\').next().unwrap_or(&kind).to_owned(),
            None => event.to_owned(),
        });
        let tag = fields.id.ok().map(|id| if is_notification { id } else { format!("{event}:{id}") });
        Spec { title, body: fields.message.ok().or(fields.body.ok()), icon: None, tag, data: payload.clone() }
    }

    /// The `Notification` constructor's `(title, options)`.
    pub fn constructor_args(&self) -> (JsValue, JsValue) {
        let texts = [("body", &self.body), ("icon", &self.icon), ("tag", &self.tag)];
        let values: Vec<(&str, JsValue)> = texts.iter().filter_map(|(key, value)| value.as_deref().map(|v| (*key, JsValue::from_str(v)))).collect();
        let mut pairs: Vec<(&str, &JsValue)> = values.iter().map(|(key, value)| (*key, value)).collect();
        if !self.data.is_undefined() {
            pairs.push(("data", &self.data));
        }
        (JsValue::from_str(&self.title), object(&pairs).into())
    }
}
