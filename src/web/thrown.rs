//! What app code threw, described without trusting it: an `Error`'s `name` and `message`
//! are read through getters imported with `catch` (own but not enumerable, so not through a
//! snapshot), anything else through its string form.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A thrown value (its `name` and `message`).
    type Thrown;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn name(this: &Thrown) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn message(this: &Thrown) -> Result<JsValue, JsValue>;
}

/// `error.name` or `error.message`, when it is a string.
fn thrown_field(error: &JsValue, field: fn(&Thrown) -> Result<JsValue, JsValue>) -> Option<String> {
    if !error.is_object() {
        return None;
    }
    field(error.unchecked_ref()).ok().and_then(|v| v.as_string())
}

/// Whether `error` is the `AbortError` of an aborted fetch.
pub fn is_abort(error: &JsValue) -> bool {
    thrown_field(error, Thrown::name).as_deref() == Some("AbortError")
}

/// A JS error's message, or its string form.
pub fn describe(error: &JsValue) -> String {
    if let Some(message) = thrown_field(error, Thrown::message) {
        return message;
    }
    error.as_string().unwrap_or_else(|| super::payload::js_string(error))
}
