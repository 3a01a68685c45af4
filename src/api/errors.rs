//! Errors as JS values: plain objects for callbacks (`{type, code, status, message, error,
//! channel}`, shaped like pusher-js' AuthError with our `code` added) and `Error`s to throw.

use js_sys::Object;
use wasm_bindgen::JsValue;

use crate::error::{ChannelError, Diagnostic};
use crate::web::driver::set;

/// `{type, code, message, error, channel?}`.
pub fn error_object(kind: &str, code: &str, message: &str, channel: Option<&str>) -> Object {
    let object = Object::new();
    set(&object, "type", &kind.into());
    set(&object, "code", &code.into());
    set(&object, "message", &message.into());
    set(&object, "error", &message.into());
    if let Some(channel) = channel {
        set(&object, "channel", &channel.trim_start_matches('\u{1}').into());
    }
    object
}

/// The object `channel.error(cb)` receives.
pub fn channel_error_object(error: &ChannelError) -> Object {
    let object = error_object(error.kind(), error.code(), &error.message(), Some(error.channel()));
    set(&object, "status", &error.status().map_or(JsValue::NULL, |s| s.into()));
    object
}

/// A throwable `EchoError` with a `code`.
pub fn throwable(error: &impl Diagnostic) -> JsValue {
    throwable_parts(error.code(), &error.message())
}

/// A throwable `EchoError` from parts.
pub fn throwable_parts(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("EchoError");
    set(&error, "code", &code.into());
    error.into()
}
