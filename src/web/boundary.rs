//! serde at the JS boundary: app values in (options, auth replies, notification specs) and
//! plain objects out (`diagnose()`, member lists).
//!
//! - **Snapshots first.** [`read_struct`] first reads the fields the target struct has
//!   (its serde field names; `Reflect.get` with `catch`, so an unrelated key is never
//!   touched and a throw names its field) and copies them with [`snapshot`]
//!   (`Object.entries` and `Array.from`, with `catch`) into null-prototype objects, `depth`
//!   levels deep. serde then reads only that copy, with our own deserializer
//!   ([`super::js_de`]: serde-wasm-bindgen's links float formatting through its error
//!   path, about 16 KB gzip). Below `depth` values are kept as they are.
//! - **Leaves never fail:** the target structs' fields are [`super::lenient`] types, so
//!   serde's own messages (which name no path) never reach the user.
//! - **Out:** [`write`] serializes with serde-wasm-bindgen, `None` as `null`; user values that are JS values
//!   stay JS values (`#[serde(with = "serde_wasm_bindgen::preserve")]`). It sets properties
//!   on new objects without `catch`, so a page's throwing `Object.prototype` setter would
//!   throw through it: it serves only calls the app makes (`diagnose()`,
//!   `channel.members`), never the client's own loop, which builds its few objects (the
//!   `Notification` options, the authorizer's `{name}`) as own data properties.

use std::cell::Cell;

use js_sys::{Array, Object, Reflect};
use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::payload::object_entries;

#[wasm_bindgen]
extern "C" {
    /// `Array.from(value)` (an iterator or Proxy trap may throw).
    #[wasm_bindgen(js_namespace = Array, js_name = from, catch)]
    fn array_from(value: &JsValue) -> Result<Array, JsValue>;
    /// `Array.isArray(value)` (throws for a revoked Proxy).
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    pub(super) fn is_array(value: &JsValue) -> Result<bool, JsValue>;
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
/// are left out of the copy); its fields are lenient, so nothing else can fail.
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
    super::js_de::from_value(copy.into()).ok_or(Unreadable::NotAnObject)
}

/// [`read_struct`], `None` for anything unreadable (replies and specs: read as empty).
pub fn read<T: DeserializeOwned>(value: &JsValue, depth: u8) -> Option<T> {
    read_struct(value, depth).ok()
}

/// Serializes `value` to plain JS objects (`None` as `null`).
pub fn write<T: Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true)).unwrap_or(JsValue::NULL)
}
