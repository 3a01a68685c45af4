//! `JsValue` as the core's [`Payload`]: JSON values produced by the browser's own
//! `JSON.parse`, read with `Reflect`. User payloads stay JS values from socket to listener.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::payload::Payload;
use crate::protocol::{decode_fields, FrameError, InboundFrame};

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string, without copying it through Rust.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
    /// `JSON.stringify`.
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    /// `String(value)`: JS's own text form (keeps float formatting out of the wasm).
    #[wasm_bindgen(js_name = String)]
    pub fn js_string(value: &JsValue) -> String;
    /// `Number(value)`: JS's own number parsing (NaN when not a number).
    #[wasm_bindgen(js_name = Number)]
    pub fn js_number(value: &JsValue) -> f64;
}

#[wasm_bindgen]
extern "C" {
    /// A parsed frame object, read with plain property getters (no key strings, no
    /// `Reflect` try/catch on the per-frame path).
    pub type RawFrame;
    #[wasm_bindgen(method, getter, structural)]
    fn event(this: &RawFrame) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    fn channel(this: &RawFrame) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    fn data(this: &RawFrame) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    fn user_id(this: &RawFrame) -> JsValue;
}

/// Decodes a frame parsed by `JSON.parse`: the fast path of [`crate::protocol::decode_frame`],
/// with the same rules ([`crate::protocol::decode_fields`]).
pub fn decode_js_frame(value: &JsValue) -> Result<InboundFrame<JsValue>, FrameError> {
    // An array passes this check but has no string `event`, so it is refused below.
    if !value.is_object() {
        return Err(FrameError::MissingEvent);
    }
    let frame: &RawFrame = value.unchecked_ref();
    let present = |v: JsValue| if v.is_undefined() { None } else { Some(v) };
    decode_fields(present(frame.event()), present(frame.channel()), present(frame.data()), present(frame.user_id()))
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
        let object: &Object = self.unchecked_ref();
        let keys = Object::keys(object);
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
