//! Errors the facade throws: `EchoError`s with a stable `code` (the objects callbacks receive
//! are built by `web/error_object.rs`).

use wasm_bindgen::JsValue;

use crate::error::{code, Diagnostic};
use crate::web::js::set;

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

/// The stable code and message of something a facade method threw (an `EchoError`: the codes
/// the facade throws; anything else reads as `config`), a missing message as what was thrown.
/// (Not through `error::CODES`: that would ship the table's prose in the wasm.)
pub fn parts_of(thrown: &JsValue) -> (&'static str, String) {
    let read = |key: &str| js_sys::Reflect::get(thrown, &key.into()).ok().and_then(|v| v.as_string());
    let thrown_codes = [code::CONFIG, code::INVALID_CHANNEL, code::CLIENT_EVENT_INVALID, code::DESTROYED];
    let code = read("code").and_then(|c| thrown_codes.into_iter().find(|known| *known == c)).unwrap_or(code::CONFIG);
    let message = read("message").unwrap_or_else(|| crate::web::thrown::describe(thrown));
    (code, message)
}
