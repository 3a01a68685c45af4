//! Errors as the plain JS objects callbacks receive: `{type, code, status, message, error,
//! channel}`, shaped like pusher-js' AuthError with our `code` added.
//!
//! The client builds them for `channel.error(cb)` and `connector.onError(cb)`.

use js_sys::Object;
use wasm_bindgen::JsValue;

use super::js::set;
use crate::error::{ChannelError, Diagnostic};

/// `{type, code, message, error, channel?}`.
pub fn error_object(kind: &str, code: &str, message: &str, channel: Option<&str>) -> Object {
    let object = Object::new();
    set(&object, "type", &kind.into());
    set(&object, "code", &code.into());
    set(&object, "message", &message.into());
    set(&object, "error", &message.into());
    if let Some(channel) = channel {
        set(&object, "channel", &channel.into());
    }
    object
}

/// The object `channel.error(cb)` receives.
pub fn channel_error_object(error: &ChannelError) -> Object {
    let object = error_object(error.kind(), error.code(), &error.message(), Some(error.channel()));
    set(&object, "status", &error.status().map_or(JsValue::NULL, |s| s.into()));
    object
}
