//! serde at the JS boundary: app values in (options, auth replies, notification specs) and
//! plain objects out (`diagnose()`, member lists), with serde-wasm-bindgen.
//!
//! - **Snapshots first.** serde-wasm-bindgen reads an object's fields with plain property
//!   gets, not imported with `catch`: a getter or Proxy trap that throws would unwind
//!   through wasm frames. So [`read_struct`] first reads the fields the target struct has
//!   (its serde field names; `Reflect.get` with `catch`, so an unrelated key is never
//!   touched and a throw names its field) and copies them with [`snapshot`]
//!   (`Object.entries` and `Array.from`, with `catch`) into null-prototype objects, `depth`
//!   levels deep. serde then reads only that copy. Below `depth` values are kept as they are.
//! - **Leaves never fail.** [`Lenient`] fields take any JS value and say what they got
//!   ([`Lenient::Invalid`] keeps it). The caller refuses it with a message that names the
//!   option path and the fix; serde's own messages (which name no path) never reach the
//!   user. Numbers and strings are read with JS's own `Number()`/`String()` (no float
//!   parsing of our own). serde-wasm-bindgen's own error paths still link `core::fmt`'s
//!   float formatting (`Unexpected::Float`): BENCHMARKS.md measures that cost.
//! - **Out:** [`write`] serializes with `None` as `null`; user values that are JS values
//!   stay JS values (`#[serde(with = "serde_wasm_bindgen::preserve")]`). It sets properties
//!   on new objects without `catch`, so a page's throwing `Object.prototype` setter would
//!   throw through it: it serves only calls the app makes (`diagnose()`,
//!   `channel.members`), never the client's own loop, which builds its few objects (the
//!   `Notification` options, the authorizer's `{name}`) with catch-guarded sets.

use std::cell::Cell;

use js_sys::{Array, Function, Object, Reflect};
use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::payload::{js_number, js_string, object_entries};

#[wasm_bindgen]
extern "C" {
    /// `Array.from(value)` (an iterator or Proxy trap may throw).
    #[wasm_bindgen(js_namespace = Array, js_name = from, catch)]
    fn array_from(value: &JsValue) -> Result<Array, JsValue>;
    /// `Array.isArray(value)` (throws for a revoked Proxy).
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    /// `Object.fromEntries(pairs)`: data properties only (no setter runs, `__proto__` is a key).
    #[wasm_bindgen(js_namespace = Object, js_name = fromEntries, catch)]
    fn from_entries(pairs: &Array) -> Result<JsValue, JsValue>;
    /// `Object.setPrototypeOf(object, null)`: a missing field then reads no page-defined
    /// `Object.prototype` getter.
    #[wasm_bindgen(js_namespace = Object, js_name = setPrototypeOf, catch)]
    fn set_prototype_of(object: &JsValue, prototype: &JsValue) -> Result<JsValue, JsValue>;
}

/// A plain-data copy of `value`, `depth` levels of objects and arrays deep (functions and
/// primitives as they are). Errs with what app code threw.
pub fn snapshot(value: &JsValue, depth: u8) -> Result<JsValue, JsValue> {
    if depth == 0 || !value.is_object() {
        return Ok(value.clone());
    }
    if is_array(value)? {
        // Copied in place: the array `Array.from` made has own data properties, so replacing
        // them runs no inherited setter (a `push` onto a new array would).
        let items = array_from(value)?;
        for at in 0..items.length() {
            items.set(at, snapshot(&items.get(at), depth - 1)?);
        }
        return Ok(items.into());
    }
    let entries = object_entries(value).ok_or_else(|| JsValue::from_str("a getter or Proxy trap threw"))?;
    for pair in entries.iter() {
        let pair: &Array = pair.unchecked_ref();
        pair.set(1, snapshot(&pair.get(1), depth - 1)?);
    }
    let copy = from_entries(&entries)?;
    set_prototype_of(&copy, &JsValue::NULL)?;
    Ok(copy)
}

/// The field names serde reads for the struct `T` (renames applied): what its derived
/// `Deserialize` passes to `deserialize_struct`, captured by a deserializer that stops there.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Names<'a>(&'a Cell<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], _: V) -> Result<V::Value, Self::Error> {
            self.0.set(fields);
            Err(serde::de::Error::custom("names taken"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let names = Cell::new(&[][..]);
    let _ = T::deserialize(Names(&names));
    names.get()
}

/// Why [`read_struct`] could not read a value.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Not an object.
    NotAnObject,
    /// Reading this field ran app code that threw (a getter or a Proxy trap).
    Threw(&'static str),
}

/// Reads the struct `T` from `value`: only the fields `T` has are read (each with
/// `Reflect.get`, imported with `catch`, so an unrelated key's getter never runs) and copied
/// [`snapshot`] `depth - 1` levels deep; serde then reads that plain-data copy. `T` must be
/// a `#[derive(Deserialize)]` struct with named fields and `#[serde(default)]` (absent fields
/// are left out of the copy); its fields are [`Lenient`], so nothing else can fail.
pub fn read_struct<T: DeserializeOwned>(value: &JsValue, depth: u8) -> Result<T, Unreadable> {
    if !value.is_object() {
        return Err(Unreadable::NotAnObject);
    }
    let fields = field_names::<T>();
    // Only a plain named-field struct hands serde its field names; anything else would read
    // as all-absent.
    debug_assert!(!fields.is_empty(), "read_struct needs a #[derive(Deserialize)] struct with named fields");
    if fields.is_empty() {
        return Err(Unreadable::NotAnObject);
    }
    // A null-prototype copy: setting its properties runs no inherited (page-defined) setter.
    let copy: Object = Object::create(JsValue::NULL.unchecked_ref());
    for field in fields {
        let key = JsValue::from_str(field);
        let item = Reflect::get(value, &key).map_err(|_| Unreadable::Threw(field))?;
        if item.is_undefined() {
            continue;
        }
        let item = snapshot(&item, depth.saturating_sub(1)).map_err(|_| Unreadable::Threw(field))?;
        Reflect::set(&copy, &key, &item).map_err(|_| Unreadable::Threw(field))?;
    }
    serde_wasm_bindgen::from_value(copy.into()).map_err(|_| Unreadable::NotAnObject)
}

/// [`read_struct`], `None` for anything unreadable (replies and specs: read as empty).
pub fn read<T: DeserializeOwned>(value: &JsValue, depth: u8) -> Option<T> {
    read_struct(value, depth).ok()
}

/// Serializes `value` to plain JS objects (`None` as `null`).
pub fn write<T: Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true)).unwrap_or(JsValue::NULL)
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

impl<'de, T: FromJs> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value: JsValue = serde_wasm_bindgen::preserve::deserialize(deserializer)?;
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
        value.dyn_ref::<Function>().cloned()
    }
}

/// An array (of anything: the caller checks the items).
impl FromJs for Array {
    fn from_js(value: &JsValue) -> Option<Self> {
        is_array(value).unwrap_or(false).then(|| value.clone().unchecked_into())
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
        if !value.is_object() || is_array(value).unwrap_or(true) {
            return None;
        }
        serde_wasm_bindgen::from_value(value.clone()).ok().map(Section)
    }
}

/// An object's entries in order (`auth.headers`, `auth.params`), each value [`Lenient`].
pub struct Entries<T>(pub Vec<(String, Lenient<T>)>);

impl<T: FromJs> FromJs for Entries<T> {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !value.is_object() || is_array(value).unwrap_or(true) {
            return None;
        }
        serde_wasm_bindgen::from_value(value.clone()).ok()
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
