//! `JsValue` as the core's [`Payload`]: JSON values produced by the browser's own
//! `JSON.parse`, read with `Reflect`. User payloads stay JS values from socket to listener.
//!
//! Every JS function imported here is imported with `catch`: a JS exception must never
//! unwind through wasm frames (it would skip Rust destructors, leaving loop flags and
//! `RefCell` borrows set, and the shadow stack pointer moved). [`js_string`] and
//! [`js_number`] turn a throw (`String(Object.create(null))`, a Proxy) into a fallback.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use crate::payload::Payload;
use crate::protocol::{decode_fields, decode_position, FrameError, InboundFrame};

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string, without copying it through Rust.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
    /// `JSON.stringify`.
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    /// `String(value)`, which throws for values without a string form.
    #[wasm_bindgen(js_name = String, catch)]
    fn string_of(value: &JsValue) -> Result<String, JsValue>;
    /// `Number(value)`, which throws for symbols and values without a primitive form.
    #[wasm_bindgen(js_name = Number, catch)]
    fn number_of(value: &JsValue) -> Result<f64, JsValue>;
    /// `Object.keys(value)` (a Proxy's `ownKeys` trap may throw).
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
    /// `Object.entries(value)` (getters and Proxy traps may throw).
    #[wasm_bindgen(js_namespace = Object, js_name = entries, catch)]
    fn object_entries_js(value: &JsValue) -> Result<Array, JsValue>;
}

/// `String(value)`: JS's own text form (keeps float formatting out of the wasm). A value
/// with no string form (`Object.create(null)`, a Proxy that throws) gives a placeholder
/// instead of an exception.
pub fn js_string(value: &JsValue) -> String {
    string_of(value).unwrap_or_else(|_| if value.is_function() { "[function]".into() } else { "[object without a string form]".into() })
}

/// `Number(value)`: JS's own number parsing (NaN when not a number, or when it throws).
pub fn js_number(value: &JsValue) -> f64 {
    number_of(value).unwrap_or(f64::NAN)
}

/// `JSON.parse(JSON.stringify(value))`: a copy with no getters, `toJSON` or traps left, so
/// the engine can serialize it again under its borrow without running app code; `undefined`
/// when it cannot be serialized (or the app code throws).
pub fn plain_copy(value: &JsValue) -> JsValue {
    match json_stringify(value) {
        Ok(text) if text.is_string() => json_parse(&text).unwrap_or(JsValue::UNDEFINED),
        _ => JsValue::UNDEFINED,
    }
}

/// `Object.entries(value)` as `[key, value]` arrays; `None` when it throws.
pub fn object_entries(value: &JsValue) -> Option<Array> {
    object_entries_js(value).ok()
}

#[wasm_bindgen]
extern "C" {
    /// A parsed frame object, read with plain property getters (no key strings, no
    /// `Reflect` try/catch on the per-frame path).
    pub type RawFrame;
    // `catch`: a getter defined on `Object.prototype` by the page could run (and throw) for
    // a field the frame does not have.
    #[wasm_bindgen(method, getter, structural, catch)]
    fn event(this: &RawFrame) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn channel(this: &RawFrame) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn data(this: &RawFrame) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn user_id(this: &RawFrame) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn serial(this: &RawFrame) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn stream_id(this: &RawFrame) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn message_id(this: &RawFrame) -> Result<JsValue, JsValue>;
}

/// Decodes a frame parsed by `JSON.parse`: the fast path of [`crate::protocol::decode_frame`],
/// with the same rules ([`crate::protocol::decode_fields`]); the stream position (Sockudo's
/// protocol 2) is read only when `positions` (`connectionRecovery`).
pub fn decode_js_frame(value: &JsValue, positions: bool) -> Result<InboundFrame<JsValue>, FrameError> {
    // An array passes this check but has no string `event`, so it is refused below.
    if !value.is_object() {
        return Err(FrameError::MissingEvent);
    }
    let frame: &RawFrame = value.unchecked_ref();
    let present = |v: Result<JsValue, JsValue>| v.ok().filter(|v| !v.is_undefined());
    let mut decoded = decode_fields(present(frame.event()), present(frame.channel()), present(frame.data()), present(frame.user_id()))?;
    if positions {
        decoded.position = decode_position(present(frame.serial()), present(frame.stream_id()), present(frame.message_id()));
    }
    Ok(decoded)
}

impl Payload for JsValue {
    fn parse_json(text: &str) -> Option<Self> {
        json_parse(&JsValue::from_str(text)).ok()
    }
    fn to_json(&self) -> Option<String> {
        json_stringify(self).ok().and_then(|s| s.as_string())
    }
    fn from_text(text: &str) -> Self {
        JsValue::from_str(text)
    }
    fn null() -> Self {
        JsValue::NULL
    }
    fn get(&self, key: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        Reflect::get(self, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined())
    }
    fn as_text(&self) -> Option<String> {
        self.as_string()
    }
    fn is_string(&self) -> bool {
        JsValue::is_string(self)
    }
    fn parse_string(&self) -> Option<Self> {
        if JsValue::is_string(self) {
            json_parse(self).ok()
        } else {
            None
        }
    }
    fn as_number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn entries(&self) -> Option<Vec<(String, Self)>> {
        if !Payload::is_object(self) {
            return None;
        }
        let keys = object_keys(self).ok()?;
        Some(
            keys.iter()
                .filter_map(|key| {
                    let value = Reflect::get(self, &key).ok()?;
                    Some((key.as_string()?, value))
                })
                .collect(),
        )
    }
    fn items(&self) -> Option<Vec<Self>> {
        if Array::is_array(self) {
            Some(self.unchecked_ref::<Array>().iter().collect())
        } else {
            None
        }
    }
    fn is_object(&self) -> bool {
        JsValue::is_object(self) && !Array::is_array(self)
    }
}
