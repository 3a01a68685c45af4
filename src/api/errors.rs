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

/// The stable code of something a facade method threw, as the JS read it from the `EchoError`
/// (one of the codes the facade throws; anything else reads as `config`). Not looked up in
/// `error::CODES`: that would ship the table's prose in the wasm.
pub fn thrown_code(code: &str) -> &'static str {
    [code::INVALID_CHANNEL, code::CLIENT_EVENT_INVALID, code::DESTROYED].into_iter().find(|known| *known == code).unwrap_or(code::CONFIG)
}
