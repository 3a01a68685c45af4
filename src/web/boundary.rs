//! serde at the JS boundary: app values in (options, auth replies, notification specs) with
//! [`read`], plain objects out (`diagnose()`, member lists) with [`write`].
//!
//! - **In: our own small `Deserializer`** ([`JsDeserializer`]), not serde-wasm-bindgen's.
//!   Two reasons, both measured: serde-wasm-bindgen reads object fields with plain property
//!   gets (not imported with `catch`), so a getter or Proxy trap that throws would unwind
//!   through wasm frames; and its error paths format `Unexpected::Float`, which links
//!   `core::fmt`'s float formatting (Grisu and Dragon tables). Ours reads each field with
//!   `Reflect.get` (imported with `catch`: a throw reads as absent, as laravel-echo's spread
//!   of the options would have failed earlier) and its error ([`Refused`]) formats nothing.
//!   It serves `#[derive(Deserialize)]` structs, maps ([`Entries`]) and [`Lenient`] leaves.
//! - **Leaves never fail.** [`Lenient`] fields take any JS value and say what they got
//!   ([`Lenient::Invalid`] keeps it). The caller refuses it with a message that names the
//!   option path and the fix, so serde's messages (which name no path) never reach the
//!   user. Numbers and strings are read with JS's own `Number()`/`String()`: no float
//!   parsing or formatting is linked for them.
//! - **Out: serde-wasm-bindgen's `Serializer`**, `None` as `null`; user values that are JS
//!   values stay JS values (`serde_wasm_bindgen::preserve`).

use std::cell::Cell;

use js_sys::{Array, Function, Reflect};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::payload::{js_number, js_string, object_entries};

#[wasm_bindgen]
extern "C" {
    /// `Array.isArray(value)` (throws for a revoked Proxy).
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array_js(value: &JsValue) -> Result<bool, JsValue>;
}

/// `Array.isArray`, false when it throws.
fn is_array(value: &JsValue) -> bool {
    is_array_js(value).unwrap_or(false)
}

/// Reads `T` from `value`; `None` when `value` is not an object (or an `Entries` map cannot
/// be listed). `T`'s fields are [`Lenient`], so nothing else can fail.
pub fn read<T: DeserializeOwned>(value: &JsValue) -> Option<T> {
    if !value.is_object() {
        return None;
    }
    T::deserialize(JsDeserializer(value.clone())).ok()
}

/// Serializes `value` to plain JS objects (`None` as `null`).
pub fn write<T: Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true)).unwrap_or(JsValue::NULL)
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

/// The newtype name [`Lenient`] asks [`JsDeserializer`] for: hand over the JS value itself.
const JS_VALUE: &str = "echo_wasm::JsValue";

thread_local! {
    /// The value handed from [`JsDeserializer`] to [`Lenient`] (wasm is single-threaded;
    /// a `Cell`, so no borrow is ever held).
    static HANDOFF: Cell<Option<JsValue>> = const { Cell::new(None) };
}

/// serde's `Deserializer` over one JS value (see the module docs).
pub struct JsDeserializer(JsValue);

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
        let entries = entries.ok_or(Refused)?;
        visitor.visit_map(Pairs { entries, at: 0, next: None })
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

/// How one JS value becomes a field's type; `None` refuses it.
pub trait FromJs: Sized {
    /// Converts `value` (never `undefined` or `null`).
    fn from_js(value: &JsValue) -> Option<Self>;
}

/// A field that accepts any JS value: absent (`undefined`/`null`), valid, or invalid (kept
/// for the message).
#[derive(Debug, Default)]
pub enum Lenient<T> {
    /// Not given (missing, `undefined` or `null`).
    #[default]
    Absent,
    /// Given and converted.
    Valid(T),
    /// Given with the wrong type.
    Invalid(JsValue),
}

impl<T> Lenient<T> {
    /// The value, `None` when absent, `Err(refusal)` when invalid.
    pub fn or_refuse<E>(self, refusal: impl FnOnce(&JsValue) -> E) -> Result<Option<T>, E> {
        match self {
            Lenient::Absent => Ok(None),
            Lenient::Valid(v) => Ok(Some(v)),
            Lenient::Invalid(v) => Err(refusal(&v)),
        }
    }

    /// The value when valid (absent and invalid both give `None`).
    pub fn ok(self) -> Option<T> {
        match self {
            Lenient::Valid(v) => Some(v),
            _ => None,
        }
    }
}

/// The JS value a [`JsDeserializer`] is at, as it is (`undefined` from another deserializer).
fn take_js_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<JsValue, D::Error> {
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

impl<'de, T: FromJs> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = take_js_value(deserializer)?;
        Ok(if value.is_undefined() || value.is_null() {
            Lenient::Absent
        } else {
            match T::from_js(&value) {
                Some(v) => Lenient::Valid(v),
                None => Lenient::Invalid(value),
            }
        })
    }
}

/// A field kept as the JS value it is (`null` included; `undefined` when missing).
#[derive(Debug)]
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

/// A string; a number is taken in its JS text form (Vite's env values, numeric keys).
impl FromJs for String {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_string().or_else(|| value.as_f64().map(|_| js_string(value)))
    }
}

/// A string, number or boolean in its JS text form (header and form values).
pub struct Scalar(pub String);

impl FromJs for Scalar {
    fn from_js(value: &JsValue) -> Option<Self> {
        let scalar = value.as_string().is_some() || value.as_f64().is_some() || value.as_bool().is_some();
        scalar.then(|| Scalar(js_string(value)))
    }
}

/// A number, or a string JS's `Number()` reads as one (Vite's `"8080"`); never NaN.
pub struct Number(pub f64);

impl FromJs for Number {
    fn from_js(value: &JsValue) -> Option<Self> {
        let numeric = value.as_f64().is_some() || value.as_string().is_some_and(|s| !s.trim().is_empty());
        Some(Number(js_number(value))).filter(|n| numeric && !n.0.is_nan())
    }
}

/// `true`/`false`, or the strings `"true"`/`"false"` (env values).
impl FromJs for bool {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_bool().or_else(|| match value.as_string().as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        })
    }
}

impl FromJs for Function {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.is_function().then(|| value.clone().unchecked_into())
    }
}

/// An array (of anything: the caller checks the items).
impl FromJs for Array {
    fn from_js(value: &JsValue) -> Option<Self> {
        is_array(value).then(|| value.clone().unchecked_into())
    }
}

/// A string, or an object in its `JSON.stringify` form (`channel_data`, `user_data`).
pub struct JsonText(pub String);

impl FromJs for JsonText {
    fn from_js(value: &JsValue) -> Option<Self> {
        use crate::payload::Payload;
        value.as_string().or_else(|| if value.is_object() { value.to_json() } else { None }).map(JsonText)
    }
}

/// A nested options object read into its own struct (whose fields are [`Lenient`]).
pub struct Section<T>(pub T);

impl<T: DeserializeOwned> FromJs for Section<T> {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !value.is_object() || is_array(value) {
            return None;
        }
        T::deserialize(JsDeserializer(value.clone())).ok().map(Section)
    }
}

/// An object's entries in order (`auth.headers`, `auth.params`), each value [`Lenient`].
pub struct Entries<T>(pub Vec<(String, Lenient<T>)>);

impl<T: FromJs> FromJs for Entries<T> {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !value.is_object() || is_array(value) {
            return None;
        }
        Self::deserialize(JsDeserializer(value.clone())).ok()
    }
}

impl<'de, T: FromJs> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: FromJs> Visitor<'de> for EntriesVisitor<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Lenient<T>>()? {
                    out.push((key, value));
                }
                Ok(Entries(out))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}
