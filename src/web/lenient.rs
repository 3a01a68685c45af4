//! Lenient fields for the structs [`super::boundary`] reads: each takes any JS value and says
//! what it got ([`Lenient::Invalid`] keeps it), so serde never refuses; the caller refuses
//! with a message that names the option path and the fix. Numbers and strings are converted
//! with JS's own `Number()`/`String()` (no float parsing of our own): Vite's `"8080"` is a
//! port, `7` a header value.

use js_sys::{Array, Function};
use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::boundary::is_array;
use super::js_de::{from_value, take_js_value};
use super::payload::{js_number, js_string};

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
        from_value(value.clone()).map(Section)
    }
}

/// An object's entries in order (`auth.headers`, `auth.params`), each value [`Lenient`].
pub struct Entries<T>(pub Vec<(String, Lenient<T>)>);

impl<T: FromJs> FromJs for Entries<T> {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !value.is_object() || is_array(value).unwrap_or(true) {
            return None;
        }
        from_value(value.clone())
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
