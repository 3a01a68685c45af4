//! Our own serde `Deserializer` over JS values ([`from_value`]), for the plain-data snapshots
//! [`super::boundary`] reads app values from, and [`Raw`], a field that keeps its JS value.
//!
//! Why not serde-wasm-bindgen's: its error path (`invalid_type` with `Unexpected::Float`)
//! is one non-generic function every derived struct reaches, and formatting it links
//! `core::fmt`'s float formatting (Grisu and Dragon tables): BENCHMARKS.md, "Issue 11: size
//! levers", measures it at about 16 KB gzip. Here the error ([`Refused`]) formats nothing:
//! the boundary's callers word every refusal themselves, naming the option and the fix.
//! serde-wasm-bindgen stays for the way out (`diagnose()`, member lists).
//!
//! It serves what the boundary's structs use: `#[derive(Deserialize)]` structs with named
//! fields (each read with `Reflect.get`, imported with `catch`: a throw reads as absent),
//! maps (`Object.entries`, with `catch`), strings and booleans, and JS values handed over as
//! they are ([`take_js_value`], for [`Raw`] and the lenient fields). Anything else is refused.

use std::cell::Cell;

use js_sys::{Array, Reflect};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use super::payload::object_entries;

/// Reads `T` from `value`; `None` when it does not fit (`T`'s fields decide what fits).
pub fn from_value<T: DeserializeOwned>(value: JsValue) -> Option<T> {
    T::deserialize(JsDeserializer(value)).ok()
}

/// The deserialization error: nothing to format (the caller words the refusal).
#[derive(Debug)]
pub struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Refused
    }
}

/// The newtype name [`take_js_value`] asks [`JsDeserializer`] for: hand over the JS value.
const JS_VALUE: &str = "echo_wasm::JsValue";

thread_local! {
    /// The value handed from [`JsDeserializer`] to [`take_js_value`] (wasm is single-threaded;
    /// a `Cell`, so no borrow is ever held).
    static HANDOFF: Cell<Option<JsValue>> = const { Cell::new(None) };
}

/// The JS value a [`JsDeserializer`] is at, as it is (`undefined` from another deserializer).
pub fn take_js_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<JsValue, D::Error> {
    struct Handoff;
    impl<'de> Visitor<'de> for Handoff {
        type Value = JsValue;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JS value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<JsValue, E> {
            Ok(HANDOFF.with(Cell::take).unwrap_or(JsValue::UNDEFINED))
        }
    }
    deserializer.deserialize_newtype_struct(JS_VALUE, Handoff)
}

/// A field kept as the JS value it is (`undefined` when absent).
pub struct Raw(pub JsValue);

impl Default for Raw {
    fn default() -> Self {
        Raw(JsValue::UNDEFINED)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        take_js_value(deserializer).map(Raw)
    }
}

/// serde's `Deserializer` over one JS value (see the module docs).
struct JsDeserializer(JsValue);

impl<'de> Deserializer<'de> for JsDeserializer {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        let v = &self.0;
        if v.is_undefined() || v.is_null() {
            visitor.visit_unit()
        } else if let Some(b) = v.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(s) = v.as_string() {
            visitor.visit_string(s)
        } else {
            Err(Refused)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        if self.0.is_undefined() || self.0.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Refused> {
        if name == JS_VALUE {
            HANDOFF.with(|slot| slot.set(Some(self.0)));
            visitor.visit_unit()
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Refused> {
        if !self.0.is_object() {
            return Err(Refused);
        }
        visitor.visit_map(Fields { object: self.0, fields: fields.iter(), next: None })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        let entries = if self.0.is_object() { object_entries(&self.0) } else { None };
        visitor.visit_map(Pairs { entries: entries.ok_or(Refused)?, at: 0, next: None })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

/// A struct's fields, read one by one with `Reflect.get` (absent when it throws).
struct Fields {
    object: JsValue,
    fields: std::slice::Iter<'static, &'static str>,
    next: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Refused> {
        for field in &mut self.fields {
            let value = Reflect::get(&self.object, &JsValue::from_str(field)).unwrap_or(JsValue::UNDEFINED);
            if !value.is_undefined() {
                self.next = Some(value);
                return seed.deserialize(field.into_deserializer()).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        seed.deserialize(JsDeserializer(self.next.take().unwrap_or(JsValue::UNDEFINED)))
    }
}

/// An object's `[key, value]` entries (`Object.entries`, taken once with `catch`).
struct Pairs {
    entries: Array,
    at: u32,
    next: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Pairs {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Refused> {
        if self.at >= self.entries.length() {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.at).unchecked_into();
        self.at += 1;
        self.next = Some(pair.get(1));
        seed.deserialize(IntoDeserializer::<Refused>::into_deserializer(pair.get(0).as_string().unwrap_or_default())).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        seed.deserialize(JsDeserializer(self.next.take().unwrap_or(JsValue::UNDEFINED)))
    }
}
