//! The [`Payload`] trait: the one view the core has of JSON values.
//!
//! The core never parses JSON itself. In the browser the edge hands it values produced by
//! the browser's own `JSON.parse` (a `JsValue`); in native tests and fuzzing the values are
//! `serde_json::Value`s. Protocol fields (`socket_id`, presence hashes, error codes) are read
//! through these accessors, and user payloads pass through untouched, so the shipped wasm
//! contains no JSON parser and user data never round-trips through Rust strings.

use std::fmt::Debug;

/// A JSON-like value the core can inspect without owning a parser.
pub trait Payload: Clone + Debug + 'static {
    /// Parses JSON text; `None` when the text is not JSON.
    fn parse_json(text: &str) -> Option<Self>;
    /// Serializes to JSON text; `None` when the value cannot be serialized.
    fn to_json(&self) -> Option<String>;
    /// A JSON string value holding `text`.
    fn from_text(text: &str) -> Self;
    /// The JSON `null`.
    fn null() -> Self;
    /// The field `key` of an object; `None` for a missing field or a non-object.
    fn get(&self, key: &str) -> Option<Self>;
    /// The value as text when it is a JSON string.
    fn as_text(&self) -> Option<String>;
    /// True for JSON strings.
    fn is_string(&self) -> bool;
    /// When the value is a string holding JSON, the parsed value (without copying the text
    /// through Rust where the implementation can avoid it).
    fn parse_string(&self) -> Option<Self> {
        self.as_text().and_then(|text| Self::parse_json(&text))
    }
    /// The value as a number when it is a JSON number.
    fn as_number(&self) -> Option<f64>;
    /// The entries of an object, in the object's order; `None` for a non-object.
    fn entries(&self) -> Option<Vec<(String, Self)>>;
    /// The items of an array; `None` for a non-array.
    fn items(&self) -> Option<Vec<Self>>;
    /// True for JSON objects (not arrays, not null).
    fn is_object(&self) -> bool;

    /// A string or an integer number as text (Pusher ids may be either).
    fn as_id(&self) -> Option<String> {
        if let Some(text) = self.as_text() {
            return Some(text);
        }
        let number = self.as_number()?;
        if number.fract() == 0.0 && number.abs() < 9.007_199_254_740_992e15 {
            Some((number as i64).to_string())
        } else {
            None
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    //! `serde_json::Value` as a [`Payload`], for native tests, fuzzing and benchmarks.
    use super::Payload;
    use serde_json::Value;

    impl Payload for Value {
        fn parse_json(text: &str) -> Option<Self> {
            serde_json::from_str(text).ok()
        }
        fn to_json(&self) -> Option<String> {
            serde_json::to_string(self).ok()
        }
        fn from_text(text: &str) -> Self {
            Value::String(text.to_owned())
        }
        fn null() -> Self {
            Value::Null
        }
        fn get(&self, key: &str) -> Option<Self> {
            self.as_object()?.get(key).cloned()
        }
        fn as_text(&self) -> Option<String> {
            self.as_str().map(str::to_owned)
        }
        fn is_string(&self) -> bool {
            Value::is_string(self)
        }
        fn as_number(&self) -> Option<f64> {
            self.as_f64()
        }
        fn entries(&self) -> Option<Vec<(String, Self)>> {
            Some(self.as_object()?.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        fn items(&self) -> Option<Vec<Self>> {
            self.as_array().cloned()
        }
        fn is_object(&self) -> bool {
            Value::is_object(self)
        }
    }
}
