//! Errors the facade throws: `EchoError`s with a stable `code` (the objects callbacks receive
//! are built by `web/error_object.rs`).

use wasm_bindgen::JsValue;

use crate::error::Diagnostic;
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
