//! Small JS helpers the edge and the facade share: setting a property, building a plain
//! object or an array, the console, and running a future on the page's event loop.
//!
//! A leaf: it imports nothing from the crate. The console methods are bound with `catch`:
//! pages and test frameworks replace them with ones that throw (fail-on-console setups), and
//! a throw must not go through the wasm.

use std::future::Future;
use std::pin::Pin;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn, catch)]
    fn console_warn(message: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = console, js_name = error, catch)]
    fn console_error(message: &str, error: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = console, js_name = debug, catch)]
    fn console_debug(prefix: &str, message: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = setPrototypeOf, catch)]
    fn set_prototype_of(object: &JsValue, prototype: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Array, js_name = from, catch)]
    fn array_from(array_like: &JsValue) -> Result<Array, JsValue>;
}

/// An array of `items`, made by `Array.from` of a null-prototype array-like: its elements are
/// defined as own data properties, so no inherited (page-defined) index setter runs, as it
/// would for `push` onto a new array.
pub fn array(items: impl IntoIterator<Item = JsValue>) -> Array {
    let like: Object = Object::create(JsValue::NULL.unchecked_ref());
    let mut length = 0u32;
    for item in items {
        let _ = Reflect::set_u32(&like, length, &item);
        length += 1;
    }
    let _ = Reflect::set(&like, &JsValue::from_str("length"), &JsValue::from(length));
    array_from(&like).unwrap_or_default()
}

/// A plain object with `pairs` as own data properties. Built on a null prototype and given
/// `Object.prototype` after, so no inherited (page-defined) setter runs or swallows a value.
pub fn object(pairs: &[(&str, &JsValue)]) -> Object {
    let object: Object = Object::create(JsValue::NULL.unchecked_ref());
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    let _ = set_prototype_of(&object, &Object::get_prototype_of(&Object::new()));
    object
}

/// `object[key] = value` (a setter that throws is ignored).
pub fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// `console.warn(message)`; a throwing console is ignored.
pub fn warn(message: &str) {
    let _ = console_warn(message);
}

/// `console.error(message, error)`; a throwing console is ignored.
pub fn error(message: &str, error: &JsValue) {
    let _ = console_error(message, error);
}

/// `console.debug(prefix, message)`; a throwing console is ignored.
pub fn debug(prefix: &str, message: &JsValue) {
    let _ = console_debug(prefix, message);
}

/// Runs `task` on the page's event loop (`wasm_bindgen_futures::spawn_local`). Every
/// `spawn_local` of the crate goes through this one non-generic call, so the executor's spawn
/// code is linked once for them instead of once per call site (BENCHMARKS.md, "Issue 11: size
/// levers"; `future_to_promise` in `api/notifications.rs` still spawns its own). The task is
/// boxed once more inside, and debug builds name every task after this boxed type in DevTools'
/// async stacks.
pub fn spawn(task: Pin<Box<dyn Future<Output = ()>>>) {
    wasm_bindgen_futures::spawn_local(task);
}
