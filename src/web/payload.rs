//! `JsValue` as the core's [`Payload`]: JSON values produced by the browser's own
//! `JSON.parse`, read with `Reflect`. User payloads stay JS values from socket to listener.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::payload::Payload;

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

thread_local! {
    /// The frame field names, created once: building a JS string per lookup would cost more
    /// than the lookup itself on the per-frame path.
    static FRAME_KEYS: [JsValue; 4] = ["event", "channel", "data", "user_id"].map(JsValue::from_str);
}

/// The JS string for `key`, cached for the four frame fields.
fn key(key: &str) -> JsValue {
    let cached = match key {
        "event" => 0,
        "channel" => 1,
        "data" => 2,
        "user_id" => 3,
        _ => return JsValue::from_str(key),
    };
    FRAME_KEYS.with(|keys| keys[cached].clone())
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
        Reflect::get(self, &self::key(key)).ok().filter(|v| !v.is_undefined())
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
